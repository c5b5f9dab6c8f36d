"""FLIC and FLAC: Firth's logistic regression with intercept correction / added covariate
(Puhr, Heinze, Nold, Lusa and Geroldinger 2017, Statistics in Medicine 36: 2302-2317).

Firth's penalty pulls predicted probabilities toward 1/2, so their average exceeds the observed
event rate when events are rare. Both corrections restore ``mean(predicted) == event rate``:

- ``flic(model)``: keep the Firth slopes; re-estimate the intercept by maximum likelihood with the
  Firth linear predictor (without intercept) as an offset. Slopes keep their Firth inference
  (penalised LR p-values, profile penalised-likelihood intervals); the intercept gets a Wald
  interval with the variance ``[I(theta_FLIC)^-1]_00`` (as R's ``logistf::flic``). The
  covariance matrix is the Firth one with the intercept row and column taken from
  ``I(theta_FLIC)^-1``.
- ``flac(model)``: augment the data with two pseudo-copies of each row, outcomes y and 1 - y,
  weights h_i / 2 (h: Firth hat values), plus an indicator of pseudo rows; fit by maximum
  likelihood. Coefficients, covariance, LR p-values and profile-likelihood intervals are those
  of the augmented ML fit without the indicator (as R's ``logistf::flac``).

Both take a fitted ``LogisticRegression(penalty="firth")`` (binary, logit) and return a new fitted
estimator (the input is untouched) that predicts, summarises and tests like any other model;
its ``firth_correction_`` is ``"flic"`` or ``"flac"``.
"""
from __future__ import annotations

import copy
import dataclasses

import numpy as np
from scipy import optimize

from ._errors import ParameterError


def _check_firth(model):
    from .inference import estimator_of
    est = estimator_of(model)
    if getattr(est, "penalty_", None) != "firth" or est.model_kind_ != "binary":
        raise ParameterError("flic / flac take a fitted binary LogisticRegression(penalty='firth')")
    if getattr(est, "firth_correction_", None):
        raise ParameterError(f"the model is already {est.firth_correction_.upper()}-corrected")
    if not est.fit_intercept:
        raise ParameterError("flic / flac correct the intercept: fit the Firth model with fit_intercept=True")
    return est


def _corrected_copy(est, theta, correction):
    new = copy.copy(est)
    new.__dict__.pop("_inference_cache", None)
    fr = est.fit_result_
    new.fit_result_ = dataclasses.replace(fr, theta=theta.copy(), coef=theta[1:][None, :].copy(),
                                          intercept=theta[:1].copy(), trace=None)
    new.coef_, new.intercept_ = theta[1:][None, :].copy(), theta[:1].copy()
    new.firth_correction_ = correction
    new._firth_base = est
    return new


def flic(model):
    """FLIC: Firth slopes, maximum-likelihood intercept (see module docstring)."""
    est = _check_firth(model)
    loss, _, theta = est._fitted_objective()
    eta0 = loss.eta(theta) - theta[0]
    w, y, link = loss.weights, loss.y, loss.link

    def score(b):
        return float(w @ (y - link.inverse(eta0 + b)))

    lo, hi = theta[0] - 1.0, theta[0] + 1.0
    while score(lo) < 0:
        lo -= 2 * (hi - lo)
    while score(hi) > 0:
        hi += 2 * (hi - lo)
    b = optimize.brentq(score, lo, hi, xtol=1e-13, rtol=4 * np.finfo(float).eps)
    new_theta = theta.copy()
    new_theta[0] = b
    return _corrected_copy(est, new_theta, "flic")


def flic_covariance(model, cov_type="observed", groups=None):
    from .inference import _covariance, _inverse, fit_info
    if cov_type not in ("observed", "nonrobust", "expected") or groups is not None:
        raise ParameterError("FLIC models offer the model-based covariance only (cov_type='observed')")
    info = fit_info(model)
    base = fit_info(info.est._firth_base)
    cov = _covariance(base, "observed").copy()
    inv = _inverse(info.sw_sum * info.loss.hessian(info.theta))
    cov[0, :] = inv[0, :]
    cov[:, 0] = inv[:, 0]
    return cov


def flac(model):
    """FLAC: maximum likelihood on data augmented with hat-weighted pseudo-observations."""
    from .estimator import LogisticRegression
    from .inference import fit_info

    est = _check_firth(model)
    info = fit_info(est)
    h = info.objective.penalty.hat(info.theta)
    t = est._training
    X, y, w = t["X"], t["codes"].astype(float), t["weights"]
    if t["offset"] is not None:
        raise ParameterError("flac does not support offsets")
    n = X.shape[0]
    import scipy.sparse as sp
    stack = sp.vstack([X, X, X]).tocsr() if sp.issparse(X) else np.vstack([X, X, X])
    g = np.r_[np.zeros(n), np.ones(2 * n)]
    Xa = sp.hstack([stack, sp.csr_matrix(g[:, None])]).tocsr() if sp.issparse(X) else np.column_stack([stack, g])
    ya = np.r_[y, y, 1 - y]
    wa = np.r_[w, h / 2, h / 2]
    aug = LogisticRegression(tol=est.tol * 1e-2, check_separation=False)
    aug.fit(Xa, ya, sample_weight=wa)
    aug._training["names"] = list(t["names"]) + ["pseudo_indicator"]
    theta = aug.fit_result_.theta[:-1]
    new = _corrected_copy(est, theta, "flac")
    new._flac_fit = aug
    return new
