"""Future COHERENT liquid argon: the projection of paper 002 Sec. IV.

An upgraded LAr detector of 610 kg fiducial mass at 29 m from the SNS target, 4 years with the
current neutrino production, 8.2e23 protons on target, r = 0.08 neutrinos per flavour per proton
(physics-notes "Future experiments"; paper 002 Eq. (9) for the stopped-pion spectra). Analysis:
2 keV nuclear-recoil bins from 20 to 100 keV on a perfect detector; steady-state background flat
in energy with a total of 1/4 of the SM expectation; normalisation uncertainty 17.5% (flux 10%,
form factor 5%, acceptance 5%, quenching 12.5%, combined by the paper); Asimov pseudo-data equal
to the SM expectation; Helm form factor; chi^2 of paper 002 Eq. (13) as read in
:mod:`.projection`. Every number is a constructor option.
"""

from __future__ import annotations

from ..nuclei import get_material
from .projection import SNS_POT_PER_YEAR, ProjectedExperiment, recoil_edges, sns_exposure


class FutureLAr(ProjectedExperiment):
    """Future COHERENT LAr (paper 002 Sec. IV); options in kg, m, years, keV.

    Parameters
    ----------
    detector_mass_kg : float
        Fiducial argon mass (kg), default 610.
    distance_m : float
        Distance from the SNS target (m), default 29.
    years : float
        Years of data taking, default 4.
    pot_per_year : float
        Protons on target per year, default 2.05e23 (8.2e23 in 4 years).
    nu_per_pot : float
        Neutrinos per flavour per proton, default 0.08.
    threshold_kev, max_recoil_kev, bin_width_kev : float
        Nuclear-recoil analysis range and bin width (keV), default 20, 100, 2.
    background_fraction : float
        Total flat steady-state background as a fraction of the SM expectation, default 0.25.
    sigma_norm : float
        Normalisation uncertainty of the signal, default 0.175.
    """

    name = "future-lar"

    def __init__(
        self,
        detector_mass_kg: float = 610.0,
        distance_m: float = 29.0,
        years: float = 4.0,
        pot_per_year: float = SNS_POT_PER_YEAR,
        nu_per_pot: float = 0.08,
        threshold_kev: float = 20.0,
        max_recoil_kev: float = 100.0,
        bin_width_kev: float = 2.0,
        background_fraction: float = 0.25,
        sigma_norm: float = 0.175,
    ):
        super().__init__(
            self.name,
            get_material("Ar"),
            detector_mass_kg,
            sns_exposure,
            years,
            recoil_edges(threshold_kev, max_recoil_kev, bin_width_kev),
            sigma_norm=sigma_norm,
            background_fraction=background_fraction,
            distance_m=distance_m,
            pot_per_year=pot_per_year,
            nu_per_pot=nu_per_pot,
        )
