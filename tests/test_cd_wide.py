"""Coordinate descent on wide data (more columns than rows): the weighted design columns behind
the residual-space model, the rule that picks it, agreement of both forms of the model with each
other and with scikit-learn, and the inner solver on singular working sets.

Problems are small (n = 30-40 rows, 120-200 columns, a few dozen non-zero coefficients) so that
saga reaches tol=1e-10 in about a second; the working set then outgrows the rows within a few
iterations, which is when ``cd`` switches to the residual form.
"""
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression as SkLR

from logitlab import LogisticRegression
from logitlab import _columns
from logitlab._fit import FitSpec, build_loss, build_objective
from logitlab._links import get_link
from logitlab._loss import BinaryLoss
from logitlab._multinomial_loss import MultinomialLoss
from logitlab._objective import objective_value
from logitlab.solvers import _quadratic, cd

TOL = 1e-10
PEN = {"l1": 1.0, "elasticnet": 0.5}


def wide(n=40, d=120, K=2, sparse=False, seed=0):
    """n x d standard normal (80% zeros when sparse), 4 informative columns."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if sparse:
        X[rng.uniform(size=X.shape) < 0.8] = 0.0
    B = np.zeros((K if K > 2 else 1, d))
    B[:, :4] = 2 * rng.normal(size=(B.shape[0], 4))
    eta = X @ B.T
    if K == 2:
        y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta[:, 0]))).astype(int)
    else:
        y = np.argmax(eta + rng.gumbel(size=eta.shape), axis=1)
    return (sp.csr_matrix(X) if sparse else X), y


def objective_of(X, y, penalty, alpha, l1_ratio):
    K = np.unique(y).size
    spec = FitSpec(penalty=penalty, alpha=alpha, l1_ratio=l1_ratio)
    loss = build_loss(X, y.astype(float) if K == 2 else y, np.ones(len(y)), None, spec, K)
    return build_objective(loss, spec), loss


def kkt(m, X, y):
    obj, loss = objective_of(X, y, m.penalty_, m.alpha_, m.l1_ratio)
    return obj.kkt_residual(loss.pack(m.coef_, m.intercept_))


@pytest.fixture
def spy(monkeypatch):
    """The forms of the quadratic model ``cd`` chose, one entry per outer iteration."""
    used = []
    rule = cd._by_columns

    def watched(objective, ws):
        used.append(rule(objective, ws))
        return used[-1]

    monkeypatch.setattr(cd, "_by_columns", watched)
    return used


# -- the weighted design columns ------------------------------------------------------------
def losses(sparse, fit_intercept):
    rng = np.random.default_rng(1)
    n, d = 30, 12
    X = rng.normal(size=(n, d))
    X[rng.uniform(size=(n, d)) < 0.6] = 0.0
    X = sp.csr_matrix(X) if sparse else X
    w = rng.uniform(0.5, 2.0, size=n)  # unequal weights: s enters the columns
    y = (rng.uniform(size=n) < 0.5).astype(float)
    for link in ("logit", "probit", "cloglog"):
        yield BinaryLoss(X, y, w, get_link(link), fit_intercept)
    for K, reference in ((3, False), (3, True), (4, False)):
        yield MultinomialLoss(X, rng.integers(K, size=n), w, K, fit_intercept, None, reference)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("stored", ["dense", "sparse"])
def test_hessian_columns_factor_the_hessian(sparse, fit_intercept, stored, monkeypatch):
    if stored == "sparse":  # as on large data: no dense copy of a sparse A
        monkeypatch.setattr(_columns, "_DENSE_MAX_ENTRIES", 0)
    rng = np.random.default_rng(2)
    for loss in losses(sparse, fit_intercept):
        theta = 0.3 * rng.normal(size=loss.n_params)
        for idx in (np.arange(loss.n_params), np.array([0, 3, 5]), np.array([2, 7]),
                    np.arange(0, loss.n_params, 3)):
            A = loss.hessian_columns(theta, idx)
            assert type(A) is (_columns.SparseColumns if sparse and stored == "sparse" else _columns.DenseColumns)
            assert A.size == idx.size and A.n_rows == loss.column_rows
            H = loss.hessian(theta, idx)
            np.testing.assert_allclose(A.gram(), H, rtol=1e-12, atol=1e-14)  # one formula, two sums
            np.testing.assert_allclose(A.sq_norms(), np.diag(H), rtol=1e-12, atol=1e-14)
            u, x = rng.normal(size=A.n_rows), rng.normal(size=idx.size)
            np.testing.assert_allclose([A.dot(j, u) for j in range(idx.size)], A.rmatvec(u), rtol=1e-12)
            v = np.zeros(A.n_rows)
            for j in range(idx.size):
                A.axpy(j, x[j], v)
            np.testing.assert_allclose(v, A.matvec(x), rtol=1e-12, atol=1e-14)
            half = np.arange(0, idx.size, 2)
            np.testing.assert_allclose(A.restrict(half).gram(), H[np.ix_(half, half)], rtol=1e-12, atol=1e-14)
            if type(A) is _columns.SparseColumns:  # the count the rule uses, before A is formed
                assert loss.column_entries(idx) == A.At.nnz


def test_objective_columns_add_the_penalty_curvature():
    X, y = wide()
    obj, loss = objective_of(X, y, "elasticnet", 0.05, 0.5)
    theta = 0.1 * np.random.default_rng(3).normal(size=obj.n_params)
    idx = np.array([0, 1, 4, 9, 50])
    A, c = obj.hessian_columns(theta, idx)
    np.testing.assert_allclose(A.gram() + np.diag(c), obj.hessian(theta, idx), rtol=1e-12, atol=1e-15)
    assert c[0] == 0 and np.all(c[1:] == 0.025)  # the intercept is not penalised


def test_rule_picks_the_columns_where_they_are_smaller_than_the_hessian():
    X, y = wide(n=40, d=120)
    obj, _ = objective_of(X, y, "l1", 0.05, 1.0)
    assert not cd._by_columns(obj, np.arange(40)) and cd._by_columns(obj, np.arange(41))  # m x n < m^2
    obj3, _ = objective_of(X, np.arange(40) % 3, "l1", 0.05, 1.0)
    assert obj3.column_rows == 3 * 40 + 1  # (row, class) pairs and the intercepts' anchor
    # m n K entries, and one in the anchor's row per intercept (here the first parameter's)
    assert obj3.column_entries(np.arange(121)) == 121 * 120 + 1
    assert not cd._by_columns(obj3, np.arange(120)) and cd._by_columns(obj3, np.arange(121))
    # sparse X: the columns' non-zeros decide, so a tall design with short columns qualifies
    rng = np.random.default_rng(4)
    Xs = sp.random(5000, 400, density=0.002, format="csr", random_state=5)
    objs, _ = objective_of(Xs, (rng.uniform(size=5000) < 0.5).astype(int), "l1", 0.01, 1.0)
    ws = np.arange(1, 201)  # no intercept column (it would hold n entries)
    assert objs.column_entries(ws) == Xs[:, ws - 1].nnz < ws.size ** 2 and cd._by_columns(objs, ws)
    assert not cd._by_columns(objs, np.arange(0, 50))  # with the intercept: 5000 > 50^2

    class NoColumns:  # an objective without columns (Dask's) always forms the Hessian
        column_rows = None

    assert not cd._by_columns(NoColumns(), np.arange(10 ** 6))


# -- fits -----------------------------------------------------------------------------------
CASES = [(K, sparse, penalty) for K in (2, 3) for sparse in (False, True) for penalty in PEN]


def case_data(K, sparse):
    # multinomial on dense data: fewer rows, so that the working set outgrows n K + 1
    return wide(n=30, d=200, K=3) if K == 3 and not sparse else wide(K=K, sparse=sparse)


def fit_by(form, X, y, penalty, monkeypatch, alpha=0.02):
    """A fit with the model by columns, by the Hessian, or as ``cd``'s rule says ('auto')."""
    with monkeypatch.context() as patch:
        if form != "auto":
            patch.setattr(cd, "_by_columns", lambda objective, ws: form == "columns")
        m = LogisticRegression(penalty=penalty, alpha=alpha, l1_ratio=PEN[penalty], tol=TOL).fit(X, y)
    assert m.fit_result_.solver == "cd" and m.converged_ and kkt(m, X, y) <= TOL
    return m


@pytest.mark.parametrize("K,sparse,penalty", CASES)
def test_wide_fits_agree_with_sklearn_saga(K, sparse, penalty, spy, monkeypatch):
    X, y = case_data(K, sparse)
    alpha = 0.02
    auto = fit_by("auto", X, y, penalty, monkeypatch)
    # the rule switched to the columns once the working set outgrew the rows (on dense
    # multinomial data the working set stays below n K + 1 here: the forced fit covers it)
    assert any(spy) or (K == 3 and not sparse)
    ref = SkLR(C=1 / (alpha * len(y)), l1_ratio=PEN[penalty], solver="saga", tol=1e-10,
               max_iter=1_000_000).fit(X, y)
    f_ref = objective_value(X, y, ref.coef_, ref.intercept_, penalty, alpha, PEN[penalty])
    for m in (auto, fit_by("columns", X, y, penalty, monkeypatch), fit_by("hessian", X, y, penalty, monkeypatch)):
        # saga at tol=1e-10 ends within ~1e-14 of the optimum in objective and ~3e-7 in
        # coefficients (these Gaussian designs are in general position: the solution is unique)
        assert m.objective_ <= f_ref * (1 + 1e-12) and m.objective_ == pytest.approx(f_ref, rel=1e-8)
        np.testing.assert_allclose(m.coef_, ref.coef_, atol=1e-5)
        np.testing.assert_allclose(m.intercept_, ref.intercept_, atol=1e-5)
        assert np.count_nonzero(m.coef_) < m.coef_.size / 2  # sparse, with exact zeros


@pytest.mark.parametrize("K,sparse,penalty", CASES)
def test_residual_and_gram_forms_reach_the_same_optimum(K, sparse, penalty, monkeypatch):
    X, y = case_data(K, sparse)
    a, b = (fit_by(form, X, y, penalty, monkeypatch) for form in ("columns", "hessian"))
    assert a.objective_ == pytest.approx(b.objective_, rel=1e-13)
    # a KKT residual of 1e-10 pins the coefficients to ~1e-8 on these problems
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-7)
    np.testing.assert_array_equal(a.coef_ == 0, b.coef_ == 0)


def test_wide_l2_by_columns_solves_the_whole_face():
    # l2 through cd: every coordinate is free, the face is the whole working set (d + 1 > n)
    X, y = wide(n=30, d=150)
    m = LogisticRegression(penalty="l2", alpha=0.05, solver="cd", tol=TOL).fit(X, y)
    ref = LogisticRegression(penalty="l2", alpha=0.05, solver="newton", tol=TOL).fit(X, y)
    assert kkt(m, X, y) <= TOL
    np.testing.assert_allclose(m.coef_, ref.coef_, rtol=1e-7, atol=1e-9)


# -- the inner solver -----------------------------------------------------------------------
@pytest.mark.parametrize("form", ["gram", "residual"])
@pytest.mark.parametrize("direct", [True, False], ids=["cholesky", "cg"])
def test_inner_solver_reaches_tolerance_on_a_singular_working_set(form, direct, monkeypatch):
    # repeated columns (hashed data) make H = A^T A singular; the smooth gradient is A^T v, as
    # a loss's is, so the model is bounded below
    if not direct:
        monkeypatch.setattr(_quadratic, "_DIRECT_MAX", 0)
    rng = np.random.default_rng(7)
    n, m = 25, 60
    A = rng.normal(size=(n, m // 2)) / np.sqrt(n)
    A = np.hstack([A, A])
    model = _quadratic.GramModel(A.T @ A) if form == "gram" else \
        _quadratic.ResidualModel(_columns.DenseColumns(A.T), np.zeros(m))
    theta = np.where(rng.uniform(size=m) < 0.3, rng.normal(size=m), 0.0)
    g = A.T @ rng.normal(size=n)
    l1 = np.full(m, 0.3)
    l1[0] = 0.0  # an unpenalised coordinate, as the intercept
    d = _quadratic.minimise(model, g, theta, l1, tol=1e-12)
    residual = _quadratic._violations(g + A.T @ (A @ d), theta + d, l1)
    assert residual.max() <= 1e-11  # (the model's own sums drift from A^T A d by ~1e-16)
    assert np.any(theta + d == 0) and np.any(theta + d != 0)  # exact zeros
