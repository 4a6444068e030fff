#!/usr/bin/env python3
"""Times Vigil's drift evaluation against scipy's ks_2samp (and NannyML's univariate KS).

Run through run.sh. Data: 100,000 reference and 100,000 current rows, 20 numeric columns,
seed 20240601; half the current columns are shifted or rescaled. Values are written with 17
significant digits so that Vigil and scipy see identical doubles.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
from scipy import stats

ROWS = 100_000
COLUMNS = 20
SEED = 20240601


def make_data(directory):
    os.makedirs(directory, exist_ok=True)
    ref_path = os.path.join(directory, "reference.csv")
    cur_path = os.path.join(directory, "current.csv")
    rng = np.random.default_rng(SEED)
    reference = rng.normal(size=(ROWS, COLUMNS))
    current = rng.normal(size=(ROWS, COLUMNS))
    for j in range(0, COLUMNS, 2):
        current[:, j] = current[:, j] * (1 + 0.02 * j) + 0.01 * j
    header = ",".join(f"x{j}" for j in range(COLUMNS))
    if not (os.path.exists(ref_path) and os.path.exists(cur_path)):
        np.savetxt(ref_path, reference, delimiter=",", header=header, comments="", fmt="%.17g")
        np.savetxt(cur_path, current, delimiter=",", header=header, comments="", fmt="%.17g")
    # Read back exactly what Vigil will read.
    reference = np.loadtxt(ref_path, delimiter=",", skiprows=1)
    current = np.loadtxt(cur_path, delimiter=",", skiprows=1)
    return ref_path, cur_path, reference, current


def best_of(repeats, fn):
    best = float("inf")
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vigil", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--nannyml-python")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    ref_path, cur_path, reference, current = make_data(args.data)
    command = [args.vigil, "drift", "--reference", ref_path, "--current", cur_path, "--json"]

    # 1. End to end: process start, reading and parsing both CSVs, evaluation, JSON output.
    end_to_end, _ = best_of(3, lambda: subprocess.run(command, check=True, capture_output=True))

    # 2. In process: the hidden flag repeats profiling + evaluation and reports the fastest.
    run = subprocess.run(command + ["--benchmark-repeats", str(args.repeats)], check=True, capture_output=True, text=True)
    timing = json.loads(run.stderr.strip().splitlines()[-1])
    report = json.loads(run.stdout)

    # 3. scipy.stats.ks_2samp over the same 20 columns.
    def scipy_ks():
        return [stats.ks_2samp(reference[:, j], current[:, j]) for j in range(COLUMNS)]
    scipy_seconds, scipy_results = best_of(args.repeats, scipy_ks)

    vigil_d = [timing["ks_statistics"][f"x{j}"] for j in range(COLUMNS)]
    scipy_d = [float(r.statistic) for r in scipy_results]
    identical = all(a == b for a, b in zip(vigil_d, scipy_d))
    max_p_diff = max(abs(c["ks_pvalue"] - float(r.pvalue)) for c, r in zip(report["columns"], scipy_results))

    # 4. NannyML's univariate drift calculator, Kolmogorov-Smirnov only, one chunk.
    nannyml = None
    nannyml_version = None
    if args.nannyml_python and os.path.exists(args.nannyml_python):
        script = f"""
import time, numpy as np, pandas as pd, nannyml as nml
r = pd.read_csv({ref_path!r}); c = pd.read_csv({cur_path!r})
cols = list(r.columns)
best = float('inf')
for _ in range({args.repeats}):
    t = time.perf_counter()
    calc = nml.UnivariateDriftCalculator(column_names=cols, continuous_methods=['kolmogorov_smirnov'], chunk_number=1)
    calc.fit(r)
    calc.calculate(c)
    best = min(best, time.perf_counter() - t)
print(nml.__version__)
print(best)
"""
        try:
            out = subprocess.run([args.nannyml_python, "-c", script], check=True, capture_output=True, text=True,
                                 env={**os.environ, "NML_DISABLE_USAGE_LOGGING": "1", "DO_NOT_TRACK": "1"})
            lines = out.stdout.strip().splitlines()
            nannyml, nannyml_version = float(lines[-1]), lines[-2]
        except Exception as error:  # optional comparison
            print(f"NannyML run failed: {error}", file=sys.stderr)

    import numpy, scipy
    result = {
        "rows": ROWS, "columns": COLUMNS, "numpy": numpy.__version__, "scipy": scipy.__version__,
        "vigil_end_to_end_seconds": end_to_end,
        "vigil_profile_seconds": timing["profile_seconds"],
        "vigil_evaluation_seconds": timing["evaluation_seconds"],
        "vigil_in_process_seconds": timing["profile_seconds"] + timing["evaluation_seconds"],
        "scipy_ks_2samp_seconds": scipy_seconds,
        "nannyml_univariate_ks_seconds": nannyml,
        "nannyml_version": nannyml_version,
        "speedup_evaluation_vs_nannyml": (nannyml / timing["evaluation_seconds"]) if nannyml else None,
        "speedup_evaluation_vs_scipy": scipy_seconds / timing["evaluation_seconds"],
        "speedup_in_process_vs_scipy": scipy_seconds / (timing["profile_seconds"] + timing["evaluation_seconds"]),
        "ks_statistics_identical": identical,
        "max_abs_pvalue_difference": max_p_diff,
    }
    print(json.dumps(result, indent=2))
    if not identical:
        print("KS statistics differ from scipy", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
