"""The kernels of ``_fused.c``, compiled against numpy, in both memory orders:
``python -m benchmarks.fused_pass [--rows 1000000] [--cols 100] [--repeats 9] [--what pass,hessian,firth]``.

Reproduces the per-pass, Hessian and Firth figures of docs/benchmarks.md (eighth to tenth
sessions): W1's shape, standard normal X, the logit loss with 0/1 outcomes and unit weights,
in C order and in Fortran order (what pandas hands over). ``pass`` times one value+gradient pass (the
compiled pass against numpy's blocks); ``hessian`` the full Hessian with its predictor (the
compiled Gram kernel against BLAS syrk on sqrt(D)-scaled row blocks), as W7's information;
``firth`` the work of Firth's penalty at one point, value and gradient (the information and the
hat values by ``column_gram`` and ``hat_values`` against numpy's scaled copy, syrk and product),
as at each point of W8: ``--what firth --rows 10000 --cols 20``. The two routes run in turn,
round after round (a slow spell of a shared host falls on both), at a new point each round, and
must agree to round-off. Prints the minimum and median wall time of each.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from logitlab import _loss, _penalties
from logitlab._data import unit_weights
from logitlab._links import get_link
from logitlab._penalties import make_penalty


def interleaved(X, y, repeats, what="pass"):
    """{"compiled" / "numpy": [seconds]} of one ``what`` ("pass": value and gradient;
    "hessian": the full Hessian; "firth": Firth's value and gradient at a point) on X,
    alternating, with a new theta each round."""
    if _loss._fused is None:
        raise SystemExit("logitlab._fused is not built: reinstall with a C compiler (pip install -e .)")
    loss = _loss.BinaryLoss(X, y, unit_weights(len(y)), get_link("logit"), True)
    module = _penalties if what == "firth" else _loss  # where the route is chosen
    penalty = make_penalty("firth", 0.0, 0.0, loss) if what == "firth" else None
    rng = np.random.default_rng(0)
    times = {"compiled": [], "numpy": []}
    compiled = module._fused
    try:
        for _ in range(repeats):
            theta = rng.normal(size=X.shape[1] + 1) * 0.1
            results = {}
            for name in times:
                module._fused = compiled if name == "compiled" else None
                loss._cache.clear()
                loss._full_hessian = None
                start = time.perf_counter()
                results[name] = _measure(what, loss, penalty, theta)
                times[name].append(time.perf_counter() - start)
            _check_agreement(what, *results.values())
    finally:
        module._fused = compiled
    return times


def _measure(what, loss, penalty, theta):
    if what == "pass":
        return loss.value_grad(theta)
    if what == "hessian":
        return loss.hessian(theta)
    penalty._cache_theta = None  # the point's pieces afresh (the transposed design is kept)
    return penalty.value(theta), penalty.grad(theta)


def _check_agreement(what, fast, slow):
    if what in ("pass", "firth"):
        (f1, g1), (f2, g2) = fast, slow
        assert abs(f1 - f2) <= 1e-12 * abs(f2) and np.allclose(g1, g2, rtol=1e-10, atol=1e-14)
    else:
        assert np.allclose(fast, slow, rtol=1e-12, atol=1e-15)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--what", default="pass,hessian",
                        help="comma-separated: pass (value+gradient), hessian (the full Hessian), "
                             "firth (Firth's value and gradient at a point)")
    args = parser.parse_args(argv)
    whats = args.what.split(",")
    if not whats or set(whats) - {"pass", "hessian", "firth"}:
        parser.error(f"--what takes pass, hessian and/or firth, comma-separated; got {args.what!r}")
    rng = np.random.default_rng(1)
    X = rng.standard_normal((args.rows, args.cols))
    y = (rng.random(args.rows) < 0.5).astype(np.int8)
    for order in ("C", "F"):
        X = np.asarray(X, order=order)  # one copy of X at a time
        for what in whats:
            times = interleaved(X, y, args.repeats, what)
            print(f"{what}, {order} order, {args.rows} x {args.cols}: " + "; ".join(
                f"{name} min {min(t):.5f} s, median {statistics.median(t):.5f} s" for name, t in times.items()))


if __name__ == "__main__":
    main()
