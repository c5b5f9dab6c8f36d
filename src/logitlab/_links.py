"""Binary link functions: stable inverse link, log-probabilities and their derivatives.

For a linear predictor ``eta`` and 0/1 outcome ``y`` each link gives the per-row negative
log-likelihood ``nll = -(y log mu + (1 - y) log(1 - mu))`` with ``mu = F(eta)``, and its first
and second derivatives in ``eta`` (the observed-information weights). Everything is computed
from log-probabilities (log1pexp, log_ndtr, log1mexp), never from ``log(mu)``, so linear
predictors up to 1e4 in magnitude give no overflow or invalid-value warnings.
"""
from __future__ import annotations

import numpy as np
from scipy import special

# exp(709.78) is the largest finite double; cloglog needs exp(eta), so eta is clipped there.
_EXP_MAX = 709.0


def log1pexp(x):
    """log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)): no overflow, accurate to a few ulp in
    both tails (numpy's logaddexp(0, x) computes the same but is about four times slower)."""
    x = np.asarray(x, dtype=float)
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def log1mexp(t):
    """log(1 - exp(-t)) for t > 0, accurate for small and large t (Maechler 2012)."""
    t = np.asarray(t, dtype=float)
    with np.errstate(divide="ignore"):
        return np.where(t <= np.log(2.0), np.log(-np.expm1(-t)), np.log1p(-np.exp(-t)))


def sigmoid(x):
    """The logistic function 1 / (1 + exp(-x)), overflow-free."""
    return special.expit(x)


class Link:
    """Base class: a binary link F mapping eta to mu = P(y = 1)."""

    name: str = ""

    def inverse(self, eta):
        return np.exp(self.log_mu(eta))

    def log_mu(self, eta):  # log F(eta)
        raise NotImplementedError

    def log_1mmu(self, eta):  # log(1 - F(eta))
        raise NotImplementedError

    def nll(self, y, eta):
        """Per-row negative log-likelihood; y may be fractional in [0, 1]."""
        y = np.asarray(y, dtype=float)
        # mask before multiplying: 0 * -inf would give nan (the xlogy convention 0 log 0 = 0)
        lm = np.where(y > 0, self.log_mu(eta), 0.0)
        l1m = np.where(y < 1, self.log_1mmu(eta), 0.0)
        return -(y * lm + (1 - y) * l1m)

    def d1(self, y, eta):
        """d nll / d eta."""
        raise NotImplementedError

    def d2(self, y, eta):
        """d^2 nll / d eta^2: observed-information weight (>= 0 for these links)."""
        raise NotImplementedError

    def dmu_deta(self, eta):
        """d mu / d eta (for marginal effects and expected information)."""
        return np.exp(self.log_dmu_deta(eta))

    def log_dmu_deta(self, eta):
        raise NotImplementedError

    def fisher_weight(self, eta):
        """Expected-information weight mu'(eta)^2 / (mu (1 - mu)), from logs (no underflow)."""
        log_w = 2 * self.log_dmu_deta(eta) - self.log_mu(eta) - self.log_1mmu(eta)
        return np.exp(np.minimum(log_w, _EXP_MAX))


class LogitLink(Link):
    name = "logit"

    def inverse(self, eta):
        return special.expit(eta)

    def log_mu(self, eta):
        return -log1pexp(-np.asarray(eta, dtype=float))

    def log_1mmu(self, eta):
        return -log1pexp(np.asarray(eta, dtype=float))

    def nll(self, y, eta):
        # for 0/1 y: log(1 + exp(-eta)) if y = 1 else log(1 + exp(eta)), accurate for tiny losses
        eta = np.asarray(eta, dtype=float)
        y = np.broadcast_to(np.asarray(y, dtype=float), eta.shape)
        out = np.atleast_1d(log1pexp(eta * (1.0 - 2.0 * y)))
        frac = (y > 0) & (y < 1)
        if frac.any():  # fractional outcomes: the general two-term form
            out[np.atleast_1d(frac)] = super().nll(y[frac], eta[frac])
        return out.reshape(eta.shape)

    def d1(self, y, eta):
        return special.expit(eta) - y

    @staticmethod
    def nll_d1_signed(z):
        """For 0/1 outcomes and z = (1 - 2 y) eta: the per-row loss log(1 + exp(z)) and
        sigmoid(z), with d nll / d eta = (1 - 2 y) sigmoid(z). One exp(-|z|) serves both (the
        large-n fused pass spends its arithmetic here); accurate in both tails."""
        a = np.exp(-np.abs(z))
        nll = np.maximum(z, 0.0)
        nll += np.log1p(a)
        a += 1.0
        sig = np.exp(np.minimum(z, 0.0))
        sig /= a
        return nll, sig

    def d2(self, y, eta):
        mu = special.expit(eta)
        return mu * (1.0 - mu)

    def dmu_deta(self, eta):
        mu = special.expit(eta)
        return mu * (1.0 - mu)

    def log_dmu_deta(self, eta):
        return self.log_mu(eta) + self.log_1mmu(eta)

    def fisher_weight(self, eta):
        return self.dmu_deta(eta)


class ProbitLink(Link):
    name = "probit"

    def inverse(self, eta):
        return special.ndtr(eta)

    def log_mu(self, eta):
        return special.log_ndtr(eta)

    def log_1mmu(self, eta):
        return special.log_ndtr(-np.asarray(eta, dtype=float))

    @staticmethod
    def _lam(x):
        """Inverse Mills ratio phi(x) / (1 - Phi(x)), stable in both tails."""
        x = np.asarray(x, dtype=float)
        return np.exp(-0.5 * x * x - 0.5 * np.log(2 * np.pi) - special.log_ndtr(-x))

    @classmethod
    def _dlam(cls, x):
        """lambda'(x) = lambda (lambda - x), in (0, 1); asymptotic series where it cancels."""
        x = np.asarray(x, dtype=float)
        lam = cls._lam(x)
        big = x > 30.0
        xb = np.where(big, x, 1.0)
        series = 1 - 1 / xb**2 + 6 / xb**4 - 50 / xb**6  # Abramowitz & Stegun 26.2.12 derived
        return np.where(big, series, lam * (lam - x))

    def d1(self, y, eta):
        eta = np.asarray(eta, dtype=float)
        return -y * self._lam(-eta) + (1 - y) * self._lam(eta)

    def d2(self, y, eta):
        eta = np.asarray(eta, dtype=float)
        return y * self._dlam(-eta) + (1 - y) * self._dlam(eta)

    def log_dmu_deta(self, eta):
        eta = np.asarray(eta, dtype=float)
        return -0.5 * eta * eta - 0.5 * np.log(2 * np.pi)


class CloglogLink(Link):
    """Complementary log-log: mu = 1 - exp(-exp(eta))."""

    name = "cloglog"

    @staticmethod
    def _t(eta):
        return np.exp(np.minimum(np.asarray(eta, dtype=float), _EXP_MAX))

    def inverse(self, eta):
        return -np.expm1(-self._t(eta))

    def log_mu(self, eta):
        eta = np.asarray(eta, dtype=float)
        # for eta << 0, log(1 - exp(-e^eta)) = eta - e^eta / 2 + O(e^(2 eta)); avoids log(0)
        tail = eta < -30.0
        t = self._t(np.where(tail, -30.0, eta))
        return np.where(tail, eta - 0.5 * np.exp(np.minimum(eta, -30.0)), log1mexp(t))

    def log_1mmu(self, eta):
        return -self._t(eta)

    @staticmethod
    def _t_over_expm1(t):
        # t / (e^t - 1): -> 1 as t -> 0, -> 0 as t -> inf; expm1 overflow avoided via exp(-t)
        ok = (t > 0) & (t < 700.0)
        ts = np.where(ok, t, 1.0)
        return np.where(ok, ts / np.expm1(ts), np.where(t > 0, 0.0, 1.0))

    def d1(self, y, eta):
        t = self._t(eta)
        return -y * self._t_over_expm1(t) + (1 - y) * t

    def d2(self, y, eta):
        t = self._t(eta)
        q = self._t_over_expm1(t)
        # d/deta [-t/(e^t-1)] = -q + q^2 e^t = -q + q * t / (1 - e^-t)
        with np.errstate(divide="ignore", invalid="ignore"):
            one_minus = -np.expm1(-t)
            second = np.where(t > 1e-8, q * t / np.where(t > 1e-8, one_minus, 1.0), 1.0)
        return y * (second - q) + (1 - y) * t

    def log_dmu_deta(self, eta):
        eta = np.minimum(np.asarray(eta, dtype=float), _EXP_MAX)
        return eta - np.exp(eta)


LINKS = {cls.name: cls for cls in (LogitLink, ProbitLink, CloglogLink)}


def get_link(name) -> Link:
    if isinstance(name, Link):
        return name
    from ._errors import ParameterError

    if name not in LINKS:
        raise ParameterError(f"unknown link {name!r}; choose one of {sorted(LINKS)}")
    return LINKS[name]()
