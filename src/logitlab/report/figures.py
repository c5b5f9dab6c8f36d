"""Report figures: matplotlib (Agg), each returned as an inline ``<svg>`` string.

Colours are colour-blind safe (blue / orange) and every marked point also has a shape.
"""
from __future__ import annotations

import io
import re

import numpy as np

BLUE, ORANGE, GREY = "#0072B2", "#E69F00", "#777777"


def _plt():
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    matplotlib.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "logitlab",
                                "font.size": 9, "axes.grid": True, "grid.alpha": 0.3})
    return plt


def _svg(fig) -> str:
    plt = _plt()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    # scale with the page: keep the viewBox, drop the fixed size
    return re.sub(r'<svg([^>]*?) width="[^"]+" height="[^"]+"', r'<svg\1', text, count=1)


def _fig(w=4.6, h=3.4):
    return _plt().subplots(figsize=(w, h))


def roc(curve: dict, threshold: float, auc: float) -> str:
    fig, ax = _fig()
    fpr, tpr, thr = (np.asarray(curve[k], dtype=float) for k in ("fpr", "tpr", "thresholds"))
    ax.plot(fpr, tpr, color=BLUE, lw=1.8, label=f"model (AUC {auc:.3f})")
    ax.plot([0, 1], [0, 1], ls="--", color=GREY, lw=1, label="chance")
    i = int(np.argmin(np.where(thr >= threshold, thr, np.inf))) if np.any(thr >= threshold) else 0
    ax.plot(fpr[i], tpr[i], "D", color=ORANGE, ms=8, mec="black", label=f"threshold {threshold:.3g}")
    ax.set(xlabel="false positive rate (1 - specificity)", ylabel="true positive rate (recall)",
           xlim=(-0.02, 1.02), ylim=(-0.02, 1.02), title="ROC curve")
    ax.legend(loc="lower right")
    return _svg(fig)


def pr(curve: dict, threshold: float, prevalence: float, ap: float) -> str:
    fig, ax = _fig()
    prec, rec, thr = (np.asarray(curve[k], dtype=float) for k in ("precision", "recall", "thresholds"))
    ax.step(rec, prec, where="post", color=BLUE, lw=1.8, label=f"model (AP {ap:.3f})")
    ax.axhline(prevalence, ls="--", color=GREY, lw=1, label=f"prevalence {prevalence:.3f}")
    if thr.size:
        ok = thr >= threshold
        i = int(np.argmin(np.where(ok, thr, np.inf))) if ok.any() else thr.size - 1
        ax.plot(rec[i], prec[i], "D", color=ORANGE, ms=8, mec="black", label=f"threshold {threshold:.3g}")
    ax.set(xlabel="recall", ylabel="precision", xlim=(-0.02, 1.02), ylim=(-0.02, 1.02),
           title="Precision-recall curve")
    ax.legend(loc="lower left")
    return _svg(fig)


def calibration(rel: dict) -> str:
    fig, ax = _fig()
    pred = np.asarray(rel["mean_predicted"], dtype=float)
    obs = np.asarray(rel["fraction_positive"], dtype=float)
    ax.plot([0, 1], [0, 1], ls="--", color=GREY, lw=1, label="perfect calibration")
    ax.plot(pred, obs, "-o", color=BLUE, lw=1.5, ms=5, label="model (binned)")
    ax.set(xlabel="mean predicted probability", ylabel="observed fraction positive",
           xlim=(-0.02, 1.02), ylim=(-0.02, 1.02), title="Calibration")
    ax.legend(loc="upper left")
    return _svg(fig)


def forest(table) -> str:
    t = table[table["term"] != "(intercept)"]
    t = t[np.isfinite(t["or_low"]) & np.isfinite(t["or_high"])]
    n = max(len(t), 1)
    fig, ax = _fig(5.6, min(1.0 + 0.28 * n, 11))
    y = np.arange(len(t))[::-1]
    lo, hi = 1e-4, 1e4  # intervals beyond this (separation) are drawn clipped, with arrows
    c = {k: np.clip(np.asarray(t[k], dtype=float), lo, hi) for k in ("or_low", "odds_ratio", "or_high")}
    ax.hlines(y, c["or_low"], c["or_high"], color=BLUE, lw=1.6)
    ax.plot(c["odds_ratio"], y, "s", color=BLUE, ms=5)
    for yi, a, b in zip(y, c["or_low"], c["or_high"]):
        if a <= lo:
            ax.plot(lo, yi, "<", color=ORANGE, ms=7)
        if b >= hi:
            ax.plot(hi, yi, ">", color=ORANGE, ms=7)
    ax.axvline(1.0, color=GREY, ls="--", lw=1)
    ax.set_yticks(y, list(t["term"]))
    ax.set_xscale("log")
    ax.set(xlabel="odds ratio (log scale) with 95% interval", title="Odds ratios")
    ax.grid(axis="y", visible=False)
    return _svg(fig)


def confusion(cm, labels, threshold) -> str:
    cm = np.asarray(cm)
    fig, ax = _fig(3.8, 3.2)
    ax.imshow(cm, cmap="Blues")
    ax.grid(False)
    k = cm.shape[0]
    for i in range(k):
        for j in range(k):
            dark = cm[i, j] > cm.max() / 2
            ax.text(j, i, str(int(cm[i, j])), ha="center", va="center", fontsize=12,
                    color="white" if dark else "black")
    names = [str(c) for c in labels]
    ax.set_xticks(range(k), names)
    ax.set_yticks(range(k), names)
    title = "Confusion matrix" + (f" at threshold {threshold:.3g}" if threshold is not None else "")
    ax.set(xlabel="predicted", ylabel="true", title=title)
    return _svg(fig)


def threshold_curve(curve, threshold, column, label) -> str:
    fig, ax = _fig()
    t = np.asarray(curve["threshold"], dtype=float)
    v = np.asarray(curve[column], dtype=float)
    keep = (t >= 0) & (t <= 1)
    order = np.argsort(t[keep])
    ax.plot(t[keep][order], v[keep][order], color=BLUE, lw=1.6, label=label)
    ax.axvline(threshold, color=ORANGE, lw=1.5, ls="-.", label=f"chosen threshold {threshold:.3g}")
    ax.set(xlabel="threshold on P(positive)", ylabel=label, xlim=(0, 1), title=f"{label} against threshold")
    ax.legend(loc="best")
    return _svg(fig)


def reg_path(path, chosen_alpha) -> str:
    fig, ax = _fig(5.6, 3.6)
    alphas = np.asarray(path.alphas, dtype=float)
    coefs = np.asarray(path.coefs, dtype=float)[:, 0, :]
    for j in range(coefs.shape[1]):
        ax.plot(alphas, coefs[:, j], lw=1)
    ax.axvline(chosen_alpha, color=ORANGE, ls="-.", lw=1.5, label=f"chosen alpha {chosen_alpha:.3g}")
    ax.set_xscale("log")
    ax.invert_xaxis()
    ax.set(xlabel="alpha (log scale, decreasing)", ylabel="coefficient", title="Regularisation path")
    ax.legend(loc="best")
    return _svg(fig)
