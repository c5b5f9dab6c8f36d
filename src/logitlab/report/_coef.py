"""Coefficient table for the report and the CLI summary.

Uses ``model.summary()`` (logitlab.summary) when it exists. Until then, and for models it does
not cover, this module computes Wald standard errors itself from the observed information of
the fitted objective (X'WX with W the link's Fisher weights, plus alpha * n on the penalised
diagonal for L2 / elastic-net ridge parts). For penalised fits these intervals are approximate
and the report says so.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def _weights(eta: np.ndarray, link: str) -> np.ndarray:
    if link == "probit":
        mu = stats.norm.cdf(eta)
        d = stats.norm.pdf(eta)
    elif link == "cloglog":
        mu = -np.expm1(-np.exp(np.minimum(eta, 700)))
        d = np.exp(np.minimum(eta, 700) - np.exp(np.minimum(eta, 700)))
    else:
        mu = 1.0 / (1.0 + np.exp(-np.clip(eta, -700, 700)))
        return mu * (1 - mu)
    v = np.clip(mu * (1 - mu), 1e-300, None)
    return d * d / v


def _engine(model):
    return getattr(model, "estimator_", model)


def coef_table(model, X, level: float = 0.95) -> pd.DataFrame:
    """Rows: intercept then features. Columns: coef, se, z, p, ci_low, ci_high, odds_ratio,
    or_low, or_high. Binary models only (multiclass returns coef only)."""
    est = _engine(model)
    coef = np.asarray(est.coef_, dtype=float)
    names = list(getattr(est, "feature_names_in_", [f"x{j}" for j in range(coef.shape[1])]))
    if coef.shape[0] != 1:
        rows = []
        for k, cls in enumerate(est.classes_):
            for j, name in enumerate(["(intercept)"] + names):
                val = est.intercept_[k] if j == 0 else coef[k, j - 1]
                rows.append({"class": str(cls), "term": name, "coef": float(val)})
        return pd.DataFrame(rows)
    A = np.asarray(X, dtype=float)
    n = A.shape[0]
    Z = np.column_stack([np.ones(n), A])
    beta = np.concatenate([np.asarray(est.intercept_, dtype=float), coef[0]])
    link = getattr(est, "link", "logit")
    w = _weights(Z @ beta, link)
    info = Z.T @ (Z * w[:, None])
    penalty = getattr(est, "penalty", None)
    alpha = float(getattr(est, "alpha_", 0.0) or 0.0)
    if penalty in ("l2", "elasticnet") and alpha > 0:
        ridge = alpha * n * (1.0 if penalty == "l2" else 1 - float(getattr(est, "l1_ratio", 0.5)))
        info[1:, 1:] += ridge * np.eye(coef.shape[1])
    try:
        cov = np.linalg.pinv(info)
        se = np.sqrt(np.clip(np.diag(cov), 0, None))
    except np.linalg.LinAlgError:
        se = np.full(beta.size, np.nan)
    q = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = beta / se
        p = 2 * stats.norm.sf(np.abs(z))
        lo, hi = beta - q * se, beta + q * se
        frame = pd.DataFrame({
            "term": ["(intercept)"] + names, "coef": beta, "se": se, "z": z, "p": p,
            "ci_low": lo, "ci_high": hi, "odds_ratio": np.exp(np.clip(beta, -700, 700)),
            "or_low": np.exp(np.clip(lo, -700, 700)), "or_high": np.exp(np.clip(hi, -700, 700)),
        })
    return frame


def summary_text(model, X, notes=()) -> str:
    """``model.summary().text`` when available, else a plain table built here."""
    est = _engine(model)
    summary = getattr(est, "summary", None)
    if callable(summary):
        try:
            s = summary()
            text = getattr(s, "text", None)
            body = (text() if callable(text) else str(text if text is not None else s)).rstrip()
            return "\n".join([body, *notes]) + "\n"
        except Exception:  # noqa: BLE001 - fall back to the table below
            pass
    t = coef_table(model, X)
    lines = ["summary unavailable (logitlab.summary not installed); coefficients and odds ratios:"]
    if "se" not in t:
        lines.append(t.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    else:
        shown = t[["term", "coef", "se", "z", "p", "odds_ratio", "or_low", "or_high"]]
        lines.append(shown.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        lines.append("se: Wald, from the observed information" +
                     (" of the penalised objective (approximate)" if getattr(est, "penalty", None) else ""))
    lines.extend(notes)
    return "\n".join(lines) + "\n"
