"""Newton's method (IRLS / Newton-Cholesky) with Armijo step halving.

Up to ``DIRECT_MAX_PARAMS`` parameters the Newton system is solved with the dense Hessian and a
Cholesky factorisation; beyond, by conjugate gradients on Hessian-vector products (truncated
Newton, with the Eisenstat-Walker forcing term min(0.5, sqrt(|g|)) for superlinear convergence),
preconditioned by the factorised Hessian of a small row sample (``_cg``); the full Hessian is
never formed there. For large n the fit starts on a row sample (a strided view of X), fitted
with one Hessian of the sample plus BFGS updates (``_SecantCurvature``) down to the sample's
noise floor (``_sampling_noise_floor``), and the full-data
steps use a Hessian of a larger strided sample with secant corrections
(``_SketchedCurvature``). Requires the objective's Hessian or Hessian-vector product. With an
inexact Hessian (Firth: the Fisher information) it is Fisher scoring on the penalised
likelihood, as R's logistf; step halving keeps it monotone.
"""
from __future__ import annotations

import numpy as np

from ._cg import conjugate_gradient, sampled_preconditioner
from ._linalg import solve_psd
from ._linesearch import STALLED, backtrack
from ._result import SolverResult, converged
from .._threads import single_threaded_blas

NAME = "newton"
NEEDS = {"hessian"}
HANDLES_L1 = False
DEFAULT_MAX_ITER = 100
DIRECT_MAX_PARAMS = 300


def _newton_direction(source, theta, g):
    """Up to DIRECT_MAX_PARAMS: Cholesky on the Hessian. Beyond: truncated Newton by CG on
    Hessian-vector products, preconditioned by the factorised Hessian of a row sample when
    that is cheap enough (``_cg``)."""
    if theta.size <= DIRECT_MAX_PARAMS or not hasattr(source, "hessp"):
        return -solve_psd(source.hessian(theta), g)
    x, _ = conjugate_gradient(lambda v: source.hessp(theta, v), g, sampled_preconditioner(source, theta))
    return -x


class _Curvature:
    """Where each Newton direction comes from: the Hessian (or Hessian-vector products) of
    ``source``; after two slow steps in a row (residual down by less than 4x) it moves to the
    objective's exact Hessian."""

    def __init__(self, objective, source):
        self.objective, self.source = objective, source
        self.slow_steps = 0

    def direction(self, theta, g):
        return _newton_direction(self.source, theta, g)

    def observe(self, s, y, res, res_before):
        if self.source is not self.objective and res > 0.25 * res_before:
            self.slow_steps += 1
            if self.slow_steps >= 2:
                self.source = self.objective


class _SketchedCurvature(_Curvature):
    """A sub-sampled Hessian B, taken once at the start point, corrected after every step by
    the BFGS update with the exact change of gradient y along the step s:

        B <- B + y y^T / (y^T s) - B s s^T B / (s^T B s).

    The sample's Hessian has relative error about sqrt(p / m), so plain sub-sampled Newton
    converges linearly at about that rate; the secant corrections remove the error along the
    directions the iterates actually travel (Dennis-More), which makes the convergence
    superlinear without another pass over the data for the Hessian."""

    def __init__(self, objective, sample, theta):
        super().__init__(objective, sample)
        self.rows = objective.curvature_rows(sample.n_rows)
        # the exact Hessian when the sample would be all rows; else a sampled one at the first
        # direction, after the pass at theta, whose linear predictor it reuses (a Dask loss
        # sums it on the workers within that pass)
        self.B = None
        if self.rows is None:
            self.B = objective.hessian(theta)
        else:
            objective.expect_sampled_hessian(self.rows, seed=1)

    def direction(self, theta, g):
        if self.source is self.objective:
            return super().direction(theta, g)
        if self.B is None:
            self.B = self.objective.sampled_hessian(theta, self.rows, seed=1)
        return -solve_psd(self.B, g)

    def observe(self, s, y, res, res_before):
        _bfgs_update(self.B, s, y)  # formed by the first direction, which precedes any step
        super().observe(s, y, res, res_before)


class _SecantCurvature(_Curvature):
    """The coarse fit's curvature: the sample's Hessian at the start point, then BFGS updates
    (a pass over the sample per step instead of a Hessian); after two slow steps in a row
    (residual down by less than 4x) the Hessian is formed again where the iterate is."""

    def __init__(self, objective, theta):
        super().__init__(objective, objective)
        self.B = objective.hessian(theta)
        self.refresh = False

    def direction(self, theta, g):
        if self.refresh:
            self.B, self.refresh, self.slow_steps = self.objective.hessian(theta), False, 0
        return -solve_psd(self.B, g)

    def observe(self, s, y, res, res_before):
        _bfgs_update(self.B, s, y)
        self.slow_steps = self.slow_steps + 1 if res > 0.25 * res_before else 0
        self.refresh = self.slow_steps >= 2


def _bfgs_update(B, s, y):
    """B <- B + y y^T / (y^T s) - B s s^T B / (s^T B s), in place, when the step has positive
    curvature (otherwise B is kept)."""
    ys = float(y @ s)
    Bs = B @ s
    sBs = float(s @ Bs)
    if ys > 1e-12 * np.sqrt(float(y @ y) * float(s @ s)) and sBs > 0:
        B += np.outer(y, y / ys) - np.outer(Bs, Bs / sBs)


def solve(objective, theta, *, tol, max_iter, record, **_):
    m = objective.sketch_rows() if hasattr(objective, "sketch_rows") else None
    if not m:
        return _iterate(objective, theta, _Curvature(objective, objective), tol, max_iter, record)
    # large n: start from the solution on m random rows (to a tolerance well inside the
    # distance between the two solutions), then take steps with the exact gradient and the
    # sample's curvature; the stopping rule is unchanged
    sample = objective.subsample(m)
    # one BLAS thread for the sample's small products, its first Hessian included: a
    # multi-threaded BLAS call leaves its threads spinning for ~0.1 s, and they would take the
    # core of the first full pass's second thread (W1: that pass 0.15 s instead of 0.11 s; W7,
    # with the first Hessian on two threads: 0.085 s instead of 0.055 s)
    with single_threaded_blas():
        if theta.size <= DIRECT_MAX_PARAMS:
            coarse_curvature = _SecantCurvature(sample, theta)
            coarse_tol = max(tol, _sampling_noise_floor(sample, theta, coarse_curvature.B))
        else:
            coarse_curvature, coarse_tol = _Curvature(sample, sample), tol
        coarse = _iterate(sample, theta, coarse_curvature, coarse_tol, max_iter, lambda *a: None)
    if not coarse.converged:
        return _iterate(objective, theta, _Curvature(objective, objective), tol, max_iter, record)
    theta = coarse.theta
    if theta.size <= DIRECT_MAX_PARAMS:
        curvature = _SketchedCurvature(objective, sample, theta)
    else:
        curvature = _Curvature(objective, sample)
    return _iterate(objective, theta, curvature, tol, max_iter, record)


def _sampling_noise_floor(sample, theta, B):
    """How far below the distance between the sample's solution and the full data's the coarse
    fit is worth iterating: a tenth of the smallest standard deviation of the sample's mean
    gradient, sqrt(I_jj / m) per coordinate (I_jj the diagonal of the sample's information at
    the start, the penalty's part taken out; m its rows). The full-data gradient at the
    sample's optimum is that sampling noise, so steps below it change nothing the full-data
    steps see (W1: 5 iterations on the sample instead of 9, the full-data residuals alike)."""
    info = np.diag(B) - sample.penalty.hess_diag(theta)
    return 0.1 * float(np.sqrt(max(np.min(info), 0.0) / sample.n_rows))


def _iterate(objective, theta, curvature, tol, max_iter, record):
    f, g = objective.value_grad(theta)
    res = objective.kkt_residual(theta, g)
    record(0, theta, f, res, 0.0)
    for it in range(1, max_iter + 1):
        if converged(res, tol):
            return SolverResult(theta, it - 1, True, f, res, "converged")
        direction = curvature.direction(theta, g)
        slope = float(g @ direction)
        if slope >= 0:  # Hessian numerically useless: fall back to steepest descent
            direction, slope = -g, -float(g @ g)
        accepted = backtrack(objective, theta, direction, f, slope)
        if accepted is None:
            return SolverResult(theta, it - 1, False, f, res, STALLED)
        t, candidate, f_new, g_new = accepted
        step = t * float(np.max(np.abs(direction)))
        theta, theta_before, g_before = candidate, theta, g
        f, g = f_new, g_new
        res, res_before = objective.kkt_residual(theta, g), res
        record(it, theta, f, res, step)
        curvature.observe(theta - theta_before, g - g_before, res, res_before)
    ok = converged(res, tol)
    return SolverResult(theta, max_iter, ok, f, res, "converged" if ok else "maximum number of iterations reached")
