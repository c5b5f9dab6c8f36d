"""Goodness of fit and influence.

Influence measures are checked against statsmodels' GLM(Binomial).fit().get_influence() (the
logit link, where observed = expected information, and probit with observed=False, the
expected-information hat matrix these measures use), on statsmodels' spector data and on
scikit-learn's breast-cancer data. Tolerance: both fits stop at gradient max-norms near 1e-10,
so the measures agree to ~1e-8; we allow 1e-6.

Hosmer-Lemeshow: a six-row case worked by hand (below) and, on real data, an independent
implementation from the definition with pandas.qcut (deciles of risk).
"""
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from sklearn.datasets import load_breast_cancer

import logitlab
from logitlab import ParameterError
from logitlab.diagnostics import _hosmer_lemeshow, dfbetas, hosmer_lemeshow, influence, residuals


def _spector():
    d = sm.datasets.spector.load_pandas().data
    return d[["GPA", "TUCE", "PSI"]], d["GRADE"]


def _cancer():
    data = load_breast_cancer(as_frame=True)
    X = data.data[["mean radius", "mean texture", "mean smoothness"]]
    return X, data.target


@pytest.mark.parametrize("dataset", [_spector, _cancer])
@pytest.mark.parametrize("link", ["logit", "probit"])
def test_influence_against_statsmodels_glm(dataset, link):
    X, y = dataset()
    model = logitlab.LogisticRegression(link=link, tol=1e-10).fit(X, y)
    fam = sm.families.Binomial(link=sm.families.links.Logit() if link == "logit" else sm.families.links.Probit())
    res = sm.GLM(y, sm.add_constant(X), family=fam).fit(tol=1e-13)
    ref = res.get_influence(observed=False)
    got = influence(model)
    assert list(got.index) == list(range(len(y)))
    np.testing.assert_allclose(got["fitted"], res.fittedvalues, atol=1e-7)
    np.testing.assert_allclose(got["hat"], ref.hat_matrix_diag, atol=1e-6)
    np.testing.assert_allclose(got["resid_pearson"], res.resid_pearson, atol=1e-6)
    np.testing.assert_allclose(got["resid_deviance"], res.resid_deviance, atol=1e-6)
    np.testing.assert_allclose(got["resid_std_pearson"], ref.resid_studentized, atol=1e-6)
    np.testing.assert_allclose(got["resid_std_deviance"], res.resid_deviance / np.sqrt(1 - ref.hat_matrix_diag),
                               atol=1e-6)
    np.testing.assert_allclose(got["cooks_distance"], ref.cooks_distance[0], atol=1e-6)
    np.testing.assert_allclose(dfbetas(model, scaled=False).to_numpy(), ref.d_params, atol=1e-6)
    np.testing.assert_allclose(dfbetas(model).to_numpy(), ref.dfbetas, atol=1e-6)
    assert list(dfbetas(model).columns) == ["Intercept", *X.columns]


def test_hat_values_sum_to_number_of_parameters():
    X, y = _cancer()
    model = logitlab.LogisticRegression().fit(X, y)
    assert influence(model)["hat"].sum() == pytest.approx(X.shape[1] + 1, rel=1e-10)


def test_dfbeta_is_close_to_exact_leave_one_out():
    """The one-step DFBETA approximates beta - beta_(i); on 569 rows the approximation error is
    small next to the change itself for the most influential row."""
    X, y = _cancer()
    model = logitlab.LogisticRegression().fit(X, y)
    d = dfbetas(model, scaled=False)
    i = int(influence(model)["cooks_distance"].to_numpy().argmax())
    keep = np.arange(len(y)) != i
    refit = logitlab.LogisticRegression().fit(X[keep], y[keep])
    full = np.concatenate([model.intercept_, model.coef_[0]])
    exact = full - np.concatenate([refit.intercept_, refit.coef_[0]])
    np.testing.assert_allclose(d.iloc[i].to_numpy(), exact, rtol=0.2, atol=0.02 * np.abs(exact).max())


def test_residual_series_and_formula_row_alignment():
    X, y = _spector()
    df = X.assign(GRADE=y)
    df.index = [f"student{i}" for i in range(len(df))]
    fm = logitlab.logit("GRADE ~ GPA + TUCE + PSI", df)
    est = logitlab.LogisticRegression().fit(X, y)
    got = fm.influence()
    assert list(got.index) == list(df.index)
    np.testing.assert_allclose(got.to_numpy(), influence(est).to_numpy(), rtol=1e-6, atol=1e-9)
    assert list(fm.dfbetas().index) == list(df.index)
    r = residuals(fm, "pearson", standardized=True)
    np.testing.assert_allclose(r.to_numpy(), got["resid_std_pearson"].to_numpy())
    np.testing.assert_allclose(residuals(est, "response"), y - est.predict_proba(X)[:, 1])
    # deviance residuals square-sum to the deviance
    assert (residuals(est) ** 2).sum() == pytest.approx(-2 * fm.loglike(), rel=1e-9)


def test_hosmer_lemeshow_hand_worked():
    """Six rows, three groups (worked by hand).
    y  = 0   0   1   0   1   1 ;  mu = .1 .2 .3 .6 .7 .8
    cut points = quantiles at 0, 1/3, 2/3, 1 (linear interpolation at positions 0, 5/3, 10/3, 5):
      .1, .2 + (2/3)(.1) = .26667, .6 + (1/3)(.1) = .63333, .8
    groups {.1, .2}, {.3, .6}, {.7, .8}:
      1: O = 0, E = .3 -> (0 - .3)^2/.3 + (2 - 1.7)^2/1.7 = .3 + .0529412 = .3529412
      2: O = 1, E = .9 -> (.1)^2/.9 + (.1)^2/1.1           = .0111111 + .0090909 = .0202020
      3: O = 2, E = 1.5 -> (.5)^2/1.5 + (.5)^2/.5          = .1666667 + .5 = .6666667
    chi2 = 1.0398099 on 3 - 2 = 1 df."""
    res = _hosmer_lemeshow([0, 0, 1, 0, 1, 1], [.1, .2, .3, .6, .7, .8], np.ones(6), 3)
    assert res.statistic == pytest.approx(0.3 + 0.09 / 1.7 + 0.01 / 0.9 + 0.01 / 1.1 + 0.25 / 1.5 + 0.5, rel=1e-12)
    assert res.statistic == pytest.approx(1.0398099, abs=1e-7)
    assert res.df == 1 and res.groups == 3
    assert res.pvalue == pytest.approx(stats.chi2.sf(res.statistic, 1))
    assert res.table["n"].tolist() == [2, 2, 2]
    # weights are frequencies: doubling every weight doubles the statistic
    assert _hosmer_lemeshow([0, 0, 1, 0, 1, 1], [.1, .2, .3, .6, .7, .8], 2 * np.ones(6), 3).statistic \
        == pytest.approx(2 * res.statistic)


@pytest.mark.parametrize("groups", [10, 5])
def test_hosmer_lemeshow_against_definition_with_qcut(groups):
    X, y = _cancer()
    model = logitlab.LogisticRegression().fit(X, y)
    p = model.predict_proba(X)[:, 1]
    bins = pd.qcut(p, groups, duplicates="drop")  # quantile cut points, right-closed, first closed
    t = pd.DataFrame({"y": y.to_numpy(), "p": p, "g": bins}).groupby("g", observed=True).agg(
        n=("y", "size"), o=("y", "sum"), e=("p", "sum"))
    chi2 = (((t.o - t.e) ** 2 / t.e) + ((t.o - t.e) ** 2 / (t.n - t.e))).sum()
    res = hosmer_lemeshow(model, groups=groups)
    assert res.statistic == pytest.approx(chi2, rel=1e-10)
    assert res.df == len(t) - 2
    assert res.pvalue == pytest.approx(stats.chi2.sf(chi2, len(t) - 2), rel=1e-8)
    assert res.table["n"].sum() == len(y)


def test_hosmer_lemeshow_ties_share_a_group():
    """A saturated model on one 4-level factor: fitted = observed rate in each level, 4 distinct
    probabilities, so at most 4 groups form and the statistic is 0."""
    rng = np.random.default_rng(0)
    level = rng.integers(0, 4, 400)
    y = (rng.random(400) < np.array([.2, .4, .6, .8])[level]).astype(int)
    X = pd.get_dummies(level, prefix="L", drop_first=True).astype(float)
    res = hosmer_lemeshow(logitlab.LogisticRegression().fit(X, y), groups=10)
    assert res.groups <= 4
    assert res.statistic == pytest.approx(0.0, abs=1e-8)


def test_refusals():
    X, y = _spector()
    model = logitlab.LogisticRegression().fit(X, y)
    with pytest.raises(ParameterError, match="groups"):
        hosmer_lemeshow(model, groups=2)
    with pytest.raises(ParameterError, match="groups"):
        hosmer_lemeshow(model, groups=1000)
    with pytest.raises(ParameterError, match="penalty='l2'"):
        influence(logitlab.LogisticRegression(penalty="l2").fit(X, y))
    with pytest.raises(ParameterError, match="kind"):
        residuals(model, "working")
    with pytest.raises(ParameterError, match="expected a fitted"):
        influence(object())
    # penalised models still get Hosmer-Lemeshow (it needs fitted probabilities only)
    assert hosmer_lemeshow(logitlab.LogisticRegression(penalty="l2").fit(X, y), groups=5).df == 3
