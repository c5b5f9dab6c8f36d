"""The fitting core: objective from validated data, solver choice, start point, FitResult.

The estimator, the formula API and other backends call ``fit_one``; it knows nothing about
scikit-learn conventions or user labels.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy import special

from ._errors import ConvergenceWarning, ParameterError
from ._links import get_link
from ._loss import BinaryLoss
from ._multinomial_loss import MultinomialLoss
from ._objective import Objective
from ._penalties import make_penalty
from .solvers import FitResult, NullRecorder, Recorder, check_compatible, choose_solver


@dataclass
class FitSpec:
    """Resolved fit settings (alpha already numeric)."""

    penalty: str = "none"
    alpha: float = 0.0
    l1_ratio: float = 0.0
    link: str = "logit"
    solver: str = "auto"
    tol: float = 1e-8
    max_iter: int | None = None
    learning_rate: float = 0.1
    fit_intercept: bool = True
    trace: bool | str = False


def build_loss(X, y, weights, offset, spec: FitSpec, n_classes=2):
    """Binary loss for 2 classes, else multinomial (reference-class form when unpenalised)."""
    if n_classes == 2:
        return BinaryLoss(X, y, weights, get_link(spec.link), spec.fit_intercept, offset)
    if spec.link != "logit":
        raise ParameterError(f"link={spec.link!r} is for binary models; multinomial models use the softmax "
                             "(logit) link. Use multiclass='ovr' for one binary model per class.")
    if spec.penalty == "firth":
        raise ParameterError("penalty='firth' is implemented for binary models only; use penalty='l2' "
                             "for multinomial models, or multiclass='ovr'")
    return MultinomialLoss(X, y, weights, n_classes, spec.fit_intercept, offset,
                           reference=spec.penalty == "none")


def build_objective(loss, spec: FitSpec) -> Objective:
    return Objective(loss, make_penalty(spec.penalty, spec.alpha, spec.l1_ratio, loss))


def start_point(loss, spec: FitSpec):
    """Intercept-only estimate (weighted class frequencies through the link), slopes zero."""
    theta = np.zeros(loss.n_params)
    if not spec.fit_intercept:
        return theta
    if isinstance(loss, BinaryLoss):
        ybar = float(np.clip(loss.event_rate(), 1e-6, 1 - 1e-6))
        theta[0] = {"logit": special.logit, "probit": special.ndtri,
                    "cloglog": lambda m: np.log(-np.log1p(-m))}[loss.link.name](ybar)
        return theta
    freq = np.clip(loss.class_shares(), 1e-6, None)
    logf = np.log(freq)
    logf = logf - (logf[0] if loss.reference else logf.mean())
    B = np.zeros((loss.K - loss.k0, loss.p))
    B[:, 0] = logf[loss.k0:]
    return B.ravel()


def fit_one(loss, spec: FitSpec, theta0=None) -> FitResult:
    """Minimise the objective for one (binary or multinomial) model."""
    objective = build_objective(loss, spec)
    name = spec.solver
    if name == "auto":
        name = choose_solver(spec.penalty, loss.n_params, sp.issparse(loss.X),
                             multinomial=isinstance(loss, MultinomialLoss))
    solver = check_compatible(name, spec.penalty)
    max_iter = spec.max_iter if spec.max_iter is not None else solver.DEFAULT_MAX_ITER
    recorder = Recorder(spec.trace, loss.split) if spec.trace else NullRecorder()
    with np.errstate(over="ignore", under="ignore"):
        # the start point is made in the call, so that only the solver holds it (a name here
        # would keep it alive for the whole fit: a d-vector of the peak with many parameters)
        out = solver.solve(objective,
                           start_point(loss, spec) if theta0 is None else np.array(theta0, dtype=float),
                           tol=spec.tol, max_iter=max_iter, record=recorder,
                           learning_rate=spec.learning_rate)
    coef, intercept = loss.split(out.theta)
    if isinstance(loss, MultinomialLoss) and not loss.reference and spec.fit_intercept:
        intercept = intercept - intercept.mean()  # symmetric form: intercepts identified up to a constant
    return FitResult(coef=coef, intercept=intercept, n_iter=out.n_iter, converged=out.converged,
                     objective=out.objective, grad_norm=out.grad_norm, solver=name, message=out.message,
                     theta=out.theta, trace=recorder.finish() if spec.trace else None)


def warn_if_not_converged(result: FitResult, spec: FitSpec, what: str = "the model"):
    if result.converged:
        return
    hint = {"gd": "increase max_iter or learning_rate (if the objective still decreases smoothly), "
                  "standardise the features, or use solver='newton'",
            "lbfgs": "increase max_iter, standardise the features, or use solver='newton'",
            "newton": "increase max_iter; if the data are separated use penalty='firth' or 'l2'",
            "newton-cg": "increase max_iter; if the data are separated use penalty='l2'",
            "cd": "increase max_iter, or use a larger alpha"}[result.solver]
    warnings.warn(
        f"solver {result.solver!r} did not converge for {what} after {result.n_iter} iterations: "
        f"{result.message}; the optimality residual is {result.grad_norm:.3g} > tol={spec.tol:g}. "
        f"To fix: {hint}.", ConvergenceWarning, stacklevel=3)
