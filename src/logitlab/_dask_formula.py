"""``logitlab.logit`` on a dask dataframe: the model matrix is built on the workers.

The result equals ``logitlab.logit(formula, data=ddf.compute())`` (names, reference levels,
coefficients to rounding). What reaches the driver: a few rows, partition lengths, missing and
infinite value counts, and level sets. The steps:

1. *Probe.* formulaic evaluates the formula on the first rows (``head`` of the first partition)
   to learn which factors are categorical and which transforms are used. Stateful transforms
   (``center``, ``scale``, ``standardize``, ``poly``, splines) learn their state from the rows
   they see, and ``lag`` reads across rows (and so across partitions): on dask both would differ
   from the whole-data result, so they are refused with a way out, before any pass.
2. *One pass* (``dask.compute`` over the partitions): partition lengths, missing and infinite
   value counts of the columns the formula uses (with the weights and offset columns), and the
   level set of every categorical factor: the column's values (a categorical column: its
   categories), or for a factor that is an expression (``C(x > 0)``) its values as formulaic
   evaluates them on the partition. Missing values raise the in-memory ``DataError`` (same text,
   whole-data counts).
3. *Model spec.* formulaic's ``ModelSpec`` with the union level sets as its encoder state,
   materialised on the first rows: the same columns, names and reference levels as in memory
   (levels sorted as formulaic sorts them; a categorical column keeps its categories' order).
4. *Design.* Every partition is mapped through the spec (``map_partitions``) into a float
   block, and the blocks form a dask array with the known partition lengths and all columns
   in one chunk; y, weights and offset are aligned with it and ``LogisticRegression``'s dask
   backend fits (``_dask.py``).

New dask frames given to ``model_matrix`` / ``predict*`` are mapped through the same spec
lazily. Each partition checks its own missing values and unseen levels when it is computed and
raises the in-memory ``DataError`` with the partition's number and counts: no pass over the new
data is made before the user asks for the result.
"""
from __future__ import annotations

import ast
import warnings

import numpy as np
import pandas as pd

from . import _dask
from ._errors import DataError, ParameterError

_HEAD = 100                # rows read to the driver to build formulaic's model spec
_ROW_DEPENDENT = {"lag"}   # transforms that read other rows: wrong at partition boundaries


def _formula_helpers():
    from . import formula

    return formula


# -- the pass over the partitions ------------------------------------------------------------
def _scan_block(part, number, used, numbers, simple, expr_formula, expr_names):
    """Lengths, missing / infinite counts and level sets of one partition (small)."""
    f = _formula_helpers()
    part = f._text_as_object(part, used)
    out = {"n": len(part), "na": {v: int(part[v].isna().sum()) for v in used},
           "inf": {v: int(np.isinf(part[v].to_numpy(dtype=float)).sum()) for v in numbers}, "levels": {}}
    for name, col in simple.items():
        values = part[col]
        if isinstance(values.dtype, pd.CategoricalDtype):  # formulaic uses all of a categorical's categories
            out["levels"][name] = (True, list(values.cat.categories))
        else:
            out["levels"][name] = (False, list(pd.unique(values.dropna())))
    if expr_formula and len(part):
        formulaic = f._formulaic()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", formulaic.errors.DataMismatchWarning)
                state = formulaic.model_matrix(expr_formula, part, na_action="ignore").model_spec.encoder_state
        except Exception as exc:
            raise DataError(f"data (partition {number}): formulaic could not evaluate {expr_formula!r}: {exc}") \
                from None
        for name in expr_names:
            out["levels"][name] = (False, list(state[name][1]["categories"]))
    return out


def _union(parts, name):
    """Level set over partitions: a categorical column's categories in order, else sorted values."""
    categorical, seen = False, {}
    for p in parts:
        if name in p["levels"]:
            is_cat, values = p["levels"][name]
            categorical |= is_cat
            seen.update(dict.fromkeys(values))
    levels = list(seen)
    if categorical:
        return levels
    try:
        return sorted(levels)
    except TypeError:  # mixed types that do not order: formulaic would fail on them in memory too
        return levels


# -- the model spec --------------------------------------------------------------------------
def _probe(formula_part, sample):
    formulaic = _formula_helpers()._formulaic()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return formulaic.model_matrix(formula_part, sample, na_action="ignore").model_spec
    except Exception as exc:
        raise DataError(f"data: formulaic could not evaluate the formula: {exc}") from None


def _refuse_row_state(spec):
    stateful = [str(k) for k in spec.transform_state]
    if stateful:
        raise ParameterError(
            f"the formula uses stateful transforms {stateful}: they learn their state (means, scales, knots) "
            "from the rows they see, which on a dask dataframe would be one partition, not the whole data. "
            "Make the column on the dask dataframe first (e.g. ddf['x_c'] = ddf.x - ddf.x.mean()) and use it "
            "in the formula, or fit in memory (data=ddf.compute())")
    rows = sorted(_ROW_DEPENDENT & set(spec.variables_by_source.get("transforms", set())))
    if rows:
        raise ParameterError(f"the formula uses {rows}, which reads neighbouring rows and would be wrong at "
                             "partition boundaries of a dask dataframe: make the column on the dask dataframe "
                             "first (e.g. with ddf.x.shift(1) on a frame whose order is meaningful) or fit in memory")


def _categorical(spec):
    return {str(name): kind for name, (kind, _) in spec.encoder_state.items()
            if getattr(kind, "value", kind) == "categorical"}


def _source_column(name, columns):
    """The data column a categorical factor is made of (``region``, ``C(region, ...)``), or None
    when the factor is an expression (its levels are then those formulaic evaluates)."""
    if name in columns:
        return name
    try:
        node = ast.parse(name, mode="eval").body
    except SyntaxError:
        return None
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "C" and node.args
            and isinstance(node.args[0], ast.Name) and node.args[0].id in columns
            and not any(k.arg == "levels" for k in node.keywords)):
        return node.args[0].id
    return None


def _spec_with_levels(formula_part, kinds, levels, sample, what):
    """formulaic's model matrix of ``sample`` with the whole data's level sets; its model_spec."""
    f = _formula_helpers()
    formulaic = f._formulaic()
    state = {name: (kind, {"categories": levels[name]}) for name, kind in kinds.items()}
    spec = formulaic.ModelSpec(formula=formula_part, na_action="raise", encoder_state=state)
    return f._evaluate(None, sample, what, spec=spec)


# -- the design, block by block --------------------------------------------------------------
def _design_block(part, spec=None, names=None, used=None, what="data", check=False, partition_info=None):
    """One partition through the model spec: a float frame of the named columns."""
    f = _formula_helpers()
    where = what if partition_info is None else f"{what} (partition {partition_info['number']})"
    part = f._text_as_object(part, used)
    if check and len(part):
        f._check_frame(part, used, what=where)
        f._check_levels(spec, part, where)
    X = f._evaluate(None, part, where, spec=spec)
    return pd.DataFrame(np.asarray(X[names], dtype=float).reshape(len(part), len(names)), columns=names,
                        index=part.index)


def _map_design(data, spec, names, what, check):
    used = sorted(spec.variables_by_source.get("data", set()))
    absent = [v for v in used if v not in data.columns]
    if absent:
        raise DataError(f"{what}: column{'s' if len(absent) > 1 else ''} {absent} used by the formula "
                        f"{'are' if len(absent) > 1 else 'is'} not in the dask dataframe")
    meta = pd.DataFrame({c: np.empty(0) for c in names}, columns=names)
    frame = data[used] if used else data
    return frame.map_partitions(_design_block, spec=spec, names=list(names), used=used, what=what, check=check,
                                meta=meta)


def _aligned(arg, name, data, lengths, rows, ncols_ok=(1,)):
    """A weights / offset argument as a dask array aligned with the design's row chunks."""
    if arg is None:
        return None
    if isinstance(arg, str):
        if arg not in data.columns:
            raise DataError(f"{name}={arg!r} is not a column of data")
        return data[arg].to_dask_array(lengths=list(lengths))
    if _dask.is_dask(arg) and hasattr(arg, "npartitions") and arg.npartitions != data.npartitions:
        raise DataError(f"{name} has {arg.npartitions} partitions and data {data.npartitions}: give a column "
                        f"name, or a dask series partitioned like data (rows in the same partitions)")
    return _dask._as_dask_vector(arg, name, rows, lengths, ncols_ok=ncols_ok)


def _require_frame(data, what):
    if not (_dask._is_frame(data) and getattr(data, "ndim", 0) == 2):
        raise DataError(f"{what} must be a pandas or dask DataFrame (or a dict of columns), got "
                        f"{type(data).__module__}.{type(data).__name__}")


def _lengths(data, used):
    frame = data[used[:1]] if used else data
    try:
        return tuple(int(v) for v in frame.map_partitions(len).compute())
    except Exception as exc:
        raise DataError(f"could not compute the partition lengths of the dask dataframe: {exc}") from exc


# -- fitting ---------------------------------------------------------------------------------
def fit_dask(fm, parsed, data, variables, weights, offset):
    """Fill the ``FormulaModel`` ``fm`` from a dask dataframe (see the module docstring)."""
    import dask

    from .estimator import LogisticRegression

    f = _formula_helpers()
    _require_frame(data, "data")
    check = LogisticRegression(**fm.fit_options)  # options the dask backend refuses: before any data work
    check._validate_params()
    _dask._check_supported(check)
    plain_response = fm.response in data.columns

    # 1. probe on the first rows: which factors are categorical, which transforms are used, and
    # which columns (formulaic's required_variables leaves out those inside stateful transforms)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "insufficient elements for head" on a short first partition
        sample = data.head(_HEAD, npartitions=1)
    sample = f._text_as_object(sample, list(sample.columns))
    probes = {"rhs": _probe(parsed.rhs, sample)}
    if not plain_response:
        probes["lhs"] = _probe(parsed.lhs, sample)
    for p in probes.values():
        _refuse_row_state(p)
    kinds = {side: _categorical(p) for side, p in probes.items()}
    found = sorted(v for p in probes.values() for v in p.variables_by_source.get("data", set()))
    used = list(dict.fromkeys(v for v in [*variables, *found] if v in data.columns))
    sample = sample[used]
    names = {name for k in kinds.values() for name in k}
    simple = {name: _source_column(name, used) for name in sorted(names)}
    exprs = sorted(name for name, col in simple.items() if col is None)
    simple = {name: col for name, col in simple.items() if col is not None}

    # 2. one pass: lengths, missing / infinite counts, level sets
    numbers = [v for v in used if f._is_number(data[v].dtype)]
    expr_formula = ("0 + " + " + ".join(exprs)) if exprs else None
    tasks = [dask.delayed(_scan_block)(part, i, used, numbers, simple, expr_formula, exprs)
             for i, part in enumerate(data[used].to_delayed())]
    parts = dask.compute(*tasks)
    lengths = tuple(p["n"] for p in parts)
    n = sum(lengths)
    if n == 0:
        raise DataError("data has no rows")
    f._raise_missing("data", {v: sum(p["na"][v] for p in parts) for v in used}, n)
    f._raise_infinite("data", {v: sum(p["inf"][v] for p in parts) for v in numbers}, n)
    for name, arg in (("weights", weights), ("offset", offset)):
        if isinstance(arg, str) and arg not in data.columns:
            raise DataError(f"{name}={arg!r} is not a column of data")
    levels = {name: _union(parts, name) for name in names}

    # 3. the model spec, on rows of the first non-empty partition (no missing values: checked)
    if len(sample) == 0:
        first = next(i for i, size in enumerate(lengths) if size)
        sample = f._text_as_object(data[used].get_partition(first).head(_HEAD, npartitions=1), used)
    X_sample = _spec_with_levels(parsed.rhs, kinds["rhs"], levels, sample, "data")
    fm._set_spec(X_sample.model_spec, X_sample.columns)

    # 4. the design, y, weights and offset as aligned dask arrays; the estimator's dask backend
    X = _map_design(data, fm.spec, fm.feature_names, "data", check=False).to_dask_array(lengths=list(lengths))
    rows = X.chunks[0]
    if plain_response:
        with warnings.catch_warnings():  # text labels become an object array, which the backend takes
            warnings.filterwarnings("ignore", "Dask currently has limited support for converting pandas extension")
            y = data[fm.response].to_dask_array(lengths=list(lengths))
    else:
        lhs = _spec_with_levels(parsed.lhs, kinds["lhs"], levels, sample, "the response")
        if lhs.shape[1] != 1:
            raise DataError(f"the response {fm.response!r} encodes to {lhs.shape[1]} columns "
                            f"{list(lhs.columns)}; give a single 0/1 or label column")
        y = _map_design(data, lhs.model_spec, [str(lhs.columns[0])], "the response", check=False) \
            .to_dask_array(lengths=list(lengths))[:, 0]
    w = _aligned(weights, "weights", data, lengths, rows)
    o = _aligned(offset, "offset", data, lengths, rows, ncols_ok=range(2, 10 ** 6))
    est = LogisticRegression(fit_intercept=fm.fit_intercept, **fm.fit_options)
    est._validate_params()
    _dask.fit_estimator(est, X, y, w, o, feature_names=fm.feature_names)
    fm.estimator_ = est
    fm.index, fm._n, fm.partition_lengths = None, n, lengths
    fm._X, fm._y, fm._data = X, y, None
    fm.weights, fm.offset = w, o


# -- new data --------------------------------------------------------------------------------
def lazy_model_matrix(fm, data):
    """The model matrix of a dask dataframe as a lazy dask dataframe (checks run per partition)."""
    _require_frame(data, "new data")
    return _map_design(data, fm.spec, fm.feature_names, "new data", check=True)


def prediction_inputs(fm, data, offset):
    """(X, offset) for the estimator's lazy predictions on a dask dataframe."""
    design = lazy_model_matrix(fm, data)
    if offset is None:  # no row alignment needed: a blockwise map, unknown chunk lengths are fine
        return design.to_dask_array(), None
    lengths = _lengths(data, sorted(fm.spec.variables_by_source.get("data", set())))
    X = design.to_dask_array(lengths=list(lengths))
    K = fm.estimator_.coef_.shape[0]
    return X, _aligned(offset, "offset", data, lengths, X.chunks[0], ncols_ok=(K,) if K > 1 else (1,))
