"""Threads for the large-data passes: one pool of two workers, and single-threaded BLAS.

The passes over large dense X run their two halves in two Python threads (numpy and BLAS
release the GIL), each with single-threaded BLAS: on these memory-bound products that beats
one multi-threaded BLAS call per product. ``threadpoolctl`` inspects the loaded libraries
when a controller is made (a few milliseconds), so one controller is made and kept.

Inside ``one_thread()`` the passes stay on the calling thread: a Dask worker already runs one
task per core, so a task that split its block over two more threads would oversubscribe them.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import threading
from concurrent.futures import ThreadPoolExecutor

from threadpoolctl import ThreadpoolController


@functools.lru_cache(maxsize=1)
def pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="logitlab")


@functools.lru_cache(maxsize=1)
def _controller() -> ThreadpoolController:
    return ThreadpoolController()


_nesting = threading.local()


@contextlib.contextmanager
def single_threaded_blas():
    """Context manager: BLAS / LAPACK on one thread inside (process-wide, as threadpoolctl).
    Nested in another on the same thread it does nothing: the outer one holds the limit, and
    threadpoolctl's ~0.1 ms per entry and exit adds up over the many small products of
    refits (W8: ~150 points, each inside the refits' own limit)."""
    depth = getattr(_nesting, "depth", 0)
    _nesting.depth = depth + 1
    try:
        with _controller().limit(limits=1) if depth == 0 else contextlib.nullcontext():
            yield
    finally:
        _nesting.depth = depth


_ONE_THREAD = contextvars.ContextVar("logitlab_one_thread", default=False)


@contextlib.contextmanager
def one_thread():
    """Context manager: the passes inside run on the calling thread only."""
    token = _ONE_THREAD.set(True)
    try:
        yield
    finally:
        _ONE_THREAD.reset(token)


def threads_allowed() -> bool:
    return not _ONE_THREAD.get()


def in_two_halves(part, n):
    """[part(0, n // 2), part(n // 2, n)] computed in the two pool threads, single-threaded BLAS
    ([part(0, n)] on the calling thread inside ``one_thread()``)."""
    if not threads_allowed():
        return [part(0, n)]
    half = n // 2
    with single_threaded_blas():
        futures = (pool().submit(part, 0, half), pool().submit(part, half, n))
        return [f.result() for f in futures]
