"""Dense linear algebra shared by the second-order solvers."""
from __future__ import annotations

import numpy as np
from scipy import linalg


def solve_psd(H, g):
    """Solve H x = g for a symmetric positive (semi-)definite H.

    Cholesky first; when H is singular (e.g. the unidentified intercept direction of the
    symmetric multinomial form) fall back to the minimum-norm solution from eigh.
    """
    try:
        return linalg.cho_solve(linalg.cho_factor(H, lower=True, check_finite=False), g, check_finite=False)
    except (linalg.LinAlgError, ValueError):
        vals, vecs = np.linalg.eigh(H)
        cut = max(vals.max(), 0.0) * H.shape[0] * np.finfo(float).eps * 10
        inv = np.where(vals > cut, 1.0 / np.where(vals > cut, vals, 1.0), 0.0)
        return vecs @ (inv * (vecs.T @ g))
