"""Binomial and multinomial loss on the linear predictor, as functions of the parameters.

Parameter layout (one flat vector ``theta``):
- binary: ``[b, w_1..w_d]`` (``[w_1..w_d]`` without intercept);
- multinomial: ``K_free`` rows of that layout, row-major. With ``reference=True`` (the
  unpenalised, statsmodels-MNLogit identification) class 0's row is fixed at zero and only
  rows 1..K-1 are free; otherwise all K rows are free (the symmetric, penalised form).

The loss is the weighted *mean* negative log-likelihood ``sum_i s_i nll_i / sum_i s_i``. The data
(X, y, weights, offset) live here, behind value / gradient / Hessian / Hessian-vector methods,
so solvers never touch them and another backend (sparse, Dask) is another loss class.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ._columns import make_columns, stored_entries
from ._data import is_unit, mean_weights
from ._links import Link
from ._sparse import SparseDesign
from ._threads import in_two_halves

try:  # the compiled one-read pass (setup.py); without a C compiler the numpy pass serves
    from . import _fused
except ImportError:  # pragma: no cover - a build without a C compiler
    _fused = None


_FUSED_MIN_ROWS = 100_000  # from here the one-pass, two-thread value+gradient pays off
_BLOCKED_MIN_ENTRIES = 1_000_000  # from here Hessians are accumulated by blocks (no n x p copy)
_FUSED_BLOCK = 8_192       # rows per block: a few MB, still in cache between X w and X^T r
_GRAM_BLOCK_BYTES = 1 << 20  # per-thread buffer of the blocked syrk (~1300 rows x 100; 8192 would be 6.5 MB)
_GRAM_CHUNK = 32_768  # rows per call of the compiled Gram kernel: their weights (256 KB) formed in numpy
_THREADED_GRAM_MIN_WORK = 5e8  # rows x m^2 from which the blocked syrk runs in two threads
_CACHE_ONE_FROM_ROWS = 50_000  # from here the eta cache keeps one entry (each is n floats)


def same_point(a, b):
    """True when parameter vectors a and b are the same point, for the caches keyed by theta:
    their bytes compared directly up to 4,096 entries (``np.array_equal`` costs ~9 us a call,
    and a small fit asks ~45 times). Identical bits are the same point (a NaN theta too);
    -0.0 against 0.0 only costs a recomputation."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    return a.tobytes() == b.tobytes() if a.size <= 4096 else bool(np.array_equal(a, b))


class _Cache:
    """Remembers the linear predictors of the last ``size`` thetas (value, gradient and Hessian
    share one; a line search or a test statistic often comes back to the previous point, which
    a second entry keeps where n floats are cheap). Each entry has a dict for what is derived
    from its predictor (the loss value; the Hessian weights of a run of Hessian-vector
    products): they leave with it, so a solver that moves on does not keep the last point's.
    An entry's predictor may have been taken (``BinaryLoss.take_predictor``; then None) while
    its derived data stay."""

    def __init__(self, size=2):
        self.size = size
        self.entries = []  # [[theta, eta or None, derived]], most recent last

    def get(self, theta, compute):
        return self.entry(theta, compute)[1]

    def find(self, theta):
        """The entry of theta, or None."""
        for entry in self.entries:
            known = entry[0]
            if same_point(known, theta):
                return entry
        return None

    def entry(self, theta, compute):
        """[theta, eta, derived] at theta, computing and keeping eta if it is not kept."""
        entry = self.find(theta)
        if entry is None:
            self.put(theta, compute(theta))
            return self.entries[-1]
        if entry[1] is None:
            entry[1] = compute(theta)
        return entry

    def peek(self, theta):
        """The kept linear predictor at theta, or None."""
        entry = self.find(theta)
        return None if entry is None else entry[1]

    def put(self, theta, eta):
        self.entries = self.entries[len(self.entries) + 1 - self.size:] + [[_frozen_copy(theta), eta, {}]]

    def clear(self):
        self.entries = []


def blas_ready_rows(X, rows, gather=True):
    """X[rows]: a view, unless it is dense with no unit stride (every k-th row of
    Fortran-ordered X, as pandas hands over), which BLAS cannot read in place and numpy would
    gather again for every product; then, with ``gather``, one C-ordered copy. The coarse fit
    evaluates its 25,000-row sample ~10 times (W1 in Fortran order: 0.3 s of gathers)."""
    Xr = X[rows]
    if gather and isinstance(Xr, np.ndarray) and Xr.ndim == 2 and Xr.itemsize not in Xr.strides:
        return np.ascontiguousarray(Xr)
    return Xr


def _frozen_copy(theta):
    """theta itself if it can never change (read-only and owning its data: no writeable view of
    it can exist), else a copy. A solver that freezes its iterates (newton-cg) saves a p-vector
    per kept predictor; others (scipy's L-BFGS-B reuses its x) get the copy they need."""
    if not theta.flags.writeable and theta.flags.owndata:
        return theta
    return theta.copy()


def _weighted_gram(X, D, cols=None):
    """X[:, cols]^T diag(D) X[:, cols] for D >= 0, as a dense matrix.

    Dense X: Xs^T Xs for Xs = sqrt(D) X, which numpy computes by BLAS syrk (half the flops of a
    general product) with the GIL released; large X by row blocks (``_blocked_gram``).
    """
    Xc = X if cols is None else X[:, cols]
    if sp.issparse(Xc):
        return np.asarray((Xc.T @ Xc.multiply(D[:, None])).todense())
    if Xc.size >= _BLOCKED_MIN_ENTRIES:  # no scaled copy of a large X
        return _blocked_gram(Xc, D)
    Xs = np.multiply(Xc, np.sqrt(D)[:, None])
    return Xs.T @ Xs


def _blocked_gram(X, weights, intercept=False):
    """X~^T diag(D) X~ for X~ = [1 X] (the column of ones only with ``intercept``) over the rows
    of large dense X, in two threads, with no copy of X.

    ``weights`` is the vector D, or a function ``positions -> D`` for a block of rows (a slice),
    so that the weights are formed block by block and never as an n-vector.

    The compiled kernel (``_fused.weighted_gram``) takes X as it is (any order, a strided
    sample too) and does 1.5-2x the flops per second of BLAS syrk on this shape, without a
    scaled copy of each block. The numpy route scales row blocks by sqrt(D) and calls syrk."""
    n, m = X.shape[0], X.shape[1] + int(intercept)
    weights_of = weights if callable(weights) else weights.__getitem__
    compiled = (_fused is not None and isinstance(X, np.ndarray) and X.dtype == np.float64
                and min(X.strides) > 0)
    part = _compiled_gram_part(X, weights_of, intercept) if compiled else _syrk_gram_part(X, weights_of, intercept)
    if n * m * m < _THREADED_GRAM_MIN_WORK:  # small: GIL hand-offs between the threads' many
        G = part(0, n)                      # small numpy calls would cost more than they save
    else:
        G = sum(in_two_halves(part, n))
    if compiled:  # the kernel fills the upper triangle
        G = np.triu(G) + np.triu(G, 1).T
    return G


def _compiled_gram_part(X, weights_of, intercept):
    """The upper triangle over rows [lo, hi), by chunks whose weights are formed in numpy."""
    m = X.shape[1] + int(intercept)

    def part(lo, hi):
        G = np.zeros((m, m))
        for start in range(lo, hi, _GRAM_CHUNK):
            rows = slice(start, min(start + _GRAM_CHUNK, hi))
            D = np.ascontiguousarray(weights_of(rows), dtype=np.float64)
            _fused.weighted_gram(X, D, G, rows.start, rows.stop, intercept)
        return G
    return part


def _syrk_gram_part(X, weights_of, intercept):
    """A^T A for A = diag(sqrt(D)) X~ over rows [lo, hi): row blocks are scaled in a per-thread
    buffer and accumulated with single-threaded BLAS. numpy forms A^T A by syrk and releases the
    GIL; scipy's BLAS wrappers hold it, which ran the two threads one after the other."""
    m = X.shape[1] + int(intercept)
    block = int(np.clip(_GRAM_BLOCK_BYTES // (8 * m), 256, _FUSED_BLOCK))

    def part(lo, hi):
        G = np.zeros((m, m))
        # one scaled buffer per thread, reused by every block (fresh arrays per block kept
        # several blocks resident in each thread's heap), in X's memory order: scaling
        # column-major rows into a row-major buffer is a transposing copy (Fortran-ordered X,
        # as pandas gives, took 0.46 s for W7's information instead of 0.33 s)
        A_buf = np.empty((block, m), order="F" if X.strides[0] < X.strides[1] else "C")
        for start in range(lo, hi, block):
            positions = slice(start, min(start + block, hi))
            r = np.sqrt(weights_of(positions))
            A = A_buf[:positions.stop - start]
            if intercept:
                A[:, 0] = r
            np.multiply(X[positions], r[:, None], out=A[:, int(intercept):])
            G += A.T @ A
        return G
    return part


class BinaryLoss:
    """Mean binomial negative log-likelihood of ``y ~ F(X w + b + offset)``."""

    n_outputs = 1

    def __init__(self, X, y, weights, link: Link, fit_intercept=True, offset=None):
        # sparse X stays CSR: threaded products, column subsets as SparseDesign.columns says
        self._sparse = SparseDesign(X) if sp.issparse(X) else None
        self.X = self._sparse.X if self._sparse is not None else X
        # 0/1 int8 codes are used as they are (one byte per row instead of eight)
        self.y = y if isinstance(y, np.ndarray) and y.dtype == np.int8 else np.asarray(y, dtype=float)
        self.weights = weights
        self.sw_sum = float(weights.sum())
        # unit weights (``_data.unit_weights``) give a stride-0 s as well: no n-vector
        self.s = mean_weights(weights, self.sw_sum)
        self.link = link
        self.fit_intercept = fit_intercept
        self.offset = offset
        self.n, self.d = X.shape
        self.p = self.d + int(fit_intercept)
        self.n_params = self.p
        self._cache = _Cache(1 if self.n >= _CACHE_ONE_FROM_ROWS else 2)
        self._full_hessian = None
        self.predictor_steps = True  # hessp_predictor / assume_predictor available (see below)
        # logit with 0/1 outcomes (the common case): the fused pass works on z = (1 - 2y) eta
        # (the sign 1 - 2y is formed per block: two more n-vectors would cost more than it saves)
        self._signed_logit = link.name == "logit" and bool(np.all((self.y == 0) | (self.y == 1)))

    def event_rate(self):
        """Weighted mean of y; with unit weights the event count over n, exactly (a sum of n
        copies of 1/n is not)."""
        return float(self.y.sum() / self.sw_sum if is_unit(self.weights) else self.s @ self.y)

    # -- layout -------------------------------------------------------------------------
    def split(self, theta):
        """theta -> (coef (1, d), intercept (1,))."""
        if self.fit_intercept:
            return theta[1:][None, :], theta[:1].copy()
        return theta[None, :], np.zeros(1)

    def pack(self, coef, intercept):
        coef = np.asarray(coef, dtype=float).reshape(-1)
        return np.concatenate([np.atleast_1d(intercept)[:1], coef]) if self.fit_intercept else coef.copy()

    def penalised_mask(self):
        mask = np.ones(self.p, dtype=bool)
        if self.fit_intercept:
            mask[0] = False
        return mask

    # -- linear predictor -----------------------------------------------------------------
    def _design_dot(self, theta):
        w = theta[1:] if self.fit_intercept else theta
        # all slopes zero (start points, null models): no pass over X
        eta = np.asarray(self._dot(w) if w.any() else np.zeros(self.n)).ravel()
        if self.fit_intercept:
            eta += theta[0]  # in place: a fresh array, and n floats saved
        if self.offset is not None:
            eta += self.offset
        return eta

    def _block_predictor(self, theta, rows):
        """The linear predictor of a slice of rows of dense X (a fresh array)."""
        e = self.X[rows] @ (theta[1:] if self.fit_intercept else theta)
        if self.fit_intercept:
            e += theta[0]
        if self.offset is not None:
            e += self.offset[rows]
        return e

    def eta(self, theta):
        w = theta[1:] if self.fit_intercept else theta
        if not w.any():  # no pass over X (null models, start points): not worth a cache slot
            return self._design_dot(theta)
        return self._cache.get(theta, self._design_dot)

    def _dot(self, w):
        return self._sparse.dot(w) if self._sparse is not None else np.asarray(self.X @ w).ravel()

    def _columns(self, cols):
        """X[:, cols] (all of X for None)."""
        if cols is None:
            return self.X
        return self._sparse.columns(cols) if self._sparse is not None else self.X[:, cols]

    def _xt(self, r):
        """X~^T r with the intercept column first."""
        if self._sparse is None:
            g = np.asarray(self.X.T @ r).ravel()
            return np.concatenate([[r.sum()], g]) if self.fit_intercept else g
        return self._xt_sparse(None, r)

    def _xt_sparse(self, weights, u):
        """X~^T (D u) for sparse X, D = ``weights(rows)`` (None: 1), written after the
        intercept's slot (no concatenated copy); the intercept's entry is sum(D u)."""
        out = np.empty(self.p)
        _, total = self._sparse.tdot_scaled(weights, u, out[1:] if self.fit_intercept else out)
        if self.fit_intercept:
            out[0] = total
        return out

    # -- value, gradient, Hessian ---------------------------------------------------------
    def value(self, theta):
        w = theta[1:] if self.fit_intercept else theta
        if self.offset is None and not w.any():  # null models: a constant predictor
            return self._constant_predictor_value(theta[0] if self.fit_intercept else 0.0)
        # kept with theta's predictor: inference asks for the log-likelihood at the estimate
        # more than once (log-likelihood, LR statistic, information criteria)
        entry = self._cache.find(theta)
        if entry is None or "value" not in entry[2]:
            entry = self._cache.entry(theta, self._design_dot)
            # by blocks of rows: the link's temporaries (several per row) stay block-sized
            eta, total = entry[1], 0.0
            for start in range(0, self.n, _FUSED_BLOCK):
                rows = slice(start, start + _FUSED_BLOCK)
                total += float(self.s[rows] @ self.link.nll(self.y[rows], eta[rows]))
            entry[2]["value"] = total
        return entry[2]["value"]

    def _constant_predictor_value(self, c):
        """The loss at a predictor equal to c in every row without the link over the rows:
        nll(y, c) is affine in y, so sum_i s_i nll(y_i, c) needs only sum s y and sum s
        (``s`` as it is: the mean weights, or a Dask block's own weights)."""
        events = float(self.s @ self.y)
        non_events = float(self.s.sum()) - events
        c = np.array([c])
        return float(-events * self.link.log_mu(c)[0] * (events > 0)
                     - non_events * self.link.log_1mmu(c)[0] * (non_events > 0))

    def mean(self, theta):
        """The probabilities F(eta) at theta, kept with theta's predictor: Firth's penalty asks
        for them at each point, and the logit gradient there reuses them (read-only)."""
        entry = self._cache.entry(theta, self._design_dot)
        if "mu" not in entry[2]:
            entry[2]["mu"] = self.link.inverse(entry[1])
        return entry[2]["mu"]

    def grad(self, theta):
        entry = self._cache.find(theta)
        if entry is not None and "mu" in entry[2] and self.link.name == "logit":
            r = entry[2]["mu"] - self.y  # the logit's d nll / d eta, without a second expit
        else:
            r = self.link.d1(self.y, self.eta(theta))
        r *= self.s  # in place: one n-vector for X^T r
        return self._xt(r)

    def value_grad(self, theta):
        if sp.issparse(self.X) or self.n < _FUSED_MIN_ROWS:
            return self.value(theta), self.grad(theta)
        return self._value_grad_fused(theta)

    def _value_grad_fused(self, theta):
        """Value and gradient in one pass over dense X, on both cores.

        Large-n fits are bound by memory traffic, not arithmetic: separately, X w and X^T r
        read X twice. The compiled pass (``_fused.c``, where it applies) reads X once. The numpy
        pass reads each block of rows for X w and again for X^T r while it is still in cache.
        Either way the two halves of the rows run in two threads (single-threaded BLAS; numpy
        and the compiled pass release the GIL), which beats two-threaded BLAS on two passes.
        """
        eta = np.empty(self.n)
        part = self._compiled_part(theta, eta) if self._compiled_pass_applies() else None

        def numpy_part(lo, hi):
            f, gb, g = 0.0, 0.0, np.zeros(self.d)
            for start in range(lo, hi, _FUSED_BLOCK):
                rows = slice(start, min(start + _FUSED_BLOCK, hi))
                Xb = self.X[rows]
                e = eta[rows] = self._block_predictor(theta, rows)
                sb = self.s[rows]
                if self._signed_logit:
                    sign = 1.0 - 2.0 * self.y[rows]
                    nll, sig = self.link.nll_d1_signed(e * sign)
                    r = sb * sign * sig
                else:
                    yb = self.y[rows]
                    nll, r = self.link.nll(yb, e), sb * self.link.d1(yb, e)
                f += float(sb @ nll)
                gb += float(r.sum())
                g += Xb.T @ r
            return f, gb, g

        parts = in_two_halves(part or numpy_part, self.n)
        f, gb, g = (sum(p[i] for p in parts) for i in range(3))
        self._cache.put(theta, eta)
        self._cache.entries[-1][2]["value"] = f
        return f, (np.concatenate([[gb], g]) if self.fit_intercept else g)

    def _compiled_pass_applies(self):
        """The compiled pass (``_fused.c``) covers the logit link with 0/1 outcomes on float64
        X in C or Fortran order (pandas hands over the latter; y as float64 or int8 codes, any
        weights and offset)."""
        return (_fused is not None and self._signed_logit and self.X.dtype == np.float64
                and (self.X.flags.c_contiguous or self.X.flags.f_contiguous)
                and self.y.dtype in (np.float64, np.int8)
                and (self.offset is None or self.offset.dtype == np.float64))

    def _compiled_part(self, theta, eta):
        """The pass over rows [lo, hi) in one read of each row (``_fused.logit_pass``)."""
        w = np.ascontiguousarray(theta[1:] if self.fit_intercept else theta, dtype=float)
        b = float(theta[0]) if self.fit_intercept else 0.0
        # unit weights: every row's s is the same scalar (self.s is then a stride-0 view)
        unit = is_unit(self.weights)
        s, s0 = (None, float(self.s[0])) if unit else (np.ascontiguousarray(self.s, dtype=float), 0.0)
        offset = None if self.offset is None else np.ascontiguousarray(self.offset)
        y = np.ascontiguousarray(self.y)

        def part(lo, hi):
            g = np.zeros(self.d)
            f, gb = _fused.logit_pass(self.X, self.n, self.d, w, b, offset, y, s, s0, eta, g, lo, hi)
            return f, gb, g
        return part

    def subset(self, rows, gather=True):
        """The same loss on a subset of rows (weights kept, so the mean keeps its scale); a slice
        of rows (``Objective.sketch_indices``) shares X's memory where BLAS can read it in place
        (``blas_ready_rows``)."""
        return BinaryLoss(blas_ready_rows(self.X, rows, gather), self.y[rows], self.weights[rows], self.link,
                          self.fit_intercept, None if self.offset is None else self.offset[rows])

    def sampled_hessian(self, theta, rows):
        """``subset(rows).hessian(theta)``. A slice of rows (``Objective.sketch_indices``) is a
        view of X, and the kept linear predictor at theta, when there is one, serves the sample
        too: no pass over the sample's rows for it."""
        sample = self.subset(rows, gather=False)  # read once, by row blocks: no copy of 16 n / p rows
        eta = self._cache.peek(theta)
        if eta is not None:
            sample.assume_predictor(theta, eta[rows])
        return sample.hessian(theta)

    def hessian_weights(self, theta, expected=False):
        return self._weights_at(self.eta(theta), expected)

    def _weights_at(self, eta, expected=False):
        D = self.link.fisher_weight(eta) if expected else self.link.d2(self.y, eta)
        D *= self.s  # in place (the link returns a fresh array)
        return D

    def hessian(self, theta, idx=None, expected=False):
        """Hessian (observed information / sum of weights); ``idx`` selects parameters.

        The full matrix of the last theta is kept: Firth's penalty and the profile-likelihood
        refits ask for it (and for sub-blocks of it) several times at one point."""
        full = self._full_hessian
        if full is not None and not expected and same_point(full[0], theta):
            H = full[1]
            return H.copy() if idx is None else H[np.ix_(np.asarray(idx), np.asarray(idx))]
        if idx is None and not expected and self.p <= 1000:
            H = self._hessian(theta, None, False)
            self._full_hessian = (theta.copy(), H)
            return H.copy()
        return self._hessian(theta, idx, expected)

    def _hessian(self, theta, idx, expected):
        if idx is None:
            idx = np.arange(self.p)
        idx = np.asarray(idx)
        if idx.size == self.p and not sp.issparse(self.X) and self.n * self.p >= _BLOCKED_MIN_ENTRIES:
            # all parameters of a large dense X: the weights are formed block by block (no
            # n-vectors), the intercept row and column in the same pass. Without a kept
            # predictor (inference on a refitted loss) it is computed in this pass as well,
            # each block while it is in cache, and kept.
            eta = self._cache.peek(theta)
            kept = eta is not None
            if not kept:
                eta = np.empty(self.n)

            def weights_of(positions):
                if kept:
                    e = eta[positions]
                else:
                    e = eta[positions] = self._block_predictor(theta, positions)
                d2 = self.link.fisher_weight(e) if expected else self.link.d2(self.y[positions], e)
                d2 *= self.s[positions]  # in place: the link returns a fresh array
                return d2

            H = _blocked_gram(self.X, weights_of, intercept=self.fit_intercept)
            if not kept:
                self._cache.put(theta, eta)
            return H
        D = self.hessian_weights(theta, expected)
        if not self.fit_intercept:
            return _weighted_gram(self._columns(None if idx.size == self.d else idx), D)
        has_b = idx[0] == 0
        cols = idx[1:] - 1 if has_b else idx - 1
        Xc = self._columns(None if cols.size == self.d else cols)
        Hww = _weighted_gram(Xc, D)
        if not has_b:
            return Hww
        hb = np.asarray(Xc.T @ D).ravel()
        H = np.empty((idx.size, idx.size))
        H[0, 0] = D.sum()
        H[0, 1:] = H[1:, 0] = hb
        H[1:, 1:] = Hww
        return H

    @property
    def column_rows(self):
        """Rows of the weighted design columns (``hessian_columns``): one per observation."""
        return self.n

    def column_entries(self, idx, limit=None):
        """Entries ``hessian_columns(., idx)`` stores (the non-zeros of its columns for sparse
        X), or at least ``limit`` once that many are counted."""
        nnz_of = None if self._sparse is None else self._sparse.column_nnz
        return stored_entries(idx, self.n, self.fit_intercept, nnz_of, limit)

    def hessian_columns(self, theta, idx):
        """Weighted design columns A with A^T A = ``hessian(theta, idx)``: the columns idx of
        X~ = [1, X], each row scaled by the square root of its Hessian weight (``_columns``)."""
        root = np.sqrt(np.maximum(self.hessian_weights(theta), 0.0))
        idx = np.asarray(idx)
        has_b = self.fit_intercept and idx.size > 0 and idx[0] == 0
        Xc = self._columns(idx[int(has_b):] - int(self.fit_intercept))
        if sp.issparse(Xc):
            At = (sp.diags(root) @ Xc).T
            return make_columns(sp.vstack([root[None, :], At]) if has_b else At)
        At = np.empty((idx.size, self.n))
        if has_b:
            At[0] = root
        np.multiply(Xc.T, root, out=At[int(has_b):])
        return make_columns(At)

    def hessp(self, theta, v):
        return self.hessp_predictor(theta, v)[0]

    # -- matrix-free Newton: Hessian-vector products that also give the predictor's change ------
    def hessp_predictor(self, theta, v):
        """(H v, X~ v): the Hessian-vector product and the change of the linear predictor along
        v, which it computes anyway. Both are fresh arrays (the caller may overwrite them). The
        Hessian weights are kept with theta's cached predictor for the next call at the same
        theta (conjugate gradients asks for many products at one point) and leave the cache
        with it (also once its predictor has been taken)."""
        entry = self._cache.find(theta)
        D = None if entry is None else entry[2].get("hessp_weights")
        if D is None:
            entry = self._cache.entry(theta, self._design_dot)
            D = entry[2]["hessp_weights"] = self._weights_at(entry[1])
        u = self._dot(v[1:] if self.fit_intercept else v)
        if self.fit_intercept:
            u += v[0]
        if self._sparse is None:
            return self._xt(D * u), u
        # sparse: D u is formed block by block inside the product (no n-vector for it)
        return self._xt_sparse(D.__getitem__, u), u

    def state_at(self, theta):
        """What the loss keeps at theta, its linear predictor and value (None without a kept
        predictor), for ``restore_state`` on a loss rebuilt from the same data: inference after a
        fit then starts where the fit ended, without a pass over X for the log-likelihood (W7:
        0.06 s)."""
        entry = self._cache.find(theta)
        if entry is None or entry[1] is None:
            return None
        return {"eta": entry[1], "value": entry[2].get("value"), "model": self._model_form()}

    def restore_state(self, theta, state):
        """Keep ``state_at(theta)`` of another loss on the same data (a copy of its predictor:
        a solver may update a kept predictor in place). A loss of another form (the estimator's
        link or intercept changed since the fit) ignores it and computes its own."""
        if state["model"] != self._model_form():
            return
        self._cache.put(theta, state["eta"].copy())
        if state["value"] is not None:
            self._cache.entries[-1][2]["value"] = state["value"]

    def _model_form(self):
        return self.link.name, self.fit_intercept

    def take_predictor(self, theta):
        """The linear predictor at theta, handed over for the caller to update in place: a
        solver that sums eta + X~ s over its CG steps then needs no second n-vector. The cache
        forgets it (asked again, it is recomputed) and keeps theta's Hessian weights."""
        entry = self._cache.entry(theta, self._design_dot)
        eta, entry[1] = entry[1], None
        return eta

    def assume_predictor(self, theta, eta):
        """Take ``eta`` as the linear predictor at theta (a solver that moved along a step s
        from theta0 knows it as eta(theta0) + t X~ s without another pass over X)."""
        self._cache.put(theta, eta)

