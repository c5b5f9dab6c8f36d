"""Proximal Newton with coordinate descent on the quadratic model and a working set.

Outer loop: the second-order model of the smooth part at theta, plus the L1 term, is minimised
by cyclic coordinate descent over a working set (non-zero or unpenalised parameters plus the
worst KKT violators), then a step-halving line search on the true objective (Lee, Sun and
Saunders 2014; glmnet's and skglm's working-set strategy). Handles l1 / elasticnet, and
l2 / none as a special case.
"""
from __future__ import annotations

import numpy as np

from ._linesearch import STALLED, backtrack
from ._result import SolverResult, converged

NAME = "cd"
NEEDS = {"hessian"}
HANDLES_L1 = True
DEFAULT_MAX_ITER = 100


def _soft(x, t):
    return np.sign(x) * np.maximum(np.abs(x) - t, 0.0)


def _cd_quadratic(H, g, theta, l1, max_sweeps=200, tol=1e-12):
    """Minimise g.d + d'Hd/2 + sum l1 |theta + d| over d by cyclic coordinate descent."""
    m = g.size
    d = np.zeros(m)
    Hd = np.zeros(m)
    diag = np.maximum(np.diag(H).copy(), 1e-12)
    for _ in range(max_sweeps):
        biggest = 0.0
        for j in range(m):
            z_old = theta[j] + d[j]
            # minimise over z: (g_j + Hd_j - H_jj d_j)(z - theta_j) + H_jj/2 (z - theta_j)^2 + l1_j |z|
            u = diag[j] * z_old - (g[j] + Hd[j])
            z = _soft(u, l1[j]) / diag[j]
            delta = z - z_old
            if delta != 0.0:
                d[j] += delta
                Hd += delta * H[:, j]
                biggest = max(biggest, abs(delta) * np.sqrt(diag[j]))
        if biggest <= tol:
            break
    return d


def _working_set(theta, g, l1, size):
    free = (theta != 0) | (l1 == 0)
    violation = np.where(free, 0.0, np.abs(g) - l1)
    candidates = np.flatnonzero(violation > 0)
    if candidates.size > size:
        candidates = candidates[np.argsort(-violation[candidates])[:size]]
    return np.union1d(np.flatnonzero(free), candidates)


def solve(objective, theta, *, tol, max_iter, record, **_):
    l1 = objective.l1
    f, g = objective.value_grad(theta)
    res = objective.kkt_residual(theta, g)
    record(0, theta, f, res, 0.0)
    ws_extra = 10
    for it in range(1, max_iter + 1):
        if converged(res, tol):
            return SolverResult(theta, it - 1, True, f, res, "converged")
        ws = _working_set(theta, g, l1, ws_extra)
        H = objective.hessian(theta, ws)
        inner_tol = max(min(res, 1.0) * 1e-3, 1e-14)
        d_ws = _cd_quadratic(H, g[ws], theta[ws], l1[ws], tol=inner_tol)
        direction = np.zeros_like(theta)
        direction[ws] = d_ws
        # predicted decrease of the composite model (Tseng & Yun's Armijo rule for prox-Newton)
        delta = float(g @ direction) + float(l1 @ (np.abs(theta + direction) - np.abs(theta)))
        accepted = backtrack(objective, theta, direction, f, delta)
        if accepted is None:
            return SolverResult(theta, it - 1, False, f, res, STALLED)
        t, candidate, f_new, g_new = accepted
        step = t * float(np.max(np.abs(direction)))
        theta = candidate
        f, g = f_new, g_new
        res = objective.kkt_residual(theta, g)
        record(it, theta, f, res, step)
        ws_extra = min(2 * ws_extra, theta.size)  # grow the working set while violators remain
    ok = converged(res, tol)
    return SolverResult(theta, max_iter, ok, f, res, "converged" if ok else "maximum number of iterations reached")
