"""logitlab.choose_threshold against brute-force grids; prior_correction on simulated
case-control samples; bad input."""
from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.special import expit
from sklearn import metrics as skm

import logitlab
from logitlab import DataError, LogisticRegression, ParameterError
from logitlab.thresholds import choose_threshold_proba

COSTS = [[0.0, 1.0], [5.0, 0.5]]     # rows true (neg, pos), columns predicted (neg, pos)


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(1200, 3))
    y = (rng.random(1200) < expit(X @ [1.0, -0.8, 0.4] - 1.0)).astype(int)
    model = LogisticRegression().fit(X[:600], y[:600])
    return model, X[600:], y[600:]                  # choose on held-out rows


def _grid_criteria(y, p, grid):
    """Brute force, independent of the library: every criterion at every grid threshold."""
    pred = p[None, :] >= grid[:, None]
    tp = (pred & (y == 1)).sum(axis=1)
    fp = (pred & (y == 0)).sum(axis=1)
    fn = ((~pred) & (y == 1)).sum(axis=1)
    tn = ((~pred) & (y == 0)).sum(axis=1)
    c = np.asarray(COSTS)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "cost": (c[0, 0] * tn + c[0, 1] * fp + c[1, 0] * fn + c[1, 1] * tp) / y.size,
            "f1": 2 * tp / (2 * tp + fp + fn),
            "youden": tp / (tp + fn) - fp / (fp + tn),
            "recall": tp / (tp + fn),
            "precision": np.where(tp + fp > 0, tp / (tp + fp), np.nan),
            "pred": pred,
        }


def _grid(p):
    # a fine regular grid plus every predicted probability (the exact breakpoints)
    return np.unique(np.concatenate([np.linspace(0, 1, 4001), p]))


@pytest.mark.parametrize("method", ["cost", "f1", "youden"])
def test_optimisers_beat_every_grid_threshold(fitted, method):
    model, X, y = fitted
    p = model.predict_proba(X)[:, 1]
    kw = {"cost_matrix": COSTS} if method == "cost" else {}
    r = logitlab.choose_threshold(model, X, y, method, **kw)
    grid = _grid(p)
    g = _grid_criteria(y, p, grid)[method]
    mine = _grid_criteria(y, p, np.array([r.threshold]))[method][0]
    assert r.value == pytest.approx(mine, abs=1e-12)           # reported value is real
    if method == "cost":
        assert mine <= g.min() + 1e-12
    else:
        assert mine >= np.nanmax(g) - 1e-12


def test_target_recall_is_the_highest_threshold_reaching_it(fitted):
    model, X, y = fitted
    p = model.predict_proba(X)[:, 1]
    r = logitlab.choose_threshold(model, X, y, "recall", target=0.85)
    crit = _grid_criteria(y, p, _grid(p))
    mine = _grid_criteria(y, p, np.array([r.threshold]))
    assert mine["recall"][0] >= 0.85 and r.metrics["recall"] >= 0.85
    # every grid threshold that flags fewer rows misses the target
    fewer = crit["pred"].sum(axis=1) < mine["pred"].sum()
    assert fewer.any() and (crit["recall"][fewer] < 0.85).all()


def test_target_precision_is_the_lowest_threshold_reaching_it(fitted):
    model, X, y = fitted
    p = model.predict_proba(X)[:, 1]
    r = logitlab.choose_threshold(model, X, y, "precision", target=0.7)
    crit = _grid_criteria(y, p, _grid(p))
    mine = _grid_criteria(y, p, np.array([r.threshold]))
    assert mine["precision"][0] >= 0.7
    more = crit["pred"].sum(axis=1) > mine["pred"].sum()
    assert more.any() and not (np.nan_to_num(crit["precision"][more]) >= 0.7).any()


def test_metrics_at_threshold_equal_scikit_learn(fitted):
    model, X, y = fitted
    r = logitlab.choose_threshold(model, X, y, "cost", cost_matrix=COSTS)
    pred = (model.predict_proba(X)[:, 1] >= r.threshold).astype(int)
    np.testing.assert_array_equal(r.confusion_matrix, skm.confusion_matrix(y, pred))
    assert r.metrics["f1"] == pytest.approx(skm.f1_score(y, pred), abs=1e-15)
    assert r.metrics["precision"] == pytest.approx(skm.precision_score(y, pred), abs=1e-15)
    assert r.metrics["recall"] == pytest.approx(skm.recall_score(y, pred), abs=1e-15)
    assert r.metrics["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(y, pred),
                                                           abs=1e-15)
    assert r.metrics["expected_cost"] == pytest.approx(
        np.sum(skm.confusion_matrix(y, pred) * np.asarray(COSTS)) / y.size, abs=1e-15)
    # Bayes threshold for calibrated probabilities: (c_FP - c_TN) / (c_FP - c_TN + c_FN - c_TP)
    assert r.bayes_threshold == pytest.approx((1 - 0) / ((1 - 0) + (5 - 0.5)))
    # the curve the HTML report plots: one row per candidate, criterion = expected cost
    curve = r.curve
    assert {"threshold", "expected_cost", "f1", "criterion"} <= set(curve.columns)
    assert curve["criterion"].min() == pytest.approx(r.value)
    assert curve["threshold"].between(0, 1).all() and curve["threshold"].is_monotonic_increasing
    json.dumps(r.to_dict(), allow_nan=False)
    assert "minimum expected cost" in str(r)


def test_proba_front_end_matches_and_accepts_user_labels(fitted):
    model, X, y = fitted
    labels = np.where(y == 1, "yes", "no")
    p = model.predict_proba(X)[:, 1]
    a = choose_threshold_proba(labels, p, ["no", "yes"], "f1")
    b = logitlab.choose_threshold(model, X, y, "f1")
    assert a.threshold == b.threshold and a.positive_class == "yes"


# ------------------------------------------------------------------ prior correction
def _population(n, b0, rng):
    x = rng.normal(size=(n, 2))
    y = (rng.random(n) < expit(b0 + x @ [1.0, -0.5])).astype(int)
    return x, y


def test_prior_correction_recovers_population_intercept():
    rng = np.random.default_rng(11)
    b0 = -4.0
    x, y = _population(400_000, b0, rng)
    tau = y.mean()                                   # known population event rate (~2.6%)
    cases = np.flatnonzero(y == 1)
    controls = rng.choice(np.flatnonzero(y == 0), size=2 * cases.size, replace=False)
    idx = np.concatenate([cases, controls])          # case-control sample: 1 case : 2 controls
    model = LogisticRegression().fit(x[idx], y[idx])
    before = model.intercept_.copy()
    fixed = logitlab.prior_correction(model, tau, y=y[idx])
    # ~10,000 cases: the intercept's SE is about 0.02, so 0.1 is 5 SE; the uncorrected
    # intercept is off by ln(2/1 * tau / (1 - tau))^-1 ~ 2.9
    assert fixed.intercept_[0] == pytest.approx(b0, abs=0.1)
    assert abs(model.intercept_[0] - b0) > 2.0
    np.testing.assert_array_equal(model.intercept_, before)        # input not mutated
    np.testing.assert_array_equal(fixed.coef_, model.coef_)       # slopes unchanged
    # the corrected model reproduces the population event rate
    assert fixed.predict_proba(x)[:, 1].mean() == pytest.approx(tau, rel=0.05)
    # the formula: b0 - ln[((1 - tau) / tau) * (ybar / (1 - ybar))]
    ybar = y[idx].mean()
    assert fixed.intercept_[0] - model.intercept_[0] == pytest.approx(
        -np.log((1 - tau) / tau * ybar / (1 - ybar)), abs=1e-12)
    same = logitlab.prior_correction(model, tau, sample_rate=ybar)
    assert same.intercept_[0] == pytest.approx(fixed.intercept_[0], abs=1e-12)
    assert fixed.prior_correction_["sample_rate"] == pytest.approx(ybar)


def test_prior_correction_bad_input(fitted):
    model, X, y = fitted
    for rate in (0, 1, 1.2, -0.1, float("nan"), "0.1"):
        with pytest.raises(ParameterError, match="population_rate"):
            logitlab.prior_correction(model, rate, sample_rate=0.3)
    with pytest.raises(ParameterError, match="exactly one"):
        logitlab.prior_correction(model, 0.1)
    with pytest.raises(ParameterError, match="exactly one"):
        logitlab.prior_correction(model, 0.1, sample_rate=0.3, y=y)
    with pytest.raises(DataError, match="no rows of class"):
        logitlab.prior_correction(model, 0.1, y=np.zeros(10, dtype=int))
    probit = LogisticRegression(link="probit").fit(X, y)
    with pytest.raises(ParameterError, match="logit link"):
        logitlab.prior_correction(probit, 0.1, sample_rate=0.3)
    rng = np.random.default_rng(0)
    X3 = rng.normal(size=(90, 2))
    m3 = LogisticRegression().fit(X3, np.repeat([0, 1, 2], 30))
    with pytest.raises(ParameterError, match="binary"):
        logitlab.prior_correction(m3, 0.1, sample_rate=0.3)


# ------------------------------------------------------------------ bad input
def test_bad_threshold_input(fitted):
    model, X, y = fitted
    with pytest.raises(ParameterError, match=r"shape \(2, 2\)"):
        logitlab.choose_threshold(model, X, y, "cost", cost_matrix=np.ones((3, 3)))
    with pytest.raises(ParameterError, match=r"shape \(2, 2\)"):
        logitlab.choose_threshold(model, X, y, "cost", cost_matrix=[1, 5])
    with pytest.raises(ParameterError, match="negative"):
        logitlab.choose_threshold(model, X, y, "cost", cost_matrix=[[0, 1], [-5, 0]])
    with pytest.raises(ParameterError, match="NaN"):
        logitlab.choose_threshold(model, X, y, "cost", cost_matrix=[[0, np.nan], [5, 0]])
    with pytest.raises(ParameterError, match="needs cost_matrix"):
        logitlab.choose_threshold(model, X, y, "cost")
    with pytest.raises(ParameterError, match="unknown method 'accuracy'"):
        logitlab.choose_threshold(model, X, y, "accuracy")
    for target in (0, 1.5, -0.2, None):
        with pytest.raises(ParameterError, match="target"):
            logitlab.choose_threshold(model, X, y, "recall", target=target)
    with pytest.raises(ParameterError, match="target only applies"):
        logitlab.choose_threshold(model, X, y, "f1", target=0.9)
    with pytest.raises(ParameterError, match="no threshold reaches precision"):
        logitlab.choose_threshold(model, X, y, "precision", target=1.0)
    with pytest.raises(DataError, match="empty"):
        logitlab.choose_threshold(model, X[:0], y[:0])
    with pytest.raises(DataError, match="no rows of class"):
        logitlab.choose_threshold(model, X[y == 0], y[y == 0])
    with pytest.raises(DataError, match="NaN"):
        choose_threshold_proba([0, 1, 0], [0.1, np.nan, 0.3], [0, 1])
    rng = np.random.default_rng(0)
    m3 = LogisticRegression().fit(rng.normal(size=(90, 2)), np.repeat([0, 1, 2], 30))
    with pytest.raises(ParameterError, match="binary"):
        logitlab.choose_threshold(m3, rng.normal(size=(90, 2)), np.repeat([0, 1, 2], 30))
