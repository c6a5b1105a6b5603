#!/usr/bin/env python3
"""Selection references: SAS PROC LOGISTIC's forward, backward and stepwise rules, with every
statistic computed by statsmodels, on the conformance data sets (Tests/RiskModelTests/References).

The rules are SAS's (and VariableSelection's documentation): an effect is an input column, a
categorical one entering or leaving as the block of its dummies; entry takes the candidate with the
smallest p-value of the efficient score chi-square at the current fit (statsmodels
GLMResults.score_test with exog_extra: the score test for omitted variables), ties to the larger
chi-square, if p < SLENTRY; removal takes the effect with the largest p-value of the block's Wald
chi-square (GLMResults.wald_test, chi-square form; or the likelihood-ratio chi-square of the two
statsmodels fits, its tail from scipy), the first in model order on ties, if p > SLSTAY;
stepwise alternates one entry and at most one removal, and stops when nothing changes or the effect
that would enter is the one just removed. Only the rules are written here; every chi-square, p-value
and fit is statsmodels'.

Run (any venv with requirements.txt):  .venv/bin/python make_selection_references.py
"""
import json
import os
import sys

import numpy as np
import pandas as pd
import statsmodels
import statsmodels.api as sm
from scipy import stats
from terms import design

HERE = os.path.dirname(__file__)
REF = os.path.join(HERE, "..", "..", "Tests", "RiskModelTests", "References")
VERSIONS = {"statsmodels": statsmodels.__version__, "numpy": np.__version__, "pandas": pd.__version__,
            "python": sys.version.split()[0]}


def effect_columns(df, name, categorical, reference):
    """The design columns of one effect, named and ordered as Ciblage names them (terms.design)."""
    is_categorical = name in categorical
    x = design(df, [] if is_categorical else [name], [name] if is_categorical else [], reference.get(name))
    return {term: x[term].to_numpy() for term in x.columns if term != "Intercept"}


def select(df, target, features, categorical, reference, method, entry, stay, removal="wald"):
    y = df[target].astype(float).to_numpy()
    blocks = [effect_columns(df, f, categorical, reference) for f in features]

    def design(effects):
        cols = {"Intercept": np.ones(len(df))}
        for e in sorted(effects):
            cols.update(blocks[e])
        return pd.DataFrame(cols)

    def fit(effects):
        return sm.GLM(y, design(effects), family=sm.families.Binomial()).fit(tol=1e-14, maxiter=200)

    current = list(range(len(features))) if method == "backward" else []
    res = fit(current)
    history, last_removed = [], None
    for _ in range(1000):
        changed = False
        if method != "backward":
            best = None
            for c in range(len(features)):
                if c in current:
                    continue
                extra = pd.DataFrame(blocks[c]).to_numpy()
                chi, p = res.score_test(exog_extra=extra)[:2]
                chi, p = float(np.squeeze(chi)), float(np.squeeze(p))
                if best is None or p < best[2] or (p == best[2] and chi > best[1]):
                    best = (c, chi, p, extra.shape[1])
            if best is not None and best[2] < entry:
                if method == "stepwise" and best[0] == last_removed:
                    break
                current = sorted(current + [best[0]])
                res = fit(current)
                history.append({"entered": features[best[0]], "removed": None, "degreesOfFreedom": best[3],
                                "numberIn": len(current), "test": "score", "chiSquare": best[1], "pValue": best[2]})
                changed = True
        if method != "forward":
            while True:
                names = list(design(current).columns)
                worst = None
                for f in current:
                    idx = [names.index(t) for t in blocks[f]]
                    r = np.zeros((len(idx), len(names)))
                    for k, j in enumerate(idx):
                        r[k, j] = 1
                    if removal == "wald":
                        w = res.wald_test(r, scalar=True, use_f=False)
                        chi, p = float(np.squeeze(w.statistic)), float(np.squeeze(w.pvalue))
                    else:  # likelihood ratio: the reduced model refitted, chi-square from the two log-likelihoods
                        chi = max(0.0, 2 * (res.llf - fit([e for e in current if e != f]).llf))
                        p = float(stats.chi2.sf(chi, len(idx)))
                    if worst is None or p > worst[2]:
                        worst = (f, chi, p, len(idx))
                if worst is None or worst[2] <= stay:
                    break
                current = [f for f in current if f != worst[0]]
                res = fit(current)
                history.append({"entered": None, "removed": features[worst[0]], "degreesOfFreedom": worst[3],
                                "numberIn": len(current), "test": removal, "chiSquare": worst[1], "pValue": worst[2]})
                last_removed = worst[0]
                changed = True
                if method == "stepwise":
                    break
        if not changed:
            break
    return {"method": method, "entryLevel": entry, "stayLevel": stay, "removalTest": removal, "history": history,
            "selected": [features[f] for f in current], "estimates": [float(v) for v in res.params],
            "terms": list(design(current).columns)}


def main():
    for name, cases in [
        ("fair", [("stepwise", 0.05, 0.05), ("forward", 0.05, 0.05), ("backward", 0.05, 0.05), ("stepwise", 0.7, 0.3), ("backward", 0.05, 0.05, "lr")]),
        ("anes96", [("stepwise", 0.05, 0.05), ("forward", 0.5, 0.5), ("backward", 0.05, 0.05), ("stepwise", 0.9, 0.2), ("stepwise", 0.9, 0.2, "lr")]),
    ]:
        conformance = json.load(open(os.path.join(REF, f"{name}.json")))
        df = pd.read_csv(os.path.join(REF, conformance["csv"]), dtype={c: str for c in conformance["categorical"]})
        features = conformance["numeric"] + conformance["categorical"]
        reference = conformance.get("referenceLevel") or {}
        out = {"dataset": name, "versions": VERSIONS, "csv": conformance["csv"],
               "reference": "SAS PROC LOGISTIC selection rules; statistics from statsmodels GLM (Binomial) score_test / wald_test",
               "cases": [select(df, conformance["target"], features, conformance["categorical"], reference, m, e, s, *r)
                         for m, e, s, *r in cases]}
        path = os.path.join(REF, f"selection_{name}.json")
        with open(path + ".tmp", "w") as f:
            json.dump(out, f, indent=1)
        os.replace(path + ".tmp", path)
        for c in out["cases"]:
            steps = ", ".join((f"+{h['entered']}" if h["entered"] else f"-{h['removed']}") for h in c["history"])
            print(f"{name} {c['method']} {c['entryLevel']}/{c['stayLevel']} {c['removalTest']}: {steps} -> {c['selected']}")


if __name__ == "__main__":
    main()
