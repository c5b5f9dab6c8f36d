"""The benchmark harness (benchmarks/, issue 7) on tiny sizes: it runs end to end, the objective
check catches a solver that stops early, and the JSON is well formed.  No timing is asserted.

Peers that are not installed (glum, firthmodels, dask-ml may be absent here) must show up as
"unavailable" rows; scikit-learn and statsmodels are test dependencies and must run.
"""
from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ lives beside src/, outside the installed package
    sys.path.insert(0, str(ROOT))

from benchmarks import memory, objective  # noqa: E402
from benchmarks.cli import main, run  # noqa: E402
from benchmarks.report import ROW_FIELDS, WORKLOAD_FIELDS, markdown, to_json  # noqa: E402
from benchmarks.runner import REACH_RTOL, run_workload  # noqa: E402
from benchmarks.tools import Outcome, Tool, all_tools, get_tool  # noqa: E402
from benchmarks.workloads import SIZES, WORKLOADS, make_problem  # noqa: E402

pytestmark = pytest.mark.xdist_group("benchmarks")

FAST_PEERS = ["sklearn-lbfgs", "sklearn-newton-cholesky", "sklearn-liblinear", "sklearn-saga",
              "glum-irls-ls", "statsmodels-logit"]


def _tools(*names):
    return [get_tool(n) for n in ("logitlab",) + names]


def _rows(w):
    return {r["tool"]: r for r in w["results"]}


def _installed(module):
    return importlib.util.find_spec(module) is not None


def test_workload_sizes_are_the_issues():
    full = {k: v["full"] for k, v in SIZES.items()}
    assert full["W1"] == dict(n=1_000_000, d=100)
    assert full["W2"] == dict(n=100_000, d=50)
    assert full["W3"] == dict(n=100_000, d=50, K=10)
    assert full["W4"] == dict(n=300_000, d=2**18, nnz=30)
    assert full["W5"]["target_nnz"] == 300 and full["W5"]["d"] == 2**18
    assert full["W6"] == dict(n_fits=200)
    assert full["W7"] == dict(n=1_000_000, d=100)
    assert full["W8"] == dict(n=10_000, d=20)
    assert (full["W9"]["n"], full["W9"]["d"]) == (1_000_000, 100)
    assert list(WORKLOADS) == [f"W{i}" for i in range(1, 10)]


def test_data_is_deterministic_and_shaped():
    for name in WORKLOADS:
        if name == "W6":
            continue  # a bundled data set, no random numbers
        a, b = make_problem(name, "tiny"), make_problem(name, "tiny")
        Xa = a.X.toarray() if a.sparse else a.X
        Xb = b.X.toarray() if b.sparse else b.X
        np.testing.assert_array_equal(Xa, Xb)
        np.testing.assert_array_equal(a.y, b.y)
        assert set(np.unique(a.y)) == set(range(a.n_classes))
    w2 = make_problem("W2", "tiny")
    sd = w2.X.std(axis=0)
    assert sd.max() / sd.min() > 30  # scales from 1 to 100
    w4 = make_problem("W4", "tiny")
    assert w4.sparse and w4.X.getnnz(axis=1).mean() > 7
    w5 = make_problem("W5", "tiny")
    np.testing.assert_array_equal(w5.X.toarray(), w4.X.toarray())  # "the same sparse data"
    assert 0 < w5.alpha < w5.params["alpha_max"] and w5.penalty == "l1"


def test_reference_objective_matches_logitlab():
    pytest.importorskip("logitlab._objective")
    from logitlab._objective import objective_value

    rng = np.random.default_rng(0)
    for name, pen in [("W1", "l2"), ("W5", "l1"), ("W3", "l2"), ("W7", None)]:
        p = make_problem(name, "tiny")
        K = 1 if p.binary else p.n_classes
        coef, b = rng.standard_normal((K, p.d)) * 0.3, rng.standard_normal(K) * 0.3
        ref = objective.reference_objective(p.X, p.y, coef, b, p.penalty, p.alpha, p.l1_ratio)
        got = objective_value(p.X, p.y, coef, b, penalty=p.penalty, alpha=p.alpha,
                              l1_ratio=p.l1_ratio)
        assert got == pytest.approx(ref, rel=1e-12), name


def test_end_to_end_tiny_every_available_peer_judged():
    result = run("tiny", only=["W1", "W3", "W5", "W7"], repeats=2, measure_memory=False,
                 tools=_tools(*FAST_PEERS), log=lambda s: None, warm_up=False)
    by = {w["workload"]: w for w in result["workloads"]}
    assert set(by) == {"W1", "W3", "W5", "W7"}
    for name, w in by.items():
        rows = _rows(w)
        assert rows["logitlab"]["status"] == "ok", (name, rows["logitlab"]["reason"])
        for r in rows.values():
            assert r["status"] in ("ok", "unavailable", "not applicable", "error")
            if r["status"] == "ok":
                assert r["n_repeats"] == 2 and len(r["times_s"]) == 2
                assert r["median_time_s"] > 0 and math.isfinite(r["objective"])
                assert r["objective_gap"] >= 0
            else:
                assert r["reason"]
        if not _installed("glum"):
            assert rows["glum-irls-ls"]["status"] == "unavailable"
        assert w["best_objective"] == min(r["objective"] for r in rows.values()
                                          if r["status"] == "ok")
    # the regularisation mapping is exact: Newton peers land on logitlab's optimum
    assert _rows(by["W1"])["sklearn-newton-cholesky"]["reached_best"]
    assert _rows(by["W3"])["sklearn-newton-cholesky"]["reached_best"]
    assert _rows(by["W7"])["statsmodels-logit"]["reached_best"]
    assert _rows(by["W1"])["logitlab"]["reached_best"]
    # applicability is decided per workload, with a reason
    assert _rows(by["W3"])["sklearn-liblinear"]["status"] == "not applicable"
    assert _rows(by["W5"])["sklearn-lbfgs"]["status"] == "not applicable"
    assert _rows(by["W7"])["sklearn-lbfgs"]["status"] == "not applicable"
    for w in by.values():
        if w["fastest_equal_peer"]:
            peer = _rows(w)[w["fastest_equal_peer"]]
            assert peer["reached_best"] and w["ratio"] == pytest.approx(
                w["logitlab_time_s"] / peer["median_time_s"])
    text = markdown(result)
    assert "| W1 |" in text and "### W7" in text


def _early_stopper():
    """A fake peer that returns at once after 'one iteration' (all-zero slopes): the fastest
    tool by far, and wrong."""
    def fit(problem):
        K = 1 if problem.binary else problem.n_classes
        p = float(np.mean(problem.y))
        return Outcome(np.zeros((K, problem.d)), np.full(K, math.log(p / (1 - p))), False, 1)
    return Tool("fake-early-stopper", "fake", "one-step", (), lambda p: None, fit)


def test_objective_check_flags_an_early_stopper_and_never_counts_it():
    fake = _early_stopper()
    w = run_workload("W1", "tiny", repeats=2, measure_memory=False, log=lambda s: None,
                     warm_up=False, tools=_tools("sklearn-newton-cholesky", "sklearn-lbfgs") + [fake])
    rows = _rows(w)
    r = rows["fake-early-stopper"]
    assert r["status"] == "ok"
    assert r["objective_gap"] > REACH_RTOL
    assert r["reached_best"] is False and r["counted"] is False
    assert w["fastest_any_peer"] == "fake-early-stopper"  # it *was* the fastest...
    assert w["fastest_equal_peer"] in ("sklearn-newton-cholesky", "sklearn-lbfgs")  # ...not counted
    assert w["ratio"] == pytest.approx(w["logitlab_time_s"] / w["fastest_equal_peer_time_s"])
    assert "stopped early" in markdown({"meta": _meta(), "workloads": [w]})


def test_a_tool_that_stops_just_above_tolerance_is_flagged():
    """Gap slightly above 1e-8 relative: perturb the exact optimum until the gap is ~1e-6."""
    exact = get_tool("sklearn-newton-cholesky")

    def fit(problem):
        out = exact.fit(problem)
        return Outcome(out.coef * (1 + 3e-3), out.intercept, True, 1)

    near = Tool("fake-near", "fake", "perturbed", (), lambda p: None, fit)
    w = run_workload("W2", "tiny", repeats=1, measure_memory=False, log=lambda s: None,
                     warm_up=False, tools=_tools("sklearn-newton-cholesky") + [near])
    r = _rows(w)["fake-near"]
    assert REACH_RTOL < r["objective_gap"] < 1e-3 and not r["reached_best"]
    assert w["fastest_equal_peer"] == "sklearn-newton-cholesky"


def _meta():
    from benchmarks.report import meta
    return meta("tiny", 1, [], "test")


def test_json_is_well_formed(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert main(["--tiny", "--only", "W1", "--repeats", "1", "--no-memory",
                 "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "| workload |" in printed
    text = out.read_text()

    def no_nan(token):
        raise AssertionError(f"non-standard JSON constant {token}")

    data = json.loads(text, parse_constant=no_nan)
    assert set(data) == {"meta", "workloads"}
    m = data["meta"]
    for key in ("schema_version", "size", "repeats", "command", "started", "objective_source",
                "reach_rtol", "machine", "total_seconds"):
        assert key in m
    assert m["size"] == "tiny" and m["repeats"] == 1 and m["machine"]["cpus"] >= 1
    assert m["memory"] is False and m["memory_time_limit_s"] is None  # tiny: no limit
    (w,) = data["workloads"]
    assert tuple(w) == WORKLOAD_FIELDS
    assert w["workload"] == "W1" and (w["n"], w["d"]) == (400, 5)
    names = [r["tool"] for r in w["results"]]
    assert names == [t.name for t in all_tools()]  # every tool has a row, whatever its status
    for r in w["results"]:
        assert tuple(r) == ROW_FIELDS
        assert isinstance(r["times_s"], list)
        if r["status"] == "ok":
            assert isinstance(r["median_time_s"], float)
            assert isinstance(r["objective"], float) and isinstance(r["reached_best"], bool)
            # one hypervisor-steal share per timed run, in [0, 1] (None without /proc/stat)
            shares = r["extra"]["steal_share"]
            assert len(shares) == len(r["times_s"])
            assert all(v is None or 0.0 <= v <= 1.0 for v in shares)
    assert m["steal_share"] is None or 0.0 <= m["steal_share"] <= 1.0


def test_json_never_writes_nan():
    text = to_json({"a": float("nan"), "b": [np.float64(np.inf), np.int64(3)]})
    assert json.loads(text) == {"a": None, "b": [None, 3]}


def test_cli_rejects_unknown_workload():
    with pytest.raises(SystemExit):
        main(["--tiny", "--only", "W10"])
    with pytest.raises(SystemExit):
        main(["--tiny", "--repeats", "0"])
    with pytest.raises(SystemExit):
        main(["--tiny", "--memory-time-limit", "-1"])


def test_peak_rss_mechanism_sees_native_allocations():
    if not memory._reset_peak():
        pytest.skip("kernel refuses /proc/self/clear_refs (sampling fallback is used instead)")
    base = memory._status_kib("VmRSS") * 1024
    a = np.ones(40 * 2**20 // 8)  # 40 MiB, allocated by numpy's C allocator
    del a
    peak = memory._status_kib("VmHWM") * 1024
    assert peak - base >= 35 * 2**20


def test_memory_runs_in_a_fresh_process():
    w = run_workload("W1", "tiny", repeats=1, measure_memory=True, log=lambda s: None,
                     warm_up=False, tools=_tools("sklearn-newton-cholesky") + [_early_stopper()])
    rows = _rows(w)
    for name in ("logitlab", "sklearn-newton-cholesky"):
        r = rows[name]
        assert r["memory_method"] in ("subprocess-hwm", "subprocess-rss-sampling"), r
        assert r["peak_memory_mib"] >= 0
    # an unregistered (injected) tool has no memory run, and says so
    fake = rows["fake-early-stopper"]
    assert fake["peak_memory_mib"] is None and fake["memory_method"] is None
    assert "not a registered tool" in fake["memory_note"]
    # the ratio compares logitlab with the lowest *measured* peer, and names it
    assert w["lowest_memory_peer"] == "sklearn-newton-cholesky"
    assert w["memory_peers_measured"] == 1
    assert w["lowest_memory_peer_mib"] == rows["sklearn-newton-cholesky"]["peak_memory_mib"]
    assert w["memory_ratio"] == pytest.approx(
        max(rows["logitlab"]["peak_memory_mib"], 1.0) / max(w["lowest_memory_peer_mib"], 1.0))
    assert w["memory_meets_target"] == (w["memory_ratio"] <= w["memory_target"] == 1.5)


def _slow(name, seconds, mib=0):
    """A fake peer that takes ``seconds`` per fit and holds ``mib`` MiB while it runs, then
    returns the mean-only model (judged like any other)."""
    def fit(problem):
        buf = np.ones(mib * 2**20 // 8) if mib else None  # resident: ones() writes every page
        import time
        time.sleep(seconds)
        del buf
        K = 1 if problem.binary else problem.n_classes
        p = float(np.mean(problem.y))
        return Outcome(np.zeros((K, problem.d)), np.full(K, math.log(p / (1 - p))), True, 1)
    return Tool(name, "fake", "sleep", (), lambda p: None, fit)


def test_a_slow_tool_is_not_run_again_for_memory(monkeypatch):
    """Above the memory time limit a tool gets no extra run: its figure is the peak of its
    first timed run (read in the session), and the tables say so."""
    calls = []
    real = memory.measure_subprocess

    def spy(workload, size, names, timeout):
        calls.append(list(names))
        return real(workload, size, names, timeout)

    monkeypatch.setattr("benchmarks.runner.measure_subprocess", spy)
    slow = _slow("fake-slow", 0.6, mib=60)
    w = run_workload("W1", "tiny", repeats=2, measure_memory=True, log=lambda s: None,
                     warm_up=False, memory_time_limit=0.3,
                     tools=_tools("sklearn-newton-cholesky") + [slow])
    rows = _rows(w)
    assert calls == [["logitlab", "sklearn-newton-cholesky"]]  # the slow tool is not re-run
    r = rows["fake-slow"]
    assert r["status"] == "ok" and r["n_repeats"] == 2 and r["median_time_s"] > 0.3
    assert "memory time limit" in r["memory_note"]
    if memory._reset_peak():
        assert r["memory_method"] == "in-session-hwm"
        assert r["peak_memory_mib"] >= 55  # the 60 MiB it held during the timed run
        assert "(timed run)" in markdown({"meta": _meta(), "workloads": [w]})
        # a fast tool carries its in-session figure too, as a cross-check of the two readings
        assert rows["logitlab"]["extra"]["in_session_peak_mib"] >= 0
        # the slow tool is the heaviest peer: the lowest measured peer is the other one
        assert w["lowest_memory_peer"] == "sklearn-newton-cholesky"
    else:
        assert r["peak_memory_mib"] is None and r["memory_note"].startswith("not measured: slow")
        assert "– (not measured: slow)" in markdown({"meta": _meta(), "workloads": [w]})
    for name in ("logitlab", "sklearn-newton-cholesky"):
        assert rows[name]["memory_method"] in ("subprocess-hwm", "subprocess-rss-sampling")
        assert rows[name]["memory_note"] is None
    assert not any(k.startswith("_") for row in w["results"] for k in row)


def test_a_slow_tool_without_an_in_session_figure_is_reported_not_measured(monkeypatch):
    """Where the kernel refuses the peak reset no in-session figure exists: the row says
    "not measured: slow", the tables show it, and the ratio uses the peers that were measured."""
    monkeypatch.setattr("benchmarks.memory.InSession.start", lambda self: False)
    slow = _slow("fake-slow", 0.6)
    w = run_workload("W2", "tiny", repeats=1, measure_memory=True, log=lambda s: None,
                     warm_up=False, memory_time_limit=0.3,
                     tools=_tools("sklearn-newton-cholesky") + [slow])
    r = _rows(w)["fake-slow"]
    assert r["peak_memory_mib"] is None and r["memory_method"] is None
    assert r["memory_note"].startswith("not measured: slow (median ")
    assert "in_session_peak_mib" not in r["extra"]
    text = markdown({"meta": _meta(), "workloads": [w]})
    assert "| fake-slow | ok |" in text and "– (not measured: slow)" in text
    assert w["lowest_memory_peer"] == "sklearn-newton-cholesky" and w["memory_peers_measured"] == 1
    assert "sklearn-newton-cholesky)" in text  # the summary names the peer compared with
    data = json.loads(to_json({"meta": _meta(), "workloads": [w]}))
    (wj,) = data["workloads"]
    assert tuple(wj) == WORKLOAD_FIELDS
    for row in wj["results"]:
        assert tuple(row) == ROW_FIELDS
        assert row["peak_memory_mib"] is None or isinstance(row["peak_memory_mib"], float)
        assert row["memory_note"] is None or isinstance(row["memory_note"], str)
    assert isinstance(wj["memory_ratio"], float) and isinstance(wj["memory_meets_target"], bool)


def test_no_memory_means_no_memory_fields():
    w = run_workload("W1", "tiny", repeats=1, measure_memory=False, log=lambda s: None,
                     warm_up=False, memory_time_limit=0.0, tools=_tools())
    r = _rows(w)["logitlab"]
    assert r["peak_memory_mib"] is None and r["memory_method"] is None
    assert r["memory_note"] is None and "in_session_peak_mib" not in r["extra"]
    assert w["memory_ratio"] is None and w["memory_meets_target"] is False


def test_steal_share_is_the_steal_column_over_all_cpu_time():
    from benchmarks.runner import _steal_share

    before = [100, 0, 50, 800, 0, 0, 0, 10, 0, 0]
    after = [160, 0, 70, 900, 0, 0, 0, 30, 0, 0]  # +60 user, +20 system, +100 idle, +20 steal
    assert _steal_share(before, after) == pytest.approx(20 / 200)
    assert _steal_share(None, after) is None and _steal_share(before[:7], after[:7]) is None


def test_interleaved_spot_check_runs_and_prints_ratios(capsys):
    from benchmarks import ab

    times = ab.interleaved("W1", ["logitlab", "sklearn-lbfgs"], 2, size="tiny")
    assert set(times) == {"logitlab", "sklearn-lbfgs"} and all(len(t) == 2 for t in times.values())
    assert ab.main(["W1", "logitlab,sklearn-lbfgs", "--repeats", "1", "--size", "tiny"]) == 0
    assert "logitlab / sklearn-lbfgs:" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        ab.main(["W1", "logitlab,no-such-tool", "--size", "tiny"])


def _touch_40_mib():
    a = np.ones(40 * 2**20 // 8)  # freed before the task returns: only a high-water mark sees it
    return float(a[-1])


def test_cluster_memory_sees_a_workers_short_lived_buffer(client):
    if not memory._reset_peak():
        pytest.skip("kernel refuses /proc/self/clear_refs (sampling fallback is used instead)")
    idle = memory.measure_cluster(lambda: client.submit(float, 1.0, pure=False).result(), client)
    busy = memory.measure_cluster(lambda: client.submit(_touch_40_mib, pure=False).result(), client)
    assert idle["method"] == busy["method"] == "cluster-hwm"
    assert busy["processes"] == 3  # the client and two workers
    assert busy["peak_bytes"] >= 35 * 2**20
    assert idle["peak_bytes"] < 20 * 2**20


def test_the_fused_pass_benchmark_runs_both_orders(capsys):
    """``python -m benchmarks.fused_pass`` (docs/benchmarks.md's per-pass, Hessian and Firth
    figures) at the smallest size that takes the fused pass and the blocked Hessian, and Firth's
    pieces on a small design: both orders, both routes, agreeing."""
    from benchmarks import fused_pass
    from logitlab._loss import _BLOCKED_MIN_ENTRIES, _FUSED_MIN_ROWS

    rows, cols = _FUSED_MIN_ROWS + 1, 9
    assert rows * (cols + 1) >= _BLOCKED_MIN_ENTRIES
    fused_pass.main(["--rows", str(rows), "--cols", str(cols), "--repeats", "1"])
    out = capsys.readouterr().out
    assert out.count("compiled min") == 4 and "pass, C order" in out and "hessian, F order" in out
    fused_pass.main(["--rows", "500", "--cols", "4", "--repeats", "1", "--what", "firth"])
    out = capsys.readouterr().out
    assert out.count("compiled min") == 2 and "firth, F order, 500 x 4" in out
    with pytest.raises(SystemExit):
        fused_pass.main(["--what", "gram"])
