"""JSON model files (round trip, tampered files, atomic writes) and SQL export run in SQLite."""
import json
import math
import os
import sqlite3

import numpy as np
import pandas as pd
import pytest

import logitlab
from logitlab import DataError, LogisticRegression, ParameterError
from logitlab.export import SCHEMA_VERSION, load_bundle, save, to_sql
from logitlab.preprocessing import TabularEncoder


def _data(n=300, d=4, K=2, seed=0, labels=None):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    B = rng.normal(size=(d, K))
    codes = np.argmax(X @ B + rng.gumbel(size=(n, K)), axis=1)
    y = codes if labels is None else np.asarray(labels)[codes]
    return X, y


def _fit(K=2, labels=None, frame=True, **kw):
    X, y = _data(K=K, labels=labels)
    if frame:
        X = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    kw.setdefault("penalty", "l2")
    return LogisticRegression(**kw).fit(X, y), X, y


@pytest.fixture(params=["binary-int", "binary-str", "binary-bool", "multinomial-str", "array"])
def fitted(request):
    kind = request.param
    if kind == "binary-int":
        return _fit(labels=[3, 7])
    if kind == "binary-str":
        return _fit(labels=["no", "yes"])
    if kind == "binary-bool":
        return _fit(labels=[False, True])
    if kind == "multinomial-str":
        return _fit(K=4, labels=["a", "b", "c", "d"])
    return _fit(frame=False)


def test_round_trip_predictions_equal(fitted, tmp_path):
    model, X, y = fitted
    p = tmp_path / "model.json"
    save(model, p)
    back = logitlab.load(p)
    # floats are written with repr precision, so the coefficients come back bit for bit
    np.testing.assert_array_equal(back.coef_, model.coef_)
    np.testing.assert_array_equal(back.intercept_, model.intercept_)
    np.testing.assert_allclose(back.predict_proba(X), model.predict_proba(X), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(back.predict(X), model.predict(X))
    assert back.classes_.dtype.kind == np.asarray(model.classes_).dtype.kind or \
        back.classes_.dtype.kind in "U" and np.asarray(model.classes_).dtype.kind in "UO"
    assert back.model_kind_ == model.model_kind_
    assert list(back.classes_) == list(model.classes_)
    if isinstance(X, pd.DataFrame):
        assert list(back.feature_names_in_) == list(X.columns)


def test_probit_round_trip(tmp_path):
    model, X, _ = _fit(link="probit")
    save(model, tmp_path / "m.json")
    back = logitlab.load(tmp_path / "m.json")
    np.testing.assert_allclose(back.predict_proba(X), model.predict_proba(X), rtol=0, atol=1e-12)


def test_bundle_with_encoder_threshold_and_metadata(tmp_path):
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"age": rng.normal(50, 10, 200), "region": rng.choice(["n", "s", "w"], 200)})
    y = (rng.random(200) < 0.4).astype(int)
    enc = TabularEncoder(standardize=True).fit(df)
    model = LogisticRegression(penalty="l2").fit(enc.transform(df), y)
    save(model, tmp_path / "m.json", preprocessing=enc.to_dict(), threshold=0.3,
         metadata={"trained_on": "unit test", "rows": 200})
    b = load_bundle(tmp_path / "m.json")
    assert b.threshold == 0.3 and b.metadata == {"trained_on": "unit test", "rows": 200}
    assert b.schema_version == SCHEMA_VERSION and b.logitlab_version == logitlab.__version__
    np.testing.assert_allclose(b.predict_proba(df), model.predict_proba(enc.transform(df)), atol=1e-12)
    p1 = model.predict_proba(enc.transform(df))[:, 1]
    np.testing.assert_array_equal(b.predict(df), (p1 >= 0.3).astype(int))
    assert b.encoder().feature_names_ == list(model.feature_names_in_)


def _saved(tmp_path, K=2):
    model, X, _ = _fit(K=K, labels=None if K == 2 else ["a", "b", "c"])
    p = tmp_path / "m.json"
    save(model, p)
    return p, json.loads(p.read_text())


def _write(tmp_path, data):
    p = tmp_path / "tampered.json"
    p.write_text(json.dumps(data))
    return p


@pytest.mark.parametrize("field", ["format", "schema_version", "logitlab_version", "model",
                                   "model.coef", "model.intercept", "model.classes", "model.link",
                                   "model.model_kind", "model.n_features", "model.feature_names",
                                   "model.classes.values", "model.classes.dtype"])
def test_missing_field_is_named(tmp_path, field):
    _, data = _saved(tmp_path)
    obj, *rest = field.split(".")
    target = data
    parts = field.split(".")
    for part in parts[:-1]:
        target = target[part]
    del target[parts[-1]]
    with pytest.raises(DataError, match=rf"field '{field}' is missing"):
        logitlab.load(_write(tmp_path, data))


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d.update(schema_version="1"), "schema_version"),
    (lambda d: d["model"].update(coef=[["0.1", 2, 3, 4]]), r"model.coef\[0\]\[0\]"),
    (lambda d: d["model"].update(coef=[[True, 2, 3, 4]]), r"model.coef\[0\]\[0\]"),
    (lambda d: d["model"].update(intercept=0.5), "model.intercept"),
    (lambda d: d["model"].update(link="logistic"), "model.link"),
    (lambda d: d["model"].update(model_kind="ordinal"), "model.model_kind"),
    (lambda d: d["model"]["classes"].update(values=[0, "1"]), r"model.classes.values\[1\]"),
    (lambda d: d["model"]["classes"].update(dtype="complex"), "model.classes.dtype"),
    (lambda d: d["model"].update(feature_names=[1, 2, 3, 4]), "model.feature_names"),
    (lambda d: d.update(threshold="0.5"), "threshold"),
    (lambda d: d.update(threshold=1.5), "threshold"),
    (lambda d: d.update(metadata=[1]), "metadata"),
    (lambda d: d.update(format="something-else"), "format"),
])
def test_wrong_types_are_named(tmp_path, mutate, field):
    _, data = _saved(tmp_path)
    mutate(data)
    with pytest.raises(DataError, match=rf"field '{field}'"):
        logitlab.load(_write(tmp_path, data))


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d["model"].update(coef=[[0.1, 0.2, 0.3]]), "model.coef"),
    (lambda d: d["model"].update(coef=[[0.1, 0.2, 0.3, 0.4]] * 2), "model.coef"),
    (lambda d: d["model"].update(coef=[[0.1, 0.2], [0.1]]), "model.coef"),
    (lambda d: d["model"].update(intercept=[0.1, 0.2]), "model.intercept"),
    (lambda d: d["model"].update(n_features=5), "model.feature_names"),
    (lambda d: d["model"]["classes"].update(values=[0, 1, 2]), "model.classes.values"),
])
def test_mismatched_shapes_are_named(tmp_path, mutate, field):
    _, data = _saved(tmp_path)
    mutate(data)
    with pytest.raises(DataError, match=rf"field '{field}'"):
        logitlab.load(_write(tmp_path, data))


def test_newer_schema_and_garbage(tmp_path):
    _, data = _saved(tmp_path)
    data["schema_version"] = SCHEMA_VERSION + 1
    with pytest.raises(DataError, match="newer than this logitlab.*upgrade"):
        logitlab.load(_write(tmp_path, data))
    p = tmp_path / "bad.json"
    p.write_text('{"format": "logitlab-model", "schema_version": 1')
    with pytest.raises(DataError, match="not valid JSON"):
        logitlab.load(p)
    p.write_text(p.read_text() + "}".replace("}", ', "x": NaN}'))
    with pytest.raises(DataError, match="NaN"):
        logitlab.load(p)
    p.write_text("[1, 2]")
    with pytest.raises(DataError, match="JSON object"):
        logitlab.load(p)
    with pytest.raises(DataError, match="no such file"):
        logitlab.load(tmp_path / "missing.json")


def test_tampered_encoder_is_named(tmp_path):
    df = pd.DataFrame({"a": [1.0, 2, 3, 4], "g": ["x", "y", "x", "y"]})
    enc = TabularEncoder().fit(df)
    model = LogisticRegression(penalty="l2").fit(enc.transform(df), [0, 1, 1, 0])
    save(model, tmp_path / "m.json", preprocessing=enc.to_dict())
    data = json.loads((tmp_path / "m.json").read_text())
    data["preprocessing"]["columns"][1]["reference"] = "z"
    with pytest.raises(DataError, match=r"preprocessing.columns\[1\].reference"):
        load_bundle(_write(tmp_path, data))


def test_save_is_atomic_and_validates(tmp_path, monkeypatch):
    model, X, _ = _fit()
    p = tmp_path / "m.json"
    save(model, p)
    before = p.read_text()
    with pytest.raises(DataError, match="JSON-safe"):
        save(model, p, metadata={"when": object()})
    with pytest.raises(ParameterError, match="threshold"):
        save(model, p, threshold=2.0)
    with pytest.raises(ParameterError, match="unknown extras"):
        save(model, p, colour="blue")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        save(model, p, metadata={"v": 2})
    monkeypatch.undo()
    assert p.read_text() == before
    assert sorted(os.listdir(tmp_path)) == ["m.json"]  # no temporary file left behind
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        save(LogisticRegression(), tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()


# ---------------------------------------------------------------------------------------------
# SQL
# ---------------------------------------------------------------------------------------------
def _connect():
    """SQLite connection with EXP. Debian's SQLite >= 3.35 is built with math functions; when a
    build lacks them we register a deterministic Python EXP so the same standard SQL runs (the
    generated SQL itself never depends on this)."""
    con = sqlite3.connect(":memory:")
    try:
        con.execute("SELECT EXP(0.0)").fetchone()
    except sqlite3.OperationalError:
        def _exp(x):
            return None if x is None else (math.inf if x > 709.7 else math.exp(x))
        con.create_function("EXP", 1, _exp, deterministic=True)
    return con


HOSTILE = ['plain', 'has space', 'quo"te', "x'); DROP TABLE scores; --", 'SELECT', 'ünï"cödé"']


@pytest.mark.parametrize("K, labels", [(2, [0, 1]), (2, ["bad", "good"]), (3, ["a", "b", "c"]),
                                       (5, [10, 20, 30, 40, 50])])
def test_sql_matches_predict_proba_in_sqlite(K, labels):
    rng = np.random.default_rng(K)
    X, y = _data(n=400, d=len(HOSTILE), K=K, labels=labels, seed=K)
    df = pd.DataFrame(X, columns=HOSTILE)
    model = LogisticRegression(penalty="l2", alpha=1e-3).fit(df, y)
    test = pd.DataFrame(rng.normal(size=(100, len(HOSTILE))) * 3, columns=HOSTILE)
    test.insert(0, "row id", np.arange(100))
    con = _connect()
    test.to_sql('my "table"', con, index=False)
    con.execute('CREATE TABLE scores (x INTEGER)')
    sql = to_sql(model, 'my "table"', keep=["row id"])
    out = pd.read_sql_query(sql, con)
    assert con.execute("SELECT count(*) FROM scores").fetchone() == (0,)  # not dropped
    P = model.predict_proba(test[HOSTILE])
    expected = P[:, 1:] if K == 2 else P
    assert list(out.columns[1:]) == [f"p_{c}" for c in (model.classes_[1:] if K == 2 else model.classes_)]
    np.testing.assert_array_equal(out["row id"], np.arange(100))
    np.testing.assert_allclose(out.iloc[:, 1:].to_numpy(), expected, rtol=0, atol=1e-9)


def test_sql_extreme_logits_do_not_overflow():
    X, y = _data(n=300, d=2, K=3)
    model = LogisticRegression(penalty="l2").fit(X, y)
    model.coef_ = model.coef_ * 1e3  # linear predictors up to ~1e4 in magnitude
    test = pd.DataFrame(np.random.default_rng(5).normal(size=(50, 2)) * 5, columns=["u", "v"])
    con = _connect()
    test.to_sql("t", con, index=False)
    out = pd.read_sql_query(to_sql(model, "t", columns=["u", "v"]), con).to_numpy()
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, model.predict_proba(test.to_numpy()), atol=1e-9)
    model.coef_ = model.coef_[:1]
    bin_model, Xb, _ = _fit(frame=False)
    bin_model.coef_ = bin_model.coef_ * 1e4
    test4 = pd.DataFrame(np.random.default_rng(6).normal(size=(50, 4)), columns=list("abcd"))
    test4.to_sql("t4", con, index=False)
    out = pd.read_sql_query(to_sql(bin_model, ("main", "t4"), columns=list("abcd")), con).to_numpy()
    np.testing.assert_allclose(out[:, 0], bin_model.predict_proba(test4.to_numpy())[:, 1], atol=1e-9)


def test_sql_columns_mapping_and_errors():
    model, X, _ = _fit()
    mapping = {f"f{j}": f"col_{j}" for j in range(4)}
    sql = to_sql(model, "t", columns=mapping)
    assert '"col_3"' in sql and '"f3"' not in sql
    with pytest.raises(ParameterError, match="no entry for features"):
        to_sql(model, "t", columns={"f0": "a"})
    with pytest.raises(ParameterError, match="2 columns given for a model with 4 features"):
        to_sql(model, "t", columns=["a", "b"])
    with pytest.raises(ParameterError, match="collide"):
        to_sql(model, "t", keep=["p_1"])
    with pytest.raises(ParameterError, match="identifiers"):
        to_sql(model, "")
    arr_model, _, _ = _fit(frame=False)
    with pytest.raises(ParameterError, match="no feature names"):
        to_sql(arr_model, "t")
    probit, _, _ = _fit(link="probit")
    with pytest.raises(ParameterError, match="only the logit link.*probit"):
        to_sql(probit, "t")


def test_sql_ovr_and_multilabel_match_predict_proba():
    X, y = _data(n=300, d=3, K=3, labels=["x", "y", "z"])
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    ovr = LogisticRegression(penalty="l2", multiclass="ovr").fit(df, y)
    Y = np.c_[X[:, 0] > 0, X[:, 1] + X[:, 2] > 0.3].astype(int)
    Y[:20] = 1 - Y[:20]
    ml = LogisticRegression(penalty="l2").fit(df, Y)
    assert (ovr.model_kind_, ml.model_kind_) == ("ovr", "multilabel")
    con = _connect()
    df.to_sql("t", con, index=False)
    for model in (ovr, ml):
        out = pd.read_sql_query(to_sql(model, "t"), con)
        assert list(out.columns) == [f"p_{c}" for c in model.classes_]
        np.testing.assert_allclose(out.to_numpy(), model.predict_proba(df), atol=1e-9)
