"""Bounds on one coupling (scans.bound_from_basis, bounds_from_counts) against closed forms,
and 2-D allowed regions of a quadratic coupling form (scans.allowed_region)."""

from __future__ import annotations

import numpy as np
import pytest

from upscatter.scans import allowed_region, bound_from_basis, bounds_from_counts
from upscatter.stats.likelihood import gaussian_pull_likelihood


def _gaussian_chi2(observed, sigma):
    def chi2(pred):
        return np.sum(((np.asarray(pred) - observed) / sigma) ** 2, axis=-1)

    return chi2


@pytest.mark.parametrize("excess", [-3.0, 0.0, 4.0])
def test_bound_of_a_gaussian_bin_is_analytic(excess: float):
    """One Gaussian bin, chi^2 = (sm + g^4 K - n)^2 / sigma^2 with n = sm + excess. Without an
    excess the minimum is at g = 0 and the bound x = g^4 solves (x K - e)^2 - e^2 = t sigma^2;
    with an excess the minimum is interior (x K = e, chi^2 = 0) and x K = e + sqrt(t) sigma.
    Closed form; tolerance 1e-6 relative (the search's accuracy)."""
    sm, K, sigma, t = np.array([20.0]), np.array([[2.5]]), 3.0, 2.706
    chi2 = _gaussian_chi2(sm + excess, sigma)
    if excess > 0:
        x = (excess + np.sqrt(t) * sigma) / K[0, 0]
    else:
        x = (excess + np.sqrt(t * sigma**2 + excess**2)) / K[0, 0]
    assert bound_from_basis(sm, K, chi2, (4,), t) == pytest.approx(x**0.25, rel=1e-6)


def test_bound_with_two_coupling_powers_is_analytic():
    """Z'-like signal x K2 + x^2 K4 with x = g^2 (powers 2 and 4) in one Gaussian bin at the SM:
    the bound solves K4 x^2 + K2 x = sqrt(t) sigma (closed form; 1e-6 relative)."""
    sm, K, sigma, t = np.array([50.0]), np.array([[0.3, 2.0]]), 5.0, 2.706
    s = np.sqrt(t) * sigma
    x = (-K[0, 0] + np.sqrt(K[0, 0] ** 2 + 4 * K[0, 1] * s)) / (2 * K[0, 1])
    bound = bound_from_basis(sm, K, _gaussian_chi2(sm, sigma), (2, 4), t)
    assert bound == pytest.approx(np.sqrt(x), rel=1e-6)


def test_no_signal_or_no_sensitivity_gives_no_bound():
    """A zero basis has no bound; nor has a signal that cannot reach the threshold within the
    searched range (here chi^2 saturates below it)."""
    sm = np.array([10.0, 10.0])
    chi2 = _gaussian_chi2(sm, 1.0)
    assert np.isnan(bound_from_basis(sm, np.zeros((2, 1)), chi2, (4,), 2.706))

    def saturating(pred):
        return 2.0 * np.tanh(np.sum(np.asarray(pred) - sm, axis=-1))

    assert np.isnan(bound_from_basis(sm, np.ones((2, 1)), saturating, (4,), 2.706))


def test_batched_search_with_warm_starts_equals_one_at_a_time():
    """bounds_from_counts through a likelihood (prepared states, every mass point in one batch)
    gives the bounds of the chi^2 callable one mass point at a time (1e-6), for paper 000's
    Gaussian pull likelihood of 12 bins with signal and background nuisances."""
    rng = np.random.default_rng(7)
    n = 12
    observed = rng.uniform(10, 40, n)
    likelihood = gaussian_pull_likelihood(
        "toy", observed, np.sqrt(observed), rng.uniform(2, 8, n), 0.28, 0.25
    )
    sm = observed * rng.uniform(0.8, 1.2, n)
    K = rng.uniform(0, 1, (7, n, 2)) * np.geomspace(1e-3, 1e3, 7)[:, None, None]
    batched = bounds_from_counts(sm, K, (2, 4), 2.706, likelihood=likelihood)

    def chi2(pred):
        return likelihood.profile(pred).chi2

    single = [bound_from_basis(sm, k, chi2, (2, 4), 2.706) for k in K]
    np.testing.assert_allclose(batched, single, rtol=1e-6)


def test_region_edge_on_the_axes_is_analytic():
    """chi^2 = sum_b (N_b - obs_b)^2/sigma_b^2 with obs = SM and N = SM + c^T K c, K diagonal:
    on the x axis Delta chi^2 = x^4 sum_b K_b11^2/sigma_b^2, so the edge is at
    x = (t / sum K11^2/sigma^2)^(1/4). Grid resolution sets the tolerance (1%)."""
    rng = np.random.default_rng(0)
    n = 8
    sm = rng.uniform(10, 20, n)
    sigma = np.sqrt(sm)
    K = np.zeros((n, 2, 2))
    K[:, 0, 0] = rng.uniform(1, 3, n)
    K[:, 1, 1] = rng.uniform(0.2, 0.5, n)

    def chi2(pred):
        return np.sum(((pred - sm) / sigma) ** 2, axis=-1)

    t = 4.605
    x_edge = (t / np.sum(K[:, 0, 0] ** 2 / sigma**2)) ** 0.25
    y_edge = (t / np.sum(K[:, 1, 1] ** 2 / sigma**2)) ** 0.25
    grid = np.linspace(-3, 3, 601)
    region = allowed_region(sm, K, chi2, grid, grid, t, ("a", "b"))
    points = np.concatenate(region.boundary)
    assert points[:, 0].max() == pytest.approx(x_edge, rel=0.01)
    assert points[:, 1].max() == pytest.approx(y_edge, rel=0.01)
    assert points[:, 0].min() == pytest.approx(-x_edge, rel=0.01)
    payload = region.to_json()
    assert payload["names"] == ["a", "b"] and len(payload["boundary"]) >= 1


def test_interference_tilts_the_region():
    """An off-diagonal K (interference) makes c1 c2 < 0 cheaper: the region extends further
    along the anti-diagonal, the anti-correlation paper 002 Fig. 4 shows."""
    n = 4
    sm = np.full(n, 20.0)
    K = np.zeros((n, 2, 2))
    K[:, 0, 0] = K[:, 1, 1] = 1.0
    K[:, 0, 1] = K[:, 1, 0] = 0.8

    def chi2(pred):
        return np.sum((pred - sm) ** 2 / sm, axis=-1)

    grid = np.linspace(-4, 4, 401)
    region = allowed_region(sm, K, chi2, grid, grid, 4.605)
    pts = np.concatenate(region.boundary)
    along_anti = np.max(pts[:, 0] - pts[:, 1])
    along_diag = np.max(pts[:, 0] + pts[:, 1])
    assert along_anti > 1.5 * along_diag
