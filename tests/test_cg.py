"""Preconditioned conjugate gradients (``solvers/_cg.py``) and truncated Newton with it.

- CG on random symmetric positive definite systems reaches the requested relative residual,
  with and without a preconditioner (an exact one needs one product);
- truncated Newton preconditioned by a sampled Hessian lands on the optimum of exact-Hessian
  Newton and of L-BFGS for multinomial problems in the symmetric (penalised) and reference
  (unpenalised) forms, with and without intercept, and needs fewer Hessian-vector products
  than plain CG.

Tolerances: the Newton fits stop at a KKT residual of 1e-10. The symmetric form's flattest
direction (the same change to every class's coefficients, which leaves the probabilities
unchanged) has curvature alpha = 1e-3 only, so coefficients are pinned to ~1e-7 there
(atol 1e-7 between two Newton fits, which in practice agree to ~1e-11); every other direction
has curvature >= ~1e-2, so probabilities agree to ~1e-9.
"""
import warnings

import numpy as np
import pytest

from logitlab import ConvergenceWarning, LogisticRegression
from logitlab.solvers import _cg, newton
from logitlab.solvers._cg import cholesky_preconditioner, conjugate_gradient


def spd(n, cond, seed):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (Q * np.logspace(0, np.log10(cond), n)) @ Q.T


@pytest.mark.parametrize("rtol", [1e-2, 1e-8])
def test_cg_solves_spd_system_to_the_requested_residual(rtol):
    H = spd(60, 1e4, 0)
    g = np.random.default_rng(1).standard_normal(60)
    x, it = conjugate_gradient(lambda v: H @ v, g, rtol=rtol)
    assert np.linalg.norm(H @ x - g) <= rtol * np.linalg.norm(g)
    # an exact preconditioner: one product; a nearby one: fewer products than none
    x1, it1 = conjugate_gradient(lambda v: H @ v, g, cholesky_preconditioner(H), rtol=rtol)
    assert it1 == 1 and np.linalg.norm(H @ x1 - g) <= rtol * np.linalg.norm(g)
    E = np.random.default_rng(2).standard_normal((60, 60)) * 0.02
    L = np.linalg.cholesky(H)
    M = L @ (np.eye(60) + 0.15 * (E + E.T)) @ L.T  # relative error ~0.3 in H's metric
    x2, it2 = conjugate_gradient(lambda v: H @ v, g, cholesky_preconditioner(M), rtol=rtol)
    assert np.linalg.norm(H @ x2 - g) <= rtol * np.linalg.norm(g)
    assert it2 < it


def test_cg_default_forcing_term_and_flat_curvature():
    H = spd(30, 100, 3)
    g = np.random.default_rng(4).standard_normal(30) * 1e-4  # |g| ~ 5e-4: rtol = sqrt(|g|)
    x, _ = conjugate_gradient(lambda v: H @ v, g)
    gn = np.linalg.norm(g)
    assert np.linalg.norm(H @ x - g) <= np.sqrt(gn) * gn
    # zero curvature on the first product: the (preconditioned) gradient, a descent direction
    x, it = conjugate_gradient(lambda v: 0 * v, g, lambda r: 2 * r)
    assert it == 1 and np.array_equal(x, 2 * g)


def test_cholesky_preconditioner_of_a_singular_matrix():
    A = np.random.default_rng(5).standard_normal((10, 4))
    apply = cholesky_preconditioner(A @ A.T)  # rank 4: a small ridge makes it factorisable
    r = np.random.default_rng(6).standard_normal(10)
    assert np.all(np.isfinite(apply(r))) and float(r @ apply(r)) > 0


@pytest.mark.parametrize("rank", [4, 10])
def test_cholesky_preconditioner_in_place_equals_the_copy(rank):
    # in place, a failed factorisation (rank 4) has overwritten a triangle that the retry with
    # a ridge must restore; the result is the same factor either way
    A = np.random.default_rng(5).standard_normal((10, rank))
    H = A @ A.T
    r = np.random.default_rng(6).standard_normal(10)
    expected = cholesky_preconditioner(H)(r)
    work = H.copy()
    got = cholesky_preconditioner(work, overwrite=True)(r)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)
    assert not np.array_equal(work, H)  # factorised where it was, no copy


# -- Newton on multinomial problems ----------------------------------------------------------
def multinomial_problem(n=6000, d=80, K=5, seed=7):
    """Columns on scales from 1 to 10 (as real data): plain CG then needs many products, the
    sampled Hessian captures the scales exactly."""
    rng = np.random.default_rng(seed)
    scales = np.logspace(0, 1, d)
    X = rng.standard_normal((n, d)) * scales
    B = rng.standard_normal((K, d)) / np.sqrt(d) / scales
    y = np.argmax(X @ B.T + rng.gumbel(size=(n, K)), axis=1)
    return X, y


class Counter:
    """Counts Hessian-vector products and preconditioned CG calls of newton's CG."""

    def __init__(self, monkeypatch):
        self.products, self.preconditioned = 0, 0
        real = newton.conjugate_gradient

        def counted(hessp, g, precondition=None, **kw):
            def hp(v):
                self.products += 1
                return hessp(v)
            self.preconditioned += precondition is not None
            return real(hp, g, precondition, **kw)

        monkeypatch.setattr(newton, "conjugate_gradient", counted)


def newton_fits(X, y, monkeypatch, **kw):
    """Preconditioned truncated Newton (with its product counter), and plain CG if asked."""
    # at this small n the rule would rather skip the preconditioner (test_preconditioner_rows_rule);
    # lift its cost cap so that the sampled preconditioner is exercised
    monkeypatch.setattr(_cg, "PRECOND_MAX_PRODUCTS", 10**6)
    count = Counter(monkeypatch)
    fit = LogisticRegression(solver="newton", tol=1e-10, **kw).fit(X, y)
    monkeypatch.undo()
    return fit, count


@pytest.mark.parametrize("penalty", ["l2", None], ids=["symmetric", "reference"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_preconditioned_newton_reaches_the_exact_newton_and_lbfgs_optimum(penalty, fit_intercept, monkeypatch):
    X, y = multinomial_problem()
    kw = dict(penalty=penalty, fit_intercept=fit_intercept, check_separation=False)  # (not the subject)
    if penalty == "l2":
        kw["alpha"] = 1e-3
    n_params = (5 - (penalty is None)) * (X.shape[1] + fit_intercept)
    assert n_params > newton.DIRECT_MAX_PARAMS
    assert _cg.SAMPLE_ROWS_PER_PARAM * n_params * 2 < X.shape[0]  # a proper row sample

    pcg, count = newton_fits(X, y, monkeypatch, **kw)
    assert pcg.converged_ and pcg.fit_result_.grad_norm <= 1e-10
    assert count.preconditioned == pcg.n_iter_[0] > 0  # every Newton step was preconditioned

    with monkeypatch.context() as mp:  # Newton with the exact Hessian, Cholesky every step
        mp.setattr(newton, "DIRECT_MAX_PARAMS", 10_000)
        exact = LogisticRegression(solver="newton", tol=1e-10, **kw).fit(X, y)
    np.testing.assert_allclose(pcg.coef_, exact.coef_, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(pcg.intercept_, exact.intercept_, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(pcg.predict_proba(X[:500]), exact.predict_proba(X[:500]), atol=1e-9)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        lbfgs = LogisticRegression(solver="lbfgs", tol=1e-10, max_iter=5000, **kw).fit(X, y)
    # L-BFGS stops on its objective decrease at a residual ~1e-8..1e-7 here (see the module
    # docstring of test_solvers): the same optimum to that accuracy, and no lower objective
    assert lbfgs.fit_result_.grad_norm < 1e-6
    assert pcg.fit_result_.objective <= lbfgs.fit_result_.objective + 1e-14
    assert pcg.fit_result_.objective == pytest.approx(lbfgs.fit_result_.objective, rel=1e-12)
    np.testing.assert_allclose(pcg.predict_proba(X[:500]), lbfgs.predict_proba(X[:500]), atol=1e-5)


def test_preconditioner_saves_products(monkeypatch):
    X, y = multinomial_problem()
    pcg, count = newton_fits(X, y, monkeypatch, penalty="l2", alpha=1e-3)
    monkeypatch.setattr(_cg, "PRECOND_MAX_PARAMS", 0)
    plain_count = Counter(monkeypatch)
    plain = LogisticRegression(solver="newton", tol=1e-10, penalty="l2", alpha=1e-3).fit(X, y)
    assert plain_count.preconditioned == 0 and plain.converged_
    assert 2 * count.products < plain_count.products
    np.testing.assert_allclose(pcg.coef_, plain.coef_, rtol=1e-6, atol=1e-7)


class _Rows:
    exact_hessian = True

    def __init__(self, n, P):
        self.n_rows, self.n_params = n, P

    def subsample(self, m, seed=0):
        raise AssertionError


def test_preconditioner_rows_rule():
    Source = _Rows
    assert _cg.preconditioner_rows(Source(100_000, 510)) == 2040
    assert _cg.preconditioner_rows(Source(3000, 410)) is None   # the full Hessian costs more than CG
    assert _cg.preconditioner_rows(Source(10**6, 5000)) is None  # too many parameters
    inexact = Source(100_000, 510)
    inexact.exact_hessian = False                                  # Firth's Fisher information
    assert _cg.preconditioner_rows(inexact) is None


def test_preconditioned_newton_binary_many_parameters(monkeypatch):
    """The preconditioner is the objective's own sampled Hessian: binary models beyond
    DIRECT_MAX_PARAMS use it too, and land on the exact-Hessian Newton optimum."""
    rng = np.random.default_rng(11)
    n, d = 16_000, 310
    scales = np.logspace(0, 1, d)
    X = rng.standard_normal((n, d)) * scales
    y = (rng.random(n) < 1 / (1 + np.exp(-X @ (rng.standard_normal(d) / np.sqrt(d) / scales)))).astype(int)
    kw = dict(penalty="l2", alpha=1e-3, tol=1e-10)
    assert _cg.preconditioner_rows(_Rows(n, d + 1)) == 4 * (d + 1)  # by the rule itself
    count = Counter(monkeypatch)
    pcg = LogisticRegression(solver="newton", **kw).fit(X, y)
    monkeypatch.undo()
    assert pcg.converged_ and count.preconditioned == pcg.n_iter_[0] > 0
    monkeypatch.setattr(newton, "DIRECT_MAX_PARAMS", 10_000)
    exact = LogisticRegression(solver="newton", **kw).fit(X, y)
    np.testing.assert_allclose(pcg.coef_, exact.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(pcg.intercept_, exact.intercept_, rtol=1e-6, atol=1e-8)
