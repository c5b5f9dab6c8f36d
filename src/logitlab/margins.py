"""Marginal effects of binary models with delta-method standard errors.

``marginal_effects(model, data=None, at="overall" | "mean", dummy=True)``

For a binary model mu = F(eta), eta = x' theta (+ offset), each *variable* gets one effect:

- continuous: dy/dx = F'(eta) * d eta / dv, where d eta / dv = (dx / dv)' theta. For a plain
  ``LogisticRegression`` dx/dv is the unit vector of the column, so dy/dx_j = F'(eta) beta_j.
  For formula models the variable is a data column and dx/dv is the derivative of the whole
  model-matrix row (so ``x1`` in ``x1 + x1:x2 + I(x1**2)`` gets one effect that includes the
  interaction and the square), taken by a central difference of the formula's own encoding
  (exact for polynomial terms up to degree two, error O(h^2) otherwise, h = 1e-4 sd(v));
- 0/1 variables (``dummy=True``; values exactly 0 and 1, as statsmodels) and bool columns:
  the discrete change F(x' theta | v = 1) - F(x' theta | v = 0);
- categorical variables of formula models: one discrete change per non-reference level,
  F(all rows at the level) - F(all rows at the reference level).

``at="overall"`` averages the per-row effects (AME; weighted by the training weights when
``data`` is None); ``at="mean"`` evaluates them once at the mean row of the model matrix (MEM,
statsmodels' ``at="mean"``: factor indicators at their proportions). Standard errors use the
delta method, se = sqrt(diag(J Sigma J')), with J the analytic Jacobian of the effects with
respect to all parameters (intercept first) and Sigma the inverse observed information, unless
a covariance ``cov`` (same layout) is given, e.g. a robust one.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import linalg, stats

from ._data import as_matrix
from ._errors import DataError, ParameterError
from .diagnostics import _require_binary, _require_unpenalised, _unwrap, refuse_on_dask


def _f_and_fprime(link, eta):
    """F'(eta) and F''(eta) for the binary links."""
    name = link.name
    if name == "logit":
        mu = link.inverse(eta)
        f = mu * (1.0 - mu)
        return f, f * (1.0 - 2.0 * mu)
    if name == "probit":
        f = stats.norm.pdf(eta)
        return f, -eta * f
    if name == "cloglog":
        t = np.exp(np.minimum(eta, 709.0))
        f = np.exp(np.minimum(eta, 709.0) - t)
        return f, f * (1.0 - t)
    raise ParameterError(f"marginal effects do not know the derivatives of link {name!r}")


def parameter_covariance(model, cov_type="observed"):
    """Covariance of the parameters (intercept first): ``logitlab.inference.covariance`` when
    available (observed / expected / HC0 / HC1), else the inverse observed information
    (sum(w) * Hessian of the mean loss)^-1 at the fitted coefficients. Unpenalised and Firth
    fits only: for penalised fits the delta method would carry the shrinkage bias."""
    est, _, _ = _unwrap(model)
    _require_unpenalised(est, "standard errors of marginal effects")
    try:
        from .inference import covariance
    except ImportError:
        covariance = None
    if covariance is not None:
        return np.asarray(covariance(est, cov_type=cov_type), dtype=float)
    if cov_type not in ("observed", "nonrobust"):
        raise ParameterError(f"cov_type={cov_type!r} needs logitlab.inference; pass cov= instead")
    loss, _, theta = est._fitted_objective()
    info = loss.sw_sum * loss.hessian(theta)
    try:
        return linalg.inv(info)
    except linalg.LinAlgError:
        raise ParameterError("the information matrix is singular (separated data or aliased columns); "
                             "standard errors are undefined. Try penalty='firth'") from None


@dataclass
class MarginalEffects:
    """Marginal effects with delta-method standard errors; ``to_frame()`` for the table."""

    names: list
    effect: np.ndarray
    se: np.ndarray
    kind: list            # "dy/dx" or "discrete change"
    at: str
    level: float
    jacobian: np.ndarray = field(repr=False)

    @property
    def z(self):
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.effect / self.se

    @property
    def pvalue(self):
        return 2.0 * stats.norm.sf(np.abs(self.z))

    def conf_int(self):
        q = stats.norm.ppf(0.5 + self.level / 2.0)
        return np.column_stack([self.effect - q * self.se, self.effect + q * self.se])

    def to_frame(self) -> pd.DataFrame:
        ci = self.conf_int()
        pct = f"{100 * self.level:g}%"
        return pd.DataFrame({"effect": self.effect, "std_err": self.se, "z": self.z, "p_value": self.pvalue,
                             f"lower {pct}": ci[:, 0], f"upper {pct}": ci[:, 1], "kind": self.kind},
                            index=pd.Index(self.names, name="variable"))

    def __repr__(self):
        title = "Average marginal effects" if self.at == "overall" else "Marginal effects at the means"
        with pd.option_context("display.width", 100, "display.max_columns", 20):
            return f"{title} (delta-method standard errors)\n{self.to_frame().to_string(float_format='{:.6g}'.format)}"


# -- variables: (name, kind, D) for continuous or (name, kind, (X1, X0)) for discrete changes ---
def _design(X, fit_intercept):
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=float)
    return np.column_stack([np.ones(X.shape[0]), X]) if fit_intercept else X


def _is01(values):
    v = np.asarray(values)
    if v.dtype == bool:
        return True
    if not np.issubdtype(v.dtype, np.number):
        return False
    u = np.unique(v)
    return u.size == 2 and u[0] == 0 and u[1] == 1


def _matrix_variables(est, X, dummy):
    """Columns of a plain estimator's matrix."""
    Xd = _design(X, est.fit_intercept)
    off = int(est.fit_intercept)
    names = list(est._training["names"])
    out = []
    for j, name in enumerate(names):
        col = Xd[:, off + j]
        if dummy and _is01(col):
            X1, X0 = Xd.copy(), Xd.copy()
            X1[:, off + j], X0[:, off + j] = 1.0, 0.0
            out.append((name, "discrete change", (X1, X0)))
        else:
            D = np.zeros_like(Xd)
            D[:, off + j] = 1.0
            out.append((name, "dy/dx", D))
    return Xd, out


def _formula_variables(fm, data, dummy):
    """Data variables of a formula model; derivatives and contrasts through its own encoding."""
    est = fm.estimator_

    def design(frame):
        return _design(fm.model_matrix(frame).to_numpy(), est.fit_intercept)

    Xd = design(data)
    categorical = {}
    for factor, (kind, state) in fm.spec.encoder_state.items():
        if getattr(kind, "value", kind) != "categorical" or "categories" not in state:
            continue
        fvars = [v for v in fm.spec.factor_variables.get(_factor(fm.spec, factor), set()) if v in data.columns]
        if len(fvars) == 1 and fvars[0] not in categorical:
            levels = list(state["categories"])
            base = getattr(getattr(state.get("contrasts"), "contrasts", None), "base", None)
            ref = base if base in levels else levels[0]
            categorical[fvars[0]] = (ref, levels)
    variables = [v for v in data.columns if v in fm.spec.variables_by_source.get("data", set())]
    out = []
    for v in variables:
        col = data[v]
        if v in categorical:
            ref, levels = categorical[v]
            X0 = design(data.assign(**{v: _same_dtype(col, ref, len(data))}))
            for level in levels:
                if level != ref:
                    X1 = design(data.assign(**{v: _same_dtype(col, level, len(data))}))
                    out.append((f"{v}[{level}]", "discrete change", (X1, X0)))
        elif pd.api.types.is_bool_dtype(col) or (dummy and _is01(col.to_numpy())):
            hi, lo = (True, False) if pd.api.types.is_bool_dtype(col) else (1, 0)
            X1 = design(data.assign(**{v: _same_dtype(col, hi, len(data))}))
            X0 = design(data.assign(**{v: _same_dtype(col, lo, len(data))}))
            out.append((v, "discrete change", (X1, X0)))
        elif pd.api.types.is_numeric_dtype(col):
            x = col.to_numpy(dtype=float)
            h = 1e-4 * max(float(np.std(x)), 1e-8 + float(np.mean(np.abs(x))), 1e-8)
            D = (design(data.assign(**{v: x + h})) - design(data.assign(**{v: x - h}))) / (2.0 * h)
            out.append((v, "dy/dx", D))
        # other (text) columns are not in any categorical factor alone: skipped
    return Xd, out


def _same_dtype(col, value, n):
    """A column like ``col`` (same dtype: categorical, string, numbers) holding ``value``."""
    return pd.Series([value] * n, index=col.index, dtype=col.dtype)


def _factor(spec, name):
    for factor in spec.factor_variables:
        if str(factor) == str(name):
            return factor
    return name


# -- the computation ------------------------------------------------------------------------
def marginal_effects(model, data=None, at="overall", dummy=True, level=0.95, cov=None,
                     cov_type="observed") -> MarginalEffects:
    """Average marginal effects (``at="overall"``) or marginal effects at the means
    (``at="mean"``) of a binary model, with delta-method standard errors (see module docstring).

    model: a fitted ``LogisticRegression`` or a ``logitlab.logit`` model.
    data: rows to average over (default: the training rows, with their weights and offset).
    dummy: treat 0/1 columns as discrete changes (True) or as continuous (False).
    cov_type: covariance of the parameters ("observed", "expected", "HC0", "HC1"; see
        ``logitlab.inference.covariance``); cov: a covariance matrix to use instead (p x p,
        intercept first).
    """
    from .formula import FormulaModel

    if at not in ("overall", "mean"):
        raise ParameterError(f"at must be 'overall' or 'mean', got {at!r}")
    if not 0 < level < 1:
        raise ParameterError(f"level must be in (0, 1), got {level!r}")
    est, _, _ = _unwrap(model)
    _require_binary(est, "marginal effects")
    t = est._training
    if data is None and t.get("backend") == "dask":
        refuse_on_dask("marginal effects over the training rows", "they need those rows in memory; pass data= "
                       "(rows in memory to average over, e.g. a sample computed from the Dask collection)")
    if data is None:
        weights, offset = np.asarray(t["weights"], float), t["offset"]
    else:
        weights, offset = None, None
    if isinstance(model, FormulaModel):
        frame = _training_frame(model) if data is None else data
        if not isinstance(frame, pd.DataFrame):
            raise DataError(f"data must be a pandas DataFrame for a formula model, got {type(frame).__name__}")
        Xd, variables = _formula_variables(model, frame, dummy)
    else:
        X = t["X"] if data is None else as_matrix(data)[0]
        if X.shape[1] != len(t["names"]):
            raise DataError(f"data has {X.shape[1]} columns, the model was fitted on {len(t['names'])}")
        Xd, variables = _matrix_variables(est, X, dummy)
    if cov is None:
        Sigma = parameter_covariance(model, cov_type)
    else:
        Sigma = np.asarray(cov, dtype=float)
        if Sigma.shape != (Xd.shape[1],) * 2:
            raise ParameterError(f"cov must be {Xd.shape[1]} x {Xd.shape[1]} (intercept first), got {Sigma.shape}")
    theta = np.asarray(est.fit_result_.theta, dtype=float)
    n = Xd.shape[0]
    s = np.full(n, 1.0 / n) if weights is None else weights / weights.sum()
    off = np.zeros(n) if offset is None else np.asarray(offset, float)
    if at == "mean":  # one row: the (weighted) column means
        s_rows = s

        def mean(A):
            return (s_rows @ A)[None, :]

        Xd, off = mean(Xd), np.array([s_rows @ off])
        variables = [(nm, k, (mean(v[0]), mean(v[1])) if isinstance(v, tuple) else mean(v))
                     for nm, k, v in variables]
        s = np.ones(1)
    link = est._fitted_objective()[0].link
    names, effects, jac, kinds = [], [], [], []
    for name, kind, value in variables:
        if isinstance(value, tuple):
            X1, X0 = value
            e1, e0 = X1 @ theta + off, X0 @ theta + off
            f1, _ = _f_and_fprime(link, e1)
            f0, _ = _f_and_fprime(link, e0)
            effects.append(s @ (link.inverse(e1) - link.inverse(e0)))
            jac.append(s @ (f1[:, None] * X1 - f0[:, None] * X0))
        else:
            D = value
            eta = Xd @ theta + off
            f, fp = _f_and_fprime(link, eta)
            deta = D @ theta
            effects.append(s @ (f * deta))
            jac.append(s @ (fp[:, None] * deta[:, None] * Xd + f[:, None] * D))
        names.append(name)
        kinds.append(kind)
    J = np.array(jac).reshape(len(names), Xd.shape[1])
    se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", J, Sigma, J), 0.0))
    return MarginalEffects(names=names, effect=np.array(effects, dtype=float), se=se, kind=kinds, at=at,
                           level=level, jacobian=J)


def _training_frame(fm):
    frame = getattr(fm, "_data", None)
    if frame is None:
        raise ParameterError("this formula model does not keep its training data; pass data=")
    return frame
