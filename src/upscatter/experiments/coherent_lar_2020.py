"""COHERENT CENNS-10 liquid argon 2020, Analysis A (PRL 126 (2021) 012002; data release
arXiv:2006.12659), as fitted by paper 003 (Sec. III, Eqs. (22)-(24), Appendix C).

Detector and exposure (release ``Data/LArParametersAnlA.yaml``; physics-notes "Paper 003"):
24.4 kg of argon at 27.5 m, 1.38e23 POT, r = 0.09 neutrinos per flavour per POT (paper 003 prints
0.009, a typo). Response (paper 003 Appendix C; companion Sec. 5): a nuclear recoil T gives the
electron-equivalent energy E_ee = QF(T) T with QF = 0.246 + 7.8e-4 T/keVnr, smeared by a Gaussian
of sigma/E_ee = 0.58/sqrt(E_ee/keVee) (Eq. (C4)), accepted with the release's efficiency table as
a function of the reconstructed energy, and counted in 12 bins of 10 keVee from 0 to 120 keVee.
Arrival times: per flux component, the SNS proton pulse (Gaussian, mean 440 ns, width 150 ns,
release YAML) convolved with the pion lifetime (prompt nu_mu) and also with the muon lifetime
(delayed nu_e, nubar_mu) (:mod:`upscatter.fluxes.timing`), binned in the release's 10 t_trig
bins of 0.5 us from -0.1 to 4.9 us and normalised to unity over that window (paper 003
Eq. (15)). Analysis bins: energy x time, 120 bins, F90 summed, ordered energy-major
(index 10 i + j).

Likelihood: paper 003 Eqs. (22)-(24) with the release's CEvNS, prompt- and delayed-BRN and
steady-state PDFs and the shape variants of ``Data/SystErrors/`` (release Table 3); all nine
nuisances beta_0..beta_8 are profiled exactly
(:class:`~upscatter.stats.likelihood.LinearGaussianLikelihood`). Choices and the comparison
with the release's own CEvNS prediction are in docs/physics-decisions.md ("COHERENT LAr 2020").
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.special import ndtr

from .. import data
from .._validate import as_array, as_float, lookup
from ..errors import DataError, ParameterError
from ..fluxes import timing
from ..fluxes.stopped_pion import stopped_pion_source
from ..nuclei import get_material
from ..rates import NUCLEAR
from ..stats.likelihood import LinearGaussianLikelihood, Parameter
from ..units import keV, us
from ..units import m as metre
from .base import Experiment, fit_summary

DATASET = "coherent_lar_2020"
POT = 1.38e23
NU_PER_POT = 0.09
DISTANCE_M = 27.5
DETECTOR_MASS_KG = 24.4
QF_A = 0.246
"""Quenching factor at zero recoil (release YAML ``larQF`` a)."""
QF_B_PER_KEV = 7.8e-4
"""Slope of the quenching factor per keVnr (release YAML ``larQF`` b)."""
RESOLUTION = 0.58
"""sigma/E_ee = RESOLUTION / sqrt(E_ee/keVee), paper 003 Eq. (C4) (release YAML)."""
ENERGY_EDGES_KEVEE = np.linspace(0.0, 120.0, 13)
TIME_EDGES_US = np.linspace(-0.1, 4.9, 11)
PULSE_MEAN_US = 0.44
"""Mean of the SNS proton pulse in t_trig (release YAML ``snsPOTTraceTiming`` a)."""
PULSE_WIDTH_US = 0.15
"""Gaussian width of the SNS proton pulse (release YAML ``snsPOTTraceTiming`` b)."""
EFFICIENCY_STEP_KEVEE = 0.5
LOWEST_TRUE_KEVEE = 0.1
"""True E_ee below which a recoil is never accepted: the efficiency vanishes below 0.5 keVee
reconstructed and is 1e-5 below 1 keVee, 5 sigma above 0.1 keVee."""
GRID_STEP_SQRT_KEVEE = 0.5
"""Quadrature breakpoints are uniform in sqrt(E_ee): a step of 0.5 sqrt(keVee) spans about 1.7
resolution widths sigma(E_ee) = 0.58 sqrt(E_ee keVee) at every energy (the smoothing scale of
the response); SM and light-mediator counts agree with a 10 times finer grid to 1e-7."""

NUISANCES = tuple(f"beta_{k}" for k in range(9))
"""Paper 003 Eq. (23): beta_0 CEvNS normalisation, beta_1 CEvNS F90 (+-), beta_2 CEvNS t_trig
mean, beta_3 steady state, beta_4 prompt-BRN normalisation, beta_5 prompt-BRN energy (+-),
beta_6 prompt-BRN t_trig mean (+-), beta_7 prompt-BRN t_trig width, beta_8 delayed BRN."""
PRIOR_WIDTHS = (0.13, 1.0, 1.0, 0.0079, 0.32, 1.0, 1.0, 1.0, 1.0)
"""sigma_k of Eq. (22): {sigma_0, sigma_3, sigma_4, sigma_8} = {0.13, 0.0079, 0.32, 1.0}, unit
widths for the shape nuisances beta_1, beta_2, beta_5, beta_6, beta_7."""

SHAPE_CONVENTIONS = {
    "paper": lambda plus, minus: plus + minus,
    "symmetric": lambda plus, minus: 0.5 * (plus - minus),
}
"""How a +-1 sigma pair of Eq. (24) Delta terms enters Eq. (23) with one nuisance: ``paper``
literally beta (Delta+ + Delta-); ``symmetric`` beta (Delta+ - Delta-)/2, so that beta = +-1
reproduces the two variant files when they are symmetric."""


def quenched_energy(T):
    """Electron-equivalent energy E_ee = (a + b T/keVnr) T (MeV) of a nuclear recoil T (MeV),
    paper 003 Appendix C with the release's a = 0.246, b = 7.8e-4 (release YAML ``larQF``)."""
    T = np.asarray(T, dtype=float)
    return (QF_A + QF_B_PER_KEV * T / keV) * T


def recoil_energy(e_ee):
    """Inverse of :func:`quenched_energy`: nuclear recoil T (MeV) of E_ee (MeV)."""
    x = np.asarray(e_ee, dtype=float) / keV
    return 2.0 * x / (QF_A + np.sqrt(QF_A**2 + 4.0 * QF_B_PER_KEV * x)) * keV


def arrival_time_cdf(
    t_us, delayed: bool, mean_us: float = PULSE_MEAN_US, width_us: float = PULSE_WIDTH_US
) -> np.ndarray:
    """Cumulative arrival-time distribution of SNS neutrinos with the release's proton pulse
    (release YAML ``snsPOTTraceTiming``), with times in microseconds
    (:func:`upscatter.fluxes.timing.arrival_time_cdf`).

    Parameters
    ----------
    t_us : array_like
        Times to trigger (us).
    delayed : bool
        False for the prompt nu_mu, True for the delayed flavours.
    mean_us, width_us : float
        Mean and width (standard deviation) of the proton pulse (us).

    Returns
    -------
    numpy.ndarray
        Fraction of the neutrinos arriving before each time.
    """
    t = as_array("time", t_us, allow_negative=True) * us
    mean = as_float("pulse mean", mean_us, allow_negative=True) * us
    return timing.arrival_time_cdf(t, delayed, mean, as_float("pulse width", width_us) * us)


def arrival_time_fractions(edges_us, delayed: bool) -> np.ndarray:
    """Fraction of the arrival-time distribution in each bin, normalised to unity over
    [edges_us[0], edges_us[-1]] (paper 003 Eq. (15)), with the release's proton pulse:
    :func:`upscatter.fluxes.timing.arrival_time_fractions`.

    Parameters
    ----------
    edges_us : array_like
        Increasing time-bin edges (us).
    delayed : bool
        False for the prompt nu_mu, True for the delayed flavours.
    """
    edges = as_array("time-bin edges", edges_us, allow_negative=True) * us
    return timing.arrival_time_fractions(edges, delayed, PULSE_MEAN_US * us, PULSE_WIDTH_US * us)


@dataclass(frozen=True)
class QuenchedGaussianResponse:
    """Quenching, Gaussian smearing in E_ee and a stepped efficiency in reconstructed E_ee.

    P(bin | T) = sum over efficiency steps k inside the bin of eps_k x P(E_rec in step k), with
    E_rec ~ Normal(E_ee(T), sigma(E_ee)), sigma = ``resolution`` sqrt(E_ee keVee) (paper 003
    Eq. (C4)). Above the last efficiency step the last value applies (release companion
    Sec. 2.6). Electron recoils are rejected by the F90 pulse-shape cut (paper 003 Sec. III): their
    probabilities are zero.

    Attributes
    ----------
    edges : numpy.ndarray
        Analysis bin edges in reconstructed E_ee (MeV).
    efficiency_edges : numpy.ndarray
        Edges of the efficiency steps in reconstructed E_ee (MeV), increasing.
    efficiency : numpy.ndarray
        Efficiency in each step (dimensionless, in [0, 1]).
    resolution : float
        The coefficient a of sigma/E = a/sqrt(E/keVee).
    """

    edges: np.ndarray
    efficiency_edges: np.ndarray
    efficiency: np.ndarray
    resolution: float = RESOLUTION

    def __post_init__(self) -> None:
        edges = np.asarray(self.edges, dtype=float)
        eff_edges = np.asarray(self.efficiency_edges, dtype=float)
        eff = np.asarray(self.efficiency, dtype=float)
        for name, e in (("analysis", edges), ("efficiency", eff_edges)):
            if e.ndim != 1 or e.size < 2 or np.any(np.diff(e) <= 0) or e[0] < 0:
                raise ParameterError(f"{name} bin edges must be increasing and non-negative")
        if eff.shape != (eff_edges.size - 1,) or np.any(eff < 0) or np.any(eff > 1):
            raise ParameterError("efficiency needs one value in [0, 1] per efficiency step")
        if not self.resolution > 0:
            raise ParameterError("resolution must be positive")
        # fine steps: efficiency steps and analysis edges merged, restricted to the analysis range
        fine = np.union1d(edges, eff_edges[(eff_edges > edges[0]) & (eff_edges < edges[-1])])
        mid = 0.5 * (fine[:-1] + fine[1:])
        step = np.searchsorted(eff_edges, mid, side="right") - 1
        values = np.where(step < 0, 0.0, eff[np.clip(step, 0, eff.size - 1)])
        object.__setattr__(self, "edges", edges)
        object.__setattr__(self, "_fine_edges", fine)
        object.__setattr__(self, "_fine_efficiency", values)
        object.__setattr__(self, "_starts", np.searchsorted(fine, edges[:-1]))

    @property
    def n_bins(self) -> int:
        return self.edges.size - 1

    def _sigma(self, e_ee):
        return self.resolution * np.sqrt(e_ee * keV)

    def t_range(self, recoil: str) -> tuple[float, float]:
        top = self.edges[-1] + 6.0 * self._sigma(self.edges[-1])
        return float(recoil_energy(LOWEST_TRUE_KEVEE * keV)), float(recoil_energy(top))

    def breakpoints(self, recoil: str) -> np.ndarray:
        lo, hi = (np.sqrt(quenched_energy(t) / keV) for t in self.t_range(recoil))
        grid = np.arange(lo, hi, GRID_STEP_SQRT_KEVEE)
        return recoil_energy(grid**2 * keV)

    def probabilities(self, T, recoil: str):
        T = np.asarray(T, dtype=float)
        if recoil != NUCLEAR:
            return np.zeros((*T.shape, self.n_bins))
        e_ee = np.maximum(quenched_energy(T), 1e-9 * keV)[..., None]
        cdf = ndtr((self._fine_edges - e_ee) / self._sigma(e_ee))
        accepted = np.diff(cdf, axis=-1) * self._fine_efficiency
        return np.add.reduceat(accepted, self._starts, axis=-1)


def _release_table(filename: str) -> np.ndarray:
    """A 3-D release file summed over F90: counts per (energy, t_trig) bin, shape (12, 10)."""
    table = data.load_text(DATASET, f"Data/{filename}")
    n_e, n_f, n_t = ENERGY_EDGES_KEVEE.size - 1, 8, TIME_EDGES_US.size - 1
    if table.shape != (n_e * n_f * n_t, 4):
        raise DataError(f"{DATASET}/Data/{filename}: expected 960 rows of 4 columns")
    grid = table.reshape(n_e, n_f, n_t, 4)
    e_mid = 0.5 * (ENERGY_EDGES_KEVEE[:-1] + ENERGY_EDGES_KEVEE[1:])
    t_mid = 0.5 * (TIME_EDGES_US[:-1] + TIME_EDGES_US[1:])
    if not (
        np.allclose(grid[:, 0, 0, 0], e_mid) and np.allclose(grid[0, 0, :, 2], t_mid, atol=1e-6)
    ):
        raise DataError(f"{DATASET}/Data/{filename}: bin centres differ from the release layout")
    return grid[..., 3].sum(axis=1)


def _delta(variant: np.ndarray, central: np.ndarray) -> np.ndarray:
    """Paper 003 Eq. (24): (N_variant - N_CV)/N_CV per bin, 0 where N_CV = 0."""
    safe = np.where(central > 0, central, 1.0)
    return np.where(central > 0, variant / safe - 1.0, 0.0).ravel()


class CoherentLAr2020(Experiment):
    """COHERENT CENNS-10 LAr (Analysis A) with the Gaussian chi^2 of paper 003 Eqs. (22)-(24).

    Parameters
    ----------
    shape_convention : str
        ``"paper"`` (default; Eq. (23) as printed, beta (Delta+ + Delta-)) or ``"symmetric"``
        (beta (Delta+ - Delta-)/2) for the +-1 sigma pairs of shape variants.
    """

    name = "coherent-lar-2020"
    form_factor = "klein-nystrand"
    electron_channel = False  # the F90 pulse-shape cut rejects electron recoils (Sec. III)

    def __init__(self, shape_convention: str = "paper"):
        self._combine = lookup("shape convention", SHAPE_CONVENTIONS, shape_convention)
        self.shape_convention = shape_convention
        self.material = get_material("Ar")
        self.detector_mass_kg = DETECTOR_MASS_KG
        self.source = stopped_pion_source(POT, NU_PER_POT, DISTANCE_M * metre)
        table = data.load_text(DATASET, "Data/CENNS10AnlAEfficiency.txt")
        centres = np.arange(table.shape[0]) * EFFICIENCY_STEP_KEVEE + EFFICIENCY_STEP_KEVEE / 2
        if table.ndim != 2 or table.shape[1] != 3 or not np.allclose(table[:, 0], centres):
            raise DataError(
                f"{DATASET}/Data/CENNS10AnlAEfficiency.txt: expected 0.5 keVee steps from 0"
            )
        eff_edges = np.arange(centres.size + 1) * EFFICIENCY_STEP_KEVEE * keV
        self.response = QuenchedGaussianResponse(ENERGY_EDGES_KEVEE * keV, eff_edges, table[:, 2])

    @cached_property
    def component_time_fractions(self) -> np.ndarray:
        """Arrival-time fraction per flux component (rows) and t_trig bin (columns)."""
        return np.array(
            [
                arrival_time_fractions(TIME_EDGES_US, profile.delayed)
                for profile in self.source.time_profiles(self.name)
            ]
        )

    @cached_property
    def observed(self) -> np.ndarray:
        """N_exp: on-beam counts per analysis bin (release ``datanobkgsub.txt``)."""
        return _release_table("datanobkgsub.txt").ravel()

    @cached_property
    def steady_state(self) -> np.ndarray:
        """N_SSB: steady-state background per analysis bin (``bkgpdf.txt``, 3152 events)."""
        return _release_table("bkgpdf.txt").ravel()

    @cached_property
    def prompt_brn(self) -> np.ndarray:
        """N_pBRN: prompt beam-related neutrons (``brnpdf.txt``, 497 events)."""
        return _release_table("brnpdf.txt").ravel()

    @cached_property
    def delayed_brn(self) -> np.ndarray:
        """N_dBRN: delayed beam-related neutrons (``delbrnpdf.txt``, 33 events)."""
        return _release_table("delbrnpdf.txt").ravel()

    @cached_property
    def release_cevns(self) -> np.ndarray:
        """The collaboration's SM CEvNS prediction per analysis bin (``cevnspdf.txt``, 128)."""
        return _release_table("cevnspdf.txt").ravel()

    def _shape_delta(self, central: str, *variants: str) -> np.ndarray:
        cv = _release_table(central)
        deltas = [_delta(_release_table(f"SystErrors/{v}"), cv) for v in variants]
        return self._combine(*deltas) if len(deltas) == 2 else deltas[0]

    @cached_property
    def likelihood(self) -> LinearGaussianLikelihood:
        sigma2 = self.observed + self.steady_state / 5.0
        if np.any(sigma2 <= 0):
            raise DataError(f"{DATASET}: an analysis bin has neither data nor steady state")
        zero = np.zeros_like(self.observed)
        one = np.ones_like(self.observed)
        pbrn = self.prompt_brn
        relative = [
            one,
            self._shape_delta("cevnspdf.txt", "cevnspdf+1sigF90.txt", "cevnspdf-1sigF90.txt"),
            self._shape_delta("cevnspdf.txt", "cevnspdfCEvNSTimingMeanSyst.txt"),
        ] + [zero] * 6
        absolute = [zero] * 3 + [
            self.steady_state,
            pbrn,
            pbrn
            * self._shape_delta("brnpdf.txt", "brnpdf+1sigEnergy.txt", "brnpdf-1sigEnergy.txt"),
            pbrn
            * self._shape_delta(
                "brnpdf.txt", "brnpdf+1sigBRNTimingMean.txt", "brnpdf-1sigBRNTimingMean.txt"
            ),
            pbrn * self._shape_delta("brnpdf.txt", "brnpdfBRNTimingWidthSyst.txt"),
            self.delayed_brn,
        ]
        return LinearGaussianLikelihood(
            self.name,
            self.observed,
            np.sqrt(sigma2),
            self.steady_state + pbrn + self.delayed_brn,
            np.array(relative),
            np.array(absolute),
            [Parameter(n, sigma=w) for n, w in zip(NUISANCES, PRIOR_WIDTHS, strict=True)],
        )

    def fold_components(self, counts: np.ndarray) -> np.ndarray:
        folded = np.einsum("mce...,ct->met...", counts, self.component_time_fractions)
        return folded.reshape(folded.shape[0], -1, *folded.shape[3:])

    def bin_labels(self) -> list[str]:
        return [
            f"{e0:g}-{e1:g} keVee, {t0:g}-{t1:g} us"
            for (e0, e1), (t0, t1) in itertools.product(
                itertools.pairwise(ENERGY_EDGES_KEVEE), itertools.pairwise(TIME_EDGES_US)
            )
        ]

    def summary(self, predicted: np.ndarray) -> dict:
        fit = self.likelihood.profile(predicted)
        return {
            "bins": self.bin_labels(),
            "observed": self.observed,
            "steady_state_background": self.steady_state,
            "prompt_brn_background": self.prompt_brn,
            "delayed_brn_background": self.delayed_brn,
            "sigma_stat": self.likelihood.sigma,
            **fit_summary(fit),
            "shape_convention": self.shape_convention,
        }
