#!/usr/bin/env python3
"""Reference values for Ciblage's uplift estimate (Evaluation/Uplift.swift), computed with statsmodels.

Writes Tests/EvaluationTests/References/uplift.csv (a small randomised experiment: arm, right opened,
monthly amount) and uplift.json: for each channel against the held-out arm 'aucun', the difference
of take-up with statsmodels' confint_proportions_2indep(method="wald", compare="diff"), and the
difference of mean monthly amounts with CompareMeans(...).zconfint_diff(usevar="unequal") at 95 %.
"""
import csv
import json
import os

import numpy as np
import statsmodels
from statsmodels.stats.proportion import confint_proportions_2indep
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "EvaluationTests", "References")
rng = np.random.default_rng(20261202)
arms = ["aucun", "sms", "courrier", "appel"]
rate = {"aucun": 0.08, "sms": 0.13, "courrier": 0.10, "appel": 0.21}
rows = []
for i in range(1200):
    arm = arms[rng.integers(len(arms))]
    opened = int(rng.uniform() < rate[arm])
    amount = round(float(rng.uniform(150, 600)), 2) if opened else 0.0
    rows.append((f"F{i + 1:05d}", arm, opened, amount))
with open(os.path.join(OUT, "uplift.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["id", "canal", "droit_ouvert", "montant_mensuel"])
    w.writerows(rows)

out = {"statsmodels": statsmodels.__version__, "arms": {}}
control = [r for r in rows if r[1] == "aucun"]
for arm in arms[1:]:
    treated = [r for r in rows if r[1] == arm]
    c1, n1 = sum(r[2] for r in treated), len(treated)
    c0, n0 = sum(r[2] for r in control), len(control)
    low, high = confint_proportions_2indep(c1, n1, c0, n0, method="wald", compare="diff")
    cm = CompareMeans(DescrStatsW(np.array([r[3] for r in treated])), DescrStatsW(np.array([r[3] for r in control])))
    elow, ehigh = cm.zconfint_diff(usevar="unequal")
    out["arms"][arm] = {"uplift": c1 / n1 - c0 / n0, "lower": low, "upper": high,
                        "euros": float(np.mean([r[3] for r in treated]) - np.mean([r[3] for r in control])),
                        "eurosLower": elow, "eurosUpper": ehigh}
with open(os.path.join(OUT, "uplift.json"), "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
