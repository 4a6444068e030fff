#!/usr/bin/env python3
"""Generate the reference vectors that VigilStatsTests compare against.

Run by hand, in its own virtual environment (the Swift tests never need Python):

    python3 -m venv .venv-fixtures
    .venv-fixtures/bin/pip install numpy scipy scikit-learn statsmodels
    NML_DISABLE_USAGE_LOGGING=1 DO_NOT_TRACK=1 \
        .venv-fixtures/bin/python Tests/VigilStatsTests/Fixtures/generate_fixtures.py

Versions used for the committed fixtures (also recorded in every JSON file):
    python 3.11.7, numpy 2.4.6, scipy 1.17.1, scikit-learn 1.9.1, statsmodels 0.15.0

Large samples are not stored: they are described by a `generator` object that both this
script and the Swift tests expand identically (SplitMix64 uniforms, pure IEEE arithmetic,
see `expand_generator`). Values that must be NaN are stored as JSON null.
"""
import json
import math
import os
import platform
import sys
import warnings

os.environ.setdefault("NML_DISABLE_USAGE_LOGGING", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")

import numpy as np
import scipy
import sklearn
import statsmodels
import statsmodels.api as sm
from scipy import special, stats
from scipy.spatial.distance import jensenshannon
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

HERE = os.path.dirname(os.path.abspath(__file__))
VERSIONS = {
    "python": platform.python_version(),
    "numpy": np.__version__,
    "scipy": scipy.__version__,
    "scikit-learn": sklearn.__version__,
    "statsmodels": statsmodels.__version__,
}
MASK = (1 << 64) - 1


# ---------------------------------------------------------------------------
# Deterministic data shared with the Swift tests


def splitmix64(seed):
    state = seed & MASK
    while True:
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        yield z ^ (z >> 31)


def expand_generator(spec):
    """value = (u1 + u2 + u3 + u4 - 2) * scale + shift, optionally floor(value * r) / r.

    u are SplitMix64 uniforms (z >> 11) * 2**-53: an Irwin-Hall bell shape using only
    additions and multiplications, so Swift reproduces every bit.
    """
    gen = splitmix64(spec["seed"])
    out = []
    for _ in range(spec["count"]):
        u = [((next(gen) >> 11) * 2.0**-53) for _ in range(4)]
        v = (((u[0] + u[1]) + u[2]) + u[3] - 2.0) * spec["scale"] + spec["shift"]
        if spec.get("resolution"):
            v = math.floor(v * spec["resolution"]) / spec["resolution"]
        out.append(v)
    return np.array(out, dtype=np.float64)


def gen(seed, count, scale=1.0, shift=0.0, resolution=0):
    return {"seed": seed, "count": count, "scale": scale, "shift": shift, "resolution": resolution}


def nan_to_none(values):
    return [None if (isinstance(v, float) and math.isnan(v)) else v for v in values]


def write(name, payload):
    payload = {"versions": VERSIONS, **payload}
    path = os.path.join(HERE, name)
    with open(path, "w") as f:
        json.dump(payload, f, separators=(",", ":"), allow_nan=False)
    print(f"wrote {name}: {os.path.getsize(path)} bytes")


# ---------------------------------------------------------------------------
# Special functions


def special_functions():
    kolmogorov = []
    for x in [0.01, 0.03, 0.0406, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.82, 0.83, 1.0, 1.36, 2.0, 3.0, 5.0, 10.0, 20.0, 26.0, 27.0]:
        kolmogorov.append({"x": x, "sf": float(special.kolmogorov(x))})
    smirnov = []
    for n in [1, 2, 3, 5, 10, 50, 141, 1000, 50000, 2000000]:
        for x in [0.0, 0.001, 0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.95, 0.999, 1.0]:
            smirnov.append({"n": n, "x": x, "sf": float(special.smirnov(n, x))})
    kstwo = []
    for n in [1, 2, 3, 5, 10, 20, 50, 100, 140, 141, 500, 1000, 5000, 50000, 100001, 250000]:
        for x in [0.0005, 0.001, 0.002, 0.004, 0.006, 0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2,
                  0.3, 0.45, 0.5, 0.6, 0.8, 0.95, 0.99]:
            kstwo.append({"n": n, "x": x, "sf": float(stats.kstwo.sf(x, n))})
    chi2 = []
    for df in [1, 2, 3, 4, 7, 10, 30, 99, 500, 2000]:
        for x in [0.0, 1e-8, 0.01, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 100.0, 300.0, 1000.0, 1300.0, 1400.0, 3000.0, 5000.0]:
            chi2.append({"df": df, "x": x, "sf": float(stats.chi2.sf(x, df))})
    gammaincc = []
    for a in [0.1, 0.5, 1.0, 2.5, 10.0, 50.0, 200.0, 1000.0]:
        for x in [0.01, 0.5, 1.0, 5.0, 10.0, 60.0, 250.0, 1100.0]:
            gammaincc.append({"a": a, "x": x, "q": float(special.gammaincc(a, x)), "p": float(special.gammainc(a, x))})
    write("special_functions.json", {
        "kolmogorov": kolmogorov, "smirnov": smirnov, "kstwo": kstwo, "chi2": chi2, "gammaincc": gammaincc,
    })


# ---------------------------------------------------------------------------
# Two-sample Kolmogorov-Smirnov


def ks_cases():
    cases = []

    def add(name, a=None, b=None, ga=None, gb=None):
        x = expand_generator(ga) if ga else np.array(a, dtype=float)
        y = expand_generator(gb) if gb else np.array(b, dtype=float)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            r = stats.ks_2samp(x, y, method="auto")
        case = {"name": name, "statistic": float(r.statistic), "pvalue": float(r.pvalue),
                "fell_back_to_asymp": any("unsuccessful" in str(w.message) for w in caught)}
        case.update({"reference": x.tolist()} if ga is None else {"reference_generator": ga})
        case.update({"current": y.tolist()} if gb is None else {"current_generator": gb})
        cases.append(case)

    add("n = 1 vs m = 1, equal", [1.0], [1.0])
    add("n = 1 vs m = 1, different", [1.0], [2.0])
    add("n = 1 vs m = 2", [0.5], [0.1, 0.9])
    add("n = 2 vs m = 2", [0.0, 1.0], [2.0, 3.0])
    add("ties in both samples", [1, 2, 2, 3, 3, 3, 4], [2, 2, 3, 4, 4, 5])
    add("exact computation leaves [0, 1] and falls back to asymp",
        [0, 1, 2, 1, 2, 1, 0], [0, 2, 0, 2, 1, 1, 2])
    add("constant column, same constant", [3.0] * 20, [3.0] * 25)
    add("constant column, different constants", [3.0] * 20, [4.0] * 25)
    add("heavy duplicates", ga=gen(11, 400, 1.0, 0.0, 2), gb=gen(12, 300, 1.0, 0.2, 2))
    add("unequal sizes 37 vs 53", ga=gen(1, 37), gb=gen(2, 53, 1.0, 0.3))
    add("unequal sizes 100 vs 250", ga=gen(3, 100), gb=gen(4, 250, 1.2, 0.0))
    add("equal sizes 1000, small shift", ga=gen(5, 1000), gb=gen(6, 1000, 1.0, 0.05))
    add("equal sizes 3000, p-value near 1e-300", ga=gen(7, 3000), gb=gen(8, 3000, 1.0, 0.72))
    add("equal sizes 3000, p-value underflows to 0", ga=gen(7, 3000), gb=gen(8, 3000, 1.0, 0.9))
    add("unequal 2000 vs 1500, extreme p-value", ga=gen(9, 2000), gb=gen(10, 1500, 1.0, 0.8))
    add("exact at the limit: 10000 vs 9000", ga=gen(13, 10000), gb=gen(14, 9000, 1.0, 0.01))
    add("asymptotic: 12000 vs 15000, no shift", ga=gen(15, 12000), gb=gen(16, 15000))
    add("asymptotic: 20000 vs 20000, small shift", ga=gen(17, 20000), gb=gen(18, 20000, 1.0, 0.03))
    add("asymptotic: 12000 vs 11000, p-value near 1e-300", ga=gen(19, 12000), gb=gen(20, 11000, 1.0, 0.33))
    add("asymptotic: 12000 vs 11000, p-value underflows to 0", ga=gen(19, 12000), gb=gen(20, 11000, 1.0, 0.6))
    add("asymptotic with small effective n (Pomeranz / Durbin)", ga=gen(21, 10500), gb=gen(22, 30, 1.0, 0.1))
    add("asymptotic with effective n = 1", ga=gen(23, 10001), b=[0.25])
    add("asymptotic with coarse ties", ga=gen(24, 11000, 1.0, 0.0, 4), gb=gen(25, 10200, 1.0, 0.05, 4))
    write("ks_2samp.json", {"cases": cases})


# ---------------------------------------------------------------------------
# Drift report: PSI, Wasserstein, Jensen-Shannon, chi-square, BH, decisions


def psi_edges(ref_sorted, k):
    q = np.quantile(ref_sorted, np.arange(1, k) / k)
    return np.unique(q)


def psi_counts(values, edges):
    idx = np.searchsorted(edges, values, side="left")
    return np.bincount(idx, minlength=len(edges) + 1)


def psi_from_counts(rc, cc):
    p = np.maximum(rc / rc.sum(), 1e-4)
    q = np.maximum(cc / cc.sum(), 1e-4)
    return float(np.sum((q - p) * np.log(q / p)))


def numeric_column(name, ref, cur, k):
    ref = np.asarray(ref, dtype=float)
    cur = np.asarray(cur, dtype=float)
    r = np.sort(ref[~np.isnan(ref)])
    c = np.sort(cur[~np.isnan(cur)])
    out = {"name": name, "type": "numeric", "n_reference": int(r.size), "n_current": int(c.size),
           "missing_reference": float(np.isnan(ref).mean()) if ref.size else None,
           "missing_current": float(np.isnan(cur).mean()) if cur.size else None,
           "psi": None, "ks_statistic": None, "ks_pvalue": None, "wasserstein": None,
           "wasserstein_normalized": None, "jensen_shannon": None, "chi2": None, "chi2_pvalue": None,
           "unseen_share": None, "edges": []}
    if r.size:
        out["edges"] = psi_edges(r, k).tolist()
    if r.size and c.size:
        edges = psi_edges(r, k)
        rc, cc = psi_counts(r, edges), psi_counts(c, edges)
        ks = stats.ks_2samp(r, c)
        w = float(stats.wasserstein_distance(r, c))
        out.update({"psi": psi_from_counts(rc, cc), "ks_statistic": float(ks.statistic),
                    "ks_pvalue": float(ks.pvalue), "wasserstein": w,
                    "wasserstein_normalized": w / max(float(np.std(r)), 0.001),
                    "jensen_shannon": float(jensenshannon(rc, cc, base=2))})
    return out


def categorical_column(name, ref, cur):
    ref_present = [v for v in ref if v is not None]
    cur_present = [v for v in cur if v is not None]
    out = {"name": name, "type": "categorical", "n_reference": len(ref_present), "n_current": len(cur_present),
           "missing_reference": (1 - len(ref_present) / len(ref)) if ref else None,
           "missing_current": (1 - len(cur_present) / len(cur)) if cur else None,
           "psi": None, "ks_statistic": None, "ks_pvalue": None, "wasserstein": None,
           "wasserstein_normalized": None, "jensen_shannon": None, "chi2": None, "chi2_pvalue": None,
           "unseen_share": None}
    if ref_present and cur_present:
        cats = sorted(set(ref_present) | set(cur_present))
        rc = np.array([ref_present.count(k) for k in cats])
        cc = np.array([cur_present.count(k) for k in cats])
        table = np.vstack([rc, cc])
        chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)
        seen = set(ref_present)
        out.update({"psi": psi_from_counts(rc, cc), "jensen_shannon": float(jensenshannon(rc, cc, base=2)),
                    "chi2": float(chi2), "chi2_pvalue": float(p),
                    "unseen_share": sum(1 for v in cur_present if v not in seen) / len(cur_present)})
    return out


def decide(columns):
    pvals = [(i, c["ks_pvalue"] if c["type"] == "numeric" else c["chi2_pvalue"]) for i, c in enumerate(columns)]
    defined = [(i, p) for i, p in pvals if p is not None]
    adjusted = {}
    if defined:
        adj = multipletests([p for _, p in defined], method="fdr_bh")[1]
        adjusted = {i: float(a) for (i, _), a in zip(defined, adj)}
    drifted = 0
    for i, c in enumerate(columns):
        c["ks_pvalue_adjusted"] = adjusted.get(i)
        psi = c["psi"]
        d = psi is not None and (psi >= 0.25 or (c["ks_pvalue_adjusted"] is not None and c["ks_pvalue_adjusted"] < 0.01 and psi >= 0.1))
        c["drifted"] = bool(d)
        drifted += d
    share = drifted / len(columns) if columns else 0.0
    return {"columns": columns, "drifted_share": share, "dataset_drift": share >= 0.5}


def with_missing(values, every):
    values = list(values)
    for i in range(0, len(values), every):
        values[i] = float("nan")
    return values


def categories(seed, count, labels, weights):
    g = splitmix64(seed)
    cum = np.cumsum(weights) / np.sum(weights)
    out = []
    for _ in range(count):
        u = (next(g) >> 11) * 2.0**-53
        out.append(labels[int(np.searchsorted(cum, u, side="right"))])
    return out


def drift_cases():
    datasets = []

    def dataset(name, bins, numeric, categorical):
        columns = [numeric_column(n, r, c, bins) for n, r, c in numeric]
        columns += [categorical_column(n, r, c) for n, r, c in categorical]
        report = decide(columns)
        datasets.append({
            "name": name, "bins": bins,
            "numeric": [{"name": n, "reference": nan_to_none(list(map(float, r))), "current": nan_to_none(list(map(float, c)))}
                        for n, r, c in numeric],
            "categorical": [{"name": n, "reference": r, "current": c} for n, r, c in categorical],
            "expected": report,
        })

    dataset("mixed columns with drift, missing values and unseen categories", 10, [
        ("age", expand_generator(gen(101, 600, 15, 60)), expand_generator(gen(102, 500, 15, 66))),
        ("lactate", with_missing(expand_generator(gen(103, 600, 1.0, 2.0, 10)), 7),
         with_missing(expand_generator(gen(104, 450, 1.0, 2.0, 10)), 5)),
        ("heart_rate", expand_generator(gen(105, 600, 20, 80)), expand_generator(gen(106, 500, 20, 80))),
        ("constant", [1.0] * 50, [1.0] * 40),
        ("all_missing_current", expand_generator(gen(107, 80)), [float("nan")] * 30),
        ("tiny", [0.5], [0.1, 0.9]),
    ], [
        ("ward", categories(201, 600, ["icu", "med", "surg"], [1, 3, 2]),
         categories(202, 500, ["icu", "med", "surg", "onc"], [2, 3, 2, 1])),
        ("sex", categories(203, 600, ["F", "M"], [1, 1]) + [None] * 10, categories(204, 500, ["F", "M"], [1, 1])),
        ("gone", ["a", "b"] * 30, ["a"] * 40),
        ("all_missing_reference", [None] * 5, ["x", "y"]),
    ])
    dataset("five bins, heavy duplicates", 5, [
        ("score", expand_generator(gen(301, 700, 1.0, 0.0, 1)), expand_generator(gen(302, 650, 1.0, 0.2, 1))),
        ("flag", [0.0] * 300 + [1.0] * 100, [0.0] * 200 + [1.0] * 200),
    ], [])
    dataset("extreme p-values", 10, [
        ("shifted", expand_generator(gen(401, 3000)), expand_generator(gen(402, 3000, 1.0, 1.5))),
    ], [
        ("flipped", ["a"] * 2000 + ["b"] * 100, ["a"] * 100 + ["b"] * 2000),
    ])
    write("drift.json", {"datasets": datasets})

    pvals = [[0.01, 0.04, 0.03, 0.005, 0.2, 0.9], [0.5], [1e-300, 1e-10, 0.04, 0.04, 0.04, 1.0], [0.3, 0.3, 0.3]]
    tests = [{"p": p, "bh": multipletests(p, method="fdr_bh")[1].tolist(),
              "bh_scipy": stats.false_discovery_control(p).tolist(),
              "bonferroni": multipletests(p, method="bonferroni")[1].tolist()} for p in pvals]
    write("multiple_testing.json", {"cases": tests})


# ---------------------------------------------------------------------------
# Performance metrics

Z975 = float(stats.norm.ppf(0.975))


def delong(y, s):
    """DeLong et al. (1988) variance of the AUROC via structural components (midranks)."""
    pos = s[y == 1]
    neg = s[y == 0]
    m, n = pos.size, neg.size
    v10 = np.array([(np.sum(p > neg) + 0.5 * np.sum(p == neg)) / n for p in pos])
    v01 = np.array([(np.sum(pos > q) + 0.5 * np.sum(pos == q)) / m for q in neg])
    auc = v10.mean()
    s10 = np.var(v10, ddof=1) if m > 1 else 0.0
    s01 = np.var(v01, ddof=1) if n > 1 else 0.0
    var = s10 / m + s01 / n
    se = math.sqrt(var)
    return [max(0.0, auc - Z975 * se), min(1.0, auc + Z975 * se)]


def ece(y, s):
    edges = np.arange(1, 10) / 10
    b = np.searchsorted(edges, s, side="right")
    total = 0.0
    for k in range(10):
        mask = b == k
        if mask.any():
            total += mask.mean() * abs(s[mask].mean() - y[mask].mean())
    return float(total)


def wilson(k, n):
    if n == 0:
        return None
    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    return [float(lo), float(hi)]


def metrics_case(name, y, s, t):
    y = np.asarray(y, dtype=int)
    s = np.asarray(s, dtype=float)
    n = int(y.size)
    pos = int(y.sum())
    both = 0 < pos < n
    clipped = np.clip(s, 1e-15, 1 - 1e-15)
    out = {"n": n, "positives": pos}
    out["auroc"] = float(roc_auc_score(y, s)) if both else None
    out["auroc_ci"] = delong(y, s) if both else None
    out["average_precision"] = float(average_precision_score(y, s)) if pos > 0 else None
    out["brier"] = float(brier_score_loss(y, s)) if n else None
    out["log_loss"] = float(-np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped))) if n else None
    out["ece"] = ece(y, s) if n else None
    intercept = slope = None
    if both:
        x = sm.add_constant(np.log(clipped / (1 - clipped)), has_constant="add")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                fit = sm.Logit(y, x).fit(disp=0, method="newton", maxiter=100, tol=1e-12)
            if fit.mle_retvals["converged"] and np.all(np.isfinite(fit.params)) and np.all(np.abs(fit.params) < 1e6):
                intercept, slope = float(fit.params[0]), float(fit.params[1])
        except Exception:
            pass
    out["calibration_intercept"] = intercept
    out["calibration_slope"] = slope
    pred = s >= t
    tp = int(np.sum(pred & (y == 1))); fp = int(np.sum(pred & (y == 0)))
    tn = int(np.sum(~pred & (y == 0))); fn = int(np.sum(~pred & (y == 1)))
    out.update({"threshold": t, "tp": tp, "fp": fp, "tn": tn, "fn": fn})
    out["sensitivity"] = tp / (tp + fn) if tp + fn else None
    out["sensitivity_ci"] = wilson(tp, tp + fn)
    out["specificity"] = tn / (tn + fp) if tn + fp else None
    out["specificity_ci"] = wilson(tn, tn + fp)
    out["ppv"] = tp / (tp + fp) if tp + fp else None
    out["ppv_ci"] = wilson(tp, tp + fp)
    out["npv"] = tn / (tn + fn) if tn + fn else None
    out["npv_ci"] = wilson(tn, tn + fn)
    return {"name": name, "labels": y.tolist(), "scores": s.tolist(), "expected": out}


def metrics_cases():
    rng = np.random.default_rng(20240601)
    cases = []
    z = rng.normal(size=500)
    y = (rng.uniform(size=500) < 1 / (1 + np.exp(-(z * 1.5 - 1)))).astype(int)
    s = 1 / (1 + np.exp(-(z * 1.2 - 0.8)))
    cases.append(metrics_case("500 patients, informative score", y, s, 0.5))
    cases.append(metrics_case("ties: scores rounded to one decimal", y, np.round(s, 1), 0.3))
    cases.append(metrics_case("scores of exactly 0, 1 and bin edges", [0, 1, 1, 0, 1, 0, 1, 0, 0, 1],
                              [0.0, 1.0, 0.9, 0.1, 0.5, 0.5, 0.7, 0.2, 0.3, 0.6], 0.5))
    cases.append(metrics_case("one class only (all negative)", [0, 0, 0, 0], [0.1, 0.4, 0.35, 0.8], 0.5))
    cases.append(metrics_case("one class only (all positive)", [1, 1, 1], [0.9, 0.4, 0.6], 0.5))
    cases.append(metrics_case("n = 1", [1], [0.7], 0.5))
    cases.append(metrics_case("n = 2", [0, 1], [0.3, 0.6], 0.5))
    cases.append(metrics_case("perfect separation: calibration fit diverges", [0, 0, 0, 1, 1, 1],
                              [0.1, 0.2, 0.3, 0.7, 0.8, 0.9], 0.5))
    z2 = rng.normal(size=3000)
    y2 = (rng.uniform(size=3000) < 1 / (1 + np.exp(-(z2 - 2.5)))).astype(int)
    s2 = 1 / (1 + np.exp(-(z2 * 0.7 - 2)))
    cases.append(metrics_case("3000 patients, rare outcome, threshold 0.2", y2, s2, 0.2))
    write("metrics.json", {"cases": cases})


if __name__ == "__main__":
    np.seterr(all="ignore")
    special_functions()
    ks_cases()
    drift_cases()
    metrics_cases()
    print("versions:", VERSIONS, file=sys.stderr)
