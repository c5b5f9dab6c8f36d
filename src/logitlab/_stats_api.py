"""``InferenceMixin``: the statistics methods of ``LogisticRegression``, delegating to
``logitlab.inference``, ``logitlab.summary`` and ``logitlab.firth`` (imported on first use).

Shared arguments: ``cov_type`` ("observed" default, "expected", "HC0", "HC1", "cluster" with
``groups``), ``level`` (0.95), ``method`` for intervals ("wald" | "profile"; default profile for
Firth, Wald otherwise). Results are labelled with ``coef_names()``: "Intercept" and the feature
names (multinomial: "name[class]").
"""
from __future__ import annotations


class InferenceMixin:
    def coef_names(self):
        """Parameter names in the order of every statistics result."""
        from .inference import param_names
        return param_names(self)

    def summary(self, level=0.95, cov_type="observed", groups=None, ci_method=None):
        """A ``logitlab.Summary`` (text via print, ``to_frame``, ``to_html``, ``to_dict``)."""
        from .summary import Summary
        return Summary(self, level=level, cov_type=cov_type, groups=groups, ci_method=ci_method)

    def cov_params(self, cov_type="observed", groups=None):
        """Covariance matrix of the parameters as a labelled DataFrame."""
        import pandas as pd
        from .inference import covariance
        names = self.coef_names()
        return pd.DataFrame(covariance(self, cov_type, groups), index=names, columns=names)

    def bse(self, cov_type="observed", groups=None):
        """Standard errors (Series)."""
        import pandas as pd
        from .inference import standard_errors
        return pd.Series(standard_errors(self, cov_type, groups), index=self.coef_names(), name="std_err")

    def pvalues(self, cov_type="observed", groups=None, method=None):
        """Two-sided p-values for 'coefficient = 0' (Wald; Firth: penalised LR)."""
        import pandas as pd
        from .inference import pvalues
        return pd.Series(pvalues(self, cov_type, groups, method), index=self.coef_names(), name="pvalue")

    def conf_int(self, level=0.95, method=None, cov_type="observed", groups=None):
        """Confidence intervals (DataFrame with columns lower, upper)."""
        import pandas as pd
        from .inference import conf_int
        ci = conf_int(self, level, method, cov_type, groups)
        return pd.DataFrame(ci, index=self.coef_names(), columns=["lower", "upper"])

    def odds_ratios(self, level=0.95, method=None, cov_type="observed", groups=None):
        """exp(coefficient) with exp(interval) (logit link and multinomial models only)."""
        import numpy as np
        from ._errors import ParameterError
        if self.model_kind_ == "binary" and self.link != "logit":
            raise ParameterError(f"odds ratios are defined for the logit link, not link={self.link!r}")
        ci = self.conf_int(level, method, cov_type, groups)
        from .inference import fit_info
        out = np.exp(ci.rename(columns={"lower": "lower", "upper": "upper"}))
        out.insert(0, "odds_ratio", np.exp(fit_info(self).theta))
        return out

    def wald_test(self, hypothesis, q=None, cov_type="observed", groups=None):
        """Wald test of R theta = q; ``hypothesis`` a matrix or strings such as "x1 = x2"."""
        from .inference import wald_test
        return wald_test(self, hypothesis, q, cov_type, groups)

    def drop_one(self, terms=None):
        """Likelihood-ratio test for dropping each term (default: each non-intercept coefficient)."""
        from .inference import drop_one
        return drop_one(self, terms)

    def log_likelihood(self):
        """Log-likelihood at the fitted coefficients (unpenalised; Firth's penalised one is in the summary)."""
        from .inference import log_likelihood
        return log_likelihood(self)

    def predict_interval(self, X, level=0.95, offset=None, cov_type="observed", groups=None):
        """Predicted probabilities with delta-method intervals built on the link scale
        (a ``logitlab.inference.PredictionInterval``; ``.to_frame()`` for a DataFrame)."""
        from .inference import predict_interval
        return predict_interval(self, X, level, offset, cov_type, groups)

    def flic(self):
        """FLIC-corrected copy of a fitted Firth model (see ``logitlab.firth``)."""
        from .firth import flic
        return flic(self)

    def flac(self):
        """FLAC-corrected copy of a fitted Firth model (see ``logitlab.firth``)."""
        from .firth import flac
        return flac(self)
