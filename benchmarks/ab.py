"""Interleaved spot check of a few tools on one workload:
``python -m benchmarks.ab W1 logitlab,sklearn-lbfgs [--repeats 5] [--size full]``.

Faster than a full run when only one ratio is in question (the README's quiet-host spot
checks). Each tool is warmed up on the tiny size, then the tools run in turn, round after
round, so that a slow spell of a shared host falls on all of them. Prints each tool's median
and minimum wall time and logitlab's ratio to every other tool; no objective check (use the
full harness for that).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time

from .runner import run_once
from .tools import get_tool
from .workloads import WORKLOADS, make_problem


def interleaved(workload: str, names: list[str], repeats: int, size: str = "full") -> dict[str, list[float]]:
    """{tool: [seconds per round]} for ``repeats`` interleaved rounds."""
    tools = [get_tool(name) for name in names]
    problem, tiny = make_problem(workload, size), make_problem(workload, "tiny")
    for tool in tools:
        run_once(tool, tiny)
    times: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(repeats):
        for tool in tools:
            start = time.perf_counter()
            run_once(tool, problem)
            times[tool.name].append(time.perf_counter() - start)
    return times


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.ab", description=__doc__)
    ap.add_argument("workload", choices=list(WORKLOADS))
    ap.add_argument("tools", help="comma-separated tool names, e.g. logitlab,sklearn-lbfgs")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--size", default="full", choices=["full", "quick", "tiny"])
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.tools.split(",") if n.strip()]
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")
    try:
        times = interleaved(args.workload, names, args.repeats, args.size)
    except KeyError as exc:
        ap.error(f"unknown tool {exc}")
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, t in times.items():
        print(f"{args.workload} {name:24s} median {medians[name]:.3f} s  min {min(t):.3f} s")
    if "logitlab" in medians:
        for name in names:
            if name != "logitlab":
                print(f"{args.workload} logitlab / {name}: {medians['logitlab'] / medians[name]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
