"""The lab's Python API: one function per simulation, JSON in, JSON out.

Each function takes the request's parameters (a dict decoded from JSON), checks them, computes
every learned or measured number with logitlab and returns a JSON-ready dict that includes a
``python`` snippet reproducing the picture. The server is a thin shell around ``handle``.
"""
from __future__ import annotations

from ._params import LabRequestError, choice, integer
from .data import MULTICLASS_PRESETS, PRESETS, make_preset
from ._common import as_points
from .sims_basic import boundary, crossentropy, linefail, sigmoid_sim, staircase
from .sims_decide import features, regularisation, thresholds
from .sims_train import newton_sim, perceptron_sim, softmax_sim, train


def preset(p: dict) -> dict:
    """The points of a seeded preset (the page edits them, e.g. in the training lab)."""
    name = choice(p, "preset", "separable", PRESETS + MULTICLASS_PRESETS)
    seed = integer(p, "seed", 0, 0, 2**31 - 1)
    X, y = make_preset(name, seed)
    return {"preset": name, "seed": seed, "points": as_points(X, y)}


SIMULATIONS = {
    "linefail": linefail,
    "sigmoid": sigmoid_sim,
    "boundary": boundary,
    "crossentropy": crossentropy,
    "staircase": staircase,
    "train": train,
    "perceptron": perceptron_sim,
    "softmax": softmax_sim,
    "newton": newton_sim,
    "thresholds": thresholds,
    "regularisation": regularisation,
    "features": features,
    "preset": preset,
}


def handle(name: str, params: dict) -> dict:
    """Answer ``POST /api/<name>`` with ``params``; raises LabRequestError for bad requests."""
    fn = SIMULATIONS.get(name)
    if fn is None:
        raise LabRequestError(f"unknown API path /api/{name}; known: {sorted(SIMULATIONS)}", 404)
    if not isinstance(params, dict):
        raise LabRequestError("the request body must be a JSON object")
    return fn(params)
