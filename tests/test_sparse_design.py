"""SparseDesign's threaded products against scipy's own, with and without scipy's CSR kernels.

The two-thread products call scipy's compiled kernels on row ranges of X's own arrays; where
those (private) kernels cannot be imported the products run through the public ``@`` on one
thread. Both ways must give scipy's answers."""
import numpy as np
import pytest
import scipy.sparse as sp

from logitlab import _sparse
from logitlab._sparse import SparseDesign


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = sp.random(3_001, 257, density=0.05, format="csr", random_state=seed)
    return X, rng.normal(size=257), rng.normal(size=3_001), rng.random(3_001)


@pytest.mark.parametrize("threads", [True, False])
def test_products_equal_scipys(threads):
    X, w, u, D = _data()
    design = SparseDesign(X, threads=threads)
    assert (design._halves is not None) == threads
    np.testing.assert_allclose(design.dot(w), X @ w, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(design.tdot(u), X.T @ u, rtol=1e-13, atol=1e-13)
    scaled, total = design.tdot_scaled(lambda rows: D[rows], u)
    np.testing.assert_allclose(scaled, X.T @ (D * u), rtol=1e-13, atol=1e-13)
    assert total == pytest.approx(float((D * u).sum()), rel=1e-13)
    out = np.full(X.shape[0], np.nan)  # outputs are written in place, every entry
    assert design.dot(w, out=out) is out
    np.testing.assert_allclose(out, X @ w, rtol=1e-13, atol=1e-13)


def test_without_scipys_kernels_the_products_run_on_one_thread(monkeypatch):
    monkeypatch.setattr(_sparse, "csr_matvec", None)
    monkeypatch.setattr(_sparse, "csc_matvec", None)
    X, w, u, D = _data(1)
    design = SparseDesign(X, threads=True)
    assert design._halves is None
    np.testing.assert_allclose(design.dot(w), X @ w, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(design.tdot_scaled(lambda rows: D[rows], u)[0], X.T @ (D * u),
                               rtol=1e-13, atol=1e-13)
