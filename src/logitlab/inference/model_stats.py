"""Model-level statistics: log-likelihoods, the null model within the model's own objective,
LR chi-square, information criteria and pseudo R-squared (docs/statistics.md)."""
from __future__ import annotations

import numpy as np
from scipy import stats

from .._data import is_unit
from .fitinfo import fit_info
from .refit import constrained_minimum


def null_theta(info):
    """Parameters of the null model (intercepts only; slopes held at 0), fitted within the model's
    own objective (for Firth: the full-model penalty, as logistf's LR test)."""
    if "null_theta" not in info._cache:
        from .._fit import FitSpec, start_point
        loss = info.loss
        theta = start_point(loss, FitSpec(fit_intercept=loss.fit_intercept))
        if info.kind != "binary" and not getattr(loss, "reference", False):
            theta = np.zeros(loss.n_params)
        if loss.fit_intercept and not _closed_form_null(info, theta):
            p = loss.p
            free = np.arange(0, info.n_params, p)
            theta, _ = constrained_minimum(info.objective, theta, free)
        info._cache["null_theta"] = theta
    return info._cache["null_theta"]


def _closed_form_null(info, start):
    """True when ``start`` (the intercept at F^-1 of the weighted event rate) is the null fit
    itself: binary, no offset, no penalty on it (none / L2: slopes are 0), rate not clipped.
    With a constant linear predictor every link's score equation gives mu = weighted mean of y,
    so no refit (each of its iterations a pass over X) is needed."""
    loss = info.loss
    if info.kind != "binary" or loss.offset is not None or info.penalty not in ("none", "l2") \
            or not isinstance(loss.y, np.ndarray):  # dask: the refit reduces on the cluster
        return False
    rate = loss.event_rate()
    return 1e-6 < rate < 1 - 1e-6 and not np.any(start[1:])


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
    out["tjur_r2"] = _tjur_r2(loss, info.theta) if info.kind == "binary" else np.nan
    base = getattr(est, "_firth_base", None)
    if base is not None:
        b = model_statistics(base)
        out.update({k: b[k] for k in ("lr_chi2", "lr_df", "lr_pvalue", "penalised_loglike",
                                      "penalised_loglike_null")})
        out["firth_correction"] = info.correction
    info._cache["stats"] = out
    return out


def _tjur_r2(loss, theta):
    """Tjur's coefficient of discrimination: the weighted mean fitted probability of the events
    minus that of the non-events (y may be fractional: row i counts y_i as event, 1 - y_i as
    non-event). The non-events' sums are the totals minus the events' (no n-vectors for them)."""
    mu = loss.link.inverse(loss.eta(theta))
    s, y = loss.weights, loss.y
    if is_unit(s):
        events, event_mu, total, total_mu = float(y.sum()), float(mu @ y), float(len(mu)), float(mu.sum())
    else:
        sy = s * y
        events, event_mu, total, total_mu = float(sy.sum()), float(sy @ mu), float(s.sum()), float(s @ mu)
    non_events = total - events
    if events <= 0 or non_events <= 0:
        return np.nan
    return event_mu / events - (total_mu - event_mu) / non_events


def log_likelihood(model):
    return fit_info(model).loglike()
