"""Prediction intervals: predicted probabilities with delta-method limits on the link scale."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from .covariance import covariance
from .fitinfo import _check_level, fit_info


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
