"""COHERENT CsI[Na] full data set (Akimov et al., PRL 129 (2022) 081801, arXiv:2110.07730) as
analysed by paper 003 (Sec. III, Eqs. (12)-(21), Appendix C).

Exposure and detector (paper 003 Sec. III; physics-notes "Paper 003"): 14.6 kg CsI at 19.3 m,
3.198e23 POT, r = 0.0848 neutrinos per flavour per POT. Nuclear recoils are quenched with the
release's scintillation curve, electron recoils are not; both are smeared by the gamma function of
Eq. (C3) (mean 13.35 PE/keVee) and weighted by the efficiency of Eq. (C1). Analysis bins: 9 PE bins
(edges 0, 8, 12, 16, 20, 24, 32, 40, 50, 60) x 11 arrival-time bins (edges 0, 1/8, ..., 1, 2, 4,
6 us); N_exp = beam-coincident events (``dataBeamOnC.txt``). Backgrounds: steady state = the
anti-coincident events binned the same way (``dataBeamOnAC.txt``); beam-related neutrons (BRN) and
neutrino-induced neutrons (NIN) = release energy and timing shapes normalised to 18.4 and 5.6
events in the region of interest (collaboration values, physics-notes).

Statistics: the Poisson chi^2 of Eq. (20) with Eq. (21)::

    N_th = (1 + a0) N_CEvNS(a4, a5, a6, a7) + (1 + a0) N_ES(a6, a7) + (1 + a1) N_BRN(a6)
           + (1 + a2) N_NIN(a6) + (1 + a3) N_SSB,

sigma_0..5 = 11%, 25%, 35%, 2.1%, 5%, 3.8%; a4 scales the Klein-Nystrand radius, a5 scales the
electron-equivalent energy of nuclear recoils (quenching; ``quenching_nuisance="normalisation"``
puts it in the CEvNS normalisation as Eq. (21) prints it), a6 shifts every arrival time (bounded by
+-0.25 us, no prior), a7 shifts the efficiency curve (bounded by +-1 PE, no prior). All eight are
profiled together for a whole batch of predictions by the damped Gauss-Newton iteration of
:class:`upscatter.stats.likelihood.PoissonLikelihood` with the analytic Jacobian, from the
nominal values; ``profile(..., method="migrad")`` gives iminuit's per-prediction fit as the
reference. The inputs that depend on alpha_6 and alpha_7 are made continuously differentiable
(``inputs="smooth"``, see the class notes and docs/physics-decisions.md, "CsI 2021 profile"), so
that the profile has no kink-made local minima.

How the nonlinear nuisances stay cheap. A *prediction* of this experiment is not a vector of
analysis-bin counts but the signal before the nonlinear nuisances: true-recoil counts in fine
logarithmic bins (width ratio 1.05; nuclear recoils 0.2-50 keV, electron recoils 0.01-12 keV split
at the Z_eff steps) per flux component, with the Cs and I nuclear recoils apart and computed
*without* form factor. Everything after that is linear, so a prediction is still
N_SM + K @ monomials(g) and the scans work unchanged. The chi^2 applies, per prediction, the
Klein-Nystrand F^2(q R (1 + a4)) of each isotope at the fine-bin centres (interpolated in a4
through 5 Chebyshev nodes), the smearing into 0.25-PE sub-bins (precomputed at 5 Chebyshev nodes
of a5 and interpolated), the efficiency eps_E(x + a7) on the sub-bins (exact), and tables of the
time-bin fractions versus a6 (0.5 ns grid). The prediction is contracted with the node templates
once per prediction, batched; each evaluation of the expected counts and their analytic Jacobian
is then vectorised over the predictions and the starts (a few 10 us per prediction and start).
The cross sections are never re-integrated.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from .. import data
from .._blas import single_thread_product
from ..constants import M_ELECTRON
from ..errors import DataError, ParameterError, UpscatterError
from ..fluxes.stopped_pion import stopped_pion_source
from ..form_factors import get_form_factor
from ..kinematics import recoil_momentum
from ..models import Model, sm_channels
from ..nuclei import get_material
from ..rates import ELECTRON, Channel, RecoilBins, binned_counts
from ..response.csi2021 import (
    ChebyshevNodes,
    LogisticEfficiency,
    PESmearing,
    ScintillationCurve,
    ShiftedTimeFractions,
    delayed_pdf,
    prompt_pdf,
)
from ..stats.likelihood import FitResult, Parameter, PoissonLikelihood
from ..units import keV, us
from ..units import m as metre
from ..xsec.electrons import Z_EFF_TABLES, sm_atom_dsigma_dT
from .base import Experiment

DATASET = "coherent_csi_2021"
POT = 3.198e23
NU_PER_POT = 0.0848
DISTANCE_M = 19.3
DETECTOR_MASS_KG = 14.6
PE_EDGES = np.array([0.0, 8.0, 12.0, 16.0, 20.0, 24.0, 32.0, 40.0, 50.0, 60.0])
TIME_EDGES_US = np.concatenate([np.arange(9) / 8.0, [2.0, 4.0, 6.0]])
BRN_EVENTS = 18.4
NIN_EVENTS = 5.6
SIGMAS = (0.11, 0.25, 0.35, 0.021, 0.05, 0.038)
"""Prior widths of alpha_0..alpha_5 (paper 003 below Eq. (21))."""
NORMALISATION_FLOOR = -0.5
"""Lower limit of alpha_0 and alpha_5 with ``quenching_nuisance="normalisation"``, so that the
CEvNS factor 1 + alpha_0 + alpha_5 of Eq. (21) stays >= 0 (with the limits -1 of the scale
reading, MIGRAD stepped to 1 + a0 + a5 < 0, negative counts and a NaN fit). The floor is 4.5
sigma_0 and 13 sigma_5 from the priors: a fit that reaches it pays a pull of at least 20 in
chi^2, above every threshold, so no bound depends on it."""
ALPHA6_LIMIT_US = 0.25
ALPHA7_LIMIT_PE = 1.0
PROFILE_CHUNK = 128
"""Predictions profiled together (see ``CoherentCsI2021.profile``)."""
FINE_RATIO = 1.05
"""Width ratio of the logarithmic fine true-recoil bins; the response is taken at each bin's
geometric centre, exact for a 1/T spectrum, so the folding error stays below 1e-3 for spectra
from flat (SM) to 1/T^2 (light mediators)."""
NUCLEAR_RANGE = (0.2 * keV, 50.0 * keV)
"""Fine nuclear-recoil range: below 0.2 keV (E_ee < 0.011 keVee) even the most favourable
nuisances (alpha_5 = +5 sigma, alpha_7 = -1 PE) detect less than 1e-10 of the recoils; above,
T_max at the SNS endpoint is 45.2 keV (Cs) and 47.2 keV (I)."""
ELECTRON_RANGE = (0.01 * keV, 12.0 * keV)
"""Fine electron-recoil range: below 10 eV the detection probability is below 1e-10; a 12 keV
deposit (160 PE on average) gives fewer than 60 PE with probability 7e-20."""


def _contract_nodes(weights: np.ndarray, blocks: np.ndarray) -> np.ndarray:
    """weights (..., R, K) @ blocks (B..., K, N) -> (..., R, N), where the weights may have
    extra leading axes (the starts of a profile): those are folded into the rows so that each
    prediction's blocks, the largest array of the profile, are read once per evaluation."""
    batch = np.broadcast_shapes(weights.shape[:-2], blocks.shape[:-2])
    n_extra = len(batch) - (blocks.ndim - 2)
    if n_extra == 0 or blocks.shape[:-2] != batch[n_extra:]:
        return np.matmul(weights, blocks)
    w = np.broadcast_to(weights, (*batch, *weights.shape[-2:]))
    inner = len(batch) - n_extra
    w = np.moveaxis(w, tuple(range(n_extra)), tuple(range(inner, len(batch))))
    rows = np.matmul(w.reshape(*batch[n_extra:], -1, w.shape[-1]), blocks)
    rows = rows.reshape(*batch[n_extra:], *batch[:n_extra], weights.shape[-2], -1)
    return np.moveaxis(rows, tuple(range(inner, len(batch))), tuple(range(n_extra)))


def _log_edges(lo: float, hi: float) -> np.ndarray:
    n = int(np.ceil(np.log(hi / lo) / np.log(FINE_RATIO)))
    return np.geomspace(lo, hi, n + 1)


FORM_FACTOR_NODES = ChebyshevNodes(-5 * SIGMAS[4], 5 * SIGMAS[4], 5)
QUENCHING_NODES = ChebyshevNodes(-5 * SIGMAS[5], 5 * SIGMAS[5], 5)
QUENCHING_NUISANCES = ("scale", "normalisation")
FORM_FACTOR_CHOICES = ("klein-nystrand", "helm")
"""Nuclear form factors of the CsI 2021 analysis: Klein-Nystrand (paper 003 Eq. (5), the
default) or Helm (Lewin-Smith parameters), with which the nominal SM prediction is COHERENT's
341 events (docs/physics-decisions.md, "CsI 2021 normalisation: 305 vs 341 events")."""
INPUTS = ("smooth", "piecewise")
QUENCHING_CURVES = ("nominal", "model0+1sigma", "model0-1sigma", "model1+1sigma", "model1-1sigma")
"""Labels of the scintillation curves of ``scintRespCoefficients.txt``."""
_SCINT_LABEL = re.compile(r"model\s*(\d)\s*,\s*([+-])\s*1\s*sigma", re.IGNORECASE)


def _numeric_rows(filename: str) -> list[tuple[str, list[float]]]:
    """Numeric rows of a release file with the comment line that precedes each of them."""
    rows, comment = [], ""
    for line in data.path(DATASET, filename).read_text().splitlines():
        text = line.strip()
        if not text:
            continue
        if text.startswith("#"):
            comment = text.lstrip("#").strip()
            continue
        rows.append((comment, [float(v) for v in text.split()]))
    return rows


def scintillation_curves() -> dict[str, ScintillationCurve]:
    """The five scintillation curves of ``scintRespCoefficients.txt``, by release label."""
    curves = {}
    for comment, values in _numeric_rows("scintRespCoefficients.txt"):
        match = _SCINT_LABEL.search(comment)
        label = f"model{match[1]}{match[2]}1sigma" if match else "nominal"
        curves[label] = ScintillationCurve(label, tuple(values))
    if sorted(curves) != sorted(QUENCHING_CURVES):
        raise DataError("scintRespCoefficients.txt: expected a nominal and four variant curves")
    return curves


def nominal_efficiency() -> LogisticEfficiency:
    """The nominal curve of ``effCoefficients.txt`` (the first coefficient line, paper 003 C1)."""
    rows = _numeric_rows("effCoefficients.txt")
    if not rows or "nominal" not in rows[0][0].lower():
        raise DataError("effCoefficients.txt: the first coefficient line must be the nominal one")
    return LogisticEfficiency(*rows[0][1])


def _columns(filename: str) -> np.ndarray:
    return data.load_text(DATASET, filename, comments="#", ndmin=2)


def _sm_electron_channels(material) -> list[Channel]:
    """SM nu e scattering on the atomic electrons (paper 003 Eq. (17) with kappa = SM)."""

    def make(isotope):
        def dsigma(E, T, flavour):
            return sm_atom_dsigma_dT(E, T, isotope=isotope, flavour=flavour)

        return dsigma

    return [
        Channel(f"{iso.name} e SM", M_ELECTRON, n, ELECTRON, make(iso))
        for iso, n in zip(material.isotopes, material.nuclei_per_kg(), strict=True)
    ]


class CoherentCsI2021(Experiment):
    """COHERENT CsI 2021 in energy and arrival time with the Poisson chi^2 of paper 003.

    Parameters
    ----------
    quenching : str
        Central scintillation curve: ``"nominal"`` (paper 003 App. C) or one of the release
        variants ``"model0+1sigma"``, ``"model0-1sigma"``, ``"model1+1sigma"``, ``"model1-1sigma"``.
    quenching_nuisance : str
        ``"scale"`` (default): alpha_5 scales E_ee of nuclear recoils, E_ee -> (1 + alpha_5) E_ee.
        ``"normalisation"``: alpha_5 multiplies the CEvNS counts as (1 + alpha_0 + alpha_5),
        paper 003 Eq. (21) as printed.
    inputs : str
        ``"smooth"`` (default): the nuisance-dependent inputs are continuously differentiable,
        so the profile has no kink-made local minima: eps_E(x + alpha_7) is averaged exactly
        over each 0.25-PE sub-bin, and the BRN/NIN arrival-time cumulatives are interpolated
        monotonically (PCHIP) between the 10 ns release cells, and every alpha_6 table is
        interpolated by a cubic spline between its 0.5 ns grid points. ``"piecewise"``: the
        rules before (eps_E at the sub-bin centres, piecewise-linear cumulatives and tables),
        kinked in alpha_7 and alpha_6. See docs/physics-decisions.md, "CsI 2021 profile".
    form_factor : str
        Nuclear form factor, alpha_4 scaling its radius (:data:`FORM_FACTOR_CHOICES`):
        ``"klein-nystrand"`` (default, paper 003 Eq. (5): 305 SM CEvNS events) or ``"helm"``
        (341.6 events, COHERENT's prediction of 341 +- 11 (th), PRL 129, 081801;
        docs/physics-decisions.md, "CsI 2021 normalisation: 305 vs 341 events").

    Notes
    -----
    Predictions (``sm_counts``, ``signal_basis``, the argument of ``chi2``) are true-recoil counts
    in the fine bins described in the module docstring, flattened as (flux component, block, fine
    bin) with blocks Cs nuclear, I nuclear, electron; :meth:`expected` folds one into the 9 x 11
    analysis bins.
    """

    name = "coherent-csi-2021"
    form_factor = "klein-nystrand"
    electron_recoils = True

    def __init__(
        self,
        quenching: str = "nominal",
        quenching_nuisance: str = "scale",
        inputs: str = "smooth",
        form_factor: str = "klein-nystrand",
    ):
        if quenching not in QUENCHING_CURVES:
            raise ParameterError(
                f"unknown quenching curve {quenching!r}; known: {', '.join(QUENCHING_CURVES)}"
            )
        if quenching_nuisance not in QUENCHING_NUISANCES:
            raise ParameterError(
                f"quenching_nuisance must be one of {', '.join(QUENCHING_NUISANCES)}, "
                f"got {quenching_nuisance!r}"
            )
        if inputs not in INPUTS:
            raise ParameterError(f"inputs must be one of {', '.join(INPUTS)}, got {inputs!r}")
        if form_factor not in FORM_FACTOR_CHOICES:
            raise ParameterError(
                f"form_factor must be one of {', '.join(FORM_FACTOR_CHOICES)}, got {form_factor!r}"
            )
        self.form_factor = form_factor
        self.quenching_name = quenching
        self.quenching_nuisance = quenching_nuisance
        self.inputs = inputs
        self.material = get_material("CsI")
        self.detector_mass_kg = DETECTOR_MASS_KG
        self.source = stopped_pion_source(POT, NU_PER_POT, DISTANCE_M * metre)
        self.response = RecoilBins(_log_edges(*NUCLEAR_RANGE))
        lo, hi = ELECTRON_RANGE
        steps = np.concatenate([Z_EFF_TABLES[iso.Z].edges for iso in self.material.isotopes])
        self.electron_response = RecoilBins(
            np.unique(np.concatenate([_log_edges(lo, hi), steps[(steps > lo) & (steps < hi)]]))
        )

    @cached_property
    def quenching(self) -> ScintillationCurve:
        """The central scintillation curve (release file, loaded on first use)."""
        return scintillation_curves()[self.quenching_name]

    # ----------------------------------------------------------------- layout of a prediction
    @property
    def n_nuclear(self) -> int:
        """Number of fine nuclear-recoil bins."""
        return self.response.n_bins

    @property
    def n_electron(self) -> int:
        """Number of fine electron-recoil bins."""
        return self.electron_response.n_bins

    @property
    def template_shape(self) -> tuple[int, int]:
        """(n_flux_components, 2 n_nuclear + n_electron): the layout of a prediction."""
        return len(self.source.components), 2 * self.n_nuclear + self.n_electron

    @staticmethod
    def _centres(edges: np.ndarray) -> np.ndarray:
        """Geometric centres of the fine bins (MeV)."""
        return np.sqrt(edges[1:] * edges[:-1])

    def bin_labels(self) -> list[str]:
        """One label per entry of a prediction (flux component, target, true-recoil bin)."""
        blocks = [(iso.name, self.response.edges) for iso in self.material.isotopes]
        blocks.append(("e", self.electron_response.edges))
        return [
            f"{c.flavour} {target} T {lo / keV:.3g}-{hi / keV:.3g} keV"
            for c in self.source.components
            for target, edges in blocks
            for lo, hi in itertools.pairwise(edges)
        ]

    def analysis_labels(self) -> list[str]:
        """Labels of the 9 x 11 analysis bins, PE-major."""
        return [
            f"PE {a:g}-{b:g}, t {c:g}-{d:g} us"
            for a, b in itertools.pairwise(PE_EDGES)
            for c, d in itertools.pairwise(TIME_EDGES_US)
        ]

    def fold_components(self, counts: np.ndarray) -> np.ndarray:
        """(n_mass, n_components, 2 n_nuclear + n_electron, ...) -> (n_mass, n_entries, ...)."""
        counts = np.asarray(counts)
        return counts.reshape(counts.shape[0], -1, *counts.shape[3:])

    def _group_counts(self, channels, params, n_mass: int, basis_shape) -> np.ndarray:
        """Fine-bin counts of the channel groups Cs nuclear, I nuclear, electrons, concatenated."""
        groups: list[list[Channel]] = [[] for _ in range(len(self.material.isotopes) + 1)]
        masses = np.array([iso.mass for iso in self.material.isotopes])
        for channel in channels:
            if channel.recoil == ELECTRON:
                groups[-1].append(channel)
                continue
            match = np.nonzero(np.isclose(masses, channel.target_mass, rtol=1e-9))[0]
            if match.size != 1:
                raise ParameterError(f"channel {channel.label!r} has no CsI isotope as target")
            groups[match[0]].append(channel)
        parts = []
        n_components = len(self.source.components)
        for group, response in zip(
            groups, [self.response] * (len(groups) - 1) + [self.electron_response], strict=True
        ):
            if group:
                counts = binned_counts(group, self.source, response, self.detector_mass_kg, params)
            else:
                counts = np.zeros((n_mass, n_components, response.n_bins, *basis_shape))
            parts.append(counts)
        return self.fold_components(np.concatenate(parts, axis=2))

    @cached_property
    def sm_counts(self) -> np.ndarray:
        """SM prediction: CEvNS on Cs and I (without form factor) and nu e on atomic electrons."""
        channels = sm_channels(self.material, "unity") + _sm_electron_channels(self.material)
        return self._group_counts(channels, None, 1, ())[0]

    def signal_basis(
        self, model: Model, params: Mapping[str, np.ndarray], **model_options
    ) -> np.ndarray:
        """Basis predictions K, shape (n_mass, n_entries, n_basis). The form factor is applied by
        the chi^2 (Klein-Nystrand with the alpha_4 radius), so the channels are built without."""
        for option in ("form_factor", "radius_scale"):
            if option in model_options:
                raise ParameterError(
                    f"{self.name} applies its form factor (experiment option form_factor) and its "
                    f"radius nuisance itself; the model option {option!r} is not accepted"
                )
        options = self.model_options(model, model_options)
        channels = model.channels(self.material, form_factor="unity", **options)
        n_mass = np.size(next(iter(params.values()))) if params else 1
        basis_shape = channels[0].basis_shape if channels else (len(model.powers),)
        return self._group_counts(channels, params, n_mass, basis_shape)

    def flux_averaged_cross_section(self, form_factor: str | None = None) -> float:
        """SM CEvNS cross section averaged over the SNS flux and the CsI nuclei (MeV^-2).

        sum over flavours and isotopes of fluence x nuclei x <sigma> (all recoil energies)
        divided by the total fluence and the number of nuclei.

        Parameters
        ----------
        form_factor : str, optional
            Form factor name (default: the experiment's, Klein-Nystrand).
        """
        channels = sm_channels(self.material, form_factor or self.form_factor)
        every_recoil = RecoilBins(np.array([0.0, NUCLEAR_RANGE[1]]))
        counts = binned_counts(channels, self.source, every_recoil, self.detector_mass_kg)
        nuclei = self.material.nuclei_per_kg().sum() * self.detector_mass_kg
        fluence = sum(c.fluence for c in self.source.components)
        return float(counts.sum() / (nuclei * fluence))

    # ------------------------------------------------------------------------ data, backgrounds
    def _binned_events(self, filename: str) -> np.ndarray:
        events = _columns(filename)
        return np.histogram2d(events[:, 0], events[:, 1], bins=(PE_EDGES, TIME_EDGES_US))[0]

    @cached_property
    def observed(self) -> np.ndarray:
        """N_exp: beam-coincident events per (PE, t_rec) bin, shape (9, 11)."""
        return self._binned_events("dataBeamOnC.txt")

    @cached_property
    def steady_state(self) -> np.ndarray:
        """N_SSB: anti-coincident events per (PE, t_rec) bin, shape (9, 11)."""
        return self._binned_events("dataBeamOnAC.txt")

    def _energy_shape(self, filename: str) -> np.ndarray:
        table = _columns(filename)
        return np.histogram(table[:, 0], bins=PE_EDGES, weights=table[:, 1])[0]

    @cached_property
    def background_energy(self) -> np.ndarray:
        """BRN and NIN counts per PE bin (18.4 and 5.6 events in total), shape (2, 9)."""
        shapes = np.stack([self._energy_shape("brnPE.txt"), self._energy_shape("ninPE.txt")])
        totals = np.array([BRN_EVENTS, NIN_EVENTS])
        return shapes / shapes.sum(axis=1, keepdims=True) * totals[:, None]

    @cached_property
    def background_time(self) -> ShiftedTimeFractions:
        """BRN and NIN time-bin fractions versus alpha_6 (release shapes; unit sum at 0)."""
        histograms = []
        for name in ("brnTrec.txt", "ninTrec.txt"):
            table = _columns(name)
            histograms.append((table[:, 0] * us, table[:, 1]))
        table = ShiftedTimeFractions.from_histograms(
            histograms,
            TIME_EDGES_US * us,
            ALPHA6_LIMIT_US * us,
            cumulative="pchip" if self.inputs == "smooth" else "linear",
        )
        return self._shift_interpolation(table)

    def _shift_interpolation(self, table: ShiftedTimeFractions) -> ShiftedTimeFractions:
        """The alpha_6 table with the interpolation of :attr:`inputs` (cubic when smooth)."""
        return replace(table, interpolation="cubic" if self.inputs == "smooth" else "linear")

    # ----------------------------------------------------------------------------- response
    @cached_property
    def efficiency(self) -> LogisticEfficiency:
        """eps_E of Eq. (C1) (nominal release curve)."""
        return nominal_efficiency()

    @cached_property
    def smearing(self) -> PESmearing:
        """Gamma smearing into 0.25-PE sub-bins and the 9 analysis PE bins."""
        return PESmearing(PE_EDGES, self.efficiency)

    @cached_property
    def neutrino_time(self) -> ShiftedTimeFractions:
        """Prompt and delayed time-bin fractions (with eps_T) versus alpha_6."""
        table = ShiftedTimeFractions.from_densities(
            [prompt_pdf, delayed_pdf], TIME_EDGES_US * us, ALPHA6_LIMIT_US * us
        )
        return self._shift_interpolation(table)

    @cached_property
    def _component_timing(self) -> np.ndarray:
        """Index of each flux component's time distribution (0 prompt, 1 delayed)."""
        return np.array([int(p.delayed) for p in self.source.time_profiles(self.name)])

    @cached_property
    def _form_factor_templates(self) -> np.ndarray:
        """F^2 of Cs and I at the nuclear fine-bin centres for each alpha_4 node, (2, P, n)."""
        centres = self._centres(self.response.edges)
        form_factor = get_form_factor(self.form_factor)
        return np.stack(
            [
                np.stack(
                    [
                        form_factor(recoil_momentum(centres, iso.mass), iso.A, 1.0 + a4) ** 2
                        for a4 in FORM_FACTOR_NODES.nodes
                    ]
                )
                for iso in self.material.isotopes
            ]
        )

    @property
    def _quenching_nodes(self) -> np.ndarray:
        return QUENCHING_NODES.nodes if self.quenching_nuisance == "scale" else np.zeros(1)

    @cached_property
    def _smearing_templates(self) -> np.ndarray:
        """Sub-bin smearing of nuclear recoils for each alpha_5 node, (M, n_nuclear, n_sub)."""
        e_ee = self.quenching(self._centres(self.response.edges))
        nodes = self._quenching_nodes
        return np.stack([self.smearing.sub_bin_matrix((1.0 + a5) * e_ee) for a5 in nodes])

    @cached_property
    def _electron_smearing(self) -> np.ndarray:
        """Sub-bin smearing of electron recoils (E_ee = E_er), (n_electron, n_sub)."""
        return self.smearing.sub_bin_matrix(self._centres(self.electron_response.edges))

    # ------------------------------------------------------------------------------ the model
    @cached_property
    def parameters(self) -> tuple[Parameter, ...]:
        """alpha_0..alpha_7 of Eq. (21): priors sigma_0..sigma_5, alpha_6 (us) and alpha_7 (PE)
        only bounded; alpha_4 and alpha_5 (scale mode) within their Chebyshev intervals."""
        sig, inf = SIGMAS, np.inf
        if self.quenching_nuisance == "scale":
            a0 = Parameter("alpha0", 0.0, (-1.0, inf), sig[0])
            a5 = Parameter("alpha5", 0.0, (QUENCHING_NODES.lo, QUENCHING_NODES.hi), sig[5])
        else:
            a0 = Parameter("alpha0", 0.0, (NORMALISATION_FLOOR, inf), sig[0])
            a5 = Parameter("alpha5", 0.0, (NORMALISATION_FLOOR, inf), sig[5])
        return (
            a0,
            *(Parameter(f"alpha{k}", 0.0, (-1.0, inf), sig[k]) for k in range(1, 4)),
            Parameter("alpha4", 0.0, (FORM_FACTOR_NODES.lo, FORM_FACTOR_NODES.hi), sig[4]),
            a5,
            Parameter("alpha6", 0.0, (-ALPHA6_LIMIT_US, ALPHA6_LIMIT_US)),
            Parameter("alpha7", 0.0, (-ALPHA7_LIMIT_PE, ALPHA7_LIMIT_PE)),
        )

    @cached_property
    def likelihood(self) -> PoissonLikelihood:
        """Eq. (20) with the eight nuisances of Eq. (21), profiled by batched Gauss-Newton from
        the nominal values: with the smooth inputs (:attr:`inputs`) the profile has a single
        minimum in practice (docs/physics-decisions.md, "CsI 2021 profile")."""
        return PoissonLikelihood(
            self.name, self.observed.ravel(), self.parameters, _ExpectedCounts(self)
        )

    def _check_prediction(self, predicted) -> np.ndarray:
        predicted = np.asarray(predicted, dtype=float)
        size = int(np.prod(self.template_shape))
        if predicted.shape[-1:] != (size,):
            raise ParameterError(
                f"a {self.name} prediction has {size} entries (fine true-recoil bins), "
                f"got shape {predicted.shape}"
            )
        if not np.all(np.isfinite(predicted)) or np.any(predicted < 0):
            raise ParameterError("predicted counts must be finite and non-negative")
        return predicted

    @cached_property
    def _smearing_stack(self) -> np.ndarray:
        """The alpha_5 smearing templates side by side, (n_nuclear, M n_sub)."""
        smear = self._smearing_templates
        return np.ascontiguousarray(smear.transpose(1, 0, 2).reshape(smear.shape[1], -1))

    @cached_property
    def _sub_bin_groups(self) -> tuple[int, int, np.ndarray]:
        """The PE sub-bins of the analysis bins as (first, stop, starts): sub-bins first..stop-1
        lie in the bins, in order, bin k from first + starts[k] on; summing them group by group
        (``np.add.reduceat``) is the aggregation matrix's product without its zeros."""
        aggregation = self.smearing.aggregation
        inside = np.nonzero(aggregation.sum(axis=1) > 0)[0]
        first, stop = int(inside[0]), int(inside[-1]) + 1
        index = np.argmax(aggregation[first:stop], axis=1)
        starts = np.searchsorted(index, np.arange(aggregation.shape[1]))
        if stop - first != inside.size or np.any(np.diff(index) < 0) or np.any(np.diff(starts) < 1):
            raise UpscatterError("CsI 2021 PE sub-bins must fill every analysis bin, in order")
        return first, stop, starts

    def _prepare(self, predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Contract predictions (..., n_entries) with every (alpha_4, alpha_5) node: nuclear
        blocks (..., P M, 3 n_sub) and the smeared electron recoils (..., 3, n_sub)."""
        predicted = np.asarray(predicted, dtype=float)
        batch = predicted.shape[:-1]
        n_c, n = len(self.source.components), self.n_nuclear
        table = predicted.reshape(-1, *self.template_shape)  # (B, 3, 2 n + n_e)
        nuclear = table[:, :, : 2 * n].reshape(-1, n_c, 2, n)  # (B, 3, 2, n)
        ff = self._form_factor_templates  # (2, P, n)
        weighted = np.einsum("bcin,ipn->bpcn", nuclear, ff)  # (B, P, 3, n)
        n_p, n_m = ff.shape[1], self._smearing_templates.shape[0]
        blocks = single_thread_product(weighted.reshape(-1, n), self._smearing_stack)
        blocks = blocks.reshape(-1, n_p, n_c, n_m, self.smearing.sub_centres.size)
        blocks = blocks.transpose(0, 1, 3, 2, 4).reshape(*batch, n_p * n_m, -1)
        electrons = single_thread_product(
            table[:, :, 2 * n :].reshape(-1, self.n_electron), self._electron_smearing
        )
        return blocks, electrons.reshape(*batch, n_c, -1)

    def _evaluate(self, prepared, alpha, jacobian: bool = False):
        """Components of N_th (..., 9, 11) each and, optionally, dN_th/dalpha (..., 8, 9, 11),
        for prepared predictions (batch B) and nuisances ``alpha`` (..., 8) broadcasting
        against B (a leading axis of starts is allowed: alpha (S, B, 8))."""
        blocks, electrons = prepared
        alpha = np.asarray(alpha, dtype=float)
        a0, a1, a2, a3, a4, a5, a6, a7 = (alpha[..., k] for k in range(8))
        batch = np.broadcast_shapes(alpha.shape[:-1], blocks.shape[:-2])
        scale = self.quenching_nuisance == "scale"
        w4 = FORM_FACTOR_NODES.weights(a4)
        w5 = QUENCHING_NODES.weights(a5) if scale else np.ones((*np.shape(a5), 1))
        rows = [w4[..., :, None] * w5[..., None, :]]
        if jacobian:
            rows.append(FORM_FACTOR_NODES.weight_derivatives(a4)[..., :, None] * w5[..., None, :])
            if scale:
                rows.append(w4[..., :, None] * QUENCHING_NODES.weight_derivatives(a5)[..., None, :])
        weights = np.stack([r.reshape(*r.shape[:-2], -1) for r in rows], axis=-2)
        n_c, n_sub = electrons.shape[-2], electrons.shape[-1]
        nuclear = _contract_nodes(weights, blocks).reshape(*batch, len(rows), n_c, n_sub)
        eff, deff = self.smearing.sub_bin_efficiency(
            a7, "average" if self.inputs == "smooth" else "midpoint"
        )
        eff, deff = eff[..., None, None, :], deff[..., None, None, :]  # (..., 1, 1, n_sub)
        sub = [
            nuclear * eff,
            np.broadcast_to(electrons[..., None, :, :] * eff, (*batch, 1, n_c, n_sub)),
        ]
        if jacobian:
            sub += [nuclear[..., :1, :, :] * deff, electrons[..., None, :, :] * deff]
        first, stop, starts = self._sub_bin_groups
        energy = np.concatenate(  # (..., rows, 3, 9)
            [
                np.broadcast_to(
                    np.add.reduceat(s[..., first:stop], starts, axis=-1),
                    (*batch, *s.shape[-3:-1], starts.size),
                )
                for s in sub
            ],
            axis=-3,
        )
        timing, dtiming = self.neutrino_time.evaluate(a6 * us)  # (..., 2, 11)
        timing = timing[..., self._component_timing, :]
        dtiming = dtiming[..., self._component_timing, :] * us
        bkg_time, dbkg_time = self.background_time.evaluate(a6 * us)
        # (..., rows, 9, 11): energy^T @ timing per component sum
        n_r = len(rows)
        folded = np.matmul(energy[..., : n_r + 1, :, :].swapaxes(-1, -2), timing[..., None, :, :])
        cevns, es = folded[..., 0, :, :], folded[..., n_r, :, :]
        e_brn, e_nin = self.background_energy
        brn = e_brn[:, None] * bkg_time[..., 0, None, :]
        nin = e_nin[:, None] * bkg_time[..., 1, None, :]
        norm = 1.0 + a0 + (0.0 if scale else a5)
        one = np.ones(())

        def times(factor, value):
            return np.asarray(factor)[..., None, None] * value

        parts = {
            "cevns": times(norm, cevns),
            "electron": times(1.0 + a0, es),
            "brn": times(1.0 + a1, brn),
            "nin": times(1.0 + a2, nin),
            "steady_state": times(1.0 + a3, self.steady_state * one),
        }
        if not jacobian:
            return parts, None
        dbkg_time = dbkg_time * us
        d4 = times(norm, folded[..., 1, :, :])
        d5 = times(norm, folded[..., 2, :, :]) if scale else cevns
        energy_nuclear, energy_electron = energy[..., 0, :, :], energy[..., n_r, :, :]
        timing_slope = (times(norm, energy_nuclear) + times(1.0 + a0, energy_electron)).swapaxes(
            -1, -2
        )  # (..., 9, 3)
        d6 = (
            np.matmul(timing_slope, dtiming)
            + times(1.0 + a1, e_brn[:, None] * dbkg_time[..., 0, None, :])
            + times(1.0 + a2, e_nin[:, None] * dbkg_time[..., 1, None, :])
        )
        d7_energy = times(norm, energy[..., n_r + 1, :, :]) + times(
            1.0 + a0, energy[..., n_r + 2, :, :]
        )
        d7 = np.matmul(d7_energy.swapaxes(-1, -2), timing)
        jac = [cevns + es, brn, nin, self.steady_state * one, d4, d5, d6, d7]
        jac = np.stack(
            [np.broadcast_to(j, (*batch, *self.steady_state.shape)) for j in jac], axis=-3
        )
        return parts, jac

    def analysis_signal(self, predicted) -> np.ndarray:
        """CEvNS plus electron-recoil counts in the 9 x 11 analysis bins (energy-major) at
        nominal nuisances."""
        parts = self.expected(predicted)
        return (parts["cevns"] + parts["electron"]).ravel()

    def expected(self, predicted, nuisances: Mapping[str, float] | None = None) -> dict:
        """N_th of Eq. (21) and its parts for one prediction, each of shape (9, 11).

        Parameters
        ----------
        predicted : array_like
            A prediction (fine true-recoil counts, see the class notes).
        nuisances : mapping, optional
            alpha_0..alpha_7 by name (``"alpha0"``...); missing ones are 0. alpha_6 in us,
            alpha_7 in PE.

        Returns
        -------
        dict
            ``cevns``, ``electron``, ``brn``, ``nin``, ``steady_state`` and ``total``.
        """
        alpha = self.likelihood.theta(dict(nuisances or {}))
        parts, _ = self._evaluate(self._prepare(self._single(predicted)), alpha)
        parts["total"] = sum(parts.values())
        return parts

    @cached_property
    def _sm_fit(self) -> FitResult:
        """Profile of the SM prediction."""
        return self.likelihood.profile(self._check_prediction(self.sm_counts))

    def _single(self, predicted) -> np.ndarray:
        predicted = self._check_prediction(predicted)
        if predicted.ndim != 1:
            raise ParameterError(f"expected a single prediction, got shape {predicted.shape}")
        return predicted

    def profile(self, predicted, method: str = "auto", start=None) -> FitResult:
        """Profiled chi^2 and best-fit nuisances of predictions (..., n_entries).

        Parameters
        ----------
        predicted : array_like
        method : {"auto", "gauss-newton", "migrad"}
            ``"auto"``: batched Gauss-Newton;
            ``"migrad"``: iminuit, one fit per prediction (the reference).
        start : array_like, optional
            Warm start (..., 8) broadcast against the predictions' batch (default: the
            nominal values).

        Notes
        -----
        Predictions are profiled in chunks of PROFILE_CHUNK: a chunk's templates stay in the
        processor cache across the iterations, and a chunk stops iterating when its own
        predictions have converged.
        """
        predicted = self._check_prediction(predicted)
        batch = predicted.shape[:-1]
        flat = predicted.reshape(-1, predicted.shape[-1])
        starts = None
        if start is not None:
            start = self.likelihood._check_start(start)
            starts = np.broadcast_to(start, (*batch, start.shape[-1])).reshape(len(flat), -1)
        fits = [
            self.likelihood.profile(
                flat[i : i + PROFILE_CHUNK],
                method=method,
                start=None if starts is None else starts[i : i + PROFILE_CHUNK],
            )
            for i in range(0, max(len(flat), 1), PROFILE_CHUNK)
        ]
        return FitResult(
            chi2=np.concatenate([f.chi2 for f in fits]).reshape(batch),
            values={
                name: np.concatenate([f.values[name] for f in fits]).reshape(batch)
                for name in self.likelihood.names
            },
            converged=np.concatenate([f.converged for f in fits]).reshape(batch),
            n_evaluations=sum(f.n_evaluations for f in fits),
            method=fits[0].method,
        )

    def chi2(self, predicted) -> np.ndarray:
        """Profiled chi^2 of Eq. (20) for predictions of shape (..., n_entries), in one batch."""
        return np.asarray(self.profile(predicted).chi2)

    def summary(self, predicted) -> dict:
        """Best fit of one prediction: chi^2, nuisances, expected parts and data per bin."""
        fit = self.profile(self._single(predicted))
        values = {k: float(v) for k, v in fit.values.items()}
        parts = self.expected(predicted, values)
        labels = self.analysis_labels()
        return {
            "bins": labels,
            "observed": self.observed.ravel(),
            "expected": parts["total"].ravel(),
            "signal": (parts["cevns"] + parts["electron"]).ravel(),
            "brn_background": parts["brn"].ravel(),
            "nin_background": parts["nin"].ravel(),
            "steady_state_background": parts["steady_state"].ravel(),
            "cevns_events": float(parts["cevns"].sum()),
            "electron_events": float(parts["electron"].sum()),
            "chi2": float(fit.chi2),
            "nuisances": values,
            "pulls": {p.name: values[p.name] / p.sigma for p in self.parameters if p.sigma},
            "valid": bool(fit.converged),
            "quenching": self.quenching_name,
            "quenching_nuisance": self.quenching_nuisance,
        }

    def measure_cross_section(self, scale_range: tuple[float, float] = (0.2, 3.0)):
        """Fit the SM prediction with a free normalisation s: the measured flux-averaged CEvNS
        cross section is s <sigma>_SM (the quantity COHERENT quotes), its 1 sigma interval where
        the profiled chi^2 rises by 1.

        Parameters
        ----------
        scale_range : tuple of float
            Search interval of s; chi^2 must exceed its minimum by more than 1 at both ends.

        Returns
        -------
        CrossSectionFit
        """
        sm = self.sm_counts

        def chi2(scale: float) -> float:
            return float(self.chi2(scale * sm))

        lo, hi = scale_range
        best = minimize_scalar(chi2, bounds=(lo, hi), method="bounded", options={"xatol": 1e-5})
        if not (chi2(lo) > best.fun + 1.0 and chi2(hi) > best.fun + 1.0):
            raise UpscatterError(
                f"the 1 sigma interval of the CEvNS normalisation is not inside {scale_range}"
            )
        low = brentq(lambda s: chi2(s) - best.fun - 1.0, lo, best.x, xtol=1e-6)
        high = brentq(lambda s: chi2(s) - best.fun - 1.0, best.x, hi, xtol=1e-6)
        fit = self.summary(best.x * sm)
        sigma = self.flux_averaged_cross_section()
        return CrossSectionFit(
            scale=float(best.x),
            scale_interval=(float(low), float(high)),
            cevns_events=fit["cevns_events"],
            cross_section=float(best.x) * sigma,
            cross_section_interval=(float(low) * sigma, float(high) * sigma),
            chi2=float(best.fun),
            nuisances=fit["nuisances"],
        )


class _ExpectedCounts:
    """N_th of Eq. (21) as the :class:`~upscatter.stats.likelihood.ExpectedCounts` of the
    CsI 2021 likelihood: the 99 analysis bins (PE-major) and their Jacobian."""

    def __init__(self, experiment: CoherentCsI2021):
        self.experiment = experiment
        self.n_prediction = int(np.prod(experiment.template_shape))

    def prepare(self, prediction):
        return self.experiment._prepare(prediction)

    def evaluate(self, state, theta, jacobian: bool = False):
        parts, jac = self.experiment._evaluate(state, theta, jacobian)
        mu = sum(parts.values())
        mu = mu.reshape(*mu.shape[:-2], -1)
        return mu, None if jac is None else jac.reshape(*jac.shape[:-2], -1)


@dataclass(frozen=True)
class CrossSectionFit:
    """The SM prediction fitted with a free normalisation (``measure_cross_section``).

    Attributes
    ----------
    scale : float
        Best-fit multiple of the SM prediction.
    scale_interval : tuple of float
        Its 1 sigma interval (Delta chi^2 = 1).
    cevns_events : float
        Fitted CEvNS events in the analysis region (best-fit nuisances included).
    cross_section : float
        Measured flux-averaged cross section, scale x <sigma>_SM (MeV^-2).
    cross_section_interval : tuple of float
        Its 1 sigma interval (MeV^-2).
    chi2 : float
        Profiled chi^2 at the best fit.
    nuisances : dict[str, float]
        Best-fit alpha_0..alpha_7.
    """

    scale: float
    scale_interval: tuple[float, float]
    cevns_events: float
    cross_section: float
    cross_section_interval: tuple[float, float]
    chi2: float
    nuisances: dict[str, float]
