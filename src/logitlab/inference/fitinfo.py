"""Access to a fitted model for inference: the cached ``FitInfo`` (objective, estimate, names,
information and its inverse), which penalties allow which statistics, and small shared helpers."""
from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from scipy import linalg

from .._errors import ParameterError

_L1_MESSAGE = ("{what} is not available for penalty={pen!r}: the L1 part of the penalty sets coefficients "
               "exactly to zero and biases the rest, so standard errors, p-values and intervals computed as "
               "if the model were fitted by maximum likelihood would be wrong. Refit the selected features "
               "with penalty=None (ML) or penalty='firth', or use a bootstrap or selective-inference method.")
_L2_MESSAGE = ("{what} is not available for penalty='l2': ridge estimates are shrunk toward zero, so a "
               "test of 'coefficient = 0' or a likelihood profile would be miscalibrated. logitlab offers L2 "
               "fits penalised (posterior) standard errors and Wald intervals only, labelled as such. "
               "For p-values refit with penalty=None or penalty='firth'.")


def estimator_of(model):
    """The fitted LogisticRegression behind ``model`` (formula models expose
    ``_logitlab_estimator``)."""
    est = getattr(model, "_logitlab_estimator", model)
    if not hasattr(est, "_fitted_objective"):
        raise ParameterError(f"expected a fitted logitlab model, got {type(model).__name__}")
    return est


class FitInfo:
    """Lazily computed pieces of one fitted model, cached on the estimator."""

    def __init__(self, est):
        loss, objective, theta = est._fitted_objective()
        self.est = est
        self.loss, self.objective, self.theta = loss, objective, np.asarray(theta, float)
        self.kind = est.model_kind_
        self.penalty = est.penalty_
        if self.penalty == "elasticnet" and est.l1_ratio == 0:
            self.penalty = "l2"
        if self.penalty in ("l2", "l1") and est.alpha_ == 0:
            self.penalty = "none"
        self.sw_sum = loss.sw_sum
        self.n_params = loss.n_params
        self.correction = getattr(est, "firth_correction_", None)
        self._cache = {}

    # names ---------------------------------------------------------------------------------
    @property
    def names(self):
        if "names" not in self._cache:
            cols = list(self.est._training["names"])
            base = (["Intercept"] if self.loss.fit_intercept else []) + [str(c) for c in cols]
            if self.kind == "binary":
                names = base
            else:
                k0 = getattr(self.loss, "k0", 0)
                names = [f"{n}[{c}]" for c in self.est.classes_[k0:] for n in base]
            self._cache["names"] = names
        return self._cache["names"]

    @property
    def separated(self):
        sep = getattr(self.est, "separation_", None)
        return sep is not None and not isinstance(sep, list) and sep.separated

    # likelihood ----------------------------------------------------------------------------
    def loglike(self, theta=None):
        """Unpenalised log-likelihood."""
        return -self.sw_sum * self.loss.value(self.theta if theta is None else theta)

    def objective_value(self):
        """The fitted objective at the estimate (cached: refits compare against it)."""
        if "f_hat" not in self._cache:
            self._cache["f_hat"] = self.objective.value(self.theta)
        return self._cache["f_hat"]

    def objective_loglike(self, theta=None):
        """Log-likelihood of the fitted objective (penalised for Firth: + 1/2 log det I)."""
        return -self.sw_sum * self.objective.value(self.theta if theta is None else theta)

    # information and covariance -------------------------------------------------------------
    def information(self, expected=False):
        key = ("info", expected)
        if key not in self._cache:
            if self.penalty == "l2":
                H = self.objective.hessian(self.theta)
                if expected:
                    H = H - self.loss.hessian(self.theta) + self.loss.hessian(self.theta, expected=True)
            else:
                H = self.loss.hessian(self.theta, expected=expected)
            self._cache[key] = self.sw_sum * H
        return self._cache[key]

    def inverse_information(self, expected=False):
        key = ("inv", expected)
        if key not in self._cache:
            self._cache[key] = _inverse(self.information(expected))
        return self._cache[key]

    def scores(self):
        """Per-row score contributions of the log-likelihood, (n, n_params) (dense or sparse)."""
        return score_rows(self.loss, self.theta)


def score_rows(loss, theta):
    """Per-row score contributions of the log-likelihood at theta, (n, n_params) (dense or
    sparse): the rows whose cross-product is the sandwich's meat. Also run by the Dask
    backend on each row block (``_dask_loss``)."""
    Xt = _design(loss)
    if loss.n_outputs == 1:
        r = -loss.weights * loss.link.d1(loss.y, loss.eta(theta))
        return Xt.multiply(r[:, None]).tocsr() if sp.issparse(Xt) else Xt * r[:, None]
    R = -loss.weights[:, None] * (loss.proba(theta) - loss.Y)
    blocks = [Xt.multiply(R[:, k][:, None]) if sp.issparse(Xt) else Xt * R[:, k][:, None]
              for k in range(loss.k0, loss.K)]
    return sp.hstack(blocks).tocsr() if sp.issparse(Xt) else np.hstack(blocks)


def fit_info(model) -> FitInfo:
    est = estimator_of(model)
    cache = est.__dict__.get("_inference_cache")
    fr = est.fit_result_
    if cache is None or cache[0] is not fr:
        cache = (fr, FitInfo(est))
        est.__dict__["_inference_cache"] = cache
    return cache[1]


def _design(loss):
    X = loss.X
    if not loss.fit_intercept:
        return X
    if sp.issparse(X):
        return sp.hstack([sp.csr_matrix(np.ones((loss.n, 1))), X]).tocsr()
    return np.column_stack([np.ones(loss.n), X])


def _inverse(H):
    try:
        c = linalg.cho_factor(H, lower=True, check_finite=False)
        return linalg.cho_solve(c, np.eye(H.shape[0]), check_finite=False)
    except (linalg.LinAlgError, ValueError):
        return np.linalg.pinv(H, hermitian=True)


def param_names(model):
    """Coefficient names in parameter order."""
    return list(fit_info(model).names)


def _coef_vector(model):
    return fit_info(model).theta


def _check_level(level):
    if isinstance(level, bool) or not isinstance(level, (int, float, np.floating)) or not 0 < level < 1:
        raise ParameterError(f"level must be a number strictly between 0 and 1, got {level!r}")
    return float(level)


# -- penalties: what may be offered -------------------------------------------------------------
def _require(info, what, allow_l2=False):
    if info.penalty in ("l1", "elasticnet"):
        raise ParameterError(_L1_MESSAGE.format(what=what, pen=info.penalty))
    if info.penalty == "l2" and not allow_l2:
        raise ParameterError(_L2_MESSAGE.format(what=what))


def _source(model):
    """(FitInfo used for coefficient-level inference, indices of the model's parameters in it).
    FLAC models delegate to their augmented-data ML fit."""
    info = fit_info(model)
    aug = getattr(info.est, "_flac_fit", None)
    if aug is not None:
        return fit_info(aug), np.arange(info.n_params)
    base = getattr(info.est, "_firth_base", None)
    if base is not None:
        return fit_info(base), None
    return info, None


def _subset(a, keep):
    if keep is None:
        return a
    return a[np.ix_(keep, keep)] if a.ndim == 2 else a[keep]


def warn_separated(info):  # pragma: no cover - convenience for callers
    if info.separated:
        warnings.warn(info.est.separation_.message())
