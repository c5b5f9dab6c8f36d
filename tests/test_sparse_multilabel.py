"""Sparse input, multilabel and one-vs-rest models, feature names, and scikit-learn tooling
(Pipeline, GridSearchCV, cross_val_score).

Sparse and dense fits of the same objective to a KKT residual of 1e-9 agree to ~residual /
smallest Hessian eigenvalue (~0.02 here), hence rtol 1e-7 with atol 1e-7 for coefficients
near zero; solver="auto" picks newton for the dense and lbfgs for the sparse copy, so that
pair also meets the solver-agreement criterion. A multilabel or ovr model must equal K separate binary fits to
the same precision, since it runs exactly those fits.
"""
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from logitlab import LogisticRegression


def sparse_problem(K=2, n=150, d=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * (rng.uniform(size=(n, d)) < 0.4)  # ~60% zeros
    y = np.argmax(np.column_stack([np.zeros(n), X[:, : K - 1]]) + rng.gumbel(size=(n, K)), axis=1)
    return X, y


@pytest.mark.parametrize("solver,penalty", [("lbfgs", "l2"), ("lbfgs", None), ("cd", "l1"), ("cd", "elasticnet"),
                                            ("cd", None), ("auto", "l2")])
@pytest.mark.parametrize("K", [2, 3])
def test_sparse_equals_dense(solver, penalty, K):
    X, y = sparse_problem(K)
    kw = dict(penalty=penalty, solver=solver, tol=1e-9)
    if penalty in ("l1", "elasticnet"):
        kw["alpha"] = 0.01
    dense = LogisticRegression(**kw).fit(X, y)
    for fmt in (sp.csr_matrix, sp.csc_matrix):
        sparse = LogisticRegression(**kw).fit(fmt(X), y)
        np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-7, atol=1e-7)
        np.testing.assert_allclose(sparse.predict_proba(fmt(X)), dense.predict_proba(X), rtol=1e-6)
    if solver == "auto":
        assert sparse.fit_result_.solver == "newton"  # the documented auto rule: <= 500 parameters


def multilabel():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(120, 3))
    Y = np.column_stack([(X[:, 0] + rng.logistic(size=120) > 0), (X[:, 1] - X[:, 2] + rng.logistic(size=120) > 0.5),
                         (rng.uniform(size=120) < 0.3)]).astype(int)
    return X, Y


@pytest.mark.parametrize("penalty", [None, "l2"])
def test_multilabel_is_independent_sigmoids(penalty):
    X, Y = multilabel()
    m = LogisticRegression(penalty=penalty, tol=1e-10).fit(X, Y)
    assert m.model_kind_ == "multilabel" and m.coef_.shape == (3, 3)
    np.testing.assert_array_equal(m.classes_, np.arange(3))
    P = m.predict_proba(X)
    assert P.shape == (120, 3)
    assert not np.allclose(P.sum(axis=1), 1.0)  # marginal probabilities, not normalised
    for k in range(3):
        single = LogisticRegression(penalty=penalty, tol=1e-10).fit(X, Y[:, k])
        np.testing.assert_allclose(m.coef_[k], single.coef_[0], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(P[:, k], single.predict_proba(X)[:, 1], rtol=1e-9)
    np.testing.assert_array_equal(m.predict(X), (P > 0.5).astype(int))
    assert isinstance(m.trace_, type(None))


def test_ovr_equals_k_binary_fits_and_normalises():
    X, y = sparse_problem(K=3)
    labels = np.array(["a", "b", "c"])[y]
    m = LogisticRegression(multiclass="ovr", penalty="l2", tol=1e-10).fit(X, labels)
    assert m.model_kind_ == "ovr" and m.coef_.shape == (3, 6)
    raw = []
    for k, c in enumerate(m.classes_):
        single = LogisticRegression(penalty="l2", tol=1e-10).fit(X, labels == c)
        np.testing.assert_allclose(m.coef_[k], single.coef_[0], rtol=1e-9, atol=1e-12)
        raw.append(single.predict_proba(X)[:, 1])
    raw = np.column_stack(raw)
    P = m.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(P, raw / raw.sum(axis=1, keepdims=True), rtol=1e-9)
    np.testing.assert_array_equal(m.predict(X), m.classes_[np.argmax(raw, axis=1)])


def test_dataframe_feature_names_kept():
    X, y = sparse_problem()
    df = pd.DataFrame(X, columns=[f"f_{j}" for j in range(6)])
    m = LogisticRegression(penalty="l2").fit(df, y)
    assert list(m.feature_names_in_) == list(df.columns)
    assert m.n_features_in_ == 6
    np.testing.assert_array_equal(m.predict(df), LogisticRegression(penalty="l2").fit(X, y).predict(X))
    with pytest.warns(UserWarning, match="feature names"):
        # reordered columns are caught by scikit-learn's feature-name check
        with pytest.raises(ValueError):
            m.predict(df[df.columns[::-1]])
        m.predict(df.to_numpy())  # no names: scikit-learn's usual warning
    assert not hasattr(LogisticRegression().fit(X, y), "feature_names_in_")


def test_pipeline_gridsearch_cross_val_score():
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    X, y = X[::3], y[::3]  # 190 rows: fast
    pipe = make_pipeline(StandardScaler(), LogisticRegression(penalty="l2"))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and np.all(scores > 0.9)
    grid = GridSearchCV(pipe, {"logisticregression__C": [0.1, 1.0, 10.0]}, cv=3).fit(X, y)
    assert grid.best_params_["logisticregression__C"] in (0.1, 1.0, 10.0)
    assert grid.best_estimator_.score(X, y) > 0.9
    proba = grid.predict_proba(X)
    assert proba.shape == (len(y), 2) and np.allclose(proba.sum(axis=1), 1.0)
