"""Experiments by name: ``get_experiment("coherent-csi-2017", **options)``.

Registered are the experiments written in Python and the spec files shipped in ``specs/``
(by file name without ``.toml``; read by :mod:`.spec`, which is imported only when one is
built); a name ending in ``.toml`` is a user's spec file.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .._validate import check_options, lookup
from ..errors import ParameterError
from .base import Analysis, Experiment
from .coherent_csi_2021 import CoherentCsI2021
from .combined import CoherentCombined, CombinedAnalysis, XenonntCoherent
from .xenonnt_b8 import XenonntB8

EXPERIMENTS: dict[str, Callable[..., Analysis]] = {
    CoherentCsI2021.name: CoherentCsI2021,
    CoherentCombined.name: CoherentCombined,
    XenonntCoherent.name: XenonntCoherent,
    XenonntB8.name: XenonntB8,
}


def shipped_specs() -> dict[str, Path]:
    """The spec files shipped with the package, by file name without ``.toml``."""
    directory = resources.files(__package__) / "specs"
    return {
        Path(entry.name).stem: Path(str(entry))
        for entry in directory.iterdir()
        if entry.name.endswith(".toml")
    }


def load_spec(path: str | os.PathLike, **options) -> Analysis:
    """The experiment of a user's spec file (:func:`upscatter.experiments.spec.load_spec`);
    options are refused: they are set in the file."""
    if options:
        raise ParameterError(
            f"options {', '.join(options)} cannot be passed to the spec experiment {path}; "
            f"set them in the file"
        )
    from .spec import load_spec as load

    return load(path)


@dataclass(frozen=True)
class ShippedSpec:
    """Factory of a spec file shipped in ``specs/``: its options replace fields of the
    (read-only) file, by dotted path or unique field name (``years=2``, ``exposure.years=2``).

    Attributes
    ----------
    name : str
        Registry name (the file name without ``.toml``).
    path : pathlib.Path
        The file.
    """

    name: str
    path: Path

    def __call__(self, **options) -> Analysis:
        from .spec import load_spec as load

        return load(self.path, options)

    @property
    def description(self) -> str:
        """The comment block at the top of the file (what the spec describes, its sources)."""
        lines = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("#"):
                break
            lines.append(line[1:].strip())
        return "\n".join(lines).strip()


EXPERIMENTS.update({name: ShippedSpec(name, path) for name, path in shipped_specs().items()})


def get_experiment(name: str | os.PathLike, **options) -> Analysis:
    """Build the experiment registered as ``name`` with its options, or, for a name ending in
    ``.toml``, the experiment described by that spec file (options are then set in the file;
    see :mod:`upscatter.experiments.spec`)."""
    if isinstance(name, str | os.PathLike) and os.fspath(name).lower().endswith(".toml"):
        return load_spec(name, **options)
    factory = lookup("experiment", EXPERIMENTS, name)
    check_options(f"experiment {name!r}", factory, options)
    return factory(**options)


__all__ = [
    "EXPERIMENTS",
    "Analysis",
    "CombinedAnalysis",
    "Experiment",
    "ShippedSpec",
    "get_experiment",
    "load_spec",
    "shipped_specs",
]
