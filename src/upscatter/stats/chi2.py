"""Chi-square functions of the papers, vectorised over many predictions at once.

* :class:`GaussianPullChi2` -- paper 000 Eq. (34) = paper 002 Eq. (13)::

      chi^2 = sum_i [(N_meas,i - N_th,i (1 + alpha) - B_on,i (1 + beta)) / sigma_i]^2
              + (alpha/sigma_alpha)^2 + (beta/sigma_beta)^2

  The pulls alpha and beta enter linearly, so they are profiled exactly by solving a 2x2 linear
  system for every prediction (no minimiser, no iteration).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as _scipy_stats

from ..errors import ParameterError


def delta_chi2_threshold(cl: float = 0.9, dof: int = 1) -> float:
    """Delta chi^2 for a confidence level with ``dof`` parameters (2.706 for 90% CL, 1 dof;
    4.605 for 2 dof), from the chi^2 quantile function of scipy.stats."""
    if not 0.0 < cl < 1.0:
        raise ParameterError(f"confidence level must be in (0, 1), got {cl}")
    if dof < 1:
        raise ParameterError(f"degrees of freedom must be >= 1, got {dof}")
    return float(_scipy_stats.chi2.ppf(cl, dof))


@dataclass(frozen=True)
class GaussianPullChi2:
    """Paper 000 Eq. (34) with the signal pull alpha and background pull beta profiled.

    Attributes
    ----------
    observed : numpy.ndarray
        N_meas per bin (beam-on coincidence minus anti-coincidence).
    sigma : numpy.ndarray
        Statistical uncertainty per bin, sqrt(N_meas + 2 B_SS + B_on).
    background : numpy.ndarray
        Beam-on background B_on per bin.
    sigma_alpha, sigma_beta : float
        Prior widths of the pulls (0.28 and 0.25 for CsI 2017).
    """

    observed: np.ndarray
    sigma: np.ndarray
    background: np.ndarray
    sigma_alpha: float
    sigma_beta: float

    def profile(self, predicted) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Minimum over (alpha, beta) for each prediction.

        Parameters
        ----------
        predicted : array_like
            N_th with shape (..., n_bins).

        Returns
        -------
        (chi2, alpha, beta) : arrays of shape (...)
        """
        n = np.asarray(predicted, dtype=float)
        w = 1.0 / self.sigma**2
        r = self.observed - n - self.background  # residual at alpha = beta = 0
        b = self.background
        # normal equations of the quadratic form in (alpha, beta)
        a11 = np.sum(n * n * w, axis=-1) + 1.0 / self.sigma_alpha**2
        a12 = np.sum(n * b * w, axis=-1)
        a22 = np.sum(b * b * w) + 1.0 / self.sigma_beta**2
        y1 = np.sum(n * r * w, axis=-1)
        y2 = np.sum(b * r * w, axis=-1)
        det = a11 * a22 - a12 * a12
        alpha = (y1 * a22 - y2 * a12) / det
        beta = (a11 * y2 - a12 * y1) / det
        res = r - alpha[..., None] * n - beta[..., None] * b
        chi2 = (
            np.sum(res * res * w, axis=-1)
            + (alpha / self.sigma_alpha) ** 2
            + (beta / self.sigma_beta) ** 2
        )
        return chi2, alpha, beta

    def __call__(self, predicted) -> np.ndarray:
        """Profiled chi^2 for predictions of shape (..., n_bins)."""
        return self.profile(predicted)[0]
