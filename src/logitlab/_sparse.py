"""Sparse design matrices behind the binary loss: CSR products on two threads, column subsets.

The loss keeps sparse X in CSR: scipy's CSR kernels give X w (a gather per row) and X^T r (a
scatter per row) at about the same speed as CSC gives them (W4: 38 and 43 ms against 47 and
41 ms), so no conversion is needed to fit. Only coordinate descent's working set asks for
column subsets (see ``columns``).

From ``THREAD_MIN_NNZ`` stored values the rows are cut into two halves of equal non-zero
counts and each product runs one half per pool thread (scipy's sparse kernels release the GIL,
scipy PR 3477): X w writes the two halves of the output, X^T r sums two length-d partial
results. On an idle 2-core machine that halves a product (W4: 38 -> 20 ms, 43 -> 24 ms); on a
busy one it costs a few percent.

The halves call scipy's CSR kernels (``scipy.sparse._sparsetools``: y += A x for CSR, and for
the CSC matrix that is X^T) on X's own arrays, a row range being a slice of ``indptr`` whose
offsets stay absolute: no array of X is copied or rebased, the outputs are written in place
(``out=``), and X^T (D u) takes D u by blocks of rows, so that no product allocates an n-vector
or, beyond the second thread's partial sum, a d-vector. (Through scipy's public ``@`` each half
allocated its result in its thread's malloc arena, which glibc then kept resident: W4's peak
was ~8 MiB above the arrays alive.) Without those kernels the products run on one thread.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ._threads import pool

try:  # scipy's compiled CSR kernels (private; stable since scipy 0.7)
    from scipy.sparse._sparsetools import csc_matvec, csr_matvec
except ImportError:  # pragma: no cover - then the products run on one thread
    csc_matvec = csr_matvec = None

THREAD_MIN_NNZ = 1_000_000  # below this a product takes a few ms: thread hand-off is not worth it
CSC_AFTER = 10              # column subsets cut from CSR before a CSC copy is made
SCALED_BLOCK = 16_384       # rows per block of D u in X^T (D u): 128 KB per thread


class SparseDesign:
    """A CSR matrix with threaded ``dot`` (X w), ``tdot`` (X^T r) and ``tdot_scaled``
    (X^T (D u)), and cached column subsets."""

    def __init__(self, X, threads=None):
        self.X = X if X.format == "csr" else X.tocsr()
        self.shape = self.X.shape
        self._csc = None
        self._column_calls = 0
        if threads is None:
            threads = self.X.nnz >= THREAD_MIN_NNZ and self.shape[0] >= 2
        # the kernels take one index type for indptr and indices (scipy keeps them equal)
        threads = threads and csr_matvec is not None and self.X.indptr.dtype == self.X.indices.dtype
        self._halves = self._split() if threads else None

    def _split(self):
        """Two row ranges [lo, hi) with about equal non-zeros."""
        indptr = self.X.indptr
        cut = int(np.searchsorted(indptr, self.X.nnz // 2))
        cut = min(max(cut, 1), self.shape[0] - 1)
        return [(0, cut), (cut, self.shape[0])]

    def _run(self, part):
        """part(lo, hi) for both halves, in the pool's two threads."""
        for f in [pool().submit(part, lo, hi) for lo, hi in self._halves]:
            f.result()

    def dot(self, w, out=None):
        """X w as a 1-D array (into ``out``, a contiguous float n-vector, if given)."""
        if self._halves is None:
            res = np.asarray(self.X @ w).ravel()
            if out is None:
                return res
            out[:] = res
            return out
        X = self.X
        w = np.ascontiguousarray(w, dtype=float)
        out = np.empty(self.shape[0]) if out is None else out

        def part(lo, hi):
            y = out[lo:hi]
            y.fill(0.0)
            csr_matvec(hi - lo, X.shape[1], X.indptr[lo:hi + 1], X.indices, X.data, w, y)

        self._run(part)
        return out

    def tdot(self, r, out=None):
        """X^T r as a 1-D array (into ``out``, a contiguous float d-vector, if given)."""
        return self.tdot_scaled(None, r, out)[0]

    def tdot_scaled(self, weights, u, out=None):
        """(X^T (D u), sum(D u)) for D = ``weights(rows)`` over a slice of rows (None: D = 1),
        into ``out`` if given. D u is formed by blocks of rows inside the threads, never as an
        n-vector; its sum comes with it (the intercept's entry of a Hessian-vector product)."""
        if self._halves is None:
            r = u if weights is None else weights(slice(0, self.shape[0])) * u
            res = np.asarray(self.X.T @ r).ravel()
            if out is not None:
                out[:] = res
            return (res if out is None else out), float(r.sum())
        X, d = self.X, self.shape[1]
        u = np.ascontiguousarray(u, dtype=float)
        out = np.empty(d) if out is None else out
        partial = np.empty(d)  # the second half's sum: both halves scatter over all d columns
        sums = {}

        def part(lo, hi):
            y = out if lo == 0 else partial
            y.fill(0.0)
            step, total = (hi - lo if weights is None else SCALED_BLOCK), 0.0
            for start in range(lo, hi, step):
                stop = min(start + step, hi)
                x = u[start:stop] if weights is None else weights(slice(start, stop)) * u[start:stop]
                total += float(x.sum())
                csc_matvec(d, stop - start, X.indptr[start:stop + 1], X.indices, X.data, x, y)
            sums[lo] = total

        self._run(part)
        out += partial
        return out, sum(sums[lo] for lo, _ in self._halves)

    def column_nnz(self, cols, limit=None):
        """Stored values in the (distinct) columns cols: from the CSC copy when there is one,
        else by a pass over the column indices in blocks (no temporary as long as X's; W5:
        36 ms), which stops once the count reaches ``limit``."""
        if self._csc is not None:
            ptr = self._csc.indptr
            return int((ptr[cols + 1] - ptr[cols]).sum())
        mask = np.zeros(self.shape[1], dtype=bool)
        mask[cols] = True
        idx, total = self.X.indices, 0
        for a in range(0, idx.size, SCALED_BLOCK):
            total += int(np.count_nonzero(mask[idx[a:a + SCALED_BLOCK]]))
            if limit is not None and total >= limit:
                break
        return total

    def columns(self, cols):
        """X[:, cols]. The first ``CSC_AFTER`` subsets are cut from CSR (one pass over X each);
        from then on from a CSC copy (a conversion costs about 25 such passes, after which a
        subset costs only its own columns): never more than about twice the better choice
        made in hindsight, and no copy at all for the few subsets of a short fit."""
        self._column_calls += 1
        if self._csc is None and self._column_calls > CSC_AFTER:
            self._csc = self.X.tocsc()
        return (self._csc if self._csc is not None else self.X)[:, cols]

