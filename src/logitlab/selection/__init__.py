"""Regularisation paths and cross-validation over them (glmnet style).

Objective (docs/engine.md): weighted mean negative log-likelihood
    + alpha * (l1_ratio * ||w||_1 + (1 - l1_ratio) / 2 * ||w||_2^2), intercept unpenalised.

The modules follow the data:

- ``_inputs``: penalty / l1_ratio / grid parameters and the data (X, y, sample and class weights,
  offset) checked once, with the estimator's rules;
- ``_grid``: ``alpha_max``, the top of the grid, and the log-spaced grid below it;
- ``paths``: ``path`` and ``PathResult``, one warm-started fit per alpha;
- ``_folds`` and ``_scoring``: cross-validation splits, the path run on each fold, scorers;
- ``cv``: ``LogisticRegressionCV``, which chooses alpha (and l1_ratio) from the fold scores.
"""
from __future__ import annotations

from ._grid import alpha_max
from .cv import LogisticRegressionCV
from .paths import PathResult, path

__all__ = ["path", "alpha_max", "PathResult", "LogisticRegressionCV"]
