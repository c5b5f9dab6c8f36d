"""Reading and checking the JSON parameters of a lab request; the caps live here."""
from __future__ import annotations

import math

import numpy as np

MAX_POINTS = 1000  # points in one request
MAX_ITER = 20000  # gradient-descent iterations in one request
MAX_STEPS = 5000  # perceptron steps in one request
MAX_BODY = 256 * 1024  # bytes of one request body
TIME_LIMIT = 10.0  # seconds one computation may take before the server gives up on it
COORD_LIMIT = 1e3  # absolute value of a point coordinate


class LabRequestError(Exception):
    """A request the lab cannot answer; ``status`` is the HTTP status to send."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def number(p: dict, key: str, default: float, lo: float, hi: float) -> float:
    value = p.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LabRequestError(f"'{key}' must be a number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or not lo <= value <= hi:
        raise LabRequestError(f"'{key}' must be a finite number in [{lo}, {hi}], got {value}")
    return value


def integer(p: dict, key: str, default: int, lo: int, hi: int, what: str = "") -> int:
    value = p.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise LabRequestError(f"'{key}' must be an integer, got {value!r}")
    value = int(value)
    if value > hi and what:
        raise LabRequestError(f"'{key}' = {value} is over the cap of {hi} {what} per request", 422)
    if not lo <= value <= hi:
        raise LabRequestError(f"'{key}' must be an integer in [{lo}, {hi}], got {value}")
    return value


def choice(p: dict, key: str, default: str, options) -> str:
    value = p.get(key, default)
    if value not in options:
        raise LabRequestError(f"'{key}' must be one of {list(options)}, got {value!r}")
    return value


def flag(p: dict, key: str, default: bool = False) -> bool:
    value = p.get(key, default)
    if not isinstance(value, bool):
        raise LabRequestError(f"'{key}' must be true or false, got {value!r}")
    return value


def points(p: dict, key: str = "points", n_classes: int = 2, min_points: int = 1):
    """``[[x1, x2, label], ...]`` -> (X (n, 2) float, y (n,) int)."""
    raw = p.get(key)
    if not isinstance(raw, list):
        raise LabRequestError(f"'{key}' must be a list of [x1, x2, label] triples")
    if len(raw) > MAX_POINTS:
        raise LabRequestError(
            f"{len(raw)} points is over the cap of {MAX_POINTS} points per request", 413
        )
    if len(raw) < min_points:
        raise LabRequestError(f"'{key}' needs at least {min_points} points, got {len(raw)}")
    X = np.empty((len(raw), 2))
    y = np.empty(len(raw), dtype=int)
    for i, row in enumerate(raw):
        if (
            not isinstance(row, list)
            or len(row) != 3
            or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in row)
        ):
            raise LabRequestError(f"'{key}'[{i}] must be [x1, x2, label] numbers, got {row!r}")
        x1, x2, label = row
        if not (math.isfinite(x1) and math.isfinite(x2)) or max(abs(x1), abs(x2)) > COORD_LIMIT:
            raise LabRequestError(f"'{key}'[{i}] has a coordinate that is not finite or over {COORD_LIMIT}")
        if label not in range(n_classes):
            raise LabRequestError(f"'{key}'[{i}] label must be one of {list(range(n_classes))}")
        X[i] = (x1, x2)
        y[i] = int(label)
    return X, y


def as_points(X, y) -> list:
    return [[float(a), float(b), int(c)] for (a, b), c in zip(X, y)]
