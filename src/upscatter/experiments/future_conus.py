"""Future CONUS: the reactor germanium projection of paper 002 Sec. IV.

A 100 kg natural-germanium detector (isotopes weighted by their abundances) 17 m from the
3.9 GW(thermal) Brokdorf reactor, 5 years of data at full power (physics-notes "Future
experiments"). Analysis: 0.1 keV nuclear-recoil bins from 0.1 to 2.0 keV on a perfect detector;
background 1 count/(day keV kg) flat in energy; 5% flux (normalisation) uncertainty; Asimov
pseudo-data equal to the SM expectation; Helm form factor; chi^2 of paper 002 Eq. (13) as read in
:mod:`.projection`. The reactor spectrum (:mod:`upscatter.fluxes.reactor`) is an option:
``reactor_spectrum="bestiole2023"`` (default; BESTIOLE 2023 summation spectra up to 12.5 MeV, so
the sensitivity reaches m_chi ~ 10 MeV as in paper 002 Fig. 3) or ``"huber-mueller"`` (Huber
2011 + Mueller 2011 continued below 2 MeV and ending at 8 MeV, used by the paper 002
reproductions; its sensitivity stops at m_chi ~ 7.6 MeV). Every number is a constructor option.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..fluxes.reactor import DEFAULT_SPECTRUM
from ..nuclei import get_material
from .projection import ProjectedExperiment, reactor_exposure, recoil_edges


class FutureCONUS(ProjectedExperiment):
    """Future CONUS (paper 002 Sec. IV); options in kg, m, years, GW, keV.

    Parameters
    ----------
    detector_mass_kg : float
        Germanium mass (kg), default 100.
    distance_m : float
        Distance from the reactor core (m), default 17.
    years : float
        Years of data taking at full power, default 5.
    thermal_power_gw : float
        Reactor thermal power (GW), default 3.9.
    threshold_kev, max_recoil_kev, bin_width_kev : float
        Nuclear-recoil analysis range and bin width (keV), default 0.1, 2.0, 0.1.
    background_per_kev_kg_day : float
        Flat background, counts per (keV kg day), default 1.
    sigma_norm : float
        Flux (normalisation) uncertainty, default 0.05.
    fission_fractions, energies_per_fission_mev : mapping, optional
        Reactor fuel (defaults of :mod:`upscatter.fluxes.reactor`).
    e_nu_min_mev : float, optional
        Lower end of the antineutrino spectrum (MeV); see
        :func:`upscatter.experiments.projection.reactor_exposure`.
    reactor_spectrum : str
        ``"bestiole2023"`` (default) or ``"huber-mueller"`` (CLI: ``--set
        reactor_spectrum=huber-mueller``).
    """

    name = "future-conus"

    def __init__(
        self,
        detector_mass_kg: float = 100.0,
        distance_m: float = 17.0,
        years: float = 5.0,
        thermal_power_gw: float = 3.9,
        threshold_kev: float = 0.1,
        max_recoil_kev: float = 2.0,
        bin_width_kev: float = 0.1,
        background_per_kev_kg_day: float = 1.0,
        sigma_norm: float = 0.05,
        fission_fractions: Mapping[str, float] | None = None,
        energies_per_fission_mev: Mapping[str, float] | None = None,
        e_nu_min_mev: float | None = None,
        reactor_spectrum: str = DEFAULT_SPECTRUM,
    ):
        super().__init__(
            self.name,
            get_material("Ge"),
            detector_mass_kg,
            reactor_exposure,
            years,
            recoil_edges(threshold_kev, max_recoil_kev, bin_width_kev),
            sigma_norm=sigma_norm,
            background_per_kev_kg_day=background_per_kev_kg_day,
            distance_m=distance_m,
            thermal_power_gw=thermal_power_gw,
            fission_fractions=fission_fractions,
            energies_per_fission_mev=energies_per_fission_mev,
            e_nu_min_mev=e_nu_min_mev,
            reactor_spectrum=reactor_spectrum,
        )
        self.reactor_spectrum = reactor_spectrum
