"""Tests: p-values (Wald, or penalised / ordinary likelihood ratio), LR tests of nested models,
drop-one LR tests, and Wald tests of linear hypotheses."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .._errors import DataError, ParameterError
from .covariance import covariance, standard_errors
from .fitinfo import _coef_vector, _require, _source, _subset, fit_info
from .hypotheses import parse_hypotheses
from .refit import _STAT_TOL, _lr_fix, _refit_threads


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
