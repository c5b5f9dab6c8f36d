"""``LogisticRegression``: the scikit-learn compatible estimator, thin glue over ``_fit``.

Model kinds: binary (links logit / probit / cloglog), multinomial (softmax; default for more
than two classes), one-vs-rest (``multiclass="ovr"``) and multilabel (a 2-D 0/1 indicator y:
K independent sigmoids). The objective is stated in ``logitlab._objective``.

Multinomial parameterisation: penalised fits use the symmetric K-row form, as scikit-learn
(intercepts centred to sum to zero); unpenalised fits are identified by a reference class, as
statsmodels MNLogit: the first class's row of ``coef_`` and ``intercept_`` is zero.
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _dask
from ._data import DefaultNames, as_matrix, check_offset, check_sample_weight, encode_target, fit_weights
from ._design import check_full_rank
from ._errors import DataError, ParameterError, SeparationWarning
from ._fit import FitSpec, build_loss, fit_one, warn_if_not_converged
from ._links import LINKS, get_link
from ._loss import BinaryLoss
from ._penalties import PENALTIES
from ._separation import check_separation as _check_separation
from ._stats_api import InferenceMixin  # statistics methods: summary, conf_int, tests (logitlab.inference)
from .solvers import SOLVERS, check_compatible

# 'auto' runs the separation LP before unpenalised fits up to this many rows x parameters;
# beyond it the LP runs only if the fitted linear predictor shows divergence (|eta| > 25).
_SEPARATION_AUTO_SIZE = 2_000_000
_DIVERGENT_ETA = 25.0


def _max_abs(a):
    """max |a| without an |a| copy."""
    return max(float(a.max()), -float(a.min())) if a.size else 0.0


class LogisticRegression(InferenceMixin, ClassifierMixin, BaseEstimator):
    """Logistic regression with honest defaults: unpenalised maximum likelihood.

    Parameters
    ----------
    penalty : None, "none", "l2", "l1", "elasticnet" or "firth"
    alpha : float, optional. Penalty strength in the weighted-mean objective. None means
        1 / sum(sample_weight), scikit-learn's C = 1.
    C : float, optional. Alternative to alpha: alpha = 1 / (C * sum(sample_weight)).
    l1_ratio : float in [0, 1], elastic-net mixing (1 = lasso).
    link : "logit", "probit" or "cloglog" (binary, ovr and multilabel models).
    multiclass : "auto", "multinomial" or "ovr".
    solver : "auto", "newton", "newton-cg", "lbfgs", "cd" or "gd". auto: l1/elasticnet -> cd,
        firth -> newton, else newton for at most 500 parameters or a dense multinomial model,
        newton-cg for a sparse binary model, lbfgs otherwise.
    learning_rate : float, step of solver="gd".
    tol : float, stopping rule for every solver: max-norm of the optimality (KKT) residual.
    max_iter : int or None (solver default: newton/newton-cg/cd 100, lbfgs/gd 1000).
    fit_intercept, class_weight (dict or "balanced"), warm_start : as scikit-learn.
    trace : False, True (every iteration) or "log" (log-spaced iterations); sets ``trace_``.
    check_separation : "auto", True or False (LP check before unpenalised fits).

    float32 input is promoted to float64.
    """

    def __init__(self, penalty=None, *, alpha=None, C=None, l1_ratio=0.5, link="logit", multiclass="auto",
                 solver="auto", learning_rate=0.1, tol=1e-8, max_iter=None, fit_intercept=True,
                 class_weight=None, warm_start=False, trace=False, check_separation="auto"):
        self.penalty = penalty
        self.alpha = alpha
        self.C = C
        self.l1_ratio = l1_ratio
        self.link = link
        self.multiclass = multiclass
        self.solver = solver
        self.learning_rate = learning_rate
        self.tol = tol
        self.max_iter = max_iter
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.trace = trace
        self.check_separation = check_separation

    # -- parameters -------------------------------------------------------------------------
    def _penalty_name(self):
        return "none" if self.penalty is None else self.penalty

    def _validate_params(self):
        def positive(name, value, allow_none=False, integer=False):
            if value is None and allow_none:
                return
            kind = numbers.Integral if integer else numbers.Real
            if isinstance(value, bool) or not isinstance(value, kind) or not np.isfinite(value) or value <= 0:
                raise ParameterError(f"{name} must be a positive {'integer' if integer else 'number'}, got {value!r}")

        if self._penalty_name() not in PENALTIES:
            raise ParameterError(f"unknown penalty {self.penalty!r}; choose one of None, 'l2', 'l1', 'elasticnet', 'firth'")
        if self.alpha is not None:
            if isinstance(self.alpha, bool) or not isinstance(self.alpha, numbers.Real) \
                    or not np.isfinite(self.alpha) or self.alpha < 0:
                raise ParameterError(f"alpha must be a finite number >= 0, got {self.alpha!r}")
        positive("C", self.C, allow_none=True)
        if self.alpha is not None and self.C is not None:
            raise ParameterError("give alpha or C, not both (alpha = 1 / (C * sum of weights))")
        if isinstance(self.l1_ratio, bool) or not isinstance(self.l1_ratio, numbers.Real) \
                or not 0 <= self.l1_ratio <= 1:
            raise ParameterError(f"l1_ratio must be in [0, 1], got {self.l1_ratio!r}")
        if self.link not in LINKS:
            raise ParameterError(f"unknown link {self.link!r}; choose one of {sorted(LINKS)}")
        if self.multiclass not in ("auto", "multinomial", "ovr"):
            raise ParameterError(f"multiclass must be 'auto', 'multinomial' or 'ovr', got {self.multiclass!r}")
        if self.solver != "auto" and self.solver not in SOLVERS:
            raise ParameterError(f"unknown solver {self.solver!r}; choose one of {['auto', *SOLVERS]}")
        if self.solver != "auto":  # impossible solver / penalty pairs, refused before any data work
            check_compatible(self.solver, self._penalty_name())
        positive("tol", self.tol)
        positive("max_iter", self.max_iter, allow_none=True, integer=True)
        positive("learning_rate", self.learning_rate)
        if self.trace not in (False, True, "log"):
            raise ParameterError(f"trace must be False, True or 'log', got {self.trace!r}")
        if self.check_separation not in ("auto", True, False):
            raise ParameterError(f"check_separation must be 'auto', True or False, got {self.check_separation!r}")

    def _spec(self, alpha):
        pen = self._penalty_name()
        return FitSpec(penalty=pen, alpha=alpha, l1_ratio=self.l1_ratio, link=self.link, solver=self.solver,
                       tol=float(self.tol), max_iter=self.max_iter, learning_rate=float(self.learning_rate),
                       fit_intercept=bool(self.fit_intercept), trace=self.trace)

    def _resolve_alpha(self, weight_sum):
        if self._penalty_name() in ("none", "firth"):
            return 0.0
        if self.C is not None:
            return 1.0 / (self.C * weight_sum)
        return float(self.alpha) if self.alpha is not None else 1.0 / weight_sum

    # -- fitting ----------------------------------------------------------------------------
    def fit(self, X, y, sample_weight=None, offset=None):
        """Fit the model; ``offset`` is added to the linear predictor (n,) or (n, K)."""
        self._validate_params()
        if _dask.is_dask(X, y, sample_weight, offset):  # the dask backend: logitlab/_dask.py
            return _dask.fit_estimator(self, X, y, sample_weight, offset)
        X_in = X
        X, names = as_matrix(X)
        target = encode_target(y, X.shape[0])
        n, d = X.shape
        kind = self._model_kind(target)
        if kind == "multilabel":
            if self.class_weight is not None:
                raise ParameterError("class_weight is not supported for multilabel y; use sample_weight")
            weights = check_sample_weight(sample_weight, n)
        else:
            _, weights = fit_weights(sample_weight, self.class_weight, target, n)
        K = target.classes.size
        offset = check_offset(offset, n, K if kind == "multinomial" else 1)
        if kind in ("ovr", "multilabel") and offset is not None and offset.ndim == 2:
            raise DataError("a 2-D offset is only for multinomial models")
        if kind == "multinomial" and offset is not None and offset.ndim == 1:
            raise DataError(f"a multinomial model needs a 2-D offset of shape ({n}, {K}), one column per class: "
                            "a 1-D offset shifts every class equally and would have no effect")
        names = names or DefaultNames(d)
        alpha = self._resolve_alpha(weights.sum())
        spec = self._spec(alpha)
        if spec.penalty in ("none", "firth"):
            check_full_rank(X, weights, spec.fit_intercept, names)

        warm = self._warm_thetas(kind, K, d)
        if kind in ("binary", "multinomial"):
            y_fit = target.codes  # binary: 0/1 codes, used by the loss as they are
            result, separation, loss = self._fit_single(X, y_fit, weights, offset, spec, K, names,
                                                        warm[0] if warm else None, "the model")
            results = [result]
            # the predictor at the estimate, for the rebuilt loss of inference (_fitted_objective)
            at_estimate = loss.state_at(result.theta) if isinstance(loss, BinaryLoss) else None
        else:  # one binary model per class (ovr) or per label column (multilabel)
            fits = []
            for k in range(K):
                yk = target.codes[:, k] if kind == "multilabel" else (target.codes == k).astype(float)
                label = f"label {k}" if kind == "multilabel" else f"class {target.classes.tolist()[k]!r} vs rest"
                fits.append(self._fit_single(X, yk, weights, offset, spec, 2, names,
                                             warm[k] if warm else None, label)[:2])
            results, separation = [r for r, _ in fits], [s for _, s in fits]
            at_estimate = None

        # everything succeeded: only now touch the estimator's public state
        validate_data(self, X_in, reset=True, skip_check_array=True)
        self.classes_ = target.classes
        self.model_kind_ = kind
        self.alpha_ = alpha
        self.penalty_ = spec.penalty
        self.separation_ = separation
        if len(results) == 1:
            r = results[0]
            self.coef_, self.intercept_ = r.coef, r.intercept
            self.fit_result_, self.trace_ = r, r.trace
        else:
            self.coef_ = np.vstack([r.coef for r in results])
            self.intercept_ = np.concatenate([r.intercept for r in results])
            self.fit_result_, self.trace_ = results, ([r.trace for r in results] if spec.trace else None)
        self.n_iter_ = np.array([r.n_iter for r in results], dtype=np.int32)
        self.converged_ = all(r.converged for r in results)
        self.objective_ = float(sum(r.objective for r in results))
        self._training = dict(X=X, codes=target.codes, weights=weights, offset=offset, names=names,
                              at_estimate=at_estimate)
        return self

    def _model_kind(self, target):
        if target.kind == "multilabel":
            return "multilabel"
        if target.kind == "binary":
            return "binary"
        return "ovr" if self.multiclass == "ovr" else "multinomial"

    def _warm_thetas(self, kind, K, d):
        if not (self.warm_start and hasattr(self, "coef_") and getattr(self, "model_kind_", None) == kind
                and self.coef_.shape[1] == d):
            return None
        if kind == "binary":
            return [np.concatenate([self.intercept_, self.coef_[0]]) if self.fit_intercept else self.coef_[0]]
        if kind == "multinomial":
            return ["multinomial"]  # packed by _fit_single from coef_ / intercept_
        return [np.concatenate([self.intercept_[k:k + 1], self.coef_[k]]) if self.fit_intercept
                else self.coef_[k] for k in range(K)]

    def _fit_single(self, X, y, weights, offset, spec, n_classes, names, theta0, what):
        loss = build_loss(X, y, weights, offset, spec, n_classes)
        if isinstance(theta0, str):
            theta0 = loss.pack(self.coef_, self.intercept_)
        def check_separation():
            return _check_separation(X, y.astype(int) if n_classes == 2 else y, sample_weight=weights,
                                     fit_intercept=spec.fit_intercept, feature_names=names)

        separation = None
        check = self.check_separation if spec.penalty == "none" else False
        small = X.shape[0] * loss.n_params <= _SEPARATION_AUTO_SIZE
        if check is True or (check == "auto" and small):
            separation = check_separation()
        result = fit_one(loss, spec, theta0)
        if separation is None and check == "auto" and _max_abs(loss.eta(result.theta)) > _DIVERGENT_ETA:
            separation = check_separation()  # large fits: only when the fit shows divergence
        if separation is not None and separation.separated:
            warnings.warn(f"{what}: {separation.message()}", SeparationWarning, stacklevel=3)
        elif not result.converged:
            warn_if_not_converged(result, spec, what)
        return result, separation, loss

    def _fitted_objective(self):
        """(loss, objective, theta) at the fitted coefficients of a binary or multinomial model,
        rebuilt from the training data kept by ``fit`` (for inference and diagnostics)."""
        from ._fit import build_objective

        check_is_fitted(self)
        if self.model_kind_ not in ("binary", "multinomial"):
            raise ParameterError(f"statistics are available for binary and multinomial models, not {self.model_kind_}; "
                                 "fit one binary model per class instead")
        t = self._training
        if t.get("backend") == "dask":
            return _dask.fitted_objective(self)
        spec = self._spec(self.alpha_)
        loss = build_loss(t["X"], t["codes"], t["weights"], t["offset"], spec, self.classes_.size)
        if t.get("at_estimate") is not None:
            loss.restore_state(self.fit_result_.theta, t["at_estimate"])
        return loss, build_objective(loss, spec), self.fit_result_.theta

    # -- prediction -------------------------------------------------------------------------
    def _check_X(self, X, offset):
        check_is_fitted(self)
        X_in = X
        X, _ = as_matrix(X)
        if X.shape[1] != self.n_features_in_:  # before validate_data, whose error is a plain ValueError
            raise DataError(f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                            f"{self.n_features_in_} features as input")
        validate_data(self, X_in, reset=False, skip_check_array=True)
        K = self.coef_.shape[0]
        return X, check_offset(offset, X.shape[0], K if self.model_kind_ == "multinomial" else 1)

    def decision_function(self, X, offset=None):
        """Linear predictor: (n,) for binary models, (n, K) otherwise."""
        if _dask.is_dask(X, offset):
            return _dask.predict(self, "decision_function", X, offset)
        X, offset = self._check_X(X, offset)
        eta = np.asarray(X @ self.coef_.T) + self.intercept_
        if offset is not None:
            eta = eta + (offset if offset.ndim == 2 else offset[:, None])
        return eta[:, 0] if self.model_kind_ == "binary" else eta

    def predict_proba(self, X, offset=None):
        if _dask.is_dask(X, offset):
            return _dask.predict(self, "predict_proba", X, offset)
        eta = self.decision_function(X, offset)
        kind = self.model_kind_
        if kind == "multinomial":
            return softmax(eta, axis=1)
        link = get_link(self.link)
        if kind == "binary":
            return np.column_stack([np.exp(link.log_1mmu(eta)), link.inverse(eta)])
        mu = link.inverse(eta)
        if kind == "multilabel":
            return mu
        total = mu.sum(axis=1, keepdims=True)  # ovr: normalise, as scikit-learn
        return np.divide(mu, total, out=np.full_like(mu, 1.0 / mu.shape[1]), where=total > 0)

    def predict_log_proba(self, X, offset=None):
        if _dask.is_dask(X, offset):
            return _dask.predict(self, "predict_log_proba", X, offset)
        check_is_fitted(self)
        if self.model_kind_ == "binary":
            eta = self.decision_function(X, offset)
            link = get_link(self.link)
            return np.column_stack([link.log_1mmu(eta), link.log_mu(eta)])
        if self.model_kind_ == "multinomial":
            return log_softmax(self.decision_function(X, offset), axis=1)
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X, offset))

    def predict(self, X, offset=None):
        if _dask.is_dask(X, offset):
            return _dask.predict(self, "predict", X, offset)
        check_is_fitted(self)
        proba = self.predict_proba(X, offset)
        if self.model_kind_ == "multilabel":
            return (proba > 0.5).astype(int)
        if self.model_kind_ == "binary":
            return self.classes_[(proba[:, 1] > 0.5).astype(int)]
        return self.classes_[np.argmax(proba, axis=1)]

    # -- export -----------------------------------------------------------------------------
    def save(self, path, **extras):
        """Write a versioned JSON model file (see ``logitlab.export.save``); no pickle."""
        from .export import save

        return save(self, path, **extras)

    def to_sql(self, table, columns=None, **kwargs):
        """A SQL SELECT computing the predicted probability (see ``logitlab.export.to_sql``)."""
        from .export import to_sql

        return to_sql(self, table, columns, **kwargs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags
