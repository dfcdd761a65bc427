"""Pion decay-at-rest neutrinos at a spallation source (SNS), paper 003 Eq. (13).

pi+ -> mu+ nu_mu gives a prompt line at E = (m_pi^2 - m_mu^2)/(2 m_pi) = 29.79 MeV; the muon
decay mu+ -> e+ nu_e nubar_mu gives the delayed Michel spectra, both ending at m_mu/2:

    dn/dE(nubar_mu) = 64 E^2/m_mu^3 (3/4 - E/m_mu),   dn/dE(nu_e) = 192 E^2/m_mu^3 (1/2 - E/m_mu).

The delayed spectra are polynomials in E (:data:`NU_E_POLYNOMIAL`, :data:`NUBAR_MU_POLYNOMIAL`),
so the folding engine integrates them in closed form.

Each flavour carries eta = r N_POT / (4 pi L^2) neutrinos per area (paper 003 below Eq. (13)).
"""

from __future__ import annotations

import numpy as np

from .._validate import as_float
from ..constants import M_MUON, M_PION_CHARGED
from ..errors import ParameterError
from ..units import m as metre
from .base import FluxComponent, Source
from .timing import DELAYED, PROMPT

PROMPT_ENERGY = (M_PION_CHARGED**2 - M_MUON**2) / (2.0 * M_PION_CHARGED)
"""Energy of the prompt nu_mu line (MeV), 29.79 MeV."""
DELAYED_E_MAX = M_MUON / 2.0
"""Endpoint of the delayed spectra (MeV), 52.83 MeV."""


NU_E_POLYNOMIAL = (0.0, 0.0, 96.0 / M_MUON**3, -192.0 / M_MUON**4)
"""Coefficients of E^0..E^3 of the nu_e spectrum on [0, m_mu/2] (MeV^-1-n)."""
NUBAR_MU_POLYNOMIAL = (0.0, 0.0, 48.0 / M_MUON**3, -64.0 / M_MUON**4)
"""Coefficients of E^0..E^3 of the nubar_mu spectrum on [0, m_mu/2] (MeV^-1-n)."""


def _michel(E, coefficients):
    """sum_n c_n E^n on [0, m_mu/2], zero outside (MeV^-1)."""
    E = np.asarray(E, dtype=float)
    inside = (E >= 0.0) & (E <= DELAYED_E_MAX)
    return np.where(inside, np.polynomial.polynomial.polyval(E, coefficients), 0.0)


def nu_e_shape(E):
    """Normalised nu_e spectrum from mu+ decay at rest (MeV^-1); zero outside [0, m_mu/2]."""
    return _michel(E, NU_E_POLYNOMIAL)


def nubar_mu_shape(E):
    """Normalised nubar_mu spectrum from mu+ decay at rest (MeV^-1); zero outside [0, m_mu/2]."""
    return _michel(E, NUBAR_MU_POLYNOMIAL)


def fluence_per_flavour(pot: float, nu_per_pot: float, distance: float) -> float:
    """eta = r N_POT / (4 pi L^2): neutrinos per area per flavour (MeV^2).

    Parameters
    ----------
    pot : float
        Protons on target.
    nu_per_pot : float
        Neutrinos of each flavour produced per proton (r).
    distance : float
        Source-detector distance (internal units; multiply metres by ``units.m``).
    """
    pot = as_float("protons on target", pot, allow_zero=False)
    nu_per_pot = as_float("neutrinos per POT", nu_per_pot, allow_zero=False)
    distance = as_float("distance", distance, allow_zero=False)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        eta = np.float64(nu_per_pot) * pot / (4.0 * np.pi * np.float64(distance) ** 2)
    if not (np.isfinite(eta) and eta > 0):
        raise ParameterError(
            f"the fluence r N_POT / (4 pi L^2) of pot = {pot:g}, nu_per_pot = {nu_per_pot:g}, "
            f"distance = {distance / metre:g} m is not a finite positive number"
        )
    return float(eta)


def stopped_pion_source(
    pot: float = 1.76e23, nu_per_pot: float = 0.08, distance: float = 19.3 * metre
) -> Source:
    """The three SNS flux components for an exposure.

    Defaults are COHERENT CsI 2017 (physics-notes: 1.76e23 POT, r = 0.08, L = 19.3 m).

    Returns
    -------
    Source
        Components ``nu_mu`` (prompt line), ``nubar_mu`` and ``nu_e`` (delayed).
    """
    eta = fluence_per_flavour(pot, nu_per_pot, distance)
    return Source(
        "sns",
        (
            FluxComponent(
                "nu_mu", eta, PROMPT_ENERGY, None, PROMPT_ENERGY, "prompt", time_profile=PROMPT
            ),
            FluxComponent(
                "nubar_mu",
                eta,
                DELAYED_E_MAX,
                nubar_mu_shape,
                0.0,
                "delayed",
                time_profile=DELAYED,
                polynomial=NUBAR_MU_POLYNOMIAL,
            ),
            FluxComponent(
                "nu_e",
                eta,
                DELAYED_E_MAX,
                nu_e_shape,
                0.0,
                "delayed",
                time_profile=DELAYED,
                polynomial=NU_E_POLYNOMIAL,
            ),
        ),
    )
