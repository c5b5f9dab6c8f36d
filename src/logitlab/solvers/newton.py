"""Newton's method (IRLS / Newton-Cholesky) with Armijo step halving.

Up to ``DIRECT_MAX_PARAMS`` parameters the Newton system is solved with the dense Hessian and a
Cholesky factorisation; beyond, by conjugate gradients on Hessian-vector products (truncated
Newton, with the Eisenstat-Walker forcing term min(0.5, sqrt(|g|)) for superlinear convergence),
which never forms the Hessian. Requires the objective's Hessian or Hessian-vector product. With an inexact Hessian (Firth: the Fisher information) it is
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
DIRECT_MAX_PARAMS = 300


def _newton_direction(source, theta, g):
    if theta.size <= DIRECT_MAX_PARAMS or not hasattr(source, "hessp"):
        return -solve_psd(source.hessian(theta), g)
    return -_conjugate_gradient(lambda v: source.hessp(theta, v), g)


def _conjugate_gradient(hessp, g, max_iter=250):
    """Approximately solve H x = g by CG, to the relative residual min(0.5, sqrt(|g|))."""
    x = np.zeros_like(g)
    r = g.copy()
    p = r.copy()
    rr = float(r @ r)
    gnorm = np.sqrt(rr)
    stop = min(0.5, np.sqrt(gnorm)) * gnorm
    for _ in range(max_iter):
        Hp = hessp(p)
        curvature = float(p @ Hp)
        if curvature <= 0:  # numerically flat: keep what we have (or the gradient step)
            return x if x.any() else g
        step = rr / curvature
        x += step * p
        r -= step * Hp
        rr_new = float(r @ r)
        if np.sqrt(rr_new) <= stop:
            break
        p = r + (rr_new / rr) * p
        rr = rr_new
    return x


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
        direction = _newton_direction(hess_source, theta, g)
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
