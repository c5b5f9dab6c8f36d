"""Regularisation paths and LogisticRegressionCV.

Reference values come from independent logitlab fits (cold start, tol=1e-10) and from
scikit-learn's LogisticRegression / LogisticRegressionCV run in the test on the equivalent C
grid (alpha = 1 / (C * n) for unit weights, n = rows of the data the model is fitted on).
Tolerance 1e-6 on coefficients: both sides stop at a KKT residual of 1e-10 (sklearn: lbfgs
gradient tol 1e-12), far below it on these well-conditioned problems.
"""
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression as SkLR
from sklearn.linear_model import LogisticRegressionCV as SkCV
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold

import logitlab
from logitlab import DataError, LogisticRegression, LogisticRegressionCV, ParameterError
from logitlab._objective import objective_value
from logitlab.selection import alpha_max

TOL = 1e-10


def _binary(n=200, d=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    beta = np.r_[1.5, -1.0, 0.5, np.zeros(d - 3)]
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ beta + 0.3)))).astype(int)
    return X, y


def _multi(n=240, d=5, K=3, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    B = rng.normal(size=(d, K))
    y = np.argmax(X @ B + rng.gumbel(size=(n, K)), axis=1)
    return X, np.array(["a", "b", "c", "d"])[y]


def _fit(X, y, penalty, alpha, l1_ratio=None, sample_weight=None, **kw):
    kw = dict(kw, penalty=penalty, alpha=alpha, tol=TOL)
    if penalty == "elasticnet":
        kw["l1_ratio"] = l1_ratio
    return LogisticRegression(**kw).fit(X, y, sample_weight=sample_weight)


# ---------------------------------------------------------------------------------------------
# path
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["l1", "elasticnet", "weighted", "multinomial", "probit", "no-intercept"])
def test_alpha_max_is_smallest_all_zero_alpha(case):
    X, y = _multi() if case == "multinomial" else _binary()
    penalty, r, w, kw = "l1", None, None, {}
    if case == "elasticnet":
        penalty, r = "elasticnet", 0.3
    if case == "weighted":
        w = np.random.default_rng(3).uniform(0.2, 3, len(y))
    if case == "probit":
        kw = {"link": "probit"}
    if case == "no-intercept":
        kw = {"fit_intercept": False}
    amax = alpha_max(X, y, penalty, r, sample_weight=w, **kw)
    at = _fit(X, y, penalty, amax, r, w, **kw)
    assert np.all(at.coef_ == 0)
    below = _fit(X, y, penalty, amax * 0.99, r, w, **kw)
    assert np.any(below.coef_ != 0)
    res = logitlab.path(X, y, penalty, l1_ratio=r, n_alphas=5, sample_weight=w, **kw)
    assert res.alpha_max == pytest.approx(amax, rel=1e-12) and res.alphas[0] == res.alpha_max
    assert res.n_active[0] == 0


@pytest.mark.parametrize("penalty, r, data, weighted", [
    ("l1", None, "binary", False), ("l1", None, "binary", True), ("l2", None, "binary", False),
    ("elasticnet", 0.5, "binary", False), ("l1", None, "multi", False), ("elasticnet", 0.7, "multi", True),
])
def test_path_matches_independent_fits(penalty, r, data, weighted):
    X, y = _binary() if data == "binary" else _multi()
    w = np.random.default_rng(7).uniform(0.5, 2, len(y)) if weighted else None
    res = logitlab.path(X, y, penalty, l1_ratio=r, n_alphas=12, alpha_min_ratio=1e-3, sample_weight=w, tol=TOL)
    assert res.alphas.shape == (12,) and np.all(np.diff(res.alphas) < 0)
    rows = 1 if data == "binary" else 3
    assert res.coefs.shape == (12, rows, X.shape[1]) and res.intercepts.shape == (12, rows)
    codes = np.unique(y, return_inverse=True)[1]
    for i, a in enumerate(res.alphas):
        m = _fit(X, y, penalty, a, r, w)
        np.testing.assert_allclose(res.coefs[i], m.coef_, atol=1e-6, rtol=0)
        np.testing.assert_allclose(res.intercepts[i], m.intercept_, atol=1e-6, rtol=0)
        assert res.n_active[i] == np.count_nonzero(np.any(m.coef_ != 0, axis=0))
        f = objective_value(X, codes, res.coefs[i], res.intercepts[i], penalty=penalty, alpha=a,
                            l1_ratio={"l1": 1.0, "l2": 0.0}.get(penalty, r), sample_weight=w)
        assert res.objectives[i] == pytest.approx(f, rel=1e-10, abs=1e-12)
    assert np.all(res.converged)
    assert np.all(np.diff(res.objectives) <= 1e-12)  # smaller alpha, smaller optimum


@pytest.mark.parametrize("data", ["binary", "multi"])
def test_l2_path_matches_scikit_learn(data):
    X, y = _binary() if data == "binary" else _multi()
    res = logitlab.path(X, y, "l2", n_alphas=6, tol=TOL)
    for i, a in enumerate(res.alphas):
        sk = SkLR(C=1 / (a * len(y)), tol=1e-12, max_iter=10_000).fit(X, y)
        np.testing.assert_allclose(res.coefs[i], sk.coef_, atol=1e-6, rtol=0)
        np.testing.assert_allclose(res.intercepts[i], sk.intercept_, atol=1e-6, rtol=0)


def test_l1_path_is_at_least_as_good_as_scikit_learn_saga():
    # saga stops far from the optimum in its own tolerance, so compare objective values:
    # our solution must be no worse, and the coefficients close.
    X, y = _binary(n=150, d=5)
    res = logitlab.path(X, y, "l1", n_alphas=5, alpha_min_ratio=1e-2, tol=TOL)
    for i, a in enumerate(res.alphas[1:], start=1):
        sk = SkLR(C=1 / (a * len(y)), l1_ratio=1.0, solver="saga", tol=1e-10, max_iter=100_000).fit(X, y)
        f_sk = objective_value(X, y, sk.coef_, sk.intercept_, penalty="l1", alpha=a, l1_ratio=1.0)
        assert res.objectives[i] <= f_sk + 1e-12
        np.testing.assert_allclose(res.coefs[i], sk.coef_, atol=1e-4)


def test_weights_equal_duplicated_rows():
    X, y = _binary(n=80)
    w = np.random.default_rng(2).integers(1, 4, len(y))
    a = logitlab.path(X, y, "l1", n_alphas=8, sample_weight=w, tol=TOL)
    b = logitlab.path(np.repeat(X, w, axis=0), np.repeat(y, w), "l1", n_alphas=8, tol=TOL)
    np.testing.assert_allclose(a.alphas, b.alphas, rtol=1e-12)
    np.testing.assert_allclose(a.coefs, b.coefs, atol=1e-6)


def test_explicit_alphas_ridge_grid_and_frame():
    X, y = _binary()
    df = pd.DataFrame(X, columns=[f"v{j}" for j in range(X.shape[1])])
    res = logitlab.path(df, y, "l1", alphas=[0.001, 0.1, 0.01])
    np.testing.assert_array_equal(res.alphas, [0.1, 0.01, 0.001])
    assert res.alpha_max is None
    fr = res.to_frame()
    assert list(fr.columns[:6]) == ["alpha", "objective", "n_active", "n_iter", "converged", "intercept"]
    assert list(fr.columns[6:]) == list(df.columns) and len(fr) == 3
    # ridge: glmnet's convention, alpha_max as for l1_ratio = 0.001
    r2 = logitlab.path(X, y, "l2", n_alphas=3)
    r1 = logitlab.path(X, y, "l1", n_alphas=3)
    assert r2.alpha_max == pytest.approx(r1.alpha_max * 1000, rel=1e-12)
    fm = logitlab.path(*_multi(), "l1", n_alphas=3).to_frame()
    assert "b:intercept" in fm.columns and "c:x4" in fm.columns


@pytest.mark.parametrize("kwargs, err, match", [
    ({"n_alphas": 0}, ParameterError, "n_alphas"),
    ({"n_alphas": 10**7}, ParameterError, "n_alphas"),
    ({"n_alphas": 2.5}, ParameterError, "n_alphas"),
    ({"n_alphas": True}, ParameterError, "n_alphas"),
    ({"alphas": [0.1, -1]}, ParameterError, "alphas"),
    ({"alphas": []}, ParameterError, "alphas"),
    ({"alpha_min_ratio": 2}, ParameterError, "alpha_min_ratio"),
    ({"penalty": "firth"}, ParameterError, "penalty"),
    ({"penalty": None}, ParameterError, "penalty"),
    ({"penalty": "elasticnet", "l1_ratio": 1.5}, ParameterError, "l1_ratio"),
])
def test_path_bad_parameters(kwargs, err, match):
    X, y = _binary(n=40)
    with pytest.raises(err, match=match):
        logitlab.path(X, y, **kwargs)


def test_path_bad_data():
    X, y = _binary(n=40)
    with pytest.raises(DataError, match="only one class"):
        logitlab.path(X, np.zeros(40))
    X2 = X.copy()
    X2[3, 1] = np.nan
    with pytest.raises(DataError, match="NaN"):
        logitlab.path(X2, y)
    with pytest.raises(DataError, match="gradient at the intercept-only fit is zero"):
        logitlab.path(np.ones((40, 2)), y)
    with pytest.raises(ParameterError, match="multilabel"):
        logitlab.path(X, np.c_[y, 1 - y])


# ---------------------------------------------------------------------------------------------
# class weights and offsets (the estimator's semantics)
# ---------------------------------------------------------------------------------------------
def _offset(y, seed=5):
    rng = np.random.default_rng(seed)
    K = np.unique(y).size
    return rng.normal(scale=0.8, size=len(y) if K == 2 else (len(y), K))


@pytest.mark.parametrize("data, penalty, r, class_weight, weighted, link", [
    ("binary", "l1", None, "balanced", False, "logit"),
    ("binary", "elasticnet", 0.5, {0: 1.0, 1: 3.0}, True, "logit"),
    ("binary", "l1", None, {1: 0.5}, False, "probit"),
    ("binary", "l2", None, "balanced", True, "cloglog"),
    ("multi", "l1", None, "balanced", True, "logit"),
    ("multi", "elasticnet", 0.7, {"a": 2.0, "c": 0.5}, False, "logit"),
])
def test_path_with_class_weight_and_offset_matches_independent_fits(data, penalty, r, class_weight,
                                                                    weighted, link):
    X, y = _binary() if data == "binary" else _multi()
    if data == "binary":
        y = y.copy()
        y[:60] = 0  # unbalanced classes, so that "balanced" matters
    w = np.random.default_rng(7).uniform(0.5, 2, len(y)) if weighted else None
    off = _offset(y)
    res = logitlab.path(X, y, penalty, l1_ratio=r, n_alphas=8, alpha_min_ratio=1e-3, sample_weight=w,
                        class_weight=class_weight, offset=off, link=link, tol=TOL)
    assert np.all(res.converged)

    def independent(a):
        return LogisticRegression(penalty=penalty, alpha=a, l1_ratio=0.5 if r is None else r, link=link,
                                  class_weight=class_weight, tol=TOL).fit(X, y, sample_weight=w, offset=off)

    if penalty != "l2":  # alpha_max is the smallest all-zero alpha, to 1e-4
        assert res.n_active[0] == 0 and np.any(independent(res.alpha_max * 0.9999).coef_ != 0)
    for i, a in enumerate(res.alphas):  # both sides stop at a KKT residual of 1e-10
        m = independent(a)
        np.testing.assert_allclose(res.coefs[i], m.coef_, atol=1e-7, rtol=0)
        np.testing.assert_allclose(res.intercepts[i], m.intercept_, atol=1e-7, rtol=0)
        assert res.objectives[i] == pytest.approx(m.objective_, rel=1e-9, abs=1e-12)
    without = logitlab.path(X, y, penalty, l1_ratio=r, alphas=res.alphas[-2:], sample_weight=w, link=link)
    assert not np.allclose(without.coefs, res.coefs[-2:], atol=1e-3)  # the options do change the fit


def test_alpha_max_with_offset_from_its_definition():
    # logit: the intercept-only fit b0 solves sum_i s_i (sigmoid(b0 + o_i) - y_i) = 0; then
    # alpha_max = max_j |sum_i s_i (mu_i - y_i) x_ij| / sum_i s_i (times the documented 1 + 1e-6).
    from scipy.optimize import brentq
    from scipy.special import expit

    X, y = _binary()
    off = _offset(y)
    s = np.where(y == 1, 2.0, 1.0)  # class_weight {1: 2}
    b0 = brentq(lambda b: s @ (expit(b + off) - y), -20, 20, xtol=1e-14)
    expected = np.max(np.abs(X.T @ (s * (expit(b0 + off) - y)))) / s.sum()
    got = alpha_max(X, y, "l1", class_weight={1: 2.0}, offset=off)
    assert got == pytest.approx(expected * (1 + 1e-6), rel=1e-10)
    no_intercept = alpha_max(X, y, "l1", offset=off, fit_intercept=False)
    expected = np.max(np.abs(X.T @ (expit(off) - y))) / len(y)
    assert no_intercept == pytest.approx(expected * (1 + 1e-6), rel=1e-10)


def _estimator_error(class_weight, offset, X, y):
    with pytest.raises(Exception) as info:
        LogisticRegression(penalty="l1", alpha=0.01, class_weight=class_weight).fit(X, y, offset=offset)
    return type(info.value), str(info.value)


@pytest.mark.parametrize("case", ["unknown string", "unknown label", "negative", "not a dict",
                                  "one class left", "short offset", "nan offset", "text offset",
                                  "2-D offset for binary y", "1-D offset for multinomial y"])
def test_bad_class_weight_and_offset_raise_the_estimators_errors(case):
    X, y = _multi(n=60) if case == "1-D offset for multinomial y" else _binary(n=60)
    cw, off = None, None
    if case == "unknown string":
        cw = "balance"
    elif case == "unknown label":
        cw = {5: 2.0}
    elif case == "negative":
        cw = {0: -1.0}
    elif case == "not a dict":
        cw = [1.0, 2.0]
    elif case == "one class left":
        cw = {0: 0.0}
    elif case == "short offset":
        off = np.zeros(59)
    elif case == "nan offset":
        off = np.r_[np.nan, np.zeros(59)]
    elif case == "text offset":
        off = np.array(["a"] * 60)
    else:
        off = np.zeros(60) if case.startswith("1-D") else np.zeros((60, 2))
    err, message = _estimator_error(cw, off, X, y)
    assert issubclass(err, logitlab.LogitlabError) and message
    calls = [lambda: logitlab.path(X, y, class_weight=cw, offset=off),
             lambda: alpha_max(X, y, class_weight=cw, offset=off),
             lambda: LogisticRegressionCV(class_weight=cw, cv=3).fit(X, y, offset=off)]
    for call in calls:
        with pytest.raises(err) as info:
            call()
        assert str(info.value) == message


# ---------------------------------------------------------------------------------------------
# cross-validation
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("data", ["binary", "multi"])
def test_cv_matches_scikit_learn_cv_on_equivalent_c_grid(data):
    X, y = _binary(n=200) if data == "binary" else _multi(n=240)
    skf = StratifiedKFold(5)
    n_train = {len(tr) for tr, _ in skf.split(X, y)}
    assert len(n_train) == 1  # equal training sizes: one C <-> one alpha in every fold
    n_train = n_train.pop()
    Cs = np.logspace(-3, 1, 7)
    sk = SkCV(Cs=Cs, cv=skf, scoring="neg_log_loss", l1_ratios=(0.0,), tol=1e-12, max_iter=10_000,
              use_legacy_attributes=False).fit(X, y)
    ours = LogisticRegressionCV(penalty="l2", alphas=1 / (Cs * n_train), cv=skf, tol=TOL).fit(X, y)
    # Cs ascending = alphas descending: the same order
    np.testing.assert_allclose(ours.scores_[0], sk.scores_[:, 0, :], atol=1e-6)
    np.testing.assert_allclose(ours.mean_score_[0], sk.scores_[:, 0, :].mean(axis=0), atol=1e-6)
    assert ours.alpha_ == pytest.approx(1 / (sk.C_ * n_train), rel=1e-12)
    # the refit on all data uses alpha_ (the C equivalent for n rows differs from sklearn's refit)
    ref = SkLR(C=1 / (ours.alpha_ * len(y)), tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)


def test_cv_agrees_with_independent_fits_and_weighted_scores():
    X, y = _binary(n=150)
    w = np.random.default_rng(4).uniform(0.2, 3, len(y))
    splits = list(StratifiedKFold(3, shuffle=True, random_state=1).split(X, y))
    cv = LogisticRegressionCV(penalty="elasticnet", l1_ratios=[0.5, 1.0], n_alphas=5, cv=splits,
                              tol=TOL).fit(X, y, sample_weight=w)
    assert cv.scores_.shape == (2, 3, 5) and cv.alphas_.shape == (2, 5)
    for li, r in enumerate(cv.l1_ratios_):
        for fi, (tr, te) in enumerate(splits):
            for ai in (0, 2, 4):
                m = _fit(X[tr], y[tr], "elasticnet", cv.alphas_[li, ai], r, w[tr])
                expected = -log_loss(y[te], m.predict_proba(X[te]), sample_weight=w[te])
                assert cv.scores_[li, fi, ai] == pytest.approx(expected, abs=1e-7)
    li, ai = cv.best_index_
    assert cv.alpha_ == cv.alphas_[li, ai] and cv.l1_ratio_ == cv.l1_ratios_[li]
    assert cv.mean_score_[li, ai] == np.max(cv.mean_score_)
    np.testing.assert_allclose(cv.std_error_, cv.scores_.std(axis=1, ddof=1) / np.sqrt(3))
    final = _fit(X, y, "elasticnet", cv.alpha_, cv.l1_ratio_, w)
    np.testing.assert_allclose(cv.coef_, final.coef_, atol=1e-6)
    np.testing.assert_allclose(cv.path_.coefs[ai], final.coef_, atol=1e-6)
    unweighted = LogisticRegressionCV(penalty="elasticnet", l1_ratios=[0.5, 1.0], n_alphas=5,
                                      cv=splits, tol=TOL).fit(X, y)
    assert not np.allclose(unweighted.scores_, cv.scores_)
    assert len(cv.cv_frame()) == 10


@pytest.mark.parametrize("data, class_weight, weighted, scoring", [
    ("binary", "balanced", False, None),
    ("binary", {0: 1.0, 1: 4.0}, True, "roc_auc"),
    ("multi", "balanced", True, None),
    ("multi", {"b": 3.0}, False, "accuracy"),
])
def test_cv_with_class_weight_and_offset_equals_a_hand_made_loop(data, class_weight, weighted, scoring):
    from sklearn.metrics import accuracy_score

    X, y = _binary(n=150) if data == "binary" else _multi(n=150)
    if data == "binary":
        y = y.copy()
        y[:50] = 0
    w = np.random.default_rng(4).uniform(0.2, 3, len(y)) if weighted else None
    off = _offset(y)
    splits = list(StratifiedKFold(3, shuffle=True, random_state=1).split(X, y))
    cv = LogisticRegressionCV(penalty="l1", n_alphas=5, cv=splits, class_weight=class_weight,
                              scoring=scoring, tol=TOL).fit(X, y, sample_weight=w, offset=off)
    # the grid: alpha_max of the full data with the same class weights and offset
    amax = alpha_max(X, y, "l1", sample_weight=w, class_weight=class_weight, offset=off)
    assert cv.alphas_[0, 0] == pytest.approx(amax, rel=1e-12)

    def score(m, te):  # class weights shape the fits; the scores use sample weights only
        wte = None if w is None else w[te]
        p = m.predict_proba(X[te], offset=off[te])
        if scoring == "roc_auc":
            return roc_auc_score(y[te], p[:, 1], sample_weight=wte)
        if scoring == "accuracy":
            return accuracy_score(y[te], m.predict(X[te], offset=off[te]), sample_weight=wte)
        return -log_loss(y[te], p, labels=m.classes_, sample_weight=wte)

    for fi, (tr, te) in enumerate(splits):
        for ai, a in enumerate(cv.alphas_[0]):
            m = LogisticRegression(penalty="l1", alpha=a, class_weight=class_weight, tol=TOL).fit(
                X[tr], y[tr], sample_weight=None if w is None else w[tr], offset=off[tr])
            assert cv.scores_[0, fi, ai] == pytest.approx(score(m, te), abs=1e-7)
    final = LogisticRegression(penalty="l1", alpha=cv.alpha_, class_weight=class_weight, tol=TOL).fit(
        X, y, sample_weight=w, offset=off)
    np.testing.assert_allclose(cv.coef_, final.coef_, atol=1e-6)
    np.testing.assert_allclose(cv.predict_proba(X, offset=off), final.predict_proba(X, offset=off), atol=1e-6)
    assert np.all(cv.predict(X, offset=off) == final.predict(X, offset=off))
    assert cv.get_params()["class_weight"] == class_weight and clone(cv).class_weight == class_weight


def test_one_standard_error_rule():
    X, y = _binary(n=200, d=10)
    a = LogisticRegressionCV(n_alphas=20, cv=5).fit(X, y)
    b = LogisticRegressionCV(n_alphas=20, cv=5, rule="1se").fit(X, y)
    np.testing.assert_array_equal(a.scores_, b.scores_)
    _, ai = a.best_index_
    _, bi = b.best_index_
    m, se = a.mean_score_[0], a.std_error_[0]
    assert bi <= ai and b.alpha_ >= a.alpha_
    assert m[bi] >= m[ai] - se[ai]
    assert np.all(m[:bi] < m[ai] - se[ai])  # it is the largest such alpha


def test_scorers_parallel_and_sklearn_api(tmp_path):
    X, y = _binary(n=120)
    auc = LogisticRegressionCV(n_alphas=6, cv=3, scoring="roc_auc").fit(X, y)
    assert auc.scoring_ == "roc_auc" and np.all(auc.scores_ <= 1)

    def my_auc(est, X, y, sample_weight=None):
        return roc_auc_score(y, est.predict_proba(X)[:, 1], sample_weight=sample_weight)

    custom = LogisticRegressionCV(n_alphas=6, cv=3, scoring=my_auc).fit(X, y)
    np.testing.assert_allclose(custom.scores_, auc.scores_, atol=1e-12)
    par = LogisticRegressionCV(n_alphas=6, cv=3, n_jobs=2).fit(X, y)
    seq = LogisticRegressionCV(n_alphas=6, cv=3, n_jobs=1).fit(X, y)
    np.testing.assert_array_equal(par.scores_, seq.scores_)
    c = clone(seq)
    assert c.get_params() == seq.get_params() and not hasattr(c, "alpha_")
    assert seq.score(X, y) == pytest.approx(np.mean(seq.predict(X) == y))
    seq.save(tmp_path / "m.json")
    np.testing.assert_allclose(logitlab.load(tmp_path / "m.json").predict_proba(X), seq.predict_proba(X),
                               atol=1e-12)
    assert "SELECT" in seq.to_sql("t", columns=[f"c{j}" for j in range(X.shape[1])])


def test_test_fold_missing_a_class_is_scored_with_default_log_loss():
    X, y = _multi(n=90)
    codes = np.unique(y, return_inverse=True)[1]
    idx = np.arange(90)
    rare_test = idx[(codes != 2)][:20]  # a test fold without class "c"
    splits = [(np.setdiff1d(idx, rare_test), rare_test),
              (idx[:45], idx[45:]), (idx[45:], idx[:45])]
    cv = LogisticRegressionCV(penalty="l2", n_alphas=4, cv=splits).fit(X, y)
    assert np.all(np.isfinite(cv.scores_))


@pytest.mark.parametrize("kwargs, err, match", [
    ({"cv": 1}, ParameterError, "at least 2"),
    ({"cv": 0}, ParameterError, "at least 2"),
    ({"cv": 10**6}, ParameterError, "folds but only"),
    ({"cv": 2.5}, ParameterError, "cv must be"),
    ({"cv": "5"}, ParameterError, "cv must be"),
    ({"cv": 15}, DataError, "class 1 has only 12 rows, fewer than cv=15"),
    ({"n_alphas": 0}, ParameterError, "n_alphas"),
    ({"n_alphas": 10**9}, ParameterError, "n_alphas"),
    ({"scoring": "neg_logloss"}, ParameterError, r"unknown scoring 'neg_logloss'.*neg_log_loss"),
    ({"scoring": 3}, ParameterError, "scoring"),
    ({"rule": "2se"}, ParameterError, "rule"),
    ({"penalty": "firth"}, ParameterError, "penalty"),
    ({"penalty": "l1", "l1_ratios": [0.5]}, ParameterError, "'elasticnet' only"),
    ({"penalty": "elasticnet", "l1_ratios": [0.5, 2]}, ParameterError, "l1_ratio"),
    ({"penalty": "elasticnet", "l1_ratios": []}, ParameterError, "l1_ratios"),
])
def test_cv_bad_parameters(kwargs, err, match):
    X, y = _binary(n=40)
    y = np.r_[np.zeros(28, int), np.ones(12, int)]
    with pytest.raises(err, match=match):
        LogisticRegressionCV(**kwargs).fit(X, y)


def test_cv_bad_folds_and_data():
    X, y = _binary(n=40)
    idx = np.arange(40)
    with pytest.raises(DataError, match="fold 1: the test part is empty"):
        LogisticRegressionCV(cv=[(idx[:20], idx[20:]), (idx, idx[:0])]).fit(X, y)
    with pytest.raises(DataError, match="fold 0: the training part is empty"):
        LogisticRegressionCV(cv=[(idx[:0], idx), (idx[:20], idx[20:])]).fit(X, y)
    ones = idx[y == 1]
    with pytest.raises(DataError, match=r"fold 0: the training part has no rows of class\(es\) \[1\]"):
        LogisticRegressionCV(cv=[(idx[y == 0], ones), (idx[:20], idx[20:])]).fit(X, y)
    with pytest.raises(DataError, match="indices"):
        LogisticRegressionCV(cv=[(idx[:20], idx[20:] + 100), (idx[20:], idx[:20])]).fit(X, y)
    with pytest.raises(ParameterError, match="at least 2 folds"):
        LogisticRegressionCV(cv=[(idx[:20], idx[20:])]).fit(X, y)

    def no_weights(est, X, y):
        return 0.0

    with pytest.raises(ParameterError, match="sample_weight"):
        LogisticRegressionCV(scoring=no_weights, cv=3).fit(X, y, sample_weight=np.ones(40))
    with pytest.raises(DataError, match="only one class"):
        LogisticRegressionCV().fit(X, np.ones(40))
    with pytest.raises(DataError, match="rows"):
        LogisticRegressionCV().fit(X, y[:30])
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        LogisticRegressionCV().predict(X)
