#!/usr/bin/env python3
"""Reference values for Ciblage's group audit, computed with fairlearn's MetricFrame.

Writes Tests/AccountabilityTests/References/fairness.csv (the predictions: score, selected, outcome,
two group columns) and fairness.json (fairlearn's by-group values). Every row is in the random stratum
and has a known outcome, so Ciblage's rates and fairlearn's are the same estimands:

  selection rate      = fairlearn.metrics.selection_rate(y_true, y_pred)
  hit rate            = sklearn.metrics.precision_score(y_true, y_pred)   (predictive parity)
  false positive rate = fairlearn.metrics.false_positive_rate(y_true, y_pred)
  false negative rate = fairlearn.metrics.false_negative_rate(y_true, y_pred)
  mean score          = mean of the score (calibration's "expected")
  count               = fairlearn.metrics.count

by `groupe`, and by the intersection (`groupe`, `bande`), as MetricFrame's by_group gives them.
Run with a Python that has fairlearn, scikit-learn, pandas and numpy (pip install fairlearn).
"""
import json
import os

import fairlearn
import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, count, false_negative_rate, false_positive_rate, selection_rate
from sklearn.metrics import precision_score

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "AccountabilityTests", "References")
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(7)
n = 3000
groupe = rng.choice(["a", "b", "c"], size=n, p=[0.6, 0.3, 0.1])
bande = rng.choice(["basse", "haute"], size=n, p=[0.5, 0.5])
# Scores that depend on the group, outcomes that depend on the score and the band.
logit = -1.5 + 0.8 * (groupe == "b") + 1.2 * (groupe == "c") + rng.standard_normal(n)
score = np.round(1 / (1 + np.exp(-logit)), 6)
p = np.clip(score * (0.8 + 0.4 * (bande == "haute")), 0, 1)
y = (rng.uniform(size=n) < p).astype(int)
selected = (score >= 0.35).astype(int)

df = pd.DataFrame({"id": [f"D{i:05d}" for i in range(n)], "score": score, "selectionne": selected, "cible": y,
                   "groupe": groupe, "bande": bande})
df.to_csv(os.path.join(OUT, "fairness.csv"), index=False)

metrics = {
    "selectionRate": selection_rate,
    "hitRate": lambda t, q: precision_score(t, q, zero_division=np.nan),
    "falsePositiveRate": false_positive_rate,
    "falseNegativeRate": false_negative_rate,
    "count": count,
}


def by_group(sensitive):
    mf = MetricFrame(metrics=metrics, y_true=df["cible"], y_pred=df["selectionne"], sensitive_features=sensitive)
    out = {}
    for key, row in mf.by_group.iterrows():
        name = " × ".join(f"{c}={v}" for c, v in zip(sensitive.columns, key if isinstance(key, tuple) else (key,)))
        out[name] = {k: float(row[k]) for k in metrics}
    ms = MetricFrame(metrics={"meanScore": lambda t, q: float(np.mean(q))}, y_true=df["cible"], y_pred=df["score"],
                     sensitive_features=sensitive)
    for key, row in ms.by_group.iterrows():
        name = " × ".join(f"{c}={v}" for c, v in zip(sensitive.columns, key if isinstance(key, tuple) else (key,)))
        out[name]["meanScore"] = float(row["meanScore"])
    return out


result = {
    "fairlearn": fairlearn.__version__,
    "groupe": by_group(df[["groupe"]]),
    "groupe × bande": by_group(df[["groupe", "bande"]]),
}
with open(os.path.join(OUT, "fairness.json"), "w") as f:
    json.dump(result, f, indent=1, sort_keys=True)
print("wrote", OUT)
