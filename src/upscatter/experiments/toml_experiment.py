"""Former home of the user TOML experiments, kept so that existing imports work.

The schema of earlier versions is the *projection form* of :mod:`upscatter.experiments.spec`,
which reads every file: ``load_toml_experiment`` is :func:`upscatter.experiments.spec.load_spec`.
"""

from __future__ import annotations

from .spec import load_spec as load_toml_experiment

__all__ = ["load_toml_experiment"]
