"""Reproductions of the papers' figures and headline numbers, one registry entry each.

Every entry builds its figure(s) into an output folder and returns a JSON-ready dictionary of
computed versus published values; ``upscatter reproduce NAME --out DIR`` runs it and writes
``NAME.json`` beside the figures. Each paper has its own module, which defines its entries in a
``REPRODUCTIONS`` dictionary; this package merges them.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from .. import __version__
from .._io import atomic_write_text, to_json
from .._validate import lookup
from . import candela2023, chang_liao2020, chao2021, xenonnt2026
from ._common import Reproduction, compare

REPRODUCTIONS: dict[str, Reproduction] = {
    **chao2021.REPRODUCTIONS,
    **chang_liao2020.REPRODUCTIONS,
    **candela2023.REPRODUCTIONS,
    **xenonnt2026.REPRODUCTIONS,
}

__all__ = ["REPRODUCTIONS", "Reproduction", "compare", "run"]


def run(name: str, out: str | Path) -> dict:
    """Build reproduction ``name`` into folder ``out``; returns and writes ``out/NAME.json``."""
    entry = lookup("reproduction", REPRODUCTIONS, name)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    result = entry.build(out)
    payload = {
        "name": name,
        "description": entry.description,
        "seconds": time.perf_counter() - start,
        "upscatter_version": __version__,
        "results": result,
    }
    atomic_write_text(out / f"{name}.json", to_json(payload))
    return json.loads(to_json(payload))
