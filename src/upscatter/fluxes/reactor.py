"""Reactor electron antineutrinos from thermal power, fission fractions and energy per fission.

A reactor of thermal power P burns f_i of its fissions in isotope i (235U, 239Pu, 238U, 241Pu),
each releasing E_i, so it undergoes R = P / sum_i f_i E_i fissions per unit time and emits

    dN/dE = R sum_i f_i S_i(E)

nubar_e per unit time and energy, S_i being the spectrum per fission of isotope i. At distance L
the fluence over a live time t is R t int(sum_i f_i S_i) / (4 pi L^2), with the normalised shape
sum_i f_i S_i / int(sum_i f_i S_i) (paper 002 Sec. IV, "reactor flux calculated in Refs. [53,
54]"; physics-notes "Future experiments"). Oscillations over 17 m are negligible and ignored.

Spectra per fission S_i (MeV^-1 fission^-1), two models selected by ``spectrum``:

``"bestiole2023"`` (default): the BESTIOLE summation-method spectra of Perisse et al., Phys. Rev.
C 108, 055501 (2023), arXiv:2304.14992 (ancillary tables; data set ``reactor_bestiole2023``),
all four isotopes from 0 to 12.5 MeV, tabulated at the centres of 25 keV bins. Between bin
centres S is interpolated linearly in S, and in the half bins [0, 12.5 keV] and [12.4875, 12.5]
MeV it is held at the first and last tabulated value; this reading conserves the table's total,
int_0^12.5 S dE = sum x 25 keV exactly (the integrals quoted with the data set: 235U 6.08,
238U 7.16, 239Pu 5.50, 241Pu 6.26 per fission). Linear interpolation in log S (the choice for
the 0.25 MeV Huber grid) would differ from it by 3e-5 in the integral above 1.8 MeV, but loses
0.1% of the total below 0.2 MeV, where the summation spectra rise from zero and are not smooth
on the 25 keV scale; above 12.5 MeV S = 0. The summation method covers the whole spectrum, so
no extrapolation is needed below 2 MeV or above 8 MeV. The neutron-capture spectra
238U(n,gamma)239U -> 239Np (``bestiole_u239.txt``, ``bestiole_np239.txt``) are not added: they
end at 1.26 MeV, below the 1.80 MeV needed for any germanium recoil above 0.1 keV, so they
change no CONUS number (docs/physics-decisions.md,
"Reactor antineutrino spectrum").

``"huber-mueller"`` (the spectrum of paper 002's reactor projections, Refs. [53, 54]):

* 235U, 239Pu, 241Pu: the Huber (2011) tables (Phys. Rev. C 84, 024617, arXiv:1106.0687;
  data set ``reactor_huber2011``), 2-8 MeV in 0.25 MeV steps, interpolated linearly in log S.
* 238U: the Mueller et al. (2011) fit (Phys. Rev. C 83, 054615), S = exp(sum_k a_k E^k) with the
  coefficients of physics-notes.
* Below 2 MeV (where the Huber tables stop but recoils above 0.1 keV in germanium still receive
  antineutrinos down to about 1.8 MeV): the exponential of a fifth-order polynomial (the form of
  Huber's and Mueller's own fits) is fitted to each table by least squares in log S, weighted by
  the table's total fractional uncertainty, and its shape is continued below 2 MeV, scaled to the
  table value at 2 MeV so the spectrum is continuous. Fits of order 3 and 5 and Huber's
  published coefficients agree to about 1.5% at 1.8 MeV but by 10% at 1.5 MeV, so the spectrum
  is not defined below :data:`EXTRAPOLATION_LIMIT` = 1.5 MeV (docs/physics-decisions.md,
  "Reactor flux and future experiments"); above 8 MeV it is zero.

:data:`SPECTRUM_RANGE` gives the energy range of each model.

Defaults (physics-notes): 3.9 GW thermal, 17 m, five years of live time (future CONUS, paper 002
Sec. IV); fission fractions 235U 0.564, 239Pu 0.304, 238U 0.076, 241Pu 0.056; energies per
fission 202.36, 211.12, 205.99, 214.26 MeV (Ma et al., Phys. Rev. C 88, 014605 (2013)).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, partial

import numpy as np

from .. import data
from .._validate import as_float, lookup
from ..errors import ParameterError
from ..units import GW, MeV, year
from ..units import m as metre
from .base import FluxComponent, Source

SPECTRUM_MODELS: tuple[str, ...] = ("bestiole2023", "huber-mueller")
"""Reactor spectrum models: BESTIOLE 2023 summation, Huber 2011 + Mueller 2011 conversion."""
DEFAULT_SPECTRUM = "bestiole2023"
"""The library default (physically right over the whole range); paper 002 reproductions pass
``"huber-mueller"``."""

DATASET = "reactor_huber2011"
HUBER_FILES: dict[str, str] = {
    "U235": "U235-anti-neutrino-flux-250keV.dat",
    "Pu239": "Pu239-anti-neutrino-flux-250keV.dat",
    "Pu241": "Pu241-anti-neutrino-flux-250keV.dat",
}
"""Huber (2011) table of each isotope in the ``reactor_huber2011`` data set."""

MUELLER_U238: tuple[float, ...] = (0.4833, 0.1927, -0.1283, -0.006762, 0.002233, -0.0001536)
"""Mueller et al. (2011) 238U fit, S = exp(sum_k a_k (E/MeV)^k) per MeV per fission, k = 0..5."""

BESTIOLE_DATASET = "reactor_bestiole2023"
BESTIOLE_FILES: dict[str, str] = {
    "U235": "bestiole_u235.txt",
    "Pu239": "bestiole_pu239.txt",
    "U238": "bestiole_u238.txt",
    "Pu241": "bestiole_pu241.txt",
}
"""BESTIOLE 2023 table of each fissioning isotope in the ``reactor_bestiole2023`` data set."""
BESTIOLE_E_MAX = 12.5 * MeV
"""Upper edge of the last BESTIOLE bin: the end of that spectrum (MeV)."""

ISOTOPES: tuple[str, ...] = ("U235", "Pu239", "U238", "Pu241")

FISSION_FRACTIONS: dict[str, float] = {"U235": 0.564, "Pu239": 0.304, "U238": 0.076, "Pu241": 0.056}
"""Typical fission fractions (physics-notes)."""

ENERGY_PER_FISSION: dict[str, float] = {
    "U235": 202.36 * MeV,
    "Pu239": 211.12 * MeV,
    "U238": 205.99 * MeV,
    "Pu241": 214.26 * MeV,
}
"""Energy released per fission, MeV (Ma et al. 2013, as quoted in physics-notes)."""

TABLE_E_MIN = 2.0 * MeV
"""First energy of the Huber tables (MeV)."""
TABLE_E_MAX = 8.0 * MeV
"""Last energy of the Huber tables, and the end of the Huber-Mueller spectrum (MeV)."""
EXTRAPOLATION_LIMIT = 1.5 * MeV
"""Lowest energy down to which the fitted shape is continued below the tables (MeV)."""
DEFAULT_E_MIN = 1.8 * MeV
"""Default lower end of the source (MeV): enough for 0.1 keV germanium recoils (physics-notes)."""
SPECTRUM_RANGE: dict[str, tuple[float, float]] = {
    "bestiole2023": (0.0, BESTIOLE_E_MAX),
    "huber-mueller": (EXTRAPOLATION_LIMIT, TABLE_E_MAX),
}
"""Energy range (MeV) on which each spectrum model is defined; outside it S = 0."""
SOURCE_E_MIN: dict[str, float] = {"bestiole2023": 0.0, "huber-mueller": DEFAULT_E_MIN}
"""Default lower end of a reactor source (MeV): the whole BESTIOLE spectrum, 1.8 MeV for
Huber-Mueller."""
FIT_ORDER = 5
"""Order of the polynomial in the exponent of the low-energy continuation."""

_SEGMENT_NODES = 8


@cache
def huber_table(isotope: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Energies (MeV), spectrum per fission (MeV^-1) and total fractional 1-sigma uncertainty
    (mean of the table's -/+ columns) of a Huber (2011) table. Arrays are read-only."""
    filename = lookup("Huber-tabulated isotope", HUBER_FILES, isotope)
    table = data.load_text(DATASET, filename, comments="#")
    energy, value = table[:, 0] * MeV, table[:, 1]
    error = 0.5 * (np.abs(table[:, 12]) + np.abs(table[:, 13]))
    for arr in (energy, value, error):
        arr.flags.writeable = False
    return energy, value, error


@cache
def low_energy_fit(isotope: str) -> np.ndarray:
    """Coefficients a_0..a_5 of log S = sum_k a_k (E/MeV)^k fitted to the Huber table of
    ``isotope``, weighted by its fractional uncertainty (used only below 2 MeV)."""
    energy, value, error = huber_table(isotope)
    coef = np.polynomial.polynomial.polyfit(energy / MeV, np.log(value), FIT_ORDER, w=1.0 / error)
    coef.flags.writeable = False
    return coef


def _exp_poly(coef, E):
    return np.exp(np.polynomial.polynomial.polyval(np.asarray(E, dtype=float) / MeV, coef))


def _mueller_u238(E: np.ndarray) -> np.ndarray:
    return _exp_poly(MUELLER_U238, E)


def _huber(isotope: str, E: np.ndarray) -> np.ndarray:
    """Huber table interpolated in log S; below 2 MeV the fitted shape, scaled to the table."""
    energy, table, _ = huber_table(isotope)
    coef = low_energy_fit(isotope)
    tabulated = np.exp(np.interp(E, energy, np.log(table)))
    below = table[0] * _exp_poly(coef, E) / _exp_poly(coef, energy[0])
    return np.where(E < energy[0], below, tabulated)


@cache
def bestiole_table(isotope: str) -> tuple[np.ndarray, np.ndarray]:
    """Bin centres (MeV) and spectrum per fission (MeV^-1) of a BESTIOLE 2023 table (read-only
    arrays; 500 bins of 25 keV from 0 to 12.5 MeV)."""
    filename = lookup("BESTIOLE isotope", BESTIOLE_FILES, isotope)
    table = data.load_text(BESTIOLE_DATASET, filename, comments="#", delimiter=",")
    energy, value = table[:, 0] * MeV, table[:, 1]
    for arr in (energy, value):
        arr.flags.writeable = False
    return energy, value


def _bestiole(isotope: str, E: np.ndarray) -> np.ndarray:
    """BESTIOLE table interpolated linearly between bin centres, held at the end values in the
    outer half bins (np.interp's end behaviour)."""
    energy, table = bestiole_table(isotope)
    return np.interp(E, energy, table)


_SPECTRA = {
    "bestiole2023": {iso: partial(_bestiole, iso) for iso in ISOTOPES},
    "huber-mueller": {
        "U235": partial(_huber, "U235"),
        "Pu239": partial(_huber, "Pu239"),
        "U238": _mueller_u238,
        "Pu241": partial(_huber, "Pu241"),
    },
}


def check_spectrum(spectrum: str) -> str:
    """The validated spectrum model name (one of :data:`SPECTRUM_MODELS`)."""
    lookup("reactor spectrum", SPECTRUM_RANGE, spectrum)
    return spectrum


def isotope_spectrum(isotope: str, E, spectrum: str = DEFAULT_SPECTRUM) -> np.ndarray:
    """Antineutrinos per fission and per energy of one fissioning isotope.

    Parameters
    ----------
    isotope : str
        ``"U235"``, ``"Pu239"``, ``"U238"`` or ``"Pu241"``.
    E : array_like
        Antineutrino energy (MeV).
    spectrum : str
        ``"bestiole2023"`` (default; BESTIOLE 2023 summation tables) or ``"huber-mueller"``
        (Huber 2011 tables for 235U, 239Pu, 241Pu, Mueller 2011 fit for 238U).

    Returns
    -------
    numpy.ndarray
        S(E) in MeV^-1 per fission, shape of E; zero outside ``SPECTRUM_RANGE[spectrum]``
        ([0, 12.5] MeV for BESTIOLE, [1.5, 8] MeV for Huber-Mueller, where between 1.5 and
        2 MeV the Huber isotopes use the fitted shape described in the module docstring).
    """
    lo, hi = lookup("reactor spectrum", SPECTRUM_RANGE, spectrum)
    model = lookup("reactor isotope", _SPECTRA[spectrum], isotope)
    E = np.asarray(E, dtype=float)
    inside = (E >= lo) & (E <= hi)
    return np.where(inside, model(np.clip(E, lo, hi)), 0.0)


def _isotope_values(name: str, values: Mapping[str, float]) -> dict[str, float]:
    """Validated {isotope: number} (isotopes among :data:`ISOTOPES`, numbers finite, >= 0)."""
    if not isinstance(values, Mapping):
        raise ParameterError(f"{name} must map isotope names to numbers, got {values!r}")
    unknown = sorted(set(values) - set(ISOTOPES))
    if unknown:
        raise ParameterError(
            f"{name}: unknown isotope(s) {', '.join(map(str, unknown))}; "
            f"known: {', '.join(ISOTOPES)}"
        )
    return {iso: as_float(f"{name}[{iso}]", value) for iso, value in values.items()}


def check_fission_fractions(fractions: Mapping[str, float] | None = None) -> dict[str, float]:
    """Fission fractions of all four isotopes (default :data:`FISSION_FRACTIONS`).

    Isotopes missing from ``fractions`` count as 0; the fractions must be non-negative and sum
    to 1 within 1e-3.
    """
    if fractions is None:
        return dict(FISSION_FRACTIONS)
    given = _isotope_values("fission fractions", fractions)
    checked = {iso: given.get(iso, 0.0) for iso in ISOTOPES}
    total = sum(checked.values())
    if abs(total - 1.0) > 1e-3:
        raise ParameterError(f"fission fractions must sum to 1, got {total:.6g}")
    return checked


def check_energies_per_fission(energies: Mapping[str, float] | None = None) -> dict[str, float]:
    """Energy per fission (MeV) of all four isotopes: :data:`ENERGY_PER_FISSION` overridden by
    the entries of ``energies``, each positive."""
    given = _isotope_values("energies per fission", energies or {})
    for iso, value in given.items():
        as_float(f"energies per fission[{iso}]", value, allow_zero=False)
    return {**ENERGY_PER_FISSION, **given}


def spectrum_per_fission(
    E,
    fission_fractions: Mapping[str, float] | None = None,
    spectrum: str = DEFAULT_SPECTRUM,
) -> np.ndarray:
    """sum_i f_i S_i(E): antineutrinos per fission per energy of the reactor fuel (MeV^-1).

    Parameters
    ----------
    E : array_like
        Antineutrino energy (MeV).
    fission_fractions : mapping, optional
        f_i by isotope name (default :data:`FISSION_FRACTIONS`).
    spectrum : str
        Spectrum model, one of :data:`SPECTRUM_MODELS` (see :func:`isotope_spectrum`).
    """
    fractions = check_fission_fractions(fission_fractions)
    E = np.asarray(E, dtype=float)
    return sum(
        (f * isotope_spectrum(iso, E, spectrum) for iso, f in fractions.items() if f > 0),
        start=np.zeros(E.shape),
    )


def mean_energy_per_fission(
    fission_fractions: Mapping[str, float] | None = None,
    energies_per_fission: Mapping[str, float] | None = None,
) -> float:
    """sum_i f_i E_i, the thermal energy released per fission (MeV)."""
    fractions = check_fission_fractions(fission_fractions)
    energies = check_energies_per_fission(energies_per_fission)
    return float(sum(f * energies[iso] for iso, f in fractions.items()))


def fission_rate(
    thermal_power: float = 3.9 * GW,
    fission_fractions: Mapping[str, float] | None = None,
    energies_per_fission: Mapping[str, float] | None = None,
) -> float:
    """Fissions per unit time, R = P / sum_i f_i E_i.

    Parameters
    ----------
    thermal_power : float
        Thermal power in internal units (multiply gigawatts by ``units.GW``).

    Returns
    -------
    float
        Fissions per internal time unit (MeV); multiply by ``units.s`` for fissions per second.
    """
    power = as_float("thermal power", thermal_power, allow_zero=False)
    return power / mean_energy_per_fission(fission_fractions, energies_per_fission)


def _knots(spectrum: str) -> np.ndarray:
    """Energies (MeV) where the interpolated spectrum has kinks: the table nodes (the four
    BESTIOLE tables share one grid of bin centres)."""
    if spectrum == "bestiole2023":
        return np.asarray(bestiole_table("U235")[0])
    return np.arange(TABLE_E_MIN, TABLE_E_MAX + 0.125 * MeV, 0.25 * MeV)


def _segment_quadrature(e_min: float, e_max: float, spectrum: str) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on [e_min, e_max], split at the table energies, where
    the interpolated spectra have kinks (between them it is smooth: exact for BESTIOLE's linear
    pieces, an exponential for Huber's log-linear ones)."""
    knots = _knots(spectrum)
    points = np.unique(np.concatenate([[e_min, e_max], knots[(knots > e_min) & (knots < e_max)]]))
    x, w = np.polynomial.legendre.leggauss(_SEGMENT_NODES)
    a, b = points[:-1, None], points[1:, None]
    nodes = a + 0.5 * (b - a) * (x + 1.0)
    weights = 0.5 * (b - a) * w
    return nodes.ravel(), weights.ravel()


def antineutrinos_per_fission(
    e_min: float | None = None,
    e_max: float | None = None,
    fission_fractions: Mapping[str, float] | None = None,
    spectrum: str = DEFAULT_SPECTRUM,
) -> float:
    """int_{e_min}^{e_max} sum_i f_i S_i(E) dE: antineutrinos per fission in an energy range.

    Parameters
    ----------
    e_min, e_max : float, optional
        Energy range (MeV), within ``SPECTRUM_RANGE[spectrum]``; by default
        ``SOURCE_E_MIN[spectrum]`` and the end of the spectrum.
    fission_fractions : mapping, optional
        f_i by isotope name (default :data:`FISSION_FRACTIONS`).
    spectrum : str
        Spectrum model, one of :data:`SPECTRUM_MODELS`.
    """
    e_min, e_max = _check_range(e_min, e_max, spectrum)
    nodes, weights = _segment_quadrature(e_min, e_max, spectrum)
    return float(np.sum(weights * spectrum_per_fission(nodes, fission_fractions, spectrum)))


def _check_range(e_min: float | None, e_max: float | None, spectrum: str) -> tuple[float, float]:
    """Validated (e_min, e_max) within the range of ``spectrum``; None means the default."""
    lo, hi = lookup("reactor spectrum", SPECTRUM_RANGE, spectrum)
    e_min = SOURCE_E_MIN[spectrum] if e_min is None else as_float("reactor e_min", e_min)
    e_max = hi if e_max is None else as_float("reactor e_max", e_max)
    if not lo <= e_min < e_max <= hi:
        raise ParameterError(
            f"the {spectrum} reactor spectrum range must satisfy {lo / MeV:g} MeV <= e_min "
            f"< e_max <= {hi / MeV:g} MeV; got e_min = {e_min / MeV:g} MeV, e_max = "
            f"{e_max / MeV:g} MeV"
        )
    return e_min, e_max


@dataclass(frozen=True)
class ReactorShape:
    """Normalised spectrum sum_i f_i S_i(E) / norm on [e_min, e_max], zero outside (MeV^-1).

    A module-level callable (not a closure) so that sources pickle for process executors.

    Attributes
    ----------
    fission_fractions : tuple of (str, float)
        f_i by isotope.
    e_min, e_max : float
        Energy range (MeV).
    norm : float
        int_{e_min}^{e_max} sum_i f_i S_i dE (antineutrinos per fission).
    spectrum : str
        Spectrum model, one of :data:`SPECTRUM_MODELS`.
    """

    fission_fractions: tuple[tuple[str, float], ...]
    e_min: float
    e_max: float
    norm: float
    spectrum: str = DEFAULT_SPECTRUM

    def __call__(self, E) -> np.ndarray:
        E = np.asarray(E, dtype=float)
        inside = (E >= self.e_min) & (E <= self.e_max)
        spectrum = spectrum_per_fission(E, dict(self.fission_fractions), self.spectrum)
        return np.where(inside, spectrum / self.norm, 0.0)


def reactor_source(
    thermal_power: float = 3.9 * GW,
    distance: float = 17.0 * metre,
    live_time: float = 5.0 * year,
    fission_fractions: Mapping[str, float] | None = None,
    energies_per_fission: Mapping[str, float] | None = None,
    e_min: float | None = None,
    e_max: float | None = None,
    spectrum: str = DEFAULT_SPECTRUM,
) -> Source:
    """The nubar_e fluence of a reactor over an exposure.

    Parameters
    ----------
    thermal_power : float
        Thermal power (internal units; multiply GW by ``units.GW``). Default 3.9 GW (CONUS).
    distance : float
        Reactor-detector distance (internal units; multiply metres by ``units.m``). Default 17 m.
    live_time : float
        Exposure time at full power (internal units; multiply years by ``units.year``).
    fission_fractions : mapping, optional
        f_i by isotope (default :data:`FISSION_FRACTIONS`); must sum to 1.
    energies_per_fission : mapping, optional
        E_i by isotope in MeV (default :data:`ENERGY_PER_FISSION`).
    e_min, e_max : float, optional
        Energy range of the source (MeV), within ``SPECTRUM_RANGE[spectrum]``; antineutrinos
        outside are dropped. Default: ``SOURCE_E_MIN[spectrum]`` (0 for BESTIOLE, 1.8 MeV for
        Huber-Mueller) to the end of the spectrum (12.5 and 8 MeV).
    spectrum : str
        Spectrum model: ``"bestiole2023"`` (default) or ``"huber-mueller"`` (paper 002).

    Returns
    -------
    Source
        One continuous ``nubar_e`` component labelled ``"reactor"``: fluence
        R t int_{e_min}^{e_max} sum f_i S_i dE / (4 pi L^2) (MeV^2) and that spectrum normalised
        to unit integral over [e_min, e_max].
    """
    distance = as_float("distance", distance, allow_zero=False)
    live_time = as_float("live time", live_time, allow_zero=False)
    fractions = check_fission_fractions(fission_fractions)
    rate = fission_rate(thermal_power, fractions, energies_per_fission)
    e_min, e_max = _check_range(e_min, e_max, check_spectrum(spectrum))
    per_fission = antineutrinos_per_fission(e_min, e_max, fractions, spectrum)

    shape = ReactorShape(tuple(fractions.items()), e_min, e_max, per_fission, spectrum)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        fluence = (
            np.float64(rate) * live_time * per_fission / (4.0 * np.pi * np.float64(distance) ** 2)
        )
    if not (np.isfinite(fluence) and fluence > 0):
        raise ParameterError(
            f"the fluence R t / (4 pi L^2) of thermal_power = {thermal_power / GW:g} GW, "
            f"live_time = {live_time / year:g} yr, distance = {distance / metre:g} m is not a "
            "finite positive number"
        )
    fluence = float(fluence)
    component = FluxComponent("nubar_e", fluence, e_max, shape, e_min, "reactor")
    return Source("reactor", (component,))


__all__ = [
    "BESTIOLE_E_MAX",
    "DEFAULT_E_MIN",
    "DEFAULT_SPECTRUM",
    "ENERGY_PER_FISSION",
    "EXTRAPOLATION_LIMIT",
    "FISSION_FRACTIONS",
    "ISOTOPES",
    "MUELLER_U238",
    "SOURCE_E_MIN",
    "SPECTRUM_MODELS",
    "SPECTRUM_RANGE",
    "TABLE_E_MAX",
    "ReactorShape",
    "antineutrinos_per_fission",
    "bestiole_table",
    "check_energies_per_fission",
    "check_fission_fractions",
    "check_spectrum",
    "fission_rate",
    "isotope_spectrum",
    "mean_energy_per_fission",
    "reactor_source",
    "spectrum_per_fission",
]
