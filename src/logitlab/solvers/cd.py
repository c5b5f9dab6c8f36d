"""Proximal Newton with coordinate descent on the quadratic model and a working set.

Outer loop: the second-order model of the smooth part at theta, plus the L1 term, is minimised
over a working set (non-zero or unpenalised parameters plus the worst KKT violators, whose
number doubles each iteration) to a model KKT residual of 1e-3 times the current one
(``_quadratic.minimise``: cyclic coordinate descent and Newton steps on the face of the
signs), then a step-halving line search on the true objective (Lee, Sun and Saunders 2014;
glmnet's and skglm's working-set strategy). The model is held by its m x m Hessian, or by the
working set's weighted design columns where they are smaller (``_by_columns``): on wide data
the working set outgrows the rows. Handles l1 / elasticnet, and l2 / none as a special case.
"""
from __future__ import annotations

import numpy as np

from .._threads import single_threaded_blas
from ._linesearch import STALLED
from ._quadratic import GramModel, ResidualModel, minimise
from ._result import SolverResult, converged

NAME = "cd"
NEEDS = {"hessian"}
HANDLES_L1 = True
DEFAULT_MAX_ITER = 100


def _by_columns(objective, ws):
    """True when the working set's weighted design columns store fewer numbers than its m x m
    Hessian: a working set wider than the data has rows, or sparse columns (an objective
    without columns, such as Dask's, always forms the Hessian)."""
    limit = ws.size ** 2
    return objective.column_rows is not None and objective.column_entries(ws, limit) < limit


def _model(objective, theta, ws):
    """The quadratic model on the working set, by columns (``ResidualModel``) or by its
    Hessian (``GramModel``) as ``_by_columns`` says."""
    if _by_columns(objective, ws):
        return ResidualModel(*objective.hessian_columns(theta, ws))
    return GramModel(objective.hessian(theta, ws))


def _working_set(theta, g, l1, size):
    free = (theta != 0) | (l1 == 0)
    violation = np.abs(g)  # one d-vector, modified in place (d is large on hashed sparse data)
    violation -= l1
    violation[free] = 0.0
    candidates = np.flatnonzero(violation > 0)
    if candidates.size > size:
        candidates = candidates[np.argsort(-violation[candidates])[:size]]
    return np.union1d(np.flatnonzero(free), candidates)


def _line_search(objective, theta, ws, d_ws, f, decrease):
    """``backtrack`` for a direction that is zero outside the working set, moving theta in
    place: (t, f, g) at the accepted point, or None with theta as it was. On wide data neither
    the direction nor a trial point is a second full-length vector."""
    t, slack = 1.0, 8 * np.finfo(float).eps * abs(f)
    start = theta[ws]
    while t >= 1e-10:
        theta[ws] = start + t * d_ws
        f_new, g_new = objective.value_grad(theta)
        if f_new <= f + 1e-4 * t * min(decrease, 0.0) + slack:
            return t, f_new, g_new
        del g_new  # before the next trial's pass
        t *= 0.5
    theta[ws] = start
    return None


def solve(objective, theta, *, tol, max_iter, record, **_):
    """Minimise from theta, which is updated in place (``fit_one`` passes a fresh start)."""
    l1 = objective.l1
    f, g = objective.value_grad(theta)
    res = objective.kkt_residual(theta, g)
    record(0, theta, f, res, 0.0)
    ws_extra = 10
    for it in range(1, max_iter + 1):
        if converged(res, tol):
            return SolverResult(theta, it - 1, True, f, res, "converged")
        ws = _working_set(theta, g, l1, ws_extra)
        model = _model(objective, theta, ws)
        inner_tol = max(min(res, 1.0) * 1e-3, 1e-14)  # on the model's KKT residual
        th_ws, g_ws, l1_ws = theta[ws], g[ws], l1[ws]
        with single_threaded_blas():  # small BLAS calls: other threads would only spin
            d_ws = minimise(model, g_ws, th_ws, l1_ws, inner_tol)
        # predicted decrease of the composite model (Tseng & Yun's Armijo rule for prox-Newton)
        delta = float(g_ws @ d_ws) + float(l1_ws @ (np.abs(th_ws + d_ws) - np.abs(th_ws)))
        # neither the Hessian nor the old gradient is needed past here: not kept through the
        # line search's passes over X
        del model, g
        accepted = _line_search(objective, theta, ws, d_ws, f, delta)
        if accepted is None:
            return SolverResult(theta, it - 1, False, f, res, STALLED)
        t, f, g = accepted
        del accepted  # (it holds g as well)
        step = t * float(np.max(np.abs(d_ws), initial=0.0))
        res = objective.kkt_residual(theta, g)
        record(it, theta, f, res, step)
        ws_extra = min(2 * ws_extra, theta.size)  # grow the working set while violators remain
    ok = converged(res, tol)
    return SolverResult(theta, max_iter, ok, f, res, "converged" if ok else "maximum number of iterations reached")
