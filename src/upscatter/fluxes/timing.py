"""Arrival times of stopped-pion neutrinos at a spallation source (paper 003 Eq. (15)).

The protons hit the target in a pulse taken as a Gaussian of mean ``mean`` and standard deviation
``sigma``. The prompt nu_mu come from pi+ -> mu+ nu_mu, one pion lifetime tau_pi after the proton;
the delayed nu_e and nubar_mu from the mu+ decay that follows, after a pion and a muon lifetime
(physics-notes "Paper 003": prompt = pulse convolved with the pi+ decay, delayed = that convolved
with the mu+ decay; the flight time is common to all neutrinos and absorbed in ``mean``).

In closed form, with E_tau the Gaussian convolved with the exponential of mean tau (an
exponentially modified Gaussian) and u = t - mean:

* prompt:  f(u) = E_tau_pi(u);
* delayed: the decay-time density of a pion then a muon decay is
  (exp(-s/tau_mu) - exp(-s/tau_pi)) / (tau_mu - tau_pi), so
  f(u) = (tau_mu E_tau_mu(u) - tau_pi E_tau_pi(u)) / (tau_mu - tau_pi).

The same combination holds for the cumulative distributions. Times are in internal units
(multiply microseconds by ``units.us``); densities are per internal time unit and normalised to 1
over all times.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import erfcx, log_ndtr, ndtr

from .._validate import as_array, as_float, lookup
from ..constants import TAU_MUON_US, TAU_PION_US
from ..errors import ParameterError
from ..units import us

TAU_PION = TAU_PION_US * us
"""pi+ lifetime (internal units), 26.033 ns (PDG 2022, :data:`upscatter.constants.TAU_PION_US`)."""
TAU_MUON = TAU_MUON_US * us
"""mu+ lifetime (internal units), 2.1969811 us (PDG 2022,
:data:`upscatter.constants.TAU_MUON_US`)."""


def _emg_pdf(u: np.ndarray, sigma: float, tau: float) -> np.ndarray:
    """Density of Gaussian(0, sigma) convolved with the exponential of mean tau, at u.

    Written with erfcx where sigma/tau - u/sigma >= 0 and directly elsewhere, so that neither
    branch over- or underflows. All arguments in the same time unit; the result per that unit.
    """
    z = sigma / tau - u / sigma
    left = 0.5 / tau * erfcx(np.maximum(z, 0.0) / np.sqrt(2.0)) * np.exp(-0.5 * (u / sigma) ** 2)
    exponent = np.minimum(-u / tau + 0.5 * (sigma / tau) ** 2, 0.0)
    right = np.exp(exponent) * ndtr(-z) / tau
    return np.where(z >= 0.0, left, right)


def _emg_cdf(u: np.ndarray, sigma: float, tau: float) -> np.ndarray:
    """Cumulative distribution of the same convolution at u (dimensionless); the exponential tail
    term is evaluated in log space so that it never overflows."""
    z = u / sigma
    tail = -u / tau + 0.5 * (sigma / tau) ** 2 + log_ndtr(z - sigma / tau)
    return ndtr(z) - np.exp(tail)


def _arrival(
    kernel: Callable[[np.ndarray, float, float], np.ndarray],
    t,
    delayed: bool,
    mean: float,
    sigma: float,
) -> np.ndarray:
    """``kernel`` (density or CDF of one exponential) combined for the prompt or delayed decays."""
    mean = as_float("pulse mean", mean, allow_negative=True)
    sigma = as_float("pulse width", sigma, allow_zero=False)
    u = as_array("arrival time", t, allow_negative=True) - mean
    prompt = kernel(u, sigma, TAU_PION)
    if not delayed:
        return prompt
    muon = kernel(u, sigma, TAU_MUON)
    return (TAU_MUON * muon - TAU_PION * prompt) / (TAU_MUON - TAU_PION)


def arrival_time_pdf(t, delayed: bool, mean: float, sigma: float) -> np.ndarray:
    """Arrival-time density of stopped-pion neutrinos.

    Parameters
    ----------
    t : array_like
        Arrival times (internal units: microseconds times ``units.us``).
    delayed : bool
        False for the prompt nu_mu (pulse convolved with the pi+ decay), True for the delayed
        nu_e and nubar_mu (also convolved with the mu+ decay).
    mean : float
        Mean of the Gaussian proton pulse (internal time units; any sign).
    sigma : float
        Standard deviation of the pulse (internal time units, > 0).

    Returns
    -------
    numpy.ndarray
        Density per internal time unit, shape of ``t``, normalised to 1 over all times.

    Raises
    ------
    ParameterError
        Non-finite times or pulse mean, or a width that is not positive.
    """
    return _arrival(_emg_pdf, t, delayed, mean, sigma)


def arrival_time_cdf(t, delayed: bool, mean: float, sigma: float) -> np.ndarray:
    """Fraction of the neutrinos arriving before ``t``: the integral of :func:`arrival_time_pdf`.

    Parameters
    ----------
    t : array_like
        Times (internal units).
    delayed, mean, sigma
        As for :func:`arrival_time_pdf` (pulse mean and width in internal time units).

    Returns
    -------
    numpy.ndarray
        Dimensionless, in [0, 1], shape of ``t``.
    """
    return _arrival(_emg_cdf, t, delayed, mean, sigma)


def arrival_time_fractions(edges, delayed: bool, mean: float, sigma: float) -> np.ndarray:
    """Fraction of the arrival-time distribution in each time bin, normalised to unity over
    [edges[0], edges[-1]] (paper 003 Eq. (15): time PDFs normalised over the analysis window).

    Parameters
    ----------
    edges : array_like
        Increasing time-bin edges (internal units), at least two.
    delayed, mean, sigma
        As for :func:`arrival_time_pdf` (pulse mean and width in internal time units).

    Returns
    -------
    numpy.ndarray
        Dimensionless fractions, one per bin, summing to 1.

    Raises
    ------
    ParameterError
        Edges not increasing, or a window that (numerically) no neutrino reaches.
    """
    edges = as_array("time-bin edges", edges, allow_negative=True)
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ParameterError("time-bin edges must be increasing, at least two")
    cdf = arrival_time_cdf(edges, delayed, mean, sigma)
    inside = cdf[-1] - cdf[0]
    if not inside > 0:
        raise ParameterError("no neutrino arrives inside the time window")
    return np.diff(cdf) / inside


@dataclass(frozen=True)
class ArrivalTime:
    """The arrival-time profile of one flux component of a pulsed stopped-pion source.

    A flux component carries its profile (:attr:`upscatter.fluxes.base.FluxComponent.time_profile`)
    so an experiment with a timing analysis asks the component for its distribution instead of
    testing its label. The profile fixes the shape (prompt: pulse convolved with the pi+ decay;
    delayed: also with the mu+ decay, module notes); the proton pulse (mean, width) belongs to the
    beam and the detector's time reference, and is given by the experiment.

    Attributes
    ----------
    name : str
        ``"prompt"`` (nu_mu from pi+ decay) or ``"delayed"`` (nu_e and nubar_mu from mu+ decay).
    """

    name: str

    def __post_init__(self) -> None:
        lookup("arrival-time profile", {"prompt": False, "delayed": True}, self.name)

    @property
    def delayed(self) -> bool:
        """True for the delayed (mu+ decay) profile."""
        return self.name == "delayed"

    def pdf(self, t, mean: float, sigma: float) -> np.ndarray:
        """Density per internal time unit at ``t``: :func:`arrival_time_pdf`."""
        return arrival_time_pdf(t, self.delayed, mean, sigma)

    def cdf(self, t, mean: float, sigma: float) -> np.ndarray:
        """Fraction arriving before ``t``: :func:`arrival_time_cdf`."""
        return arrival_time_cdf(t, self.delayed, mean, sigma)

    def fractions(self, edges, mean: float, sigma: float) -> np.ndarray:
        """Fractions per time bin over ``edges``: :func:`arrival_time_fractions`."""
        return arrival_time_fractions(edges, self.delayed, mean, sigma)


PROMPT = ArrivalTime("prompt")
"""Profile of the prompt nu_mu (pi+ -> mu+ nu_mu)."""
DELAYED = ArrivalTime("delayed")
"""Profile of the delayed nu_e and nubar_mu (mu+ -> e+ nu_e nubar_mu)."""
