"""Matrix-free truncated Newton (Newton-CG) for many parameters, such as large sparse designs.

The Hessian is never formed: each Newton system H s = -g is solved approximately by conjugate
gradients on Hessian-vector products, each one pass over X for X v and one for X^T (D X v) with
the Hessian weights D kept for the whole solve (Nash 2000, "A survey of truncated-Newton
methods"; scikit-learn's newton-cg and liblinear's TRON work the same way). What keeps the
number of passes over X small:

- the forcing term: CG stops once ||H s + g|| <= eta_k ||g||, with Eisenstat and Walker's
  (1996) choice 1 for eta_k: how well the last quadratic model predicted the new gradient.
  Loose while the model is poor (far from the optimum), tight where Newton converges fast, and
  independent of the objective's scale (unlike sqrt(||g||); on W4, whose gradients are ~1e-4,
  that asks 12 % more passes). It gives superlinear convergence;
- the stopping rule: CG also stops once the predicted gradient after the step, -(H s + g),
  is below ``tol / 10`` in max-norm, so the last step solves only as far as the rule asks;
- the line search starts from the linear predictor: CG's products give X~ s as the same
  combination of the X~ v it computed, summed in place into theta's predictor (taken over from
  the loss: one n-vector for both), so the full step costs no pass over X and the accepted
  point one X^T r; a shorter trial step costs one X w (on W4 every full step is accepted).
  Losses without ``predictor_steps`` evaluate trial points normally.

Memory (W4, n = 300,000 rows and p = 262,145 parameters): at the peak, during a product, CG
holds theta, g, s, r, p, H p and the product's partial sum (p-vectors) and the predictor sum,
the Hessian weights and X p (n-vectors), about 22 MiB; every update is in place.

Per iteration: 2 passes per CG step plus one for the gradient. Needs Hessian-vector products.
Tried on W4 and not kept: a diagonal (Jacobi, or liblinear's mixed) preconditioner, which took
more CG steps there (the diagonal is nearly uniform apart from the intercept) and a pass per
iteration to form; and TRON's trust region instead of the line search (12 iterations, ~25 %
more passes: full Newton steps were accepted anyway). The total number of CG steps is set by
the conditioning more than by the forcing rule: W4's Hessian has condition number ~25 in its bulk
(alpha = 1/n), so CG gains a factor ~0.67 per step and the ~7 orders from the start to tol take
~40 steps however they are split between Newton iterations (38 here; other forcing rules 36-45).
"""
from __future__ import annotations

import functools

import numpy as np

from ._linesearch import STALLED, backtrack
from ._result import SolverResult, converged

NAME = "newton-cg"
NEEDS = {"hessp"}
HANDLES_L1 = False
DEFAULT_MAX_ITER = 100
MAX_CG_ITER = 250
FORCING_MAX = 0.5
TOL_FRACTION = 0.1  # CG aims at a predicted gradient of tol / 10 (the rule asks for tol)


def _cg(hessp, g, forcing, floor, origin=None):
    """Approximately solve H s = -g by CG from s = 0.

    ``hessp(v)`` returns fresh arrays (H v, u) where u is any linear image of v (the predictor
    change, or None); the same combination of them is returned with s, added in place to
    ``origin()`` (called once, at the first step) if given. Stops at ||H s + g|| <= forcing
    ||g||, at max |H s + g| <= floor, after MAX_CG_ITER steps, or at non-positive curvature
    (keeping the steps so far, or -g if there are none). Returns (s, its u, (r.r, g.r) for the
    residual r = -(H s + g) or None for the -g fallback, the number of steps).

    Updates are in place, and each H p and u is consumed as scratch once used: s, r and p are
    the only d-vectors kept between products, u_sum the only n-vector."""
    s = np.zeros_like(g)
    u_sum = None
    r = -g                      # residual -(H s + g)
    p = r.copy()
    rr = float(r @ r)
    stop = forcing * np.sqrt(rr)
    steps = 0
    for steps in range(1, MAX_CG_ITER + 1):
        Hp, u = hessp(p)
        curvature = float(p @ Hp)
        if not curvature > 0:
            if steps == 1:
                return -g, None, None, steps
            break
        a = rr / curvature
        r -= np.multiply(Hp, a, out=Hp)
        s += np.multiply(p, a, out=Hp)
        del Hp
        if u is not None:
            u *= a
            if u_sum is None and origin is None:
                u_sum = u
            else:
                if u_sum is None:
                    u_sum = origin()
                u_sum += u
        del u
        rr_new = float(r @ r)
        if np.sqrt(rr_new) <= stop or float(np.max(np.abs(r))) <= floor:
            rr = rr_new
            break
        p *= rr_new / rr
        p += r
        rr = rr_new
    return s, u_sum, (rr, float(g @ r)), steps


def _line_search(objective, theta, step, f, slope, full):
    """Armijo step halving (as ``backtrack``), the full step evaluated with its linear predictor
    ``full`` (no pass over X), a shorter one with one X w. Returns (t, candidate, f_new) or
    None; the caller takes the gradient."""
    t, slack = 1.0, 8 * np.finfo(float).eps * abs(f)
    while t >= 1e-10:
        candidate = _frozen(theta + t * step)
        if full is not None:
            objective.assume_predictor(candidate, full)
            full = None
        f_new = objective.value(candidate)
        if f_new <= f + 1e-4 * t * min(slope, 0.0) + slack:
            return t, candidate, f_new
        t *= 0.5
    return None


def _forcing(previous, g_norm, g_prev_norm, model_norm):
    """Eisenstat and Walker's (1996) choice 1: how well the last quadratic model predicted the
    gradient, |‖g_k‖ - ‖g_{k-1} + t H s‖| / ‖g_{k-1}‖, safeguarded against falling too fast
    (not below previous^1.618 while that exceeds 0.1) and capped at FORCING_MAX."""
    if previous is None:
        return FORCING_MAX
    eta = abs(g_norm - model_norm) / g_prev_norm
    floor = previous ** ((1 + 5 ** 0.5) / 2)
    if floor > 0.1:
        eta = max(eta, floor)
    return min(FORCING_MAX, eta)


def _frozen(theta):
    """Iterates are read-only: the loss then keys its kept predictor on the iterate itself
    rather than on a copy (``_loss._frozen_copy``), a p-vector less at the peak."""
    theta.flags.writeable = False
    return theta


def solve(objective, theta, *, tol, max_iter, record, **_):
    theta = _frozen(np.array(theta, dtype=float))  # the caller's array is left as it is
    tracked = objective.predictor_steps
    f, g = objective.value_grad(theta)
    res = objective.kkt_residual(theta, g)
    record(0, theta, f, res, 0.0)
    forcing = g_prev_norm = model_norm = None
    for it in range(1, max_iter + 1):
        if converged(res, tol):
            return SolverResult(theta.copy(), it - 1, True, f, res, "converged")
        g_norm = float(np.linalg.norm(g))
        forcing = _forcing(forcing, g_norm, g_prev_norm, model_norm)
        if tracked:
            hessp = functools.partial(objective.hessp_predictor, theta)
            origin = functools.partial(objective.take_predictor, theta)
        else:
            hessp, origin = functools.partial(_hessp_only, objective, theta), None
        step, full, r, _ = _cg(hessp, g, forcing, TOL_FRACTION * tol, origin)
        del hessp, origin
        slope = float(g @ step)
        if not slope < 0:  # numerically useless curvature: steepest descent
            step, full, slope, r = -g, None, -float(g @ g), None
        if full is not None:
            accepted = _line_search(objective, theta, step, f, slope, full)
            del full  # the cache holds it if it was accepted
            if accepted is not None:
                accepted += (objective.grad(accepted[1]),)
        else:
            accepted = backtrack(objective, theta, step, f, slope)
        if accepted is None:
            return SolverResult(theta.copy(), it - 1, False, f, res, STALLED)
        t, theta, f, g_new = accepted
        del accepted
        # the model's gradient at the step taken: g + t H s = (1 - t) g - t r, whose norm the
        # scalars r.r and g.r give without keeping r through the line search
        if r is None:
            model_norm = g_norm
        else:
            rr, gr = r
            model_norm = float(np.sqrt(max((1 - t) ** 2 * g_norm ** 2 - 2 * t * (1 - t) * gr + t * t * rr, 0.0)))
        g, g_prev_norm = g_new, g_norm
        del g_new
        res = objective.kkt_residual(theta, g)
        record(it, theta, f, res, t * float(np.max(np.abs(step))))
        del step  # the next CG starts with no d- or n-vector of this iteration left
    ok = converged(res, tol)
    return SolverResult(theta.copy(), max_iter, ok, f, res,
                        "converged" if ok else "maximum number of iterations reached")


def _hessp_only(objective, theta, v):
    return objective.hessp(theta, v), None
