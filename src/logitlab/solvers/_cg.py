"""Preconditioned conjugate gradients for truncated Newton, and its preconditioner.

Newton's system H x = g is solved by CG on Hessian-vector products (each one a pass over the
data) to the Eisenstat-Walker relative residual min(0.5, sqrt(|g|)). Plain CG needs as many
products as the spread of H's spectrum demands (tens on a multinomial problem); preconditioned
by the Hessian of a random subset of rows, factorised once per Newton step, the preconditioned
spectrum clusters around 1 (relative error about sqrt(p / m) for m sampled rows) and a few
products suffice. The result is still the (inexact) Newton step of the exact Hessian: the
preconditioner changes only how fast CG gets there.
"""
from __future__ import annotations

import weakref

import numpy as np
from scipy import linalg

from .._threads import single_threaded_blas

# The preconditioner: the Hessian of m = max(SAMPLE_MIN_ROWS, SAMPLE_ROWS_PER_PARAM * P) random
# rows (all rows when that is at least half of them), for P <= PRECOND_MAX_PARAMS parameters,
# when forming it (m P^2 flops, one efficient syrk) costs at most PRECOND_MAX_PRODUCTS
# Hessian-vector products (4 n P flops each) -- it typically saves more. About 4 rows per
# parameter is where the products saved stop paying for the larger sample (W3: m = 2040 for
# P = 510, 1-4 products per Newton step against 1-14 unpreconditioned).
SAMPLE_ROWS_PER_PARAM = 4
SAMPLE_MIN_ROWS = 1000
PRECOND_MAX_PARAMS = 1500
PRECOND_MAX_PRODUCTS = 8

_samples = weakref.WeakKeyDictionary()  # objective -> its row sample (formed once per fit)


def conjugate_gradient(hessp, g, precondition=None, rtol=None, max_iter=250):
    """Approximately solve H x = g, to the relative residual |r| <= rtol |g|, by default
    rtol = min(0.5, sqrt(|g|)) (Eisenstat-Walker: superlinear Newton, few products early on).

    ``precondition(r)`` applies M^-1 for a symmetric positive definite M close to H (None: the
    identity). On a direction of non-positive curvature it returns what it has (or, at the
    first iteration, the preconditioned gradient M^-1 g, a descent direction).
    Returns (x, number of Hessian-vector products).
    """
    apply = precondition if precondition is not None else (lambda r: r)
    x = np.zeros_like(g)
    r = g.copy()
    z = apply(r)
    p = z.copy()
    rz = float(r @ z)
    gnorm = float(np.sqrt(g @ g))
    stop = (min(0.5, np.sqrt(gnorm)) if rtol is None else rtol) * gnorm
    for it in range(1, max_iter + 1):
        Hp = hessp(p)
        curvature = float(p @ Hp)
        if curvature <= 0 or rz <= 0:  # numerically flat: keep what we have
            return (x if x.any() else apply(g)), it
        step = rz / curvature
        x += step * p
        r -= step * Hp
        if np.sqrt(float(r @ r)) <= stop:
            return x, it
        z = apply(r)
        rz_new = float(r @ z)
        p *= rz_new / rz
        p += z
        rz = rz_new
    return x, max_iter


def cholesky_preconditioner(H, overwrite=False):
    """M^-1 from a Cholesky factorisation of the symmetric H; a small ridge (relative to the
    mean diagonal) is added when H is singular or indefinite in floating point. ``overwrite``:
    H (C-ordered, the caller's to discard) is factorised in place, saving a copy of P^2
    numbers; LAPACK then writes one triangle and the diagonal, so a retry restores them from
    the other triangle and a copy of the diagonal."""
    H = np.asarray(H, dtype=float)
    in_place = overwrite and H.flags.c_contiguous
    A = H.T if in_place else H  # Fortran-ordered view: LAPACK works on it without a copy
    diag = np.diag(H).copy()
    scale = float(np.mean(np.abs(diag))) or 1.0
    ridge = 0.0
    # one BLAS thread: at a few hundred parameters LAPACK's threads only add synchronisation,
    # which on a loaded machine costs far more than the arithmetic
    with single_threaded_blas():
        for _ in range(8):
            try:
                if in_place:
                    if ridge:
                        _restore_lower(A, diag + ridge)
                    factor = linalg.cho_factor(A, lower=True, overwrite_a=True, check_finite=False)
                else:
                    factor = linalg.cho_factor(H + ridge * np.eye(H.shape[0]) if ridge else H, lower=True,
                                               check_finite=False)
                break
            except (linalg.LinAlgError, ValueError):
                ridge = scale * (1e-10 if ridge == 0 else 100 * ridge / scale)
        else:
            return None
    if not np.all(np.isfinite(factor[0])):
        return None

    def solve(r):
        with single_threaded_blas():
            return linalg.cho_solve(factor, r, check_finite=False)

    return solve


def _restore_lower(A, diag):
    """A's lower triangle from its (untouched) upper one, and the given diagonal."""
    for j in range(A.shape[0]):
        A[j + 1:, j] = A[j, j + 1:]
    np.fill_diagonal(A, diag)


def preconditioner_rows(source):
    """Rows of the preconditioner's sample (n_rows: all of them), or None for plain CG."""
    n, P = getattr(source, "n_rows", None), source.n_params
    if n is None or P > PRECOND_MAX_PARAMS or not getattr(source, "exact_hessian", False):
        return None
    m = max(SAMPLE_MIN_ROWS, SAMPLE_ROWS_PER_PARAM * P)
    if 2 * m >= n or not hasattr(source, "subsample"):
        m = n
    return m if m * P * P <= PRECOND_MAX_PRODUCTS * 4 * n * P else None


def sampled_preconditioner(source, theta):
    """M^-1 for CG on ``source``'s Hessian at theta: the factorised Hessian of a fixed random
    subset of its rows (drawn once per objective, so successive Newton steps see the same
    sample), or of all rows when the sample would be most of them; None for plain CG."""
    m = preconditioner_rows(source)
    if m is None:
        return None
    if m == source.n_rows:
        return cholesky_preconditioner(source.hessian(theta), overwrite=True)
    sample = _samples.get(source)
    if sample is None or sample.n_rows != m:
        sample = source.subsample(m, seed=2)
        _samples[source] = sample
    return cholesky_preconditioner(sample.hessian(theta), overwrite=True)
