"""The Poisson pull chi^2 of paper 003 Eq. (20) and its iminuit profile."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.optimize import minimize

from upscatter.errors import ParameterError
from upscatter.stats.poisson import Nuisance, PoissonPullChi2, poisson_chi2


def test_chi2_is_twice_the_log_likelihood_ratio_to_the_saturated_model():
    """2 sum [N_th - N + N ln(N/N_th)] = -2 ln L(N_th) + 2 ln L(N) for Poisson L (to 1e-10)."""
    rng = np.random.default_rng(7)
    observed = rng.poisson(8.0, 40).astype(float)
    expected = rng.uniform(2.0, 15.0, 40)
    reference = -2 * np.sum(
        stats.poisson.logpmf(observed, expected) - stats.poisson.logpmf(observed, observed)
    )
    assert poisson_chi2(observed, expected) == pytest.approx(reference, rel=1e-10)


def test_chi2_limits():
    """Zero at N_th = N_exp; an empty bin contributes 2 N_th; N_th = 0 < N_exp is impossible."""
    n = np.array([3.0, 0.0, 7.0])
    assert poisson_chi2(n, n + np.array([0, 0, 0])) == pytest.approx(0.0, abs=1e-12)
    assert poisson_chi2([0.0], [2.5]) == pytest.approx(5.0)
    assert poisson_chi2([1.0, 2.0], [0.0, 2.0]) == np.inf
    assert poisson_chi2(np.ones((4, 3)), np.ones((4, 3))).shape == (4,)


def _toy():
    """N_th = (1 + a) s + (1 + b) bkg x shift(c): two priors and one free bounded parameter."""
    x = np.linspace(0.0, 1.0, 20)
    signal = 30.0 * np.exp(-3 * x)
    background = np.full(20, 5.0)

    def model(alpha):
        a, b, c = alpha
        return (1 + a) * signal * np.exp(c * x) + (1 + b) * background

    def jacobian(alpha):
        a, _b, c = alpha
        shape = signal * np.exp(c * x)
        return model(alpha), np.stack([shape, background, (1 + a) * x * shape])

    nuisances = (
        Nuisance("a", 0.1, (-1.0, None)),
        Nuisance("b", 0.2, (-1.0, None)),
        Nuisance("c", None, (-2.0, 2.0)),
    )
    return model, jacobian, nuisances


def test_profile_equals_a_direct_minimisation():
    """MIGRAD with the analytic Jacobian reaches scipy's Nelder-Mead minimum (chi^2 to 1e-4)."""
    model, jacobian, nuisances = _toy()
    observed = np.random.default_rng(1).poisson(model([0.05, -0.1, 0.4])).astype(float)
    chi2 = PoissonPullChi2(observed, nuisances)

    def full(alpha):
        return chi2(model(alpha), alpha)

    reference = minimize(full, [0, 0, 0], method="Nelder-Mead", options={"fatol": 1e-10})
    analytic = chi2.profile(jacobian=jacobian)
    numeric = chi2.profile(model=model)
    assert analytic.valid and numeric.valid
    assert analytic.chi2 == pytest.approx(reference.fun, abs=1e-4)
    assert numeric.chi2 == pytest.approx(reference.fun, abs=1e-4)
    assert list(analytic.values.values()) == pytest.approx(reference.x, abs=2e-3)
    assert analytic.nfcn < numeric.nfcn


def test_asimov_data_recover_the_injected_free_parameter():
    """Data = N_th(0, 0, 0.7) exactly: c = 0.7 is recovered and chi^2 = 0 (priors at 0).

    MIGRAD stops at an estimated distance to the minimum below 2e-5, i.e. within about 0.5% of
    a standard deviation of c (here ~0.1): tolerance 1e-3 on c, 1e-4 on chi^2."""
    model, jacobian, nuisances = _toy()
    chi2 = PoissonPullChi2(model([0.0, 0.0, 0.7]), nuisances)
    fit = chi2.profile(jacobian=jacobian)
    assert fit.values["c"] == pytest.approx(0.7, abs=1e-3)
    assert fit.chi2 == pytest.approx(0.0, abs=1e-4)


def test_bounds_hold():
    """A free parameter pushed beyond its bound stops at the bound."""
    model, jacobian, nuisances = _toy()
    chi2 = PoissonPullChi2(model([0.0, 0.0, 3.0]), nuisances)
    assert chi2.profile(jacobian=jacobian).values["c"] == pytest.approx(2.0, abs=1e-3)


def test_bad_input():
    _, _, nuisances = _toy()
    with pytest.raises(ParameterError):
        PoissonPullChi2(np.array([1.0, -1.0]), nuisances)
    with pytest.raises(ParameterError):
        PoissonPullChi2(np.array([1.0, np.nan]), nuisances)
    with pytest.raises(ParameterError):
        PoissonPullChi2(np.ones(3), (Nuisance("a", 0.0),))
    with pytest.raises(ParameterError):
        PoissonPullChi2(np.ones(3), nuisances).profile()
