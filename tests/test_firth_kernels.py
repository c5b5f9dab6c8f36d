"""The compiled kernels of Firth's penalty on small designs (``_fused.column_gram`` and
``_fused.hat_values`` in ``src/logitlab/_fused.c``).

At every point of a Firth fit and of its refits (likelihood-ratio tests, profile limits) the
penalty needs the information I = X~^T W X~ and the leverages h_i = W_i x~_i^T I^-1 x~_i. For
small designs both are computed from the design held transposed (p x n), by tiles of columns.
These tests pin every kernel the machine runs (AVX-512, AVX2, the portable one) to numpy over
shapes that exercise the tiles (one row, odd p, partial tiles of columns), and a build with
plain loops (no vector extensions) to numpy too; check that the buffers are refused before
anything is read, and that the penalty's value, gradient, hat
values, information and curvature, and a whole fit with its tests and intervals, are the same
by the compiled route and by numpy's (the same code with the extension absent).
"""
import numpy as np
import pytest

import logitlab
from logitlab import _penalties
from logitlab._links import get_link
from logitlab._loss import BinaryLoss
from logitlab._objective import Objective
from logitlab._penalties import make_penalty

fused = _penalties._fused
pytestmark = pytest.mark.skipif(fused is None, reason="the extension is not built "
                                "(test_fused_pass.test_the_compiled_pass_is_built says why)")

# 8: AVX-512 where the machine has it; 4: AVX2; 2: the portable kernel (SSE2 vectors on x86-64)
WIDTHS = [8, 4, 2]
# p: one row, two, odd; n: one column, one short of a tile, a tile, one over, several and a rest
SHAPES = [(1, 40), (2, 1), (3, 31), (8, 32), (21, 33), (21, 517), (33, 100)]


def _design_t(p, n, seed):
    rng = np.random.default_rng(seed)
    Xt = rng.standard_normal((p, n)) * rng.uniform(0.5, 20.0, (p, 1))
    Xt[0] = 1.0  # the intercept's row, as Firth holds it
    return Xt, rng.random(n) * 0.25


@pytest.mark.parametrize("widest", WIDTHS)
@pytest.mark.parametrize("p, n", SHAPES)
def test_every_column_gram_kernel_equals_the_numpy_product(widest, p, n):
    Xt, W = _design_t(p, n, p * 100 + n + widest)
    before = np.random.default_rng(1).standard_normal((p, p))  # the kernel adds into G
    G = before.copy()
    fused.column_gram(Xt, p, n, W, G, widest)
    expected = (Xt * W) @ Xt.T
    upper, lower = np.triu_indices(p), np.tril_indices(p, -1)
    np.testing.assert_allclose(G[upper] - before[upper], expected[upper], rtol=1e-12,
                               atol=1e-13 * np.abs(expected).max())
    assert np.array_equal(G[lower], before[lower]), "the lower triangle is left as it is"


@pytest.mark.parametrize("widest", WIDTHS)
@pytest.mark.parametrize("p, n", SHAPES)
def test_every_hat_kernel_gives_the_diagonal_of_the_weighted_hat_matrix(widest, p, n):
    Xt, W = _design_t(p, n, p * 100 + n + widest)
    info = (Xt * W) @ Xt.T + (0.0 if n >= p else np.eye(p))  # a ridge where rank < p
    L = np.linalg.cholesky(info)
    A = np.linalg.inv(L)
    A[np.triu_indices(p, 1)] = np.nan  # only the lower triangle is read
    h = np.full(n, np.nan)
    fused.hat_values(Xt, p, n, A, W, h, widest)
    # the plain definition: diag(W^1/2 X~ I^-1 X~^T W^1/2)
    expected = W * np.einsum("ji,jk,ki->i", Xt, np.linalg.inv(info), Xt)
    np.testing.assert_allclose(h, expected, rtol=1e-9, atol=1e-14)
    if n >= p:
        assert h.sum() == pytest.approx(p, rel=1e-9)  # the trace of a rank-p projection


def test_no_columns_add_nothing_and_write_nothing():
    G = np.ones((3, 3))
    fused.column_gram(np.zeros((3, 0)), 3, 0, np.zeros(0), G)
    assert np.array_equal(G, np.ones((3, 3)))
    fused.hat_values(np.zeros((3, 0)), 3, 0, np.eye(3), np.zeros(0), np.zeros(0))


def _gram_args(**changes):
    args = dict(Xt=np.zeros((3, 10)), p=3, n=10, D=np.zeros(10), G=np.zeros((3, 3)))
    return {**args, **changes}


def _hat_args(**changes):
    args = dict(Xt=np.zeros((3, 10)), p=3, n=10, A=np.eye(3), D=np.zeros(10), h=np.zeros(10))
    return {**args, **changes}


@pytest.mark.parametrize("kernel, changes, match", [
    ("column_gram", dict(Xt=np.zeros((3, 10), dtype=np.float32)), r"Xt \(p x n, C order\) .* of format 'd'"),
    ("column_gram", dict(Xt=np.zeros((3, 9))), r"Xt \(p x n, C order\) must hold 30 items"),
    ("column_gram", dict(Xt=np.zeros((10, 3)).T), "not C-contiguous"),
    ("column_gram", dict(D=np.zeros(9)), r"D \(one weight per column\) must hold 10 items"),
    ("column_gram", dict(G=np.zeros((4, 4))), r"G \(p x p, C order\) must hold 9 items"),
    ("column_gram", dict(G=np.zeros((3, 3), dtype=np.float32)), "G .* of format 'd'"),
    ("column_gram", dict(p=-1), "column_gram: need p >= 0 and n >= 0"),
    ("column_gram", dict(n=-2), "column_gram: need p >= 0 and n >= 0"),
    ("hat_values", dict(Xt=np.zeros(30).reshape(3, 10)[:, ::2]), "not C-contiguous"),
    ("hat_values", dict(A=np.eye(4)), r"A \(p x p, C order\) must hold 9 items"),
    ("hat_values", dict(A=np.eye(3, dtype=np.int64)), "A .* of format 'd'"),
    ("hat_values", dict(D=np.zeros(11)), r"D \(one weight per column\) must hold 10 items"),
    ("hat_values", dict(h=np.zeros(9)), r"h \(one value per column\) must hold 10 items"),
    ("hat_values", dict(h=np.zeros(20)[::2]), "not C-contiguous"),
    ("hat_values", dict(p=-1), "hat_values: need p >= 0 and n >= 0"),
])
def test_the_kernels_check_their_buffers_before_reading(kernel, changes, match):
    args = (_gram_args if kernel == "column_gram" else _hat_args)(**changes)
    out = args["G" if kernel == "column_gram" else "h"]
    out[...] = 7.0
    with pytest.raises(ValueError, match=match):
        getattr(fused, kernel)(*args.values())
    assert np.all(out == 7.0), "nothing written"


def test_the_kernels_refuse_read_only_outputs():
    G = np.zeros((3, 3))
    G.flags.writeable = False
    with pytest.raises((ValueError, BufferError), match="read-only|not writable"):
        fused.column_gram(*_gram_args(G=G).values())
    h = np.zeros(10)
    h.flags.writeable = False
    with pytest.raises((ValueError, BufferError), match="read-only|not writable"):
        fused.hat_values(*_hat_args(h=h).values())


# ------------------------------------------------------------------ the penalty, by both routes

def _firth_problem(n=700, d=6, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * rng.uniform(0.5, 5.0, d)
    beta = rng.standard_normal(d) * 0.4
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ beta - 0.5)))).astype(float)
    w = rng.uniform(0.5, 2.0, n)
    return X, y, w


def _penalty_at(X, y, w, theta, v):
    loss = BinaryLoss(X, y, w, get_link("logit"), True, None)
    obj = Objective(loss, make_penalty("firth", 0, 0, loss))
    pen = obj.penalty
    return dict(value=obj.value(theta), grad=obj.grad(theta), hat=pen.hat(theta).copy(),
                info=pen.information(theta), curvature=pen.curvature(theta, v))


def test_the_penalty_is_the_same_by_both_routes(monkeypatch):
    X, y, w = _firth_problem()
    rng = np.random.default_rng(9)
    for _ in range(3):
        theta = rng.standard_normal(X.shape[1] + 1) * 0.3
        v = rng.standard_normal(X.shape[1] + 1)
        compiled = _penalty_at(X, y, w, theta, v)
        with monkeypatch.context() as m:
            m.setattr(_penalties, "_fused", None)
            plain = _penalty_at(X, y, w, theta, v)
        for key in compiled:
            np.testing.assert_allclose(compiled[key], plain[key], rtol=1e-11, atol=1e-14,
                                       err_msg=key)
        np.testing.assert_allclose(compiled["info"], compiled["info"].T, rtol=0, atol=0)


def test_small_firth_designs_take_the_compiled_kernels(monkeypatch):
    """A W8-sized design goes through both kernels (and not numpy's product)."""
    X, y, w = _firth_problem(n=2000, d=20)
    calls = {"column_gram": 0, "hat_values": 0}

    def counting(name):
        real = getattr(fused, name)

        def call(*args):
            calls[name] += 1
            return real(*args)
        return call

    spy = type("Spy", (), {name: staticmethod(counting(name)) for name in calls})
    monkeypatch.setattr(_penalties, "_fused", spy)
    logitlab.LogisticRegression(penalty="firth").fit(X, y)
    assert calls["column_gram"] > 0 and calls["hat_values"] > 0


def test_firth_fit_tests_and_intervals_agree_by_both_routes(monkeypatch):
    """Estimates, standard errors, penalised LR p-values and profile limits (weighted): the
    compiled route against numpy's."""
    X, y, w = _firth_problem(n=400, d=4, seed=11)
    m = logitlab.LogisticRegression(penalty="firth").fit(X, y, sample_weight=w)
    got = np.r_[m.intercept_, m.coef_.ravel(), m.bse(), m.pvalues(method="lr"),
                np.asarray(m.conf_int(method="profile")).ravel()]
    with monkeypatch.context() as mp:
        mp.setattr(_penalties, "_fused", None)
        r = logitlab.LogisticRegression(penalty="firth").fit(X, y, sample_weight=w)
        ref = np.r_[r.intercept_, r.coef_.ravel(), r.bse(), r.pvalues(method="lr"),
                    np.asarray(r.conf_int(method="profile")).ravel()]
    np.testing.assert_allclose(got, ref, rtol=1e-7, atol=1e-10)


def test_the_kernels_serve_large_n_up_to_64_parameters_and_not_beyond(monkeypatch):
    """Up to 64 parameters the kernels take every n (here n p^2 above the bound of numpy's
    one-core route, whose place they take: the same pieces as the loss's blocked Hessian);
    beyond 64 numpy's products do, whatever n."""
    n = int(_penalties._SMALL_PRODUCT / 21**2) + 1000
    X, y, w = _firth_problem(n=n, d=20, seed=4)
    theta = np.random.default_rng(2).standard_normal(21) * 0.2
    v = np.ones(21)
    compiled = _penalty_at(X, y, w, theta, v)
    with monkeypatch.context() as m:
        m.setattr(_penalties, "_fused", None)
        plain = _penalty_at(X, y, w, theta, v)
    for key in compiled:
        np.testing.assert_allclose(compiled[key], plain[key], rtol=1e-10, atol=1e-14, err_msg=key)

    wide = _firth_problem(n=300, d=_penalties._KERNEL_MAX_PARAMS, seed=5)  # p = 65 with the intercept
    called = []
    spy = type("Spy", (), {"column_gram": staticmethod(lambda *a: called.append(a)),
                           "hat_values": staticmethod(lambda *a: called.append(a))})
    monkeypatch.setattr(_penalties, "_fused", spy)
    theta = np.zeros(_penalties._KERNEL_MAX_PARAMS + 1)
    _penalty_at(*wide, theta, np.ones_like(theta))
    assert called == []


@pytest.fixture(scope="module")
def scalar_build(tmp_path_factory):
    """``_fused.c`` built with -DLOGITLAB_SCALAR_GRAM: the plain loops compilers without GCC's
    vector extensions get."""
    import importlib.util
    import pathlib
    import shutil
    import subprocess
    import sysconfig

    if shutil.which("gcc") is None:
        pytest.skip("no gcc to build the scalar variant")
    source = pathlib.Path(_penalties.__file__).with_name("_fused.c")
    out = tmp_path_factory.mktemp("scalar") / ("_fused" + sysconfig.get_config_var("EXT_SUFFIX"))
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-DLOGITLAB_SCALAR_GRAM",
                    "-I" + sysconfig.get_paths()["include"], str(source), "-o", str(out)],
                   check=True, capture_output=True)
    spec = importlib.util.spec_from_file_location("_fused", out)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("p, n", [(2, 9), (5, 37), (21, 100)])
def test_the_scalar_build_computes_the_same(scalar_build, p, n):
    Xt, W = _design_t(p, n, p + n)
    G = np.zeros((p, p))
    scalar_build.column_gram(Xt, p, n, W, G)
    info = (Xt * W) @ Xt.T
    np.testing.assert_allclose(np.triu(G), np.triu(info), rtol=1e-12, atol=1e-13 * np.abs(info).max())
    info = info + (0.0 if n >= p else np.eye(p))
    A = np.ascontiguousarray(np.linalg.inv(np.linalg.cholesky(info)))
    h = np.empty(n)
    scalar_build.hat_values(Xt, p, n, A, W, h)
    np.testing.assert_allclose(h, W * np.einsum("ji,jk,ki->i", Xt, np.linalg.inv(info), Xt),
                               rtol=1e-9, atol=1e-14)
    X = np.ascontiguousarray(Xt[1:].T)  # the row kernel on the same design, intercept added
    G = np.zeros((p, p))
    scalar_build.weighted_gram(X, W, G, 0, n, True)
    np.testing.assert_allclose(np.triu(G), np.triu((Xt * W) @ Xt.T), rtol=1e-12,
                               atol=1e-13 * np.abs(info).max())
