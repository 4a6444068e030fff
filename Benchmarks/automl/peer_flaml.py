#!/usr/bin/env python3
"""The FLAML peer of `vigil train --budget`, on the same CSVs (run through run.sh).

    python peer_flaml.py DATA_DIR --dataset breast|clinical|temporal [--budget 60] [--seed 1]
                         [--split-type auto|stratified|time|group]

flaml.AutoML().fit(X, y, task="classification", metric="roc_auc", time_budget=BUDGET, n_jobs=2,
seed=SEED) on all training rows, with FLAML's own default evaluation (holdout or CV, chosen by
FLAML from the data's size) and its default retraining of the best configuration on all rows.
estimator_list is FLAML's default for classification (lgbm, rf, xgboost, extra_tree,
xgb_limitdepth, sgd, lrl1; catboost is not installed) given explicitly, less xgboost's two if
xgboost cannot be imported, so that only installed learners are tried. --split-type time keeps
the rows' order (the temporal files are sorted by ts); group passes the data set's group column
(patient_id) as FLAML's groups. The default, auto, passes neither: FLAML as it is usually called.

Then scores the test CSV and computes the test AUROC with sklearn.metrics.roc_auc_score. Prints
one JSON object on stdout: test AUROC, the best learner and configuration, FLAML's own
validation AUROC (1 - best_loss), the number of trials and the wall time of fit().
"""
import argparse
import logging
import os
import time
import warnings

os.environ.setdefault("DO_NOT_TRACK", "1")
warnings.filterwarnings("ignore")

from sklearn.metrics import roc_auc_score  # noqa: E402

from common import categories_of, emit, read, versions  # noqa: E402

DEFAULT_ESTIMATORS = ["lgbm", "rf", "xgboost", "extra_tree", "xgb_limitdepth", "sgd", "lrl1"]


def installed_estimators():
    estimators = list(DEFAULT_ESTIMATORS)
    try:
        import xgboost  # noqa: F401
    except ImportError:
        estimators = [name for name in estimators if not name.startswith("xgb")]
    return estimators


def plain(value):
    """A JSON-friendly copy of a FLAML configuration value (numpy scalars become numbers)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if hasattr(value, "item"):
        return value.item()
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--budget", type=float, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--split-type", default="auto", choices=["auto", "stratified", "time", "group"])
    args = parser.parse_args()

    from flaml import AutoML

    logging.getLogger("flaml").setLevel(logging.WARNING)
    X, y, frame, load_seconds = read(args.data, args.dataset, "train")
    X_test, y_test, _, _ = read(args.data, args.dataset, "test", categories_of(X))
    estimators = installed_estimators()
    settings = {"task": "classification", "metric": "roc_auc", "time_budget": args.budget, "n_jobs": 2,
                "seed": args.seed, "estimator_list": estimators, "verbose": 0}
    if args.split_type != "auto":
        settings["split_type"] = args.split_type
    if args.split_type == "group":
        settings["groups"] = frame["patient_id"].to_numpy()

    automl = AutoML()
    started = time.perf_counter()
    automl.fit(X, y, **settings)
    fit_seconds = time.perf_counter() - started
    scores = automl.predict_proba(X_test)[:, 1]
    result = {
        "tool": "flaml", "dataset": args.dataset, "train_rows": len(y), "test_rows": len(y_test),
        "features": X.shape[1], "load_seconds": round(load_seconds, 4), "time_budget": args.budget,
        "seed": args.seed, "split_type": args.split_type, "estimator_list": estimators,
        "fit_seconds": round(fit_seconds, 3),
        "test_auroc": round(roc_auc_score(y_test, scores), 6),
        "best_estimator": automl.best_estimator,
        "best_config": plain(automl.best_config),
        "validation_auroc": round(1 - automl.best_loss, 6),
        "best_config_train_seconds": round(automl.best_config_train_time, 3),
        "trials": len(automl.config_history),
        "versions": versions("flaml", "lightgbm", "sklearn", "pandas", "numpy"),
    }
    try:
        import xgboost

        result["versions"]["xgboost"] = xgboost.__version__
    except ImportError:
        pass
    emit(result)


if __name__ == "__main__":
    main()
