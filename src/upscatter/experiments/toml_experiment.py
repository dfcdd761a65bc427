"""Hypothetical experiments described in a user-written TOML file.

``get_experiment("my_detector.toml")`` (and every command that takes an experiment name) loads
the file into a :class:`~upscatter.experiments.projection.ProjectedExperiment`: Asimov
pseudo-data equal to the SM expectation, a flat background and one normalisation uncertainty,
with the chi^2 of paper 002 Eq. (13) (see :mod:`.projection`). Example: ``examples/``. Schema
(units in the field names; everything else is an error naming the field)::

    name = "my-detector"            # optional, default: the file name without .toml

    [target]
    material = "Ge"                 # CsI, Ar or Ge
    mass_kg = 100.0
    form_factor = "helm"            # optional: helm (default), klein-nystrand, unity

    [source]
    name = "reactor"                # "reactor" or "sns"
    distance_m = 17.0
    thermal_power_gw = 3.9          # reactor (required)
    # fission_fractions = { U235 = 0.564, Pu239 = 0.304, U238 = 0.076, Pu241 = 0.056 }
    # energies_per_fission_mev = { U235 = 202.36, ... }   e_nu_min_mev = 1.8
    # sns instead: pot_per_year (required), nu_per_pot (optional, default 0.08)

    [exposure]
    years = 5.0

    [binning]                       # nuclear recoil: the three numbers, or edges_kev = [...]
    threshold_kev = 0.1
    max_recoil_kev = 2.0
    bin_width_kev = 0.1

    [background]                    # optional, flat in recoil energy; both default to 0
    rate_per_kev_kg_day = 1.0
    fraction_of_sm = 0.0

    [uncertainty]
    normalisation = 0.05
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from .._validate import lookup
from ..errors import ParameterError
from ..fluxes.base import Source
from ..form_factors import get_form_factor
from ..nuclei import Material, get_material
from ..rates import RecoilBins
from ..units import keV
from .projection import SOURCE_BUILDERS, ProjectedExperiment, recoil_edges

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

SECTIONS: dict[str, tuple[str, ...]] = {
    "target": ("material", "mass_kg", "form_factor"),
    "exposure": ("years",),
    "binning": ("threshold_kev", "max_recoil_kev", "bin_width_kev", "edges_kev"),
    "background": ("rate_per_kev_kg_day", "fraction_of_sm"),
    "uncertainty": ("normalisation",),
}
"""Fields of each table of the file (``[source]`` fields depend on the source)."""

REQUIRED_SOURCE_FIELDS: dict[str, tuple[str, ...]] = {
    "sns": ("distance_m", "pot_per_year"),
    "reactor": ("distance_m", "thermal_power_gw"),
}
"""Source parameters that the file must give; the other builder options are optional."""

TABLE_SOURCE_FIELDS = ("fission_fractions", "energies_per_fission_mev")
"""Source parameters given as TOML tables (isotope -> number)."""

_BUILDER_CONTEXT = ("material", "edges", "years")
_BINNING_STEPS = ("threshold_kev", "max_recoil_kev", "bin_width_kev")


class _File:
    """Field access with one-line errors naming the file and the field."""

    def __init__(self, path: Path, content: Mapping):
        self.path = path
        self.content = content

    def error(self, field: str, problem: str) -> ParameterError:
        return ParameterError(f"experiment file {self.path}: field {field} {problem}")

    def table(self, section: str, required: bool = True) -> Mapping:
        value = self.content.get(section)
        if value is None:
            if required:
                raise self.error(f"[{section}]", "is missing")
            return {}
        if not isinstance(value, Mapping):
            raise self.error(f"[{section}]", "must be a table")
        return value

    def check_fields(self, section: str, table: Mapping, known: tuple[str, ...]) -> None:
        for key in table:
            if key not in known:
                raise self.error(f"{section}.{key}", f"is unknown; known: {', '.join(known)}")

    def number(self, section: str, table: Mapping, key: str, *, positive: bool = False):
        field = f"{section}.{key}"
        if key not in table:
            raise self.error(field, "is missing")
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(field, f"must be a number, got {value!r}")
        if not np.isfinite(value):
            raise self.error(field, f"must be finite, got {value!r}")
        if value < 0 or (positive and value == 0):
            raise self.error(field, f"must be {'positive' if positive else '>= 0'}, got {value!r}")
        return float(value)

    def string(self, section: str, table: Mapping, key: str) -> str:
        field = f"{section}.{key}"
        if key not in table:
            raise self.error(field, "is missing")
        if not isinstance(table[key], str):
            raise self.error(field, f"must be a string, got {table[key]!r}")
        return table[key]


def _read(path: Path) -> Mapping:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ParameterError(f"experiment file {path} not found") from None
    except OSError as exc:
        raise ParameterError(f"cannot read experiment file {path}: {exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ParameterError(f"experiment file {path} is not valid TOML: {exc}") from None


def _edges(f: _File) -> np.ndarray:
    table = f.table("binning")
    f.check_fields("binning", table, SECTIONS["binning"])
    steps = [key for key in _BINNING_STEPS if key in table]
    if "edges_kev" in table:
        if steps:
            raise f.error(
                "binning.edges_kev",
                f"is inconsistent with binning.{steps[0]}: give one or the other",
            )
        edges = table["edges_kev"]
        if not isinstance(edges, list) or not all(
            isinstance(e, int | float) and not isinstance(e, bool) for e in edges
        ):
            raise f.error("binning.edges_kev", f"must be a list of numbers, got {edges!r}")
        try:
            return RecoilBins(np.asarray(edges, dtype=float) * keV).edges
        except ParameterError as exc:
            raise f.error("binning.edges_kev", f"is invalid: {exc}") from None
    if not steps:
        raise f.error("binning.threshold_kev", "is missing (or give binning.edges_kev)")
    values = [f.number("binning", table, key, positive=True) for key in _BINNING_STEPS]
    try:
        return recoil_edges(*values)
    except ParameterError as exc:
        raise f.error("[binning]", f"is inconsistent: {exc}") from None


def _source_builder(f: _File) -> Callable[[Material, np.ndarray, float], Source]:
    """The ``[source]`` table as a source builder of (material, edges, years) whose errors name
    the table."""
    table = f.table("source")
    name = f.string("source", table, "name")
    try:
        builder = lookup("neutrino source", SOURCE_BUILDERS, name)
    except ParameterError as exc:
        raise f.error("source.name", f"is invalid: {exc}") from None
    options = [p for p in inspect.signature(builder).parameters if p not in _BUILDER_CONTEXT]
    f.check_fields("source", table, ("name", *options))
    kwargs = {}
    for key in options:
        if key in TABLE_SOURCE_FIELDS:
            if key in table:
                if not isinstance(table[key], Mapping):
                    raise f.error(f"source.{key}", f"must be a table, got {table[key]!r}")
                kwargs[key] = dict(table[key])
        elif key in table or key in REQUIRED_SOURCE_FIELDS[name]:
            kwargs[key] = f.number("source", table, key, positive=True)

    def build_source(material: Material, edges: np.ndarray, years: float) -> Source:
        try:
            return builder(material, edges, years, **kwargs)
        except ParameterError as exc:
            raise f.error("[source]", f"is invalid: {exc}") from None

    return build_source


def load_toml_experiment(path: str | Path) -> ProjectedExperiment:
    """Build the hypothetical experiment described by a TOML file (schema: module docstring).

    Parameters
    ----------
    path : str or pathlib.Path
        The file.

    Returns
    -------
    ProjectedExperiment
        Named by the file's ``name`` (default: the file name without ``.toml``).

    Raises
    ------
    ParameterError
        Missing file, invalid TOML, or a missing, unknown, mistyped or inconsistent field: the
        message names the file and the field.
    """
    path = Path(path)
    content = _read(path)
    f = _File(path, content)
    for key in content:
        if key not in ("name", "source", *SECTIONS):
            known = ", ".join(["name", "source", *SECTIONS])
            raise f.error(key, f"is unknown; known top-level fields and tables: {known}")
    name = content.get("name", path.stem)
    if not isinstance(name, str) or not name:
        raise f.error("name", f"must be a non-empty string, got {name!r}")

    target = f.table("target")
    f.check_fields("target", target, SECTIONS["target"])
    material_name = f.string("target", target, "material")
    try:
        material = get_material(material_name)
    except ParameterError as exc:
        raise f.error("target.material", f"is invalid: {exc}") from None
    mass = f.number("target", target, "mass_kg", positive=True)
    form_factor = target.get("form_factor", "helm")
    try:
        get_form_factor(form_factor)
    except ParameterError as exc:
        raise f.error("target.form_factor", f"is invalid: {exc}") from None

    exposure = f.table("exposure")
    f.check_fields("exposure", exposure, SECTIONS["exposure"])
    years = f.number("exposure", exposure, "years", positive=True)

    edges = _edges(f)
    build_source = _source_builder(f)

    background = f.table("background", required=False)
    f.check_fields("background", background, SECTIONS["background"])
    fraction, rate = (
        f.number("background", background, key) if key in background else 0.0
        for key in ("fraction_of_sm", "rate_per_kev_kg_day")
    )
    uncertainty = f.table("uncertainty")
    f.check_fields("uncertainty", uncertainty, SECTIONS["uncertainty"])
    sigma_norm = f.number("uncertainty", uncertainty, "normalisation", positive=True)

    return ProjectedExperiment(
        name,
        material,
        mass,
        build_source,
        years,
        edges,
        sigma_norm=sigma_norm,
        background_fraction=fraction,
        background_per_kev_kg_day=rate,
        form_factor=form_factor,
    )
