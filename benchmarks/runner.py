"""Run the workloads: all tools in one process session, round-robin, then judge the objectives.

For each workload: generate the data once (not timed); then for each repeat r run every
applicable tool once, the order rotated by r so that no tool always runs first or last (cache,
turbo and allocator effects are spread evenly); each timed run is preceded by ``gc.collect()``.
A tool whose first run takes longer than ``slow_cutoff`` seconds gets no further repeats (its
row says so).  Then memory (see memory.py): one extra run in a fresh process for each tool whose
median time is within ``memory_time_limit``; a slower tool is not run again, its figure is the
peak of its first timed run, read in the session.  Then the objective judgement:

- objective: logitlab's objective at the tool's coefficients (the worst over its repeats);
- best: the lowest objective any tool reached; gap = (objective - best) / |best|;
- reached: gap <= 1e-8 (``REACH_RTOL``);
- ratio: logitlab's median time / the fastest *peer that reached* the best objective. A peer
  that stopped early is listed with its gap and never counts as faster.
"""
from __future__ import annotations

import gc
import time
import traceback
from statistics import median
from typing import Callable

import numpy as np

from . import objective as obj
from .memory import MIB, InSession, measure_cluster, measure_subprocess
from .tools import Outcome, Tool, Unavailable, all_tools
from .workloads import WORKLOADS, Problem, make_problem

REACH_RTOL = 1e-8
MEMORY_TARGET = 1.5   # issue 7: peak memory beyond the input <= 1.5 x the lowest peer's


def run_once(tool: Tool, problem: Problem) -> Outcome:
    """One timed unit of work: ``n_fits`` consecutive fits (1 except for W6)."""
    out = None
    for _ in range(problem.n_fits):
        out = tool.fit(problem)
    return out


def _row(tool: Tool) -> dict:
    return {"tool": tool.name, "library": tool.library, "version": tool.version(),
            "solver": tool.solver, "is_logitlab": tool.is_logitlab, "status": "ok",
            "reason": None, "n_repeats": 0, "times_s": [], "median_time_s": None,
            "peak_memory_mib": None, "memory_method": None, "memory_note": None,
            "objective": None,
            "objective_gap": None, "reached_best": None, "counted": False,
            "converged": None, "n_iter": None, "nnz": None, "extra": {}}


class _DaskContext:
    """W9: a LocalCluster of 2 worker processes (1 thread each); the data is scattered to the
    workers in row chunks and persisted before any timing."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.cluster = self.client = None

    def __enter__(self):
        import dask.array as da
        from distributed import Client, LocalCluster

        self.cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                    dashboard_address=None)
        self.client = Client(self.cluster)
        p = self.problem
        rows = p.params["chunk_rows"]
        # each block copied once on its worker: data read by the workers (parquet, zarr) sit
        # at aligned addresses, blocks shipped inside a pickled graph often do not, and numpy
        # then skips BLAS (2-10x slower products for any tool); the peers get the data as a
        # cluster would hold them
        X = da.from_array(p.X, chunks=(rows, p.d)).map_blocks(np.array)
        y = da.from_array(p.y, chunks=(rows,)).map_blocks(np.array)
        X, y = self.client.persist([X, y])
        from distributed import wait
        wait([X, y])
        p.dask = {"client": self.client, "X": X, "y": y}
        return self

    def __exit__(self, *exc):
        self.problem.dask = None
        for closer in (self.client, self.cluster):
            try:
                if closer is not None:
                    closer.close()
            except Exception:
                pass
        return False


def _warm_up(name: str, tools: list[Tool], ctx) -> None:
    """One untimed run of every tool on the workload's tiny size: imports, numba JIT
    compilation and first-call caches are not what the benchmark measures."""
    warm = make_problem(name, "tiny")
    if ctx is not None:  # W9: tiny chunks on the same cluster
        import dask.array as da
        rows = warm.params["chunk_rows"]
        X = da.from_array(warm.X, chunks=(rows, warm.d))
        y = da.from_array(warm.y, chunks=(rows,))
        warm.dask = {"client": ctx.client, "X": X, "y": y}
    for t in tools:
        try:
            run_once(t, warm)
        except Exception:
            pass  # the timed runs report the failure


def _cpu_times():
    """The machine's aggregate CPU counters from /proc/stat (None where there is none)."""
    try:
        with open("/proc/stat") as fh:
            return [int(v) for v in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None


def _steal_share(before, after):
    """Share of CPU time the hypervisor gave to other machines between two readings (the
    "steal" column): on a shared host, timings taken while it is high are slow for reasons
    outside the tool. None where /proc/stat has no steal column."""
    if before is None or after is None or len(before) < 8 or len(after) < 8:
        return None
    delta = [a - b for a, b in zip(after, before)]
    total = sum(delta[:8])
    return delta[7] / total if total > 0 else 0.0


def run_workload(name: str, size: str, repeats: int, tools: list[Tool] | None = None,
                 measure_memory: bool = True, slow_cutoff: float | None = None,
                 memory_time_limit: float | None = None, memory_timeout: float = 900.0, log: Callable[[str], None] = print,
                 warm_up: bool = True) -> dict:
    tools = all_tools() if tools is None else tools
    wl = WORKLOADS[name]
    t0 = time.perf_counter()
    problem = make_problem(name, size)
    gen_s = time.perf_counter() - t0
    log(f"[{name}] {wl.title}: n={problem.n} d={problem.d} K={problem.n_classes} "
        f"(data {gen_s:.1f} s)")
    rows = {t.name: _row(t) for t in tools}
    live: list[Tool] = []
    for t in tools:
        why = t.unavailable_reason()
        if why:
            rows[t.name].update(status="unavailable", reason=why)
            continue
        live.append(t)

    ctx = _DaskContext(problem) if name == "W9" else None
    outcomes: dict[str, list[Outcome]] = {t.name: [] for t in tools}
    try:
        if ctx is not None:
            try:
                ctx.__enter__()
            except Exception as exc:
                for t in live:
                    rows[t.name].update(status="unavailable",
                                        reason=f"LocalCluster failed: {exc}")
                live = []
        runnable = []
        for t in live:
            why = t.supports(problem)
            if why:
                rows[t.name].update(status="not applicable", reason=why)
            else:
                runnable.append(t)
        if warm_up:
            _warm_up(name, runnable, ctx)
        for r in range(repeats):
            k = r % max(len(runnable), 1)
            for t in runnable[k:] + runnable[:k]:
                row = rows[t.name]
                if row["status"] != "ok" or row.get("_stop"):
                    continue
                gc.collect()
                # the first timed run's peak, read in the session (memory.py): no extra run
                probe = InSession() if measure_memory and ctx is None and r == 0 else None
                try:
                    measured = probe is not None and probe.start()
                    cpu0 = _cpu_times()
                    t1 = time.perf_counter()
                    out = run_once(t, problem)
                    dt = time.perf_counter() - t1
                    steal = _steal_share(cpu0, _cpu_times())
                    if measured:
                        row["_in_session"] = probe.stop()
                except Unavailable as exc:
                    row.update(status="unavailable", reason=str(exc))
                    continue
                except Exception as exc:
                    tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
                    row.update(status="error", reason=tb[:300])
                    continue
                row["times_s"].append(dt)
                row["extra"].setdefault("steal_share", []).append(steal)
                outcomes[t.name].append(out)
                log(f"  {t.name:24s} run {r + 1}: {dt:8.3f} s"
                    + (f"  (steal {steal:.0%})" if steal is not None and steal >= 0.05 else ""))
                if slow_cutoff is not None and dt > slow_cutoff and r == 0 and repeats > 1:
                    row["_stop"] = True
                    row["extra"]["repeats_note"] = (f"first run took {dt:.1f} s > "
                                                    f"{slow_cutoff:.0f} s: not repeated")
        # memory
        if measure_memory:
            ok_tools = [t for t in runnable
                        if rows[t.name]["status"] == "ok" and rows[t.name]["times_s"]]
            slow = {t.name for t in ok_tools if memory_time_limit is not None
                    and median(rows[t.name]["times_s"]) > memory_time_limit}
            again = [t for t in ok_tools if t.name not in slow]
            registered = {x.name for x in all_tools()}
            if ctx is not None:
                mem = {}
                for t in again:
                    try:
                        mem[t.name] = measure_cluster(lambda: run_once(t, problem), ctx.client)
                    except Exception as exc:
                        mem[t.name] = {"error": f"{type(exc).__name__}: {exc}"}
            else:
                names = [t.name for t in again if t.name in registered]
                if names:
                    log(f"  memory runs (fresh process): {', '.join(names)}")
                mem = measure_subprocess(name, size, names, memory_timeout) if names else {}
            for t in ok_tools:
                row = rows[t.name]
                in_session = row.get("_in_session")
                if in_session is not None:
                    row["extra"]["in_session_peak_mib"] = in_session / MIB
                if t.name in slow:
                    why = (f"median {median(row['times_s']):.1f} s > {memory_time_limit:g} s "
                           f"memory time limit: not run again for memory")
                    if in_session is not None:
                        row.update(peak_memory_mib=in_session / MIB, memory_method="in-session-hwm",
                                   memory_note=f"peak of its first timed run ({why})")
                    else:
                        row["memory_note"] = f"not measured: slow ({why})"
                    continue
                m = mem.get(t.name, {"error": "not a registered tool (no memory run)"})
                if "error" in m:
                    row["memory_note"] = "not measured: " + m["error"]
                else:
                    row["peak_memory_mib"] = m["peak_bytes"] / MIB
                    row["memory_method"] = m["method"]
    finally:
        if ctx is not None:
            ctx.__exit__(None, None, None)

    # objectives
    for t in tools:
        row = rows[t.name]
        row.pop("_stop", None)
        row.pop("_in_session", None)
        outs = outcomes[t.name]
        if row["status"] != "ok" or not outs:
            if row["status"] == "ok":
                row.update(status="error", reason="no completed run")
            continue
        row["n_repeats"] = len(row["times_s"])
        row["median_time_s"] = float(median(row["times_s"]))
        values = []
        for out in outs:
            try:
                values.append(obj.evaluate(problem, out.coef, out.intercept))
            except Exception as exc:
                row.update(status="error", reason=f"objective failed: {exc}"[:300])
                break
        if row["status"] != "ok":
            continue
        last = outs[-1]
        value = float(np.max(values))
        row["objective"] = value if np.isfinite(value) else None
        row["converged"] = last.converged
        row["n_iter"] = last.n_iter
        row["nnz"] = int(np.count_nonzero(last.coef))
        row["extra"].update(last.extra)
        if row["objective"] is None:
            row.update(status="error", reason="non-finite objective")

    return _judge(wl, problem, size, rows, gen_s)


def _judge(wl, problem, size, rows, gen_s) -> dict:
    ok = [r for r in rows.values() if r["status"] == "ok"]
    best = min((r["objective"] for r in ok), default=None)
    best_tool = None
    for r in ok:
        gap = (r["objective"] - best) / max(abs(best), 1e-300)
        r["objective_gap"] = float(gap)
        r["reached_best"] = bool(gap <= REACH_RTOL)
        r["counted"] = bool(r["reached_best"] and not r["is_logitlab"])
        if r["objective"] == best:
            best_tool = r["tool"]
    ll = next((r for r in ok if r["is_logitlab"]), None)
    eq_peers = sorted((r for r in ok if r["counted"]), key=lambda r: r["median_time_s"])
    any_peers = sorted((r for r in ok if not r["is_logitlab"]), key=lambda r: r["median_time_s"])
    ratio = peer = None
    if ll is not None and eq_peers:
        peer = eq_peers[0]
        ratio = ll["median_time_s"] / peer["median_time_s"]
    mem_peers = [r for r in ok if not r["is_logitlab"] and r["peak_memory_mib"] is not None]
    mem_peer = min(mem_peers, key=lambda r: r["peak_memory_mib"], default=None)
    mem_ratio = None
    if ll is not None and ll["peak_memory_mib"] is not None and mem_peer is not None:
        # below 1 MiB the figures are page-granularity noise: floor both there
        mem_ratio = max(ll["peak_memory_mib"], 1.0) / max(mem_peer["peak_memory_mib"], 1.0)
    if ll is None:
        note = "logitlab did not run: " + str(rows.get("logitlab", {}).get("reason"))
    elif not ll["reached_best"]:
        note = "logitlab did not reach the best objective: the ratio is not at equal objective"
    elif not eq_peers:
        note = "no peer reached the best objective"
    else:
        note = None
    return {
        "workload": wl.name, "title": wl.title, "size": size,
        "n": int(problem.n), "d": int(problem.d), "n_classes": int(problem.n_classes),
        "penalty": problem.penalty, "alpha": float(problem.alpha),
        "l1_ratio": float(problem.l1_ratio), "task": problem.task, "n_fits": problem.n_fits,
        "params": {k: (float(v) if isinstance(v, float) else v)
                   for k, v in problem.params.items()},
        "input_mib": problem.input_bytes() / MIB, "data_seconds": gen_s,
        "best_objective": best, "best_tool": best_tool,
        "fastest_equal_peer": peer["tool"] if peer else None,
        "fastest_equal_peer_time_s": peer["median_time_s"] if peer else None,
        "fastest_any_peer": any_peers[0]["tool"] if any_peers else None,
        "logitlab_time_s": ll["median_time_s"] if ll else None,
        "logitlab_reached_best": ll["reached_best"] if ll else None,
        "ratio": ratio, "target": wl.target,
        "meets_target": (ratio is not None and ll["reached_best"] and ratio <= wl.target),
        "logitlab_memory_mib": ll["peak_memory_mib"] if ll else None,
        "memory_ratio": mem_ratio, "lowest_memory_peer": mem_peer["tool"] if mem_peer else None,
        "lowest_memory_peer_mib": mem_peer["peak_memory_mib"] if mem_peer else None,
        "memory_peers_measured": len(mem_peers), "memory_target": MEMORY_TARGET,
        "memory_meets_target": mem_ratio is not None and mem_ratio <= MEMORY_TARGET,
        "note": note,
        "results": list(rows.values()),
    }
