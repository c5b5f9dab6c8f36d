"""The multinomial loss's row-blocked passes (``_multinomial_loss``): value, gradient,
Hessian-vector product and Hessian from the class-major, two-thread blocks equal a direct dense
computation from the definitions (with weights, 1-d and 2-d offsets, both identifications, with
and without intercept; dense and sparse X), and handed-out probabilities stay valid.

Tolerances: the two computations differ only in summation order over 20,000 rows (relative
round-off ~1e-13); rtol 1e-9 leaves room, atol 1e-14 covers entries that are zero.
"""
import numpy as np
import pytest
import scipy.sparse as sp

from logitlab import _multinomial_loss
from logitlab._multinomial_loss import MultinomialLoss


def direct(X, y, w, K, fit_intercept, offset, reference, theta, v):
    """Value, gradient, Hessian-vector product and Hessian straight from the definitions."""
    n, d = X.shape
    p = d + fit_intercept
    B = theta.reshape(-1, p)
    V = v.reshape(-1, p)
    if reference:
        B, V = np.vstack([np.zeros(p), B]), np.vstack([np.zeros(p), V])
    Xt = np.column_stack([np.ones(n), X]) if fit_intercept else X
    eta = Xt @ B.T + (0 if offset is None else (offset if offset.ndim == 2 else offset[:, None]))
    P = np.exp(eta - eta.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    Y = np.eye(K)[y]
    s = w / w.sum()
    lse = np.log(np.exp(eta - eta.max(axis=1, keepdims=True)).sum(axis=1)) + eta.max(axis=1)
    f = s @ (lse - eta[np.arange(n), y])
    G = (s[:, None] * (P - Y)).T @ Xt
    U = Xt @ V.T
    R = s[:, None] * P * (U - (P * U).sum(axis=1, keepdims=True))
    Hv = R.T @ Xt
    k0 = int(reference)
    Hm = np.zeros(((K - k0) * p, (K - k0) * p))
    for a in range(k0, K):
        for b in range(k0, K):
            D = s * P[:, a] * ((a == b) - P[:, b])
            Hm[(a - k0) * p:(a - k0 + 1) * p, (b - k0) * p:(b - k0 + 1) * p] = Xt.T @ (D[:, None] * Xt)
    if fit_intercept and not reference:  # the symmetric form's anchor (sum b)^2 / (2K)
        f += 0.5 * B[:, 0].sum() ** 2 / K
        G[:, 0] += B[:, 0].sum() / K
        Hv[:, 0] += V[:, 0].sum() / K
        Hm[np.ix_(np.arange(0, K * p, p), np.arange(0, K * p, p))] += 1.0 / K
    return f, G[k0:].ravel(), Hv[k0:].ravel(), Hm


@pytest.mark.parametrize("reference", [False, True], ids=["symmetric", "reference"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weights,offset", [("unit", None), ("random", "1d"), ("random", "2d")])
def test_blocked_two_thread_passes_equal_the_direct_computation(reference, fit_intercept, weights, offset):
    rng = np.random.default_rng(9)
    n, d, K = 20_000, 20, 5
    assert n >= 2 * _multinomial_loss._BLOCK and n * d * K >= _multinomial_loss._THREADED_MIN_WORK
    X = rng.standard_normal((n, d))
    y = rng.integers(0, K, n)
    w = np.ones(n) if weights == "unit" else rng.uniform(0.2, 2.0, n)
    off = {None: None, "1d": rng.normal(size=n), "2d": rng.normal(size=(n, K))}[offset]
    loss = MultinomialLoss(X, y, w, K, fit_intercept, off, reference=reference)
    theta = rng.standard_normal(loss.n_params) * 0.3
    v = rng.standard_normal(loss.n_params)
    f, g, Hv, Hm = direct(X, y, w, K, fit_intercept, off, reference, theta, v)
    assert loss.value(theta) == pytest.approx(f, rel=1e-12)
    np.testing.assert_allclose(loss.grad(theta), g, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(loss.hessp(theta, v), Hv, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(loss.hessian(theta), Hm, rtol=1e-9, atol=1e-14)
    idx = np.arange(1, loss.n_params, 3)
    np.testing.assert_allclose(loss.hessian(theta, idx), Hm[np.ix_(idx, idx)], rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(loss.proba(theta).sum(axis=1), 1.0, rtol=1e-14)
    # the sparse path (one block, no threads) gives the same numbers
    sparse = MultinomialLoss(sp.csr_matrix(X), y, w, K, fit_intercept, off, reference=reference)
    assert sparse.value(theta) == pytest.approx(f, rel=1e-12)
    np.testing.assert_allclose(sparse.grad(theta), g, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(sparse.hessp(theta, v), Hv, rtol=1e-9, atol=1e-14)


def test_probabilities_are_kept_per_theta():
    """A probability array handed out stays valid after the loss moves on to another theta."""
    rng = np.random.default_rng(10)
    X, y = rng.standard_normal((500, 3)), rng.integers(0, 3, 500)
    loss = MultinomialLoss(X, y, np.ones(500), 3)
    t1, t2 = np.zeros(loss.n_params), np.full(loss.n_params, 0.1)
    P1 = loss.proba(t1)
    kept = P1.copy()
    loss.value(t2)
    np.testing.assert_array_equal(P1, kept)
    np.testing.assert_allclose(P1, 1 / 3)
