"""Shared pieces of the reproductions: the registry entry type and the published-value
comparison."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np


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
