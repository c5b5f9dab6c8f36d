"""Coordinate descent on wide data (more columns than rows): the weighted design columns that
factor the losses' Hessians, and the inner solver on singular working sets."""
import numpy as np
import pytest
import scipy.sparse as sp

from logitlab import _columns
from logitlab._fit import FitSpec, build_loss, build_objective
from logitlab._links import get_link
from logitlab._loss import BinaryLoss
from logitlab._multinomial_loss import MultinomialLoss
from logitlab.solvers import _quadratic


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


# -- the inner solver -----------------------------------------------------------------------
@pytest.mark.parametrize("direct", [True, False], ids=["cholesky", "cg"])
def test_inner_solver_reaches_tolerance_on_a_singular_working_set(direct, monkeypatch):
    # repeated columns (hashed data) make H = A^T A singular; the smooth gradient is A^T v, as
    # a loss's is, so the model is bounded below
    if not direct:
        monkeypatch.setattr(_quadratic, "_DIRECT_MAX", 0)
    rng = np.random.default_rng(7)
    n, m = 25, 60
    A = rng.normal(size=(n, m // 2)) / np.sqrt(n)
    A = np.hstack([A, A])
    model = _quadratic.GramModel(A.T @ A)
    theta = np.where(rng.uniform(size=m) < 0.3, rng.normal(size=m), 0.0)
    g = A.T @ rng.normal(size=n)
    l1 = np.full(m, 0.3)
    l1[0] = 0.0  # an unpenalised coordinate, as the intercept
    d = _quadratic.minimise(model, g, theta, l1, tol=1e-12)
    residual = _quadratic._violations(g + A.T @ (A @ d), theta + d, l1)
    assert residual.max() <= 1e-11  # (the model's own sums drift from A^T A d by ~1e-16)
    assert np.any(theta + d == 0) and np.any(theta + d != 0)  # exact zeros
