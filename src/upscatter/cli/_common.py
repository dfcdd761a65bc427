"""Helpers shared by the CLI commands: JSON output and option parsing."""

from __future__ import annotations

import os
from pathlib import Path

import click
import numpy as np

from .._io import to_json
from ..errors import ParameterError


def echo_json(payload: dict) -> None:
    """Print ``payload`` as JSON on stdout, with the provenance of the result (version, git
    commit, command line, release files read: :func:`upscatter.provenance.provenance`) unless
    the payload already carries it."""
    from ..provenance import provenance

    if isinstance(payload, dict) and "provenance" not in payload:
        config = payload.get("config")
        if not (isinstance(config, dict) and "provenance" in config):
            payload = {**payload, "provenance": provenance()}
    click.echo(to_json(payload))


MAX_RANGE_POINTS = 1_000_000
"""Most points of one ``log:``/``lin:`` range (8 MB of floats): commands limit their grids
further (e.g. ``limits`` asks for --yes above 1000 mass points), but the range is built first."""


def parse_float_list(text: str, name: str) -> np.ndarray:
    """Parse ``"1"``, ``"1,2,5"`` or ``"log:0.1:100:50"`` (start, stop, number of points, at
    most :data:`MAX_RANGE_POINTS`).

    Raises ParameterError for empty, non-numeric, non-finite or negative entries.
    """
    text = text.strip()
    if text.startswith(("log:", "lin:")):
        parts = text.split(":")
        if len(parts) != 4:
            raise ParameterError(f"{name}: a range is written log:START:STOP:N, got {text!r}")
        try:
            start, stop, n = float(parts[1]), float(parts[2]), int(parts[3])
        except ValueError:
            raise ParameterError(f"{name}: cannot read the range {text!r}") from None
        if n < 1:
            raise ParameterError(f"{name}: the range needs at least one point")
        if n > MAX_RANGE_POINTS:
            raise ParameterError(
                f"{name}: the range has {n} points, more than {MAX_RANGE_POINTS}, got {text!r}"
            )
        if not (np.isfinite(start) and np.isfinite(stop)):
            raise ParameterError(f"{name}: values must be finite")
        if parts[0] == "log":
            if start <= 0 or stop <= 0:
                raise ParameterError(f"{name}: a log range needs positive ends, got {text!r}")
            values = np.geomspace(start, stop, n)
        else:
            values = np.linspace(start, stop, n)
    else:
        items = text.split(",")
        if not text or any(not t.strip() for t in items):
            raise ParameterError(f"{name}: empty entry in {text!r} (write e.g. 1,2,5)")
        try:
            values = np.array([float(t) for t in items])
        except ValueError:
            raise ParameterError(f"{name}: cannot read {text!r} as numbers") from None
    if not np.all(np.isfinite(values)):
        raise ParameterError(f"{name}: values must be finite")
    if np.any(values < 0):
        raise ParameterError(f"{name}: values must not be negative")
    return values


def check_output_file(option: str, path: str | None, *, image: bool = False) -> str | None:
    """Check before any computation that ``path`` can be written (and, for ``image``, that
    matplotlib knows its suffix); raise a ParameterError naming ``option`` otherwise."""
    if path is None:
        return None
    target = Path(path)
    if target.is_dir() or path.endswith(("/", os.sep)):
        raise ParameterError(f"{option} {path}: is a folder, give a file name")
    folder = target.parent
    if not folder.exists():
        raise ParameterError(f"{option} {path}: folder {folder} does not exist")
    if not folder.is_dir():
        raise ParameterError(f"{option} {path}: {folder} is not a folder")
    if image:
        from matplotlib.backend_bases import FigureCanvasBase

        known = FigureCanvasBase.get_supported_filetypes()
        suffix = target.suffix.lower().lstrip(".")
        if suffix not in known:
            raise ParameterError(
                f"{option} {path}: unknown image type {target.suffix or '(none)'!r}; "
                f"use one of {', '.join('.' + k for k in sorted(known))}"
            )
    existed = target.exists()
    try:
        with target.open("a"):
            pass
    except OSError as exc:
        raise ParameterError(f"{option} {path}: cannot write ({exc.strerror})") from None
    if not existed:
        target.unlink()
    return path


def check_output_folder(option: str, path: str) -> str:
    """Check before any computation that folder ``path`` exists and is writable or can be
    created; raise a ParameterError naming ``option`` otherwise."""
    if not path.strip():
        raise ParameterError(f"{option}: empty folder name")
    folder = Path(path)
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ParameterError(f"{option} {path}: {existing} is not a folder")
    probe = existing / ".upscatter-write-check"
    try:
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise ParameterError(
            f"{option} {path}: cannot write in {existing} ({exc.strerror})"
        ) from None
    return path


def confirm_size(what: str, size: int, limit: int, estimate: str, yes: bool) -> None:
    """Refuse a grid of ``size`` above ``limit`` unless ``yes`` (the --yes flag), saying the
    ``estimate`` of its cost."""
    if size > limit and not yes:
        raise ParameterError(
            f"{what} = {size} is above {limit} ({estimate}): pass --yes to proceed"
        )


def kinematic_note(material, e_max: float, m_chi: float) -> str | None:
    """A one-line note when ``m_chi`` (MeV) is at or above the largest dark-fermion mass that
    neutrinos up to ``e_max`` (MeV) can produce on ``material``: E_nu >= m_chi + m_chi^2/(2M)
    (:func:`upscatter.kinematics.max_chi_mass`, heaviest isotope, the most permissive), so no
    new-physics event exists; ``None`` otherwise."""
    from ..kinematics import max_chi_mass

    reach = float(max(max_chi_mass(iso.mass, e_max) for iso in material.isotopes))
    if m_chi < reach:
        return None
    return (
        f"m_chi = {m_chi:g} MeV is above the kinematic limit {reach:.4g} MeV of {material.name} "
        f"with neutrinos up to {e_max:.4g} MeV: no new-physics events"
    )


def new_physics_counts(K: np.ndarray, model, coupling: float) -> np.ndarray:
    """Counts K @ monomials(coupling) of ``model``; a coupling so large that they overflow
    (they grow as coupling^max(powers)) is a ParameterError naming --coupling."""
    with np.errstate(over="ignore", invalid="ignore"):
        counts = K @ model.monomials(coupling)
    if not np.all(np.isfinite(counts)):
        raise ParameterError(
            f"--coupling {coupling:g}: the new-physics counts overflow (they grow as "
            f"{model.coupling}^{max(model.powers)}); give a smaller coupling"
        )
    return counts


def _check_hepdata(_ctx, _param, value: str | None) -> str | None:
    from ..hepdata import ARCHIVES

    if value is None:
        return None
    if value.lower().endswith(ARCHIVES):
        return check_output_file("--hepdata", value)
    return check_output_folder("--hepdata", value)


hepdata_option = click.option(
    "--hepdata",
    type=click.Path(),
    default=None,
    callback=_check_hepdata,
    help="Also write the result as a HEPData submission (YAML): a folder, or a .zip or "
    ".tar.gz archive.",
)
"""--hepdata PATH (checked before any computation), for commands whose result is a bound or a
region (:mod:`upscatter.hepdata`)."""
