"""Experiments from declarative specs: one TOML schema, validated with pydantic, two forms.

``get_experiment("my_detector.toml")`` (and ``--experiment my_detector.toml``), or the name of a
spec shipped in ``upscatter/experiments/specs/`` (``get_experiment("reactor-ge-example")``),
reads a file of this schema (docs/experiment-spec.md has it field by field with a worked
example). Every file has ``name``, ``[target]``, ``[source]`` and ``[exposure]``, then one of:

* the *detector form* (:class:`SpecExperiment`): a ``[response]`` chain (quenching, Gaussian
  resolution, efficiency from :mod:`upscatter.response`) from fine true-recoil bins to
  ``[analysis]`` bins in observed energy (keVee), a ``[signal]`` and ``[[backgrounds]]`` with
  Gaussian-constrained normalisations, ``[[nuisances]]`` on numeric response parameters (the
  Lindhard k) tabulated at Chebyshev nodes (:class:`upscatter.stats.modifiers.
  TabulatedResponse`), and ``[data]``: observed counts per bin or ``"asimov"``. Its likelihood
  is the binned Poisson likelihood of paper 003 Eq. (20) over a
  :class:`~upscatter.stats.modifiers.SampleModel`.
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

from ..errors import ParameterError
from ..fluxes.reactor import DEFAULT_SPECTRUM, check_spectrum
from ..form_factors import get_form_factor
from ..nuclei import Material, get_material
from ..rates import RecoilBins
from ..response import DetectorResponse, build_piece
from ..stats.likelihood import Parameter, PoissonLikelihood
from ..stats.modifiers import ResponseMatrix, Sample, SampleModel, TabulatedResponse
from ..units import day, keV, year
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
    pot_per_year: PositiveFloat
    nu_per_pot: PositiveFloat = 0.08


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
    """``[exposure]``: live time (years)."""

    years: PositiveFloat


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
    ``[response]``)."""

    edges_kev: list[float] | None = None
    threshold_kev: PositiveFloat | None = None
    max_kev: PositiveFloat | None = None
    bin_width_kev: PositiveFloat | None = None

    @cached_property
    def edges(self) -> np.ndarray:
        """Bin edges (MeV)."""
        return _edges_from(self, "threshold_kev", "max_kev", "bin_width_kev", "analysis")

    @model_validator(mode="after")
    def _consistent(self):
        _ = self.edges
        return self


class Signal(_Table):
    """``[signal]``: the Gaussian width of the signal normalisation (parameter ``signal_norm``)."""

    normalisation: PositiveFloat


class Background(_Table):
    """One ``[[backgrounds]]`` entry: a flat shape (a rate or a total) or a template, and the
    Gaussian width of its normalisation (parameter ``<name>_norm``)."""

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    shape: Literal["flat", "template"] = "flat"
    rate_per_kev_kg_day: NonNegativeFloat | None = None
    events: NonNegativeFloat | None = None
    counts: list[NonNegativeFloat] | None = None
    normalisation: PositiveFloat

    @model_validator(mode="after")
    def _one_amount(self):
        if self.shape == "flat":
            if self.counts is not None:
                raise _FieldProblem("counts", "belongs to shape = 'template'")
            if (self.rate_per_kev_kg_day is None) == (self.events is None):
                raise _FieldProblem("rate_per_kev_kg_day", "or events: give exactly one")
        elif self.counts is None:
            raise _FieldProblem("counts", "is missing (shape = 'template')")
        elif self.rate_per_kev_kg_day is not None or self.events is not None:
            raise _FieldProblem("counts", "is the whole template: drop rate and events")
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
    """``[data]``: observed counts per analysis bin, or ``"asimov"`` (the nominal expectation
    with the SM signal)."""

    observed: Literal["asimov"] | list[NonNegativeFloat]
    comment: str = ""


class ExperimentSpec(_Table):
    """The whole file (see the module notes)."""

    name: str = Field(default="", min_length=1)
    description: str = ""
    target: Target
    source: SourceTable
    exposure: Exposure
    binning: Binning | None = None
    background: FlatBackground | None = None
    uncertainty: Uncertainty | None = None
    response: ResponseTable | None = None
    analysis: AnalysisTable | None = None
    signal: Signal | None = None
    backgrounds: list[Background] = []
    nuisances: list[Nuisance] = []
    data: Data | None = None

    @property
    def projection(self) -> bool:
        """Whether the file is in the projection form."""
        return self.binning is not None

    @model_validator(mode="after")
    def _one_form(self):
        projection = ("binning", "background", "uncertainty")
        detector = ("response", "analysis", "signal", "backgrounds", "nuisances", "data")
        given = {k for k in self.model_fields_set if k in projection + detector}
        if self.projection:
            if self.uncertainty is None:
                raise _FieldProblem("[uncertainty]", "is missing")
            mixed = sorted(given & set(detector))
            if mixed:
                raise _FieldProblem(mixed[0], "belongs to the detector form, not with [binning]")
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
        if len(self.nuisances) > 1:
            raise _FieldProblem("nuisances", "holds at most one response nuisance for now")
        n_bins = self.analysis.edges.size - 1
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


# ------------------------------------------------------------------------------------- errors
TABLES = ("target", "source", "exposure", "binning", "background", "uncertainty", "response")
TABLES += ("analysis", "signal", "data")


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
            f"(e.g. exposure.years)"
        )
    return places[0]


def apply_overrides(content: dict, overrides: Mapping[str, Any]) -> dict:
    """A copy of a spec file's content with fields replaced by options (see
    :func:`_override_place`); the result is validated like the file."""
    content = copy.deepcopy(content)
    for key, value in overrides.items():
        *tables, field = _override_place(content, key)
        target = content
        for table in tables:
            target = target.setdefault(table, {})
            if not isinstance(target, dict):
                raise ParameterError(f"option {key!r}: {table} is not a table of the spec")
        target[field] = value
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
    analysis bins when there is no response), summed over flux components; the likelihood
    folds it through the response (at the response nuisance, if any) and adds the backgrounds.

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
        self.live_time = spec.exposure.years * year
        self.edges = spec.analysis.edges
        if spec.response is None:
            true_edges = self.edges
        else:
            lo, hi = spec.response.true_recoil_kev
            true_edges = np.geomspace(lo, hi, spec.response.fine_bins + 1) * keV
        self.response = RecoilBins(true_edges)
        self.source_options = dict(source_options)
        self.source = build_source(
            self.material, true_edges, spec.exposure.years, **self.source_options
        )

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
            return np.eye(self.edges.size - 1)
        return self.detector_response(overrides).matrix(self.response.edges)

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
            if b.counts is not None:
                out[b.name] = np.asarray(b.counts, dtype=float)
            elif b.events is not None:
                out[b.name] = b.events * widths / widths.sum()
            else:
                rate = b.rate_per_kev_kg_day / (keV * day)
                out[b.name] = rate * self.detector_mass_kg * self.live_time * widths
        return out

    @cached_property
    def parameters(self) -> tuple[Parameter, ...]:
        """signal_norm, <background>_norm, then the response nuisance."""
        params = [Parameter("signal_norm", 0.0, (-1.0, np.inf), self.spec.signal.normalisation)]
        params += [
            Parameter(f"{b.name}_norm", 0.0, (-1.0, np.inf), b.normalisation)
            for b in self.spec.backgrounds
        ]
        for nuisance in self.spec.nuisances:
            nominal, lo, hi = self._nuisance_range(nuisance)
            params.append(Parameter(nuisance.name, nominal, (lo, hi), nuisance.sigma))
        return tuple(params)

    @cached_property
    def model(self) -> SampleModel:
        """The expected counts: signal through the response plus the backgrounds."""
        samples = [Sample("signal", ("signal_norm",), response=self.signal_response)]
        samples += [
            Sample(name, (f"{name}_norm",), template=counts)
            for name, counts in self.backgrounds.items()
        ]
        return SampleModel([p.name for p in self.parameters], samples)

    def _nominal(self) -> np.ndarray:
        return np.array([p.nominal for p in self.parameters])

    @cached_property
    def observed(self) -> np.ndarray:
        """Observed counts per analysis bin (the nominal SM expectation for ``"asimov"``)."""
        if self.spec.data.observed == "asimov":
            state = self.model.prepare(self.sm_counts)
            return self.model.evaluate(state, self._nominal())[0]
        return np.asarray(self.spec.data.observed, dtype=float)

    @cached_property
    def likelihood(self) -> PoissonLikelihood:
        """Binned Poisson likelihood (paper 003 Eq. (20)) over the samples."""
        return PoissonLikelihood(self.name, self.observed, self.parameters, self.model)

    # ------------------------------------------------------------------------------- output
    def fold_components(self, counts: np.ndarray) -> np.ndarray:
        return counts.sum(axis=1)

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
        unit = "keV" if self.spec.response is None else "keVee"
        return [f"{lo / keV:g}-{hi / keV:g} {unit}" for lo, hi in itertools.pairwise(self.edges)]

    def bin_labels(self) -> list[str]:
        """One label per entry of a prediction (fine true-recoil bins)."""
        return [
            f"T {lo / keV:.4g}-{hi / keV:.4g} keV"
            for lo, hi in itertools.pairwise(self.response.edges)
        ]

    def summary(self, predicted) -> dict:
        fit = self.likelihood.profile(predicted)
        parts = self.expected(predicted, fit.values)
        return {
            "bins": self.analysis_labels(),
            "observed": self.observed,
            **{f"{k}_expected" if k != "total" else "expected": v for k, v in parts.items()},
            **fit_summary(fit),
        }
