"""Experiments by name: ``get_experiment("coherent-csi-2017", **options)``."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable

from .._validate import lookup
from ..errors import ParameterError
from .base import Analysis, Experiment
from .coherent_csi_2017 import CoherentCsI2017
from .coherent_csi_2021 import CoherentCsI2021
from .coherent_lar_2020 import CoherentLAr2020
from .combined import CoherentCombined, CombinedAnalysis
from .future_conus import FutureCONUS
from .future_lar import FutureLAr
from .toml_experiment import load_toml_experiment

EXPERIMENTS: dict[str, Callable[..., Analysis]] = {
    CoherentCsI2017.name: CoherentCsI2017,
    CoherentCsI2021.name: CoherentCsI2021,
    CoherentLAr2020.name: CoherentLAr2020,
    CoherentCombined.name: CoherentCombined,
    FutureLAr.name: FutureLAr,
    FutureCONUS.name: FutureCONUS,
}


def get_experiment(name: str | os.PathLike, **options) -> Analysis:
    """Build the experiment registered as ``name`` with its options, or, for a name ending in
    ``.toml``, the hypothetical experiment described by that file (options are then set in the
    file; see :mod:`upscatter.experiments.toml_experiment`)."""
    if isinstance(name, str | os.PathLike) and os.fspath(name).lower().endswith(".toml"):
        if options:
            raise ParameterError(
                f"options {', '.join(options)} cannot be passed to the TOML experiment {name}; "
                f"set them in the file"
            )
        return load_toml_experiment(name)
    factory = lookup("experiment", EXPERIMENTS, name)
    accepted = inspect.signature(factory).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
        unknown = [key for key in options if key not in accepted]
        if unknown:
            valid = ", ".join(
                f"{key}={p.default!r}" if p.default is not p.empty else key
                for key, p in accepted.items()
                if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
            )
            raise ParameterError(
                f"{name}: unknown option(s) {', '.join(unknown)}; valid options (defaults): {valid}"
            )
    return factory(**options)


__all__ = ["EXPERIMENTS", "Analysis", "CombinedAnalysis", "Experiment", "get_experiment"]
