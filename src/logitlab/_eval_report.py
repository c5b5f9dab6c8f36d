"""Rendering helpers of the decision tools: JSON-safe conversion and plain-text reports."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd


def json_safe(obj):
    """Convert numpy / pandas values to plain JSON types; NaN and +-inf become None."""
    if isinstance(obj, dict):
        return {str(json_safe(k)) if not isinstance(k, str) else k: json_safe(v)
                for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [json_safe(v) for v in obj.tolist()]
    if isinstance(obj, pd.DataFrame):
        return json_safe(obj.to_dict(orient="records"))
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    return str(obj)


def _fmt(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if isinstance(v, (int, np.integer)):
        return str(v)
    return f"{v:.4f}"


def _cell(v) -> str:
    """A count, or a sum of sample weights (4 significant digits when not a whole number)."""
    return str(int(v)) if float(v).is_integer() else f"{v:.4g}"


def _matrix(cm, labels, weighted=False) -> list[str]:
    names = [str(c) for c in labels]
    cells = [[_cell(v) for v in row] for row in cm]
    width = max([len(s) for s in names] + [len(c) for row in cells for c in row] + [4])
    what = "sums of sample weights; " if weighted else ""
    lines = [f"Confusion matrix ({what}rows: true class, columns: predicted class)",
             " " * (width + 2) + " ".join(s.rjust(width) for s in names)]
    for name, row in zip(names, cells):
        lines.append(name.rjust(width) + "  " + " ".join(c.rjust(width) for c in row))
    return lines


def format_report(r) -> str:
    """Readable text of an EvaluationReport."""
    if r.kind == "binary":
        head = (f"Binary evaluation: {r.n} rows, positive class {r.positive_class!r} "
                f"(prevalence {r.metrics['prevalence']:.4f}), predicted positive when "
                f"P >= {r.threshold:g}")
    else:
        head = f"Multiclass evaluation: {r.n} rows, {len(r.classes)} classes (argmax predictions)"
    weighted = r.weight_sums is not None
    if weighted:
        head += f"; weighted by sample_weight (total weight {sum(r.weight_sums.values()):.6g})"
    lines = [head, ""] + _matrix(r.confusion_matrix, r.classes, weighted) + [""]
    if r.kind == "binary":
        ci = r.auc_ci
        for key, value in r.metrics.items():
            if key.startswith("roc_auc_ci") or key == "prevalence":
                continue
            text = _fmt(value)
            if key == "roc_auc" and ci["method"] == "delong":
                text += (f"  ({ci['level']:.0%} CI {_fmt(ci['ci_low'])} to "
                         f"{_fmt(ci['ci_high'])}, DeLong)")
            elif key == "roc_auc":
                text += "  (no confidence interval: DeLong has no weighted form)"
            lines.append(f"{key:<24}{text}")
    else:
        for key, value in r.metrics.items():
            lines.append(f"{key:<32}{_fmt(value)}")
        lines += ["", "Per class (one-vs-rest):",
                  r.per_class.to_string(float_format=lambda v: f"{v:.4f}")]
    return "\n".join(lines)
