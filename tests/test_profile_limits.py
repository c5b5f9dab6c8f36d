"""Profile-likelihood limits by Venzon and Moolgavkar's joint solve, checked against the
bracketing search it replaced (kept in the code as the fallback) and against the definition
(the LR statistic at each limit, with the other coefficients refitted, equals the quantile).

Cases: ordinary ML and Firth on regular data, a limit that does not exist (separation: +inf),
and limits near the boundary (a separated coefficient's finite side; Firth's skewed profile
under quasi-separation). In the separation cases the fallback is disabled, so the joint solve
must manage on its own.
"""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from sklearn.datasets import load_breast_cancer

from logitlab import LogisticRegression
from logitlab import inference as inf

REF = Path(__file__).parent / "reference"
BRACKET = inf._profile_limit_bracket  # the search used before (tests may disable it as fallback)


def _cancer():
    data = load_breast_cancer(as_frame=True)
    X = data.data[["mean radius", "mean texture", "mean smoothness", "mean symmetry"]]
    return (X - X.mean()) / X.std(), data.target


def _rare_correlated():
    """Rare events (about 8 %) with correlated features on different scales."""
    rng = np.random.default_rng(7)
    n = 600
    z = rng.standard_normal((n, 3))
    X = np.column_stack([z[:, 0], 0.7 * z[:, 0] + 0.7 * z[:, 1], 10 * z[:, 2], rng.random(n) < 0.2])
    eta = -3.0 + 0.8 * X[:, 0] - 0.5 * X[:, 1] + 0.05 * X[:, 2] + 1.0 * X[:, 3]
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    return pd.DataFrame(X, columns=["a", "b", "c", "d"]), y


def _endometrial():
    e = pd.read_csv(REF / "endometrial.csv")
    return e[["NV", "PI", "EH"]], e["HG"]


def _lr_at(info, j, b):
    """LR statistic for theta[j] = b by an independent strict refit (gradient <= 1e-10)."""
    start = info.theta.copy()
    start[j] = b
    free = np.delete(np.arange(info.n_params), j)
    _, f = inf.constrained_minimum(info.objective, start, free)
    return 2 * info.sw_sum * (f - info.objective.value(info.theta))


def _bracketed(info, level):
    q = stats.chi2.ppf(level, 1)
    se = np.sqrt(np.diag(info.inverse_information()))
    f_hat = info.objective.value(info.theta)
    return np.array([[BRACKET(info, j, d, q, f_hat, se[j]) for d in (-1.0, 1.0)]
                     for j in range(info.n_params)])


@pytest.fixture
def no_fallback(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the joint solve gave up and fell back to bracketing")
    monkeypatch.setattr(inf.intervals, "_profile_limit_bracket", refuse)


@pytest.mark.parametrize("data", [_cancer, _rare_correlated])
@pytest.mark.parametrize("penalty", [None, "firth"])
def test_limits_match_bracketing_and_the_lr_equation(data, penalty):
    X, y = data()
    m = LogisticRegression(penalty=penalty, tol=1e-10).fit(X, y)
    info = inf.fit_info(m)
    for level in (0.95, 0.9):
        ci = np.asarray(m.conf_int(level=level, method="profile"))
        np.testing.assert_allclose(ci, _bracketed(info, level), rtol=1e-8, atol=1e-8)
        q = stats.chi2.ppf(level, 1)
        for j in range(info.n_params):
            assert ci[j, 0] < info.theta[j] < ci[j, 1]
            for b in ci[j]:
                assert _lr_at(info, j, b) == pytest.approx(q, rel=1e-6)


def test_ml_limits_match_statsmodels_refits():
    """Independent of logitlab's refits: statsmodels GLM with b * x_j as an offset."""
    X, y = _rare_correlated()
    m = LogisticRegression(tol=1e-10).fit(X, y)
    ci = np.asarray(m.conf_int(method="profile"))
    Xc, yv = sm.add_constant(np.asarray(X, float)), np.asarray(y)
    full = sm.Logit(yv, Xc).fit(disp=0, tol=1e-12).llf
    q = stats.chi2.ppf(0.95, 1)
    for j in range(Xc.shape[1]):
        for b in ci[j]:
            rest = np.delete(Xc, j, axis=1)
            llr = sm.GLM(yv, rest, family=sm.families.Binomial(), offset=b * Xc[:, j]).fit(tol=1e-13).llf
            assert 2 * (full - llr) == pytest.approx(q, rel=1e-6)


def test_separation_infinite_limit_and_finite_side(no_fallback):
    """ML on the endometrial data: NV separates (its estimate is only where the fit stopped).
    The upper limit does not exist; the lower one does and is exact."""
    X, y = _endometrial()
    with pytest.warns(Warning, match="separation"):
        m = LogisticRegression().fit(X, y)
    ci = m.conf_int(method="profile")
    assert ci.loc["NV", "upper"] == np.inf
    info = inf.fit_info(m)
    lower = ci.loc["NV", "lower"]
    assert np.isfinite(lower) and lower < info.theta[1]
    assert _lr_at(info, 1, lower) == pytest.approx(stats.chi2.ppf(0.95, 1), rel=1e-6)
    for j in (0, 2, 3):  # the others: finite, exact, although NV drifts in every refit
        for b in ci.iloc[j]:
            assert np.isfinite(b)
            assert _lr_at(info, j, b) == pytest.approx(stats.chi2.ppf(0.95, 1), rel=1e-6)


def test_firth_skewed_profile_near_the_boundary(no_fallback):
    """Firth on the same data: every limit is finite, NV's profile is very skewed (its upper
    limit is far from the estimate, where the information is nearly singular)."""
    X, y = _endometrial()
    m = LogisticRegression(penalty="firth", tol=1e-10).fit(X, y)
    info = inf.fit_info(m)
    ci = np.asarray(m.conf_int(method="profile"))
    assert np.all(np.isfinite(ci))
    nv = info.theta[1]
    assert ci[1, 1] - nv > 1.5 * (nv - ci[1, 0])  # skewed
    np.testing.assert_allclose(ci, _bracketed(info, 0.95), rtol=1e-8, atol=1e-8)


def test_quasi_separated_ml_coefficient_finite_side(no_fallback):
    """logistf's sex2 data by ML: 'dia' is quasi-separated (estimate ~15, standard error in the
    hundreds). Its lower limit exists and is found although the normal approximation is
    useless there; the upper limit does not exist."""
    d = pd.read_csv(REF / "sex2.csv")
    X, y = d[["age", "oc", "vic", "vicl", "vis", "dia"]], d["case"]
    with pytest.warns(Warning, match="separation"):
        m = LogisticRegression(tol=1e-10).fit(X, y)
    ci = m.conf_int(method="profile")
    info = inf.fit_info(m)
    assert ci.loc["dia", "upper"] == np.inf
    assert _lr_at(info, 6, ci.loc["dia", "lower"]) == pytest.approx(stats.chi2.ppf(0.95, 1), rel=1e-6)


def test_joint_solve_needs_few_evaluations():
    """Machine-independent cost: on regular data each limit takes at most a few gradient
    evaluations (three here; the bracketing search took about 20)."""
    X, y = _cancer()
    m = LogisticRegression(penalty="firth", tol=1e-10).fit(X, y)
    info = inf.fit_info(m)
    calls = []
    grad = info.objective.grad
    info.objective.grad = lambda theta: calls.append(1) or grad(theta)
    try:
        m.conf_int(method="profile")
    finally:
        del info.objective.grad
    assert len(calls) <= 4 * 2 * info.n_params
