"""Working memory of a fit, in units of one n-vector (n float64 numbers).

numpy reports its data buffers to tracemalloc, so the traced peak of a fit counts every array
the fit makes (in every thread) and nothing of the input, which exists before tracing starts.
The budgets are what the code is designed to need, with room for the small things (d-vectors,
per-thread blocks); a change that brings back a copy of X, a vector of ones, a float copy of
y or a second cached linear predictor fails here. The harness (benchmarks/memory.py) measures
the resident set against the peers; this is the in-suite guard of the same property.
"""
import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp

from logitlab import LogisticRegression
from logitlab._data import DefaultNames, check_sample_weight, is_unit, unit_weights
from logitlab._fit import FitSpec, build_loss, build_objective
from logitlab._sparse import THREAD_MIN_NNZ


FIXED = 4 * 2**20  # per-thread row blocks and d-sized work, independent of n


def _peak_bytes(fn):
    """Peak traced bytes of fn() (allocations made while it runs)."""
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def _in_vectors(peak, n):
    """Peak beyond the fixed allowance, in n-vectors of float64."""
    return (peak - FIXED) / (8 * n)


def _binary(n, d, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = (rng.random(n) < 1 / (1 + np.exp(-X[:, :5].sum(axis=1)))).astype(float)
    return X, y


def test_dense_binary_fit_needs_two_n_vectors():
    # large n: coarse fit on a strided view, then full passes with a sampled Hessian
    n, d = 400_000, 50
    X, y = _binary(n, d)
    peak = _peak_bytes(lambda: LogisticRegression("l2", C=1.0).fit(X, y))
    # eta of the last point and of the new point, the int8 codes (1/8) and the sampled
    # Hessian's weights; X (50 vectors) is never copied, and there is no vector of ones
    assert _in_vectors(peak, n) < 2.5, _in_vectors(peak, n)


def test_dense_binary_fit_with_exact_hessian_stays_small():
    n, d = 400_000, 10  # here the Hessian of all rows is cheap enough to be exact
    X, y = _binary(n, d)
    peak = _peak_bytes(lambda: LogisticRegression("l2", C=1.0).fit(X, y))
    # the Hessian weights' temporaries (mu, 1 - mu, their product, s times it) on top
    assert _in_vectors(peak, n) < 5.5, _in_vectors(peak, n)


def test_multinomial_fit_keeps_one_probability_matrix():
    n, d, K = 300_000, 10, 5
    rng = np.random.default_rng(1)
    X = rng.standard_normal((n, d))
    y = rng.integers(0, K, n)
    peak = _peak_bytes(lambda: LogisticRegression("l2", C=1.0).fit(X, y))
    # the (K, n) probabilities, the codes (1) and the probabilities of the coarse and the
    # curvature row samples (under K together); a one-hot Y or a second probability matrix
    # of all rows would add K
    assert _in_vectors(peak, n) < 2 * K, _in_vectors(peak, n)


def test_multinomial_truncated_newton_keeps_one_hessian_of_the_sample():
    # P = 510 parameters: truncated Newton, preconditioned by the factorised Hessian of a
    # 2040-row sample (W3's path at 40 % of its n). Resident at once: the (K, n) probabilities,
    # the codes (1 n-vector) and one P x P matrix (the sample's Hessian, factorised in place),
    # with ~1.1 MB of row blocks and d-sized work. A second P x P matrix (a copy for the
    # factorisation, a per-thread partial sum of the Hessian or its products' temporaries, 2.1
    # MB each) exceeds the 1.5 MiB allowance; before they went the peak was 15 MB, now 6.7 MB.
    n, d, K = 40_000, 50, 10
    rng = np.random.default_rng(1)
    X = rng.standard_normal((n, d))
    y = rng.integers(0, K, n)
    P = K * (d + 1)
    peak = _peak_bytes(lambda: LogisticRegression("l2", alpha=1 / n).fit(X, y))
    budget = 8 * (K + 1) * n + 8 * P * P + 1.5 * 2**20
    assert peak < budget, (peak, budget)


def test_sparse_binary_fit_does_not_copy_X():
    n, d = 40_000, 2_000  # 1.2 million non-zeros: the products run on two row halves
    rng = np.random.default_rng(2)
    X = sp.random(n, d, density=30 / d, format="csr", random_state=3)
    y = (rng.random(n) < 0.5).astype(float)
    input_bytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    assert X.nnz >= THREAD_MIN_NNZ
    peak = _peak_bytes(lambda: LogisticRegression("l2", C=1.0).fit(X, y))
    # n- and d-vectors only: a copy of either half of X's arrays would exceed this
    assert peak < 0.25 * input_bytes, (peak, input_bytes)


def test_sparse_l2_fit_budget_in_n_and_p_vectors():
    """newton-cg on a W4-like design (hashed tokens, 30 per row; many parameters): at its peak,
    during a Hessian-vector product, three n-vectors (the predictor with the step's change
    summed into it, the Hessian weights, X p) and seven p-vectors (theta, g and CG's s, r, p,
    H p, the product's second partial sum). Beyond those only the int8 codes, the boolean
    penalty mask, the threads' row blocks and small things. Before this budget the same fit
    peaked at ~2.2x it (a second predictor, X p scaled by D, a theta copy per cache entry and
    per Hessian-weights key, float mask and L1 zeros, the start point, the last iteration's
    step and residual, and the products' own results); any one of those back fails here."""
    from logitlab._sparse import SCALED_BLOCK

    n, d, k = 100_000, 2**17, 30
    rng = np.random.default_rng(2)
    indptr = np.arange(0, n * k + 1, k, dtype=np.int32)
    X = sp.csr_matrix((np.ones(n * k), rng.integers(0, d, n * k).astype(np.int32), indptr), shape=(n, d))
    X.sum_duplicates()
    w = np.zeros(d)
    w[rng.choice(d, d // 16, replace=False)] = rng.standard_normal(d // 16)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ w)))).astype(float)
    assert X.nnz >= THREAD_MIN_NNZ  # the threaded products
    model = LogisticRegression("l2", C=1.0)
    peak = _peak_bytes(lambda: model.fit(X, y))
    assert model.fit_result_.solver == "newton-cg" and model.converged_
    p = d + 1
    # codes and mask (a byte each), one row block per thread, and 0.75 MiB for small things:
    # less than one more n-vector (0.8 MB) or p-vector (1 MB)
    allowance = n + p + 2 * 8 * SCALED_BLOCK + 3 * 2**18
    assert peak <= 8 * (3 * n + 7 * p) + allowance, (peak - 8 * (3 * n + 7 * p)) / 1e6


def test_unit_weights_are_a_read_only_view_of_one_number():
    w = check_sample_weight(None, 1_000_000)
    assert w.shape == (1_000_000,) and w.strides == (0,) and is_unit(w)
    assert w.sum() == 1_000_000 and not w.flags.writeable
    with pytest.raises(ValueError):
        w[0] = 2.0
    assert not is_unit(np.ones(3)) and not is_unit(np.broadcast_to(2.0, (3,)))


def test_unit_weights_fit_equals_explicit_ones():
    X, y = _binary(5_000, 4, seed=4)
    a = LogisticRegression().fit(X, y)
    b = LogisticRegression().fit(X, y, sample_weight=np.ones(len(y)))
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-12)
    np.testing.assert_allclose(a.bse(), b.bse(), rtol=1e-10)


def test_default_names_behave_like_the_list():
    names = DefaultNames(4)
    assert list(names) == ["x0", "x1", "x2", "x3"] and names == ["x0", "x1", "x2", "x3"]
    assert names[-1] == "x3" and names[1:3] == ["x1", "x2"] and len(names) == 4 and "x2" in names
    with pytest.raises(IndexError):
        names[4]


def test_row_sample_is_a_strided_view_of_X():
    X, y = _binary(100_000, 6, seed=5)
    spec = FitSpec(penalty="l2", alpha=1e-5, l1_ratio=0.0, link="logit", solver="newton", tol=1e-8,
                   max_iter=None, learning_rate=0.1, fit_intercept=True, trace=False)
    objective = build_objective(build_loss(X, y, unit_weights(len(y)), None, spec, 2), spec)
    rows = objective.sketch_indices(25_000, seed=0)
    assert isinstance(rows, slice) and len(range(*rows.indices(len(y)))) == 25_000
    sample = objective.subsample(25_000)
    assert np.shares_memory(sample.loss.X, X) and sample.n_rows == 25_000
    # the sample spans the whole file, not its first rows
    assert range(*rows.indices(len(y)))[-1] > 0.99 * len(y) - rows.step


def test_sparse_l1_coordinate_descent_keeps_few_full_length_vectors():
    # hashed-token data as W5 (d >> nnz per row), L1 with ~150 non-zero coefficients; the
    # products run on two row halves (1.2 million non-zeros)
    n, d, k = 50_000, 2**17, 24
    rng = np.random.default_rng(6)
    X = sp.csr_matrix((np.ones(n * k), rng.integers(0, d, n * k), np.arange(0, n * k + 1, k)), shape=(n, d))
    X.sum_duplicates()
    w = np.zeros(d)
    w[rng.choice(d, 500, replace=False)] = rng.standard_normal(500)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ w - 0.2)))).astype(float)
    alpha = 0.7 * np.max(np.abs(X.T @ (y - y.mean()))) / n  # 0.7 of the smallest all-zero alpha
    assert X.nnz >= THREAD_MIN_NNZ
    LogisticRegression("l1", alpha=1.0).fit(X, y)  # all coefficients zero: starts the thread pool
    model = LogisticRegression("l1", alpha=alpha)
    peak = _peak_bytes(lambda: model.fit(X, y))
    assert model.fit_result_.solver == "cd" and 20 < np.count_nonzero(model.coef_) < 500
    # at the peak (X^T r in the line search): d-vectors theta (moved in place), the eta cache's
    # copy of it, l1, the gradient and one thread's half of X^T r (the bool mask is 1/8);
    # n-vectors eta and the residual. A full-length step or trial point, the previous gradient,
    # the Hessian kept through the line search, or the KKT residual's whole-vector temporaries
    # each exceed this (main before this test: 2.7 d-vectors over it).
    assert peak < 8 * (5.5 * d + 2.5 * n), (peak / (8 * d), peak / (8 * n))
