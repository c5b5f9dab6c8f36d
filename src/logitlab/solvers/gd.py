"""Plain full-batch gradient descent, the seeds' update: theta -= learning_rate * gradient.

For an unpenalised, unweighted model the gradient is X~^T (p - y) / n, exactly the update
w -= lr * X^T (p - y) / n of the seed documents. It needs only gradients and a fixed step,
so it is slow on purpose: the lab animates it.
"""
from __future__ import annotations

import numpy as np

from ._result import SolverResult, converged

NAME = "gd"
NEEDS = {"gradient"}
HANDLES_L1 = False
DEFAULT_MAX_ITER = 1000


def solve(objective, theta, *, tol, max_iter, record, learning_rate=0.1, **_):
    f, g = objective.value_grad(theta)
    res = objective.kkt_residual(theta, g)
    record(0, theta, f, res, 0.0)
    for it in range(1, max_iter + 1):
        if converged(res, tol):
            return SolverResult(theta, it - 1, True, f, res, "converged")
        step = learning_rate * g
        theta = theta - step
        f, g = objective.value_grad(theta)
        if not np.isfinite(f):
            return SolverResult(theta, it, False, f, res,
                                f"the objective became {f} at iteration {it}: the learning rate "
                                f"{learning_rate} is too large for this data; lower it")
        res = objective.kkt_residual(theta, g)
        record(it, theta, f, res, float(np.max(np.abs(step))))
    ok = converged(res, tol)
    return SolverResult(theta, max_iter, ok, f, res, "converged" if ok else "maximum number of iterations reached")
