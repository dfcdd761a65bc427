"""Delta chi^2 thresholds of Wilks' theorem (the likelihoods are in
:mod:`upscatter.stats.likelihood`)."""

from __future__ import annotations

import numpy as np

from .._validate import as_float
from ..errors import ParameterError


def delta_chi2_threshold(cl: float = 0.9, dof: int = 1) -> float:
    """Delta chi^2 for a confidence level with ``dof`` parameters (2.706 for 90% CL, 1 dof;
    4.605 for 2 dof): the chi^2 quantile 2 P^-1(dof/2, cl), with P^-1 the inverse regularised
    lower incomplete gamma function (scipy.special; scipy.stats would cost ~0.6 s of imports)."""
    if isinstance(cl, (str, bytes)):
        raise ParameterError(f"cl must be a number in (0, 1), got the string {cl!r}")
    cl = as_float("cl", cl)
    if not 0.0 < cl < 1.0:
        raise ParameterError(f"cl (the confidence level) must be in (0, 1), got {cl}")
    if isinstance(dof, bool) or not isinstance(dof, (int, np.integer)) or dof < 1:
        raise ParameterError(f"dof (degrees of freedom) must be an integer >= 1, got {dof!r}")
    threshold = chi2_quantile(cl, dof)
    if not threshold > 0:  # cl so small that the quantile underflows: every coupling excluded
        raise ParameterError(
            f"confidence level {cl:g} is too small: the Delta chi^2 threshold is 0"
        )
    return threshold


def chi2_quantile(probability: float, dof: int) -> float:
    """Quantile of the chi^2 distribution with ``dof`` degrees of freedom (unchecked inputs):
    2 P^-1(dof/2, probability)."""
    from scipy.special import gammaincinv

    return float(2.0 * gammaincinv(0.5 * dof, probability))
