"""Cross-validation folds: the splits, checked one by one, and the path scored on each fold."""
from __future__ import annotations

import inspect
import numbers

import numpy as np

from .._errors import DataError, ParameterError
from ._scoring import OffsetBound
from .paths import engine, iter_path


def make_splits(cv, n, codes, classes, random_state):
    """Checked (train, test) index pairs from ``cv``: a number of folds, a splitter or pairs."""
    splits = _raw_splits(cv, n, codes, classes, random_state)
    if len(splits) < 2:
        raise ParameterError(f"cross-validation needs at least 2 folds, got {len(splits)}")
    return [_check_fold(i, pair, n, codes, classes) for i, pair in enumerate(splits)]


def _raw_splits(cv, n, codes, classes, random_state):
    from sklearn.model_selection import StratifiedKFold

    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        cv = int(cv)
        if cv < 2:
            raise ParameterError(f"cv must be at least 2 folds, got {cv}")
        if cv > n:
            raise ParameterError(f"cv={cv} folds but only {n} rows")
        counts = np.bincount(codes, minlength=classes.size)
        k = int(np.argmin(counts))
        if counts[k] < cv:
            raise DataError(f"class {classes[k].item()!r} has only {counts[k]} rows, fewer than cv={cv} folds: "
                            f"stratified folds need every class in every fold; use cv <= {counts[k]}")
        splitter = StratifiedKFold(cv, shuffle=True, random_state=random_state)
        return list(splitter.split(np.zeros((n, 1)), codes))
    if hasattr(cv, "split") and not isinstance(cv, str):
        return list(cv.split(np.zeros((n, 1)), codes))
    if isinstance(cv, (list, tuple)) or inspect.isgenerator(cv):
        return list(cv)
    raise ParameterError(f"cv must be an int (number of folds), a splitter with .split or a list "
                         f"of (train, test) index pairs, got {type(cv).__name__}")


def _check_fold(i, pair, n, codes, classes):
    try:
        train, test = (np.asarray(p) for p in pair)
    except (TypeError, ValueError):
        raise ParameterError(f"cv fold {i}: expected a (train, test) pair of index arrays") from None
    for part, idx in (("training", train), ("test", test)):
        if idx.size == 0:
            raise DataError(f"cv fold {i}: the {part} part is empty")
        if idx.dtype.kind == "b":
            raise ParameterError(f"cv fold {i}: give index arrays, not boolean masks")
        if idx.dtype.kind not in "iu" or idx.min() < -n or idx.max() >= n:
            raise DataError(f"cv fold {i}: {part} indices must be integers in [0, {n})")
    missing = np.setdiff1d(np.arange(classes.size), np.unique(codes[train]))
    if missing.size:
        raise DataError(f"cv fold {i}: the training part has no rows of class(es) "
                        f"{classes[missing].tolist()}; use fewer folds or stratified folds")
    return train, test


def fold_scores(data, weighted, train, test, grid, penalty, l1_ratio, params, scorer, fold, label):
    """(score at each alpha of ``grid`` on the test part, number of unconverged fits) of one fold.

    ``data`` is the validated ``PathData``; its offset is split row-wise with the fold, and the
    test rows' offset is bound to the model the scorer sees.
    """
    model = engine(penalty, l1_ratio, **params)
    scores = np.empty(len(grid))
    y = data.target.classes[data.target.codes]
    w, offset = data.sample_weight, data.offset
    Xtr, ytr, wtr = data.X[train], y[train], w[train]
    Xte, yte, wte = data.X[test], y[test], w[test]
    otr, ote = (None, None) if offset is None else (offset[train], offset[test])
    if not wtr.sum() > 0:
        raise DataError(f"cv fold {fold}: all training weights are zero")
    n_bad = 0
    for i, est, unconverged in iter_path(Xtr, ytr, grid, wtr if weighted else None, otr, model):
        n_bad += unconverged
        scored = est if ote is None else OffsetBound(est, ote)
        try:
            scores[i] = scorer(scored, Xte, yte, sample_weight=wte) if weighted else scorer(scored, Xte, yte)
        except ValueError as exc:
            present = sorted(set(yte.tolist()), key=str)
            raise DataError(f"cv fold {fold}{label}: scoring failed on the test part (classes present: "
                            f"{present}): {exc}") from exc
    return scores, n_bad
