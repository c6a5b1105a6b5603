#!/usr/bin/env python3
"""Reference values for Ciblage's evaluation metrics, computed with scikit-learn on fixed predictions.

Writes Tests/EvaluationTests/References/metrics.json holding the predictions themselves (scores with
ties, outcomes, weights) and, for the unweighted and weighted cases: roc_auc_score, brier_score_loss,
log_loss, roc_curve(drop_intermediate=False), and the Hosmer-Lemeshow statistic computed here
independently (10 groups of equal size by sorted predicted probability; row of rank r goes to group
floor((r + 0.5) * 10 / n); C = sum (O - E)^2 / (E (1 - E/n_g)); p from scipy.stats.chi2.sf(C, 8)).
"""
import json
import os

import numpy as np
import scipy
import sklearn
from scipy.stats import chi2
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score, roc_curve

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "EvaluationTests", "References")
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20261123)
n = 1500
x = rng.standard_normal(n)
p_true = 1 / (1 + np.exp(-(-1.2 + 1.1 * x)))
y = (rng.uniform(size=n) < p_true).astype(float)
# Predictions rounded to 2 decimals: many ties, as real score lists have.
scores = np.clip(np.round(1 / (1 + np.exp(-(-1.0 + 0.9 * x + 0.3 * rng.standard_normal(n)))), 2), 0.001, 0.999)
weights = np.round(rng.uniform(0.2, 5.0, size=n), 3)


def hosmer_lemeshow(p, y):
    order = np.argsort(p, kind="stable")
    groups = np.floor((np.arange(n) + 0.5) * 10 / n).astype(int)
    g = np.empty(n, dtype=int)
    g[order] = groups
    c = 0.0
    for k in range(10):
        m = g == k
        e, o, ng = p[m].sum(), y[m].sum(), m.sum()
        c += (o - e) ** 2 / (e * (1 - e / ng))
    return c, float(chi2.sf(c, 8))


ref = {"versions": {"scikit-learn": sklearn.__version__, "numpy": np.__version__, "scipy": scipy.__version__},
       "scores": scores.tolist(), "outcomes": y.tolist(), "weights": weights.tolist()}
for name, w in (("unweighted", None), ("weighted", weights)):
    fpr, tpr, thr = roc_curve(y, scores, sample_weight=w, drop_intermediate=False)
    ref[name] = {"auc": roc_auc_score(y, scores, sample_weight=w), "brier": brier_score_loss(y, scores, sample_weight=w),
                 "logLoss": log_loss(y, scores, sample_weight=w),
                 "rocFpr": fpr.tolist(), "rocTpr": tpr.tolist(), "rocThresholds": [float(t) if np.isfinite(t) else None for t in thr]}
hl, hl_p = hosmer_lemeshow(scores, y)
ref["unweighted"]["hosmerLemeshow"] = hl
ref["unweighted"]["hosmerLemeshowPValue"] = hl_p
with open(os.path.join(OUT, "metrics.json"), "w") as f:
    json.dump(ref, f)
print("AUC", ref["unweighted"]["auc"], "weighted", ref["weighted"]["auc"], "HL", hl, hl_p)
