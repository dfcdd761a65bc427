"""Likelihoods (one model for every form of the papers) and the Delta chi^2 machinery."""

from __future__ import annotations

from .chi2 import delta_chi2_threshold
from .likelihood import (
    FitResult,
    Likelihood,
    LinearGaussianLikelihood,
    Parameter,
    PoissonLikelihood,
    PseudoData,
    Pull,
    SumLikelihood,
    combine,
    gaussian_pull_likelihood,
    template_gaussian_likelihood,
)
from .poisson import poisson_chi2

__all__ = [
    "FitResult",
    "Likelihood",
    "LinearGaussianLikelihood",
    "Parameter",
    "PoissonLikelihood",
    "PseudoData",
    "Pull",
    "SumLikelihood",
    "combine",
    "delta_chi2_threshold",
    "gaussian_pull_likelihood",
    "poisson_chi2",
    "template_gaussian_likelihood",
]
