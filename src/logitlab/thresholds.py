"""Decision thresholds and prior correction.

``choose_threshold(model, X, y, method=...)`` picks the threshold t of a binary classifier
(a row is predicted positive when P(positive) >= t, the positive class being
``model.classes_[1]``) by one of:

- ``"cost"``: minimum expected cost per row, sum(confusion_matrix * cost_matrix) / n, for a
  2x2 ``cost_matrix`` laid out like scikit-learn's confusion matrix: rows = true class,
  columns = predicted class, [[cost TN, cost FP], [cost FN, cost TP]], costs >= 0;
- ``"f1"``: maximum F1;
- ``"youden"``: maximum Youden's J = recall + specificity - 1 = TPR - FPR;
- ``"recall"``: reach recall >= ``target`` with the highest such threshold (the fewest rows
  flagged, hence the best precision among thresholds reaching the target);
- ``"precision"``: reach precision >= ``target`` with the lowest such threshold (the most rows
  flagged, hence the best recall among thresholds reaching the target).

The search is exact: it scores every distinct partition of the rows, placing each candidate
threshold midway between consecutive distinct predicted probabilities (plus 0, which flags
every row, and a value above the largest probability, which flags none, when it is <= 1).
Ties in the criterion go to the lowest threshold.

``prior_correction(model, population_rate, sample_rate=...)`` is King and Zeng's (2001)
intercept correction for outcome-dependent (case-control) sampling of a binary logit model:
b0 <- b0 - ln[((1 - tau) / tau) * (ybar / (1 - ybar))], with tau the population event rate and
ybar the sample event rate; slopes are unchanged.
"""
from __future__ import annotations

import copy
import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from ._errors import ParameterError
from ._eval_inputs import (check_choice, check_fitted_classifier, check_labels, check_proba,
                           confusion_counts, model_proba)
from ._eval_report import json_safe

__all__ = ["choose_threshold", "choose_threshold_proba", "prior_correction", "ThresholdChoice"]

METHODS = ("cost", "f1", "youden", "recall", "precision")


@dataclass
class ThresholdChoice:
    """What ``choose_threshold`` returns.

    threshold : the chosen threshold (positive when P(positive) >= threshold)
    method, target, cost_matrix : how it was chosen
    value : the criterion at the chosen threshold (expected cost, F1, J, recall or precision)
    confusion_matrix : 2x2 at the threshold, rows = true, columns = predicted
    metrics : accuracy, balanced accuracy, precision, recall, specificity, F1, Youden's J and,
        with a cost matrix, expected cost, all at the threshold
    curve : DataFrame over candidate thresholds: counts, precision, recall, specificity, fpr,
        f1, youden_j, expected_cost (with a cost matrix) and "criterion" (what was optimised)
    bayes_threshold : with a cost matrix, the cost-optimal threshold for perfectly calibrated
        probabilities, (c_FP - c_TN) / ((c_FP - c_TN) + (c_FN - c_TP)); compare it with the
        empirical choice
    """

    threshold: float
    method: str
    value: float
    confusion_matrix: np.ndarray
    metrics: dict
    curve: pd.DataFrame
    classes: list
    positive_class: object
    target: float | None = None
    cost_matrix: np.ndarray | None = None
    bayes_threshold: float | None = None

    def to_dict(self) -> dict:
        return json_safe({
            "threshold": self.threshold, "method": self.method, "value": self.value,
            "target": self.target, "cost_matrix": self.cost_matrix,
            "bayes_threshold": self.bayes_threshold, "classes": self.classes,
            "positive_class": self.positive_class, "confusion_matrix": self.confusion_matrix,
            "metrics": self.metrics, "curve": self.curve.to_dict(orient="list"),
        })

    def __str__(self) -> str:
        how = {"cost": "minimum expected cost", "f1": "maximum F1", "youden": "maximum Youden's J",
               "recall": f"recall >= {self.target}", "precision": f"precision >= {self.target}"}
        cm = self.confusion_matrix
        lines = [f"Threshold {self.threshold:.6g} ({how[self.method]}; positive class "
                 f"{self.positive_class!r} when P >= threshold)",
                 f"  TN {cm[0, 0]}  FP {cm[0, 1]}  FN {cm[1, 0]}  TP {cm[1, 1]}"]
        lines += [f"  {k:<18}{v:.4f}" for k, v in self.metrics.items()]
        if self.bayes_threshold is not None:
            lines.append(f"  (cost-optimal threshold if probabilities were calibrated: "
                         f"{self.bayes_threshold:.4f})")
        return "\n".join(lines)


def choose_threshold(model, X, y, method="f1", *, cost_matrix=None, target=None):
    """Choose a decision threshold for a fitted binary classifier on (X, y).

    Use data the model was not fitted on (a validation set or out-of-fold predictions),
    otherwise the threshold is tuned to the training fit. See the module docstring for the
    methods. Returns a ``ThresholdChoice``.
    """
    _check_method(method, cost_matrix, target)
    classes = check_fitted_classifier(model)
    if len(classes) != 2:
        raise ParameterError(
            f"choose_threshold needs a binary model; this one has {len(classes)} classes. "
            "Multiclass models predict the class of highest probability.")
    codes, proba, classes = model_proba(model, X, y)
    return _choose(codes, proba[:, 1], classes, method, cost_matrix, target)


def choose_threshold_proba(y, proba, classes, method="f1", *, cost_matrix=None, target=None):
    """``choose_threshold`` on P(classes[1]) (shape (n,)) or a (n, 2) probability matrix."""
    _check_method(method, cost_matrix, target)
    classes = np.asarray(classes)
    if len(classes) != 2:
        raise ParameterError(f"choose_threshold needs two classes; got {len(classes)}.")
    codes = check_labels(y, classes, min_classes=2)
    proba = check_proba(proba, codes.size, 2)
    return _choose(codes, proba[:, 1], classes, method, cost_matrix, target)


def check_cost_matrix(cost_matrix) -> np.ndarray:
    """A 2x2 matrix of finite, non-negative costs, not all zero."""
    try:
        c = np.asarray(cost_matrix, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"cost_matrix must be a 2x2 array of numbers; got {cost_matrix!r}."
                             ) from exc
    if c.shape != (2, 2):
        raise ParameterError(
            f"cost_matrix must have shape (2, 2) (rows = true class, columns = predicted class: "
            f"[[cost TN, cost FP], [cost FN, cost TP]]); got shape {c.shape}.")
    if not np.isfinite(c).all():
        raise ParameterError("cost_matrix contains NaN or infinite costs; use finite numbers.")
    if (c < 0).any():
        raise ParameterError(
            f"cost_matrix has negative entries {c[c < 0].tolist()}: costs must be >= 0. Express "
            "a benefit of a correct decision as a smaller cost of that cell, e.g. add a constant "
            "to every cell of its row.")
    if not c.any():
        raise ParameterError("cost_matrix is all zeros: every threshold would be optimal.")
    return c


def _check_method(method, cost_matrix, target):
    check_choice(method, METHODS, name="method")
    if method == "cost" and cost_matrix is None:
        raise ParameterError('method="cost" needs cost_matrix=[[c_TN, c_FP], [c_FN, c_TP]].')
    if cost_matrix is not None:
        check_cost_matrix(cost_matrix)
    if method in ("recall", "precision"):
        if target is None:
            raise ParameterError(f'method="{method}" needs target, e.g. target=0.9.')
        if isinstance(target, bool) or not isinstance(target, numbers.Real) or not (
                0 < float(target) <= 1):
            raise ParameterError(f"target {method} must be a number in (0, 1]; got {target!r}.")
    elif target is not None:
        raise ParameterError(f'target only applies to method="recall" or "precision", '
                             f'not "{method}".')


def candidate_thresholds(p: np.ndarray) -> np.ndarray:
    """0, the midpoints between consecutive distinct probabilities, and one above the max."""
    u = np.unique(p)
    cands = [np.zeros(1), (u[:-1] + u[1:]) / 2.0]
    if u[-1] < 1.0:
        cands.append(np.array([(u[-1] + 1.0) / 2.0]))
    return np.unique(np.concatenate(cands))


def threshold_curve(y01, p, thresholds, cost_matrix=None) -> pd.DataFrame:
    """Counts and metrics at each threshold (positive when p >= threshold)."""
    tp, fp, tn, fn = confusion_counts(y01, p, thresholds)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), np.nan)
        recall = tp / (tp + fn)
        fpr = fp / (fp + tn)
        f1 = 2 * tp / (2 * tp + fp + fn)
    curve = pd.DataFrame({"threshold": thresholds, "tp": tp, "fp": fp, "tn": tn, "fn": fn,
                          "precision": precision, "recall": recall, "specificity": 1 - fpr,
                          "fpr": fpr, "f1": f1, "youden_j": recall - fpr})
    if cost_matrix is not None:
        c = np.asarray(cost_matrix, dtype=float)
        curve["expected_cost"] = (c[0, 0] * tn + c[0, 1] * fp + c[1, 0] * fn + c[1, 1] * tp
                                  ) / y01.size
    return curve


def _choose(codes, p, classes, method, cost_matrix, target):
    cost = None if cost_matrix is None else check_cost_matrix(cost_matrix)
    curve = threshold_curve(codes, p, candidate_thresholds(p), cost)
    if method == "cost":
        crit = curve["expected_cost"].to_numpy()
        i = int(np.argmin(crit))
    elif method in ("f1", "youden"):
        crit = curve["f1" if method == "f1" else "youden_j"].to_numpy()
        i = int(np.argmax(crit))
    elif method == "recall":
        crit = curve["recall"].to_numpy()
        i = int(np.flatnonzero(crit >= target)[-1])  # threshold 0 has recall 1: never empty
    else:
        crit = curve["precision"].to_numpy()
        ok = np.flatnonzero(np.nan_to_num(crit, nan=-1.0) >= target)
        if ok.size == 0:
            best = np.nanargmax(crit)
            raise ParameterError(
                f"no threshold reaches precision {target} on these data: the highest precision "
                f"is {crit[best]:.4f} (at threshold {curve['threshold'].iloc[best]:.6g}). "
                "Lower the target or improve the model.")
        i = int(ok[0])
    curve["criterion"] = crit
    t = float(curve["threshold"].iloc[i])
    pred = (p >= t).astype(int)
    nan = np.nan
    m = {"accuracy": skm.accuracy_score(codes, pred),
         "balanced_accuracy": skm.balanced_accuracy_score(codes, pred),
         "precision": skm.precision_score(codes, pred, zero_division=nan),
         "recall": skm.recall_score(codes, pred, zero_division=nan),
         "specificity": skm.recall_score(codes, pred, pos_label=0, zero_division=nan),
         "f1": skm.f1_score(codes, pred, zero_division=nan)}
    m["youden_j"] = m["recall"] + m["specificity"] - 1
    cm = skm.confusion_matrix(codes, pred, labels=[0, 1])
    bayes = None
    if cost is not None:
        m["expected_cost"] = float(np.sum(cm * cost) / codes.size)
        fp_extra, fn_extra = cost[0, 1] - cost[0, 0], cost[1, 0] - cost[1, 1]
        if fp_extra + fn_extra > 0 and fp_extra >= 0 and fn_extra >= 0:
            bayes = float(fp_extra / (fp_extra + fn_extra))
    labels = [c.item() if hasattr(c, "item") else c for c in classes]
    return ThresholdChoice(
        threshold=t, method=method, value=float(crit[i]), confusion_matrix=cm,
        metrics={k: float(v) for k, v in m.items()}, curve=curve, classes=labels,
        positive_class=labels[1], target=None if target is None else float(target),
        cost_matrix=cost, bayes_threshold=bayes)


def _check_rate(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (0 < value < 1):
        raise ParameterError(f"{name} must be a number strictly between 0 and 1 (an event "
                             f"rate); got {value!r}.")
    return float(value)


def prior_correction(model, population_rate, *, sample_rate=None, y=None):
    """King-Zeng prior correction of a binary logit model's intercept; returns a new model.

    Parameters
    ----------
    model : fitted binary logit classifier (``coef_`` (1, d), ``intercept_`` (1,)); it is
        copied, never modified.
    population_rate : tau, the event rate P(y = classes_[1]) in the population the model
        will score.
    sample_rate : ybar, the event rate in the sample the model was fitted on; or pass the
        fitting labels as ``y`` and it is computed (unweighted) from them.

    The returned copy has ``intercept_`` shifted by -ln[((1 - tau) / tau) * (ybar / (1 - ybar))]
    and a ``prior_correction_`` dict recording tau, ybar and the shift. Prediction, scoring and
    export use the corrected ``intercept_``; anything the engine keeps about the fit itself
    (``fit_result_``, the training data behind summaries) still describes the sample fit.
    """
    classes = check_fitted_classifier(model)
    if len(classes) != 2 or np.shape(getattr(model, "coef_", None))[:1] != (1,):
        raise ParameterError("prior_correction needs a binary model with coef_ of shape (1, d).")
    link = getattr(model, "link", "logit")
    if link != "logit":
        raise ParameterError(f"prior_correction is exact only for the logit link; this model "
                             f"uses link={link!r}. Refit with link='logit'.")
    tau = _check_rate(population_rate, "population_rate")
    if (sample_rate is None) == (y is None):
        raise ParameterError("pass exactly one of sample_rate (the sample event rate) or y "
                             "(the labels the model was fitted on).")
    if y is not None:
        codes = check_labels(y, classes, min_classes=2)
        ybar = float(codes.mean())
    else:
        ybar = _check_rate(sample_rate, "sample_rate")
    shift = -np.log((1 - tau) / tau * ybar / (1 - ybar))
    new = copy.deepcopy(model)
    new.intercept_ = np.asarray(model.intercept_, dtype=float) + shift
    new.prior_correction_ = {"population_rate": tau, "sample_rate": ybar,
                             "intercept_shift": float(shift)}
    return new
