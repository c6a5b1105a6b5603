#!/usr/bin/env python3
"""`ciblage train` next to pandas + scikit-learn on the same CSV, in the same run.

Generates (once, seeded) an n x p dense numeric CSV with a logistic target, then alternates, `--repeats`
times: Ciblage end to end (`ciblage train`, CSV to model file, as a subprocess), and pandas.read_csv +
scikit-learn LogisticRegression(solver=newton-cholesky, no penalty, tol 1e-8) timed in-process, reporting
the read and fit parts separately. Prints medians, the ratios, and the log-likelihood of both fits
(they must agree: same optimum).

    python3 -m venv .venv && .venv/bin/pip install -r requirements.txt
    .venv/bin/python fit_vs_sklearn.py --rows 2000000 --cols 40 --ciblage ../../.build/release/ciblage
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import sklearn
from sklearn.linear_model import LogisticRegression


def generate(path, n, p, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)).round(5)
    beta = np.concatenate([[-1.0], rng.uniform(-0.5, 0.5, p)])
    eta = beta[0] + X @ beta[1:]
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(int)
    df = pd.DataFrame(X, columns=[f"x{j + 1}" for j in range(p)])
    df.insert(0, "y", y)
    tmp = path + ".tmp"
    df.to_csv(tmp, index=False, float_format="%.5f")
    os.replace(tmp, path)


def log_likelihood(X, y, intercept, coef):
    eta = intercept + X @ coef
    return float(np.sum(y * eta - np.logaddexp(0, eta)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--cols", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--ciblage", default=os.path.join(os.path.dirname(__file__), "..", "..", ".build", "release", "ciblage"))
    ap.add_argument("--data-dir", default=os.path.join(os.path.dirname(__file__), "data"))
    args = ap.parse_args()

    os.makedirs(args.data_dir, exist_ok=True)
    path = os.path.join(args.data_dir, f"logit_{args.rows}x{args.cols}_seed{args.seed}.csv")
    if not os.path.exists(path):
        t = time.perf_counter()
        generate(path, args.rows, args.cols, args.seed)
        print(f"generated {path} ({os.path.getsize(path) / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s")
    model_path = os.path.join(args.data_dir, "model.json")

    ciblage_times, read_times, fit_times = [], [], []
    sk_ll = None
    for r in range(args.repeats):
        t = time.perf_counter()
        subprocess.run([args.ciblage, "train", "--data", path, "--target", "y", "--output", model_path],
                       check=True, stdout=subprocess.DEVNULL)
        ciblage_times.append(time.perf_counter() - t)

        t = time.perf_counter()
        df = pd.read_csv(path)
        y = df.pop("y").to_numpy(float)
        X = df.to_numpy(float)
        read_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        clf = LogisticRegression(penalty=None, solver="newton-cholesky", tol=1e-8, max_iter=100).fit(X, y)
        fit_times.append(time.perf_counter() - t)
        sk_ll = log_likelihood(X, y, clf.intercept_[0], clf.coef_[0])
        del df, X
        print(f"round {r + 1}: ciblage {ciblage_times[-1]:.2f} s; pandas read {read_times[-1]:.2f} s + sklearn fit {fit_times[-1]:.2f} s", flush=True)

    with open(model_path) as f:
        ll = json.load(f)["fit"]["logLikelihood"]
    med = statistics.median
    peer_total = [a + b for a, b in zip(read_times, fit_times)]
    print(f"\n{args.rows} x {args.cols}, {args.repeats} rounds, medians (scikit-learn {sklearn.__version__}, "
          f"numpy {np.__version__}, pandas {pd.__version__}):")
    print(f"  ciblage train (CSV -> model)          {med(ciblage_times):7.2f} s")
    print(f"  pandas read_csv + sklearn fit         {med(peer_total):7.2f} s   ratio {med(peer_total) / med(ciblage_times):.2f}x")
    print(f"    of which pandas read_csv            {med(read_times):7.2f} s")
    print(f"    of which sklearn newton-cholesky    {med(fit_times):7.2f} s")
    print(f"  log-likelihood: ciblage {ll:.10f}, sklearn {sk_ll:.10f}, relative difference {abs(ll - sk_ll) / abs(sk_ll):.2e}")


if __name__ == "__main__":
    sys.exit(main())
