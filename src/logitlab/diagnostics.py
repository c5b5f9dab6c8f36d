"""Goodness of fit and influence for binary models: Hosmer-Lemeshow, leverage, residuals,
Cook's distance and DFBETAs, as DataFrames aligned with the rows of the training data.

Definitions (binary GLM with prior weights w_i, fitted mu_i = F(eta_i), V = mu (1 - mu)):

- working weight  W_i = w_i * mu'(eta_i)^2 / V_i  (expected information; for the logit link it
  equals the observed information, W_i = w_i mu_i (1 - mu_i));
- leverage        h_i = W_i x_i' (X' W X)^-1 x_i  (diagonal of the GLM hat matrix, intercept
  column included);
- Pearson residual  r_P = sqrt(w_i) (y_i - mu_i) / sqrt(V_i);
- deviance residual r_D = sign(y_i - mu_i) sqrt(2 w_i nll_i), nll the per-row negative
  log-likelihood (computed from log-probabilities, finite for any eta);
- standardised residuals r / sqrt(1 - h_i);
- Cook's distance  D_i = r_SP^2 h_i / ((1 - h_i) p), r_SP the standardised Pearson residual and p
  the number of parameters (Williams 1987; statsmodels' GLMInfluence.cooks_distance);
- DFBETA (one-step approximation of beta - beta_(i), Pregibon 1981)
  = (X' W X)^-1 x_i w_i (y_i - mu_i) mu'(eta_i) / V_i / (1 - h_i), and DFBETAS divides it by
  the standard errors sqrt(diag (X' W X)^-1).

These are the measures of statsmodels ``GLM(..., family=Binomial()).fit().get_influence()``
(with ``observed=False`` for probit / cloglog) and R's ``influence.measures`` for glm, which the
tests check. They are offered for unpenalised and Firth fits (for Firth they are evaluated at
the Firth estimate, without the penalty's contribution), not for L1 / L2 / elastic-net fits.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import linalg, stats

from ._errors import ParameterError


# -- shared with margins and formula -----------------------------------------------------------
def _unwrap(model):
    """(estimator, row index, parameter names) of a LogisticRegression or FormulaModel."""
    from .estimator import LogisticRegression
    from .formula import FormulaModel

    if isinstance(model, FormulaModel):
        return model.estimator_, model.index, list(model.param_names)
    if isinstance(model, LogisticRegression):
        if not hasattr(model, "coef_"):
            raise ParameterError("the model is not fitted yet: call fit(X, y) first")
        names = list(model._training["names"])
        return model, pd.RangeIndex(len(model._training["codes"])), \
            (["Intercept"] if model.fit_intercept else []) + names
    raise ParameterError(f"expected a fitted logitlab LogisticRegression or a model from logitlab.logit, "
                         f"got {type(model).__name__}")


def refuse_on_dask(what, why, fitted_on="Dask data"):
    """The refusal of statistics that need every training row in memory, for a model whose rows
    stay on a Dask cluster (pulling them to the driver is what the backend exists to avoid)."""
    raise ParameterError(f"{what} cannot be computed for a model fitted on {fitted_on}: {why}")


def _refuse_rows_on_dask(est):
    if est._training.get("backend") == "dask":
        refuse_on_dask("per-row diagnostics (influence, residuals, Hosmer-Lemeshow)",
                       "they need every training row's design, outcome and fitted value in memory. If the "
                       "rows fit in memory, refit there (LogisticRegression().fit(X.compute(), y.compute())); "
                       "otherwise study a sample in memory")


def _require_binary(est, what):
    if est.model_kind_ != "binary":
        raise ParameterError(f"{what} are implemented for binary models; this model is {est.model_kind_} "
                             f"({est.classes_.size} classes). Fit one binary model per class of interest")


def _require_unpenalised(est, what, allow_firth=True):
    pen = est.penalty_
    if pen == "none" or (allow_firth and pen == "firth"):
        return
    raise ParameterError(f"{what} are not available for penalty={pen!r}: the penalty biases the estimates and "
                         "their usual standard errors are not valid. Refit with penalty=None (or 'firth' for "
                         "small or separated data)")


@dataclass
class _BinaryFit:
    X: np.ndarray       # (n, p) design, intercept column first when fitted
    y: np.ndarray       # 0/1
    w: np.ndarray       # prior (sample x class) weights
    eta: np.ndarray
    mu: np.ndarray
    link: object
    theta: np.ndarray   # parameters in the same layout as X's columns


def _binary_fit(est) -> _BinaryFit:
    _refuse_rows_on_dask(est)
    loss, _, theta = est._fitted_objective()
    X = loss.X.toarray() if sp.issparse(loss.X) else np.asarray(loss.X)
    if est.fit_intercept:
        X = np.column_stack([np.ones(X.shape[0]), X])
    eta = np.array(loss.eta(theta), dtype=float)
    return _BinaryFit(X=X, y=loss.y, w=loss.weights, eta=eta, mu=loss.link.inverse(eta), link=loss.link,
                      theta=np.asarray(theta, dtype=float))


def _expected_information(fit: _BinaryFit):
    """X' W X with expected-information working weights, and the weights."""
    W = fit.w * fit.link.fisher_weight(fit.eta)
    Xs = fit.X * np.sqrt(W)[:, None]
    return Xs.T @ Xs, W


# -- influence ------------------------------------------------------------------------------
def _influence_arrays(model):
    est, index, names = _unwrap(model)
    _require_binary(est, "influence measures")
    _require_unpenalised(est, "influence measures")
    f = _binary_fit(est)
    info, W = _expected_information(f)
    try:
        chol = linalg.cho_factor(info, lower=True)
    except linalg.LinAlgError:
        raise ParameterError("the information matrix is singular at the fitted coefficients (separated data or "
                             "aliased columns); influence measures are undefined. Try penalty='firth'") from None
    info_inv_Xt = linalg.cho_solve(chol, f.X.T)                     # (p, n)
    hat = W * np.einsum("ij,ji->i", f.X, info_inv_Xt)
    V = f.mu * (1.0 - f.mu)
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = np.sqrt(f.w) * (f.y - f.mu) / np.sqrt(V)
        deviance = np.sign(f.y - f.mu) * np.sqrt(2.0 * f.w * f.link.nll(f.y, f.eta))
        one_minus_h = 1.0 - hat
        std_pearson = pearson / np.sqrt(one_minus_h)
        std_deviance = deviance / np.sqrt(one_minus_h)
        p = f.X.shape[1]
        cooks = std_pearson ** 2 * hat / (one_minus_h * p)
        score = f.w * (f.y - f.mu) * f.link.dmu_deta(f.eta) / V         # d loglik_i / d eta_i
        dfbeta = (info_inv_Xt * (score / one_minus_h)).T                # (n, p)
    se = np.sqrt(np.diag(linalg.cho_solve(chol, np.eye(p))))
    return dict(index=index, names=names, mu=f.mu, hat=hat, pearson=pearson, deviance=deviance,
                std_pearson=std_pearson, std_deviance=std_deviance, cooks=cooks, dfbeta=dfbeta, se=se)


def influence(model) -> pd.DataFrame:
    """Per-row diagnostics of a fitted binary model, indexed like the training rows.

    Columns: fitted (mu), hat (leverage), resid_pearson, resid_deviance, resid_std_pearson,
    resid_std_deviance (standardised: divided by sqrt(1 - hat)), cooks_distance. See the module
    docstring for the definitions; ``dfbetas(model)`` gives the per-coefficient changes.
    """
    a = _influence_arrays(model)
    return pd.DataFrame({"fitted": a["mu"], "hat": a["hat"], "resid_pearson": a["pearson"],
                         "resid_deviance": a["deviance"], "resid_std_pearson": a["std_pearson"],
                         "resid_std_deviance": a["std_deviance"], "cooks_distance": a["cooks"]},
                        index=a["index"])


def dfbetas(model, scaled=True) -> pd.DataFrame:
    """One-step change of each coefficient when a row is left out (beta - beta_(i)), rows x
    coefficients (intercept included). ``scaled=True`` (DFBETAS) divides by the full-data
    standard errors; ``scaled=False`` gives the raw DFBETA."""
    a = _influence_arrays(model)
    values = a["dfbeta"] / a["se"] if scaled else a["dfbeta"]
    return pd.DataFrame(values, index=a["index"], columns=a["names"])


def residuals(model, kind="deviance", standardized=False) -> pd.Series:
    """Residuals of a binary model: kind "pearson", "deviance" or "response" (y - mu)."""
    if kind == "response":
        if standardized:
            raise ParameterError("standardized response residuals are not defined; use kind='pearson'")
        est, index, _ = _unwrap(model)
        _require_binary(est, "residuals")
        f = _binary_fit(est)
        return pd.Series(f.y - f.mu, index=index, name="resid_response")
    if kind not in ("pearson", "deviance"):
        raise ParameterError(f"kind must be 'pearson', 'deviance' or 'response', got {kind!r}")
    a = _influence_arrays(model)
    key = ("std_" if standardized else "") + kind
    return pd.Series(a[key], index=a["index"], name=f"resid_{'std_' if standardized else ''}{kind}")


# -- Hosmer-Lemeshow ------------------------------------------------------------------------
@dataclass
class HosmerLemeshowResult:
    """Hosmer-Lemeshow goodness-of-fit test: statistic, df = groups - 2, p-value, and the table
    of observed and expected events per group."""

    statistic: float
    df: int
    pvalue: float
    groups: int
    table: pd.DataFrame

    def __repr__(self):
        return (f"Hosmer-Lemeshow test: chi2 = {self.statistic:.4f}, df = {self.df}, p = {self.pvalue:.4g} "
                f"({self.groups} groups)")


def hosmer_lemeshow(model, groups=10) -> HosmerLemeshowResult:
    """Hosmer-Lemeshow test (Hosmer & Lemeshow 1980; Applied Logistic Regression, 2nd ed., 5.2.2).

    Rows are grouped by the quantiles of the fitted probability ("deciles of risk" for
    ``groups=10``): cut points are the quantiles at 0, 1/g, ..., 1 (linear interpolation, as R's
    ``quantile`` and ``ResourceSelection::hoslem.test``); duplicate cut points are merged, so
    tied probabilities always share a group and fewer groups may result. Intervals are closed on
    the right, the first also on the left. With O and E the observed and expected (weighted)
    event counts and N the (weighted) group size,

        chi2 = sum_groups (O - E)^2 / E + ((N - O) - (N - E))^2 / (N - E),

    compared with chi-square on (groups formed - 2) degrees of freedom. Works for any fitted
    binary model (penalised too: it only uses fitted probabilities).
    """
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 3:
        raise ParameterError(f"groups must be an integer >= 3, got {groups!r}")
    est, _, _ = _unwrap(model)
    _require_binary(est, "the Hosmer-Lemeshow test")
    f = _binary_fit(est)
    return _hosmer_lemeshow(f.y, f.mu, f.w, groups)


def _hosmer_lemeshow(y, mu, w, groups):
    """The test from outcomes, fitted probabilities and weights (see ``hosmer_lemeshow``)."""
    y, mu, w = (np.asarray(a, dtype=float) for a in (y, mu, w))
    if groups > y.size:
        raise ParameterError(f"groups={groups} is more than the {y.size} rows")
    breaks = np.unique(np.quantile(mu, np.linspace(0.0, 1.0, groups + 1)))
    g = np.clip(np.searchsorted(breaks, mu, side="left"), 1, max(breaks.size - 1, 1)) - 1
    rows = []
    for k in np.unique(g):
        m = g == k
        n_k, o_k, e_k = w[m].sum(), (w * y)[m].sum(), (w * mu)[m].sum()
        rows.append(dict(group=len(rows) + 1, n=n_k, observed=o_k, expected=e_k,
                         observed_nonevents=n_k - o_k, expected_nonevents=n_k - e_k,
                         prob_min=mu[m].min(), prob_max=mu[m].max()))
    table = pd.DataFrame(rows).set_index("group")
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = ((table.observed - table.expected) ** 2 / table.expected
                 + (table.observed_nonevents - table.expected_nonevents) ** 2 / table.expected_nonevents)
    stat = float(np.nansum(terms.to_numpy()))
    df = len(table) - 2
    if df < 1:
        raise ParameterError(f"only {len(table)} distinct groups of fitted probabilities could be formed (ties); "
                             "the Hosmer-Lemeshow test needs at least 3")
    return HosmerLemeshowResult(statistic=stat, df=df, pvalue=float(stats.chi2.sf(stat, df)), groups=len(table),
                                table=table)
