#!/usr/bin/env python3
"""The NannyML peer of `vigil evaluate`, on the same data (run through run.sh).

    python peer_nannyml.py DATA_DIR [--repeats N]

Times only calculate() (CBPE: estimate()) after fit(), best of N, and fit() separately (best of 3):

  drift        UnivariateDriftCalculator over the 50 features (kolmogorov_smirnov and
               jensen_shannon for the 35 numeric ones, chi2 for the 15 categorical ones),
               fitted on the 100,000 reference rows, calculated on one chunk: the 10,000-row window
  drift_slices the same calculator fitted and calculated per subgroup value (site, sex,
               age_band, unit: 14 values, each >= 100 rows): what Vigil's per-subgroup drift
               does, which NannyML has no option for; the sum over the 14 slices
  realized     PerformanceCalculator, roc_auc, fitted on the reference with its labels,
               calculated on the 2,000 labeled predictions (one chunk)
  realized_slices  the same per subgroup value (sum over the slices)
  cbpe         CBPE, roc_auc, fitted on the reference, estimated on the 10,000-row window (the
               counterpart of Vigil's label-free estimate)

Prints one JSON object on stdout; with --vigil-evaluation, also how far NannyML's figures are
from Vigil's on the same data (KS D, chi-square of c03, AUROC).
"""
import argparse
import json
import os
import time
import warnings

warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import nannyml as nml  # noqa: E402

NUMERIC = [f"n{i:02d}" for i in range(1, 36)]
CATEGORICAL = [f"c{i:02d}" for i in range(1, 16)]
FEATURES = NUMERIC + CATEGORICAL
SUBGROUPS = ["site", "sex", "age_band", "unit"]
THRESHOLD = 0.5  # Vigil's default performance.threshold


def best_of(repeats, fn):
    best = float("inf")
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def drift_calculator():
    return nml.UnivariateDriftCalculator(
        column_names=FEATURES, treat_as_categorical=CATEGORICAL,
        continuous_methods=["kolmogorov_smirnov", "jensen_shannon"], categorical_methods=["chi2"], chunk_number=1)


def performance_calculator():
    return nml.PerformanceCalculator(
        metrics=["roc_auc"], y_true="label", y_pred="y_pred", y_pred_proba="score",
        problem_type="classification_binary", chunk_number=1)


def cbpe():
    return nml.CBPE(
        metrics=["roc_auc"], y_true="label", y_pred="y_pred", y_pred_proba="score",
        problem_type="classification_binary", chunk_number=1)


def fit_and_calculate(make, reference, analysis, repeats, fit_repeats=3):
    """(fit seconds, calculate seconds, result), each the best of its repeats (CBPE: estimate())."""
    fit_seconds, calculator = best_of(fit_repeats, lambda: make().fit(reference))
    run = calculator.estimate if isinstance(calculator, nml.CBPE) else calculator.calculate
    calculate_seconds, result = best_of(repeats, lambda: run(analysis))
    return fit_seconds, calculate_seconds, result


def value(result, column, method):
    frame = result.filter(period="analysis").to_df()
    return float(frame[(column, method, "value")].iloc[0])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--slice-repeats", type=int, default=3)
    parser.add_argument("--vigil-evaluation", help="`vigil evaluate --json` on the same data, to compare the figures")
    args = parser.parse_args()

    start = time.perf_counter()
    category = {name: "category" for name in CATEGORICAL + SUBGROUPS}
    reference = pd.read_csv(os.path.join(args.data, "reference.csv"), dtype=category)
    reference["label"] = pd.read_csv(os.path.join(args.data, "reference_labels.csv"))["label"]
    window = pd.read_csv(os.path.join(args.data, "window.csv"), dtype=category)
    labeled = pd.read_csv(os.path.join(args.data, "labeled.csv"), dtype={name: "category" for name in SUBGROUPS})
    read_seconds = time.perf_counter() - start
    for frame in (reference, window, labeled):
        frame["y_pred"] = (frame["score"] >= THRESHOLD).astype(int)

    out = {"nannyml": nml.__version__, "pandas": pd.__version__, "numpy": np.__version__,
           "read_csv_seconds": read_seconds, "repeats": args.repeats, "slice_repeats": args.slice_repeats}

    fit, calculate, drift = fit_and_calculate(drift_calculator, reference, window, args.repeats)
    out.update(drift_fit_seconds=fit, drift_calculate_seconds=calculate)
    out["drift_ks_n01"] = value(drift, "n01", "kolmogorov_smirnov")
    out["drift_ks"] = {name: value(drift, name, "kolmogorov_smirnov") for name in NUMERIC}
    out["drift_chi2_c03"] = value(drift, "c03", "chi2")

    fit, calculate, realized = fit_and_calculate(performance_calculator, reference, labeled, args.repeats)
    out.update(realized_fit_seconds=fit, realized_calculate_seconds=calculate)
    frame = realized.filter(period="analysis").to_df()
    out["realized_roc_auc"] = float(frame[("roc_auc", "value")].iloc[0])

    fit, calculate, estimated = fit_and_calculate(cbpe, reference, window, args.repeats)
    out.update(cbpe_fit_seconds=fit, cbpe_calculate_seconds=calculate)
    frame = estimated.filter(period="analysis").to_df()
    out["cbpe_roc_auc"] = float(frame[("roc_auc", "value")].iloc[0])

    # Per subgroup value, as Vigil evaluates them: drift where the window has >= 100 rows,
    # performance where there are >= 100 labeled rows (Vigil's min_outcomes).
    totals = {"drift_slices_fit_seconds": 0.0, "drift_slices_calculate_seconds": 0.0,
              "realized_slices_fit_seconds": 0.0, "realized_slices_calculate_seconds": 0.0}
    slices = 0
    for name in SUBGROUPS:
        for level in window[name].cat.categories:
            current = window[window[name] == level]
            if len(current) < 100:
                continue
            slices += 1
            fit, calculate, _ = fit_and_calculate(
                drift_calculator, reference[reference[name] == level], current, args.slice_repeats, fit_repeats=1)
            totals["drift_slices_fit_seconds"] += fit
            totals["drift_slices_calculate_seconds"] += calculate
            outcomes = labeled[labeled[name] == level]
            if len(outcomes) >= 100:
                fit, calculate, _ = fit_and_calculate(
                    performance_calculator, reference[reference[name] == level], outcomes, args.slice_repeats, fit_repeats=1)
                totals["realized_slices_fit_seconds"] += fit
                totals["realized_slices_calculate_seconds"] += calculate
    out.update(totals, slices=slices)
    out["calculate_all_seconds"] = (out["drift_calculate_seconds"] + out["drift_slices_calculate_seconds"]
                                    + out["realized_calculate_seconds"] + out["realized_slices_calculate_seconds"]
                                    + out["cbpe_calculate_seconds"])
    if args.vigil_evaluation:
        with open(args.vigil_evaluation) as file:
            evaluation = json.load(file)
        overall = {feature["name"]: feature for feature in evaluation["features"] if feature["subgroup"] is None}
        # NannyML estimates D from 10,000 equal-width bins when the reference has >= 10,000 rows.
        out["max_abs_ks_difference"] = max(abs(overall[name]["ks_statistic"] - out["drift_ks"][name]) for name in NUMERIC)
        out["chi2_c03_vigil"] = overall["c03"]["chi2"]
        out["roc_auc_vigil"] = evaluation["performance"]["auroc"]
        out["estimated_roc_auc_vigil"] = evaluation["performance"]["estimated_auroc"]
        out["drifted_vigil"] = sorted(name for name, feature in overall.items() if feature["drifted"])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
