"""Checks shared by paths and cross-validation: penalty, l1_ratio, the alpha grid, the data."""
from __future__ import annotations

import numbers

import numpy as np

from .._errors import ParameterError

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


def prepare_data(X, y, sample_weight):
    """(X as a float matrix, column names, encoded target, sample weights)."""
    from .._data import as_matrix, check_sample_weight, encode_target

    Xm, names = as_matrix(X)
    target = encode_target(y, Xm.shape[0])
    if target.kind == "multilabel":
        raise ParameterError("paths and cross-validation support binary and multiclass y, not multilabel")
    w = check_sample_weight(sample_weight, Xm.shape[0])
    return Xm, names, target, w


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
