"""What export reads from a fitted estimator (logitlab's, its CV wrapper or scikit-learn's)."""
from __future__ import annotations

import numpy as np

from .._errors import DataError


def fitted_parts(model):
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
