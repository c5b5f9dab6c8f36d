"""Markdown tables, JSON output and the machine description."""
from __future__ import annotations

import json
import math
import os
import platform
import sys
from datetime import datetime, timezone

SCHEMA_VERSION = 1

# Fields every result row and every workload entry carries (tests check them; docs list them).
ROW_FIELDS = ("tool", "library", "version", "solver", "is_logitlab", "status", "reason",
              "n_repeats", "times_s", "median_time_s", "peak_memory_mib", "memory_method",
              "memory_note", "objective", "objective_gap", "reached_best", "counted", "converged", "n_iter",
              "nnz", "extra")
WORKLOAD_FIELDS = ("workload", "title", "size", "n", "d", "n_classes", "penalty", "alpha",
                   "l1_ratio", "task", "n_fits", "params", "input_mib", "data_seconds",
                   "best_objective", "best_tool", "fastest_equal_peer",
                   "fastest_equal_peer_time_s", "fastest_any_peer", "logitlab_time_s",
                   "logitlab_reached_best", "ratio", "target", "meets_target",
                   "logitlab_memory_mib", "memory_ratio", "lowest_memory_peer",
                   "lowest_memory_peer_mib", "memory_peers_measured", "memory_target",
                   "memory_meets_target", "note", "results")


def machine() -> dict:
    info = {"python": sys.version.split()[0], "platform": platform.platform(),
            "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as fh:
            info["memory_gib"] = round(int(fh.readline().split()[1]) / 2**20, 1)
    except OSError:
        pass
    try:
        from threadpoolctl import threadpool_info
        info["threadpools"] = [
            {k: p.get(k) for k in ("internal_api", "version", "num_threads")}
            for p in threadpool_info()]
    except Exception:
        pass
    return info


def _fmt(x, spec):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return format(x, spec)


def _memory_cell(r: dict) -> str:
    """A tool's peak MiB beyond the input, or why there is none."""
    if r["peak_memory_mib"] is not None:
        cell = format(r["peak_memory_mib"], ".1f")
        return cell + " (timed run)" if r["memory_method"] == "in-session-hwm" else cell
    note = r.get("memory_note") or ""
    if note.startswith("not measured: slow"):
        return "– (not measured: slow)"
    if note:
        return "– (not measured: error)" if "not registered" not in note else "– (not measured)"
    return "–"


def _memory_ratio_cell(w: dict) -> str:
    if w["memory_ratio"] is None:
        return "–"
    return (f"{w['memory_ratio']:.2f} ({_fmt(w['logitlab_memory_mib'], '.1f')} / "
            f"{_fmt(w['lowest_memory_peer_mib'], '.1f')} MiB {w['lowest_memory_peer']})")


def markdown(result: dict) -> str:
    out = []
    meta = result["meta"]
    m = meta["machine"]
    out.append(f"Mode `{meta['size']}`, {meta['repeats']} repeats (median), "
               f"{m.get('cpus')} CPUs ({m.get('cpu', '?')}), {m.get('memory_gib', '?')} GiB, "
               f"Python {m.get('python')}; objective judged by {meta['objective_source']}.")
    if meta.get("steal_share") is not None:
        out.append("")
        out.append(f"CPU time taken by the hypervisor for other machines during the run (steal): "
                   f"{meta['steal_share']:.0%} (per-run shares in the JSON, `extra.steal_share`; "
                   "runs at 5% or more are marked in the log).")
    out.append("")
    out.append("| workload | logitlab s | fastest equal-objective peer | peer s | ratio | target "
               "| met | memory ratio (logitlab / lowest measured peer, MiB beyond input) "
               "| memory met (<= 1.5) | note |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    for w in result["workloads"]:
        out.append(
            f"| {w['workload']} | {_fmt(w['logitlab_time_s'], '.3f')} | "
            f"{w['fastest_equal_peer'] or '–'} | {_fmt(w['fastest_equal_peer_time_s'], '.3f')} | "
            f"{_fmt(w['ratio'], '.2f')} | {w['target']} | "
            f"{'yes' if w['meets_target'] else 'no'} | {_memory_ratio_cell(w)} | "
            f"{'–' if w['memory_ratio'] is None else 'yes' if w['memory_meets_target'] else 'no'}"
            f" | {w['note'] or ''} |")
    for w in result["workloads"]:
        out.append("")
        out.append(f"### {w['workload']}: {w['title']} (n={w['n']:,}, d={w['d']:,}"
                   + (f", K={w['n_classes']}" if w["n_classes"] > 2 else "")
                   + (f", {w['n_fits']} fits per run" if w["n_fits"] > 1 else "")
                   + f", alpha={w['alpha']:.4g}, input {w['input_mib']:.1f} MiB)")
        out.append("")
        out.append("| tool | status | median s | runs | peak MiB beyond input | objective | rel. gap "
                   "| equal | iters | nnz |")
        out.append("|---|---|---|---|---|---|---|---|---|---|")
        for r in w["results"]:
            if r["status"] != "ok":
                if r["status"] == "not applicable":
                    continue  # listed in JSON with the reason; the table stays readable
                out.append(f"| {r['tool']} | {r['status']}: {r['reason']} | | | | | | | | |")
                continue
            equal = "yes" if r["reached_best"] else "**no (stopped early)**"
            out.append(
                f"| {r['tool']} | ok | {_fmt(r['median_time_s'], '.3f')} | {r['n_repeats']} | "
                f"{_memory_cell(r)} | {_fmt(r['objective'], '.12g')} | "
                f"{_fmt(r['objective_gap'], '.1e')} | {equal} | {r['n_iter'] if r['n_iter'] is not None else '–'} | "
                f"{r['nnz']} |")
    return "\n".join(out) + "\n"


def _clean(x):
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if hasattr(x, "item") and getattr(x, "ndim", 1) == 0:  # numpy scalars
        return _clean(x.item())
    return x


def to_json(result: dict) -> str:
    return json.dumps(_clean(result), indent=1, allow_nan=False)


def meta(size, repeats, argv, objective_source) -> dict:
    return {"schema_version": SCHEMA_VERSION, "size": size, "repeats": repeats,
            "command": " ".join(["python -m benchmarks"] + list(argv)),
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "objective_source": objective_source, "reach_rtol": 1e-8, "machine": machine()}
