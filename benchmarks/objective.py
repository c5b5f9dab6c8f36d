"""Every tool's solution evaluated on logitlab's one objective.

The judge is ``logitlab._objective.objective_value`` (docs/engine.md).  ``reference_objective``
is an independent numpy transcription of the same formula: it is used only when the engine
cannot be imported (the result records which one was used) and the tests check that the two
agree.
"""
from __future__ import annotations

import numpy as np
from scipy.special import logsumexp


def _linear_predictor(X, coef, intercept):
    return np.asarray(X @ coef.T) + intercept


def reference_objective(X, y, coef, intercept, penalty=None, alpha=0.0, l1_ratio=0.0):
    """Mean negative log-likelihood + penalty (logit link, unit weights)."""
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    intercept = np.atleast_1d(np.asarray(intercept, dtype=np.float64))
    eta = _linear_predictor(X, coef, intercept)
    y = np.asarray(y)
    n = eta.shape[0]
    if coef.shape[0] == 1:
        z = eta[:, 0]
        nll = np.logaddexp(0.0, z) - y * z
    else:
        nll = logsumexp(eta, axis=1) - eta[np.arange(n), y.astype(np.intp)]
    value = float(np.mean(nll))
    if penalty == "l2":
        value += alpha / 2.0 * float(np.sum(coef * coef))
    elif penalty == "l1":
        value += alpha * float(np.sum(np.abs(coef)))
    elif penalty == "elasticnet":
        value += alpha * (l1_ratio * float(np.sum(np.abs(coef)))
                          + (1 - l1_ratio) / 2.0 * float(np.sum(coef * coef)))
    elif penalty == "firth":
        if coef.shape[0] != 1:
            raise ValueError("Firth is binary only")
        p = 0.5 * (1.0 + np.tanh(0.5 * eta[:, 0]))
        w = p * (1.0 - p)
        Xa = np.column_stack([np.ones(n), np.asarray(X)])
        info = Xa.T @ (Xa * w[:, None])
        sign, logdet = np.linalg.slogdet(info)
        value -= 0.5 * logdet / n  # the objective is *minus* the penalised log-likelihood
    elif penalty is not None:
        raise ValueError(f"unknown penalty {penalty!r}")
    return value


def _logitlab_objective():
    try:
        from logitlab._objective import objective_value
    except Exception as exc:  # engine not installed / not built yet
        return None, f"{type(exc).__name__}: {exc}"
    return objective_value, None


def objective_source() -> str:
    fn, why = _logitlab_objective()
    return "logitlab._objective.objective_value" if fn else f"reference (logitlab: {why})"


def evaluate(problem, coef, intercept) -> float:
    """logitlab's objective for ``problem`` at (coef, intercept); coef (K, d), intercept (K,)."""
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    intercept = np.atleast_1d(np.asarray(intercept, dtype=np.float64))
    fn, _ = _logitlab_objective()
    if fn is None:
        return reference_objective(problem.X, problem.y, coef, intercept, problem.penalty,
                                   problem.alpha, problem.l1_ratio)
    return float(fn(problem.X, problem.y, coef, intercept, penalty=problem.penalty,
                    alpha=problem.alpha, l1_ratio=problem.l1_ratio, link="logit",
                    sample_weight=None))
