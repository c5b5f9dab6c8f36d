"""The ``logitlab`` command line, run as subprocesses of the installed package.

Commands run from a temporary working directory (so nothing is imported from the source tree
by accident) through the installed ``logitlab`` console script (falling back to
``python -m logitlab.cli``). Expected numbers come from the library itself, in process:
``load_bundle`` predictions and ``evaluate`` metrics must equal what the CLI wrote.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REF = Path(__file__).parent / "reference"
SCRIPT = shutil.which("logitlab")
CMD = [SCRIPT] if SCRIPT else [sys.executable, "-m", "logitlab.cli"]
ENV = {**os.environ, "PYTHONWARNINGS": "ignore", "MPLBACKEND": "Agg"}


def run(args, cwd, check=True):
    p = subprocess.run(CMD + [str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                       env=ENV, timeout=300)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def churn_frame(n=240, seed=1):
    rng = np.random.default_rng(seed)
    tenure = rng.uniform(0, 60, n).round(1)
    spend = rng.gamma(2.0, 30.0, n).round(2)
    plan = rng.choice(["basic", "plus", "pro"], n)
    eta = 1.0 - 0.06 * tenure + 0.01 * spend + np.where(plan == "pro", -1.0, 0.0)
    churned = np.where(rng.random(n) < 1 / (1 + np.exp(-eta)), "yes", "no")
    return pd.DataFrame({"tenure": tenure, "spend": spend, "plan": plan, "churned": churned})


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("cli")


@pytest.fixture(scope="module")
def demo(work):
    p = run(["demo", "--out", work / "demo"], cwd=work)
    return work / "demo", p


def demo_split():
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split
    data = load_breast_cancer(as_frame=True)
    frame = data.frame.drop(columns="target")
    frame["diagnosis"] = np.where(data.target == 0, "malignant", "benign")
    return train_test_split(frame, test_size=0.2, stratify=frame["diagnosis"], random_state=42)


def test_demo_outputs(demo):
    out, p = demo
    for name in ("model.json", "summary.txt", "metrics.json", "report.html"):
        assert (out / name).stat().st_size > 0
    assert "folder:" in p.stdout.splitlines()[-1] and str(out) in p.stdout
    assert "malignant" in p.stdout and "roc_auc" in p.stdout
    assert not [f for f in os.listdir(out) if f.startswith(".logitlab-")]  # no temporary files


def test_demo_model_predicts_identically_and_metrics_match(demo):
    from sklearn.preprocessing import StandardScaler

    from logitlab import LogisticRegression, evaluate
    from logitlab.export import load_bundle

    out, _ = demo
    train, test = demo_split()
    feats = [c for c in train.columns if c != "diagnosis"]
    # the documented recipe, independently: StandardScaler on the training part, L2 (C = 1)
    scaler = StandardScaler().fit(train[feats])
    ref = LogisticRegression(penalty="l2").fit(
        pd.DataFrame(scaler.transform(train[feats]), columns=feats), train["diagnosis"])
    bundle = load_bundle(out / "model.json")
    Xt = pd.DataFrame(scaler.transform(test[feats]), columns=feats)
    # 1e-9: the encoder's (x - mean) / std and StandardScaler's differ only by rounding
    np.testing.assert_allclose(bundle.predict_proba(test[feats]), ref.predict_proba(Xt), atol=1e-9)
    metrics = json.loads((out / "metrics.json").read_text())
    ev = evaluate(bundle.model, bundle.encoder().transform(test[feats]), test["diagnosis"], bundle.threshold)
    assert metrics["threshold"] == bundle.threshold == 0.5
    assert metrics["confusion_matrix"] == ev.confusion_matrix.tolist()
    for k, v in ev.metrics.items():
        assert metrics["metrics"][k] == pytest.approx(v, rel=1e-12, abs=1e-15), k


@pytest.fixture(scope="module")
def churn(work):
    frame = churn_frame()
    frame.loc[[3, 17], "spend"] = np.nan
    path = work / "churn.csv"
    frame.to_csv(path, index=False)
    p = run(["fit", path, "--target", "churned", "--cost-fp", 1, "--cost-fn", 4, "--drop-missing",
             "--out", work / "churn-model"], cwd=work)
    return path, work / "churn-model", p


def test_fit_writes_everything_with_categorical_and_cost_threshold(churn):
    from logitlab import evaluate
    from logitlab.export import load_bundle

    path, out, p = churn
    assert "dropped 2 of 240 rows" in p.stderr
    bundle = load_bundle(out / "model.json")
    assert list(bundle.model.feature_names_in_) == ["tenure", "spend", "plan[T.plus]", "plan[T.pro]"]
    assert "reference level 'basic'" in (out / "summary.txt").read_text()
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["threshold_choice"]["method"] == "cost"
    assert metrics["threshold"] == bundle.threshold != 0.5
    # metrics.json equals evaluate() on the same stratified test split
    from sklearn.model_selection import train_test_split
    frame = pd.read_csv(path).dropna()
    _, test = train_test_split(frame, test_size=0.2, stratify=frame["churned"], random_state=0)
    X = bundle.encoder().transform(test.drop(columns="churned"))
    ev = evaluate(bundle.model, X, test["churned"], bundle.threshold)
    for k, v in ev.metrics.items():
        assert metrics["metrics"][k] == pytest.approx(v, rel=1e-12, abs=1e-15), k
    html = (out / "report.html").read_text()
    assert 'data-figure="threshold"' in html and "expected cost" in html


def test_predict_matches_bundle_and_gives_reasons(churn, work):
    from logitlab.export import load_bundle

    path, out, _ = churn
    new = churn_frame(30, seed=9)
    new.to_csv(work / "new.csv", index=False)
    p = run(["predict", out / "model.json", work / "new.csv", "--reasons", 2], cwd=work)
    scored = pd.read_csv(__import__("io").StringIO(p.stdout))
    bundle = load_bundle(out / "model.json")
    np.testing.assert_allclose(scored["p_yes"], bundle.predict_proba(new)[:, 1], rtol=1e-9)
    assert (scored["label"].to_numpy() == bundle.predict(new)).all()
    assert {"reason_1", "logodds_1", "reason_2", "logodds_2"} <= set(scored.columns)
    run(["predict", out / "model.json", work / "new.csv", "--threshold", 0.0, "-o", work / "s.csv"], cwd=work)
    assert (pd.read_csv(work / "s.csv")["label"] == "yes").all()


def test_report_command(churn, work):
    _, out, _ = churn
    churn_frame(80, seed=5).to_csv(work / "march.csv", index=False)
    p = run(["report", out / "model.json", work / "march.csv", "--out", work / "march"], cwd=work)
    html = (work / "march" / "report.html").read_text()
    assert "saved model evaluated on march.csv" in html and 'data-figure="roc"' in html
    assert json.loads((work / "march" / "metrics.json").read_text())["n"] == 80
    assert "folder:" in p.stdout


def test_fit_separation_warning(work):
    p = run(["fit", REF / "endometrial.csv", "--target", "HG", "--test-size", 0, "--out", work / "endo"], cwd=work)
    assert "WARNING (separation)" in p.stdout and "NV" in p.stdout
    assert 'data-warning="separation"' in (work / "endo" / "report.html").read_text()
    # --cv-alpha (path figure, penalised warning) is run in test_report_browser.py


def test_help_explains_every_option_with_examples(work):
    from logitlab.cli import build_parser
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name in ("demo", "fit", "predict", "report"):
        sp = sub.choices[name]
        text = sp.format_help()
        assert "Examples:" in text and f"logitlab {name}" in text, name
        for action in sp._actions:
            assert action.help, (name, action.dest)
            for flag in action.option_strings:
                assert flag in text
    p = run(["fit", "--help"], cwd=work)  # and once through the installed script
    assert "--cost-fn" in p.stdout and "Examples:" in p.stdout


def test_shared_options_are_declared_once_with_the_same_help():
    """--sep / --drop-missing / --out / --threshold come from commands._common: the same help
    and behaviour wherever they appear."""
    from types import SimpleNamespace

    from logitlab import ParameterError
    from logitlab.cli import build_parser
    from logitlab.commands._common import decision_threshold
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")

    def option(command, flag):
        return next(a for a in sub.choices[command]._actions if flag in a.option_strings)

    for flag, commands in {"--sep": ("fit", "predict", "report"), "--drop-missing": ("fit", "predict", "report"),
                           "--threshold": ("predict", "report")}.items():
        helps = {option(c, flag).help for c in commands}
        assert len(helps) == 1, (flag, helps)
    for command in ("demo", "fit", "report"):
        out = option(command, "--out")
        assert out.help.startswith(f"output folder (default ./{out.default}), e.g. --out ")
    args = parser.parse_args(["report", "m.json", "d.csv", "--sep", ";", "--drop-missing", "--threshold", "0.3"])
    assert (args.sep, args.drop_missing, args.threshold, args.out) == (";", True, 0.3, "logitlab-report")

    def bundle(classes, threshold):
        return SimpleNamespace(model=SimpleNamespace(classes_=np.array(classes)), threshold=threshold)

    assert decision_threshold(None, bundle(["no", "yes"], None)) == 0.5
    assert decision_threshold(None, bundle(["no", "yes"], 0.0)) == 0.0  # a stored 0 is kept
    assert decision_threshold(0.3, bundle(["no", "yes"], 0.7)) == 0.3
    assert decision_threshold(None, bundle(["a", "b", "c"], None)) is None
    for t, classes in ((1.5, ["no", "yes"]), (0.3, ["a", "b", "c"])):
        with pytest.raises(ParameterError, match="--threshold needs a binary model"):
            decision_threshold(t, bundle(classes, None))


# -- bad input: one line on stderr, exit code 1, no traceback, no output ---------------------
def _bad_cases(d: Path, model: Path):
    d.mkdir(exist_ok=True)
    good = churn_frame(60)
    good.to_csv(d / "semi.csv", sep=";", index=False)
    (d / "binary.csv").write_bytes(b"\x89PNG\x00\x00\x01garbage" * 10)
    (d / "bad.parquet").write_text("not parquet")
    one = good.assign(churned="no")
    one.to_csv(d / "one.csv", index=False)
    three = good.assign(churned=np.resize(["a", "b", "c"], len(good)))
    three.to_csv(d / "three.csv", index=False)
    miss = good.copy()
    miss.loc[[1, 2], "tenure"] = np.nan
    miss.loc[[5], "plan"] = np.nan
    miss.to_csv(d / "miss.csv", index=False)
    good.drop(columns="plan").to_csv(d / "noplan.csv", index=False)
    good.to_csv(d / "good.csv", index=False)
    newer = json.loads(model.read_text())
    newer["schema_version"] = 99
    (d / "newer.json").write_text(json.dumps(newer))
    fit = ["fit", "--target", "churned", "--out", d / "out"]
    return {
        "missing file": (fit + [d / "nope.csv"], "no such file"),
        "binary file": (fit + [d / "binary.csv"], "binary file"),
        "bad parquet": (fit + [d / "bad.parquet"], "not a readable Parquet"),
        "wrong delimiter": (fit + [d / "semi.csv"], "--sep ';'"),
        "missing target": (["fit", d / "good.csv", "--target", "churn", "--out", d / "out"], "no target column 'churn'"),
        "one class": (fit + [d / "one.csv"], "one class only"),
        "binary-only option": (fit + [d / "three.csv", "--cost-fp", 1, "--cost-fn", 2], "needs a binary target"),
        "missing values": (fit + [d / "miss.csv"], "tenure (2 rows), plan (1 row)"),
        "predict columns differ": (["predict", model, d / "noplan.csv", "-o", d / "out.csv"], "columns differ from training"),
        "newer model file": (["predict", d / "newer.json", d / "good.csv", "-o", d / "out.csv"], "upgrade logitlab"),
        "report columns differ": (["report", model, d / "noplan.csv", "--out", d / "out"], "missing ['plan']"),
    }


@pytest.fixture(scope="module")
def bad_results(churn, work):
    from concurrent.futures import ThreadPoolExecutor
    cases = _bad_cases(work / "bad", churn[1] / "model.json")

    def one(item):  # two at a time: the machine is shared
        key, (args, msg) = item
        p = subprocess.run(CMD + [str(a) for a in args], cwd=work / "bad", env=ENV, text=True,
                           capture_output=True, timeout=300)
        return key, ((p.stdout, p.stderr), p.returncode, msg)
    with ThreadPoolExecutor(2) as pool:
        out = dict(pool.map(one, cases.items()))
    return work / "bad", out


BAD = ["missing file", "binary file", "bad parquet", "wrong delimiter", "missing target", "one class",
       "binary-only option", "missing values", "predict columns differ", "newer model file",
       "report columns differ"]


@pytest.mark.parametrize("case", BAD)
def test_bad_input(bad_results, case):
    folder, results = bad_results
    (stdout, stderr), code, msg = results[case]
    assert code == 1, (case, stderr)
    assert "Traceback" not in stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("logitlab "), stderr
    assert msg in lines[0], lines[0]
    assert not (folder / "out").exists() and not (folder / "out.csv").exists()
    assert not [f for f in os.listdir(folder) if f.startswith(".logitlab-")]


def test_read_table_parquet_and_sniffer(tmp_path):
    """In process: Parquet reads back; tab-separated CSV is named in the error."""
    from logitlab import DataError
    from logitlab.commands._common import read_table
    frame = churn_frame(20)
    frame.to_parquet(tmp_path / "c.parquet")
    pd.testing.assert_frame_equal(read_table(str(tmp_path / "c.parquet")), frame)
    frame.to_csv(tmp_path / "t.csv", sep="\t", index=False)
    with pytest.raises(DataError, match="--sep"):
        read_table(str(tmp_path / "t.csv"))
    pd.testing.assert_frame_equal(read_table(str(tmp_path / "t.csv"), sep="\t"), frame)


def test_fit_with_formula_matches_in_process_fit(work):
    from formulaic import model_matrix
    from sklearn.model_selection import train_test_split

    from logitlab import LogisticRegression
    from logitlab.commands._common import formula_design
    from logitlab.export import load_bundle

    churn_frame(150, seed=4).to_csv(work / "f.csv", index=False)
    rhs = "tenure + np.log(spend) + C(plan)"
    run(["fit", work / "f.csv", "--target", "churned", "--formula", f"churned ~ {rhs}",
         "--out", work / "formula"], cwd=work)
    bundle = load_bundle(work / "formula" / "model.json")
    assert bundle.metadata["formula"] == rhs
    frame = pd.read_csv(work / "f.csv")
    train, test = train_test_split(frame, test_size=0.2, stratify=frame["churned"], random_state=0)
    mm = model_matrix(rhs, train)
    Xtr = pd.DataFrame(np.asarray(mm), columns=list(mm.columns)).drop(columns="Intercept")
    ref = LogisticRegression().fit(Xtr, train["churned"].to_numpy())
    Xte = formula_design(test, rhs, list(bundle.model.feature_names_in_))
    np.testing.assert_allclose(bundle.model.predict_proba(Xte), ref.predict_proba(Xte), rtol=1e-10)


def test_progress_only_on_a_terminal(monkeypatch, capsys):
    from logitlab.commands import _common
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    _common.progress("fold 1/5")
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    _common.progress("fold 1/5")
    assert "fold 1/5" in capsys.readouterr().err
