"""Covariance matrices of the parameters (observed / expected information, sandwich, cluster)
and standard errors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._errors import DataError, ParameterError
from .fitinfo import _require, _source, _subset, fit_info

COV_TYPES = ("observed", "expected", "HC0", "HC1", "cluster")


def covariance(model, cov_type="observed", groups=None):
    """Covariance matrix of the parameters (engine order, see ``param_names``).

    cov_type: "observed" (inverse observed information; the default), "expected" (inverse
    expected information; differs from observed for probit and cloglog), "HC0" / "HC1"
    (sandwich; HC1 scales by n / (n - k)), "cluster" (cluster-robust by ``groups``, with
    statsmodels' small-sample factor G / (G - 1) * (n - 1) / (n - k)). Alias: "nonrobust"
    = "observed". For Firth fits: inverse Fisher information at the penalised estimate (as
    logistf). For L2 fits: inverse penalised information (posterior covariance).
    """
    if fit_info(model).correction == "flic":
        from ..firth import flic_covariance
        return flic_covariance(model, cov_type, groups)
    info, keep = _source(model)
    return _subset(_covariance(info, cov_type, groups), keep)


def _covariance(info, cov_type="observed", groups=None):
    if cov_type == "nonrobust":
        cov_type = "observed"
    if cov_type not in COV_TYPES:
        raise ParameterError(f"unknown cov_type {cov_type!r}; choose one of {list(COV_TYPES)} "
                             "('cluster' needs groups=)")
    _require(info, "a covariance matrix", allow_l2=True)
    if cov_type in ("observed", "expected"):
        if groups is not None:
            raise ParameterError(f"groups= is only used with cov_type='cluster', not {cov_type!r}")
        return info.inverse_information(cov_type == "expected")
    if info.penalty != "none":
        raise ParameterError(f"robust covariances (cov_type={cov_type!r}) are for maximum likelihood fits, "
                             f"not penalty={info.penalty!r}")
    key = (cov_type, None if groups is None else id(groups))
    if cov_type != "cluster" and key in info._cache:
        return info._cache[key]
    bread = info.inverse_information(False)
    n = info.loss.n
    k = info.n_params
    on_cluster = hasattr(info.loss, "score_crossproduct")  # Dask: the scores stay on the workers
    if cov_type in ("HC0", "HC1"):
        if groups is not None:
            raise ParameterError(f"groups= is only used with cov_type='cluster', not {cov_type!r}")
        if "meat" not in info._cache:  # HC0 and HC1 share it
            info._cache["meat"] = (info.loss.score_crossproduct(info.theta) if on_cluster
                                   else _crossprod(info.scores()))
        meat = info._cache["meat"]
        factor = n / (n - k) if cov_type == "HC1" else 1.0
    elif on_cluster:
        raise ParameterError("cov_type='cluster' is not available for a model fitted on Dask data (the groups "
                             "would have to be aligned with the chunks); use cov_type='HC0' or 'HC1', or fit "
                             "the model in memory")
    else:
        if groups is None:
            raise ParameterError("cov_type='cluster' needs groups= (one group label per training row)")
        g = np.asarray(groups)
        if g.ndim != 1 or g.shape[0] != n:
            raise DataError(f"groups must be one label per training row: expected {n} labels, "
                            f"got shape {g.shape}")
        if pd.isna(pd.Series(g)).any():
            raise DataError(f"groups contains {int(pd.isna(pd.Series(g)).sum())} missing labels")
        codes, uniq = pd.factorize(g)
        G = uniq.size
        if G < 2:
            raise DataError("cluster-robust covariance needs at least 2 groups")
        ind = sp.csr_matrix((np.ones(n), (codes, np.arange(n))), shape=(G, n))
        S = ind @ info.scores()
        meat = _crossprod(S)
        factor = G / (G - 1) * (n - 1) / (n - k)
    cov = factor * bread @ meat @ bread
    cov = (cov + cov.T) / 2
    if cov_type != "cluster":
        info._cache[key] = cov
    return cov


def _crossprod(U):
    if sp.issparse(U):
        return np.asarray((U.T @ U).todense())
    return U.T @ U


def standard_errors(model, cov_type="observed", groups=None):
    return np.sqrt(np.clip(np.diag(covariance(model, cov_type, groups)), 0, None))
