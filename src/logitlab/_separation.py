"""Linear-programming check for complete and quasi-complete separation.

Maximum likelihood estimates exist unless some non-zero direction beta makes every row's
linear predictor agree in sign with its class (Albert and Anderson 1984). Following Konis
(2007), solve the LP

    maximise   sum_i s_i x~_i . beta    subject to   s_i x~_i . beta >= 0 for all i,  |beta_j| <= 1

with s_i = +1 for events and -1 for non-events (multinomial: the same with one inequality per
row and competing class). A positive optimum is a separating direction: rows with a strictly
positive margin are perfectly predicted; separation is complete when every row is.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

_TOL = 1e-7


@dataclass
class SeparationResult:
    status: str                      # "none" | "quasi-complete" | "complete"
    features: list = field(default_factory=list)  # features with a non-zero separating weight
    n_perfect: int = 0               # rows perfectly predicted along the direction
    n_rows: int = 0
    direction: np.ndarray | None = field(default=None, repr=False)

    @property
    def separated(self) -> bool:
        return self.status != "none"

    def message(self) -> str:
        if not self.separated:
            return "no separation"
        names = ", ".join(self.features) if self.features else "the intercept"
        return (f"{self.status} separation: a combination of [{names}] perfectly predicts "
                f"{self.n_perfect} of {self.n_rows} rows, so maximum likelihood estimates do not exist "
                "(those coefficients grow without bound and their standard errors are meaningless). "
                "Use penalty='firth' (recommended for inference) or penalty='l2'.")


def _standardised(X):
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=float)
    scale = X.std(axis=0)
    scale[scale == 0] = 1.0
    return X / scale


def _strictly_separable(A, n_vars) -> bool:
    """Second LP: is there a direction with a positive margin on every row (complete)?"""
    c = np.zeros(n_vars + 1)
    c[-1] = -1.0  # maximise the smallest margin t
    A_ub = np.column_stack([-A, np.ones(A.shape[0])])
    res = linprog(c, A_ub=A_ub, b_ub=np.zeros(A.shape[0]), bounds=[(-1, 1)] * n_vars + [(None, 1)],
                  method="highs")
    return res.status == 0 and -res.fun > _TOL


def check_separation(X, y, *, sample_weight=None, fit_intercept=True, feature_names=None) -> SeparationResult:
    """Detect complete / quasi-complete separation of 0/1 (or 0..K-1) labels ``y`` by ``X``."""
    from ._data import as_matrix, encode_target, feature_names_of

    names = feature_names or feature_names_of(X)
    X, _ = as_matrix(X)
    target = encode_target(y, X.shape[0])
    if target.kind == "multilabel":
        raise ValueError("check_separation takes one label per row; check each label column separately")
    keep = np.ones(X.shape[0], bool) if sample_weight is None else np.asarray(sample_weight) > 0
    Xs = _standardised(X[keep] if not sp.issparse(X) else X[np.flatnonzero(keep)])
    codes = target.codes[keep]
    d = Xs.shape[1]
    names = names or [f"x{j}" for j in range(d)]
    Xt = np.column_stack([np.ones(Xs.shape[0]), Xs]) if fit_intercept else Xs
    p = Xt.shape[1]
    K = target.classes.size
    if K == 2:
        A = (2.0 * codes - 1.0)[:, None] * Xt          # rows: s_i x~_i
        n_vars = p
    else:
        # variables: rows 1..K-1 of B (class 0 is the reference); margin (B_yi - B_k) . x_i >= 0
        n_vars = (K - 1) * p
        rows = []
        for k in range(K):
            mine = np.flatnonzero(codes != k)  # rows whose class competes with k
            if mine.size == 0:
                continue
            block = np.zeros((mine.size, n_vars))
            for c in range(1, K):
                at = np.flatnonzero(codes[mine] == c)
                block[at, (c - 1) * p:c * p] += Xt[mine[at]]
            if k > 0:
                block[:, (k - 1) * p:k * p] -= Xt[mine]
            rows.append(block)
        A = np.vstack(rows)
    res = linprog(-A.sum(axis=0), A_ub=-A, b_ub=np.zeros(A.shape[0]), bounds=[(-1, 1)] * n_vars,
                  method="highs")
    n_rows = int(keep.sum())
    if res.status != 0 or -res.fun <= _TOL * max(1.0, np.abs(A).sum() / max(A.shape[0], 1)):
        return SeparationResult("none", n_rows=n_rows)
    beta = res.x
    margins = A @ beta
    if K == 2:
        perfect = margins > _TOL
    else:
        # a row is perfectly predicted when it wins against every competing class
        perfect = np.zeros(codes.size, bool)
        wins = np.ones(codes.size, bool)
        start = 0
        for k in range(K):
            mine = np.flatnonzero(codes != k)
            wins[mine] &= margins[start:start + mine.size] > _TOL
            start += mine.size
        perfect = wins
    weights = np.abs(beta.reshape(-1, p))
    j0 = 1 if fit_intercept else 0
    involved = [names[j] for j in range(d) if weights[:, j + j0].max() > 1e-6]
    if perfect.all() or _strictly_separable(A, n_vars):
        return SeparationResult("complete", involved, n_rows, n_rows, beta)
    return SeparationResult("quasi-complete", involved, int(perfect.sum()), n_rows, beta)
