"""The one small error hierarchy of logitlab.

Every error a user can trigger is a ``LogitlabError``; each also subclasses the built-in
exception a Python user would catch for it (``ValueError`` for bad values, ``TypeError`` for
bad types), so ``except ValueError`` keeps working around logitlab calls.
"""
from __future__ import annotations

from sklearn.exceptions import ConvergenceWarning as _SkConvergenceWarning


class LogitlabError(Exception):
    """Base class of every error raised by logitlab."""


class DataError(LogitlabError, ValueError):
    """The data (X, y, weights, offset, a file) cannot be used as given."""


class DataTypeError(LogitlabError, TypeError):
    """The data has a type logitlab cannot use (e.g. text in a numeric matrix)."""


class ParameterError(LogitlabError, ValueError):
    """A parameter value is invalid or two parameters do not fit together."""


class LogitlabWarning(UserWarning):
    """Base class of every warning issued by logitlab."""


class SeparationWarning(LogitlabWarning):
    """The classes are (quasi-)completely separated: ML estimates do not exist."""


class ConvergenceWarning(LogitlabWarning, _SkConvergenceWarning):
    """The solver stopped before meeting the stopping rule (subclass of scikit-learn's)."""
