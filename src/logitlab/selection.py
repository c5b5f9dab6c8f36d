"""Regularisation paths and cross-validation over them (glmnet style).

Objective (docs/engine.md): weighted mean negative log-likelihood
    + alpha * (l1_ratio * ||w||_1 + (1 - l1_ratio) / 2 * ||w||_2^2), intercept unpenalised.

alpha_max, the top of the grid, is the smallest alpha whose solution has all coefficients zero.
At w = 0 with the intercept-only fit, the KKT condition for the L1 part reads
|grad_j| <= alpha * l1_ratio for every penalised coefficient, so

    alpha_max = max_j |grad_j(intercept-only fit)| / max(l1_ratio, 1e-3)

The 1e-3 floor is glmnet's convention for ridge (l1_ratio = 0), where no finite alpha gives
exact zeros: the grid then starts where an l1_ratio = 0.001 elastic net would start. The grid
is log-spaced down to alpha_max * alpha_min_ratio (default: 1e-4 when n > d, else 1e-2, as
glmnet). Each fit warm-starts from the previous one.
"""
from __future__ import annotations

import copy
import difflib
import inspect
import numbers
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import BaseEstimator, ClassifierMixin

from ._errors import ConvergenceWarning, DataError, ParameterError

__all__ = ["path", "alpha_max", "PathResult", "LogisticRegressionCV"]

_RIDGE_FLOOR = 1e-3
_MAX_ALPHAS = 10_000


# ---------------------------------------------------------------------------------------------
# validation helpers
# ---------------------------------------------------------------------------------------------
def _effective_l1_ratio(penalty, l1_ratio):
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


def _prepare(X, y, sample_weight):
    from ._data import as_matrix, check_sample_weight, encode_target

    Xm, names = as_matrix(X)
    target = encode_target(y, Xm.shape[0])
    if target.kind == "multilabel":
        raise ParameterError("paths and cross-validation support binary and multiclass y, not multilabel")
    w = check_sample_weight(sample_weight, Xm.shape[0])
    return Xm, names, target, w


def _check_n_alphas(n_alphas):
    if isinstance(n_alphas, bool) or not isinstance(n_alphas, numbers.Integral) \
            or not 1 <= int(n_alphas) <= _MAX_ALPHAS:
        raise ParameterError(f"n_alphas must be an integer in [1, {_MAX_ALPHAS}], got {n_alphas!r}")
    return int(n_alphas)


def _check_alphas(alphas):
    try:
        a = np.asarray(alphas, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(f"alphas must be a list of positive numbers, got {alphas!r}") from None
    if a.ndim != 1 or a.size == 0 or a.size > _MAX_ALPHAS:
        raise ParameterError(f"alphas must be a non-empty 1-D list of at most {_MAX_ALPHAS} numbers")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ParameterError("alphas must be finite and > 0 (use penalty=None in LogisticRegression "
                             "for an unpenalised fit)")
    return np.sort(a)[::-1].copy()


# ---------------------------------------------------------------------------------------------
# alpha_max and the grid
# ---------------------------------------------------------------------------------------------
def _null_gradient(Xm, target, w, link, fit_intercept):
    """Gradient of the mean NLL w.r.t. the coefficients at w = 0, intercept-only fit. (K', d)."""
    S = w.sum()
    K = target.classes.size
    if K == 2:
        yb = target.codes.astype(float)
        if fit_intercept:
            p = float(w @ yb) / S
        else:
            p = {"logit": 0.5, "probit": 0.5, "cloglog": 1.0 - np.exp(-1.0)}[link]
        if not 0.0 < p < 1.0:
            raise DataError("only one class has positive sample weight: nothing to fit")
        if link == "logit":
            factor = 1.0
        elif link == "probit":
            factor = stats.norm.pdf(stats.norm.ppf(p)) / (p * (1 - p))
        elif link == "cloglog":
            factor = -np.log1p(-p) / p
        else:
            raise ParameterError(f"link must be 'logit', 'probit' or 'cloglog', got {link!r}")
        r = factor * w * (p - yb)
        return np.asarray(Xm.T @ r).ravel()[None, :] / S
    if link != "logit":
        raise ParameterError(f"multinomial models use the logit (softmax) link, got link={link!r}")
    Y = np.zeros((target.codes.size, K))
    Y[np.arange(target.codes.size), target.codes] = 1.0
    P = (w @ Y) / S if fit_intercept else np.full(K, 1.0 / K)
    R = w[:, None] * (P[None, :] - Y)
    return np.asarray(Xm.T @ R).T / S


def alpha_max(X, y, penalty="l1", l1_ratio=None, sample_weight=None, link="logit", fit_intercept=True):
    """Smallest alpha with all-zero coefficients (l1 / elasticnet); glmnet's convention for l2."""
    r = _effective_l1_ratio(penalty, l1_ratio)
    Xm, _, target, w = _prepare(X, y, sample_weight)
    return _alpha_max(Xm, target, w, r, link, fit_intercept)


def _alpha_max(Xm, target, w, l1_ratio, link, fit_intercept):
    g = _null_gradient(Xm, target, w, link, fit_intercept)
    top = float(np.max(np.abs(g))) if g.size else 0.0
    scale = float(abs(Xm).max()) if Xm.size else 0.0  # rounding floor of the gradient
    if not top > 1e-12 * max(scale, 1.0):
        raise DataError("the gradient at the intercept-only fit is zero: no feature is related to y "
                        "(constant columns?), so every alpha gives all-zero coefficients")
    return top / max(l1_ratio, _RIDGE_FLOOR)


def _grid(amax, n_alphas, alpha_min_ratio, n, d):
    if alpha_min_ratio is None:
        alpha_min_ratio = 1e-4 if n > d else 1e-2
    if isinstance(alpha_min_ratio, bool) or not isinstance(alpha_min_ratio, numbers.Real) \
            or not 0.0 < float(alpha_min_ratio) < 1.0:
        raise ParameterError(f"alpha_min_ratio must be in (0, 1), got {alpha_min_ratio!r}")
    if n_alphas == 1:
        return np.array([amax])
    return np.geomspace(amax, amax * float(alpha_min_ratio), n_alphas)


# ---------------------------------------------------------------------------------------------
# the path
# ---------------------------------------------------------------------------------------------
@dataclass
class PathResult:
    """Solutions along a regularisation path (alphas in decreasing order).

    ``coefs`` is (n_alphas, K', d) with K' = 1 for binary models and K for multinomial,
    ``intercepts`` (n_alphas, K'); ``n_active`` counts features with a non-zero coefficient
    (in any class); ``objectives`` is the engine's objective value at each alpha.
    """

    alphas: np.ndarray
    coefs: np.ndarray
    intercepts: np.ndarray
    objectives: np.ndarray
    n_active: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray
    penalty: str
    l1_ratio: float
    alpha_max: float | None
    classes: np.ndarray
    feature_names: list
    model_kind: str

    def __len__(self):
        return self.alphas.size

    def to_frame(self) -> pd.DataFrame:
        """One row per alpha: alpha, objective, n_active, n_iter, converged, intercept(s), coefs."""
        data = {"alpha": self.alphas, "objective": self.objectives, "n_active": self.n_active,
                "n_iter": self.n_iter, "converged": self.converged}
        rows = self.coefs.shape[1]
        labels = [""] if rows == 1 else [f"{c}:" for c in self.classes]
        for k in range(rows):
            data[f"{labels[k]}intercept"] = self.intercepts[:, k]
        for k in range(rows):
            for j, name in enumerate(self.feature_names):
                data[f"{labels[k]}{name}"] = self.coefs[:, k, j]
        return pd.DataFrame(data)


def _engine(penalty, l1_ratio, link, fit_intercept, solver, tol, max_iter):
    from .estimator import LogisticRegression

    kw = dict(penalty=penalty, link=link, fit_intercept=fit_intercept, solver=solver, tol=tol,
              max_iter=max_iter, warm_start=True, check_separation=False)
    if penalty == "elasticnet":
        kw["l1_ratio"] = l1_ratio
    return LogisticRegression(**kw)


def _iter_path(X, y, alphas, sample_weight, model):
    """Fit ``model`` (warm_start=True) at each alpha in turn; yield (i, model, warnings)."""
    for i, a in enumerate(alphas):
        model.set_params(alpha=float(a))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model.fit(X, y, sample_weight=sample_weight)
        for wmsg in caught:
            if not issubclass(wmsg.category, ConvergenceWarning):
                warnings.warn_explicit(wmsg.message, wmsg.category, wmsg.filename, wmsg.lineno)
        yield i, model, any(issubclass(c.category, ConvergenceWarning) for c in caught)


def _collect(X, y, alphas, sample_weight, model, keep_index=None):
    m = len(alphas)
    coefs, intercepts = [], []
    objectives, n_iter, converged = np.empty(m), np.empty(m, dtype=int), np.empty(m, dtype=bool)
    kept = None
    for i, est, _ in _iter_path(X, y, alphas, sample_weight, model):
        coefs.append(np.array(est.coef_, dtype=float, copy=True))
        intercepts.append(np.atleast_1d(np.array(est.intercept_, dtype=float, copy=True)))
        objectives[i] = float(est.objective_)
        n_iter[i] = int(np.sum(est.n_iter_))
        converged[i] = bool(np.all(est.converged_))
        if keep_index == i:
            kept = copy.deepcopy(est)
    coefs = np.stack(coefs)
    return coefs, np.stack(intercepts), objectives, n_iter, converged, kept


def _warn_unconverged(alphas, converged):
    if not np.all(converged):
        bad = alphas[~converged]
        warnings.warn(f"the solver did not converge at {bad.size} of {alphas.size} alphas "
                      f"(largest: {bad.max():.4g}); raise max_iter or loosen tol", ConvergenceWarning,
                      stacklevel=3)


def path(X, y, penalty="l1", l1_ratio=None, alphas=None, n_alphas=100, alpha_min_ratio=None,
         sample_weight=None, *, link="logit", fit_intercept=True, solver="auto", tol=1e-8,
         max_iter=None):
    """Regularisation path, warm-started from the largest alpha down (glmnet style).

    Parameters
    ----------
    penalty : "l1" | "l2" | "elasticnet"
    l1_ratio : float in [0, 1], elasticnet only (default 0.5)
    alphas : explicit grid (sorted into decreasing order); default: ``n_alphas`` log-spaced
        values from alpha_max down to ``alpha_max * alpha_min_ratio``.
    sample_weight : honoured in the objective and in alpha_max.
    link, fit_intercept, solver, tol, max_iter : passed to :class:`logitlab.LogisticRegression`.

    Returns
    -------
    PathResult
    """
    r = _effective_l1_ratio(penalty, l1_ratio)
    n_alphas = _check_n_alphas(n_alphas)
    Xm, names, target, w = _prepare(X, y, sample_weight)
    amax = None
    if alphas is None:
        amax = _alpha_max(Xm, target, w, r, link, fit_intercept)
        grid = _grid(amax, n_alphas, alpha_min_ratio, Xm.shape[0], Xm.shape[1])
    else:
        grid = _check_alphas(alphas)
    model = _engine(penalty, r, link, fit_intercept, solver, tol, max_iter)
    coefs, intercepts, objectives, n_iter, converged, _ = _collect(X, y, grid, sample_weight, model)
    _warn_unconverged(grid, converged)
    if names is None:
        names = [f"x{j}" for j in range(Xm.shape[1])]
    return PathResult(
        alphas=grid, coefs=coefs, intercepts=intercepts, objectives=objectives,
        n_active=np.count_nonzero(np.any(coefs != 0, axis=1), axis=1), n_iter=n_iter,
        converged=converged, penalty=penalty, l1_ratio=r, alpha_max=amax,
        classes=target.classes, feature_names=list(names),
        model_kind="binary" if target.classes.size == 2 else "multinomial")


# ---------------------------------------------------------------------------------------------
# cross-validation
# ---------------------------------------------------------------------------------------------
def _neg_log_loss(estimator, X, y, sample_weight=None):
    """Default score: minus the (weighted) mean log loss, with labels = the model's classes."""
    from sklearn.metrics import log_loss

    return -log_loss(y, estimator.predict_proba(X), labels=estimator.classes_, sample_weight=sample_weight)


def _resolve_scorer(scoring):
    if scoring is None:
        return _neg_log_loss, "neg_log_loss"
    if isinstance(scoring, str):
        from sklearn.metrics import get_scorer, get_scorer_names

        if scoring == "neg_log_loss":
            return _neg_log_loss, scoring
        if scoring not in get_scorer_names():
            close = difflib.get_close_matches(scoring, get_scorer_names(), n=3)
            hint = f"; did you mean {close}?" if close else ""
            raise ParameterError(f"unknown scoring {scoring!r}{hint} (any name of "
                                 "sklearn.metrics.get_scorer_names() or a callable(estimator, X, y))")
        return get_scorer(scoring), scoring
    if callable(scoring):
        return scoring, getattr(scoring, "__name__", "custom")
    raise ParameterError(f"scoring must be None, a scorer name or a callable, got {type(scoring).__name__}")


def _accepts_sample_weight(fn):
    if hasattr(fn, "_score_func") or fn is _neg_log_loss:
        return True
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "sample_weight" in params or any(p.kind == p.VAR_KEYWORD for p in params.values())


def _make_splits(cv, n, codes, classes, random_state):
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
        splits = list(splitter.split(np.zeros((n, 1)), codes))
    elif hasattr(cv, "split") and not isinstance(cv, str):
        splits = list(cv.split(np.zeros((n, 1)), codes))
    elif isinstance(cv, (list, tuple)) or inspect.isgenerator(cv):
        splits = list(cv)
    else:
        raise ParameterError(f"cv must be an int (number of folds), a splitter with .split or a list "
                             f"of (train, test) index pairs, got {type(cv).__name__}")
    if len(splits) < 2:
        raise ParameterError(f"cross-validation needs at least 2 folds, got {len(splits)}")
    out = []
    for i, pair in enumerate(splits):
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
        out.append((train, test))
    return out


def _take(X, idx):
    return X[idx]


def _fold_task(Xm, y, w, weighted, train, test, grid, penalty, l1_ratio, params, scorer, fold, label):
    model = _engine(penalty, l1_ratio, **params)
    scores = np.empty(len(grid))
    Xtr, ytr, wtr = _take(Xm, train), y[train], w[train]
    Xte, yte, wte = _take(Xm, test), y[test], w[test]
    if not wtr.sum() > 0:
        raise DataError(f"cv fold {fold}: all training weights are zero")
    n_bad = 0
    for i, est, unconverged in _iter_path(Xtr, ytr, grid, wtr if weighted else None, model):
        n_bad += unconverged
        try:
            scores[i] = scorer(est, Xte, yte, sample_weight=wte) if weighted else scorer(est, Xte, yte)
        except ValueError as exc:
            present = sorted(set(yte.tolist()), key=str)
            raise DataError(f"cv fold {fold}{label}: scoring failed on the test part (classes present: "
                            f"{present}): {exc}") from exc
    return scores, n_bad


class LogisticRegressionCV(ClassifierMixin, BaseEstimator):
    """Penalised logistic regression with alpha (and l1_ratio) chosen by stratified K-fold CV.

    For each l1_ratio, one alpha grid is computed on the full data (as glmnet) and each fold
    runs a warm-started path over it. Fold scores use ``scoring`` (default: minus the log loss,
    higher is better, as every scikit-learn scorer); sample weights enter both the fits and the
    scores. ``rule="min"`` picks the best mean score; ``rule="1se"`` picks the largest alpha
    whose mean score is within one standard error of the best (for the best l1_ratio). The
    final model is refitted on all data along the full-data path (``path_``).

    Attributes: ``alpha_``, ``l1_ratio_``, ``alphas_`` (n_l1_ratios, n_alphas), ``l1_ratios_``,
    ``scores_`` (n_l1_ratios, n_folds, n_alphas), ``mean_score_`` and ``std_error_``
    (n_l1_ratios, n_alphas; std_error = sd over folds / sqrt(n_folds)), ``best_index_``
    ((l1_ratio index, alpha index)), ``cv_results_`` (dict of 1-D arrays, one row per
    (l1_ratio, alpha)), ``path_`` (PathResult on all data for l1_ratio_), ``estimator_``
    (the refitted :class:`logitlab.LogisticRegression`), ``coef_``, ``intercept_``,
    ``classes_``, ``model_kind_``.
    """

    def __init__(self, penalty="l1", l1_ratios=None, alphas=None, n_alphas=100, alpha_min_ratio=None,
                 cv=5, scoring=None, rule="min", link="logit", fit_intercept=True, solver="auto",
                 tol=1e-8, max_iter=None, n_jobs=None, random_state=0):
        self.penalty = penalty
        self.l1_ratios = l1_ratios
        self.alphas = alphas
        self.n_alphas = n_alphas
        self.alpha_min_ratio = alpha_min_ratio
        self.cv = cv
        self.scoring = scoring
        self.rule = rule
        self.link = link
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _l1_ratios(self):
        if self.penalty in ("l1", "l2"):
            if self.l1_ratios is not None:
                raise ParameterError(f"l1_ratios applies to penalty='elasticnet' only (penalty={self.penalty!r})")
            return [_effective_l1_ratio(self.penalty, None)]
        if self.penalty != "elasticnet":
            _effective_l1_ratio(self.penalty, None)  # raises the standard message
        ratios = [0.5] if self.l1_ratios is None else list(np.atleast_1d(self.l1_ratios))
        if not ratios:
            raise ParameterError("l1_ratios must not be empty")
        return [_effective_l1_ratio("elasticnet", float(r) if isinstance(r, (np.floating, np.integer)) else r)
                for r in ratios]

    def fit(self, X, y, sample_weight=None):
        from joblib import Parallel, delayed

        if self.rule not in ("min", "1se"):
            raise ParameterError(f"rule must be 'min' or '1se', got {self.rule!r}")
        ratios = self._l1_ratios()
        n_alphas = _check_n_alphas(self.n_alphas)
        scorer, scorer_name = _resolve_scorer(self.scoring)
        weighted = sample_weight is not None
        if weighted and not _accepts_sample_weight(scorer):
            raise ParameterError("sample weights are given but the scoring callable takes no "
                                 "sample_weight argument, so the scores would ignore them; accept "
                                 "sample_weight=None in the callable")
        Xm, names, target, w = _prepare(X, y, sample_weight)
        n, d = Xm.shape
        y_user = target.classes[target.codes]
        splits = _make_splits(self.cv, n, target.codes, target.classes, self.random_state)

        grids = []
        for r in ratios:
            if self.alphas is None:
                amax = _alpha_max(Xm, target, w, r, self.link, self.fit_intercept)
                grids.append(_grid(amax, n_alphas, self.alpha_min_ratio, n, d))
            else:
                grids.append(_check_alphas(self.alphas))
        params = dict(link=self.link, fit_intercept=self.fit_intercept, solver=self.solver,
                      tol=self.tol, max_iter=self.max_iter)
        tasks = [(li, fi) for li in range(len(ratios)) for fi in range(len(splits))]
        results = Parallel(n_jobs=self.n_jobs)(
            delayed(_fold_task)(Xm, y_user, w, weighted, splits[fi][0], splits[fi][1], grids[li],
                                self.penalty, ratios[li], params, scorer, fi,
                                "" if len(ratios) == 1 else f" (l1_ratio={ratios[li]})")
            for li, fi in tasks)
        n_folds = len(splits)
        scores = np.empty((len(ratios), n_folds, len(grids[0])))
        n_bad = 0
        for (li, fi), (s, bad) in zip(tasks, results):
            scores[li, fi] = s
            n_bad += bad
        if n_bad:
            warnings.warn(f"the solver did not converge in {n_bad} fold fits; raise max_iter or loosen tol",
                          ConvergenceWarning, stacklevel=2)
        mean = scores.mean(axis=1)
        se = scores.std(axis=1, ddof=1) / np.sqrt(n_folds)
        if not np.any(np.isfinite(mean)):
            raise DataError(f"every cross-validated score is NaN (scoring={scorer_name!r})")
        flat = np.where(np.isfinite(mean), mean, -np.inf)
        li, ai = np.unravel_index(int(np.argmax(flat)), flat.shape)  # ties: first = larger alpha
        if self.rule == "1se":
            ok = np.flatnonzero(flat[li] >= flat[li, ai] - se[li, ai])
            ai = int(ok.min())  # grids are decreasing: smallest index = largest alpha
        li, ai = int(li), int(ai)

        model = _engine(self.penalty, ratios[li], **params)
        coefs, intercepts, objectives, n_iter, converged, kept = _collect(
            X, y, grids[li], sample_weight, model, keep_index=ai)
        _warn_unconverged(grids[li], converged)
        feat = names if names is not None else [f"x{j}" for j in range(d)]
        self.path_ = PathResult(
            alphas=grids[li], coefs=coefs, intercepts=intercepts, objectives=objectives,
            n_active=np.count_nonzero(np.any(coefs != 0, axis=1), axis=1), n_iter=n_iter,
            converged=converged, penalty=self.penalty, l1_ratio=ratios[li],
            alpha_max=float(grids[li][0]) if self.alphas is None else None, classes=target.classes,
            feature_names=list(feat), model_kind="binary" if target.classes.size == 2 else "multinomial")
        self.estimator_ = kept
        self.alpha_ = float(grids[li][ai])
        self.l1_ratio_ = float(ratios[li])
        self.l1_ratios_ = np.asarray(ratios)
        self.alphas_ = np.vstack(grids)
        self.scores_ = scores
        self.mean_score_ = mean
        self.std_error_ = se
        self.best_index_ = (li, ai)
        self.scoring_ = scorer_name
        self.n_splits_ = n_folds
        results_dict = {
            "l1_ratio": np.repeat(self.l1_ratios_, self.alphas_.shape[1]),
            "alpha": self.alphas_.ravel(),
            "mean_score": mean.ravel(),
            "std_error": se.ravel(),
        }
        for fi in range(n_folds):
            results_dict[f"split{fi}_score"] = scores[:, fi, :].ravel()
        self.cv_results_ = results_dict
        for attr in ("coef_", "intercept_", "classes_", "model_kind_", "n_features_in_", "n_iter_",
                     "converged_", "objective_"):
            if hasattr(kept, attr):
                setattr(self, attr, getattr(kept, attr))
        if names is not None:
            self.feature_names_in_ = np.asarray(names, dtype=object)
        return self

    # -- prediction delegates to the refitted engine estimator ----------------------------
    def _fitted(self):
        if not hasattr(self, "estimator_"):
            from sklearn.exceptions import NotFittedError
            raise NotFittedError("LogisticRegressionCV is not fitted; call fit first")
        return self.estimator_

    def decision_function(self, X):
        return self._fitted().decision_function(X)

    def predict_proba(self, X):
        return self._fitted().predict_proba(X)

    def predict_log_proba(self, X):
        return self._fitted().predict_log_proba(X)

    def predict(self, X):
        return self._fitted().predict(X)

    def save(self, path, **extras):
        """Write the refitted model as a JSON model file (see :func:`logitlab.export.save`)."""
        from .export import save
        save(self._fitted(), path, **extras)

    def to_sql(self, table, columns=None, **kwargs):
        """SQL computing the refitted model's probabilities (see :func:`logitlab.export.to_sql`)."""
        from .export import to_sql
        return to_sql(self._fitted(), table, columns, **kwargs)

    def cv_frame(self) -> pd.DataFrame:
        """``cv_results_`` as a DataFrame."""
        self._fitted()
        return pd.DataFrame(self.cv_results_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
