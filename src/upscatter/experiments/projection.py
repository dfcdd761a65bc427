"""Projected (hypothetical) experiments: Asimov pseudo-data and the Gaussian-pull chi^2.

The future experiments of paper 002 Sec. IV (an upgraded COHERENT LAr detector and a 100 kg
CONUS germanium detector) and user-written TOML experiments share one form:

* perfect detector binned in true nuclear recoil (:class:`upscatter.rates.RecoilBins`);
* Asimov pseudo-data: the measured counts equal the SM CEvNS expectation, N_meas = N_SM;
* a steady-state background B_SS flat in recoil energy, given as a fraction of the SM
  expectation (future LAr: 1/4) and/or as a rate per (keV kg day) (future CONUS: 1);
* one normalisation uncertainty sigma_alpha on the signal (17.5% LAr, 5% CONUS);
* the chi^2 of paper 002 Eq. (13) read for these inputs: N_meas = N_SM is the background-
  subtracted pseudo-data, B_SS enters only sigma_stat^2 = N_meas + 2 B_SS (as for CsI 2017, the
  background is measured separately with the same exposure and subtracted), and there is no
  beam-on background (B_on = 0), so the background pull beta drops out:

      chi^2 = min_alpha sum_i [(N_SM,i - N_th,i (1 + alpha)) / sigma_i]^2 + (alpha/sigma_alpha)^2.

  This is :func:`upscatter.stats.likelihood.gaussian_pull_likelihood` with B_on = 0
  (docs/physics-decisions.md, "Reactor flux and future experiments").

The source builders below take the options in human units (years, metres, GW) and are shared by
the spec files of :mod:`.spec` (the shipped ``future-lar`` and ``future-conus`` and user files).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from functools import cached_property

import numpy as np

from .._validate import as_float
from ..errors import ParameterError
from ..fluxes.base import Source
from ..fluxes.reactor import (
    DEFAULT_SPECTRUM,
    SOURCE_E_MIN,
    SPECTRUM_RANGE,
    check_spectrum,
    reactor_source,
)
from ..fluxes.solar import solar_source
from ..fluxes.stopped_pion import stopped_pion_source
from ..kinematics import e_nu_min
from ..nuclei import Material
from ..rates import RecoilBins
from ..stats.likelihood import LinearGaussianLikelihood, gaussian_pull_likelihood
from ..units import GW, MeV, day, keV, year
from ..units import m as metre
from .base import Experiment, fit_summary

SNS_POT_PER_YEAR = 2.05e23
"""Protons on target per year of the future COHERENT runs: 8.2e23 in 4 years (paper 002 Sec. IV;
its Eq. (9) quotes 2.1e23 per year, 2.4% more)."""


#: Largest number of recoil bins of a projected experiment (memory grows with the bins).
MAX_RECOIL_BINS = 10_000


def recoil_edges(threshold_kev: float, max_recoil_kev: float, bin_width_kev: float) -> np.ndarray:
    """Equal nuclear-recoil bins from the threshold to the upper end.

    Parameters
    ----------
    threshold_kev, max_recoil_kev, bin_width_kev : float
        Lower and upper ends of the analysis range and the bin width (keV); the range must hold
        a whole number of bins.

    Returns
    -------
    numpy.ndarray
        Bin edges in MeV.
    """
    lo = as_float("threshold_kev", threshold_kev, allow_zero=False)
    hi = as_float("max_recoil_kev", max_recoil_kev, allow_zero=False)
    width = as_float("bin_width_kev", bin_width_kev, allow_zero=False)
    if hi <= lo:
        raise ParameterError(f"max_recoil_kev ({hi:g}) must be above threshold_kev ({lo:g})")
    n = (hi - lo) / width
    if n > MAX_RECOIL_BINS:
        raise ParameterError(
            f"the recoil range {lo:g}-{hi:g} keV in {width:g} keV bins makes {n:.3g} bins; at "
            f"most {MAX_RECOIL_BINS} are allowed (widen bin_width_kev)"
        )
    if abs(n - round(n)) > 1e-6 * max(n, 1.0):
        raise ParameterError(
            f"the recoil range {lo:g}-{hi:g} keV is not a whole number of {width:g} keV bins"
        )
    return np.linspace(lo, hi, round(n) + 1) * keV


def sns_exposure(
    material: Material,
    edges: np.ndarray,
    years: float | None,
    distance_m: float,
    pot_per_year: float = SNS_POT_PER_YEAR,
    nu_per_pot: float = 0.08,
    pot: float | None = None,
) -> Source:
    """Stopped-pion source of an SNS run: ``years`` x ``pot_per_year`` protons on target (a
    future run, paper 002 Eq. (9)), or the ``pot`` protons on target of a past run (``years``
    is then not used), ``nu_per_pot`` neutrinos per flavour per proton, ``distance_m`` metres
    away. ``material`` and ``edges`` (MeV) are not needed for this source."""
    distance_m = as_float("distance_m", distance_m, allow_zero=False)
    if pot is None:
        years = as_float("years", years, allow_zero=False)
        pot = years * as_float("pot_per_year", pot_per_year, allow_zero=False)
    return stopped_pion_source(pot, nu_per_pot, distance_m * metre)


def reactor_exposure(
    material: Material,
    edges: np.ndarray,
    years: float,
    distance_m: float,
    thermal_power_gw: float = 3.9,
    fission_fractions: Mapping[str, float] | None = None,
    energies_per_fission_mev: Mapping[str, float] | None = None,
    e_nu_min_mev: float | None = None,
    reactor_spectrum: str = DEFAULT_SPECTRUM,
) -> Source:
    """Reactor source for ``years`` of full-power live time
    (:func:`upscatter.fluxes.reactor.reactor_source`).

    Parameters
    ----------
    material : Material
        Target; with ``edges`` it fixes the lowest antineutrino energy that is needed.
    edges : numpy.ndarray
        Nuclear-recoil bin edges (MeV).
    years, distance_m, thermal_power_gw : float
        Live time (years), distance (m) and thermal power (GW).
    fission_fractions, energies_per_fission_mev : mapping, optional
        Per-isotope fission fractions and energies per fission (MeV).
    e_nu_min_mev : float, optional
        Lower end of the spectrum (MeV). By default the smaller of
        ``SOURCE_E_MIN[reactor_spectrum]`` (0 for BESTIOLE, 1.8 MeV for Huber-Mueller) and the
        energy needed for a recoil at the lowest edge off the lightest isotope; with
        Huber-Mueller a threshold that needs antineutrinos below 1.5 MeV, where that spectrum is
        not modelled, is then an error, and passing ``e_nu_min_mev = 1.5`` accepts dropping them.
    reactor_spectrum : str
        ``"bestiole2023"`` (default, BESTIOLE 2023 summation spectra, 0-12.5 MeV) or
        ``"huber-mueller"`` (paper 002's Huber + Mueller spectra, 1.5-8 MeV); see
        :mod:`upscatter.fluxes.reactor`.
    """
    years = as_float("years", years, allow_zero=False)
    distance_m = as_float("distance_m", distance_m, allow_zero=False)
    power = as_float("thermal_power_gw", thermal_power_gw, allow_zero=False)
    lo, hi = SPECTRUM_RANGE[check_spectrum(reactor_spectrum)]
    lightest = min(iso.mass for iso in material.isotopes)
    needed = float(e_nu_min(edges[0], lightest))
    where = f"recoils above {edges[0] / keV:g} keV in {material.name} need antineutrinos above"
    if needed >= hi:
        raise ParameterError(
            f"{where} {needed / MeV:.3g} MeV, beyond the {hi / MeV:g} MeV end of the "
            f"{reactor_spectrum} reactor spectrum"
        )
    if e_nu_min_mev is not None:
        e_min = as_float("e_nu_min_mev", e_nu_min_mev) * MeV
    elif needed < lo:
        raise ParameterError(
            f"{where} {needed / MeV:.3g} MeV, but the {reactor_spectrum} reactor spectrum is "
            f"modelled only above {lo / MeV:g} MeV; raise the threshold, set e_nu_min_mev = "
            f"{lo / MeV:g} to neglect the antineutrinos below, or use reactor_spectrum = "
            f"'{DEFAULT_SPECTRUM}'"
        )
    else:
        e_min = min(SOURCE_E_MIN[reactor_spectrum], needed)
    return reactor_source(
        thermal_power=power * GW,
        distance=distance_m * metre,
        live_time=years * year,
        fission_fractions=fission_fractions,
        energies_per_fission=energies_per_fission_mev,
        e_min=e_min,
        spectrum=reactor_spectrum,
    )


def solar_exposure(
    material: Material,
    edges: np.ndarray,
    years: float,
    fluxes: tuple[str, ...] = ("B8", "hep"),
    b8_normalisation: str = "sno-nc",
    hep_normalisation: str = "GS98",
    b8_shape_shift: float = 0.0,
    solar_model: str = "BS05-GS",
) -> Source:
    """Solar neutrinos over ``years`` of live time (:func:`upscatter.fluxes.solar.solar_source`,
    oscillated with its default parameters); ``material`` and ``edges`` are not needed.

    Parameters
    ----------
    fluxes : sequence of str
        ``"B8"`` and/or ``"hep"``.
    b8_normalisation, hep_normalisation : str
        ``"sno-nc"`` (8B) or a solar model (``"GS98"``...).
    b8_shape_shift : float
        8B shape variation in sigma of the table, in [-3, 3].
    solar_model : str
        Production profile of the MSW average, ``"BS05-GS"`` or ``"BS05-AGS"``.
    """
    years = as_float("years", years, allow_zero=False)
    return solar_source(
        tuple(fluxes),
        years * year,
        b8_normalisation=b8_normalisation,
        hep_normalisation=hep_normalisation,
        b8_shape_shift=b8_shape_shift,
        solar_model=solar_model,
    )


SOURCE_BUILDERS = {"sns": sns_exposure, "reactor": reactor_exposure, "solar": solar_exposure}
"""Source name (as in :data:`upscatter.fluxes.SOURCES`) -> builder in human units."""


class ProjectedExperiment(Experiment):
    """A hypothetical experiment with Asimov pseudo-data and a normalisation pull, built from
    options in human units: the shared constructor of the paper 002 projections
    (the shipped specs ``future-lar``, ``future-conus``) and of user spec files (:mod:`.spec`).

    Parameters
    ----------
    name : str
        Name shown in results.
    material : Material
        Target material.
    detector_mass_kg : float
        Detector (fiducial) mass (kg).
    exposure : callable
        Source builder, called as ``exposure(material, edges, years, **source_options)``: one of
        :data:`SOURCE_BUILDERS` (:func:`sns_exposure`, :func:`reactor_exposure`) or a wrapper.
    years : float
        Years of data taking (live time); also the exposure time of ``background_per_kev_kg_day``.
    edges : array_like
        Nuclear-recoil bin edges (MeV), e.g. from :func:`recoil_edges`.
    sigma_norm : float
        Normalisation uncertainty of the signal (fraction), sigma_alpha of paper 002 Eq. (13).
    background_fraction : float
        Flat background whose total over the analysis range is this fraction of the SM
        expectation.
    background_per_kev_kg_day : float
        Flat background rate in counts per (keV kg day).
    form_factor : str
        Nuclear form factor (Helm, as in paper 002).
    **source_options
        Passed on to ``exposure`` (distance_m, thermal_power_gw, ...).

    Attributes
    ----------
    live_time : float
        ``years`` in internal units (``units.year``).
    background_rate : float
        ``background_per_kev_kg_day`` in internal units (counts per MeV per kg per time).
    source_options : dict
        The options passed to ``exposure`` (``reactor_spectrum``, ``distance_m``, ...).
    """

    def __init__(
        self,
        name: str,
        material: Material,
        detector_mass_kg: float,
        exposure: Callable[..., Source],
        years: float,
        edges,
        *,
        sigma_norm: float,
        background_fraction: float = 0.0,
        background_per_kev_kg_day: float = 0.0,
        form_factor: str = "helm",
        **source_options,
    ):
        self.response = RecoilBins(edges)
        self.source_options = dict(source_options)
        self.source = exposure(material, self.response.edges, years, **source_options)
        self.name = name
        self.material = material
        self.detector_mass_kg = as_float("detector_mass_kg", detector_mass_kg, allow_zero=False)
        self.live_time = as_float("years", years, allow_zero=False) * year
        self.sigma_norm = as_float("normalisation uncertainty", sigma_norm, allow_zero=False)
        self.background_fraction = as_float("background fraction", background_fraction)
        rate = as_float("background rate", background_per_kev_kg_day)
        self.background_rate = rate / (keV * day)
        self.form_factor = form_factor

    @property
    def edges(self) -> np.ndarray:
        """Nuclear-recoil bin edges (MeV)."""
        return self.response.edges

    @cached_property
    def observed(self) -> np.ndarray:
        """Asimov pseudo-data: N_meas = N_SM per bin (background subtracted)."""
        return self.sm_counts

    @cached_property
    def background(self) -> np.ndarray:
        """Flat steady-state background B_SS per bin (counts)."""
        widths = np.diff(self.edges)
        fraction_part = self.background_fraction * self.sm_counts.sum() * widths / widths.sum()
        rate_part = self.background_rate * self.detector_mass_kg * self.live_time * widths
        return fraction_part + rate_part

    @cached_property
    def sigma(self) -> np.ndarray:
        """sigma_stat = sqrt(N_meas + 2 B_SS) per bin, paper 002 Eq. (13) with B_on = 0."""
        variance = self.observed + 2.0 * self.background
        empty = np.nonzero(variance <= 0)[0]
        if empty.size:
            labels = ", ".join(self.bin_labels()[i] for i in empty)
            raise ParameterError(
                f"{self.name}: bins {labels} have neither SM events nor background, so their "
                f"chi^2 is undefined; end the binning below the kinematic limit or add background"
            )
        return np.sqrt(variance)

    @cached_property
    def likelihood(self) -> LinearGaussianLikelihood:
        """Paper 002 Eq. (13) with B_on = 0 (no background pull: alpha is the only nuisance)."""
        zeros = np.zeros_like(self.observed)
        return gaussian_pull_likelihood(
            self.name, self.observed, self.sigma, zeros, self.sigma_norm, None
        )

    def fold_components(self, counts: np.ndarray) -> np.ndarray:
        return counts.sum(axis=1)

    def bin_labels(self) -> list[str]:
        return [f"{lo / keV:g}-{hi / keV:g} keV" for lo, hi in itertools.pairwise(self.edges)]

    def summary(self, predicted: np.ndarray) -> dict:
        fit = self.likelihood.profile(predicted)
        return {
            "bins": self.bin_labels(),
            "observed": self.observed,
            "steady_state_background": self.background,
            "sigma_stat": self.sigma,
            **fit_summary(fit),
            "sigma_norm": self.sigma_norm,
        }
