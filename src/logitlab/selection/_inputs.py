"""Checks shared by paths and cross-validation: penalty, l1_ratio, the alpha grid, the data."""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from .._errors import DataError, ParameterError

MAX_ALPHAS = 10_000


def effective_l1_ratio(penalty, l1_ratio):
    """The l1_ratio a penalty means: 1 for l1, 0 for l2, the given one (default 0.5) for elasticnet."""
    if penalty == "l1":
        return 1.0
    if penalty == "l2":
        return 0.0
    if penalty == "elasticnet":
        r = 0.5 if l1_ratio is None else l1_ratio
        if isinstance(r, bool) or not isinstance(r, numbers.Real) or not 0.0 <= float(r) <= 1.0:
            raise ParameterError(f"l1_ratio must be a number in [0, 1], got {r!r}")
        return float(r)
    raise ParameterError(f"penalty must be 'l1', 'l2' or 'elasticnet' for a regularisation path, "
                         f"got {penalty!r}")


@dataclass
class PathData:
    """Validated data of a path or a cross-validation.

    ``sample_weight`` is the user's weights (ones when none were given); ``fit_weight``
    multiplies them by the class weights, as ``LogisticRegression.fit`` does, and is what the
    objective (and so alpha_max) uses. ``offset`` is None, (n,) or (n, K) for multinomial y.
    """

    X: object
    names: list | None
    target: object
    sample_weight: np.ndarray
    fit_weight: np.ndarray
    offset: np.ndarray | None


def prepare_data(X, y, sample_weight, class_weight=None, offset=None) -> PathData:
    """Check X, y, weights, class weights and offset with the estimator's rules and messages."""
    from .._data import as_matrix, encode_target, fit_weights

    Xm, names = as_matrix(X)
    n = Xm.shape[0]
    target = encode_target(y, n)
    if target.kind == "multilabel":
        raise ParameterError("paths and cross-validation support binary and multiclass y, not multilabel")
    w, fit_weight = fit_weights(sample_weight, class_weight, target, n)
    return PathData(Xm, names, target, w, fit_weight, _check_offset(offset, n, target.classes.size))


def _check_offset(offset, n, K):
    """(n,) for binary y, (n, K) for multinomial y: the rule of ``LogisticRegression.fit``."""
    from .._data import check_offset

    offset = check_offset(offset, n, K if K > 2 else 1)
    if K > 2 and offset is not None and offset.ndim == 1:
        raise DataError(f"a multinomial model needs a 2-D offset of shape ({n}, {K}), one column per class: "
                        "a 1-D offset shifts every class equally and would have no effect")
    return offset


def check_n_alphas(n_alphas):
    if isinstance(n_alphas, bool) or not isinstance(n_alphas, numbers.Integral) \
            or not 1 <= int(n_alphas) <= MAX_ALPHAS:
        raise ParameterError(f"n_alphas must be an integer in [1, {MAX_ALPHAS}], got {n_alphas!r}")
    return int(n_alphas)


def check_alphas(alphas):
    """A user grid, sorted into decreasing order."""
    try:
        a = np.asarray(alphas, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(f"alphas must be a list of positive numbers, got {alphas!r}") from None
    if a.ndim != 1 or a.size == 0 or a.size > MAX_ALPHAS:
        raise ParameterError(f"alphas must be a non-empty 1-D list of at most {MAX_ALPHAS} numbers")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ParameterError("alphas must be finite and > 0 (use penalty=None in LogisticRegression "
                             "for an unpenalised fit)")
    return np.sort(a)[::-1].copy()
