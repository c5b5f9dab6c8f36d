"""SQL export: a standard-SQL SELECT computing a logit model's probabilities.

The SQL uses only ``EXP``, ``CASE``, arithmetic and ANSI double-quoted identifiers. Every
exponent is clamped to [-700, 700] and multinomial logits have their row maximum subtracted,
so nothing overflows. Each linear predictor is computed once, in an inner SELECT; the outer
SELECTs turn them into probabilities.
"""
from __future__ import annotations

from .._errors import ParameterError
from ._fitted import fitted_parts

_CLAMP = 700.0  # |exponent| cap: exp(700) ~ 1e304 is finite in IEEE doubles; see docs


def quote_identifier(name) -> str:
    """ANSI SQL quoted identifier: wrapped in double quotes, inner quotes doubled."""
    if not isinstance(name, str) or not name:
        raise ParameterError(f"to_sql: identifiers must be non-empty strings, got {name!r}")
    if "\x00" in name:
        raise ParameterError(f"to_sql: identifier {name!r} contains a NUL character")
    return '"' + name.replace('"', '""') + '"'


def _num(x: float) -> str:
    text = repr(float(x))
    return f"({text})" if text.startswith("-") else text


def _clamp(expr: str) -> str:
    c = _num(_CLAMP)
    return (f"CASE WHEN {expr} > {c} THEN {c} WHEN {expr} < -{c} THEN -{c} ELSE {expr} END")


def to_sql(model, table, columns=None, *, keep=(), prefix="p_", names=None) -> str:
    """A standard-SQL SELECT computing predicted probabilities of a logit model.

    Parameters
    ----------
    table : str or tuple of str
        The table to read; a tuple ``("schema", "table")`` is quoted part by part.
    columns : list or dict, optional
        The table columns holding the model's features: a list in feature order, or a dict
        feature name -> column. Default: the model's feature names.
    keep : sequence of str
        Table columns to carry through to the output (e.g. an id).
    prefix, names : output column names. By default ``prefix + str(class)``; a binary model
        gives one column, the probability of ``classes_[1]``; multinomial, ovr (normalised
        sigmoids, as predict_proba) and multilabel (independent sigmoids) one per class.

    The SQL uses only ``EXP``, ``CASE``, arithmetic and ANSI double-quoted identifiers. Every
    exponent is clamped to [-700, 700] and multinomial logits have their row maximum
    subtracted, so nothing overflows. Tested in SQLite (which has EXP when built with math
    functions, the default since 3.35).
    """
    coef, intercept, classes, kind, link, feat = fitted_parts(model)
    if link != "logit":
        raise ParameterError(f"to_sql: only the logit link has a portable SQL form; this model "
                             f"uses link={link!r} (probit needs the normal CDF, which standard "
                             "SQL lacks)")
    cols = _feature_columns(columns, feat, coef.shape[1])
    if isinstance(table, (tuple, list)):
        source = ".".join(quote_identifier(t) for t in table)
    else:
        source = quote_identifier(table)
    keep = list(keep)
    names = _output_names(names, prefix, kind, classes, keep)
    q_keep = [quote_identifier(c) for c in keep]
    q_cols = [quote_identifier(c) for c in cols]

    def linear(k):
        terms = [_num(intercept[k])]
        terms += [f"{_num(coef[k, j])} * {q_cols[j]}" for j in range(len(q_cols))]
        return " + ".join(terms)

    etas = [f"__logitlab_eta{k}" for k in range(coef.shape[0])]
    inner = ",\n    ".join(q_keep + [f"{linear(k)} AS {quote_identifier(e)}" for k, e in enumerate(etas)])
    q_etas = [quote_identifier(e) for e in etas]
    build = {"binary": _select_sigmoids, "multilabel": _select_sigmoids, "ovr": _select_ovr}.get(
        kind, _select_softmax)
    return build(q_keep, q_etas, names, inner, source)


def _feature_columns(columns, feat, d):
    """The table column of each feature, in feature order."""
    if columns is None:
        if feat is None:
            raise ParameterError("to_sql: the model has no feature names (fitted on an array); "
                                 "pass columns=[...] naming the table column of each feature")
        cols = list(feat)
    elif isinstance(columns, dict):
        if feat is None:
            raise ParameterError("to_sql: columns= as a dict needs a model with feature names; "
                                 "pass a list in feature order instead")
        missing = [f for f in feat if f not in columns]
        if missing:
            raise ParameterError(f"to_sql: columns= has no entry for features {missing}")
        cols = [columns[f] for f in feat]
    else:
        cols = list(columns)
    if len(cols) != d:
        raise ParameterError(f"to_sql: {len(cols)} columns given for a model with {d} features")
    return cols


def _output_names(names, prefix, kind, classes, keep):
    """Output column names (one per probability), checked against ``keep`` and internal names."""
    if names is None:
        out_classes = [classes[1]] if kind == "binary" else list(classes)
        names = [f"{prefix}{c}" for c in out_classes]
    names = list(names)
    if len(names) != (1 if kind == "binary" else len(classes)):
        raise ParameterError(f"to_sql: names= needs {1 if kind == 'binary' else len(classes)} entries")
    all_out = keep + names
    clash = sorted({n for n in all_out if all_out.count(n) > 1 or n.startswith("__logitlab_")})
    if clash:
        raise ParameterError(f"to_sql: output column names collide: {clash}; use keep=, prefix= or names=")
    return names


def _sigmoid(q_eta):
    return f"1.0 / (1.0 + EXP({_clamp('(-' + q_eta + ')')}))"


def _select_sigmoids(q_keep, q_etas, names, inner, source):
    """binary and multilabel: one independent sigmoid per linear predictor."""
    outer = ",\n  ".join(q_keep + [f"{_sigmoid(e)} AS {quote_identifier(nm)}" for e, nm in zip(q_etas, names)])
    return (f"SELECT\n  {outer}\nFROM (\n  SELECT\n    {inner}\n  FROM {source}\n) AS \"__logitlab_scores\"")


def _select_ovr(q_keep, q_etas, names, inner, source):
    """ovr: one sigmoid per class, normalised to sum to one (as predict_proba)."""
    q_sig = [quote_identifier(f"__logitlab_sig{k}") for k in range(len(q_etas))]
    sigs = ",\n    ".join(q_keep + [f"{_sigmoid(e)} AS {qs}" for e, qs in zip(q_etas, q_sig)])
    total = " + ".join(q_sig)
    outer = ",\n  ".join(q_keep + [f"{qs} / ({total}) AS {quote_identifier(nm)}" for qs, nm in zip(q_sig, names)])
    return (f"SELECT\n  {outer}\nFROM (\n  SELECT\n    {sigs}\n  FROM (\n    SELECT\n    {inner}\n"
            f"    FROM {source}\n  ) AS \"__logitlab_logits\"\n) AS \"__logitlab_sigmoids\"")


def _select_softmax(q_keep, q_etas, names, inner, source):
    """multinomial: softmax after subtracting the row maximum (a portable CASE chain, no
    GREATEST / MAX(a, b))."""
    k_rows = len(q_etas)
    whens = []
    for k in range(k_rows - 1):
        cond = " AND ".join(f"{q_etas[k]} >= {q_etas[j]}" for j in range(k + 1, k_rows))
        whens.append(f"WHEN {cond} THEN {q_etas[k]}")
    mx = "CASE " + " ".join(whens) + f" ELSE {q_etas[-1]} END"
    q_max = quote_identifier("__logitlab_max")
    middle = ",\n      ".join(q_keep + q_etas + [f"{mx} AS {q_max}"])
    floor = _num(-_CLAMP)
    q_exps = [quote_identifier(f"__logitlab_exp{k}") for k in range(k_rows)]
    diffs = [f"({e} - {q_max})" for e in q_etas]
    exps = ",\n    ".join(q_keep + [f"EXP(CASE WHEN {dz} < {floor} THEN {floor} ELSE {dz} END) AS {qe}"
                                    for dz, qe in zip(diffs, q_exps)])
    denom = " + ".join(q_exps)
    outer = ",\n  ".join(q_keep + [f"{q_exps[k]} / ({denom}) AS {quote_identifier(names[k])}"
                                   for k in range(k_rows)])
    return (f"SELECT\n  {outer}\nFROM (\n  SELECT\n    {exps}\n  FROM (\n    SELECT\n      {middle}\n"
            f"    FROM (\n      SELECT\n      {inner}\n      FROM {source}\n    ) AS \"__logitlab_logits\"\n"
            f"  ) AS \"__logitlab_shifted\"\n) AS \"__logitlab_exps\"")
