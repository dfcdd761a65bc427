"""COHERENT CsI[Na] 2017 (Science 357 (2017) 1123; data release arXiv:1804.09459), as fitted by
papers 000 (Eq. (34)) and 002 (Eqs. (12)-(13)).

Detector and exposure (physics-notes, "COHERENT CsI 2017"; release ``coherent_parameters.yaml``):
14.57 kg CsI at 19.3 m, 7.47594 GWh = 1.76e23 POT, r = 0.08 neutrinos per flavour per POT.
Response: n_PE = 1.17 T/keV (quenching 0.0878 x light yield 13.348 PE/keVee) without smearing;
acceptance of paper 002 Eq. (12) evaluated at 1-PE bin centres, half weight for 5 <= PE < 6.
Analysis: the twelve 2-PE bins from 6 to 30 PE ("i = 4..15"); in an arrival-time window
(default 0-6 us, physics-notes) N_meas = beam-on coincidence minus anti-coincidence counts,
B_SS = anti-coincidence counts, B_on = prompt-neutron PE spectrum x 7.47594 GWh x acceptance x the
prompt-neutron arrival-time fraction in the window. The neutrino signal per flavour is multiplied
by the fraction of its arrival-time PDF (prompt for nu_mu, delayed for nu_e and nubar_mu) in the
window; with the full 0-12 us window the SM expectation is the collaboration's 173 events.
"""

from __future__ import annotations

import itertools
from functools import cached_property

import numpy as np

from .. import data
from ..errors import ParameterError
from ..fluxes.stopped_pion import stopped_pion_source
from ..nuclei import get_material
from ..response import SteppedPEResponse
from ..stats.likelihood import LinearGaussianLikelihood, gaussian_pull_likelihood
from ..units import m as metre
from .base import Experiment, fit_summary

DATASET = "coherent_csi_2017"
EXPOSURE_GWH = 7.47594
POT = 1.76e23
NU_PER_POT = 0.08
DISTANCE_M = 19.3
DETECTOR_MASS_KG = 14.57
PE_PER_KEV = 1.17
ANALYSIS_EDGES_PE = np.arange(6.0, 31.0, 2.0)
SIGMA_ALPHA = 0.28
SIGMA_BETA = 0.25
TIME_BIN_US = 0.5
ACCEPTANCE_K1, ACCEPTANCE_K2, ACCEPTANCE_X0 = 0.6655, 0.4942, 10.8507


def acceptance(pe):
    """Paper 002 Eq. (12), with the release's half weight for 5 <= PE < 6 (dimensionless)."""
    pe = np.asarray(pe, dtype=float)
    logistic = ACCEPTANCE_K1 / (1.0 + np.exp(-ACCEPTANCE_K2 * (pe - ACCEPTANCE_X0)))
    return np.where(pe < 5.0, 0.0, np.where(pe < 6.0, 0.5, 1.0)) * logistic


def _read_numeric_rows(dataset: str, filename: str) -> np.ndarray:
    """Comma-separated numeric rows of a release file; header or comment lines are skipped, so
    both the original release files and the header-stripped mirror copies load."""
    rows = []
    for line in data.path(dataset, filename).read_text().splitlines():
        fields = [f.strip() for f in line.split(",")]
        try:
            rows.append([float(f) for f in fields if f])
        except ValueError:
            continue
    return np.array([r for r in rows if r])


class CoherentCsI2017(Experiment):
    """The COHERENT CsI 2017 data set with the Gaussian-pull chi^2 of paper 000 Eq. (34)."""

    name = "coherent-csi-2017"
    form_factor = "helm"

    def __init__(self, time_window_us: tuple[float, float] = (0.0, 6.0)):
        lo, hi = (float(t) for t in time_window_us)
        on_grid = np.allclose(np.round(np.array([lo, hi]) / TIME_BIN_US) * TIME_BIN_US, [lo, hi])
        if not (0.0 <= lo < hi <= 12.0 and on_grid):
            raise ParameterError(
                f"time window must satisfy 0 <= start < end <= 12 us on the 0.5 us grid, "
                f"got {time_window_us}"
            )
        self.time_window_us = (lo, hi)
        self.material = get_material("CsI")
        self.detector_mass_kg = DETECTOR_MASS_KG
        self.source = stopped_pion_source(POT, NU_PER_POT, DISTANCE_M * metre)
        self.response = SteppedPEResponse(PE_PER_KEV, ANALYSIS_EDGES_PE, acceptance)

    def _time_fraction(self, filename: str) -> float:
        table = _read_numeric_rows(DATASET, filename)
        lo, hi = self.time_window_us
        inside = (table[:, 0] > lo) & (table[:, 0] < hi)
        return float(table[inside, 1].sum())

    @cached_property
    def component_time_fractions(self) -> np.ndarray:
        """Arrival-time fraction in the window for each flux component (prompt, delayed)."""
        prompt = self._time_fraction("arrivalTimePDF_promptNeutrinos.txt")
        delayed = self._time_fraction("arrivalTimePDF_delayedNeutrinos.txt")
        fraction = {"prompt": prompt, "delayed": delayed}
        return np.array([fraction[p.name] for p in self.source.time_profiles(self.name)])

    def _binned_data(self, filename: str) -> np.ndarray:
        table = _read_numeric_rows(DATASET, filename)
        pe, t, counts = table[:, 0], table[:, 1], table[:, 2]
        lo, hi = self.time_window_us
        keep = (t > lo) & (t < hi)
        return np.histogram(pe[keep], bins=ANALYSIS_EDGES_PE, weights=counts[keep])[0]

    @cached_property
    def steady_state(self) -> np.ndarray:
        """B_SS: beam-on anti-coincidence counts per analysis bin."""
        return self._binned_data("data_anticoincidence_beamOn.txt")

    @cached_property
    def observed(self) -> np.ndarray:
        """N_meas: beam-on coincidence minus anti-coincidence counts per analysis bin."""
        return self._binned_data("data_coincidence_beamOn.txt") - self.steady_state

    @cached_property
    def beam_on_background(self) -> np.ndarray:
        """B_on: prompt neutrons x exposure x acceptance x time fraction, per analysis bin."""
        table = _read_numeric_rows(DATASET, "promptPDF.txt")
        pe, per_gwh = table[:, 0], table[:, 1]
        expected = per_gwh * EXPOSURE_GWH * acceptance(pe)
        fraction = self._time_fraction("arrivalTimePDF_promptNeutrons.txt")
        return np.histogram(pe, bins=ANALYSIS_EDGES_PE, weights=expected)[0] * fraction

    @cached_property
    def likelihood(self) -> LinearGaussianLikelihood:
        sigma = np.sqrt(self.observed + 2.0 * self.steady_state + self.beam_on_background)
        return gaussian_pull_likelihood(
            self.name, self.observed, sigma, self.beam_on_background, SIGMA_ALPHA, SIGMA_BETA
        )

    def fold_components(self, counts: np.ndarray) -> np.ndarray:
        weights = self.component_time_fractions.reshape((1, -1) + (1,) * (counts.ndim - 2))
        return (counts * weights).sum(axis=1)

    def bin_labels(self) -> list[str]:
        e = ANALYSIS_EDGES_PE
        return [f"{lo:g}-{hi:g} PE" for lo, hi in itertools.pairwise(e)]

    def summary(self, predicted: np.ndarray) -> dict:
        fit = self.likelihood.profile(predicted)
        return {
            "bins": self.bin_labels(),
            "observed": self.observed,
            "steady_state_background": self.steady_state,
            "beam_on_background": self.beam_on_background,
            "sigma_stat": self.likelihood.sigma,
            **fit_summary(fit),
            "time_window_us": list(self.time_window_us),
        }
