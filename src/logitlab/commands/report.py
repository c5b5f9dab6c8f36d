"""``logitlab report MODEL DATA --target COL``: evaluate a saved model on new data, write the report."""
from __future__ import annotations

import os

from . import _common as C

EPILOG = """\
Evaluates the saved model (at its stored threshold unless --threshold) on DATA, which must
contain the training columns and the target, and writes report.html and metrics.json to --out.
The coefficient table is the one stored at fit time.

Examples:
  logitlab report churn-model/model.json march.csv --target churned --out march-report
  logitlab report churn-model/model.json march.parquet --target churned --threshold 0.3
"""


def register(sub):
    p = C.parser(sub, "report", "evaluate a saved model on new data and write report.html",
                 "Evaluate MODEL on DATA and write a self-contained HTML report.", EPILOG)
    p.add_argument("model", metavar="MODEL", help="model.json written by 'logitlab fit'")
    p.add_argument("data", metavar="DATA", help="CSV or Parquet file with the training columns and the target")
    p.add_argument("--target", metavar="COL",
                   help="outcome column (default: the one the model was trained on), e.g. --target churned")
    C.add_threshold_option(p)
    C.add_table_options(p)
    C.add_out_option(p, "logitlab-report", "march-report")
    p.set_defaults(func=run)


def run(args) -> int:
    import pandas as pd

    from .._errors import ParameterError
    from ..evaluation import evaluate
    from ..report import build_report, collect_warnings
    from ..thresholds import candidate_thresholds, threshold_curve

    bundle = C.load_model(args.model)
    meta = bundle.metadata or {}
    target = args.target or meta.get("target")
    if not target:
        raise ParameterError("the model file names no target; pass --target COL")
    model = bundle.model
    classes = list(model.classes_)
    binary = len(classes) == 2
    threshold = C.decision_threshold(args.threshold, bundle)
    frame = C.read_table(args.data, args.sep)
    C.check_target(frame, target, args.data)
    frame = C.handle_missing(frame, [target], args.drop_missing, args.data)
    X, frame = C.bundle_design(bundle, frame, args.data, args.drop_missing)
    y = frame[target].to_numpy()
    C.target_classes(frame[target], args.data, target)
    ev = evaluate(model, X, y, threshold)
    curve = None
    if binary:
        p = model.predict_proba(X)[:, 1]
        curve = threshold_curve((y == classes[1]).astype(int), p, candidate_thresholds(p))
    table = pd.DataFrame(meta["coef_table"]).astype({k: float for k in meta["coef_table"] if k not in ("term", "class")}) \
        if meta.get("coef_table") else None
    warn = [tuple(w) for w in meta.get("warnings", []) if w[0] != "training-data"]
    if table is None:
        warn = collect_warnings(model)
    name = os.path.basename(args.data)
    html = build_report(model, ev, X_fit=X, table=table, warnings=warn, threshold_curve=curve,
                        title=f"{target}: saved model evaluated on {name}",
                        meta={"model": os.path.basename(args.model), "data": name, "target": target,
                              "rows": len(frame)},
                        notes=["Warnings are those recorded when the model was fitted."] if table is not None else ())
    metrics = {k: v for k, v in ev.to_dict().items() if k != "curves"}
    written = C.write_outputs(args.out, {"report.html": html, "metrics.json": C.dumps(metrics)})
    print(str(ev))
    print("wrote " + ", ".join(written))
    print(f"folder: {os.path.abspath(args.out)}")
    return 0
