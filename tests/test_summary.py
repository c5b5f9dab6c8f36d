"""Summary: content, honesty per penalty, and the four output formats."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from logitlab import LogisticRegression, ParameterError, Summary

REF = Path(__file__).parent / "reference"


@pytest.fixture(scope="module")
def spector():
    d = sm.datasets.spector.load_pandas()
    return d.exog, d.endog


def _width_ok(text):
    return max(len(line) for line in text.splitlines()) <= 100


def test_ml_summary_matches_statsmodels(spector):
    X, y = spector
    m = LogisticRegression(tol=1e-10).fit(X, y)
    s = m.summary()
    assert isinstance(s, Summary)
    r = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-12)
    f = s.to_frame()
    assert list(f.index) == ["Intercept", "GPA", "TUCE", "PSI"]
    np.testing.assert_allclose(f["estimate"], r.params, atol=1e-6)
    np.testing.assert_allclose(f["std_err"], r.bse, atol=1e-5)
    np.testing.assert_allclose(f["z"], r.tvalues, atol=1e-4)
    np.testing.assert_allclose(f["pvalue"], r.pvalues, atol=1e-6)
    np.testing.assert_allclose(f[["ci_lower", "ci_upper"]], r.conf_int(), atol=1e-5)
    np.testing.assert_allclose(f["odds_ratio"], np.exp(r.params), rtol=1e-5)
    np.testing.assert_allclose(f[["or_lower", "or_upper"]], np.exp(r.conf_int()), rtol=1e-4)
    info = s.model_info
    assert info["nobs"] == 32 and info["loglike"] == pytest.approx(r.llf, rel=1e-8)
    assert info["aic"] == pytest.approx(r.aic) and info["bic"] == pytest.approx(r.bic)
    assert info["converged"] and info["separation"] == "none" and info["cov_type"] == "observed"
    text = str(s)
    assert _width_ok(text)
    for word in ("log-likelihood", "LR chi2", "AIC", "BIC", "McFadden", "Nagelkerke", "Tjur", "odds ratio",
                 "separation", "iterations", "covariance", "GPA"):
        assert word in text


def test_formats_are_consistent_and_json_safe(spector):
    X, y = spector
    s = \
        LogisticRegression().fit(X, y).summary(level=0.9)
    d = s.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["model"]["level"] == 0.9 and len(d["coefficients"]) == 4
    assert d["coefficients"][1]["term"] == "GPA"
    html = s.to_html()
    assert html.count("<table") == 2 and "GPA" in html and "90%" in html
    assert s._repr_html_() == html


def test_robust_summary(spector):
    X, y = spector
    m = LogisticRegression().fit(X, y)
    s = m.summary(cov_type="HC0")
    np.testing.assert_allclose(s.to_frame()["std_err"], m.bse("HC0"))
    assert s.model_info["cov_type"] == "HC0"
    with pytest.raises(ParameterError, match="unknown cov_type"):
        m.summary(cov_type="robust")


def test_profile_summary(spector):
    X, y = spector
    m = LogisticRegression().fit(X, y)
    s = m.summary(ci_method="profile")
    np.testing.assert_allclose(s.to_frame()[["ci_lower", "ci_upper"]], m.conf_int(method="profile"))
    assert s.model_info["ci_method"] == "profile"


def test_multinomial_blocks_per_class():
    d = sm.datasets.anes96.load_pandas().data
    X, y = d[["logpopul", "selfLR", "age"]], d["PID"].astype(int)
    m = LogisticRegression().fit(X, y)
    s = m.summary()
    f = s.to_frame()
    assert f.index.names == ["class", "term"]
    assert list(f.index.get_level_values(0).unique()) == [str(c) for c in m.classes_[1:]]
    text = str(s)
    assert _width_ok(text)
    assert text.count("class ") >= 2 * (m.classes_.size - 1)
    assert "reference class: 0" in text and "Tjur" not in text
    json.dumps(s.to_dict(), allow_nan=False)
    assert s.to_dict()["coefficients"][0]["class"] == "1"


def test_separated_fit_shows_separation_not_standard_errors():
    e = pd.read_csv(REF / "endometrial.csv")
    with pytest.warns(Warning, match="separation"):
        m = LogisticRegression().fit(e[["NV", "PI", "EH"]], e["HG"])
    s = m.summary()
    f = s.to_frame()
    assert f["std_err"].isna().all() and f["pvalue"].isna().all() and f["ci_lower"].isna().all()
    assert np.isfinite(f["estimate"]).all()
    text = str(s)
    assert "quasi-complete separation" in text and "NV" in text and "penalty='firth'" in text
    assert s.model_info["separation"] == "quasi-complete"
    json.dumps(s.to_dict(), allow_nan=False)


def test_firth_summary_uses_penalised_lr_and_profile():
    d = pd.read_csv(REF / "sex2.csv")
    m = LogisticRegression(penalty="firth").fit(d.drop(columns="case"), d["case"])
    s = m.summary()
    f = s.to_frame()
    np.testing.assert_allclose(f["pvalue"], m.pvalues())
    np.testing.assert_allclose(f[["ci_lower", "ci_upper"]], m.conf_int(method="profile"))
    assert s.model_info["ci_method"] == "profile"
    assert "penalised likelihood-ratio" in str(s) and "penalised log-lik" in str(s)
    assert _width_ok(str(s))


def test_l1_summary_shows_estimates_only(spector):
    X, y = spector
    s = LogisticRegression(penalty="l1", alpha=0.01).fit(X, y).summary()
    f = s.to_frame()
    assert f["estimate"].notna().all() and f[["std_err", "pvalue", "ci_lower"]].isna().all().all()
    assert "estimates only" in str(s) and "L1" in str(s)


def test_l2_summary_is_labelled_penalised(spector):
    X, y = spector
    m = LogisticRegression(penalty="l2", C=1.0).fit(X, y)
    s = m.summary()
    f = s.to_frame()
    assert f["std_err"].notna().all() and f["pvalue"].isna().all() and f["z"].isna().all()
    assert "PENALISED" in str(s) and s.model_info["ci_method"] == "wald (penalised posterior)"
    assert np.isnan(s.model_info["lr_chi2"])


def test_probit_has_no_odds_ratios(spector):
    X, y = spector
    m = LogisticRegression(link="probit").fit(X, y)
    s = m.summary()
    assert "odds_ratio" not in s.to_frame() and "odds ratio" not in str(s)
    with pytest.raises(ParameterError, match="logit"):
        m.odds_ratios()


def test_odds_ratios_method(spector):
    X, y = spector
    m = LogisticRegression().fit(X, y)
    o = m.odds_ratios()
    np.testing.assert_allclose(o["odds_ratio"], np.exp(m.fit_result_.theta))
    np.testing.assert_allclose(o[["lower", "upper"]], np.exp(m.conf_int()))


def test_bad_level(spector):
    X, y = spector
    with pytest.raises(ParameterError, match="level"):
        LogisticRegression().fit(X, y).summary(level=95)
