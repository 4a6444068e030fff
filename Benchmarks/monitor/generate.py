#!/usr/bin/env python3
"""Writes the monitoring benchmark's data (fixed seed) into a data folder (git-ignored).

    python generate.py DATA_DIR

One generator of patients: 35 numeric features n01..n35 (normal, lognormal, gamma, uniform,
beta, Student t and Poisson counts, some depending on the patient's site or age band; n05,
n12, n20 and n28 have about 2% missing values), 15 categorical features c01..c15 (3 to 12
string levels), 4 subgroup attributes (site, sex, age_band, unit: attributes, not features)
and a score from a logistic model of some of them.

Files (numbers rounded to 4 decimals and printed the same way in CSV and JSON, so every reader
sees the same doubles):

  reference.csv           100,000 rows: features, attributes, score (Vigil's reference: file)
  reference_labels.csv    the reference rows' outcomes (label), for NannyML's performance fit
  predictions.jsonl       10,000 predictions in Vigil's prediction log format; n01 (+0.45 sd)
                          and c03 (30% of its level shares reversed) are mildly shifted
  outcomes.jsonl          2,000 outcomes for 2,000 of those predictions (label ~ Bernoulli(score))
  window.csv              the same 10,000 predictions as CSV, with id (for NannyML)
  labeled.csv             the 2,000 joined predictions: id, attributes, score, label (for NannyML)
  vigil.yaml              model `bench`: the 50 features, reference, subgroups, one 10,000-prediction window
  vigil-overall.yaml      model `bench` without subgroups: the same evaluation without per-subgroup
                          drift and performance (to compare with NannyML's single-population figures)
  latency/shifted.jsonl   1,000 strongly shifted predictions, ids p-1001..p-2000 (n01..n10 +1.5 sd,
                          c01..c05 reversed level shares), for the time-to-alert measurement
  latency/stable.jsonl    1,000 unshifted predictions, ids p-1..p-1000 (a first window, which makes
                          vigild read the reference before the measured one)
"""
import json
import os
import sys

import numpy as np

SEED = 20261129
REFERENCE_ROWS = 100_000
WINDOW_ROWS = 10_000
OUTCOME_ROWS = 2_000
LATENCY_ROWS = 1_000
NUMERIC = [f"n{i:02d}" for i in range(1, 36)]
CATEGORICAL = [f"c{i:02d}" for i in range(1, 16)]
WITH_MISSING = {"n05", "n12", "n20", "n28"}
SUBGROUPS = {
    "site": (["S1", "S2", "S3", "S4"], [0.4, 0.3, 0.2, 0.1]),
    "sex": (["F", "M"], [0.52, 0.48]),
    "age_band": (["18-34", "35-49", "50-64", "65-79", "80+"], [0.15, 0.2, 0.27, 0.26, 0.12]),
    "unit": (["ED", "ICU", "Ward"], [0.45, 0.15, 0.4]),
}
LEVELS = "abcdefghijkl"
FIRST_TS = 1_795_000_000


def level_count(j):
    """c01 has 3 levels, c15 has 12."""
    return 3 + (j * 9) // 14


def category_shares(j):
    rng = np.random.default_rng(1000 + j)
    return rng.dirichlet(np.full(level_count(j), 2.0))


def generate(rng, rows, numeric_shift=None, category_shift=None):
    """One sample of patients. numeric_shift: {feature: shift in units of its sd}; category_shift:
    {feature: weight w}, level shares (1 - w) * shares + w * reversed(shares)."""
    numeric_shift = numeric_shift or {}
    category_shift = category_shift or {}
    attrs = {}
    codes = {}
    for name, (values, shares) in SUBGROUPS.items():
        codes[name] = rng.choice(len(values), size=rows, p=shares)
        attrs[name] = np.array(values, dtype=object)[codes[name]]
    site = codes["site"]
    age = codes["age_band"]
    numeric = {}
    for j, name in enumerate(NUMERIC):
        kind = j % 7
        if kind == 0:
            x, sd = rng.normal(0.3 * age + 0.2 * site, 1.0), 1.0
        elif kind == 1:
            x, sd = rng.lognormal(0.5 + 0.1 * site, 0.6), 1.2
        elif kind == 2:
            x, sd = rng.gamma(2.0 + 0.3 * age, 1.5), 3.0
        elif kind == 3:
            x, sd = rng.uniform(0, 10, rows), 2.9
        elif kind == 4:
            x, sd = rng.beta(2, 5, rows), 0.16
        elif kind == 5:
            x, sd = rng.standard_t(5, rows) * 2 + 10, 2.6
        else:
            x, sd = rng.poisson(3 + age).astype(float), 2.2
        if name in numeric_shift:
            x = x + numeric_shift[name] * sd
        x = np.round(x, 4)
        if name in WITH_MISSING:
            x[rng.random(rows) < 0.02] = np.nan
        numeric[name] = x
    categorical = {}
    for j, name in enumerate(CATEGORICAL):
        shares = category_shares(j)
        if name in category_shift:
            shares = (1 - category_shift[name]) * shares + category_shift[name] * shares[::-1]
        categorical[name] = np.array(list(LEVELS[: len(shares)]), dtype=object)[rng.choice(len(shares), size=rows, p=shares)]
    # The model: a logistic score of a few inputs (missing values imputed with 0).
    def value(name):
        return np.nan_to_num(numeric[name])  # the model imputes a missing value with 0
    z = (-2.9 + 0.8 * (value("n01") - 1.0) + 1.0 * (np.log(value("n02")) - 0.5) + 0.15 * (value("n03") - 4.0)
         + 5.0 * (value("n05") - 0.28) + 0.8 * (categorical["c01"] == "a") - 0.6 * (categorical["c02"] == "b")
         + 0.5 * (attrs["unit"] == "ICU"))
    score = np.round(1 / (1 + np.exp(-z)), 4)
    return numeric, categorical, attrs, score


def text(value):
    """A rounded number as both CSV and JSON write it: Python's shortest round-trip form."""
    return repr(float(value))


def write_csv(path, numeric, categorical, attrs, score, rows, extra=None):
    extra = extra or {}
    columns = list(extra) + NUMERIC + CATEGORICAL + list(SUBGROUPS) + ["score"]
    cells = {}
    for name, values in extra.items():
        cells[name] = [str(v) for v in values]
    for name in NUMERIC:
        cells[name] = ["" if np.isnan(v) else text(v) for v in numeric[name].tolist()]
    for name in CATEGORICAL:
        cells[name] = categorical[name].tolist()
    for name in SUBGROUPS:
        cells[name] = attrs[name].tolist()
    cells["score"] = [text(v) for v in score.tolist()]
    with open(path, "w") as out:
        out.write(",".join(columns) + "\n")
        for row in zip(*(cells[name] for name in columns)):
            out.write(",".join(row) + "\n")


def write_predictions(path, numeric, categorical, attrs, score, rows, first_id=1):
    ids = [f"p-{first_id + i}" for i in range(rows)]
    timestamps = [FIRST_TS + 30 * (first_id - 1 + i) for i in range(rows)]
    numbers = {name: numeric[name].tolist() for name in NUMERIC}
    levels = {name: categorical[name].tolist() for name in CATEGORICAL}
    groups = {name: attrs[name].tolist() for name in SUBGROUPS}
    scores = score.tolist()
    with open(path, "w") as out:
        for i in range(rows):
            features = ",".join(
                [f'"{name}":{"null" if np.isnan(numbers[name][i]) else text(numbers[name][i])}' for name in NUMERIC]
                + [f'"{name}":"{levels[name][i]}"' for name in CATEGORICAL])
            groups_text = ",".join(f'"{name}":"{groups[name][i]}"' for name in SUBGROUPS)
            out.write(f'{{"id":"{ids[i]}","ts":{timestamps[i]},"version":"3","score":{text(scores[i])},'
                      f'"features":{{{features}}},"attrs":{{{groups_text}}}}}\n')
    return ids, timestamps


def main():
    data = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "data"))
    os.makedirs(os.path.join(data, "latency"), exist_ok=True)
    rng = np.random.default_rng(SEED)

    numeric, categorical, attrs, score = generate(rng, REFERENCE_ROWS)
    write_csv(os.path.join(data, "reference.csv"), numeric, categorical, attrs, score, REFERENCE_ROWS)
    labels = (rng.random(REFERENCE_ROWS) < score).astype(int)
    with open(os.path.join(data, "reference_labels.csv"), "w") as out:
        out.write("label\n" + "\n".join(map(str, labels.tolist())) + "\n")

    numeric, categorical, attrs, score = generate(rng, WINDOW_ROWS, numeric_shift={"n01": 0.45}, category_shift={"c03": 0.3})
    ids, timestamps = write_predictions(os.path.join(data, "predictions.jsonl"), numeric, categorical, attrs, score, WINDOW_ROWS)
    write_csv(os.path.join(data, "window.csv"), numeric, categorical, attrs, score, WINDOW_ROWS, extra={"id": ids})

    chosen = np.sort(rng.choice(WINDOW_ROWS, size=OUTCOME_ROWS, replace=False))
    outcome_labels = (rng.random(OUTCOME_ROWS) < score[chosen]).astype(int)
    outcome_ts = [timestamps[i] + int(rng.integers(3_600, 72 * 3_600)) for i in chosen.tolist()]
    order = np.argsort(outcome_ts, kind="stable")
    with open(os.path.join(data, "outcomes.jsonl"), "w") as out:
        for k in order.tolist():
            out.write(f'{{"id":"{ids[chosen[k]]}","ts":{outcome_ts[k]},"label":{outcome_labels[k]}}}\n')
    with open(os.path.join(data, "labeled.csv"), "w") as out:
        out.write("id," + ",".join(SUBGROUPS) + ",score,label\n")
        for k, i in enumerate(chosen.tolist()):
            out.write(f"{ids[i]}," + ",".join(attrs[name][i] for name in SUBGROUPS) + f",{text(score[i])},{outcome_labels[k]}\n")

    # Time to alert: 1,000 strongly shifted predictions, and 1,000 unshifted ones.
    shift = {name: 1.5 for name in NUMERIC[:10]}
    numeric, categorical, attrs, score = generate(
        rng, LATENCY_ROWS, numeric_shift=shift, category_shift={name: 1.0 for name in CATEGORICAL[:5]})
    write_predictions(os.path.join(data, "latency", "shifted.jsonl"), numeric, categorical, attrs, score, LATENCY_ROWS,
                      first_id=LATENCY_ROWS + 1)
    numeric, categorical, attrs, score = generate(rng, LATENCY_ROWS)
    write_predictions(os.path.join(data, "latency", "stable.jsonl"), numeric, categorical, attrs, score, LATENCY_ROWS)

    features = ", ".join([f"{name}: numeric" for name in NUMERIC] + [f"{name}: categorical" for name in CATEGORICAL])
    for file, subgroups in (("vigil.yaml", "\n    subgroups: [site, sex, age_band, unit]"), ("vigil-overall.yaml", "")):
        with open(os.path.join(data, file), "w") as out:
            out.write(f"""# Generated by Benchmarks/monitor/generate.py.
state_dir: {data}/state
models:
  - name: bench
    predictions: {data}/predictions.jsonl
    outcomes: {data}/outcomes.jsonl
    features: {{{features}}}
    reference: {data}/reference.csv{subgroups}
    window: {{predictions: {WINDOW_ROWS}}}
""")
    json.dump({"seed": SEED, "reference_rows": REFERENCE_ROWS, "window_rows": WINDOW_ROWS, "outcomes": OUTCOME_ROWS,
               "numeric": len(NUMERIC), "categorical": len(CATEGORICAL), "subgroups": list(SUBGROUPS),
               "reference_positive_share": float(labels.mean()), "outcome_positive_share": float(outcome_labels.mean())},
              open(os.path.join(data, "meta.json"), "w"), indent=1)
    print(f"data written to {data}", file=sys.stderr)


if __name__ == "__main__":
    main()
