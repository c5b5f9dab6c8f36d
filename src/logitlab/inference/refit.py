"""Constrained refits: the objective minimised with some parameters held fixed, likelihood-ratio
statistics from them, and where refits start (the profile trace at the estimate)."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy import stats

from .._threads import single_threaded_blas
from ..solvers._linalg import solve_psd
from .fitinfo import _design

# Likelihood-ratio statistics (LR p-values, profile limits) are computed to this absolute accuracy
_STAT_TOL = 1e-10
# and profile limits to xtol + rtol * |limit| (the tolerances of the bracketing search before)
_XTOL, _RTOL = 1e-9, 1e-10


def _lr_fix(info, idx, values, theta0=None, stat_tol=None):
    """LR statistic and p-value for 'theta[idx] = values' within the fitted objective.

    Without ``theta0`` the refit starts on the profile trace at the estimate (see
    ``_conditional_start``). ``stat_tol``: stop the refit once the statistic is known to this
    absolute accuracy (see ``constrained_minimum``); default: the gradient rule."""
    idx = np.asarray(idx, int)
    values = np.asarray(values, float)
    free = np.setdiff1d(np.arange(info.n_params), idx)
    if theta0 is None:
        theta = _conditional_start(info, idx, values)
    else:
        theta = theta0.copy()
        theta[idx] = values
    _, f = constrained_minimum(info.objective, theta, free, stat_tol=stat_tol)
    stat = max(2 * info.sw_sum * (f - info.objective_value()), 0.0)
    return stat, float(stats.chi2.sf(stat, idx.size))


def _refit_threads(info):
    """Single-threaded BLAS for the many small products of refits and profile solves (n p^2
    below 5e7): more threads gain little there and lose badly on a busy machine."""
    if info.loss.n * info.n_params ** 2 < 5e7:
        return single_threaded_blas()
    return contextlib.nullcontext()


def _conditional_start(info, idx, values, second_order=True):
    """theta-hat with theta[idx] = values and the rest on the profile trace: its second-order
    expansion for one parameter of a binary logit model (see ``_trace_expansion``), else the
    conditional mean under the normal approximation (the first-order trace)."""
    idx = np.atleast_1d(np.asarray(idx, int))
    values = np.atleast_1d(np.asarray(values, float))
    theta = info.theta.copy()
    delta = values - theta[idx]
    expansion = _trace_expansion(info) if idx.size == 1 and second_order else None
    if expansion is not None:
        j, t = idx[0], delta[0]
        linear, second = expansion.slope[:, j] * t, 0.5 * expansion.second[:, j] * t * t
        # in standard errors of the others: a correction larger than both the linear move and
        # one standard error is beyond the expansion's reach
        se = np.delete(expansion.se, j)
        if np.max(np.abs(np.delete(second, j)) / se) > max(1.0, np.max(np.abs(np.delete(linear, j)) / se)):
            expansion = None
    if expansion is not None:
        theta += linear + second
    else:
        cov = info.inverse_information()
        if np.all(np.isfinite(cov)) and np.any(delta):
            try:
                theta += cov[:, idx] @ np.linalg.solve(cov[np.ix_(idx, idx)], delta)
            except np.linalg.LinAlgError:
                pass
    theta[idx] = values
    return theta


@dataclass
class _TraceExpansion:
    """Profile traces and profiles of every parameter j at the estimate, to the order that the
    third derivatives of the log-likelihood allow (binary logit; sum scale):

    theta(t) = theta_hat + slope[:, j] t + second[:, j] t^2 / 2   (theta_j = theta_hat_j + t)
    LR(t)    = schur[j] t^2 + cubic[j] t^3 / 3

    slope = I^-1 e_j / (I^-1)_jj, schur = 1 / (I^-1)_jj; with D3 the third derivative of the
    negative log-likelihood, cubic_j = D3[v, v, v] and the others' second derivative solves
    I_oo w_o = -D3[o, v, v] (v = slope[:, j]). Where Newton's matrix I is not the objective's
    Hessian (Firth), ``missing[j]`` is the curvature it leaves out along v (mean scale, from the
    penalty's ``curvature``; schur + sum(w) missing is the profile's curvature); the penalty's
    third derivative is left out. These place starting points and shape the profile model."""

    slope: np.ndarray
    schur: np.ndarray
    cubic: np.ndarray
    second: np.ndarray
    se: np.ndarray       # standard errors sqrt(diag I^-1)
    missing: np.ndarray  # zeros for exact Hessians


def _trace_expansion(info):
    """The _TraceExpansion of a binary logit fit on in-memory data (cached), or None (other
    models, Dask data, singular information). Costs about two Hessians: X~ V and X~^T (a U^2)
    over the rows."""
    if "trace" not in info._cache:
        info._cache["trace"] = None
        loss = info.loss
        cov = info.inverse_information()
        diag = np.diag(cov)
        in_memory = isinstance(getattr(loss, "X", None), np.ndarray) or sp.issparse(getattr(loss, "X", None))
        if (info.kind == "binary" and in_memory and loss.link.name == "logit" and info.n_params <= 1000
                and np.all(np.isfinite(cov)) and np.all(diag > 0)):
            V = cov / diag
            mu = loss.link.inverse(loss.eta(info.theta))
            a = loss.weights * mu * (1.0 - mu) * (1.0 - 2.0 * mu)  # d3 nll / d eta3, weighted
            Xt = _design(loss)
            U = np.asarray(Xt @ V)
            B = np.asarray(Xt.T @ (a[:, None] * U * U))  # column j: D3[., v_j, v_j]
            np.fill_diagonal(B, 0.0)
            M = cov @ B  # I_oo^-1 b_o = (cov b~)_o - cov_oj (cov b~)_j / cov_jj
            missing = np.zeros(info.n_params)
            along = _missing_curvature(info.objective)
            if along is not None:
                missing = np.array([along(info.theta, V[:, j]) for j in range(info.n_params)])
            info._cache["trace"] = _TraceExpansion(V, 1.0 / diag, a @ U ** 3, -(M - V * np.diag(M)),
                                                   np.sqrt(diag), missing)
    return info._cache["trace"]


def _missing_curvature(objective):
    """(theta, v) -> the objective's second derivative along v that Newton's matrix leaves out,
    for objectives whose Newton matrix is inexact and whose penalty offers it (Firth); else None."""
    if getattr(objective, "exact_hessian", True):
        return None
    return getattr(getattr(objective, "penalty", None), "curvature", None)


def _newton_matrix(objective, theta, idx=None):
    """Newton's matrix for refits: the objective's Hessian, or for Firth the Fisher information
    its penalty computed together with its value (the same matrix, no second pass over X)."""
    own = getattr(getattr(objective, "penalty", None), "information", None)
    if own is None:
        return objective.hessian(theta, idx)
    H = own(theta)
    return H if idx is None else H[np.ix_(idx, idx)]


def constrained_minimum(objective, theta0, free, tol=1e-10, max_iter=300, stat_tol=None):
    """Minimise the objective over ``theta[free]`` with the other entries held fixed
    (Newton / Fisher scoring with Armijo halving). Returns (theta, value).

    Stops when the largest free gradient entry is at most ``tol`` or, with ``stat_tol``, when
    the Newton decrement g' H^-1 g times the sum of weights (the amount by which a further
    Newton step would still change a likelihood-ratio statistic 2 sum(w) (f - f_hat)) is at
    most ``stat_tol``. Value, gradient and Hessian are asked for at the same point, where the
    objective shares its work among them (Firth: one information matrix per iterate)."""
    theta = np.array(theta0, dtype=float)
    free = np.asarray(free, int)
    f = objective.value(theta)
    if free.size == 0:
        return theta, f
    scale = getattr(getattr(objective, "loss", None), "sw_sum", 1.0)
    last = None  # the previous decrement (in statistic units)
    for _ in range(max_iter):
        g = objective.grad(theta)[free]
        if np.max(np.abs(g)) <= tol:
            break
        d = -solve_psd(_newton_matrix(objective, theta, free), g)
        slope = float(g @ d)
        final = False
        if slope >= 0:
            d, slope = -g, -float(g @ g)
        elif stat_tol is not None:
            decrement = -slope * scale
            if decrement <= stat_tol:
                break
            # Newton's decrements shrink at least linearly: when the next one, extrapolated
            # from the last two with a safety factor of 10, is below the tolerance, the value
            # after this step is final (no gradient there)
            final = last is not None and 10 * decrement * decrement / last <= stat_tol
            last = decrement
        t, slack = 1.0, 8 * np.finfo(float).eps * abs(f)
        while True:
            cand = theta.copy()
            cand[free] += t * d
            f_new = objective.value(cand)
            if f_new <= f + 1e-4 * t * slope + slack:
                break
            t *= 0.5
            if t < 1e-12:
                return theta, f
        theta, f = cand, f_new
        if final and t == 1.0:
            break
    return theta, f
