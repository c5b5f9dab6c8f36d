"""Covariances, intervals, tests and prediction intervals against statsmodels (run in the test)
and against independent computations (profile limits, finite-difference Jacobians).

Tolerances: coefficients 1e-6 and standard errors 1e-5 (absolute, relative to magnitudes ~1):
both fits stop at gradient norms ~1e-8 or below, which moves estimates by far less; the
log-likelihood statistics agree to 1e-6.
"""
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from sklearn.datasets import load_breast_cancer

import logitlab
from logitlab import DataError, LogisticRegression, ParameterError
from logitlab import inference as inf


def _spector():
    d = sm.datasets.spector.load_pandas()
    return d.exog, d.endog


def _cancer():
    data = load_breast_cancer(as_frame=True)
    X = data.data[["mean radius", "mean texture", "mean smoothness", "mean symmetry"]]
    return (X - X.mean()) / X.std(), data.target


def _randhie_binary():
    d = sm.datasets.randhie.load_pandas().data.iloc[:3000]
    return d[["lncoins", "idp", "lpi", "fmde", "physlm", "disea"]], (d["mdvis"] > 0).astype(int)


DATASETS = {"spector": _spector, "breast_cancer": _cancer, "randhie": _randhie_binary}


def _tight(**kw):
    return LogisticRegression(tol=1e-10, **kw)


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_logit_matches_statsmodels(name):
    X, y = DATASETS[name]()
    m = _tight().fit(X, y)
    r = sm.Logit(np.asarray(y), sm.add_constant(np.asarray(X, float))).fit(disp=0, tol=1e-12, maxiter=100)
    np.testing.assert_allclose(m.fit_result_.theta, r.params, atol=1e-6)
    np.testing.assert_allclose(m.bse(), r.bse, atol=1e-5)
    np.testing.assert_allclose(m.pvalues(), r.pvalues, atol=1e-6)
    np.testing.assert_allclose(m.conf_int(), r.conf_int(), atol=1e-5)
    st = inf.model_statistics(m)
    for ours, theirs in [("loglike", "llf"), ("loglike_null", "llnull"), ("aic", "aic"), ("bic", "bic"),
                         ("mcfadden_r2", "prsquared"), ("lr_chi2", "llr"), ("lr_pvalue", "llr_pvalue")]:
        assert st[ours] == pytest.approx(getattr(r, theirs), rel=1e-6, abs=1e-12), ours
    assert st["df_model"] == r.df_model and st["df_resid"] == r.df_resid
    # Nagelkerke from its definition with statsmodels' log-likelihoods
    n = len(y)
    cs = 1 - np.exp(2 * (r.llnull - r.llf) / n)
    assert st["nagelkerke_r2"] == pytest.approx(cs / (1 - np.exp(2 * r.llnull / n)), rel=1e-6)
    p = r.predict()
    yv = np.asarray(y)
    assert st["tjur_r2"] == pytest.approx(p[yv == 1].mean() - p[yv == 0].mean(), rel=1e-6)


@pytest.mark.parametrize("name", ["spector", "breast_cancer"])
def test_robust_covariances_match_statsmodels(name):
    X, y = DATASETS[name]()
    m = _tight().fit(X, y)
    Xc, yv = sm.add_constant(np.asarray(X, float)), np.asarray(y)
    hc0 = sm.Logit(yv, Xc).fit(disp=0, tol=1e-12, cov_type="HC0")
    np.testing.assert_allclose(m.bse("HC0"), hc0.bse, atol=1e-5)
    # statsmodels' discrete models apply no small-sample factor for HC1 (HC1 == HC0 there);
    # logitlab's HC1 is HC0 * n / (n - k) as MacKinnon-White / Stata's regress
    n, k = Xc.shape
    np.testing.assert_allclose(m.cov_params("HC1"), m.cov_params("HC0") * n / (n - k), rtol=1e-12)
    groups = np.arange(n) % 7
    cl = sm.Logit(yv, Xc).fit(disp=0, tol=1e-12, cov_type="cluster", cov_kwds={"groups": groups})
    np.testing.assert_allclose(m.bse("cluster", groups=groups), cl.bse, atol=1e-5)
    # labels of any type work the same
    np.testing.assert_allclose(m.bse("cluster", groups=np.array(list("abcdefg"))[groups]), cl.bse, atol=1e-5)


def test_probit_matches_statsmodels_observed_and_glm_expected():
    X, y = _spector()
    m = _tight(link="probit").fit(X, y)
    Xc, yv = sm.add_constant(np.asarray(X, float)), np.asarray(y)
    r = sm.Probit(yv, Xc).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(m.fit_result_.theta, r.params, atol=1e-6)
    np.testing.assert_allclose(m.bse(), r.bse, atol=1e-5)  # observed information
    g = sm.GLM(yv, Xc, family=sm.families.Binomial(sm.families.links.Probit())).fit(tol=1e-12)
    np.testing.assert_allclose(m.bse("expected"), g.bse, atol=1e-5)  # IRLS: expected information
    assert not np.allclose(m.bse(), m.bse("expected"), atol=1e-5)
    assert inf.model_statistics(m)["aic"] == pytest.approx(r.aic, rel=1e-8)
    assert inf.model_statistics(m)["mcfadden_r2"] == pytest.approx(r.prsquared, rel=1e-6)
    hc0 = sm.Probit(yv, Xc).fit(disp=0, tol=1e-12, cov_type="HC0")
    np.testing.assert_allclose(m.bse("HC0"), hc0.bse, atol=1e-5)


@pytest.mark.parametrize("name", ["spector", "breast_cancer"])
def test_cloglog_matches_statsmodels_glm(name):
    X, y = DATASETS[name]()
    m = _tight(link="cloglog").fit(X, y)
    Xc, yv = sm.add_constant(np.asarray(X, float)), np.asarray(y)
    fam = sm.families.Binomial(sm.families.links.CLogLog())
    g = sm.GLM(yv, Xc, family=fam).fit(tol=1e-13, maxiter=200)
    np.testing.assert_allclose(m.fit_result_.theta, g.params, atol=1e-6)
    np.testing.assert_allclose(m.bse("expected"), g.bse, atol=1e-5)
    gn = sm.GLM(yv, Xc, family=fam).fit(method="newton", tol=1e-13, maxiter=200)
    np.testing.assert_allclose(m.bse("observed"), gn.bse, atol=1e-5)
    st = inf.model_statistics(m)
    assert st["loglike"] == pytest.approx(g.llf, rel=1e-8)
    assert st["aic"] == pytest.approx(g.aic, rel=1e-8)
    assert st["deviance"] == pytest.approx(g.deviance, rel=1e-8)


def _anes():
    d = sm.datasets.anes96.load_pandas().data
    return d[["logpopul", "selfLR", "age", "educ", "income"]], d["PID"].astype(int)


def test_mnlogit_matches_statsmodels():
    X, y = _anes()
    m = _tight().fit(X, y)
    r = sm.MNLogit(np.asarray(y), sm.add_constant(np.asarray(X, float))).fit(disp=0, method="newton",
                                                                               tol=1e-12, maxiter=100)
    K1, p = r.params.shape[1], r.params.shape[0]
    theta = m.fit_result_.theta.reshape(K1, p)
    np.testing.assert_allclose(theta, r.params.T, atol=1e-6)
    np.testing.assert_allclose(m.bse().to_numpy().reshape(K1, p), r.bse.T, atol=1e-5)
    st = inf.model_statistics(m)
    for ours, theirs in [("loglike", "llf"), ("loglike_null", "llnull"), ("aic", "aic"), ("bic", "bic"),
                         ("mcfadden_r2", "prsquared"), ("lr_chi2", "llr")]:
        assert st[ours] == pytest.approx(getattr(r, theirs), rel=1e-6), ours
    rh = sm.MNLogit(np.asarray(y), sm.add_constant(np.asarray(X, float))).fit(
        disp=0, method="newton", tol=1e-12, cov_type="HC0")
    np.testing.assert_allclose(m.bse("HC0").to_numpy().reshape(K1, p), rh.bse.T, atol=1e-5)
    assert m.coef_names()[0] == f"Intercept[{m.classes_[1]}]" and m.coef_names()[p] == f"Intercept[{m.classes_[2]}]"


# -- profile likelihood ----------------------------------------------------------------------
def test_profile_limits_satisfy_lr_equation_independently():
    """At each limit b of coefficient j, refit in statsmodels with b * x_j as offset: the LR
    statistic 2 (llf_full - llf_restricted) equals the chi-square(1) quantile."""
    X, y = _spector()
    m = _tight().fit(X, y)
    ci = m.conf_int(method="profile")
    Xc, yv = sm.add_constant(np.asarray(X, float)), np.asarray(y)
    full = sm.Logit(yv, Xc).fit(disp=0, tol=1e-12).llf
    for level in (0.95, 0.9):
        ci = m.conf_int(level=level, method="profile")
        q = stats.chi2.ppf(level, 1)
        for j in range(Xc.shape[1]):
            for b in ci.iloc[j]:
                rest = np.delete(Xc, j, axis=1)
                llr = sm.GLM(yv, rest, family=sm.families.Binomial(), offset=b * Xc[:, j]).fit(tol=1e-13).llf
                assert 2 * (full - llr) == pytest.approx(q, rel=1e-6)
            lo, hi = ci.iloc[j]
            assert lo < m.fit_result_.theta[j] < hi


def test_profile_intervals_are_asymmetric_where_the_likelihood_is_skewed():
    """No published R confint() values were found for these data; the limits themselves are
    checked by the LR equation above. Here: profile differs from Wald (skewed likelihood)."""
    X, y = _spector()
    m = _tight().fit(X, y)
    prof, wald = m.conf_int(method="profile"), m.conf_int()
    assert (prof["upper"] - m.fit_result_.theta > 0).all()
    assert not np.allclose(prof, wald, atol=1e-2)


def test_profile_infinite_limit_under_separation():
    from pathlib import Path
    e = pd.read_csv(Path(__file__).parent / "reference" / "endometrial.csv")
    with pytest.warns(Warning, match="separation"):
        m = LogisticRegression().fit(e[["NV", "PI", "EH"]], e["HG"])
    ci = m.conf_int(method="profile")
    assert ci.loc["NV", "upper"] == np.inf and np.isfinite(ci.loc["NV", "lower"])


# -- tests -----------------------------------------------------------------------------------
def test_wald_test_strings_matrix_and_statsmodels():
    X, y = _spector()
    m = _tight().fit(X, y)
    r = sm.Logit(np.asarray(y), sm.add_constant(X)).fit(disp=0, tol=1e-12)
    t = m.wald_test("GPA = PSI; TUCE + 2*GPA = 1")
    R = np.array([[0, 1, 0, -1], [0, 2, 1, 0]], float)
    t2 = m.wald_test(R, q=[0, 1])
    assert t.statistic == pytest.approx(t2.statistic, rel=1e-12) and t.df == 2
    ref = r.wald_test((R, np.array([0, 1.0])), scalar=True)
    assert t.statistic == pytest.approx(float(ref.statistic), rel=1e-6)
    assert t.pvalue == pytest.approx(float(ref.pvalue), rel=1e-6)
    one = m.wald_test("PSI")  # '= 0' implied; equals z^2
    z = m.fit_result_.theta[3] / m.bse().iloc[3]
    assert one.statistic == pytest.approx(z ** 2, rel=1e-10)
    assert m.wald_test(["(GPA - PSI)/2 = 0"]).statistic == pytest.approx(m.wald_test("GPA=PSI").statistic)
    assert m.wald_test("`TUCE` = 0").statistic == pytest.approx(m.wald_test("TUCE = 0").statistic)
    json_ok = t.to_dict()
    assert json_ok["df"] == 2


def test_lr_test_and_drop_one_match_statsmodels():
    X, y = _spector()
    small = _tight().fit(X[["GPA"]], y)
    large = _tight().fit(X, y)
    res = logitlab.lr_test(small, large)
    Xc = sm.add_constant(X)
    llf_l = sm.Logit(y, Xc).fit(disp=0).llf
    llf_s = sm.Logit(y, Xc[["const", "GPA"]]).fit(disp=0).llf
    assert res.statistic == pytest.approx(2 * (llf_l - llf_s), rel=1e-7) and res.df == 2
    assert res.pvalue == pytest.approx(stats.chi2.sf(2 * (llf_l - llf_s), 2), rel=1e-6)
    d1 = large.drop_one()
    for col in ["GPA", "TUCE", "PSI"]:
        ll_drop = sm.Logit(y, Xc.drop(columns=col)).fit(disp=0, tol=1e-12).llf
        assert d1.loc[col, "statistic"] == pytest.approx(2 * (llf_l - ll_drop), rel=1e-6)
    grouped = large.drop_one({"GPA+TUCE": ["GPA", "TUCE"]})
    ll_g = sm.Logit(y, Xc[["const", "PSI"]]).fit(disp=0).llf
    assert grouped.loc["GPA+TUCE", "statistic"] == pytest.approx(2 * (llf_l - ll_g), rel=1e-6)
    assert grouped.loc["GPA+TUCE", "df"] == 2
    with pytest.raises(ParameterError, match="smaller"):
        logitlab.lr_test(large, small)
    other = _tight().fit(X[["GPA", "TUCE"]], 1 - y)
    with pytest.raises(DataError, match="same outcome"):
        logitlab.lr_test(small, other)
    not_nested = _tight().fit(X[["TUCE", "PSI"]], y)
    with pytest.raises(ParameterError, match="nested"):
        logitlab.lr_test(_tight().fit(X[["GPA"]], y), not_nested)


# -- prediction intervals ---------------------------------------------------------------------
def _fd_jacobian(f, theta, h=1e-6):
    cols = []
    for j in range(theta.size):
        e = np.zeros_like(theta)
        e[j] = h
        cols.append((f(theta + e) - f(theta - e)) / (2 * h))
    return np.stack(cols, axis=-1)


@pytest.mark.parametrize("link", ["logit", "probit", "cloglog"])
def test_delta_method_binary_against_finite_differences(link):
    X, y = _spector()
    m = _tight(link=link).fit(X, y)
    pi = m.predict_interval(X.iloc[:10])
    info = inf.fit_info(m)
    Xt = np.column_stack([np.ones(10), X.iloc[:10]])
    J = _fd_jacobian(lambda th: Xt @ th, info.theta)
    V = m.cov_params().to_numpy()
    np.testing.assert_allclose(pi.se_link, np.sqrt(np.einsum("ij,jk,ik->i", J, V, J)), rtol=1e-6)
    assert np.all((pi.lower < pi.proba) & (pi.proba < pi.upper) & (pi.lower > 0) & (pi.upper < 1))
    np.testing.assert_allclose(pi.proba, m.predict_proba(X.iloc[:10])[:, 1], rtol=1e-12)
    frame = pi.to_frame()
    assert list(frame.columns) == ["proba", "lower", "upper", "se_link"]


def test_delta_method_multinomial_against_finite_differences():
    from scipy.special import softmax
    X, y = _anes()
    m = _tight().fit(X, y)
    rows = X.iloc[:8]
    pi = m.predict_interval(rows, level=0.9)
    info = inf.fit_info(m)
    p = info.loss.p
    Xt = np.column_stack([np.ones(len(rows)), rows])

    def logit_p(th):
        B = np.vstack([np.zeros(p), th.reshape(-1, p)])
        P = softmax(Xt @ B.T, axis=1)
        return np.log(P) - np.log1p(-P)

    J = _fd_jacobian(logit_p, info.theta)  # (n, K, P)
    V = m.cov_params().to_numpy()
    se = np.sqrt(np.einsum("ikj,jl,ikl->ik", J, V, J))
    np.testing.assert_allclose(pi.se_link, se, rtol=1e-5)
    np.testing.assert_allclose(pi.proba, m.predict_proba(rows), rtol=1e-10)
    assert np.all((pi.lower <= pi.proba) & (pi.proba <= pi.upper))
    assert pi.to_frame().shape == (8, 4 * m.classes_.size)


# -- bad input --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def spector_model():
    X, y = _spector()
    return LogisticRegression().fit(X, y)


def test_bad_covariance_requests(spector_model):
    m = spector_model
    with pytest.raises(ParameterError, match="unknown cov_type"):
        m.bse("HC7")
    with pytest.raises(ParameterError, match="needs groups"):
        m.bse("cluster")
    with pytest.raises(DataError, match="expected 32 labels"):
        m.bse("cluster", groups=np.arange(5))
    with pytest.raises(ParameterError, match="only used with cov_type='cluster'"):
        m.bse("HC0", groups=np.arange(32))
    with pytest.raises(DataError, match="at least 2 groups"):
        m.bse("cluster", groups=np.zeros(32))
    with pytest.raises(ParameterError, match="level"):
        m.conf_int(level=1.5)
    with pytest.raises(ParameterError, match="method"):
        m.conf_int(method="bootstrap")


@pytest.mark.parametrize("bad, match", [
    ("GPA = = 1", "more than one"), ("GPA * PSI = 0", "not linear"), ("GPA +", "ends early"),
    ("(GPA = 0", "missing"), ("", "empty"), ("2 = 2", "does not involve"), ("GPA / 0 = 1", "division by zero"),
    ("GPAX = 0", "unknown coefficient name 'GPAX'"), ("income = 0", "unknown coefficient name 'income'"),
    ("GPA $ 2", "unexpected"),
])
def test_malformed_hypotheses(spector_model, bad, match):
    with pytest.raises(ParameterError, match=match):
        spector_model.wald_test(bad)


def test_bad_matrix_hypotheses(spector_model):
    with pytest.raises(ParameterError, match="4 columns"):
        spector_model.wald_test(np.eye(3))
    with pytest.raises(ParameterError, match="linearly dependent"):
        spector_model.wald_test([[0, 1, 0, 0], [0, 2, 0, 0]])
    with pytest.raises(ParameterError, match="q must have"):
        spector_model.wald_test(np.eye(4)[1:], q=[1, 2])


@pytest.mark.parametrize("penalty, kw", [("l1", {"alpha": 0.01}), ("elasticnet", {"alpha": 0.01, "l1_ratio": 0.5})])
def test_l1_refuses_inference(penalty, kw):
    X, y = _spector()
    m = LogisticRegression(penalty=penalty, **kw).fit(X, y)
    for call in (m.pvalues, m.bse, m.conf_int, m.cov_params, lambda: m.wald_test("GPA"),
                 lambda: m.predict_interval(X), lambda: m.conf_int(method="profile")):
        with pytest.raises(ParameterError, match="L1"):
            call()


def test_l2_offers_penalised_se_only():
    X, y = _spector()
    m = LogisticRegression(penalty="l2", C=1.0).fit(X, y)
    info = inf.fit_info(m)
    H = info.sw_sum * info.objective.hessian(info.theta)
    np.testing.assert_allclose(m.cov_params(), np.linalg.inv(H), rtol=1e-8)
    assert m.conf_int().shape == (4, 2)
    for call in (m.pvalues, lambda: m.conf_int(method="profile"), m.drop_one):
        with pytest.raises(ParameterError, match="l2"):
            call()
    with pytest.raises(ParameterError, match="l2"):
        logitlab.lr_test(LogisticRegression(penalty="l2").fit(X[["GPA"]], y), m)


def test_ovr_models_are_refused_with_a_clear_message():
    X, y = _anes()
    m = LogisticRegression(multiclass="ovr").fit(X, y)
    with pytest.raises(ParameterError, match="binary and multinomial"):
        m.summary()


@pytest.mark.parametrize("link", ["logit", "probit", "cloglog"])
@pytest.mark.parametrize("penalty", [None, "l2"])
def test_null_model_closed_form_equals_the_refit(link, penalty):
    """Without an offset the intercept-only fit is F^-1(weighted event rate) for every link
    (score equation at a constant predictor); model statistics use it without a refit. It must
    be the constrained minimum the general path finds."""
    from logitlab.inference import fit_info, null_theta
    from logitlab.inference.model_stats import _closed_form_null
    from logitlab.inference.refit import constrained_minimum

    rng = np.random.default_rng(21)
    X = rng.standard_normal((400, 3))
    y = (rng.random(400) < 0.3 + 0.2 * (X[:, 0] > 0)).astype(int)
    w = rng.random(400) + 0.5
    m = LogisticRegression(penalty=penalty, link=link).fit(X, y, sample_weight=w)
    info = fit_info(m)
    closed = null_theta(info)
    assert _closed_form_null(info, closed)  # the shortcut was taken
    start = np.zeros(info.n_params)
    refit, _ = constrained_minimum(info.objective, start, np.array([0]), tol=1e-13)
    np.testing.assert_allclose(closed, refit, rtol=0, atol=1e-10)
    rate = np.average(y, weights=w)
    assert m.predict_proba(np.zeros((1, 3)))[0, 1] != rate  # the full model is not the null model
    assert info.loglike(closed) == pytest.approx(np.sum(w * (y * np.log(rate) + (1 - y) * np.log(1 - rate))),
                                                 rel=1e-12)


def test_inference_starts_from_the_fits_predictor_without_a_pass_over_X(monkeypatch):
    """The fit hands its linear predictor and log-likelihood at the estimate to the loss rebuilt
    for inference: the summary then needs no pass over X for them (W7: 0.06 s), and they equal
    what a fresh loss computes."""
    from logitlab._fit import build_loss
    from logitlab._loss import BinaryLoss

    rng = np.random.default_rng(31)
    X = rng.standard_normal((3000, 4))
    y = (rng.random(3000) < 0.4).astype(int)
    m = LogisticRegression(penalty=None).fit(X, y)
    t = m._training
    fresh = build_loss(t["X"], t["codes"], t["weights"], t["offset"], m._spec(m.alpha_))
    theta = m.fit_result_.theta
    expected_ll, expected_eta = -fresh.sw_sum * fresh.value(theta), fresh.eta(theta).copy()

    def no_pass(self, theta):
        raise AssertionError("a pass over X for the predictor")
    monkeypatch.setattr(BinaryLoss, "_design_dot", no_pass)
    info = inf.fit_info(m)
    assert info.loglike() == pytest.approx(expected_ll, rel=1e-13)
    np.testing.assert_allclose(info.loss.eta(theta), expected_eta, rtol=1e-13, atol=1e-13)
    assert not np.shares_memory(info.loss.eta(theta), t["at_estimate"]["eta"])  # a copy
    m.summary()  # information, statistics and intervals from the kept predictor
    monkeypatch.undo()
    m.set_params(link="probit")  # another model form since the fit: its own predictor and value
    probit = build_loss(t["X"], t["codes"], t["weights"], t["offset"], m._spec(m.alpha_))
    m.__dict__.pop("_inference_cache", None)
    assert inf.fit_info(m).loglike() == pytest.approx(-probit.sw_sum * probit.value(theta), rel=1e-13)
    assert inf.fit_info(m).loglike() != pytest.approx(expected_ll, rel=1e-6)
    m2 = LogisticRegression(penalty=None, multiclass="ovr").fit(X, rng.integers(0, 3, 3000))
    assert m2._training["at_estimate"] is None  # one model per class: nothing handed over


@pytest.mark.parametrize("weights", ["unit", "weighted"])
def test_tjur_r2_is_the_difference_of_weighted_mean_probabilities(weights):
    rng = np.random.default_rng(37)
    X = rng.standard_normal((2000, 3))
    y = (rng.random(2000) < 0.3).astype(float)
    s = rng.random(2000) + 0.5 if weights != "unit" else np.ones(2000)
    m = LogisticRegression(penalty=None).fit(X, y, sample_weight=None if weights == "unit" else s)
    p = m.predict_proba(X)[:, 1]
    expected = (s * y) @ p / (s * y).sum() - (s * (1 - y)) @ p / (s * (1 - y)).sum()
    assert inf.model_statistics(m)["tjur_r2"] == pytest.approx(expected, rel=1e-12)
