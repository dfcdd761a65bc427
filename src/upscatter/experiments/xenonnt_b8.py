"""XENONnT solar-8B CEvNS search (SR0+SR1: PRL 133, 191002 (2024), arXiv:2408.02877; SR0-SR2:
arXiv:2604.06002) on the collaboration's data release ``xenonnt_b8_2026`` (Zenodo
10.5281/zenodo.20576156; layout in shared/data/xenonnt_b8_2026/SOURCE.md).

The release, per science run (sr0, sr1, sr2): the observed events in four observables binned
with the release's edges (3 x 3 x 3 x 3 = 81 bins), the accidental-coincidence (AC) and
electronic-recoil (ER) templates in events per t yr per bin, the neutron template on the 7 x 7
grid of the light- and charge-yield nuisances (tly, tqy in -3..3 standard deviations), and the
mono-energetic nuclear-recoil templates (E_NR = 0.5, 0.6, ..., 5.0 keV x the yield grid),
dimensionless detection probabilities per bin. Exposures (t yr, the release notebook's
``livetimes``): sr0 1.174398, sr1 2.342593, sr2 3.249665.

**A prediction** of this experiment is, per run, the 46 hat moments of the nuclear-recoil
spectrum on the release's energy grid, c_k = exposure x int dR/dE h_k(E) dE (events; h_k the
linear-interpolation hats of :class:`~upscatter.response.templates.NodeResponse`), computed by
:func:`upscatter.rates.binned_counts` like every other experiment, so N = N_SM + K @ monomials
stays linear in the model. The signal in analysis bin b is sum_k eps_b(E_k; tly, tqy) c_k, which
is the exact integral of the spectrum times the efficiency interpolated linearly in E between the
0.1 keV nodes. Outside the grid: zero efficiency below 0.5 keV (the release's and the paper's
threshold; the template there is 1e-4 already), the 5.0 keV node's efficiency above, up to the
largest recoil a hep neutrino can give a xenon nucleus (6.1 keV; 8B recoils end at 4.6 keV, so
only the hep tail sees the extension: 6e-6 of the SM signal).

**Yields**: every mono-energetic and neutron template is interpolated on the 7 x 7 (tly, tqy)
grid with tensor-product not-a-knot cubic splines (C2, analytic derivatives for the Jacobian;
:class:`~upscatter.response.templates.CubicGrid`); tly and tqy have unit Gaussian constraints and
bounds [-3, 3] (the grid).

**Likelihood** per run (:class:`~upscatter.stats.likelihood.PoissonLikelihood`), binned Poisson
in the 81 bins:

    mu_b = eps f_B8 S_b(tly, tqy) + (1 + a_AC) AC_b + (1 + a_ER) ER_b + (1 + a_n) n_b(tly, tqy),

S the folded prediction, AC, ER, n the release templates x exposure. f_B8 is the 8B flux in units
of SNO's neutral-current 5.25 x 10^6 cm^-2 s^-1 (SNO, PRC 88, 025501 (2013)), constrained by
0.20/5.25 (``flux="sno"``), free in [0, 10] (``flux="free"``) or absent (``flux="fixed"``); it
multiplies the whole prediction (hep included, 1.6% of the SM signal). The other widths are the
collaboration's own statistical model of these templates (``XENONnT/light_wimp_data_release``,
``data/test_statistical_model.yaml``, which quotes the 8B analysis): signal efficiency eps 25%
(bounds [0.5, 1.5]), AC 9.04% (SR0) and 5.76% (SR1), ER 100%, neutron 58%. As there, AC has one
normalisation per run and ER, neutron one for all runs; SR2's AC width is not available here and
takes SR1's. Runs are summed with :func:`~upscatter.stats.likelihood.combine`, everything but the
AC normalisations shared (one detector response, one Sun). Propagated, these widths give the
SR0+SR1 background total +-1.44 events, against the paper's +1.4 -1.3 (arXiv:2408.02877).
See docs/xenonnt.md.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property

import h5py
import numpy as np
import yaml
from scipy.optimize import brentq, minimize_scalar

from .. import data
from .._validate import lookup
from ..errors import DataError, ParameterError, UpscatterError
from ..fluxes import solar
from ..kinematics import recoil_range
from ..models import Model
from ..nuclei import get_material
from ..response.templates import CubicGrid, NodeResponse, interpolate_grid, y_major
from ..stats.likelihood import FitResult, Likelihood, Parameter, PoissonLikelihood, combine
from ..units import cm2, keV, s, year
from .base import Experiment, fit_summary

DATASET = "xenonnt_b8_2026"
EXPOSURES_T_YR: Mapping[str, float] = {"sr0": 1.174398, "sr1": 2.342593, "sr2": 3.249665}
"""Exposure per science run (t yr), release notebook ``plot.ipynb`` (``livetimes``)."""
RUNS = tuple(EXPOSURES_T_YR)
OBSERVABLES = ("cs2", "s2_shadow_s2_time_shadow_quantile", "s1_bdt_score", "s2_bdt_score")
"""The four analysis observables, in the release's axis order (binning files, README)."""
BACKGROUND_SR01 = 26.4
"""Expected SR0+SR1 background events above 0.5 keV, arXiv:2408.02877 abstract."""
BACKGROUND_SR01_UNCERTAINTY = (1.4 + 1.3) / 2.0
"""Mean of the +1.4 / -1.3 uncertainty of :data:`BACKGROUND_SR01` (arXiv:2408.02877)."""
B8_FLUX_MEASURED_SR01 = (4.7, 3.6, 2.3)
"""SR0+SR1 measured 8B flux (central, +, -) in 1e6 cm^-2 s^-1, arXiv:2408.02877 abstract."""
SIGNIFICANCE_SR01 = 2.73
"""SR0+SR1 background-only rejection in sigma, arXiv:2408.02877 abstract."""
FLUX_OPTIONS = ("sno", "free", "fixed")
FLUX_FREE_RANGE = (0.0, 10.0)
"""Bounds of the 8B flux (units of SNO NC) when it is free."""
NORMALISATION_BOUNDS = (-0.99, 10.0)
"""Bounds of the relative background normalisations a_AC, a_ER, a_n (the rate multipliers
1 + a of the collaboration's model are fitted in [0, 100])."""
AC_UNCERTAINTY: Mapping[str, float] = {"sr0": 0.0904, "sr1": 0.0576, "sr2": 0.0576}
"""Relative AC-rate uncertainty per run: SR0, SR1 from the collaboration's statistical model
(``XENONnT/light_wimp_data_release``, ``data/test_statistical_model.yaml``,
``ac_sr0/ac_sr1_rate_multiplier``, quoting the 8B analysis); SR2 not published in what was
accessible here: SR1's value."""
ER_UNCERTAINTY = 1.0
"""Relative ER-rate uncertainty, one multiplier for all runs (same file, ``er_rate_multiplier``,
shared by SR0 and SR1)."""
NEUTRON_UNCERTAINTY = 0.58
"""Relative neutron-rate uncertainty, one multiplier for all runs (same file,
``nr_rate_multiplier``)."""
SIGNAL_EFFICIENCY_UNCERTAINTY = 0.25
"""Relative uncertainty of the signal expectation at given flux, bounds [0.5, 1.5] (same file,
``signal_efficiency``: applied to the 8B and dark-matter signals alike)."""
SIGNAL_EFFICIENCY_BOUNDS = (0.5, 1.5)
_MONO = re.compile(
    r"templates/(sr\d)/mono/template_XENONnT_\1_mono_([\d.]+)_cevns_tly_(-?[\d.]+)_tqy_(-?[\d.]+)"
    r"\.h5$"
)
_RG = re.compile(
    r"templates/(sr\d)/rg/template_XENONnT_\1_rg_cevns_tly_(-?[\d.]+)_tqy_(-?[\d.]+)\.h5$"
)
FLUX_UNIT = 1.0e6 / (cm2 * s)
"""10^6 cm^-2 s^-1, the unit of the published 8B fluxes."""


# --------------------------------------------------------------------------------- the release
def _read_dataset(fid, name: bytes) -> np.ndarray:
    dataset = h5py.h5d.open(fid, name)
    values = np.empty(dataset.shape, dtype=float)
    dataset.read(h5py.h5s.ALL, h5py.h5s.ALL, values)
    return values


def _read_template(filename: str) -> tuple[np.ndarray, list[np.ndarray]]:
    """The (3, 3, 3, 3) template and the four bin-edge arrays of one release HDF5 file.

    h5py's low-level interface (file, then dataset by path): a quarter of the time of
    ``h5py.File``, which matters for the 6930 files of the release."""
    file = data.path(DATASET, filename)
    try:
        fid = h5py.h5f.open(str(file).encode(), h5py.h5f.ACC_RDONLY)
        try:
            template = _read_dataset(fid, b"templates/template")
            edges = [_read_dataset(fid, f"bins/{i}".encode()) for i in range(len(OBSERVABLES))]
        finally:
            fid.close()
    except (OSError, KeyError) as exc:
        raise DataError(f"{DATASET}/{filename}: not a release template ({exc})") from exc
    if template.shape != (3,) * len(OBSERVABLES):
        raise DataError(f"{DATASET}/{filename}: template shape {template.shape}, expected 3^4")
    return template, edges


def _grid_values(matches: list[re.Match], group: int) -> np.ndarray:
    return np.array(sorted({float(m[group]) for m in matches}))


@dataclass(frozen=True)
class RunRelease:
    """One science run of the release, with every template flattened to the 81 bins (C order
    of the four observables).

    Attributes
    ----------
    run : str
    exposure : float
        t yr.
    edges : tuple of numpy.ndarray
        Bin edges of the four observables (:data:`OBSERVABLES`).
    observed : numpy.ndarray
        Observed events per bin, (81,).
    n_events : int
        Rows of the run's event file (all inside the binning).
    ac, er : numpy.ndarray
        Expected events per t yr per bin, (81,).
    yields : numpy.ndarray
        The yield-nuisance grid (-3..3), shared by tly and tqy.
    neutron : numpy.ndarray
        Neutron events per t yr per bin on the grid, (n_tly, n_tqy, 81).
    energies : numpy.ndarray
        Mono-energetic recoil energies (keV), (46,).
    mono : numpy.ndarray
        Detection probabilities per bin, (n_tly, n_tqy, 46, 81).
    """

    run: str
    exposure: float
    edges: tuple[np.ndarray, ...]
    observed: np.ndarray
    n_events: int
    ac: np.ndarray
    er: np.ndarray
    yields: np.ndarray
    neutron: np.ndarray
    energies: np.ndarray
    mono: np.ndarray


def _binning(run: str) -> tuple[np.ndarray, ...]:
    try:
        raw = yaml.safe_load(data.path(DATASET, f"binning/{run}.yaml").read_text())
    except yaml.YAMLError as exc:
        raise DataError(f"{DATASET}/binning/{run}.yaml: not YAML ({exc})") from exc
    if not isinstance(raw, dict) or tuple(raw) != OBSERVABLES:
        raise DataError(f"{DATASET}/binning/{run}.yaml: expected the observables {OBSERVABLES}")
    return tuple(np.asarray(raw[name], dtype=float) for name in OBSERVABLES)


def _events(run: str) -> np.ndarray:
    with data.path(DATASET, f"data/{run}.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    header = tuple(rows[0][1:])
    if header != OBSERVABLES:
        raise DataError(f"{DATASET}/data/{run}.csv: columns {header}, expected {OBSERVABLES}")
    return np.array([[float(v) for v in row[1:]] for row in rows[1:]], dtype=float)


@cache
def read_run(run: str) -> RunRelease:
    """Read (once per process) one science run of the release.

    Raises
    ------
    ParameterError
        Unknown run.
    DataError
        Missing, corrupted or inconsistent release files (binning of a template differing from
        the run's binning file, an incomplete template grid, events outside the binning).
    """
    exposure = lookup("science run", EXPOSURES_T_YR, run)
    edges = _binning(run)
    events = _events(run)
    observed, _ = np.histogramdd(events, bins=edges)
    if observed.sum() != len(events):
        raise DataError(f"{DATASET}/data/{run}.csv: events outside the binning")

    flat_edges = np.concatenate(edges)

    def template(filename: str) -> np.ndarray:
        values, template_edges = _read_template(filename)
        if not np.allclose(np.concatenate(template_edges), flat_edges):
            raise DataError(f"{DATASET}/{filename}: bin edges differ from binning/{run}.yaml")
        return values.reshape(-1)

    names = data.get_dataset(DATASET).filenames
    mono = [m for m in map(_MONO.match, names) if m and m[1] == run]
    rg = [m for m in map(_RG.match, names) if m and m[1] == run]
    energies, yields = _grid_values(mono, 2), _grid_values(mono, 3)
    if not (
        np.array_equal(yields, _grid_values(mono, 4))
        and np.array_equal(yields, _grid_values(rg, 2))
        and np.array_equal(yields, _grid_values(rg, 3))
        and len(mono) == energies.size * yields.size**2
        and len(rg) == yields.size**2
    ):
        raise DataError(f"{DATASET}: incomplete template grid for {run}")
    n_y = yields.size
    index = {float(v): i for i, v in enumerate(yields)}
    e_index = {float(v): i for i, v in enumerate(energies)}
    neutron = np.empty((n_y, n_y, 81))
    for m in rg:
        neutron[index[float(m[2])], index[float(m[3])]] = template(m[0])
    stack = np.empty((n_y, n_y, energies.size, 81))
    for m in mono:
        stack[index[float(m[3])], index[float(m[4])], e_index[float(m[2])]] = template(m[0])
    arrays = (observed.reshape(-1), neutron, stack)
    for a in arrays:
        a.flags.writeable = False
    return RunRelease(
        run=run,
        exposure=exposure,
        edges=edges,
        observed=arrays[0],
        n_events=len(events),
        ac=template(f"templates/{run}/ac/template_XENONnT_{run}_ac_cevns.h5"),
        er=template(f"templates/{run}/er/template_XENONnT_{run}_er_cevns.h5"),
        yields=yields,
        neutron=neutron,
        energies=energies,
        mono=stack,
    )


# ------------------------------------------------------------------------------ the likelihood
@dataclass(frozen=True)
class RunCounts:
    """Expected counts of one run (an :class:`~upscatter.stats.likelihood.ExpectedCounts`).

    Parameters, in order: tly, tqy, signal_efficiency, [b8_flux], ac, er, neutron (see the
    module notes). A
    prediction is the run's 46 hat moments (events); ``prepare`` folds it with the mono templates
    at every grid point, ``evaluate`` interpolates in the yields.
    """

    release: RunRelease
    with_flux: bool

    @property
    def n_prediction(self) -> int:
        return int(self.release.energies.size)

    @cached_property
    def grid(self) -> CubicGrid:
        return CubicGrid(self.release.yields)

    @cached_property
    def _backgrounds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """AC, ER (events per bin) and the neutron grid (:func:`y_major` layout)."""
        r = self.release
        return r.exposure * r.ac, r.exposure * r.er, y_major(r.exposure * r.neutron)

    @cached_property
    def _mono(self) -> np.ndarray:
        """Mono templates as (n_energy, n_tqy, n_tly x 81), so a prediction contracts to the
        :func:`y_major` layout directly."""
        mono = self.release.mono  # (n_tly, n_tqy, n_energy, 81)
        return np.ascontiguousarray(mono.transpose(2, 1, 0, 3)).reshape(
            mono.shape[2], mono.shape[1], -1
        )

    def prepare(self, prediction: np.ndarray) -> np.ndarray:
        """Folded signal on the yield grid, (..., n_tqy, n_tly x 81) (:func:`y_major`)."""
        return np.einsum("...k,kjc->...jc", prediction, self._mono)

    def evaluate(self, state, theta, jacobian: bool = False):
        ac, er, neutron = self._backgrounds
        w, dw = self.grid.weights(theta[..., :2], derivative=jacobian)  # (..., 2, n_grid)
        wl, wq = w[..., 0, :], w[..., 1, :]
        dl, dq = (dw[..., 0, :], dw[..., 1, :]) if jacobian else (None, None)
        signal, ds_l, ds_q = interpolate_grid(state, wl, wq, dl, dq)
        rg, dn_l, dn_q = interpolate_grid(neutron, wl, wq, dl, dq)
        efficiency = theta[..., 2:3]
        flux = theta[..., 3:4] if self.with_flux else 1.0
        k = 4 if self.with_flux else 3
        a_ac, a_er, a_n = (theta[..., i : i + 1] for i in range(k, k + 3))
        scale = efficiency * flux
        mu = scale * signal + (1.0 + a_ac) * ac + (1.0 + a_er) * er + (1.0 + a_n) * rg
        if not jacobian:
            return mu, None
        rows = [scale * ds_l + (1.0 + a_n) * dn_l, scale * ds_q + (1.0 + a_n) * dn_q]
        rows.append(flux * signal)
        if self.with_flux:
            rows.append(efficiency * signal)
        rows += [ac, er, rg]
        return mu, np.stack(np.broadcast_arrays(mu, *rows)[1:], axis=-2)


def run_likelihood(run: str, flux: str = "sno") -> PoissonLikelihood:
    """The binned Poisson likelihood of one science run (module notes)."""
    flux = lookup("flux option", {k: k for k in FLUX_OPTIONS}, flux)
    release = read_run(run)
    lo, hi = float(release.yields[0]), float(release.yields[-1])
    parameters = [
        Parameter("tly", 0.0, (lo, hi), 1.0),
        Parameter("tqy", 0.0, (lo, hi), 1.0),
        Parameter(
            "signal_efficiency", 1.0, SIGNAL_EFFICIENCY_BOUNDS, SIGNAL_EFFICIENCY_UNCERTAINTY
        ),
    ]
    if flux == "sno":
        sigma = solar.B8_FLUX_SNO_UNCERTAINTY / solar.B8_FLUX_SNO
        parameters.append(Parameter("b8_flux", 1.0, FLUX_FREE_RANGE, sigma))
    elif flux == "free":
        parameters.append(Parameter("b8_flux", 1.0, FLUX_FREE_RANGE))
    parameters += [
        Parameter("ac", 0.0, NORMALISATION_BOUNDS, AC_UNCERTAINTY[run]),
        Parameter("er", 0.0, NORMALISATION_BOUNDS, ER_UNCERTAINTY),
        Parameter("neutron", 0.0, NORMALISATION_BOUNDS, NEUTRON_UNCERTAINTY),
    ]
    return PoissonLikelihood(
        f"xenonnt-{run}", release.observed, parameters, RunCounts(release, flux != "fixed")
    )


def runs_likelihood(runs: Sequence[str], flux: str = "sno") -> Likelihood:
    """The sum over runs with everything but the AC normalisation shared; one run's own
    likelihood alone."""
    parts = [run_likelihood(run, flux) for run in runs]
    if len(parts) == 1:
        return parts[0]
    shared = ("tly", "tqy", "signal_efficiency", "er", "neutron")
    return combine(*parts, shared=shared + (() if flux == "fixed" else ("b8_flux",)))


# ------------------------------------------------------------------------------ the experiment
def _check_runs(runs) -> tuple[str, ...]:
    if isinstance(runs, str):
        runs = (runs,)
    try:
        runs = tuple(str(r).lower() for r in runs)
    except TypeError as exc:
        raise ParameterError(f"runs must be a sequence of {', '.join(RUNS)}") from exc
    if not runs or len(set(runs)) != len(runs) or any(r not in RUNS for r in runs):
        raise ParameterError(f"runs must be distinct, among {', '.join(RUNS)}; got {runs}")
    return tuple(r for r in RUNS if r in runs)


def recoil_upper_limit() -> float:
    """Largest recoil (MeV) a solar (hep-endpoint) neutrino gives any xenon isotope."""
    energy = solar.endpoint("hep")
    return max(float(recoil_range(energy, iso.mass)[1]) for iso in get_material("Xe").isotopes)


@dataclass(frozen=True)
class FluxMeasurement:
    """The 8B flux fitted with the flux free (profile likelihood; 1e6 cm^-2 s^-1).

    Attributes
    ----------
    flux, upper_error, lower_error : float
        Best fit and its Delta chi^2 = 1 errors.
    significance : float
        sqrt(chi2(flux = 0) - chi2_min): the background-only rejection (Wilks, one dof).
    chi2_min, chi2_background : float
    """

    flux: float
    upper_error: float
    lower_error: float
    significance: float
    chi2_min: float
    chi2_background: float


class XenonntB8(Experiment):
    """XENONnT 8B CEvNS (module notes).

    Parameters
    ----------
    runs : sequence of str
        Science runs among ``"sr0"``, ``"sr1"``, ``"sr2"`` (default all).
    flux : str
        8B flux normalisation: ``"sno"`` (constrained, default), ``"free"`` or ``"fixed"``.
    form_factor : str
        Nuclear form factor of the cross sections (default Helm).
    """

    name = "xenonnt-8b"
    detector_mass_kg = 1000.0

    def __init__(self, runs: Sequence[str] = RUNS, flux: str = "sno", form_factor: str = "helm"):
        self.runs = _check_runs(runs)
        self.flux = lookup("flux option", {k: k for k in FLUX_OPTIONS}, flux)
        self.form_factor = form_factor
        self.material = get_material("Xe")
        self.source = solar.solar_source(exposure_time=year)
        self.releases = tuple(read_run(run) for run in self.runs)
        self.energies_kev = self.releases[0].energies
        self.response = NodeResponse(self.energies_kev * keV, recoil_upper_limit())

    @cached_property
    def likelihood(self) -> Likelihood:
        return runs_likelihood(self.runs, self.flux)

    @property
    def exposures(self) -> np.ndarray:
        return np.array([r.exposure for r in self.releases])

    def fold_components(self, counts: np.ndarray) -> np.ndarray:
        """(n_mass, n_comp, 46, ...) per t yr -> (n_mass, n_runs x 46, ...) events."""
        per_tyr = counts.sum(axis=1)
        return np.concatenate([e * per_tyr for e in self.exposures], axis=1)

    def bin_labels(self) -> list[str]:
        return [f"{run} E={e:.1f} keV" for run in self.runs for e in self.energies_kev]

    def analysis_labels(self) -> list[str]:
        """One label per analysis bin: run and the four observable bin indices."""
        return [f"{run} {i}{j}{k}{m}" for run in self.runs for i, j, k, m in np.ndindex(3, 3, 3, 3)]

    def _split(self, predicted) -> list[np.ndarray]:
        predicted = self.likelihood.check_prediction(predicted)
        n = self.energies_kev.size
        return [predicted[..., i * n : (i + 1) * n] for i in range(len(self.runs))]

    def analysis_signal(self, predicted) -> np.ndarray:
        """Signal per analysis bin (n_runs x 81) at nominal yields."""
        centre = self.releases[0].yields.size // 2
        return np.concatenate(
            [
                part @ release.mono[centre, centre]
                for part, release in zip(self._split(predicted), self.releases, strict=True)
            ],
            axis=-1,
        )

    @property
    def observed(self) -> np.ndarray:
        return np.concatenate([r.observed for r in self.releases])

    def backgrounds(self) -> dict[str, np.ndarray]:
        """Nominal AC, ER and neutron expectations per analysis bin (events)."""
        centre = self.releases[0].yields.size // 2
        return {
            "ac_background": np.concatenate([r.exposure * r.ac for r in self.releases]),
            "er_background": np.concatenate([r.exposure * r.er for r in self.releases]),
            "neutron_background": np.concatenate(
                [r.exposure * r.neutron[centre, centre] for r in self.releases]
            ),
        }

    def summary(self, predicted: np.ndarray) -> dict:
        fit = self.likelihood.profile(predicted)
        return {
            "bins": self.analysis_labels(),
            "observed": self.observed,
            **self.backgrounds(),
            **fit_summary(fit),
            "runs": list(self.runs),
            "flux": self.flux,
            "note": "nuclear recoils only: the release has no electron-recoil channel",
        }

    def profile(self, predicted) -> FitResult:
        """The likelihood's profile of predictions (..., n_runs x 46)."""
        return self.likelihood.profile(predicted)

    def model_options(self, model: Model, options: Mapping | None = None) -> dict:
        """The electron channel is off and cannot be switched on: the release's signal templates
        are for nuclear recoils only (electron recoils would enter the ER-like region, which
        the release describes by its background template alone)."""
        options = super().model_options(model, options)
        if options.get("electrons"):
            raise ParameterError(
                f"{self.name}: nuclear recoils only (the release has no electron-recoil signal "
                "templates); drop --electrons"
            )
        return options

    def measure_flux(self, max_scale: float = FLUX_FREE_RANGE[1]) -> FluxMeasurement:
        """Fit the 8B flux (free) to the data: profile chi^2 of the SM prediction scaled by
        f = Phi / Phi_SNO, the other nuisances profiled; errors at Delta chi^2 = 1."""
        likelihood = runs_likelihood(self.runs, "fixed")
        sm = self.sm_counts

        def chi2(scale: float) -> float:
            return float(likelihood.profile(scale * sm).chi2)

        best = minimize_scalar(
            chi2, bounds=(0.0, max_scale), method="bounded", options={"xatol": 1e-5}
        )
        f_hat, chi2_min = float(best.x), float(best.fun)
        chi2_zero = chi2(0.0)

        def crossing(a: float, b: float) -> float:
            if (chi2(b) - chi2_min - 1.0) * (chi2(a) - chi2_min - 1.0) > 0:
                raise UpscatterError("xenonnt-8b: the flux interval is not closed in range")
            return brentq(lambda f: chi2(f) - chi2_min - 1.0, a, b, xtol=1e-6)

        upper = crossing(f_hat, max_scale)
        lower = crossing(0.0, f_hat) if chi2_zero - chi2_min > 1.0 else 0.0
        unit = solar.B8_FLUX_SNO / FLUX_UNIT
        return FluxMeasurement(
            flux=f_hat * unit,
            upper_error=(upper - f_hat) * unit,
            lower_error=(f_hat - lower) * unit,
            significance=float(np.sqrt(max(chi2_zero - chi2_min, 0.0))),
            chi2_min=chi2_min,
            chi2_background=chi2_zero,
        )
