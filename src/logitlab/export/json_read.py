"""Reading JSON model files: ``load``, ``load_bundle`` and the ``ModelBundle`` they return.

Every field is checked; an error names the field, what was wrong and, for files from a newer
logitlab, what to do (format in ``_format``).
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._errors import DataError
from ._format import EXTRAS, FORMAT, KINDS, LINKS, SCHEMA_VERSION, logitlab_version


@dataclass
class ModelBundle:
    """What a model file holds: the model plus its extras."""

    model: Any
    preprocessing: dict | None = None
    threshold: float | None = None
    metadata: dict | None = None
    schema_version: int = SCHEMA_VERSION
    logitlab_version: str = ""
    raw: dict = field(default_factory=dict, repr=False)

    def encoder(self):
        """The TabularEncoder stored as preprocessing, or None."""
        if self.preprocessing is None:
            return None
        from ..preprocessing import TabularEncoder
        return TabularEncoder.from_dict(self.preprocessing)

    def _design(self, X):
        enc = self.encoder()
        return X if enc is None else enc.transform(X)

    def predict_proba(self, X):
        """Probabilities for raw data: the stored preprocessing, then the model."""
        return self.model.predict_proba(self._design(X))

    def predict(self, X):
        """Labels; binary models use the stored threshold when there is one."""
        Xd = self._design(X)
        if self.threshold is None:
            return self.model.predict(Xd)
        p = self.model.predict_proba(Xd)[:, 1]
        return np.where(p >= self.threshold, self.model.classes_[1], self.model.classes_[0])


class _Reader:
    """Field access that names the field in every error."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, field_name: str, what: str):
        raise DataError(f"model file {self.source}: field '{field_name}' {what}")

    def get(self, obj: dict, key: str, prefix: str):
        name = f"{prefix}{key}"
        if key not in obj:
            self.fail(name, "is missing")
        return obj[key]

    def number(self, v, name):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            self.fail(name, f"must be a finite number, got {v!r}")
        return float(v)

    def vector(self, v, name):
        if not isinstance(v, list):
            self.fail(name, f"must be a list of numbers, got {type(v).__name__}")
        return np.array([self.number(x, f"{name}[{i}]") for i, x in enumerate(v)], dtype=float)

    def matrix(self, v, name):
        if not isinstance(v, list) or not v:
            self.fail(name, "must be a non-empty list of lists of numbers")
        rows = [self.vector(r, f"{name}[{i}]") for i, r in enumerate(v)]
        if len({len(r) for r in rows}) != 1:
            self.fail(name, f"has rows of different lengths {[len(r) for r in rows]}")
        return np.vstack(rows)


def _classes_from_json(r: _Reader, spec) -> np.ndarray:
    if not isinstance(spec, dict):
        r.fail("model.classes", "must be an object with 'dtype' and 'values'")
    dtype = r.get(spec, "dtype", "model.classes.")
    values = r.get(spec, "values", "model.classes.")
    if not isinstance(values, list) or len(values) < 2:
        r.fail("model.classes.values", "must be a list of at least two labels")
    checks = {
        "str": lambda v: isinstance(v, str),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v),
        "bool": lambda v: isinstance(v, bool),
    }
    if dtype not in checks:
        r.fail("model.classes.dtype", f"must be one of {sorted(checks)}, got {dtype!r}")
    for i, v in enumerate(values):
        if not checks[dtype](v):
            r.fail(f"model.classes.values[{i}]", f"must be of type {dtype}, got {v!r}")
    if len(set(values)) != len(values):
        r.fail("model.classes.values", "has duplicated labels")
    np_dtype = {"str": None, "int": np.int64, "float": float, "bool": bool}[dtype]
    return np.asarray(values, dtype=np_dtype)


def _read(path) -> tuple[dict, str]:
    source = os.fspath(path)
    try:
        with open(source, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        raise DataError(f"model file {source}: no such file") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"model file {source}: not UTF-8 text ({exc})") from None

    def no_constants(name):
        raise DataError(f"model file {source}: invalid number {name} (JSON has no NaN/Infinity)")

    try:
        data = json.loads(text, parse_constant=no_constants)
    except json.JSONDecodeError as exc:
        raise DataError(f"model file {source}: not valid JSON ({exc})") from None
    return data, source


def bundle_from_dict(data, source: str = "<dict>") -> ModelBundle:
    """Validate a model dictionary and rebuild the model (see :func:`load_bundle`)."""
    r = _Reader(source)
    if not isinstance(data, dict):
        raise DataError(f"model file {source}: expected a JSON object at top level")
    version, lversion = _header(r, data)
    m = r.get(data, "model", "")
    if not isinstance(m, dict):
        r.fail("model", "must be an object")
    kind, link, classes, names, n_features, coef, intercept = _model_fields(r, m)
    params = m.get("params", {})
    if not isinstance(params, dict):
        r.fail("model.params", "must be an object")
    extras = _extras(r, data, kind, names, n_features)
    model = _restore_estimator(kind, link, classes, coef, intercept, names, params)
    return ModelBundle(model=model, schema_version=version, logitlab_version=lversion, raw=data, **extras)


def _header(r: _Reader, data: dict):
    """(schema_version, logitlab_version) after checking the format and the version."""
    if r.get(data, "format", "") != FORMAT:
        r.fail("format", f"must be {FORMAT!r}, got {data['format']!r} (not a logitlab model file)")
    version = r.get(data, "schema_version", "")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        r.fail("schema_version", f"must be a positive integer, got {version!r}")
    if version > SCHEMA_VERSION:
        written = data.get("logitlab_version", "a newer logitlab")
        r.fail("schema_version", f"is {version}, newer than this logitlab ({logitlab_version()}) reads "
               f"(up to {SCHEMA_VERSION}); the file was written by logitlab {written}: upgrade logitlab")
    lversion = r.get(data, "logitlab_version", "")
    if not isinstance(lversion, str):
        r.fail("logitlab_version", "must be a string")
    return version, lversion


def _model_fields(r: _Reader, m: dict):
    """(kind, link, classes, feature names, n_features, coef, intercept), shapes checked."""
    kind = r.get(m, "model_kind", "model.")
    if kind not in KINDS:
        r.fail("model.model_kind", f"must be one of {list(KINDS)}, got {kind!r}")
    link = r.get(m, "link", "model.")
    if link not in LINKS:
        r.fail("model.link", f"must be one of {list(LINKS)}, got {link!r}")
    classes = _classes_from_json(r, r.get(m, "classes", "model."))
    n_features = r.get(m, "n_features", "model.")
    if isinstance(n_features, bool) or not isinstance(n_features, int) or n_features < 0:
        r.fail("model.n_features", f"must be a non-negative integer, got {n_features!r}")
    names = r.get(m, "feature_names", "model.")
    if names is not None:
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            r.fail("model.feature_names", "must be a list of strings or null")
        if len(names) != n_features:
            r.fail("model.feature_names", f"has {len(names)} names but model.n_features is {n_features}")
    coef = r.matrix(r.get(m, "coef", "model."), "model.coef")
    intercept = r.vector(r.get(m, "intercept", "model."), "model.intercept")
    K = len(classes)
    rows = 1 if kind == "binary" else K
    if kind == "binary" and K != 2:
        r.fail("model.classes.values", f"a binary model needs 2 classes, got {K}")
    if kind == "multinomial" and K < 3:
        r.fail("model.classes.values", f"a multinomial model needs at least 3 classes, got {K}")
    if coef.shape != (rows, n_features):
        r.fail("model.coef", f"has shape {coef.shape}, expected ({rows}, {n_features}) for a "
               f"{kind} model with {K} classes and {n_features} features")
    if intercept.shape != (rows,):
        r.fail("model.intercept", f"has {intercept.shape[0]} values, expected {rows}")
    if kind == "multinomial" and link != "logit":
        r.fail("model.link", f"must be 'logit' for a multinomial model, got {link!r}")
    return kind, link, classes, names, n_features, coef, intercept


def _extras(r: _Reader, data: dict, kind, names, n_features) -> dict:
    """preprocessing, threshold and metadata, checked against the model."""
    extras = {key: data.get(key) for key in EXTRAS}
    if extras["threshold"] is not None:
        t = r.number(extras["threshold"], "threshold")
        if not 0.0 <= t <= 1.0:
            r.fail("threshold", f"must be in [0, 1], got {t}")
        if kind != "binary":
            r.fail("threshold", f"applies to binary models only (this one is {kind})")
        extras["threshold"] = t
    for key in ("preprocessing", "metadata"):
        if extras[key] is not None and not isinstance(extras[key], dict):
            r.fail(key, "must be an object or null")
    if extras["preprocessing"] is not None and extras["preprocessing"].get("kind") == "logitlab.TabularEncoder":
        from ..preprocessing import TabularEncoder
        enc = TabularEncoder.from_dict(extras["preprocessing"])
        if names is not None and enc.feature_names_ != names:
            r.fail("preprocessing.feature_names", "do not match model.feature_names")
        if enc.feature_names_ and len(enc.feature_names_) != n_features:
            r.fail("preprocessing.feature_names", f"has {len(enc.feature_names_)} names, "
                   f"the model has {n_features} features")
    return extras


def _restore_estimator(kind, link, classes, coef, intercept, names, params):
    """A fitted logitlab LogisticRegression holding the stored coefficients (no re-fit)."""
    from ..estimator import LogisticRegression

    est = LogisticRegression()
    valid = est.get_params(deep=False)
    est.set_params(**{k: v for k, v in params.items() if k in valid})
    est.set_params(link=link)
    if kind == "ovr" and "multiclass" in valid:
        est.set_params(multiclass="ovr")
    est.coef_ = coef
    est.intercept_ = intercept
    est.classes_ = classes
    est.model_kind_ = kind
    est.n_features_in_ = coef.shape[1]
    if names is not None:
        est.feature_names_in_ = np.asarray(names, dtype=object)
    return est


def load_bundle(path) -> ModelBundle:
    """Read a model file: the fitted model plus ``preprocessing``, ``threshold``, ``metadata``.

    Raises :class:`~logitlab.DataError` naming the field for missing fields, wrong types,
    schema versions newer than this logitlab reads and inconsistent shapes.
    """
    data, source = _read(path)
    return bundle_from_dict(data, source)


def load(path):
    """Read a model file written by :func:`save` and return the fitted model."""
    return load_bundle(path).model

