"""upscatter: neutrino up-scattering into MeV-scale dark fermions at CEvNS experiments.

The curated API, loaded lazily (``import upscatter`` imports nothing heavy; each name imports its
module on first use):

* building blocks: :func:`get_model`, :func:`get_source`, :func:`get_experiment`,
  :func:`get_material`, and the release registry :mod:`upscatter.data`;
* statistics: :class:`Likelihood`, :class:`Parameter`, :class:`FitResult`, :class:`PseudoData`,
  :func:`combine`, :func:`delta_chi2_threshold`;
* limits: :func:`coupling_bound`, :class:`ScanResult`, :func:`allowed_region`,
  :func:`profile_curve`, :func:`expected_bounds`, :func:`add_expected`.

The layers, lowest first (a module imports only from layers below it; docs/architecture.md):
units/constants/nuclei/kinematics/form factors -> cross sections ``upscatter.xsec`` -> sources
``upscatter.fluxes`` -> folding ``upscatter.rates`` and responses -> models -> likelihoods
``upscatter.stats`` -> experiments -> scans and intervals -> plotting, reproductions, CLI.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_API: dict[str, str] = {
    "get_model": "upscatter.models",
    "get_source": "upscatter.fluxes",
    "get_experiment": "upscatter.experiments",
    "get_material": "upscatter.nuclei",
    "Likelihood": "upscatter.stats.likelihood",
    "Parameter": "upscatter.stats.likelihood",
    "FitResult": "upscatter.stats.likelihood",
    "PseudoData": "upscatter.stats.likelihood",
    "combine": "upscatter.stats.likelihood",
    "delta_chi2_threshold": "upscatter.stats.chi2",
    "coupling_bound": "upscatter.scans",
    "ScanResult": "upscatter.scans",
    "allowed_region": "upscatter.scans",
    "profile_curve": "upscatter.intervals",
    "expected_bounds": "upscatter.intervals",
    "add_expected": "upscatter.intervals",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        value = getattr(importlib.import_module(_API[name]), name)
        globals()[name] = value
        return value
    if name == "data":
        return importlib.import_module("upscatter.data")
    raise AttributeError(f"module 'upscatter' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*__all__, "data"])
