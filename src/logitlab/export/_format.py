"""The JSON model file format: its fields and its version.

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

FORMAT = "logitlab-model"
SCHEMA_VERSION = 1
KINDS = ("binary", "multinomial", "ovr", "multilabel")
LINKS = ("logit", "probit", "cloglog")
EXTRAS = ("preprocessing", "threshold", "metadata")


def logitlab_version() -> str:
    from .. import __version__
    return __version__
