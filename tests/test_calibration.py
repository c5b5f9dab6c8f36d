"""logitlab.calibrate: Platt and isotonic recalibration reduce the expected calibration error
of deliberately miscalibrated models on independent test data; interface; bad input."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

import logitlab
from logitlab import DataError, DataTypeError, LogisticRegression, ParameterError
from logitlab.calibration import CalibratedModel

BETA = np.array([1.5, -1.5, 1.0])


def _sample(n, rng, b0=-2.0):
    X = rng.normal(size=(n, 3))
    y = (rng.random(n) < expit(X @ BETA + b0)).astype(int)
    return X, y


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    return {"train": _sample(3000, rng), "calib": _sample(3000, rng), "test": _sample(6000, rng)}


@pytest.fixture(scope="module")
def miscalibrated(data):
    X, y = data["train"]
    return {
        # a strong ridge penalty shrinks the log-odds towards the base rate: under-confident
        "shrunk": LogisticRegression(penalty="l2", alpha=0.5).fit(X, y),
        # class weighting moves the intercept: P(event) inflated for every row
        "balanced": LogisticRegression(class_weight="balanced").fit(X, y),
    }


def _ece(model, data):
    return logitlab.evaluate(model, *data["test"]).metrics["ece"]


@pytest.mark.parametrize("kind", ["shrunk", "balanced"])
@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
@pytest.mark.parametrize("cv", ["prefit", 5])
def test_calibration_reduces_ece_on_test_data(data, miscalibrated, kind, method, cv):
    model = miscalibrated[kind]
    raw = _ece(model, data)
    X, y = data["calib"] if cv == "prefit" else data["train"]
    calibrated = logitlab.calibrate(model, X, y, method, cv=cv)
    new = _ece(calibrated, data)
    # the raw models are clearly miscalibrated (ECE > 0.05 on 6000 test rows, where a
    # calibrated model's binning noise is ~0.01-0.02); recalibration at least halves it
    assert raw > 0.05
    assert new < 0.5 * raw


def test_well_specified_model_stays_calibrated(data):
    # control: recalibrating a correctly specified ML fit must not make it worse by much
    X, y = data["train"]
    model = LogisticRegression().fit(X, y)
    raw = _ece(model, data)
    new = _ece(logitlab.calibrate(model, *data["calib"], "sigmoid", cv="prefit"), data)
    assert raw < 0.03 and new < raw + 0.01


def test_calibrated_model_interface_and_input_untouched(data, miscalibrated):
    Xtr, ytr = data["train"]
    Xte, yte = data["test"]
    name = np.array(["none", "event"])
    m = LogisticRegression(penalty="l2", alpha=0.5).fit(Xtr, name[ytr])   # string labels
    coef = m.coef_.copy()
    c = logitlab.calibrate(m, Xtr, name[ytr], "platt", cv=3)
    assert isinstance(c, CalibratedModel)
    np.testing.assert_array_equal(c.classes_, m.classes_)
    P = c.predict_proba(Xte)
    assert P.shape == (6000, 2) and np.allclose(P.sum(axis=1), 1.0)
    assert set(np.unique(c.predict(Xte))) <= {"event", "none"}
    assert 0.5 < c.score(Xte, name[yte]) <= 1
    assert c.n_features_in_ == 3
    np.testing.assert_array_equal(m.coef_, coef)          # cv=k re-fits clones only
    # prefit: the model is used as fitted (frozen), not re-fitted
    model = miscalibrated["shrunk"]
    before = model.coef_.copy()
    logitlab.calibrate(model, *data["calib"], "isotonic", cv="prefit")
    np.testing.assert_array_equal(model.coef_, before)


def test_multiclass_calibration_reduces_macro_ece():
    rng = np.random.default_rng(5)
    n = 6000
    X = rng.normal(size=(n, 2))
    z = np.column_stack([np.zeros(n), 2 * X[:, 0], 2 * X[:, 1] - 1])
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    y = (rng.random(n)[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
    tr, ca, te = slice(0, 2000), slice(2000, 4000), slice(4000, n)
    model = LogisticRegression(penalty="l2", alpha=0.3).fit(X[tr], y[tr])
    raw = logitlab.evaluate(model, X[te], y[te]).metrics["ece_macro"]
    c = logitlab.calibrate(model, X[ca], y[ca], "sigmoid", cv="prefit")
    P = c.predict_proba(X[te])
    assert np.allclose(P.sum(axis=1), 1.0)
    new = logitlab.evaluate(c, X[te], y[te]).metrics["ece_macro"]
    assert raw > 0.05 and new < 0.5 * raw


def test_bad_calibration_input(data, miscalibrated):
    model = miscalibrated["shrunk"]
    X, y = data["calib"]
    with pytest.raises(ParameterError, match="unknown calibration method 'beta'"):
        logitlab.calibrate(model, X, y, "beta")
    with pytest.raises(ParameterError, match="cv"):
        logitlab.calibrate(model, X, y, cv=1)
    with pytest.raises(ParameterError, match="cv"):
        logitlab.calibrate(model, X, y, cv="loo")
    with pytest.raises(DataError, match="fewer than cv=5 folds"):
        idx = np.concatenate([np.flatnonzero(y == 0)[:50], np.flatnonzero(y == 1)[:3]])
        logitlab.calibrate(model, X[idx], y[idx], cv=5)
    with pytest.raises(DataError, match="empty"):
        logitlab.calibrate(model, X[:0], y[:0])
    with pytest.raises(DataError, match="no rows of class"):
        logitlab.calibrate(model, X[y == 0], y[y == 0], cv="prefit")
    with pytest.raises(DataError, match="NaN"):
        Xn = X.copy()
        Xn[4, 1] = np.nan
        logitlab.calibrate(model, Xn, y, cv="prefit")
    with pytest.raises(ParameterError, match="not fitted"):
        logitlab.calibrate(LogisticRegression(), X, y)
    with pytest.raises(DataTypeError, match="predict_proba"):
        logitlab.calibrate("model", X, y)
