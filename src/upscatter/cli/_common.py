"""Helpers shared by the CLI commands: JSON output and option parsing."""

from __future__ import annotations

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
        if parts[0] == "log":
            if start <= 0 or stop <= 0:
                raise ParameterError(f"{name}: a log range needs positive ends, got {text!r}")
            values = np.geomspace(start, stop, n)
        else:
            values = np.linspace(start, stop, n)
    else:
        items = [t for t in text.split(",") if t.strip()]
        if not items:
            raise ParameterError(f"{name}: no value given")
        try:
            values = np.array([float(t) for t in items])
        except ValueError:
            raise ParameterError(f"{name}: cannot read {text!r} as numbers") from None
    if not np.all(np.isfinite(values)):
        raise ParameterError(f"{name}: values must be finite")
    if np.any(values < 0):
        raise ParameterError(f"{name}: values must not be negative")
    return values
