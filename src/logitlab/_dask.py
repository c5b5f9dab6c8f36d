"""Fitting and predicting on Dask collections (``pip install "logitlab[dask]"``).

``LogisticRegression.fit`` routes here when X, y, sample_weight or offset is a dask collection.
Supported: binary (any link) and multinomial models, penalty None or 'l2', solvers 'newton',
'lbfgs' and 'auto' (newton up to 500 parameters). Each solver iteration is one pass over the
data, reduced on the cluster (``_dask_loss``). Rules, stated once:

- Inputs: dask.array or dask.dataframe for X, y, sample_weight, offset; numpy / pandas for the
  small ones are accepted and chunked like X. X's columns must be one chunk
  (``X.rechunk({1: -1})``): logitlab never silently changes how a big array is chunked.
- Unknown chunk sizes (dataframes, boolean indexing) are computed once (dataframe partition
  lengths from y, the cheapest column; arrays by ``compute_chunk_sizes()``); when that fails the
  fit stops with a DataError.
- Labels are found in one pass over y (with weights and offset checks); NaN / inf in X are found
  in the first objective pass (with the moments of the rank check).
- Data stay on the workers: when a ``dask.distributed`` client is active and the data use at
  most half of the workers' total memory limit they are persisted for the fit, otherwise each
  pass re-reads them from their source (out of core). ``dask.config.set({"logitlab.persist":
  True | False | "auto"})`` overrides this.
- The separation LP is not run on dask inputs: an unpenalised fit whose linear predictor exceeds
  |eta| = 25 warns instead.
"""
from __future__ import annotations

import copy
import sys
import warnings

import numpy as np

from ._errors import DataError, DataTypeError, ParameterError, SeparationWarning

_DIVERGENT_ETA = 25.0


def is_dask(*objs) -> bool:
    """True when any argument is a dask collection (without importing dask)."""
    if "dask" not in sys.modules:
        return False
    import dask

    return any(o is not None and dask.is_dask_collection(o) for o in objs)


# -- validation ------------------------------------------------------------------------------
def _is_frame(obj):
    return hasattr(obj, "to_dask_array") and hasattr(obj, "dtypes")


def _frame_lengths(frames):
    """Partition lengths, computed once from the narrowest frame (all must be partitioned alike)."""
    frames = [f for f in frames if f is not None and _is_frame(f)]
    if not frames:
        return None
    nparts = {f.npartitions for f in frames}
    if len(nparts) > 1:
        raise DataError(f"the dask dataframes have different numbers of partitions ({sorted(nparts)}): "
                        "X, y, sample_weight and offset must be partitioned alike (rows in the same partitions)")
    narrow = min(frames, key=lambda f: len(f.columns) if f.ndim == 2 else 1)
    try:
        return tuple(int(v) for v in narrow.map_partitions(len).compute())
    except Exception as exc:
        raise DataError(f"could not compute the partition lengths of the dask dataframe: {exc}") from exc


def _known(arr, name):
    if not any(np.isnan(c) for chunks in arr.chunks for c in chunks):
        return arr
    try:
        return arr.compute_chunk_sizes()
    except Exception as exc:
        raise DataError(f"{name} has unknown chunk sizes and computing them failed ({type(exc).__name__}: {exc}). "
                        f"Give {name} known chunks (e.g. dask dataframe.to_dask_array(lengths=True), or "
                        f"{name}.compute_chunk_sizes()) before fitting") from exc


def as_dask_matrix(X, lengths=None, name="X"):
    """Dask array (n, d) of float64 with columns in one chunk, and column names (or None)."""
    import dask.array as da

    names = None
    if _is_frame(X):
        if X.ndim != 2:
            raise DataError(f"{name} must be 2-D (n_samples, n_features), got a dask Series; use .to_frame()")
        bad = [str(c) for c, dt in X.dtypes.items() if dt.kind not in "biuf"]
        if bad:
            raise DataTypeError(f"{name} has non-numeric columns {bad[:8]}: encode them first (e.g. "
                                "dask.dataframe.get_dummies on categorical columns)")
        names = [str(c) for c in X.columns]
        X = X.to_dask_array(lengths=list(lengths) if lengths is not None else True)
    elif not isinstance(X, da.Array):
        raise DataTypeError(f"{name} must be a dask array or dask dataframe here, got {type(X).__name__}")
    if X.ndim != 2:
        raise DataError(f"{name} must be 2-D (n_samples, n_features), got {X.ndim}-D shape {X.shape}")
    if X.dtype.kind not in "biuf":
        raise DataTypeError(f"{name} must hold real numbers, got dtype {X.dtype}")
    if len(X.chunks[1]) > 1:
        raise DataError(f"{name} is chunked along its columns (column chunks {X.chunks[1]}): the dask backend "
                        f"needs every row block to hold all columns. Rechunk first: {name} = "
                        f"{name}.rechunk({{1: -1}}) (choose row chunks so one block fits a worker's memory)")
    X = _known(X, name)
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise DataError(f"{name} is empty (shape {X.shape}): need at least one row and one column")
    return (X if X.dtype == np.float64 else X.astype(np.float64)), names


def _as_dask_vector(v, name, row_chunks, lengths, ncols_ok=(1,)):
    """Align a 1-D (or (n, K)) input with X's row chunks; numpy / pandas are chunked like X."""
    import dask.array as da

    if v is None:
        return None
    if _is_frame(v) or hasattr(v, "to_dask_array"):
        v = v.to_dask_array(lengths=list(lengths) if lengths is not None else True)
    elif not isinstance(v, da.Array):
        arr = np.asarray(v.to_numpy() if hasattr(v, "to_numpy") else v)
        if arr.ndim == 0:
            arr = np.full(sum(row_chunks), arr)
        if arr.shape[0] != sum(row_chunks):
            raise DataError(f"X has {sum(row_chunks)} rows but {name} has {arr.shape[0]}: they must match one to one")
        v = da.from_array(arr, chunks=(row_chunks,) + arr.shape[1:])
    if v.ndim == 2 and v.shape[1] == 1:
        v = v[:, 0]
    if v.ndim not in (1, 2) or (v.ndim == 2 and v.shape[1] not in ncols_ok):
        raise DataError(f"{name} must be 1-D with one value per row of X, got shape {v.shape}")
    v = _known(v, name)
    if v.shape[0] != sum(row_chunks):
        raise DataError(f"X has {sum(row_chunks)} rows but {name} has {v.shape[0]}: they must match one to one")
    target = (row_chunks,) + ((v.shape[1],) if v.ndim == 2 else ())
    return v if v.chunks == target else v.rechunk(target)


def _label_block(yb, wb, ob):
    yb = np.asarray(yb)
    wb = np.ones(yb.shape[0]) if wb is None else np.asarray(wb, dtype=float)
    out = {"n_y_bad": 0, "n_w_bad": int((~np.isfinite(wb)).sum()), "n_w_neg": int((wb < 0).sum()),
           "n_o_bad": 0 if ob is None else int((~np.isfinite(np.asarray(ob, dtype=float))).sum())}
    if yb.dtype.kind == "f":
        bad = ~np.isfinite(yb)
    elif yb.dtype.kind == "O":
        import pandas as pd

        bad = np.asarray(pd.isna(yb))
    else:
        bad = np.zeros(yb.shape[0], dtype=bool)
    out["n_y_bad"] = int(bad.sum())
    labels, inv = np.unique(yb[~bad], return_inverse=True)
    out["labels"] = labels
    out["wcount"] = np.bincount(inv.ravel(), weights=wb[~bad], minlength=labels.size)
    return out


def _labels_and_checks(y, w, o, also=()):
    """One pass over y, weights and offset: classes, weighted counts and value checks; the
    collections ``also`` are computed in the same round trip (returned third)."""
    import dask

    yb, wb = y.to_delayed().ravel(), (None if w is None else w.to_delayed().ravel())
    ob = None if o is None else o.to_delayed().ravel()
    parts = [dask.delayed(_label_block)(yb[i], None if wb is None else wb[i], None if ob is None else ob[i])
             for i in range(len(yb))]
    parts = dask.compute(*parts, *also)
    parts, also = parts[:len(yb)], parts[len(yb):]
    for key, what in (("n_y_bad", "y contains {} missing, NaN or infinite labels: drop those rows first"),
                      ("n_w_bad", "sample_weight contains {} NaN or infinite values"),
                      ("n_w_neg", "sample_weight contains {} negative values: weights must be >= 0"),
                      ("n_o_bad", "offset contains {} NaN or infinite values")):
        count = sum(p[key] for p in parts)
        if count:
            raise DataError(what.format(count))
    try:
        classes = np.unique(np.concatenate([p["labels"] for p in parts]))
    except TypeError:
        raise DataTypeError("y mixes label types that cannot be ordered (e.g. numbers and strings): "
                            "use one type for all labels") from None
    wcount = np.zeros(classes.size)
    for p in parts:
        wcount[np.searchsorted(classes, p["labels"])] += p["wcount"]
    if classes.size < 2:
        raise DataError(f"y has only one class ({classes[0]!r}): a classifier needs at least two classes to train")
    if wcount.sum() <= 0:
        raise DataError("sample_weight sums to zero: at least one row needs a positive weight")
    return classes, wcount, also


def _encode_block(yb, classes=None):
    return np.searchsorted(classes, np.asarray(yb)).astype(np.intp)


def _scale_block(cb, wb=None, per_class=None):
    return (np.ones(cb.shape[0]) if wb is None else wb) * per_class[cb]


def prepare(X, y, sample_weight=None, offset=None, class_weight=None, sample_rows=None):
    """Validated, aligned dask data: dict(X, y codes, w, o), names, classes, total weight, and
    the rows ``sample_rows(n, d)`` names (a slice or None), gathered in the same round trip as
    the labels: (rows, dict(X, y codes, w, o)) or None."""
    import dask.array as da

    from ._data import class_weight_vector

    if y is None:
        raise DataError("y is required: pass the outcome labels (one per row of X)")
    lengths = _frame_lengths([y, X, sample_weight, offset])
    if not is_dask(X):
        raise DataTypeError("X must be a dask collection when y, sample_weight or offset is one: "
                            "wrap it with dask.array.from_array(X, chunks=...)")
    X, names = as_dask_matrix(X, lengths)
    rows = X.chunks[0]
    yv = _as_dask_vector(y, "y", rows, lengths)
    if yv.ndim == 2:
        raise DataError("a 2-D y (multilabel) is not supported on dask inputs; fit one binary model per label")
    w = _as_dask_vector(sample_weight, "sample_weight", rows, lengths)
    if w is not None and w.dtype.kind not in "biuf":
        raise DataTypeError(f"sample_weight must be numbers, got dtype {w.dtype}")
    o = _as_dask_vector(offset, "offset", rows, lengths, ncols_ok=range(2, 10 ** 6))
    if o is not None and o.dtype.kind not in "biuf":
        raise DataTypeError(f"offset must be numbers, got dtype {o.dtype}")
    w = None if w is None else w.astype(np.float64)
    o = None if o is None else o.astype(np.float64)
    rows = sample_rows(*(int(s) for s in X.shape)) if sample_rows is not None else None
    keys = [k for k, v in (("X", X), ("y", yv), ("w", w), ("o", o)) if v is not None]
    also = [] if rows is None else [v[rows] for v in (X, yv, w, o) if v is not None]
    classes, wcount, gathered = _labels_and_checks(yv, w, o, also)
    K = classes.size
    if o is not None and o.ndim == 2 and (K == 2 or o.shape[1] != K):
        raise DataError(f"offset has shape {o.shape}; expected ({X.shape[0]},)"
                        + (f" or ({X.shape[0]}, {K})" if K > 2 else ""))
    codes = yv.map_blocks(_encode_block, classes=classes, dtype=np.intp, meta=np.empty(0, np.intp))
    per_class = class_weight_vector(class_weight, np.arange(K), classes, wcount)
    sw_sum = float(per_class @ wcount)
    if sw_sum <= 0:
        raise DataError("all rows have zero weight after class_weight: give some class a positive weight")
    if class_weight is not None:
        w = da.map_blocks(_scale_block, codes, w, per_class=per_class, dtype=float, meta=np.empty(0)) \
            if w is not None else codes.map_blocks(_scale_block, per_class=per_class, dtype=float, meta=np.empty(0))
    data = dict(X=X, y=codes, w=w, o=o)
    sample = None
    if rows is not None:  # the same codes and weights as the data's, made on the driver
        got = dict(zip(keys, gathered))
        got["y"] = _encode_block(got["y"], classes)
        if class_weight is not None:
            got["w"] = _scale_block(got["y"], got.get("w"), per_class)
        sample = (rows, got)
    return data, names, classes, per_class * wcount, sw_sum, sample


# -- fitting ---------------------------------------------------------------------------------
_PASS_HOOK = None  # test seam: called with the pass number after every objective pass of a fit


def _check_supported(est):
    pen = est._penalty_name()
    if pen not in ("none", "l2"):
        raise ParameterError(
            f"penalty={est.penalty!r} is not available for dask inputs: the dask backend fits penalty=None or "
            "'l2' with solver 'newton' or 'lbfgs'. Use penalty='l2', or fit in memory (X.compute()) for "
            f"penalty={est.penalty!r}")
    if est.solver not in ("auto", "newton", "lbfgs"):
        raise ParameterError(f"solver={est.solver!r} is not available for dask inputs: use 'newton', 'lbfgs' "
                             "or 'auto' (or fit in memory with X.compute())")


def _persist_wanted(data):
    import dask

    setting = dask.config.get("logitlab.persist", "auto")
    if setting in (True, False):
        return setting
    try:
        from distributed import default_client

        client = default_client()
    except (ImportError, ValueError):
        return False  # local schedulers: re-read per pass
    try:
        workers = client.scheduler_info(n_workers=-1)["workers"]
    except TypeError:
        workers = client.scheduler_info()["workers"]
    limits = [w.get("memory_limit") or 0 for w in workers.values()]
    nbytes = sum(v.nbytes for v in data.values() if v is not None)
    return bool(limits) and all(limits) and nbytes <= 0.5 * sum(limits)


def _persist(data):
    """The data persisted on the workers, X's blocks at aligned addresses (``aligned``: one
    copy of the blocks that need it, instead of one per pass)."""
    import dask

    from ._dask_loss import aligned

    data = {**data, "X": data["X"].map_blocks(aligned, dtype=data["X"].dtype)}
    keys = [k for k, v in data.items() if v is not None]
    done = dask.persist(*(data[k] for k in keys))
    return {**data, **dict(zip(keys, done))}


def _make_loss(data, kind, K, spec, sw_sum):
    from ._dask_loss import DaskBinaryLoss, DaskMultinomialLoss

    if kind == "binary":
        return DaskBinaryLoss(data, spec.link, spec.fit_intercept, sw_sum)
    return DaskMultinomialLoss(data, K, spec.fit_intercept, sw_sum, reference=spec.penalty == "none")


def _start(kind, K, d, class_w, spec, warm):
    """The in-memory start point (intercept-only estimate), from the weighted class counts."""
    from ._fit import build_loss, start_point

    # K rows, one per class, weighted by the class totals: the same s @ y as the full data
    tiny = build_loss(np.zeros((K, d)), np.arange(K, dtype=float if kind == "binary" else np.intp),
                      np.asarray(class_w, dtype=float), None, spec, K)
    return tiny.pack(*warm) if warm is not None else start_point(tiny, spec)


def _check_columns(first, names, spec):
    from ._design import check_full_rank

    bad = first["nonfinite"]
    if bad.any():
        parts = [f"{names[j]!r} ({int(c)} rows)" for j, c in enumerate(bad) if c]
        raise DataError("X contains NaN or infinite values in " + ", ".join(parts[:8])
                        + (f" and {len(parts) - 8} more columns" if len(parts) > 8 else "")
                        + ": remove or impute them first")
    if spec.penalty != "none":
        return
    d = len(names)
    mom = first["moments"]
    mean = mom[1:1 + d] / mom[0]
    cov = mom[1 + d:].reshape(d, d) / mom[0] - np.outer(mean, mean)
    vals, vecs = np.linalg.eigh((cov + cov.T) / 2)
    root = vecs * np.sqrt(np.clip(vals, 0, None))
    # 2d rows with exactly this weighted mean and covariance: the in-memory check (and its
    # message naming the aliased columns) runs on them unchanged
    rows = np.vstack([mean + np.sqrt(d) * root.T, mean - np.sqrt(d) * root.T])
    check_full_rank(rows, np.ones(2 * d), spec.fit_intercept, names)


def _binary_coarse_rows(est):
    """``(n, d) -> rows``: the slice Newton's coarse fit will gather if the model is binary
    (the common large-n case), so that the gather shares the labels' round trip; None when
    the solver will not be Newton. A multinomial model gathers its own rows later."""
    from ._objective import sketch_size, strided_rows
    from .solvers import choose_solver

    def rows(n, d):
        p = d + int(est.fit_intercept)
        solver = est.solver if est.solver != "auto" else choose_solver(est._penalty_name(), p, False)
        m = sketch_size(n, p) if solver == "newton" else None
        return None if m is None else strided_rows(n, m)
    return rows


def fit_estimator(est, X, y, sample_weight=None, offset=None, feature_names=None):
    """``LogisticRegression.fit`` on dask collections; sets the same fitted attributes.

    feature_names: column names for a dask *array* X (``logitlab.logit`` passes the formula's
    names with the design array, whose chunk sizes it already knows)."""
    from ._fit import build_objective, fit_one, warn_if_not_converged
    from .solvers import choose_solver

    _check_supported(est)
    data, names, classes, class_w, sw_sum, sample = prepare(X, y, sample_weight, offset, est.class_weight,
                                                           sample_rows=_binary_coarse_rows(est))
    K, (n, d) = classes.size, data["X"].shape
    kind = "binary" if K == 2 else "multinomial"
    if kind == "multinomial" and est.multiclass == "ovr":
        raise ParameterError("multiclass='ovr' is not available for dask inputs; use multiclass='multinomial' "
                             "(or 'auto'), or fit in memory")
    if feature_names is not None:
        if len(feature_names) != d:
            raise DataError(f"{len(feature_names)} feature names for {d} columns of X")
        names = [str(c) for c in feature_names]
    names = names or [f"x{j}" for j in range(d)]
    alpha = est._resolve_alpha(sw_sum)
    spec = est._spec(alpha)
    warm = None
    if (est.warm_start and getattr(est, "model_kind_", None) == kind and hasattr(est, "coef_")
            and est.coef_.shape == ((1 if kind == "binary" else K), d)):
        warm = (est.coef_, est.intercept_)
    theta0 = _start(kind, K, d, class_w, spec, warm)  # also refuses impossible link / model pairs
    if spec.solver == "auto":
        spec.solver = choose_solver(spec.penalty, theta0.size, False)
    work = _persist(data) if _persist_wanted(data) else data
    loss = _make_loss(work, kind, K, spec, sw_sum)
    # large n: Newton starts from a fit on a row slice gathered to the driver, and its full-data
    # steps take the Hessian of a row sample summed in the first pass (Objective.sketch_rows,
    # as in memory); each iteration is then one value+gradient pass
    sketch = build_objective(loss, spec).sketch_rows() if spec.solver == "newton" else None
    loss.always = ("value", "grad", "hessian") if spec.solver == "newton" and not sketch else ("value", "grad")
    if spec.penalty == "none":
        loss.always += ("etamax",)
    loss.pass_hook = _PASS_HOOK
    if sample is not None:
        loss.seed_rows(*sample)  # used only if Newton's coarse fit asks for these very rows
    # NaN / inf and (unpenalised) rank checks ride on the first pass of the fit, wherever it
    # is; the weighted moments (d^2 per row) serve only the rank check
    checks = ("nonfinite", "moments") if spec.penalty == "none" else ("nonfinite",)
    loss.check_next_pass(checks, lambda first: _check_columns(first, names, spec))
    result = fit_one(loss, spec, theta0)
    if spec.penalty == "none" and loss.max_abs_eta(result.theta) > _DIVERGENT_ETA:
        warnings.warn(
            f"the fitted linear predictor reaches |eta| = {loss.max_abs_eta(result.theta):.3g} > {_DIVERGENT_ETA:g}: "
            "the classes may be (quasi-)completely separated and maximum-likelihood estimates may not exist. "
            "The separation check (linear program) is not run on dask inputs; use penalty='l2', or run "
            "logitlab.check_separation on the data in memory.", SeparationWarning, stacklevel=3)
    elif not result.converged:
        warn_if_not_converged(result, spec, "the model")

    # the model keeps the lazy data (not the persisted copy) and the last pass's results
    final = _make_loss(data, kind, K, spec, sw_sum)
    if loss._memo_theta is not None and np.array_equal(loss._memo_theta, result.theta):
        final.seed(result.theta, loss._memo)
    est.n_features_in_ = d
    if feature_names is not None or (names and X is not None and _is_frame(X)):
        est.feature_names_in_ = np.asarray(names, dtype=object)
    elif hasattr(est, "feature_names_in_"):
        del est.feature_names_in_
    est.classes_ = classes
    est.model_kind_ = kind
    est.alpha_ = alpha
    est.penalty_ = spec.penalty
    est.separation_ = None
    est.coef_, est.intercept_ = result.coef, result.intercept
    est.fit_result_, est.trace_ = result, result.trace
    est.n_iter_ = np.array([result.n_iter], dtype=np.int32)
    est.converged_ = bool(result.converged)
    est.objective_ = float(result.objective)
    est.n_passes_ = loss.n_passes
    import dask.array as da

    weights = data["w"] if data["w"] is not None else da.ones(n, chunks=data["X"].chunks[0])
    est._training = dict(X=data["X"], codes=data["y"], weights=weights, offset=data["o"], names=names,
                         backend="dask", loss=final)
    return est


def fitted_objective(est):
    """(loss, objective, theta) for inference: the dask loss, reduced on the cluster."""
    from ._fit import build_objective

    loss = est._training["loss"]
    return loss, build_objective(loss, est._spec(est.alpha_)), est.fit_result_.theta


# -- prediction ------------------------------------------------------------------------------
def _predict_block(Xb, ob, model=None, method=None):
    return getattr(model, method)(Xb, offset=ob)


def predict(est, method, X, offset=None):
    """Lazy ``est.<method>(X, offset)`` for dask X: one in-memory call per row block."""
    import dask.array as da
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(est)
    fitted_names = getattr(est, "feature_names_in_", None)
    if _is_frame(X) and fitted_names is not None and [str(c) for c in X.columns] != list(fitted_names):
        raise DataError(f"X has columns {list(X.columns)[:8]}, but the model was fitted on "
                        f"{list(fitted_names)[:8]}: pass the same columns in the same order")
    lengths = _frame_lengths([X, offset]) if offset is not None else None
    if _is_frame(X) and offset is None:
        X = X.to_dask_array()  # unknown chunk sizes are fine for a blockwise map
    if isinstance(X, da.Array) and X.ndim == 2 and offset is None and len(X.chunks[1]) == 1 \
            and X.dtype.kind in "biuf":
        Xd = X
    else:
        Xd, _ = as_dask_matrix(X, lengths)
    if Xd.shape[1] != est.n_features_in_:
        raise DataError(f"X has {Xd.shape[1]} features, but {type(est).__name__} is expecting "
                        f"{est.n_features_in_} features as input")
    o = _as_dask_vector(offset, "offset", Xd.chunks[0], lengths, ncols_ok=range(2, 10 ** 6))
    model = copy.copy(est)
    model.__dict__.pop("feature_names_in_", None)
    model._training = model.fit_result_ = model.trace_ = None
    K = est.coef_.shape[0]
    binary = est.model_kind_ == "binary"
    ncols = {"decision_function": None if binary else K, "predict": K if est.model_kind_ == "multilabel" else None,
             "predict_proba": 2 if binary else K, "predict_log_proba": 2 if binary else K}[method]
    dtype = est.classes_.dtype if method == "predict" and est.model_kind_ != "multilabel" else \
        (np.dtype(int) if method == "predict" else np.dtype(float))
    out_ind = "i" if ncols is None else "ik"
    o_args = [o, None] if o is None else [o, "i" if o.ndim == 1 else "il"]
    return da.blockwise(_predict_block, out_ind, Xd, "ij", *o_args, model=model, method=method,
                        new_axes={} if ncols is None else {"k": ncols}, concatenate=True, dtype=dtype,
                        meta=np.empty((0,) * len(out_ind), dtype=dtype))
