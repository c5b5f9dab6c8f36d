"""Objective pieces (binary and multinomial losses, elastic-net and Firth penalties) against
finite differences, Hessian-vector products against the Hessian, and ``objective_value``
against the estimator.

Finite differences are central with step 1e-6 on objectives of size O(1): truncation error
~1e-12 * third derivative and round-off ~1e-16 / 1e-6 = 1e-10, so gradients and Hessians are
compared with rtol 1e-5 and atol 1e-7.
"""
import numpy as np
import pytest

from logitlab import LogisticRegression
from logitlab._fit import FitSpec, build_loss, build_objective
from logitlab._links import get_link
from logitlab._loss import BinaryLoss
from logitlab._multinomial_loss import MultinomialLoss
from logitlab._objective import Objective, objective_value
from logitlab._penalties import make_penalty

H = 1e-6
RTOL, ATOL = 1e-5, 1e-7


def fd_grad(f, theta):
    g = np.empty_like(theta)
    for j in range(theta.size):
        e = np.zeros_like(theta)
        e[j] = H
        g[j] = (f(theta + e) - f(theta - e)) / (2 * H)
    return g


def fd_jac(grad, theta):
    cols = []
    for j in range(theta.size):
        e = np.zeros_like(theta)
        e[j] = H
        cols.append((grad(theta + e) - grad(theta - e)) / (2 * H))
    return np.array(cols).T


def data(n=60, d=3, K=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.integers(0, K, size=n)
    w = rng.uniform(0.2, 2.0, size=n)
    offset = rng.normal(scale=0.3, size=n)
    return X, y, w, offset


def rand_theta(n_params, seed=1):
    # every entry non-zero, so |theta| is differentiable for the L1 part
    theta = np.random.default_rng(seed).normal(scale=0.5, size=n_params)
    return np.where(np.abs(theta) < 0.05, 0.1, theta)


def check_derivatives(obj, theta):
    # value includes the L1 part; grad is the smooth part, so add l1 * sign(theta) back
    full_grad = lambda t: obj.grad(t) + obj.l1 * np.sign(t)  # noqa: E731
    np.testing.assert_allclose(full_grad(theta), fd_grad(obj.value, theta), rtol=RTOL, atol=ATOL)
    if obj.exact_hessian:
        Hm = obj.hessian(theta)
        np.testing.assert_allclose(Hm, fd_jac(obj.grad, theta), rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(Hm, Hm.T, rtol=1e-12, atol=1e-15)
        v = np.random.default_rng(2).normal(size=theta.size)
        np.testing.assert_allclose(obj.hessp(theta, v), Hm @ v, rtol=1e-10, atol=1e-12)
        # the column subsets coordinate descent asks for are sub-blocks of the full Hessian
        idx = np.arange(0, theta.size, 2)
        np.testing.assert_allclose(obj.hessian(theta, idx), Hm[np.ix_(idx, idx)], rtol=1e-12, atol=1e-15)


PENALTIES = [("none", 0.0, 0.0), ("l2", 0.05, 0.0), ("elasticnet", 0.05, 0.4)]


@pytest.mark.parametrize("link", ["logit", "probit", "cloglog"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("penalty,alpha,l1_ratio", PENALTIES)
def test_binary_loss_and_penalties(link, fit_intercept, penalty, alpha, l1_ratio):
    X, y, w, offset = data()
    loss = BinaryLoss(X, y.astype(float), w, get_link(link), fit_intercept, offset)
    obj = Objective(loss, make_penalty(penalty, alpha, l1_ratio, loss))
    check_derivatives(obj, rand_theta(loss.n_params))


def test_binary_loss_fractional_y():
    X, _, w, offset = data()
    y = np.random.default_rng(5).uniform(size=X.shape[0])
    for link in ("logit", "probit", "cloglog"):
        loss = BinaryLoss(X, y, w, get_link(link), True, offset)
        check_derivatives(Objective(loss, make_penalty("none", 0, 0, loss)), rand_theta(loss.n_params))


@pytest.mark.parametrize("reference", [True, False], ids=["reference", "symmetric"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("penalty,alpha,l1_ratio", PENALTIES)
def test_multinomial_loss_and_penalties(reference, fit_intercept, penalty, alpha, l1_ratio):
    X, y, w, _ = data(K=3)
    offset = np.random.default_rng(3).normal(scale=0.3, size=(X.shape[0], 3))
    loss = MultinomialLoss(X, y, w, 3, fit_intercept, offset, reference=reference)
    obj = Objective(loss, make_penalty(penalty, alpha, l1_ratio, loss))
    check_derivatives(obj, rand_theta(loss.n_params))


def test_multinomial_value_is_softmax_nll():
    X, y, w, _ = data(K=4)
    loss = MultinomialLoss(X, y, w, 4, True, None, reference=False)
    # centred intercepts: off them the symmetric form adds its anchor (sum_k b_k)^2 / 2, which
    # fixes the softmax's flat intercept direction (see MultinomialLoss)
    theta = loss.pack(*loss.split(rand_theta(loss.n_params)))
    coef, b = loss.split(theta)
    assert abs(b.sum()) < 1e-14
    eta = X @ coef.T + b
    p = np.exp(eta) / np.exp(eta).sum(axis=1, keepdims=True)
    assert loss.value(theta) == pytest.approx(-(w @ np.log(p[np.arange(len(y)), y])) / w.sum(), rel=1e-12)


def test_firth_gradient_matches_finite_differences_of_its_value():
    X, y, w, offset = data(n=80, d=3)
    loss = BinaryLoss(X, y.astype(float), w, get_link("logit"), True, offset)
    obj = Objective(loss, make_penalty("firth", 0, 0, loss))
    theta = rand_theta(loss.n_params)
    np.testing.assert_allclose(obj.grad(theta), fd_grad(obj.value, theta), rtol=RTOL, atol=ATOL)
    # the value is the nll + 1/2 log det(I) / sum(w) with I the (mean-scaled) Fisher information
    sign, logdet = np.linalg.slogdet(loss.hessian(theta))
    assert obj.value(theta) == pytest.approx(loss.value(theta) - 0.5 * logdet / w.sum(), rel=1e-12)
    assert not obj.exact_hessian  # its Hessian is deliberately the Fisher information


def test_firth_pieces_move_from_point_to_point_without_stale_results():
    """Firth's per-point pieces (probabilities kept with the loss's predictor, the scaled design
    and its whitened form in reused buffers) give at a point what a fresh objective gives
    there, whatever point came before: value, gradient, hat values, Newton's matrix and the
    curvature along a direction, and the loss's gradient with the kept probabilities equals
    the one from the link's derivative."""
    X, y, w, offset = data(n=90, d=4)

    def fresh():
        loss = BinaryLoss(X, y.astype(float), w, get_link("logit"), True, offset)
        return loss, Objective(loss, make_penalty("firth", 0, 0, loss))

    def pieces(obj, theta, v):
        return (obj.value(theta), obj.grad(theta), obj.penalty.hat(theta).copy(),
                obj.penalty.information(theta), obj.penalty.curvature(theta, v))

    rng = np.random.default_rng(5)
    thetas = [rand_theta(5) for _ in range(3)]
    v = rng.standard_normal(5)
    loss, obj = fresh()
    first = [pieces(obj, t, v) for t in thetas]
    again = [pieces(obj, t, v) for t in reversed(thetas)][::-1]  # each point after another
    for t, a, b in zip(thetas, first, again):
        alone = pieces(fresh()[1], t, v)
        for x, y_, z in zip(a, b, alone):
            np.testing.assert_array_equal(x, z)
            np.testing.assert_array_equal(y_, z)
    theta = thetas[0]
    mu = loss.mean(theta)
    kept = loss.grad(theta)
    loss._cache.clear()
    np.testing.assert_array_equal(kept, loss.grad(theta))  # via link.d1, no kept probabilities
    np.testing.assert_array_equal(mu, get_link("logit").inverse(loss.eta(theta)))


def test_same_point_compares_parameter_vectors_by_their_bits():
    """The caches keyed by theta: equal values in different arrays are the same point, a
    different value, shape or length is not, identical NaNs are; beyond 4,096 entries the
    values are compared (no byte copies of large vectors)."""
    from logitlab._loss import same_point

    a = np.array([0.5, -1.25, 3.0])
    assert same_point(a, a.copy()) and same_point(a, np.array([0.5, -1.25, 3.0]))
    assert not same_point(a, np.array([0.5, -1.25, np.nextafter(3.0, 4.0)]))  # one ulp apart
    assert not same_point(a, a[:2]) and not same_point(a, a.reshape(3, 1))
    assert same_point(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]))
    big = np.random.default_rng(0).standard_normal(10_000)
    assert same_point(big, big.copy())
    other = big.copy()
    other[-1] += 1e-12
    assert not same_point(big, other)
    assert same_point(a[::2], np.array([0.5, 3.0]))  # strided views compare by value


def test_firth_newton_reaches_zero_gradient():
    """Newton with the Fisher information as Hessian (Fisher scoring) still finds a stationary point."""
    X, y, w, _ = data(n=80, d=3)
    m = LogisticRegression(penalty="firth", solver="newton", tol=1e-10).fit(X, y, sample_weight=w)
    assert m.converged_
    loss = BinaryLoss(X, y.astype(float), w, get_link("logit"), True, None)
    obj = Objective(loss, make_penalty("firth", 0, 0, loss))
    theta = loss.pack(m.coef_, m.intercept_)
    assert np.max(np.abs(fd_grad(obj.value, theta))) < 1e-7  # independent of obj.grad
    assert obj.kkt_residual(theta) <= 1e-10


@pytest.mark.parametrize("penalty,alpha,l1_ratio", [(None, 0.0, 0.0), ("l2", 0.02, 0.0), ("l1", 0.02, 1.0),
                                                    ("elasticnet", 0.02, 0.5), ("firth", 0.0, 0.0)])
def test_objective_value_agrees_with_estimator(penalty, alpha, l1_ratio):
    X, y, w, _ = data(n=100, d=3)
    kw = {} if penalty in (None, "firth") else {"alpha": alpha, "l1_ratio": l1_ratio}
    m = LogisticRegression(penalty=penalty, tol=1e-10, **kw).fit(X, y, sample_weight=w)
    val = objective_value(X, y, m.coef_, m.intercept_, penalty=penalty, alpha=alpha, l1_ratio=l1_ratio,
                          sample_weight=w)
    assert val == pytest.approx(m.objective_, rel=1e-12)


@pytest.mark.parametrize("penalty", [None, "l2"])
def test_objective_value_multinomial_and_links(penalty):
    X, y, w, _ = data(n=120, d=3, K=3)
    m = LogisticRegression(penalty=penalty, tol=1e-10).fit(X, y, sample_weight=w)
    val = objective_value(X, y, m.coef_, m.intercept_, penalty=penalty, alpha=m.alpha_, sample_weight=w)
    assert val == pytest.approx(m.objective_, rel=1e-12)
    Xb, yb, _, _ = data(n=100, d=2)
    m = LogisticRegression(link="probit", tol=1e-10).fit(Xb, yb)
    assert objective_value(Xb, yb, m.coef_, m.intercept_, link="probit") == pytest.approx(m.objective_, rel=1e-12)


def test_build_objective_uses_reference_form_only_unpenalised():
    X, y, w, _ = data(K=3)
    for pen, ref in (("none", True), ("l2", False)):
        loss = build_loss(X, y, w, None, FitSpec(penalty=pen, alpha=0.1), n_classes=3)
        assert loss.reference is ref
        assert build_objective(loss, FitSpec(penalty=pen, alpha=0.1)).n_params == (2 if ref else 3) * 4


@pytest.mark.parametrize("link", ["logit", "probit", "cloglog"])
def test_fused_two_thread_value_and_gradient_equal_the_plain_ones(link):
    """From 100k rows the binary loss computes value and gradient in one blocked pass on two
    threads; it must agree with the separate computations to round-off."""
    from logitlab._links import get_link
    from logitlab._loss import _FUSED_MIN_ROWS, BinaryLoss

    rng = np.random.default_rng(11)
    n, d = _FUSED_MIN_ROWS + 12_345, 5
    X = rng.standard_normal((n, d))
    y = (rng.random(n) < 0.4).astype(float)
    loss = BinaryLoss(X, y, rng.random(n) + 0.5, get_link(link), True, rng.standard_normal(n) * 0.1)
    theta = rng.standard_normal(d + 1) * 0.3
    f_fused, g_fused = loss.value_grad(theta)
    eta_fused = loss.eta(theta).copy()
    loss._cache.clear()
    np.testing.assert_allclose(loss.eta(theta), eta_fused, rtol=1e-14, atol=1e-14)
    assert f_fused == pytest.approx(loss.value(theta), rel=1e-13)
    np.testing.assert_allclose(g_fused, loss.grad(theta), rtol=1e-10, atol=1e-15)


def test_one_thread_keeps_the_passes_on_the_calling_thread():
    """Inside ``one_thread()`` (a Dask worker's task: the worker already runs one task per
    core) the fused pass and the blocked Gram matrix run on the calling thread, with the
    same results as the two-thread passes."""
    import threading

    from logitlab import _threads
    from logitlab._links import get_link
    from logitlab._loss import _FUSED_MIN_ROWS, BinaryLoss

    seen = []

    def part(lo, hi):
        seen.append(threading.get_ident())
        return lo, hi

    assert _threads.in_two_halves(part, 10) == [(0, 5), (5, 10)]
    assert threading.get_ident() not in seen
    seen.clear()
    with _threads.one_thread():
        assert _threads.in_two_halves(part, 10) == [(0, 10)]
    assert seen == [threading.get_ident()] and _threads.threads_allowed()

    rng = np.random.default_rng(13)
    n, d = _FUSED_MIN_ROWS + 999, 6
    X = rng.standard_normal((n, d))
    loss = BinaryLoss(X, (rng.random(n) < 0.3).astype(float), rng.random(n) + 0.5, get_link("logit"), True)
    theta = rng.standard_normal(d + 1) * 0.3
    f2, g2, H2 = *loss.value_grad(theta), loss.hessian(theta)
    loss._cache.clear()
    with _threads.one_thread():
        f1, g1, H1 = *loss.value_grad(theta), loss.hessian(theta)
    assert f1 == pytest.approx(f2, rel=1e-13)
    np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(H1, H2, rtol=1e-12, atol=1e-15)


def test_nested_single_threaded_blas_keeps_the_limit_until_the_outermost_exit():
    """Nested on one thread, the inner ``single_threaded_blas`` leaves the outer one's limit
    in place (no threadpoolctl call), and the original thread count returns at the end."""
    from threadpoolctl import threadpool_info, threadpool_limits

    from logitlab import _threads

    def blas_threads():
        return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}

    with threadpool_limits(limits=2, user_api="blas"):
        with _threads.single_threaded_blas():
            with _threads.single_threaded_blas():
                assert blas_threads() == {1}
            assert blas_threads() == {1}
        assert blas_threads() == {2}
        with pytest.raises(RuntimeError):  # an error inside still restores the count
            with _threads.single_threaded_blas():
                raise RuntimeError
        assert blas_threads() == {2}
        with _threads.single_threaded_blas():
            assert blas_threads() == {1}


def test_blocked_two_thread_hessian_equals_the_plain_product():
    """From a million entries the weighted Gram matrix is accumulated by blocks in two threads."""
    from logitlab._loss import _BLOCKED_MIN_ENTRIES, _weighted_gram

    rng = np.random.default_rng(12)
    X = rng.standard_normal((_BLOCKED_MIN_ENTRIES // 6 + 4321, 6))
    D = rng.random(X.shape[0])
    reference = (X.T * D) @ X
    np.testing.assert_allclose(_weighted_gram(X, D), reference, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(_weighted_gram(X, D, np.array([1, 4])), reference[np.ix_([1, 4], [1, 4])],
                               rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("link", ["logit", "probit"])
def test_sampled_hessian_without_copy_equals_the_subset_hessian(fit_intercept, link):
    """Large samples of rows are gathered block by block for the curvature Hessian; the result
    must equal the Hessian of the copied subset (weights, offset, penalty included), and the
    full Hessian (intercept row from the same pass) must equal the plain formula."""
    from logitlab._loss import _BLOCKED_MIN_ENTRIES

    rng = np.random.default_rng(13)
    n, d = 2 * _BLOCKED_MIN_ENTRIES // 6 + 999, 5
    X = rng.standard_normal((n, d))
    y = (rng.random(n) < 0.3).astype(float)
    loss = BinaryLoss(X, y, rng.random(n) + 0.5, get_link(link), fit_intercept, rng.standard_normal(n) * 0.1)
    objective = Objective(loss, make_penalty("l2", 0.01, 0.0, loss))
    theta = rng.standard_normal(loss.p) * 0.2
    m = _BLOCKED_MIN_ENTRIES // 6 + 77
    np.testing.assert_allclose(objective.sampled_hessian(theta, m, seed=3),
                               objective.subsample(m, seed=3).hessian(theta), rtol=1e-12, atol=1e-15)
    Xt = np.column_stack([np.ones(n), X]) if fit_intercept else X
    D = loss.hessian_weights(theta)
    np.testing.assert_allclose(loss.hessian(theta), (Xt.T * D) @ Xt, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("link", ["logit", "probit", "cloglog"])
def test_large_hessian_without_a_kept_predictor_computes_and_keeps_it(link):
    """A loss rebuilt for inference has no kept predictor: the blocked Hessian computes the
    predictor block by block in its own pass, keeps it (the log-likelihood and pseudo R^2 that
    follow need no pass), and equals the plain formula."""
    from logitlab._loss import _BLOCKED_MIN_ENTRIES

    rng = np.random.default_rng(17)
    n, d = 2 * _BLOCKED_MIN_ENTRIES // 6 + 999, 5
    X = rng.standard_normal((n, d))
    y = (rng.random(n) < 0.3).astype(float)
    weights, offset = rng.random(n) + 0.5, rng.standard_normal(n) * 0.1
    loss = BinaryLoss(X, y, weights, get_link(link), True, offset)
    theta = rng.standard_normal(d + 1) * 0.2
    assert loss._cache.peek(theta) is None
    H = loss.hessian(theta)
    Xt = np.column_stack([np.ones(n), X])
    eta = Xt @ theta + offset
    np.testing.assert_allclose(loss._cache.peek(theta), eta, rtol=1e-13, atol=1e-13)
    D = weights / weights.sum() * get_link(link).d2(y, eta)
    np.testing.assert_allclose(H, (Xt.T * D) @ Xt, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("link", ["logit", "probit", "cloglog"])
@pytest.mark.parametrize("outcome", ["binary", "fractional", "no events", "all events"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_null_model_value_equals_the_sum_over_rows(link, outcome, fit_intercept):
    """With every slope at zero and no offset the predictor is one constant, and the loss is
    computed from the weighted event rate without a pass over the rows: it must equal the
    weighted mean of the per-row losses, in every corner of the outcome."""
    rng = np.random.default_rng(19)
    n = 997
    y = {"binary": (rng.random(n) < 0.3).astype(float), "fractional": rng.random(n),
         "no events": np.zeros(n), "all events": np.ones(n)}[outcome]
    weights = rng.random(n) + 0.5
    lk = get_link(link)
    loss = BinaryLoss(rng.standard_normal((n, 3)), y, weights, lk, fit_intercept)
    for c in (-2.5, 0.0, 0.7):
        theta = np.array([c, 0.0, 0.0, 0.0]) if fit_intercept else np.zeros(3)
        c_used = c if fit_intercept else 0.0
        expected = np.average(lk.nll(y, np.full(n, c_used)), weights=weights)
        assert loss.value(theta) == pytest.approx(expected, rel=1e-13, abs=1e-300)
    loss.s = weights  # a Dask block's loss: sums over the block with its own weights
    for c in (-2.5, 0.7):
        theta = np.array([c, 0.0, 0.0, 0.0]) if fit_intercept else np.zeros(3)
        expected = weights @ lk.nll(y, np.full(n, c if fit_intercept else 0.0))
        assert loss.value(theta) == pytest.approx(expected, rel=1e-13, abs=1e-300)


def test_the_value_is_kept_with_its_predictor():
    """The loss value at a point is kept with its predictor: asked again at the estimate
    (log-likelihood, LR statistic, information criteria) it is not recomputed, and a value
    from the fused value-and-gradient pass is the one returned."""
    from logitlab._loss import _FUSED_MIN_ROWS

    rng = np.random.default_rng(23)
    n, d = _FUSED_MIN_ROWS + 77, 4
    X = rng.standard_normal((n, d))
    loss = BinaryLoss(X, (rng.random(n) < 0.4).astype(float), np.ones(n), get_link("logit"), True)
    theta = rng.standard_normal(d + 1) * 0.3
    f, _ = loss.value_grad(theta)
    assert loss.value(theta) == f
    loss.link = None  # a second computation would need the link
    assert loss.value(theta.copy()) == f
