"""Fixtures shared by several test modules."""
from __future__ import annotations

import logging

import pytest


@pytest.fixture(scope="module")
def client():
    """A Dask LocalCluster of two one-thread worker processes (1 GB each) and its client, one per
    test module (tests/test_dask.py, tests/test_dask_formula.py; skipped without distributed)."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, memory_limit="1GB",
                                  dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            distributed.Client(cluster) as c:
        yield c
