"""Weighted design columns: a factor A of a block of a loss's Hessian, H[idx, idx] = A^T A.

Coordinate descent on a working set wider than the data has rows works in residual space
(glmnet's "naive" update): it keeps u = A d, one number per row of A, instead of the m x m
matrix H, so that a coordinate costs one column of A (its rows, or its non-zeros) and no
m x m array is formed. The losses build A (``BinaryLoss.hessian_columns``,
``MultinomialLoss.hessian_columns``) in whichever format suits their X; a solver sees only the
methods below. The per-coordinate methods call BLAS directly: for the short columns of wide
data numpy's ``@`` and ``+=`` cost 2-4 times more in call overhead than the arithmetic.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.linalg.blas import daxpy, ddot

# a sparse A with at most this many entries when dense (16 MB) is stored dense: on short
# columns a BLAS call on a dense row (0.4 us) beats a gather and scatter of a few non-zeros
_DENSE_MAX_ENTRIES = 1 << 21


class DenseColumns:
    """A stored by columns: ``At`` (m, rows), C-contiguous, row j being column j of A."""

    def __init__(self, At, by_column=True):
        self.At = np.ascontiguousarray(At, dtype=float)
        self.size, self.n_rows = self.At.shape
        self._cols = self._split() if by_column else None  # for ``dot`` / ``axpy``

    def _split(self):
        return list(self.At)

    def restrict(self, cols):
        """A[:, cols], in the same format, for products (``matvec``, ``rmatvec``, ``gram``)."""
        return type(self)(self.At[cols], by_column=False)

    def sq_norms(self):
        """The diagonal of A^T A."""
        return np.einsum("ij,ij->i", self.At, self.At)

    def dot(self, j, u):
        """A[:, j] . u"""
        return ddot(self._cols[j], u)

    def axpy(self, j, a, u):
        """u += a A[:, j], in place."""
        daxpy(self._cols[j], u, a=a)

    def matvec(self, x):
        """A x."""
        return self.At.T @ x

    def rmatvec(self, u):
        """A^T u."""
        return self.At @ u

    def gram(self):
        """A^T A as a dense array."""
        return self.At @ self.At.T


class SparseColumns(DenseColumns):
    """A stored by columns as a CSR matrix ``At`` (m, rows) whose row j is column j of A."""

    def __init__(self, At, by_column=True):
        self.At = At.tocsr()
        self.size, self.n_rows = self.At.shape
        self._cols = self._split() if by_column else None

    def _split(self):
        ptr, idx, val = self.At.indptr, self.At.indices, self.At.data
        return [(idx[a:b], val[a:b]) for a, b in zip(ptr[:-1].tolist(), ptr[1:].tolist())]

    def sq_norms(self):
        return np.asarray(self.At.multiply(self.At).sum(axis=1)).ravel()

    def dot(self, j, u):
        idx, val = self._cols[j]
        return ddot(val, u[idx]) if val.size else 0.0

    def axpy(self, j, a, u):
        idx, val = self._cols[j]
        u[idx] += a * val  # a column's row indices are distinct

    def matvec(self, x):
        return np.asarray(self.At.T @ x).ravel()

    def rmatvec(self, u):
        return np.asarray(self.At @ u).ravel()

    def gram(self):
        return np.asarray((self.At @ self.At.T).todense())


def stored_entries(js, n, fit_intercept, nnz_of=None, limit=None):
    """Entries A stores for columns js (repeats allowed) of X~ = [1, X] (X without an
    intercept): n per column, or for sparse X ``nnz_of(columns of X, limit)``, their stored
    values, and n for the intercept's. Counting may stop once ``limit`` is reached (the
    result is then at least ``limit``)."""
    js = np.asarray(js)
    if nnz_of is None:
        return js.size * n
    b = js == 0 if fit_intercept else np.zeros(js.size, dtype=bool)
    dense = int(b.sum()) * n
    if limit is not None and dense >= limit:
        return dense
    return dense + int(nnz_of(js[~b] - int(fit_intercept), None if limit is None else limit - dense))


def make_columns(At):
    """Columns of A from At (m, rows), dense or sparse; a small sparse one is stored dense."""
    if not sp.issparse(At):
        return DenseColumns(At)
    if At.shape[0] * At.shape[1] <= _DENSE_MAX_ENTRIES:
        return DenseColumns(At.toarray())
    return SparseColumns(At)
