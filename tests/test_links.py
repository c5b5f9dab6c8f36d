"""Binary links (logit, probit, cloglog): derivatives, Fisher weights, inverse links, tails.

References: central finite differences of the module's own ``nll`` (step 1e-5, truncation error
O(h^2) ~ 1e-10 times the third derivative, round-off ~ eps / h ~ 1e-11, hence rtol 1e-6 with a
small atol), scipy's ``expit`` / ``ndtr`` for the inverse links, the closed form
1 - exp(-exp(eta)) for cloglog, and ``np.logaddexp`` for log1pexp.
"""
import warnings

import numpy as np
import pytest
from scipy import special

from logitlab._links import LINKS, get_link, log1mexp, log1pexp

LINK_NAMES = sorted(LINKS)
ETA = np.linspace(-8.0, 8.0, 41)
H = 1e-5


def _fd(f, x):
    return (f(x + H) - f(x - H)) / (2 * H)


@pytest.mark.parametrize("name", LINK_NAMES)
@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])  # 0.3: fractional y (grouped / soft labels)
def test_d1_d2_match_finite_differences(name, y):
    link = get_link(name)
    yv = np.full_like(ETA, y)
    np.testing.assert_allclose(link.d1(yv, ETA), _fd(lambda e: link.nll(yv, e), ETA), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(link.d2(yv, ETA), _fd(lambda e: link.d1(yv, e), ETA), rtol=1e-6, atol=1e-8)
    assert np.all(link.d2(yv, ETA) >= 0)  # the binomial nll is convex in eta for these links


@pytest.mark.parametrize("name", LINK_NAMES)
def test_nll_is_minus_log_likelihood(name):
    link = get_link(name)
    eta = ETA[ETA <= 3.0]  # the naive formula is exact only while 1 - mu is representable
    mu = link.inverse(eta)
    y = 0.3
    expected = -(y * np.log(mu) + (1 - y) * np.log1p(-mu))
    np.testing.assert_allclose(link.nll(np.full_like(eta, y), eta), expected, rtol=1e-10)


_DMU = {  # analytic mu'(eta): the logistic density, the normal density, the Gumbel-min density
    "logit": lambda e: special.expit(e) * special.expit(-e),
    "probit": lambda e: np.exp(-0.5 * e * e) / np.sqrt(2 * np.pi),
    "cloglog": lambda e: np.exp(e - np.exp(e)),
}


@pytest.mark.parametrize("name", LINK_NAMES)
def test_fisher_weight_is_its_definition(name):
    """Expected information weight mu'(eta)^2 / (mu (1 - mu)), where that is representable."""
    link = get_link(name)
    eta = np.linspace(-8.0, 2.5, 43)  # 1 - mu representable to full relative precision
    mu = link.inverse(eta)
    np.testing.assert_allclose(link.fisher_weight(eta), _DMU[name](eta) ** 2 / (mu * (1 - mu)), rtol=1e-9)
    # mu' itself against a finite difference of the inverse link (rtol 1e-6: FD truncation)
    np.testing.assert_allclose(_DMU[name](eta), _fd(link.inverse, eta), rtol=1e-6)
    # and it is the mean of the observed weight over y ~ Bernoulli(mu), also in the tails
    mu, one_minus_mu = np.exp(link.log_mu(ETA)), np.exp(link.log_1mmu(ETA))  # 1 - mu without rounding
    np.testing.assert_allclose(link.fisher_weight(ETA),
                               mu * link.d2(np.ones_like(ETA), ETA) + one_minus_mu * link.d2(np.zeros_like(ETA), ETA),
                               rtol=1e-9)


def test_inverse_links_match_scipy():
    eta = np.linspace(-30, 30, 121)
    np.testing.assert_allclose(get_link("logit").inverse(eta), special.expit(eta), rtol=1e-14)
    np.testing.assert_allclose(get_link("probit").inverse(eta), special.ndtr(eta), rtol=1e-14)
    np.testing.assert_allclose(get_link("cloglog").inverse(eta), -np.expm1(-np.exp(eta)), rtol=1e-14)
    # log-probabilities agree with the logs of the probabilities where those are representable
    for name in LINK_NAMES:
        link = get_link(name)
        e = np.linspace(-20, 2.5, 46)
        # atol 1e-15: log(mu) of a rounded mu near 1 is only accurate to ~eps in absolute terms
        np.testing.assert_allclose(link.log_mu(e), np.log(link.inverse(e)), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(link.log_1mmu(e), np.log1p(-link.inverse(e)), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", LINK_NAMES)
def test_no_overflow_or_invalid_for_huge_eta(name):
    link = get_link(name)
    eta = np.concatenate([-np.logspace(4, -3, 60), [0.0], np.logspace(-3, 4, 60)])  # [-1e4, 1e4]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
            for y in (0.0, 1.0, 0.5):
                yv = np.full_like(eta, y)
                outs = [link.nll(yv, eta), link.d1(yv, eta), link.d2(yv, eta), link.fisher_weight(eta),
                        link.inverse(eta), link.log_mu(eta), link.log_1mmu(eta)]
                for out in outs:
                    assert not np.any(np.isnan(out))
    # the correctly-predicted tail costs (almost) nothing, the wrong tail a finite amount
    assert link.nll(np.ones(1), np.array([1e4]))[0] == pytest.approx(0.0, abs=1e-300)
    assert np.isfinite(link.nll(np.zeros(1), np.array([1e4]))[0]) or name == "cloglog"
    assert np.isfinite(link.nll(np.ones(1), np.array([-1e4]))[0])


def test_probit_tail_values():
    # log Phi(-40) = -804.608... (scipy's log_ndtr is the reference); the nll must follow it
    link = get_link("probit")
    assert link.nll(np.ones(1), np.array([-40.0]))[0] == pytest.approx(-special.log_ndtr(-40.0), rel=1e-14)
    # d1 -> -eta and d2 -> 1 in the wrong tail (inverse Mills ratio asymptotics)
    assert link.d1(np.ones(1), np.array([-1e4]))[0] == pytest.approx(-1e4, rel=1e-6)
    assert link.d2(np.ones(1), np.array([-1e4]))[0] == pytest.approx(1.0, rel=1e-6)


def test_log1pexp_accuracy():
    x = np.concatenate([np.linspace(-800, 800, 3201), [-37.0, 18.0, 33.3, -36.9, 18.1, 33.4]])
    # np.logaddexp(0, x) = log(1 + e^x) computed stably by numpy: the independent reference
    np.testing.assert_allclose(log1pexp(x), np.logaddexp(0.0, x), rtol=1e-14, atol=0)


def test_log1mexp_accuracy():
    t = np.concatenate([np.logspace(-12, 2.5, 400), [np.log(2.0)]])
    # reference: log(-expm1(-t)) is accurate while 1 - e^-t is not close to 1 (t <= 11; relative
    # error <= eps / (1 - e^-t) / |log(1 - e^-t)| ~ 1e-11); beyond, the series
    # -(e^-t + e^-2t / 2 + e^-3t / 3), whose truncation error is e^-3t ~ 1e-14 relative.
    q = np.exp(-t)
    ref = np.where(t <= 11, np.log(-np.expm1(-np.minimum(t, 11))), -(q + q * q / 2 + q**3 / 3))
    np.testing.assert_allclose(log1mexp(t), ref, rtol=1e-10, atol=0)


def test_unknown_link_is_parameter_error():
    from logitlab import ParameterError

    with pytest.raises(ParameterError, match="unknown link 'tanh'"):
        get_link("tanh")
