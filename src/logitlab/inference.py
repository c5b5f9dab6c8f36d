"""Inference on fitted binary and multinomial models: covariances, Wald and profile-likelihood
intervals, likelihood-ratio and Wald tests, model statistics, prediction intervals.

Everything here takes a fitted ``LogisticRegression`` (or any object carrying one in the
attribute ``_logitlab_estimator``, e.g. a formula model) and never refits it, with two
documented exceptions that re-optimise *under constraints* on the same data: profile
likelihood (one coefficient held fixed) and likelihood-ratio p-values / drop-one tests
(coefficients held at zero). Both use the model's own objective, so for Firth fits they are
*penalised* likelihood-ratio quantities with the full-model penalty, exactly as R's logistf.

Conventions
-----------
- log-likelihood = -sum(weights) * mean loss; observed information = sum(weights) * Hessian.
- Parameter order: the engine's ``theta`` (intercept first; multinomial: one block per
  non-reference class). Names: ``Intercept`` and the feature names; multinomial names carry
  the class in brackets, e.g. ``x1[versicolor]``.
- Honesty about penalties: L1 / elastic-net fits have no valid standard errors, p-values or
  intervals: every such request raises ``ParameterError``. L2 fits get the inverse of the
  *penalised* information (the Laplace approximation to the posterior covariance under the
  Gaussian prior the ridge penalty implies) and Wald intervals labelled as posterior
  intervals; p-values, profile intervals and LR tests are refused (the shrinkage bias makes
  them miscalibrated as frequentist quantities).

Statistics are computed lazily and cached on the model (keyed by the fit), so a summary,
its intervals and prediction intervals share one information matrix and one inverse.
"""
from __future__ import annotations

import contextlib
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import linalg, optimize, stats

from ._errors import DataError, ParameterError
from ._threads import single_threaded_blas
from .solvers._linalg import solve_psd

# Likelihood-ratio statistics (LR p-values, profile limits) are computed to this absolute accuracy
_STAT_TOL = 1e-10
# and profile limits to xtol + rtol * |limit| (the tolerances of the bracketing search before)
_XTOL, _RTOL = 1e-9, 1e-10
COV_TYPES = ("observed", "expected", "HC0", "HC1", "cluster")
_L1_MESSAGE = ("{what} is not available for penalty={pen!r}: the L1 part of the penalty sets coefficients "
               "exactly to zero and biases the rest, so standard errors, p-values and intervals computed as "
               "if the model were fitted by maximum likelihood would be wrong. Refit the selected features "
               "with penalty=None (ML) or penalty='firth', or use a bootstrap or selective-inference method.")
_L2_MESSAGE = ("{what} is not available for penalty='l2': ridge estimates are shrunk toward zero, so a "
               "test of 'coefficient = 0' or a likelihood profile would be miscalibrated. logitlab offers L2 "
               "fits penalised (posterior) standard errors and Wald intervals only, labelled as such. "
               "For p-values refit with penalty=None or penalty='firth'.")


# ---------------------------------------------------------------------------------------------
# access to the fit
# ---------------------------------------------------------------------------------------------
def estimator_of(model):
    """The fitted LogisticRegression behind ``model`` (formula models expose
    ``_logitlab_estimator``)."""
    est = getattr(model, "_logitlab_estimator", model)
    if not hasattr(est, "_fitted_objective"):
        raise ParameterError(f"expected a fitted logitlab model, got {type(model).__name__}")
    return est


class FitInfo:
    """Lazily computed pieces of one fitted model, cached on the estimator."""

    def __init__(self, est):
        loss, objective, theta = est._fitted_objective()
        self.est = est
        self.loss, self.objective, self.theta = loss, objective, np.asarray(theta, float)
        self.kind = est.model_kind_
        self.penalty = est.penalty_
        if self.penalty == "elasticnet" and est.l1_ratio == 0:
            self.penalty = "l2"
        if self.penalty in ("l2", "l1") and est.alpha_ == 0:
            self.penalty = "none"
        self.sw_sum = loss.sw_sum
        self.n_params = loss.n_params
        self.correction = getattr(est, "firth_correction_", None)
        self._cache = {}

    # names ---------------------------------------------------------------------------------
    @property
    def names(self):
        if "names" not in self._cache:
            cols = list(self.est._training["names"])
            base = (["Intercept"] if self.loss.fit_intercept else []) + [str(c) for c in cols]
            if self.kind == "binary":
                names = base
            else:
                k0 = getattr(self.loss, "k0", 0)
                names = [f"{n}[{c}]" for c in self.est.classes_[k0:] for n in base]
            self._cache["names"] = names
        return self._cache["names"]

    @property
    def separated(self):
        sep = getattr(self.est, "separation_", None)
        return sep is not None and not isinstance(sep, list) and sep.separated

    # likelihood ----------------------------------------------------------------------------
    def loglike(self, theta=None):
        """Unpenalised log-likelihood."""
        return -self.sw_sum * self.loss.value(self.theta if theta is None else theta)

    def objective_value(self):
        """The fitted objective at the estimate (cached: refits compare against it)."""
        if "f_hat" not in self._cache:
            self._cache["f_hat"] = self.objective.value(self.theta)
        return self._cache["f_hat"]

    def objective_loglike(self, theta=None):
        """Log-likelihood of the fitted objective (penalised for Firth: + 1/2 log det I)."""
        return -self.sw_sum * self.objective.value(self.theta if theta is None else theta)

    # information and covariance -------------------------------------------------------------
    def information(self, expected=False):
        key = ("info", expected)
        if key not in self._cache:
            if self.penalty == "l2":
                H = self.objective.hessian(self.theta)
                if expected:
                    H = H - self.loss.hessian(self.theta) + self.loss.hessian(self.theta, expected=True)
            else:
                H = self.loss.hessian(self.theta, expected=expected)
            self._cache[key] = self.sw_sum * H
        return self._cache[key]

    def inverse_information(self, expected=False):
        key = ("inv", expected)
        if key not in self._cache:
            self._cache[key] = _inverse(self.information(expected))
        return self._cache[key]

    def scores(self):
        """Per-row score contributions of the log-likelihood, (n, n_params) (dense or sparse)."""
        loss, theta = self.loss, self.theta
        Xt = _design(loss)
        if self.kind == "binary":
            r = -loss.weights * loss.link.d1(loss.y, loss.eta(theta))
            return Xt.multiply(r[:, None]).tocsr() if sp.issparse(Xt) else Xt * r[:, None]
        R = -loss.weights[:, None] * (loss.proba(theta) - loss.Y)
        blocks = [Xt.multiply(R[:, k][:, None]) if sp.issparse(Xt) else Xt * R[:, k][:, None]
                  for k in range(loss.k0, loss.K)]
        return sp.hstack(blocks).tocsr() if sp.issparse(Xt) else np.hstack(blocks)


def fit_info(model) -> FitInfo:
    est = estimator_of(model)
    cache = est.__dict__.get("_inference_cache")
    fr = est.fit_result_
    if cache is None or cache[0] is not fr:
        cache = (fr, FitInfo(est))
        est.__dict__["_inference_cache"] = cache
    return cache[1]


def _design(loss):
    X = loss.X
    if not loss.fit_intercept:
        return X
    if sp.issparse(X):
        return sp.hstack([sp.csr_matrix(np.ones((loss.n, 1))), X]).tocsr()
    return np.column_stack([np.ones(loss.n), X])


def _inverse(H):
    try:
        c = linalg.cho_factor(H, lower=True, check_finite=False)
        return linalg.cho_solve(c, np.eye(H.shape[0]), check_finite=False)
    except (linalg.LinAlgError, ValueError):
        return np.linalg.pinv(H, hermitian=True)


def param_names(model):
    """Coefficient names in parameter order."""
    return list(fit_info(model).names)


# ---------------------------------------------------------------------------------------------
# penalties: what may be offered
# ---------------------------------------------------------------------------------------------
def _require(info, what, allow_l2=False):
    if info.penalty in ("l1", "elasticnet"):
        raise ParameterError(_L1_MESSAGE.format(what=what, pen=info.penalty))
    if info.penalty == "l2" and not allow_l2:
        raise ParameterError(_L2_MESSAGE.format(what=what))


def _source(model):
    """(FitInfo used for coefficient-level inference, indices of the model's parameters in it).
    FLAC models delegate to their augmented-data ML fit."""
    info = fit_info(model)
    aug = getattr(info.est, "_flac_fit", None)
    if aug is not None:
        return fit_info(aug), np.arange(info.n_params)
    base = getattr(info.est, "_firth_base", None)
    if base is not None:
        return fit_info(base), None
    return info, None


def _subset(a, keep):
    if keep is None:
        return a
    return a[np.ix_(keep, keep)] if a.ndim == 2 else a[keep]


# ---------------------------------------------------------------------------------------------
# covariance
# ---------------------------------------------------------------------------------------------
def covariance(model, cov_type="observed", groups=None):
    """Covariance matrix of the parameters (engine order, see ``param_names``).

    cov_type: "observed" (inverse observed information; the default), "expected" (inverse
    expected information; differs from observed for probit and cloglog), "HC0" / "HC1"
    (sandwich; HC1 scales by n / (n - k)), "cluster" (cluster-robust by ``groups``, with
    statsmodels' small-sample factor G / (G - 1) * (n - 1) / (n - k)). Alias: "nonrobust"
    = "observed". For Firth fits: inverse Fisher information at the penalised estimate (as
    logistf). For L2 fits: inverse penalised information (posterior covariance).
    """
    if fit_info(model).correction == "flic":
        from .firth import flic_covariance
        return flic_covariance(model, cov_type, groups)
    info, keep = _source(model)
    return _subset(_covariance(info, cov_type, groups), keep)


def _covariance(info, cov_type="observed", groups=None):
    if cov_type == "nonrobust":
        cov_type = "observed"
    if cov_type not in COV_TYPES:
        raise ParameterError(f"unknown cov_type {cov_type!r}; choose one of {list(COV_TYPES)} "
                             "('cluster' needs groups=)")
    _require(info, "a covariance matrix", allow_l2=True)
    if cov_type in ("observed", "expected"):
        if groups is not None:
            raise ParameterError(f"groups= is only used with cov_type='cluster', not {cov_type!r}")
        return info.inverse_information(cov_type == "expected")
    if info.penalty != "none":
        raise ParameterError(f"robust covariances (cov_type={cov_type!r}) are for maximum likelihood fits, "
                             f"not penalty={info.penalty!r}")
    key = (cov_type, None if groups is None else id(groups))
    if cov_type != "cluster" and key in info._cache:
        return info._cache[key]
    bread = info.inverse_information(False)
    U = info.scores()
    n = info.loss.n
    k = info.n_params
    if cov_type in ("HC0", "HC1"):
        if groups is not None:
            raise ParameterError(f"groups= is only used with cov_type='cluster', not {cov_type!r}")
        meat = _crossprod(U)
        factor = n / (n - k) if cov_type == "HC1" else 1.0
    else:
        if groups is None:
            raise ParameterError("cov_type='cluster' needs groups= (one group label per training row)")
        g = np.asarray(groups)
        if g.ndim != 1 or g.shape[0] != n:
            raise DataError(f"groups must be one label per training row: expected {n} labels, "
                            f"got shape {g.shape}")
        if pd.isna(pd.Series(g)).any():
            raise DataError(f"groups contains {int(pd.isna(pd.Series(g)).sum())} missing labels")
        codes, uniq = pd.factorize(g)
        G = uniq.size
        if G < 2:
            raise DataError("cluster-robust covariance needs at least 2 groups")
        ind = sp.csr_matrix((np.ones(n), (codes, np.arange(n))), shape=(G, n))
        S = ind @ U
        meat = _crossprod(S)
        factor = G / (G - 1) * (n - 1) / (n - k)
    cov = factor * bread @ meat @ bread
    cov = (cov + cov.T) / 2
    if cov_type != "cluster":
        info._cache[key] = cov
    return cov


def _crossprod(U):
    if sp.issparse(U):
        return np.asarray((U.T @ U).todense())
    return U.T @ U


def standard_errors(model, cov_type="observed", groups=None):
    return np.sqrt(np.clip(np.diag(covariance(model, cov_type, groups)), 0, None))


# ---------------------------------------------------------------------------------------------
# p-values
# ---------------------------------------------------------------------------------------------
def pvalues(model, cov_type="observed", groups=None, method=None):
    """Two-sided p-values for 'coefficient = 0'.

    method: "wald" (default for ML fits) or "lr" (likelihood-ratio; the default for Firth fits,
    where it is the penalised LR test of logistf).
    """
    info, keep = _source(model)
    _require(info, "p-values")
    top = fit_info(model)
    if method is None:
        method = "lr" if top.penalty == "firth" else "wald"
    if method == "wald":
        est = _coef_vector(model)
        z = est / standard_errors(model, cov_type, groups)
        return 2 * stats.norm.sf(np.abs(z))
    if method != "lr":
        raise ParameterError(f"method must be 'wald' or 'lr', got {method!r}")
    if cov_type not in ("observed", "nonrobust") or groups is not None:
        raise ParameterError("likelihood-ratio p-values do not use a covariance; leave cov_type/groups at default")
    key = ("lr_p",)
    if key not in info._cache:
        out = np.empty(info.n_params)
        with _refit_threads(info):
            for j in range(info.n_params):
                out[j] = _lr_fix(info, [j], [0.0], stat_tol=_STAT_TOL)[1]
        info._cache[key] = out
    p = _subset(info._cache[key], keep)
    if top.correction == "flic" and top.loss.fit_intercept:  # FLIC intercept: Wald (Puhr et al.)
        se = standard_errors(model)
        p = p.copy()
        p[0] = 2 * stats.norm.sf(abs(_coef_vector(model)[0]) / se[0])
    return p


def _coef_vector(model):
    return fit_info(model).theta


def _lr_fix(info, idx, values, theta0=None, stat_tol=None):
    """LR statistic and p-value for 'theta[idx] = values' within the fitted objective.

    Without ``theta0`` the refit starts from the quadratic approximation at the estimate: the
    other parameters moved by Cov[free, idx] Cov[idx, idx]^-1 (values - estimate[idx]).
    ``stat_tol``: stop the refit once the statistic is known to this absolute accuracy (see
    ``constrained_minimum``); default: the gradient rule."""
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
    I_oo w_o = -D3[o, v, v] (v = slope[:, j]). For Firth fits the penalty's own derivatives
    beyond the information are left out: these only place starting points."""

    slope: np.ndarray
    schur: np.ndarray
    cubic: np.ndarray
    second: np.ndarray
    se: np.ndarray  # standard errors sqrt(diag I^-1)


def _trace_expansion(info):
    """The _TraceExpansion of a binary logit fit (cached), or None (other models, singular
    information). Costs about two Hessians: X~ V and X~^T (a U^2) over the rows."""
    if "trace" not in info._cache:
        info._cache["trace"] = None
        loss = info.loss
        cov = info.inverse_information()
        diag = np.diag(cov)
        if (info.kind == "binary" and loss.link.name == "logit" and info.n_params <= 1000
                and np.all(np.isfinite(cov)) and np.all(diag > 0)):
            V = cov / diag
            mu = loss.link.inverse(loss.eta(info.theta))
            a = loss.weights * mu * (1.0 - mu) * (1.0 - 2.0 * mu)  # d3 nll / d eta3, weighted
            Xt = _design(loss)
            U = np.asarray(Xt @ V)
            B = np.asarray(Xt.T @ (a[:, None] * U * U))  # column j: D3[., v_j, v_j]
            np.fill_diagonal(B, 0.0)
            M = cov @ B  # I_oo^-1 b_o = (cov b~)_o - cov_oj (cov b~)_j / cov_jj
            info._cache["trace"] = _TraceExpansion(V, 1.0 / diag, a @ U ** 3, -(M - V * np.diag(M)),
                                                   np.sqrt(diag))
    return info._cache["trace"]


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
            # Newton's decrements shrink at least linearly: when the next one is predicted
            # below the tolerance, the value after this step is final (no gradient there)
            final = last is not None and decrement * decrement / last <= stat_tol
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


# ---------------------------------------------------------------------------------------------
# intervals
# ---------------------------------------------------------------------------------------------
def _check_level(level):
    if isinstance(level, bool) or not isinstance(level, (int, float, np.floating)) or not 0 < level < 1:
        raise ParameterError(f"level must be a number strictly between 0 and 1, got {level!r}")
    return float(level)


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
    instead of a constrained refit per trial value. Starts from the normal-approximation limit on
    the first-order profile trace.

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
    exact_along = None if getattr(objective, "exact_hessian", True) else \
        getattr(getattr(objective, "penalty", None), "curvature", None)
    missing = None
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
        if exact_along is not None:             # Newton's matrix is inexact (Firth): add the
            if missing is None:                 # missing curvature along the trace (once, at
                v = np.zeros_like(theta)        # the start; it varies slowly), so that the
                v[j], v[rest] = 1.0, c          # level is hit at second order
                missing = exact_along(theta, v)
            curv += missing
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
    schur, c3 = expansion.schur[j], direction * expansion.cubic[j] / 3
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


# ---------------------------------------------------------------------------------------------
# tests
# ---------------------------------------------------------------------------------------------
@dataclass
class TestResult:
    """A chi-square test: ``statistic``, ``df``, ``pvalue`` and what was tested."""

    name: str
    statistic: float
    df: int
    pvalue: float
    detail: dict = field(default_factory=dict)

    def __repr__(self):
        return f"<{self.name}: chi2({self.df}) = {self.statistic:.4f}, p = {self.pvalue:.4g}>"

    def to_dict(self):
        return {"test": self.name, "statistic": float(self.statistic), "df": int(self.df),
                "pvalue": float(self.pvalue), **self.detail}


def lr_test(smaller, larger):
    """Likelihood-ratio test of a model against a larger model it is nested in.

    Both must be fitted on the same rows, outcome and weights, by maximum likelihood (or both
    by Firth: then it is the penalised LR test, each model with its own penalty, as logistf's
    anova). Nesting is checked through the coefficient names when both models have names
    (every parameter of the smaller model must be in the larger); otherwise only the counts.
    """
    a, b = fit_info(smaller), fit_info(larger)
    for info in (a, b):
        _require(info, "a likelihood-ratio test")
    if a.penalty != b.penalty:
        raise ParameterError(f"both models must use the same penalty; got {a.penalty!r} and {b.penalty!r}")
    if a.kind != b.kind or a.loss.n != b.loss.n:
        raise DataError(f"the models were not fitted on the same data: {a.kind} model with {a.loss.n} rows "
                        f"vs {b.kind} model with {b.loss.n} rows")
    ya = a.loss.y if a.kind == "binary" else a.loss.codes
    yb = b.loss.y if b.kind == "binary" else b.loss.codes
    if not (np.array_equal(ya, yb) and np.allclose(a.loss.weights, b.loss.weights)):
        raise DataError("the models were not fitted on the same outcome and weights; an LR test compares "
                        "two models of the same data")
    if a.n_params >= b.n_params:
        raise ParameterError(f"the first model must be the smaller one: it has {a.n_params} parameters, "
                             f"the second {b.n_params}")
    missing = [n for n in a.names if n not in set(b.names)]
    generic = all(re.fullmatch(r"x\d+(\[.*\])?", n) for n in a.names if n != "Intercept" and "Intercept[" not in n)
    if missing and not generic:
        raise ParameterError(f"the models are not nested: {missing[:5]} of the smaller model are not in the larger")
    la, lb = a.objective_loglike(), b.objective_loglike()
    stat = max(2 * (lb - la), 0.0)
    df = b.n_params - a.n_params
    return TestResult("likelihood-ratio test", stat, df, float(stats.chi2.sf(stat, df)),
                      {"loglike_smaller": la, "loglike_larger": lb,
                       "penalised": a.penalty == "firth"})


def drop_one(model, terms=None):
    """Likelihood-ratio tests dropping one term at a time (the term's coefficients held at 0,
    all others re-optimised). ``terms``: dict name -> list of parameter names or indices;
    default one term per parameter except intercepts. Returns a DataFrame (statistic, df, p)."""
    info, keep = _source(model)
    _require(info, "drop-one likelihood-ratio tests")
    names = fit_info(model).names
    if terms is None:
        terms = {n: [i] for i, n in enumerate(names) if not n.startswith("Intercept")}
    rows = {}
    with _refit_threads(info):
        for term, members in terms.items():
            idx = np.array([_index_of(m, names) for m in members], int)
            if keep is not None:
                idx = keep[idx]
            stat, p = _lr_fix(info, idx, np.zeros(idx.size), stat_tol=_STAT_TOL)
            rows[term] = (stat, idx.size, p)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["statistic", "df", "pvalue"])


def _index_of(member, names):
    if isinstance(member, (int, np.integer)):
        if not 0 <= member < len(names):
            raise ParameterError(f"parameter index {member} out of range (0..{len(names) - 1})")
        return int(member)
    if member not in names:
        raise ParameterError(f"unknown coefficient name {member!r}; known names: {names}")
    return names.index(member)


def wald_test(model, hypothesis, q=None, cov_type="observed", groups=None):
    """Wald test of R theta = q.

    hypothesis: a matrix R (r x n_params; ``q`` defaults to 0), or a string / list of strings
    of linear equations over coefficient names, e.g. ``"x1 = x2"``, ``"x1 + 2*x3 = 1"``,
    ``["x1 = 0", "x2 = 0"]`` or ``"x1 = 0; x2 = 0"``. A side without ``=`` means ``= 0``.
    """
    info = fit_info(model)
    src, _ = _source(model)
    _require(src, "a Wald test")
    names = info.names
    if isinstance(hypothesis, str) or (isinstance(hypothesis, (list, tuple)) and hypothesis
                                       and all(isinstance(h, str) for h in hypothesis)):
        if q is not None:
            raise ParameterError("give q only with a matrix hypothesis; strings carry their right-hand side")
        R, q = parse_hypotheses(hypothesis, names)
    else:
        R = np.atleast_2d(np.asarray(hypothesis, dtype=float))
        if R.ndim != 2 or R.shape[1] != len(names):
            raise ParameterError(f"R must have {len(names)} columns (one per parameter: {names}), got shape "
                                 f"{np.shape(hypothesis)}")
        q = np.zeros(R.shape[0]) if q is None else np.atleast_1d(np.asarray(q, dtype=float))
        if q.shape != (R.shape[0],):
            raise ParameterError(f"q must have {R.shape[0]} entries (one per row of R), got shape {q.shape}")
    if not np.all(np.isfinite(R)) or not np.all(np.isfinite(q)):
        raise ParameterError("R and q must be finite")
    if np.linalg.matrix_rank(R) < R.shape[0]:
        raise ParameterError("the hypotheses are linearly dependent (R does not have full row rank); drop the "
                             "redundant ones")
    V = covariance(model, cov_type, groups)
    r = R @ _coef_vector(model) - q
    stat = float(r @ np.linalg.solve(R @ V @ R.T, r))
    df = R.shape[0]
    return TestResult("Wald test", stat, df, float(stats.chi2.sf(stat, df)),
                      {"R": R.tolist(), "q": q.tolist(), "cov_type": cov_type})


# -- hypothesis strings ----------------------------------------------------------------------
_NUM = re.compile(r"(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_IDENT = re.compile(r"[A-Za-z0-9_.]")


def _split_top(text):
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch in ",;" and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p for p in (s.strip() for s in parts) if p]


def parse_hypotheses(hypothesis, names):
    """Strings of linear equations -> (R, q)."""
    items = [hypothesis] if isinstance(hypothesis, str) else list(hypothesis)
    eqs = [e for item in items for e in _split_top(item)]
    if not eqs:
        raise ParameterError("empty hypothesis: give equations such as 'x1 = 0' or 'x1 = x2'")
    R, q = [], []
    for eq in eqs:
        sides = eq.replace("==", "=").split("=")
        if len(sides) > 2:
            raise ParameterError(f"malformed hypothesis {eq!r}: more than one '='")
        lhs = _Parser(sides[0], names, eq).parse()
        rhs = _Parser(sides[1], names, eq).parse() if len(sides) == 2 else (np.zeros(len(names)), 0.0)
        row = lhs[0] - rhs[0]
        if not np.any(row):
            raise ParameterError(f"hypothesis {eq!r} does not involve any coefficient")
        R.append(row)
        q.append(rhs[1] - lhs[1])
    return np.array(R), np.array(q)


class _Parser:
    """Recursive descent over + - * / ( ) numbers and coefficient names (longest name first, so
    names with spaces, colons or brackets work); the result must be linear: (vector, constant)."""

    def __init__(self, text, names, whole):
        self.text, self.names, self.whole, self.pos = text, names, whole, 0
        self.order = sorted(range(len(names)), key=lambda i: -len(names[i]))

    def fail(self, why):
        raise ParameterError(f"malformed hypothesis {self.whole!r}: {why}")

    def peek(self):
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def parse(self):
        if not self.peek():
            self.fail("an empty side of '='")
        val = self.expr()
        if self.peek():
            self.fail(f"unexpected {self.text[self.pos:]!r}")
        return val

    def expr(self):
        v, c = self.term()
        while self.peek() in ("+", "-") and self.peek():
            op = self.text[self.pos]
            self.pos += 1
            v2, c2 = self.term()
            s = 1 if op == "+" else -1
            v, c = v + s * v2, c + s * c2
        return v, c

    def term(self):
        v, c = self.factor()
        while self.peek() in ("*", "/") and self.peek():
            op = self.text[self.pos]
            self.pos += 1
            v2, c2 = self.factor()
            if op == "*":
                if np.any(v) and np.any(v2):
                    self.fail("a product of two coefficients is not linear")
                v, c = (v * c2, c * c2) if np.any(v) else (v2 * c, c * c2)
            else:
                if np.any(v2):
                    self.fail("division by a coefficient is not linear")
                if c2 == 0:
                    self.fail("division by zero")
                v, c = v / c2, c / c2
        return v, c

    def factor(self):
        ch = self.peek()
        zero = np.zeros(len(self.names))
        if ch in ("+", "-") and ch:
            self.pos += 1
            v, c = self.factor()
            return (v, c) if ch == "+" else (-v, -c)
        if ch == "(":
            self.pos += 1
            val = self.expr()
            if self.peek() != ")":
                self.fail("missing ')'")
            self.pos += 1
            return val
        if ch == "`":
            end = self.text.find("`", self.pos + 1)
            if end < 0:
                self.fail("unclosed backtick")
            name = self.text[self.pos + 1:end]
            self.pos = end + 1
            return self._name_vector(name), 0.0
        rest = self.text[self.pos:]
        for i in self.order:
            n = self.names[i]
            if rest.startswith(n) and (len(rest) == len(n) or not (_IDENT.match(rest[len(n)]) and _IDENT.match(n[-1]))):
                self.pos += len(n)
                v = zero.copy()
                v[i] = 1.0
                return v, 0.0
        m = _NUM.match(rest)
        if m:
            self.pos += m.end()
            return zero, float(m.group(0))
        if not ch:
            self.fail("the expression ends early")
        token = re.match(r"[A-Za-z0-9_.\[\]:]+", rest)
        if token:
            raise ParameterError(f"unknown coefficient name {token.group(0)!r} in hypothesis {self.whole!r}; "
                                 f"known names: {self.names}")
        self.fail(f"unexpected {ch!r}")

    def _name_vector(self, name):
        if name not in self.names:
            raise ParameterError(f"unknown coefficient name {name!r} in hypothesis {self.whole!r}; "
                                 f"known names: {self.names}")
        v = np.zeros(len(self.names))
        v[self.names.index(name)] = 1.0
        return v


# ---------------------------------------------------------------------------------------------
# model statistics
# ---------------------------------------------------------------------------------------------
def null_theta(info):
    """Parameters of the null model (intercepts only; slopes held at 0), fitted within the model's
    own objective (for Firth: the full-model penalty, as logistf's LR test)."""
    if "null_theta" not in info._cache:
        from ._fit import FitSpec, start_point
        loss = info.loss
        theta = start_point(loss, FitSpec(fit_intercept=loss.fit_intercept))
        if info.kind != "binary" and not getattr(loss, "reference", False):
            theta = np.zeros(loss.n_params)
        if loss.fit_intercept:
            p = loss.p
            free = np.arange(0, info.n_params, p)
            theta, _ = constrained_minimum(info.objective, theta, free)
        info._cache["null_theta"] = theta
    return info._cache["null_theta"]


def model_statistics(model):
    """Dict of model-level statistics (see docs/statistics.md for definitions)."""
    info = fit_info(model)
    if "stats" in info._cache:
        return info._cache["stats"]
    est, loss = info.est, info.loss
    n = int(np.count_nonzero(loss.weights > 0))
    k = info.n_params
    k_model = k - (loss.n_outputs if info.kind != "binary" else 1) * int(loss.fit_intercept)
    if info.kind != "binary":
        k_model = k - (loss.K - loss.k0) * int(loss.fit_intercept)
    ll = info.loglike()
    th0 = null_theta(info)
    ll0 = info.loglike(th0)
    out = {"nobs": n, "sum_weights": info.sw_sum, "n_params": k, "df_model": k_model, "df_resid": n - k,
           "loglike": ll, "loglike_null": ll0, "deviance": -2 * ll, "deviance_null": -2 * ll0,
           "aic": -2 * ll + 2 * k, "bic": -2 * ll + np.log(n) * k,
           "penalty": info.penalty, "link": est.link if info.kind == "binary" else "softmax",
           "n_iter": int(np.sum(est.n_iter_)), "converged": bool(est.converged_),
           "separation": (est.separation_.status if est.separation_ is not None else "not checked")}
    if info.penalty in ("none", "firth"):
        pll, pll0 = info.objective_loglike(), info.objective_loglike(th0)
        lr = max(2 * (pll - pll0), 0.0)
        out.update(lr_chi2=lr, lr_df=k_model, lr_pvalue=float(stats.chi2.sf(lr, k_model)) if k_model else np.nan)
        if info.penalty == "firth":
            out.update(penalised_loglike=pll, penalised_loglike_null=pll0)
    else:
        out.update(lr_chi2=np.nan, lr_df=k_model, lr_pvalue=np.nan)
    out["mcfadden_r2"] = 1 - ll / ll0 if ll0 != 0 else np.nan
    W = info.sw_sum
    cox_snell = 1 - np.exp(2 * (ll0 - ll) / W)
    max_cs = 1 - np.exp(2 * ll0 / W)
    out["cox_snell_r2"] = cox_snell
    out["nagelkerke_r2"] = cox_snell / max_cs if max_cs > 0 else np.nan
    if info.kind == "binary":
        mu = loss.link.inverse(loss.eta(info.theta))
        s, y = loss.weights, loss.y
        w1, w0 = s * y, s * (1 - y)
        out["tjur_r2"] = float(w1 @ mu / w1.sum() - w0 @ mu / w0.sum()) if w1.sum() > 0 and w0.sum() > 0 else np.nan
    else:
        out["tjur_r2"] = np.nan
    base = getattr(est, "_firth_base", None)
    if base is not None:
        b = model_statistics(base)
        out.update({k: b[k] for k in ("lr_chi2", "lr_df", "lr_pvalue", "penalised_loglike",
                                      "penalised_loglike_null")})
        out["firth_correction"] = info.correction
    info._cache["stats"] = out
    return out


def log_likelihood(model):
    return fit_info(model).loglike()


# ---------------------------------------------------------------------------------------------
# prediction intervals
# ---------------------------------------------------------------------------------------------
@dataclass
class PredictionInterval:
    """Predicted probabilities with delta-method confidence limits built on the link scale.

    Binary: 1-D arrays for the positive class (``classes[1]``), link = the model's link.
    Multinomial: (n, K) arrays, one column per class; the interval is built for logit(p_k).
    ``se_link``: standard error on that link scale.
    """

    proba: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    se_link: np.ndarray
    level: float
    classes: np.ndarray

    def to_frame(self):
        if self.proba.ndim == 1:
            return pd.DataFrame({"proba": self.proba, "lower": self.lower, "upper": self.upper,
                                 "se_link": self.se_link})
        parts = {}
        for k, c in enumerate(self.classes):
            for what in ("proba", "lower", "upper", "se_link"):
                parts[(str(c), what)] = getattr(self, what)[:, k]
        return pd.DataFrame(parts)


def predict_interval(model, X, level=0.95, offset=None, cov_type="observed", groups=None):
    level = _check_level(level)
    info = fit_info(model)
    est = info.est
    Xc, off = est._check_X(X, offset)
    V = covariance(model, cov_type, groups)
    z = stats.norm.ppf(0.5 + level / 2)
    loss = info.loss
    n = Xc.shape[0]
    Xt = np.asarray(Xc.toarray() if sp.issparse(Xc) else Xc, float)
    if loss.fit_intercept:
        Xt = np.column_stack([np.ones(n), Xt])
    if info.kind == "binary":
        eta = Xt @ info.theta + (0 if off is None else off)
        se = np.sqrt(np.clip(np.einsum("ij,ij->i", Xt @ V, Xt), 0, None))
        link = loss.link
        lo, hi = link.inverse(eta - z * se), link.inverse(eta + z * se)
        return PredictionInterval(link.inverse(eta), lo, hi, se, level, est.classes_)
    p, K, k0 = loss.p, loss.K, loss.k0
    B = np.zeros((K, p))
    B[k0:] = info.theta.reshape(K - k0, p)
    eta = Xt @ B.T
    if off is not None:
        eta = eta + (off if off.ndim == 2 else off[:, None])
    from scipy.special import softmax
    P = softmax(eta, axis=1)
    free = list(range(k0, K))
    Q = {}
    for a, l in enumerate(free):
        for b, m in enumerate(free):
            if b < a:
                Q[(l, m)] = Q[(m, l)]
                continue
            Vlm = V[a * p:(a + 1) * p, b * p:(b + 1) * p]
            Q[(l, m)] = np.einsum("ij,ij->i", Xt @ Vlm, Xt)
    Pc = np.clip(P, 1e-300, 1 - 1e-16)
    se = np.empty((n, K))
    for k in range(K):
        var = np.zeros(n)
        coef = {l: ((l == k) - P[:, l]) / (1 - Pc[:, k]) for l in free}
        for l in free:
            for m in free:
                var += coef[l] * coef[m] * Q[(l, m)]
        se[:, k] = np.sqrt(np.clip(var, 0, None))
    lp = np.log(Pc) - np.log1p(-Pc)
    from scipy.special import expit
    return PredictionInterval(P, expit(lp - z * se), expit(lp + z * se), se, level, est.classes_)


def warn_separated(info):  # pragma: no cover - convenience for callers
    if info.separated:
        warnings.warn(info.est.separation_.message())
