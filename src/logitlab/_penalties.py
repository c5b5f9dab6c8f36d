"""Penalties: value, gradient, Hessian of the smooth part, and the L1 weights a prox needs.

    elastic net:  alpha * (l1_ratio * ||w||_1 + (1 - l1_ratio) / 2 * ||w||_2^2)
    firth:        + 1/2 log det I(beta) / sum(weights)   (Jeffreys prior, binary logit)

``mask`` marks penalised parameters (never the intercept). Each penalty states what it
offers (``smooth``: no L1 part; ``exact_hessian``: its Hessian is exact) so that a solver
that cannot handle it is refused before solving.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy import linalg
from scipy.linalg import lapack

from ._errors import ParameterError
from ._loss import _fused, same_point
from ._threads import single_threaded_blas

PENALTIES = ("none", "l2", "l1", "elasticnet", "firth")
# Below this many multiply-adds a (p, p) x (p, n) product runs faster on one BLAS thread: a
# short, wide product splits badly, and on a busy machine two threads were 30x slower here.
_SMALL_PRODUCT = 5e7
# Up to this many parameters Firth's information and hat values come from the compiled kernels
# (``_fused.column_gram``, ``_fused.hat_values``) at any n: on one core they beat numpy's
# products on both (n = 5,000, p = 64: 2.1 ms a point against 2.8; n = 1e6, p = 21: 46 ms
# against 222 ms on two); at p = 100 the two tie, and the kernels' accumulators outgrow L2.
_KERNEL_MAX_PARAMS = 64


class ElasticNet:
    """none / l2 / l1 / elasticnet as one family (alpha = 0 or l1_ratio in {0, 1} special cases)."""

    def __init__(self, name, alpha, l1_ratio, mask):
        self.name = name
        self.alpha = float(alpha)
        self.l1_ratio = float(l1_ratio)
        # a boolean mask, and without an L1 part a read-only zero of stride 0 for l1: with many
        # parameters (W4: 262,145) two float vectors of them would each be 2 MB of the fit's peak
        self.mask = np.asarray(mask, dtype=bool)
        self.l2 = self.alpha * (1.0 - self.l1_ratio)
        l1 = self._l1_strength = self.alpha * self.l1_ratio
        # per-parameter L1 strength
        self.l1 = l1 * self.mask if l1 else np.broadcast_to(0.0, self.mask.shape)
        self.smooth = not (l1 > 0 and self.mask.any())
        self.exact_hessian = True

    def value(self, theta):
        l1 = float(self.l1 @ np.abs(theta)) if self._l1_strength else 0.0
        return 0.5 * self.l2 * float(np.sum(self.mask * theta * theta)) + l1

    def grad(self, theta):
        """Gradient of the smooth (L2) part."""
        return self.l2 * self.mask * theta

    def hess_diag(self, theta):
        return self.l2 * self.mask


class Firth:
    """Jeffreys-prior penalty for binary logistic regression (Firth 1993, as R's logistf).

    Its gradient is the Firth modification of the score, -X~^T (h (1/2 - mu)) / sum(w), with h
    the diagonal of the weighted hat matrix. Its Hessian is not formed: Newton uses the loss's
    Fisher information, as logistf does (``exact_hessian = False``); ``information`` gives the
    copy of that matrix computed with the penalty's value (refits use it instead of a second
    pass over X).
    """

    name = "firth"
    smooth = True
    exact_hessian = False

    def __init__(self, loss):
        if getattr(loss, "link", None) is None or loss.link.name != "logit":
            raise ParameterError("penalty='firth' is implemented for binary models with link='logit' only; "
                                 "use penalty='l2' for other links or for multiclass models")
        self.loss = loss
        self.l1 = np.zeros(loss.n_params)
        self._cache_theta = None
        self._derived = {}  # computed from the cached point's pieces: "Linv", "B", "hat"
        self._design_t = None
        self._buffers = None  # (p, n) arrays for Xs and B, reused point after point

    def _pieces(self, theta):
        """(log det I, lower Cholesky factor L of I, Fisher weights W, mu, Xs, I) at theta, cached:
        value, gradient, hat values and Newton's matrix at one point share them.

        Up to 64 parameters with the extension: I from the transposed design by the compiled
        kernel (``_fused.column_gram``). Else small designs (n p^2 < 5e7), on one core:
        I = Xs Xs^T from Xs = X~^T sqrt(W), which the hat values reuse. Larger ones: I from the
        loss (its blocked passes). Xs is None but for numpy's small route."""
        if self._cache_theta is not None and same_point(self._cache_theta, theta):
            return self._cached
        loss = self.loss
        mu = loss.mean(theta)
        # logit Fisher weights, mean-scaled (as loss.hessian_weights): a fresh contiguous float64
        # array, as the compiled kernels take it
        W = loss.s * mu * (1.0 - mu)
        Xt = self._design_transposed()
        Xs = None
        if self._compiled():
            upper = np.zeros((loss.p, loss.p))
            _fused.column_gram(Xt, loss.p, loss.n, W, upper)
            info = upper + np.triu(upper, 1).T
        elif not self._small:
            info = loss.hessian(theta)
        else:
            # into a kept buffer: only the cached point's pieces are ever read, and a fresh
            # (p, n) array per point cost more than the product (page faults, W8: 0.55 ms)
            Xs = np.multiply(Xt, np.sqrt(W), out=self._buffer(0))
            with single_threaded_blas():
                info = Xs @ Xs.T  # numpy's syrk
        try:
            L = linalg.cholesky(info, lower=True, check_finite=False)
            logdet = 2.0 * np.sum(np.log(np.diag(L)))
        except linalg.LinAlgError:
            L, logdet = None, -np.inf
        if not np.isfinite(logdet):  # an information with NaN or inf (absurd theta)
            L, logdet = None, -np.inf
        self._cached = (logdet, L, W, mu, Xs, info)
        self._derived = {}
        self._cache_theta = theta.copy()
        return self._cached

    def _compiled(self):
        """The compiled kernels take the information and the hat values (asked at each call:
        the tests and ``benchmarks.fused_pass`` switch the extension off)."""
        return _fused is not None and self.loss.p <= _KERNEL_MAX_PARAMS

    @property
    def _small(self):
        """n p^2 below _SMALL_PRODUCT: numpy's products on one core."""
        Xt = self._design_transposed()
        return Xt.size * Xt.shape[0] < _SMALL_PRODUCT

    def information(self, theta):
        """The Fisher information / sum(w) at theta (the loss's Hessian for the logit link),
        as computed with the penalty's value there: Newton's matrix for refits."""
        return self._pieces(theta)[5].copy()

    def _design_transposed(self):
        """[1, X]^T as a dense C-ordered (p, n) array, built once (Firth is for moderate n and p):
        products with it run along contiguous rows."""
        if self._design_t is None:
            loss = self.loss
            X = loss.X.toarray() if sp.issparse(loss.X) else np.asarray(loss.X)
            Xt = np.empty((loss.p, loss.n))
            if loss.fit_intercept:
                Xt[0] = 1.0
            Xt[int(loss.fit_intercept):] = X.T
            self._design_t = Xt
        return self._design_t

    def _whitened(self, theta):
        """B = L^-1 X~^T sqrt(W), (p, n): B^T B is the weighted hat matrix. One (p, p) x (p, n)
        product on the transposed design (no n-column triangular solve); kept for the point
        (``curvature`` and, without the compiled kernel, the hat values share it)."""
        _, _, W, _, Xs, _ = self._pieces(theta)
        if "B" not in self._derived:
            Linv = self._inverse_factor(theta)
            Xt = self._design_transposed()
            if Xs is None and not self._small:
                B = (Linv @ Xt) * np.sqrt(W)
            else:
                with single_threaded_blas():  # small: BLAS threads only slow this short, wide product
                    B = np.matmul(Linv, Xt if Xs is None else Xs, out=self._buffer(1))
                if Xs is None:  # the compiled route keeps no scaled copy
                    B *= np.sqrt(W)
            self._derived["B"] = B
        return self._derived["B"]

    def _inverse_factor(self, theta):
        """L^-1 (C order) at theta, kept for the point: the hat values and B share it."""
        L = self._pieces(theta)[1]
        if "Linv" not in self._derived:
            self._derived["Linv"] = np.ascontiguousarray(lapack.dtrtri(L, lower=1)[0])
        return self._derived["Linv"]

    def _buffer(self, k):
        """The k-th kept (p, n) buffer (0: Xs, 1: B)."""
        if self._buffers is None:
            shape = self._design_transposed().shape
            self._buffers = (np.empty(shape), np.empty(shape))
        return self._buffers[k]

    def hat(self, theta):
        """Diagonal of the weighted hat matrix W^1/2 X~ I^-1 X~^T W^1/2 (sums to p): the column
        sums of squares of L^-1 X~^T W^1/2 (I = L L^T). With the compiled kernel
        (``_fused.hat_values``, up to 64 parameters): in one read of the transposed design, B
        not formed."""
        _, L, W, _, _, _ = self._pieces(theta)
        if "hat" not in self._derived:
            if self._compiled() and L is not None:
                h = np.empty(self.loss.n)
                _fused.hat_values(self._design_transposed(), self.loss.p, self.loss.n,
                                  self._inverse_factor(theta), W, h)
            else:
                B = self._whitened(theta)
                h = np.einsum("ij,ij->j", B, B)
            h.flags.writeable = False  # kept for the point: callers share it
            self._derived["hat"] = h
        return self._derived["hat"]

    def curvature(self, theta, v):
        """d^2/dt^2 of the penalty at theta + t v (t = 0), exactly: the part of the Hessian that
        Newton's matrix leaves out, along one direction (profile-likelihood solves use it).

        With I(t) = X~^T diag(W(t)) X~ and u = X~ v: d^2 (-1/2 log det I) =
        -1/2 [tr(I^-1 I'') - tr((I^-1 I')^2)], I' = X~^T diag(W (1 - 2 mu) u) X~,
        I'' = X~^T diag(W (1 - 6 mu (1 - mu)) u^2) X~; so tr(I^-1 I'') = sum h (1 - 6 mu (1 - mu))
        u^2 and tr((I^-1 I')^2) = |B diag((1 - 2 mu) u) B^T|_F^2 with B from ``_whitened``."""
        mu = self._pieces(theta)[3]
        B = self._whitened(theta)
        u = v @ self._design_transposed()
        first = self.hat(theta) @ ((1.0 - 6.0 * mu * (1.0 - mu)) * u * u)
        M = (B * ((1.0 - 2.0 * mu) * u)) @ B.T
        return -0.5 * (first - np.sum(M * M)) / self.loss.sw_sum

    def value(self, theta):
        logdet = self._pieces(theta)[0]
        if not np.isfinite(logdet):
            return np.inf
        return -0.5 * logdet / self.loss.sw_sum

    def grad(self, theta):
        h = self.hat(theta)
        mu = self._pieces(theta)[3]
        return -(self._design_transposed() @ (h * (0.5 - mu))) / self.loss.sw_sum

    def hess_diag(self, theta):
        return np.zeros(self.loss.n_params)


def make_penalty(name, alpha, l1_ratio, loss):
    if name == "firth":
        return Firth(loss)
    ratio = {"none": 0.0, "l2": 0.0, "l1": 1.0, "elasticnet": l1_ratio}[name]
    return ElasticNet(name, 0.0 if name == "none" else alpha, ratio, loss.penalised_mask())
