"""Scorecards: points scaling and reason codes for a binary logit model.

Scaling. With eta = intercept + x . coef the model's log-odds of ``classes_[1]``, the score is

    score = offset + factor * ln(odds_good_bad),   factor = pdo / ln 2,
    offset = points0 - factor * ln(odds0),

where odds_good_bad = P(good) / P(bad). **Points rise with the good:bad odds**: a score of
``points0`` means good:bad odds of ``odds0``, and every ``pdo`` points double those odds. The
bad outcome is ``classes_[1]`` by default (the event the model predicts: default, fraud,
churn), so ln(odds_good_bad) = -eta; pass ``bad_class=classes_[0]`` when the model's
positive class is the good outcome (then ln(odds_good_bad) = +eta).

Points per feature. With s = -1 (bad is classes_[1]) or +1 and b the baseline profile,

    score = baseline_score + sum_j points_j,
    baseline_score = offset + factor * s * (intercept + coef . b),
    points_j       = factor * s * coef_j * (x_j - b_j),

so the feature points of a row sum with the baseline score to its total score exactly, and
the total maps back to the model's log-odds exactly: eta = s * (score - offset) / factor.

Baselines. ``baseline="mean"``: b is the mean of the ``reference`` data (the typical applicant);
a feature's points say how much it moved this row's score away from the typical score.
``baseline="best"``: each b_j is the value in the feature's bounds [lower_j, upper_j] that
scores highest (the upper bound when the feature raises the score, else the lower bound), so
every feature's points are <= 0 and the baseline score is the best attainable score. Bounds
come from ``bounds={name: (lower, upper)}`` or else from the range observed in ``reference``.

Reason codes. For each row, the ``k`` features with the largest point losses relative to the
baseline (loss_j = -points_j > 0), largest first; features that did not lower the score are
never reasons (ties keep the feature order).
"""
from __future__ import annotations

import math
import numbers

import numpy as np
import pandas as pd

from ._errors import DataError, DataTypeError, ParameterError
from ._eval_inputs import check_choice, check_fitted_classifier

__all__ = ["Scorecard"]


def _positive(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
            math.isfinite(value) and value > 0):
        raise ParameterError(f"{name} must be a positive finite number; got {value!r}.")
    return float(value)


class Scorecard:
    """Points, scores and reason codes of a fitted binary logit model (see module docstring).

    Parameters
    ----------
    model : fitted binary logit classifier with ``coef_`` (1, d) and ``intercept_`` (1,)
    points0, odds0, pdo : score ``points0`` at good:bad odds ``odds0``; ``pdo`` points double
        the odds (defaults 600 at 50:1, 20 points to double)
    bad_class : the label of the bad outcome (default ``model.classes_[1]``)
    baseline : "mean" or "best" (see module docstring)
    reference : data defining the baseline (its mean, or its observed range for "best")
    bounds : {feature: (lower, upper)} for ``baseline="best"``, overriding the observed range
    feature_names : names of the d columns (default: ``model.feature_names_in_`` or x0..)
    """

    def __init__(self, model, *, points0=600.0, odds0=50.0, pdo=20.0, bad_class=None,
                 baseline="mean", reference=None, bounds=None, feature_names=None):
        classes = check_fitted_classifier(model)
        coef = np.asarray(getattr(model, "coef_", None), dtype=float)
        if len(classes) != 2 or coef.ndim != 2 or coef.shape[0] != 1:
            raise ParameterError(
                "Scorecard needs a binary model with coef_ of shape (1, d); this model has "
                f"{len(classes)} classes and coef_ of shape {coef.shape}.")
        link = getattr(model, "link", "logit")
        if link != "logit":
            raise ParameterError(f"Scorecard points are log-odds; the model uses link={link!r}. "
                                 "Refit with link='logit'.")
        self.model = model
        if isinstance(points0, bool) or not isinstance(points0, numbers.Real) or not (
                math.isfinite(points0)):
            raise ParameterError(f"points0 must be a finite number; got {points0!r}.")
        self.points0 = float(points0)
        self.odds0 = _positive(odds0, "odds0")
        self.pdo = _positive(pdo, "pdo")
        self.factor = self.pdo / math.log(2.0)
        self.offset = self.points0 - self.factor * math.log(self.odds0)
        labels = [c.item() if hasattr(c, "item") else c for c in classes]
        self.bad_class = labels[1] if bad_class is None else bad_class
        if self.bad_class not in labels:
            raise ParameterError(f"bad_class {bad_class!r} is not one of the model's classes "
                                 f"{labels}.")
        self.good_class = labels[0] if self.bad_class == labels[1] else labels[1]
        self.sign = -1.0 if self.bad_class == labels[1] else 1.0
        self.coef = coef[0]
        self.intercept = float(np.ravel(model.intercept_)[0])
        d = self.coef.size
        names = feature_names if feature_names is not None else getattr(
            model, "feature_names_in_", None)
        self.feature_names = ([f"x{j}" for j in range(d)] if names is None
                              else [str(n) for n in names])
        if len(self.feature_names) != d:
            raise ParameterError(f"{len(self.feature_names)} feature names for {d} coefficients.")
        self.points_per_unit = self.factor * self.sign * self.coef
        self.baseline = check_choice(baseline, ("mean", "best"), name="baseline")
        ref = None if reference is None else self._matrix(reference, name="reference")
        if ref is not None and ref.shape[0] == 0:
            raise DataError("reference is empty; pass the data that defines the baseline.")
        self.lower, self.upper = self._bounds(bounds, ref)
        if baseline == "mean":
            if ref is None:
                raise ParameterError('baseline="mean" needs reference=X (e.g. the training data).')
            self.baseline_values = ref.mean(axis=0)
        else:
            self.baseline_values = np.where(self.points_per_unit > 0, self.upper, self.lower)
            self.baseline_values = np.where(self.coef == 0, self.lower, self.baseline_values)
            if not np.isfinite(self.baseline_values).all():
                missing = [n for n, v in zip(self.feature_names, self.baseline_values)
                           if not np.isfinite(v)]
                raise ParameterError(
                    f'baseline="best" needs finite bounds; missing for {missing}. Pass '
                    "reference=X or bounds={name: (lower, upper)}.")
        self.baseline_score = float(self.offset + self.factor * self.sign * (
            self.intercept + self.coef @ self.baseline_values))

    # ------------------------------------------------------------------ inputs
    def _matrix(self, X, name="X") -> np.ndarray:
        if isinstance(X, pd.DataFrame):
            missing = [n for n in self.feature_names if n not in X.columns]
            if missing:
                raise DataError(f"{name} lacks column(s) {missing} of the scorecard.")
            X = X[self.feature_names]
        try:
            A = np.asarray(X, dtype=float)
        except (TypeError, ValueError) as exc:
            raise DataTypeError(f"{name} must be numeric (the model's design columns); "
                                f"{exc}") from exc
        if A.ndim == 1:
            A = A.reshape(1, -1)
        if A.ndim != 2 or A.shape[1] != self.coef.size:
            raise DataError(f"{name} has shape {A.shape}; expected (n, {self.coef.size}).")
        if not np.isfinite(A).all():
            rows = np.flatnonzero(~np.isfinite(A).all(axis=1))
            raise DataError(f"{name} has NaN or infinite values in {rows.size} row(s) (first: "
                            f"{rows[:5].tolist()}); impute or drop them before scoring.")
        return A

    def _bounds(self, bounds, ref):
        d = self.coef.size
        lower = ref.min(axis=0) if ref is not None else np.full(d, -np.inf)
        upper = ref.max(axis=0) if ref is not None else np.full(d, np.inf)
        for name, pair in (bounds or {}).items():
            if name not in self.feature_names:
                raise ParameterError(f"bounds given for unknown feature {name!r}; features are "
                                     f"{self.feature_names}.")
            lo, hi = (float(v) for v in pair)
            if not lo <= hi:
                raise ParameterError(f"bounds for {name!r}: lower {lo} > upper {hi}.")
            j = self.feature_names.index(name)
            lower[j], upper[j] = lo, hi
        return lower, upper

    # ------------------------------------------------------------------ scores
    def log_odds(self, X) -> np.ndarray:
        """The model's log-odds of ``classes_[1]``: intercept + X . coef."""
        return self.intercept + self._matrix(X) @ self.coef

    def score(self, X) -> np.ndarray:
        """Total score per row: offset + factor * ln(good:bad odds)."""
        return self.offset + self.factor * self.sign * self.log_odds(X)

    def score_to_log_odds(self, score) -> np.ndarray:
        """Invert ``score``: the model's log-odds of ``classes_[1]``."""
        return self.sign * (np.asarray(score, dtype=float) - self.offset) / self.factor

    def points(self, X) -> pd.DataFrame:
        """Per-row points: "baseline_score", one column per feature, and "score" (their sum)."""
        A = self._matrix(X)
        pts = (A - self.baseline_values) * self.points_per_unit
        frame = pd.DataFrame(pts, columns=self.feature_names, index=_index(X, A.shape[0]))
        frame.insert(0, "baseline_score", self.baseline_score)
        frame["score"] = self.baseline_score + pts.sum(axis=1)
        return frame

    def reason_codes(self, X, k=3) -> pd.DataFrame:
        """Top-``k`` features lowering each row's score: columns reason_i and points_lost_i.

        Rows with fewer than ``k`` score-lowering features have None / NaN in the rest.
        """
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
            raise ParameterError(f"k must be a positive integer; got {k!r}.")
        A = self._matrix(X)
        loss = -(A - self.baseline_values) * self.points_per_unit
        k = min(int(k), loss.shape[1])
        order = np.argsort(-loss, axis=1, kind="stable")[:, :k]
        top = np.take_along_axis(loss, order, axis=1)
        names = np.asarray(self.feature_names, dtype=object)[order]
        out = {}
        for i in range(k):
            hit = top[:, i] > 0
            out[f"reason_{i + 1}"] = np.where(hit, names[:, i], None)
            out[f"points_lost_{i + 1}"] = np.where(hit, top[:, i], np.nan)
        return pd.DataFrame(out, index=_index(X, A.shape[0]))

    # ------------------------------------------------------------------ export
    def scaling(self) -> dict:
        """The scaling constants."""
        return {"points0": self.points0, "odds0": self.odds0, "pdo": self.pdo,
                "factor": self.factor, "offset": self.offset, "bad_class": self.bad_class,
                "good_class": self.good_class, "baseline": self.baseline,
                "baseline_score": self.baseline_score,
                "points_rise_with": "good:bad odds"}

    def table(self) -> pd.DataFrame:
        """The scorecard: one row per feature (points relative to the baseline value)."""
        frame = pd.DataFrame({
            "feature": self.feature_names,
            "coefficient": self.coef,
            "points_per_unit": self.points_per_unit,
            "baseline_value": self.baseline_values,
            "lower": self.lower,
            "upper": self.upper,
            "points_at_lower": (self.lower - self.baseline_values) * self.points_per_unit + 0.0,
            "points_at_upper": (self.upper - self.baseline_values) * self.points_per_unit + 0.0,
        })
        frame.attrs.update(self.scaling())
        return frame

    def to_csv(self, path) -> None:
        """Write ``table()`` as CSV, preceded by '# key=value' lines with the scaling.

        Read it back with ``pandas.read_csv(path, comment="#")``.
        """
        lines = [f"# {k}={v}" for k, v in self.scaling().items()]
        text = "\n".join(lines) + "\n" + self.table().to_csv(index=False)
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)

    def __repr__(self) -> str:
        return (f"Scorecard(points0={self.points0:g}, odds0={self.odds0:g}, pdo={self.pdo:g}, "
                f"bad_class={self.bad_class!r}, baseline={self.baseline!r}, "
                f"features={len(self.feature_names)})")


def _index(X, n):
    return X.index if isinstance(X, pd.DataFrame) else pd.RangeIndex(n)
