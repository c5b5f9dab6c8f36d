"""Limited-memory BFGS (scipy's L-BFGS-B) on the smooth objective; needs only gradients."""
from __future__ import annotations

import numpy as np
from scipy import optimize

from .._loss import same_point
from ._result import SolverResult, converged

NAME = "lbfgs"
NEEDS = {"gradient"}
HANDLES_L1 = False
DEFAULT_MAX_ITER = 1000
MAX_RESTARTS = 2


def solve(objective, theta, *, tol, max_iter, record, **_):
    state = {"k": 0, "prev": theta.copy()}
    last = {"x": None}  # the last evaluated point: scipy's iterate is the point it evaluated last

    def value_grad(x):
        if last["x"] is None or not same_point(last["x"], x):
            f, g = objective.value_grad(x)
            last.update(x=np.array(x, dtype=float), f=f, g=g)
        return last["f"], last["g"].copy()

    f0, g0 = value_grad(theta)
    record(0, theta, f0, objective.kkt_residual(theta, g0), 0.0)

    def callback(intermediate_result):
        x = intermediate_result.x
        state["k"] += 1
        f, g = value_grad(x)  # no pass: remembered from the line search
        record(state["k"], x, f, objective.kkt_residual(x, g), float(np.max(np.abs(x - state["prev"]))))
        state["prev"] = x.copy()

    # gtol is the shared rule (max |g| <= tol); ftol = 0 so that scipy's own relative-decrease
    # test stops it only when the objective no longer decreases at all (10 * eps stopped it at
    # residuals ~1e-9 on well-conditioned problems that reach 1e-11). Where it stops that way
    # above tol, its curvature pairs are stale at the scale of the remaining steps: a restart
    # from the same point (fresh memory) usually goes on to tol; at most MAX_RESTARTS of them.
    iterations, restarts, f_start = 0, 0, f0
    while True:
        out = optimize.minimize(value_grad, theta, jac=True, method="L-BFGS-B", callback=callback,
                                options={"maxiter": max_iter - iterations, "gtol": tol, "ftol": 0.0,
                                         "maxcor": 20, "maxls": 50})
        iterations += int(out.nit)
        theta = out.x
        f, g = value_grad(theta)
        res = objective.kkt_residual(theta, g)
        ok = converged(res, tol)
        if ok or iterations >= max_iter or restarts >= MAX_RESTARTS or not f < f_start:
            break
        restarts, f_start = restarts + 1, f
    message = "converged" if ok else (
        "maximum number of iterations reached" if iterations >= max_iter else f"L-BFGS stopped: {out.message}")
    return SolverResult(theta, iterations, ok, f, res, message)
