"""Bad input: each case raises the right logitlab error class with a message naming the problem,
and leaves the estimator as it was.

Error classes: DataError (bad data; a ValueError), DataTypeError (data of the wrong type; a
TypeError), ParameterError (bad or incompatible parameters; a ValueError). State after a failed
fit: a fresh estimator stays unfitted (no coef_); a previously fitted estimator keeps its old
fitted state untouched, as scikit-learn does (fit validates and solves everything before it
assigns any attribute).
"""
import numpy as np
import pandas as pd
import pytest

from logitlab import DataError, DataTypeError, LogisticRegression, LogitlabError, ParameterError

rng = np.random.default_rng(0)
X = rng.normal(size=(30, 2))
y = np.r_[np.zeros(15, int), np.ones(15, int)]
rng.shuffle(y)


def with_(i, j, v, A=X):
    B = A.copy()
    B[i, j] = v
    return B


DF = pd.DataFrame(X, columns=["age", "dose"])

# (id, estimator params, fit args, fit kwargs, error class, message fragment)
CASES = [
    ("nan-X", {}, (with_(3, 1, np.nan), y), {}, DataError, "X contains NaN or infinite values in column 1 (1 row)"),
    ("inf-X", {}, (with_(3, 0, np.inf), y), {}, DataError, "NaN or infinite"),
    ("nan-X-frame", {}, (DF.assign(dose=with_(2, 1, np.nan)[:, 1]), y), {}, DataError, "'dose' (1 row)"),
    ("nan-y", {}, (X, np.where(np.arange(30) == 4, np.nan, y.astype(float))), {}, DataError, "y contains 1 NaN"),
    ("inf-y", {}, (X, np.where(np.arange(30) == 4, np.inf, y.astype(float))), {}, DataError, "NaN or infinite"),
    ("missing-y-series", {}, (X, pd.Series(np.where(np.arange(30) == 4, None, y), dtype=object)), {}, DataError,
     "missing values"),
    ("empty-rows", {}, (np.empty((0, 2)), np.empty(0)), {}, DataError, "0 sample(s)"),
    ("empty-cols", {}, (np.empty((30, 0)), y), {}, DataError, "0 feature(s)"),
    ("one-class", {}, (X, np.ones(30, int)), {}, DataError, "only one class (1)"),
    ("one-class-str", {}, (X, np.full(30, "yes")), {}, DataError, "only one class ('yes')"),
    ("one-class-weighted", {}, (X, y), {"sample_weight": y.astype(float)}, DataError,
     "only one class (1) has rows with positive weight"),
    ("lengths", {}, (X, y[:-1]), {}, DataError, "X has 30 rows but y has 29 labels"),
    ("1d-X", {}, (X[:, 0], y), {}, DataError, "must be 2-D"),
    ("3d-X", {}, (X.reshape(30, 2, 1), y), {}, DataError, "got 3-D"),
    ("text-X", {}, (np.array([["a", "b"]] * 30), y), {}, DataTypeError, "must hold real numbers"),
    ("object-X", {}, (np.array([[1.0, "x"]] * 30, dtype=object), y), {}, DataTypeError, "not numbers"),
    ("text-frame", {}, (DF.assign(city="Oslo"), y), {}, DataTypeError, "non-numeric columns ['city']"),
    ("string-X", {}, ("X", y), {}, DataTypeError, "2-D array-like"),
    ("negative-weight", {}, (X, y), {"sample_weight": np.r_[-1.0, np.ones(29)]}, DataError, "1 negative values"),
    ("nan-weight", {}, (X, y), {"sample_weight": np.r_[np.nan, np.ones(29)]}, DataError, "1 NaN"),
    ("short-weight", {}, (X, y), {"sample_weight": np.ones(29)}, DataError, "sample_weight has 29 values"),
    ("zero-weights", {}, (X, y), {"sample_weight": np.zeros(30)}, DataError, "sums to zero"),
    ("text-weight", {}, (X, y), {"sample_weight": np.array(["1"] * 30)}, DataTypeError, "sample_weight must be numbers"),
    ("unknown-solver", {"solver": "sgd"}, (X, y), {}, ParameterError, "unknown solver 'sgd'"),
    ("unknown-penalty", {"penalty": "l3"}, (X, y), {}, ParameterError, "unknown penalty 'l3'"),
    ("unknown-link", {"link": "tanh"}, (X, y), {}, ParameterError, "unknown link 'tanh'"),
    ("gd-l1", {"solver": "gd", "penalty": "l1"}, (X, y), {}, ParameterError, "solver='gd' cannot handle penalty='l1'"),
    ("newton-cg-elasticnet", {"solver": "newton-cg", "penalty": "elasticnet"}, (X, y), {}, ParameterError,
     "solver='newton-cg' cannot handle penalty='elasticnet'"),
    ("negative-alpha", {"penalty": "l2", "alpha": -0.1}, (X, y), {}, ParameterError, "alpha must be a finite number >= 0"),
    ("nan-alpha", {"penalty": "l2", "alpha": float("nan")}, (X, y), {}, ParameterError, "alpha"),
    ("alpha-and-C", {"penalty": "l2", "alpha": 0.1, "C": 1.0}, (X, y), {}, ParameterError, "alpha or C, not both"),
    ("negative-C", {"penalty": "l2", "C": -1.0}, (X, y), {}, ParameterError, "C must be a positive number"),
    ("l1-ratio-low", {"penalty": "elasticnet", "l1_ratio": -0.1}, (X, y), {}, ParameterError, "l1_ratio must be in [0, 1]"),
    ("l1-ratio-high", {"penalty": "elasticnet", "l1_ratio": 1.5}, (X, y), {}, ParameterError, "l1_ratio must be in [0, 1]"),
    ("tol", {"tol": 0.0}, (X, y), {}, ParameterError, "tol must be a positive number"),
    ("max-iter", {"max_iter": 0}, (X, y), {}, ParameterError, "max_iter must be a positive integer"),
    ("max-iter-float", {"max_iter": 2.5}, (X, y), {}, ParameterError, "max_iter must be a positive integer"),
    ("learning-rate", {"learning_rate": -1.0}, (X, y), {}, ParameterError, "learning_rate must be a positive"),
    ("trace", {"trace": "sometimes"}, (X, y), {}, ParameterError, "trace must be False, True or 'log'"),
    ("multiclass", {"multiclass": "ovo"}, (X, y), {}, ParameterError, "multiclass must be"),
    ("offset-length", {}, (X, y), {"offset": np.zeros(29)}, DataError, "offset has shape (29"),
    ("offset-nan", {}, (X, y), {"offset": np.r_[np.nan, np.zeros(29)]}, DataError, "offset contains 1 NaN"),
    ("offset-text", {}, (X, y), {"offset": np.array(["0"] * 30)}, DataTypeError, "offset must be numbers"),
    ("offset-2d-binary", {}, (X, y), {"offset": np.zeros((30, 2))}, DataError, "offset has shape (30, 2)"),
    ("class-weight-label", {"class_weight": {5: 2.0}}, (X, y), {}, DataError, "class_weight names labels [5]"),
    ("class-weight-str", {"class_weight": "balance"}, (X, y), {}, ParameterError, "class_weight must be a dict, 'balanced'"),
    ("class-weight-list", {"class_weight": [1, 2]}, (X, y), {}, ParameterError, "class_weight must be a dict"),
    ("class-weight-negative", {"class_weight": {0: -1.0}}, (X, y), {}, ParameterError, "finite and >= 0"),
    ("firth-multinomial", {"penalty": "firth"}, (X, np.arange(30) % 3), {}, ParameterError, "firth"),
    ("probit-multinomial", {"link": "probit"}, (X, np.arange(30) % 3), {}, ParameterError, "link='probit'"),
    ("multilabel-bad", {}, (X, np.column_stack([y, 2 * y])), {}, DataError, "0/1 indicator"),
    ("continuous-y", {}, (X, np.linspace(0, 1, 30)), {}, DataError, "continuous"),
]


@pytest.mark.parametrize("params,args,kwargs,err,fragment", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_raises_named_error_and_leaves_estimator_unfitted(params, args, kwargs, err, fragment):
    m = LogisticRegression(**params)
    with pytest.raises(err) as info:
        m.fit(*args, **kwargs)
    assert fragment in str(info.value)
    assert isinstance(info.value, LogitlabError)
    assert isinstance(info.value, TypeError if err is DataTypeError else ValueError)
    assert not hasattr(m, "coef_") and not hasattr(m, "classes_")


@pytest.mark.parametrize("case", ["nan-X", "one-class", "negative-weight", "offset-length", "class-weight-label",
                                  "text-frame"])
def test_failed_refit_keeps_previous_fit(case):
    _, params, args, kwargs, err, _ = next(c for c in CASES if c[0] == case)
    m = LogisticRegression().fit(DF, y)
    before = {k: np.copy(getattr(m, k)) for k in ("coef_", "intercept_", "classes_", "n_iter_")}
    names = list(m.feature_names_in_)
    with pytest.raises(err):
        m.set_params(**params).fit(*args, **kwargs)
    for k, v in before.items():
        np.testing.assert_array_equal(getattr(m, k), v)
    assert list(m.feature_names_in_) == names and m.n_features_in_ == 2
    m.set_params(**{k: LogisticRegression().get_params()[k] for k in params})
    assert m.predict_proba(DF).shape == (30, 2)  # still usable


def test_prediction_input_checked():
    m = LogisticRegression().fit(X, y)
    with pytest.raises(DataError, match="X has 3 features, but LogisticRegression is expecting 2"):
        m.predict(np.ones((4, 3)))
    with pytest.raises(DataError, match="NaN or infinite"):
        m.predict_proba(with_(0, 0, np.nan))
    with pytest.raises(DataError, match="offset has shape"):
        m.decision_function(X, offset=np.zeros(3))
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        LogisticRegression().predict(X)


def test_error_classes_are_builtin_subclasses():
    assert issubclass(DataError, ValueError) and issubclass(ParameterError, ValueError)
    assert issubclass(DataTypeError, TypeError)
    for cls in (DataError, ParameterError, DataTypeError):
        assert issubclass(cls, LogitlabError)
