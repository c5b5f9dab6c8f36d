"""``python -m benchmarks [--quick] [--only W1,W3] [--repeats N] [--no-memory]
[--memory-time-limit S] [--json out.json]``."""
from __future__ import annotations

import argparse
import sys
import time

from . import objective as obj
from .report import markdown, meta, to_json
from .runner import _cpu_times, _steal_share, run_workload
from .workloads import WORKLOADS

# Defaults per mode: repeats, the first-run time above which a tool is not repeated, and the
# median time above which a tool is not run again for memory (its figure is then the peak of
# its first timed run; memory.py).  The memory runs cost about the sum of the medians within
# the limit: some 5 minutes in full mode, well under one in quick mode.
MODES = {"full": dict(repeats=3, slow_cutoff=20.0, memory_time_limit=15.0),
         "quick": dict(repeats=3, slow_cutoff=5.0, memory_time_limit=3.0),
         "tiny": dict(repeats=2, slow_cutoff=None, memory_time_limit=None)}


def run(size: str = "quick", only=None, repeats=None, measure_memory=True, tools=None,
        argv=(), log=print, slow_cutoff="default", warm_up=True, on_workload=None,
        memory_time_limit="default") -> dict:
    """Run the selected workloads; returns the result dict that --json writes."""
    mode = MODES[size]
    repeats = mode["repeats"] if repeats is None else repeats
    cutoff = mode["slow_cutoff"] if slow_cutoff == "default" else slow_cutoff
    mem_limit = (mode["memory_time_limit"] if memory_time_limit == "default"
                 else memory_time_limit)
    names = list(WORKLOADS) if not only else list(only)
    result = {"meta": meta(size, repeats, argv, obj.objective_source()), "workloads": []}
    result["meta"].update(memory=bool(measure_memory), memory_time_limit_s=mem_limit)
    t0, cpu0 = time.perf_counter(), _cpu_times()
    for name in names:
        result["workloads"].append(
            run_workload(name, size, repeats, tools=tools, measure_memory=measure_memory,
                         slow_cutoff=cutoff, memory_time_limit=mem_limit, log=log,
                         warm_up=warm_up))
        result["meta"]["total_seconds"] = time.perf_counter() - t0
        result["meta"]["steal_share"] = _steal_share(cpu0, _cpu_times())
        if on_workload is not None:  # partial results survive an interrupted long run
            on_workload(result)
    result["meta"]["total_seconds"] = time.perf_counter() - t0
    return result


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="smaller sizes (under 5 minutes)")
    ap.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)  # harness tests
    ap.add_argument("--only", help="comma-separated workloads, e.g. W1,W3")
    ap.add_argument("--repeats", type=int, help="timed runs per tool (default 3)")
    ap.add_argument("--json", help="write the results as JSON to this file")
    ap.add_argument("--no-memory", action="store_true", help="skip the memory runs")
    ap.add_argument("--memory-time-limit", type=float, metavar="S",
                    help="a tool whose median time exceeds S seconds is not run again for "
                         "memory; its first timed run's peak is used (default: 15 full, "
                         "3 quick; 0 = never run again, inf = always)")
    args = ap.parse_args(argv)
    only = None
    if args.only:
        only = [w.strip().upper() for w in args.only.split(",") if w.strip()]
        unknown = [w for w in only if w not in WORKLOADS]
        if unknown:
            ap.error(f"unknown workload(s) {', '.join(unknown)}; choose from "
                     f"{', '.join(WORKLOADS)}")
    if args.repeats is not None and args.repeats < 1:
        ap.error("--repeats must be at least 1")
    size = "tiny" if args.tiny else "quick" if args.quick else "full"
    log = lambda s: print(s, file=sys.stderr, flush=True)  # noqa: E731

    def save(result):
        if args.json:
            with open(args.json, "w") as fh:
                fh.write(to_json(result))

    if args.memory_time_limit is not None and not args.memory_time_limit >= 0:
        ap.error("--memory-time-limit must be >= 0")
    mem_limit = "default" if args.memory_time_limit is None else args.memory_time_limit
    result = run(size, only, args.repeats, not args.no_memory, argv=argv, log=log,
                 on_workload=save, memory_time_limit=mem_limit)
    print(markdown(result))
    if args.json:
        log(f"wrote {args.json}")
    return 0
