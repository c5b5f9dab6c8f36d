"""alpha_max and the grid of alphas below it.

alpha_max, the top of the grid, is the smallest alpha whose solution has all coefficients zero.
At w = 0 with the intercept-only fit, the KKT condition for the L1 part reads
|grad_j| <= alpha * l1_ratio for every penalised coefficient, so

    alpha_max = max_j |grad_j(intercept-only fit)| / max(l1_ratio, 1e-3)

The 1e-3 floor is glmnet's convention for ridge (l1_ratio = 0), where no finite alpha gives
exact zeros: the grid then starts where an l1_ratio = 0.001 elastic net would start. The grid
is log-spaced down to alpha_max * alpha_min_ratio (default: 1e-4 when n > d, else 1e-2, as
glmnet).
"""
from __future__ import annotations

import numbers

import numpy as np
from scipy import stats

from .._errors import DataError, ParameterError
from ._inputs import check_alphas, effective_l1_ratio, prepare_data

_RIDGE_FLOOR = 1e-3
# With an offset the intercept-only fit is iterative, and so is the path's first fit: alpha_max
# is raised by this relative margin so that solver tolerances (tol >= 1e-12 on the KKT
# residual) cannot leave a coefficient of ~1e-12 at the top of the grid.
_OFFSET_MARGIN = 1e-6


def null_gradient(Xm, target, w, link, fit_intercept, offset=None):
    """Gradient of the mean NLL w.r.t. the coefficients at w = 0, intercept-only fit. (K', d)."""
    K = target.classes.size
    if K == 2 and link not in ("logit", "probit", "cloglog"):
        raise ParameterError(f"link must be 'logit', 'probit' or 'cloglog', got {link!r}")
    if K > 2 and link != "logit":
        raise ParameterError(f"multinomial models use the logit (softmax) link, got link={link!r}")
    if offset is not None:
        return _null_gradient_with_offset(Xm, target, w, link, fit_intercept, offset)
    S = w.sum()
    if K == 2:
        yb = target.codes.astype(float)
        if fit_intercept:
            p = float(w @ yb) / S
        else:
            p = {"logit": 0.5, "probit": 0.5, "cloglog": 1.0 - np.exp(-1.0)}[link]
        if not 0.0 < p < 1.0:
            raise DataError("only one class has positive sample weight: nothing to fit")
        if link == "logit":
            factor = 1.0
        elif link == "probit":
            factor = stats.norm.pdf(stats.norm.ppf(p)) / (p * (1 - p))
        else:  # cloglog
            factor = -np.log1p(-p) / p
        r = factor * w * (p - yb)
        return np.asarray(Xm.T @ r).ravel()[None, :] / S
    Y = np.zeros((target.codes.size, K))
    Y[np.arange(target.codes.size), target.codes] = 1.0
    P = (w @ Y) / S if fit_intercept else np.full(K, 1.0 / K)
    R = w[:, None] * (P[None, :] - Y)
    return np.asarray(Xm.T @ R).T / S


def _null_gradient_with_offset(Xm, target, w, link, fit_intercept, offset):
    """As ``null_gradient`` when an offset enters the linear predictor: the intercept-only fit
    has no closed form then, so the engine fits it (on one all-zero column, whose coefficient
    stays zero) and the loss gives the gradient there."""
    from .._fit import FitSpec, build_loss, fit_one

    K = target.classes.size
    y = target.codes.astype(float) if K == 2 else target.codes
    spec = FitSpec(penalty="l2", alpha=1.0, link=link, solver="newton", tol=1e-12, max_iter=200,
                   fit_intercept=fit_intercept)
    rows = 1 if K == 2 else K
    intercept = np.zeros(rows)
    if fit_intercept:
        intercept = fit_one(build_loss(np.zeros((Xm.shape[0], 1)), y, w, offset, spec, K), spec).intercept
    loss = build_loss(Xm, y, w, offset, spec, K)
    coef_grad, _ = loss.split(loss.grad(loss.pack(np.zeros((rows, Xm.shape[1])), intercept)))
    return coef_grad


def alpha_max(X, y, penalty="l1", l1_ratio=None, sample_weight=None, link="logit", fit_intercept=True,
              *, class_weight=None, offset=None):
    """Smallest alpha with all-zero coefficients (l1 / elasticnet); glmnet's convention for l2.

    ``class_weight`` and ``offset`` as in :class:`logitlab.LogisticRegression`. With an offset
    the intercept-only fit has no closed form; it is fitted, and the result is raised by a
    relative 1e-6 so that the path's first fit, also iterative, is exactly zero.
    """
    r = effective_l1_ratio(penalty, l1_ratio)
    data = prepare_data(X, y, sample_weight, class_weight, offset)
    return alpha_max_of(data, r, link, fit_intercept)


def alpha_max_of(data, l1_ratio, link, fit_intercept):
    """``alpha_max`` on validated data (a ``PathData``)."""
    Xm = data.X
    g = null_gradient(Xm, data.target, data.fit_weight, link, fit_intercept, data.offset)
    top = float(np.max(np.abs(g))) if g.size else 0.0
    scale = float(abs(Xm).max()) if Xm.size else 0.0  # rounding floor of the gradient
    if not top > 1e-12 * max(scale, 1.0):
        raise DataError("the gradient at the intercept-only fit is zero: no feature is related to y "
                        "(constant columns?), so every alpha gives all-zero coefficients")
    margin = 1.0 + _OFFSET_MARGIN if data.offset is not None else 1.0
    return margin * top / max(l1_ratio, _RIDGE_FLOOR)


def log_grid(amax, n_alphas, alpha_min_ratio, n, d):
    """``n_alphas`` log-spaced values from ``amax`` down to ``amax * alpha_min_ratio``."""
    if alpha_min_ratio is None:
        alpha_min_ratio = 1e-4 if n > d else 1e-2
    if isinstance(alpha_min_ratio, bool) or not isinstance(alpha_min_ratio, numbers.Real) \
            or not 0.0 < float(alpha_min_ratio) < 1.0:
        raise ParameterError(f"alpha_min_ratio must be in (0, 1), got {alpha_min_ratio!r}")
    if n_alphas == 1:
        return np.array([amax])
    return np.geomspace(amax, amax * float(alpha_min_ratio), n_alphas)


def choose_grid(data, l1_ratio, link, fit_intercept, alphas, n_alphas, alpha_min_ratio):
    """(decreasing grid, alpha_max or None): the user's ``alphas``, else a grid from alpha_max."""
    if alphas is not None:
        return check_alphas(alphas), None
    amax = alpha_max_of(data, l1_ratio, link, fit_intercept)
    return log_grid(amax, n_alphas, alpha_min_ratio, data.X.shape[0], data.X.shape[1]), amax
