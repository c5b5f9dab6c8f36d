"""Formulas on dask dataframes (issue 8, item 1: ``logitlab.logit`` accepts a dask dataframe).

The reference is the in-memory formula fit of the same rows, ``logitlab.logit(formula,
data=ddf.compute())``: same names, terms and reference levels; coefficients and standard errors
to 1e-8 (the dask loss sums the same per-row terms in another order; see tests/test_dask.py).
The frames have text, integer-coded (``C(k)``) and interaction terms, weights and offset
columns, uneven partitions, and a level ('west') that occurs only in the last partition, so the
first rows formulaic builds the spec from do not contain it.
"""
from __future__ import annotations


import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import pandas as pd  # noqa: E402

import logitlab  # noqa: E402
from logitlab import DataError, ParameterError  # noqa: E402
from logitlab import inference  # noqa: E402

pytestmark = [pytest.mark.xdist_group("dask"), pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore:Sending large graph:UserWarning")]

TOL = 1e-8
FORMULA = "y ~ x1 + C(region) + x1:x2 + C(k)"
DIVISIONS = [0, 170, 570, 600, 1200, 1499]  # uneven partitions of the 1500 rows


def _frame(n=1500, seed=0):
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n),
                      "region": rng.choice(["east", "north", "south", "west"], n, p=[0.4, 0.3, 0.24, 0.06]),
                      "k": rng.integers(1, 4, n), "w": rng.uniform(0.5, 2.0, n), "off": 0.3 * rng.normal(size=n)})
    eta = (-0.2 + 0.9 * d.x1 - 0.4 * d.x2 + 0.5 * d.x1 * d.x2 + 0.8 * (d.region == "north")
           - 0.6 * (d.region == "south") + 0.3 * (d.k == 2) + d.off)
    d["y"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    grade = np.where(d.x1 > 0.5, "high", np.where(d.x1 < -0.5, "low", "mid"))
    d["grade"] = np.where(rng.random(n) < 0.3, "mid", grade)
    # 'west' only at the end: in the last partition alone
    return pd.concat([d[d.region != "west"], d[d.region == "west"]], ignore_index=True)


def _dask(frame, divisions=DIVISIONS):
    return dd.from_pandas(frame, npartitions=1).repartition(divisions=divisions)


@pytest.fixture(scope="module")
def fitted(client):
    """The formula fitted on the dask frame and in memory on the same rows (``ddf.compute()``)."""
    ddf = _dask(_frame())
    pdf = ddf.compute()
    assert str(pdf.region.dtype) == "string"  # dask's text dtype: pandas' NA-semantics strings
    parts = [p.compute() for p in ddf.partitions]
    assert [len(p) for p in parts] == [170, 400, 30, 600, 300]
    assert all("west" not in set(p.region) for p in parts[:-1]) and "west" in set(parts[-1].region)
    return (logitlab.logit(FORMULA, data=ddf, weights="w", offset="off"),
            logitlab.logit(FORMULA, data=pdf, weights="w", offset="off"), ddf, pdf)


# -- the same model as in memory -------------------------------------------------------------
def test_same_model_as_in_memory(fitted):
    dm, mm, ddf, pdf = fitted
    assert dm.on_dask and not mm.on_dask
    assert dm.param_names == mm.param_names == ["Intercept", "x1", "C(region)[T.north]", "C(region)[T.south]",
                                                "C(region)[T.west]", "C(k)[T.2]", "C(k)[T.3]", "x1:x2"]
    assert dm.terms == mm.terms
    assert list(dm.estimator_.feature_names_in_) == list(mm.estimator_.feature_names_in_)
    assert dm.nobs == mm.nobs == 1500 and dm.partition_lengths == (170, 400, 30, 600, 300)
    assert type(dm.estimator_._fitted_objective()[0]).__name__ == "DaskBinaryLoss"  # fitted on the cluster
    np.testing.assert_allclose(dm.coef, mm.coef, rtol=0, atol=TOL)
    np.testing.assert_allclose(inference.standard_errors(dm), inference.standard_errors(mm), rtol=TOL)
    np.testing.assert_allclose(dm.conf_int(), mm.conf_int(), rtol=0, atol=TOL)
    assert list(dm.conf_int().index) == dm.param_names
    assert dm.loglike() == pytest.approx(mm.loglike(), rel=1e-12)
    s_dask, s_mem = dm.summary(), mm.summary()
    assert "C(region)[T.west]" in str(s_dask)
    pd.testing.assert_frame_equal(s_dask.to_frame(), s_mem.to_frame(), rtol=1e-7)
    wald = inference.wald_test(dm, "C(region)[T.north] = 0; C(region)[T.south] = 0")
    assert wald.statistic == pytest.approx(inference.wald_test(mm, "C(region)[T.north] = 0; "
                                                               "C(region)[T.south] = 0").statistic, rel=1e-8)


@pytest.mark.slow
def test_drop1_on_the_cluster_equals_in_memory(fitted):
    """drop1 re-optimises with each term held at zero: a few passes per term on the cluster
    (about 15 s here for the four terms: each pass costs a scheduler round trip)."""
    dm, mm, _, _ = fitted
    pd.testing.assert_frame_equal(dm.drop1(), mm.drop1(), rtol=1e-6)


def test_multinomial_text_labels_unknown_categories_and_expressions(client):
    pdf0 = _frame(seed=1)
    ddf = _dask(pdf0)
    # a categorical column with unknown categories (astype on dask): formulaic takes its
    # categories, which ddf.compute() unions in partition order
    ddf = ddf.assign(rc=ddf.region.astype("category"))
    assert not ddf.rc.cat.known
    pdf = ddf.compute()
    for formula in ("grade ~ x1 + rc", "I(x2 > 0) ~ x1 + C(x1 > 0.5) + np.log(w)"):
        dm, mm = logitlab.logit(formula, data=ddf), logitlab.logit(formula, data=pdf)
        assert dm.param_names == mm.param_names, formula
        np.testing.assert_array_equal(dm.estimator_.classes_, mm.estimator_.classes_)
        np.testing.assert_allclose(np.asarray(dm.coef), np.asarray(mm.coef), rtol=0, atol=TOL)
        np.testing.assert_allclose(inference.standard_errors(dm), inference.standard_errors(mm), rtol=TOL)
    assert dm.param_names == ["Intercept", "x1", "C(x1 > 0.5)[T.True]", "np.log(w)"]


# -- predictions -----------------------------------------------------------------------------
def test_lazy_predictions_equal_in_memory(fitted):
    dm, mm, ddf, pdf = fitted
    new = _dask(pdf, divisions=[0, 700, 1499])  # other partitions than the training frame
    for method in ("decision_function", "predict_proba", "predict"):
        lazy = getattr(dm, method)(new)
        assert isinstance(lazy, da.Array), method
        expected = getattr(mm, method)(pdf)
        if method == "predict":
            np.testing.assert_array_equal(lazy.compute(), expected)
        else:
            np.testing.assert_allclose(lazy.compute(), expected, rtol=0, atol=1e-10)
    # the training rows (with their offset), an offset for new rows, the lazy model matrix
    train = dm.decision_function()
    assert isinstance(train, da.Array)
    np.testing.assert_allclose(train.compute(), mm.decision_function(), rtol=0, atol=1e-10)
    with_off = dm.predict_proba(new, offset=new.off)
    np.testing.assert_allclose(with_off.compute(), mm.predict_proba(pdf, offset=pdf.off.to_numpy()), atol=1e-10)
    np.testing.assert_allclose(dm.predict_proba(new, offset="off").compute(), with_off.compute(), atol=1e-15)
    design = dm.model_matrix(new)
    assert isinstance(design, dd.DataFrame)
    pd.testing.assert_frame_equal(design.compute(), mm.model_matrix(pdf))
    # pandas in, numpy out (dask-fitted model); dask in, lazy out (in-memory model)
    np.testing.assert_allclose(dm.predict_proba(pdf.iloc[:20]), mm.predict_proba(pdf.iloc[:20]), atol=1e-10)
    np.testing.assert_allclose(mm.predict_proba(new).compute(), mm.predict_proba(pdf), atol=1e-12)


def test_new_data_errors_raise_when_computed(fitted):
    """Checks on new dask data run per partition when the result is computed (no extra pass)."""
    dm, mm, _, pdf = fitted
    new = pdf.iloc[:40].copy()
    new.loc[new.index[25:27], "region"] = "central"
    lazy = dm.predict_proba(dd.from_pandas(new, npartitions=2))
    with pytest.raises(DataError, match=r"new data \(partition 1\): column 'region' has level 'central' not seen "
                                        r"when fitting \(known levels: \['east', 'north', 'south', 'west'\]\)"):
        lazy.compute()
    with pytest.raises(DataError, match=r"^column 'region' has level 'central' not seen"):
        mm.predict_proba(new)  # in memory: the same message without the partition
    gaps = pdf.iloc[:40].copy()
    gaps.loc[gaps.index[[3, 5]], "x2"] = np.nan
    with pytest.raises(DataError, match=r"new data \(partition 0\): column 'x2' has 2 missing values \(of 20 rows\)"):
        dm.predict(dd.from_pandas(gaps, npartitions=2)).compute()
    with pytest.raises(DataError, match=r"new data: column \['x2'\] used by the formula is not in the dask"):
        dm.model_matrix(dd.from_pandas(pdf.drop(columns="x2"), npartitions=2))


# -- errors and refusals ---------------------------------------------------------------------
def test_missing_values_same_error_as_in_memory(client):
    bad = _frame(n=600, seed=2)
    bad.loc[bad.index[:3], "x2"] = np.nan
    bad.loc[bad.index[450], "region"] = None
    bad.loc[bad.index[10], "w"] = np.nan
    ddf = _dask(bad, divisions=[0, 200, 599])
    with pytest.raises(DataError) as mem:
        logitlab.logit(FORMULA, data=ddf.compute(), weights="w")
    with pytest.raises(DataError) as dsk:
        logitlab.logit(FORMULA, data=ddf, weights="w")
    assert str(dsk.value) == str(mem.value)
    assert str(dsk.value).startswith("data: column 'region' has 1 missing value, column 'x2' has 3 missing values, "
                                     "column 'w' has 1 missing value (of 600 rows)")
    inf = _frame(n=600, seed=2)
    inf.loc[inf.index[7], "x1"] = np.inf
    with pytest.raises(DataError, match=r"^data: column 'x1' has 1 infinite value \(of 600 rows\)"):
        logitlab.logit(FORMULA, data=_dask(inf, divisions=[0, 200, 599]))


def test_what_cannot_run_on_dask_is_refused_clearly(fitted):
    dm, mm, ddf, pdf = fitted
    with pytest.raises(ParameterError, match=r"marginal effects cannot be computed for a model fitted on a dask "
                                             r"dataframe.*marginal_effects\(ddf.sample\(frac=0.01\).compute\(\)\)"):
        dm.marginal_effects()
    with pytest.raises(ParameterError, match="marginal effects cannot be computed"):
        mm.marginal_effects(ddf)
    # over rows in memory it works, and equals the in-memory model's (same coefficients)
    rows = pdf.iloc[:300]
    np.testing.assert_allclose(dm.marginal_effects(rows).to_frame()[["effect", "std_err"]],
                               mm.marginal_effects(rows).to_frame()[["effect", "std_err"]], rtol=1e-6)
    for method, what in (("influence", "influence diagnostics"), ("dfbetas", "DFBETAS"),
                         ("hosmer_lemeshow", "the Hosmer-Lemeshow test")):
        with pytest.raises(ParameterError, match=rf"{what} cannot be computed .* data=ddf.compute\(\)"):
            getattr(dm, method)()


@pytest.mark.parametrize("formula, kw, error, match", [
    ("y ~ center(x1) + x2", {}, ParameterError, r"stateful transforms \['center\(x1\)'\].*ddf\['x_c'\]"),
    ("y ~ lag(x1)", {}, ParameterError, r"uses \['lag'\], which reads neighbouring rows"),
    ("y ~ x1 + x3", {}, DataError, "x3"),
    ("y ~ x1", dict(penalty="firth"), ParameterError, "penalty='firth' is not available for dask inputs"),
    ("y ~ x1", dict(weights="weight"), DataError, r"weights='weight' is not a column of data"),
])
def test_unsupported_formulas_and_options(client, formula, kw, error, match):
    with pytest.raises(error, match=match):
        logitlab.logit(formula, data=_dask(_frame(n=300), divisions=[0, 100, 299]), **kw)


def test_dask_series_is_not_a_frame(client):
    with pytest.raises(DataError, match="data must be a pandas or dask DataFrame"):
        logitlab.logit("y ~ x1", data=_dask(_frame(n=300), divisions=[0, 299]).x1)
