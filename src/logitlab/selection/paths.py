"""``path``: solutions along a decreasing alpha grid, each fit warm-started from the previous one."""
from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._errors import ConvergenceWarning
from ._grid import choose_grid
from ._inputs import check_n_alphas, effective_l1_ratio, prepare_data


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


def engine(penalty, l1_ratio, link, fit_intercept, solver, tol, max_iter, class_weight=None):
    """The warm-started LogisticRegression refitted at each alpha."""
    from ..estimator import LogisticRegression

    kw = dict(penalty=penalty, link=link, fit_intercept=fit_intercept, solver=solver, tol=tol,
              max_iter=max_iter, class_weight=class_weight, warm_start=True, check_separation=False)
    if penalty == "elasticnet":
        kw["l1_ratio"] = l1_ratio
    return LogisticRegression(**kw)


def iter_path(X, y, alphas, sample_weight, offset, model):
    """Fit ``model`` (warm_start=True) at each alpha in turn; yield (i, model, unconverged)."""
    for i, a in enumerate(alphas):
        model.set_params(alpha=float(a))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model.fit(X, y, sample_weight=sample_weight, offset=offset)
        for wmsg in caught:
            if not issubclass(wmsg.category, ConvergenceWarning):
                warnings.warn_explicit(wmsg.message, wmsg.category, wmsg.filename, wmsg.lineno)
        yield i, model, any(issubclass(c.category, ConvergenceWarning) for c in caught)


def fit_path(X, y, grid, model, sample_weight, offset, *, penalty, l1_ratio, amax, target, names,
             keep_index=None):
    """(PathResult, copy of the model fitted at ``grid[keep_index]`` or None).

    Warns once when some alphas did not converge.
    """
    m = len(grid)
    coefs, intercepts = [], []
    objectives, n_iter, converged = np.empty(m), np.empty(m, dtype=int), np.empty(m, dtype=bool)
    kept = None
    for i, est, _ in iter_path(X, y, grid, sample_weight, offset, model):
        coefs.append(np.array(est.coef_, dtype=float, copy=True))
        intercepts.append(np.atleast_1d(np.array(est.intercept_, dtype=float, copy=True)))
        objectives[i] = float(est.objective_)
        n_iter[i] = int(np.sum(est.n_iter_))
        converged[i] = bool(np.all(est.converged_))
        if keep_index == i:
            kept = copy.deepcopy(est)
    if not np.all(converged):
        bad = grid[~converged]
        warnings.warn(f"the solver did not converge at {bad.size} of {grid.size} alphas "
                      f"(largest: {bad.max():.4g}); raise max_iter or loosen tol", ConvergenceWarning,
                      stacklevel=3)
    coefs = np.stack(coefs)
    result = PathResult(
        alphas=grid, coefs=coefs, intercepts=np.stack(intercepts), objectives=objectives,
        n_active=np.count_nonzero(np.any(coefs != 0, axis=1), axis=1), n_iter=n_iter,
        converged=converged, penalty=penalty, l1_ratio=l1_ratio, alpha_max=amax,
        classes=target.classes, feature_names=list(names),
        model_kind="binary" if target.classes.size == 2 else "multinomial")
    return result, kept


def path(X, y, penalty="l1", l1_ratio=None, alphas=None, n_alphas=100, alpha_min_ratio=None,
         sample_weight=None, *, class_weight=None, offset=None, link="logit", fit_intercept=True,
         solver="auto", tol=1e-8, max_iter=None):
    """Regularisation path, warm-started from the largest alpha down (glmnet style).

    Parameters
    ----------
    penalty : "l1" | "l2" | "elasticnet"
    l1_ratio : float in [0, 1], elasticnet only (default 0.5)
    alphas : explicit grid (sorted into decreasing order); default: ``n_alphas`` log-spaced
        values from alpha_max down to ``alpha_max * alpha_min_ratio``.
    sample_weight : honoured in the objective and in alpha_max.
    class_weight : None, "balanced" or a dict {label: weight}, as in
        :class:`logitlab.LogisticRegression`: each row's weight is its sample weight times its
        class's weight ("balanced": sum of sample weights / (K * the class's sum)). Honoured in
        the objective and in alpha_max.
    offset : array (n,) for binary y, (n, K) for multinomial y; added to the linear predictor
        of every fit, as ``LogisticRegression.fit(..., offset=)``. alpha_max is then computed
        at the intercept-only fit with the offset.
    link, fit_intercept, solver, tol, max_iter : passed to :class:`logitlab.LogisticRegression`.

    Returns
    -------
    PathResult
    """
    r = effective_l1_ratio(penalty, l1_ratio)
    n_alphas = check_n_alphas(n_alphas)
    data = prepare_data(X, y, sample_weight, class_weight, offset)
    grid, amax = choose_grid(data, r, link, fit_intercept, alphas, n_alphas, alpha_min_ratio)
    model = engine(penalty, r, link, fit_intercept, solver, tol, max_iter, class_weight)
    names = data.names or [f"x{j}" for j in range(data.X.shape[1])]
    result, _ = fit_path(X, y, grid, model, sample_weight, data.offset, penalty=penalty, l1_ratio=r,
                         amax=amax, target=data.target, names=names)
    return result
