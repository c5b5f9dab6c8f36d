"""logitlab.Scorecard: scaling identities, exact decomposition of the score into feature
points, exact map back to the model's log-odds, reason codes by brute force, export, bad input."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from logitlab import DataError, DataTypeError, LogisticRegression, ParameterError, Scorecard

NAMES = ["income", "age", "utilisation", "late_payments"]


@pytest.fixture(scope="module")
def credit():
    rng = np.random.default_rng(21)
    n = 1500
    X = pd.DataFrame({
        "income": rng.uniform(1, 10, n),            # bounded features
        "age": rng.uniform(18, 80, n),
        "utilisation": rng.uniform(0, 1, n),
        "late_payments": rng.integers(0, 6, n).astype(float),
    })
    eta = -1.0 - 0.3 * X.income - 0.02 * X.age + 2.0 * X.utilisation + 0.5 * X.late_payments
    y = np.where(rng.random(n) < expit(eta), "bad", "good")   # classes_ = [bad, good]
    model = LogisticRegression().fit(X, y)
    return model, X


def test_scaling_anchor_and_points_to_double_the_odds(credit):
    model, X = credit
    sc = Scorecard(model, points0=600, odds0=50, pdo=20, reference=X, bad_class="bad")
    assert sc.factor == pytest.approx(20 / math.log(2), abs=1e-12)
    assert sc.offset == pytest.approx(600 - 20 / math.log(2) * math.log(50), abs=1e-12)
    # points0 <=> good:bad odds 50;  points0 + pdo <=> odds 100 (the definition of the scale)
    for score, odds in ((600, 50), (620, 100), (580, 25)):
        eta = sc.score_to_log_odds(score)     # log-odds of classes_[1] = "good" here
        assert math.exp(eta) == pytest.approx(odds, rel=1e-12)


@pytest.mark.parametrize("bad_class", ["bad", "good"])
def test_points_rise_with_good_bad_odds(credit, bad_class):
    model, X = credit
    sc = Scorecard(model, reference=X, bad_class=bad_class)
    p_bad = model.predict_proba(X)[:, list(model.classes_).index(bad_class)]
    order = np.argsort(p_bad)
    assert np.all(np.diff(sc.score(X)[order]) <= 1e-9)     # more risk, fewer points


@pytest.mark.parametrize("baseline", ["mean", "best"])
def test_points_sum_to_score_and_map_back_to_log_odds(credit, baseline):
    model, X = credit
    sc = Scorecard(model, bad_class="bad", reference=X, baseline=baseline)
    pts = sc.points(X)
    total = pts["baseline_score"] + pts[NAMES].sum(axis=1)
    # sums of four terms of size ~100: rounding error ~1e-13
    np.testing.assert_allclose(total, pts["score"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(pts["score"], sc.score(X), rtol=0, atol=1e-10)
    # exact map back: the model's own decision_function, to rounding error
    np.testing.assert_allclose(sc.score_to_log_odds(sc.score(X)), model.decision_function(X),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        sc.score(X), sc.offset + sc.factor * sc.sign * model.decision_function(X),
        rtol=1e-13, atol=1e-9)


def test_mean_baseline_is_the_average_row(credit):
    model, X = credit
    sc = Scorecard(model, bad_class="bad", reference=X, baseline="mean")
    np.testing.assert_allclose(sc.baseline_values, X.mean().to_numpy(), rtol=1e-14)
    assert sc.baseline_score == pytest.approx(sc.score(X.mean().to_frame().T)[0], abs=1e-9)
    # relative to the mean, feature points average to zero over the reference data
    np.testing.assert_allclose(sc.points(X)[NAMES].mean(), 0.0, atol=1e-9)


def test_best_baseline_is_the_best_attainable_score(credit):
    model, X = credit
    bounds = {"late_payments": (0, 10)}          # explicit bound overrides the observed range
    sc = Scorecard(model, bad_class="bad", reference=X, baseline="best", bounds=bounds)
    lo = X.min().to_numpy().copy()
    hi = X.max().to_numpy().copy()
    lo[3], hi[3] = 0, 10
    corners = np.array(list(itertools.product(*zip(lo, hi))))   # the linear score peaks at a corner
    assert sc.baseline_score == pytest.approx(sc.score(corners).max(), abs=1e-9)
    assert (sc.points(X)[NAMES].to_numpy() <= 1e-9).all()      # no feature beats the best
    table = sc.table()
    assert table.loc[3, "upper"] == 10
    assert (table[["points_at_lower", "points_at_upper"]].max(axis=1).abs() < 1e-9).all()


@pytest.mark.parametrize("baseline", ["mean", "best"])
def test_reason_codes_match_brute_force(credit, baseline):
    model, X = credit
    sc = Scorecard(model, bad_class="bad", reference=X, baseline=baseline)
    rc = sc.reason_codes(X.iloc[:200], k=3)
    w = sc.factor * sc.sign * model.coef_[0]
    for i in range(200):
        x = X.iloc[i].to_numpy()
        losses = {n: w[j] * sc.baseline_values[j] - w[j] * x[j] for j, n in enumerate(NAMES)}
        expected = sorted((n for n in NAMES if losses[n] > 0), key=lambda n: -losses[n])[:3]
        got = [rc.iloc[i][f"reason_{r}"] for r in (1, 2, 3)]
        got = [g for g in got if isinstance(g, str)]
        assert got == expected
        for r, name in enumerate(expected, start=1):
            assert rc.iloc[i][f"points_lost_{r}"] == pytest.approx(losses[name], abs=1e-9)
        # losses are exactly minus the feature points of that row
        for r, name in enumerate(expected, start=1):
            assert rc.iloc[i][f"points_lost_{r}"] == pytest.approx(-sc.points(X.iloc[[i]])[name].iloc[0],
                                                                   abs=1e-9)


def test_table_and_csv_round_trip(credit, tmp_path):
    model, X = credit
    sc = Scorecard(model, bad_class="bad", reference=X, points0=500, odds0=20, pdo=40)
    table = sc.table()
    assert list(table["feature"]) == NAMES
    np.testing.assert_allclose(table["points_per_unit"], sc.factor * sc.sign * model.coef_[0])
    assert table.attrs["points_rise_with"] == "good:bad odds"
    path = tmp_path / "card.csv"
    sc.to_csv(path)
    back = pd.read_csv(path, comment="#")
    pd.testing.assert_frame_equal(back, table, check_exact=False, rtol=1e-12)
    header = [line for line in path.read_text().splitlines() if line.startswith("#")]
    assert "# pdo=40.0" in header and "# points0=500.0" in header


def test_arrays_without_names(credit):
    model, X = credit
    sc = Scorecard(model, reference=X.to_numpy(), feature_names=None)
    assert sc.feature_names == NAMES          # from the model's feature_names_in_
    np.testing.assert_allclose(sc.score(X.to_numpy()), sc.score(X), atol=1e-12)


def test_bad_scorecard_input(credit):
    model, X = credit
    rng = np.random.default_rng(0)
    m3 = LogisticRegression().fit(rng.normal(size=(90, 2)), np.repeat([0, 1, 2], 30))
    with pytest.raises(ParameterError, match="binary"):
        Scorecard(m3, reference=rng.normal(size=(5, 2)))
    y_sim = np.where(rng.random(len(X)) < model.predict_proba(X)[:, 0], "bad", "good")
    probit = LogisticRegression(link="probit").fit(X, y_sim)
    with pytest.raises(ParameterError, match="link='probit'"):
        Scorecard(probit, reference=X)
    with pytest.raises(ParameterError, match="unknown baseline 'median'"):
        Scorecard(model, reference=X, baseline="median")
    with pytest.raises(ParameterError, match="needs reference"):
        Scorecard(model)
    with pytest.raises(ParameterError, match="finite bounds"):
        Scorecard(model, baseline="best", bounds={"income": (1, 10)})
    with pytest.raises(ParameterError, match="unknown feature"):
        Scorecard(model, reference=X, baseline="best", bounds={"salary": (0, 1)})
    with pytest.raises(ParameterError, match="lower"):
        Scorecard(model, reference=X, baseline="best", bounds={"income": (10, 1)})
    for kw in ({"pdo": 0}, {"pdo": -20}, {"odds0": 0}, {"odds0": float("inf")},
               {"points0": float("nan")}):
        with pytest.raises(ParameterError):
            Scorecard(model, reference=X, **kw)
    with pytest.raises(ParameterError, match="bad_class"):
        Scorecard(model, reference=X, bad_class="ugly")
    with pytest.raises(DataError, match="empty"):
        Scorecard(model, reference=X.iloc[:0])
    sc = Scorecard(model, reference=X)
    Xn = X.copy()
    Xn.iloc[7, 2] = np.nan
    with pytest.raises(DataError, match="NaN"):
        sc.score(Xn)
    with pytest.raises(DataError, match="lacks column"):
        sc.points(X.drop(columns="age"))
    with pytest.raises(DataError, match="shape"):
        sc.score(X.to_numpy()[:, :3])
    with pytest.raises(DataTypeError, match="numeric"):
        sc.score(np.array([["a", "b", "c", "d"]]))
    with pytest.raises(ParameterError, match="k must be"):
        sc.reason_codes(X, k=0)
