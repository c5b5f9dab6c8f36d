"""The inner problem of ``cd``: minimise the composite quadratic model over the working set,

    q(d) = g.d + d'Hd/2 + sum_j l1_j |theta_j + d_j|,

by cyclic coordinate descent (Friedman, Hastie and Tibshirani 2010) over the non-zeros and the
violators, with Newton steps on the face of the current signs (``_polish``) once they settle.
Two forms of the model: ``GramModel`` holds H (m x m) and keeps H d; ``ResidualModel`` holds
weighted design columns A with H = A^T A + diag(c) (``Objective.hessian_columns``) and keeps
u = A d, one number per row of A (glmnet's "naive" update), for working sets wider than the
data has rows (or with sparse columns): a coordinate then costs one column of A and no m x m
array is formed. The per-coordinate updates call BLAS directly (``daxpy``, ``ddot``): on the
short vectors of a sweep numpy's operators cost several times more in call overhead.
"""
from __future__ import annotations

import numpy as np
from scipy import linalg
from scipy.linalg.blas import daxpy

from ._cg import conjugate_gradient

_DIRECT_MAX = 1000  # largest face ``_polish`` factorises (8 MB; ~0.1 s of Cholesky on one core)
_CG_RTOL = 1e-3     # beyond it, conjugate gradients to this relative residual
_RIDGE = 1e-12
_PROJECTED_STEPS = (1.0, 0.5, 0.25)  # projected steps tried before the segment to the first zero
# a pass that changed the signs of at most this share of its coordinates is followed by a
# polish: on 50,000 non-zeros (W5 at alpha = 0.15 alpha_max) a few still change in every pass
_FEW_CHANGES = 0.01


class GramModel:
    """H formed; (H d)_j is kept for every j, a coordinate's move costs a row of H."""

    def __init__(self, H):
        self.H = H
        self.diag = np.diag(H).copy()
        self.Hd = np.zeros(H.shape[0])
        self._rows = list(H)  # (H is symmetric: row j is column j)

    def gradient(self, g, d):
        """g + H d, the gradient of the smooth part of the model at d."""
        return g + self.Hd

    def coordinate(self, j, d_j):
        """(H d)_j"""
        return self.Hd[j]

    def move(self, j, delta):
        """d_j += delta"""
        daxpy(self._rows[j], self.Hd, a=delta)

    def move_many(self, S, step):
        """d[S] += step"""
        self.Hd += self.H[:, S] @ step

    def face(self, S):
        """H[S, S] as a matrix."""
        return self.H[np.ix_(S, S)]

    def face_product(self, S):
        """v -> H[S, S] v"""
        return self.face(S).__matmul__


class ResidualModel(GramModel):
    """H = A^T A + diag(c) through u = A d; a coordinate costs a column of A."""

    def __init__(self, A, c):
        self.A, self.c = A, c
        self.diag = A.sq_norms() + c
        self.u = np.zeros(A.n_rows)
        self._c = c.tolist()

    def gradient(self, g, d):
        return g + self.A.rmatvec(self.u) + self.c * d

    def coordinate(self, j, d_j):
        return self.A.dot(j, self.u) + self._c[j] * d_j

    def move(self, j, delta):
        self.A.axpy(j, delta, self.u)

    def move_many(self, S, step):
        self.u += self.A.restrict(S).matvec(step)

    def face(self, S):
        H = self.A.restrict(S).gram()
        H[np.diag_indices_from(H)] += self.c[S]
        return H

    def face_product(self, S):
        B, c = self.A.restrict(S), self.c[S]
        return lambda v: B.rmatvec(B.matvec(v)) + c * v


def _violations(r, z, l1):
    """Per coordinate, the minimum-norm subgradient of the model at z = theta + d (the shared
    KKT measure of ``Objective.kkt_residual``, on the model)."""
    out = np.maximum(np.abs(r) - l1, 0.0)
    nz = z != 0
    out[nz] = np.abs(r[nz] + l1[nz] * np.sign(z[nz]))
    return out


def _sweep(model, order, g, theta, d, l1, diag):
    """One cyclic pass over ``order`` (Python lists of floats, d updated in place); the number
    of coordinates that moved to or from zero or changed sign."""
    coordinate, move = model.coordinate, model.move
    changed = 0
    for j in order:
        old = theta[j] + d[j]
        h = diag[j]
        v = h * old - (g[j] + coordinate(j, d[j]))
        lam = l1[j]
        z = (v - lam) / h if v > lam else (v + lam) / h if v < -lam else 0.0
        if z != old:
            move(j, z - old)
            d[j] = z - theta[j]
            changed += (z > 0) != (old > 0) or (z < 0) != (old < 0)
    return changed


def _polish(model, g, theta, d, l1):
    """Newton's step on the face of the current signs, in place: d[S] for S the non-zeros
    (and unpenalised coordinates) minimises the smooth model with the others at zero and the
    signs kept, one linear system in H[S, S] (Cholesky up to ``_DIRECT_MAX`` coordinates,
    else conjugate gradients on products with it). Coordinates the step would take across zero
    are set to zero (projection on the orthant, as OWL-QN), halving the step until q decreases;
    failing that, the step stops where the first coordinate reaches zero, along which q
    decreases. Cyclic coordinate descent needs hundreds of sweeps when H[S, S] is badly
    conditioned (supports of about n columns on wide data); this ends them once the signs are
    known. False (d unchanged) where no step decreases q (rounding on a singular H)."""
    z = theta + d
    S = np.flatnonzero((z != 0) | (l1 == 0))
    if S.size == 0:
        return False
    zS, sign, lam = z[S], np.sign(z[S]), l1[S]
    r = model.gradient(g, d)[S]
    step, product = _face_step(model, S, r + lam * sign)
    if step is None:
        return False
    pinned = (lam > 0) & (np.sign(zS + step) != sign)
    candidates = [step]
    if pinned.any():
        ratio = zS[pinned] / -step[pinned]
        stop = np.flatnonzero(pinned)[np.argmin(ratio)]
        segment = float(np.min(ratio)) * step  # to the first zero
        segment[stop] = -zS[stop]
        candidates = [np.where(pinned, 0.0, zS + t * step) - zS for t in _PROJECTED_STEPS] + [segment]
    for delta in candidates:
        new = zS + delta
        if r @ delta + 0.5 * delta @ product(delta) + lam @ (np.abs(new) - np.abs(zS)) < 0:
            d[S] += delta
            d[S[new == 0]] = -theta[S[new == 0]]  # exact zeros
            model.move_many(S, delta)
            return True
    return False


def _face_step(model, S, rhs):
    """(-(H[S, S] + ridge)^-1 rhs, v -> H[S, S] v), or (None, None). The ridge is 1e-12 of the
    largest diagonal entry: columns repeated in S (hashed data) make H[S, S] singular, and
    along such a flat direction the step is then long and ends where a coordinate reaches 0."""
    diag = model.diag[S]
    ridge = _RIDGE * max(float(np.max(diag)), 1e-300)
    if S.size <= _DIRECT_MAX:
        H = model.face(S)
        M = H + ridge * np.eye(S.size)
        try:
            step = -linalg.cho_solve(linalg.cho_factor(M, lower=True, overwrite_a=True, check_finite=False),
                                     rhs, check_finite=False)
        except linalg.LinAlgError:
            return None, None
        return step, H.__matmul__
    product = model.face_product(S)
    scale = 1.0 / np.maximum(diag + ridge, 1e-300)  # Jacobi preconditioner
    step, _ = conjugate_gradient(lambda v: product(v) + ridge * v, -rhs, scale.__mul__, rtol=_CG_RTOL)
    return step, product


def minimise(model, g, theta, l1, tol, max_sweeps=200):
    """d minimising q over the working set, to a model KKT residual of at most ``tol`` (or
    after ``max_sweeps`` passes). Each pass checks every coordinate at once (one product with
    H or A^T) and sweeps the non-zeros and the violators (glmnet's active set). After a pass
    that changed the sign of few coordinates (``_FEW_CHANGES``) it tries ``_polish`` (once for
    given signs, unless the last one succeeded); after a successful one the non-zeros sit at
    the minimum of their face and the next passes sweep the violators only."""
    diag = np.maximum(model.diag, 1e-12)
    gl, tl, ll, hl = g.tolist(), theta.tolist(), l1.tolist(), diag.tolist()
    dl = [0.0] * g.size
    polished, fresh = None, False
    for _ in range(max_sweeps):
        d = np.array(dl)
        z = theta + d
        viol = _violations(model.gradient(g, d), z, l1)
        if viol.max() <= tol:
            break
        visit = (viol > tol) if fresh else (z != 0) | (l1 == 0) | (viol > tol)
        order = np.flatnonzero(visit).tolist()
        if _sweep(model, order, gl, tl, dl, ll, hl) > _FEW_CHANGES * len(order):
            continue
        d = np.array(dl)
        signs = np.sign(theta + d)
        if fresh or polished is None or not np.array_equal(signs, polished):
            polished = signs
            fresh = _polish(model, g, theta, d, l1)
            if fresh:
                dl = d.tolist()
    return np.array(dl)
