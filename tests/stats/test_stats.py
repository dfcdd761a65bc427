"""Statistics: thresholds, exact profiling of the Gaussian-pull chi^2 (paper 000 Eq. (34))."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from upscatter.errors import ParameterError
from upscatter.stats import delta_chi2_threshold, gaussian_pull_likelihood


def test_thresholds():
    """90% CL: 2.706 for 1 dof, 4.605 for 2 dof (physics-notes quotes 2.71 and 4.61)."""
    assert delta_chi2_threshold(0.9, 1) == pytest.approx(2.7055, abs=1e-4)
    assert delta_chi2_threshold(0.9, 2) == pytest.approx(4.6052, abs=1e-4)
    assert delta_chi2_threshold(0.6827, 1) == pytest.approx(1.0, abs=1e-3)
    for bad in ((1.2, 1), (0.9, 0)):
        with pytest.raises(ParameterError):
            delta_chi2_threshold(*bad)


@pytest.mark.parametrize(
    ("cl", "dof", "name"), [(1.2, 1, "cl"), (0.9, 0, "dof"), (0.9, 1.5, "dof")]
)
def test_threshold_errors_name_the_argument(cl, dof, name):
    """Session 7: the messages said 'confidence level' and 'degrees of freedom' only."""
    with pytest.raises(ParameterError, match=rf"^{name} "):
        delta_chi2_threshold(cl, dof)


def make(rng):
    n_bins = 12
    observed = rng.uniform(5, 40, n_bins)
    background = rng.uniform(0.1, 3, n_bins)
    sigma = np.sqrt(observed + 2 * rng.uniform(10, 50, n_bins) + background)
    return gaussian_pull_likelihood("csi-toy", observed, sigma, background, 0.28, 0.25)


def test_profile_equals_numerical_minimum():
    rng = np.random.default_rng(3)
    chi2 = make(rng)
    predicted = rng.uniform(2, 30, (4, 12))
    fit = chi2.profile(predicted)
    values, alphas, betas = fit.chi2, fit.values["alpha"], fit.values["beta"]
    for p, v, a, b in zip(predicted, values, alphas, betas, strict=True):

        def full(x, p=p):
            r = (chi2.observed - p * (1 + x[0]) - chi2.background * (1 + x[1])) / chi2.sigma
            return np.sum(r**2) + (x[0] / 0.28) ** 2 + (x[1] / 0.25) ** 2

        res = minimize(
            full,
            [0.0, 0.0],
            method="Nelder-Mead",
            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 4000},
        )
        assert v == pytest.approx(res.fun, rel=1e-7)
        assert [a, b] == pytest.approx(res.x, abs=1e-5)


def test_asimov_data_recover_the_injected_pull():
    """Data = (1 + 0.2) x prediction + background: alpha -> 0.2 as the prior is weak."""
    prediction = np.linspace(50, 10, 12)
    background = np.full(12, 2.0)
    observed = 1.2 * prediction + background
    chi2 = gaussian_pull_likelihood("toy", observed, np.sqrt(observed), background, 1e6, 1e6)
    fit = chi2.profile(prediction)
    value, alpha, beta = fit.chi2, fit.values["alpha"], fit.values["beta"]
    assert alpha == pytest.approx(0.2, abs=1e-9) and beta == pytest.approx(0.0, abs=1e-6)
    assert value == pytest.approx(0.0, abs=1e-12)
