"""The compiled one-read pass (``src/logitlab/_fused.c``) of large binary logit fits.

From ``_FUSED_MIN_ROWS`` rows, value and gradient of the logit loss with 0/1 outcomes come from
one read of X in C (row by row in C order, by row blocks in Fortran order). These tests pin it
to an independent reference (numpy's ``logaddexp`` and ``expit``) and to the numpy pass it
replaces, over the cases it covers (both orders, outcomes as floats or int8 codes, unit or
general weights, with or without intercept and offset, both tails of the predictor), check
which cases fall back to numpy, and that its buffers are checked before any row is read.
"""
import numpy as np
import pytest
from scipy.special import expit

from logitlab import _loss
from logitlab._data import unit_weights
from logitlab._links import get_link
from logitlab._loss import _FUSED_MIN_ROWS, BinaryLoss


def test_the_compiled_pass_is_built():
    assert _loss._fused is not None, (
        "logitlab._fused did not build: install a C compiler and the Python headers, then "
        "reinstall (pip install -e .); large fits fall back to a pass about 1.5 times slower")


def _problem(seed, n=_FUSED_MIN_ROWS + 1_237, d=7, scale=1.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * scale
    y = (rng.random(n) < 0.35).astype(float)
    return rng, X, y


def _reference(X, y, s, theta, intercept, offset):
    """Value, gradient and predictor of the mean weighted logit loss, written out in numpy."""
    w, b = (theta[1:], theta[0]) if intercept else (theta, 0.0)
    eta = X @ w + b + (0.0 if offset is None else offset)
    value = s @ np.logaddexp(0.0, -(2 * y - 1) * eta) / s.sum()
    r = s * (expit(eta) - y) / s.sum()
    grad = X.T @ r
    return value, (np.concatenate([[r.sum()], grad]) if intercept else grad), eta


@pytest.mark.parametrize("order, d", [("C", 7), ("F", 7), ("F", 8)])
@pytest.mark.parametrize("y_codes", [False, True], ids=["y-float", "y-int8"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unit", "weighted"])
@pytest.mark.parametrize("intercept", [True, False], ids=["intercept", "no-intercept"])
@pytest.mark.parametrize("with_offset", [False, True], ids=["", "offset"])
def test_compiled_pass_matches_the_reference_and_the_numpy_pass(order, d, y_codes, weighted,
                                                                intercept, with_offset, monkeypatch):
    """C order reads each row once; Fortran order (pandas) goes by row blocks, four columns per
    sweep (d = 7 leaves a column over, d = 8 none)."""
    rng, X, y = _problem(3, d=d)
    X = np.asarray(X, order=order)
    n = X.shape[0]
    s = rng.random(n) * 2 if weighted else np.ones(n)
    offset = rng.standard_normal(n) * 0.5 if with_offset else None
    theta = rng.standard_normal(d + int(intercept)) * 0.4
    loss = BinaryLoss(X, y.astype(np.int8) if y_codes else y, s if weighted else unit_weights(n),
                      get_link("logit"), intercept, offset)
    assert loss._compiled_pass_applies()

    value, grad = loss.value_grad(theta)
    eta = loss.eta(theta).copy()
    ref_value, ref_grad, ref_eta = _reference(X, y, s, theta, intercept, offset)
    assert value == pytest.approx(ref_value, rel=1e-13)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(eta, ref_eta, rtol=1e-13, atol=1e-13)

    monkeypatch.setattr(_loss, "_fused", None)
    loss._cache.clear()
    numpy_value, numpy_grad = loss.value_grad(theta)
    assert value == pytest.approx(numpy_value, rel=1e-13)
    np.testing.assert_allclose(grad, numpy_grad, rtol=1e-10, atol=1e-15)


def test_compiled_pass_is_accurate_in_both_tails():
    """Predictors up to |eta| ~ 700: per-row losses from 1e-300 to 700 and gradients of 0 and
    +-1 (log1p(exp(-|z|)) and the two-sided sigmoid), as numpy's logaddexp and expit give."""
    rng, X, y = _problem(5, d=3)
    loss = BinaryLoss(X * 150, y, unit_weights(len(y)), get_link("logit"), True)
    theta = np.array([0.5, 1.0, -1.0, 0.3])
    value, grad = loss.value_grad(theta)
    ref_value, ref_grad, _ = _reference(X * 150, y, np.ones(len(y)), theta, True, None)
    assert np.isfinite(value) and value == pytest.approx(ref_value, rel=1e-13)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-15)


def test_fits_agree_with_and_without_the_compiled_pass(monkeypatch):
    """A whole Newton fit on the compiled pass ends where the numpy pass ends."""
    from logitlab import LogisticRegression

    rng, X, y = _problem(7, d=6)
    fast = LogisticRegression(penalty="l2", alpha=1e-3).fit(X, y)
    monkeypatch.setattr(_loss, "_fused", None)
    slow = LogisticRegression(penalty="l2", alpha=1e-3).fit(X, y)
    np.testing.assert_allclose(fast.coef_, slow.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fast.intercept_, slow.intercept_, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("case", ["strided", "float32", "probit", "fractional-y"])
def test_cases_the_compiled_pass_does_not_cover_use_the_numpy_pass(case):
    rng, X, y = _problem(9, d=4)
    link = get_link("probit" if case == "probit" else "logit")
    if case == "strided":
        X = np.repeat(X, 2, axis=1)[:, ::2]
    if case == "float32":
        X = X.astype(np.float32)
    if case == "fractional-y":
        y = y * 0.5 + 0.25
    loss = BinaryLoss(X, y, unit_weights(len(y)), link, True)
    assert not loss._compiled_pass_applies()
    theta = rng.standard_normal(X.shape[1] + 1) * 0.3
    value, grad = loss.value_grad(theta)
    loss._cache.clear()
    assert value == pytest.approx(loss.value(theta), rel=1e-6 if case == "float32" else 1e-13)
    np.testing.assert_allclose(grad, loss.grad(theta), rtol=1e-6 if case == "float32" else 1e-10,
                               atol=1e-12)


def _args(n=10, d=3):
    X, w = np.zeros((n, d)), np.zeros(d)
    y, eta, g = np.zeros(n), np.empty(n), np.zeros(d)
    return dict(X=X, n=n, d=d, w=w, b=0.0, offset=None, y=y, s=None, s0=0.1, eta=eta, g=g,
                lo=0, hi=n)


def _call(**changes):
    args = {**_args(), **changes}
    return _loss._fused.logit_pass(*args.values())


@pytest.mark.skipif(_loss._fused is None, reason="the compiled pass is not built (see the test above)")
@pytest.mark.parametrize("changes, match", [
    (dict(X=np.zeros((9, 3))), "X must hold 30 items"),
    (dict(X=np.zeros((3, 10))), r"X has shape \(3, 10\), not \(n, d\) = \(10, 3\)"),
    (dict(X=np.zeros((10, 3), dtype=np.float32)), "X must hold 30 items of format 'd'"),
    (dict(w=np.zeros(4)), "w must hold 3 items"),
    (dict(y=np.zeros(10, dtype=np.int32)), "y must hold 10 items"),
    (dict(offset=np.zeros(3)), "offset must hold 10 items"),
    (dict(s=np.zeros(11)), "s must hold 10 items"),
    (dict(g=np.zeros(2)), "g must hold 3 items"),
    (dict(hi=11), "lo <= hi <= n"),
    (dict(lo=5, hi=4), "lo <= hi <= n"),
    (dict(n=-1), "lo <= hi <= n"),
])
def test_the_compiled_pass_checks_its_buffers_before_reading(changes, match):
    with pytest.raises(ValueError, match=match):
        _call(**changes)


@pytest.mark.skipif(_loss._fused is None, reason="the compiled pass is not built (see the test above)")
def test_the_compiled_pass_refuses_unwritable_or_strided_buffers():
    eta = np.empty(10)
    eta.flags.writeable = False
    with pytest.raises((BufferError, ValueError)):
        _call(eta=eta)
    with pytest.raises((BufferError, ValueError)):
        _call(X=np.zeros((10, 6))[:, ::2])
    value, gsum = _call()  # and the unchanged arguments work: all-zero rows give log 2 each
    assert value == pytest.approx(10 * 0.1 * np.log(2)) and gsum == pytest.approx(10 * 0.1 * 0.5)


def test_row_samples_are_views_unless_blas_cannot_read_them_in_place():
    """Every k-th row of Fortran-ordered X (what pandas gives) has no unit stride: numpy would
    gather it again for every product, so the coarse fit's sample is gathered once; the other
    samples stay views of X, and the sampled Hessian reads its rows in place."""
    from logitlab._loss import blas_ready_rows

    X = np.arange(60.0).reshape(12, 5)
    for A, rows, is_view in [(X, slice(1, None, 3), True), (np.asfortranarray(X), slice(2, 9), True),
                             (np.asfortranarray(X), slice(1, None, 3), False)]:
        sample = blas_ready_rows(A, rows)
        np.testing.assert_array_equal(sample, X[rows])
        assert np.shares_memory(sample, A) is is_view
        assert sample.itemsize in sample.strides
        assert np.shares_memory(blas_ready_rows(A, rows, gather=False), A)

    rng, Xn, y = _problem(17, d=4)
    XF = np.asfortranarray(Xn)
    loss = BinaryLoss(XF, y, unit_weights(len(y)), get_link("logit"), True)
    rows = slice(3, None, 7)
    theta = rng.standard_normal(5) * 0.3
    coarse = loss.subset(rows)
    assert coarse.X.flags.c_contiguous and not np.shares_memory(coarse.X, XF)
    np.testing.assert_allclose(loss.sampled_hessian(theta, rows), coarse.hessian(theta), rtol=1e-12)


@pytest.mark.parametrize("rows", [slice(None), slice(2, None, 3)], ids=["all-rows", "strided-sample"])
def test_blocked_information_is_the_same_in_either_memory_order(rows):
    """The blocked syrk scales row blocks into a buffer in X's own memory order (a transposing
    copy for Fortran-ordered X was ~40% slower): the matrix is X~^T W X~ / sum(s) in both."""
    from logitlab._loss import _BLOCKED_MIN_ENTRIES

    rng = np.random.default_rng(19)
    n, d = _BLOCKED_MIN_ENTRIES // 2, 9
    X = rng.standard_normal((n, d))
    y = (rng.random(n) < 0.4).astype(float)
    s = rng.random(n) + 0.5
    theta = rng.standard_normal(d + 1) * 0.3
    Xt = np.concatenate([np.ones((n, 1)), X], axis=1)[rows]
    mu = expit(Xt @ theta)
    reference = (Xt * (s[rows] * mu * (1 - mu))[:, None]).T @ Xt / s[rows].sum()
    for order in "CF":
        A = np.asarray(X, order=order)[rows]
        assert A.shape[0] * (d + 1) >= _BLOCKED_MIN_ENTRIES  # the blocked path
        H = BinaryLoss(A, y[rows], s[rows], get_link("logit"), True).hessian(theta)
        np.testing.assert_allclose(H, reference, rtol=1e-12, atol=1e-15)
