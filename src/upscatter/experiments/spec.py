"""Experiments from declarative specs: one TOML schema, validated with pydantic, two forms.

``get_experiment("my_detector.toml")`` (and ``--experiment my_detector.toml``), or the name of a
spec shipped in ``upscatter/experiments/specs/`` (``get_experiment("reactor-ge-example")``),
reads a file of this schema (docs/experiment-spec.md has it field by field with a worked
example). Every file has ``name``, ``[target]`` and ``[source]``, an ``[exposure]`` where the
source or a background needs one, then one of:

* the *detector form* (:class:`SpecExperiment`): a ``[response]`` chain (quenching, Gaussian
  resolution, efficiency from :mod:`upscatter.response`) from fine true-recoil bins to
  ``[analysis]`` bins in observed energy (keVee), a ``[signal]`` and ``[[backgrounds]]`` with
  Gaussian-constrained normalisations, ``[[nuisances]]`` on numeric response parameters (the
  Lindhard k) tabulated at Chebyshev nodes (:class:`upscatter.stats.modifiers.
  TabulatedResponse`), and ``[data]``: observed counts per bin or ``"asimov"``. Its likelihood
  is the binned Poisson likelihood of paper 003 Eq. (20) over a
  :class:`~upscatter.stats.modifiers.SampleModel`. In place of ``[response]``, a
  ``[photoelectrons]`` response (CsI 2017) or a ``[smearing]`` response folded inside the rate
  integral (LAr 2020); a ``[timing]`` window or time bins; data, backgrounds and shape variants
  from release tables (:class:`ReleaseTable`, read through :mod:`upscatter.data`); and the
  Gaussian-pull likelihood of paper 000 Eq. (34) and paper 003 Eqs. (22)-(24)
  (``[likelihood] form = "gaussian-pull"``).
* the *projection form* (the TOML experiments of earlier versions, unchanged): ``[binning]`` in
  true nuclear recoil on a perfect detector, a flat ``[background]`` and a normalisation
  ``[uncertainty]``, Asimov data and the Gaussian-pull chi^2 of paper 002 Eq. (13)
  (:class:`~upscatter.experiments.projection.ProjectedExperiment`).

Every bad key or value is a :class:`~upscatter.errors.ParameterError` of one line naming the
file and the field: ``experiment file X: field target.mass_kg is invalid: ...``.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Mapping
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    ValidationError,
    field_validator,
    model_validator,
)

from .. import data as release
from ..errors import DataError, ParameterError
from ..fluxes.reactor import DEFAULT_SPECTRUM, check_spectrum
from ..fluxes.timing import ArrivalTime
from ..form_factors import get_form_factor
from ..nuclei import Material, get_material
from ..rates import NUCLEAR, RecoilBins
from ..response import (
    DetectorResponse,
    LinearQuenching,
    QuenchedGaussianResponse,
    SteppedPEResponse,
    build_piece,
)
from ..stats.likelihood import (
    LinearGaussianLikelihood,
    Parameter,
    PoissonLikelihood,
    Pull,
    template_gaussian_likelihood,
)
from ..stats.modifiers import ResponseMatrix, Sample, SampleModel, TabulatedResponse
from ..units import day, keV, us, year
from .base import Experiment, fit_summary
from .projection import SOURCE_BUILDERS, ProjectedExperiment, recoil_edges

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib


class _FieldProblem(ValueError):
    """A problem found by a table-level check that belongs to one field of the table."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


# ------------------------------------------------------------------------------- common tables
class Target(_Table):
    """``[target]``: material (CsI, Ar, Ge, Xe), mass (kg), nuclear form factor."""

    material: str
    mass_kg: PositiveFloat
    form_factor: str = "helm"

    @field_validator("material")
    @classmethod
    def _known_material(cls, value: str) -> str:
        get_material(value)
        return value

    @field_validator("form_factor")
    @classmethod
    def _known_form_factor(cls, value: str) -> str:
        get_form_factor(value)
        return value


class ReactorSource(_Table):
    """``[source]`` of a reactor (:func:`~upscatter.experiments.projection.reactor_exposure`)."""

    name: Literal["reactor"]
    distance_m: PositiveFloat
    thermal_power_gw: PositiveFloat
    fission_fractions: dict[str, float] | None = None
    energies_per_fission_mev: dict[str, PositiveFloat] | None = None
    e_nu_min_mev: PositiveFloat | None = None
    reactor_spectrum: str = DEFAULT_SPECTRUM

    @field_validator("reactor_spectrum")
    @classmethod
    def _known_spectrum(cls, value: str) -> str:
        return check_spectrum(value)


class SNSSource(_Table):
    """``[source]`` of the SNS (:func:`~upscatter.experiments.projection.sns_exposure`)."""

    name: Literal["sns"]
    distance_m: PositiveFloat
    pot_per_year: PositiveFloat | None = None
    pot: PositiveFloat | None = None
    nu_per_pot: PositiveFloat = 0.08

    @model_validator(mode="after")
    def _one_amount(self):
        if self.pot is None and self.pot_per_year is None:
            raise _FieldProblem("pot_per_year", "is missing (or give pot, of the whole run)")
        if self.pot is not None and self.pot_per_year is not None:
            raise _FieldProblem(
                "pot", "is inconsistent with source.pot_per_year: give one or the other"
            )
        return self


class SolarSource(_Table):
    """``[source]`` of the Sun (:func:`~upscatter.experiments.projection.solar_exposure`)."""

    name: Literal["solar"]
    fluxes: list[Literal["B8", "hep"]] = ["B8", "hep"]
    b8_normalisation: str = "sno-nc"
    hep_normalisation: str = "GS98"
    b8_shape_shift: float = Field(default=0.0, ge=-3.0, le=3.0)
    solar_model: Literal["BS05-GS", "BS05-AGS"] = "BS05-GS"


SOURCE_MODELS = {"reactor": ReactorSource, "sns": SNSSource, "solar": SolarSource}
SourceTable = Annotated[ReactorSource | SNSSource | SolarSource, Field(discriminator="name")]


class Exposure(_Table):
    """``[exposure]``: live time (years), needed by every source but an SNS run given by its
    ``pot`` and by flat background rates; the beam energy (GW h) scales release tables given
    per GW h (``per_beam_gwh`` of a background)."""

    years: PositiveFloat | None = None
    beam_energy_gwh: PositiveFloat | None = None


def _edges_from(table: BaseModel, lo: str, hi: str, width: str, section: str) -> np.ndarray:
    """Bin edges (MeV) from ``edges_kev`` or from (threshold, upper end, width) in keV."""
    steps = [key for key in (lo, hi, width) if getattr(table, key) is not None]
    if table.edges_kev is not None:
        if steps:
            raise _FieldProblem(
                "edges_kev", f"is inconsistent with {section}.{steps[0]}: give one or the other"
            )
        try:
            return RecoilBins(np.asarray(table.edges_kev) * keV).edges
        except ParameterError as exc:
            raise _FieldProblem("edges_kev", f"is invalid: {exc}") from None
    for key in (lo, hi, width):
        if getattr(table, key) is None:
            raise _FieldProblem(key, "is missing" + ("" if steps else " (or give edges_kev)"))
    return recoil_edges(getattr(table, lo), getattr(table, hi), getattr(table, width))


# ---------------------------------------------------------------------------- projection form
class Binning(_Table):
    """``[binning]`` (projection form): nuclear-recoil bins of a perfect detector (keV)."""

    threshold_kev: PositiveFloat | None = None
    max_recoil_kev: PositiveFloat | None = None
    bin_width_kev: PositiveFloat | None = None
    edges_kev: list[float] | None = None

    @cached_property
    def edges(self) -> np.ndarray:
        """Bin edges (MeV)."""
        return _edges_from(self, "threshold_kev", "max_recoil_kev", "bin_width_kev", "binning")

    @model_validator(mode="after")
    def _consistent(self):
        _ = self.edges
        return self


class FlatBackground(_Table):
    """``[background]`` (projection form): flat in recoil, as a rate and/or a fraction of SM."""

    rate_per_kev_kg_day: NonNegativeFloat = 0.0
    fraction_of_sm: NonNegativeFloat = 0.0


class Uncertainty(_Table):
    """``[uncertainty]`` (projection form): the signal normalisation uncertainty (fraction)."""

    normalisation: PositiveFloat


# ------------------------------------------------------------------------------ detector form
class Piece(BaseModel):
    """One response piece: ``model`` (a registry name of :mod:`upscatter.response`) and its
    options (numbers, or lists of numbers for tables)."""

    model_config = ConfigDict(extra="allow", strict=True, allow_inf_nan=False, frozen=True)
    model: str

    @property
    def options(self) -> dict[str, Any]:
        """The piece's options (everything but ``model``)."""
        return dict(self.model_extra or {})


def _known_dataset(name: str) -> str:
    release.get_dataset(name)
    return name


DatasetName = Annotated[str, AfterValidator(_known_dataset)]
"""The name of a registered data release (:data:`upscatter.data.DATASETS`)."""


class ReleaseTable(_Table):
    """A table of a data release, read through :func:`upscatter.data.path` (verified copies;
    release files are never part of the package): ``file`` of ``dataset`` (default:
    ``[data].dataset``), comma-separated numeric rows (:func:`upscatter.data.numeric_rows`),
    and ``columns`` naming each column in order: ``pe`` or ``energy_kevee`` (the analysis
    variable: photoelectrons, or observed energy in keVee), ``time_us`` (arrival time, us: only
    the rows strictly inside the ``[timing]`` window are kept; with ``[timing]`` bins, the
    second axis of the histogram), ``weight`` (counts, rates or probabilities of the row;
    exactly one) or ``"-"`` (unused)."""

    dataset: DatasetName | None = None
    file: str = Field(min_length=1)
    columns: list[Literal["pe", "energy_kevee", "time_us", "weight", "-"]]

    @model_validator(mode="after")
    def _columns(self):
        named = [c for c in self.columns if c != "-"]
        if named.count("weight") != 1 or len(set(named)) != len(named):
            raise _FieldProblem(
                "columns", "needs one 'weight' column and at most one of each other name"
            )
        if "pe" in named and "energy_kevee" in named:
            raise _FieldProblem("columns", "has one analysis variable: 'pe' or 'energy_kevee'")
        return self

    @property
    def variable(self) -> str | None:
        """The analysis-variable column (``pe``, ``energy_kevee``), or None."""
        return next((c for c in self.columns if c in ("pe", "energy_kevee")), None)

    def read(self, dataset: str, window: tuple[float, float] | None) -> dict[str, np.ndarray]:
        """The named columns of the table (of ``dataset`` unless it names its own), only the
        rows with lo < t < hi if it has a time column and a ``window`` (lo, hi) is given."""
        rows = release.numeric_rows(self.dataset or dataset, self.file)
        if rows.ndim != 2 or rows.shape[1] != len(self.columns):
            raise ParameterError(
                f"release table {self.file} has {rows.shape[-1]} columns, the spec names "
                f"{len(self.columns)}"
            )
        columns = {name: rows[:, i] for i, name in enumerate(self.columns) if name != "-"}
        if window is not None and "time_us" in columns:
            t = columns["time_us"]
            inside = (t > window[0]) & (t < window[1])
            columns = {name: values[inside] for name, values in columns.items()}
        return columns


class Photoelectrons(_Table):
    """``[photoelectrons]``: a photoelectron-counting response without smearing
    (:class:`upscatter.response.SteppedPEResponse`): n_PE = ``pe_per_kev`` x T/keV, accepted
    with the ``acceptance`` (an ``acceptance`` piece of :mod:`upscatter.response`) at the centre
    of its fine bin of ``step_pe``; the analysis bins are ``[analysis].edges_pe``. A prediction
    is then the signal per analysis bin."""

    pe_per_kev: PositiveFloat
    step_pe: PositiveFloat = 1.0
    acceptance: Piece

    @model_validator(mode="after")
    def _acceptance(self):
        try:
            _ = self.acceptance_piece
        except ParameterError as exc:
            raise _FieldProblem("acceptance", f"is invalid: {exc}") from None
        return self

    @cached_property
    def acceptance_piece(self):
        """The acceptance as a function of n_PE."""
        return build_piece("acceptance", self.acceptance.model, **self.acceptance.options)

    def response(self, edges_pe) -> SteppedPEResponse:
        """The response onto the analysis bins ``edges_pe`` (PE)."""
        return SteppedPEResponse(self.pe_per_kev, edges_pe, self.acceptance_piece, self.step_pe)


class Timing(_Table):
    """``[timing]``: arrival times, as a window or as bins.

    * A window: ``time_window_us`` inside ``range_us``, its ends on the ``grid_us`` grid (the
      release's time bins); release tables with a time column keep the rows in the window; the
      signal of each flux component is multiplied by the weight in the window of the table of
      its arrival-time profile (``profiles``, by profile name: ``prompt``, ``delayed``).
    * Bins: ``bins_us`` (edges); the analysis bins are then (analysis bin) x (time bin),
      ordered analysis-bin-major; each flux component's signal is spread over the time bins by
      its arrival-time profile (:class:`upscatter.fluxes.timing.ArrivalTime`) for a proton pulse
      of mean ``pulse_mean_us`` and width ``pulse_width_us``, normalised over the bins (paper
      003 Eq. (15)); release tables are histogrammed in both.
    """

    time_window_us: Annotated[list[float], Field(min_length=2, max_length=2)] | None = None
    range_us: Annotated[list[float], Field(min_length=2, max_length=2)] | None = None
    grid_us: PositiveFloat | None = None
    profiles: dict[str, ReleaseTable] | None = None
    bins_us: list[float] | None = None
    pulse_mean_us: float | None = None
    pulse_width_us: PositiveFloat | None = None

    @property
    def binned(self) -> bool:
        """Whether the arrival times are bins (else a window)."""
        return self.bins_us is not None

    @model_validator(mode="after")
    def _window_or_bins(self):
        window, bins = ("time_window_us", "range_us", "grid_us", "profiles"), ("bins_us",)
        pulse = ("pulse_mean_us", "pulse_width_us")
        mine, other = (bins + pulse, window) if self.binned else (window[:2] + window[3:], pulse)
        for key in other:
            if getattr(self, key) is not None:
                what = "a time window, not with bins_us" if self.binned else "time bins (bins_us)"
                raise _FieldProblem(key, f"belongs to {what}")
        for key in mine:
            if getattr(self, key) is None:
                raise _FieldProblem(key, "is missing" + ("" if self.binned else " (or bins_us)"))
        if self.binned:
            if len(self.bins_us) < 2 or np.any(np.diff(self.bins_us) <= 0):
                raise _FieldProblem("bins_us", "must be increasing, at least two")
            return self
        (lo, hi), (start, end) = self.time_window_us, self.range_us
        step = self.grid_us
        on_grid = step is None or np.allclose(np.round(np.array([lo, hi]) / step) * step, [lo, hi])
        if not (start <= lo < hi <= end and on_grid):
            grid = "" if step is None else f" on the {step:g} us grid"
            raise _FieldProblem(
                "time_window_us",
                f"must satisfy {start:g} <= start < end <= {end:g} us{grid}, got "
                f"{self.time_window_us}",
            )
        for name, table in self.profiles.items():
            try:
                ArrivalTime(name)
            except ParameterError as exc:
                raise _FieldProblem(f"profiles.{name}", f"is invalid: {exc}") from None
            if "time_us" not in table.columns:
                raise _FieldProblem(f"profiles.{name}.columns", "needs a 'time_us' column")
        return self


class Smearing(_Table):
    """``[smearing]``: a response folded inside the rate integral
    (:class:`upscatter.response.QuenchedGaussianResponse`): E_ee = ``quenching`` (a ``linear``
    quenching piece), smeared by the ``resolution`` piece, accepted with the efficiency of the
    release table ``efficiency`` (columns ``energy_kevee``: step centres from 0 in steps of
    ``efficiency_step_kev``, and ``weight``) in reconstructed E_ee, counted in the
    ``[analysis]`` bins (keVee); no recoil below a true E_ee of ``lowest_true_kev``; quadrature
    breakpoints every ``grid_step_sqrt_kev`` in sqrt(E_ee/keVee). Electron recoils are rejected.
    A prediction is then the signal per analysis bin."""

    quenching: Piece
    resolution: Piece
    efficiency: ReleaseTable
    efficiency_step_kev: PositiveFloat
    lowest_true_kev: PositiveFloat
    grid_step_sqrt_kev: PositiveFloat = 0.5

    @model_validator(mode="after")
    def _pieces(self):
        for kind in ("quenching", "resolution"):
            try:
                _ = self.piece(kind)
            except ParameterError as exc:
                raise _FieldProblem(kind, f"is invalid: {exc}") from None
        if not isinstance(self.piece("quenching"), LinearQuenching):
            raise _FieldProblem("quenching", "must be a 'linear' quenching (it is inverted)")
        if "energy_kevee" not in self.efficiency.columns:
            raise _FieldProblem("efficiency.columns", "needs an 'energy_kevee' column")
        return self

    def piece(self, kind: str):
        """The quenching or resolution piece."""
        piece = getattr(self, kind)
        return build_piece(kind, piece.model, **piece.options)

    def response(
        self, edges: np.ndarray, efficiency: dict[str, np.ndarray]
    ) -> QuenchedGaussianResponse:
        """The response onto the analysis bins ``edges`` (MeV) with the efficiency table's
        columns."""
        step = self.efficiency_step_kev
        centres = np.arange(efficiency["weight"].size) * step + step / 2
        if not np.allclose(efficiency["energy_kevee"], centres):
            raise DataError(
                f"efficiency table {self.efficiency.file}: expected {step:g} keVee steps from 0"
            )
        return QuenchedGaussianResponse(
            edges,
            np.arange(centres.size + 1) * step * keV,
            efficiency["weight"],
            self.piece("quenching"),
            self.piece("resolution"),
            self.lowest_true_kev * keV,
            self.grid_step_sqrt_kev,
        )


class Shape(_Table):
    """One shape variant of a sample (paper 003 Eq. (24)): Delta = N_plus / N_central - 1 per
    bin (0 where N_central = 0), and with ``minus`` the pair combined by
    ``likelihood.shape_convention``; the nuisance ``parameter`` multiplies Delta, with a
    Gaussian constraint of width ``sigma``."""

    parameter: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    sigma: PositiveFloat = 1.0
    plus: ReleaseTable
    minus: ReleaseTable | None = None


class ResponseTable(_Table):
    """``[response]``: the fine true-recoil bins and the chain of pieces."""

    true_recoil_kev: Annotated[list[PositiveFloat], Field(min_length=2, max_length=2)]
    fine_bins: PositiveInt = 200
    quenching: Piece | None = None
    resolution: Piece | None = None
    efficiency: Piece | None = None
    sub_bins: PositiveInt = 10

    def check_piece(self, kind: str, **changes) -> None:
        """Build the piece of ``kind`` (with some options changed) to check its options."""
        piece = getattr(self, kind)
        options = {**piece.options, **changes}
        if piece.model == "lindhard":
            options.setdefault("Z", 1.0)  # the target's Z is filled in when built
        build_piece(kind, piece.model, **options)

    @model_validator(mode="after")
    def _ordered(self):
        for kind in ("quenching", "resolution", "efficiency"):
            if getattr(self, kind) is None:
                continue
            try:
                self.check_piece(kind)
            except ParameterError as exc:
                raise _FieldProblem(kind, f"is invalid: {exc}") from None
        if not self.true_recoil_kev[1] > self.true_recoil_kev[0]:
            raise _FieldProblem(
                "true_recoil_kev", "must be [lowest, highest] with lowest < highest"
            )
        return self


class AnalysisTable(_Table):
    """``[analysis]``: analysis bins in observed energy (keVee; keV of nuclear recoil without a
    ``[response]``), or in photoelectrons (``edges_pe``, with ``[photoelectrons]``)."""

    edges_kev: list[float] | None = None
    threshold_kev: PositiveFloat | None = None
    max_kev: PositiveFloat | None = None
    bin_width_kev: PositiveFloat | None = None
    edges_pe: list[NonNegativeFloat] | None = None

    @cached_property
    def edges(self) -> np.ndarray:
        """Bin edges (MeV; PE with ``edges_pe``)."""
        if self.edges_pe is not None:
            return np.asarray(self.edges_pe, dtype=float)
        return _edges_from(self, "threshold_kev", "max_kev", "bin_width_kev", "analysis")

    @model_validator(mode="after")
    def _consistent(self):
        if self.edges_pe is not None:
            given = [k for k in ("edges_kev", "threshold_kev", "max_kev", "bin_width_kev")]
            given = [k for k in given if getattr(self, k) is not None]
            if given:
                raise _FieldProblem(
                    "edges_pe", f"is inconsistent with analysis.{given[0]}: give one or the other"
                )
            if len(self.edges_pe) < 2 or np.any(np.diff(self.edges_pe) <= 0):
                raise _FieldProblem("edges_pe", "must be increasing, at least two")
        _ = self.edges
        return self


class Signal(_Table):
    """``[signal]``: the Gaussian width of the signal normalisation, whose parameter is named
    ``parameter`` (default ``signal_norm``); ``shapes`` (Gaussian-pull form), shape variants
    of the release's signal ``template`` (their central prediction)."""

    normalisation: PositiveFloat
    parameter: str = Field(default="signal_norm", pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    template: ReleaseTable | None = None
    shapes: list[Shape] = []

    @model_validator(mode="after")
    def _central(self):
        if self.shapes and self.template is None:
            raise _FieldProblem("template", "is missing (the central prediction of the shapes)")
        return self


class Background(_Table):
    """One ``[[backgrounds]]`` entry: a flat shape (a rate or a total), a template, or a release
    table binned like the data (``table``; its weights optionally x the beam energy, x the
    ``[photoelectrons]`` acceptance at each row's n_PE, x the weight of an ``arrival_time``
    table in the ``[timing]`` window), and the Gaussian width of its normalisation (parameter
    ``parameter``, default ``<name>_norm``). A ``subtracted`` background is measured and
    subtracted from the observed counts (``form = "gaussian-pull"``): it has no normalisation
    and enters only the bin uncertainties. In the Gaussian-pull form ``shapes`` are shape
    variants of a ``table`` background and ``sigma2`` its weight in the bin variance (default:
    ``likelihood.sigma2``)."""

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    shape: Literal["flat", "template", "table"] = "flat"
    rate_per_kev_kg_day: NonNegativeFloat | None = None
    events: NonNegativeFloat | None = None
    counts: list[NonNegativeFloat] | None = None
    table: ReleaseTable | None = None
    per_beam_gwh: bool = False
    accepted: bool = False
    arrival_time: ReleaseTable | None = None
    subtracted: bool = False
    normalisation: PositiveFloat | None = None
    parameter: str | None = Field(default=None, pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    shapes: list[Shape] = []
    sigma2: NonNegativeFloat | None = None

    @property
    def parameter_name(self) -> str:
        """Name of the normalisation parameter."""
        return self.parameter or f"{self.name}_norm"

    @model_validator(mode="after")
    def _one_amount(self):
        table_only = ("per_beam_gwh", "accepted", "arrival_time", "shapes")
        if self.shape != "table":
            for key in ("table", *table_only):
                if key in self.model_fields_set:
                    raise _FieldProblem(key, "belongs to shape = 'table'")
        if self.shape == "flat":
            if self.counts is not None:
                raise _FieldProblem("counts", "belongs to shape = 'template'")
            if (self.rate_per_kev_kg_day is None) == (self.events is None):
                raise _FieldProblem("rate_per_kev_kg_day", "or events: give exactly one")
        elif self.shape == "template" and self.counts is None:
            raise _FieldProblem("counts", "is missing (shape = 'template')")
        elif self.shape == "template" and (
            self.rate_per_kev_kg_day is not None or self.events is not None
        ):
            raise _FieldProblem("counts", "is the whole template: drop rate and events")
        elif self.shape == "table":
            if self.table is None:
                raise _FieldProblem("table", "is missing (shape = 'table')")
            for key in ("rate_per_kev_kg_day", "events", "counts"):
                if getattr(self, key) is not None:
                    raise _FieldProblem(key, "belongs to shape = 'flat' or 'template'")
            if self.table.variable is None:
                raise _FieldProblem(
                    "table.columns", "needs a 'pe' or 'energy_kevee' column (binned like the data)"
                )
            if self.arrival_time is not None and "time_us" not in self.arrival_time.columns:
                raise _FieldProblem("arrival_time.columns", "needs a 'time_us' column")
        if self.subtracted:
            for key in ("normalisation", "parameter", "shapes"):
                if key in self.model_fields_set:
                    raise _FieldProblem(key, "has no meaning for a subtracted background")
        elif self.normalisation is None:
            raise _FieldProblem("normalisation", "is missing")
        return self


class Nuisance(_Table):
    """One ``[[nuisances]]`` entry: a response parameter (``quenching.k``) made a nuisance with
    a Gaussian constraint, tabulated at Chebyshev nodes over its range."""

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    parameter: str = Field(pattern=r"^(quenching|resolution|efficiency)\.[A-Za-z_]+$")
    sigma: PositiveFloat
    range: Annotated[list[float], Field(min_length=2, max_length=2)] | None = None
    nodes: PositiveInt = 7

    def interval(self, nominal: float) -> tuple[float, float]:
        """The parameter's range: ``range``, or the nominal value +- 5 sigma."""
        if self.range is not None:
            return self.range[0], self.range[1]
        return nominal - 5 * self.sigma, nominal + 5 * self.sigma


class Data(_Table):
    """``[data]``: observed counts per analysis bin or a release table (:class:`ReleaseTable`)
    binned in n_PE, of which the subtracted backgrounds are subtracted, or ``"asimov"`` (the
    nominal expectation with the SM signal); ``dataset`` is the release every table of the file
    is read from unless it names its own."""

    observed: Literal["asimov"] | list[NonNegativeFloat] | ReleaseTable
    dataset: DatasetName | None = None
    comment: str = ""


class Sigma2(_Table):
    """``[likelihood.sigma2]``: the squared bin uncertainty of the Gaussian-pull form,
    sigma_i^2 = ``observed`` N_obs,i + ``subtracted`` B_sub,i + ``backgrounds`` B_i, with the
    subtracted backgrounds B_sub and the modelled ones B (paper 000 Eq. (34), paper 002
    Eq. (13): 1, 2, 1)."""

    observed: NonNegativeFloat = 1.0
    subtracted: NonNegativeFloat = 2.0
    backgrounds: NonNegativeFloat = 1.0


class LikelihoodTable(_Table):
    """``[likelihood]``: ``form = "poisson"`` (default; paper 003 Eq. (20)) or
    ``"gaussian-pull"`` (paper 000 Eq. (34), paper 003 Eqs. (22)-(24): Gaussian bins of width
    ``sigma2``, Gaussian pulls on the normalisations and shape variants of the signal and the
    modelled backgrounds, profiled exactly); ``shape_convention`` combines a +-1 sigma pair of
    shape variants (:meth:`combine`)."""

    form: Literal["poisson", "gaussian-pull"] = "poisson"
    sigma2: Sigma2 | None = None
    shape_convention: Literal["paper", "symmetric"] = "paper"

    @model_validator(mode="after")
    def _sigma_of_the_gaussian_form(self):
        if self.form == "poisson":
            for key in ("sigma2", "shape_convention"):
                if key in self.model_fields_set:
                    raise _FieldProblem(key, "belongs to form = 'gaussian-pull'")
        return self

    def combine(self, plus: np.ndarray, minus: np.ndarray) -> np.ndarray:
        """A +-1 sigma pair of Deltas as one shape: ``paper`` (default) literally
        Delta+ + Delta- (paper 003 Eq. (23) as printed), ``symmetric`` (Delta+ - Delta-)/2,
        so that theta = +-1 gives the two variants when they are symmetric."""
        if self.shape_convention == "symmetric":
            return 0.5 * (plus - minus)
        return plus + minus


class ExperimentSpec(_Table):
    """The whole file (see the module notes)."""

    name: str = Field(default="", min_length=1)
    description: str = ""
    target: Target
    source: SourceTable
    exposure: Exposure = Field(default_factory=Exposure)
    binning: Binning | None = None
    background: FlatBackground | None = None
    uncertainty: Uncertainty | None = None
    response: ResponseTable | None = None
    photoelectrons: Photoelectrons | None = None
    smearing: Smearing | None = None
    timing: Timing | None = None
    analysis: AnalysisTable | None = None
    signal: Signal | None = None
    backgrounds: list[Background] = []
    nuisances: list[Nuisance] = []
    data: Data | None = None
    likelihood: LikelihoodTable = LikelihoodTable()

    @property
    def projection(self) -> bool:
        """Whether the file is in the projection form."""
        return self.binning is not None

    @model_validator(mode="after")
    def _one_form(self):
        projection = ("binning", "background", "uncertainty")
        detector = ("response", "photoelectrons", "smearing", "timing", "analysis", "signal")
        detector += ("backgrounds",)
        detector += ("nuisances", "data", "likelihood")
        given = {k for k in self.model_fields_set if k in projection + detector}
        if self.projection:
            if self.uncertainty is None:
                raise _FieldProblem("[uncertainty]", "is missing")
            mixed = sorted(given & set(detector))
            if mixed:
                raise _FieldProblem(mixed[0], "belongs to the detector form, not with [binning]")
            self._check_years("the projection form")
            return self
        for key in ("analysis", "signal", "data"):
            if getattr(self, key) is None:
                missing = "[binning]" if not given & set(detector) else f"[{key}]"
                raise _FieldProblem(missing, "is missing")
        mixed = sorted(given & set(projection))
        if mixed:
            raise _FieldProblem(mixed[0], "belongs to the projection form, with [binning]")
        names = [b.name for b in self.backgrounds] + [n.name for n in self.nuisances]
        if len(set(names)) != len(names):
            raise _FieldProblem("backgrounds", "and nuisances need distinct names")
        parameters = [self.signal.parameter, *(n.name for n in self.nuisances)]
        parameters += [b.parameter_name for b in self.backgrounds if not b.subtracted]
        parameters += [s.parameter for b in (self.signal, *self.backgrounds) for s in b.shapes]
        if len(set(parameters)) != len(parameters):
            raise _FieldProblem("signal.parameter", "and the other parameters need distinct names")
        self._check_detector_form()
        if len(self.nuisances) > 1:
            raise _FieldProblem("nuisances", "holds at most one response nuisance for now")
        n_bins = self.n_analysis_bins
        for i, b in enumerate(self.backgrounds):
            if b.counts is not None and len(b.counts) != n_bins:
                raise _FieldProblem(f"backgrounds[{i}].counts", f"needs {n_bins} entries")
        if isinstance(self.data.observed, list) and len(self.data.observed) != n_bins:
            raise _FieldProblem("data.observed", f"needs {n_bins} entries (one per bin)")
        for i, n in enumerate(self.nuisances):
            kind, option = n.parameter.split(".")
            piece = None if self.response is None else getattr(self.response, kind)
            nominal = None if piece is None else piece.options.get(option)
            if isinstance(nominal, bool) or not isinstance(nominal, int | float):
                raise _FieldProblem(
                    f"nuisances[{i}].parameter", f"names no number of the [response.{kind}]"
                )
            lo, hi = n.interval(nominal)
            if not lo < nominal < hi:
                raise _FieldProblem(
                    f"nuisances[{i}].range", f"must contain the nominal {n.parameter} = {nominal}"
                )
            for end in (lo, hi):
                try:
                    self.response.check_piece(kind, **{option: end})
                except ParameterError as exc:
                    raise _FieldProblem(
                        f"nuisances[{i}].range", f"reaches an invalid {n.parameter}: {exc}"
                    ) from None
        return self

    def _check_years(self, needs: str) -> None:
        if self.exposure.years is None:
            raise _FieldProblem("exposure.years", f"is missing (needed by {needs})")

    @property
    def n_analysis_bins(self) -> int:
        """Number of analysis bins: energy (or PE) bins, times the ``[timing]`` bins."""
        n = self.analysis.edges.size - 1
        timing = self.timing
        return n * (len(timing.bins_us) - 1) if timing is not None and timing.binned else n

    def binned_tables(self) -> list[tuple[str, ReleaseTable]]:
        """The release tables histogrammed in the analysis bins, with their place."""
        tables = []
        if isinstance(self.data.observed, ReleaseTable):
            tables.append(("data.observed", self.data.observed))
        samples = [("signal", "template", self.signal)]
        samples += [(f"backgrounds[{i}]", "table", b) for i, b in enumerate(self.backgrounds)]
        for place, key, sample in samples:
            if getattr(sample, key) is not None:
                tables.append((f"{place}.{key}", getattr(sample, key)))
            for j, shape in enumerate(sample.shapes):
                for key in ("plus", "minus"):
                    if getattr(shape, key) is not None:
                        tables.append((f"{place}.shapes[{j}].{key}", getattr(shape, key)))
        return tables

    def release_tables(self) -> list[tuple[str, ReleaseTable]]:
        """Every release table of the file, with its place (``backgrounds[1].table``)."""
        tables = self.binned_tables()
        if self.timing is not None and not self.timing.binned:
            tables += [(f"timing.profiles.{k}", t) for k, t in self.timing.profiles.items()]
        if self.smearing is not None:
            tables.append(("smearing.efficiency", self.smearing.efficiency))
        for i, b in enumerate(self.backgrounds):
            if b.arrival_time is not None:
                tables.append((f"backgrounds[{i}].arrival_time", b.arrival_time))
        return tables

    def _check_detector_form(self) -> None:
        """The cross-table rules of the detector form (docs/experiment-spec.md)."""
        source, pe = self.source, self.photoelectrons
        if source.name != "sns":
            self._check_years(f"the {source.name} source")
        elif source.pot is None:
            self._check_years("source.pot_per_year")
        responses = [k for k in ("response", "photoelectrons", "smearing") if getattr(self, k)]
        if len(responses) > 1:
            raise _FieldProblem(f"[{responses[1]}]", f"and [{responses[0]}] exclude each other")
        if pe is not None:
            if self.analysis.edges_pe is None:
                raise _FieldProblem("analysis.edges_pe", "is missing (with [photoelectrons])")
            try:
                pe.response(self.analysis.edges_pe)
            except ParameterError as exc:
                raise _FieldProblem("analysis.edges_pe", f"is invalid: {exc}") from None
        elif self.analysis.edges_pe is not None:
            raise _FieldProblem("analysis.edges_pe", "needs [photoelectrons]")
        for place, table in self.release_tables():
            dataset = table.dataset or self.data.dataset
            if dataset is None:
                raise _FieldProblem(f"{place}.dataset", "is missing (or give data.dataset)")
            try:
                release.get_dataset(dataset).file(table.file)
            except ParameterError as exc:
                raise _FieldProblem(f"{place}.file", f"is invalid: {exc}") from None
        variable = "pe" if pe is not None else "energy_kevee"
        binned = self.timing is not None and self.timing.binned
        for place, table in self.binned_tables():
            if table.variable != variable:
                raise _FieldProblem(f"{place}.columns", f"needs a {variable!r} column")
            if binned and "time_us" not in table.columns:
                raise _FieldProblem(f"{place}.columns", "needs a 'time_us' column ([timing] bins)")
        gaussian = self.likelihood.form == "gaussian-pull"
        if self.signal.shapes and not gaussian:
            raise _FieldProblem("signal.shapes", "need likelihood.form = 'gaussian-pull'")
        for i, b in enumerate(self.backgrounds):
            if b.per_beam_gwh and self.exposure.beam_energy_gwh is None:
                raise _FieldProblem("exposure.beam_energy_gwh", f"is missing (backgrounds[{i}])")
            if b.accepted and pe is None:
                raise _FieldProblem(f"backgrounds[{i}].accepted", "needs [photoelectrons]")
            if b.arrival_time is not None and (self.timing is None or binned):
                raise _FieldProblem(f"backgrounds[{i}].arrival_time", "needs a [timing] window")
            if b.rate_per_kev_kg_day is not None:
                if pe is not None:
                    raise _FieldProblem(
                        f"backgrounds[{i}].rate_per_kev_kg_day", "needs bins in keV, not PE"
                    )
                self._check_years(f"backgrounds[{i}].rate_per_kev_kg_day")
            for key in ("subtracted", "shapes", "sigma2"):
                if key in b.model_fields_set and not gaussian:
                    raise _FieldProblem(
                        f"backgrounds[{i}].{key}", "needs likelihood.form = 'gaussian-pull'"
                    )
        if gaussian and self.nuisances:
            raise _FieldProblem("nuisances", "need likelihood.form = 'poisson'")


# ------------------------------------------------------------------------------------- errors
TABLES = ("target", "source", "exposure", "binning", "background", "uncertainty", "response")
TABLES += ("photoelectrons", "smearing", "timing", "analysis", "signal", "data", "likelihood")


def _place(loc: tuple, problem: object) -> str:
    """Where an error is: dotted fields (``target.mass_kg``, ``backgrounds[0].counts``), a whole
    table in brackets (``[binning]``); the tag of the source union is dropped."""
    parts = [p for i, p in enumerate(loc) if not (i == 1 and loc[0] == "source")]
    base = ""
    for p in parts:
        base += f"[{p}]" if isinstance(p, int) else (f".{p}" if base else str(p))
    if isinstance(problem, _FieldProblem):
        if problem.field.startswith("["):
            return problem.field
        return f"{base}.{problem.field}" if base else problem.field
    if len(parts) == 1 and parts[0] in TABLES:
        return f"[{parts[0]}]"
    return base


def _known_fields(loc: tuple) -> list[str]:
    """The fields of the table at ``loc`` (for the error of an unknown key)."""
    model: Any = ExperimentSpec
    for part in loc:
        if isinstance(part, int):
            continue
        if model is ExperimentSpec and part == "source":
            model = None
            continue
        if model is None:  # the tag of the source union
            model = SOURCE_MODELS[part]
            continue
        if part not in model.model_fields:  # a key of a table of tables (timing.profiles)
            continue
        annotation = model.model_fields[part].annotation
        candidates = [a for a in (*getattr(annotation, "__args__", ()), annotation)]
        candidates += [b for a in candidates for b in getattr(a, "__args__", ())]
        model = next(c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel))
    return list(model.model_fields)


def _message(path: Path, exc: ValidationError) -> str:
    """The first error of a validation, on one line, naming the file and the field."""
    errors = exc.errors(include_url=False)
    error = min(errors, key=lambda e: e["type"] != "extra_forbidden")  # unknown keys first
    kind = error["type"]
    problem = (error.get("ctx") or {}).get("error")
    where = f"experiment file {path}: field"
    if kind == "union_tag_invalid":
        known = ", ".join(sorted(SOURCE_BUILDERS))
        tag = error["ctx"]["tag"]
        return f"{where} source.name is invalid: unknown neutrino source {tag}; known: {known}"
    if kind == "union_tag_not_found":
        return f"{where} source.name is missing"
    place = _place(tuple(error["loc"]), problem)
    if kind == "missing":
        return f"{where} {place} is missing"
    if kind == "extra_forbidden":
        known = ", ".join(_known_fields(tuple(error["loc"][:-1])))
        return f"{where} {place} is unknown; known: {known}"
    if isinstance(problem, _FieldProblem):
        return f"{where} {place} {problem}"
    if isinstance(problem, ValueError):
        return f"{where} {place} is invalid: {problem}"
    return f"{where} {place} is invalid: {error['msg']} (got {error.get('input')!r})"


# ------------------------------------------------------------------------------------ loading
def _read(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ParameterError(f"experiment file {path} not found") from None
    except OSError as exc:
        raise ParameterError(f"cannot read experiment file {path}: {exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ParameterError(f"experiment file {path} is not valid TOML: {exc}") from None


def _override_place(content: dict, key: str) -> tuple[str, ...]:
    """The field an option sets: a dotted path (``exposure.years``), a top-level field
    (``name``), or a field name that exactly one table of the file has (``years``)."""
    if "." in key:
        return tuple(key.split("."))
    if key in ("name", "description"):
        return (key,)
    places = []
    for table, value in content.items():
        if isinstance(value, dict):
            loc = (table, value["name"]) if table == "source" and "name" in value else (table,)
            try:
                known = _known_fields(loc)
            except (KeyError, StopIteration):  # not a table of the schema: validation says so
                continue
            if key in known and key != "name":
                places.append((table, key))
    if len(places) != 1:
        found = "no table" if not places else ", ".join(".".join(p) for p in places)
        raise ParameterError(
            f"option {key!r} names {found} of the spec; give it as table.field "
            f"(e.g. exposure.years); options of this spec (values): {_option_list(content)}"
        )
    return places[0]


def _option_list(content: dict) -> str:
    """The fields of a spec's tables an option can set by name (scalars and short lists, in
    the Python form of an option: a list as a tuple), ``name=value`` joined by commas."""
    fields: dict[str, list] = {}
    for value in content.values():
        if not isinstance(value, dict):
            continue
        for key, v in value.items():
            if isinstance(v, list) and len(v) <= 3 and not any(isinstance(x, dict) for x in v):
                v = tuple(v)
            if key != "name" and not isinstance(v, dict | list):
                fields.setdefault(key, []).append(v)
    return ", ".join(f"{key}={values[0]!r}" for key, values in fields.items() if len(values) == 1)


def apply_overrides(content: dict, overrides: Mapping[str, Any]) -> dict:
    """A copy of a spec file's content with fields replaced by options (see
    :func:`_override_place`; a tuple is a TOML array); the result is validated like the
    file."""
    content = copy.deepcopy(content)
    for key, value in overrides.items():
        *tables, field = _override_place(content, key)
        target = content
        for table in tables:
            target = target.setdefault(table, {})
            if not isinstance(target, dict):
                raise ParameterError(f"option {key!r}: {table} is not a table of the spec")
        target[field] = list(value) if isinstance(value, tuple) else value
    return content


def read_spec(path: str | Path, overrides: Mapping[str, Any] | None = None) -> ExperimentSpec:
    """The validated spec of a file (schema: module notes and docs/experiment-spec.md), with
    fields replaced by ``overrides`` (:func:`apply_overrides`)."""
    path = Path(path)
    content = apply_overrides(_read(path), overrides or {})
    try:
        return ExperimentSpec.model_validate(content)
    except ValidationError as exc:
        raise ParameterError(_message(path, exc)) from None


def _source_builder(path: Path, spec: ExperimentSpec) -> Callable[..., Any]:
    """The source builder of ``[source]``, called as ``(material, edges, years, **options)``
    with :func:`_source_options`, whose errors name the file and the table."""
    builder = SOURCE_BUILDERS[spec.source.name]

    def build_source(material: Material, edges: np.ndarray, years: float, **options):
        try:
            return builder(material, edges, years, **options)
        except ParameterError as exc:
            raise ParameterError(
                f"experiment file {path}: field [source] is invalid: {exc}"
            ) from None

    return build_source


def _source_options(spec: ExperimentSpec) -> dict[str, Any]:
    """The fields of ``[source]`` but its name, defaults included."""
    return spec.source.model_dump(exclude={"name"}, exclude_none=True)


def load_spec(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Experiment:
    """Build the experiment described by a spec file.

    Parameters
    ----------
    path : str or pathlib.Path
    overrides : mapping, optional
        Fields replaced before validation, by dotted path (``{"exposure.years": 8}``) or by a
        field name that only one table of the file has (``{"years": 8}``).

    Returns
    -------
    SpecExperiment or ProjectedExperiment
        The detector form or the projection form, named by the file's ``name`` (default: the
        file name without ``.toml``).

    Raises
    ------
    ParameterError
        Missing file, invalid TOML, or a missing, unknown, mistyped or inconsistent field: one
        line naming the file and the field.
    """
    path = Path(path)
    spec = read_spec(path, overrides)
    name = spec.name or path.stem
    if not spec.projection:
        return SpecExperiment(spec, name, _source_builder(path, spec), _source_options(spec))
    background = spec.background or FlatBackground()
    return ProjectedExperiment(
        name,
        get_material(spec.target.material),
        spec.target.mass_kg,
        _source_builder(path, spec),
        spec.exposure.years,
        spec.binning.edges,
        sigma_norm=spec.uncertainty.normalisation,
        background_fraction=background.fraction_of_sm,
        background_per_kev_kg_day=background.rate_per_kev_kg_day,
        form_factor=spec.target.form_factor,
        **_source_options(spec),
    )


# ------------------------------------------------------------------------ the detector form
class SpecExperiment(Experiment):
    """A binned experiment built from a spec in the detector form (module notes).

    A prediction is the signal in the fine true-recoil bins of ``[response]`` (or in the
    analysis bins when there is no response or a ``[photoelectrons]`` or ``[smearing]`` one),
    summed over flux components, each weighted by its arrival-time fraction in the ``[timing]``
    window or spread over its time bins; the likelihood folds it through the response (at the
    response nuisance, if any) and adds the backgrounds. :attr:`edges` are the analysis bin
    edges (MeV, or PE with ``[photoelectrons]``), :attr:`time_edges_us` the time bins.

    Parameters
    ----------
    spec : ExperimentSpec
        A validated spec in the detector form.
    name : str
        Name of the experiment.
    build_source : callable
        ``build_source(material, true_edges, years, **source_options)``.
    source_options : dict
        Options of the source (the fields of ``[source]``).
    """

    def __init__(self, spec: ExperimentSpec, name: str, build_source, source_options):
        self.spec = spec
        self.name = name
        self.material = get_material(spec.target.material)
        self.detector_mass_kg = spec.target.mass_kg
        self.form_factor = spec.target.form_factor
        years = spec.exposure.years
        self.live_time = None if years is None else years * year
        self.edges = spec.analysis.edges
        timing = spec.timing
        self.time_edges_us = None if timing is None or not timing.binned else timing.bins_us
        if spec.photoelectrons is not None:
            self.response = spec.photoelectrons.response(self.edges)
            true_edges = self.edges / spec.photoelectrons.pe_per_kev * keV
        elif spec.smearing is not None:
            efficiency = self._read(spec.smearing.efficiency)
            self.response = spec.smearing.response(self.edges, efficiency)
            true_edges = np.array(self.response.t_range(NUCLEAR))
        elif spec.response is None:
            true_edges = self.edges
            self.response = RecoilBins(true_edges)
        else:
            lo, hi = spec.response.true_recoil_kev
            true_edges = np.geomspace(lo, hi, spec.response.fine_bins + 1) * keV
            self.response = RecoilBins(true_edges)
        self.source_options = dict(source_options)
        self.source = build_source(
            self.material, true_edges, spec.exposure.years, **self.source_options
        )

    @property
    def electron_channel(self) -> bool:
        """Electron recoils reach the analysis bins but with a ``[smearing]`` response, which
        rejects them (the LAr pulse-shape cut)."""
        return self.spec.smearing is None

    # ----------------------------------------------------------------------------- response
    def _piece_options(self, kind: str) -> dict[str, Any]:
        piece = getattr(self.spec.response, kind)
        options = piece.options
        if kind == "quenching" and piece.model == "lindhard" and "Z" not in options:
            z = np.array([iso.Z for iso in self.material.isotopes], dtype=float)
            weights = self.material.nuclei_per_kg()
            options["Z"] = float(np.sum(z * weights) / np.sum(weights))
        return options

    def detector_response(self, overrides: dict[str, float] | None = None) -> DetectorResponse:
        """The response chain with some options replaced (``{"quenching.k": 0.17}``)."""
        overrides = overrides or {}
        pieces = {}
        for kind in ("quenching", "resolution", "efficiency"):
            piece = getattr(self.spec.response, kind)
            if piece is None:
                continue
            options = self._piece_options(kind)
            options.update(
                {key.split(".")[1]: v for key, v in overrides.items() if key.startswith(kind)}
            )
            pieces[kind] = build_piece(kind, piece.model, **options)
        return DetectorResponse(self.edges, n_sub=self.spec.response.sub_bins, **pieces)

    def response_matrix(self, overrides: dict[str, float] | None = None) -> np.ndarray:
        """(n_fine, n_bins) from the fine true-recoil bins to the analysis bins."""
        if self.spec.response is None:
            return np.eye(self.spec.n_analysis_bins)
        return self.detector_response(overrides).matrix(self.response.edges)

    # ------------------------------------------------------------------- timing, release data
    @property
    def time_window_us(self) -> tuple[float, float] | None:
        """The ``[timing]`` window (us), or None (no window; also with time bins)."""
        timing = self.spec.timing
        if timing is None or timing.binned:
            return None
        return (timing.time_window_us[0], timing.time_window_us[1])

    def _read(self, table: ReleaseTable) -> dict[str, np.ndarray]:
        return table.read(self.spec.data.dataset, self.time_window_us)

    def _window_weight(self, table: ReleaseTable) -> float:
        """Total weight of a table's rows inside the time window."""
        return float(self._read(table)["weight"].sum())

    def _histogram(self, columns: dict[str, np.ndarray], weight: np.ndarray) -> np.ndarray:
        """Weights histogrammed in the analysis bins (the analysis variable, and the time bins
        analysis-bin-major), flat."""
        edges = self.edges if "pe" in columns else self.edges / keV
        x = columns["pe" if "pe" in columns else "energy_kevee"]
        if self.time_edges_us is None:
            return np.histogram(x, bins=edges, weights=weight)[0]
        t_edges = np.asarray(self.time_edges_us, dtype=float)
        counts = np.histogram2d(x, columns["time_us"], bins=[edges, t_edges], weights=weight)[0]
        return counts.ravel()

    def _binned(self, table: ReleaseTable) -> np.ndarray:
        """A release table's weights histogrammed in the analysis bins."""
        columns = self._read(table)
        return self._histogram(columns, columns["weight"])

    @cached_property
    def component_time_fractions(self) -> np.ndarray:
        """Arrival-time fraction in the window of each flux component (1 without
        ``[timing]``), from the table of its time profile; with ``[timing]`` bins, shape
        (n_components, n_time_bins), from its time profile and the proton pulse."""
        timing = self.spec.timing
        if timing is None:
            return np.ones(len(self.source.components))
        if timing.binned:
            edges = np.asarray(timing.bins_us, dtype=float) * us
            mean, width = timing.pulse_mean_us * us, timing.pulse_width_us * us
            return np.array(
                [p.fractions(edges, mean, width) for p in self.source.time_profiles(self.name)]
            )
        profiles = timing.profiles
        fractions = []
        for profile in self.source.time_profiles(self.name):
            if profile.name not in profiles:
                raise ParameterError(
                    f"{self.name}: timing.profiles has no table for the {profile.name!r} "
                    f"arrival-time profile of the {self.source.name!r} source"
                )
            fractions.append(self._window_weight(profiles[profile.name]))
        return np.array(fractions)

    def _nuisance_range(self, nuisance: Nuisance) -> tuple[float, float, float]:
        """(nominal, lo, hi) of a response nuisance (checked by the spec's validation)."""
        kind, option = nuisance.parameter.split(".")
        nominal = float(self._piece_options(kind)[option])
        return (nominal, *nuisance.interval(nominal))

    @cached_property
    def signal_response(self) -> ResponseMatrix | TabulatedResponse:
        """The signal's response: tabulated in the response nuisance, or fixed."""
        if not self.spec.nuisances:
            return ResponseMatrix(self.response_matrix())
        nuisance = self.spec.nuisances[0]
        _, lo, hi = self._nuisance_range(nuisance)
        return TabulatedResponse.from_function(
            nuisance.name,
            lo,
            hi,
            nuisance.nodes,
            lambda x: self.response_matrix({nuisance.parameter: x}),
        )

    # --------------------------------------------------------------------------- likelihood
    @cached_property
    def backgrounds(self) -> dict[str, np.ndarray]:
        """Counts per analysis bin of every background at nominal."""
        widths = np.diff(self.edges)
        out = {}
        for b in self.spec.backgrounds:
            if b.table is not None:
                out[b.name] = self._table_background(b)
            elif b.counts is not None:
                out[b.name] = np.asarray(b.counts, dtype=float)
            elif b.events is not None:
                out[b.name] = b.events * widths / widths.sum()
            else:
                rate = b.rate_per_kev_kg_day / (keV * day)
                out[b.name] = rate * self.detector_mass_kg * self.live_time * widths
        return out

    def _table_background(self, background: Background) -> np.ndarray:
        """A ``shape = "table"`` background per analysis bin (:class:`Background`)."""
        columns = self._read(background.table)
        weight = columns["weight"]
        if background.per_beam_gwh:
            weight = weight * self.spec.exposure.beam_energy_gwh
        if background.accepted:
            weight = weight * self.response.acceptance(columns["pe"])
        counts = self._histogram(columns, weight)
        if background.arrival_time is not None:
            counts = counts * self._window_weight(background.arrival_time)
        return counts

    @property
    def _modelled(self) -> list[Background]:
        return [b for b in self.spec.backgrounds if not b.subtracted]

    def _sum(self, backgrounds: list[Background]) -> np.ndarray | float:
        return sum((self.backgrounds[b.name] for b in backgrounds), 0.0)

    @cached_property
    def parameters(self) -> tuple[Parameter, ...]:
        """The signal normalisation, the modelled backgrounds' (``<name>_norm`` unless named
        otherwise), then the response nuisance."""
        signal = self.spec.signal
        params = [Parameter(signal.parameter, 0.0, (-1.0, np.inf), signal.normalisation)]
        params += [
            Parameter(b.parameter_name, 0.0, (-1.0, np.inf), b.normalisation)
            for b in self._modelled
        ]
        for nuisance in self.spec.nuisances:
            nominal, lo, hi = self._nuisance_range(nuisance)
            params.append(Parameter(nuisance.name, nominal, (lo, hi), nuisance.sigma))
        return tuple(params)

    @cached_property
    def model(self) -> SampleModel:
        """The expected counts: signal through the response plus the backgrounds."""
        samples = [Sample("signal", (self.spec.signal.parameter,), response=self.signal_response)]
        samples += [
            Sample(b.name, (b.parameter_name,), template=self.backgrounds[b.name])
            for b in self._modelled
        ]
        return SampleModel([p.name for p in self.parameters], samples)

    def _nominal(self) -> np.ndarray:
        return np.array([p.nominal for p in self.parameters])

    @cached_property
    def observed(self) -> np.ndarray:
        """Observed counts per analysis bin minus the subtracted backgrounds (the counts of
        ``[data].observed``, or of its release table), or the nominal SM expectation for
        ``"asimov"``."""
        observed = self.spec.data.observed
        if observed == "asimov":
            state = self.model.prepare(self.sm_counts)
            return self.model.evaluate(state, self._nominal())[0]
        if isinstance(observed, ReleaseTable):
            counts = self._binned(observed)
        else:
            counts = np.asarray(observed, dtype=float)
        return counts - self._sum([b for b in self.spec.backgrounds if b.subtracted])

    @cached_property
    def likelihood(self) -> PoissonLikelihood | LinearGaussianLikelihood:
        """Binned Poisson likelihood (paper 003 Eq. (20)) over the samples, or the Gaussian
        pulls of paper 000 Eq. (34) (``form = "gaussian-pull"``)."""
        if self.spec.likelihood.form == "gaussian-pull":
            return self._gaussian_pull()
        return PoissonLikelihood(self.name, self.observed, self.parameters, self.model)

    def _gaussian_pull(self) -> LinearGaussianLikelihood:
        """sigma^2 = a N_obs + sum_b w_b B_b (:class:`Sigma2`, a background's own ``sigma2``),
        pulls on the normalisations and shapes of the signal and of the modelled backgrounds
        (:func:`~upscatter.stats.likelihood.template_gaussian_likelihood`)."""
        rule = self.spec.likelihood.sigma2 or Sigma2()
        sigma2 = rule.observed * self.observed
        for b in self.spec.backgrounds:
            weight = b.sigma2
            if weight is None:
                weight = rule.subtracted if b.subtracted else rule.backgrounds
            sigma2 = sigma2 + weight * self.backgrounds[b.name]
        if np.any(sigma2 <= 0):
            raise DataError(f"{self.name}: an analysis bin has no uncertainty (sigma^2 <= 0)")
        signal = self.spec.signal
        signal_pulls = [Pull(signal.parameter, signal.normalisation)]
        signal_pulls += self._shape_pulls(signal.shapes, self.signal_template)
        backgrounds = []
        for b in self._modelled:
            counts = self.backgrounds[b.name]
            pulls = [Pull(b.parameter_name, b.normalisation), *self._shape_pulls(b.shapes, counts)]
            backgrounds.append((counts, pulls))
        return template_gaussian_likelihood(
            self.name, self.observed, np.sqrt(sigma2), signal_pulls, backgrounds
        )

    @cached_property
    def signal_template(self) -> np.ndarray | None:
        """The release's signal prediction per analysis bin (``signal.template``), or None."""
        template = self.spec.signal.template
        return None if template is None else self._binned(template)

    def _shape_pulls(self, shapes: list[Shape], central: np.ndarray | None) -> list[Pull]:
        """The shape pulls of a sample whose central counts are ``central``: paper 003
        Eq. (24), Delta = N_variant / N_central - 1 (0 where N_central = 0), a +-1 sigma pair
        combined by ``likelihood.shape_convention``."""
        safe = None if central is None else np.where(central > 0, central, 1.0)
        pulls = []
        for shape in shapes:
            deltas = [
                np.where(central > 0, self._binned(table) / safe - 1.0, 0.0)
                for table in (shape.plus, shape.minus)
                if table is not None
            ]
            delta = self.spec.likelihood.combine(*deltas) if len(deltas) == 2 else deltas[0]
            pulls.append(Pull(shape.parameter, shape.sigma, delta))
        return pulls

    # ------------------------------------------------------------------------------- output
    def fold_components(self, counts: np.ndarray) -> np.ndarray:
        if self.spec.timing is None:
            return counts.sum(axis=1)
        if self.time_edges_us is not None:  # (mass, component, energy, ...) -> (mass, e x t, ...)
            folded = np.einsum("mce...,ct->met...", counts, self.component_time_fractions)
            return folded.reshape(folded.shape[0], -1, *folded.shape[3:])
        weights = self.component_time_fractions.reshape((1, -1) + (1,) * (counts.ndim - 2))
        return (counts * weights).sum(axis=1)

    @cached_property
    def nominal_matrix(self) -> np.ndarray:
        """The response matrix at the nominal response parameters, (n_fine, n_bins)."""
        return self.response_matrix()

    def analysis_signal(self, predicted) -> np.ndarray:
        """Signal per analysis bin at the nominal response."""
        return self.likelihood.check_prediction(predicted) @ self.nominal_matrix

    def expected(self, predicted, nuisances=None) -> dict[str, np.ndarray]:
        """Expected counts per analysis bin of every sample and their total at the nuisances."""
        prediction = self.likelihood.check_prediction(predicted)
        theta = self.likelihood.theta(nuisances)
        parts = self.model.contributions(self.model.prepare(prediction), theta)
        parts["total"] = sum(parts.values())
        return parts

    def analysis_labels(self) -> list[str]:
        """Labels of the analysis bins."""
        if self.spec.photoelectrons is not None:
            labels = [f"{lo:g}-{hi:g} PE" for lo, hi in itertools.pairwise(self.edges)]
        else:
            unit = "keV" if self.spec.response is self.spec.smearing is None else "keVee"
            pairs = itertools.pairwise(self.edges / keV)
            labels = [f"{lo:g}-{hi:g} {unit}" for lo, hi in pairs]
        if self.time_edges_us is None:
            return labels
        times = [f"{lo:g}-{hi:g} us" for lo, hi in itertools.pairwise(self.time_edges_us)]
        return [f"{e}, {t}" for e, t in itertools.product(labels, times)]

    def bin_labels(self) -> list[str]:
        """One label per entry of a prediction (fine true-recoil bins, or the analysis bins of
        a ``[photoelectrons]`` or ``[smearing]`` response)."""
        if self.spec.photoelectrons is not None or self.spec.smearing is not None:
            return self.analysis_labels()
        return [
            f"T {lo / keV:.4g}-{hi / keV:.4g} keV"
            for lo, hi in itertools.pairwise(self.response.edges)
        ]

    def summary(self, predicted) -> dict:
        """Bins, observed counts, then (Poisson form) the expected counts of every sample at
        the best fit, or (Gaussian-pull form) every background ``<name>_background`` and the
        bin uncertainties ``sigma_stat``; chi^2 and best-fit nuisances; the time window; the
        shape convention (Gaussian-pull form with shape variants)."""
        fit = self.likelihood.profile(predicted)
        out = {"bins": self.analysis_labels(), "observed": self.observed}
        gaussian = self.spec.likelihood.form == "gaussian-pull"
        if gaussian:
            out.update({f"{k}_background": v for k, v in self.backgrounds.items()})
            out["sigma_stat"] = self.likelihood.sigma
        else:
            parts = self.expected(predicted, fit.values)
            names = {k: "expected" if k == "total" else f"{k}_expected" for k in parts}
            out.update({names[k]: v for k, v in parts.items()})
        out.update(fit_summary(fit))
        if self.time_window_us is not None:
            out["time_window_us"] = list(self.time_window_us)
        if gaussian and any(b.shapes for b in (self.spec.signal, *self.spec.backgrounds)):
            out["shape_convention"] = self.spec.likelihood.shape_convention
        return out
