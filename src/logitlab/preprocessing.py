"""TabularEncoder: from a pandas DataFrame to the numeric design matrix a model is fitted on.

Rules (stated once, also in docs/decisions-paths-export.md):

- numeric columns (int / float, not bool) pass through, optionally standardised with the mean
  and population standard deviation (ddof=0) seen in ``fit``; a constant column keeps scale 1;
- text, categorical and bool columns are one-hot encoded against a *reference level*: the
  first level in sorted order (numbers numerically, everything else by its text; for a pandas
  ``Categorical`` the declared category order; bool: ``False``). Only levels seen in ``fit``
  are encoded. The reference can be set per column with ``reference={"region": "north"}``;
- output names follow formulaic / patsy: ``region[T.north]``; numeric columns keep their name;
- ``transform`` raises a clear :class:`~logitlab.DataError` for missing columns, for levels not
  seen in ``fit`` (naming column and levels) and for missing values (naming columns and
  counts); columns not seen in ``fit`` are ignored (a serving table may carry ids and other
  fields); :meth:`TabularEncoder.check_columns` returns them for callers that want to report;
- ``to_dict`` / ``from_dict`` give a JSON-safe description, stored by
  ``logitlab.export.save(model, path, preprocessing=encoder.to_dict())``.
"""
from __future__ import annotations

import math
import numbers

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from ._errors import DataError, DataTypeError, ParameterError

__all__ = ["TabularEncoder"]

_KIND = "logitlab.TabularEncoder"
_VERSION = 1


def _level_key(value) -> str:
    """The text a level is matched by (JSON-safe, the same at fit, transform and after load)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_missing(series: pd.Series) -> np.ndarray:
    return np.asarray(series.isna(), dtype=bool)


def _is_numeric(series: pd.Series) -> bool:
    dtype = series.dtype
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def _describe_counts(counts: dict) -> str:
    return ", ".join(f"{name!r} ({n} row{'s' if n != 1 else ''})" for name, n in counts.items())


class TabularEncoder(BaseEstimator):
    """Encode a DataFrame: numeric columns pass through, other columns become treatment dummies.

    Parameters
    ----------
    standardize : bool, default False
        Centre and scale numeric columns (mean, population std from ``fit``). Dummies are
        never scaled.
    categorical : list of str, optional
        Numeric columns to treat as categorical (e.g. integer codes).
    reference : dict, optional
        Column -> reference level, overriding "first level in sorted order".
    as_frame : bool, default True
        ``transform`` returns a DataFrame with ``feature_names_`` as columns (so a model fitted
        on it records the feature names); False returns a float ndarray.
    """

    def __init__(self, standardize=False, categorical=None, reference=None, as_frame=True):
        self.standardize = standardize
        self.categorical = categorical
        self.reference = reference
        self.as_frame = as_frame

    # -- fitting --------------------------------------------------------------------------
    def fit(self, df, y=None):
        df = self._check_frame(df, "fit")
        if df.shape[1] == 0:
            raise DataError("TabularEncoder.fit: the DataFrame has no columns")
        if df.shape[0] == 0:
            raise DataError("TabularEncoder.fit: the DataFrame has no rows")
        forced = list(self.categorical or [])
        unknown = [c for c in forced if c not in df.columns]
        if unknown:
            raise ParameterError(f"TabularEncoder: categorical= names columns not in the data: {unknown}")
        reference = dict(self.reference or {})
        unknown = [c for c in reference if c not in df.columns]
        if unknown:
            raise ParameterError(f"TabularEncoder: reference= names columns not in the data: {unknown}")
        self._check_missing(df, list(df.columns), "fit")

        columns = []
        for name in df.columns:
            s = df[name]
            if pd.api.types.is_datetime64_any_dtype(s.dtype) or pd.api.types.is_timedelta64_dtype(s.dtype):
                raise DataTypeError(
                    f"TabularEncoder.fit: column {name!r} has type {s.dtype}; convert it to "
                    "numbers or text first")
            if _is_numeric(s) and name not in forced:
                values = np.asarray(s, dtype=float)
                if not np.all(np.isfinite(values)):
                    raise DataError(f"TabularEncoder.fit: column {name!r} has infinite values "
                                    f"({int(np.sum(~np.isfinite(values)))} rows)")
                spec = {"name": name, "kind": "numeric"}
                if self.standardize:
                    mean = float(np.mean(values))
                    scale = float(np.std(values))
                    spec["mean"] = mean
                    spec["scale"] = scale if scale > 0 and math.isfinite(scale) else 1.0
                columns.append(spec)
                continue
            levels = self._levels(s)
            keys = [_level_key(v) for v in levels]
            if len(set(keys)) != len(keys):
                raise DataTypeError(
                    f"TabularEncoder.fit: column {name!r} has levels that differ only in type "
                    f"(e.g. 1 and '1'): {keys}; make the column one type first")
            ref = keys[0]
            if name in reference:
                ref = _level_key(reference[name])
                if ref not in keys:
                    raise ParameterError(
                        f"TabularEncoder: reference level {ref!r} for column {name!r} is not "
                        f"among its levels {keys}")
            columns.append({"name": name, "kind": "categorical", "levels": keys, "reference": ref})
        self._set_columns(columns)
        return self

    def _levels(self, s: pd.Series) -> list:
        if isinstance(s.dtype, pd.CategoricalDtype):
            present = set(s.dropna().unique().tolist())
            return [c for c in s.dtype.categories.tolist() if c in present]
        values = [v.item() if isinstance(v, np.generic) else v for v in s.dropna().unique().tolist()]
        if all(isinstance(v, bool) for v in values):
            return sorted(values)
        if all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values):
            return sorted(values)
        return sorted(values, key=_level_key)

    def _set_columns(self, columns):
        self.columns_ = columns
        names = []
        for spec in columns:
            if spec["kind"] == "numeric":
                names.append(spec["name"])
            else:
                names.extend(f"{spec['name']}[T.{lvl}]" for lvl in spec["levels"] if lvl != spec["reference"])
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise DataError(f"TabularEncoder: encoded feature names collide: {dup}; rename the columns")
        self.feature_names_ = names
        self.feature_names_in_ = np.asarray([c["name"] for c in columns], dtype=object)
        self.n_features_in_ = len(columns)

    # -- transforming ---------------------------------------------------------------------
    def transform(self, df):
        self._check_fitted()
        df = self._check_frame(df, "transform")
        self.check_columns(df)
        self._check_missing(df, [c["name"] for c in self.columns_], "transform")
        n = df.shape[0]
        blocks = []
        for spec in self.columns_:
            s = df[spec["name"]]
            if spec["kind"] == "numeric":
                if not _is_numeric(s):
                    raise DataTypeError(
                        f"TabularEncoder.transform: column {spec['name']!r} was numeric in fit "
                        f"but has type {s.dtype} now")
                v = np.asarray(s, dtype=float)
                if not np.all(np.isfinite(v)):
                    raise DataError(f"TabularEncoder.transform: column {spec['name']!r} has "
                                    f"infinite values ({int(np.sum(~np.isfinite(v)))} rows)")
                if "mean" in spec:
                    v = (v - spec["mean"]) / spec["scale"]
                blocks.append(v[:, None])
                continue
            keys = np.asarray([_level_key(v) for v in s.tolist()], dtype=object)
            known = set(spec["levels"])
            unseen = sorted({k for k in keys.tolist() if k not in known})
            if unseen:
                shown = ", ".join(repr(u) for u in unseen[:10]) + (" ..." if len(unseen) > 10 else "")
                raise DataError(
                    f"TabularEncoder.transform: column {spec['name']!r} has levels not seen in "
                    f"fit: {shown} (known levels: {spec['levels']})")
            dummies = [lvl for lvl in spec["levels"] if lvl != spec["reference"]]
            block = np.zeros((n, len(dummies)))
            for j, lvl in enumerate(dummies):
                block[:, j] = keys == lvl
            blocks.append(block)
        out = np.hstack(blocks) if blocks else np.zeros((n, 0))
        if self.as_frame:
            return pd.DataFrame(out, columns=list(self.feature_names_), index=df.index)
        return out

    def fit_transform(self, df, y=None):
        return self.fit(df).transform(df)

    def get_feature_names_out(self, input_features=None):
        self._check_fitted()
        return np.asarray(self.feature_names_, dtype=object)

    def check_columns(self, df) -> list:
        """Raise DataError for columns missing from df; return the columns that will be ignored."""
        self._check_fitted()
        needed = [c["name"] for c in self.columns_]
        missing = [c for c in needed if c not in df.columns]
        if missing:
            raise DataError(f"TabularEncoder.transform: missing columns {missing} "
                            f"(the encoder was fitted on {needed})")
        return [c for c in df.columns if c not in set(needed)]

    # -- JSON -----------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """A JSON-safe description (plain dicts, lists, str, float, bool)."""
        self._check_fitted()
        return {
            "kind": _KIND,
            "version": _VERSION,
            "standardize": bool(self.standardize),
            "columns": [dict(c, levels=list(c["levels"])) if c["kind"] == "categorical" else dict(c)
                        for c in self.columns_],
            "feature_names": list(self.feature_names_),
        }

    @classmethod
    def from_dict(cls, data) -> "TabularEncoder":
        """Rebuild a fitted encoder from :meth:`to_dict` output; DataError names a bad field."""
        where = "preprocessing"
        if not isinstance(data, dict):
            raise DataError(f"{where}: expected an object, got {type(data).__name__}")
        for key in ("kind", "version", "standardize", "columns"):
            if key not in data:
                raise DataError(f"{where}: missing field '{where}.{key}'")
        if data["kind"] != _KIND:
            raise DataError(f"{where}.kind: expected {_KIND!r}, got {data['kind']!r}")
        if not isinstance(data["version"], int) or isinstance(data["version"], bool):
            raise DataError(f"{where}.version: expected an integer")
        if data["version"] > _VERSION:
            raise DataError(f"{where}.version: encoder format {data['version']} is newer than "
                            f"this logitlab reads ({_VERSION}); upgrade logitlab")
        if not isinstance(data["standardize"], bool):
            raise DataError(f"{where}.standardize: expected true or false")
        if not isinstance(data["columns"], list) or not data["columns"]:
            raise DataError(f"{where}.columns: expected a non-empty list")
        columns = []
        for i, c in enumerate(data["columns"]):
            at = f"{where}.columns[{i}]"
            if not isinstance(c, dict):
                raise DataError(f"{at}: expected an object")
            for key in ("name", "kind"):
                if key not in c:
                    raise DataError(f"{at}: missing field '{key}'")
            if not isinstance(c["name"], str):
                raise DataError(f"{at}.name: expected a string")
            if c["kind"] == "numeric":
                spec = {"name": c["name"], "kind": "numeric"}
                if data["standardize"]:
                    for key in ("mean", "scale"):
                        v = c.get(key)
                        if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
                            raise DataError(f"{at}.{key}: expected a finite number")
                    if c["scale"] <= 0:
                        raise DataError(f"{at}.scale: expected a positive number")
                    spec["mean"], spec["scale"] = float(c["mean"]), float(c["scale"])
            elif c["kind"] == "categorical":
                levels, ref = c.get("levels"), c.get("reference")
                if not isinstance(levels, list) or not levels or not all(isinstance(v, str) for v in levels):
                    raise DataError(f"{at}.levels: expected a non-empty list of strings")
                if len(set(levels)) != len(levels):
                    raise DataError(f"{at}.levels: duplicated levels")
                if not isinstance(ref, str) or ref not in levels:
                    raise DataError(f"{at}.reference: expected one of the levels")
                spec = {"name": c["name"], "kind": "categorical", "levels": list(levels), "reference": ref}
            else:
                raise DataError(f"{at}.kind: expected 'numeric' or 'categorical', got {c['kind']!r}")
            columns.append(spec)
        enc = cls(standardize=data["standardize"])
        enc._set_columns(columns)
        names = data.get("feature_names")
        if names is not None and names != enc.feature_names_:
            raise DataError(f"{where}.feature_names: do not match the columns "
                            f"(expected {enc.feature_names_})")
        return enc

    # -- helpers --------------------------------------------------------------------------
    def _check_fitted(self):
        if not hasattr(self, "columns_"):
            from sklearn.exceptions import NotFittedError
            raise NotFittedError("TabularEncoder is not fitted; call fit(df) first")

    @staticmethod
    def _check_frame(df, where):
        if not isinstance(df, pd.DataFrame):
            raise DataTypeError(f"TabularEncoder.{where}: expected a pandas DataFrame, "
                                f"got {type(df).__name__}")
        bad = [c for c in df.columns if not isinstance(c, str)]
        if bad:
            raise DataTypeError(f"TabularEncoder.{where}: column names must be strings, got {bad[:5]}")
        if df.columns.has_duplicates:
            dup = sorted(set(df.columns[df.columns.duplicated()]))
            raise DataError(f"TabularEncoder.{where}: duplicated column names {dup}")
        return df

    @staticmethod
    def _check_missing(df, names, where):
        counts = {}
        for name in names:
            n = int(_is_missing(df[name]).sum())
            if n:
                counts[name] = n
        if counts:
            raise DataError(f"TabularEncoder.{where}: missing values in columns "
                            f"{_describe_counts(counts)}; impute or drop them first")
