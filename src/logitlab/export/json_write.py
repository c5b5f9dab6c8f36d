"""Writing JSON model files: ``model_to_dict`` and ``save`` (format in ``_format``)."""
from __future__ import annotations

import json
import math
import os

import numpy as np

from .._errors import DataError, ParameterError
from .._io import atomic_write
from ._fitted import fitted_parts
from ._format import EXTRAS, FORMAT, SCHEMA_VERSION, logitlab_version


def _classes_to_json(classes: np.ndarray) -> dict:
    values = classes.tolist()
    if classes.dtype.kind == "b":
        dtype = "bool"
    elif classes.dtype.kind in "iu":
        dtype = "int"
    elif classes.dtype.kind == "f":
        dtype = "float"
        if not all(math.isfinite(v) for v in values):
            raise DataError("class labels must be finite numbers to be saved")
    elif classes.dtype.kind in "USO" and all(isinstance(v, str) for v in values):
        dtype = "str"
    elif classes.dtype.kind == "O" and all(isinstance(v, bool) for v in values):
        dtype = "bool"
    elif classes.dtype.kind == "O" and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        dtype = "int"
    else:
        raise DataError(f"class labels of type {classes.dtype} ({values[:3]}...) cannot be saved: "
                        "use str, int, float or bool labels")
    return {"dtype": dtype, "values": values}


def _json_params(model) -> dict:
    try:
        params = model.get_params(deep=False)
    except Exception:  # pragma: no cover - any estimator without get_params
        return {}
    out = {}
    for k, v in params.items():
        if v is None or isinstance(v, (bool, int, str)) or (isinstance(v, float) and math.isfinite(v)):
            out[k] = v
    return out


def model_to_dict(model, **extras) -> dict:
    """The JSON-safe dictionary :func:`save` writes (useful to embed a model elsewhere)."""
    unknown = sorted(set(extras) - set(EXTRAS))
    if unknown:
        raise ParameterError(f"save: unknown extras {unknown}; allowed are {list(EXTRAS)}")
    coef, intercept, classes, kind, link, names = fitted_parts(model)
    threshold = extras.get("threshold")
    if threshold is not None:
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.floating)) \
                or not 0.0 <= float(threshold) <= 1.0:
            raise ParameterError(f"save: threshold must be a number in [0, 1], got {threshold!r}")
        if kind != "binary":
            raise ParameterError(f"save: a threshold applies to binary models only (this one is {kind})")
        threshold = float(threshold)
    for key in ("preprocessing", "metadata"):
        value = extras.get(key)
        if value is not None and not isinstance(value, dict):
            raise ParameterError(f"save: {key} must be a dict (JSON object), got {type(value).__name__}")
    data = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "logitlab_version": logitlab_version(),
        "model": {
            "estimator": "LogisticRegression",
            "model_kind": kind,
            "link": link,
            "classes": _classes_to_json(classes),
            "feature_names": names,
            "n_features": int(coef.shape[1]),
            "coef": coef.tolist(),
            "intercept": intercept.tolist(),
            "params": _json_params(model),
        },
        "preprocessing": extras.get("preprocessing"),
        "threshold": threshold,
        "metadata": extras.get("metadata"),
    }
    return data


def save(model, path, **extras) -> None:
    """Write ``model`` to ``path`` as a JSON model file, atomically.

    extras: ``preprocessing`` (dict, e.g. ``TabularEncoder.to_dict()``), ``threshold`` (binary
    decision threshold in [0, 1]) and ``metadata`` (any JSON object).
    """
    data = model_to_dict(model, **extras)
    try:
        text = json.dumps(data, indent=1, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise DataError(f"save: the model or its extras are not JSON-safe: {exc}") from exc
    atomic_write(os.fspath(path), text + "\n")
