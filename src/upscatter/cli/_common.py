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


#: Largest number of points of a --m-chi/--m-med list or range.
MAX_LIST_POINTS = 100_000


def check_output(path: str | None, option: str, image: bool = False) -> None:
    """Fail before any computation when ``path`` cannot be written: its folder is missing or
    not writable, or (``image``) matplotlib has no writer for its suffix."""
    if path is None:
        return
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise ParameterError(f"{option}: {path} is a folder; give a file name")
    if not folder.is_dir():
        raise ParameterError(f"{option}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise ParameterError(f"{option}: the folder {folder} is not writable")
    if image:
        from matplotlib.backend_bases import FigureCanvasBase

        formats = FigureCanvasBase.get_supported_filetypes()
        suffix = target.suffix.lstrip(".").lower()
        if suffix not in formats:
            raise ParameterError(
                f"{option}: cannot write images of type {suffix or '(none)'!r}; use one of "
                f"{', '.join(sorted(formats))}"
            )


def parse_float_list(text: str, name: str) -> np.ndarray:
    """Parse ``"1"``, ``"1,2,5"`` or ``"log:0.1:100:50"`` (start, stop, number of points).

    Raises ParameterError for empty, non-numeric or negative entries.
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
        if n > MAX_LIST_POINTS:
            raise ParameterError(
                f"{name}: {n} points is more than the {MAX_LIST_POINTS} a scan takes; "
                "split the range into several runs (with --checkpoint)"
            )
        if parts[0] == "log":
            if start <= 0 or stop <= 0:
                raise ParameterError(f"{name}: a log range needs positive ends, got {text!r}")
            values = np.geomspace(start, stop, n)
        else:
            values = np.linspace(start, stop, n)
    else:
        items = text.split(",")
        if not text or any(not t.strip() for t in items):
            raise ParameterError(f"{name}: empty entry in {text!r} (write values like 1,2,5)")
        try:
            values = np.array([float(t) for t in items])
        except ValueError:
            raise ParameterError(f"{name}: cannot read {text!r} as numbers") from None
    if not np.all(np.isfinite(values)):
        raise ParameterError(f"{name}: values must be finite")
    if np.any(values < 0):
        raise ParameterError(f"{name}: values must not be negative")
    return values
