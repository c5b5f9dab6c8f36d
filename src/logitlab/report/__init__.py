"""The self-contained HTML report: ``build_report(...)`` returns one HTML string.

Everything is inline (CSS in a <style> element, figures as <svg>), a Content-Security-Policy
forbids every request, so the file works offline and can be mailed to a colleague.
"""
from __future__ import annotations

import datetime as _dt
import html
import math
from importlib import resources

import numpy as np

from . import figures
from ._coef import coef_table, summary_text

__all__ = ["build_report", "collect_warnings", "coef_table", "summary_text"]

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def collect_warnings(model, caught=(), *, train_evaluation=False) -> list[tuple[str, str]]:
    """(kind, message) pairs: separation, convergence, penalised inference, others caught."""
    est = getattr(model, "estimator_", model)
    out = []
    sep = getattr(est, "separation_", None)
    if sep is not None and getattr(sep, "status", "none") != "none":
        feats = ", ".join(sep.features[:8]) + (" ..." if len(sep.features) > 8 else "")
        out.append(("separation", f"{sep.status} separation: a combination of [{feats}] predicts "
                    f"the outcome perfectly for {sep.n_perfect} of {sep.n_rows} rows. Maximum-"
                    "likelihood estimates do not exist (coefficients and standard errors grow "
                    "without bound); refit with --firth or a penalty."))
    if getattr(est, "converged_", True) is False:
        out.append(("convergence", "the solver did not converge: estimates, standard errors and "
                    "metrics may be unreliable; increase max_iter, standardise, or add a penalty."))
    penalty = getattr(est, "penalty", None)
    if penalty == "firth":
        out.append(("penalised", "Firth's penalised likelihood: estimates are bias-reduced and finite "
                    "under separation; use profile penalised-likelihood intervals (the summary "
                    "table) rather than Wald ones (odds-ratio plot)."))
    elif penalty:
        out.append(("penalised", f"penalty={penalty!r}: coefficients are shrunk, so standard errors, "
                    "p-values and intervals shown are approximate (Wald, from the penalised "
                    "information) and not classical inference."))
    if train_evaluation:
        out.append(("training-data", "the model is evaluated on the data it was fitted on: the "
                    "metrics are optimistic. Use a test split (--test-size) or new data."))
    seen = {m for _, m in out}
    for w in caught:
        name = type(w.message).__name__ if hasattr(w, "message") else type(w).__name__
        msg = str(getattr(w, "message", w))
        kind = ("separation" if "Separation" in name else "convergence" if "Convergence" in name
                else "warning")
        if kind in ("separation", "convergence") and any(k == kind for k, _ in out):
            continue
        if msg not in seen:
            seen.add(msg)
            out.append((kind, msg))
    return out


def _fmt(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return str(int(v))
    try:
        f = float(v)
    except (TypeError, ValueError):
        return html.escape(str(v))
    if math.isnan(f):
        return "–"
    if f != 0 and (abs(f) < 1e-3 or abs(f) >= 1e5):
        return f"{f:.3e}"
    return f"{f:.4g}"


def _table(frame, columns=None) -> str:
    cols = list(columns or frame.columns)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(r[c]) if not isinstance(r[c], str) else html.escape(r[c])}</td>"
                                    for c in cols) + "</tr>" for _, r in frame.iterrows())
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _figure(name, svg, caption) -> str:
    return (f'<figure data-figure="{name}">{svg}<figcaption>{html.escape(caption)}</figcaption></figure>')


def build_report(model, evaluation, *, X_fit, title="logitlab report", meta=None, warnings=(),
                 threshold_curve=None, cost=False, path=None, summary_html=None, notes=(),
                 table=None) -> str:
    """HTML text of the report.

    model : fitted binary model (LogisticRegression or LogisticRegressionCV)
    evaluation : ``logitlab.evaluate`` report on the evaluation data (at the chosen threshold)
    X_fit : design matrix the model was fitted on (for the coefficient table's standard errors)
    table : a coefficient table (as ``coef_table``) computed at fit time, instead of X_fit
    meta : dict of label -> value shown under the title (data, target, rows, ...)
    warnings : (kind, message) pairs from :func:`collect_warnings`
    threshold_curve : DataFrame from ``logitlab.thresholds.threshold_curve`` on the evaluation data
    cost : plot expected cost (True) rather than F1 against threshold
    path : ``PathResult`` when alpha was cross-validated
    """
    ev = evaluation
    css = resources.files(__package__).joinpath("style.css").read_text(encoding="utf-8")
    parts = [f"<h1>{html.escape(title)}</h1>"]
    meta = dict(meta or {})
    meta.setdefault("generated", _dt.datetime.now().strftime("%Y-%m-%d %H:%M"))
    parts.append('<p class="meta">' + " · ".join(
        f"{html.escape(str(k))}: <b>{html.escape(str(v))}</b>" for k, v in meta.items()) + "</p>")
    if warnings:
        items = "".join(f'<li data-warning="{html.escape(k)}"><b>{html.escape(k)}</b>: '
                        f"{html.escape(m)}</li>" for k, m in warnings)
        parts.append(f'<section class="warnings" id="warnings"><h2>Warnings</h2><ul>{items}</ul></section>')
    else:
        parts.append('<p class="ok" id="warnings-none">No warnings: no separation, the solver '
                     "converged, unpenalised inference.</p>")

    m = ev.metrics
    binary = ev.kind == "binary"
    kpis = [("AUC", m.get("roc_auc")), ("accuracy", m.get("accuracy")),
            ("precision", m.get("precision")), ("recall", m.get("recall")), ("F1", m.get("f1")),
            ("Brier", m.get("brier")), ("log loss", m.get("log_loss"))]
    if binary:
        kpis.insert(0, ("threshold", ev.threshold))
    parts.append("<h2>Performance</h2>")
    parts.append(f"<p>Evaluated on {ev.n} rows; positive class <b>{html.escape(str(ev.positive_class))}</b>"
                 + (f" (predicted when P ≥ {ev.threshold:.4g})" if binary else "") + ".</p>")
    parts.append('<div class="kpis">' + "".join(
        f'<div class="kpi"><b>{_fmt(v)}</b><span>{html.escape(k)}</span></div>'
        for k, v in kpis if v is not None) + "</div>")
    if binary and ev.auc_ci:
        ci = ev.auc_ci
        parts.append(f"<p>AUC {_fmt(ci.get('auc'))}, {int(round(100 * ci.get('level', 0.95)))}% "
                     f"interval [{_fmt(ci.get('ci_low'))}, {_fmt(ci.get('ci_high'))}] "
                     f"({html.escape(str(ci.get('method', 'DeLong')))}).</p>")

    if table is None:
        table = coef_table(model, X_fit)
    parts.append("<h2>Coefficients</h2>")
    if summary_html:
        parts.append(f'<div class="scroll">{summary_html}</div>')
    else:
        cols = [c for c in ("class", "term", "coef", "se", "z", "p", "ci_low", "ci_high",
                            "odds_ratio", "or_low", "or_high") if c in table]
        parts.append(_table(table, cols))
        if "se" in table:
            parts.append("<p class='meta'>Wald standard errors and 95% intervals; odds ratio = "
                         "exp(coef), per unit of the (encoded) feature.</p>")
    for note in notes:
        parts.append(f"<p class='meta'>{html.escape(note)}</p>")

    figs = []
    if binary:
        figs.append(_figure("roc", figures.roc(ev.roc, ev.threshold, m["roc_auc"]),
                            "ROC curve; the diamond marks the chosen threshold."))
        figs.append(_figure("pr", figures.pr(ev.pr, ev.threshold, m.get("prevalence", 0.0),
                                             m.get("average_precision", float("nan"))),
                            "Precision-recall curve; the diamond marks the chosen threshold."))
        figs.append(_figure("calibration", figures.calibration(ev.reliability),
                            f"Reliability curve ({ev.n} rows in equal-width bins); ECE {_fmt(m.get('ece'))}."))
    if "or_low" in table:
        figs.append(_figure("forest", figures.forest(table), "Odds ratios with 95% Wald intervals."))
    figs.append(_figure("confusion", figures.confusion(ev.confusion_matrix, ev.classes, ev.threshold),
                        "Rows: true class; columns: predicted class."))
    if binary and threshold_curve is not None:
        col, label = ("expected_cost", "expected cost per row") if cost else ("f1", "F1")
        figs.append(_figure("threshold", figures.threshold_curve(threshold_curve, ev.threshold, col, label),
                            f"{label} on the evaluation data for every threshold."))
    if path is not None:
        alpha = getattr(model, "alpha_", None)
        figs.append(_figure("path", figures.reg_path(path, alpha),
                            f"Coefficients along the regularisation path; alpha chosen by cross-validation ({_fmt(alpha)})."))
    parts.append("<h2>Figures</h2><div class='grid'>" + "".join(figs) + "</div>")

    parts.append("<h2>All metrics</h2>")
    import pandas as pd
    mt = pd.DataFrame({"metric": list(m), "value": [m[k] for k in m]})
    parts.append(_table(mt))
    from .. import __version__
    parts.append(f"<footer>Made with logitlab {__version__}. This file is self-contained: it makes "
                 "no network requests.</footer>")
    body = "\n".join(parts)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{css}</style></head>"
            f'<body data-state="ready">\n{body}\n</body></html>\n')
