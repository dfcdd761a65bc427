"""HEPData export of bounds and allowed regions (the YAML format of hepdata.net).

A submission is a ``submission.yaml`` (a first document with the record's comment, then one
document per table naming its data file, description and keywords) and one YAML data file per
table with its independent and dependent variables. The variables are built with ``hepdata_lib``
(``Variable.make_dict``: values rounded to :data:`DIGITS` significant digits); the files are
written here, each atomically (:mod:`upscatter._io`), into a folder, or into one ``.zip`` or
``.tar.gz`` archive (both accepted by hepdata.net) written atomically as a whole.

Every dependent variable carries the provenance of the result as HEPData qualifiers (experiment,
model and its options, i.e. the convention, masses or mass ratio, confidence level, degrees of
freedom, Delta chi^2 threshold, upscatter version), with units: masses in MeV, couplings
dimensionless, EFT coefficients in units of G_F/sqrt(2) (the normalisation of the Lagrangian,
:mod:`upscatter.xsec.eft`). A mass point without a bound (no sensitivity) is written ``"-"``, the
HEPData notation for a missing value.
"""

from __future__ import annotations

import io
import tarfile
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from ._io import atomic_write_bytes
from .errors import ParameterError

DIGITS = 8
"""Significant digits of the exported values (bounds are reproducible to ~1e-4 relative)."""

ARCHIVES = (".zip", ".tar.gz", ".tgz")
"""Suffixes written as one archive; any other path is a folder."""

#: Units of the coupling of each model (HEPData ``units``; "" for dimensionless).
COUPLING_UNITS = {"eft": "G_F/sqrt(2)"}

MISSING = "-"
"""HEPData value of a point without a bound."""


def coupling_units(model: str) -> str:
    """Units of the coupling of ``model``: "" (dimensionless g, g_chi g_q) or G_F/sqrt(2)."""
    return COUPLING_UNITS.get(model, "")


@dataclass
class HepdataTable:
    """One HEPData table: name, description, keywords and the hepdata_lib variables."""

    name: str
    description: str
    variables: list = field(default_factory=list)
    keywords: dict[str, list[str]] = field(default_factory=dict)

    @property
    def data_file(self) -> str:
        """File name of the table's data, from its name."""
        slug = "".join(c if c.isalnum() else "_" for c in self.name.lower()).strip("_")
        return f"{slug}.yaml"

    def data(self) -> dict:
        """The data file's content: independent and dependent variables."""
        return {
            "independent_variables": [
                _plain(v.make_dict()) for v in self.variables if v.is_independent
            ],
            "dependent_variables": [
                _plain(v.make_dict()) for v in self.variables if not v.is_independent
            ],
        }


def _plain(value):
    """``value`` with dict subclasses (hepdata_lib's defaultdicts) as plain dicts, for YAML."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _variable(name: str, values, units: str, *, independent: bool):
    with warnings.catch_warnings():  # its validator's jsonschema RefResolver deprecation
        warnings.simplefilter("ignore", DeprecationWarning)
        from hepdata_lib import Variable  # imported on first export only

    variable = Variable(name, is_independent=independent, is_binned=False, units=units)
    variable.digits = DIGITS
    variable.values = [float(v) if np.isfinite(v) else MISSING for v in np.asarray(values, float)]
    return variable


def _qualify(variable, qualifiers: dict[str, tuple[object, str]]) -> None:
    for name, (value, units) in qualifiers.items():
        variable.add_qualifier(name, value, units)


def _options_text(options: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(options.items())) or "defaults"


def _cl_qualifiers(config: dict) -> dict[str, tuple[object, str]]:
    out: dict[str, tuple[object, str]] = {
        "experiment": (config.get("experiment", "?"), ""),
        "CL": (f"{100 * float(config['cl']):g}%", ""),
        "degrees of freedom": (int(config["dof"]), ""),
    }
    if "delta_chi2" in config:
        out["Delta chi2 threshold"] = (round(float(config["delta_chi2"]), 6), "")
    return out


def limits_tables(result, name: str | None = None) -> list[HepdataTable]:
    """One table of a :class:`upscatter.scans.ScanResult`: the bound (and expected bands when
    computed) versus the scanned mass, with the provenance as qualifiers.

    The independent variable is m_chi, or m_med when m_chi is fixed and m_med varies; the other
    mass is a qualifier when fixed, the ratio m_med/m_chi when that is fixed.
    """
    config = result.config
    model = str(config.get("model", "?"))
    m_chi = np.asarray(result.masses.get("m_chi", []), float)
    m_med = np.asarray(result.masses.get("m_med", []), float)
    scan_med = m_med.size > 1 and np.ptp(m_med) > 0 and (m_chi.size < 2 or np.ptp(m_chi) == 0)
    x_name, x = ("m_med", m_med) if scan_med else ("m_chi", m_chi)
    qualifiers = {
        **_cl_qualifiers(config),
        "model": (model, ""),
        "model options": (_options_text(config.get("model_options", {})), ""),
    }
    other_name, other = ("m_chi", m_chi) if scan_med else ("m_med", m_med)
    if other.size and np.ptp(other) == 0:
        qualifiers[other_name] = (float(other[0]), "MeV")
    elif other.size and x.size and np.all(x > 0):
        ratio = other / x
        if np.allclose(ratio, ratio[0], rtol=1e-9):
            qualifiers[f"{other_name}/{x_name}"] = (float(ratio[0]), "")
    qualifiers["upscatter version"] = (str(config.get("upscatter_version", "?")), "")
    units = coupling_units(model)
    columns = {f"upper bound on {result.coupling}": result.bound}
    labels = {
        "expected_median": "expected median",
        "expected_minus2": "expected -2 sigma",
        "expected_minus1": "expected -1 sigma",
        "expected_plus1": "expected +1 sigma",
        "expected_plus2": "expected +2 sigma",
    }
    for key, label in labels.items():
        if key in result.expected:
            columns[f"{label} bound on {result.coupling}"] = result.expected[key]
    variables = [_variable(x_name, x, "MeV", independent=True)]
    for column, values in columns.items():
        variable = _variable(column, values, units, independent=False)
        _qualify(variable, qualifiers)
        variables.append(variable)
    described = "; ".join(f"{k} = {v}{' ' + u if u else ''}" for k, (v, u) in qualifiers.items())
    title = name or f"{config.get('experiment', '?')} {model} bound"
    return [
        HepdataTable(
            title,
            f"Upper bound on {result.coupling}"
            f"{' (' + units + ')' if units else ''} versus {x_name} (MeV): {described}. "
            f"'{MISSING}' marks a mass without a bound.",
            variables,
            {"observables": ["LIMIT"]},
        )
    ]


def region_tables(region, name: str | None = None) -> list[HepdataTable]:
    """One table per boundary line of a :class:`upscatter.scans.RegionResult`: the points
    (x, y) where Delta chi^2 equals the threshold; the allowed region is inside."""
    config = region.config
    qualifiers = {
        **_cl_qualifiers({**config, "delta_chi2": region.threshold}),
        "model": ("eft", ""),
        "m_chi": (float(config.get("m_chi_MeV", np.nan)), "MeV"),
        "upscatter version": (str(config.get("upscatter_version", "?")), ""),
    }
    units = coupling_units("eft")
    x_name, y_name = region.names
    title = name or f"{config.get('experiment', '?')} {x_name} {y_name} region"
    described = "; ".join(f"{k} = {v}{' ' + u if u else ''}" for k, (v, u) in qualifiers.items())
    tables = []
    for i, line in enumerate(region.boundary, start=1):
        y = _variable(y_name, line[:, 1], units, independent=False)
        _qualify(y, {**qualifiers, "boundary line": (i, "")})
        tables.append(
            HepdataTable(
                f"{title} boundary {i}" if len(region.boundary) > 1 else f"{title} boundary",
                f"Boundary {i} of {len(region.boundary)} of the allowed region of the real EFT "
                f"coefficients {x_name}, {y_name} (units {units}), Delta chi^2 below the "
                f"threshold inside: {described}.",
                [_variable(x_name, line[:, 0], units, independent=True), y],
                {"observables": ["LIMIT"]},
            )
        )
    if not tables:
        raise ParameterError("the region has no boundary line to export")
    return tables


def submission_files(tables: Sequence[HepdataTable], comment: str) -> dict[str, bytes]:
    """File name -> content of the HEPData submission of ``tables``."""
    names = [t.data_file for t in tables]
    if len(set(names)) != len(names):
        raise ParameterError(f"HEPData tables need distinct names, got {', '.join(names)}")
    documents: list[dict] = [{"comment": comment}]
    for table in tables:
        documents.append(
            {
                "name": table.name,
                "description": table.description,
                "keywords": [{"name": k, "values": v} for k, v in table.keywords.items()],
                "data_file": table.data_file,
            }
        )
    files = {"submission.yaml": yaml.safe_dump_all(documents, explicit_start=True, sort_keys=False)}
    for table in tables:
        files[table.data_file] = yaml.safe_dump(table.data(), sort_keys=False)
    return {k: v.encode("utf-8") for k, v in files.items()}


def write_hepdata(tables: Sequence[HepdataTable], path: str | Path, comment: str = "") -> Path:
    """Write the submission of ``tables`` to ``path``: a folder (created if missing; each file
    written atomically), or a ``.zip`` / ``.tar.gz`` archive written atomically as one file.
    Returns the path."""
    path = Path(path)
    files = submission_files(tables, comment or "Exported by upscatter")
    name = path.name.lower()
    if name.endswith(".zip"):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for file, content in files.items():
                archive.writestr(file, content)
        return atomic_write_bytes(path, buffer.getvalue())
    if name.endswith((".tar.gz", ".tgz")):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            for file, content in files.items():
                info = tarfile.TarInfo(file)
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))
        return atomic_write_bytes(path, buffer.getvalue())
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ParameterError(f"cannot create folder {path}: {exc.strerror or exc}") from None
    for file, content in files.items():
        atomic_write_bytes(path / file, content)
    return path
