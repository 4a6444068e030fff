#!/usr/bin/env python3
"""The LightGBM peer of `vigil train`, on the same CSVs (run through run.sh).

    python peer_lightgbm.py DATA_DIR --mode fixed [--dataset clinical] [--repeats N] [--run K]
    python peer_lightgbm.py DATA_DIR --mode defaults --dataset breast|clinical|temporal

fixed     benchmark 1: lgb.train with objective=binary, num_iterations=100, num_leaves=31,
          learning_rate=0.1, max_bin=255, num_threads=2, min_data_in_leaf=20 and nothing else
          set (no early stopping, no validation set); categorical columns are pandas `category`
          columns, which LightGBM takes as categorical features. fit_seconds is lgb.Dataset(...)
          construction (binning) + lgb.train together, once per repeat; load_seconds is reading
          the training CSV (pandas, typed), timed apart.
defaults  benchmark 2: LGBMClassifier(n_jobs=2) with its defaults (100 trees, 31 leaves,
          learning rate 0.1), fitted on all training rows.

Both score the test CSV and compute the test AUROC with sklearn.metrics.roc_auc_score. Prints
one JSON object on stdout.
"""
import argparse
import os
import statistics
import time
import warnings

os.environ.setdefault("DO_NOT_TRACK", "1")
warnings.filterwarnings("ignore")

import lightgbm as lgb  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from common import categories_of, emit, read, versions  # noqa: E402

FIXED = {
    "objective": "binary", "num_iterations": 100, "num_leaves": 31, "learning_rate": 0.1, "max_bin": 255,
    "num_threads": 2, "min_data_in_leaf": 20, "verbose": -1,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--mode", choices=["fixed", "defaults"], required=True)
    parser.add_argument("--dataset", default="clinical")
    parser.add_argument("--repeats", type=int, default=1, help="fits in this process (fixed mode)")
    parser.add_argument("--run", type=int, default=1, help="the run's number, recorded")
    args = parser.parse_args()

    X, y, _, load_seconds = read(args.data, args.dataset, "train")
    X_test, y_test, _, _ = read(args.data, args.dataset, "test", categories_of(X))
    result = {"tool": "lightgbm", "mode": args.mode, "dataset": args.dataset, "run": args.run,
              "train_rows": len(y), "test_rows": len(y_test), "features": X.shape[1],
              "categorical": list(categories_of(X)), "load_seconds": round(load_seconds, 4)}
    fits, aurocs = [], []
    if args.mode == "fixed":
        result["params"] = FIXED
        for _ in range(args.repeats):
            started = time.perf_counter()
            dataset = lgb.Dataset(X, label=y)
            booster = lgb.train(FIXED, dataset)
            fits.append(time.perf_counter() - started)
            started = time.perf_counter()
            scores = booster.predict(X_test)
            result["predict_seconds"] = round(time.perf_counter() - started, 4)
            aurocs.append(roc_auc_score(y_test, scores))
        result["trees"] = booster.num_trees()
    else:
        model = lgb.LGBMClassifier(n_jobs=2, verbose=-1)
        result["params"] = {"n_jobs": 2, "verbose": -1, "(rest)": "LGBMClassifier defaults"}
        started = time.perf_counter()
        model.fit(X, y)
        fits.append(time.perf_counter() - started)
        started = time.perf_counter()
        scores = model.predict_proba(X_test)[:, 1]
        result["predict_seconds"] = round(time.perf_counter() - started, 4)
        aurocs.append(roc_auc_score(y_test, scores))
        result["trees"] = model.booster_.num_trees()
    result["fit_seconds"] = [round(s, 4) for s in fits]
    result["fit_seconds_median"] = round(statistics.median(fits), 4)
    result["test_auroc"] = round(aurocs[0], 6)
    if len(set(aurocs)) > 1:
        result["test_auroc_each"] = [round(a, 6) for a in aurocs]
    result["versions"] = versions("lightgbm", "sklearn", "pandas", "numpy")
    emit(result)


if __name__ == "__main__":
    main()
