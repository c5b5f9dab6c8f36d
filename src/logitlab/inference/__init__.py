"""Inference on fitted binary and multinomial models: covariances, Wald and profile-likelihood
intervals, likelihood-ratio and Wald tests, model statistics, prediction intervals.

Everything here takes a fitted ``LogisticRegression`` (or any object carrying one in the
attribute ``_logitlab_estimator``, e.g. a formula model) and never refits it, with two
documented exceptions that re-optimise *under constraints* on the same data: profile
likelihood (one coefficient held fixed) and likelihood-ratio p-values / drop-one tests
(coefficients held at zero). Both use the model's own objective, so for Firth fits they are
*penalised* likelihood-ratio quantities with the full-model penalty, exactly as R's logistf.

Conventions
-----------
- log-likelihood = -sum(weights) * mean loss; observed information = sum(weights) * Hessian.
- Parameter order: the engine's ``theta`` (intercept first; multinomial: one block per
  non-reference class). Names: ``Intercept`` and the feature names; multinomial names carry
  the class in brackets, e.g. ``x1[versicolor]``.
- Honesty about penalties: L1 / elastic-net fits have no valid standard errors, p-values or
  intervals: every such request raises ``ParameterError``. L2 fits get the inverse of the
  *penalised* information (the Laplace approximation to the posterior covariance under the
  Gaussian prior the ridge penalty implies) and Wald intervals labelled as posterior
  intervals; p-values, profile intervals and LR tests are refused (the shrinkage bias makes
  them miscalibrated as frequentist quantities).

Statistics are computed lazily and cached on the model (keyed by the fit), so a summary,
its intervals and prediction intervals share one information matrix and one inverse.

Modules, by concern (every name stays importable from ``logitlab.inference``):

- ``fitinfo``      the cached FitInfo of a model, which penalties allow what, shared helpers
- ``covariance``   covariance matrices (observed, expected, sandwich, cluster), standard errors
- ``refit``        constrained refits, LR statistics, starting points on the profile trace
- ``intervals``    Wald and profile-likelihood intervals (Venzon-Moolgavkar joint solve)
- ``tests``        p-values, LR tests of nested models, drop-one tests, Wald tests
- ``hypotheses``   parser for linear hypotheses written over coefficient names
- ``model_stats``  log-likelihoods, null model, LR chi-square, information criteria, R^2
- ``prediction``   prediction intervals on the link scale
"""
from __future__ import annotations

# Every name of the former single module, private ones included, stays importable from here
# (summary, firth and the tests use some private helpers).
from .covariance import COV_TYPES, _covariance, _crossprod, covariance, standard_errors  # noqa: F401
from .fitinfo import (_L1_MESSAGE, _L2_MESSAGE, FitInfo, _check_level, _coef_vector, _design,  # noqa: F401
                      _inverse, _require, _source, _subset, estimator_of, fit_info, param_names,
                      warn_separated)
from .hypotheses import _IDENT, _NUM, _Parser, _split_top, parse_hypotheses  # noqa: F401
from .intervals import (_expanded_reach, _infinite_or_none, _level_root, _profile_cap,  # noqa: F401
                        _profile_limit, _profile_limit_bracket, _profile_limit_vm, conf_int,
                        profile_intervals)
from .model_stats import log_likelihood, model_statistics, null_theta
from .prediction import PredictionInterval, predict_interval
from .refit import (_RTOL, _STAT_TOL, _XTOL, _conditional_start, _lr_fix, _missing_curvature,  # noqa: F401
                    _newton_matrix, _refit_threads, _trace_expansion, _TraceExpansion,
                    constrained_minimum)
from .tests import TestResult, _index_of, drop_one, lr_test, pvalues, wald_test  # noqa: F401

__all__ = ["COV_TYPES", "FitInfo", "PredictionInterval", "TestResult", "conf_int", "constrained_minimum",
           "covariance", "drop_one", "estimator_of", "fit_info", "log_likelihood", "lr_test",
           "model_statistics", "null_theta", "param_names", "parse_hypotheses", "predict_interval",
           "profile_intervals", "pvalues", "standard_errors", "wald_test", "warn_separated"]
