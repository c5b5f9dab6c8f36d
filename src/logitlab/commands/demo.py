"""``logitlab demo``: the whole pipeline on the Breast Cancer Wisconsin data."""
from __future__ import annotations

import os

from . import _common as C

EPILOG = """\
What it does:
  loads scikit-learn's Breast Cancer Wisconsin data (569 tumours, 30 features; positive
  class 'malignant'), splits it 80/20 stratified (random_state=42), standardises the features
  on the training part, fits an L2-penalised logistic regression (scikit-learn's default
  strength, C = 1), prints the summary, evaluates on the test part and writes
  model.json, summary.txt, metrics.json and report.html.

Examples:
  logitlab demo                      # writes ./logitlab-demo/
  logitlab demo --out /tmp/demo      # choose the folder
  logitlab demo --unpenalised        # maximum likelihood: see the separation warning
"""


def register(sub):
    p = C.parser(sub, "demo", "run the whole pipeline on built-in data and write a report",
                 "Fit, explain, evaluate and report on the Breast Cancer Wisconsin data.", EPILOG)
    C.add_out_option(p, "logitlab-demo", "/tmp/demo")
    p.add_argument("--unpenalised", action="store_true",
                   help="fit by plain maximum likelihood instead of L2 (the data are separable: "
                        "the report then shows the separation warning)")
    p.set_defaults(func=run)


def run(args) -> int:
    import numpy as np
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    from ._pipeline import Options, run as pipeline

    data = load_breast_cancer(as_frame=True)
    frame = data.frame.drop(columns="target")
    frame["diagnosis"] = np.where(data.target == 0, "malignant", "benign")
    train, test = train_test_split(frame, test_size=0.2, stratify=frame["diagnosis"], random_state=42)
    opts = Options(penalty=None if args.unpenalised else "l2", standardize=True, seed=42,
                   extra_meta={"demo": "breast_cancer"})
    files, text, *_ = pipeline(train, test, "diagnosis", list(data.feature_names), opts,
                               source="scikit-learn Breast Cancer Wisconsin (diagnostic)",
                               title="Breast cancer diagnosis: logistic regression")
    written = C.write_outputs(args.out, files)
    print(text, end="")
    print("wrote " + ", ".join(os.path.basename(w) for w in written))
    print(f"open {os.path.join(os.path.abspath(args.out), 'report.html')}")
    print(f"folder: {os.path.abspath(args.out)}")
    return 0
