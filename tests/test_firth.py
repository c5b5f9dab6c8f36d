"""Firth inference against R's logistf on the sex2 data (tests/reference/sex2.README.md)."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from logitlab import LogisticRegression, ParameterError
from logitlab.firth import flac, flic

REF = Path(__file__).parent / "reference"
COLS = ["age", "oc", "vic", "vicl", "vis", "dia"]

# logistf's documented Firth estimates and 95% profile penalised-likelihood limits (DESIGN.md s.7)
EST = [0.12025405, -1.10598131, -0.06881673, 2.26887464, -2.11140817, -0.78831694, 3.09601166]
LOWER = [-0.8185591, -1.9737884, -0.9414363, 1.2730216, -3.2608611, -1.6080879, 0.7745682]
UPPER = [1.07315122, -0.30742514, 0.78920202, 3.43543273, -1.11773495, 0.01518468, 8.03029352]


@pytest.fixture(scope="module")
def sex2():
    d = pd.read_csv(REF / "sex2.csv")
    return d[COLS], d["case"]


@pytest.fixture(scope="module")
def firth(sex2):
    # tol tighter than the default so that estimates meet rtol 1e-5 with margin (logistf uses
    # its own convergence criteria; both are far below the printed 8 digits' sensitivity)
    return LogisticRegression(penalty="firth", tol=1e-11).fit(*sex2)


def test_estimates_match_logistf(firth):
    theta = np.r_[firth.intercept_, firth.coef_[0]]
    np.testing.assert_allclose(theta, EST, rtol=1e-5)


def test_profile_penalised_intervals_match_logistf(firth):
    ci = firth.conf_int()  # Firth default: profile penalised likelihood
    assert list(ci.index) == ["Intercept", *COLS]
    np.testing.assert_allclose(ci["lower"], LOWER, rtol=1e-4)
    np.testing.assert_allclose(ci["upper"], UPPER, rtol=1e-4)


def test_penalised_lr_pvalues_match_logistf(firth):
    # logistf chi-squares and p-values printed by easystats/parameters (2-3 decimals):
    # (Intercept) 0.06 0.802; age 7.51 0.006; oc 0.02 0.875; vic 22.93; vicl 19.10; vis 3.70 0.054; dia 7.90 0.005
    p = firth.pvalues()
    chi2 = stats.chi2.isf(p.to_numpy(), 1)
    np.testing.assert_allclose(chi2, [0.06, 7.51, 0.02, 22.93, 19.10, 3.70, 7.90], atol=0.0051)
    np.testing.assert_allclose(p[["Intercept", "age", "oc", "vis", "dia"]], [0.802, 0.006, 0.875, 0.054, 0.005],
                               atol=0.00051)


def test_profile_limits_are_where_penalised_lr_equals_quantile(firth):
    from logitlab import inference as inf
    info = inf.fit_info(firth)
    ci = inf.conf_int(firth)
    q = stats.chi2.ppf(0.95, 1)
    for j in (1, 6):
        for b in ci[j]:
            stat, _ = inf._lr_fix(info, [j], [b])
            assert stat == pytest.approx(q, rel=1e-6)


def test_flic_matches_logistf_and_event_rate(firth, sex2):
    X, y = sex2
    f = flic(firth)
    assert f.firth_correction_ == "flic" and firth.__dict__.get("firth_correction_") is None
    assert f.predict_proba(X)[:, 1].mean() == pytest.approx(y.mean(), abs=1e-10)
    np.testing.assert_allclose(f.coef_, firth.coef_)  # slopes untouched
    # logistf::flic(m1): intercept 0.13, 95% CI [-0.82, 1.08]; slopes' intervals as Firth
    assert f.intercept_[0] == pytest.approx(0.13, abs=0.005)
    ci = f.conf_int()
    np.testing.assert_allclose(ci.iloc[0], [-0.82, 1.08], atol=0.005)
    np.testing.assert_allclose(ci.iloc[1:, 0], LOWER[1:], rtol=1e-4)
    # intercept variance: [I(theta_flic)^-1]_00 as logistf
    from logitlab import inference as inf
    info = inf.fit_info(f)
    inv = np.linalg.inv(info.sw_sum * info.loss.hessian(info.theta))
    assert f.bse().iloc[0] == pytest.approx(np.sqrt(inv[0, 0]), rel=1e-10)
    assert "FLIC" in str(f.summary())


def test_flac_matches_logistf(firth, sex2):
    X, y = sex2
    a = flac(firth)
    assert a.predict_proba(X)[:, 1].mean() == pytest.approx(y.mean(), abs=1e-8)
    # logistf::flac(m1, data = sex2) via easystats/parameters snapshot (2 decimals)
    est = [0.12, -1.10, -0.07, 2.28, -2.11, -0.79, 3.18]
    se = [0.48, 0.42, 0.43, 0.54, 0.53, 0.41, 1.53]
    lo = [-0.81, -1.95, -0.93, 1.29, -3.24, -1.60, 0.87]
    hi = [1.07, -0.31, 0.79, 3.43, -1.13, 0.01, 7.99]
    chi2 = [0.07, 7.55, 0.02, 23.37, 19.45, 3.74, 8.54]
    np.testing.assert_allclose(np.r_[a.intercept_, a.coef_[0]], est, atol=0.0051)
    np.testing.assert_allclose(a.bse(), se, atol=0.0051)
    ci = a.conf_int()
    np.testing.assert_allclose(ci["lower"], lo, atol=0.0051)
    np.testing.assert_allclose(ci["upper"], hi, atol=0.0051)
    np.testing.assert_allclose(stats.chi2.isf(a.pvalues().to_numpy(), 1), chi2, atol=0.0051)


def test_firth_separated_data_has_finite_estimates():
    e = pd.read_csv(REF / "endometrial.csv")
    m = LogisticRegression(penalty="firth").fit(e[["NV", "PI", "EH"]], e["HG"])
    ci = m.conf_int()
    assert np.all(np.isfinite(m.coef_)) and np.all(np.isfinite(ci.to_numpy()))
    # Checked from the definition instead of a remembered table value: at each profile limit of
    # NV the penalised likelihood-ratio statistic (refitting the other coefficients with NV
    # fixed) equals the 95% chi-square(1) quantile.
    from logitlab.inference import constrained_minimum

    _, objective, theta = m._fitted_objective()
    sw = m._training["weights"].sum()
    f_hat = objective.value(theta)
    for limit in ci.loc["NV"]:
        start = theta.copy()
        start[1] = limit
        _, f = constrained_minimum(objective, start, np.array([0, 2, 3]))
        assert 2 * sw * (f - f_hat) == pytest.approx(stats.chi2.ppf(0.95, 1), rel=1e-6)


def test_flic_flac_refuse_non_firth(sex2):
    with pytest.warns(Warning, match="separation"):
        m = LogisticRegression().fit(*sex2)
    with pytest.raises(ParameterError, match="firth"):
        flic(m)
    with pytest.raises(ParameterError, match="firth"):
        flac(m)
