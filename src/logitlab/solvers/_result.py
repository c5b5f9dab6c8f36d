"""What every solver shares: the stopping rule, the trace recorder and the FitResult."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


def converged(residual: float, tol: float) -> bool:
    """THE stopping rule, for every solver: the max-norm of the KKT residual (the gradient of
    the objective, or for L1 its minimum-norm subgradient) is at most ``tol``."""
    return residual <= tol


@dataclass
class Trace:
    """Per-iteration record of a fit (iteration 0 is the starting point).

    ``coef`` is (T, K, d) and ``intercept`` (T, K) in the model's coefficient layout;
    ``objective``, ``grad_norm`` (the KKT residual of the stopping rule) and ``step`` (the
    max-norm of the parameter change that led to the iterate) are (T,).
    """

    iteration: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    objective: np.ndarray
    grad_norm: np.ndarray
    step: np.ndarray

    def __len__(self):
        return len(self.iteration)

    def to_frame(self) -> pd.DataFrame:
        T, K, d = self.coef.shape
        data = {"iteration": self.iteration, "objective": self.objective,
                "grad_norm": self.grad_norm, "step": self.step}
        for k in range(K):
            tag = "" if K == 1 else f"[{k}]"
            data[f"intercept{tag}"] = self.intercept[:, k]
            for j in range(d):
                data[f"coef{tag}[{j}]"] = self.coef[:, k, j]
        return pd.DataFrame(data)


class Recorder:
    """Collects iterates on a schedule: every iteration, or log-spaced ('log': all of the
    first 20, then each iteration at least 5% past the last recorded one), always the last."""

    def __init__(self, schedule, split):
        self.schedule = schedule
        self.split = split
        self.rows = []
        self._next = 0
        self._last = None

    def __call__(self, k, theta, objective, grad_norm, step):
        row = (k, theta.copy(), objective, grad_norm, step)
        self._last = row
        if self.schedule is True or self.schedule == "all" or k >= self._next:
            self.rows.append(row)
            self._next = k + 1 if (self.schedule is True or k < 20) else max(k + 1, int(np.ceil(k * 1.05)))

    def finish(self) -> Trace:
        if self._last is not None and (not self.rows or self.rows[-1][0] != self._last[0]):
            self.rows.append(self._last)
        parts = [self.split(r[1]) for r in self.rows]
        return Trace(
            iteration=np.array([r[0] for r in self.rows], dtype=int),
            coef=np.array([c for c, _ in parts]),
            intercept=np.array([b for _, b in parts]),
            objective=np.array([r[2] for r in self.rows], dtype=float),
            grad_norm=np.array([r[3] for r in self.rows], dtype=float),
            step=np.array([r[4] for r in self.rows], dtype=float),
        )


class NullRecorder:
    def __call__(self, *args):
        pass


@dataclass
class SolverResult:
    theta: np.ndarray
    n_iter: int
    converged: bool
    objective: float
    grad_norm: float
    message: str


@dataclass
class FitResult:
    """The outcome of one fit: coefficients, convergence and (optionally) the trace."""

    coef: np.ndarray
    intercept: np.ndarray
    n_iter: int
    converged: bool
    objective: float
    grad_norm: float
    solver: str
    message: str
    theta: np.ndarray = field(repr=False)
    trace: Trace | None = field(default=None, repr=False)
