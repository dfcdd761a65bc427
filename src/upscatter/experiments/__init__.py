"""Experiments by name: ``get_experiment("coherent-csi-2017", **options)``."""

from __future__ import annotations

from collections.abc import Callable

from .._validate import lookup
from .base import Experiment
from .coherent_csi_2017 import CoherentCsI2017

EXPERIMENTS: dict[str, Callable[..., Experiment]] = {
    CoherentCsI2017.name: CoherentCsI2017,
}


def get_experiment(name: str, **options) -> Experiment:
    """Build the experiment registered as ``name`` with its options."""
    return lookup("experiment", EXPERIMENTS, name)(**options)


__all__ = ["EXPERIMENTS", "Experiment", "get_experiment"]
