"""Helpers shared by the subcommands: reading tables with clear errors, design matrices,
atomic writes, terminal-only progress, and the fit -> evaluate -> report pipeline."""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import warnings

import numpy as np
import pandas as pd

from .._errors import DataError, ParameterError
from .._io import atomic_write  # noqa: F401  (used by the commands as C.atomic_write)


# -- terminal ---------------------------------------------------------------------------------
def progress(message: str) -> None:
    """A status line on stderr, only when stderr is a terminal (quiet in pipes and logs)."""
    if sys.stderr.isatty():
        print(f"... {message}", file=sys.stderr, flush=True)


def parser(sub, name, help, description, epilog):
    return sub.add_parser(name, help=help, description=description, epilog=epilog,
                          formatter_class=argparse.RawDescriptionHelpFormatter)


# -- options shared by several subcommands (declared once: same flags, help and behaviour) ----
def add_table_options(p) -> None:
    """--sep and --drop-missing, for commands reading a CSV / Parquet DATA file."""
    p.add_argument("--sep", metavar="CHAR", help="CSV delimiter (default ','), e.g. --sep ';'")
    p.add_argument("--drop-missing", action="store_true",
                   help="drop rows with missing values (default: stop with an error naming them)")


def add_out_option(p, default: str, example: str) -> None:
    """--out DIR, the output folder (created if missing)."""
    p.add_argument("--out", default=default, metavar="DIR",
                   help=f"output folder (default ./{default}), e.g. --out {example}")


def add_threshold_option(p) -> None:
    """--threshold T, for commands applying a saved binary model."""
    p.add_argument("--threshold", type=float, metavar="T",
                   help="decision threshold: positive when p >= T (default: the model's threshold), "
                        "e.g. --threshold 0.3")


def decision_threshold(threshold, bundle) -> float | None:
    """The threshold a saved model is applied with: --threshold, else the model's, else 0.5;
    None for multiclass models (argmax). Refuses --threshold for multiclass models or outside
    [0, 1]."""
    n_classes = len(bundle.model.classes_)
    if threshold is not None and (n_classes != 2 or not 0 <= threshold <= 1):
        raise ParameterError("--threshold needs a binary model and a value in [0, 1]"
                             f" (got {threshold}, model has {n_classes} classes)")
    if n_classes != 2:
        return None
    if threshold is not None:
        return threshold
    return bundle.threshold if bundle.threshold is not None else 0.5


# -- reading ----------------------------------------------------------------------------------
def read_table(path: str, sep: str | None = None) -> pd.DataFrame:
    """Read CSV (any other extension is read as CSV) or Parquet (.parquet / .pq)."""
    if not os.path.exists(path):
        raise DataError(f"{path}: no such file; check the path")
    if os.path.isdir(path):
        raise DataError(f"{path}: is a folder, expected a CSV or Parquet file")
    if not os.access(path, os.R_OK):
        raise DataError(f"{path}: cannot be read (permission denied)")
    size = os.path.getsize(path)
    if size > 50_000_000:
        progress(f"reading {path} ({size / 1e6:.0f} MB)")
    if path.lower().endswith((".parquet", ".pq")):
        try:
            return pd.read_parquet(path)
        except ImportError:
            raise DataError(f"{path}: reading Parquet needs pyarrow: pip install 'logitlab[parquet]'") from None
        except Exception as exc:  # noqa: BLE001 - any parser failure is a data error here
            raise DataError(f"{path}: not a readable Parquet file ({type(exc).__name__}: {exc})") from None
    try:
        with open(path, "rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror})") from None
    if b"\x00" in head:
        raise DataError(f"{path}: looks like a binary file, not CSV text; give a CSV or Parquet file")
    try:
        frame = pd.read_csv(path, sep=sep or ",", encoding="utf-8")
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text; re-save it as UTF-8 CSV") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty") from None
    except pd.errors.ParserError as exc:
        raise DataError(f"{path}: not a readable CSV file ({str(exc).strip().splitlines()[-1]})") from None
    if sep is None and frame.shape[1] == 1:
        guess = _sniff(head.decode("utf-8", "replace"))
        if guess:
            raise DataError(f"{path}: only one column was found with ',' as delimiter but the file "
                            f"seems to use {guess!r}; pass --sep {_shell(guess)}")
    if frame.shape[0] == 0:
        raise DataError(f"{path}: has a header but no rows")
    return frame


def _sniff(text: str) -> str | None:
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    if not lines:
        return None
    try:
        found = csv.Sniffer().sniff("\n".join(lines), delimiters=";\t|: ").delimiter
    except csv.Error:
        found = None
    if found and found != ",":
        return found
    for d in (";", "\t", "|"):
        counts = {ln.count(d) for ln in lines}
        if len(counts) == 1 and counts.pop() > 0:
            return d
    return None


def _shell(d: str) -> str:
    return {"\t": "$'\\t'", " ": "' '"}.get(d, f"'{d}'")


def check_target(frame: pd.DataFrame, target: str, path: str) -> None:
    if target not in frame.columns:
        cols = ", ".join(map(str, frame.columns[:20])) + (" ..." if frame.shape[1] > 20 else "")
        raise DataError(f"{path}: no target column {target!r}; columns are: {cols}")


def handle_missing(frame: pd.DataFrame, columns: list, drop: bool, path: str) -> pd.DataFrame:
    """Error naming columns and row counts, or drop the rows when ``drop``."""
    miss = frame[columns].isna()
    rows = miss.any(axis=1)
    if not rows.any():
        return frame
    if drop:
        print(f"logitlab: dropped {int(rows.sum())} of {len(frame)} rows with missing values",
              file=sys.stderr)
        kept = frame.loc[~rows]
        if kept.empty:
            raise DataError(f"{path}: every row has a missing value; nothing left to use")
        return kept
    per = miss.sum()
    detail = ", ".join(f"{c} ({int(n)} row{'s' if n != 1 else ''})" for c, n in per.items() if n)
    raise DataError(f"{path}: missing values in {detail}; {int(rows.sum())} rows affected. "
                    "Fill them in, or pass --drop-missing to drop those rows")


def target_classes(y: pd.Series, path: str, target: str) -> np.ndarray:
    classes = np.unique(y.to_numpy())
    if classes.size < 2:
        raise DataError(f"{path}: target {target!r} has one class only ({classes[0]!r}); "
                        "logistic regression needs two or more")
    return classes


# -- design -----------------------------------------------------------------------------------
def design(frame: pd.DataFrame, features: list, *, formula=None, encoder=None,
           standardize=False, fit=False):
    """(X DataFrame, encoder-or-None). Formulas go through formulaic (intercept column dropped:
    the model fits its own); otherwise a TabularEncoder one-hot encodes text columns."""
    if formula:
        try:
            from formulaic import model_matrix
            mm = model_matrix(formula, frame, na_action="raise")
        except Exception as exc:  # noqa: BLE001 - formula errors are user errors
            raise ParameterError(f"formula {formula!r}: {exc}") from None
        X = pd.DataFrame(np.asarray(mm, dtype=float), columns=list(mm.columns), index=frame.index)
        X = X.drop(columns=[c for c in X.columns if c == "Intercept"])
        if X.shape[1] == 0:
            raise ParameterError(f"formula {formula!r}: gives no columns besides the intercept")
        return X, None
    from ..preprocessing import TabularEncoder
    if fit:
        encoder = TabularEncoder(standardize=standardize).fit(frame[features])
    return encoder.transform(frame[features]), encoder


def formula_design(frame, formula, feature_names):
    """Rebuild a formula design at predict time, aligned to the training feature names."""
    X, _ = design(frame, [], formula=formula)
    missing = [c for c in feature_names if c not in X.columns]
    dummies = [c for c in missing if "[T." in c]
    for c in dummies:  # a level absent from this data: its dummy is all zero
        X[c] = 0.0
    missing = [c for c in missing if c not in dummies]
    if missing:
        raise DataError(f"the formula gives no columns {missing} on this data")
    return X[list(feature_names)]


# -- writing ----------------------------------------------------------------------------------
def write_outputs(folder: str, files: dict[str, str]) -> list[str]:
    """Write every file atomically (temporary name in the folder, fsync, rename)."""
    os.makedirs(folder, exist_ok=True)
    written = []
    for name, text in files.items():
        target = os.path.join(folder, name)
        atomic_write(target, text)
        written.append(target)
    return written


def dumps(obj) -> str:
    from .._eval_report import json_safe
    return json.dumps(json_safe(obj), indent=1, allow_nan=False) + "\n"


def catch_warnings():
    """Context manager recording logitlab / numerical warnings for the report."""
    ctx = warnings.catch_warnings(record=True)
    return ctx


# -- saved models -----------------------------------------------------------------------------
def load_model(path: str):
    from ..export import load_bundle
    if not os.path.exists(path):
        raise DataError(f"{path}: no such model file; give the model.json written by 'logitlab fit'")
    return load_bundle(path)


def bundle_design(bundle, frame: pd.DataFrame, path: str, drop_missing: bool = False):
    """(design X, frame actually used) for new data, checking its columns against training."""
    meta = bundle.metadata or {}
    target = meta.get("target")
    formula = meta.get("formula")
    names = list(getattr(bundle.model, "feature_names_in_", []))
    if formula:
        needed = None
    elif bundle.preprocessing is not None:
        needed = [c["name"] for c in bundle.preprocessing["columns"]]
    else:
        needed = names
    if needed is not None:
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise DataError(f"{path}: columns differ from training: missing {missing} "
                            f"(the model was trained on {needed})")
        extra = [c for c in frame.columns if c not in needed and c != target]
        if extra:
            print(f"logitlab: ignoring columns not used by the model: {extra[:10]}", file=sys.stderr)
        frame = handle_missing(frame, needed, drop_missing, path)
        if bundle.preprocessing is not None:
            return bundle.encoder().transform(frame[needed]), frame
        return frame[needed], frame
    frame = handle_missing(frame, [c for c in frame.columns if c != target], drop_missing, path)
    return formula_design(frame, formula, names), frame
