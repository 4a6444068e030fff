#!/usr/bin/env python3
"""Writes the AutoML benchmark's three data sets (fixed seeds) into a data folder (git-ignored).

    python generate.py DATA_DIR

numpy only, plus scikit-learn for its bundled breast-cancer data (read from the installed
package; nothing is downloaded). Every file has a header row, a binary column `label`
(1 = the adverse outcome / the disease) and empty cells for missing values.

  clinical_train.csv   160,000 rows } 200,000 simulated emergency-department visits, 80/20 at
  clinical_test.csv     40,000 rows } random: 22 numeric vitals and labs (age, heart_rate,
                       resp_rate, temp, sbp, dbp, spo2, gcs, wbc, hemoglobin, platelets, sodium,
                       potassium, creatinine, bun, glucose, lactate, bilirubin, crp, bicarbonate,
                       bmi, prior_admissions) with realistic ranges and skew, and 8 categorical
                       ones (sex, arrival_mode with 5 values, site with 4, ward with 60,
                       triage ESI1..ESI5, insurance, and the booleans on_pressors and diabetes,
                       written true/false). lactate (~19%), crp (~16%), bilirubin (~14%) and
                       bmi (~10%) have missing values; the first three are drawn more often for
                       sicker patients, so a missing value carries signal. The outcome (label,
                       ~10%) comes from a logistic model of an unobserved severity, which the
                       vitals and labs measure with noise, plus thresholds (hr > 110, rr >= 22,
                       sbp < 100, spo2 < 92, lactate > 2 and > 4, U-shapes in temp and wbc),
                       interactions (pressors x lactate, creatinine x age > 65, sbp < 100 x age
                       > 70, lactate x sbp < 100, rr x spo2, diabetes x glucose) and a per-ward
                       effect; insurance is noise. LightGBM with benchmark 1's parameters
                       reaches a test AUROC of about 0.865, a logistic regression (imputed,
                       one-hot) about 0.843.
  breast_train.csv     398 rows } scikit-learn's bundled Wisconsin breast-cancer data (569 rows,
  breast_test.csv      171 rows } 30 numeric features), a stratified 70/30 split (seed 2026);
                       names in snake_case ("mean concave points" -> mean_concave_points);
                       label = 1 - sklearn's target, so 1 = malignant (sklearn's 1 is benign).
  temporal_train.csv   the oldest 80% } ~20,000 encounters of 5,000 patients over two years
  temporal_test.csv    the newest 20% } (2023-01-01 to 2024-12-31), sorted by time: patient_id
                       (P00001..; 1 to 13 encounters each, more for frailer patients),
                       ts (RFC 3339, UTC, seconds), 17 features (patient-level age, sex, site,
                       ckd; encounter-level vitals and labs, arrival_mode, triage,
                       prior_encounters and days_since_last, empty on a first encounter;
                       lactate ~30% and crp ~17% missing), label ~15%, and a
                       temporal shift: the ambulance share and the ages grow over time, a new
                       lactate analyzer reads 0.6 mmol/L higher from 2024-05-15 on (the outcome
                       still follows the true lactate), the effect of sbp < 100 weakens from
                       1.2 to 0.3 over the two years (a sepsis bundle), the SpO2 deficit's
                       effect grows, and the base rate rises. An unobserved per-patient frailty
                       makes one patient's encounters alike (so patient groups matter for CV).
  meta.json            seeds, row counts, prevalences, missing shares and column types
                       (numeric, categorical, group, time, target) for each data set.
"""
import json
import os
import re
import sys

import numpy as np

CLINICAL_SEED = 20260101
BREAST_SEED = 2026
TEMPORAL_SEED = 20260303
CLINICAL_ROWS = 200_000
CLINICAL_TRAIN_SHARE = 0.8
TEMPORAL_PATIENTS = 5_000
TEMPORAL_DAYS = 731  # 2023-01-01 .. 2024-12-31
TEMPORAL_START = np.datetime64("2023-01-01T00:00:00", "s")
ANALYZER_CHANGE = np.datetime64("2024-05-15T00:00:00", "s")
TEMPORAL_TEST_SHARE = 0.2


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def relu(x):
    return np.maximum(x, 0.0)


def choice(rng, values, weights):
    """One draw per row: weights is (rows, len(values)), each row's relative weights."""
    weights = np.asarray(weights, dtype=float)
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(weights))[:, None]
    return np.array(values, dtype=object)[np.minimum((u > cumulative).sum(axis=1), len(values) - 1)]


def categorical(rng, values, shares, rows):
    return np.array(values, dtype=object)[rng.choice(len(values), size=rows, p=shares)]


def with_missing(rng, x, measured_probability):
    """x with NaN where a draw says the value was not measured."""
    x = x.astype(float).copy()
    x[rng.random(len(x)) >= measured_probability] = np.nan
    return x


def boolean_text(mask):
    return np.where(mask, "true", "false").astype(object)


# ---------------------------------------------------------------------------------------------
# Clinical-like task: 200,000 x 30.

CLINICAL_NUMERIC = {  # name: decimals written
    "age": 0, "heart_rate": 0, "resp_rate": 0, "temp": 1, "sbp": 0, "dbp": 0, "spo2": 0, "gcs": 0,
    "wbc": 1, "hemoglobin": 1, "platelets": 0, "sodium": 0, "potassium": 1, "creatinine": 2, "bun": 0,
    "glucose": 0, "lactate": 1, "bilirubin": 1, "crp": 1, "bicarbonate": 0, "bmi": 1, "prior_admissions": 0,
}
CLINICAL_CATEGORICAL = ["sex", "arrival_mode", "site", "ward", "triage", "insurance", "on_pressors", "diabetes"]
ARRIVAL_MODES = ["walk_in", "ambulance", "transfer", "helicopter", "police"]
SITES = ["S1", "S2", "S3", "S4"]
WARDS = [f"W{i:02d}" for i in range(1, 61)]


def clinical(rng, rows):
    """Features (dict of arrays: float with NaN, or object strings) and the 0/1 outcome."""
    sex = categorical(rng, ["F", "M"], [0.52, 0.48], rows)
    age = np.clip(np.round(18 + 82 * rng.beta(2.4, 2.0, rows)), 18, 100)
    site = categorical(rng, SITES, [0.35, 0.30, 0.20, 0.15], rows)
    ward_rng = np.random.default_rng(CLINICAL_SEED + 1)  # the wards' shares and effects
    ward_shares = ward_rng.dirichlet(np.full(len(WARDS), 1.5))
    ward_severity = ward_rng.normal(0, 0.35, len(WARDS))
    ward_risk = ward_rng.normal(0, 0.45, len(WARDS))
    ward_index = rng.choice(len(WARDS), size=rows, p=ward_shares)
    ward = np.array(WARDS, dtype=object)[ward_index]
    # The unobserved severity and infection that the vitals and labs measure with noise.
    severity = rng.normal(0, 1, rows) + 0.012 * (age - 60) + ward_severity[ward_index] + 0.1 * (site == "S3")
    infection = rng.random(rows) < sigmoid(-1.3 + 0.5 * severity)
    arrival_logits = np.stack([np.zeros(rows), -0.5 + 0.8 * severity + 0.015 * (age - 60), -2.0 + 0.4 * severity,
                               -4.2 + 0.9 * severity, -3.2 - 0.2 * severity], axis=1)
    arrival_mode = choice(rng, ARRIVAL_MODES, np.exp(arrival_logits))
    triage_level = np.clip(np.round(3.2 - 0.9 * severity + rng.normal(0, 0.7, rows)), 1, 5).astype(int)
    triage = np.array([f"ESI{k}" for k in range(6)], dtype=object)[triage_level]
    insurance = categorical(rng, ["public", "private", "self_pay", "other"], [0.48, 0.38, 0.09, 0.05], rows)
    on_pressors = rng.random(rows) < sigmoid(-4.6 + 1.4 * severity)
    bmi_true = np.exp(np.log(27) + rng.normal(0, 0.19, rows))
    diabetes = rng.random(rows) < sigmoid(-2.4 + 0.03 * (age - 50) + 0.08 * (bmi_true - 27))

    temp = 36.8 + 0.15 * severity + infection * rng.normal(1.1, 0.6, rows) + rng.normal(0, 0.35, rows)
    temp -= (rng.random(rows) < sigmoid(-5 + 1.3 * severity)) * rng.gamma(2.0, 0.6, rows)  # hypothermia
    heart_rate = 78 + 8 * severity + 4 * (temp - 36.8) + rng.normal(0, 12, rows)
    resp_rate = 17 + 2.3 * severity + 1.5 * infection + rng.normal(0, 3, rows)
    sbp = 132 - 9 * severity - 14 * on_pressors + 0.3 * (age - 60) + rng.normal(0, 18, rows)
    dbp = 0.55 * sbp + rng.normal(6, 9, rows)
    spo2 = 100 - rng.gamma(1.3, 1.2 + 1.1 * relu(severity + 0.3), rows)
    gcs = 15 - np.round(relu(severity - 1.3) * rng.gamma(2.0, 1.0, rows))
    wbc = np.exp(np.log(8) + 0.2 * severity + 0.35 * infection + rng.normal(0, 0.3, rows))
    wbc *= np.where(rng.random(rows) < sigmoid(-4.2 + 0.8 * severity), 0.35, 1.0)  # leukopenia
    hemoglobin = 13.6 - 1.0 * (sex == "F") - 0.4 * severity + rng.normal(0, 1.6, rows)
    platelets = np.exp(np.log(245) - 0.18 * severity + rng.normal(0, 0.35, rows))
    sodium = 139 - 0.6 * severity + rng.normal(0, 3.3, rows)
    creatinine = np.exp(np.log(0.9) + 0.008 * (age - 60) + 0.22 * severity + rng.normal(0, 0.45, rows))
    potassium = 4.1 + 0.25 * np.log(creatinine / 0.9) + rng.normal(0, 0.45, rows)
    bun = 15 * creatinine ** 0.8 * np.exp(rng.normal(0, 0.3, rows))
    glucose = np.exp(np.log(105) + 0.45 * diabetes + 0.08 * severity + rng.normal(0, 0.22, rows))
    lactate_true = np.exp(np.log(1.3) + 0.33 * severity + 0.25 * on_pressors + rng.normal(0, 0.35, rows))
    bilirubin = np.exp(np.log(0.7) + 0.15 * severity + rng.normal(0, 0.5, rows))
    crp = np.exp(np.log(12) + 1.2 * infection + 0.3 * severity + rng.normal(0, 1.0, rows))
    bicarbonate = 24.5 - 1.0 * relu(severity) - 0.9 * (lactate_true - 1.3) + rng.normal(0, 2.4, rows)
    prior_admissions = rng.poisson(0.3 + 0.015 * (age - 18) + 0.3 * relu(severity)).astype(float)

    # The outcome: a logistic model of the severity, thresholds and interactions.
    logit = (-4.4 + 0.3 * severity
             + 0.035 * relu(age - 55) + 0.03 * relu(age - 75) - 0.4 * (age < 30)
             + 0.8 * (heart_rate > 110) + 0.5 * (heart_rate > 130) + 0.8 * (heart_rate < 50)
             + 0.4 * (resp_rate >= 22) + 0.5 * (resp_rate >= 30) + 1.2 * ((resp_rate >= 22) & (spo2 < 94))
             + 0.8 * (sbp < 100) + 0.8 * ((sbp < 100) & (age > 70)) + 0.4 * (sbp > 190)
             + 0.5 * (spo2 < 92) + 0.6 * (spo2 < 88)
             + 0.3 * np.minimum(relu(lactate_true - 2), 3) + 0.5 * (lactate_true > 4)
             + 0.9 * ((lactate_true > 2) & (sbp < 100))
             + 1.0 * (on_pressors & (lactate_true > 2)) - 0.3 * on_pressors
             + 0.8 * np.log(creatinine / 0.9) * (age > 65)
             + 0.6 * (wbc > 12) + 1.3 * (wbc < 4)
             + 0.7 * (temp > 38.3) + 1.5 * (temp < 36)
             + 0.25 * (15 - gcs)
             + 0.7 * (platelets < 100) + 0.5 * (bicarbonate < 18)
             + 0.7 * (sodium < 128) + 0.5 * (sodium > 150) + 0.6 * ((potassium > 5.8) | (potassium < 3.0))
             + 0.6 * (diabetes & (glucose > 250)) + 1.0 * (glucose < 70)
             + 0.5 * ((hemoglobin < 9) & (heart_rate > 100))
             + ward_risk[ward_index]
             + np.select([arrival_mode == "ambulance", arrival_mode == "transfer", arrival_mode == "helicopter",
                          arrival_mode == "police"], [0.3, 0.4, 0.7, -0.1], 0.0)
             + 0.15 * (site == "S3") - 0.1 * (site == "S4"))
    label = (rng.random(rows) < sigmoid(logit)).astype(int)

    numeric = {
        "age": age, "heart_rate": np.clip(heart_rate, 25, 220), "resp_rate": np.clip(resp_rate, 6, 60),
        "temp": np.clip(temp, 32, 42.5), "sbp": np.clip(sbp, 50, 250), "dbp": np.clip(dbp, 25, 150),
        "spo2": np.clip(spo2, 60, 100), "gcs": np.clip(gcs, 3, 15), "wbc": np.clip(wbc, 0.3, 80),
        "hemoglobin": np.clip(hemoglobin, 4, 20), "platelets": np.clip(platelets, 5, 1200),
        "sodium": np.clip(sodium, 110, 170), "potassium": np.clip(potassium, 2, 8),
        "creatinine": np.clip(creatinine, 0.2, 15), "bun": np.clip(bun, 2, 200), "glucose": np.clip(glucose, 30, 900),
        # Drawn more often for sicker, infected or pressor patients: missing is a low-risk signal.
        "lactate": with_missing(rng, np.clip(lactate_true, 0.3, 20),
                                sigmoid(1.7 + 1.1 * severity + 0.8 * infection + 2 * on_pressors)),
        "bilirubin": with_missing(rng, np.clip(bilirubin, 0.1, 30), sigmoid(2.0 + 0.6 * severity)),
        "crp": with_missing(rng, np.clip(crp, 0.1, 500), sigmoid(1.6 + 0.9 * infection + 0.4 * severity)),
        "bicarbonate": np.clip(bicarbonate, 5, 45),
        "bmi": with_missing(rng, np.clip(bmi_true, 13, 70), np.full(rows, 0.9)),
        "prior_admissions": prior_admissions,
    }
    for name, decimals in CLINICAL_NUMERIC.items():
        numeric[name] = np.round(numeric[name], decimals)
    categories = {
        "sex": sex, "arrival_mode": arrival_mode, "site": site, "ward": ward, "triage": triage,
        "insurance": insurance, "on_pressors": boolean_text(on_pressors), "diabetes": boolean_text(diabetes),
    }
    return numeric, categories, label


# ---------------------------------------------------------------------------------------------
# Temporal task: patients with several encounters over two years, and a shift.

TEMPORAL_NUMERIC = {
    "age": 0, "heart_rate": 0, "resp_rate": 0, "sbp": 0, "spo2": 0, "temp": 1, "wbc": 1, "creatinine": 2,
    "lactate": 1, "crp": 1, "prior_encounters": 0, "days_since_last": 1,
}
TEMPORAL_CATEGORICAL = ["sex", "site", "ckd", "arrival_mode", "triage"]


def temporal(rng):
    patients = TEMPORAL_PATIENTS
    frailty = rng.normal(0, 0.8, patients)
    encounters = 1 + rng.poisson(3.0 * np.exp(0.35 * frailty - 0.35 ** 2 * 0.8 ** 2 / 2))
    rows = int(encounters.sum())
    patient = np.repeat(np.arange(patients), encounters)
    # Visits over two years, denser later (the volume grows); sorted within a patient below.
    day = TEMPORAL_DAYS * rng.beta(1.25, 1.0, rows)
    second = np.floor(day * 86_400).astype(np.int64)
    order = np.lexsort((second, patient))
    patient, second = patient[order], second[order]
    first = np.r_[True, patient[1:] != patient[:-1]]
    start_index = np.maximum.accumulate(np.where(first, np.arange(rows), 0))
    prior_encounters = (np.arange(rows) - start_index).astype(float)
    days_since_last = np.r_[np.nan, np.diff(second) / 86_400.0]
    days_since_last[first] = np.nan
    fraction = second / (TEMPORAL_DAYS * 86_400.0)  # 0 at the start, 1 at the end

    patient_age = np.round(20 + 75 * rng.beta(2.2, 1.8, patients))
    patient_sex = categorical(rng, ["F", "M"], [0.5, 0.5], patients)
    patient_site = categorical(rng, ["S1", "S2", "S3"], [0.5, 0.3, 0.2], patients)
    patient_ckd = rng.random(patients) < sigmoid(-2.2 + 0.03 * (patient_age - 60) + 0.5 * frailty)
    # Everyone ages, and the later visits lean older (case mix).
    age = patient_age[patient] + np.floor(second / (365.25 * 86_400)) + np.round(6 * fraction * rng.random(rows))
    sex, site, ckd = patient_sex[patient], patient_site[patient], patient_ckd[patient]
    u = frailty[patient]

    severity = rng.normal(0, 1, rows) + 0.4 * u + 0.01 * (age - 60)
    infection = rng.random(rows) < sigmoid(-1.2 + 0.5 * severity)
    arrival_logits = np.stack([np.zeros(rows), -0.9 + 0.8 * severity + 1.1 * fraction, -2.3 + 0.3 * severity,
                               -3.0 - 0.2 * severity], axis=1)
    arrival_mode = choice(rng, ["walk_in", "ambulance", "transfer", "police"], np.exp(arrival_logits))
    triage_level = np.clip(np.round(3.1 - 0.9 * severity + rng.normal(0, 0.7, rows)), 1, 5).astype(int)
    triage = np.array([f"ESI{k}" for k in range(6)], dtype=object)[triage_level]
    temp = 36.8 + 0.15 * severity + infection * rng.normal(1.1, 0.6, rows) + rng.normal(0, 0.35, rows)
    heart_rate = 80 + 8 * severity + 4 * (temp - 36.8) + rng.normal(0, 12, rows)
    resp_rate = 17 + 2.3 * severity + 1.5 * infection + rng.normal(0, 3, rows)
    sbp = 130 - 10 * severity + 0.3 * (age - 60) + rng.normal(0, 18, rows)
    spo2 = 100 - rng.gamma(1.3, 1.2 + 1.1 * relu(severity + 0.3), rows)
    wbc = np.exp(np.log(8) + 0.2 * severity + 0.35 * infection + rng.normal(0, 0.3, rows))
    creatinine = np.exp(np.log(0.9) + 0.7 * ckd + 0.008 * (age - 60) + 0.2 * severity + rng.normal(0, 0.35, rows))
    lactate_true = np.exp(np.log(1.3) + 0.35 * severity + rng.normal(0, 0.35, rows))
    analyzer = second >= int((ANALYZER_CHANGE - TEMPORAL_START).astype(np.int64))
    lactate = lactate_true + 0.6 * analyzer  # the new analyzer reads higher
    crp = np.exp(np.log(12) + 1.2 * infection + 0.3 * severity + rng.normal(0, 1.0, rows))

    logit = (-3.6 + 0.35 * fraction + 0.8 * u + 0.55 * severity
             + 0.03 * relu(age - 60)
             + (1.2 - 0.9 * fraction) * (sbp < 100)
             + (0.08 + 0.1 * fraction) * relu(96 - spo2)
             + 0.5 * np.minimum(relu(lactate_true - 2), 3)
             + 0.5 * (heart_rate > 110) + 0.5 * (resp_rate >= 22)
             + 0.4 * (temp > 38.3) + 0.8 * (temp < 36)
             + 0.5 * ckd * np.log(creatinine / 0.9)
             + 0.3 * (arrival_mode == "ambulance") + 0.4 * (arrival_mode == "transfer")
             + 0.15 * (site == "S2"))
    label = (rng.random(rows) < sigmoid(logit)).astype(int)

    numeric = {
        "age": np.clip(age, 18, 105), "heart_rate": np.clip(heart_rate, 25, 220), "resp_rate": np.clip(resp_rate, 6, 60),
        "sbp": np.clip(sbp, 50, 250), "spo2": np.clip(spo2, 60, 100), "temp": np.clip(temp, 32, 42.5),
        "wbc": np.clip(wbc, 0.3, 80), "creatinine": np.clip(creatinine, 0.2, 15),
        "lactate": with_missing(rng, np.clip(lactate, 0.3, 20), sigmoid(0.8 + 1.0 * severity + 0.8 * infection)),
        "crp": with_missing(rng, np.clip(crp, 0.1, 500), sigmoid(1.4 + 0.9 * infection)),
        "prior_encounters": prior_encounters, "days_since_last": days_since_last,
    }
    for name, decimals in TEMPORAL_NUMERIC.items():
        numeric[name] = np.round(numeric[name], decimals)
    categories = {"sex": sex, "site": site, "ckd": boolean_text(ckd), "arrival_mode": arrival_mode, "triage": triage}
    patient_id = np.array([f"P{k + 1:05d}" for k in range(patients)], dtype=object)[patient]
    ts = np.datetime_as_string(TEMPORAL_START + second.astype("timedelta64[s]"), unit="s")
    ts = np.char.add(ts.astype(str), "Z").astype(object)
    return patient_id, ts, second, numeric, categories, label


# ---------------------------------------------------------------------------------------------
# Writing.

def number_cells(values, decimals):
    if decimals is None:  # shortest round-trip text
        return ["" if v != v else repr(float(v)) for v in values.tolist()]
    return ["" if v != v else f"{v:.{decimals}f}" for v in values.tolist()]


def write_csv(path, columns, rows):
    """columns: list of (name, list of cell strings)."""
    with open(path, "w") as out:
        out.write(",".join(name for name, _ in columns) + "\n")
        cells = [values for _, values in columns]
        for index in range(rows):
            out.write(",".join(column[index] for column in cells) + "\n")


def describe(columns_types, label_train, label_test, numeric_train, seed, extra=None):
    summary = {
        "seed": seed, "train_rows": int(len(label_train)), "test_rows": int(len(label_test)),
        "train_prevalence": round(float(np.mean(label_train)), 5), "test_prevalence": round(float(np.mean(label_test)), 5),
        "target": "label", "columns": columns_types,
        "missing_share_train": {name: round(float(np.mean(np.isnan(v))), 4)
                                for name, v in numeric_train.items() if np.isnan(v).any()},
    }
    summary.update(extra or {})
    return summary


def write_clinical(data):
    rng = np.random.default_rng(CLINICAL_SEED)
    numeric, categories, label = clinical(rng, CLINICAL_ROWS)
    train = np.zeros(CLINICAL_ROWS, dtype=bool)
    train[rng.permutation(CLINICAL_ROWS)[: int(CLINICAL_ROWS * CLINICAL_TRAIN_SHARE)]] = True
    names = list(CLINICAL_NUMERIC) + CLINICAL_CATEGORICAL
    for part, mask in (("train", train), ("test", ~train)):
        columns = [(name, number_cells(numeric[name][mask], CLINICAL_NUMERIC[name])) for name in CLINICAL_NUMERIC]
        columns += [(name, categories[name][mask].tolist()) for name in CLINICAL_CATEGORICAL]
        columns.append(("label", [str(v) for v in label[mask].tolist()]))
        write_csv(os.path.join(data, f"clinical_{part}.csv"), columns, int(mask.sum()))
    types = {name: "numeric" for name in CLINICAL_NUMERIC} | {name: "categorical" for name in CLINICAL_CATEGORICAL}
    types["label"] = "target"
    assert len(names) == 30
    return describe(types, label[train], label[~train], {k: v[train] for k, v in numeric.items()}, CLINICAL_SEED,
                    {"split": "80/20 at random (a permutation from the same generator)",
                     "ward_seed": CLINICAL_SEED + 1,
                     "category_levels": {name: len(set(categories[name].tolist())) for name in CLINICAL_CATEGORICAL}})


def snake_case(name):
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def write_breast(data):
    from sklearn.datasets import load_breast_cancer  # bundled with scikit-learn: no download
    from sklearn.model_selection import train_test_split

    bunch = load_breast_cancer()
    names = [snake_case(name) for name in bunch.feature_names]
    assert len(set(names)) == len(names)
    label = 1 - bunch.target  # sklearn: 0 = malignant, 1 = benign; here 1 = malignant
    index = np.arange(len(label))
    train_index, test_index = train_test_split(index, test_size=0.3, stratify=label, random_state=BREAST_SEED)
    train_index, test_index = np.sort(train_index), np.sort(test_index)
    for part, rows in (("train", train_index), ("test", test_index)):
        columns = [(name, number_cells(bunch.data[rows, j], None)) for j, name in enumerate(names)]
        columns.append(("label", [str(v) for v in label[rows].tolist()]))
        write_csv(os.path.join(data, f"breast_{part}.csv"), columns, len(rows))
    types = {name: "numeric" for name in names} | {"label": "target"}
    return describe(types, label[train_index], label[test_index], {}, BREAST_SEED,
                    {"split": "stratified 70/30, sklearn train_test_split(random_state=seed), rows in original order",
                     "label_meaning": "1 = malignant (1 - sklearn's target)"})


def write_temporal(data):
    rng = np.random.default_rng(TEMPORAL_SEED)
    patient_id, ts, second, numeric, categories, label = temporal(rng)
    rows = len(label)
    order = np.lexsort((patient_id.astype(str), second))  # by time (ties: by patient)
    cut = int(round(rows * (1 - TEMPORAL_TEST_SHARE)))
    parts = {"train": order[:cut], "test": order[cut:]}
    for part, index in parts.items():
        columns = [("patient_id", patient_id[index].tolist()), ("ts", ts[index].tolist())]
        columns += [(name, number_cells(numeric[name][index], TEMPORAL_NUMERIC[name])) for name in TEMPORAL_NUMERIC]
        columns += [(name, categories[name][index].tolist()) for name in TEMPORAL_CATEGORICAL]
        columns.append(("label", [str(v) for v in label[index].tolist()]))
        write_csv(os.path.join(data, f"temporal_{part}.csv"), columns, len(index))
    types = {"patient_id": "group", "ts": "time"} | {name: "numeric" for name in TEMPORAL_NUMERIC}
    types |= {name: "categorical" for name in TEMPORAL_CATEGORICAL}
    types["label"] = "target"
    train, test = parts["train"], parts["test"]
    train_patients = set(patient_id[train].tolist())
    test_patients = set(patient_id[test].tolist())
    return describe(types, label[train], label[test], {k: v[train] for k, v in numeric.items()}, TEMPORAL_SEED, {
        "split": "the newest 20% of encounters by ts are the test rows; both files sorted by ts",
        "patients": TEMPORAL_PATIENTS, "train_patients": len(train_patients), "test_patients": len(test_patients),
        "test_patients_also_in_train": len(train_patients & test_patients),
        "train_ts": [ts[train[0]], ts[train[-1]]], "test_ts": [ts[test[0]], ts[test[-1]]],
        "shift": "ambulance share and ages grow; lactate analyzer +0.6 from 2024-05-15; sbp<100 effect 1.2 -> 0.3; "
                 "spo2 deficit effect 0.08 -> 0.18 per point; intercept +0.35",
    })


def main():
    data = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "data"))
    os.makedirs(data, exist_ok=True)
    meta = {"generator": "Benchmarks/automl/generate.py", "datasets": {}}
    meta["datasets"]["clinical"] = write_clinical(data)
    meta["datasets"]["breast"] = write_breast(data)
    meta["datasets"]["temporal"] = write_temporal(data)
    with open(os.path.join(data, "meta.json"), "w") as out:
        json.dump(meta, out, indent=1)
        out.write("\n")
    for name, info in meta["datasets"].items():
        print(f"{name}: {info['train_rows']} train / {info['test_rows']} test rows, prevalence "
              f"{info['train_prevalence']:.4f} / {info['test_prevalence']:.4f}", file=sys.stderr)
    print(f"data written to {data}", file=sys.stderr)


if __name__ == "__main__":
    main()
