"""Export: versioned JSON model files (no pickle) and SQL.

- ``_format``: the model file's fields and schema version;
- ``_fitted``: what export reads from a fitted estimator;
- ``json_write``: ``save`` and ``model_to_dict``;
- ``json_read``: ``load``, ``load_bundle``, ``bundle_from_dict`` and ``ModelBundle``;
- ``sql``: ``to_sql``, a SELECT computing the probabilities of a logit model.
"""
from __future__ import annotations

# model_to_dict, bundle_from_dict, quote_identifier and FORMAT stay importable from here
# (as before the split) without being part of __all__
from ._format import FORMAT, SCHEMA_VERSION  # noqa: F401
from .json_read import ModelBundle, bundle_from_dict, load, load_bundle  # noqa: F401
from .json_write import model_to_dict, save  # noqa: F401
from .sql import quote_identifier, to_sql  # noqa: F401

__all__ = ["save", "load", "load_bundle", "to_sql", "ModelBundle", "SCHEMA_VERSION"]
