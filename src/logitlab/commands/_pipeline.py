"""fit -> threshold -> evaluate -> files, shared by ``logitlab demo`` and ``logitlab fit``.

Everything is computed in memory first; files are written only at the end, each atomically,
so a failure leaves no partial output.
"""
from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import __version__
from .._errors import ParameterError
from . import _common as C


@dataclass
class Options:
    penalty: str | None = None
    alpha: float | None = None
    cv_alpha: bool = False
    link: str = "logit"
    firth: bool = False
    class_weight: object = None
    cost_fp: float | None = None
    cost_fn: float | None = None
    target_recall: float | None = None
    formula: str | None = None
    standardize: bool = False
    seed: int = 0
    extra_meta: dict = field(default_factory=dict)


def parse_class_weight(text, y):
    """'balanced' or 'label=weight,label=weight' (labels matched as text)."""
    if text is None or text == "balanced":
        return text
    labels = {str(c): c for c in np.unique(y)}
    out = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        if not sep or name.strip() not in labels:
            raise ParameterError(f"--class-weight {text!r}: expected 'balanced' or LABEL=WEIGHT pairs "
                                 f"with labels among {sorted(labels)}")
        try:
            out[labels[name.strip()]] = float(value)
        except ValueError:
            raise ParameterError(f"--class-weight: weight {value!r} is not a number") from None
    return out


def check_binary_options(opts: Options, classes, target):
    asked = [flag for flag, on in (("--cost-fp/--cost-fn", opts.cost_fp is not None or opts.cost_fn is not None),
                                   ("--target-recall", opts.target_recall is not None),
                                   ("--firth", opts.firth),
                                   (f"--link {opts.link}", opts.link != "logit")) if on]
    if len(classes) > 2 and asked:
        raise ParameterError(f"{asked[0]} needs a binary target, but {target!r} has {len(classes)} "
                             f"classes ({', '.join(map(str, classes[:6]))}); drop the option or "
                             "recode the target to two classes")
    if (opts.cost_fp is None) != (opts.cost_fn is None):
        raise ParameterError("give both --cost-fp and --cost-fn (the cost of a false positive and "
                             "of a false negative)")
    if opts.target_recall is not None and opts.cost_fp is not None:
        raise ParameterError("choose the threshold either by costs or by --target-recall, not both")
    if opts.firth and (opts.penalty or opts.cv_alpha):
        raise ParameterError("--firth is itself the penalty; drop --penalty / --cv-alpha")


def _sample_weight(class_weight, y):
    if class_weight is None:
        return None
    from sklearn.utils.class_weight import compute_sample_weight
    return compute_sample_weight(class_weight, y)


def make_model(opts: Options):
    from ..estimator import LogisticRegression
    if opts.cv_alpha:
        from ..selection import LogisticRegressionCV
        return LogisticRegressionCV(penalty=opts.penalty or "l2", link=opts.link, n_alphas=30,
                                    random_state=opts.seed)
    penalty = "firth" if opts.firth else opts.penalty
    alpha = opts.alpha if penalty not in (None, "firth") else None
    return LogisticRegression(penalty=penalty, alpha=alpha, link=opts.link,
                              class_weight=opts.class_weight)


def _oof_proba(model, X, y, seed):
    """Out-of-fold P(positive) on the training data (threshold chosen on unseen rows)."""
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold
    engine = clone(getattr(model, "estimator_", model))
    engine.set_params(check_separation=False)
    p = np.empty(len(y))
    folds = StratifiedKFold(5, shuffle=True, random_state=seed).split(X, y)
    for i, (tr, te) in enumerate(folds):
        C.progress(f"threshold: cross-validation fold {i + 1}/5")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p[te] = engine.fit(X.iloc[tr], y[tr]).predict_proba(X.iloc[te])[:, 1]
    return p


def run(train: pd.DataFrame, test: pd.DataFrame | None, target: str, features: list,
        opts: Options, *, source: str, title: str):
    """Returns (files: name -> text, summary text, model, encoder, evaluation)."""
    from ..evaluation import evaluate
    from ..export import model_to_dict
    from ..report import build_report, collect_warnings, summary_text
    from ..thresholds import candidate_thresholds, choose_threshold_proba, threshold_curve

    y_train = train[target].to_numpy()
    classes = np.unique(y_train)
    check_binary_options(opts, classes, target)
    if test is not None and not set(np.unique(test[target])) <= set(classes):
        raise ParameterError("the test split has classes not in the training split; use a larger --test-size or more data")
    X_train, encoder = C.design(train, features, formula=opts.formula, standardize=opts.standardize, fit=True)
    model = make_model(opts)
    C.progress("fitting" + (" (cross-validating alpha)" if opts.cv_alpha else ""))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if opts.cv_alpha:
            model.fit(X_train, y_train, sample_weight=_sample_weight(opts.class_weight, y_train))
        else:
            model.fit(X_train, y_train)
    caught = [w for w in caught if issubclass(w.category, UserWarning)]
    binary = len(classes) == 2

    choice, threshold, cost_matrix = None, (0.5 if binary else None), None
    if binary and (opts.cost_fp is not None or opts.target_recall is not None):
        p_oof = _oof_proba(model, X_train, y_train, opts.seed)
        if opts.cost_fp is not None:
            cost_matrix = np.array([[0.0, opts.cost_fp], [opts.cost_fn, 0.0]])
            choice = choose_threshold_proba(y_train, p_oof, classes, "cost", cost_matrix=cost_matrix)
        else:
            choice = choose_threshold_proba(y_train, p_oof, classes, "recall", target=opts.target_recall)
        threshold = float(choice.threshold)

    if test is None:
        eval_frame, X_eval = train, X_train
    else:
        eval_frame = test
        X_eval = (C.formula_design(test, opts.formula, list(X_train.columns)) if opts.formula
                  else C.design(test, features, encoder=encoder)[0])
    y_eval = eval_frame[target].to_numpy()
    evaluation = evaluate(model, X_eval, y_eval, threshold)
    curve = None
    if binary:
        p = model.predict_proba(X_eval)[:, 1]
        curve = threshold_curve((y_eval == classes[1]).astype(int), p, candidate_thresholds(p), cost_matrix)

    warn = collect_warnings(model, caught, train_evaluation=test is None)
    engine = getattr(model, "estimator_", model)
    notes = []
    if encoder is not None:
        refs = [f"{c['name']} (reference level {c['reference']!r})" for c in encoder.columns_
                if c["kind"] == "categorical"]
        if refs:
            notes.append("Categorical columns, one-hot against a reference level: " + "; ".join(refs))
    if choice is not None:
        how = (f"minimum expected cost with cost FP={opts.cost_fp}, FN={opts.cost_fn}"
               if cost_matrix is not None else f"recall >= {opts.target_recall}")
        notes.append(f"Threshold {threshold:.4g} chosen by {how} on 5-fold out-of-fold predictions "
                     "of the training data.")
    design_means = X_train.mean(axis=0).to_dict()
    from ..report import coef_table
    table = coef_table(model, X_train)
    meta = {"target": target, "positive_class": None if not binary else classes[1],
            "features": features, "formula": opts.formula, "design_means": design_means,
            "source": source, "rows_train": int(len(train)),
            "rows_test": 0 if test is None else int(len(test)),
            "threshold_method": None if choice is None else choice.method,
            "coef_table": table.to_dict(orient="list"), "warnings": [list(w) for w in warn],
            **opts.extra_meta}
    from .._eval_report import json_safe
    model_json = json.dumps(model_to_dict(model, preprocessing=None if encoder is None else encoder.to_dict(),
                                          threshold=threshold if binary else None, metadata=json_safe(meta)),
                            indent=1, allow_nan=False, ensure_ascii=False) + "\n"

    header = [f"logitlab {__version__}: {title}",
              f"target {target!r}, classes {list(map(str, classes))}"
              + (f", positive class {str(classes[1])!r}" if binary else ""),
              f"model: penalty={getattr(engine, 'penalty', None)!r} link={opts.link!r} "
              f"alpha={getattr(model, 'alpha_', None)} converged={getattr(engine, 'converged_', None)}",
              f"fitted on {len(train)} rows, {X_train.shape[1]} features"]
    header += [f"WARNING ({k}): {m}" for k, m in warn]
    text = "\n".join(header) + "\n\n" + summary_text(model, X_train, notes) + "\n"
    where = "test" if test is not None else "training"
    m = evaluation.metrics
    text += (f"evaluation on the {where} data ({evaluation.n} rows)"
             + (f" at threshold {threshold:.4g}" if binary else "") + ":\n")
    text += "".join(f"  {k:<22} {v:.4f}\n" for k, v in m.items() if isinstance(v, float)) + "\n"

    metrics = {k: v for k, v in evaluation.to_dict().items() if k != "curves"}
    metrics["evaluated_on"] = where
    if choice is not None:
        metrics["threshold_choice"] = {k: v for k, v in choice.to_dict().items() if k != "curve"}
    summary_html = None
    if callable(getattr(engine, "summary", None)):
        try:
            summary_html = engine.summary().to_html()
        except Exception:  # noqa: BLE001 - the report falls back to its own coefficient table
            summary_html = None
    html = build_report(model, evaluation, X_fit=X_train, title=title,
                        meta={"data": source, "target": target, "train rows": len(train),
                              "evaluated on": f"{where} ({evaluation.n} rows)"},
                        warnings=warn, threshold_curve=curve, cost=cost_matrix is not None,
                        path=getattr(model, "path_", None) if opts.cv_alpha else None, notes=notes, table=table,
                        summary_html=summary_html)
    files = {"model.json": model_json, "summary.txt": text, "metrics.json": C.dumps(metrics),
             "report.html": html}
    return files, text, model, encoder, evaluation
