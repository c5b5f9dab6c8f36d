"""Dense linear algebra shared by the second-order solvers."""
from __future__ import annotations

import numpy as np
from scipy.linalg import lapack


def solve_psd(H, g):
    """Solve H x = g for a symmetric positive (semi-)definite H.

    Cholesky first (LAPACK's potrf and potrs called directly: scipy's cho_factor / cho_solve
    wrappers cost ~60 us a call, which small fits repeat every iteration: W6's 200 fits make
    1,800); when H is singular (e.g. the unidentified intercept direction of the symmetric
    multinomial form) fall back to the minimum-norm solution from eigh.
    """
    factor, info = lapack.dpotrf(H, lower=1, clean=0)
    if info == 0:
        x, info = lapack.dpotrs(factor, g, lower=1)
        if info == 0:
            return x
    vals, vecs = np.linalg.eigh(H)
    cut = max(vals.max(), 0.0) * H.shape[0] * np.finfo(float).eps * 10
    inv = np.where(vals > cut, 1.0 / np.where(vals > cut, vals, 1.0), 0.0)
    return vecs @ (inv * (vecs.T @ g))
