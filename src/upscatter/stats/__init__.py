"""Likelihoods of the papers and the Delta chi^2 machinery."""

from __future__ import annotations

from .chi2 import GaussianPullChi2, delta_chi2_threshold
from .gaussian_shape import GaussianShapeChi2
from .poisson import PoissonPullChi2, poisson_chi2

__all__ = [
    "GaussianPullChi2",
    "GaussianShapeChi2",
    "PoissonPullChi2",
    "delta_chi2_threshold",
    "poisson_chi2",
]
