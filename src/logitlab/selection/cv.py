"""``LogisticRegressionCV``: alpha (and l1_ratio) chosen by cross-validated paths."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from .._errors import ConvergenceWarning, DataError, ParameterError
from ._folds import fold_scores, make_splits
from ._grid import choose_grid
from ._inputs import check_n_alphas, effective_l1_ratio, prepare_data
from ._scoring import accepts_sample_weight, resolve_scorer
from .paths import engine, fit_path


class LogisticRegressionCV(ClassifierMixin, BaseEstimator):
    """Penalised logistic regression with alpha (and l1_ratio) chosen by stratified K-fold CV.

    For each l1_ratio, one alpha grid is computed on the full data (as glmnet) and each fold
    runs a warm-started path over it. Fold scores use ``scoring`` (default: minus the log loss,
    higher is better, as every scikit-learn scorer); sample weights enter both the fits and the
    scores. ``class_weight`` (None, "balanced" or {label: weight}) acts as in
    :class:`logitlab.LogisticRegression`: it multiplies the weights of every fit (the grid's
    alpha_max, each fold's path, the refit; "balanced" is computed on the rows each fit uses)
    and, as in scikit-learn, not the scores. An ``offset`` given to ``fit`` is split row-wise
    with the folds: each fold fits with its training rows' offset and is scored with its test
    rows' offset (the scorer sees a model whose ``predict_proba(X)`` adds it). ``rule="min"`` picks the best mean score; ``rule="1se"`` picks the largest alpha
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
                 tol=1e-8, max_iter=None, class_weight=None, n_jobs=None, random_state=0):
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
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _l1_ratios(self):
        if self.penalty in ("l1", "l2"):
            if self.l1_ratios is not None:
                raise ParameterError(f"l1_ratios applies to penalty='elasticnet' only (penalty={self.penalty!r})")
            return [effective_l1_ratio(self.penalty, None)]
        if self.penalty != "elasticnet":
            effective_l1_ratio(self.penalty, None)  # raises the standard message
        ratios = [0.5] if self.l1_ratios is None else list(np.atleast_1d(self.l1_ratios))
        if not ratios:
            raise ParameterError("l1_ratios must not be empty")
        return [effective_l1_ratio("elasticnet", float(r) if isinstance(r, (np.floating, np.integer)) else r)
                for r in ratios]

    def fit(self, X, y, sample_weight=None, offset=None):
        """Cross-validate the paths, choose alpha (and l1_ratio), refit on all data.

        ``offset``: (n,) for binary y, (n, K) for multinomial y, added to the linear predictor
        (see the class docstring for how it follows the folds).
        """
        from joblib import Parallel, delayed

        if self.rule not in ("min", "1se"):
            raise ParameterError(f"rule must be 'min' or '1se', got {self.rule!r}")
        ratios = self._l1_ratios()
        n_alphas = check_n_alphas(self.n_alphas)
        scorer, scorer_name = resolve_scorer(self.scoring)
        weighted = sample_weight is not None
        if weighted and not accepts_sample_weight(scorer):
            raise ParameterError("sample weights are given but the scoring callable takes no "
                                 "sample_weight argument, so the scores would ignore them; accept "
                                 "sample_weight=None in the callable")
        data = prepare_data(X, y, sample_weight, self.class_weight, offset)
        target, names, d = data.target, data.names, data.X.shape[1]
        splits = make_splits(self.cv, data.X.shape[0], target.codes, target.classes, self.random_state)

        grids, maxima = zip(*(choose_grid(data, r, self.link, self.fit_intercept, self.alphas,
                                          n_alphas, self.alpha_min_ratio) for r in ratios))
        params = dict(link=self.link, fit_intercept=self.fit_intercept, solver=self.solver,
                      tol=self.tol, max_iter=self.max_iter, class_weight=self.class_weight)
        tasks = [(li, fi) for li in range(len(ratios)) for fi in range(len(splits))]
        results = Parallel(n_jobs=self.n_jobs)(
            delayed(fold_scores)(data, weighted, splits[fi][0], splits[fi][1], grids[li],
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
        li, ai = _chosen_index(mean, se, self.rule)

        self.path_, kept = fit_path(
            X, y, grids[li], engine(self.penalty, ratios[li], **params), sample_weight, data.offset,
            penalty=self.penalty, l1_ratio=ratios[li], amax=maxima[li], target=target,
            names=names if names is not None else [f"x{j}" for j in range(d)], keep_index=ai)
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
        self.cv_results_ = _cv_results(self.l1_ratios_, self.alphas_, scores, mean, se)
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

    def decision_function(self, X, offset=None):
        return self._fitted().decision_function(X, offset)

    def predict_proba(self, X, offset=None):
        return self._fitted().predict_proba(X, offset)

    def predict_log_proba(self, X, offset=None):
        return self._fitted().predict_log_proba(X, offset)

    def predict(self, X, offset=None):
        return self._fitted().predict(X, offset)

    def save(self, path, **extras):
        """Write the refitted model as a JSON model file (see :func:`logitlab.export.save`)."""
        from ..export import save
        save(self._fitted(), path, **extras)

    def to_sql(self, table, columns=None, **kwargs):
        """SQL computing the refitted model's probabilities (see :func:`logitlab.export.to_sql`)."""
        from ..export import to_sql
        return to_sql(self._fitted(), table, columns, **kwargs)

    def cv_frame(self) -> pd.DataFrame:
        """``cv_results_`` as a DataFrame."""
        self._fitted()
        return pd.DataFrame(self.cv_results_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _chosen_index(mean, se, rule):
    """(l1_ratio index, alpha index) of the best mean score, or by the one-standard-error rule."""
    flat = np.where(np.isfinite(mean), mean, -np.inf)
    li, ai = np.unravel_index(int(np.argmax(flat)), flat.shape)  # ties: first = larger alpha
    if rule == "1se":
        ok = np.flatnonzero(flat[li] >= flat[li, ai] - se[li, ai])
        ai = int(ok.min())  # grids are decreasing: smallest index = largest alpha
    return int(li), int(ai)


def _cv_results(l1_ratios, alphas, scores, mean, se):
    """One row per (l1_ratio, alpha): mean score, standard error and each fold's score."""
    results = {
        "l1_ratio": np.repeat(l1_ratios, alphas.shape[1]),
        "alpha": alphas.ravel(),
        "mean_score": mean.ravel(),
        "std_error": se.ravel(),
    }
    for fi in range(scores.shape[1]):
        results[f"split{fi}_score"] = scores[:, fi, :].ravel()
    return results
