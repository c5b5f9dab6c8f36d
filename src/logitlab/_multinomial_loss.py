"""Multinomial (softmax) loss: the K-class counterpart of ``BinaryLoss`` (layout in ``_loss``).

Dense data are processed in row blocks: each block of X is read once for the linear predictor
and again, still in cache, for ``X^T R`` (gradient or Hessian-vector product), and the two
halves of the rows run in two threads with single-threaded BLAS. Inside a block the per-class
quantities are kept class-major, (K, rows): the reductions over classes (max, sum) are then
reductions over contiguous rows, which numpy does an order of magnitude faster than over a
last axis of length K. The probabilities of the last evaluated theta are kept (one (K, n)
array): Hessian-vector products and the Hessian at that theta reuse them.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ._columns import make_columns, stored_entries
from ._data import is_unit, mean_weights
from ._loss import blas_ready_rows, same_point
from ._threads import pool, single_threaded_blas, threads_allowed

_BLOCK = 4096                # rows per block: X block ~1.6 MB at d = 50, stays in cache
_THREADED_MIN_WORK = 2e6     # n * d * K from which the two-thread pass pays off
_HESS_ENTRIES = 2**14       # rows * columns per row block of the Hessian (128 kB), at least 256 rows


def _in_two(part, n, threaded, align=_BLOCK):
    """``part(0, n)``, or the sum of ``part`` over two block-aligned halves of the rows in two
    threads (numpy releases the GIL). BLAS runs single-threaded either way: its own threads
    cost more than they give on blocks this small, and busy-wait on a loaded machine."""
    with single_threaded_blas():
        if not threaded or n < 2 * align or not threads_allowed():
            return part(0, n)
        half = (n // 2 + align - 1) // align * align
        futures = [pool().submit(part, 0, half), pool().submit(part, half, n)]
        parts = [f.result() for f in futures]
    return tuple(_add_into(x, y) for x, y in zip(*parts))


def _add_into(x, y):
    """x + y, into x when x is an array (a Hessian's partial sums are (K p)^2 numbers each)."""
    if isinstance(x, np.ndarray):
        x += y
        return x
    return x + y


def _dot(Xb, W):
    """(K, rows) = W Xb^T, C-contiguous."""
    if sp.issparse(Xb):
        return np.ascontiguousarray(np.asarray(Xb @ W.T).T)
    return np.matmul(W, Xb.T)


def _tdot(R, Xb):
    """(K, d) = R Xb for R of shape (K, rows)."""
    if sp.issparse(Xb):
        return np.asarray(Xb.T @ R.T).T
    return R @ Xb


class MultinomialLoss:
    """Mean multinomial (softmax) negative log-likelihood.

    In the symmetric form the softmax is unchanged by adding one constant to every intercept,
    a flat direction that makes the Hessian singular and slows Newton and coordinate descent.
    The loss therefore adds ``(sum_k b_k)^2 / (2K)`` (curvature 1 along that direction): zero at
    centred intercepts, it fixes the
    flat direction at sum(b) = 0 and changes neither the predictions nor the other
    coefficients of the optimum (``pack`` centres intercepts, so values match the plain loss).
    """

    def __init__(self, X, y, weights, n_classes, fit_intercept=True, offset=None, reference=False):
        self.X = X.tocsc() if sp.issparse(X) else X
        self.codes = np.asarray(y, dtype=np.intp)
        self.K = n_classes
        self.weights = weights
        self.sw_sum = float(weights.sum())
        self.s = mean_weights(weights, self.sw_sum)
        self.fit_intercept = fit_intercept
        self.offset = offset
        self.reference = reference
        self.n, self.d = X.shape
        self.p = self.d + int(fit_intercept)
        self.k0 = 1 if reference else 0  # first free class row
        self.n_outputs = n_classes
        self.n_params = (self.K - self.k0) * self.p
        self._anchor = fit_intercept and not reference
        self._offT = None
        if offset is not None:  # class-major, like the blocks
            off = np.asarray(offset, dtype=float)
            self._offT = np.ascontiguousarray(off.T if off.ndim == 2 else off[None, :])
        self._at = None        # theta of the last pass, its (value, gradient) and probabilities
        self._fg = self._PT = None
        self._eta_at = self._eta = None
        self._s_ref = self._s_const = None
        self._Y = None
        self._labels = None

    @property
    def Y(self):
        """One-hot labels (n, K); formed on demand (the passes never need them)."""
        if self._Y is None:
            self._Y = np.zeros((self.n, self.K))
            self._Y[np.arange(self.n), self.codes] = 1.0
        return self._Y

    def class_shares(self):
        """Weighted share of each class (K,), by counting: no one-hot matrix; with unit weights
        the counts over n, exactly (``BinaryLoss.event_rate``'s rule)."""
        if is_unit(self.weights):
            return np.bincount(self.codes, minlength=self.K) / self.sw_sum
        return np.bincount(self.codes, weights=self.s, minlength=self.K)

    def _intercept_sum(self, theta):
        # a numpy float: a diverging step gives inf (gd then says so), not Python's OverflowError
        return theta.reshape(self.K - self.k0, self.p)[:, 0].sum()

    def subset(self, rows):
        return MultinomialLoss(blas_ready_rows(self.X, rows), self.codes[rows], self.weights[rows], self.K,
                               self.fit_intercept, None if self.offset is None else self.offset[rows],
                               self.reference)

    def full(self, theta):
        """theta -> (K, p) matrix including the fixed reference row."""
        B = theta.reshape(self.K - self.k0, self.p)
        return np.vstack([np.zeros((1, self.p)), B]) if self.reference else B

    def split(self, theta):
        B = self.full(theta)
        if self.fit_intercept:
            return B[:, 1:].copy(), B[:, 0].copy()
        return B.copy(), np.zeros(self.K)

    def pack(self, coef, intercept):
        coef = np.asarray(coef, dtype=float).reshape(self.K, self.d)
        B = np.column_stack([np.asarray(intercept, float).reshape(self.K), coef]) if self.fit_intercept else coef
        if self.reference:  # re-identify against class 0
            B = B[1:] - B[:1]
        elif self.fit_intercept:  # centred intercepts: the same probabilities
            B = B.copy()
            B[:, 0] -= B[:, 0].mean()
        return B.ravel().copy()

    def penalised_mask(self):
        mask = np.ones((self.K - self.k0, self.p), dtype=bool)
        if self.fit_intercept:
            mask[:, 0] = False
        return mask.ravel()

    # -- row-block passes -------------------------------------------------------------------
    def _weights_const(self):
        """The common value of s when all weights are equal (then it scales the sums once)."""
        if self._s_ref is not self.s:  # (the dask backend replaces s after construction)
            s = self.s
            self._s_ref = s
            self._s_const = float(s[0]) if s.size and np.all(s == s[0]) else None
        return self._s_const

    def _coef_rows(self, theta):
        """(W (K, d) C-contiguous, b (K,) or None) for all K classes."""
        B = self.full(theta)
        if self.fit_intercept:
            return np.ascontiguousarray(B[:, 1:]), B[:, 0].copy()
        return np.ascontiguousarray(B), None

    def _map_rows(self, kernel):
        """Sum of ``kernel(X rows, lo, hi)`` (tuples) over row blocks."""
        X = self.X
        if sp.issparse(X) or self.n == 0:
            with single_threaded_blas():
                return kernel(X, 0, self.n)

        def part(lo, hi):
            acc = None
            for a in range(lo, hi, _BLOCK):
                b = min(a + _BLOCK, hi)
                r = kernel(X[a:b], a, b)
                acc = r if acc is None else tuple(_add_into(x, y) for x, y in zip(acc, r))
            return acc

        return _in_two(part, self.n, self.n * self.d * self.K >= _THREADED_MIN_WORK)

    def _pass(self, theta):
        """Value and gradient of the loss (no anchor) at theta, keeping the probabilities.

        The gradient is s P^T X~ - Y^T S X~ and the observed classes' linear predictors sum to
        sum_k (w_k . (Y^T S X)_k + b_k (Y^T s)_k), with Y^T S X~ constant over the fit (formed
        in the first pass, while the blocks are in cache): no one-hot matrix, no per-row gather.
        """
        if self._at is not None and same_point(self._at, theta):
            return self._fg
        W, b = self._coef_rows(theta)
        c = self._weights_const()
        self._at = self._PT = None  # the old probabilities go before the new are made (K n floats)
        PT = np.empty((self.K, self.n))
        s, offT, codes, K = self.s, self._offT, self.codes, self.K
        labels = self._labels is None or self._labels[0] is not s  # (dask replaces s)

        def kernel(Xb, lo, hi):
            extra = ()
            if labels:  # Y^T S X~ and the offsets of the observed classes, for this block
                cols = np.arange(hi - lo)
                Yb = np.zeros((K, hi - lo))
                Yb[codes[lo:hi], cols] = s[lo:hi]
                off_y = 0.0
                if offT is not None:
                    rows = codes[lo:hi] if offT.shape[0] == K else np.zeros(hi - lo, dtype=np.intp)
                    off_y = float(s[lo:hi] @ offT[rows, lo + cols])
                extra = (_tdot(Yb, Xb), Yb.sum(axis=1), off_y)
                del Yb, cols  # before E: a thread's heap keeps its largest moment resident
            E = _dot(Xb, W)
            if b is not None:
                E += b[:, None]
            if offT is not None:
                E += offT[:, lo:hi]
            mx = E.max(axis=0)
            P = PT[:, lo:hi]
            np.subtract(E, mx, out=P)
            np.exp(P, out=P)
            z = P.sum(axis=0)
            lse = np.log(z)
            lse += mx
            P *= 1.0 / z
            if c is None:  # weighted: R = s P, written over E (no longer needed)
                sb = s[lo:hi]
                np.multiply(P, sb, out=E)
                return (float(sb @ lse), _tdot(E, Xb), E.sum(axis=1)) + extra
            return (float(lse.sum()), _tdot(P, Xb), P.sum(axis=1)) + extra

        out = self._map_rows(kernel)
        f, G, gb = out[:3]
        if labels:
            self._labels = (s, *out[3:])
        YX, Ys, off_y = self._labels[1:]
        if c is not None:
            f, G, gb = f * c, G * c, gb * c
        # minus the observed classes' linear predictor, and Y^T S [1, X] from the gradient
        f -= float(np.sum(W * YX)) + off_y + (float(b @ Ys) if b is not None else 0.0)
        G -= YX
        gb -= Ys
        g = (np.column_stack([gb, G]) if self.fit_intercept else G)[self.k0:].ravel()
        self._at, self._fg, self._PT = theta.copy(), (f, g), PT
        return self._fg

    def _probs(self, theta):
        """Class-major probabilities (K, n) at theta."""
        self._pass(theta)
        return self._PT

    # -- value, gradient, Hessian -----------------------------------------------------------
    def _design_dot(self, theta):
        B = self.full(theta)
        W = B[:, 1:] if self.fit_intercept else B
        eta = np.asarray(self.X @ W.T)
        if self.fit_intercept:
            eta = eta + B[:, 0]
        if self.offset is not None:
            eta = eta + (self.offset if self.offset.ndim == 2 else self.offset[:, None])
        return eta

    def eta(self, theta):
        if self._eta_at is None or not same_point(self._eta_at, theta):
            self._eta, self._eta_at = self._design_dot(theta), theta.copy()
        return self._eta

    def proba(self, theta):
        """Softmax probabilities (n, K) at theta (a view of the kept class-major array)."""
        return self._probs(theta).T

    def value(self, theta):
        anchor = 0.5 * self._intercept_sum(theta) ** 2 / self.K if self._anchor else 0.0
        return self._pass(theta)[0] + anchor

    def grad(self, theta):
        g = self._pass(theta)[1].copy()
        if self._anchor:
            g[::self.p] += self._intercept_sum(theta) / self.K
        return g

    def value_grad(self, theta):
        return self.value(theta), self.grad(theta)

    def hessp(self, theta, v):
        PT = self._probs(theta)
        V = self.full(v)
        Vw, vb = self._coef_rows(v)
        c = self._weights_const()
        s = self.s

        def kernel(Xb, lo, hi):
            U = _dot(Xb, Vw)
            if vb is not None:
                U += vb[:, None]
            P = PT[:, lo:hi]
            U -= np.einsum("ki,ki->i", P, U)  # R = P (u - <p, u>) per row
            U *= P
            if c is None:
                U *= s[lo:hi]
            return _tdot(U, Xb), U.sum(axis=1)

        G, gb = self._map_rows(kernel)
        if c is not None:
            G, gb = G * c, gb * c
        out = (np.column_stack([gb, G]) if self.fit_intercept else G)[self.k0:].ravel()
        if self._anchor:
            out[::self.p] += float(V[:, 0].sum()) / self.K
        return out

    def hessian(self, theta, idx=None, expected=False):
        """Full Hessian (observed = expected for the canonical softmax link); ``idx`` selects
        parameters (the same (class, column) blocks for every class are formed, then sub-set)."""
        PT = self._probs(theta)[self.k0:]
        if idx is None:
            idx = np.arange(self.n_params)
        idx = np.asarray(idx)
        cols = np.unique(idx % self.p)
        has_b = self.fit_intercept and cols[0] == 0
        xcols = (cols[1:] - 1 if has_b else cols - 1) if self.fit_intercept else cols
        m = cols.size
        if sp.issparse(self.X):
            H = self._hessian_sparse(PT, xcols, has_b)
        else:
            H = self._hessian_dense(PT, xcols, has_b)
        # map requested parameter indices to rows of the (class, column) block matrix
        pos = np.empty(self.p, dtype=np.intp)
        pos[cols] = np.arange(m)
        sel = (idx // self.p) * m + pos[idx % self.p]
        if not (sel.size == H.shape[0] and np.array_equal(sel, np.arange(sel.size))):
            H = H[np.ix_(sel, sel)]
        if self._anchor:
            is_b = (idx % self.p) == 0
            H[np.ix_(is_b, is_b)] += 1.0 / self.K
        return H

    @property
    def column_rows(self):
        """Rows of the weighted design columns: one per (observation, class), and the anchor's."""
        return self.n * self.K + int(self._anchor)

    def column_entries(self, idx, limit=None):
        """Entries ``hessian_columns(., idx)`` stores: K per (row, column) of X~'s entries
        (counted from the CSC pointers of sparse X: ``limit`` saves nothing here)."""
        idx, ptr = np.asarray(idx), getattr(self.X, "indptr", None)  # (sparse X is CSC)
        nnz_of = None if ptr is None else (lambda c, _: (ptr[c + 1] - ptr[c]).sum())
        n_b = int(self._anchor) * int(np.count_nonzero(idx % self.p == 0))
        return self.K * stored_entries(idx % self.p, self.n, self.fit_intercept, nnz_of) + n_b

    def hessian_columns(self, theta, idx):
        """Weighted design columns A with A^T A = ``hessian(theta, idx)`` (``_columns``).

        Per row the softmax Hessian is diag(p) - p p^T = sum_r p_r (e_r - p)(e_r - p)^T, so the
        column of parameter (class k, column j) holds sqrt(s_i p_ir) (delta_kr - p_ik) x~_ij at
        row i K + r; with the anchor, a last row holds 1 / sqrt(K) at every intercept."""
        PT, idx, K = self._probs(theta), np.asarray(idx), self.K
        k_of, j_of = idx // self.p + self.k0, idx % self.p
        root = np.sqrt(self.s * PT)  # (K, n)
        coo = []  # sparse X: (column, row, value) of each class's entries
        At = None if sp.issparse(self.X) else np.zeros((idx.size, self.column_rows))
        for k in np.unique(k_of):
            sel = np.flatnonzero(k_of == k)
            L = root * -PT[k]  # L[r, i] = sqrt(s_i p_ir) (delta_kr - p_ik)
            L[k] += root[k]
            Xc = self._design_columns(j_of[sel])
            if At is not None:
                At[sel, :self.n * K] = (Xc.T[:, :, None] * L.T[None]).reshape(sel.size, -1)
                continue
            c = Xc.tocoo()
            coo.append((np.repeat(sel[c.col], K), (c.row[:, None] * K + np.arange(K)).ravel(),
                        (c.data[:, None] * L[:, c.row].T).ravel()))
        b = np.flatnonzero(j_of == 0) if self._anchor else np.zeros(0, dtype=np.intp)
        if At is not None:
            At[b, -1] = K ** -0.5
            return make_columns(At)
        coo.append((b, np.full(b.size, self.column_rows - 1), np.full(b.size, K ** -0.5)))
        c, r, v = (np.concatenate(a) for a in zip(*coo))
        return make_columns(sp.csr_matrix((v, (c, r)), shape=(idx.size, self.column_rows)))

    def _design_columns(self, js):
        """X~[:, js] for sorted js (X~ = [1, X] with an intercept), in X's format."""
        has_b = self.fit_intercept and js[0] == 0
        Xc = self.X[:, js[int(has_b):] - int(self.fit_intercept)]
        if not has_b:
            return Xc
        ones = np.ones((self.n, 1))
        return sp.hstack([sp.csc_matrix(ones), Xc]) if sp.issparse(Xc) else np.hstack([ones, Xc])

    def _hessian_dense(self, PT, xcols, has_b):
        """sum_i s_i (diag(p_i) - p_i p_i^T) (x) x_i x_i^T over the free classes, block by block
        of the upper triangle: (k, k) = X~^T diag(s p_k (1 - p_k)) X~ (a syrk) and (k, l > k) =
        -X~^T diag(s p_k p_l) X~. The two threads take complementary block rows of the one result
        and read all rows, each keeping two row blocks of X~ (128 kB each): a split by rows needs a
        (K p)^2 partial sum per thread, and a stacked p (x) x design a block of K p columns, which
        on W3 left 2-14 MiB more resident (freed heap memory is not returned)."""
        Kf = PT.shape[0]
        m = xcols.size + int(has_b)
        q = Kf * m
        all_cols = xcols.size == self.d
        s = self.s
        H = np.zeros((q, q))
        step = max(256, _HESS_ENTRIES // m)

        def part(ks):
            for a in range(0, self.n, step):
                b = min(a + step, self.n)
                Xb = self.X[a:b] if all_cols else self.X[a:b][:, xcols]
                Xt = np.empty((b - a, m))
                if has_b:
                    Xt[:, 0] = 1.0
                Xt[:, int(has_b):] = Xb
                Xs = np.empty_like(Xt)
                for k in ks:
                    sp_k = s[a:b] * PT[k, a:b]
                    np.multiply(Xt, np.sqrt(sp_k * (1.0 - PT[k, a:b]))[:, None], out=Xs)
                    H[k * m:(k + 1) * m, k * m:(k + 1) * m] += Xs.T @ Xs  # numpy's syrk, GIL released
                    for l in range(k + 1, Kf):
                        np.multiply(Xt, (sp_k * PT[l, a:b])[:, None], out=Xs)
                        H[k * m:(k + 1) * m, l * m:(l + 1) * m] -= Xs.T @ Xt

        # block row k has Kf - k blocks: deal the rows out greedily, largest first
        shares, load = ([], []), [0, 0]
        for k in range(Kf):
            j = int(load[1] < load[0])
            shares[j].append(k)
            load[j] += Kf - k
        threaded = self.n * q * q >= 10 * _THREADED_MIN_WORK and Kf > 1 and threads_allowed()
        with single_threaded_blas():
            if threaded:
                for f in [pool().submit(part, ks) for ks in shares]:
                    f.result()
            else:
                part(range(Kf))
        for k in range(Kf - 1):  # the lower triangle, block by block (no (K p)^2 index arrays)
            H[(k + 1) * m:, k * m:(k + 1) * m] = H[k * m:(k + 1) * m, (k + 1) * m:].T
        return H

    def _hessian_sparse(self, PT, xcols, has_b):
        Kf = PT.shape[0]
        m = xcols.size + int(has_b)
        Xc = self.X if xcols.size == self.d else self.X[:, xcols]
        H = np.empty((Kf * m, Kf * m))
        for a in range(Kf):
            for b_ in range(a, Kf):
                D = self.s * PT[a] * ((a == b_) - PT[b_])
                blk = np.empty((m, m))
                # D may be negative off the diagonal: form X^T (D X) directly
                DX = Xc.multiply(D[:, None])
                inner = np.asarray((Xc.T @ DX).todense())
                if has_b:
                    blk[0, 0] = D.sum()
                    blk[0, 1:] = blk[1:, 0] = np.asarray(DX.sum(axis=0)).ravel()
                    blk[1:, 1:] = inner
                else:
                    blk[:] = inner
                H[a * m:(a + 1) * m, b_ * m:(b_ + 1) * m] = blk
                H[b_ * m:(b_ + 1) * m, a * m:(a + 1) * m] = blk.T
        return H
