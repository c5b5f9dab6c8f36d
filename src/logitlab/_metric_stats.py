"""Metrics scikit-learn does not provide: DeLong AUC variance and calibration statistics.

- ``delong_auc``: AUC with its DeLong (1988) variance, computed with the midrank algorithm
  of Sun and Xu (2014), O(n log n). The confidence interval is the normal interval
  AUC +/- z * SE, truncated to [0, 1].
- ``reliability``: the reliability (calibration) curve with the same binning as
  ``sklearn.calibration.calibration_curve`` plus the bin counts, and the expected
  calibration error ECE = sum_b n_b / n * |mean(y)_b - mean(p)_b|.
- ``calibration_line``: calibration intercept and slope (Cox 1958; Van Calster et al. 2016):
  the slope is b in logit P(y=1) = a + b * logit(p); the intercept ("calibration in the large")
  is a in logit P(y=1) = a + logit(p) (slope fixed at 1, logit(p) as an offset).
  A perfectly calibrated model has intercept 0 and slope 1; slope < 1 means over-confident
  predictions (too extreme), slope > 1 under-confident ones. When logit(p) separates the
  classes the slope does not exist (it is infinite) and is reported as NaN.

``reliability`` and ``calibration_line`` take optional sample weights: weighted bin means and
ECE = sum_b W_b / W * |weighted mean(y)_b - weighted mean(p)_b| (W_b: the weight in bin b; bin
edges do not move: "quantile" edges are quantiles of the rows' scores), and weighted maximum
likelihood for the calibration line. Integer weights give the same values as repeated rows.
``delong_auc`` has no weighted form.
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit, log_expit, logit
from scipy.stats import norm, rankdata

# logit(p) is evaluated on p clipped to [_EPS, 1 - _EPS]: keeps linear predictors finite
# (|logit| <= 34.5) for probabilities that round to 0 or 1 in float64.
_EPS = 1e-15


def delong_auc(y01: np.ndarray, score: np.ndarray, level: float = 0.95) -> dict:
    """AUC, its DeLong standard error and a ``level`` confidence interval."""
    pos = score[y01 == 1]
    neg = score[y01 == 0]
    m, n = pos.size, neg.size
    tx = rankdata(pos)
    ty = rankdata(neg)
    tz = rankdata(np.concatenate([pos, neg]))
    auc = (tz[:m].sum() - m * (m + 1) / 2.0) / (m * n)
    v10 = (tz[:m] - tx) / n            # per positive: share of negatives ranked below it
    v01 = 1.0 - (tz[m:] - ty) / m      # per negative: share of positives ranked above it
    if m > 1 and n > 1:
        var = np.var(v10, ddof=1) / m + np.var(v01, ddof=1) / n
        se = float(np.sqrt(max(var, 0.0)))
    else:
        se = float("nan")
    z = norm.ppf(0.5 + level / 2.0)
    lo, hi = max(0.0, auc - z * se), min(1.0, auc + z * se)
    return {"auc": float(auc), "se": se, "ci_low": float(lo), "ci_high": float(hi),
            "level": float(level), "method": "delong"}


def reliability(y01: np.ndarray, p: np.ndarray, n_bins: int = 10, strategy: str = "uniform",
                sample_weight: np.ndarray | None = None):
    """Reliability curve (non-empty bins) and ECE; binning as scikit-learn's calibration_curve.

    With ``sample_weight`` the curve also has "weight" (the weight in each bin), the means are
    weighted and bins whose rows all have weight zero are left out.
    """
    if strategy == "quantile":
        bins = np.percentile(p, np.linspace(0, 100, n_bins + 1))
    else:
        bins = np.linspace(0.0, 1.0, n_bins + 1)
    ids = np.searchsorted(bins[1:-1], p)
    w = np.ones_like(p) if sample_weight is None else sample_weight
    count = np.bincount(ids, minlength=n_bins)
    total = np.bincount(ids, weights=w, minlength=n_bins)
    sum_p = np.bincount(ids, weights=w * p, minlength=n_bins)
    sum_y = np.bincount(ids, weights=w * y01, minlength=n_bins)
    keep = total > 0
    curve = {
        "bin_lower": bins[:-1][keep],
        "bin_upper": bins[1:][keep],
        "count": count[keep],
        "mean_predicted": sum_p[keep] / total[keep],
        "fraction_positive": sum_y[keep] / total[keep],
    }
    if sample_weight is not None:
        curve["weight"] = total[keep]
    ece = float(np.sum(total[keep] / w.sum()
                       * np.abs(curve["fraction_positive"] - curve["mean_predicted"])))
    return curve, ece


def _newton_logistic(y, Z, offset, w, max_iter=100, tol=1e-10):
    """Unpenalised logistic regression of y on Z with an offset and row weights ``w`` (tiny
    problems: 1-2 columns).

    Newton steps with step halving on the negative log-likelihood; returns NaNs when the
    maximum likelihood estimate does not exist (separation) or the iteration fails.
    """
    beta = np.zeros(Z.shape[1])

    def nll(b):
        eta = offset + Z @ b
        return -np.sum(w * (y * log_expit(eta) + (1 - y) * log_expit(-eta)))

    f = nll(beta)
    for _ in range(max_iter):
        mu = expit(offset + Z @ beta)
        grad = Z.T @ (w * (mu - y))
        if np.max(np.abs(grad)) <= tol * max(1.0, w.sum()):
            return beta
        H = (Z * (w * mu * (1 - mu))[:, None]).T @ Z
        try:
            step = np.linalg.solve(H, grad)
        except np.linalg.LinAlgError:
            break
        # at the optimum: the Newton step is negligible, or its predicted decrease (the Newton
        # decrement) is below the rounding of f, so that step halving could not confirm it
        if np.max(np.abs(step)) <= 1e-12 or grad @ step <= 1e-14 * max(1.0, abs(f)):
            return beta - step
        t = 1.0
        while t > 1e-10:
            cand = beta - t * step
            fc = nll(cand)
            if fc <= f:
                break
            t /= 2
        else:
            break
        beta, f = cand, fc
        if np.max(np.abs(beta)) > 1e3:     # diverging: separation in (y, logit p)
            break
    return np.full(Z.shape[1], np.nan)


def calibration_line(y01: np.ndarray, p: np.ndarray, sample_weight: np.ndarray | None = None) -> dict:
    """Calibration intercept (slope fixed at 1) and calibration slope of ``p`` against ``y01``,
    by (weighted) maximum likelihood."""
    lp = logit(np.clip(p, _EPS, 1 - _EPS))
    y = y01.astype(float)
    w = np.ones_like(y) if sample_weight is None else sample_weight
    ones = np.ones((y.size, 1))
    (intercept,) = _newton_logistic(y, ones, lp, w)
    counted = w > 0  # rows of weight zero do not count for separation
    neg, pos = lp[(y01 == 0) & counted], lp[(y01 == 1) & counted]
    if neg.max() <= pos.min() or pos.max() <= neg.min():
        # logit(p) separates the classes: the slope's MLE does not exist (it is infinite)
        a = slope = np.nan
    else:
        a, slope = _newton_logistic(y, np.column_stack([ones, lp]), np.zeros_like(lp), w)
    return {"intercept": float(intercept), "slope": float(slope),
            "slope_intercept": float(a)}
