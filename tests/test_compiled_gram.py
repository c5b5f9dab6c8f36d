"""The compiled weighted Gram kernel (``_fused.weighted_gram`` in ``src/logitlab/_fused.c``).

Large dense Hessians and information matrices are sum_i D_i x~_i x~_i^T over the rows, computed
by a GEMM-style micro-kernel on packed row blocks. These tests pin every kernel the machine can
run (AVX-512, AVX2, the portable one) to numpy's product, over the shapes that exercise the
tiling (one column, partial vectors and tiles, more columns than a block's rows), both memory
orders and strided row samples of each, partial row ranges and accumulation into G; check the
buffers are refused before any row is read; and that the Hessians the losses build with it equal
those of the numpy route it replaces (the same code with the extension absent).
"""
import numpy as np
import pytest
from scipy.special import expit

from logitlab import _loss
from logitlab._links import get_link
from logitlab._loss import _BLOCKED_MIN_ENTRIES, BinaryLoss

pytestmark = pytest.mark.skipif(_loss._fused is None, reason="the extension is not built "
                                "(test_fused_pass.test_the_compiled_pass_is_built says why)")

# 8: AVX-512 where the machine has it; 4: AVX2; 2: the portable kernel (on x86-64 its vectors are SSE2)
WIDTHS = [8, 4, 2]


def _gram(X, D, intercept):
    A = np.column_stack([np.ones(len(X)), X]) if intercept else np.asarray(X)
    return (A.T * D) @ A


def _layouts(X):
    """X in C and Fortran order, and every third row of each (a strided view)."""
    F = np.asfortranarray(X)
    return {"C": X, "F": F, "C rows ::3": X[1::3], "F rows ::3": F[1::3]}


@pytest.mark.parametrize("widest", WIDTHS)
@pytest.mark.parametrize("n, d", [(300, 1), (301, 7), (517, 8), (260, 17), (700, 101), (40, 250)])
@pytest.mark.parametrize("intercept", [True, False], ids=["intercept", "no-intercept"])
def test_every_kernel_equals_the_numpy_product(widest, n, d, intercept):
    rng = np.random.default_rng(d * 10 + widest)
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 50.0, d)
    m = d + intercept
    upper = np.triu_indices(m)
    for name, A in _layouts(X).items():
        rows = A.shape[0]
        for lo, hi in [(0, rows), (rows // 3, rows - 5)]:
            D = rng.random(hi - lo)
            before = rng.standard_normal((m, m))  # the kernel adds into G
            G = before.copy()
            _loss._fused.weighted_gram(A, D, G, lo, hi, intercept, widest)
            expected = _gram(np.asarray(A)[lo:hi], D, intercept)
            np.testing.assert_allclose(G[upper] - before[upper], expected[upper], rtol=1e-12,
                                       atol=1e-12 * np.abs(expected).max(), err_msg=name)
            lower = np.tril_indices(m, -1)
            assert np.array_equal(G[lower], before[lower]), "the lower triangle is left as it is"


def test_zero_rows_add_nothing():
    G = np.ones((4, 4))
    _loss._fused.weighted_gram(np.zeros((5, 3)), np.zeros(0), G, 2, 2, True)
    assert np.array_equal(G, np.ones((4, 4)))


def _args(**changes):
    args = dict(X=np.zeros((10, 3)), D=np.zeros(10), G=np.zeros((4, 4)), lo=0, hi=10, intercept=True)
    return {**args, **changes}


@pytest.mark.parametrize("changes, match", [
    (dict(X=np.zeros((10, 3), dtype=np.float32)), "X must be a 2-D float64 array"),
    (dict(X=np.zeros(30)), "X must be a 2-D float64 array"),
    (dict(X=np.zeros((10, 3))[::-1]), "positive strides"),
    (dict(D=np.zeros(9)), r"D \(one weight per row lo..hi\) must hold 10 items"),
    (dict(D=np.zeros(10, dtype=np.float32)), "D .* of format 'd'"),
    (dict(G=np.zeros((3, 3))), r"G \(m x m, m = d \+ intercept\) must hold 16 items"),
    (dict(G=np.zeros((4, 4)), intercept=False), "G .* must hold 9 items"),
    (dict(hi=11, D=np.zeros(11)), "lo <= hi <= n = 10"),
    (dict(lo=5, hi=4), "lo <= hi <= n"),
    (dict(lo=-1), "lo <= hi <= n"),
])
def test_the_kernel_checks_its_buffers_before_reading(changes, match):
    args = _args(**changes)
    G_before = np.array(args["G"], copy=True)
    with pytest.raises(ValueError, match=match):
        _loss._fused.weighted_gram(*args.values())
    assert np.array_equal(args["G"], G_before)


def test_the_kernel_refuses_a_read_only_or_strided_output():
    G = np.zeros((4, 4))
    G.flags.writeable = False
    with pytest.raises((BufferError, ValueError)):
        _loss._fused.weighted_gram(*_args(G=G).values())
    with pytest.raises((BufferError, ValueError)):
        _loss._fused.weighted_gram(*_args(G=np.zeros((4, 8))[:, ::2]).values())
    with pytest.raises((BufferError, ValueError)):
        _loss._fused.weighted_gram(*_args(D=np.zeros(20)[::2]).values())


@pytest.fixture(params=["compiled", "numpy"])
def route(request, monkeypatch):
    """The Gram matrices of the losses with the kernel, and as a machine without a C compiler
    computes them (the numpy pass and BLAS syrk on sqrt(D)-scaled row blocks)."""
    if request.param == "numpy":
        monkeypatch.setattr(_loss, "_fused", None)
    return request.param


@pytest.mark.parametrize("link", ["logit", "probit", "cloglog"])
@pytest.mark.parametrize("layout", ["C", "F", "C rows ::3", "F rows ::3"])
def test_large_hessians_equal_the_plain_formula_either_route(route, link, layout):
    rng = np.random.default_rng(23)
    n, d = 3 * _BLOCKED_MIN_ENTRIES // 11 + 917, 10
    X = rng.standard_normal((n, d))
    A = _layouts(X)[layout]
    rows = A.shape[0]
    assert rows * (d + 1) >= _BLOCKED_MIN_ENTRIES  # the blocked path
    y = (rng.random(rows) < 0.3).astype(float)
    s, offset = rng.random(rows) + 0.5, rng.standard_normal(rows) * 0.1
    loss = BinaryLoss(A, y, s, get_link(link), True, offset)
    theta = rng.standard_normal(d + 1) * 0.2
    H = loss.hessian(theta)
    Xt = np.column_stack([np.ones(rows), np.asarray(A)])
    D = s / s.sum() * get_link(link).d2(y, Xt @ theta + offset)
    np.testing.assert_allclose(H, (Xt.T * D) @ Xt, rtol=1e-12, atol=1e-15)
    assert np.array_equal(H, H.T)


def test_the_two_routes_give_the_same_information_and_standard_errors(monkeypatch):
    """A whole unpenalised fit and its standard errors, with the kernel and without it."""
    import logitlab

    rng = np.random.default_rng(29)
    n, d = 120_000, 12
    X = rng.standard_normal((n, d))
    y = (rng.random(n) < expit(X @ rng.standard_normal(d) * 0.3 - 0.5)).astype(int)
    fits = {}
    for route in ["compiled", "numpy"]:
        if route == "numpy":
            monkeypatch.setattr(_loss, "_fused", None)
        model = logitlab.LogisticRegression(penalty=None).fit(X, y)
        fits[route] = (model.coef_.ravel(), model.summary().to_frame()["std_err"].to_numpy())
    np.testing.assert_allclose(fits["compiled"][0], fits["numpy"][0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fits["compiled"][1], fits["numpy"][1], rtol=1e-10)


def test_a_large_fit_and_its_summary_agree_with_statsmodels():
    """At 120,000 rows the fit runs on the compiled pass and its information on the Gram kernel
    (sampled Hessians and the exact one at the estimate): estimates, standard errors and the
    log-likelihood agree with statsmodels' Logit (Newton to 1e-12, its own Hessian)."""
    import statsmodels.api as sm

    import logitlab

    rng = np.random.default_rng(41)
    n, d = 120_000, 12
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 3.0, d)
    y = (rng.random(n) < expit(X @ rng.standard_normal(d) * 0.2 + 0.4)).astype(int)
    assert n >= _loss._FUSED_MIN_ROWS and n * (d + 1) >= _BLOCKED_MIN_ENTRIES
    model = logitlab.LogisticRegression(penalty=None, tol=1e-10).fit(X, y)
    ours = model.summary().to_frame()
    theirs = sm.Logit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-12, maxiter=50)
    np.testing.assert_allclose(ours["estimate"], theirs.params, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(ours["std_err"], theirs.bse, rtol=1e-7)
    assert logitlab.inference.model_statistics(model)["loglike"] == pytest.approx(theirs.llf, rel=1e-12)
