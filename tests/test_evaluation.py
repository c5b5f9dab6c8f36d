"""logitlab.evaluate: metric values against scikit-learn / scipy / statsmodels run in the test,
DeLong against a direct O(n^2) computation and against a bootstrap, bad input."""
from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.special import expit, logit
from scipy.stats import ks_2samp
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

import logitlab
from logitlab import DataError, DataTypeError, LogisticRegression, ParameterError
from logitlab.evaluation import evaluate_proba


def _binary(n=600, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (rng.random(n) < expit(X @ [1.0, -1.0, 0.5] - 0.7)).astype(int)
    return X, y


def _multiclass(n=600, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    z = np.column_stack([np.zeros(n), X @ [1.0, 0.5, 0.0], X @ [-0.5, 1.0, 1.0]])
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    y = np.array(["a", "b", "c"])[(rng.random(n)[:, None] > np.cumsum(p, axis=1)).sum(axis=1)]
    return X, y


@pytest.fixture(scope="module")
def binary():
    X, y = _binary()
    labels = np.where(y == 1, "bad", "good")       # string labels; positive class is classes_[1]
    model = LogisticRegression().fit(X, labels)
    return model, X, labels


@pytest.fixture(scope="module")
def multi():
    X, y = _multiclass()
    return LogisticRegression().fit(X, y), X, y


@pytest.mark.parametrize("threshold", [None, 0.3, 0.62])
def test_binary_metrics_equal_scikit_learn(binary, threshold):
    model, X, labels = binary
    r = logitlab.evaluate(model, X, labels, threshold=threshold)
    pos = model.classes_[1]
    y = (labels == pos).astype(int)
    p = model.predict_proba(X)[:, 1]
    t = 0.5 if threshold is None else threshold
    pred = (p >= t).astype(int)                     # documented rule: positive when p >= t
    m = r.metrics
    assert r.positive_class == pos and r.threshold == t
    np.testing.assert_array_equal(r.confusion_matrix, skm.confusion_matrix(y, pred))
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, pred), abs=1e-15)
    assert m["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(y, pred), abs=1e-15)
    assert m["precision"] == pytest.approx(skm.precision_score(y, pred), abs=1e-15)
    assert m["recall"] == pytest.approx(skm.recall_score(y, pred), abs=1e-15)
    assert m["f1"] == pytest.approx(skm.f1_score(y, pred), abs=1e-15)
    tn, fp, fn, tp = skm.confusion_matrix(y, pred).ravel()
    assert m["specificity"] == pytest.approx(tn / (tn + fp), abs=1e-15)
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(y, p), abs=1e-15)
    assert m["average_precision"] == pytest.approx(skm.average_precision_score(y, p), abs=1e-15)
    assert m["log_loss"] == pytest.approx(skm.log_loss(y, p), abs=1e-15)
    assert m["brier"] == pytest.approx(skm.brier_score_loss(y, p), abs=1e-15)
    assert m["gini"] == pytest.approx(2 * skm.roc_auc_score(y, p) - 1, abs=1e-15)
    # KS: the two-sample Kolmogorov-Smirnov statistic of positives' vs negatives' scores
    assert m["ks"] == pytest.approx(ks_2samp(p[y == 1], p[y == 0]).statistic, abs=1e-12)
    fpr, tpr, _ = skm.roc_curve(y, p)
    np.testing.assert_array_equal(r.roc["fpr"], fpr)
    np.testing.assert_array_equal(r.roc["tpr"], tpr)
    prec, rec, _ = skm.precision_recall_curve(y, p)
    np.testing.assert_array_equal(r.pr["precision"], prec)
    np.testing.assert_array_equal(r.pr["recall"], rec)


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_reliability_curve_and_ece(binary, strategy):
    model, X, labels = binary
    r = logitlab.evaluate(model, X, labels, n_bins=8, strategy=strategy)
    y = (labels == model.classes_[1]).astype(int)
    p = model.predict_proba(X)[:, 1]
    prob_true, prob_pred = calibration_curve(y, p, n_bins=8, strategy=strategy)
    np.testing.assert_allclose(r.reliability["fraction_positive"], prob_true, rtol=1e-12)
    np.testing.assert_allclose(r.reliability["mean_predicted"], prob_pred, rtol=1e-12)
    # ECE written out bin by bin from its definition (Naeini et al. 2015)
    edges = (np.linspace(0, 1, 9) if strategy == "uniform"
             else np.percentile(p, np.linspace(0, 100, 9)))
    ids = np.searchsorted(edges[1:-1], p)
    ece = sum(np.sum(ids == b) / p.size * abs(y[ids == b].mean() - p[ids == b].mean())
              for b in range(8) if np.any(ids == b))
    assert r.metrics["ece"] == pytest.approx(ece, abs=1e-14)
    assert r.reliability["count"].sum() == p.size


def test_calibration_intercept_and_slope_equal_statsmodels(binary):
    sm = pytest.importorskip("statsmodels.api")
    model, X, labels = binary
    y = (labels == model.classes_[1]).astype(int)
    # deliberately distort the probabilities so that intercept != 0 and slope != 1
    p = expit(0.6 * logit(model.predict_proba(X)[:, 1]) + 0.4)
    r = evaluate_proba(labels, p, model.classes_)
    lp = logit(p)
    slope_fit = sm.GLM(y, sm.add_constant(lp), family=sm.families.Binomial()).fit(tol=1e-12)
    cil_fit = sm.GLM(y, np.ones((y.size, 1)), family=sm.families.Binomial(), offset=lp).fit(
        tol=1e-12)
    # both are smooth 1-2 parameter MLEs; 1e-7 is far above Newton's convergence error
    assert r.metrics["calibration_slope"] == pytest.approx(slope_fit.params[1], abs=1e-7)
    assert r.metrics["calibration_intercept"] == pytest.approx(cil_fit.params[0], abs=1e-7)
    assert abs(r.metrics["calibration_slope"] - 1) > 0.3      # the distortion is detected


def test_unpenalised_fit_is_calibrated_in_the_large_on_training_data(binary):
    # the ML score equation for the intercept gives sum(y - p) = 0 on the training data, so the
    # calibration intercept (slope fixed at 1) is 0 up to the solver's tolerance
    model, X, labels = binary
    r = logitlab.evaluate(model, X, labels)
    assert abs(r.metrics["calibration_intercept"]) < 1e-6


def test_degenerate_cases_are_reported_not_crashed():
    # probabilities that separate the classes: AUC 1, the calibration slope's MLE is infinite
    y = np.repeat([0, 1], 50)
    p = np.concatenate([np.linspace(0.01, 0.4, 50), np.linspace(0.6, 0.99, 50)])
    r = evaluate_proba(y, p, [0, 1], threshold=1.0)     # threshold 1: nothing predicted positive
    assert r.metrics["roc_auc"] == 1.0
    assert np.isnan(r.metrics["calibration_slope"])
    assert np.isnan(r.metrics["precision"]) and r.metrics["recall"] == 0.0
    d = json.loads(json.dumps(r.to_dict(), allow_nan=False))
    assert d["metrics"]["precision"] is None and d["metrics"]["calibration_slope"] is None


def _delong_direct(y, s):
    """DeLong et al. (1988) structural components, written as the O(m n) double sum."""
    pos, neg = s[y == 1], s[y == 0]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    return psi.mean(), np.sqrt(v10.var(ddof=1) / pos.size + v01.var(ddof=1) / neg.size)


def test_delong_equals_direct_definition_with_ties(binary):
    model, X, labels = binary
    y = (labels == model.classes_[1]).astype(int)
    p = np.round(model.predict_proba(X)[:, 1], 2)     # rounding creates many ties
    r = evaluate_proba(labels, p, model.classes_)
    auc, se = _delong_direct(y, p)
    assert r.auc_ci["auc"] == pytest.approx(auc, abs=1e-13)
    assert r.auc_ci["se"] == pytest.approx(se, rel=1e-10)
    assert r.auc_ci["ci_low"] == pytest.approx(auc - 1.959963984540054 * se, rel=1e-10)
    assert r.auc_ci["ci_high"] == pytest.approx(auc + 1.959963984540054 * se, rel=1e-10)


def test_delong_standard_error_agrees_with_bootstrap(binary):
    model, X, labels = binary
    y = (labels == model.classes_[1]).astype(int)
    p = model.predict_proba(X)[:, 1]
    se = logitlab.evaluate(model, X, labels).auc_ci["se"]
    rng = np.random.default_rng(42)
    boots = []
    for _ in range(2000):
        i = rng.integers(0, y.size, y.size)
        if 0 < y[i].sum() < y.size:
            boots.append(skm.roc_auc_score(y[i], p[i]))
    # both estimate the same sampling SD; with 2000 replicates the bootstrap SD has a relative
    # Monte-Carlo error of about 1/sqrt(2 * 2000) = 1.6%, and DeLong vs bootstrap differ by a
    # few percent at n = 600, so 10% is a loose but meaningful bound
    assert se == pytest.approx(np.std(boots, ddof=1), rel=0.10)


def test_multiclass_per_class_and_averaged_equal_scikit_learn(multi):
    model, X, y = multi
    r = logitlab.evaluate(model, X, y)
    proba = model.predict_proba(X)
    pred = model.classes_[np.argmax(proba, axis=1)]
    assert r.kind == "multiclass" and r.classes == ["a", "b", "c"]
    np.testing.assert_array_equal(r.confusion_matrix,
                                  skm.confusion_matrix(y, pred, labels=model.classes_))
    p, rc, f, s = skm.precision_recall_fscore_support(y, pred, labels=model.classes_)
    np.testing.assert_allclose(r.per_class["precision"], p, atol=1e-15)
    np.testing.assert_allclose(r.per_class["recall"], rc, atol=1e-15)
    np.testing.assert_allclose(r.per_class["f1"], f, atol=1e-15)
    np.testing.assert_array_equal(r.per_class["support"], s)
    for how in ("macro", "weighted", "micro"):
        assert r.metrics[f"f1_{how}"] == pytest.approx(skm.f1_score(y, pred, average=how), abs=1e-15)
        assert r.metrics[f"precision_{how}"] == pytest.approx(
            skm.precision_score(y, pred, average=how), abs=1e-15)
    for how in ("macro", "weighted"):
        assert r.metrics[f"roc_auc_{how}"] == pytest.approx(
            skm.roc_auc_score(y, proba, multi_class="ovr", average=how), abs=1e-15)
    for j, c in enumerate(model.classes_):
        yj = (y == c).astype(int)
        assert r.per_class.loc[c, "roc_auc"] == pytest.approx(skm.roc_auc_score(yj, proba[:, j]),
                                                              abs=1e-15)
        assert r.per_class.loc[c, "brier"] == pytest.approx(
            skm.brier_score_loss(yj, proba[:, j]), abs=1e-15)
        assert r.auc_ci[c]["auc"] == pytest.approx(_delong_direct(yj, proba[:, j])[0], abs=1e-13)
    assert r.metrics["accuracy"] == pytest.approx(skm.accuracy_score(y, pred), abs=1e-15)
    assert r.metrics["log_loss"] == pytest.approx(skm.log_loss(y, proba), abs=1e-15)
    assert r.metrics["brier"] == pytest.approx(
        np.mean(np.sum((proba - (y[:, None] == model.classes_)) ** 2, axis=1)), abs=1e-14)


def test_report_renders_as_json_frame_and_text(binary, multi):
    for model, X, y in (binary, multi):
        r = logitlab.evaluate(model, X, y)
        d = r.to_dict()
        text = json.dumps(d, allow_nan=False)           # strict JSON: no NaN / Infinity
        assert json.loads(text)["metrics"]["accuracy"] == pytest.approx(r.metrics["accuracy"])
        s = str(r)
        assert "Confusion matrix" in s and f"{r.metrics['accuracy']:.4f}" in s
        frame = r.to_frame()
        if r.kind == "binary":
            assert frame.loc["roc_auc", "value"] == r.metrics["roc_auc"]
            assert "DeLong" in s
        else:
            assert list(frame.index) == ["a", "b", "c", "macro", "weighted"]
            assert frame.loc["macro", "f1"] == pytest.approx(r.metrics["f1_macro"])


def test_evaluate_proba_equals_evaluate(binary):
    model, X, labels = binary
    a = logitlab.evaluate(model, X, labels).to_dict()
    b = evaluate_proba(labels, model.predict_proba(X), model.classes_).to_dict()
    assert a == b
    # the 1-D form P(classes_[1]) rebuilds column 0 as 1 - p: equal up to rounding
    c = evaluate_proba(labels, model.predict_proba(X)[:, 1], model.classes_).metrics
    assert c == pytest.approx(a["metrics"], rel=1e-12, abs=1e-15)


# ------------------------------------------------------------------ bad input
class _NaNModel:
    classes_ = np.array([0, 1])

    def predict_proba(self, X):
        p = np.full((len(X), 2), 0.5)
        p[3] = np.nan
        return p


def test_bad_input_gives_clear_errors(binary, multi):
    model, X, labels = binary
    with pytest.raises(DataError, match="empty"):
        logitlab.evaluate(model, X[:0], labels[:0])
    with pytest.raises(DataError, match="no rows of class"):
        logitlab.evaluate(model, X[labels == "good"], labels[labels == "good"])
    with pytest.raises(DataError, match="does not know"):
        logitlab.evaluate(model, X, np.where(labels == "bad", "BAD", "good"))
    with pytest.raises(DataError, match="rows but y has"):
        logitlab.evaluate(model, X[:-1], labels)
    with pytest.raises(DataError, match="NaN"):
        logitlab.evaluate(_NaNModel(), X, (labels == "bad").astype(int))
    with pytest.raises(DataError, match="NaN"):
        evaluate_proba([0, 1, 1], [0.2, np.nan, 0.9], [0, 1])
    with pytest.raises(DataError, match="sum to 1"):
        evaluate_proba([0, 1], [[0.2, 0.2], [0.5, 0.5]], [0, 1])
    for t in (-0.1, 1.5, float("nan"), "high"):
        with pytest.raises(ParameterError, match="threshold"):
            logitlab.evaluate(model, X, labels, threshold=t)
    with pytest.raises(ParameterError, match="unknown strategy"):
        logitlab.evaluate(model, X, labels, strategy="kmeans")
    with pytest.raises(ParameterError, match="n_bins"):
        logitlab.evaluate(model, X, labels, n_bins=0)
    with pytest.raises(ParameterError, match="not fitted"):
        logitlab.evaluate(LogisticRegression(), X, labels)
    with pytest.raises(DataTypeError, match="predict_proba"):
        logitlab.evaluate(object(), X, labels)
    rng = np.random.default_rng(0)
    Y = (rng.random((X.shape[0], 2)) < 0.5).astype(int)
    with pytest.raises(ParameterError, match="multilabel"):
        logitlab.evaluate(LogisticRegression().fit(X, Y), X, Y)
    mmodel, mX, my = multi
    with pytest.raises(DataError, match=r"no rows of class\(es\) \['c'\]"):
        logitlab.evaluate(mmodel, mX[my != "c"], my[my != "c"])
    with pytest.raises(ParameterError, match="only applies to binary"):
        logitlab.evaluate(mmodel, mX, my, threshold=0.4)


# ------------------------------------------------------------------ sample weights
def _weights(n, seed=3, zeros=True):
    w = np.random.default_rng(seed).uniform(0.1, 4.0, n)
    if zeros:
        w[::17] = 0.0                                # rows that must not count at all
    return w


def _weighted_ks(y, p, w):
    """max over t of F_neg(t) - F_pos(t): the weighted two-sample KS statistic, by its ECDFs."""
    grid = np.unique(p)
    cdf = [np.array([w[(y == c) & (p <= t)].sum() for t in grid]) / w[y == c].sum() for c in (0, 1)]
    return np.max(cdf[0] - cdf[1])


@pytest.mark.parametrize("threshold", [None, 0.35])
def test_weighted_binary_metrics_equal_scikit_learn(binary, threshold):
    model, X, labels = binary
    w = _weights(len(labels))
    r = logitlab.evaluate(model, X, labels, threshold=threshold, sample_weight=w)
    y = (labels == model.classes_[1]).astype(int)
    p = model.predict_proba(X)[:, 1]
    pred = (p >= (0.5 if threshold is None else threshold)).astype(int)
    m = r.metrics
    sk = {
        "accuracy": skm.accuracy_score(y, pred, sample_weight=w),
        "balanced_accuracy": skm.balanced_accuracy_score(y, pred, sample_weight=w),
        "precision": skm.precision_score(y, pred, sample_weight=w),
        "recall": skm.recall_score(y, pred, sample_weight=w),
        "specificity": skm.recall_score(y, pred, pos_label=0, sample_weight=w),
        "f1": skm.f1_score(y, pred, sample_weight=w),
        "roc_auc": skm.roc_auc_score(y, p, sample_weight=w),
        "gini": 2 * skm.roc_auc_score(y, p, sample_weight=w) - 1,
        "average_precision": skm.average_precision_score(y, p, sample_weight=w),
        "log_loss": skm.log_loss(y, p, sample_weight=w),
        "brier": skm.brier_score_loss(y, p, sample_weight=w),
        "prevalence": np.average(y, weights=w),
    }
    for key, value in sk.items():
        assert m[key] == pytest.approx(value, abs=1e-14), key
    assert m["ks"] == pytest.approx(_weighted_ks(y, p, w), abs=1e-12)
    np.testing.assert_allclose(r.confusion_matrix, skm.confusion_matrix(y, pred, sample_weight=w),
                               rtol=1e-15)
    fpr, tpr, _ = skm.roc_curve(y, p, sample_weight=w)
    np.testing.assert_array_equal(r.roc["fpr"], fpr)
    np.testing.assert_array_equal(r.roc["tpr"], tpr)
    prec, rec, _ = skm.precision_recall_curve(y, p, sample_weight=w)
    np.testing.assert_array_equal(r.pr["precision"], prec)
    assert r.weight_sums == pytest.approx({c: w[labels == c].sum() for c in model.classes_})
    # unweighted metrics differ: the weights are used
    assert m["log_loss"] != pytest.approx(logitlab.evaluate(model, X, labels).metrics["log_loss"])


def test_weighted_multiclass_metrics_equal_scikit_learn(multi):
    model, X, y = multi
    w = _weights(len(y), seed=4)
    r = logitlab.evaluate(model, X, y, sample_weight=w)
    proba = model.predict_proba(X)
    pred = model.classes_[np.argmax(proba, axis=1)]
    np.testing.assert_allclose(r.confusion_matrix,
                               skm.confusion_matrix(y, pred, labels=model.classes_, sample_weight=w))
    p, rc, f, s = skm.precision_recall_fscore_support(y, pred, labels=model.classes_, sample_weight=w)
    np.testing.assert_allclose(r.per_class["precision"], p, atol=1e-15)
    np.testing.assert_allclose(r.per_class["f1"], f, atol=1e-15)
    np.testing.assert_allclose(r.per_class["support"], s, rtol=1e-15)   # weighted support
    for how in ("macro", "weighted", "micro"):
        assert r.metrics[f"f1_{how}"] == pytest.approx(
            skm.f1_score(y, pred, average=how, sample_weight=w), abs=1e-15)
        assert r.metrics[f"recall_{how}"] == pytest.approx(
            skm.recall_score(y, pred, average=how, sample_weight=w), abs=1e-15)
    for how in ("macro", "weighted"):
        assert r.metrics[f"roc_auc_{how}"] == pytest.approx(skm.roc_auc_score(
            y, proba, multi_class="ovr", average=how, sample_weight=w), abs=1e-14)
        assert r.metrics[f"average_precision_{how}"] == pytest.approx(skm.average_precision_score(
            y[:, None] == model.classes_, proba, average=how, sample_weight=w), abs=1e-14)
    for j, c in enumerate(model.classes_):
        yj = (y == c).astype(int)
        assert r.per_class.loc[c, "roc_auc"] == pytest.approx(
            skm.roc_auc_score(yj, proba[:, j], sample_weight=w), abs=1e-14)
        assert r.per_class.loc[c, "brier"] == pytest.approx(
            skm.brier_score_loss(yj, proba[:, j], sample_weight=w), abs=1e-15)
    assert r.metrics["accuracy"] == pytest.approx(skm.accuracy_score(y, pred, sample_weight=w), abs=1e-15)
    assert r.metrics["balanced_accuracy"] == pytest.approx(
        skm.balanced_accuracy_score(y, pred, sample_weight=w), abs=1e-15)
    assert r.metrics["log_loss"] == pytest.approx(skm.log_loss(y, proba, sample_weight=w), abs=1e-15)
    assert r.metrics["brier"] == pytest.approx(
        np.average(np.sum((proba - (y[:, None] == model.classes_)) ** 2, axis=1), weights=w), abs=1e-14)
    assert r.metrics["specificity_weighted"] == pytest.approx(
        s @ r.per_class["specificity"].to_numpy() / s.sum(), abs=1e-15)


@pytest.mark.parametrize("data", ["binary", "multi"])
def test_integer_weights_equal_repeated_rows(binary, multi, data):
    # frequency weights: every metric equals the unweighted metric of the repeated rows
    # (rows of weight 0 dropped), except the AUC interval, which a weighted report does not give
    model, X, y = binary if data == "binary" else multi
    w = np.random.default_rng(5).integers(0, 4, len(y))
    proba = model.predict_proba(X)
    a = evaluate_proba(y, proba, model.classes_, sample_weight=w)
    b = evaluate_proba(np.repeat(y, w), np.repeat(proba, w, axis=0), model.classes_)
    assert a.metrics.keys() == b.metrics.keys()
    for key in a.metrics:
        if "_ci_" not in key:
            assert a.metrics[key] == pytest.approx(b.metrics[key], rel=1e-11, abs=1e-13), key
    np.testing.assert_allclose(a.confusion_matrix, b.confusion_matrix)
    assert a.weight_sums == pytest.approx(b.class_counts)
    for c in a.curves:
        ra, rb = a.curves[c]["reliability"], b.curves[c]["reliability"]
        np.testing.assert_allclose(ra["weight"], rb["count"])
        np.testing.assert_allclose(ra["fraction_positive"], rb["fraction_positive"], rtol=1e-12)
        np.testing.assert_allclose(ra["mean_predicted"], rb["mean_predicted"], rtol=1e-12)
    if data == "multi":
        np.testing.assert_allclose(a.per_class["support"], b.per_class["support"])


def test_weights_scale_free_and_ones_equal_unweighted(binary):
    model, X, labels = binary
    w = _weights(len(labels))
    a = logitlab.evaluate(model, X, labels, sample_weight=w).metrics
    b = logitlab.evaluate(model, X, labels, sample_weight=7.5 * w).metrics
    assert a == pytest.approx(b, rel=1e-10, nan_ok=True)
    ones = logitlab.evaluate(model, X, labels, sample_weight=np.ones(len(labels)))
    plain = logitlab.evaluate(model, X, labels)
    for key, value in plain.metrics.items():
        if "_ci_" not in key:
            assert ones.metrics[key] == pytest.approx(value, rel=1e-12, abs=1e-15), key
    np.testing.assert_array_equal(ones.confusion_matrix, plain.confusion_matrix)


def test_weighted_calibration_line_equals_statsmodels(binary):
    sm = pytest.importorskip("statsmodels.api")
    model, X, labels = binary
    y = (labels == model.classes_[1]).astype(int)
    w = _weights(len(labels), zeros=False)
    p = expit(0.6 * logit(model.predict_proba(X)[:, 1]) + 0.4)
    r = evaluate_proba(labels, p, model.classes_, sample_weight=w)
    lp = logit(p)
    fam = sm.families.Binomial()
    slope_fit = sm.GLM(y, sm.add_constant(lp), family=fam, var_weights=w).fit(tol=1e-12)
    cil_fit = sm.GLM(y, np.ones((y.size, 1)), family=fam, offset=lp, var_weights=w).fit(tol=1e-12)
    # weighted MLEs of 1-2 parameters; 1e-7 is far above Newton's convergence error
    assert r.metrics["calibration_slope"] == pytest.approx(slope_fit.params[1], abs=1e-7)
    assert r.metrics["calibration_intercept"] == pytest.approx(cil_fit.params[0], abs=1e-7)
    # ECE from its weighted definition, bin by bin
    ids = np.searchsorted(np.linspace(0, 1, 11)[1:-1], p)
    ece = sum(w[ids == b].sum() / w.sum() * abs(np.average(y[ids == b], weights=w[ids == b])
                                                 - np.average(p[ids == b], weights=w[ids == b]))
              for b in range(10) if np.any(ids == b))
    assert r.metrics["ece"] == pytest.approx(ece, abs=1e-14)


def test_weighted_report_has_no_delong_interval_and_says_so(binary, multi):
    model, X, labels = binary
    r = logitlab.evaluate(model, X, labels, sample_weight=_weights(len(labels)))
    assert r.auc_ci["method"] == "none (sample weights)"
    assert r.auc_ci["auc"] == r.metrics["roc_auc"]
    assert np.isnan(r.auc_ci["se"]) and np.isnan(r.metrics["roc_auc_ci_low"])
    d = json.loads(json.dumps(r.to_dict(), allow_nan=False))
    assert d["auc_ci"]["ci_low"] is None and d["weight_sums"][0]["weight"] > 0
    text = str(r)
    assert "no confidence interval" in text and "DeLong" in text and "sums of sample weights" in text
    mmodel, mX, my = multi
    mr = logitlab.evaluate(mmodel, mX, my, sample_weight=_weights(len(my)))
    assert all(np.isnan(ci["se"]) for ci in mr.auc_ci.values())
    json.dumps(mr.to_dict(), allow_nan=False)


def test_bad_sample_weights_give_clear_errors(binary):
    model, X, labels = binary
    n = len(labels)
    cases = [  # the estimator's weight rules and messages, plus one positive total per class
        (np.r_[-1.0, np.ones(n - 1)], DataError, "1 negative values"),
        (np.r_[np.ones(n - 1), np.nan], DataError, "1 NaN or infinite values"),
        (np.r_[np.inf, np.ones(n - 1)], DataError, "NaN or infinite"),
        (np.ones(n - 1), DataError, f"sample_weight has {n - 1} values but X has {n} rows"),
        (np.zeros(n), DataError, "sums to zero"),
        (np.where(labels == "bad", 0.0, 1.0), DataError, r"class\(es\) \['bad'\] all have zero sample_weight"),
        (np.ones((n, 2)), DataError, "one-dimensional"),
        (np.array(["1"] * n), DataTypeError, "sample_weight must be numbers"),
    ]
    for w, err, match in cases:
        with pytest.raises(err, match=match):
            logitlab.evaluate(model, X, labels, sample_weight=w)
        with pytest.raises(err, match=match):
            evaluate_proba(labels, model.predict_proba(X), model.classes_, sample_weight=w)
