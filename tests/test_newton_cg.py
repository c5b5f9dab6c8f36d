"""The matrix-free Newton-CG solver and the sparse design behind the binary loss.

Problems: sparse binary designs, about 12 stored values per row drawn N(0, 1); L2 with
alpha = 1 / n (scikit-learn's C = 1) and more parameters than the auto rule's Newton limit
(500), or unpenalised with n = 20 d (so that the maximum-likelihood estimate exists).

Tolerances: the objective is strongly convex with modulus lambda = the smallest Hessian
eigenvalue at the solution (7e-4 for the L2 problem, 2e-3 for the unpenalised one), so two
points whose gradients are g_a and g_b lie within (|g_a| + |g_b|) / lambda of each other (2-norms;
half of lambda is used, for the change of the Hessian in between). ``assert_same_optimum``
checks exactly that bound, from the gradients the two fits actually reached.
"""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from logitlab import ConvergenceWarning, DataError, LogisticRegression, ParameterError
from logitlab._fit import FitSpec, build_loss, build_objective, fit_one
from logitlab._sparse import SparseDesign
from logitlab.solvers import choose_solver, newton_cg


def sparse_problem(n=2000, d=800, per_row=12, seed=0):
    rng = np.random.default_rng(seed)
    cols = rng.integers(0, d, size=n * per_row)
    rows = np.repeat(np.arange(n), per_row)
    X = sp.csr_matrix((rng.standard_normal(n * per_row), (rows, cols)), shape=(n, d))
    w = rng.standard_normal(d) * (rng.random(d) < 0.2)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ w - 0.3)))).astype(int)
    return X, y


def objective_at(X, y, penalty, alpha, fit_intercept=True, weights=None, offset=None):
    spec = FitSpec(penalty=penalty or "none", alpha=alpha, fit_intercept=fit_intercept)
    loss = build_loss(X, y.astype(float), np.ones(len(y)) if weights is None else weights, offset, spec)
    return loss, build_objective(loss, spec)


def assert_same_optimum(a, b, X, y, weights=None, offset=None):
    """a and b (fitted estimators, or b a (coef, intercept) pair) are the same optimum up to the
    strong-convexity bound of the gradients they reached; returns that bound."""
    loss, obj = objective_at(X, y, a.penalty_, a.alpha_, a.fit_intercept, weights, offset)
    return assert_same_theta(obj, loss.pack(a.coef_, a.intercept_),
                             loss.pack(*((b.coef_, b.intercept_) if hasattr(b, "coef_") else b)))


def assert_same_theta(obj, ta, tb):
    lam = np.linalg.eigvalsh(obj.hessian(ta))[0]
    bound = (np.linalg.norm(obj.grad(ta)) + np.linalg.norm(obj.grad(tb))) / (0.5 * lam)
    assert np.linalg.norm(ta - tb) <= bound
    assert obj.value(ta) <= obj.value(tb) + 1e-12 * abs(obj.value(tb))
    return bound


def kkt(m, X, y, weights=None, offset=None):
    """The shared KKT residual, from a fresh objective at the fitted coefficients."""
    loss, obj = objective_at(X, y, m.penalty_, m.alpha_, m.fit_intercept, weights, offset)
    return obj.kkt_residual(loss.pack(m.coef_, m.intercept_))


CASES = [("l2", 2000, 800), (None, 3000, 150)]


@pytest.mark.parametrize("penalty,n,d", CASES)
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_agrees_with_newton_and_lbfgs(penalty, n, d, fit_intercept, weighted):
    X, y = sparse_problem(n=n, d=d)
    weights = np.random.default_rng(1).random(n) + 0.5 if weighted else None
    kw = dict(penalty=penalty, fit_intercept=fit_intercept, tol=1e-12)
    if penalty == "l2":
        kw["C"] = 1.0
    m = LogisticRegression(solver="newton-cg", **kw).fit(X, y, sample_weight=weights)
    assert m.converged_ and m.fit_result_.solver == "newton-cg"
    assert kkt(m, X, y, weights) <= 1e-12
    newton = LogisticRegression(solver="newton", **kw).fit(X, y, sample_weight=weights)
    assert assert_same_optimum(m, newton, X, y, weights) < 1e-7  # both at 1e-12: a tight check
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # lbfgs stops near 1e-9 (test_solvers)
        lbfgs = LogisticRegression(solver="lbfgs", **dict(kw, tol=1e-9)).fit(X, y, sample_weight=weights)
    assert_same_optimum(m, lbfgs, X, y, weights)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_agrees_with_scikit_learn(fit_intercept):
    from sklearn.linear_model import LogisticRegression as SkLR

    X, y = sparse_problem()
    weights = np.random.default_rng(2).random(len(y)) + 0.5
    m = LogisticRegression(penalty="l2", C=0.5, fit_intercept=fit_intercept, tol=1e-10).fit(X, y, sample_weight=weights)
    assert m.fit_result_.solver == "newton-cg"  # the auto rule: sparse, binary, > 500 parameters
    sk = SkLR(C=0.5, solver="newton-cg", fit_intercept=fit_intercept, tol=1e-12, max_iter=10_000)
    sk.fit(X, y, sample_weight=weights)
    assert assert_same_optimum(m, (sk.coef_, sk.intercept_), X, y, weights) < 1e-5
    np.testing.assert_allclose(m.predict_proba(X), sk.predict_proba(X), rtol=0, atol=1e-6)


def test_offset():
    """With an offset: the same optimum as newton with that offset, and the KKT residual of the
    offset objective below tol."""
    X, y = sparse_problem()
    offset = np.random.default_rng(3).standard_normal(len(y)) * 0.5
    m = LogisticRegression(penalty="l2", C=1.0, solver="newton-cg", tol=1e-12).fit(X, y, offset=offset)
    ref = LogisticRegression(penalty="l2", C=1.0, solver="newton", tol=1e-12).fit(X, y, offset=offset)
    assert kkt(m, X, y, offset=offset) <= 1e-12
    assert assert_same_optimum(m, ref, X, y, offset=offset) < 1e-7
    no_offset = LogisticRegression(penalty="l2", C=1.0, solver="newton-cg", tol=1e-12).fit(X, y)
    assert np.max(np.abs(no_offset.coef_ - m.coef_)) > 1e-3  # the offset mattered


@pytest.mark.parametrize("penalty", ["l2", None])
def test_dense_data_same_fit_as_sparse_and_newton(penalty):
    X, y = sparse_problem(n=3000, d=60)
    kw = dict(penalty=penalty, tol=1e-12)
    dense = LogisticRegression(solver="newton-cg", **kw).fit(X.toarray(), y)
    sparse = LogisticRegression(solver="newton-cg", **kw).fit(X, y)
    newton = LogisticRegression(solver="newton", **kw).fit(X.toarray(), y)
    assert dense.converged_ and sparse.converged_
    assert assert_same_optimum(dense, newton, X, y) < 1e-8
    assert assert_same_optimum(sparse, newton, X, y) < 1e-8


def test_auto_rule():
    assert choose_solver("l2", 262_145, sparse=True) == "newton-cg"
    assert choose_solver("none", 1000, sparse=True) == "newton-cg"
    assert choose_solver("l2", 400, sparse=True) == "newton"
    assert choose_solver("l1", 262_145, sparse=True) == "cd"
    assert choose_solver("l2", 262_145, sparse=True, multinomial=True) == "lbfgs"
    assert choose_solver("l2", 5000, sparse=False) == "lbfgs"


class _Counting(SparseDesign):
    calls = {"dot": 0, "tdot": 0}

    def dot(self, w, out=None):
        self.calls["dot"] += 1
        return super().dot(w, out)

    def tdot_scaled(self, weights, u, out=None):  # every X^T r and X^T (D u) comes here
        self.calls["tdot"] += 1
        return super().tdot_scaled(weights, u, out)


def test_passes_over_x_per_iteration(monkeypatch):
    """Each CG step is one X v and one X^T u; each iteration adds one X^T r (the gradient at the
    accepted point): the line search's trial points come from the linear predictor, no pass."""
    import logitlab._loss as loss_module

    monkeypatch.setattr(loss_module, "SparseDesign", _Counting)
    _Counting.calls.update(dot=0, tdot=0)
    steps = []
    real_cg = newton_cg._cg

    def counting_cg(*args):
        out = real_cg(*args)
        steps.append(out[-1])
        return out

    monkeypatch.setattr(newton_cg, "_cg", counting_cg)
    X, y = sparse_problem()
    spec = FitSpec(penalty="l2", alpha=1 / len(y), solver="newton-cg", tol=1e-10)
    loss = build_loss(X, y.astype(float), np.ones(len(y)), None, spec)
    out = fit_one(loss, spec)
    assert out.converged and out.n_iter == len(steps) >= 3
    # the start point has zero slopes: its predictor needs no pass
    assert _Counting.calls["dot"] == sum(steps)
    assert _Counting.calls["tdot"] == 1 + sum(steps) + out.n_iter
    # the predictor carried along the steps is the one X gives
    np.testing.assert_allclose(loss.eta(out.theta), loss._design_dot(out.theta), rtol=0, atol=1e-12)


def test_line_search_backtracks_from_the_predictor(monkeypatch):
    """From a far start (|eta| ~ 30) full Newton steps overshoot: steps are halved (the full step
    evaluated on the carried predictor, shorter ones with a pass), the objective never increases,
    and the fit reaches the optimum newton finds."""
    steps = []
    real = newton_cg._line_search

    def recording(*args):
        out = real(*args)
        steps.append(out[0])
        return out

    monkeypatch.setattr(newton_cg, "_line_search", recording)
    X, y = sparse_problem()
    spec = FitSpec(penalty="l2", alpha=1 / len(y), solver="newton-cg", tol=1e-10, trace=True)
    loss = build_loss(X, y.astype(float), np.ones(len(y)), None, spec)
    theta0 = np.random.default_rng(7).standard_normal(loss.n_params) * 3
    out = fit_one(loss, spec, theta0)
    assert out.converged and min(steps) < 1.0
    assert np.all(np.diff(out.trace.objective) <= 1e-15)
    np.testing.assert_allclose(loss.eta(out.theta), loss._design_dot(out.theta), rtol=0, atol=1e-12)
    ref = fit_one(build_loss(X, y.astype(float), np.ones(len(y)), None, spec),
                  FitSpec(penalty="l2", alpha=1 / len(y), solver="newton", tol=1e-10))
    assert_same_theta(build_objective(loss, spec), out.theta, ref.theta)


def test_without_predictor_steps_same_result():
    """A loss that cannot carry the predictor (multinomial, dask) gets the plain line search."""
    X, y = sparse_problem()
    spec = FitSpec(penalty="l2", alpha=1 / len(y), solver="newton-cg", tol=1e-10)
    results = []
    for tracked in (True, False):
        loss = build_loss(X, y.astype(float), np.ones(len(y)), None, spec)
        loss.predictor_steps = tracked
        assert build_objective(loss, spec).predictor_steps is tracked
        results.append(fit_one(loss, spec))
    assert all(r.converged for r in results)
    np.testing.assert_allclose(results[0].theta, results[1].theta, rtol=0, atol=1e-8)


def test_hessp_predictor_and_cached_weights():
    X, y = sparse_problem(n=300, d=700)
    spec = FitSpec(penalty="l2", alpha=0.01)
    loss = build_loss(X, y.astype(float), np.ones(300), np.full(300, 0.2), spec)
    rng = np.random.default_rng(5)
    thetas = [rng.standard_normal(loss.n_params) * 0.1 for _ in range(2)]
    v = rng.standard_normal(loss.n_params)
    Xt = np.column_stack([np.ones(300), X.toarray()])
    for theta in thetas + thetas:  # back and forth: the kept weights must follow theta
        Hv, u = loss.hessp_predictor(theta, v)
        D = loss.hessian_weights(theta)
        np.testing.assert_allclose(Hv, Xt.T @ (D * (Xt @ v)), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(u, Xt @ v, rtol=1e-12, atol=1e-14)  # no offset in a change


def test_sparse_design_threads_and_columns():
    X, _ = sparse_problem(n=501, d=300)
    X = X.tolil()
    X[7, :] = 0  # an empty row, and an all-zero last row
    X[500, :] = 0
    X = X.tocsr()
    rng = np.random.default_rng(6)
    w, r = rng.standard_normal(300), rng.standard_normal(501)
    for threads in (False, True):
        design = SparseDesign(X, threads=threads)
        np.testing.assert_allclose(design.dot(w), X @ w, rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(design.tdot(r), X.T @ r, rtol=1e-13, atol=1e-13)
        cols = np.array([3, 0, 299, 150])
        np.testing.assert_array_equal(design.columns(cols).toarray(), X[:, cols].toarray())
    assert SparseDesign(sp.csr_matrix((3, 4)), threads=True).dot(np.ones(4)).tolist() == [0.0] * 3
    assert SparseDesign(X.tocsc()).X.format == "csr"


def test_bad_input_and_refused_pairs():
    X, y = sparse_problem(n=200, d=600)
    bad = X.copy()
    bad.data[3] = np.nan
    with pytest.raises(DataError, match="NaN or infinite"):
        LogisticRegression(solver="newton-cg").fit(bad, y)
    with pytest.raises(DataError, match="only one class"):
        LogisticRegression(solver="newton-cg").fit(X, np.ones(200, int))
    for penalty in ("l1", "elasticnet"):
        with pytest.raises(ParameterError, match=f"solver='newton-cg' cannot handle penalty='{penalty}'"):
            LogisticRegression(solver="newton-cg", penalty=penalty).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="solver 'newton-cg' did not converge.*max_iter"):
        m = LogisticRegression(solver="newton-cg", penalty="l2", max_iter=1, tol=1e-12).fit(X, y)
    assert m.converged_ is False and m.n_iter_[0] == 1
