"""Solvers (newton, lbfgs, cd, gd): optimality after every fit, agreement between every pair,
traces, refused solver/penalty pairs, warm starts and non-convergence warnings.

Problems are small, standardised and well conditioned (n = 200 rows of 4 independent normal
features, signal comparable to the noise), so the objective is strongly convex near its
minimum and a KKT residual of 1e-10 pins the coefficients to ~1e-9 (the error is about
H^-1 g with the Hessian's smallest eigenvalue ~ 0.1).
"""
import itertools
import warnings

import numpy as np
import pytest

from logitlab import ConvergenceWarning, LogisticRegression, ParameterError
from logitlab._fit import FitSpec, build_loss, build_objective
from logitlab.solvers import SOLVERS

SUPPORTS = {  # which penalties each solver supports (binary); multinomial has no firth
    "newton": [None, "l2", "firth"],
    "lbfgs": [None, "l2", "firth"],
    "cd": [None, "l2", "l1", "elasticnet"],
    "gd": [None, "l2", "firth"],
    "newton-cg": [None, "l2", "firth"],
}
ALPHA = 0.01
# gd: the mean-loss Hessian of standardised data has largest eigenvalue <= ~0.3 (binary), so a
# step of 2 is safely below 2/L and converges linearly in a few hundred iterations
GD = {"learning_rate": 2.0, "max_iter": 20000}
# symmetric multinomial fits anchor the intercept sum with (sum_k b_k)^2 / 2, whose curvature is
# K = 3: the step must stay below 2 / 3 there
GD_MULTI = {"learning_rate": 0.5, "max_iter": 20000}


def problem(K=2, n=200, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    B = rng.normal(scale=0.8, size=(K if K > 2 else 1, d))
    eta = X @ B.T
    if K == 2:
        y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta[:, 0]))).astype(int)
    else:
        P = np.exp(eta) / np.exp(eta).sum(axis=1, keepdims=True)
        y = np.array([rng.choice(K, p=p) for p in P])
    return X, y


def fit(X, y, solver, penalty, tol=1e-10, **kw):
    opts = dict((GD if len(np.unique(y)) == 2 else GD_MULTI) if solver == "gd" else {})
    if penalty in ("l2", "l1", "elasticnet"):
        opts["alpha"] = ALPHA
    opts.update(kw)
    m = LogisticRegression(penalty=penalty, solver=solver, tol=tol, **opts)
    with warnings.catch_warnings():
        if solver == "lbfgs" and tol < 1e-9:
            # L-BFGS's line search works on objective values: once a step would lower f by less
            # than eps * f (~1e-16 here; the gap at a residual g is ~g^2 / (2 * 0.1)) it cannot
            # tell progress from round-off and stops, sometimes at a residual ~1e-10 rather
            # than 1e-10 exactly. Even 1e-8 is ~1e-7 from the optimum in O(1) coefficients.
            warnings.simplefilter("ignore", ConvergenceWarning)
        m.fit(X, y)
    if solver == "lbfgs":
        assert m.fit_result_.grad_norm <= max(tol, 1e-8)
    return m


def kkt(m, X, y):
    """The shared KKT residual, recomputed from a fresh objective at the fitted coefficients."""
    K = m.classes_.size
    spec = FitSpec(penalty=m.penalty_, alpha=m.alpha_, l1_ratio=m.l1_ratio)
    loss = build_loss(X, y.astype(float) if K == 2 else y, np.ones(len(y)), None, spec, K)
    obj = build_objective(loss, spec)
    return obj.kkt_residual(loss.pack(m.coef_, m.intercept_))


CASES = [(s, p, K) for s, pens in SUPPORTS.items() for p in pens for K in (2, 3) if not (p == "firth" and K == 3)]


@pytest.mark.parametrize("solver,penalty,K", CASES)
def test_kkt_residual_below_tol_after_fit(solver, penalty, K):
    X, y = problem(K)
    m = fit(X, y, solver, penalty, tol=1e-8)
    assert m.converged_
    assert kkt(m, X, y) <= 1e-8
    assert m.fit_result_.grad_norm <= 1e-8


PAIRS = [(a, b, p, K) for p in [None, "l2", "firth"] for K in (2, 3) for a, b in itertools.combinations(SOLVERS, 2)
         if p in SUPPORTS[a] and p in SUPPORTS[b] and not (p == "firth" and K == 3)]
PAIRS += [("cd", "auto", p, K) for p in ("l1", "elasticnet") for K in (2, 3)]  # auto -> cd; sklearn covers l1 too


@pytest.mark.parametrize("a,b,penalty,K", PAIRS)
def test_every_pair_of_solvers_agrees(a, b, penalty, K):
    X, y = problem(K)
    ma, mb = fit(X, y, a, penalty), fit(X, y, b, penalty)
    # 1e-6 relative to the coefficient scale (coefficients are O(1); an exactly-zero lasso
    # coefficient must be zero in both)
    scale = max(1.0, np.max(np.abs(ma.coef_)))
    np.testing.assert_allclose(mb.coef_, ma.coef_, rtol=1e-6, atol=1e-6 * scale)
    np.testing.assert_allclose(mb.intercept_, ma.intercept_, rtol=1e-6, atol=1e-6 * scale)
    assert mb.objective_ == pytest.approx(ma.objective_, rel=1e-12)


def test_l1_solution_is_sparse_and_cd_reaches_it_from_any_start():
    X, y = problem(2, d=6)
    X[:, 4:] = np.random.default_rng(9).normal(size=(len(y), 2))  # pure-noise columns
    m = LogisticRegression(penalty="l1", alpha=0.05, solver="cd", tol=1e-10).fit(X, y)
    assert np.any(m.coef_ == 0.0)  # exact zeros, not tiny numbers
    assert kkt(m, X, y) <= 1e-10


@pytest.mark.parametrize("solver", list(SOLVERS))
def test_trace_every_iteration(solver):
    X, y = problem(2)
    m = fit(X, y, solver, None, tol=1e-8, trace=True)
    tr = m.trace_
    n_iter = int(m.n_iter_[0])
    assert len(tr) == n_iter + 1 and list(tr.iteration) == list(range(n_iter + 1))
    assert tr.coef.shape == (n_iter + 1, 1, 4) and tr.intercept.shape == (n_iter + 1, 1)
    np.testing.assert_array_equal(tr.coef[-1], m.coef_)  # the final iterate is the fit
    np.testing.assert_array_equal(tr.intercept[-1], m.intercept_)
    assert tr.grad_norm[-1] <= 1e-8 < tr.grad_norm[0]
    assert tr.objective[-1] == pytest.approx(m.objective_, rel=1e-14)
    assert tr.step[0] == 0.0 and np.all(tr.step[1:] > 0)
    assert set(tr.to_frame().columns) >= {"iteration", "objective", "grad_norm", "step", "intercept", "coef[0]"}
    if solver in ("newton", "cd", "gd"):  # line-search / small-step methods are monotone
        assert np.all(np.diff(tr.objective) <= 1e-15)


def test_trace_log_spaced_includes_final_iterate():
    X, y = problem(2)
    with pytest.warns(ConvergenceWarning):
        m = LogisticRegression(solver="gd", learning_rate=0.05, max_iter=600, tol=1e-14, trace="log").fit(X, y)
    it = m.trace_.iteration
    assert list(it[:21]) == list(range(21))  # every one of the first 20
    assert it[-1] == 600 == m.n_iter_[0]     # the final iterate, always
    gaps = np.diff(it[20:-1])
    assert np.all(gaps >= 1) and gaps[-1] > gaps[0]  # spacing grows: log-spaced
    assert np.all(it[21:-1] >= np.ceil(it[20:-2] * 1.05))
    assert len(it) < 150


def test_trace_multinomial_and_ovr_layouts():
    X, y = problem(3)
    m = LogisticRegression(trace=True).fit(X, y)
    assert m.trace_.coef.shape[1:] == (3, 4)
    np.testing.assert_array_equal(m.trace_.coef[-1], m.coef_)
    m = LogisticRegression(trace="log", multiclass="ovr").fit(X, y)
    assert isinstance(m.trace_, list) and len(m.trace_) == 3


@pytest.mark.parametrize("solver,penalty", [("gd", "l1"), ("gd", "elasticnet"), ("lbfgs", "l1"),
                                            ("lbfgs", "elasticnet"), ("newton", "l1"), ("newton", "elasticnet"),
                                            ("newton-cg", "l1"), ("cd", "firth")])
def test_impossible_pairs_refused_before_solving(solver, penalty, monkeypatch):
    def must_not_run(*a, **k):
        raise AssertionError("solver ran")

    for mod in SOLVERS.values():
        monkeypatch.setattr(mod, "solve", must_not_run)
    X, y = problem(2)
    m = LogisticRegression(penalty=penalty, solver=solver, alpha=0.1)
    with pytest.raises(ParameterError) as err:
        m.fit(X, y)
    assert solver in str(err.value) and penalty in str(err.value)
    assert not hasattr(m, "coef_")


def test_firth_refused_for_multinomial_and_other_links():
    X, y = problem(3)
    with pytest.raises(ParameterError, match="firth"):
        LogisticRegression(penalty="firth").fit(X, y)
    X, y = problem(2)
    with pytest.raises(ParameterError, match="firth.*logit"):
        LogisticRegression(penalty="firth", link="probit").fit(X, y)


@pytest.mark.parametrize("solver", ["newton", "lbfgs", "cd", "gd", "newton-cg"])
def test_warm_start_reduces_iterations(solver):
    X, y = problem(2)
    opts = dict(GD) if solver == "gd" else {}
    cold = LogisticRegression(penalty="l2", alpha=0.011, solver=solver, **opts).fit(X, y)
    m = LogisticRegression(penalty="l2", alpha=0.01, solver=solver, warm_start=True, **opts).fit(X, y)
    m.set_params(alpha=0.011).fit(X, y)
    assert m.n_iter_[0] < cold.n_iter_[0]
    np.testing.assert_allclose(m.coef_, cold.coef_, rtol=1e-6)
    # refitting at the optimum needs no iteration at all
    assert m.fit(X, y).n_iter_[0] == 0


def test_warm_start_multinomial():
    X, y = problem(3)
    m = LogisticRegression(warm_start=True).fit(X, y)
    assert m.fit(X, y).n_iter_[0] == 0


@pytest.mark.parametrize("solver", list(SOLVERS))
def test_convergence_warning_is_helpful(solver):
    X, y = problem(2)
    m = LogisticRegression(solver=solver, max_iter=1, tol=1e-12, learning_rate=0.01)
    with pytest.warns(ConvergenceWarning) as rec:
        m.fit(X, y)
    msg = str(rec[0].message)
    assert f"solver {solver!r} did not converge" in msg
    assert "after 1 iterations" in msg and "tol=1e-12" in msg and "To fix" in msg and "max_iter" in msg
    assert m.converged_ is False


def test_no_warning_when_converged():
    X, y = problem(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for solver in SOLVERS:
            fit(X, y, solver, "l2", tol=1e-8)


# -- the large-problem paths of the Newton solver ------------------------------------------------
def test_truncated_newton_for_many_parameters_agrees_with_lbfgs_and_sklearn():
    """Beyond DIRECT_MAX_PARAMS the Newton system is solved by CG on Hessian-vector products."""
    from sklearn.linear_model import LogisticRegression as SkLR

    from logitlab.solvers import newton

    rng = np.random.default_rng(5)
    n, d, K = 3000, 40, 10
    X = rng.standard_normal((n, d))
    y = np.argmax(X @ rng.standard_normal((K, d)).T * 0.3 + rng.gumbel(size=(n, K)), axis=1)
    assert K * (d + 1) > newton.DIRECT_MAX_PARAMS
    fits = {s: LogisticRegression(penalty="l2", C=1.0, solver=s, tol=1e-10).fit(X, y) for s in ("newton", "lbfgs")}
    assert fits["newton"].converged_ and fits["newton"].fit_result_.grad_norm <= 1e-10
    np.testing.assert_allclose(fits["newton"].coef_, fits["lbfgs"].coef_, rtol=1e-6, atol=1e-8)
    sk = SkLR(C=1.0, solver="newton-cg", tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(fits["newton"].predict_proba(X), sk.predict_proba(X), atol=1e-7)
    assert LogisticRegression(penalty="l2").fit(X, y).fit_result_.solver == "newton"  # the auto rule


@pytest.mark.parametrize("d, sampled_curvature", [(6, False), (100, True)])
def test_sketched_newton_for_many_rows_reaches_the_exact_optimum(d, sampled_curvature, monkeypatch):
    """From 40k rows Newton starts on a random subset and steps with a Hessian from a larger
    subset (all rows when p is small) corrected by BFGS updates; the stopping rule (exact
    gradient) is unchanged, so it lands on the same optimum, with weights and an offset too."""
    rng = np.random.default_rng(6)
    n = 60_000
    X = rng.standard_normal((n, d)) * np.linspace(1, 30, d)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ (rng.standard_normal(d) / np.linspace(1, 30, d)))))).astype(int)
    weights, offset = rng.random(n) + 0.5, rng.standard_normal(n) * 0.2
    m = LogisticRegression(solver="newton", tol=1e-10).fit(X, y, sample_weight=weights, offset=offset)
    loss, objective, theta = m._fitted_objective()
    sketch = objective.sketch_rows()
    assert sketch is not None  # the sub-sampled path was taken
    assert (objective.curvature_rows(sketch) is not None) == sampled_curvature
    assert m.converged_ and objective.kkt_residual(theta) <= 1e-10
    # the reference: plain Newton with the exact Hessian at every step
    from logitlab._objective import Objective
    monkeypatch.setattr(Objective, "sketch_rows", lambda self: None)
    ref = LogisticRegression(solver="newton", tol=1e-10).fit(X, y, sample_weight=weights, offset=offset)
    np.testing.assert_allclose(m.coef_, ref.coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(m.intercept_, ref.intercept_, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("penalty, alpha", [(None, 0.0), ("l2", 0.05)])
def test_the_coarse_fit_stops_well_inside_the_sampling_noise(penalty, alpha):
    """Newton's coarse fit stops at a tenth of the smallest standard deviation of the sample's
    mean gradient: that floor must lie well below the full-data gradient at the sample's exact
    optimum (the sampling noise it stands for), whatever the column scales and the penalty
    (the penalty's part is deterministic and is taken out)."""
    from logitlab._fit import FitSpec, build_loss, build_objective
    from logitlab.solvers.newton import _SecantCurvature, _sampling_noise_floor

    rng = np.random.default_rng(9)
    n, d = 200_000, 8
    X = rng.standard_normal((n, d)) * np.geomspace(0.1, 50, d)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ (rng.standard_normal(d) / np.geomspace(0.1, 50, d)))))).astype(float)
    spec = FitSpec(penalty=penalty or "none", alpha=alpha, l1_ratio=0.0, solver="newton", tol=1e-12)
    objective = build_objective(build_loss(X, y, np.ones(n), None, spec, 2), spec)
    sample = objective.subsample(objective.sketch_rows())
    start = np.zeros(d + 1)
    floor = _sampling_noise_floor(sample, start, _SecantCurvature(sample, start).B)
    exact = LogisticRegression(penalty=penalty, alpha=alpha, solver="newton", tol=1e-12).fit(
        sample.loss.X, sample.loss.y)  # 25,000 rows: exact Newton, no sample of its own
    theta = objective.pack(exact.coef_, exact.intercept_)
    noise = objective.kkt_residual(theta)
    assert 0 < floor < noise / 5, (floor, noise)
    # and it is the tenth of the sampling standard deviation it claims to be, within the
    # change of the information between the start and the optimum
    Xs = np.column_stack([np.ones(sample.n_rows), sample.loss.X])
    per_row = Xs * (exact.predict_proba(sample.loss.X)[:, 1] - sample.loss.y)[:, None]
    sd = per_row.std(axis=0).min() / np.sqrt(sample.n_rows)
    assert 0.1 * sd / 3 < floor < 0.1 * sd * 3, (floor, sd)


def test_sketched_curvature_satisfies_the_secant_equation_after_each_step():
    """The BFGS correction makes the sampled Hessian exact along the last step: B s = y."""
    from logitlab.solvers.newton import _SketchedCurvature

    rng = np.random.default_rng(8)
    B0 = rng.standard_normal((5, 5))
    B0 = B0 @ B0.T + 5 * np.eye(5)
    H = B0 + 0.3 * np.diag(rng.random(5))  # the "exact" Hessian of a quadratic

    class Quadratic:
        n_rows = 10

        def curvature_rows(self, m):
            return None

        def hessian(self, theta):
            return B0.copy()

    curvature = _SketchedCurvature(Quadratic(), Quadratic(), np.zeros(5))
    for _ in range(3):
        s = rng.standard_normal(5)
        curvature.observe(s, H @ s, 1.0, 1.0)
        np.testing.assert_allclose(curvature.B @ s, H @ s, rtol=1e-12)
        assert np.all(np.linalg.eigvalsh(curvature.B) > 0)  # stays positive definite


def test_solve_psd_is_scipys_cholesky_solve_with_a_minimum_norm_fallback():
    """``solve_psd`` calls LAPACK's potrf / potrs itself (scipy's wrappers cost more than the
    solve on small matrices): bit for bit scipy's cho_factor + cho_solve, for one and several
    right-hand sides and either memory order; a singular matrix gets the minimum-norm solution."""
    from scipy import linalg

    from logitlab.solvers._linalg import solve_psd

    rng = np.random.default_rng(8)
    for p in (1, 4, 31, 120):
        A = rng.standard_normal((p + 7, p))
        H = A.T @ A
        for g in (rng.standard_normal(p), rng.standard_normal((p, 3))):
            expected = linalg.cho_solve(linalg.cho_factor(H, lower=True), g)
            np.testing.assert_array_equal(solve_psd(H, g), expected)
            np.testing.assert_array_equal(solve_psd(np.asfortranarray(H), g), expected)
    v = rng.standard_normal(5)
    H = np.outer(v, v)  # rank one: Cholesky fails
    g = H @ rng.standard_normal(5)
    np.testing.assert_allclose(solve_psd(H, g), np.linalg.pinv(H) @ g, rtol=1e-10, atol=1e-12)
