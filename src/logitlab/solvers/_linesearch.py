"""Armijo step halving, shared by the second-order solvers."""
from __future__ import annotations

import numpy as np

STALLED = ("line search could not decrease the objective (numerical precision reached before the "
           "stopping rule; the tolerance may be too small)")


def backtrack(objective, theta, direction, f, decrease):
    """First t in 1, 1/2, 1/4, ... with f(theta + t d) <= f + 1e-4 t decrease (plus a few ulp of
    round-off slack); ``decrease`` is the model's predicted change (negative). Returns
    (t, candidate, f_new, g_new), or None when t falls below 1e-10. Each trial is one
    value+gradient evaluation: the gradient at the accepted point is needed next anyway."""
    t, slack = 1.0, 8 * np.finfo(float).eps * abs(f)
    while t >= 1e-10:
        candidate = theta + t * direction
        f_new, g_new = objective.value_grad(candidate)
        if f_new <= f + 1e-4 * t * min(decrease, 0.0) + slack:
            return t, candidate, f_new, g_new
        t *= 0.5
    return None
