"""Recalibration of a fitted classifier: ``logitlab.calibrate(model, X, y, method=...)``.

A thin, checked front end to scikit-learn's ``CalibratedClassifierCV``:

- ``method="sigmoid"`` (alias ``"platt"``): Platt scaling, a logistic regression of the outcome
  on the model's score; two parameters, right when the miscalibration is a shift and a
  stretch of the log-odds (class weighting, strong penalties, case-control sampling).
- ``method="isotonic"``: a monotone step function of the score; more flexible, needs more
  data (a rule of thumb is a thousand calibration rows or more), can tie distinct scores.

Where the calibration map is learned:

- ``cv="prefit"``: the model is used as fitted (wrapped in scikit-learn's ``FrozenEstimator``)
  and the map is learned on ``X, y``, which must be data the model was NOT fitted on.
- ``cv=k`` (an int, default 5, or any scikit-learn splitter): clones of the model with the same
  hyper-parameters are re-fitted on k - 1 folds and the map is learned from their predictions
  on the held-out fold, so ``X, y`` may be the training data. With ``ensemble=False`` (the
  default here) the out-of-fold predictions of all folds train one map, applied to one clone
  re-fitted on all of ``X, y`` (the same fit as the user's model when that was fitted on the
  same data); with ``ensemble=True`` the k (fold model, map) pairs are averaged. Either way
  the input model itself is never modified.

Multiclass models are calibrated one-vs-rest and the calibrated probabilities renormalised
(scikit-learn's scheme).
"""
from __future__ import annotations

import numbers

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator

from ._errors import DataError, ParameterError
from ._eval_inputs import check_choice, model_proba

__all__ = ["calibrate", "CalibratedModel"]

_METHODS = {"sigmoid": "sigmoid", "platt": "sigmoid", "isotonic": "isotonic"}


class CalibratedModel:
    """A calibrated classifier with the ``predict_proba`` interface of the model it wraps.

    Attributes: ``classes_``, ``base_model`` (the input model, untouched), ``method``,
    ``cv``, ``calibrator_`` (the fitted scikit-learn ``CalibratedClassifierCV``), and
    ``n_features_in_`` / ``feature_names_in_`` when the base model has them.
    """

    def __init__(self, calibrator, base_model, method, cv):
        self.calibrator_ = calibrator
        self.base_model = base_model
        self.method = method
        self.cv = cv
        self.classes_ = calibrator.classes_
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(base_model, name):
                setattr(self, name, getattr(base_model, name))

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated class probabilities, columns in the order of ``classes_``."""
        return self.calibrator_.predict_proba(X)

    def predict(self, X) -> np.ndarray:
        """Class of highest calibrated probability."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def score(self, X, y) -> float:
        """Accuracy of ``predict`` on (X, y)."""
        return float(np.mean(self.predict(X) == np.asarray(y)))

    def __repr__(self) -> str:
        return (f"CalibratedModel(method={self.method!r}, cv={self.cv!r}, "
                f"base_model={type(self.base_model).__name__})")


def calibrate(model, X, y, method="sigmoid", *, cv=5, ensemble=False, n_jobs=None):
    """Recalibrate a fitted classifier's probabilities; returns a ``CalibratedModel``.

    Parameters
    ----------
    model : fitted classifier with ``predict_proba`` (not modified)
    X, y : calibration data (held-out data for ``cv="prefit"``; may be the training data for
        ``cv=k``). Every class must occur, at least ``k`` times for ``cv=k``.
    method : "sigmoid" / "platt" (Platt scaling) or "isotonic"
    cv : "prefit", an int >= 2, or a scikit-learn CV splitter
    ensemble : with cross-validation, average the fold models (True) or re-fit one model and
        learn one map from out-of-fold predictions (False)
    n_jobs : parallel folds (joblib), passed to scikit-learn
    """
    check_choice(method, tuple(_METHODS), name="calibration method")
    codes, _, classes = model_proba(model, X, y)   # validates model, X, y, NaN probabilities
    counts = np.bincount(codes, minlength=len(classes))
    if cv == "prefit":
        estimator, sk_cv, sk_ensemble = FrozenEstimator(model), None, "auto"
    elif isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        if cv < 2:
            raise ParameterError(f"cv must be 'prefit' or at least 2 folds; got cv={cv}.")
        if counts.min() < cv:
            small = classes[int(np.argmin(counts))]
            raise DataError(
                f"class {small!r} has only {counts.min()} row(s), fewer than cv={cv} folds, so "
                "some folds would miss it. Use fewer folds, more data, or cv='prefit' with a "
                "separate calibration set.")
        estimator, sk_cv, sk_ensemble = model, int(cv), bool(ensemble)
    elif not isinstance(cv, str) and hasattr(cv, "split") and hasattr(cv, "get_n_splits"):
        estimator, sk_cv, sk_ensemble = model, cv, bool(ensemble)
    else:
        raise ParameterError(f"cv must be 'prefit', an int >= 2 or a CV splitter; got {cv!r}.")
    if method == "isotonic" and codes.size < 2 * len(classes):
        raise DataError(f"isotonic calibration on {codes.size} rows cannot work; use "
                        "method='sigmoid' or more data.")
    sk = CalibratedClassifierCV(estimator, method=_METHODS[method], cv=sk_cv,
                                ensemble=sk_ensemble, n_jobs=n_jobs)
    sk.fit(X, y)   # cross-validation: scikit-learn fits clones, never the input model
    if not np.array_equal(np.asarray(sk.classes_), np.asarray(classes)):
        raise DataError("the calibrated model's classes differ from the input model's; "
                        "evaluate on labels the model was fitted with.")
    return CalibratedModel(sk, model, method, cv)
