"""Shared pieces of the simulations: fitting with the engine, measuring, code snippets."""
from __future__ import annotations

import warnings

import numpy as np
from scipy.special import expit, log_expit

from .data import PRESETS, make_preset
from ._params import LabRequestError, as_points, choice, integer, points


def measure(X, y, w, b) -> dict:
    """Log-likelihood (sum), mean cross-entropy and 0.5-rule accuracy of (b, w) on (X, y)."""
    z = X @ np.asarray(w, dtype=float) + float(b)
    ll = float(np.sum(np.where(y == 1, log_expit(z), log_expit(-z)))) if len(y) else 0.0
    acc = float(np.mean((z >= 0) == (y == 1))) if len(y) else 0.0
    return {
        "loglik": ll,
        "cross_entropy": -ll / len(y) if len(y) else 0.0,
        "accuracy": acc,
        "n_wrong": int(np.sum((z >= 0) != (y == 1))),
    }


def sigmoid(z):
    return expit(z)


def fit(X, y, **params):
    """Fit ``logitlab.LogisticRegression(**params)``; return (model, warning messages).

    Warnings (separation, convergence) are what the lab shows; they are recorded, not
    printed. Errors the engine raises for this data become a 422 for the page to show.
    """
    from logitlab import LogisticRegression, LogitlabError

    model = LogisticRegression(**params)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.fit(X, y)
        except LogitlabError as exc:
            raise LabRequestError(f"the engine refused this fit: {exc}", 422) from exc
    messages = []
    for w in caught:
        text = f"{w.category.__name__}: {w.message}"
        if text not in messages:
            messages.append(text)
    return model, messages


def separation(model) -> dict | None:
    """A JSON view of ``model.separation_`` whatever its exact fields."""
    sep = getattr(model, "separation_", None)
    if sep is None:
        return None
    out = {"text": str(sep)}
    for key in ("separated", "status", "kind", "complete", "quasi", "is_separated", "message"):
        value = getattr(sep, key, None)
        if isinstance(value, (bool, int, float, str, np.bool_)):
            out[key] = value.item() if isinstance(value, np.generic) else value
    return out


def data_from(p: dict, default_preset: str = "separable", presets=PRESETS, n_classes: int = 2):
    """Points given in the request, else the seeded preset; returns (X, y, source dict)."""
    if "points" in p and p["points"] is not None:
        X, y = points(p, n_classes=n_classes)
        return X, y, {"kind": "points"}
    preset = choice(p, "preset", default_preset, presets)
    seed = integer(p, "seed", 0, 0, 2**31 - 1)
    X, y = make_preset(preset, seed)
    return X, y, {"kind": "preset", "preset": preset, "seed": seed}


def py_data(X, y, source: dict) -> str:
    """Python lines that rebuild X, y."""
    if source.get("kind") == "preset":
        return (
            "from logitlab.lab.data import make_preset\n"
            f"X, y = make_preset({source['preset']!r}, seed={source['seed']})\n"
        )
    rows = ",\n    ".join(f"[{a:.4g}, {b:.4g}]" for a, b in X)
    labels = ", ".join(str(int(c)) for c in y)
    return f"X = np.array([\n    {rows},\n])\ny = np.array([{labels}])\n"


def f(x: float) -> float:
    """A float for JSON (inf/nan become None so the page can say so)."""
    x = float(x)
    return x if np.isfinite(x) else None


def fl(a) -> list:
    return [f(v) for v in np.asarray(a, dtype=float).ravel()]


__all__ = ["measure", "sigmoid", "fit", "separation", "data_from", "py_data", "f", "fl", "as_points"]
