"""Validation shared by evaluation, thresholds, calibration and scorecards.

Every public entry point of the decision tools takes a fitted classifier (anything with
``predict_proba`` and ``classes_``) and data ``X, y``. The checks here turn the ways that can
go wrong into one clear logitlab error each, naming the problem and what to do about it.
"""
from __future__ import annotations

import numbers

import numpy as np

from ._errors import DataError, DataTypeError, ParameterError

# rows of predict_proba must sum to one to this tolerance (float64 softmax / sigmoid output
# sums to 1 within a few ulps; 1e-6 leaves room for float32 models without hiding real bugs)
_ROW_SUM_TOL = 1e-6


def check_fitted_classifier(model, *, what: str = "model"):
    """Return ``model.classes_`` after checking that ``model`` is a fitted classifier."""
    if not hasattr(model, "predict_proba"):
        raise DataTypeError(
            f"{what} has no predict_proba method (got {type(model).__name__}); pass a fitted "
            "classifier such as logitlab.LogisticRegression().fit(X, y)."
        )
    classes = getattr(model, "classes_", None)
    if classes is None:
        raise ParameterError(
            f"{what} ({type(model).__name__}) is not fitted: it has no classes_. "
            "Call fit(X, y) before evaluating it."
        )
    classes = np.asarray(classes)
    if classes.ndim != 1 or classes.size < 2:
        raise ParameterError(
            f"{what} has {classes.size} class(es); evaluation needs a classifier fitted on "
            "at least two classes."
        )
    kind = getattr(model, "model_kind_", None)
    if kind == "multilabel":
        raise ParameterError(
            "multilabel models are not supported here: evaluate each label as its own binary "
            "problem (column k of predict_proba against column k of Y)."
        )
    return classes


def check_labels(y, classes, *, min_classes: int = 2, name: str = "y") -> np.ndarray:
    """Encode user labels ``y`` as integer codes 0..K-1 in the order of ``classes``.

    Raises DataError for empty input, 2-D labels, missing values, labels the model does not
    know, and for fewer than ``min_classes`` / missing classes (when ``min_classes`` equals
    the number of classes, every class must be present).
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.ndim != 1:
        raise DataError(
            f"{name} must be one-dimensional (one label per row); got shape {y.shape}. "
            "For multilabel targets evaluate each column separately."
        )
    if y.size == 0:
        raise DataError(f"{name} is empty: evaluation needs at least one row of each class.")
    if y.dtype.kind == "f" and np.isnan(y).any():
        raise DataError(
            f"{name} contains {int(np.isnan(y).sum())} missing (NaN) label(s); drop those rows "
            "or impute the labels first."
        )
    if y.dtype.kind == "O" and any(v is None or (isinstance(v, float) and np.isnan(v)) for v in y):
        raise DataError(f"{name} contains missing labels (None/NaN); drop those rows first.")
    classes = np.asarray(classes)
    lookup = {c.item() if hasattr(c, "item") else c: i for i, c in enumerate(classes)}
    codes = _encode(y, classes, lookup)
    if codes is None:
        unknown = sorted({repr(v) for v in y.tolist() if v not in lookup})[:5]
        raise DataError(
            f"{name} contains label(s) {', '.join(unknown)} that the model does not know; "
            f"its classes are {list(classes.tolist())}. Evaluate on data with the model's labels."
        )
    present = np.bincount(codes, minlength=len(classes))
    if np.count_nonzero(present) < min(min_classes, len(classes)) or (
        min_classes >= len(classes) and (present == 0).any()
    ):
        raise DataError(
            f"{name} has no rows of class(es) {_labels(classes, present == 0)} (counts per class: "
            f"{dict(zip(classes.tolist(), present.tolist()))}); ROC, AUC and the per-class "
            "metrics need every class present. Use a larger or stratified evaluation sample."
        )
    return codes


def _encode(y, classes, lookup):
    """Integer codes of y in ``classes`` (None if some label is unknown)."""
    try:   # fast path: sorted classes of one comparable type (scikit-learn's np.unique)
        if np.all(classes[:-1] < classes[1:]):
            idx = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
            return idx.astype(np.intp) if np.all(classes[idx] == y) else None
    except TypeError:
        pass
    try:
        return np.array([lookup[v.item() if hasattr(v, "item") else v] for v in y], dtype=np.intp)
    except (KeyError, TypeError):
        return None


def check_proba(proba, n_rows: int, n_classes: int, *, name: str = "predicted probabilities"):
    """Check a probability matrix (n, K) or binary vector (n,) and return it as (n, K)."""
    proba = np.asarray(proba, dtype=float)
    if proba.ndim == 1:
        if n_classes != 2:
            raise DataError(f"{name}: a 1-D vector is only valid for two classes.")
        proba = np.column_stack([1.0 - proba, proba])
    if proba.shape != (n_rows, n_classes):
        raise DataError(
            f"{name} have shape {proba.shape}, expected ({n_rows}, {n_classes}): one row per "
            "label and one column per class."
        )
    bad = ~np.isfinite(proba)
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        raise DataError(
            f"{name} contain NaN or infinite values in {rows.size} row(s) (first: "
            f"{rows[:5].tolist()}); check the model and X for missing or extreme values."
        )
    if (proba < 0).any() or (proba > 1).any():
        raise DataError(f"{name} must lie in [0, 1]; got values in "
                        f"[{proba.min():.6g}, {proba.max():.6g}].")
    sums = proba.sum(axis=1)
    if np.abs(sums - 1.0).max() > _ROW_SUM_TOL:
        raise DataError(
            f"{name}: rows must sum to 1 (largest deviation {np.abs(sums - 1).max():.3g}); "
            "pass predict_proba output, not scores."
        )
    return proba


def check_sample_weight(sample_weight, codes: np.ndarray, classes) -> np.ndarray | None:
    """Evaluation weights: None, or one finite weight >= 0 per label (the estimator's rules),
    every class with a positive total (the per-class metrics need each class present)."""
    if sample_weight is None:
        return None
    from ._data import check_sample_weight as check_fit_weight

    if np.ndim(sample_weight) > 1:
        raise DataError(f"sample_weight must be one-dimensional (one weight per row); got shape "
                        f"{np.shape(sample_weight)}.")
    w = check_fit_weight(sample_weight, codes.size)
    classes = np.asarray(classes)
    totals = np.bincount(codes, weights=w, minlength=len(classes))
    if (totals == 0).any():
        raise DataError(
            f"the rows of class(es) {_labels(classes, totals == 0)} all have zero sample_weight "
            f"(weight per class: {dict(zip(classes.tolist(), totals.tolist()))}); ROC, AUC and "
            "the per-class metrics need every class with positive weight."
        )
    return w


def _labels(classes, mask) -> list:
    """The user labels of ``classes`` where ``mask`` holds, as plain Python values."""
    return [classes[k].item() if hasattr(classes[k], "item") else classes[k] for k in np.flatnonzero(mask)]


def model_proba(model, X, y, *, min_classes: int | None = None):
    """Validate ``model, X, y`` and return ``(codes, proba, classes)``."""
    classes = check_fitted_classifier(model)
    k = len(classes)
    codes = check_labels(y, classes, min_classes=k if min_classes is None else min_classes)
    n_x = getattr(X, "shape", (len(X),))[0] if X is not None else None
    if n_x == 0:
        raise DataError("X is empty: evaluation needs at least one row.")
    if n_x != codes.size:
        raise DataError(f"X has {n_x} rows but y has {codes.size} labels; they must match.")
    proba = check_proba(model.predict_proba(X), codes.size, k)
    return codes, proba, classes


def check_threshold(threshold, *, name: str = "threshold") -> float:
    """A decision threshold: a real number in [0, 1]."""
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real):
        raise ParameterError(f"{name} must be a number in [0, 1]; got {threshold!r}.")
    t = float(threshold)
    if not (0.0 <= t <= 1.0):
        raise ParameterError(
            f"{name} = {t!r} is outside [0, 1]: it is compared with predicted probabilities "
            "(a row is positive when P(positive) >= threshold)."
        )
    return t


def check_choice(value, allowed, *, name: str) -> str:
    """An option given by name; unknown names list the valid ones."""
    if not isinstance(value, str) or value not in allowed:
        raise ParameterError(
            f"unknown {name} {value!r}; choose one of {', '.join(map(repr, allowed))}."
        )
    return value


def confusion_counts(y01: np.ndarray, p: np.ndarray, thresholds: np.ndarray):
    """Counts (tp, fp, tn, fn) at each threshold, a row being positive when ``p >= t``.

    Vectorised with sorted scores: O((n + m) log n) for n rows and m thresholds.
    """
    thresholds = np.asarray(thresholds, dtype=float)
    pos = np.sort(p[y01 == 1])
    neg = np.sort(p[y01 == 0])
    tp = pos.size - np.searchsorted(pos, thresholds, side="left")
    fp = neg.size - np.searchsorted(neg, thresholds, side="left")
    return tp, fp, neg.size - fp, pos.size - tp
