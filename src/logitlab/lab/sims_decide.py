"""Simulations 10-12: thresholds and base rates, regularisation, XOR and rings."""
from __future__ import annotations

import functools
import warnings

import numpy as np
from sklearn import metrics

from ._common import as_points, data_from, fit, fl, measure, py_data, separation
from ._params import LabRequestError, choice, flag, integer, number
from .data import PRESETS, feature_map, feature_names, grid, make_preset

THRESHOLDS = np.round(np.linspace(0.0, 1.0, 101), 2)
ALPHAS = np.logspace(0.0, -3.0, 31)  # the regularisation path, strong to weak
FEATURE_ALPHA = 0.01  # small ridge in the XOR / rings fits: the curved fits separate the data


def threshold_data(seed: int = 0, prevalence: float = 0.1, n: int = 600):
    """Two overlapping classes with a given share of positives."""
    rng = np.random.default_rng(int(seed))
    n1 = max(3, int(round(prevalence * n)))
    n0 = n - n1
    X = np.vstack([rng.normal((-0.6, -0.4), 1.0, (n0, 2)), rng.normal((0.9, 0.6), 1.0, (n1, 2))])
    return np.round(X, 3), np.array([0] * n0 + [1] * n1)


@functools.lru_cache(maxsize=32)
def _threshold_fit(seed: int, prevalence: float):
    X, y = threshold_data(seed, prevalence)
    model, warns = fit(X, y)
    return X, y, model.predict_proba(X)[:, 1], model, warns


def thresholds(p: dict) -> dict:
    """Confusion matrix and metrics at every threshold of a grid, ROC and PR curves."""
    seed = integer(p, "seed", 0, 0, 2**31 - 1)
    prev = round(number(p, "prevalence", 0.1, 0.01, 0.5), 3)
    thr = number(p, "threshold", 0.5, 0.0, 1.0)
    X, y, proba, model, warns = _threshold_fit(seed, prev)
    table = []
    for t in THRESHOLDS:
        pred = proba >= t
        tp = int(np.sum(pred & (y == 1)))
        fp = int(np.sum(pred & (y == 0)))
        fn = int(np.sum(~pred & (y == 1)))
        tn = int(np.sum(~pred & (y == 0)))
        prec = tp / (tp + fp) if tp + fp else None
        rec = tp / (tp + fn) if tp + fn else None
        f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
        table.append({
            "threshold": float(t), "tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "precision": prec, "recall": rec, "f1": f1,
            "accuracy": (tp + tn) / len(y), "fpr": fp / (fp + tn) if fp + tn else None,
        })
    i = int(np.argmin(np.abs(THRESHOLDS - thr)))
    fpr, tpr, _ = metrics.roc_curve(y, proba)
    prec, rec, _ = metrics.precision_recall_curve(y, proba)
    edges = np.linspace(0, 1, 21)
    code = (
        "import numpy as np\nfrom sklearn import metrics\nfrom logitlab import LogisticRegression\n"
        "from logitlab.lab.sims_decide import threshold_data\n\n"
        f"X, y = threshold_data(seed={seed}, prevalence={prev:g})\n"
        "p = LogisticRegression().fit(X, y).predict_proba(X)[:, 1]\n"
        f"pred = p >= {THRESHOLDS[i]:g}\n"
        "tn, fp, fn, tp = metrics.confusion_matrix(y, pred).ravel()\n"
        "print('TP', tp, 'FP', fp, 'FN', fn, 'TN', tn)\n"
        "print('precision', metrics.precision_score(y, pred, zero_division=np.nan),\n"
        "      'recall', metrics.recall_score(y, pred), 'F1', metrics.f1_score(y, pred))\n"
        "print('accuracy', metrics.accuracy_score(y, pred), 'vs always-negative', np.mean(y == 0))\n"
        "print('ROC AUC', metrics.roc_auc_score(y, p), 'average precision', metrics.average_precision_score(y, p))\n"
    )
    return {
        "seed": seed,
        "prevalence": prev,
        "n": int(len(y)),
        "n_pos": int(np.sum(y)),
        "index": i,
        "current": table[i],
        "table": table,
        "roc": {"fpr": fl(fpr), "tpr": fl(tpr), "auc": float(metrics.roc_auc_score(y, proba))},
        "pr": {
            "precision": fl(prec), "recall": fl(rec),
            "ap": float(metrics.average_precision_score(y, proba)),
        },
        "baseline_accuracy": float(np.mean(y == 0)),
        "hist": {
            "edges": fl(edges),
            "neg": [int(c) for c in np.histogram(proba[y == 0], edges)[0]],
            "pos": [int(c) for c in np.histogram(proba[y == 1], edges)[0]],
            "neg_share": fl(np.histogram(proba[y == 0], edges)[0] / max(1, np.sum(y == 0))),
            "pos_share": fl(np.histogram(proba[y == 1], edges)[0] / max(1, np.sum(y == 1))),
        },
        "coef": fl(model.coef_[0]),
        "intercept": float(model.intercept_[0]),
        "warnings": warns,
        "python": code,
    }


def _try_fit(X, y, **params) -> dict:
    try:
        model, warns = fit(X, y, **params)
    except LabRequestError as exc:
        return {"error": str(exc), "warnings": []}
    return {
        "b": float(model.intercept_[0]),
        "w": fl(model.coef_[0]),
        "converged": bool(np.all(getattr(model, "converged_", True))),
        "n_iter": int(np.max(model.n_iter_)),
        "separation": separation(model),
        "warnings": warns,
        "max_proba": float(np.max(model.predict_proba(X), axis=1).max()),
        **measure(X, y, model.coef_[0], model.intercept_[0]),
    }


@functools.lru_cache(maxsize=32)
def _path(preset: str, seed: int, penalty: str):
    X, y = make_preset(preset, seed)
    model = None
    rows = []
    for a in ALPHAS:
        if model is None:
            model, warns = fit(X, y, penalty=penalty, alpha=float(a), warm_start=True)
        else:
            model.set_params(alpha=float(a))
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                model.fit(X, y)
            warns = [f"{c.category.__name__}: {c.message}" for c in caught]
        rows.append({
            "alpha": float(a),
            "b": float(model.intercept_[0]),
            "w": fl(model.coef_[0]),
            "n_iter": int(np.max(model.n_iter_)),
            "warnings": warns,
            **measure(X, y, model.coef_[0], model.intercept_[0]),
        })
    return X, y, rows


def regularisation(p: dict) -> dict:
    """A warm-started L2 or L1 path over alpha, and separated data fitted three ways."""
    preset = choice(p, "preset", "overlapping", PRESETS)
    seed = integer(p, "seed", 0, 0, 2**31 - 1)
    penalty = choice(p, "penalty", "l2", ("l2", "l1"))
    k = integer(p, "k", 15, 0, len(ALPHAS) - 1)
    X, y, rows = _path(preset, seed, penalty)
    Xs, ys = make_preset("separable", seed)
    alpha = float(ALPHAS[k])
    sep = {
        "none": _try_fit(Xs, ys),
        "l2": _try_fit(Xs, ys, penalty="l2", alpha=alpha),
        "firth": _try_fit(Xs, ys, penalty="firth"),
    }
    code = (
        "import numpy as np\nfrom logitlab import LogisticRegression\n"
        + py_data(X, y, {"kind": "preset", "preset": preset, "seed": seed})
        + f"model = LogisticRegression(penalty={penalty!r}, warm_start=True)\n"
        f"for alpha in np.logspace(0, -3, 31)[:{k + 1}]:   # strong to weak, each fit starts at the last\n"
        "    model.set_params(alpha=alpha).fit(X, y)\n"
        "    print(f'alpha={alpha:.4g}  b={model.intercept_[0]:.4f}  w={model.coef_[0]}')\n\n"
        f"Xs, ys = make_preset('separable', seed={seed})\n"
        "for kw in ({}, {'penalty': 'l2', 'alpha': alpha}, {'penalty': 'firth'}):\n"
        "    m = LogisticRegression(**kw).fit(Xs, ys)\n"
        "    print(kw, m.intercept_, m.coef_, m.separation_)\n"
    )
    return {
        "preset": preset,
        "seed": seed,
        "penalty": penalty,
        "k": k,
        "alpha": alpha,
        "alphas": fl(ALPHAS),
        "path": rows,
        "current": rows[k],
        "points": as_points(X, y),
        "separated": {"points": as_points(Xs, ys), "fits": sep},
        "python": code,
    }


def features(p: dict) -> dict:
    """A linear model on XOR or rings, with x1*x2 and x1^2 + x2^2 features to switch on."""
    X, y, source = data_from(p, "xor")
    product = flag(p, "product", False)
    radius = flag(p, "radius", False)
    F = feature_map(X, product, radius)
    names = feature_names(product, radius)
    model, warns = fit(F, y, penalty="l2", alpha=FEATURE_ALPHA)
    G = grid(64, 48)
    P = model.predict_proba(feature_map(G, product, radius))[:, 1]
    args = ", ".join(a for a, on in (("product=True", product), ("radius=True", radius)) if on)
    code = (
        "import numpy as np\nfrom logitlab import LogisticRegression\n"
        "from logitlab.lab.data import feature_map\n"
        + py_data(X, y, source)
        + f"F = feature_map(X{', ' + args if args else ''})   # columns {', '.join(names)}\n"
        f"model = LogisticRegression(penalty='l2', alpha={FEATURE_ALPHA:g}).fit(F, y)\n"
        "print('b', model.intercept_[0], 'w', model.coef_[0])\n"
        "print('accuracy', model.score(F, y))\n"
    )
    return {
        "points": as_points(X, y),
        "product": product,
        "radius": radius,
        "names": names,
        "alpha": FEATURE_ALPHA,
        "b": float(model.intercept_[0]),
        "w": fl(model.coef_[0]),
        "grid": {"nx": 64, "ny": 48, "proba": fl(np.round(P, 4))},
        **measure(F, y, model.coef_[0], model.intercept_[0]),
        "warnings": warns,
        "python": code,
    }


__all__ = ["thresholds", "regularisation", "features", "threshold_data", "THRESHOLDS", "ALPHAS"]
