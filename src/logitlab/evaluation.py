"""Evaluation of a fitted classifier: ``logitlab.evaluate(model, X, y)``.

Metrics that scikit-learn provides are computed by scikit-learn (confusion matrix, accuracy,
balanced accuracy, precision, recall, F1, ROC and PR curves, AUC, average precision, log loss,
Brier score). logitlab adds what it lacks, in ``_metric_stats``: the DeLong confidence interval
of the AUC, the reliability curve with bin counts, the expected calibration error (ECE) and the
calibration intercept and slope. KS is max(TPR - FPR) over the ROC curve (the two-sample
Kolmogorov-Smirnov statistic between the scores of positives and negatives) and Gini = 2 AUC - 1.

Binary models: the positive class is ``model.classes_[1]`` (the column of ``predict_proba``
scikit-learn calls positive); a row is predicted positive when P(positive) >= ``threshold``.
Multiclass models: predictions are the argmax of ``predict_proba``; every per-class metric is
one-vs-rest, and averages are macro (unweighted mean over classes), weighted (by class
support) and, for precision / recall / F1, micro.

Sample weights (``sample_weight=``) follow scikit-learn's weighted definitions: every
scikit-learn metric above receives them (the confusion matrix then holds sums of weights, the
support of a class is its total weight, AUC is the weighted probability that a positive
outranks a negative), KS comes from the weighted ROC curve, and the calibration statistics are
weighted (see ``_metric_stats``). Integer weights give the same numbers as repeated rows.
The DeLong variance of the AUC has no standard weighted form, so a weighted report has no AUC
confidence interval: its ``auc_ci`` holds the weighted AUC with NaN standard error and limits
and ``method="none (sample weights)"``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from ._eval_inputs import (check_choice, check_labels, check_proba, check_sample_weight, check_threshold,
                           model_proba)
from ._eval_report import format_report, json_safe
from ._metric_stats import calibration_line, delong_auc, reliability

__all__ = ["evaluate", "evaluate_proba", "EvaluationReport"]


@dataclass
class EvaluationReport:
    """What ``evaluate`` returns.

    Attributes
    ----------
    kind : "binary" or "multiclass"
    classes : list of the model's class labels, in ``predict_proba`` column order
    positive_class : the positive label (binary), else None
    threshold : the decision threshold used (binary), else None
    n : number of rows; class_counts : rows per class
    confusion_matrix : (K, K) array, rows = true class, columns = predicted class (sums of
        sample weights when weighted)
    metrics : dict of headline numbers (binary: of the positive class; multiclass: averages)
    auc_ci : binary: {"auc", "se", "ci_low", "ci_high", "level", "method"}; multiclass: one
        such dict per class (one-vs-rest), keyed by class label. Weighted reports: NaN
        standard error and limits (DeLong has no weighted form).
    per_class : multiclass only: DataFrame, one row per class, one-vs-rest metrics
    curves : {class label: {"roc": ..., "pr": ..., "reliability": ...}} (binary: the positive
        class only); each curve is a dict of equal-length numpy arrays
    weight_sums : sum of the sample weights per class, or None when unweighted
    """

    kind: str
    classes: list
    positive_class: object
    threshold: float | None
    n: int
    class_counts: dict
    confusion_matrix: np.ndarray
    metrics: dict
    auc_ci: dict
    per_class: pd.DataFrame | None = None
    curves: dict = field(default_factory=dict)
    weight_sums: dict | None = None

    # convenient access to the positive class's curves (binary) ---------------------------
    def _binary_curve(self, name):
        if self.kind != "binary":
            raise AttributeError(f"{name}: multiclass reports keep curves per class in .curves")
        return self.curves[self.positive_class][name]

    @property
    def roc(self) -> dict:
        """Binary: ROC curve {"fpr", "tpr", "thresholds"} (scikit-learn's roc_curve)."""
        return self._binary_curve("roc")

    @property
    def pr(self) -> dict:
        """Binary: precision-recall curve {"precision", "recall", "thresholds"}."""
        return self._binary_curve("pr")

    @property
    def reliability(self) -> dict:
        """Binary: reliability curve (non-empty bins) with counts."""
        return self._binary_curve("reliability")

    def to_dict(self) -> dict:
        """Everything in plain JSON types (NaN and infinities become None)."""
        return json_safe({
            "kind": self.kind,
            "classes": self.classes,
            "positive_class": self.positive_class,
            "threshold": self.threshold,
            "n": self.n,
            "class_counts": [{"class": c, "count": k} for c, k in self.class_counts.items()],
            "weight_sums": (None if self.weight_sums is None
                            else [{"class": c, "weight": v} for c, v in self.weight_sums.items()]),
            "confusion_matrix": self.confusion_matrix,
            "metrics": self.metrics,
            "auc_ci": (self.auc_ci if self.kind == "binary"
                       else [{"class": c, **v} for c, v in self.auc_ci.items()]),
            "per_class": (None if self.per_class is None
                          else self.per_class.reset_index().to_dict(orient="records")),
            "curves": [{"class": c, **v} for c, v in self.curves.items()],
        })

    def to_frame(self) -> pd.DataFrame:
        """Binary: one column "value" indexed by metric. Multiclass: one row per class plus
        "macro" and "weighted" rows, one column per metric."""
        if self.kind == "binary":
            return pd.DataFrame({"value": pd.Series(self.metrics, dtype=float)}).rename_axis(
                "metric")
        avg = {}
        for how in ("macro", "weighted"):
            avg[how] = {k[: -len(how) - 1]: v for k, v in self.metrics.items()
                        if k.endswith("_" + how)}
        frame = pd.concat([self.per_class, pd.DataFrame(avg).T], axis=0)
        frame.index.name = "class"
        return frame

    def __str__(self) -> str:
        return format_report(self)


def evaluate(model, X, y, threshold=None, *, sample_weight=None, n_bins=10, strategy="uniform",
             ci_level=0.95):
    """Evaluate a fitted classifier on (X, y) and return an ``EvaluationReport``.

    Parameters
    ----------
    model : fitted classifier with ``predict_proba`` and ``classes_`` (logitlab or
        scikit-learn). It is not re-fitted.
    X, y : evaluation data, ideally not used for fitting; every class must occur in ``y``.
    threshold : binary only; a row is predicted positive when P(positive) >= threshold.
        None means 0.5. Multiclass predictions are the argmax, so a threshold is an error.
    sample_weight : optional, one weight >= 0 per row (scikit-learn's weighted metrics; see
        the module docstring). Every class needs a positive total weight. There is no AUC
        confidence interval with weights: DeLong's variance has no standard weighted form, so
        ``auc_ci`` then has NaN standard error and limits (bootstrap ``evaluate`` yourself if
        you need one).
    n_bins, strategy : binning of the reliability curve and ECE ("uniform" bins of equal
        width on [0, 1], as scikit-learn's calibration_curve, or "quantile" bins of equal
        row counts; weights do not move the edges).
    ci_level : level of the DeLong confidence interval of the AUC.

    Raises DataError for empty data, unknown labels, a class missing from ``y``, NaN
    probabilities, and sample weights that are negative, NaN, of the wrong length, all zero
    or zero for a whole class; ParameterError for a threshold outside [0, 1] and unknown
    options.
    """
    _check_options(n_bins, strategy, ci_level)
    codes, proba, classes = model_proba(model, X, y)
    w = check_sample_weight(sample_weight, codes, classes)
    return _build(codes, proba, classes, threshold, n_bins, strategy, ci_level, w)


def evaluate_proba(y, proba, classes, threshold=None, *, sample_weight=None, n_bins=10,
                   strategy="uniform", ci_level=0.95):
    """``evaluate`` on predicted probabilities instead of a model (same report).

    ``proba`` is (n, K) in the order of ``classes``, or (n,) P(classes[1]) for two classes.
    """
    _check_options(n_bins, strategy, ci_level)
    classes = np.asarray(classes)
    codes = check_labels(y, classes, min_classes=len(classes))
    proba = check_proba(proba, codes.size, len(classes))
    w = check_sample_weight(sample_weight, codes, classes)
    return _build(codes, proba, classes, threshold, n_bins, strategy, ci_level, w)


def _check_options(n_bins, strategy, ci_level):
    from ._errors import ParameterError

    check_choice(strategy, ("uniform", "quantile"), name="strategy")
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ParameterError(f"n_bins must be a positive integer; got {n_bins!r}.")
    if not isinstance(ci_level, float) or not 0.0 < ci_level < 1.0:
        raise ParameterError(f"ci_level must be a float in (0, 1), e.g. 0.95; got {ci_level!r}.")


def _label(c):
    return c.item() if hasattr(c, "item") else c


def _no_auc_ci(auc, level):
    """The AUC of a weighted report: DeLong's variance has no standard weighted form."""
    nan = float("nan")
    return {"auc": float(auc), "se": nan, "ci_low": nan, "ci_high": nan, "level": float(level),
            "method": NO_CI_WEIGHTED}


NO_CI_WEIGHTED = "none (sample weights)"


def _one_vs_rest(y01, p, w, n_bins, strategy, ci_level):
    """Ranking and calibration metrics of one score against one binary outcome (weights ``w``
    or None)."""
    fpr, tpr, roc_thr = skm.roc_curve(y01, p, sample_weight=w)
    prec, rec, pr_thr = skm.precision_recall_curve(y01, p, sample_weight=w)
    auc = skm.roc_auc_score(y01, p, sample_weight=w)
    ci = delong_auc(y01, p, ci_level) if w is None else _no_auc_ci(auc, ci_level)
    rel, ece = reliability(y01, p, n_bins, strategy, w)
    line = calibration_line(y01, p, w)
    scalars = {
        "roc_auc": float(auc),
        "gini": float(2 * auc - 1),
        "ks": float(np.max(tpr - fpr)),
        "average_precision": float(skm.average_precision_score(y01, p, sample_weight=w)),
        "brier": float(skm.brier_score_loss(y01, p, sample_weight=w)),
        "ece": ece,
        "calibration_intercept": line["intercept"],
        "calibration_slope": line["slope"],
    }
    curves = {"roc": {"fpr": fpr, "tpr": tpr, "thresholds": roc_thr},
              "pr": {"precision": prec, "recall": rec, "thresholds": pr_thr},
              "reliability": rel}
    return scalars, ci, curves


def _build(codes, proba, classes, threshold, n_bins, strategy, ci_level, w):
    k = len(classes)
    if k > 2 and threshold is not None:
        from ._errors import ParameterError

        raise ParameterError(
            f"threshold={threshold!r} only applies to binary models; multiclass predictions "
            "are the class of highest probability. Leave threshold=None."
        )
    labels = [_label(c) for c in classes]
    counts = dict(zip(labels, np.bincount(codes, minlength=k).tolist()))
    if k == 2:
        report = _build_binary(codes, proba, labels, counts, threshold, n_bins, strategy, ci_level, w)
    else:
        report = _build_multiclass(codes, proba, labels, counts, n_bins, strategy, ci_level, w)
    if w is not None:
        report.weight_sums = dict(zip(labels, np.bincount(codes, weights=w, minlength=k).tolist()))
    return report


def _build_binary(codes, proba, labels, counts, threshold, n_bins, strategy, ci_level, w):
    t = 0.5 if threshold is None else check_threshold(threshold)
    p = proba[:, 1]
    pred = (p >= t).astype(int)
    nan = np.nan
    scalars, ci, curves = _one_vs_rest(codes, p, w, n_bins, strategy, ci_level)
    m = {
        "accuracy": skm.accuracy_score(codes, pred, sample_weight=w),
        "balanced_accuracy": skm.balanced_accuracy_score(codes, pred, sample_weight=w),
        "precision": skm.precision_score(codes, pred, zero_division=nan, sample_weight=w),
        "recall": skm.recall_score(codes, pred, zero_division=nan, sample_weight=w),
        "specificity": skm.recall_score(codes, pred, pos_label=0, zero_division=nan, sample_weight=w),
        "f1": skm.f1_score(codes, pred, zero_division=nan, sample_weight=w),
        "roc_auc": scalars.pop("roc_auc"),
        "roc_auc_ci_low": ci["ci_low"],
        "roc_auc_ci_high": ci["ci_high"],
        "log_loss": skm.log_loss(codes, proba, labels=[0, 1], sample_weight=w),
        **scalars,
        "prevalence": float(np.average(codes, weights=w)),
    }
    return EvaluationReport(
        kind="binary", classes=labels, positive_class=labels[1], threshold=t, n=int(codes.size),
        class_counts=counts,
        confusion_matrix=skm.confusion_matrix(codes, pred, labels=[0, 1], sample_weight=w),
        metrics={key: float(v) for key, v in m.items()}, auc_ci=ci,
        curves={labels[1]: curves},
    )


def _build_multiclass(codes, proba, labels, counts, n_bins, strategy, ci_level, w):
    k = len(labels)
    nan = np.nan
    ids = list(range(k))
    pred = np.argmax(proba, axis=1)
    cm = skm.confusion_matrix(codes, pred, labels=ids, sample_weight=w)
    prec, rec, f1, support = skm.precision_recall_fscore_support(
        codes, pred, labels=ids, average=None, zero_division=nan, sample_weight=w)
    fp = cm.sum(axis=0) - np.diag(cm)
    tn = cm.sum() - cm.sum(axis=0) - cm.sum(axis=1) + np.diag(cm)
    spec = tn / (tn + fp)
    rows, cis, curves = [], {}, {}
    for j in ids:
        scalars, ci, cur = _one_vs_rest((codes == j).astype(int), proba[:, j], w, n_bins, strategy,
                                        ci_level)
        rows.append({"precision": prec[j], "recall": rec[j], "specificity": spec[j],
                     "f1": f1[j], **scalars, "roc_auc_ci_low": ci["ci_low"],
                     "roc_auc_ci_high": ci["ci_high"],
                     "support": int(support[j]) if w is None else float(support[j])})
        cis[labels[j]] = ci
        curves[labels[j]] = cur
    per_class = pd.DataFrame(rows, index=pd.Index(labels, name="class"))
    weights = support / support.sum()
    m = {"accuracy": skm.accuracy_score(codes, pred, sample_weight=w),
         "balanced_accuracy": skm.balanced_accuracy_score(codes, pred, sample_weight=w),
         "log_loss": skm.log_loss(codes, proba, labels=ids, sample_weight=w),
         "brier": skm.brier_score_loss(codes, proba, labels=ids, sample_weight=w)}
    for how in ("macro", "weighted", "micro"):
        p_, r_, f_, _ = skm.precision_recall_fscore_support(
            codes, pred, labels=ids, average=how, zero_division=nan, sample_weight=w)
        m.update({f"precision_{how}": p_, f"recall_{how}": r_, f"f1_{how}": f_})
    for how in ("macro", "weighted"):
        m[f"roc_auc_{how}"] = skm.roc_auc_score(codes, proba, multi_class="ovr", average=how,
                                                labels=ids, sample_weight=w)
        m[f"average_precision_{how}"] = skm.average_precision_score(
            np.eye(k)[codes], proba, average=how, sample_weight=w)
    m["specificity_macro"] = float(np.mean(spec))
    m["specificity_weighted"] = float(weights @ spec)
    for name in ("gini", "ks", "ece", "calibration_intercept", "calibration_slope"):
        m[f"{name}_macro"] = float(per_class[name].mean())
        m[f"{name}_weighted"] = float(weights @ per_class[name].to_numpy())
    return EvaluationReport(
        kind="multiclass", classes=labels, positive_class=None, threshold=None,
        n=int(codes.size), class_counts=counts, confusion_matrix=cm,
        metrics={key: float(v) for key, v in m.items()}, auc_ci=cis, per_class=per_class,
        curves=curves,
    )
