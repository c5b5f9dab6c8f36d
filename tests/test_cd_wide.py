"""Coordinate descent's inner solver (``solvers._quadratic``) on singular working sets."""
import numpy as np
import pytest

from logitlab.solvers import _quadratic


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
