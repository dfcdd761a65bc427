"""The Poisson chi^2 of paper 003 Eq. (20) (its profile: tests/test_likelihood.py)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from upscatter.stats.poisson import poisson_chi2


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
