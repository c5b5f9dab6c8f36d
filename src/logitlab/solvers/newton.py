"""Newton's method (IRLS / Newton-Cholesky) with Armijo step halving.

Requires the objective's Hessian. With an inexact Hessian (Firth: the Fisher information) it is
Fisher scoring on the penalised likelihood, as R's logistf; step halving keeps it monotone.
"""
from __future__ import annotations

import numpy as np

from ._linalg import solve_psd
from ._linesearch import STALLED, backtrack
from ._result import SolverResult, converged

NAME = "newton"
NEEDS = {"hessian"}
HANDLES_L1 = False
DEFAULT_MAX_ITER = 100


def solve(objective, theta, *, tol, max_iter, record, **_):
    hess_source = objective
    m = objective.sketch_rows() if hasattr(objective, "sketch_rows") else None
    if m:
        # large n: start from the solution on a random subset, then take Newton steps with the
        # exact gradient and a Hessian from the subset (the stopping rule is unchanged)
        hess_source = objective.subsample(m)
        coarse = solve(hess_source, theta, tol=tol, max_iter=max_iter, record=lambda *a: None)
        if coarse.converged:
            theta = coarse.theta
    slow_steps = 0
    f, g = objective.value_grad(theta)
    res = objective.kkt_residual(theta, g)
    record(0, theta, f, res, 0.0)
    for it in range(1, max_iter + 1):
        if converged(res, tol):
            return SolverResult(theta, it - 1, True, f, res, "converged")
        direction = -solve_psd(hess_source.hessian(theta), g)
        slope = float(g @ direction)
        if slope >= 0:  # Hessian numerically useless: fall back to steepest descent
            direction, slope = -g, -float(g @ g)
        accepted = backtrack(objective, theta, direction, f, slope)
        if accepted is None:
            return SolverResult(theta, it - 1, False, f, res, STALLED)
        t, candidate, f_new, g_new = accepted
        step = t * float(np.max(np.abs(direction)))
        theta = candidate
        f, g = f_new, g_new
        res, res_before = objective.kkt_residual(theta, g), res
        record(it, theta, f, res, step)
        if hess_source is not objective and res > 0.25 * res_before:
            slow_steps += 1
            if slow_steps >= 2:  # the sub-sampled Hessian is not good enough here: go exact
                hess_source = objective
    ok = converged(res, tol)
    return SolverResult(theta, max_iter, ok, f, res, "converged" if ok else "maximum number of iterations reached")
