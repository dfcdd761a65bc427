"""2-D allowed regions of a quadratic coupling form (scans.allowed_region)."""

from __future__ import annotations

import numpy as np
import pytest

from upscatter.scans import allowed_region


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
