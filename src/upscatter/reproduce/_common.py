"""Shared pieces of the reproductions: the registry entry type, the published-value comparison
and the tables ``upscatter reproduce`` prints."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TEXT_WIDTH = 72
"""Width at which long text (details values, known-deviation notes) is wrapped."""


@dataclass(frozen=True)
class Reproduction:
    """A registered reproduction: what it shows and the function that builds it."""

    name: str
    description: str
    build: Callable[[Path], dict]


def compare(
    computed: float,
    published: float,
    tolerance_factor: float | None = None,
    rel: float | None = None,
    convention: str | None = None,
) -> dict:
    """Computed vs published with either a factor tolerance (ratio in [1/f, f]) or a relative
    one (|ratio - 1| <= rel); ``convention`` names the paper's convention the computed number
    was obtained with when it is not the library's default (printed with the comparison)."""
    ratio = computed / published if np.isfinite(computed) else float("nan")
    if rel is not None:
        ok, tol = abs(ratio - 1.0) <= rel, {"relative_tolerance": rel}
    else:
        ok = 1 / tolerance_factor <= ratio <= tolerance_factor
        tol = {"tolerance_factor": tolerance_factor}
    return {
        "computed": computed,
        "published": published,
        "ratio": ratio,
        **tol,
        "within_tolerance": bool(ok),
        **({"convention": convention} if convention else {}),
    }


def is_comparison(value) -> bool:
    """True for a dictionary made by :func:`compare` (possibly with extra keys)."""
    return isinstance(value, Mapping) and "computed" in value and "published" in value


def comparisons(results: Mapping, prefix: str = "") -> Iterator[tuple[str, dict]]:
    """Every :func:`compare` result in a nested result dictionary, with its label (the keys on
    the way to it joined by " / "), in order."""
    for key, value in results.items():
        label = f"{prefix}{key}"
        if is_comparison(value):
            yield label, value
        elif isinstance(value, Mapping):
            yield from comparisons(value, f"{label} / ")


def status(comparison: Mapping) -> str:
    """How a computed number relates to the published one, honestly labelled: "reproduced"
    (naming the paper convention when it is not the library default), "known deviation" (out
    of tolerance, documented) or "OFF" (out of tolerance, undocumented); "(outside the range of
    validity)" is appended when the comparison says ``outside_validity``."""
    if comparison["within_tolerance"]:
        convention = comparison.get("convention")
        text = f"reproduced with {convention}" if convention else "reproduced"
    elif comparison.get("known_deviation"):
        text = "known deviation"
    else:
        return "OFF"
    return text + (" (outside the range of validity)" if comparison.get("outside_validity") else "")


def failures(results: Mapping) -> list[str]:
    """Labels of the comparisons outside their tolerance without a documented deviation."""
    return [label for label, c in comparisons(results) if status(c) == "OFF"]


def _number(value) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "-"
    return f"{value:.4g}" if isinstance(value, (float, np.floating)) else str(value)


def _tolerance(comparison: Mapping) -> str:
    if "tolerance_factor" in comparison:
        return f"factor {comparison['tolerance_factor']:g}"
    return f"+-{100 * comparison['relative_tolerance']:g}%"


def _table(header: list[str], rows: list[list[str]], align: str) -> list[str]:
    """Aligned text table; ``align`` has one letter per column, "l" (left) or "r" (right)."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells):
        return "  ".join(
            c.ljust(w) if a == "l" else c.rjust(w)
            for c, w, a in zip(cells, widths, align, strict=True)
        ).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def comparison_table(results: Mapping) -> list[str]:
    """Lines of the table of every comparison: label, paper's value, ours, ratio, tolerance,
    status; documented deviations are listed with their reason below the table."""
    found = list(comparisons(results))
    if not found:
        return []
    rows = [
        [
            label,
            _number(c["published"]),
            _number(c["computed"]),
            _number(c["ratio"]),
            _tolerance(c),
            status(c),
        ]
        for label, c in found
    ]
    lines = _table(["number", "paper", "ours", "ratio", "tolerance", "status"], rows, "lrrrll")
    notes = []
    for label, c in found:
        if status(c).startswith("known deviation"):
            text = textwrap.wrap(f"{label}: {c['known_deviation']}", TEXT_WIDTH)
            notes += ["known deviation, " + text[0], *("  " + t for t in text[1:])]
    return lines + notes


def _flat(value, prefix: str) -> Iterator[tuple[str, str]]:
    if is_comparison(value):
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _flat(item, f"{prefix} / {key}" if prefix else str(key))
    elif isinstance(value, (list, tuple)) and not all(np.isscalar(v) for v in value):
        yield prefix, f"[{len(value)} entries, see the JSON]"
    elif isinstance(value, (list, tuple)):
        text = ", ".join(_number(v) for v in value)
        yield prefix, text if len(text) <= 60 else f"[{len(value)} values, see the JSON]"
    else:
        yield prefix, _number(value)


def details_table(results: Mapping, skip: tuple[str, ...] = ("files",)) -> list[str]:
    """Lines of a two-column table (quantity, value) of every other entry of the results:
    nested dictionaries flattened into "a / b" labels, long lists referred to the JSON, long
    text wrapped."""
    rows = []
    for key, item in results.items():
        if key in skip:
            continue
        for label, value in _flat(item, str(key)):
            lines = textwrap.wrap(value, TEXT_WIDTH) or [""]
            rows += [[label, lines[0]], *([["", more] for more in lines[1:]])]
    return _table(["quantity", "value"], rows, "ll") if rows else []
