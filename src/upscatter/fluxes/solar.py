"""Solar 8B and hep neutrinos at Earth: spectra, normalisations and MSW-LMA flavour composition.

Spectra (data set ``solar_bahcall``, Bahcall's public tables): ``B8.dat`` (Bahcall et al., Phys.
Rev. C 54, 411 (1996): best estimate and the spectra +-3 "effective standard deviations" away,
0.02 MeV steps) and ``hep.dat`` (to 18.8 MeV). Both are interpolated linearly between the table
points and renormalised to unit integral (the tables integrate to 1 within 3e-5). A shape shift
s (in units of the table's sigma, ``|s| <= 3``) interpolates linearly in sigma between the central
column and the +3 sigma (s > 0) or -3 sigma (s < 0) column:
``phi_s = phi_0 + |s|/3 (phi_{+-3} - phi_0)``. The table's "+3 sigma" column is the softer spectrum
(mean energy 6.63 MeV against 6.735 MeV for the best estimate).

Normalisations: 8B from SNO's neutral-current measurement, 5.25 +- 0.20 x 10^6 cm^-2 s^-1 (SNO,
Phys. Rev. C 88, 025501 (2013), combined three-phase analysis) by default, or the prediction of
a standard solar model of ``Flux.dat`` (BP2000, BP2004, BS2005 = BS05(AGS,OP), GS98 and AGS09 of
Serenelli et al., ApJ 743, 24 (2011)); hep from a solar model (default GS98, 8.04 x 10^3
cm^-2 s^-1): it has not been measured.

Flavour at Earth (docs/solar.md): three-flavour adiabatic MSW in the LMA regime. A nu_e produced
where the electron density is n_e leaves the Sun as the incoherent mixture of mass eigenstates

    P_1 = cos^2(th13) cos^2(th12_m),  P_2 = cos^2(th13) sin^2(th12_m),  P_3 = sin^2(th13),

with the matter angle of the effective two-flavour problem at density n_e cos^2(th13):

    cos(2 th12_m) = (cos 2th12 - b) / sqrt((cos 2th12 - b)^2 + sin^2 2th12),
    b = 2 sqrt(2) G_F n_e cos^2(th13) E / Delta m^2_21,

and arrives as nu_alpha with probability ``P_ea = sum_i P_i |U_ai|^2`` (PMNS matrix U, standard
parametrisation). For alpha = e this is P_ee = cos^4(th13) P_2nu + sin^4(th13), P_2nu =
1/2 + 1/2 cos 2th12 cos 2th12_m. P_i is averaged over the production region of each flux with
the BS05 electron densities and production fractions (``dist_BS05_GS.dat`` / ``_AGS.dat``; the
column order is the one of ``dist_README.md``, not the one listed in the data set's SOURCE.md).
For theta_13 -> 0 the non-nu_e part splits as nu_mu : nu_tau = cos^2(th23) : sin^2(th23).
Neglected: Earth matter (the day-night asymmetry of 8B is -3%, so the time-averaged P_ee is
raised by about 1.5%), non-adiabatic corrections (below 1e-3 for LMA) and any time dependence.

Oscillation parameters: NuFIT 6.0 (I. Esteban et al., JHEP 12 (2024) 216, arXiv:2410.05380),
normal ordering, analysis with Super-Kamiokande atmospheric data (IC24 with SK-atm).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

import numpy as np

from .. import data
from .._validate import as_array, as_float, lookup
from ..constants import AVOGADRO, G_FERMI
from ..errors import DataError, ParameterError
from ..flavours import NEUTRINOS
from ..units import cm, cm2, eV, s, year
from .base import FluxComponent, Source

DATASET = "solar_bahcall"

SPECTRUM_FILES: dict[str, str] = {"B8": "B8.dat", "hep": "hep.dat"}
"""Spectrum table of each solar flux in the ``solar_bahcall`` data set."""
FLUXES: tuple[str, ...] = tuple(SPECTRUM_FILES)
"""Solar fluxes this module provides."""

B8_FLUX_SNO = 5.25e6 / (cm2 * s)
"""8B flux from SNO's neutral current, 5.25 x 10^6 cm^-2 s^-1 (SNO, PRC 88, 025501 (2013))."""
B8_FLUX_SNO_UNCERTAINTY = 0.20e6 / (cm2 * s)
"""Its 1-sigma uncertainty, 0.20 x 10^6 cm^-2 s^-1 (statistical and systematic combined)."""

SSM_MODELS: tuple[str, ...] = ("BP2000", "BP2004", "BS2005", "GS98", "AGS09")
"""Solar models of ``Flux.dat``, in the order of its rows (BS2005 is BS05(AGS,OP); GS98 and
AGS09 are Serenelli et al., ApJ 743, 24 (2011))."""
_FLUX_COLUMNS = ("pp", "pep", "hep", "Be7", "B8", "N13", "O15", "F17")
_FLUX_UNIT = 1.0e10 / (cm2 * s)

SOLAR_PROFILES: dict[str, str] = {"BS05-GS": "dist_BS05_GS.dat", "BS05-AGS": "dist_BS05_AGS.dat"}
"""Production-profile tables: BS05(OP) (GS98 composition) and BS05(AGS,OP)."""
_PROFILE_COLUMNS = {"pp": 5, "B8": 6, "N13": 7, "O15": 8, "F17": 9, "Be7": 10, "pep": 11, "hep": 12}
"""0-based column of each flux's production fraction in the profile tables (dist_README.md)."""

MAX_SHAPE_SHIFT = 3.0
"""The B8 table's shape variations are +-3 sigma; shifts beyond are not defined."""


@dataclass(frozen=True)
class OscillationParameters:
    """Three-flavour oscillation parameters entering the solar flavour composition.

    Attributes
    ----------
    sin2_theta12, sin2_theta13, sin2_theta23 : float
        sin^2 of the mixing angles.
    delta_cp : float
        Dirac CP phase (degrees).
    dm2_21 : float
        Delta m^2_21 in internal units (MeV^2; multiply eV^2 by ``units.eV**2``).
    name : str
        Where the values come from.
    """

    sin2_theta12: float
    sin2_theta13: float
    sin2_theta23: float
    delta_cp: float
    dm2_21: float
    name: str = ""

    def __post_init__(self) -> None:
        for field in ("sin2_theta12", "sin2_theta13", "sin2_theta23"):
            value = as_float(field, getattr(self, field))
            if not 0.0 <= value <= 1.0:
                raise ParameterError(f"{field} must lie in [0, 1], got {value:g}")
            object.__setattr__(self, field, value)
        object.__setattr__(
            self, "delta_cp", as_float("delta_cp", self.delta_cp, allow_negative=True)
        )
        object.__setattr__(self, "dm2_21", as_float("dm2_21", self.dm2_21, allow_zero=False))

    def pmns_squared(self) -> np.ndarray:
        """``|U_ai|^2`` (rows e, mu, tau; columns 1, 2, 3), standard parametrisation (PDG)."""
        s12, s13, s23 = (
            np.sqrt(x) for x in (self.sin2_theta12, self.sin2_theta13, self.sin2_theta23)
        )
        c12, c13, c23 = (
            np.sqrt(1.0 - x) for x in (self.sin2_theta12, self.sin2_theta13, self.sin2_theta23)
        )
        phase = np.exp(1j * np.deg2rad(self.delta_cp))
        u = np.array(
            [
                [c12 * c13, s12 * c13, s13 / phase],
                [
                    -s12 * c23 - c12 * s23 * s13 * phase,
                    c12 * c23 - s12 * s23 * s13 * phase,
                    s23 * c13,
                ],
                [
                    s12 * s23 - c12 * c23 * s13 * phase,
                    -c12 * s23 - s12 * c23 * s13 * phase,
                    c23 * c13,
                ],
            ]
        )
        return np.abs(u) ** 2


NUFIT_6_0 = OscillationParameters(
    sin2_theta12=0.308,
    sin2_theta13=0.02215,
    sin2_theta23=0.470,
    delta_cp=212.0,
    dm2_21=7.49e-5 * eV**2,
    name="NuFIT 6.0 (2024), normal ordering, with SK atmospheric data",
)
"""NuFIT 6.0 best fit, normal ordering, IC24 with SK-atm (JHEP 12 (2024) 216): sin^2 th12 =
0.308 +0.012 -0.011, sin^2 th13 = 0.02215 +0.00056 -0.00058, sin^2 th23 = 0.470 +0.017 -0.013,
delta_CP = 212 deg, Delta m^2_21 = 7.49 +- 0.19 x 10^-5 eV^2."""


# --- tables -------------------------------------------------------------------------------------


def _frozen(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    for arr in arrays:
        arr.flags.writeable = False
    return arrays


def check_flux(flux: str) -> str:
    """``flux`` if it is one of :data:`FLUXES`, else a ParameterError listing them."""
    lookup("solar flux", SPECTRUM_FILES, flux)
    return flux


def spectrum_table(flux: str) -> tuple[np.ndarray, np.ndarray]:
    """Energies (MeV) and densities (MeV^-1, one column per shape variation) of a spectrum table.

    For B8 the density has three columns (best, +3 sigma, -3 sigma), for hep one. A point at
    E = 0 with zero density is prepended where the table starts above 0. Arrays are read-only.
    """
    return _spectrum_table(check_flux(flux))


@cache
def _spectrum_table(flux: str) -> tuple[np.ndarray, np.ndarray]:
    table = data.load_text(DATASET, SPECTRUM_FILES[flux])
    energy, density = table[:, 0], table[:, 1:]
    if energy[0] > 0:
        energy = np.concatenate([[0.0], energy])
        density = np.vstack([np.zeros((1, density.shape[1])), density])
    return _frozen(energy * 1.0, density * 1.0)


@cache
def ssm_fluxes() -> Mapping[str, Mapping[str, tuple[float, float]]]:
    """Flux (internal units) and fractional 1-sigma uncertainty of every flux and solar model
    in ``Flux.dat`` (read-only): ``ssm_fluxes()["GS98"]["B8"] == (flux, uncertainty)``."""
    table = np.atleast_2d(data.load_text(DATASET, "Flux.dat", comments="#"))
    if table.shape != (len(SSM_MODELS), 2 * len(_FLUX_COLUMNS)):
        raise DataError(f"{DATASET}/Flux.dat: expected {len(SSM_MODELS)} rows of 16 numbers")
    return MappingProxyType(
        {
            model: MappingProxyType(
                {
                    name: (float(row[2 * k] * _FLUX_UNIT), float(row[2 * k + 1]))
                    for k, name in enumerate(_FLUX_COLUMNS)
                }
            )
            for model, row in zip(SSM_MODELS, table, strict=True)
        }
    )


def check_solar_model(solar_model: str) -> str:
    """``solar_model`` if it is a key of :data:`SOLAR_PROFILES`, else a ParameterError."""
    lookup("solar model profile", SOLAR_PROFILES, solar_model)
    return solar_model


def production_profile(flux: str, solar_model: str = "BS05-GS") -> tuple[np.ndarray, np.ndarray]:
    """Electron density (MeV^3) of each shell of the solar model and the fraction of ``flux``
    produced in it (summing to 1). Arrays are read-only."""
    return _production_profile(check_flux(flux), check_solar_model(solar_model))


@cache
def _production_profile(flux: str, solar_model: str) -> tuple[np.ndarray, np.ndarray]:
    column = _PROFILE_COLUMNS[flux]
    table = data.load_text(DATASET, SOLAR_PROFILES[solar_model])
    n_e = 10.0 ** table[:, 2] * AVOGADRO / cm**3
    fraction = table[:, column] / np.sum(table[:, column])
    return _frozen(n_e, fraction)


# --- spectra ------------------------------------------------------------------------------------


def check_shape_shift(b8_shape_shift: float) -> float:
    """The 8B shape shift in units of the table's sigma, checked to lie in [-3, 3]."""
    shift = as_float("b8_shape_shift", b8_shape_shift, allow_negative=True)
    if abs(shift) > MAX_SHAPE_SHIFT:
        raise ParameterError(
            f"b8_shape_shift must lie in [-3, 3] (the 8B table's +-3 sigma spectra), got {shift:g}"
        )
    return shift


def _tabulated_spectrum(flux: str, b8_shape_shift: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Table energies and the (shifted) density on them, normalised to unit trapezoid integral
    (the exact integral of the linear interpolant)."""
    energy, density = spectrum_table(flux)
    shift = check_shape_shift(b8_shape_shift)
    if density.shape[1] == 1:
        if shift != 0.0:
            raise ParameterError(f"a shape shift exists only for B8, not for {flux}")
        values = density[:, 0]
    else:
        edge = density[:, 1] if shift > 0 else density[:, 2]
        values = density[:, 0] + abs(shift) / MAX_SHAPE_SHIFT * (edge - density[:, 0])
    return energy, values / np.trapezoid(values, energy)


def spectrum(E, flux: str = "B8", b8_shape_shift: float = 0.0) -> np.ndarray:
    """Normalised emission spectrum dn/dE of a solar flux (MeV^-1).

    Parameters
    ----------
    E : array_like
        Neutrino energy (MeV).
    flux : str
        ``"B8"`` or ``"hep"``.
    b8_shape_shift : float
        8B shape variation in units of the table's sigma, in [-3, 3] (0 for hep).

    Returns
    -------
    numpy.ndarray
        Linear interpolation of the table, unit integral, zero outside the table.
    """
    energy, values = _tabulated_spectrum(flux, b8_shape_shift)
    return np.interp(np.asarray(E, dtype=float), energy, values, left=0.0, right=0.0)


def endpoint(flux: str = "B8", b8_shape_shift: float = 0.0) -> float:
    """Largest energy with a non-zero density (MeV): the table point after the last non-zero
    entry, where the interpolated spectrum reaches zero."""
    energy, values = _tabulated_spectrum(flux, b8_shape_shift)
    last = int(np.flatnonzero(values > 0)[-1])
    return float(energy[min(last + 1, energy.size - 1)])


# --- flavour composition ------------------------------------------------------------------------


def _check_oscillation(oscillation) -> OscillationParameters:
    if not isinstance(oscillation, OscillationParameters):
        raise ParameterError(
            f"oscillation must be an OscillationParameters (e.g. NUFIT_6_0), got {oscillation!r}"
        )
    return oscillation


def mass_state_fractions(
    E, flux: str = "B8", oscillation: OscillationParameters = NUFIT_6_0, solar_model="BS05-GS"
) -> np.ndarray:
    """Probabilities P_1, P_2, P_3 that a nu_e of ``flux`` leaves the Sun as mass eigenstate i,
    averaged over its production region (adiabatic MSW, module docstring).

    Returns
    -------
    numpy.ndarray
        Shape E.shape + (3,); the three entries sum to 1.
    """
    osc = _check_oscillation(oscillation)
    E = as_array("neutrino energy", E)
    n_e, fraction = production_profile(flux, solar_model)
    cos2_13 = 1.0 - osc.sin2_theta13
    cos_2th = 1.0 - 2.0 * osc.sin2_theta12
    sin2_2th = 1.0 - cos_2th**2
    keep = fraction > 0
    b = 2.0 * np.sqrt(2.0) * G_FERMI * cos2_13 / osc.dm2_21 * np.multiply.outer(E, n_e[keep])
    cos_2th_m = (cos_2th - b) / np.sqrt((cos_2th - b) ** 2 + sin2_2th)
    cos2_m = 0.5 * (1.0 + cos_2th_m) @ fraction[keep]
    return np.stack(
        [cos2_13 * cos2_m, cos2_13 * (1.0 - cos2_m), np.full(E.shape, osc.sin2_theta13)], -1
    )


def flavour_probabilities(
    E, flux: str = "B8", oscillation: OscillationParameters = NUFIT_6_0, solar_model="BS05-GS"
) -> dict[str, np.ndarray]:
    """P(nu_e -> nu_alpha) at Earth for alpha = e, mu, tau: ``sum_i P_i |U_ai|^2``.

    Parameters
    ----------
    E : array_like
        Neutrino energy (MeV), >= 0.
    flux : str
        ``"B8"`` or ``"hep"`` (selects the production region).
    oscillation : OscillationParameters
        Default :data:`NUFIT_6_0`.
    solar_model : str
        Production profile, ``"BS05-GS"`` (default) or ``"BS05-AGS"``.

    Returns
    -------
    dict of str to numpy.ndarray
        ``{"nu_e": P_ee, "nu_mu": P_emu, "nu_tau": P_etau}``, each of the shape of E, summing
        to 1.
    """
    fractions = mass_state_fractions(E, flux, oscillation, solar_model)
    probabilities = fractions @ oscillation.pmns_squared().T
    return {flavour: probabilities[..., k] for k, flavour in enumerate(NEUTRINOS)}


def survival_probability(
    E, flux: str = "B8", oscillation: OscillationParameters = NUFIT_6_0, solar_model="BS05-GS"
) -> np.ndarray:
    """P_ee(E) of solar nu_e at Earth, averaged over the production region of ``flux``:
    cos^4(th13) P_2nu(n_e cos^2 th13) + sin^4(th13) (module docstring)."""
    return flavour_probabilities(E, flux, oscillation, solar_model)["nu_e"]


# --- the source ---------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TabulatedShape:
    """A normalised spectrum given on a grid, linearly interpolated, zero outside (MeV^-1).

    A module-level callable (not a closure) so that sources pickle for process executors.
    """

    energy: np.ndarray
    density: np.ndarray

    def __call__(self, E) -> np.ndarray:
        return np.interp(np.asarray(E, dtype=float), self.energy, self.density, left=0.0, right=0.0)


def resolve_normalisation(flux: str, normalisation) -> float:
    """Total flux (internal units) of ``flux`` for a normalisation option.

    ``"sno-nc"`` (8B only: :data:`B8_FLUX_SNO`), a solar model of :data:`SSM_MODELS`, or a
    positive number (internal units: multiply cm^-2 s^-1 by ``1 / (units.cm2 * units.s)``).
    """
    check_flux(flux)
    if isinstance(normalisation, str):
        if normalisation == "sno-nc":
            if flux != "B8":
                raise ParameterError(f"'sno-nc' normalises only B8, not {flux}")
            return B8_FLUX_SNO
        return lookup(
            f"{flux} normalisation (solar model or 'sno-nc')", ssm_fluxes(), normalisation
        )[flux][0]
    return as_float(f"{flux} normalisation", normalisation, allow_zero=False)


@cache
def _table_probabilities(flux, oscillation, solar_model) -> dict[str, np.ndarray]:
    """Flavour probabilities on the energies of the spectrum table (all nu_e without
    oscillations), cached and read-only: every shape shift of a flux shares them."""
    energy, _ = spectrum_table(flux)
    if oscillation is None:
        probabilities = {"nu_e": np.ones_like(energy)}
    else:
        probabilities = flavour_probabilities(energy, flux, oscillation, solar_model)
    _frozen(*probabilities.values())
    return probabilities


def _flux_components(flux, total_flux, exposure_time, b8_shape_shift, oscillation, solar_model):
    energy, values = _tabulated_spectrum(flux, b8_shape_shift)
    e_max = endpoint(flux, b8_shape_shift)
    probabilities = _table_probabilities(flux, oscillation, solar_model)
    components = []
    for flavour, probability in probabilities.items():
        weighted = values * probability
        mean_probability = np.trapezoid(weighted, energy)
        if mean_probability <= 0:
            continue
        shape = TabulatedShape(*_frozen(energy, weighted / mean_probability))
        fluence = total_flux * exposure_time * mean_probability
        components.append(FluxComponent(flavour, fluence, e_max, shape, 0.0, flux))
    return components


def solar_source(
    fluxes: Sequence[str] = ("B8", "hep"),
    exposure_time: float = 1.0 * year,
    b8_normalisation: str | float = "sno-nc",
    hep_normalisation: str | float = "GS98",
    b8_shape_shift: float = 0.0,
    oscillation: OscillationParameters | None = NUFIT_6_0,
    solar_model: str = "BS05-GS",
) -> Source:
    """Solar neutrinos at Earth over an exposure, per flux and flavour.

    Parameters
    ----------
    fluxes : sequence of str
        Fluxes to include, among :data:`FLUXES` (``"B8"``, ``"hep"``).
    exposure_time : float
        Live time (internal units; multiply years by ``units.year``), positive.
    b8_normalisation, hep_normalisation : str or float
        ``"sno-nc"`` (8B only; 5.25 x 10^6 cm^-2 s^-1), a solar model of :data:`SSM_MODELS`,
        or the flux in internal units.
    b8_shape_shift : float
        8B spectral shape variation in units of the table's sigma, in [-3, 3].
    oscillation : OscillationParameters or None
        Oscillation parameters (default :data:`NUFIT_6_0`); ``None`` for no oscillations (all
        nu_e).
    solar_model : str
        Production profile used to average the MSW probability, ``"BS05-GS"`` or ``"BS05-AGS"``.

    Returns
    -------
    Source
        ``"solar"``: for each flux (component label ``"B8"``/``"hep"``) one continuous component
        per flavour nu_e, nu_mu, nu_tau with fluence Phi t <P_ea> (MeV^2; <P_ea> the
        spectrum-averaged probability) and shape dn/dE P_ea / <P_ea>, so the flavours of a flux
        add up to Phi t with the emission spectrum.
    """
    if isinstance(fluxes, str):
        fluxes = (fluxes,)
    if not isinstance(fluxes, Sequence) or not fluxes:
        raise ParameterError(
            f"fluxes must name at least one of {', '.join(FLUXES)}, got {fluxes!r}"
        )
    fluxes = tuple(check_flux(flux) for flux in fluxes)
    if len(set(fluxes)) != len(fluxes):
        raise ParameterError(f"fluxes must not repeat a name, got {fluxes}")
    exposure_time = as_float("exposure time", exposure_time, allow_zero=False)
    check_shape_shift(b8_shape_shift)
    check_solar_model(solar_model)
    if oscillation is not None:
        _check_oscillation(oscillation)
    normalisations: Mapping[str, str | float] = {"B8": b8_normalisation, "hep": hep_normalisation}
    components = []
    for flux in fluxes:
        total = resolve_normalisation(flux, normalisations[flux])
        shift = b8_shape_shift if flux == "B8" else 0.0
        components += _flux_components(flux, total, exposure_time, shift, oscillation, solar_model)
    return Source("solar", tuple(components))


__all__ = [
    "B8_FLUX_SNO",
    "B8_FLUX_SNO_UNCERTAINTY",
    "FLUXES",
    "MAX_SHAPE_SHIFT",
    "NUFIT_6_0",
    "SOLAR_PROFILES",
    "SSM_MODELS",
    "OscillationParameters",
    "TabulatedShape",
    "check_flux",
    "check_shape_shift",
    "check_solar_model",
    "endpoint",
    "flavour_probabilities",
    "mass_state_fractions",
    "production_profile",
    "resolve_normalisation",
    "solar_source",
    "spectrum",
    "spectrum_table",
    "ssm_fluxes",
    "survival_probability",
]
