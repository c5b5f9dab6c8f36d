"""Formulas: ``logitlab.logit("y ~ x1 + C(region) + x1:x2", data=df, **fit_options)``.

Design
------
``logit`` parses the formula with formulaic, checks the data (missing columns, missing values:
named, with counts), builds the model matrix, and fits a plain ``LogisticRegression`` on the
matrix *without* the formula's ``Intercept`` column; the intercept is ``fit_intercept`` (so a
formula with ``- 1`` or ``+ 0`` fits without one). The returned ``FormulaModel`` keeps

- ``spec``: formulaic's model spec of the right-hand side (levels, contrasts, transform state),
  so new data are encoded exactly as the training data;
- ``estimator_``: the fitted ``LogisticRegression`` (its ``feature_names_in_`` are the formula's
  column names, e.g. ``"C(region)[T.north]"``);
- ``terms``: term -> list of columns (``{"C(region)": ["C(region)[T.north]", ...]}``), used by
  the drop-one likelihood-ratio tests, which test whole terms, not columns.

Everything statistical forwards to the estimator (summary, intervals) or to
``logitlab.margins`` / ``logitlab.diagnostics``, with the formula's names and the data's row
index. New data with a category level the model never saw raise a ``DataError`` naming the
column and the level (formulaic itself would only warn and encode the row as all zeros).

A dask dataframe as ``data`` (fit) or new data (``model_matrix``, ``predict*``) goes to
``_dask_formula.py``: the same spec, built from the whole data's level sets, mapped over the
partitions; the estimator's dask backend fits. Per-row diagnostics and marginal effects over
the training rows refuse there (``on_dask``), saying what to do instead.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from ._dask import is_dask
from ._errors import DataError, ParameterError
from .diagnostics import refuse_on_dask
from .estimator import LogisticRegression

_INTERCEPT = "Intercept"
_DASK_FRAME = "a dask dataframe"  # how refusals name where a dask-fitted formula model's rows are


def _formulaic():
    try:
        import formulaic
    except ImportError as exc:  # pragma: no cover - formulaic is a dependency
        raise ImportError("logitlab.logit needs formulaic: pip install formulaic") from exc
    return formulaic


def _check_frame(data, variables, what="data"):
    """Missing columns and missing values, named with counts, before formulaic sees the data."""
    if not isinstance(data, pd.DataFrame):
        if isinstance(data, dict):
            data = pd.DataFrame(data)
        else:
            raise DataError(f"{what} must be a pandas DataFrame (or a dict of columns), got {type(data).__name__}")
    if len(data) == 0:
        raise DataError(f"{what} has no rows")
    used = [v for v in variables if v in data.columns]
    _raise_missing(what, {v: int(data[v].isna().sum()) for v in used}, len(data))
    _raise_infinite(what, {v: int(np.isinf(data[v].to_numpy(dtype=float)).sum()) for v in used
                           if _is_number(data[v].dtype)}, len(data))
    return _text_as_object(data, used)


def _is_number(dtype):
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def _raise_missing(what, counts, n_rows):
    """The missing-values error (column -> count; zero counts are fine), shared with dask data."""
    bad = {v: c for v, c in counts.items() if c}
    if bad:
        parts = ", ".join(f"column {v!r} has {c} missing value{'s' if c != 1 else ''}" for v, c in bad.items())
        raise DataError(f"{what}: {parts} (of {n_rows} rows). logitlab does not drop rows silently: drop or "
                        f"impute them first, e.g. data.dropna(subset={list(bad)!r})")


def _raise_infinite(what, counts, n_rows):
    for v, n_inf in counts.items():
        if n_inf:
            raise DataError(f"{what}: column {v!r} has {n_inf} infinite value{'s' if n_inf != 1 else ''} "
                            f"(of {n_rows} rows); remove or cap them first")


def _text_as_object(data, columns):
    """Text columns of pandas' NA-semantics string dtypes ("string", pyarrow strings: what dask
    dataframes and parquet files give) as object columns. formulaic treats only object, "str"
    and categorical columns as categorical and would otherwise try to use the text as numbers."""
    cast = {c: data[c].astype(object) for c in columns if c in data.columns and _is_other_text(data[c].dtype)}
    return data.assign(**cast) if cast else data


def _is_other_text(dtype):
    if isinstance(dtype, pd.CategoricalDtype) or dtype == object or dtype == "str":
        return False
    return pd.api.types.is_string_dtype(dtype)


def _evaluate(formula_part, data, what, spec=None):
    """Model matrix of one side of a formula (or from a stored spec), errors as DataError."""
    formulaic = _formulaic()
    try:
        with warnings.catch_warnings():
            # formulaic only warns about unseen levels (and encodes them as zeros): make it an error
            warnings.simplefilter("error", formulaic.errors.DataMismatchWarning)
            if spec is not None:
                return spec.get_model_matrix(data)
            return formulaic.model_matrix(formula_part, data, na_action="raise")
    except DataError:
        raise
    except formulaic.errors.DataMismatchWarning as exc:
        raise DataError(f"{what}: {exc}") from None
    except Exception as exc:
        raise DataError(f"{what}: formulaic could not evaluate the formula: {exc}") from None


class FormulaModel:
    """A logistic regression fitted from a formula; see ``logitlab.logit``.

    Attributes
    ----------
    formula : str
    response : str, the left-hand side
    estimator_ : LogisticRegression, fitted on the model matrix without the Intercept column
    spec : formulaic ModelSpec of the right-hand side
    feature_names : list of the model-matrix columns (without Intercept)
    param_names : ["Intercept", *feature_names] (no Intercept for formulas with - 1)
    terms : dict term -> list of columns (the Intercept term is left out)
    index : the row index of the training data (diagnostics are aligned with it)
    """

    def __init__(self, formula, data, *, weights=None, offset=None, **fit_options):
        if not isinstance(formula, str) or "~" not in formula:
            raise ParameterError(f"formula must be a string 'response ~ terms', got {formula!r}")
        if "fit_intercept" in fit_options:
            raise ParameterError("fit_intercept is set by the formula: write '- 1' (or '+ 0') to drop the intercept")
        formulaic = _formulaic()
        self.formula = formula
        self.fit_options = dict(fit_options)
        parsed = formulaic.Formula(formula)
        if not hasattr(parsed, "lhs") or parsed.lhs is None:
            raise ParameterError(f"formula {formula!r} has no response: write 'y ~ x1 + x2'")
        self.response = str(formula.split("~", 1)[0].strip())
        variables = sorted(set(parsed.lhs.required_variables) | set(parsed.rhs.required_variables))
        if isinstance(weights, str):
            variables.append(weights)
        if isinstance(offset, str):
            variables.append(offset)
        if is_dask(data):  # a dask dataframe: the design is built on the workers (_dask_formula.py)
            from ._dask_formula import fit_dask

            fit_dask(self, parsed, data, variables, weights, offset)
            return
        data = _check_frame(data, variables)
        for name, arg in (("weights", weights), ("offset", offset)):
            if isinstance(arg, str) and arg not in data.columns:
                raise DataError(f"{name}={arg!r} is not a column of data")
        self.index = data.index
        self._n = len(data)
        self.weights = None if weights is None else np.asarray(data[weights] if isinstance(weights, str) else weights,
                                                                dtype=float)
        self.offset = None if offset is None else np.asarray(data[offset] if isinstance(offset, str) else offset,
                                                              dtype=float)

        # response: a plain column keeps its labels (any type, 2 or more classes); an expression
        # (e.g. I(score > 3)) goes through formulaic and must give a single column
        if self.response in data.columns:
            y = data[self.response].to_numpy()
        else:
            lhs = _evaluate(parsed.lhs, data, "the response")
            if lhs.shape[1] != 1:
                raise DataError(f"the response {self.response!r} encodes to {lhs.shape[1]} columns "
                                f"{list(lhs.columns)}; give a single 0/1 or label column")
            y = lhs.iloc[:, 0].to_numpy()
        X = _evaluate(parsed.rhs, data, "data")
        self._set_spec(X.model_spec, X.columns)
        self._X = pd.DataFrame(np.asarray(X[self.feature_names], dtype=float), columns=self.feature_names,
                               index=data.index)
        self._y = y
        used = self.spec.variables_by_source.get("data", set())
        self._data = data[[c for c in data.columns if c in used]]  # for margins on the training rows
        self.estimator_ = LogisticRegression(fit_intercept=self.fit_intercept, **fit_options)
        self.estimator_.fit(self._X, y, sample_weight=self.weights, offset=self.offset)

    def _set_spec(self, spec, columns):
        """Names and terms from formulaic's model spec of the right-hand side."""
        self.spec = spec
        columns = [str(c) for c in columns]
        self.fit_intercept = _INTERCEPT in columns
        self.feature_names = [c for c in columns if c != _INTERCEPT]
        self.param_names = ([_INTERCEPT] if self.fit_intercept else []) + self.feature_names
        self.terms = {str(term): [str(columns[i]) for i in idx]
                      for term, idx in spec.term_indices.items() if str(term) != "1"}
        if not self.feature_names:
            raise ParameterError(f"formula {self.formula!r} has no terms besides the intercept; logitlab needs at "
                                 "least one feature (compare with the intercept-only model through the summary's "
                                 "LR test)")

    @property
    def on_dask(self):
        """True when the model was fitted on a dask dataframe (its training rows stay on the cluster)."""
        return getattr(self, "_n", None) is not None and self.index is None

    # -- encoding ----------------------------------------------------------------------------
    def _check_levels(self, data):
        """Unseen category levels in new data: a DataError naming the column and level(s)."""
        _check_levels(self.spec, data)

    def model_matrix(self, data):
        """The model matrix (without Intercept) of new data, encoded as the training data.

        For a dask dataframe: a lazy dask dataframe (one partition of the design per partition of
        ``data``; missing values and unseen levels raise when it is computed, see docs/dask.md)."""
        if is_dask(data):
            from ._dask_formula import lazy_model_matrix

            return lazy_model_matrix(self, data)
        data = _check_frame(data, sorted(self.spec.variables_by_source.get("data", set())), what="new data")
        self._check_levels(data)
        X = _evaluate(None, data, "new data", spec=self.spec)
        return pd.DataFrame(np.asarray(X[self.feature_names], dtype=float), columns=self.feature_names,
                            index=data.index)

    # -- prediction --------------------------------------------------------------------------
    def _inputs(self, data, offset):
        """(X, offset) for the estimator: the training design, or new data encoded by the spec."""
        if data is None:
            return self._X, (self.offset if offset is None else offset)
        if is_dask(data):
            from ._dask_formula import prediction_inputs

            return prediction_inputs(self, data, offset)
        return self.model_matrix(data), offset

    def decision_function(self, data=None, offset=None):
        """Linear predictor; lazy dask array for a dask dataframe (or a dask-fitted model's training rows)."""
        return self.estimator_.decision_function(*self._inputs(data, offset))

    def predict_proba(self, data=None, offset=None):
        return self.estimator_.predict_proba(*self._inputs(data, offset))

    def predict(self, data=None, offset=None):
        return self.estimator_.predict(*self._inputs(data, offset))

    # -- statistics --------------------------------------------------------------------------
    @property
    def coef(self):
        """Coefficients as a Series (binary) or DataFrame (classes x parameters), formula names."""
        est = self.estimator_
        B = np.column_stack([est.intercept_, est.coef_]) if self.fit_intercept else est.coef_
        if est.model_kind_ == "binary":
            return pd.Series(B[0], index=self.param_names, name="coef")
        return pd.DataFrame(B, index=[str(c) for c in est.classes_], columns=self.param_names)

    @property
    def nobs(self):
        return self._n

    def loglike(self):
        """Log-likelihood at the fitted coefficients (the penalty excluded)."""
        loss, _, theta = self.estimator_._fitted_objective()
        return -loss.sw_sum * loss.value(theta)

    @property
    def _logitlab_estimator(self):
        """The protocol of ``logitlab.inference``: statistics functions accept this model."""
        return self.estimator_

    def summary(self, *args, **kwargs):
        """The summary of the fitted model (logitlab.summary), in the formula's column names."""
        return self._forward("summary", *args, **kwargs)

    def conf_int(self, *args, **kwargs):
        """Confidence intervals (logitlab.inference.conf_int), in the formula's column names."""
        out = self._forward("conf_int", *args, **kwargs)
        if isinstance(out, np.ndarray) and out.ndim == 2 and out.shape[1] == 2:
            from .inference import param_names
            out = pd.DataFrame(out, index=param_names(self), columns=["lower", "upper"])
        return out

    def _forward(self, name, *args, **kwargs):
        method = getattr(self.estimator_, name, None)
        if method is not None:
            return method(*args, **kwargs)
        import importlib

        for module in ("logitlab.inference", "logitlab.summary"):
            try:
                function = getattr(importlib.import_module(module), name)
            except (ImportError, AttributeError):
                continue
            return function(self, *args, **kwargs)
        raise NotImplementedError(f"{name}() is not available in this version of logitlab")

    def _term_parameters(self):
        """term -> parameter names in logitlab.inference's naming (class-suffixed if multinomial)."""
        est = self.estimator_
        if est.model_kind_ == "binary":
            return dict(self.terms)
        classes = est.classes_[1:] if est.penalty_ == "none" else est.classes_
        return {t: [f"{c}[{k}]" for k in classes for c in cols] for t, cols in self.terms.items()}

    def drop1(self):
        """Drop-one likelihood-ratio tests, one per term (all of a term's columns at once), as R's
        ``drop1(fit, test="Chisq")``: the term's coefficients are held at zero and the others
        re-optimised (``logitlab.inference.drop_one``). For Firth fits the statistic is the
        penalised likelihood ratio, as logistf.

        Returns a DataFrame indexed by term: df, deviance and aic of the reduced model,
        lr_chi2 = deviance(reduced) - deviance(full), p_value.
        """
        from .diagnostics import _require_unpenalised

        _require_unpenalised(self.estimator_, "drop-one likelihood-ratio tests", allow_firth=True)
        full_ll = self._penalised_loglike(self.estimator_)
        terms = self._term_parameters()
        k_full = len(self.estimator_.fit_result_.theta)
        try:
            from .inference import drop_one
        except ImportError:
            drop_one = None
        if drop_one is not None:
            table = drop_one(self, terms=terms)
            stat, df = table["statistic"].to_numpy(float), table["df"].to_numpy(int)
        else:  # refit without each term
            stat = np.array([max(2.0 * (full_ll - self._fit_reduced([c for c in self.feature_names if c not in cols])),
                                 0.0) for cols in self.terms.values()])
            df = np.array([len(v) for v in terms.values()])
        deviance = -2.0 * full_ll + stat
        return pd.DataFrame({"df": df, "deviance": deviance, "aic": deviance + 2 * (k_full - df), "lr_chi2": stat,
                             "p_value": stats.chi2.sf(stat, df)}, index=pd.Index(list(terms), name="term"))

    def _fit_reduced(self, keep):
        if not keep and not self.fit_intercept:
            raise ParameterError("cannot drop the only term of a model without intercept")
        if not keep:  # intercept-only model: the estimator needs a column, so fit the loss directly
            from ._fit import build_loss, fit_one

            e = self.estimator_
            spec = e._spec(e.alpha_)
            t = e._training
            y = t["codes"].astype(float) if e.model_kind_ == "binary" else t["codes"]
            loss = build_loss(np.empty((len(self._X), 0)), y, t["weights"], t["offset"], spec, e.classes_.size)
            return self._value_to_ll(loss, spec, fit_one(loss, spec).theta)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = LogisticRegression(fit_intercept=self.fit_intercept, **self.fit_options)
            est.fit(self._X[keep], self._y, sample_weight=self.weights, offset=self.offset)
        return self._penalised_loglike(est)

    @staticmethod
    def _value_to_ll(loss, spec, theta):
        from ._fit import build_objective
        return -loss.sw_sum * build_objective(loss, spec).value(theta)

    @classmethod
    def _penalised_loglike(cls, est):
        """Log-likelihood (Firth: penalised log-likelihood) at the fitted coefficients."""
        loss, objective, theta = est._fitted_objective()
        return -loss.sw_sum * objective.value(theta)

    # -- margins and diagnostics -------------------------------------------------------------
    def marginal_effects(self, data=None, at="overall", **kwargs):
        """Marginal effects (``logitlab.marginal_effects``) over the training rows or ``data``.
        A dask-fitted model needs ``data`` in memory (e.g. ``ddf.sample(frac=0.01).compute()``)."""
        if is_dask(data) or (data is None and self.on_dask):
            refuse_on_dask("marginal effects", "they average per-row effects built from the rows' model matrix "
                           "in memory. Pass rows in memory: model.marginal_effects(ddf.sample(frac=0.01).compute()) "
                           "(or a pandas frame of the rows of interest)", fitted_on=_DASK_FRAME)
        from .margins import marginal_effects
        return marginal_effects(self, data, at=at, **kwargs)

    def influence(self):
        self._refuse_diagnostics("influence diagnostics")
        from .diagnostics import influence
        return influence(self)

    def dfbetas(self, scaled=True):
        self._refuse_diagnostics("DFBETAS")
        from .diagnostics import dfbetas
        return dfbetas(self, scaled=scaled)

    def hosmer_lemeshow(self, groups=10):
        self._refuse_diagnostics("the Hosmer-Lemeshow test")
        from .diagnostics import hosmer_lemeshow
        return hosmer_lemeshow(self, groups=groups)

    def _refuse_diagnostics(self, what):
        if self.on_dask:
            refuse_on_dask(what, "they need every training row's design, outcome and fitted value in memory "
                           "(one value per row). If the rows fit in memory, refit there: logitlab.logit(formula, "
                           "data=ddf.compute()); otherwise study a sample in memory: logitlab.logit(formula, "
                           "data=ddf.sample(frac=0.01).compute())", fitted_on=_DASK_FRAME)

    def __repr__(self):
        return f"FormulaModel({self.formula!r}, nobs={self.nobs}, params={len(self.param_names)})"


def _check_levels(spec, data, what=None):
    """Unseen category levels in ``data``: a DataError naming the column and level(s)."""
    for factor, (kind, state) in spec.encoder_state.items():
        if getattr(kind, "value", kind) != "categorical" or "categories" not in state:
            continue
        known = set(state["categories"])
        cols = [v for v in spec.factor_variables.get(_find_factor(spec, factor), set()) if v in data.columns]
        for col in cols if len(cols) == 1 else []:
            values = pd.unique(data[col])
            unseen = [v for v in values if v not in known]
            if unseen:
                shown = ", ".join(repr(v) for v in unseen[:5]) + (" ..." if len(unseen) > 5 else "")
                plural = "s" if len(unseen) > 1 else ""
                raise DataError(f"{what + ': ' if what else ''}column {col!r} has level{plural} "
                                f"{shown} not seen when fitting (known levels: {sorted(map(str, known))}); the model "
                                "has no coefficient for it. Map it to a known level or refit with it")


def _find_factor(spec, name):
    for factor in spec.factor_variables:
        if str(factor) == str(name):
            return factor
    return name


def logit(formula, data, *, weights=None, offset=None, **fit_options):
    """Fit a logistic regression from a formula (formulaic syntax) and return a ``FormulaModel``.

    ``logitlab.logit("y ~ x1 + C(region) + x1:x2", data=df, penalty="firth")``

    weights, offset: a column name of ``data`` or an array. Other keyword arguments are
    ``LogisticRegression`` options (penalty, link, solver, ...); the intercept comes from the
    formula. Text and categorical columns are treatment-coded against their first level
    (``C(x, contr.treatment('b'))`` picks another reference). Rows with missing values are an
    error naming the column and count, never silently dropped.
    """
    return FormulaModel(formula, data, weights=weights, offset=offset, **fit_options)
