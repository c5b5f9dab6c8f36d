"""Sparse design matrices behind the binary loss: CSR products on two threads, column subsets.

The loss keeps sparse X in CSR: scipy's CSR kernels give X w (a gather per row) and X^T r (a
scatter per row) at about the same speed as CSC gives them (W4: 38 and 43 ms against 47 and
41 ms), so no conversion is needed to fit. Only coordinate descent's working set asks for
column subsets (see ``columns``).

From ``THREAD_MIN_NNZ`` stored values the rows are cut into two halves of equal non-zero
counts, as views on the same index and value arrays (no copy), and each product runs one half
per pool thread (scipy's sparse kernels release the GIL, scipy PR 3477): X w writes the two
halves of the output, X^T r sums two length-d partial results. On an idle 2-core machine that
halves a product (W4: 38 -> 20 ms, 43 -> 24 ms); on a busy one it costs a few percent.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ._threads import pool

THREAD_MIN_NNZ = 1_000_000  # below this a product takes a few ms: thread hand-off is not worth it
CSC_AFTER = 10              # column subsets cut from CSR before a CSC copy is made


class SparseDesign:
    """A CSR matrix with threaded ``dot`` (X w) and ``tdot`` (X^T r) and cached column subsets."""

    def __init__(self, X, threads=None):
        self.X = X if X.format == "csr" else X.tocsr()
        self.shape = self.X.shape
        self._csc = None
        self._column_calls = 0
        if threads is None:
            threads = self.X.nnz >= THREAD_MIN_NNZ and self.shape[0] >= 2
        self._halves = self._split() if threads else None

    def _split(self):
        """Two row blocks with about equal non-zeros, sharing X's arrays (their indptr rebased),
        each as CSR (for X w) and as the CSC matrix of its transpose (for X^T r).

        The blocks' arrays are assigned after construction: scipy's constructors (and ``.T``)
        copy an index or value array that is a view of less than half of its base
        (``_prune_array``), which copied half of X at every X^T r."""
        X = self.X
        indptr = X.indptr
        cut = int(np.searchsorted(indptr, X.nnz // 2))
        cut = min(max(cut, 1), X.shape[0] - 1)
        halves = []
        for lo, hi in ((0, cut), (cut, X.shape[0])):
            a, b = int(indptr[lo]), int(indptr[hi])
            arrays = (X.data[a:b], X.indices[a:b], indptr[lo:hi + 1] - a)
            block = _sharing(sp.csr_matrix((hi - lo, X.shape[1])), *arrays)
            block_t = _sharing(sp.csc_matrix((X.shape[1], hi - lo)), *arrays)
            halves.append((lo, hi, block, block_t))
        return halves

    def dot(self, w):
        """X w as a 1-D array."""
        if self._halves is None:
            return np.asarray(self.X @ w).ravel()
        out = np.empty(self.shape[0])

        def part(lo, hi, block, _):
            out[lo:hi] = block @ w

        for f in [pool().submit(part, *h) for h in self._halves]:
            f.result()
        return out

    def tdot(self, r):
        """X^T r as a 1-D array."""
        if self._halves is None:
            return np.asarray(self.X.T @ r).ravel()
        futures = [pool().submit(lambda lo, hi, _, block_t: block_t @ r[lo:hi], *h) for h in self._halves]
        parts = [f.result() for f in futures]
        return parts[0] + parts[1]

    def columns(self, cols):
        """X[:, cols]. The first ``CSC_AFTER`` subsets are cut from CSR (one pass over X each);
        from then on from a CSC copy (a conversion costs about 25 such passes, after which a
        subset costs only its own columns): never more than about twice the better choice
        made in hindsight, and no copy at all for the few subsets of a short fit."""
        self._column_calls += 1
        if self._csc is None and self._column_calls > CSC_AFTER:
            self._csc = self.X.tocsc()
        return (self._csc if self._csc is not None else self.X)[:, cols]


def _sharing(matrix, data, indices, indptr):
    """``matrix`` (an empty CSR or CSC of the right shape) made to use these arrays as they are."""
    matrix.data, matrix.indices, matrix.indptr = data, indices, indptr
    return matrix
