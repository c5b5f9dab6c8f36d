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

from ._errors import DataError

_REL_TOL = 1e-9  # residual variance / column variance below this means aliased


def _gram(X, w, fit_intercept):
    """Weighted Gram matrix of [1, X] with columns centred-and-scaled for conditioning."""
    sw = w.sum()
    if sp.issparse(X):
        X = X.toarray()
    mean = (w @ X) / sw
    Xc = X - mean
    Xs = Xc * np.sqrt(w / sw)[:, None]
    G = Xs.T @ Xs
    raw = np.diag(G) + mean * mean  # raw second moments: the scale a constant column is judged on
    if fit_intercept:
        return G, raw  # centring already removed the intercept direction
    return G + np.outer(mean, mean), raw


def find_aliased(X, weights, fit_intercept=True):
    """Return [(j, coefficients over earlier kept columns)] for each aliased column j."""
    n, d = X.shape
    rows = np.flatnonzero(weights > 0)
    # a subsample of rows that is already full rank proves the full design is (cheap for big n)
    if rows.size > 20 * d + 2000:
        sub = np.random.default_rng(0).choice(rows, size=20 * d + 2000, replace=False)
        G, raw = _gram(X[np.sort(sub)], weights[np.sort(sub)], fit_intercept)
        if not _sequential_aliased(G, raw):
            return []
    G, raw = _gram(X[rows] if rows.size < n else X, weights[rows], fit_intercept)
    return _sequential_aliased(G, raw)


def _sequential_aliased(G, raw):
    d = G.shape[0]
    kept: list[int] = []
    aliased = []
    for j in range(d):
        gjj = G[j, j]
        if gjj <= _REL_TOL * raw[j] or gjj <= 0:
            aliased.append((j, {}))
            continue
        if kept:
            Gkk = G[np.ix_(kept, kept)]
            gk = G[kept, j]
            coef = np.linalg.solve(Gkk, gk)
            resid = gjj - gk @ coef
        else:
            coef, resid = np.zeros(0), gjj
        if resid <= _REL_TOL * gjj:
            aliased.append((j, dict(zip(kept, coef))))
        else:
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
