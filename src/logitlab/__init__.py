"""logitlab: logistic regression done completely.

The public API is listed in ``__all__``; names are imported on first use so that
``import logitlab`` (and the command line) start fast and optional parts cost nothing
until they are used.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS = {
    # engine
    "LogisticRegression": "logitlab.estimator",
    "FitResult": "logitlab.solvers",
    "Trace": "logitlab.solvers",
    "check_separation": "logitlab._separation",
    "SeparationResult": "logitlab._separation",
    # errors and warnings
    "LogitlabError": "logitlab._errors",
    "DataError": "logitlab._errors",
    "DataTypeError": "logitlab._errors",
    "ParameterError": "logitlab._errors",
    "LogitlabWarning": "logitlab._errors",
    "SeparationWarning": "logitlab._errors",
    "ConvergenceWarning": "logitlab._errors",
    # statistics
    "logit": "logitlab.formula",
    "FormulaModel": "logitlab.formula",
    "marginal_effects": "logitlab.margins",
    "MarginalEffects": "logitlab.margins",
    "influence": "logitlab.diagnostics",
    "dfbetas": "logitlab.diagnostics",
    "hosmer_lemeshow": "logitlab.diagnostics",
    "HosmerLemeshowResult": "logitlab.diagnostics",
    "lr_test": "logitlab.inference",
    "Summary": "logitlab.summary",
    # decisions
    "path": "logitlab.selection",
    "LogisticRegressionCV": "logitlab.selection",
    "evaluate": "logitlab.evaluation",
    "choose_threshold": "logitlab.thresholds",
    "prior_correction": "logitlab.thresholds",
    "calibrate": "logitlab.calibration",
    "Scorecard": "logitlab.scorecard",
    "load": "logitlab.export",
    "TabularEncoder": "logitlab.preprocessing",
    "load_bundle": "logitlab.export",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'logitlab' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
