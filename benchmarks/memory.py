"""Peak memory beyond the input data.

What the figure means, for every tool alike: the input data (X and y as the harness hands them
over: float64 C-contiguous or CSR) are resident *before* the tool starts and are the baseline;
the figure is the highest resident-set size reached during the tool's task minus that
baseline.  So the input is counted once and never charged to anyone, while every copy a tool
makes of it (a float conversion, a Fortran or CSC copy, an added constant column, a scaled
design), every n x p temporary and every d x d matrix is charged to the tool that makes it.

tracemalloc sees only Python-level allocations, not BLAS, OpenMP, numba or Cython buffers, so
the kernel's resident-set figures are used.  Before every baseline: ``gc.collect()`` and glibc's
``malloc_trim(0)``, so that freed but still resident heap memory (from data generation or an
earlier tool) cannot be silently reused without showing up in the peak.

- ``subprocess-hwm`` (W1-W8, the default): one extra run per tool outside the timing session:
  a fresh Python process per workload (``python -m benchmarks.memory WORKLOAD SIZE TOOL...``)
  generates the workload's data (same seed) and touches it so it is resident, then forks one
  child per tool.  The child warms the tool up on the tiny size, resets the kernel's peak-RSS
  counter (``echo 5 > /proc/self/clear_refs``), reads VmRSS as the baseline, runs the tool once
  (``n_fits`` fits for W6) and reads VmHWM.  Peak memory beyond the input = VmHWM - baseline.
  The kernel tracks the peak exactly, so short-lived buffers are not missed; a fresh process
  keeps allocator caches and other tools' leftovers out of the figure.  Where clear_refs is
  refused, the child falls back to sampling VmRSS every millisecond in a thread
  (``subprocess-rss-sampling``).
- Slow tools are not run again just for memory.  A tool whose median timed run exceeds the
  mode's memory time limit (``MODES[...]["memory_time_limit"]`` in cli.py: 15 s full, 3 s
  quick) gets no extra run.  Instead its figure comes from its first timed run in the timing
  session (``in-session-hwm``): the same reset / VmRSS / VmHWM reading around that run, with the
  same gc + malloc_trim before the baseline; the input is resident in the session as well, so
  the figure means the same thing.  (It costs two /proc reads outside the timed interval.)  The
  first timed run of *every* tool is measured that way, so the JSON also carries the in-session
  figure of the tools measured in a subprocess (``extra.in_session_peak_mib``), a cross-check of
  the two readings.  Where clear_refs is refused no in-session figure exists and the row says
  "not measured: slow".
- ``cluster-hwm`` (W9): the data lives in the Dask worker processes, so the client process
  and every worker process are settled and their peak counters reset (``client.run``) before
  one extra run in the main session; the figure is the sum of each process's VmHWM minus its
  baseline (an upper bound of the simultaneous peak: the processes' peaks need not coincide).
  Where clear_refs is refused, the summed RSS is sampled every 10 ms instead
  (``cluster-rss-sampling``).  A W9 tool above the time limit is not run again for memory.

The memory ratio divides logitlab's figure by the lowest figure of any peer measured (named in
the results as ``lowest_memory_peer``), floored at 1 MiB (page-granularity noise); the target
(issue 7) is a ratio of at most 1.5.
"""
from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading
import time

MIB = 2**20


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def malloc_trim() -> None:
    """Return freed heap memory to the kernel (glibc); a no-op elsewhere."""
    try:
        import ctypes
        ctypes.CDLL(None).malloc_trim(0)
    except Exception:
        pass


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


class _Sampler(threading.Thread):
    def __init__(self, read, interval):
        super().__init__(daemon=True)
        self.read, self.interval = read, interval
        self.peak = read()
        self._stop_evt = threading.Event()

    def run(self):
        while not self._stop_evt.is_set():
            self.peak = max(self.peak, self.read())
            time.sleep(self.interval)

    def stop(self):
        self._stop_evt.set()
        self.join()
        self.peak = max(self.peak, self.read())
        return self.peak


def _measure_tool(problem, tool_name: str) -> dict:
    """In a forked child: warm up on the tiny size, reset the peak, run once, read the peak."""
    from .runner import run_once
    from .tools import get_tool
    from .workloads import make_problem

    tool = get_tool(tool_name)
    try:  # imports and JIT compilation are not the fit's memory (nor its time)
        run_once(tool, make_problem(problem.workload, "tiny"))
    except Exception:
        pass
    gc.collect()
    malloc_trim()
    if _reset_peak():
        base = _status_kib("VmRSS") * 1024
        run_once(tool, problem)
        peak = _status_kib("VmHWM") * 1024
        method = "subprocess-hwm"
    else:
        base = _status_kib("VmRSS") * 1024
        sampler = _Sampler(lambda: _status_kib("VmRSS") * 1024, 0.001)
        sampler.start()
        try:
            run_once(tool, problem)
        finally:
            peak = sampler.stop()
        method = "subprocess-rss-sampling"
    return {"peak_bytes": max(0, peak - base), "method": method}


# Imported once in the memory process before it forks, so that each child does not spend a
# second or two importing them again (importing starts no OpenMP or BLAS worker threads; the
# children's warm-up runs keep every first-use cost out of the figure either way).
_PREIMPORT = {"logitlab": ("logitlab",), "scikit-learn": ("sklearn.linear_model",),
              "glum": ("glum",), "statsmodels": ("statsmodels.api",),
              "firthmodels": ("firthmodels",)}


def _preimport(tool_names) -> None:
    import importlib

    from .tools import get_tool

    for name in tool_names:
        try:
            for mod in _PREIMPORT.get(get_tool(name).library, ()):
                importlib.import_module(mod)
        except Exception:
            pass  # the child reports whatever fails


def serve(workload: str, size: str, tool_names: list[str]) -> None:
    """Body of the memory process: generate the data once, then fork one child per tool.

    This process never runs a tool itself, so no OpenMP/BLAS worker pool exists when it forks
    (forking after libgomp has started threads can hang the child); it only imports the tools'
    libraries, so each child starts from the same resident input data and the same imported
    modules."""
    import numpy as np

    from .workloads import make_problem

    problem = make_problem(workload, size)
    data = problem.X.data if problem.sparse else problem.X
    float(np.sum(data)) + float(np.sum(problem.y))  # every input page resident
    _preimport(tool_names)
    for name in tool_names:
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:  # child
            os.close(rfd)
            try:
                out = _measure_tool(problem, name)
            except BaseException as exc:  # reported by the parent
                out = {"error": f"{type(exc).__name__}: {exc}"[:300]}
            with os.fdopen(wfd, "w") as fh:
                fh.write(json.dumps(out))
            os._exit(0)
        os.close(wfd)
        with os.fdopen(rfd) as fh:
            text = fh.read()
        _, status = os.waitpid(pid, 0)
        if not text:
            text = json.dumps({"error": f"memory child died (wait status {status})"})
        sys.stdout.write(json.dumps({"tool": name, "result": json.loads(text)}) + "\n")
        sys.stdout.flush()


class InSession:
    """The peak of one timed run in the timing session itself (no extra run): ``start()`` before
    the clock starts (gc, malloc_trim, peak reset, baseline), ``stop()`` after it stops.
    ``start()`` returns False where the kernel refuses the peak reset; then nothing is read."""

    def __init__(self):
        self.base = None

    def start(self) -> bool:
        gc.collect()
        malloc_trim()
        if not _reset_peak():
            self.base = None
            return False
        self.base = _status_kib("VmRSS") * 1024
        return True

    def stop(self) -> int | None:
        if self.base is None:
            return None
        return max(0, _status_kib("VmHWM") * 1024 - self.base)


def measure_subprocess(workload: str, size: str, tool_names: list[str],
                       timeout: float) -> dict[str, dict]:
    """One fresh Python process per workload (``python -m benchmarks.memory``), one forked
    child per tool inside it; returns {tool: {"peak_bytes", "method"} or {"error"}}."""
    cmd = [sys.executable, "-m", "benchmarks.memory", workload, size, *tool_names]
    cwd = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = cwd + os.pathsep + env.get("PYTHONPATH", "")
    results: dict[str, dict] = {}
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=timeout)
        stdout, err = proc.stdout, f"exit {proc.returncode}: {proc.stderr.strip()[-300:]}"
    except subprocess.TimeoutExpired as exc:
        stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        err = f"memory runs timed out after {timeout:.0f} s"
    for line in stdout.splitlines():
        if line.startswith("{"):
            rec = json.loads(line)
            results[rec["tool"]] = rec["result"]
    for name in tool_names:
        results.setdefault(name, {"error": err})
    return results


def _settle_and_reset() -> int | None:
    """In one process (the client's or a worker's): gc, malloc_trim, reset the kernel's
    peak-RSS counter; its RSS in bytes, or None where the reset is refused."""
    gc.collect()
    malloc_trim()
    return _status_kib("VmRSS") * 1024 if _reset_peak() else None


def _high_water() -> int:
    return _status_kib("VmHWM") * 1024


def measure_cluster(fn, client) -> dict:
    """W9: the peak of ``fn()`` in the client process and in every worker process.

    Each process is settled (gc, malloc_trim) and its kernel peak counter reset before the
    run, as for ``subprocess-hwm``; the figure is the sum over the processes of VmHWM minus
    that baseline. The processes' peaks need not coincide, so the sum bounds the cluster's
    simultaneous peak from above; it misses nothing short-lived. (Sampling RSS, as before,
    could not see memory a process freed in an earlier run and reused: dask-ml's figure read
    0.2 MiB.) Where the reset is refused anywhere, RSS is sampled every 10 ms instead."""
    base = client.run(_settle_and_reset)
    base["client"] = _settle_and_reset()
    if all(b is not None for b in base.values()):
        fn()
        peaks = client.run(_high_water)
        peaks["client"] = _high_water()
        grown = sum(max(0, peaks[k] - base[k]) for k in base if k in peaks)
        return {"peak_bytes": grown, "method": "cluster-hwm",
                "processes": len(base)}
    return _sample_cluster(fn, client)


def _sample_cluster(fn, client) -> dict:
    """The fallback: the summed RSS of the client and worker processes, sampled every 10 ms."""
    import psutil

    pids = [os.getpid()]
    info = client.scheduler_info()
    for w in info.get("workers", {}).values():
        pid = w.get("pid")
        if pid:
            pids.append(pid)
    procs = [psutil.Process(p) for p in pids]

    def total():
        s = 0
        for p in procs:
            try:
                s += p.memory_info().rss
            except psutil.Error:
                pass
        return s

    base = total()
    sampler = _Sampler(total, 0.01)
    sampler.start()
    try:
        fn()
    finally:
        peak = sampler.stop()
    return {"peak_bytes": max(0, peak - base), "method": "cluster-rss-sampling"}


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2], sys.argv[3:])
