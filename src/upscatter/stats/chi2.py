"""Delta chi^2 thresholds of Wilks' theorem (the likelihoods are in
:mod:`upscatter.stats.likelihood`)."""

from __future__ import annotations

from scipy import stats as _scipy_stats

from ..errors import ParameterError


def delta_chi2_threshold(cl: float = 0.9, dof: int = 1) -> float:
    """Delta chi^2 for a confidence level with ``dof`` parameters (2.706 for 90% CL, 1 dof;
    4.605 for 2 dof), from the chi^2 quantile function of scipy.stats."""
    if isinstance(cl, bool) or not isinstance(cl, int | float) or not 0.0 < cl < 1.0:
        raise ParameterError(f"confidence level must be a number in (0, 1), got {cl!r}")
    if isinstance(dof, bool) or not isinstance(dof, int) or dof < 1:
        raise ParameterError(f"degrees of freedom must be >= 1, got {dof}")
    return float(_scipy_stats.chi2.ppf(cl, dof))
