"""Design-matrix checks: aliased (constant or collinear) columns, found by name.

Unpenalised and Firth fits need a full-rank design (with the intercept) to be identified.
Columns are tested in the user's order, as R's lm/glm do: a column is aliased when it is
(numerically) a linear combination of the intercept and the columns before it. logitlab then
raises a DataError naming each aliased column and the relation it satisfies, instead of
returning arbitrary coefficients; penalised fits are identified and skip the check.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy import linalg

from ._errors import DataError
from ._threads import single_threaded_blas

_REL_TOL = 1e-9  # residual variance / column variance below this means aliased


_SPARSE_GRAM_MAX_COLUMNS = 2_000  # beyond: a dense d x d Gram of a sparse design is not formed


def _gram(X, w, fit_intercept):
    """Weighted Gram matrix of [1, X] with columns centred-and-scaled for conditioning."""
    sw = w.sum()
    if sp.issparse(X):  # sum w (x - m)(x - m)^T / sw = X^T W X / sw - m m^T, without densifying X
        mean = np.asarray(X.T @ w).ravel() / sw
        G = np.asarray((X.T @ X.multiply(w[:, None] / sw)).todense()) - np.outer(mean, mean)
    else:
        mean = (w @ X) / sw
        Xs = (X - mean) * np.sqrt(w / sw)[:, None]
        G = Xs.T @ Xs
    raw = np.diag(G) + mean * mean  # raw second moments: the scale a constant column is judged on
    if fit_intercept:
        return G, raw  # centring already removed the intercept direction
    return G + np.outer(mean, mean), raw


def find_aliased(X, weights, fit_intercept=True):
    """Return [(j, coefficients over earlier kept columns)] for each aliased column j.

    Sparse designs beyond ``_SPARSE_GRAM_MAX_COLUMNS`` columns: only columns that are constant
    over the rows of positive weight (all zero included) are found, from the column counts; a
    d x d Gram matrix would not fit in memory there."""
    n, d = X.shape
    if sp.issparse(X) and d > _SPARSE_GRAM_MAX_COLUMNS:
        return _constant_sparse_columns(X, weights, fit_intercept)
    rows = np.flatnonzero(weights > 0)
    # a subsample of rows that is already full rank proves the full design is (cheap for big n)
    if rows.size > 20 * d + 2000:
        sub = np.sort(np.random.default_rng(0).choice(rows, size=20 * d + 2000, replace=False))
        # one BLAS thread for this small product: after a multi-threaded call OpenBLAS's
        # threads spin for ~0.1 s, taking the cores of the fit's first passes
        with single_threaded_blas():
            G, raw = _gram(X[sub], weights[sub], fit_intercept)
            if not _sequential_aliased(G, raw):
                return []
    G, raw = _gram(X[rows] if rows.size < n else X, weights[rows], fit_intercept)
    return _sequential_aliased(G, raw)


def _constant_sparse_columns(X, weights, fit_intercept):
    """Columns of CSR X constant over the rows of positive weight (all zero, or the same value
    on every such row), as ``find_aliased`` reports them; from the column counts of the stored
    non-zeros, with no copy of X unless some rows have zero weight."""
    if np.any(weights <= 0):
        X = X[np.flatnonzero(weights > 0)]
    counts = np.bincount(X.indices[X.data != 0], minlength=X.shape[1])
    aliased = [(j, {}) for j in np.flatnonzero(counts == 0)]
    if fit_intercept:  # a column stored on every row: constant when all its values are equal
        for j in np.flatnonzero(counts == X.shape[0]):
            values = X[:, [j]].data
            if values.min() == values.max():
                aliased.append((j, {}))
    return sorted(aliased, key=lambda a: a[0])


def _sequential_aliased(G, raw):
    """The aliased columns of the Gram matrix G, in order: column j is aliased when its residual
    variance given the kept columns before it (the Schur complement, the square of the next
    Cholesky pivot) is below _REL_TOL of its variance. Full rank, the common case, is one
    Cholesky factorisation; otherwise the factor grows by one row per kept column (one
    triangular solve each): O(d^3) either way."""
    d = G.shape[0]
    diag = np.diag(G)
    if np.all(diag > _REL_TOL * raw) and np.all(diag > 0):
        try:
            pivots = np.diag(np.linalg.cholesky(G)) ** 2
        except np.linalg.LinAlgError:
            pivots = None
        if pivots is not None and np.all(pivots > _REL_TOL * diag):
            return []
    L = np.zeros((d, d))  # Cholesky factor of G[kept, kept], grown a row at a time
    kept: list[int] = []
    aliased = []
    for j in range(d):
        gjj = G[j, j]
        if gjj <= _REL_TOL * raw[j] or gjj <= 0:
            aliased.append((j, {}))
            continue
        k = len(kept)
        z = linalg.solve_triangular(L[:k, :k], G[kept, j], lower=True) if k else np.zeros(0)
        resid = gjj - z @ z
        if resid <= _REL_TOL * gjj:  # coefficients on the kept columns: G_kk^-1 g_k = L^-T z
            coef = linalg.solve_triangular(L[:k, :k], z, lower=True, trans="T") if k else z
            aliased.append((j, dict(zip(kept, coef))))
        else:
            L[k, :k], L[k, k] = z, np.sqrt(resid)
            kept.append(j)
    return aliased


def check_full_rank(X, weights, fit_intercept, names):
    aliased = find_aliased(X, weights, fit_intercept)
    if not aliased:
        return
    parts = []
    for j, rel in aliased[:6]:
        if not rel or max((abs(c) for c in rel.values()), default=0.0) < 1e-12:
            what = "is constant" if fit_intercept else "is all zero"
        else:
            top = sorted(rel.items(), key=lambda kv: -abs(kv[1]))[:4]
            what = "is a linear combination of " + ", ".join(repr(names[k]) for k, _ in top)
        parts.append(f"{names[j]!r} {what}")
    more = f" (and {len(aliased) - 6} more)" if len(aliased) > 6 else ""
    raise DataError(
        f"{len(aliased)} aliased column{'s' if len(aliased) > 1 else ''}: " + "; ".join(parts) + more
        + ". The coefficients are not identified without a penalty: drop "
        + ("it" if len(aliased) == 1 else "them") + ", or use penalty='l2'.")
