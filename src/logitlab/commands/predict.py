"""``logitlab predict MODEL DATA``: probabilities, labels and reason codes for new rows."""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import _common as C

EPILOG = """\
Output: the input columns, then p_<class> (probability of each class; binary models give the
positive class only), "label" (positive when p >= threshold; the model's threshold unless
--threshold), and with --reasons K the K features pushing each row most towards the positive
class: reason_i and logodds_i (coefficient * (value - training mean), in log-odds).

Examples:
  logitlab predict churn-model/model.json new.csv                     # CSV on stdout
  logitlab predict churn-model/model.json new.csv --output scored.csv
  logitlab predict churn-model/model.json new.parquet --threshold 0.3 --reasons 3
"""


def register(sub):
    p = C.parser(sub, "predict", "score new data with a saved model",
                 "Write probabilities, labels and optional reason codes for DATA.", EPILOG)
    p.add_argument("model", metavar="MODEL", help="model.json written by 'logitlab fit', e.g. out/model.json")
    p.add_argument("data", metavar="DATA", help="CSV or Parquet file with the training columns, e.g. new.csv")
    C.add_threshold_option(p)
    p.add_argument("--reasons", type=int, default=0, metavar="K",
                   help="add the top-K reason codes per row (binary models), e.g. --reasons 3")
    p.add_argument("--output", "-o", metavar="FILE",
                   help="write CSV here (atomically) instead of stdout, e.g. --output scored.csv")
    C.add_table_options(p)
    p.set_defaults(func=run)


def reasons(model, X: pd.DataFrame, means: dict, k: int) -> pd.DataFrame:
    coef = np.asarray(model.coef_, dtype=float)[0]
    base = np.array([means.get(c, 0.0) if means.get(c) is not None else 0.0 for c in X.columns])
    contrib = (np.asarray(X, dtype=float) - base) * coef
    k = min(k, contrib.shape[1])
    order = np.argsort(-contrib, axis=1, kind="stable")[:, :k]
    top = np.take_along_axis(contrib, order, axis=1)
    names = np.asarray(X.columns, dtype=object)[order]
    out = {}
    for i in range(k):
        hit = top[:, i] > 0
        out[f"reason_{i + 1}"] = np.where(hit, names[:, i], "")
        out[f"logodds_{i + 1}"] = np.where(hit, np.round(top[:, i], 6), np.nan)
    return pd.DataFrame(out, index=X.index)


def run(args) -> int:
    import sys

    from .._errors import ParameterError

    bundle = C.load_model(args.model)
    model = bundle.model
    classes = list(model.classes_)
    binary = len(classes) == 2
    t = C.decision_threshold(args.threshold, bundle)
    if args.reasons < 0 or (args.reasons and not binary):
        raise ParameterError("--reasons needs a binary model and K >= 1")
    frame = C.read_table(args.data, args.sep)
    X, frame = C.bundle_design(bundle, frame, args.data, args.drop_missing)
    proba = model.predict_proba(X)
    out = frame.copy()
    if binary:
        out[f"p_{classes[1]}"] = proba[:, 1]
        out["label"] = np.where(proba[:, 1] >= t, classes[1], classes[0])
    else:
        for j, c in enumerate(classes):
            out[f"p_{c}"] = proba[:, j]
        out["label"] = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
    if args.reasons:
        out = pd.concat([out, reasons(model, X, (bundle.metadata or {}).get("design_means", {}), args.reasons)], axis=1)
    text = out.to_csv(index=False, float_format="%.10g")
    if args.output:
        C.atomic_write(args.output, text)
        print(f"wrote {len(out)} rows to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
