"""logitlab's side-by-side benchmark harness (issue 7, and W9 of issue 8).

Run ``python -m benchmarks --help``; docs/benchmarks.md explains what is measured and how.
Benchmark-only peers (scikit-learn, glum, statsmodels, firthmodels, dask-ml) are imported here,
never from ``src/logitlab``: install them with ``pip install -e ".[bench]"``.
"""
