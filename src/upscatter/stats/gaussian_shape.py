"""Gaussian chi^2 with linear normalisation and shape nuisances, profiled exactly.

Paper 003 Eqs. (22)-(23) (COHERENT LAr 2020)::

    chi^2 = sum_b [(N_th,b - N_exp,b) / sigma_b]^2 + sum_k (beta_k / sigma_k)^2,

where every nuisance beta_k enters N_th linearly. Written per nuisance,

    N_th,b(beta) = S_b + B_b + sum_k beta_k (S_b r_kb + a_kb),

with S the signal prediction being scored, B the summed backgrounds, r_k a *relative* template
that multiplies the signal (beta_0: r = 1; the CEvNS shape terms of Eq. (24): r = Delta) and a_k
an *absolute* template independent of the signal (a background normalisation: a = N_bkg; a
background shape term: a = N_bkg Delta). chi^2 is then a quadratic form in beta, minimised exactly
by solving the K x K normal equations for every prediction at once (no minimiser, no iteration),
as :class:`upscatter.stats.chi2.GaussianPullChi2` does for two pulls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_array
from ..errors import ParameterError


@dataclass(frozen=True)
class GaussianShapeChi2:
    """Paper 003 Eq. (22) with all nuisances of Eq. (23) profiled by linear algebra.

    Attributes
    ----------
    observed : numpy.ndarray
        N_exp per bin, shape (n_bins,).
    sigma : numpy.ndarray
        Uncertainty per bin, shape (n_bins,), all positive (paper 003:
        sigma^2 = N_exp + N_SSB/5).
    background : numpy.ndarray
        Sum of the background predictions at beta = 0, shape (n_bins,).
    relative : numpy.ndarray
        Relative templates r_k multiplying the signal, shape (K, n_bins).
    absolute : numpy.ndarray
        Absolute templates a_k, shape (K, n_bins).
    widths : numpy.ndarray
        Prior width sigma_k of each nuisance, shape (K,); 1 for the unit-Gaussian shape
        nuisances of Eq. (22).
    """

    observed: np.ndarray
    sigma: np.ndarray
    background: np.ndarray
    relative: np.ndarray
    absolute: np.ndarray
    widths: np.ndarray

    def __post_init__(self) -> None:
        arrays = {
            "observed": as_array("observed counts", self.observed),
            "sigma": as_array("bin uncertainties", self.sigma, allow_zero=False),
            "background": as_array("background", self.background),
            "relative": as_array("relative templates", self.relative, allow_negative=True),
            "absolute": as_array("absolute templates", self.absolute, allow_negative=True),
            "widths": as_array("nuisance prior widths", self.widths, allow_zero=False),
        }
        bins = arrays["observed"].shape
        if len(bins) != 1 or any(arrays[k].shape != bins for k in ("sigma", "background")):
            raise ParameterError("observed, sigma and background must be 1-d of equal length")
        templates = (arrays["widths"].size, bins[0])
        if arrays["widths"].ndim != 1 or any(
            arrays[k].shape != templates for k in ("relative", "absolute")
        ):
            raise ParameterError(
                f"templates must have shape (n_nuisances, n_bins) = {templates}, got "
                f"{arrays['relative'].shape} and {arrays['absolute'].shape}"
            )
        for name, value in arrays.items():
            value = value.copy()
            value.flags.writeable = False
            object.__setattr__(self, name, value)

    @property
    def n_nuisances(self) -> int:
        """Number K of nuisance parameters."""
        return self.widths.size

    def profile(self, predicted) -> tuple[np.ndarray, np.ndarray]:
        """Minimum over the nuisances for each prediction.

        Parameters
        ----------
        predicted : array_like
            Signal predictions S with shape (..., n_bins).

        Returns
        -------
        (chi2, beta) : arrays of shapes (...) and (..., K)
        """
        s = as_array("predictions", predicted, allow_negative=True)
        if s.shape[-1:] != self.observed.shape:
            raise ParameterError(
                f"predictions must end with {self.observed.size} bins, got shape {s.shape}"
            )
        w = 1.0 / self.sigma**2
        jac = s[..., None, :] * self.relative + self.absolute  # (..., K, n_bins)
        resid = self.observed - s - self.background  # residual at beta = 0
        jw = jac * w
        normal = np.einsum("...kn,...ln->...kl", jw, jac) + np.diag(1.0 / self.widths**2)
        rhs = np.einsum("...kn,...n->...k", jw, resid)
        beta = np.linalg.solve(normal, rhs[..., None])[..., 0]
        final = resid - np.einsum("...k,...kn->...n", beta, jac)
        chi2 = np.sum(final * final * w, axis=-1) + np.sum((beta / self.widths) ** 2, axis=-1)
        return chi2, beta

    def __call__(self, predicted) -> np.ndarray:
        """Profiled chi^2 for predictions of shape (..., n_bins)."""
        return self.profile(predicted)[0]
