"""Dask backend of the losses: the same methods as ``BinaryLoss`` / ``MultinomialLoss``, with
every quantity computed as per-chunk partial sums reduced on the cluster.

One *pass* maps each aligned row block (X, y, weights, offset) to one vector of partial sums
(value, gradient, Hessian, ... as requested) and sums the vectors: with dask's tree reduction,
or, when the fit has persisted the data, as one task per block future whose rows are summed
on the driver (``persisted_blocks``). The data stay on the workers, only p + p^2 numbers per
block travel. The per-block arithmetic is the in-memory loss itself (built on the block, with
weights as sums instead of means), so the two backends cannot drift apart. A pass is cached by theta: Newton asks for value,
gradient and Hessian at the same point, so a pass computes all that the solver will ask for
(``always``) and the following calls at that theta are free.

Dask is imported here; this module is imported only when a dask collection is fitted.
"""
from __future__ import annotations

import numpy as np

from ._errors import LogitlabError
from ._links import get_link
from ._loss import BinaryLoss, same_point
from ._multinomial_loss import MultinomialLoss
from ._threads import one_thread


class DaskComputeError(LogitlabError, RuntimeError):
    """A dask computation failed during a fit (lost workers, scheduler gone, task errors)."""


def aligned(a):
    """``a``, or a copy at an aligned address. Arrays that arrived in a pickled task or a
    transfer (``da.from_array`` of driver memory, ``client.scatter``, a block moved between
    workers, a computed result) often sit at odd addresses, where numpy skips BLAS: products
    run 2-10x slower than the copy costs."""
    return a if a.flags.aligned else np.array(a)


# -- per-block work (runs on the workers) ------------------------------------------------
def _block_loss(cfg, Xb, yb, wb, ob):
    Xb = aligned(np.asarray(Xb, dtype=np.float64))
    wb = np.ones(Xb.shape[0]) if wb is None else np.asarray(wb, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        if cfg["kind"] == "binary":
            loss = BinaryLoss(Xb, np.asarray(yb, dtype=float), wb, get_link(cfg["link"]), cfg["fit_intercept"], ob)
        else:
            loss = MultinomialLoss(Xb, np.asarray(yb, dtype=np.intp), wb, cfg["K"], cfg["fit_intercept"], ob,
                                   reference=cfg["reference"])
    loss.s = wb  # sums over the block; the driver divides by the total weight
    loss._anchor = False  # the multinomial anchor is a term of the whole loss: added once, by the driver
    return loss


def _block_pieces(Xb, yb, wb, ob, theta, cfg, names):
    """One row of partial sums, in the order of ``names`` (see ``piece_sizes``)."""
    loss = _block_loss(cfg, Xb, yb, wb, ob)
    out = []
    with np.errstate(over="ignore", under="ignore"), one_thread():
        # value and gradient together: one read of the block for both
        fused = dict(zip(("value", "grad"), loss.value_grad(theta))) if {"value", "grad"} <= set(names) else {}
        for name in names:
            if name in fused:
                out.append(np.atleast_1d(fused[name]))
            elif name == "value":
                out.append([loss.value(theta)])
            elif name == "grad":
                out.append(loss.grad(theta))
            elif name == "hessian":
                out.append(loss.hessian(theta).ravel())
            elif name == "fisher":
                out.append(loss.hessian(theta, expected=True).ravel())
            elif name == "etamax":
                eta = loss.eta(theta)
                out.append([np.max(np.abs(eta)) if eta.size else 0.0])
            elif name == "sampled_hessian":  # weight and Hessian sums over every stride-th row
                rows = slice(cfg["stride"] // 2, None, cfg["stride"])
                if loss.X[rows].shape[0] == 0:  # a block shorter than half the stride
                    out.append(np.zeros(1 + theta.size ** 2))
                    continue
                sub = _block_loss(cfg, loss.X[rows], np.asarray(yb)[rows], loss.s[rows],
                                  None if ob is None else np.asarray(ob)[rows])
                out.append([sub.s.sum()])
                out.append(sub.hessian(theta).ravel())
            elif name == "nonfinite":  # per-column count of NaN / inf in X
                X = loss.X
                bad = np.zeros(X.shape[1]) if np.isfinite(X.sum()) else (~np.isfinite(X)).sum(axis=0)
                out.append(bad)
            elif name == "meat":  # sum of the score rows' outer products (sandwich covariances)
                from .inference.fitinfo import score_rows
                U = score_rows(loss, theta)
                out.append((U.T @ U).ravel())
            elif name == "moments":  # sum w, sum w x, sum w x x^T (rank check)
                X, w = np.where(np.isfinite(loss.X), loss.X, 0.0), loss.s
                out.append(np.concatenate([[w.sum()], w @ X, (X.T @ (X * w[:, None])).ravel()]))
    return np.concatenate([np.ravel(np.asarray(o, dtype=float)) for o in out])[None, :]


def piece_sizes(names, n_params, d):
    size = {"value": 1, "grad": n_params, "hessian": n_params ** 2, "fisher": n_params ** 2, "meat": n_params ** 2,
            "sampled_hessian": 1 + n_params ** 2,
            "etamax": 1, "nonfinite": d, "moments": 1 + d + d * d}
    return [size[n] for n in names]


# -- driver side ---------------------------------------------------------------------------
def persisted_blocks(data):
    """(client, [[X_0, y_0, w_0, o_0], ...]): the futures of every row block when all the
    data are persisted on a distributed cluster (the fit persists data that fit in the
    workers' memory) and nothing lazy is left on top of them; else None."""
    try:
        from dask.core import flatten
        from distributed import futures_of
    except ImportError:
        return None
    columns = []
    for arr in (data[k] for k in ("X", "y", "w", "o")):
        if arr is None:
            columns.append(None)
            continue
        keys = list(flatten(arr.__dask_keys__()))
        by_key = {f.key: f for f in futures_of(arr)}
        if (arr.ndim == 2 and arr.numblocks[1] != 1) or len(arr.__dask_graph__()) != len(keys) \
                or any(k not in by_key for k in keys):
            return None
        columns.append([by_key[k] for k in keys])
    n_blocks = len(columns[0])
    if any(c is not None and len(c) != n_blocks for c in columns):
        return None
    client = columns[0][0].client  # the one that holds them (not necessarily the default)
    return client, [[None if c is None else c[i] for c in columns] for i in range(n_blocks)]


class _DaskPasses:
    """Pass machinery shared by the binary and multinomial dask losses."""

    MAX_PIECES = ("etamax",)  # reduced with max, not sum
    column_rows = None  # no weighted design columns (per-row data): cd forms working-set Hessians

    def _init_passes(self, data, cfg, sw_sum):
        self.data = data  # dict: X (n, d) float, y (n,), w (n,) or None, o (n,) / (n, K) or None
        import dask.array as da

        self.X = data["X"]
        # lazy per-row views, as the in-memory losses have them (for inference helpers)
        self.weights = data["w"] if data["w"] is not None else da.ones(self.X.shape[0], chunks=self.X.chunks[0])
        self.s = self.weights / float(sw_sum)
        self.offset = data["o"]
        self.cfg = cfg
        self.sw_sum = float(sw_sum)
        self.n, self.d = (int(s) for s in self.X.shape)
        self.always = ("value", "grad")  # what every pass computes; the fit sets it per solver
        self.n_passes = 0
        self.pass_hook = None  # called after each pass with the pass number (tests)
        self._memo_theta = None
        self._memo = {}
        self._next_pass = ()  # pieces the next pass adds (``check_next_pass``, ``expect_sampled_hessian``)
        self._check = None  # called with the next pass's results (raises on bad data)
        self._stride = None  # every stride-th row of each block forms the sampled Hessian
        self._rows = None  # (rows, {X, y, w, o}) gathered for the coarse fit (``subset``)
        self._blocks = None  # ``persisted_blocks`` of the data (False: none), found at the first pass

    def _graph(self, theta, names):
        import dask.array as da

        X, y, w, o = (self.data[k] for k in ("X", "y", "w", "o"))
        m = sum(piece_sizes(names, self.n_params, self.d))
        cfg = {**self.cfg, "stride": self._stride}
        args = [X, "ij", y, "i", w, None if w is None else "i"]
        args += [o, None] if o is None else [o, "i" if o.ndim == 1 else "il"]
        args += [np.asarray(theta, dtype=float).copy(), None, cfg, None, tuple(names), None]
        # X's single column chunk is reused as the output's column axis (m partial sums), so
        # X's index is not contracted and its block is passed as it is (contracted indices are
        # concatenated: a copy of each X block per pass); only a 2-D offset's "l" is
        return da.blockwise(_block_pieces, "ij", *args, adjust_chunks={"i": 1, "j": m},
                            concatenate=True, dtype=float, meta=np.empty((0, 0)))

    def run_pass(self, theta, names):
        """Compute ``names`` at ``theta`` in one pass over the data; returns a dict."""
        import dask

        names = list(dict.fromkeys((*names, *self._next_pass)))
        check, self._check, self._next_pass = self._check, None, ()
        sums = [n for n in names if n not in self.MAX_PIECES]
        maxes = [n for n in names if n in self.MAX_PIECES]
        ns = sum(piece_sizes(sums, self.n_params, self.d))
        self.n_passes += 1
        try:
            if self._blocks is None:
                self._blocks = persisted_blocks(self.data) or False
            # the blocks' rows of partial sums: a numpy array gathered from the block futures,
            # or a lazy dask array reduced on the cluster; the same reduction for both
            rows = (self._rows_on_futures if self._blocks else self._graph)(theta, sums + maxes)
            targets = [rows[:, :ns].sum(axis=0), rows[:, ns:].max(axis=0)] if maxes else [rows.sum(axis=0)]
            results = targets if self._blocks else dask.compute(*targets)
        except LogitlabError:
            raise
        except Exception as exc:
            raise DaskComputeError(
                f"the dask computation failed in pass {self.n_passes} of the fit ({type(exc).__name__}: {exc}). "
                "No result was produced and the estimator was not changed. If a worker died, check the "
                "cluster's logs and the workers' memory limits (smaller chunks need less memory), then "
                "fit again.") from exc
        flat = np.concatenate([np.ravel(r) for r in results])
        out, pos = {}, 0
        for name, size in zip(sums + maxes, piece_sizes(sums + maxes, self.n_params, self.d)):
            piece = flat[pos:pos + size]
            pos += size
            if name in ("value", "grad", "hessian", "fisher"):
                piece = piece / self.sw_sum
            if name in ("hessian", "fisher", "meat"):
                piece = piece.reshape(self.n_params, self.n_params)
            if name == "sampled_hessian":  # a mean over the sampled rows, as in memory (NaN
                # when the sampled rows weigh nothing: ``sampled_hessian`` takes the exact one)
                piece = piece[1:].reshape(self.n_params, self.n_params) / (piece[0] if piece[0] > 0 else np.nan)
            out[name] = float(piece[0]) if name in ("value", "etamax") else piece
        if check is not None:
            check(out)
        self._add_anchor(theta, out)
        if self.pass_hook is not None:
            self.pass_hook(self.n_passes)
        return out

    def _rows_on_futures(self, theta, names):
        """The blocks' rows of partial sums, one task per persisted row block, gathered to
        the driver to be reduced there (a few numbers per block): no graph is built,
        optimised and scheduled per pass (on W9 ~0.08 s of a ~0.2 s pass, against ~0.04 s)."""
        client, blocks = self._blocks
        cfg = {**self.cfg, "stride": self._stride}
        futures = client.map(_block_pieces, *zip(*blocks), theta=np.asarray(theta, dtype=float).copy(),
                             cfg=cfg, names=tuple(names), pure=False)
        return np.vstack(client.gather(futures))

    def score_crossproduct(self, theta):
        """sum_i u_i u_i^T of the per-row scores at theta (the sandwich's meat), in one pass:
        the scores stay on the workers."""
        return self.run_pass(theta, ("meat",))["meat"]

    def _add_anchor(self, theta, out):
        """The symmetric multinomial form's (sum_k b_k)^2 / (2K) term (``MultinomialLoss``), once."""
        if not getattr(self, "_anchor", False):
            return
        theta = np.asarray(theta, dtype=float)
        total = theta.reshape(self.K, self.p)[:, 0].sum()
        if "value" in out:
            out["value"] += 0.5 * total ** 2 / self.K
        if "grad" in out:
            out["grad"][::self.p] += total / self.K
        for name in ("hessian", "fisher", "sampled_hessian"):
            if name in out:
                is_b = np.arange(self.n_params) % self.p == 0
                out[name][np.ix_(is_b, is_b)] += 1.0 / self.K

    def _get(self, theta, name):
        theta = np.asarray(theta, dtype=float)
        same = self._memo_theta is not None and same_point(theta, self._memo_theta)
        if not same:
            self._memo = self.run_pass(theta, (*self.always, name))
            self._memo_theta = theta.copy()
        elif name not in self._memo:
            self._memo.update(self.run_pass(theta, (name,)))
        value = self._memo[name]
        return value.copy() if isinstance(value, np.ndarray) else value

    def check_next_pass(self, names, check):
        """The next pass also computes ``names`` and hands its results to ``check``, which
        raises on bad data (the NaN and rank checks ride on the fit's first pass)."""
        self._next_pass += tuple(names)
        self._check = check

    def expect_sampled_hessian(self, rows):
        """The next pass also sums the Hessian over every ``rows.step``-th row of each block
        (Newton's curvature after the coarse fit, ``Objective.sampled_hessian``)."""
        self._stride = rows.step
        self._next_pass += ("sampled_hessian",)

    def sampled_hessian(self, theta, rows):
        """Mean Hessian over every ``rows.step``-th row of each block, summed on the workers."""
        if rows.step != self._stride:
            self._stride = rows.step
            self._memo.pop("sampled_hessian", None)
        H = self._get(theta, "sampled_hessian")
        return H if np.isfinite(H).all() else self.hessian(theta)

    def seed(self, theta, memo):
        """Start the cache with known results at ``theta`` (the fitted point)."""
        self._memo_theta = np.asarray(theta, dtype=float).copy()
        self._memo = dict(memo)

    # -- the coarse fit's rows --------------------------------------------------------------------
    def seed_rows(self, rows, parts):
        """Keep these gathered rows (dict X, y codes, w, o) for ``subset(rows)``."""
        self._rows = (rows, {k: aligned(np.asarray(v)) for k, v in parts.items()})

    def subset(self, rows):
        """The in-memory loss on these rows (a strided slice, ``Objective.subsample``): Newton's
        coarse fit, gathered to the driver once (m x d numbers; a slice of each block, so data
        read from their source are read once for it)."""
        import dask

        keys = [k for k in ("X", "y", "w", "o") if self.data[k] is not None]
        if self._rows is None or self._rows[0] != rows:
            try:
                parts = dask.compute(*(self.data[k][rows] for k in keys))
            except Exception as exc:
                raise DaskComputeError(f"the dask computation failed while gathering rows {rows} for "
                                       f"Newton's coarse fit ({type(exc).__name__}: {exc})") from exc
            self.seed_rows(rows, dict(zip(keys, parts)))
        got = self._rows[1]
        if not np.isfinite(got["X"]).all() and self._check is not None:
            self.run_pass(np.zeros(self.n_params), ())  # the pending checks name the bad columns
        X, y = np.asarray(got["X"], dtype=np.float64), got["y"]
        w = np.ones(X.shape[0]) if "w" not in got else np.asarray(got["w"], dtype=np.float64)
        o = got.get("o")
        if self.cfg["kind"] == "binary":
            return BinaryLoss(X, np.asarray(y, dtype=float), w, self.link, self.fit_intercept, o)
        return MultinomialLoss(X, np.asarray(y, dtype=np.intp), w, self.K, self.fit_intercept, o,
                               reference=self.reference)

    # -- the loss interface ------------------------------------------------------------------
    def value(self, theta):
        return self._get(theta, "value")

    def grad(self, theta):
        return self._get(theta, "grad")

    def value_grad(self, theta):
        return self._get(theta, "value"), self._get(theta, "grad")

    def hessian(self, theta, idx=None, expected=False):
        canonical = self.cfg["kind"] == "multinomial" or self.cfg["link"] == "logit"
        H = self._get(theta, "fisher" if expected and not canonical else "hessian")
        return H if idx is None else H[np.ix_(np.asarray(idx), np.asarray(idx))]

    def hessp(self, theta, v):
        return self.hessian(theta) @ v

    def max_abs_eta(self, theta):
        return self._get(theta, "etamax")

    def hessian_weights(self, theta, expected=False):
        raise NotImplementedError("per-row Hessian weights are not formed on dask inputs "
                                  "(penalty='firth' is not available for dask inputs)")


class DaskBinaryLoss(_DaskPasses, BinaryLoss):
    """Mean binomial negative log-likelihood over a dask array (see ``BinaryLoss``)."""

    n_outputs = 1

    def __init__(self, data, link, fit_intercept, sw_sum):
        self.link = get_link(link)
        self.fit_intercept = fit_intercept
        self.y = data["y"].astype(float)
        cfg = dict(kind="binary", link=self.link.name, fit_intercept=fit_intercept, K=2, reference=False)
        self._init_passes(data, cfg, sw_sum)
        self.p = self.d + int(fit_intercept)
        self.n_params = self.p

    def eta(self, theta):
        """Lazy linear predictor (n,)."""
        eta = self.X @ (theta[1:] if self.fit_intercept else theta)
        eta = eta + theta[0] if self.fit_intercept else eta
        return eta if self.offset is None else eta + self.offset


class DaskMultinomialLoss(_DaskPasses, MultinomialLoss):
    """Mean multinomial negative log-likelihood over a dask array (see ``MultinomialLoss``)."""

    def __init__(self, data, n_classes, fit_intercept, sw_sum, reference=False):
        self.K = n_classes
        self.fit_intercept = fit_intercept
        self.reference = reference
        self.codes = data["y"]
        cfg = dict(kind="multinomial", link="logit", fit_intercept=fit_intercept, K=n_classes,
                   reference=reference)
        self._init_passes(data, cfg, sw_sum)
        self.p = self.d + int(fit_intercept)
        self.k0 = 1 if reference else 0
        self.n_outputs = n_classes
        self.n_params = (self.K - self.k0) * self.p
        self._anchor = fit_intercept and not reference  # added by the driver (``_add_anchor``)

    @property
    def Y(self):
        """Lazy one-hot (n, K) labels."""
        return self.codes.map_blocks(_one_hot, K=self.K, new_axis=1, chunks=(self.codes.chunks[0], (self.K,)),
                                     dtype=float, meta=np.empty((0, 0)))

    def eta(self, theta):
        """Lazy linear predictor (n, K)."""
        B = self.full(theta)
        eta = self.X @ (B[:, 1:] if self.fit_intercept else B).T
        eta = eta + B[:, 0] if self.fit_intercept else eta
        if self.offset is not None:
            eta = eta + (self.offset if self.offset.ndim == 2 else self.offset[:, None])
        return eta


def _one_hot(codes, K=2):
    return np.eye(K)[np.asarray(codes, dtype=np.intp)]
