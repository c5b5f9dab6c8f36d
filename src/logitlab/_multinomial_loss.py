"""Multinomial (softmax) loss: the K-class counterpart of ``BinaryLoss`` (layout in ``_loss``)."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.special import logsumexp, softmax

from ._loss import _Cache


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
        self.s = weights / self.sw_sum
        self.fit_intercept = fit_intercept
        self.offset = offset
        self.reference = reference
        self.n, self.d = X.shape
        self.p = self.d + int(fit_intercept)
        self.k0 = 1 if reference else 0  # first free class row
        self.n_outputs = n_classes
        self.n_params = (self.K - self.k0) * self.p
        self.Y = np.zeros((self.n, self.K))
        self.Y[np.arange(self.n), self.codes] = 1.0
        self._anchor = fit_intercept and not reference
        self._cache = _Cache()
        self._proba = self._proba_of = None

    def _intercept_sum(self, theta):
        # a numpy float: a diverging step gives inf (gd then says so), not Python's OverflowError
        return theta.reshape(self.K, self.p)[:, 0].sum()

    def subset(self, rows):
        return MultinomialLoss(self.X[rows], self.codes[rows], self.weights[rows], self.K, self.fit_intercept,
                               None if self.offset is None else self.offset[rows], self.reference)

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
        return self._cache.get(theta, self._design_dot)

    def _xt(self, R):
        """Gradient-shaped X~^T R for the free rows: R is (n, K)."""
        G = np.asarray(self.X.T @ R).T  # (K, d)
        if self.fit_intercept:
            G = np.column_stack([R.sum(axis=0), G])
        return G[self.k0:].ravel()

    def value(self, theta):
        eta = self.eta(theta)
        nll = logsumexp(eta, axis=1) - eta[np.arange(self.n), self.codes]
        anchor = 0.5 * self._intercept_sum(theta) ** 2 / self.K if self._anchor else 0.0
        return float(self.s @ nll) + anchor

    def proba(self, theta):
        eta = self.eta(theta)
        if self._proba_of is not eta:  # Hessian-vector products reuse it at a fixed theta
            self._proba, self._proba_of = softmax(eta, axis=1), eta
        return self._proba

    def grad(self, theta):
        g = self._xt(self.s[:, None] * (self.proba(theta) - self.Y))
        if self._anchor:
            g[::self.p] += self._intercept_sum(theta) / self.K
        return g

    def value_grad(self, theta):
        return self.value(theta), self.grad(theta)

    def hessian(self, theta, idx=None, expected=False):
        """Full Hessian (observed = expected for the canonical softmax link)."""
        P = self.proba(theta)
        ks = np.arange(self.k0, self.K)
        Kf = ks.size
        if idx is None:
            idx = np.arange(self.n_params)
        idx = np.asarray(idx)
        cols = np.unique(idx % self.p)
        has_b = self.fit_intercept and cols[0] == 0
        xcols = (cols[1:] - 1 if has_b else cols - 1) if self.fit_intercept else cols
        Xc = self.X if xcols.size == self.d else self.X[:, xcols]
        m = cols.size
        H = np.empty((Kf * m, Kf * m))
        for a, k in enumerate(ks):
            for b_, l in enumerate(ks[a:], start=a):
                D = self.s * P[:, k] * ((k == l) - P[:, l])
                blk = np.empty((m, m))
                # D may be negative off the diagonal: form X^T (D X) directly
                DX = Xc.multiply(D[:, None]) if sp.issparse(Xc) else Xc * D[:, None]
                inner = np.asarray((Xc.T @ DX).todense() if sp.issparse(DX) else Xc.T @ DX)
                if has_b:
                    blk[0, 0] = D.sum()
                    blk[0, 1:] = blk[1:, 0] = np.asarray(DX.sum(axis=0)).ravel()
                    blk[1:, 1:] = inner
                else:
                    blk[:] = inner
                H[a * m:(a + 1) * m, b_ * m:(b_ + 1) * m] = blk
                H[b_ * m:(b_ + 1) * m, a * m:(a + 1) * m] = blk.T
        # map requested parameter indices to rows of the (class, column) block matrix
        pos = {c: i for i, c in enumerate(cols)}
        sel = np.array([(j // self.p) * m + pos[j % self.p] for j in idx])
        H = H[np.ix_(sel, sel)]
        if self._anchor:
            is_b = (idx % self.p) == 0
            H[np.ix_(is_b, is_b)] += 1.0 / self.K
        return H

    def hessp(self, theta, v):
        P = self.proba(theta)
        V = self.full(v) if self.reference else v.reshape(self.K, self.p)
        if self.reference:
            V = V.copy()
            V[0] = 0.0
        U = np.asarray(self.X @ (V[:, 1:] if self.fit_intercept else V).T)
        if self.fit_intercept:
            U = U + V[:, 0]
        R = self.s[:, None] * P * (U - (P * U).sum(axis=1, keepdims=True))
        out = self._xt(R)
        if self._anchor:
            out[::self.p] += float(V[:, 0].sum()) / self.K
        return out
