"""JSON model files and SQL export.

A model file is plain JSON (never pickle), versioned by ``schema_version``::

    {
      "format": "logitlab-model",
      "schema_version": 1,
      "logitlab_version": "0.1.0",
      "model": {
        "estimator": "LogisticRegression",
        "model_kind": "binary" | "multinomial" | "ovr" | "multilabel",
        "link": "logit" | "probit" | "cloglog",
        "classes": {"dtype": "int" | "float" | "str" | "bool", "values": [...]},
        "feature_names": [...] | null,
        "n_features": d,
        "coef": [[...], ...],          # (1, d) binary, (K, d) otherwise
        "intercept": [...],            # (1,) or (K,)
        "params": {...}                # JSON-safe constructor parameters (informative)
      },
      "preprocessing": {...} | null,   # e.g. TabularEncoder.to_dict()
      "threshold": 0.5 | null,         # binary decision threshold
      "metadata": {...} | null         # free JSON object
    }

Floats are written with ``repr`` precision (Python's shortest round-trip form), so a loaded
model predicts exactly what the saved one did. Files are written atomically: a temporary file in
the target folder, flushed and fsynced, then renamed over the target.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._errors import DataError, ParameterError
from ._io import atomic_write

__all__ = ["save", "load", "load_bundle", "to_sql", "ModelBundle", "SCHEMA_VERSION"]

FORMAT = "logitlab-model"
SCHEMA_VERSION = 1
_KINDS = ("binary", "multinomial", "ovr", "multilabel")
_LINKS = ("logit", "probit", "cloglog")
_EXTRAS = ("preprocessing", "threshold", "metadata")


def _version() -> str:
    from . import __version__
    return __version__


# ---------------------------------------------------------------------------------------------
# save
# ---------------------------------------------------------------------------------------------
def _fitted_parts(model):
    """coef, intercept, classes, kind, link, feature names of a fitted (CV) estimator."""
    if not hasattr(model, "coef_") or not hasattr(model, "classes_"):
        from sklearn.exceptions import NotFittedError
        raise NotFittedError(f"{type(model).__name__} is not fitted; call fit before save / to_sql")
    coef = np.asarray(model.coef_, dtype=float)
    intercept = np.atleast_1d(np.asarray(model.intercept_, dtype=float))
    if coef.ndim == 1:
        coef = coef[None, :]
    classes = np.asarray(model.classes_)
    kind = getattr(model, "model_kind_", None)
    if kind is None:
        kind = "binary" if len(classes) == 2 and coef.shape[0] == 1 else "multinomial"
    link = getattr(model, "link", "logit") or "logit"
    names = getattr(model, "feature_names_in_", None)
    names = None if names is None else [str(n) for n in names]
    if not np.all(np.isfinite(coef)) or not np.all(np.isfinite(intercept)):
        raise DataError("the model has non-finite coefficients (inf or nan); it cannot be exported")
    return coef, intercept, classes, kind, link, names


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
    unknown = sorted(set(extras) - set(_EXTRAS))
    if unknown:
        raise ParameterError(f"save: unknown extras {unknown}; allowed are {list(_EXTRAS)}")
    coef, intercept, classes, kind, link, names = _fitted_parts(model)
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
        "logitlab_version": _version(),
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


# ---------------------------------------------------------------------------------------------
# load
# ---------------------------------------------------------------------------------------------
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
        from .preprocessing import TabularEncoder
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
    if r.get(data, "format", "") != FORMAT:
        r.fail("format", f"must be {FORMAT!r}, got {data['format']!r} (not a logitlab model file)")
    version = r.get(data, "schema_version", "")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        r.fail("schema_version", f"must be a positive integer, got {version!r}")
    if version > SCHEMA_VERSION:
        written = data.get("logitlab_version", "a newer logitlab")
        r.fail("schema_version", f"is {version}, newer than this logitlab ({_version()}) reads "
               f"(up to {SCHEMA_VERSION}); the file was written by logitlab {written}: upgrade logitlab")
    lversion = r.get(data, "logitlab_version", "")
    if not isinstance(lversion, str):
        r.fail("logitlab_version", "must be a string")
    m = r.get(data, "model", "")
    if not isinstance(m, dict):
        r.fail("model", "must be an object")
    kind = r.get(m, "model_kind", "model.")
    if kind not in _KINDS:
        r.fail("model.model_kind", f"must be one of {list(_KINDS)}, got {kind!r}")
    link = r.get(m, "link", "model.")
    if link not in _LINKS:
        r.fail("model.link", f"must be one of {list(_LINKS)}, got {link!r}")
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
    params = m.get("params", {})
    if not isinstance(params, dict):
        r.fail("model.params", "must be an object")
    extras = {}
    for key in _EXTRAS:
        extras[key] = data.get(key)
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
        from .preprocessing import TabularEncoder
        enc = TabularEncoder.from_dict(extras["preprocessing"])
        if names is not None and enc.feature_names_ != names:
            r.fail("preprocessing.feature_names", "do not match model.feature_names")
        if enc.feature_names_ and len(enc.feature_names_) != n_features:
            r.fail("preprocessing.feature_names", f"has {len(enc.feature_names_)} names, "
                   f"the model has {n_features} features")
    model = _restore_estimator(kind, link, classes, coef, intercept, names, params)
    return ModelBundle(model=model, schema_version=version, logitlab_version=lversion, raw=data, **extras)


def _restore_estimator(kind, link, classes, coef, intercept, names, params):
    """A fitted logitlab LogisticRegression holding the stored coefficients (no re-fit)."""
    from .estimator import LogisticRegression

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


# ---------------------------------------------------------------------------------------------
# SQL
# ---------------------------------------------------------------------------------------------
_CLAMP = 700.0  # |exponent| cap: exp(700) ~ 1e304 is finite in IEEE doubles; see docs


def quote_identifier(name) -> str:
    """ANSI SQL quoted identifier: wrapped in double quotes, inner quotes doubled."""
    if not isinstance(name, str) or not name:
        raise ParameterError(f"to_sql: identifiers must be non-empty strings, got {name!r}")
    if "\x00" in name:
        raise ParameterError(f"to_sql: identifier {name!r} contains a NUL character")
    return '"' + name.replace('"', '""') + '"'


def _num(x: float) -> str:
    text = repr(float(x))
    return f"({text})" if text.startswith("-") else text


def _clamp(expr: str) -> str:
    c = _num(_CLAMP)
    return (f"CASE WHEN {expr} > {c} THEN {c} WHEN {expr} < -{c} THEN -{c} ELSE {expr} END")


def to_sql(model, table, columns=None, *, keep=(), prefix="p_", names=None) -> str:
    """A standard-SQL SELECT computing predicted probabilities of a logit model.

    Parameters
    ----------
    table : str or tuple of str
        The table to read; a tuple ``("schema", "table")`` is quoted part by part.
    columns : list or dict, optional
        The table columns holding the model's features: a list in feature order, or a dict
        feature name -> column. Default: the model's feature names.
    keep : sequence of str
        Table columns to carry through to the output (e.g. an id).
    prefix, names : output column names. By default ``prefix + str(class)``; a binary model
        gives one column, the probability of ``classes_[1]``; multinomial, ovr (normalised
        sigmoids, as predict_proba) and multilabel (independent sigmoids) one per class.

    The SQL uses only ``EXP``, ``CASE``, arithmetic and ANSI double-quoted identifiers. Every
    exponent is clamped to [-700, 700] and multinomial logits have their row maximum
    subtracted, so nothing overflows. Tested in SQLite (which has EXP when built with math
    functions, the default since 3.35).
    """
    coef, intercept, classes, kind, link, feat = _fitted_parts(model)
    if link != "logit":
        raise ParameterError(f"to_sql: only the logit link has a portable SQL form; this model "
                             f"uses link={link!r} (probit needs the normal CDF, which standard "
                             "SQL lacks)")
    d = coef.shape[1]
    if columns is None:
        if feat is None:
            raise ParameterError("to_sql: the model has no feature names (fitted on an array); "
                                 "pass columns=[...] naming the table column of each feature")
        cols = list(feat)
    elif isinstance(columns, dict):
        if feat is None:
            raise ParameterError("to_sql: columns= as a dict needs a model with feature names; "
                                 "pass a list in feature order instead")
        missing = [f for f in feat if f not in columns]
        if missing:
            raise ParameterError(f"to_sql: columns= has no entry for features {missing}")
        cols = [columns[f] for f in feat]
    else:
        cols = list(columns)
    if len(cols) != d:
        raise ParameterError(f"to_sql: {len(cols)} columns given for a model with {d} features")
    if isinstance(table, (tuple, list)):
        source = ".".join(quote_identifier(t) for t in table)
    else:
        source = quote_identifier(table)
    keep = list(keep)
    k_rows = coef.shape[0]
    if names is None:
        out_classes = [classes[1]] if kind == "binary" else list(classes)
        names = [f"{prefix}{c}" for c in out_classes]
    names = list(names)
    if len(names) != (1 if kind == "binary" else len(classes)):
        raise ParameterError(f"to_sql: names= needs {1 if kind == 'binary' else len(classes)} entries")
    etas = [f"__logitlab_eta{k}" for k in range(k_rows)]
    all_out = keep + names
    clash = sorted({n for n in all_out if all_out.count(n) > 1 or n.startswith("__logitlab_")})
    if clash:
        raise ParameterError(f"to_sql: output column names collide: {clash}; use keep=, prefix= or names=")
    q_keep = [quote_identifier(c) for c in keep]
    q_cols = [quote_identifier(c) for c in cols]

    def linear(k):
        terms = [_num(intercept[k])]
        terms += [f"{_num(coef[k, j])} * {q_cols[j]}" for j in range(d)]
        return " + ".join(terms)

    inner = ",\n    ".join(q_keep + [f"{linear(k)} AS {quote_identifier(e)}" for k, e in enumerate(etas)])
    q_etas = [quote_identifier(e) for e in etas]
    def sigmoid(q_eta):
        return f"1.0 / (1.0 + EXP({_clamp('(-' + q_eta + ')')}))"

    if kind in ("binary", "multilabel"):
        outer = ",\n  ".join(q_keep + [f"{sigmoid(e)} AS {quote_identifier(nm)}" for e, nm in zip(q_etas, names)])
        return (f"SELECT\n  {outer}\nFROM (\n  SELECT\n    {inner}\n  FROM {source}\n) AS \"__logitlab_scores\"")
    if kind == "ovr":  # one sigmoid per class, normalised to sum to one (as predict_proba)
        q_sig = [quote_identifier(f"__logitlab_sig{k}") for k in range(k_rows)]
        sigs = ",\n    ".join(q_keep + [f"{sigmoid(e)} AS {qs}" for e, qs in zip(q_etas, q_sig)])
        total = " + ".join(q_sig)
        outer = ",\n  ".join(q_keep + [f"{qs} / ({total}) AS {quote_identifier(nm)}" for qs, nm in zip(q_sig, names)])
        return (f"SELECT\n  {outer}\nFROM (\n  SELECT\n    {sigs}\n  FROM (\n    SELECT\n    {inner}\n"
                f"    FROM {source}\n  ) AS \"__logitlab_logits\"\n) AS \"__logitlab_sigmoids\"")
    # multinomial: subtract the row maximum (a portable CASE chain, no GREATEST / MAX(a, b))
    whens = []
    for k in range(k_rows - 1):
        cond = " AND ".join(f"{q_etas[k]} >= {q_etas[j]}" for j in range(k + 1, k_rows))
        whens.append(f"WHEN {cond} THEN {q_etas[k]}")
    mx = "CASE " + " ".join(whens) + f" ELSE {q_etas[-1]} END"
    q_max = quote_identifier("__logitlab_max")
    middle = ",\n      ".join(q_keep + q_etas + [f"{mx} AS {q_max}"])
    floor = _num(-_CLAMP)
    q_exps = [quote_identifier(f"__logitlab_exp{k}") for k in range(k_rows)]
    diffs = [f"({e} - {q_max})" for e in q_etas]
    exps = ",\n    ".join(q_keep + [f"EXP(CASE WHEN {dz} < {floor} THEN {floor} ELSE {dz} END) AS {qe}"
                                    for dz, qe in zip(diffs, q_exps)])
    denom = " + ".join(q_exps)
    outer = ",\n  ".join(q_keep + [f"{q_exps[k]} / ({denom}) AS {quote_identifier(names[k])}"
                                   for k in range(k_rows)])
    return (f"SELECT\n  {outer}\nFROM (\n  SELECT\n    {exps}\n  FROM (\n    SELECT\n      {middle}\n"
            f"    FROM (\n      SELECT\n      {inner}\n      FROM {source}\n    ) AS \"__logitlab_logits\"\n"
            f"  ) AS \"__logitlab_shifted\"\n) AS \"__logitlab_exps\"")
