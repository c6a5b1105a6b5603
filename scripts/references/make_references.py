#!/usr/bin/env python3
"""Compute the conformance references for Ciblage's logistic regression.

Independent implementations (statsmodels Logit/GLM, scikit-learn) are run on real data sets that
ship inside PyPI packages. Each data set is written as the CSV Ciblage reads, and the reference
numbers as JSON next to it, in Tests/RiskModelTests/References/. Term names follow Ciblage's
contract: `Intercept`, a numeric column by name, a categorical level as `column[T.level]`.

Run:  python3 -m venv .venv && .venv/bin/pip install -r requirements.txt && .venv/bin/python make_references.py
"""
import json
import os
import sys

import numpy as np
import pandas as pd
import sklearn
import statsmodels
import statsmodels.api as sm
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression
from terms import design

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "RiskModelTests", "References")
os.makedirs(os.path.join(OUT, "data"), exist_ok=True)
VERSIONS = {"statsmodels": statsmodels.__version__, "scikit-learn": sklearn.__version__,
            "numpy": np.__version__, "pandas": pd.__version__, "python": sys.version.split()[0]}


def logit_reference(name, df, target, numeric, categorical=None, reference=None, note=""):
    X = design(df, numeric, categorical, reference)
    y = df[target].astype(float).to_numpy()
    res = sm.Logit(y, X).fit(method="newton", maxiter=200, tol=1e-14, disp=0)
    ci = res.conf_int(0.05)
    ref = {
        "dataset": name, "note": note, "versions": VERSIONS, "reference": "statsmodels.Logit (newton, tol 1e-14)",
        "csv": f"data/{name}.csv", "target": target, "numeric": numeric, "categorical": categorical or [],
        "referenceLevel": None if reference is None else {categorical[0]: str(reference)},
        "terms": list(X.columns), "params": list(res.params), "bse": list(res.bse),
        "tvalues": list(res.tvalues), "pvalues": list(res.pvalues),
        "ciLower": list(ci.iloc[:, 0]), "ciUpper": list(ci.iloc[:, 1]),
        "llf": res.llf, "llnull": res.llnull, "llr": res.llr, "llrPvalue": res.llr_pvalue,
        "prsquared": res.prsquared, "aic": res.aic, "bic": res.bic, "nobs": res.nobs,
        "maxAbsScore": float(np.max(np.abs(res.model.score(res.params)))),
    }
    write(name, df, ref)
    return ref


def write(name, df, ref):
    df.to_csv(os.path.join(OUT, "data", f"{name}.csv"), index=False)
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump(ref, f, indent=1, sort_keys=True)
    print(name, len(df), "rows")


# 1. Spector & Mazzeo (1980), statsmodels: GRADE ~ GPA + TUCE + PSI.
spector = sm.datasets.spector.load_pandas().data
logit_reference("spector", spector, "GRADE", ["GPA", "TUCE", "PSI"])

# 2. Fair's affairs (1978), statsmodels: any affair ~ numeric + occupation (categorical, reference 3).
fair = sm.datasets.fair.load_pandas().data.copy()
fair["affair"] = (fair["affairs"] > 0).astype(int)
fair["occupation"] = fair["occupation"].astype(int).astype(str)
fair = fair[["affair", "rate_marriage", "age", "yrs_married", "children", "religious", "educ", "occupation"]]
logit_reference("fair", fair, "affair", ["rate_marriage", "age", "yrs_married", "children", "religious", "educ"],
                ["occupation"], reference="3", note="categorical with a non-default reference level")

# 3. American National Election Studies 1996, statsmodels: vote ~ ... + educ (categorical, default reference).
anes = sm.datasets.anes96.load_pandas().data.copy()
anes["educ"] = anes["educ"].astype(int).astype(str)
anes = anes[["vote", "TVnews", "selfLR", "ClinLR", "DoleLR", "age", "income", "educ"]]
logit_reference("anes96", anes, "vote", ["TVnews", "selfLR", "ClinLR", "DoleLR", "age", "income"], ["educ"],
                note="categorical with the default (first sorted) reference level")

# 4. Credit card data (Greene), statsmodels: OWNRENT ~ AGE + INCOME + AVGEXP.
ccard = sm.datasets.ccard.load_pandas().data.copy()
ccard["OWNRENT"] = ccard["OWNRENT"].astype(int)
ccard = ccard[["OWNRENT", "AGE", "INCOME", "AVGEXP"]]
logit_reference("ccard", ccard, "OWNRENT", ["AGE", "INCOME", "AVGEXP"])

# 5. Wisconsin breast cancer, scikit-learn: malignant ~ five mean measurements.
bc = load_breast_cancer(as_frame=True)
cancer = bc.frame.copy()
cancer.columns = [c.replace(" ", "_") for c in cancer.columns]
cancer["malignant"] = 1 - cancer["target"]
cancer_features = ["mean_radius", "mean_texture", "mean_smoothness", "mean_concavity", "mean_symmetry"]
cancer = cancer[["malignant"] + cancer_features]
logit_reference("breast_cancer", cancer, "malignant", cancer_features)

# 6. Weights with frequency semantics: Spector with integer weights w_i = 1 + (i mod 3); the reference is
#    statsmodels Logit on the expanded data (each row repeated w_i times), which is what frequency means.
sw = spector.copy()
sw["w"] = [1 + (i % 3) for i in range(len(sw))]
expanded = sw.loc[sw.index.repeat(sw["w"])].reset_index(drop=True)
ref = logit_reference("spector_expanded", expanded.drop(columns="w"), "GRADE", ["GPA", "TUCE", "PSI"],
                      note="expanded rows; reference for the weighted fit of spector_weighted")
glm = sm.GLM(sw["GRADE"], design(sw, ["GPA", "TUCE", "PSI"]), family=sm.families.Binomial(),
             freq_weights=sw["w"].astype(float)).fit(tol=1e-14, maxiter=200)
ref = dict(ref, dataset="spector_weighted", csv="data/spector_weighted.csv", weight="w",
           note="frequency weights; params/bse/llf from Logit on the expanded rows",
           glmFreqWeightsParams=list(glm.params), glmFreqWeightsBse=list(glm.bse))
write("spector_weighted", sw, ref)
os.remove(os.path.join(OUT, "spector_expanded.json"))
os.remove(os.path.join(OUT, "data", "spector_expanded.csv"))

# 7. L2: breast cancer with lambda = 2 (scikit-learn C = 1/lambda, intercept unpenalised, no scaling),
#    solved by scikit-learn newton-cholesky at tol 1e-14, and checked by the penalised gradient.
for lam in (2.0, 50.0):
    X = cancer[cancer_features].to_numpy(float)
    y = cancer["malignant"].to_numpy(float)
    clf = LogisticRegression(C=1 / lam, solver="newton-cholesky", tol=1e-14, max_iter=1000).fit(X, y)
    beta = np.concatenate([clf.intercept_, clf.coef_[0]])
    Xi = np.column_stack([np.ones(len(y)), X])
    eta = Xi @ beta
    mu = 1 / (1 + np.exp(-eta))
    grad = Xi.T @ (mu - y) + lam * np.concatenate([[0], beta[1:]])
    llf = float(np.sum(y * eta - np.logaddexp(0, eta)))
    ref = {"dataset": f"breast_cancer_l2_{int(lam)}", "versions": VERSIONS,
           "reference": "sklearn LogisticRegression(newton-cholesky, C=1/lambda, tol=1e-14)",
           "csv": "data/breast_cancer.csv", "target": "malignant", "numeric": cancer_features, "categorical": [],
           "l2": lam, "terms": ["Intercept"] + cancer_features, "params": list(beta), "llf": llf,
           "maxAbsPenalisedGradient": float(np.max(np.abs(grad)))}
    with open(os.path.join(OUT, f"breast_cancer_l2_{int(lam)}.json"), "w") as f:
        json.dump(ref, f, indent=1, sort_keys=True)
    print(ref["dataset"], "max |penalised gradient|", ref["maxAbsPenalisedGradient"])

# 8. Separation: Fisher's iris, scikit-learn: setosa ~ sepal width + petal length. Petal length alone
#    separates setosa completely, so no maximum-likelihood estimate exists; statsmodels says so too.
iris = load_iris(as_frame=True).frame.copy()
iris.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
iris["setosa"] = (iris["species"] == 0).astype(int)
iris = iris[["setosa", "sepal_width", "petal_length"]]
try:
    r = sm.Logit(iris["setosa"], sm.add_constant(iris[["sepal_width", "petal_length"]])).fit(disp=0, maxiter=100)
    sm_verdict = f"no error; max |coef| {float(np.max(np.abs(r.params))):.3g}; converged {r.mle_retvals['converged']}"
except Exception as e:  # PerfectSeparationError in older statsmodels
    sm_verdict = f"{type(e).__name__}: {e}"
ref = {"dataset": "iris_setosa", "versions": VERSIONS, "csv": "data/iris_setosa.csv", "target": "setosa",
       "numeric": ["sepal_width", "petal_length"], "categorical": [], "separated": True,
       "separatingColumn": "petal_length",
       "maxPetalLengthSetosa": float(iris.loc[iris.setosa == 1, "petal_length"].max()),
       "minPetalLengthOther": float(iris.loc[iris.setosa == 0, "petal_length"].min()),
       "statsmodels": sm_verdict}
write("iris_setosa", iris, ref)
