"""Pathologies handled, not hidden: separation (binary and multinomial, complete and
quasi-complete), fits on separated data that stop at a finite point, aliased (collinear or
constant) columns refused by name, and the public ``check_separation``.

Reference: endometrial.csv is Heinze and Schemper (2002)'s example, where NV = 1 occurs only
with HG = 1 (quasi-complete separation by NV; DESIGN.md section 7).
"""
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from logitlab import DataError, LogisticRegression, SeparationResult, SeparationWarning, check_separation

REF = Path(__file__).parent / "reference"


def endometrial():
    df = pd.read_csv(REF / "endometrial.csv")
    return df[["NV", "PI", "EH"]], df["HG"]


def test_endometrial_warning_names_nv():
    X, y = endometrial()
    n_nv = int((X["NV"] == 1).sum())  # those rows are all HG = 1: the perfectly predicted rows
    assert n_nv > 0 and y[X["NV"] == 1].eq(1).all()
    with pytest.warns(SeparationWarning) as rec:
        m = LogisticRegression().fit(X, y)
    msg = str(rec[0].message)
    assert "quasi-complete separation" in msg and "[NV]" in msg
    assert f"{n_nv} of {len(y)} rows" in msg
    assert "penalty='firth'" in msg and "penalty='l2'" in msg
    assert m.separation_.status == "quasi-complete" and m.separation_.features == ["NV"]
    # stops at a finite point, quickly, with the other coefficients estimable
    assert np.all(np.isfinite(m.coef_)) and m.n_iter_[0] < 100
    # Firth gives finite estimates without any warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = LogisticRegression(penalty="firth").fit(X, y)
    assert f.converged_ and abs(f.coef_[0, 0]) < 10


def test_check_separation_public_function():
    X, y = endometrial()
    r = check_separation(X, y)
    assert isinstance(r, SeparationResult) and r.separated and r.features == ["NV"]
    assert r.n_rows == len(y) and r.n_perfect == int((X["NV"] == 1).sum())
    # arrays get x0.. names, or the names given
    assert check_separation(X.to_numpy(), y.to_numpy()).features == ["x0"]
    assert check_separation(X.to_numpy(), y.to_numpy(), feature_names=["a", "b", "c"]).features == ["a"]
    # dropping the separating column removes the separation
    assert check_separation(X[["PI", "EH"]], y).status == "none"
    assert check_separation(X[["PI", "EH"]], y).message() == "no separation"
    # zero-weight rows do not count: weighting out the NV rows leaves no separation
    w = (X["NV"] == 0).astype(float)
    assert check_separation(X, y, sample_weight=w).status == "none"


def test_complete_and_quasi_complete_cases():
    x = np.array([[-3.0], [-2.0], [-1.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 0, 1, 1, 1])
    assert check_separation(x, y).status == "complete"
    # a tie at x = 0 with both classes: only quasi-complete
    xq = np.vstack([x, [[0.0], [0.0]]])
    yq = np.r_[y, 0, 1]
    r = check_separation(xq, yq)
    assert r.status == "quasi-complete" and r.n_perfect == 6 and r.n_rows == 8
    # overlapping classes: none
    assert check_separation(np.array([[0.0], [1], [2], [3]]), np.array([0, 1, 0, 1])).status == "none"
    # without an intercept the direction must pass through the origin
    assert check_separation(x + 10, y, fit_intercept=False).status == "none"
    assert check_separation(x, y, fit_intercept=False).status == "complete"


@pytest.mark.parametrize("solver", ["newton", "lbfgs", "cd", "gd"])
def test_unpenalised_fit_on_separated_data_stops_at_finite_point(solver):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)  # completely separated
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        m = LogisticRegression(solver=solver).fit(X, y)
    cats = [w.category for w in rec]
    assert SeparationWarning in cats
    assert m.separation_.status == "complete" and set(m.separation_.features) == {"x0", "x1"}
    assert np.all(np.isfinite(m.coef_)) and np.all(np.isfinite(m.intercept_))
    # bounded work: never more than the solver's default budget (nothing hangs)
    assert m.n_iter_[0] <= {"newton": 100, "cd": 100, "lbfgs": 1000, "gd": 1000}[solver]
    assert np.all(np.isfinite(m.predict_proba(X)))


def test_divergence_triggers_the_check_when_skipped_up_front():
    X = np.array([[-3.0], [-2.0], [-1.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 0, 1, 1, 1])
    with pytest.warns(SeparationWarning):
        LogisticRegression(check_separation="auto").fit(X, y)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        m = LogisticRegression(check_separation=False).fit(X, y)
    assert m.separation_ is None and not any(w.category is SeparationWarning for w in rec)
    assert np.all(np.isfinite(m.coef_))


def test_penalised_fits_are_not_checked():
    X, y = endometrial()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = LogisticRegression(penalty="l2").fit(X, y)
    assert m.separation_ is None


def test_multinomial_separation():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(90, 2))
    y = np.where(X[:, 0] > 1.0, 2, rng.integers(0, 2, size=90))  # class 2 <=> x0 > 1
    r = check_separation(X, y)
    assert r.separated and "x0" in r.features
    with pytest.warns(SeparationWarning, match="separation"):
        m = LogisticRegression().fit(X, y)
    assert np.all(np.isfinite(m.coef_))
    # not separated when class 2 overlaps the others
    y2 = rng.integers(0, 3, size=90)
    assert check_separation(X, y2).status == "none"


def test_ovr_separation_names_the_class():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(90, 2))
    y = np.where(X[:, 0] > 1.0, "c", np.where(rng.uniform(size=90) < 0.5, "a", "b"))
    with pytest.warns(SeparationWarning, match="class 'c' vs rest"):
        LogisticRegression(multiclass="ovr").fit(X, y)


@pytest.mark.parametrize("penalty", [None, "firth"])
def test_collinear_and_constant_columns_named(penalty):
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"a": rng.normal(size=50), "b": rng.normal(size=50)})
    df["a_plus_b"] = df["a"] + 2 * df["b"]
    df["const"] = 3.0
    y = rng.integers(0, 2, size=50)
    m = LogisticRegression(penalty=penalty)
    with pytest.raises(DataError) as err:
        m.fit(df, y)
    msg = str(err.value)
    assert "2 aliased columns" in msg
    assert "'a_plus_b' is a linear combination of" in msg and "'a'" in msg and "'b'" in msg
    assert "'const' is constant" in msg
    assert "penalty='l2'" in msg  # what to do
    assert not hasattr(m, "coef_")
    # numpy input: positional names
    with pytest.raises(DataError, match="'x2' is a linear combination"):
        LogisticRegression(penalty=penalty).fit(df.to_numpy(), y)


def test_aliased_columns_accepted_with_a_penalty():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(50, 2))
    X = np.column_stack([X, X[:, 0]])
    y = rng.integers(0, 2, size=50)
    m = LogisticRegression(penalty="l2").fit(X, y)
    assert m.coef_[0, 0] == pytest.approx(m.coef_[0, 2], rel=1e-6)  # the ridge splits them equally
    # without an intercept a constant column is a legitimate regressor
    LogisticRegression(fit_intercept=False).fit(np.column_stack([np.ones(50), rng.normal(size=50)]), y)


def _aliased_by_least_squares(X, w):
    """The definition, computed independently: column j is aliased when its weighted residual
    variance after least squares on the intercept and the kept columns before it is below
    1e-9 of its centred variance; the relation's coefficients are that fit's slopes."""
    sw = np.sqrt(w / w.sum())
    kept, aliased = [], []
    for j in range(X.shape[1]):
        A = sw[:, None] * np.column_stack([np.ones(len(X)), X[:, kept]])
        coef, *_ = np.linalg.lstsq(A, sw * X[:, j], rcond=None)
        centred = sw * (X[:, j] - np.average(X[:, j], weights=w))
        resid = sw * X[:, j] - A @ coef
        if resid @ resid <= 1e-9 * (centred @ centred) or centred @ centred <= 1e-9 * np.average(X[:, j] ** 2, weights=w):
            aliased.append((j, dict(zip(kept, coef[1:]))))
        else:
            kept.append(j)
    return aliased


@pytest.mark.parametrize("relations", [0, 1, 4])
def test_aliased_columns_match_their_definition(relations):
    """``find_aliased`` (one Cholesky factorisation when the design has full rank, a factor
    grown column by column otherwise) against least squares column by column: the same columns
    and the same relations, in the user's order."""
    from logitlab._design import find_aliased

    rng = np.random.default_rng(relations)
    X = rng.standard_normal((300, 40)) * rng.uniform(0.1, 100.0, 40)
    for k in range(relations):  # a column rebuilt from earlier ones, and a constant column
        j = 10 + 7 * k
        X[:, j] = X[:, j - 3] - 2.5 * X[:, j - 9] + 0.5
        X[:, j + 2] = 4.0 - k
    w = rng.uniform(0.5, 2.0, 300)
    found, expected = find_aliased(X, w), _aliased_by_least_squares(X, w)
    assert [j for j, _ in found] == [j for j, _ in expected]
    assert len(found) == 2 * relations
    for (_, rel), (_, ref) in zip(found, expected):
        if rel:  # a linear relation (a constant column has none)
            assert rel.keys() == ref.keys()
            assert np.allclose(list(rel.values()), list(ref.values()), atol=1e-8)


def test_sparse_designs_are_checked_without_densifying():
    """Sparse X: the collinearity check forms X^T W X from the sparse matrix (the same answer as
    dense); beyond 2,000 columns only constant and empty columns are found, from column counts."""
    import scipy.sparse as sp

    from logitlab._design import _SPARSE_GRAM_MAX_COLUMNS, find_aliased

    rng = np.random.default_rng(3)
    X = sp.random(400, 30, density=0.3, format="csr", random_state=4)
    X = sp.hstack([X, X[:, [2]] + 2 * X[:, [5]], sp.csr_matrix(np.full((400, 1), 3.0))]).tocsr()
    w = rng.uniform(0.5, 2.0, 400)
    sparse, dense = find_aliased(X, w), find_aliased(X.toarray(), w)
    assert [j for j, _ in sparse] == [j for j, _ in dense] == [30, 31]
    assert sparse[0][1] == pytest.approx(dense[0][1])
    d = _SPARSE_GRAM_MAX_COLUMNS + 10
    wide = sp.random(3000, d, density=5 / d, format="lil", random_state=5)
    wide[:, 7] = 0.0          # empty
    wide[:, 11] = 2.5         # constant on every row
    wide[:, 13] = 0.0
    wide[:5, 13] = 1.0        # not constant
    wide = wide.tocsr()
    found = [j for j, _ in find_aliased(wide, np.ones(3000))]
    assert 7 in found and 11 in found and 13 not in found
    assert all(wide[:, j].nnz == 0 or j == 11 for j in found)
    y = rng.integers(0, 2, 3000)
    with pytest.raises(DataError, match="'x11' is constant"):
        LogisticRegression().fit(wide, y)
