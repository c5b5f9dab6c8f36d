"""Formula models (logitlab.logit through formulaic): names, reference levels, coefficients and
log-likelihoods against statsmodels' formula API (patsy; same column names), predictions on new
data equal to the model-matrix route, unseen levels, missing values, drop-one LR tests per term."""
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

import logitlab
from logitlab import DataError, ParameterError


@pytest.fixture(scope="module")
def df():
    rng = np.random.default_rng(7)
    n = 300
    d = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n),
                      "region": rng.choice(["east", "north", "south"], n), "w": rng.uniform(0.5, 2, n)})
    eta = -0.2 + 0.9 * d.x1 - 0.4 * d.x2 + 0.5 * d.x1 * d.x2 + 0.8 * (d.region == "north") - 0.6 * (d.region == "south")
    d["y"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    return d


FORMULA = "y ~ x1 + C(region) + x1:x2"


def test_names_and_reference_levels(df):
    fm = logitlab.logit(FORMULA, data=df)
    assert fm.param_names == ["Intercept", "x1", "C(region)[T.north]", "C(region)[T.south]", "x1:x2"]
    assert list(fm.estimator_.feature_names_in_) == fm.param_names[1:]
    assert fm.terms == {"x1": ["x1"], "C(region)": ["C(region)[T.north]", "C(region)[T.south]"],
                        "x1:x2": ["x1:x2"]}
    other = logitlab.logit("y ~ x1 + C(region, contr.treatment('south'))", data=df)
    assert other.param_names[2:] == ["C(region, contr.treatment('south'))[T.east]",
                                     "C(region, contr.treatment('south'))[T.north]"]
    plain = logitlab.logit("y ~ region", data=df)  # text columns are categorical without C()
    assert plain.param_names == ["Intercept", "region[T.north]", "region[T.south]"]


def test_coefficients_and_loglike_against_statsmodels(df):
    fm = logitlab.logit(FORMULA, data=df, tol=1e-10)
    ref = smf.logit(FORMULA, data=df).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(fm.coef[ref.params.index], ref.params, rtol=1e-6, atol=1e-8)
    assert fm.loglike() == pytest.approx(ref.llf, rel=1e-10)
    assert fm.nobs == len(df)


def test_no_intercept_formula(df):
    fm = logitlab.logit("y ~ x1 + C(region) - 1", data=df)
    assert fm.fit_intercept is False and fm.estimator_.fit_intercept is False
    assert fm.param_names == ["x1", "C(region)[east]", "C(region)[north]", "C(region)[south]"]
    ref = smf.logit("y ~ x1 + C(region) - 1", data=df).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(fm.coef[ref.params.index], ref.params, rtol=1e-6)


def test_predictions_on_new_data_match_model_matrix_route(df):
    fm = logitlab.logit(FORMULA, data=df)
    new = pd.DataFrame({"x1": [0.5, -1.0, 2.0], "x2": [1.0, 0.0, -0.5], "region": ["south", "south", "south"]})
    # one level only in the new data: the encoding must still use the training levels
    manual = np.column_stack([new.x1, np.zeros(3), np.ones(3), new.x1 * new.x2])
    b = fm.coef.to_numpy()
    expected = 1 / (1 + np.exp(-(b[0] + manual @ b[1:])))
    np.testing.assert_allclose(fm.predict_proba(new)[:, 1], expected, rtol=1e-12)
    np.testing.assert_allclose(fm.predict_proba(new), fm.estimator_.predict_proba(fm.model_matrix(new)))
    np.testing.assert_allclose(fm.decision_function(df), fm.decision_function(), rtol=1e-12)
    assert set(fm.predict(new)) <= {0, 1}
    # new data need no response column, and extra columns are ignored
    assert fm.predict_proba(new.assign(extra="z")).shape == (3, 2)


def test_unseen_level_names_column_and_level(df):
    fm = logitlab.logit(FORMULA, data=df)
    new = pd.DataFrame({"x1": [0.0, 1.0], "x2": [0.0, 1.0], "region": ["west", "north"]})
    with pytest.raises(DataError, match=r"column 'region' has level 'west' not seen"):
        fm.predict_proba(new)
    plain = logitlab.logit("y ~ region", data=df)
    with pytest.raises(DataError, match=r"'region'.*'west'"):
        plain.predict(new)


def test_missing_values_name_column_and_count(df):
    bad = df.copy()
    bad.loc[bad.index[:3], "x2"] = np.nan
    bad.loc[bad.index[5], "region"] = None
    with pytest.raises(DataError, match=r"column 'region' has 1 missing value.*column 'x2' has 3 missing values"):
        logitlab.logit(FORMULA, data=bad)
    bad_y = df.copy()
    bad_y.loc[bad_y.index[:2], "y"] = np.nan
    with pytest.raises(DataError, match=r"column 'y' has 2 missing values \(of 300 rows\)"):
        logitlab.logit(FORMULA, data=bad_y)
    # unused columns may have missing values
    logitlab.logit("y ~ x1", data=bad)
    fm = logitlab.logit(FORMULA, data=df)
    with pytest.raises(DataError, match=r"new data: column 'region' has 1 missing value, column 'x2' has 3"):
        fm.predict_proba(bad)
    with pytest.raises(DataError, match="x3"):
        logitlab.logit("y ~ x1 + x3", data=df)


def test_drop1_tests_terms_not_columns(df):
    fm = logitlab.logit(FORMULA, data=df, tol=1e-10)
    table = fm.drop1()
    assert list(table.index) == ["x1", "C(region)", "x1:x2"]
    assert table.loc["C(region)", "df"] == 2
    full = smf.logit(FORMULA, data=df).fit(disp=0, tol=1e-12).llf
    for term, reduced in [("x1", "y ~ C(region) + x1:x2"), ("C(region)", "y ~ x1 + x1:x2"),
                          ("x1:x2", "y ~ x1 + C(region)")]:
        llr = smf.logit(reduced, data=df).fit(disp=0, tol=1e-12).llf
        assert table.loc[term, "lr_chi2"] == pytest.approx(2 * (full - llr), rel=1e-6)
        assert table.loc[term, "deviance"] == pytest.approx(-2 * llr, rel=1e-8)


def test_fit_options_weights_and_refusals(df):
    fm = logitlab.logit("y ~ x1 + x2", data=df, weights="w", penalty="firth")
    assert fm.estimator_.penalty_ == "firth"
    est = logitlab.LogisticRegression(penalty="firth").fit(df[["x1", "x2"]], df.y, sample_weight=df.w)
    np.testing.assert_allclose(fm.coef.to_numpy()[1:], est.coef_[0], rtol=1e-8)
    with pytest.raises(ParameterError, match="fit_intercept"):
        logitlab.logit("y ~ x1", data=df, fit_intercept=False)
    with pytest.raises(ParameterError, match="formula"):
        logitlab.logit("x1 + x2", data=df)
    with pytest.raises(DataError, match="DataFrame"):
        logitlab.logit("y ~ x1", data=np.zeros((3, 2)))
    with pytest.raises(ParameterError, match="penalty='l1'"):
        logitlab.logit("y ~ x1 + x2", data=df, penalty="l1", alpha=0.01).drop1()


def test_multiclass_response_and_expression_response(df):
    d = df.assign(grade=np.where(df.x1 > 0.5, "high", np.where(df.x1 < -0.5, "low", "mid")))
    d["grade"] = np.where(np.random.default_rng(1).random(len(d)) < 0.3, "mid", d["grade"])
    fm = logitlab.logit("grade ~ x1 + C(region)", data=d)
    assert fm.estimator_.model_kind_ == "multinomial"
    assert fm.predict_proba(d.iloc[:4]).shape == (4, 3)
    assert list(fm.drop1().index) == ["x1", "C(region)"]
    assert fm.drop1().loc["C(region)", "df"] == 4
    expr = logitlab.logit("I(x2 > 0) ~ x1", data=df)
    assert expr.estimator_.model_kind_ == "binary"


def test_statistics_speak_formula_names(df):
    fm = logitlab.logit(FORMULA, data=df)
    ci = fm.conf_int()
    assert list(ci.index) == fm.param_names
    me = fm.marginal_effects().to_frame()
    assert list(me.index) == ["x1", "x2", "region[north]", "region[south]"]
    assert list(fm.dfbetas().columns) == fm.param_names
    assert fm.hosmer_lemeshow().df == 8
    try:
        summary = fm.summary()
    except NotImplementedError:
        pytest.skip("Summary not available yet")
    assert "C(region)[T.north]" in str(summary)


def test_na_semantics_text_columns_are_categorical(df):
    """pandas' "string" dtype (NA semantics; what dask dataframes and parquet files give) is
    text like object / str columns: formulaic alone would try to use it as numbers."""
    as_string = df.assign(region=df.region.astype("string"))
    fm, ref = logitlab.logit("y ~ x1 + region", data=as_string), logitlab.logit("y ~ x1 + region", data=df)
    assert fm.param_names == ref.param_names == ["Intercept", "x1", "region[T.north]", "region[T.south]"]
    np.testing.assert_allclose(fm.coef, ref.coef, rtol=1e-12)
    np.testing.assert_allclose(fm.predict_proba(as_string.iloc[:5]), ref.predict_proba(df.iloc[:5]), rtol=1e-12)
    with pytest.raises(DataError, match="'region' has level 'west' not seen"):
        fm.predict(as_string.iloc[:2].assign(region=pd.Series(["west", "east"], dtype="string",
                                                              index=as_string.index[:2])))
