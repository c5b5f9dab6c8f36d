"""Validation of user data: X, y, sample weights and offsets.

Every check names what is wrong, where (columns, row counts) and what to do. Numbers are
promoted to float64 (float32 input is accepted and promoted: the solvers' stopping rule
assumes double precision). Dense input is not copied when it is already float64.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._errors import DataError, DataTypeError, ParameterError


def _shape_text(shape) -> str:
    return str(tuple(int(s) for s in shape))


def _column_label(names, j) -> str:
    return repr(names[j]) if names is not None else f"column {j}"


def _describe_bad_values(values, names, what: str) -> str:
    """'column 'a' (3 rows), column 'b' (1 row)' for the non-finite entries of a 2-D array."""
    mask = ~np.isfinite(values)
    counts = mask.sum(axis=0)
    parts = [
        f"{_column_label(names, j)} ({c} row{'s' if c != 1 else ''})"
        for j, c in enumerate(counts) if c
    ]
    shown = ", ".join(parts[:8]) + (f" and {len(parts) - 8} more columns" if len(parts) > 8 else "")
    return f"{what} in {shown}"


def feature_names_of(X):
    """Column names of a DataFrame as strings, else None."""
    if isinstance(X, pd.DataFrame):
        return [str(c) for c in X.columns]
    return None


class DefaultNames(Sequence):
    """The names x0, x1, ... of d unnamed columns, made when asked for (at d = 2^18 a list of
    them would take more memory than a sparse fit's own work)."""

    def __init__(self, d: int):
        self.d = int(d)

    def __len__(self):
        return self.d

    def __getitem__(self, j):
        if isinstance(j, slice):
            return [f"x{i}" for i in range(*j.indices(self.d))]
        j = int(j) + (self.d if j < 0 else 0)
        if not 0 <= j < self.d:
            raise IndexError(f"column {j} out of range for {self.d} columns")
        return f"x{j}"

    def __eq__(self, other):
        return list(self) == list(other) if isinstance(other, (list, tuple, Sequence)) else NotImplemented

    def __repr__(self):
        return f"DefaultNames({self.d})"


def _check_not_empty(shape, name):
    if shape[0] == 0:
        raise DataError(f"{name} is empty: found array with 0 sample(s) (shape={_shape_text(shape)}) while a "
                        "minimum of 1 is required; pass at least one row")
    if shape[1] == 0:
        raise DataError(f"{name} is empty: found array with 0 feature(s) (shape={_shape_text(shape)}) while a "
                        "minimum of 1 is required; pass at least one column")


def as_matrix(X, *, name: str = "X", accept_sparse: bool = True):
    """Validate a feature matrix; return float64 ndarray or CSR matrix (and its column names)."""
    names = feature_names_of(X)
    if isinstance(X, pd.DataFrame):
        bad = [str(c) for c, dt in X.dtypes.items()
               if not (pd.api.types.is_numeric_dtype(dt) or pd.api.types.is_bool_dtype(dt))]
        if bad:
            raise DataTypeError(
                f"{name} has non-numeric columns {bad[:8]}: encode them first (for example "
                "pd.get_dummies, or logitlab.logit with a formula, which treats text as categorical)")
        X = X.to_numpy(dtype=float, na_value=np.nan)
    elif isinstance(X, pd.Series):
        raise DataError(f"{name} must be 2-D (n_samples, n_features), got a pandas Series; "
                        "Reshape your data with X.to_frame() for a single feature")
    if sp.issparse(X):
        if not accept_sparse:
            raise DataTypeError(f"{name} is a sparse matrix, which this solver cannot use; "
                                "pass a dense array or choose solver='lbfgs' or 'cd'")
        X = sp.csr_matrix(X, dtype=np.float64)
        _check_not_empty(X.shape, name)
        # the sum first, as for dense X: a boolean array of nnz entries (W4: 9 MB) would, once
        # freed, raise glibc's mmap threshold and leave the fit's vectors on a heap it keeps
        if not np.isfinite(X.data.sum()) and not np.all(np.isfinite(X.data)):
            raise DataError(f"{name} contains NaN or infinite values: remove or impute them first")
        return X, names
    if isinstance(X, (str, bytes)) or X is None or np.isscalar(X):
        raise DataTypeError(f"{name} must be a 2-D array-like of numbers, got {type(X).__name__}")
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise DataError(f"{name} could not be read as a 2-D array: {exc}") from None
    if arr.ndim == 1:
        raise DataError(
            f"{name} must be 2-D (n_samples, n_features), got a 1-D array of shape {_shape_text(arr.shape)}. "
            "Reshape your data with X.reshape(-1, 1) for a single feature or X.reshape(1, -1) for a single sample")
    if arr.ndim != 2:
        raise DataError(f"{name} must be 2-D (n_samples, n_features), got {arr.ndim}-D shape {_shape_text(arr.shape)}")
    if arr.dtype.kind == "c":
        raise DataError(f"{name} holds complex numbers: Complex data not supported; pass real numbers")
    if arr.dtype.kind not in "biuf":
        if arr.dtype.kind in "mMSUV":
            raise DataTypeError(f"{name} must hold real numbers, got dtype {arr.dtype}: encode text or dates first")
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise DataTypeError(
                f"{name} holds values that are not numbers ({exc}): argument must be a string or a real number; "
                "encode categorical columns first") from None
    arr = np.asarray(arr, dtype=np.float64)
    _check_not_empty(arr.shape, name)
    # one cheap pass; the per-column scan only runs when something is wrong
    if not np.isfinite(_total(arr)) and not np.isfinite(arr).all():
        raise DataError(_describe_bad_values(arr, names, f"{name} contains NaN or infinite values")
                        + ": remove or impute them first")
    return arr, names


def _total(arr):
    """Sum of all entries (NaN or inf in, non-finite out); large arrays in two threads."""
    if arr.size < 10_000_000 or not arr.flags.c_contiguous:
        return arr.sum()
    from ._threads import in_two_halves
    return sum(in_two_halves(lambda lo, hi: arr[lo:hi].sum(), arr.shape[0]))


@dataclass
class Target:
    """Encoded outcome: kind, integer codes (or 0/1 indicator matrix) and the user's labels."""

    kind: str            # "binary" | "multiclass" | "multilabel"
    codes: np.ndarray    # (n,) ints in 0..K-1 (int8 for numeric binary y), or (n, K) 0/1 floats for multilabel
    classes: np.ndarray  # user labels (binary/multiclass) or arange(K) (multilabel)


def encode_target(y, n_rows: int | None = None) -> Target:
    """Validate the outcome and encode it as 0..K-1 codes (one encoding inside)."""
    if y is None:
        raise DataError("this estimator requires y to be passed, but the target y is None: "
                        "pass the outcome labels (one per row of X)")
    if isinstance(y, pd.DataFrame):
        y = y.to_numpy()
    if isinstance(y, pd.Series):
        if y.isna().any():
            raise DataError(f"y contains {int(y.isna().sum())} missing values: drop those rows first")
        y = y.to_numpy()
    if sp.issparse(y):
        y = y.toarray()
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        import warnings

        from sklearn.exceptions import DataConversionWarning

        warnings.warn("A column-vector y was passed when a 1d array was expected; it was raveled to shape "
                      f"({arr.shape[0]},). Pass y.ravel() to silence this.", DataConversionWarning, stacklevel=3)
        arr = arr.ravel()
    if arr.ndim == 0 or arr.size == 0:
        raise DataError("y is empty: need at least one label per row")
    if n_rows is not None and arr.shape[0] != n_rows:
        raise DataError(f"X has {n_rows} rows but y has {arr.shape[0]} labels: they must match one to one")
    if arr.ndim == 2:
        return _encode_multilabel(arr)
    if arr.ndim != 1:
        raise DataError(f"y must be 1-D labels or a 2-D 0/1 indicator matrix, got shape {_shape_text(arr.shape)}")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise DataError(f"y contains {int((~np.isfinite(arr)).sum())} NaN or infinite values: drop those rows first")
    if arr.dtype.kind == "O":
        missing = pd.isna(arr)
        if missing.any():
            raise DataError(f"y contains {int(missing.sum())} missing values: drop those rows first")
    if arr.dtype.kind == "f" and np.any(arr != np.round(arr)):
        raise DataError("y looks continuous (it has non-integer numbers such as "
                        f"{arr[arr != np.round(arr)][0]!r}): Unknown label type: continuous. Logistic regression "
                        "needs class labels; threshold or bin the outcome first")
    if arr.dtype.kind in "biuf":  # numeric two-class labels (the common case): no sort needed
        lo, hi = arr.min(), arr.max()
        if lo != hi and bool(np.all((arr == lo) | (arr == hi))):
            # one byte per row (a bool viewed as int8): the codes are kept with the fitted model
            return Target("binary", (arr == hi).view(np.int8), np.array([lo, hi], dtype=arr.dtype))
    try:
        classes, codes = np.unique(arr, return_inverse=True)
    except TypeError:
        raise DataTypeError("y mixes label types that cannot be ordered (e.g. numbers and strings): "
                            "use one type for all labels") from None
    if classes.size < 2:
        raise DataError(f"y has only one class ({classes.tolist()[0]!r}): a classifier needs at least two classes to train")
    kind = "binary" if classes.size == 2 else "multiclass"
    return Target(kind, codes.astype(np.intp).ravel(), classes)


def _encode_multilabel(arr) -> Target:
    try:
        ind = np.asarray(arr, dtype=float)
    except (TypeError, ValueError):
        raise DataError("a 2-D y must be a 0/1 indicator matrix (multilabel)") from None
    if not np.isin(ind, (0.0, 1.0)).all():
        raise DataError("a 2-D y must be a 0/1 indicator matrix (multilabel); found other values")
    one_class = [k for k in range(ind.shape[1]) if ind[:, k].min() == ind[:, k].max()]
    if one_class:
        raise DataError(f"multilabel y: label columns {one_class} have only one class; every label needs both 0 and 1")
    return Target("multilabel", ind, np.arange(ind.shape[1]))


def unit_weights(n: int) -> np.ndarray:
    """n weights of one with no n numbers in memory: a read-only view with stride 0 (a vector of
    ones would be carried through every step of a large fit and kept with the model)."""
    return np.broadcast_to(np.float64(1.0), (n,))


def is_unit(weights) -> bool:
    """True for the view made by ``unit_weights``."""
    return isinstance(weights, np.ndarray) and weights.ndim == 1 and weights.strides == (0,) \
        and weights.size > 0 and weights[0] == 1.0


def mean_weights(weights, total: float) -> np.ndarray:
    """weights / total, the losses' per-row share s; unit weights give a stride-0 view again."""
    return np.broadcast_to(1.0 / total, weights.shape) if is_unit(weights) else weights / total


def check_sample_weight(sample_weight, n: int) -> np.ndarray:
    """One finite weight >= 0 per row, not all zero; None gives ``unit_weights(n)``."""
    if sample_weight is None:
        return unit_weights(n)
    w = np.asarray(sample_weight)
    if w.ndim == 0:
        w = np.full(n, float(w))
    if w.dtype.kind not in "biuf":
        raise DataTypeError(f"sample_weight must be numbers, got dtype {w.dtype}")
    w = w.astype(np.float64).ravel()
    if w.shape[0] != n:
        raise DataError(f"sample_weight has {w.shape[0]} values but X has {n} rows: they must match")
    if not np.isfinite(w).all():
        raise DataError(f"sample_weight contains {int((~np.isfinite(w)).sum())} NaN or infinite values")
    if (w < 0).any():
        raise DataError(f"sample_weight contains {int((w < 0).sum())} negative values: weights must be >= 0")
    if w.sum() <= 0:
        raise DataError("sample_weight sums to zero: at least one row needs a positive weight")
    return w


def check_offset(offset, n: int, n_outputs: int = 1):
    """Offset added to the linear predictor: (n,) or (n, K) for multinomial models."""
    if offset is None:
        return None
    o = np.asarray(offset)
    if o.dtype.kind not in "biuf":
        raise DataTypeError(f"offset must be numbers, got dtype {o.dtype}")
    o = o.astype(np.float64)
    ok_shapes = {(n,)} | ({(n, n_outputs)} if n_outputs > 1 else set())
    if o.shape not in ok_shapes:
        raise DataError(f"offset has shape {_shape_text(o.shape)}; expected {' or '.join(map(_shape_text, sorted(ok_shapes)))}")
    if not np.isfinite(o).all():
        raise DataError(f"offset contains {int((~np.isfinite(o)).sum())} NaN or infinite values")
    return o


def fit_weights(sample_weight, class_weight, target: Target, n: int):
    """(sample weights, fit weights = sample weights x class weights) for binary and multiclass y,
    with the rule every fit shares: at least two classes need rows of positive weight."""
    base = check_sample_weight(sample_weight, n)
    if class_weight is None:
        weights = base
    else:
        weights = base * class_weight_vector(class_weight, target.codes, target.classes, base)
    K = target.classes.size
    totals = np.bincount(target.codes, weights=None if is_unit(weights) else weights, minlength=K)
    present = np.flatnonzero(totals > 0)
    if present.size < 2:
        raise DataError(f"only one class ({target.classes.tolist()[present[0]]!r}) has rows with positive weight: "
                        "a classifier needs at least two classes with positive weight to train")
    return base, weights


def class_weight_vector(class_weight, codes: np.ndarray, classes: np.ndarray, sample_weight: np.ndarray) -> np.ndarray:
    """Per-row multiplier from class_weight (dict keyed by user label, or 'balanced')."""
    K = classes.size
    if class_weight is None:
        return np.ones_like(sample_weight)
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ParameterError(f"class_weight must be a dict, 'balanced' or None, got {class_weight!r}")
        # n / (K * count_k), counted with sample weights as scikit-learn does
        counts = np.bincount(codes, weights=sample_weight, minlength=K)
        per_class = np.where(counts > 0, sample_weight.sum() / (K * np.maximum(counts, 1e-300)), 0.0)
    elif isinstance(class_weight, dict):
        unknown = [k for k in class_weight if k not in set(classes.tolist())]
        if unknown:
            raise DataError(f"class_weight names labels {unknown} that are not in y (classes are {classes.tolist()})")
        per_class = np.array([float(class_weight.get(c, 1.0)) for c in classes.tolist()])
        if not np.isfinite(per_class).all() or (per_class < 0).any():
            raise ParameterError("class_weight values must be finite and >= 0")
    else:
        raise ParameterError(f"class_weight must be a dict, 'balanced' or None, got {type(class_weight).__name__}")
    return per_class[codes]
