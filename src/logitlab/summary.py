"""``Summary``: the statistician's view of a fitted model, as text, DataFrame, HTML or dict.

Built by ``model.summary()``. What it shows depends honestly on how the model was fitted:

- maximum likelihood: Wald SE / z / p and Wald (default) or profile-likelihood intervals;
- Firth: SE from the inverse Fisher information, p-values from penalised likelihood-ratio
  tests and profile penalised-likelihood intervals (as R's logistf);
- L2: penalised (posterior) SE and intervals, no z / p (see ``logitlab.inference``);
- L1 / elastic net: estimates only, with the reason;
- separated ML fits: estimates only, with the separation diagnosis instead of meaningless SEs.
"""
from __future__ import annotations

import html
import json
import math

import numpy as np
import pandas as pd

from . import inference as inf

_WIDTH = 100
_COLS = ("estimate", "std_err", "z", "pvalue", "ci_lower", "ci_upper")
_OR_COLS = ("odds_ratio", "or_lower", "or_upper")


class Summary:
    """Coefficient blocks, model statistics and notes of one fitted model.

    Attributes: ``coefficients`` (DataFrame; multinomial: MultiIndex (class, term)),
    ``model_info`` (dict), ``notes`` (list of str), ``level``, ``ci_method``, ``cov_type``.
    """

    def __init__(self, model, level=0.95, cov_type="observed", groups=None, ci_method=None):
        level = inf._check_level(level)
        info = inf.fit_info(model)
        self.level, self.cov_type = level, cov_type
        self.notes = []
        pen = info.penalty
        src, _ = inf._source(model)
        est = info.theta
        P = info.n_params
        nan = np.full(P, np.nan)
        se = z = p = lo = hi = nan
        self.ci_method = ci_method or ("profile" if pen == "firth" else "wald")
        self.p_method = "penalised likelihood ratio" if pen == "firth" else "Wald"
        separated = info.separated and pen == "none"
        if pen in ("l1", "elasticnet"):
            self.notes.append(f"penalty={pen!r}: estimates only; " + inf._L1_MESSAGE.format(
                what="Inference", pen=pen).split(": ", 1)[1])
            self.ci_method = self.p_method = None
        elif separated:
            self.notes.append(info.est.separation_.message())
            self.ci_method = self.p_method = None
        else:
            if cov_type != "observed" or groups is not None:
                inf._covariance(src, cov_type, groups)  # validate early with a clear message
            se = inf.standard_errors(model, cov_type, groups)
            if pen == "l2":
                self.notes.append("penalty='l2': PENALISED fit. Standard errors and intervals are from the inverse "
                                  "penalised information (approximate posterior under the Gaussian prior implied by "
                                  f"alpha={info.est.alpha_:.4g}); estimates are shrunk toward 0, so z / p-values are "
                                  "not shown.")
                self.ci_method, self.p_method = "wald (penalised posterior)", None
                lo, hi = inf.conf_int(model, level, "wald").T
            else:
                z = est / se
                p = inf.pvalues(model, cov_type, groups, method="lr" if pen == "firth" else "wald")
                lo, hi = inf.conf_int(model, level, self.ci_method if self.ci_method != "profile" else "profile",
                                      **({} if self.ci_method == "profile" else {"cov_type": cov_type,
                                                                                 "groups": groups})).T
            if pen == "firth":
                corr = info.correction
                self.notes.append("penalty='firth': p-values are penalised likelihood-ratio tests and intervals are "
                                  "profile penalised-likelihood intervals (as R's logistf)"
                                  + (f"; {corr.upper()} correction applied" if corr else "") + ".")
                if corr == "flic":
                    self.notes.append("FLIC: the intercept's p-value and interval are Wald, from the inverse "
                                      "information at the FLIC estimates.")
        table = pd.DataFrame({"estimate": est, "std_err": se, "z": z, "pvalue": p, "ci_lower": lo, "ci_upper": hi},
                             index=pd.Index(info.names, name="term"))
        self.has_odds = info.kind != "binary" or info.est.link == "logit"
        if self.has_odds:
            with np.errstate(over="ignore"):
                table["odds_ratio"], table["or_lower"], table["or_upper"] = np.exp(est), np.exp(lo), np.exp(hi)
        if info.kind == "multinomial":
            k0 = getattr(info.loss, "k0", 0)
            classes = [str(c) for c in info.est.classes_[k0:]]
            base = info.names[:info.loss.p]
            terms = [n[: -len(f"[{info.est.classes_[k0]}]")] for n in base]
            table.index = pd.MultiIndex.from_product([classes, terms], names=["class", "term"])
            if k0:
                self.notes.append(f"reference class: {info.est.classes_[0]} (its coefficients are 0); "
                                  "odds ratios are relative to it.")
        self.coefficients = table
        self.kind = info.kind
        stats_ = dict(inf.model_statistics(model))
        stats_["cov_type"] = cov_type if self.p_method or pen == "l2" else "none"
        stats_["ci_method"] = self.ci_method
        stats_["level"] = level
        if pen in ("l1", "l2", "elasticnet"):
            stats_["alpha"] = info.est.alpha_
        self.model_info = stats_

    # -- views --------------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        return self.coefficients.copy()

    def to_dict(self) -> dict:
        """JSON-safe: NaN -> None, +-inf -> "inf" / "-inf", numpy scalars -> Python."""
        coefs = []
        for idx, row in self.coefficients.iterrows():
            item = {"class": idx[0], "term": idx[1]} if isinstance(idx, tuple) else {"term": idx}
            item.update({k: _json(v) for k, v in row.items()})
            coefs.append(item)
        out = {"model": {k: _json(v) for k, v in self.model_info.items()}, "coefficients": coefs,
               "notes": list(self.notes)}
        json.dumps(out, allow_nan=False)
        return out

    def to_html(self) -> str:
        rows = "".join(f"<tr><th>{html.escape(_label(k))}</th><td>{html.escape(_fmt_info(v))}</td></tr>"
                       for k, v in self._info_items())
        parts = [f'<div class="logitlab-summary"><table class="model">{rows}</table>']
        for title, block in self._blocks():
            head = "".join(f"<th>{html.escape(c)}</th>" for c in ["term", *self._headers(block.columns)])
            body = "".join("<tr><th>" + html.escape(str(name)) + "</th>"
                           + "".join(f"<td>{_num(v)}</td>" for v in r) + "</tr>"
                           for name, r in zip(block.index, block.to_numpy()))
            cap = f"<caption>{html.escape(title)}</caption>" if title else ""
            parts.append(f'<table class="coefficients">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')
        parts += [f'<p class="note">{html.escape(n)}</p>' for n in self.notes]
        return "".join(parts) + "</div>"

    _repr_html_ = to_html

    def __str__(self):
        return self.as_text()

    def __repr__(self):
        return self.as_text()

    def as_text(self, width=_WIDTH) -> str:
        lines = ["=" * width, "Logistic regression summary".center(width), "=" * width]
        items = [f"{_label(k) + ':':<22}{_fmt_info(v):>{(width - 5) // 2 - 22}}" for k, v in self._info_items()]
        half = (len(items) + 1) // 2
        for a, b in zip(items[:half], items[half:] + [""]):
            lines.append(f"{a}  |  {b}".rstrip())
        for title, block in self._blocks():
            lines += [""] + self._text_table(block[[c for c in _COLS if c in block]], title, width)
            if self.has_odds:
                lines += [""] + self._text_table(block[list(_OR_COLS)], (title + " " if title else "") + "odds ratios", width)
        lines.append("-" * width)
        for n in self.notes:
            lines += _wrap("Note: " + n, width)
        return "\n".join(lines)

    # -- helpers ------------------------------------------------------------------------------
    def _info_items(self):
        keys = ["nobs", "df_model", "df_resid", "loglike", "loglike_null", "lr_chi2", "lr_pvalue", "deviance",
                "aic", "bic", "mcfadden_r2", "nagelkerke_r2", "tjur_r2", "n_iter", "converged", "separation",
                "cov_type", "ci_method", "link", "penalty", "alpha", "penalised_loglike", "firth_correction"]
        return [(k, self.model_info[k]) for k in keys if k in self.model_info
                and not (k == "tjur_r2" and self.kind != "binary")]

    def _blocks(self):
        if isinstance(self.coefficients.index, pd.MultiIndex):
            return [(f"class {c}", self.coefficients.xs(c, level="class"))
                    for c in self.coefficients.index.get_level_values(0).unique()]
        return [("", self.coefficients)]

    def _headers(self, cols):
        pct = f"{self.level * 100:g}%"
        names = {"estimate": "estimate", "std_err": "std err", "z": "z", "pvalue": "P>|z|",
                 "ci_lower": f"[{pct}", "ci_upper": "CI]", "odds_ratio": "odds ratio",
                 "or_lower": f"[{pct}", "or_upper": "CI]"}
        return [names[c] for c in cols]

    def _text_table(self, block, title, width):
        numw = 12
        namew = max(4, min(max(len(str(i)) for i in block.index), width - numw * block.shape[1]))
        head = f"{title:<{namew}}" + "".join(f"{h:>{numw}}" for h in self._headers(block.columns))
        out = [head, "-" * min(width, len(head))]
        for name, row in zip(block.index, block.to_numpy()):
            name = str(name)
            if len(name) > namew:
                name = name[: namew - 1] + "~"
            cells = "".join(f"{_cell(v, c):>{numw}}" for v, c in zip(row, block.columns))
            out.append(f"{name:<{namew}}{cells}")
        return out


def _cell(v, col):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if col == "pvalue":
        return "<1e-16" if v < 1e-16 else f"{v:.4g}"
    if isinstance(v, float) and math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:.5g}" if abs(v) >= 1e-4 or v == 0 else f"{v:.3e}"


def _num(v):
    return html.escape(_cell(float(v), ""))


def _fmt_info(v):
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        if math.isnan(v):
            return "-"
        return f"{v:.4g}" if abs(v) < 1e-3 and v != 0 else f"{v:.6g}"
    return "-" if v is None else str(v)


_LABELS = {"nobs": "observations", "df_model": "df model", "df_resid": "df residuals", "loglike": "log-likelihood",
           "loglike_null": "null log-likelihood", "lr_chi2": "LR chi2", "lr_pvalue": "LR p-value",
           "deviance": "deviance", "aic": "AIC", "bic": "BIC", "mcfadden_r2": "McFadden R2",
           "nagelkerke_r2": "Nagelkerke R2", "tjur_r2": "Tjur R2", "n_iter": "iterations", "converged": "converged",
           "separation": "separation", "cov_type": "covariance", "ci_method": "intervals", "link": "link",
           "penalty": "penalty", "alpha": "alpha", "penalised_loglike": "penalised log-lik",
           "firth_correction": "Firth correction"}


def _label(key):
    return _LABELS.get(key, key)


def _wrap(text, width):
    import textwrap
    return textwrap.wrap(text, width=width, subsequent_indent="      ")


def _json(v):
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if math.isnan(v):
            return None
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    return v
