"""Scorers for cross-validation: the default log loss, scikit-learn names, callables."""
from __future__ import annotations

import difflib
import inspect

from sklearn.base import BaseEstimator, ClassifierMixin

from .._errors import ParameterError


def neg_log_loss(estimator, X, y, sample_weight=None):
    """Default score: minus the (weighted) mean log loss, with labels = the model's classes."""
    from sklearn.metrics import log_loss

    return -log_loss(y, estimator.predict_proba(X), labels=estimator.classes_, sample_weight=sample_weight)


def resolve_scorer(scoring):
    """(scorer callable, its name) for ``scoring``: None, a scikit-learn name or a callable."""
    if scoring is None:
        return neg_log_loss, "neg_log_loss"
    if isinstance(scoring, str):
        from sklearn.metrics import get_scorer, get_scorer_names

        if scoring == "neg_log_loss":
            return neg_log_loss, scoring
        if scoring not in get_scorer_names():
            close = difflib.get_close_matches(scoring, get_scorer_names(), n=3)
            hint = f"; did you mean {close}?" if close else ""
            raise ParameterError(f"unknown scoring {scoring!r}{hint} (any name of "
                                 "sklearn.metrics.get_scorer_names() or a callable(estimator, X, y))")
        return get_scorer(scoring), scoring
    if callable(scoring):
        return scoring, getattr(scoring, "__name__", "custom")
    raise ParameterError(f"scoring must be None, a scorer name or a callable, got {type(scoring).__name__}")


def accepts_sample_weight(fn):
    """Whether the scorer can be called with ``sample_weight=``."""
    if hasattr(fn, "_score_func") or fn is neg_log_loss:
        return True
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "sample_weight" in params or any(p.kind == p.VAR_KEYWORD for p in params.values())



class OffsetBound(ClassifierMixin, BaseEstimator):
    """A fitted model with the offset of the rows it will score bound to it.

    Scorers call ``predict_proba(X)`` (or ``decision_function`` / ``predict``) without an
    offset; this wrapper adds the test rows' offset, so scores use the same linear predictor as
    ``model.predict_proba(X, offset=offset)``.
    """

    def __init__(self, model, offset):
        self.model = model
        self.offset = offset

    @property
    def classes_(self):
        return self.model.classes_

    def decision_function(self, X):
        return self.model.decision_function(X, offset=self.offset)

    def predict_proba(self, X):
        return self.model.predict_proba(X, offset=self.offset)

    def predict_log_proba(self, X):
        return self.model.predict_log_proba(X, offset=self.offset)

    def predict(self, X):
        return self.model.predict(X, offset=self.offset)
