"""Solvers: one module each, a registry, the 'auto' choice and the capability check.

A solver module defines ``NAME``, ``NEEDS`` (what it asks of the objective), ``HANDLES_L1``,
``DEFAULT_MAX_ITER`` and ``solve(objective, theta0, *, tol, max_iter, record, **options)``
returning a ``SolverResult``. Solvers see only the objective (``value``, ``grad``,
``hessian`` / ``hessp``, ``l1``, ``kkt_residual``, and where the loss offers them the
linear-predictor methods ``hessp_predictor`` / ``assume_predictor``), never data, links or
penalties.
"""
from __future__ import annotations

from .._errors import ParameterError
from . import cd, gd, lbfgs, newton, newton_cg
from ._result import FitResult, NullRecorder, Recorder, SolverResult, Trace, converged

SOLVERS = {m.NAME: m for m in (newton, lbfgs, cd, gd, newton_cg)}

__all__ = ["SOLVERS", "FitResult", "Trace", "Recorder", "NullRecorder", "SolverResult", "converged",
           "choose_solver", "check_compatible", "get_solver"]

# 'auto' uses Newton while the dense Hessian is cheap relative to a gradient pass
_NEWTON_MAX_PARAMS = 500


def choose_solver(penalty: str, n_params: int, sparse: bool, multinomial: bool = False) -> str:
    """The 'auto' rule: l1 / elasticnet -> 'cd'; firth -> 'newton'; otherwise 'newton' for at
    most 500 parameters (dense or sparse: the Hessian is small) and for dense multinomial
    models (truncated Newton on Hessian-vector products beyond 300 parameters); beyond 500
    parameters 'newton-cg' for sparse binary models (matrix-free, a few dozen passes over X)
    and 'lbfgs' otherwise."""
    if penalty in ("l1", "elasticnet"):
        return "cd"
    if penalty == "firth" or n_params <= _NEWTON_MAX_PARAMS or (multinomial and not sparse):
        return "newton"
    if sparse and not multinomial:
        return "newton-cg"
    return "lbfgs"


def get_solver(name: str):
    if name not in SOLVERS:
        raise ParameterError(f"unknown solver {name!r}; choose one of {['auto', *SOLVERS]}")
    return SOLVERS[name]


def check_compatible(solver_name: str, penalty_name: str):
    """Refuse impossible solver / penalty pairs before solving, naming both."""
    solver = get_solver(solver_name)
    if penalty_name in ("l1", "elasticnet") and not solver.HANDLES_L1:
        raise ParameterError(
            f"solver={solver_name!r} cannot handle penalty={penalty_name!r}: its L1 part is not "
            "differentiable. Use solver='cd' (or 'auto').")
    if penalty_name == "firth" and solver_name == "cd":
        raise ParameterError("solver='cd' does not support penalty='firth'; use solver='newton' (or 'auto')")
    return solver
