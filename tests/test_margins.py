"""Marginal effects: against statsmodels' get_margeff (Logit, Probit; overall / mean; dummy
handling), delta-method Jacobians against finite differences, formula variables (interactions,
categorical contrasts) against hand formulas, bad input.

Tolerances: both fits converge to a gradient max-norm of ~1e-8 (ours tol=1e-10 here,
statsmodels tol=1e-12), so effects agree to ~1e-9 and standard errors (statsmodels uses a
complex-step Jacobian) to ~1e-8 relative; 1e-6 leaves room without hiding a wrong formula.
"""
import copy

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import logitlab
from logitlab import ParameterError
from logitlab.margins import marginal_effects


@pytest.fixture(scope="module")
def spector():
    return sm.datasets.spector.load_pandas().data  # 32 rows: GRADE ~ GPA + TUCE + PSI (0/1)


@pytest.fixture(scope="module")
def fitted(spector):
    X, y = spector[["GPA", "TUCE", "PSI"]], spector["GRADE"]
    ours = {link: logitlab.LogisticRegression(link=link, tol=1e-10).fit(X, y) for link in ("logit", "probit")}
    ref = {"logit": sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-12),
           "probit": sm.Probit(y, sm.add_constant(X)).fit(disp=0, tol=1e-12)}
    return ours, ref


@pytest.mark.parametrize("link", ["logit", "probit"])
@pytest.mark.parametrize("at", ["overall", "mean"])
@pytest.mark.parametrize("dummy", [True, False])
def test_against_statsmodels_get_margeff(fitted, link, at, dummy):
    ours, ref = fitted
    me = ref[link].get_margeff(at=at, dummy=dummy)
    got = marginal_effects(ours[link], at=at, dummy=dummy)
    np.testing.assert_allclose(got.effect, me.margeff, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(got.se, me.margeff_se, rtol=1e-6)
    assert got.kind[2] == ("discrete change" if dummy else "dy/dx")
    frame = got.to_frame()
    assert list(frame.index) == ["GPA", "TUCE", "PSI"]
    np.testing.assert_allclose(frame["p_value"], me.pvalues, rtol=1e-5)


def _fd_jacobian(model, **kwargs):
    """Central finite differences of the effects in the fitted parameters."""
    est = model.estimator_ if hasattr(model, "estimator_") else model
    theta = est.fit_result_.theta.copy()
    p = theta.size
    cov = np.eye(p)  # skip the covariance: only the effects are differentiated
    J = np.empty((len(marginal_effects(model, cov=cov, **kwargs).effect), p))
    for k in range(p):
        h = 1e-6 * max(1.0, abs(theta[k]))
        vals = []
        for sgn in (1, -1):
            m = copy.deepcopy(model)
            e = m.estimator_ if hasattr(m, "estimator_") else m
            e.fit_result_.theta = theta + sgn * h * np.eye(p)[k]
            vals.append(marginal_effects(m, cov=cov, **kwargs).effect)
        J[:, k] = (vals[0] - vals[1]) / (2 * h)
    return J


@pytest.mark.parametrize("link", ["logit", "probit", "cloglog"])
@pytest.mark.parametrize("at", ["overall", "mean"])
def test_delta_method_jacobian_matches_finite_differences(spector, link, at):
    X, y = spector[["GPA", "TUCE", "PSI"]], spector["GRADE"]
    model = logitlab.LogisticRegression(link=link).fit(X, y)
    got = marginal_effects(model, at=at)
    np.testing.assert_allclose(got.jacobian, _fd_jacobian(model, at=at), rtol=1e-5, atol=1e-8)
    # and the standard errors are the delta method with that Jacobian
    cov = logitlab.margins.parameter_covariance(model)
    np.testing.assert_allclose(got.se, np.sqrt(np.diag(got.jacobian @ cov @ got.jacobian.T)), rtol=1e-12)


@pytest.fixture(scope="module")
def regional():
    rng = np.random.default_rng(3)
    n = 400
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n),
                       "region": rng.choice(["east", "north", "south"], n), "d": rng.integers(0, 2, n)})
    eta = -0.3 + 0.8 * df.x1 - 0.5 * df.x2 + 0.6 * df.x1 * df.x2 + 0.7 * (df.region == "north") + 0.4 * df.d
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    return df


@pytest.mark.parametrize("at", ["overall", "mean"])
def test_formula_jacobian_matches_finite_differences(regional, at):
    fm = logitlab.logit("y ~ x1 * x2 + C(region) + d", regional)
    got = marginal_effects(fm, at=at)
    assert got.names == ["x1", "x2", "region[north]", "region[south]", "d"]
    np.testing.assert_allclose(got.jacobian, _fd_jacobian(fm, at=at), rtol=1e-5, atol=1e-8)


def test_formula_effects_by_hand(regional):
    """x1 enters through x1 and x1:x2: dP/dx1 = p (1 - p) (b_x1 + b_x1:x2 x2); a region level is
    the average of P(all rows at the level) - P(all rows at the reference 'east')."""
    fm = logitlab.logit("y ~ x1 * x2 + C(region) + d", regional)
    b = fm.coef
    p = fm.predict_proba()[:, 1]
    ame = marginal_effects(fm).to_frame()["effect"]
    np.testing.assert_allclose(ame["x1"], np.mean(p * (1 - p) * (b["x1"] + b["x1:x2"] * regional.x2)), rtol=1e-7)
    p_north = fm.predict_proba(regional.assign(region="north"))[:, 1]
    p_east = fm.predict_proba(regional.assign(region="east"))[:, 1]
    np.testing.assert_allclose(ame["region[north]"], np.mean(p_north - p_east), rtol=1e-10)
    p1 = fm.predict_proba(regional.assign(d=1))[:, 1]
    p0 = fm.predict_proba(regional.assign(d=0))[:, 1]
    np.testing.assert_allclose(ame["d"], np.mean(p1 - p0), rtol=1e-10)


def test_formula_without_interactions_equals_matrix_route(regional):
    """With main effects only, formula margins equal the estimator's on the model matrix."""
    fm = logitlab.logit("y ~ x1 + x2 + d", regional)
    est = logitlab.LogisticRegression().fit(regional[["x1", "x2", "d"]], regional["y"])
    a, b = marginal_effects(fm), marginal_effects(est)
    np.testing.assert_allclose(a.effect, b.effect, rtol=1e-7)
    np.testing.assert_allclose(a.se, b.se, rtol=1e-6)


def test_new_data_and_cov_override(fitted, spector):
    model = fitted[0]["logit"]
    sub = spector[["GPA", "TUCE", "PSI"]].iloc[:10]
    got = marginal_effects(model, data=sub.to_numpy())
    f = model.predict_proba(sub)[:, 1]
    np.testing.assert_allclose(got.effect[0], np.mean(f * (1 - f)) * model.coef_[0, 0], rtol=1e-10)
    cov = logitlab.margins.parameter_covariance(model)
    np.testing.assert_allclose(marginal_effects(model, cov=4 * cov).se, 2 * marginal_effects(model).se, rtol=1e-12)


def test_refusals(spector):
    X, y = spector[["GPA", "TUCE", "PSI"]], spector["GRADE"]
    with pytest.raises(ParameterError, match="at must be"):
        marginal_effects(logitlab.LogisticRegression().fit(X, y), at="median")
    with pytest.raises(ParameterError, match="penalty='l1'"):
        marginal_effects(logitlab.LogisticRegression(penalty="l1", alpha=0.01).fit(X, y))
    iris = pd.DataFrame(np.random.default_rng(0).normal(size=(90, 2)), columns=["a", "b"])
    with pytest.raises(ParameterError, match="binary"):
        marginal_effects(logitlab.LogisticRegression().fit(iris, np.repeat([0, 1, 2], 30)))
    with pytest.raises(ParameterError, match="cov must be"):
        marginal_effects(logitlab.LogisticRegression().fit(X, y), cov=np.eye(2))
