#!/usr/bin/env python3
"""Generate the scikit-learn reference results that VigilMLTests compare against.

Run by hand, in its own virtual environment (the Swift tests never need Python):

    python3 -m venv .venv-fixtures
    .venv-fixtures/bin/pip install numpy scikit-learn
    DO_NOT_TRACK=1 .venv-fixtures/bin/python Tests/VigilMLTests/Fixtures/generate_fixtures.py

Versions used for the committed fixtures (also recorded in every JSON file):
    python 3.11.7, numpy 2.4.6, scipy 1.17.1, scikit-learn 1.9.1

Every input is stored inline. Features are rounded to 4 decimals before fitting so that
their JSON text stays short; the rounded values are the exact doubles that were fitted.
Doubles are written by `json.dump`, which uses `repr` (round-trip exact); NaN is null.

Files:
    logistic_regression.json  LogisticRegression(solver="lbfgs", l1_ratio=0, tol=1e-12,
                              max_iter=100000) for L2 (checked against newton-cholesky),
                              solver="saga", l1_ratio=1, random_state=0 for L1 (checked by
                              its KKT residual and an unambiguous zero pattern).
    calibration.json          _SigmoidCalibration (Platt) and
                              IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).
"""
import json
import math
import os
import platform
import warnings

os.environ.setdefault("DO_NOT_TRACK", "1")

import numpy as np
import scipy
import sklearn
from sklearn.calibration import _SigmoidCalibration
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

HERE = os.path.dirname(os.path.abspath(__file__))
VERSIONS = {
    "python": platform.python_version(),
    "numpy": np.__version__,
    "scipy": scipy.__version__,
    "scikit-learn": sklearn.__version__,
}


def write(name, payload):
    payload = {"versions": VERSIONS, **payload}
    path = os.path.join(HERE, name)
    with open(path, "w") as f:
        json.dump(payload, f, separators=(",", ":"), allow_nan=False)
    print(f"wrote {name}: {os.path.getsize(path)} bytes")


def floats(values):
    """A list of Python floats, NaN as None (JSON null)."""
    return [None if math.isnan(v) else float(v) for v in np.asarray(values, dtype=float).ravel()]


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


# ---------------------------------------------------------------------------
# Logistic regression


def log_loss_terms(z, y):
    """log(1 + exp(z)) - y z, stably."""
    return np.logaddexp(0.0, z) - y * z


def objective(coef, intercept, X, y, w, C, penalty):
    z = X @ coef + intercept
    data = C * float(np.sum(w * log_loss_terms(z, y)))
    if penalty == "l2":
        return data + 0.5 * float(coef @ coef)
    return data + float(np.sum(np.abs(coef)))


def scaled_gradient(coef, intercept, X, y, w):
    """Gradient of the mean (weighted) log-loss in (coef, intercept)."""
    z = X @ coef + intercept
    r = w * (sigmoid(z) - y) / w.sum()
    return X.T @ r, r.sum()


def dataset(seed, n, beta, intercept, scale=1.0, weights=False):
    rng = np.random.default_rng(seed)
    X = np.round(rng.normal(size=(n, len(beta))) * scale, 4)
    p = sigmoid(X @ np.asarray(beta) + intercept)
    y = (rng.uniform(size=n) < p).astype(float)
    w = np.round(rng.uniform(0.0, 3.0, size=n), 3) if weights else None
    if weights:
        w[rng.choice(n, size=n // 20, replace=False)] = 0.0
    return X, y, w


def l2_case(name, X, y, w, C, fit_intercept=True):
    ww = np.ones(len(y)) if w is None else w
    kwargs = dict(C=C, l1_ratio=0.0, tol=1e-12, max_iter=100000, fit_intercept=fit_intercept)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a convergence warning must not pass silently
        lbfgs = LogisticRegression(solver="lbfgs", **kwargs).fit(X, y, sample_weight=w)
        newton = LogisticRegression(solver="newton-cholesky", **kwargs).fit(X, y, sample_weight=w)
    coef, b = lbfgs.coef_[0], float(lbfgs.intercept_[0]) if fit_intercept else 0.0
    gap = float(np.max(np.abs(np.append(coef - newton.coef_[0], b - (newton.intercept_[0] if fit_intercept else 0.0)))))
    largest = max(1.0, float(np.max(np.abs(coef))))
    # The reference must be far more accurate than the 1e-5 the Swift tests allow.
    assert gap <= 1e-6 * largest, f"{name}: lbfgs and newton-cholesky differ by {gap}"
    return {
        "name": name, "penalty": "l2", "C": C, "fit_intercept": fit_intercept,
        "coef": floats(coef), "intercept": b,
        "objective": objective(coef, b, X, y, ww, C, "l2"),
        "n_iter": int(lbfgs.n_iter_[0]),
        "lbfgs_vs_newton_cholesky_max_abs_difference": gap,
    }


def l1_case(name, X, y, w, C):
    ww = np.ones(len(y)) if w is None else w
    model = LogisticRegression(C=C, l1_ratio=1.0, solver="saga", tol=1e-13, max_iter=2_000_000,
                               random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X, y, sample_weight=w)
    coef, b = model.coef_[0], float(model.intercept_[0])
    # KKT check of the scaled objective: mean loss + ||coef||_1 / (C * sum w).
    lam = 1.0 / (C * ww.sum())
    g, gb = scaled_gradient(coef, b, X, y, ww)
    residual = abs(gb)
    margin = math.inf
    for j, c in enumerate(coef):
        if c != 0:
            residual = max(residual, abs(g[j] + lam * np.sign(c)))
        else:
            residual = max(residual, max(0.0, abs(g[j]) - lam))
            margin = min(margin, (lam - abs(g[j])) / lam)
    assert residual <= 1e-9, f"{name}: saga KKT residual {residual}"
    # The zero pattern must be unambiguous: zeros well inside the subgradient interval and
    # nonzeros clearly away from zero.
    assert margin > 1e-3, f"{name}: a zero coefficient sits on the edge ({margin})"
    assert all(abs(c) > 1e-4 for c in coef if c != 0), f"{name}: a tiny nonzero coefficient"
    return {
        "name": name, "penalty": "l1", "C": C, "fit_intercept": True,
        "coef": floats(coef), "intercept": b,
        "objective": objective(coef, b, X, y, ww, C, "l1"),
        "n_iter": int(model.n_iter_[0]),
        "kkt_residual": residual,
    }


def logistic_regression():
    sets = []
    cases = []

    def add_set(name, X, y, w):
        sets.append({"name": name, "rows": int(X.shape[0]), "columns": int(X.shape[1]),
                     "x": floats(X), "y": [int(v) for v in y], "weights": None if w is None else floats(w)})
        return len(sets) - 1

    X, y, w = dataset(1, 300, [1.0, -0.5, 0.25, 0.0, 2.0], -0.3)
    k = add_set("300 x 5, intercept", X, y, w)
    for C in [0.01, 1.0, 100.0]:
        cases.append({"set": k, **l2_case(f"L2 300 x 5, C = {C}", X, y, w, C)})
    cases.append({"set": k, **l2_case("L2 300 x 5, no intercept, C = 1.0", X, y, w, 1.0, fit_intercept=False)})

    X, y, w = dataset(2, 240, [0.8, 0.0, -1.2, 0.4], 0.5, weights=True)
    k = add_set("240 x 4, sample weights (5% zero)", X, y, w)
    for C in [0.01, 1.0, 100.0]:
        cases.append({"set": k, **l2_case(f"L2 weighted, C = {C}", X, y, w, C)})

    X, y, w = dataset(3, 250, [1.5, -1.0, 0.5], 0.0)
    X = np.column_stack([X, X[:, 0]])  # column 3 duplicates column 0
    k = add_set("250 x 4, columns 0 and 3 identical", X, y, w)
    for C in [0.01, 1.0, 100.0]:
        cases.append({"set": k, **l2_case(f"L2 identical columns, C = {C}", X, y, w, C)})

    X, y, w = dataset(4, 200, [6.0, -4.0, 3.0], 1.0)
    k = add_set("200 x 3, nearly separable", X, y, w)
    for C in [0.01, 1.0, 100.0]:
        cases.append({"set": k, **l2_case(f"L2 nearly separable, C = {C}", X, y, w, C)})

    X, y, w = dataset(5, 180, [0.02, -0.7, 0.0], -1.0)
    X[:, 0] = np.round(X[:, 0] * 50, 4)  # a column on a 50x larger scale
    X[:, 2] = 1.0  # a constant column
    k = add_set("180 x 3, one wide-scale column, one constant column", X, y, w)
    for C in [0.01, 1.0, 100.0]:
        cases.append({"set": k, **l2_case(f"L2 scales and constant, C = {C}", X, y, w, C)})

    X, y, w = dataset(6, 300, [1.2, 0.0, -0.8, 0.0, 0.3, 0.0, 0.0, -1.5], 0.2)
    k = add_set("300 x 8, sparse truth", X, y, w)
    for C in [0.02, 0.1, 1.0]:
        cases.append({"set": k, **l1_case(f"L1 sparse truth, C = {C}", X, y, w, C)})

    X, y, w = dataset(7, 240, [0.0, 1.0, 0.0, -0.6, 0.2], -0.4, weights=True)
    k = add_set("240 x 5, sparse truth, sample weights", X, y, w)
    for C in [0.05, 0.5]:
        cases.append({"set": k, **l1_case(f"L1 weighted, C = {C}", X, y, w, C)})

    write("logistic_regression.json", {"sets": sets, "cases": cases})


# ---------------------------------------------------------------------------
# Calibration


def platt_exact(f, y, w=None):
    """The exact minimizer of sklearn's Platt objective, by Newton's method (a check on
    sklearn's L-BFGS-B answer, which stops at a gradient of 1e-6)."""
    f = np.asarray(f, dtype=float)
    w = np.ones_like(f) if w is None else np.asarray(w, dtype=float)
    scale = np.max(np.abs(f)) if np.max(np.abs(f)) >= 30 else 1.0
    F = f / scale
    prior0, prior1 = w[y <= 0].sum(), w[y > 0].sum()
    T = np.where(y > 0, (prior1 + 1) / (prior1 + 2), 1 / (prior0 + 2))
    ab = np.array([0.0, math.log((prior0 + 1) / (prior1 + 1))])
    for _ in range(100):
        p = sigmoid(-(ab[0] * F + ab[1]))
        g = np.array([-(w * (p - T)) @ F, -(w * (p - T)).sum()])
        c = w * p * (1 - p)
        H = np.array([[c @ (F * F), c @ F], [c @ F, c.sum()]])
        step = -np.linalg.pinv(H, rcond=1e-10) @ g
        ab = ab + step
        if np.max(np.abs(step)) < 1e-15 * max(1.0, np.max(np.abs(ab))):
            break
    return ab[0] / scale, ab[1]


def platt_case(name, scores, y, w=None, test=None):
    scores = np.asarray(scores, dtype=float)
    y = np.asarray(y, dtype=float)
    model = _SigmoidCalibration().fit(scores, y, sample_weight=w)
    a_exact, b_exact = platt_exact(scores, y, w)
    test = np.asarray(scores if test is None else test, dtype=float)
    return {
        "name": name, "scores": floats(scores), "labels": [int(v) for v in y],
        "weights": None if w is None else floats(w),
        "a": float(model.a_), "b": float(model.b_),
        "a_exact": float(a_exact), "b_exact": float(b_exact),
        "test": floats(test), "predictions": floats(model.predict(test)),
    }


def isotonic_case(name, scores, y, w=None, test=None):
    scores = np.asarray(scores, dtype=float)
    y = np.asarray(y, dtype=float)
    model = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(scores, y, sample_weight=w)
    test = np.asarray(test, dtype=float)
    return {
        "name": name, "scores": floats(scores), "labels": [int(v) for v in y],
        "weights": None if w is None else floats(w),
        "x_thresholds": floats(model.X_thresholds_), "y_thresholds": floats(model.y_thresholds_),
        "test": floats(test), "predictions": floats(model.predict(test)),
    }


def calibration():
    rng = np.random.default_rng(11)
    platt = []
    z = np.round(rng.normal(size=300), 4)
    y = (rng.uniform(size=300) < sigmoid(2.0 * z + 0.5)).astype(float)
    platt.append(platt_case("decision values, 300", z, y, test=np.linspace(-4, 4, 17)))
    probabilities = np.round(sigmoid(1.5 * z), 6)
    platt.append(platt_case("probabilities as scores", probabilities, y, test=np.linspace(0, 1, 11)))
    platt.append(platt_case("large decision values (scaled by max |f|)", np.round(z * 40, 3), y,
                            test=np.array([-200.0, -40.0, 0.0, 40.0, 200.0])))
    w = np.round(rng.uniform(0.0, 2.0, size=300), 3)
    platt.append(platt_case("sample weights", z, y, w=w, test=np.linspace(-3, 3, 7)))
    s = np.round(rng.normal(size=60), 3)
    platt.append(platt_case("separable scores", s, (s > 0.1).astype(float), test=np.array([-1.0, 0.1, 1.0])))
    platt.append(platt_case("all scores equal", np.full(40, 0.7), (np.arange(40) % 3 == 0).astype(float),
                            test=np.array([0.0, 0.7, 2.0])))
    platt.append(platt_case("one class only", s[:20], np.zeros(20), test=np.array([-1.0, 0.0, 1.0])))
    platt.append(platt_case("five points", [-2.0, -0.5, 0.1, 0.4, 3.0], [0, 1, 0, 1, 1], test=np.array([-2.0, 0.0, 3.0])))
    for case in platt:
        gap = max(abs(case["a"] - case["a_exact"]), abs(case["b"] - case["b_exact"]))
        assert gap <= 1e-7, f"{case['name']}: sklearn's Platt fit is {gap} from the exact minimum"

    isotonic = []
    s = np.round(rng.uniform(size=150), 2)  # ties on a grid of 0.01
    y = (rng.uniform(size=150) < s).astype(float)
    grid = np.concatenate([[-1.0, 0.0], np.unique(s)[:10], np.linspace(0.005, 0.995, 23), [1.0, 2.0]])
    isotonic.append(isotonic_case("150 scores on a 0.01 grid (ties)", s, y, test=grid))
    w = np.round(rng.uniform(0.0, 2.0, size=150), 2)
    w[rng.choice(150, size=10, replace=False)] = 0.0
    isotonic.append(isotonic_case("sample weights, some zero", s, y, w=w, test=grid))
    z = np.round(rng.normal(size=400), 3)
    y = (rng.uniform(size=400) < sigmoid(1.5 * z)).astype(float)
    isotonic.append(isotonic_case("400 decision values", z, y, test=np.linspace(-5, 5, 41)))
    isotonic.append(isotonic_case("already increasing", [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0, 0, 1, 0, 1, 1],
                                  test=[0.0, 0.1, 0.15, 0.25, 0.35, 0.45, 0.55, 0.6, 0.9]))
    isotonic.append(isotonic_case("decreasing: one pooled block", [0.1, 0.2, 0.3, 0.4], [1, 1, 0, 0],
                                  test=[0.0, 0.25, 0.5]))
    isotonic.append(isotonic_case("all scores equal", [0.3] * 7, [0, 1, 1, 0, 1, 0, 0], test=[0.0, 0.3, 1.0]))
    isotonic.append(isotonic_case("scores closer than 1e-15 are merged",
                                  [1e-16, 5e-16, 0.3, 0.3 + 2e-15, 0.5, 0.5 + 2.2e-16, 0.9],
                                  [0, 1, 0, 1, 1, 0, 1],
                                  test=[0.0, 3e-16, 0.3, 0.3 + 1e-15, 0.3 + 2e-15, 0.5, 0.7, 1.0]))
    isotonic.append(isotonic_case("tied scores with mixed labels", [0.2, 0.2, 0.2, 0.5, 0.5, 0.8, 0.8, 0.8, 0.8],
                                  [0, 1, 1, 0, 0, 1, 0, 1, 1], test=[0.1, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9]))
    write("calibration.json", {"platt": platt, "isotonic": isotonic})


if __name__ == "__main__":
    logistic_regression()
    calibration()
