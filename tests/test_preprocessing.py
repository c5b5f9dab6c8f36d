"""TabularEncoder: numeric pass-through, treatment dummies, standardisation, errors, JSON."""
import json

import numpy as np
import pandas as pd
import pytest

from logitlab import DataError, DataTypeError, ParameterError
from logitlab.preprocessing import TabularEncoder


@pytest.fixture
def df():
    return pd.DataFrame({
        "age": [30, 40, 50, 60, 35],
        "income": [1.5, 2.5, 3.5, 4.5, 2.0],
        "region": ["south", "north", "west", "north", "south"],
        "member": [True, False, True, True, False],
        "grade": pd.Categorical(["b", "a", "c", "a", "b"], categories=["c", "b", "a"]),
    })


def test_names_and_values(df):
    enc = TabularEncoder().fit(df)
    assert enc.feature_names_ == [
        "age", "income", "region[T.south]", "region[T.west]", "member[T.True]",
        "grade[T.b]", "grade[T.a]"]
    out = enc.transform(df)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == enc.feature_names_
    np.testing.assert_array_equal(out["age"], df["age"])
    np.testing.assert_array_equal(out["region[T.south]"], [1, 0, 0, 0, 1])
    np.testing.assert_array_equal(out["region[T.west]"], [0, 0, 1, 0, 0])
    np.testing.assert_array_equal(out["member[T.True]"], [1, 0, 1, 1, 0])
    # Categorical: the declared category order, first category ("c") is the reference
    np.testing.assert_array_equal(out["grade[T.a]"], [0, 1, 0, 1, 0])
    arr = TabularEncoder(as_frame=False).fit_transform(df)
    np.testing.assert_array_equal(arr, out.to_numpy())


def test_numeric_levels_sort_numerically_and_reference_override(df):
    d = pd.DataFrame({"code": [10, 2, 2, 10, 3]})
    enc = TabularEncoder(categorical=["code"]).fit(d)
    assert enc.feature_names_ == ["code[T.3]", "code[T.10]"]
    enc = TabularEncoder(reference={"region": "west"}).fit(df)
    assert "region[T.north]" in enc.feature_names_ and "region[T.west]" not in enc.feature_names_


def test_standardize(df):
    enc = TabularEncoder(standardize=True).fit(df)
    out = enc.transform(df)
    np.testing.assert_allclose(out["age"].mean(), 0, atol=1e-12)
    np.testing.assert_allclose(out["age"].std(ddof=0), 1, rtol=1e-12)
    np.testing.assert_array_equal(out["region[T.south]"], [1, 0, 0, 0, 1])  # dummies not scaled
    const = TabularEncoder(standardize=True).fit(pd.DataFrame({"c": [2.0, 2.0]}))
    np.testing.assert_array_equal(const.transform(pd.DataFrame({"c": [2.0, 3.0]}))["c"], [0, 1])


def test_transform_errors(df):
    enc = TabularEncoder().fit(df)
    with pytest.raises(DataError, match=r"missing columns \['region'\]"):
        enc.transform(df.drop(columns="region"))
    bad = df.assign(region=["south", "east", "east", "north", "mars"])
    with pytest.raises(DataError, match=r"column 'region' has levels not seen in fit: 'east', 'mars'"):
        enc.transform(bad)
    with pytest.raises(DataError, match=r"'age' \(2 rows\), 'region' \(1 row\)"):
        enc.transform(df.assign(age=[np.nan, 1, np.nan, 2, 3], region=["north", None, "south", "west", "north"]))
    with pytest.raises(DataTypeError, match="'age' was numeric"):
        enc.transform(df.assign(age=["x"] * 5))
    with pytest.raises(DataError, match="infinite"):
        enc.transform(df.assign(income=[np.inf, 1, 1, 1, 1]))
    # extra columns are ignored, and reported by check_columns
    extra = df.assign(customer_id=range(5))
    pd.testing.assert_frame_equal(enc.transform(extra), enc.transform(df))
    assert enc.check_columns(extra) == ["customer_id"]


def test_fit_errors(df):
    with pytest.raises(DataTypeError, match="DataFrame"):
        TabularEncoder().fit(df.to_numpy())
    with pytest.raises(DataError, match="no rows"):
        TabularEncoder().fit(df.iloc[:0])
    with pytest.raises(DataError, match=r"'income' \(1 row\)"):
        TabularEncoder().fit(df.assign(income=[1, np.nan, 2, 3, 4]))
    with pytest.raises(DataTypeError, match="datetime"):
        TabularEncoder().fit(pd.DataFrame({"d": pd.to_datetime(["2020-01-01", "2021-01-01"])}))
    with pytest.raises(ParameterError, match="not in the data"):
        TabularEncoder(categorical=["nope"]).fit(df)
    with pytest.raises(ParameterError, match="reference level 'mars'"):
        TabularEncoder(reference={"region": "mars"}).fit(df)
    with pytest.raises(DataTypeError, match="differ only in type"):
        TabularEncoder().fit(pd.DataFrame({"m": [1, "1", "a"]}))
    with pytest.raises(Exception, match="not fitted"):
        TabularEncoder().transform(df)


def test_json_round_trip(df):
    enc = TabularEncoder(standardize=True).fit(df)
    data = json.loads(json.dumps(enc.to_dict()))
    back = TabularEncoder.from_dict(data)
    assert back.feature_names_ == enc.feature_names_
    pd.testing.assert_frame_equal(back.transform(df), enc.transform(df), check_exact=True)


@pytest.mark.parametrize("mutate, match", [
    (lambda d: d.pop("columns"), r"missing field 'preprocessing.columns'"),
    (lambda d: d.update(version=99), "newer"),
    (lambda d: d.update(kind="other"), "kind"),
    (lambda d: d["columns"][0].update(scale="1"), r"columns\[0\].scale"),
    (lambda d: d["columns"][2].update(reference="mars"), r"columns\[2\].reference"),
    (lambda d: d["columns"][2].update(kind="text"), r"columns\[2\].kind"),
    (lambda d: d.update(feature_names=["x"]), "feature_names"),
])
def test_from_dict_rejects_tampered(df, mutate, match):
    data = TabularEncoder(standardize=True).fit(df).to_dict()
    mutate(data)
    with pytest.raises(DataError, match=match):
        TabularEncoder.from_dict(data)
