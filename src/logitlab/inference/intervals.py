"""Confidence intervals: Wald, and profile likelihood (profile penalised likelihood for Firth)
by Venzon and Moolgavkar's joint solve, with the bracketing search as its last resort."""
from __future__ import annotations

import numpy as np
from scipy import linalg, optimize, stats

from .._errors import ParameterError
from .covariance import standard_errors
from .fitinfo import _check_level, _coef_vector, _require, _source, fit_info
from .refit import (_RTOL, _STAT_TOL, _XTOL, _conditional_start, _missing_curvature, _newton_matrix,
                    _refit_threads, _trace_expansion, constrained_minimum)


def conf_int(model, level=0.95, method=None, cov_type="observed", groups=None):
    """(n_params, 2) array of interval limits.

    method: "wald" (estimate +- z * SE; the default for ML and L2 fits) or "profile"
    (profile likelihood as R's confint for glm; for Firth fits the profile *penalised*
    likelihood of logistf, which is the default there). Profile limits that do not exist
    (separated directions) are +-inf.
    """
    level = _check_level(level)
    top = fit_info(model)
    if method is None:
        method = "profile" if top.penalty == "firth" else "wald"
    if method == "wald":
        info, _ = _source(model)
        _require(info, "confidence intervals", allow_l2=True)
        z = stats.norm.ppf(0.5 + level / 2)
        est, se = _coef_vector(model), standard_errors(model, cov_type, groups)
        return np.column_stack([est - z * se, est + z * se])
    if method != "profile":
        raise ParameterError(f"method must be 'wald' or 'profile', got {method!r}")
    if cov_type not in ("observed", "nonrobust") or groups is not None:
        raise ParameterError("profile-likelihood intervals do not use a covariance; leave cov_type/groups at default")
    info, keep = _source(model)
    _require(info, "profile-likelihood intervals")
    key = ("profile", level)
    if key not in info._cache:
        info._cache[key] = profile_intervals(info, level)
    ci = info._cache[key] if keep is None else info._cache[key][keep]
    if top.correction == "flic" and top.loss.fit_intercept:
        ci = ci.copy()
        ci[0] = conf_int(model, level, "wald")[0]
    return ci


def profile_intervals(info, level=0.95, which=None):
    """(n_params, 2) profile-likelihood limits of the parameters in ``which`` (default all; the
    others NaN) for the fit ``info``; see ``_profile_limit_vm``."""
    q = stats.chi2.ppf(level, 1)
    se = np.sqrt(np.clip(np.diag(info.inverse_information()), 0, None))
    f_hat = info.objective_value()
    which = range(info.n_params) if which is None else which
    out = np.full((info.n_params, 2), np.nan)
    with _refit_threads(info):
        for j in which:
            out[j, 0] = _profile_limit(info, j, -1.0, q, f_hat, se[j])
            out[j, 1] = _profile_limit(info, j, +1.0, q, f_hat, se[j])
    return out


def _profile_limit(info, j, direction, q, f_hat, se):
    """The limit on one side: Venzon and Moolgavkar's method, bracketing when that fails."""
    limit = _profile_limit_vm(info, j, direction, q, f_hat, se)
    if limit is None:
        limit = _profile_limit_bracket(info, j, direction, q, f_hat, se)
    return limit


def _profile_cap(se, q):
    """Beyond this distance from the estimate a limit is reported as infinite."""
    step = se * np.sqrt(q) if np.isfinite(se) and se > 0 else 1.0
    return 1e4 * max(step, 1.0)


def _profile_limit_vm(info, j, direction, q, f_hat, se, max_iter=60):
    """Solve 'theta[j] = b, gradient of the other parameters = 0, LR(b) = q' for theta jointly
    (Venzon and Moolgavkar 1988, Applied Statistics 37: 87-94).

    Each iteration takes Newton's step for the other parameters as linear functions of theta[j]
    and, along that line, solves the quadratic model of the objective for the level
    f_hat + q / (2 sum(w)) on the requested side: one value, gradient and Hessian per iteration
    instead of a constrained refit per trial value. Starts from the limit of the third-order
    profile on the second-order trace (``_expanded_reach``, ``_conditional_start``). Where
    Newton's matrix is inexact (Firth: the Fisher information), the curvature it leaves out
    along the trace (at the estimate, ``_TraceExpansion.missing``) is added to the model.

    Safeguards for irregular profiles (separated directions, singular information): distances
    from the estimate known to lie inside / outside the interval bracket the limit; where the
    model is missing or leaves the bracket, the distance is bisected, expanded or contracted and
    the other parameters are refitted there; a joint step that makes the LR equation worse is
    replaced by a refit of the other parameters at the proposed value. Returns None when it does
    not settle (the caller then brackets)."""
    objective, sw = info.objective, info.sw_sum
    rest = np.delete(np.arange(info.n_params), j)
    b_hat = info.theta[j]
    cap = _profile_cap(se, q)
    f_star = f_hat + q / (2 * sw)

    def refit(b, start):
        theta = start.copy()
        theta[j] = b
        return constrained_minimum(objective, theta, rest, stat_tol=_STAT_TOL)

    def excess_of(f):  # LR statistic minus q
        return 2 * sw * (f - f_hat) - q

    # start: the limit of the third-order profile on the second-order trace, but not absurdly
    # far (separated directions have huge standard errors: then the first-order trace)
    reach = _expanded_reach(info, j, direction, q, se)
    far = 10 * max(1.0, abs(b_hat))
    theta = _conditional_start(info, [j], [b_hat + direction * min(reach, far)], second_order=reach <= far)
    f = objective.value(theta)
    expansion = _trace_expansion(info)
    missing = expansion.missing[j] if expansion is not None else None
    along = _missing_curvature(objective) if missing is None else None
    inner, outer = 0.0, np.inf  # distances from the estimate inside / outside the interval
    for _ in range(max_iter):
        if not np.isfinite(f):
            return None
        g = objective.grad(theta)
        H = _newton_matrix(objective, theta)
        try:
            chol = linalg.cho_factor(H[np.ix_(rest, rest)], lower=True, check_finite=False)
        except (linalg.LinAlgError, ValueError):
            return None
        a = -linalg.cho_solve(chol, g[rest], check_finite=False)    # Newton step of the others
        c = -linalg.cho_solve(chol, H[rest, j], check_finite=False)  # their slope in theta[j]
        decrement = -float(g[rest] @ a)         # g' H^-1 g over the others
        gamma = g[j] + float(g[rest] @ c)       # slope of the profile model
        curv = H[j, j] + float(H[j, rest] @ c)  # its curvature (a Schur complement)
        if missing is None and along is not None:  # no expansion: at the start (it varies slowly)
            v = np.zeros_like(theta)
            v[j], v[rest] = 1.0, c
            missing = along(theta, v)
        if missing is not None:  # Newton's matrix is inexact (Firth): add the curvature it leaves
            curv += missing      # out along the trace, so that the level is hit at second order
        level = f - 0.5 * decrement - f_star    # profile model at theta[j] minus the level
        dist = direction * (theta[j] - b_hat)
        if f < f_star:             # f bounds the profile from above: inside
            inner = max(inner, dist)
        elif sw * decrement <= 1e-6 and f - decrement > f_star:  # a profile point above: outside
            outer = min(outer, dist)
        t = _level_root(curv, gamma, level, direction) if curv > 0 and np.isfinite(curv) else np.nan
        if np.isfinite(t) and inner < dist + direction * t < outer:
            # converged: the step is below the tolerance, and so is what the others' remaining
            # decrement could still move the limit (decrement / (2 |gamma|))
            xtol = _XTOL + _RTOL * abs(theta[j])
            if abs(t) <= xtol and sw * decrement <= max(_STAT_TOL, 2 * sw * abs(gamma) * xtol):
                return theta[j] + t  # take the last step without evaluating there
            if dist + direction * t > cap:
                return _infinite_or_none(refit, b_hat + direction * cap, theta, direction, excess_of)
            new = theta.copy()
            new[j] += t
            new[rest] += a + c * t
            f_new = objective.value(new)
            if not abs(f_new - f_star) <= max(abs(f - f_star), 0.1 * q / (2 * sw)):
                # the joint step made the LR equation worse: refit the others there instead
                new, f_new = refit(theta[j] + t, theta)
        else:  # no usable model, or it leaves the bracket: bisect, expand or contract
            if np.isfinite(outer):
                new_dist = 0.5 * (inner + outer)
            else:
                excess = 2 * sw * level
                factor = np.clip(np.sqrt(q / max(excess + q, 1e-300)), 0.1, 10.0)
                new_dist = dist * (max(factor, 2.0) if excess < 0 else min(factor, 0.5))
                new_dist = new_dist if new_dist > inner else 0.5 * (inner + dist)
            b = b_hat + direction * new_dist
            if new_dist > cap:
                return _infinite_or_none(refit, b_hat + direction * cap, theta, direction, excess_of)
            new, f_new = refit(b, _conditional_start(info, [j], [b]))
        if np.array_equal(new, theta):  # no progress
            return None
        theta, f = new, f_new
    return None


def _expanded_reach(info, j, direction, q, se):
    """Distance from the estimate to the limit on side ``direction``: se * sqrt(q) (normal
    approximation) corrected by the profile's third derivative when known (kept within a
    factor 2 of it)."""
    if not (np.isfinite(se) and se > 0):
        return 1.0
    wald = se * np.sqrt(q)
    expansion = _trace_expansion(info)
    if expansion is None:
        return wald
    schur, c3 = expansion.schur[j] + info.sw_sum * expansion.missing[j], direction * expansion.cubic[j] / 3
    if not schur > 0:
        return wald
    r = wald  # Newton on schur r^2 + c3 r^3 = q
    for _ in range(20):
        slope = 2 * schur * r + 3 * c3 * r * r
        if not slope > 0:
            return wald
        step = (schur * r * r + c3 * r ** 3 - q) / slope
        r = min(max(r - step, 0.5 * wald), 2 * wald)
        if abs(step) <= 1e-12 * r:
            break
    return r


def _level_root(curv, gamma, level, direction):
    """The root of curv / 2 t^2 + gamma t + level on side ``direction`` (the larger root for +1),
    in the form without cancellation (near-linear models: curv -> 0 gives -level / gamma); the
    model's minimum when it has no root."""
    disc = gamma * gamma - 2 * curv * level
    if disc < 0:
        return -gamma / curv
    root = np.sqrt(disc)
    if direction > 0:
        return (root - gamma) / curv if gamma < 0 else (-2 * level / (gamma + root) if gamma + root > 0 else 0.0)
    return -(gamma + root) / curv if gamma > 0 else (2 * level / (root - gamma) if root - gamma > 0 else 0.0)


def _infinite_or_none(refit, b, theta, direction, excess_of):
    """+-inf if the likelihood-ratio statistic at b (the cap) is still below q, else None."""
    _, f = refit(b, theta)
    return direction * np.inf if excess_of(f) < 0 else None


def _profile_limit_bracket(info, j, direction, q, f_hat, se):
    """The limit by bracketing and Brent's method, each step a constrained refit warm-started
    from the nearest solution (robust, several times slower than the joint solve)."""
    b_hat = info.theta[j]
    free = np.setdiff1d(np.arange(info.n_params), [j])
    seen = {b_hat: info.theta.copy()}  # solutions so far: warm-start from the nearest one

    def excess(b):
        near = min(seen, key=lambda c: abs(c - b))
        theta = seen[near].copy()
        theta[j] = b
        theta, f = constrained_minimum(info.objective, theta, free)
        seen[b] = theta
        return 2 * info.sw_sum * (f - f_hat) - q

    step = se * np.sqrt(q) if np.isfinite(se) and se > 0 else 1.0
    inner, dist = b_hat, step
    for _ in range(60):
        b = b_hat + direction * dist
        if excess(b) > 0:
            break
        inner, dist = b, dist * 1.6
        if dist > _profile_cap(se, q):
            return direction * np.inf
    else:
        return direction * np.inf
    lo, hi = sorted((inner, b))
    return optimize.brentq(excess, lo, hi, xtol=_XTOL, rtol=_RTOL, maxiter=200)
