"""logitlab and its peers, each mapped exactly onto logitlab's objective.

Every tool gets the same in-memory data (numpy float64 C-contiguous, or scipy CSR) and does its
own conversions inside the timed call.  ``run`` returns the coefficients in logitlab's layout
(coef (K, d), intercept (K,)); the harness evaluates logitlab's objective there.

Regularisation mapping (unit weights, n rows, logitlab alpha):
- scikit-learn: C = 1 / (alpha * n)  (it minimises C * sum(loss) + penalty);
- glum: alpha is already the per-mean alpha (it minimises deviance / (2 sum(s)) + alpha * ...,
  and half the binomial deviance is the negative log-likelihood);
- statsmodels GLM ridge: alpha per parameter, 0 for the constant (it minimises
  -loglike / n + sum(alpha_j * b_j^2) / 2);
- dask-ml: C = 1 / (alpha * n) (dask-glm minimises sum(loss) + (1/C) * penalty; it also
  penalises the intercept, an O(alpha^2) difference, far below the 1e-8 comparison).

Tolerances: each peer is asked for its tightest sensible stopping rule (a tolerance equivalent
to logitlab's default tol=1e-8 on the mean-scale gradient where the scales are known) and a
capped iteration count, so that reaching the best objective is possible but a slow solver
cannot stall the run.  A peer that still stops short is reported with its gap, not counted.
"""
from __future__ import annotations

import importlib
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


class Unavailable(Exception):
    """The tool cannot do this task here (missing package or missing API); reported, not raised."""


@dataclass
class Outcome:
    coef: np.ndarray                 # (K, d)
    intercept: np.ndarray            # (K,)
    converged: bool | None = None
    n_iter: int | None = None
    extra: dict = field(default_factory=dict)


@dataclass
class Tool:
    name: str                         # unique, e.g. "sklearn-lbfgs"
    library: str                      # distribution name, e.g. "scikit-learn"
    solver: str
    modules: tuple[str, ...]          # what must import for the tool to be available
    supports: Callable[[Any], str | None]   # problem -> None, or why not applicable
    fit: Callable[[Any], Outcome]
    is_logitlab: bool = False
    needs_dask: bool = False

    def unavailable_reason(self) -> str | None:
        for mod in self.modules:
            try:
                importlib.import_module(mod)
            except Exception as exc:
                return f"{mod} not importable ({type(exc).__name__}: {exc})"
        return None

    def version(self) -> str | None:
        try:
            from importlib.metadata import version
            return version(self.library)
        except Exception:
            return None


# --------------------------------------------------------------------------------- logitlab


def _logitlab_fit(problem) -> Outcome:
    import logitlab

    kw: dict[str, Any] = dict(solver="auto")
    if problem.penalty in ("l2", "l1"):
        kw.update(penalty=problem.penalty, alpha=problem.alpha)
    elif problem.penalty == "firth":
        kw.update(penalty="firth")
    else:
        kw.update(penalty=None)
    if problem.dask is not None:
        X, y = problem.dask["X"], problem.dask["y"]
    else:
        X, y = problem.X, problem.y
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = logitlab.LogisticRegression(**kw).fit(X, y)
        extra = {}
        if problem.task == "fit+summary":
            extra.update(_logitlab_summary(m))
        elif problem.task == "firth+lr+profile":
            extra.update(_logitlab_firth_inference(m))
    n_iter = getattr(m, "n_iter_", None)
    return Outcome(np.asarray(m.coef_), np.asarray(m.intercept_), getattr(m, "converged_", None),
                   int(np.max(n_iter)) if n_iter is not None else None, extra)


def _logitlab_summary(model) -> dict:
    """W7: the full summary (standard errors, p-values, Wald intervals), rendered as a user
    would see it.  Missing statistics API -> Unavailable (reported, not a crash)."""
    summary = getattr(model, "summary", None)
    if summary is None:
        raise Unavailable("LogisticRegression.summary() does not exist yet (statistics API)")
    s = summary()
    text = str(s)
    return {"summary_chars": len(text)}


def _logitlab_firth_inference(model) -> dict:
    """W8: penalised likelihood-ratio p-values and profile penalised-likelihood intervals for
    every coefficient (intercept included), as firthmodels' ``lrt()`` + ``conf_int("pl")``.
    Missing statistics API -> Unavailable."""
    pvalues = getattr(model, "pvalues", None)
    conf_int = getattr(model, "conf_int", None)
    if pvalues is None or conf_int is None:
        missing = [n for n, f in (("pvalues", pvalues), ("conf_int", conf_int)) if f is None]
        raise Unavailable(f"LogisticRegression.{'/'.join(missing)}() missing (statistics API)")
    p = np.asarray(pvalues(method="lr"))
    ci = np.asarray(conf_int(method="profile"))
    return {"lr_pvalues": int(p.size), "profile_ci_shape": list(ci.shape)}


# --------------------------------------------------------------------------------- scikit-learn

_SK_MAX_ITER = {"lbfgs": 1000, "newton-cg": 200, "newton-cholesky": 100, "liblinear": 1000,
                "sag": 50, "saga": 50}  # sag/saga: epochs; more would dominate the run time
# liblinear penalises the intercept (a constant feature of value intercept_scaling); a large
# scaling makes that penalty small (its objective gap shows what is left).
_LIBLINEAR_INTERCEPT_SCALING = 100.0
_DENSE_HESSIAN_MAX_D = 20_000   # newton-cholesky / IRLS: a d x d Hessian above this is absurd


def _sk_supports(solver):
    def supports(problem):
        if problem.dask is not None:
            return "not a Dask estimator"
        if problem.penalty == "firth":
            return "scikit-learn has no Firth penalty"
        if problem.task == "fit+summary":
            return "scikit-learn gives no standard errors or p-values"
        if problem.penalty == "l1" and solver not in ("liblinear", "saga"):
            return f"{solver} does not support L1"
        if not problem.binary and solver == "liblinear":
            return "liblinear is one-vs-rest only (not the multinomial objective)"
        if solver == "newton-cholesky" and problem.d * problem.n_classes > _DENSE_HESSIAN_MAX_D:
            gib = (problem.d * max(problem.n_classes - 1, 1)) ** 2 * 8 / 2**30
            return f"dense d x d Hessian ({gib:.0f} GiB)"
        return None
    return supports


def _sk_fit(solver):
    def fit(problem) -> Outcome:
        from sklearn.linear_model import LogisticRegression

        kw = dict(C=1.0 / (problem.alpha * problem.n), solver=solver, tol=1e-8,
                  max_iter=_SK_MAX_ITER[solver], l1_ratio=problem.l1_ratio)
        if solver == "liblinear":
            kw["intercept_scaling"] = _LIBLINEAR_INTERCEPT_SCALING
        if solver in ("sag", "saga"):
            kw["random_state"] = 0
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            m = LogisticRegression(**kw).fit(problem.X, problem.y)
        converged = not any("converge" in str(w.message).lower() for w in rec)
        return Outcome(m.coef_, m.intercept_, converged, int(np.max(m.n_iter_)))
    return fit


# --------------------------------------------------------------------------------- glum


def _glum_supports(solver):
    def supports(problem):
        if problem.dask is not None:
            return "not a Dask estimator"
        if not problem.binary:
            return "glum has no multinomial family"
        if problem.penalty == "firth":
            return "glum has no Firth penalty"
        if problem.penalty == "l1" and solver != "irls-cd":
            return f"{solver} does not support L1"
        if problem.task == "fit+summary" and solver != "irls-ls":
            return "inference timed with glum's default L2/unpenalised solver only"
        if solver.startswith("irls") and problem.d > _DENSE_HESSIAN_MAX_D and \
                problem.penalty != "l1":
            gib = problem.d ** 2 * 8 / 2**30
            return f"dense d x d Hessian ({gib:.0f} GiB)"
        return None
    return supports


def _glum_fit(solver):
    def fit(problem) -> Outcome:
        from glum import GeneralizedLinearRegressor

        kw = dict(family="binomial", link="logit", alpha=problem.alpha, l1_ratio=problem.l1_ratio,
                  solver=solver, gradient_tol=1e-8, max_iter=1000 if solver == "lbfgs" else 100)
        if problem.task == "fit+summary":
            kw.update(robust=False, expected_information=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = GeneralizedLinearRegressor(**kw).fit(problem.X, problem.y)
            extra = {}
            if problem.task == "fit+summary":
                table = m.coef_table(X=problem.X, y=problem.y)  # SEs, p-values, intervals
                extra["table_rows"] = int(len(table))
        return Outcome(np.atleast_2d(m.coef_), np.atleast_1d(m.intercept_),
                       None, int(np.max(m.n_iter_)) if getattr(m, "n_iter_", None) is not None
                       else None, extra)
    return fit


# --------------------------------------------------------------------------------- statsmodels


def _sm_logit_supports(problem):
    if problem.task == "fit+summary" and problem.penalty is None and problem.binary:
        return None
    return "statsmodels Logit is timed on the inference workload only"


def _sm_logit_fit(problem) -> Outcome:
    import statsmodels.api as sm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exog = sm.add_constant(problem.X, has_constant="add")
        res = sm.Logit(problem.y, exog).fit(method="newton", maxiter=100, tol=1e-10, disp=0)
        text = str(res.summary())  # standard errors, z, p-values, 95% intervals
    params = np.asarray(res.params)
    return Outcome(params[None, 1:], params[:1], bool(res.mle_retvals.get("converged")),
                   int(res.mle_retvals.get("iterations", -1)),
                   {"llf": float(res.llf), "summary_chars": len(text)})


def _sm_ridge_supports(problem):
    if problem.penalty != "l2" or not problem.binary or problem.sparse or problem.dask is not None:
        return "statsmodels GLM ridge: dense binary L2 only"
    return None


def _sm_ridge_fit(problem) -> Outcome:
    import statsmodels.api as sm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exog = sm.add_constant(problem.X, has_constant="add")
        alpha = np.full(exog.shape[1], problem.alpha)
        alpha[0] = 0.0  # the intercept is not penalised
        res = sm.GLM(problem.y, exog, family=sm.families.Binomial()).fit_regularized(
            method="elastic_net", alpha=alpha, L1_wt=0.0)
    params = np.asarray(res.params)
    return Outcome(params[None, 1:], params[:1])


# --------------------------------------------------------------------------------- firthmodels


def _firth_supports(problem):
    return None if problem.penalty == "firth" else "firthmodels fits Firth models only"


def _firth_fit(problem) -> Outcome:
    from firthmodels import FirthLogisticRegression

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = FirthLogisticRegression(max_iter=100, gtol=1e-8, xtol=1e-10).fit(problem.X, problem.y)
        m.lrt()                               # penalised likelihood-ratio p-values, all terms
        ci = m.conf_int(method="pl")          # profile penalised-likelihood intervals, all terms
    return Outcome(np.atleast_2d(m.coef_), np.atleast_1d(m.intercept_), bool(m.converged_),
                   int(m.n_iter_), {"loglik": float(m.loglik_),
                                    "profile_ci_shape": list(np.shape(ci))})


# --------------------------------------------------------------------------------- dask-ml


def _daskml_supports(problem):
    return None if problem.dask is not None else "dask-ml is timed on the Dask workload only"


def _daskml_fit(solver):
    def fit(problem) -> Outcome:
        from dask_ml.linear_model import LogisticRegression

        # admm: each iteration solves a problem per chunk; 100 iterations took 782 s on W9 here
        # and still stopped short (gap 1.5e-7), so it gets 20: reported, never counted
        kw = dict(C=1.0 / (problem.alpha * problem.n), solver=solver,
                  max_iter=20 if solver == "admm" else 100)
        if solver in ("lbfgs", "proximal_grad", "gradient_descent", "newton"):
            # dask-glm's gradient is on the sum scale: logitlab's tol 1e-8 times n
            kw["tol"] = 1e-8 * problem.n
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = LogisticRegression(**kw).fit(problem.dask["X"], problem.dask["y"])
        extra = {"note": "unpenalised solver (dask-glm newton ignores the penalty)"} \
            if solver == "newton" else {}
        return Outcome(np.atleast_2d(np.asarray(m.coef_)), np.atleast_1d(m.intercept_),
                       extra=extra)
    return fit


# --------------------------------------------------------------------------------- registry


def all_tools() -> list[Tool]:
    tools = [Tool("logitlab", "logitlab", "auto", ("logitlab",), lambda p: None, _logitlab_fit,
                  is_logitlab=True)]
    for s in ("lbfgs", "newton-cg", "newton-cholesky", "liblinear", "sag", "saga"):
        tools.append(Tool(f"sklearn-{s}", "scikit-learn", s, ("sklearn",), _sk_supports(s),
                          _sk_fit(s)))
    for s in ("irls-ls", "irls-cd", "lbfgs"):
        tools.append(Tool(f"glum-{s}", "glum", s, ("glum",), _glum_supports(s), _glum_fit(s)))
    tools.append(Tool("statsmodels-logit", "statsmodels", "newton", ("statsmodels",),
                      _sm_logit_supports, _sm_logit_fit))
    tools.append(Tool("statsmodels-glm-ridge", "statsmodels", "bfgs", ("statsmodels",),
                      _sm_ridge_supports, _sm_ridge_fit))
    tools.append(Tool("firthmodels", "firthmodels", "newton-raphson", ("firthmodels",),
                      _firth_supports, _firth_fit))
    for s in ("lbfgs", "newton", "admm"):
        tools.append(Tool(f"dask-ml-{s}", "dask-ml", s, ("dask_ml", "distributed"),
                          _daskml_supports, _daskml_fit(s), needs_dask=True))
    return tools


def get_tool(name: str) -> Tool:
    for t in all_tools():
        if t.name == name:
            return t
    raise KeyError(name)
