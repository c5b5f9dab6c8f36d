"""``logitlab fit DATA --target COL``: fit, explain, evaluate and report on a CSV / Parquet file."""
from __future__ import annotations

import os

from . import _common as C

EPILOG = """\
Text columns are categorical: one-hot against a reference level (the first in sorted order),
named in the summary. With --formula the right-hand side decides the columns instead.
The threshold is 0.5 unless --cost-fp/--cost-fn or --target-recall choose it on 5-fold
out-of-fold predictions of the training part. Output folder: model.json, summary.txt,
metrics.json (evaluation on the test part), report.html.

Examples:
  logitlab fit churn.csv --target churned
  logitlab fit churn.csv --target churned --out churn-model --test-size 0.25 --seed 7
  logitlab fit churn.parquet --target churned --penalty l1 --cv-alpha
  logitlab fit churn.csv --target churned --formula "tenure + np.log(spend) + C(plan)"
  logitlab fit churn.csv --target churned --cost-fp 1 --cost-fn 5
  logitlab fit churn.csv --target churned --target-recall 0.9 --class-weight balanced
  logitlab fit sex2.csv --target case --firth --test-size 0
  logitlab fit data.csv --target y --sep ';' --drop-missing
"""


def register(sub):
    p = C.parser(sub, "fit", "fit a model to a CSV / Parquet file and write model, metrics, report",
                 "Fit a logistic regression to DATA and write model.json, summary.txt, "
                 "metrics.json and report.html to --out.", EPILOG)
    p.add_argument("data", metavar="DATA", help="CSV or Parquet (.parquet/.pq) file, e.g. churn.csv")
    p.add_argument("--target", required=True, metavar="COL", help="outcome column, e.g. --target churned")
    p.add_argument("--formula", metavar="RHS",
                   help="right-hand side of a formula (formulaic), e.g. \"age + C(region) + age:income\"; "
                        "'y ~ ...' is accepted too")
    p.add_argument("--penalty", choices=["l1", "l2", "elasticnet"],
                   help="penalty (default: none = maximum likelihood), e.g. --penalty l2")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--alpha", type=float, metavar="A",
                   help="penalty strength (default: 1/n, scikit-learn's C=1), e.g. --alpha 0.01")
    g.add_argument("--cv-alpha", action="store_true",
                   help="choose alpha by 5-fold cross-validation (penalty defaults to l2)")
    p.add_argument("--link", choices=["logit", "probit", "cloglog"], default="logit",
                   help="link function (default logit), e.g. --link probit")
    p.add_argument("--firth", action="store_true",
                   help="Firth's bias-reduced fit: finite estimates even under separation")
    p.add_argument("--class-weight", metavar="W",
                   help="'balanced' or LABEL=WEIGHT pairs, e.g. --class-weight yes=5,no=1")
    p.add_argument("--standardize", action="store_true",
                   help="centre and scale numeric columns (stored in model.json for predict)")
    p.add_argument("--test-size", type=float, default=0.2, metavar="F",
                   help="fraction held out (stratified) for evaluation (default 0.2; 0 = evaluate "
                        "on the training data), e.g. --test-size 0.3")
    p.add_argument("--seed", type=int, default=0, help="random seed of the split and folds (default 0)")
    p.add_argument("--cost-fp", type=float, metavar="C", help="cost of a false positive, e.g. --cost-fp 1")
    p.add_argument("--cost-fn", type=float, metavar="C", help="cost of a false negative, e.g. --cost-fn 5")
    p.add_argument("--target-recall", type=float, metavar="R",
                   help="choose the highest threshold reaching this recall, e.g. --target-recall 0.9")
    C.add_table_options(p)
    C.add_out_option(p, "logitlab-fit", "churn-model")
    p.set_defaults(func=run)


def run(args) -> int:
    from .._errors import ParameterError
    from ._pipeline import Options, parse_class_weight, run as pipeline

    if not 0 <= args.test_size < 1:
        raise ParameterError(f"--test-size must be in [0, 1), got {args.test_size}")
    for name in ("cost_fp", "cost_fn", "alpha"):
        v = getattr(args, name)
        if v is not None and not v >= 0:
            raise ParameterError(f"--{name.replace('_', '-')} must be >= 0, got {v}")
    if args.target_recall is not None and not 0 < args.target_recall <= 1:
        raise ParameterError(f"--target-recall must be in (0, 1], got {args.target_recall}")
    frame = C.read_table(args.data, args.sep)
    formula = args.formula
    target = args.target
    if formula and "~" in formula:
        lhs, formula = (s.strip() for s in formula.split("~", 1))
        if lhs and lhs != target:
            raise ParameterError(f"--formula has {lhs!r} on the left but --target is {target!r}")
    C.check_target(frame, target, args.data)
    features = [c for c in frame.columns if c != target]
    if not features:
        raise ParameterError(f"{args.data}: no columns besides the target {target!r}")
    used = list(frame.columns) if formula else [target] + features
    frame = C.handle_missing(frame, used, args.drop_missing, args.data)
    classes = C.target_classes(frame[target], args.data, target)
    opts = Options(penalty=args.penalty, alpha=args.alpha, cv_alpha=args.cv_alpha, link=args.link,
                   firth=args.firth, class_weight=parse_class_weight(args.class_weight, frame[target]),
                   cost_fp=args.cost_fp, cost_fn=args.cost_fn, target_recall=args.target_recall,
                   formula=formula, standardize=args.standardize, seed=args.seed)
    train, test = frame, None
    if args.test_size > 0:
        from sklearn.model_selection import train_test_split
        counts = frame[target].value_counts()
        if counts.min() < 2:
            raise ParameterError(f"class {counts.idxmin()!r} has {counts.min()} row: too few to split; "
                                 "use --test-size 0")
        train, test = train_test_split(frame, test_size=args.test_size, stratify=frame[target],
                                       random_state=args.seed)
    del classes
    files, text, *_ = pipeline(train, test, target, features, opts, source=os.path.basename(args.data),
                               title=f"{target}: logistic regression on {os.path.basename(args.data)}")
    written = C.write_outputs(args.out, files)
    print(text, end="")
    print("wrote " + ", ".join(written))
    print(f"folder: {os.path.abspath(args.out)}")
    return 0
