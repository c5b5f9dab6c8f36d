"""Rosenblatt's perceptron, one point per step, with its whole history recorded.

The engine does not include a perceptron (it is not a maximum-likelihood method); the lab needs
one to show the hard-threshold ancestor of logistic regression next to it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class PerceptronHistory:
    """Everything the perceptron did, step by step.

    ``theta[t]`` is (bias, w1, ..., wd) *after* step t (``theta[0]`` is the start, before any
    step), ``index[t - 1]`` the point visited at step t, ``mistake[t - 1]`` whether it was
    misclassified (and so caused an update), ``epoch[t - 1]`` the pass it belongs to.
    """

    theta: np.ndarray  # (steps + 1, d + 1)
    index: np.ndarray  # (steps,)
    mistake: np.ndarray  # (steps,) bool
    epoch: np.ndarray  # (steps,)
    score: np.ndarray  # (steps,) theta . (1, x_i) before the step's update
    order: np.ndarray  # (n,) visiting order within every pass
    converged_step: int | None  # step of the last update, once a whole pass after it was clean


def perceptron(X, y, steps: int, learning_rate: float = 1.0, seed: int = 0) -> PerceptronHistory:
    """Run ``steps`` single-point perceptron updates on 0/1 labels ``y``.

    The prediction is ``h = 1 if theta . (1, x) >= 0 else 0`` and the update
    ``theta += learning_rate * (y - h) * (1, x)``: nothing happens on a correct point. Points
    are visited in one fixed, seeded order, pass after pass.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=int)
    n, d = X.shape
    if n == 0:
        raise ValueError("the perceptron needs at least one point")
    Z = np.column_stack([np.ones(n), X])
    order = np.random.default_rng(int(seed)).permutation(n)
    theta = np.zeros((steps + 1, d + 1))
    index = np.empty(steps, dtype=int)
    mistake = np.zeros(steps, dtype=bool)
    epoch = np.empty(steps, dtype=int)
    score = np.empty(steps)
    current = np.zeros(d + 1)
    clean_run = 0
    converged_step = None
    for t in range(steps):
        i = int(order[t % n])
        score[t] = float(Z[i] @ current)
        h = 1 if score[t] >= 0.0 else 0
        err = int(y[i]) - h
        if err:
            current = current + learning_rate * err * Z[i]
            clean_run = 0
        else:
            clean_run += 1
            if clean_run >= n and converged_step is None:
                converged_step = t + 1 - n
        theta[t + 1] = current
        index[t] = i
        mistake[t] = bool(err)
        epoch[t] = t // n
    return PerceptronHistory(theta, index, mistake, epoch, score, order, converged_step)
