#!/usr/bin/env python3
"""Ciblage next to scikit-learn, statsmodels, numpy and pandas on the same data, in the same run.

Generates (once, seeded) an n x p dense numeric CSV with a logistic target. Then, for --repeats rounds,
runs every task with Ciblage and with its peers alternately, and prints the medians and ratios:

  fit (in process)      ciblage Newton            vs sklearn newton-cholesky, sklearn lbfgs (tight tol), statsmodels Logit
  fit end to end        `ciblage train` CSV->model vs pandas.read_csv + sklearn newton-cholesky
  scoring kernel        ciblage SIMD kernel        vs numpy X @ w + sigmoid            (and the machine's read rate)
  CSV to scores         `ciblage score`            vs pandas.read_csv + numpy + DataFrame.to_csv
  CSV parsing           ciblage reader             vs pandas.read_csv

In-process Ciblage figures come from `ciblage-timings` (benchmarks/Sources/ciblage-timings, a subprocess
that reports each phase); build it with `swift build -c release --package-path benchmarks --product ciblage-timings`
(if that fails with "missing inputs" after a root target was added or removed, delete the stale plan first:
`rm -f benchmarks/.build/release.yaml benchmarks/.build/release/description.json`, as the Makefile does).
Every fit's log-likelihood is printed: they must agree (same optimum).

    python3 -m venv .venv && .venv/bin/pip install -r requirements.txt
    .venv/bin/python peers.py --rows 2000000 --cols 40 --ciblage ../../.build/release/ciblage \
        --timings ../.build/release/ciblage-timings
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd
import sklearn
import statsmodels
import statsmodels.api as sm
from sklearn.linear_model import LogisticRegression

warnings.filterwarnings("ignore")


def generate(path, n, p, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)).round(5)
    beta = np.concatenate([[-1.0], rng.uniform(-0.5, 0.5, p)])
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(beta[0] + X @ beta[1:])))).astype(int)
    df = pd.DataFrame(X, columns=[f"x{j + 1}" for j in range(p)])
    df.insert(0, "y", y)
    tmp = path + ".tmp"
    df.to_csv(tmp, index=False, float_format="%.5f")
    os.replace(tmp, path)


def loglik(X, y, b0, b):
    eta = b0 + X @ b
    return float(np.sum(y * eta - np.logaddexp(0, eta)))


def timed(f):
    t = time.perf_counter()
    v = f()
    return v, time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--cols", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--ciblage", default=os.path.join(os.path.dirname(__file__), "..", "..", ".build", "release", "ciblage"))
    ap.add_argument("--timings", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "ciblage-timings"))
    ap.add_argument("--data-dir", default=os.path.join(os.path.dirname(__file__), "data"))
    ap.add_argument("--skip-slow-peers", action="store_true", help="skip lbfgs and statsmodels (minutes at 2M rows)")
    args = ap.parse_args()
    os.makedirs(args.data_dir, exist_ok=True)
    path = os.path.join(args.data_dir, f"logit_{args.rows}x{args.cols}_seed{args.seed}.csv")
    if not os.path.exists(path):
        _, t = timed(lambda: generate(path, args.rows, args.cols, args.seed))
        print(f"generated {path} ({os.path.getsize(path) / 1e6:.0f} MB) in {t:.1f} s")
    model = os.path.join(args.data_dir, "model.json")
    scores = os.path.join(args.data_dir, "scores.csv")
    peer_scores = os.path.join(args.data_dir, "scores_peer.csv")
    cache = os.path.join(args.data_dir, "train.cbl")
    model_cache = os.path.join(args.data_dir, "model_cache.json")
    _, convert_time = timed(lambda: subprocess.run([args.ciblage, "convert", "--data", path, "--target", "y", "--output", cache],
                                                   check=True, capture_output=True))
    r = {k: [] for k in ["c_parse", "c_read", "c_fit", "c_kernel", "c_mem", "c_train", "c_train_cache", "c_score",
                         "p_read", "p_newton", "p_lbfgs", "p_sm", "p_kernel", "p_e2e_score"]}
    ll = {}
    for rnd in range(args.repeats):
        out = subprocess.run([args.timings, "--data", path, "--repeats", "3"], check=True, capture_output=True, text=True).stdout
        c = json.loads(out)
        for k, name in (("parse", "c_parse"), ("read", "c_read"), ("fit", "c_fit"), ("kernel", "c_kernel"), ("memoryRead", "c_mem")):
            r[name].append(c[k])
        ll["ciblage"] = c["logLikelihood"]
        _, t = timed(lambda: subprocess.run([args.ciblage, "train", "--data", path, "--target", "y", "--output", model], check=True, capture_output=True))
        r["c_train"].append(t)
        _, t = timed(lambda: subprocess.run([args.ciblage, "train", "--data", cache, "--target", "y", "--output", model_cache], check=True, capture_output=True))
        r["c_train_cache"].append(t)
        with open(model, "rb") as a, open(model_cache, "rb") as b:
            if a.read() != b.read():
                sys.exit("the model trained from the cache differs from the one trained from the CSV")
        _, t = timed(lambda: subprocess.run([args.ciblage, "score", "--model", model, "--data", path, "--output", scores], check=True, capture_output=True))
        r["c_score"].append(t)

        df, t = timed(lambda: pd.read_csv(path))
        r["p_read"].append(t)
        y = df.pop("y").to_numpy(float)
        X = df.to_numpy(float)
        del df
        clf, t = timed(lambda: LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-8, max_iter=100).fit(X, y))
        r["p_newton"].append(t)
        ll["sklearn newton-cholesky"] = loglik(X, y, clf.intercept_[0], clf.coef_[0])
        if not args.skip_slow_peers:
            clf2, t = timed(lambda: LogisticRegression(C=np.inf, solver="lbfgs", tol=1e-10, max_iter=2000).fit(X, y))
            r["p_lbfgs"].append(t)
            ll["sklearn lbfgs"] = loglik(X, y, clf2.intercept_[0], clf2.coef_[0])
            res, t = timed(lambda: sm.Logit(y, sm.add_constant(X, prepend=True)).fit(method="newton", tol=1e-8, disp=0))
            r["p_sm"].append(t)
            ll["statsmodels Logit"] = float(res.llf)
        w, b0 = clf.coef_[0].copy(), float(clf.intercept_[0])
        best = min(timed(lambda: 1 / (1 + np.exp(-(X @ w + b0))))[1] for _ in range(3))
        r["p_kernel"].append(best)
        del X

        def pandas_scores():
            d = pd.read_csv(path)
            d.pop("y")
            s = 1 / (1 + np.exp(-(d.to_numpy(float) @ w + b0)))
            pd.DataFrame({"row": np.arange(1, len(s) + 1), "score": s}).to_csv(peer_scores, index=False)
        _, t = timed(pandas_scores)
        r["p_e2e_score"].append(t)
        print(f"round {rnd + 1} done", flush=True)

    m = {k: statistics.median(v) for k, v in r.items() if v}
    print("every round (s): " + "; ".join(f"{k} " + " ".join(f"{x:.3f}" for x in v) for k, v in r.items() if v))
    n, p = args.rows, args.cols
    mb = os.path.getsize(path) / 1e6
    bytes_x = n * (p + 1) * 8
    print(f"\n{n} x {p} ({mb:.0f} MB CSV), {args.repeats} rounds, medians. scikit-learn {sklearn.__version__}, "
          f"statsmodels {statsmodels.__version__}, numpy {np.__version__}, pandas {pd.__version__}")
    row = "  {:<44} {:>9.3f} s   {}"
    print(row.format("ciblage fit (in process)", m["c_fit"], ""))
    print(row.format("sklearn newton-cholesky fit", m["p_newton"], f"ratio {m['p_newton'] / m['c_fit']:.2f}x"))
    if "p_lbfgs" in m:
        print(row.format("sklearn lbfgs fit (tol 1e-10)", m["p_lbfgs"], f"ratio {m['p_lbfgs'] / m['c_fit']:.2f}x"))
        print(row.format("statsmodels Logit fit (newton)", m["p_sm"], f"ratio {m['p_sm'] / m['c_fit']:.2f}x"))
    print(row.format("ciblage train (CSV -> model)", m["c_train"], ""))
    print(row.format("pandas read_csv + sklearn newton-cholesky", m["p_read"] + m["p_newton"], f"ratio {(m['p_read'] + m['p_newton']) / m['c_train']:.2f}x"))
    print(row.format("ciblage convert (CSV -> cache, once)", convert_time, ""))
    print(row.format("ciblage train from the cache", m["c_train_cache"], f"refit ratio {m['c_train'] / m['c_train_cache']:.2f}x (models identical)"))
    print(row.format("ciblage scoring kernel", m["c_kernel"], f"{n / m['c_kernel'] / 1e6:.0f} M rows/s, {bytes_x / m['c_kernel'] / 1e9:.1f} GB/s"))
    print(row.format("memory read (SIMD sum, same bytes)", m["c_mem"], f"{bytes_x / m['c_mem'] / 1e9:.1f} GB/s; kernel at {100 * m['c_mem'] / m['c_kernel']:.0f}% of it"))
    print(row.format("numpy X @ w + sigmoid", m["p_kernel"], f"ratio {m['p_kernel'] / m['c_kernel']:.2f}x"))
    print(row.format("ciblage score (CSV -> scores)", m["c_score"], ""))
    print(row.format("pandas + numpy + to_csv", m["p_e2e_score"], f"ratio {m['p_e2e_score'] / m['c_score']:.2f}x"))
    print(row.format("ciblage CSV parsing", m["c_parse"], f"{mb / m['c_parse']:.0f} MB/s"))
    print(row.format("pandas.read_csv", m["p_read"], f"{mb / m['p_read']:.0f} MB/s; ratio {m['p_read'] / m['c_parse']:.2f}x"))
    print("  log-likelihoods: " + ", ".join(f"{k} {v:.6f}" for k, v in ll.items()))
    worst = max(abs(v - ll["ciblage"]) / abs(ll["ciblage"]) for v in ll.values())
    print(f"  largest relative difference from ciblage: {worst:.2e}")


if __name__ == "__main__":
    sys.exit(main())
