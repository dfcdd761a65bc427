"""Likelihoods of the papers and the Delta chi^2 machinery."""

from __future__ import annotations

from .chi2 import GaussianPullChi2, delta_chi2_threshold
from .gaussian_shape import GaussianShapeChi2

__all__ = ["GaussianPullChi2", "GaussianShapeChi2", "delta_chi2_threshold"]
