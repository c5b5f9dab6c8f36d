"""The objective, stated once:

    f(theta) = sum_i s_i nll_i / sum_i s_i
               + alpha * (l1_ratio * ||w||_1 + (1 - l1_ratio) / 2 * ||w||_2^2)     [elastic net]
               - 1/2 log det I(theta) / sum_i s_i                                    [firth]

with s = sample_weight * class_weight and the intercept never penalised. scikit-learn's
``C`` maps to ``alpha = 1 / (C * sum(s))``. Solvers see only this object: ``value``, ``grad``
(of the smooth part), ``hessian`` / ``hessp`` (of the smooth part; ``hessian_columns``: a
factor of a block of it), ``l1`` (per-parameter L1 strength for proximal steps) and
``kkt_residual`` (the shared optimality measure).
"""
from __future__ import annotations

import numpy as np

from ._links import get_link
from ._loss import BinaryLoss
from ._multinomial_loss import MultinomialLoss
from ._penalties import make_penalty


_SKETCH_MIN_ROWS = 40_000  # below this an exact Hessian is cheap enough


class Objective:
    def __init__(self, loss, penalty):
        self.loss = loss
        self.penalty = penalty
        self.n_params = loss.n_params
        self.l1 = penalty.l1
        self.smooth = penalty.smooth
        self.exact_hessian = penalty.exact_hessian

    def value(self, theta):
        return self.loss.value(theta) + self.penalty.value(theta)

    def grad(self, theta):
        return self.loss.grad(theta) + self.penalty.grad(theta)

    def value_grad(self, theta):
        f, g = self.loss.value_grad(theta)  # one data pass where the loss can fuse them
        return f + self.penalty.value(theta), g + self.penalty.grad(theta)

    def hessian(self, theta, idx=None):
        H = self.loss.hessian(theta, idx)
        diag = self.penalty.hess_diag(theta)
        if idx is not None:
            diag = diag[np.asarray(idx)]
        H.flat[::H.shape[0] + 1] += diag  # the diagonal (np.diag_indices_from costs ~50 us)
        return H

    def hessp(self, theta, v):
        return self.loss.hessp(theta, v) + self.penalty.hess_diag(theta) * v

    @property
    def column_rows(self):
        """Rows of the loss's weighted design columns (``hessian_columns``), None without them."""
        return getattr(self.loss, "column_rows", None)

    def column_entries(self, idx, limit=None):
        """Entries ``hessian_columns(., idx)`` would store, known before they are formed (or
        at least ``limit``, where the loss can stop counting there)."""
        return self.loss.column_entries(idx, limit)

    def hessian_columns(self, theta, idx):
        """(A, c) with A^T A + diag(c) = ``hessian(theta, idx)``: the loss's weighted design
        columns (``_columns``; n or n K rows) and the penalty's curvature, for a solver that
        works with the columns instead of an m x m matrix (cd on a wide working set)."""
        return self.loss.hessian_columns(theta, idx), self.penalty.hess_diag(theta)[np.asarray(idx)]

    # -- matrix-free Newton along the linear predictor (losses with ``predictor_steps``) ------
    @property
    def predictor_steps(self):
        """True when the loss can report X~ v with each Hessian-vector product and accept a
        linear predictor for a new point, so that a solver moving along a step knows the
        objective there without another pass over X."""
        return bool(getattr(self.loss, "predictor_steps", False))

    def hessp_predictor(self, theta, v):
        """(H v, X~ v): ``hessp`` and the change of the linear predictor along v."""
        Hv, u = self.loss.hessp_predictor(theta, v)
        return Hv + self.penalty.hess_diag(theta) * v, u

    def take_predictor(self, theta):
        """The linear predictor at theta, the caller's to update in place (the loss forgets it
        but keeps what ``hessp_predictor`` needs at theta)."""
        return self.loss.take_predictor(theta)

    def assume_predictor(self, theta, eta):
        """Evaluate the next value / gradient at theta with this linear predictor."""
        self.loss.assume_predictor(theta, eta)

    def kkt_residual(self, theta, grad=None):
        """Max-norm of the minimum-norm subgradient: 0 exactly at the optimum."""
        g = self.grad(theta) if grad is None else grad
        l1 = self.l1
        if not np.any(l1):
            return float(np.max(np.abs(g))) if g.size else 0.0
        # max(|g| - l1, 0) at zero coefficients, |g + l1 sign(theta)| at the others; one
        # d-vector of work (L1 models are fitted on wide, hashed data)
        r = np.abs(g)
        r -= l1
        np.maximum(r, 0.0, out=r)
        nz = np.flatnonzero(theta)
        r[nz] = np.abs(g[nz] + l1[nz] * np.sign(theta[nz]))
        return float(np.max(r))

    @property
    def n_rows(self):
        return self.loss.n

    def sketch_rows(self):
        """Rows for a sub-sampled Hessian, or None when the exact one is the better buy.

        Newton's Hessian costs n p^2 against n p for a gradient. From m = max(50 p,
        min(25000, n / 4)) random rows the Hessian is accurate to about sqrt(p / m) (a few
        percent), which keeps Newton's convergence fast (linear with a small rate; Roosta-
        Khorasani and Mahoney 2019) at a fraction of the cost. Firth needs exact information.
        """
        m = sketch_size(self.n_rows, self.n_params)
        if m is None or not self.exact_hessian or not hasattr(self.loss, "subset"):
            return None
        return m

    def curvature_rows(self, m):
        """Rows for the Hessian that steers the full-data steps after the coarse fit (None:
        all rows). It is formed once, so it can afford more rows than the coarse fit: ~16 n / p
        rows, about one data pass worth of time here (numpy's syrk on strided, scaled row
        blocks), which brings the convergence rate from ~sqrt(p / 25000) to ~sqrt(p^2 / 16 n)
        and saves two or three passes over the data. (32 n / p took the same 4 steps on W1
        and ~5% longer; 8 n / p one more step.) A Dask loss sums it on the workers in the pass
        that gives the first full gradient (``expect_sampled_hessian``)."""
        rows = max(m, int(16 * self.n_rows / self.n_params))
        # all rows when that is asked for; between half and all, every second row (a stride
        # of 1 would be a contiguous block, see sketch_indices)
        return None if rows >= self.n_rows else min(rows, self.n_rows // 2)

    def sketch_indices(self, m, seed=0):
        """The rows of ``subsample(m, seed)``. In memory: every (n // m)-th row from a random
        start, a slice, so that the sample is a view of X (a random gather would copy m rows;
        the coarse fit's 25,000 rows of W1 are 20 MB). The stride spreads the sample over the
        whole file, and the sample only steers the steps: the full-data gradient decides where
        they end. (A Dask loss gathers the coarse fit's slice, and takes the curvature sample's
        stride within each block.)"""
        return strided_rows(self.n_rows, m, seed)

    def sampled_hessian(self, theta, m, seed=0):
        """``subsample(m, seed).hessian(theta)``, without a copy of the rows where the loss can."""
        rows = self.sketch_indices(m, seed)
        if not hasattr(self.loss, "sampled_hessian"):
            return self.subsample(m, seed).hessian(theta)
        H = self.loss.sampled_hessian(theta, rows)
        H.flat[::H.shape[0] + 1] += self.penalty.hess_diag(theta)
        return H

    def expect_sampled_hessian(self, m, seed=0):
        """Tell a loss that computes in passes (Dask) to form ``sampled_hessian(., m, seed)`` in
        its next pass, beside the value and gradient; nothing to do in memory."""
        if hasattr(self.loss, "expect_sampled_hessian"):
            self.loss.expect_sampled_hessian(self.sketch_indices(m, seed))

    def subsample(self, m, seed=0):
        """This objective on m random rows (same penalty: the mean loss keeps the scale)."""
        return Objective(self.loss.subset(self.sketch_indices(m, seed)), self.penalty)

    def split(self, theta):
        return self.loss.split(theta)

    def pack(self, coef, intercept):
        return self.loss.pack(coef, intercept)


def sketch_size(n_rows, n_params):
    """m of ``Objective.sketch_rows``, or None when n is too small for a sample to pay."""
    m = max(50 * n_params, min(25_000, n_rows // 4))
    return None if n_rows < max(4 * m, _SKETCH_MIN_ROWS) else m


def strided_rows(n_rows, m, seed=0):
    """Every (n // m)-th of n rows from a random start: m rows as a slice (``sketch_indices``)."""
    step = n_rows // m
    start = int(np.random.default_rng(seed).integers(step))
    return slice(start, start + step * (m - 1) + 1, step)


def objective_value(X, y, coef, intercept, penalty=None, alpha=0.0, l1_ratio=0.0, link="logit",
                    sample_weight=None, offset=None):
    """logitlab's objective at given coefficients (for benchmarks and cross-tool checks).

    ``y`` holds 0/1 labels (binary, coef of shape (d,) or (1, d)) or 0..K-1 codes (multinomial,
    coef (K, d) in the symmetric form).
    """
    from ._data import as_matrix, check_sample_weight

    X, _ = as_matrix(X)
    y = np.asarray(y)
    w = check_sample_weight(sample_weight, X.shape[0])
    coef = np.atleast_2d(np.asarray(coef, dtype=float))
    intercept = np.atleast_1d(np.asarray(intercept, dtype=float))
    if coef.shape[0] == 1:
        loss = BinaryLoss(X, y.astype(float), w, get_link(link), True, offset)
    else:
        loss = MultinomialLoss(X, y, w, coef.shape[0], True, offset)
    pen = make_penalty(penalty or "none", alpha, l1_ratio, loss)
    return Objective(loss, pen).value(loss.pack(coef, intercept))
