"""Invariances: integer sample weights equal duplicated rows (every solver), relabelling classes
does not change probabilities, unpenalised fits are equivariant under feature scaling, float32
input is promoted.

The objective is the weighted *mean* nll, so weight 2 on a row and the row twice give the same
objective exactly (with the same default alpha = 1 / sum of weights = 1 / n of the duplicated
data); with tol=1e-10 both fits land within ~1e-9 of the same optimum, hence rtol 1e-6.
"""
import numpy as np
import pandas as pd
import pytest

from logitlab import LogisticRegression

GD = {"learning_rate": 2.0, "max_iter": 20000}  # standardised data: step well below 2 / L


def data(K=2, n=120, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = np.argmax(np.column_stack([np.zeros(n), X[:, : K - 1]]) + rng.gumbel(size=(n, K)), axis=1)
    return X, y


SOLVER_PENALTY = [("newton", None), ("lbfgs", None), ("cd", None), ("gd", None), ("newton", "l2"),
                  ("lbfgs", "l2"), ("cd", "l1"), ("cd", "elasticnet"), ("gd", "l2"), ("newton", "firth")]


@pytest.mark.parametrize("solver,penalty,K", [(s, p, K) for s, p in SOLVER_PENALTY for K in (2, 3)
                                               if not (p == "firth" and K == 3)])  # firth: binary only
def test_sample_weights_equal_duplicated_rows(solver, penalty, K):
    X, y = data(K)
    w = np.random.default_rng(1).integers(0, 4, size=len(y))  # includes zero weights (dropped rows)
    Xd, yd = np.repeat(X, w, axis=0), np.repeat(y, w)
    # lbfgs cannot always resolve residuals below ~1e-9 from objective values (see test_solvers.py)
    tol = 1e-9 if solver == "lbfgs" else 1e-10
    gd = dict(GD, learning_rate=0.5 if K > 2 else 2.0)  # multinomial: intercept-sum anchor has curvature K
    kw = dict(penalty=penalty, solver=solver, tol=tol, **(gd if solver == "gd" else {}))
    if penalty in ("l1", "elasticnet"):
        kw["alpha"] = 0.01
    weighted = LogisticRegression(**kw).fit(X, y, sample_weight=w)
    duplicated = LogisticRegression(**kw).fit(Xd, yd)
    atol = 100 * tol  # coefficient error ~ residual / smallest Hessian eigenvalue (~0.1)
    np.testing.assert_allclose(weighted.coef_, duplicated.coef_, rtol=1e-6, atol=atol)
    np.testing.assert_allclose(weighted.intercept_, duplicated.intercept_, rtol=1e-6, atol=atol)
    assert weighted.alpha_ == pytest.approx(duplicated.alpha_, rel=1e-15)


def _relabelled(y, K):
    """The same partition of rows under different label types and orders."""
    names = np.array(["zeta", "alpha", "mid", "beta"][:K])  # sorted order differs from code order
    out = {"strings": names[y], "permuted": np.array([7, -3, 11, 2][:K])[y],
           "categorical": pd.Series(pd.Categorical(names[y], categories=list(names[::-1])))}
    if K == 2:
        out["bools"] = y.astype(bool)
    return out


@pytest.mark.parametrize("K,penalty", [(2, None), (2, "l2"), (3, None), (3, "l2")])
def test_relabelling_classes_keeps_probabilities(K, penalty):
    X, y = data(K)
    base = LogisticRegression(penalty=penalty, tol=1e-10).fit(X, y)
    P = base.predict_proba(X)
    for kind, labels in _relabelled(y, K).items():
        m = LogisticRegression(penalty=penalty, tol=1e-10).fit(X, labels)
        lab = np.asarray(labels)
        # probability of each row's own class, whatever the label and column order
        own = m.predict_proba(X)[np.arange(len(y)), np.searchsorted(m.classes_, lab)]
        np.testing.assert_allclose(own, P[np.arange(len(y)), y], rtol=1e-7, err_msg=kind)
        assert set(m.classes_.tolist()) == set(np.unique(lab).tolist())
        # predictions are user labels, consistent with the probabilities
        np.testing.assert_array_equal(m.predict(X), m.classes_[np.argmax(m.predict_proba(X), axis=1)])


@pytest.mark.parametrize("K", [2, 3])
def test_feature_scaling_invariance_unpenalised(K):
    X, y = data(K)
    s = np.array([1e-3, 7.0, 250.0])
    a = LogisticRegression(tol=1e-10).fit(X, y)
    b = LogisticRegression(tol=1e-10).fit(X * s, y)
    np.testing.assert_allclose(b.coef_ * s, a.coef_, rtol=1e-6, atol=1e-10)  # coefficients rescale
    np.testing.assert_allclose(b.predict_proba(X * s), a.predict_proba(X), rtol=1e-7)
    # a shift of a column moves only the intercept
    c = LogisticRegression(tol=1e-10).fit(X + 5.0, y)
    np.testing.assert_allclose(c.coef_, a.coef_, rtol=1e-6, atol=1e-10)


def test_float32_input_is_promoted():
    X, y = data(2)
    X32 = X.astype(np.float32)
    m32 = LogisticRegression(tol=1e-10).fit(X32, y)
    m64 = LogisticRegression(tol=1e-10).fit(X32.astype(np.float64), y)
    assert m32.coef_.dtype == np.float64
    np.testing.assert_array_equal(m32.coef_, m64.coef_)  # identical: promoted before fitting
    assert m32.predict_proba(X32).dtype == np.float64
    # sample weights and offsets in float32 too
    m = LogisticRegression(tol=1e-10).fit(X32, y, sample_weight=np.ones(len(y), np.float32),
                                          offset=np.zeros(len(y), np.float32))
    np.testing.assert_allclose(m.coef_, m64.coef_, rtol=1e-12)
