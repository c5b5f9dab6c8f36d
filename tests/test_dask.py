"""The dask backend (issue 8): same results as the in-memory fit, lazy predictions, out-of-core
fits, a killed worker, and clear errors for what the backend does not do.

Reference values are the in-memory fit of the same data (the dask losses compute the same sums
in another order, so coefficients agree to rounding; 1e-8 leaves room for the different
summation order amplified by the conditioning of these small, well-posed problems).
"""
from __future__ import annotations

import logging
import os
import signal
import threading
import time

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import pandas as pd  # noqa: E402

from logitlab import DataError, DataTypeError, LogisticRegression, ParameterError  # noqa: E402
import logitlab  # noqa: E402
from logitlab import _dask  # noqa: E402
from logitlab._dask_loss import DaskComputeError  # noqa: E402

pytestmark = [pytest.mark.xdist_group("dask"), pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore:Sending large graph:UserWarning")]

TOL = 1e-8
UNEVEN = (170, 400, 30, 600, 300)  # row chunks of the 1500-row problems


def _binary_data(n=1500, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    w = rng.uniform(0.2, 3.0, n)
    off = 0.3 * rng.normal(size=n)
    eta = X @ np.linspace(-1, 1, d) + 0.4 + off
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(int)
    return X, y, w, off


def _multi_data(n=1500, d=3, K=3, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    B = rng.normal(size=(K, d))
    off = 0.2 * rng.normal(size=(n, K))
    eta = X @ B.T + off
    P = np.exp(eta - eta.max(1, keepdims=True))
    P /= P.sum(1, keepdims=True)
    y = np.array(["a", "b", "c"])[(rng.uniform(size=n)[:, None] > np.cumsum(P, 1)).sum(1)]
    return X, y, rng.uniform(0.5, 2.0, n), off


def _chunked(a, rows=UNEVEN):
    return da.from_array(a, chunks=(rows,) + a.shape[1:])


def _ses(model):
    """Standard errors from the (pseudo-)inverse information of ``_fitted_objective``, what
    inference uses (pinv: the symmetric L2 multinomial form has an unpenalised flat direction)."""
    loss, objective, theta = model._fitted_objective()
    info = loss.sw_sum * objective.hessian(theta)
    return np.sqrt(np.abs(np.diag(np.linalg.pinv(info, hermitian=True))))


def _assert_same_fit(m_dask, m_mem):
    np.testing.assert_allclose(m_dask.coef_, m_mem.coef_, rtol=0, atol=TOL)
    np.testing.assert_allclose(m_dask.intercept_, m_mem.intercept_, rtol=0, atol=TOL)
    np.testing.assert_array_equal(m_dask.classes_, m_mem.classes_)
    assert m_dask.converged_ and m_mem.converged_
    np.testing.assert_allclose(_ses(m_dask), _ses(m_mem), rtol=TOL)
    try:
        from logitlab import inference
    except ImportError:  # statistics module not present: the direct check above stands
        return
    np.testing.assert_allclose(inference.standard_errors(m_dask), inference.standard_errors(m_mem), rtol=TOL)


# -- same answers as in memory ---------------------------------------------------------------
@pytest.mark.parametrize("solver", ["newton", "lbfgs"])
@pytest.mark.parametrize("penalty", [None, "l2"])
def test_binary_equals_in_memory(client, solver, penalty):
    X, y, w, off = _binary_data()
    kw = dict(penalty=penalty, solver=solver, C=0.5 if penalty else None)
    mem = LogisticRegression(**kw).fit(X, y, sample_weight=w, offset=off)
    dsk = LogisticRegression(**kw).fit(_chunked(X), _chunked(y), sample_weight=_chunked(w),
                                       offset=_chunked(off))
    _assert_same_fit(dsk, mem)
    assert dsk.fit_result_.solver == solver
    # one pass per solver iteration (+ the first pass at the start point) for Newton
    if solver == "newton":
        assert dsk.n_passes_ == dsk.n_iter_[0] + 1


def test_many_rows_sketched_newton_equals_in_memory(client):
    """From 40k rows Newton starts from a fit on a gathered row slice; on dask its full-data
    steps use a row sample's Hessian summed on the workers in the pass at the coarse solution
    (which also carries the NaN checks): that pass and one pass per further iteration."""
    X, y, w, off = _binary_data(n=60_000, d=40, seed=3)
    # the two take different paths (the in-memory steps use a row sample's curvature), so both
    # are asked to land within 1e-11 of the optimum, where 1e-8 agreement is meaningful
    mem = LogisticRegression(solver="newton", tol=1e-11).fit(X, y, sample_weight=w, offset=off)
    rows = (20_000, 25_000, 15_000)
    dsk = LogisticRegression(solver="newton", tol=1e-11).fit(_chunked(X, rows), _chunked(y, rows),
                                                  sample_weight=_chunked(w, rows), offset=_chunked(off, rows))
    loss, objective, _ = dsk._fitted_objective()
    assert objective.sketch_rows() is not None and objective.curvature_rows(objective.sketch_rows()) is not None
    _assert_same_fit(dsk, mem)
    assert dsk.n_passes_ == dsk.n_iter_[0] + 1


def test_coarse_rows_are_gathered_with_the_labels_and_checked(client):
    """A large binary Newton fit gathers its coarse fit's rows in the labels' round trip, with
    the codes and class weights made as on the workers (same fit as in memory); NaN in a
    gathered row or elsewhere is reported by name before any estimate."""
    from logitlab._objective import sketch_size, strided_rows

    X, y, w, _ = _binary_data(n=60_000, d=3, seed=8)
    rows = (25_000, 20_000, 15_000)
    kw = dict(solver="newton", tol=1e-11, class_weight={0: 2.0, 1: 0.5})
    mem = LogisticRegression(**kw).fit(X, y, sample_weight=w)
    dsk = LogisticRegression(**kw).fit(_chunked(X, rows), _chunked(y, rows), sample_weight=_chunked(w, rows))
    _assert_same_fit(dsk, mem)
    assert dsk.n_passes_ == dsk.n_iter_[0] + 1  # the gather is not a pass of its own
    sample = strided_rows(60_000, sketch_size(60_000, 4))
    for bad_row in (sample.start + sample.step, sample.start + 1):  # in the sample, and not
        Xbad = X.copy()
        Xbad[bad_row, 1] = np.nan
        with pytest.raises(DataError, match=r"NaN or infinite values in 'x1' \(1 rows\)"):
            LogisticRegression(**kw).fit(_chunked(Xbad, rows), _chunked(y, rows))


@pytest.mark.parametrize("kind", ["binary", "multinomial"])
def test_sampled_hessian_is_summed_on_the_workers_over_each_blocks_strided_rows(client, kind):
    """Newton's curvature sample on dask: every stride-th row of each block (from stride // 2),
    the weighted mean Hessian over those rows, equal to the in-memory loss on the same rows.
    It is formed in the pass announced by ``expect_sampled_hessian``, beside value and gradient."""
    X, y, w, off = _binary_data(seed=4) if kind == "binary" else _multi_data(seed=4)
    dsk = LogisticRegression(solver="newton").fit(_chunked(X), _chunked(y), sample_weight=_chunked(w),
                                                 offset=_chunked(off))
    mem = LogisticRegression(solver="newton").fit(X, y, sample_weight=w, offset=off)
    loss, _, theta = dsk._fitted_objective()
    stride = 7
    starts = np.cumsum((0,) + UNEVEN[:-1])
    rows = np.concatenate([s + np.arange(stride // 2, c, stride) for s, c in zip(starts, UNEVEN)])
    expected = mem._fitted_objective()[0].subset(rows).hessian(theta)
    passes = loss.n_passes
    loss.expect_sampled_hessian(slice(0, None, stride))
    loss.grad(theta * 0.9)  # the announced pass
    assert loss.n_passes == passes + 1
    np.testing.assert_allclose(loss.sampled_hessian(theta * 0.9, slice(1, None, stride)),
                               mem._fitted_objective()[0].subset(rows).hessian(theta * 0.9), rtol=1e-12, atol=1e-14)
    assert loss.n_passes == passes + 1  # no pass of its own
    np.testing.assert_allclose(loss.sampled_hessian(theta, slice(0, None, stride)), expected, rtol=1e-12, atol=1e-14)
    # a stride beyond twice the shortest block (30 rows) leaves that block out; a stride that
    # samples no row at all falls back to the exact Hessian
    wide = 80
    rows = np.concatenate([s + np.arange(wide // 2, c, wide) for s, c in zip(starts, UNEVEN)])
    assert rows.size < len(UNEVEN) + 20
    np.testing.assert_allclose(loss.sampled_hessian(theta, slice(0, None, wide)),
                               mem._fitted_objective()[0].subset(rows).hessian(theta), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(loss.sampled_hessian(theta, slice(0, None, 10_000)), loss.hessian(theta),
                               rtol=1e-12, atol=1e-14)


def _misaligned(block):
    """A copy of the block at an odd address (as blocks shipped inside a pickled graph land)."""
    raw = np.empty(block.nbytes + 1, dtype=np.uint8)
    out = np.frombuffer(raw.data, dtype=block.dtype, count=block.size, offset=1).reshape(block.shape)
    out[...] = block
    return out


def test_misaligned_blocks_are_realigned_once_with_the_same_sums(client):
    """numpy skips BLAS on misaligned arrays (2-10x slower products): persisted X blocks are
    copied to aligned addresses once per fit, and a block pass realigns what still needs it;
    the sums are unchanged."""
    from logitlab._dask_loss import _block_pieces, aligned

    X, y, w, off = _binary_data()
    Xm = _misaligned(X)
    assert not Xm.flags.aligned and aligned(Xm).flags.aligned and aligned(X) is X
    cfg = dict(kind="binary", link="logit", fit_intercept=True, K=2, reference=False, stride=3)
    theta = np.linspace(-0.5, 0.5, X.shape[1] + 1)
    names = ("value", "grad", "hessian", "sampled_hessian")
    np.testing.assert_array_equal(_block_pieces(Xm, y, w, off, theta, cfg, names),
                                  _block_pieces(X, y, w, off, theta, cfg, names))
    def aligned_flags(arr):
        return arr.map_blocks(lambda b: np.array([[b.flags.aligned]]), chunks=(1, 1), dtype=bool).compute()

    lazy = _chunked(X).map_blocks(_misaligned)
    assert not aligned_flags(lazy).any()
    assert aligned_flags(_dask._persist(dict(X=lazy, y=_chunked(y), w=None, o=None))["X"]).all()
    dsk = LogisticRegression().fit(lazy, _chunked(y), sample_weight=_chunked(w), offset=_chunked(off))
    _assert_same_fit(dsk, LogisticRegression().fit(X, y, sample_weight=w, offset=off))


@pytest.mark.parametrize("kind", ["binary", "multinomial"])
def test_passes_on_persisted_blocks_are_tasks_without_a_graph(client, kind, monkeypatch):
    """Data the fit persists are passed over as one task per block future (no dask graph per
    pass); data that are not persisted (``logitlab.persist`` off) go through the graph. Both
    give the in-memory fit, weights and offsets included; lazy data, chunked columns and
    arrays with work left on top of their futures are not taken for persisted blocks."""
    import dask

    from logitlab import _dask_loss

    X, y, w, off = _binary_data() if kind == "binary" else _multi_data()
    data = dict(X=_chunked(X), y=_chunked(y), w=_chunked(w), o=_chunked(off))
    assert _dask_loss.persisted_blocks(data) is None  # lazy
    persisted = _dask._persist(data)
    found = _dask_loss.persisted_blocks(persisted)
    assert found is not None and len(found[1]) == len(UNEVEN) and all(len(b) == 4 for b in found[1])
    assert _dask_loss.persisted_blocks({**persisted, "X": persisted["X"] + 1.0}) is None  # work on top
    two_col_chunks = client.persist(da.from_array(X, chunks=(500, 2)))
    assert _dask_loss.persisted_blocks({**persisted, "X": two_col_chunks}) is None

    calls = {"futures": 0, "graph": 0}
    on_futures, graph = _dask_loss._DaskPasses._rows_on_futures, _dask_loss._DaskPasses._graph

    def spy(name, f):
        def wrapped(*a, **k):
            calls[name] += 1
            return f(*a, **k)
        return wrapped

    monkeypatch.setattr(_dask_loss._DaskPasses, "_rows_on_futures", spy("futures", on_futures))
    monkeypatch.setattr(_dask_loss._DaskPasses, "_graph", spy("graph", graph))
    mem = LogisticRegression().fit(X, y, sample_weight=w, offset=off)
    fits = {}
    for persist in (True, False):
        calls.update(futures=0, graph=0)
        with dask.config.set({"logitlab.persist": persist}):
            fits[persist] = LogisticRegression().fit(data["X"], data["y"], sample_weight=data["w"], offset=data["o"])
        assert (calls["futures"] > 0, calls["graph"] > 0) == (persist, not persist), calls
        _assert_same_fit(fits[persist], mem)


@pytest.mark.parametrize("penalty", [None, "l2"])
def test_multinomial_equals_in_memory(client, penalty):
    X, y, w, off = _multi_data()
    mem = LogisticRegression(penalty=penalty).fit(X, y, sample_weight=w, offset=off)
    # y, weights in memory and a 2-D dask offset: small inputs are chunked like X
    dsk = LogisticRegression(penalty=penalty).fit(_chunked(X), y, sample_weight=w, offset=_chunked(off))
    _assert_same_fit(dsk, mem)


def test_dask_dataframe_inputs_and_class_weight(client):
    X, y, w, _ = _binary_data(seed=3)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"]).assign(y=y, w=w)
    ddf = dd.from_pandas(frame, npartitions=4)
    kw = dict(class_weight="balanced", solver="lbfgs")
    mem = LogisticRegression(**kw).fit(frame[["a", "b", "c", "d"]], frame.y, sample_weight=frame.w)
    dsk = LogisticRegression(**kw).fit(ddf[["a", "b", "c", "d"]], ddf.y, sample_weight=ddf.w)
    _assert_same_fit(dsk, mem)
    assert list(dsk.feature_names_in_) == ["a", "b", "c", "d"]
    p = dsk.predict_proba(ddf[["a", "b", "c", "d"]])
    np.testing.assert_allclose(p.compute(), mem.predict_proba(frame[["a", "b", "c", "d"]]), atol=1e-10)


def test_unknown_chunk_sizes_are_resolved(client):
    X, y, w, off = _binary_data(seed=4)
    keep = np.arange(X.shape[0]) % 3 != 0
    mask = _chunked(keep)
    Xd, yd = _chunked(X)[mask], _chunked(y)[mask]
    assert np.isnan(Xd.shape[0])
    mem = LogisticRegression().fit(X[keep], y[keep])
    _assert_same_fit(LogisticRegression().fit(Xd, yd), mem)


def test_information_is_reduced_on_the_cluster_without_extra_passes(client):
    X, y, w, off = _multi_data(seed=5)
    dsk = LogisticRegression().fit(_chunked(X), _chunked(y), sample_weight=_chunked(w))
    loss, objective, theta = dsk._fitted_objective()
    assert type(loss).__name__ == "DaskMultinomialLoss"
    H = loss.hessian(theta)
    assert loss.n_passes == 0  # the fit's last pass already holds value, gradient and Hessian here
    mem = LogisticRegression().fit(X, y, sample_weight=w)
    np.testing.assert_allclose(H, mem._fitted_objective()[0].hessian(theta), atol=1e-12)
    # at another point the loss runs a fresh pass on the cluster
    np.testing.assert_allclose(loss.grad(theta * 0.9), mem._fitted_objective()[0].grad(theta * 0.9), atol=1e-12)
    assert loss.n_passes == 1


@pytest.mark.parametrize("kind", ["binary", "multinomial"])
def test_robust_covariances_are_reduced_on_the_cluster(client, kind):
    """HC0 / HC1: the sandwich's meat (sum of score outer products) is summed on the workers in
    one pass and equals the in-memory one; cluster-robust and per-row diagnostics refuse."""
    from logitlab import inference

    X, y, w, off = _binary_data(seed=6) if kind == "binary" else _multi_data(seed=6)
    mem = LogisticRegression().fit(X, y, sample_weight=w)
    dsk = LogisticRegression().fit(_chunked(X), _chunked(y), sample_weight=_chunked(w))
    loss = dsk._fitted_objective()[0]
    passes = loss.n_passes
    for cov_type in ("HC0", "HC1"):
        got = inference.covariance(dsk, cov_type)
        assert isinstance(got, np.ndarray)
        np.testing.assert_allclose(got, inference.covariance(mem, cov_type), rtol=1e-8, atol=1e-12)
    assert loss.n_passes == passes + 1  # one pass for the meat, cached for HC1
    with pytest.raises(ParameterError, match="not available for a model fitted on Dask data"):
        inference.covariance(dsk, "cluster", groups=np.arange(len(y)) % 7)
    if kind == "binary":
        for call in (logitlab.influence, logitlab.hosmer_lemeshow, logitlab.dfbetas):
            with pytest.raises(ParameterError, match="fitted on Dask data"):
                call(dsk)
        with pytest.raises(ParameterError, match="fitted on Dask data"):
            logitlab.marginal_effects(dsk)


# -- predictions ----------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["binary", "multinomial"])
def test_lazy_predictions_equal_in_memory(client, kind):
    X, y, w, off = _binary_data(seed=6) if kind == "binary" else _multi_data(seed=6)
    model = LogisticRegression().fit(_chunked(X), _chunked(y), offset=_chunked(off))
    mem = LogisticRegression().fit(X, y, offset=off)
    Xd = _chunked(X, rows=(500, 1000))
    for method in ("decision_function", "predict_proba", "predict_log_proba", "predict"):
        lazy = getattr(model, method)(Xd, offset=_chunked(off, rows=(500, 1000)))
        assert isinstance(lazy, da.Array), method
        expected = getattr(mem, method)(X, offset=off)
        assert lazy.shape == expected.shape and lazy.dtype == expected.dtype, method
        got = lazy.compute()
        if method == "predict":
            np.testing.assert_array_equal(got, expected)
        else:
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
    # in-memory input to a dask-fitted model gives ordinary arrays
    np.testing.assert_allclose(model.predict_proba(X, offset=off), mem.predict_proba(X, offset=off), atol=1e-9)


# -- out of core ----------------------------------------------------------------------------
def _read_rows(path, ncols, dtype, block_info=None):
    """One row block of a raw C-order file, read into a fresh array (no memory map kept)."""
    start, stop = block_info[None]["array-location"][0]
    size = np.dtype(dtype).itemsize
    out = np.fromfile(path, dtype=dtype, count=(stop - start) * ncols, offset=start * ncols * size)
    return out.reshape(stop - start, ncols) if ncols > 1 else out


@pytest.mark.slow
def test_fit_on_data_three_times_a_workers_memory_limit(tmp_path):
    """1.28 GB of float64 data on disk, fitted by 2 worker processes limited to 400 MB each: a
    worker with logitlab imported (numpy, scipy, scikit-learn) already uses about 210 MB, and
    dask pauses a worker at 80 % of its limit and restarts it at 95 %, so the chunks must be
    streamed: read, reduced to p + 1 numbers and released. Each block is one read task (5 MB)
    feeding the per-block partial sums directly; Newton starts from a fit on 25,000 rows
    gathered during the first pass, the pass at that start also sums the exact Hessian, and
    each further iteration is one value+gradient pass.

    The workers must survive (same process ids) and the estimates must be right: data are
    drawn from a known model, so the coefficients are within a few standard errors of it."""
    limit = 400e6
    n, d, rows = 16_000_000, 10, 62_500
    rng = np.random.default_rng(11)
    xpath, ypath = str(tmp_path / "X.f8"), str(tmp_path / "y.i1")
    with open(xpath, "wb") as fx, open(ypath, "wb") as fy:  # written in 1M-row pieces
        for _ in range(n // 1_000_000):
            Xp = rng.standard_normal((1_000_000, d))
            yp = rng.random(1_000_000) < 1 / (1 + np.exp(-(0.3 - Xp[:, 0])))
            Xp.tofile(fx)
            yp.astype(np.int8).tofile(fy)
    row_chunks = ((rows,) * (n // rows),)
    X = da.map_blocks(_read_rows, xpath, d, np.float64, chunks=row_chunks + ((d,),), dtype=np.float64,
                      meta=np.empty((0, 0)))
    y = da.map_blocks(_read_rows, ypath, 1, np.int8, chunks=row_chunks, dtype=np.int8,
                      meta=np.empty((0,), np.int8))
    assert X.nbytes > 3 * limit
    # A worker with its imports already holds ~300 MB of the 400: dask would *pause* it at 80 %
    # (320 MB) on unmanaged memory the fit does not control (allocator caches), and a paused
    # worker never resumes if that memory stays, which hung a loaded CI run. Pausing is turned
    # off; the restart at 95 % stays, and the unchanged process ids below prove no worker
    # ever held the data.
    import dask
    with dask.config.set({"distributed.worker.memory.pause": False}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, memory_limit=limit,
                                     dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            distributed.Client(cluster) as client:
        pids = client.run(os.getpid)
        assert not _dask._persist_wanted({"X": X})  # too big to persist: streamed
        start = time.perf_counter()
        model = LogisticRegression(solver="newton").fit(X, y)
        elapsed = time.perf_counter() - start
        assert client.run(os.getpid) == pids  # no worker was restarted for exceeding its memory
    for path in (xpath, ypath):  # 1.3 GB: not left in pytest's kept temporary directories
        os.remove(path)
    assert model.converged_  # the stopping rule uses the exact gradient (reduced on the cluster)
    assert model.n_passes_ <= 8  # sub-sampled Hessian: a few value+gradient passes
    truth = np.r_[-1.0, np.zeros(d - 1)]
    se = 1 / np.sqrt(n * 0.15)  # information per row is about 0.19 here
    np.testing.assert_allclose(model.coef_[0], truth, rtol=0, atol=6 * se)
    assert abs(model.intercept_[0] - 0.3) < 6 * se
    assert elapsed < 600  # bounded: about 30 s on two idle cores, 2-3 min on a loaded machine
    print(f"out-of-core fit: {X.nbytes / 1e9:.2f} GB, {model.n_passes_} passes, {elapsed:.1f} s")


# -- faults ---------------------------------------------------------------------------------
def test_killed_worker_gives_same_coefficients_or_clear_error(client):
    X, y, w, off = _binary_data(n=200_000, d=5, seed=7)
    mem = LogisticRegression(solver="newton").fit(X, y, sample_weight=w, offset=off)
    chunks = (10_000,) * 20
    killed = []

    def kill_one_worker(pass_number):
        if pass_number == 2 and not killed:  # after the first Newton iteration, during the next pass
            pid = next(iter(client.run(os.getpid).values()))
            threading.Timer(0.01, os.kill, (pid, signal.SIGKILL)).start()
            killed.append(pid)

    _dask._PASS_HOOK = kill_one_worker
    try:
        model = LogisticRegression(solver="newton").fit(
            _chunked(X, chunks), _chunked(y, chunks), sample_weight=_chunked(w, chunks),
            offset=_chunked(off, chunks))
    except DaskComputeError as exc:  # allowed: a clear error, never a silently wrong answer
        assert "dask computation failed" in str(exc)
        print("killed worker: clear error", exc)
    else:
        print("killed worker: fit completed after recomputation")
        np.testing.assert_allclose(model.coef_, mem.coef_, atol=TOL)
        np.testing.assert_allclose(model.intercept_, mem.intercept_, atol=TOL)
        assert model.converged_
    finally:
        _dask._PASS_HOOK = None
    assert killed
    client.wait_for_workers(2, timeout=60)


# -- what the backend does not do -------------------------------------------------------------
@pytest.mark.parametrize("kw, match", [
    (dict(penalty="l1"), "not available for dask inputs"),
    (dict(penalty="elasticnet"), "not available for dask inputs"),
    (dict(penalty="firth"), "not available for dask inputs"),
    (dict(penalty="l2", solver="cd"), "solver='cd' is not available for dask"),
    (dict(solver="gd"), "solver='gd' is not available for dask"),
])
def test_unsupported_settings_are_refused(kw, match):
    X, y, _, _ = _binary_data(n=100)
    with pytest.raises(ParameterError, match=match):
        LogisticRegression(**kw).fit(_chunked(X, (100,)), y)


def test_bad_dask_inputs_give_clear_errors(client):
    X, y, w, _ = _binary_data(n=300)
    Xc = da.from_array(X, chunks=(100, 2))
    with pytest.raises(DataError, match=r"chunked along its columns.*rechunk\(\{1: -1\}\)"):
        LogisticRegression().fit(Xc, y)

    def unavailable(block):
        raise OSError("source file vanished")

    mask = da.from_array(np.ones(300, bool), chunks=100).map_blocks(unavailable, dtype=bool)
    with pytest.raises(DataError, match="unknown chunk sizes and computing them failed"):
        LogisticRegression().fit(da.from_array(X, chunks=(100, 4))[mask], y)
    Xnan = X.copy()
    Xnan[[5, 250], 2] = np.nan
    with pytest.raises(DataError, match=r"NaN or infinite values in 'x2' \(2 rows\)"):
        LogisticRegression().fit(da.from_array(Xnan, chunks=(100, 4)), y)
    Xal = np.column_stack([X, X[:, 0] + X[:, 1]])
    with pytest.raises(DataError, match="'x4' is a linear combination"):
        LogisticRegression().fit(da.from_array(Xal, chunks=(100, 5)), y)
    with pytest.raises(DataError, match="only one class"):
        LogisticRegression().fit(da.from_array(X, chunks=(100, 4)), np.zeros(300))
    with pytest.raises(DataError, match="NaN"):
        LogisticRegression().fit(da.from_array(X, chunks=(100, 4)), np.where(np.arange(300) == 7, np.nan, y))
    with pytest.raises(DataError, match="negative"):
        LogisticRegression().fit(da.from_array(X, chunks=(100, 4)), y, sample_weight=-w)
    with pytest.raises(DataError, match="X has 300 rows but y has 299"):
        LogisticRegression().fit(da.from_array(X, chunks=(100, 4)), y[:-1])
    with pytest.raises(DataTypeError, match="non-numeric columns"):
        LogisticRegression().fit(dd.from_pandas(pd.DataFrame({"a": ["u"] * 300}), npartitions=2), y)
    with pytest.raises(ParameterError, match="multiclass='ovr' is not available"):
        LogisticRegression(multiclass="ovr").fit(da.from_array(X, chunks=(100, 4)), np.arange(300) % 3)
    model = LogisticRegression().fit(da.from_array(X, chunks=(100, 4)), y)
    with pytest.raises(DataError, match="expecting 4 features"):
        model.predict(da.from_array(X[:, :3], chunks=(100, 3)))


def test_dask_is_not_imported_for_in_memory_fits():
    import subprocess
    import sys

    code = ("import sys, numpy as np; from logitlab import LogisticRegression; "
            "LogisticRegression().fit(np.random.default_rng(0).normal(size=(50, 2)), np.arange(50) % 2); "
            "print('dask' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
