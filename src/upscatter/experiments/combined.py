"""Combined analyses of several data sets: one likelihood, the sum of the parts'.

A prediction of a combination is the concatenation of its parts' predictions, in order; its
likelihood is :func:`upscatter.stats.likelihood.combine` of the parts' likelihoods (parameters
``"<part>/<name>"``; ``shared=`` names parameters the parts have in common, e.g. a flux
normalisation). Without shared parameters the profiled chi^2 is the sum of the parts' profiled
chi^2, exactly, as in paper 003 Sec. IV (CsI 2021 + LAr 2020).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property

import numpy as np

from ..errors import ParameterError
from ..models import Model
from ..stats.likelihood import SumLikelihood, combine
from .base import Analysis, with_default_convention
from .coherent_csi_2021 import CoherentCsI2021
from .xenonnt_b8 import XenonntB8


def _lar_2020(**options) -> Analysis:
    """COHERENT LAr 2020, the shipped spec ``specs/coherent-lar-2020.toml``, with options."""
    from . import get_experiment  # the registry imports this module

    return get_experiment("coherent-lar-2020", **options)


class CombinedAnalysis(Analysis):
    """Several independent analyses fitted together.

    Parameters
    ----------
    name : str
        Name of the combination.
    parts : sequence of Analysis
        The data sets, at least two, with distinct names.
    shared : sequence of str
        Nuisance names declared by several parts that are one parameter of the combination.
    """

    def __init__(self, name: str, parts: Sequence[Analysis], shared: Sequence[str] = ()):
        parts = tuple(parts)
        if len(parts) < 2:
            raise ParameterError("a combination needs at least two analyses")
        names = [p.name for p in parts]
        if len(set(names)) != len(names):
            raise ParameterError(f"a combination needs distinct analyses, got {', '.join(names)}")
        self.name = name
        self.parts = parts
        self.shared = tuple(shared)
        self.electron_recoils = any(p.electron_recoils for p in parts)
        self.electron_channel = any(p.electron_channel for p in parts)

    @cached_property
    def _slices(self) -> tuple[slice, ...]:
        """Where each part's prediction sits in a combined prediction."""
        sizes = [p.n_bins for p in self.parts]
        stops = np.cumsum(sizes)
        return tuple(slice(int(b - n), int(b)) for b, n in zip(stops, sizes, strict=True))

    def split(self, predicted: np.ndarray) -> list[np.ndarray]:
        """The parts' predictions (..., n_bins_part) of a combined prediction (..., n_bins)."""
        predicted = np.asarray(predicted, dtype=float)
        if predicted.shape[-1] != self.n_bins:
            raise ParameterError(
                f"{self.name}: a prediction needs {self.n_bins} entries along its last axis, "
                f"got {predicted.shape[-1]}"
            )
        return [predicted[..., s] for s in self._slices]

    @cached_property
    def sm_counts(self) -> np.ndarray:
        return np.concatenate([p.sm_counts for p in self.parts])

    def signal_basis(
        self, model: Model, params: Mapping[str, np.ndarray], **model_options
    ) -> np.ndarray:
        """The parts' basis counts concatenated along the bin axis; ``electrons=True`` asks for
        the electron channel of the parts that have one."""
        return self.join_bases(
            [
                p.signal_basis(
                    model,
                    params,
                    **{
                        k: v
                        for k, v in model_options.items()
                        if k != "electrons" or p.electron_channel
                    },
                )
                for p in self.parts
            ]
        )

    @staticmethod
    def join_bases(bases: Sequence[np.ndarray]) -> np.ndarray:
        """Combined basis counts from the parts' (n_mass, n_bins_part, n_basis), in order."""
        return np.concatenate(bases, axis=1)

    def model_options(self, model: Model, options: Mapping | None = None) -> dict:
        """``options`` with the EFT convention default (the same for every part,
        :func:`~upscatter.experiments.base.with_default_convention`); each part applies its
        own other defaults in its :meth:`signal_basis` (the electron channel on for CsI 2021,
        off for the others)."""
        return with_default_convention(model, options)

    @cached_property
    def likelihood(self) -> SumLikelihood:
        """The joint likelihood of the parts (see the module notes)."""
        return combine(*(p.likelihood for p in self.parts), shared=self.shared)

    def chi2(self, predicted: np.ndarray) -> np.ndarray:
        self.split(predicted)  # checks the length with a message naming the combination
        return self.likelihood.profile(predicted).chi2

    def analysis_signal(self, predicted: np.ndarray) -> np.ndarray:
        return np.concatenate(
            [p.analysis_signal(x) for p, x in zip(self.parts, self.split(predicted), strict=True)],
            axis=-1,
        )

    def _labels(self, per_part: Sequence[Sequence[str]]) -> list[str]:
        """Labels of the parts prefixed with the part's name."""
        return [
            f"{p.name}: {label}"
            for p, labels in zip(self.parts, per_part, strict=True)
            for label in labels
        ]

    def bin_labels(self) -> list[str]:
        return self._labels([p.bin_labels() for p in self.parts])

    def summary(self, predicted: np.ndarray) -> dict:
        """Per-analysis-bin arrays concatenated over the parts (a background a part lacks is
        zero there), the summed chi^2, nuisances as ``"part: name"`` and each part's summary."""
        summaries = [p.summary(x) for p, x in zip(self.parts, self.split(predicted), strict=True)]
        sizes = [len(s["bins"]) for s in summaries]
        backgrounds = sorted({k for s in summaries for k in s if k.endswith("background")})
        return {
            "bins": self._labels([s["bins"] for s in summaries]),
            "observed": np.concatenate([np.ravel(s["observed"]) for s in summaries]),
            **{
                key: np.concatenate(
                    [
                        np.ravel(s[key]) if key in s else np.zeros(n)
                        for s, n in zip(summaries, sizes, strict=True)
                    ]
                )
                for key in backgrounds
            },
            "chi2": float(sum(s["chi2"] for s in summaries)),
            "nuisances": {
                f"{p.name}: {k}": v
                for p, s in zip(self.parts, summaries, strict=True)
                for k, v in s["nuisances"].items()
            },
            "parts": {p.name: s for p, s in zip(self.parts, summaries, strict=True)},
        }


class CoherentCombined(CombinedAnalysis):
    """COHERENT CsI 2021 + LAr 2020 (paper 003 Sec. IV), each with its own nuisances.

    Parameters
    ----------
    quenching, quenching_nuisance : str
        Passed to :class:`~upscatter.experiments.coherent_csi_2021.CoherentCsI2021`.
    shape_convention : str
        Passed to the ``coherent-lar-2020`` spec (``likelihood.shape_convention``).
    """

    name = "coherent-combined"

    def __init__(
        self,
        quenching: str = "nominal",
        quenching_nuisance: str = "scale",
        shape_convention: str = "paper",
    ):
        super().__init__(
            self.name,
            [
                CoherentCsI2021(quenching=quenching, quenching_nuisance=quenching_nuisance),
                _lar_2020(shape_convention=shape_convention),
            ],
        )


class XenonntCoherent(CombinedAnalysis):
    """XENONnT solar 8B (all runs) + COHERENT CsI 2021 + LAr 2020 as one likelihood, every
    nuisance separate (different detectors, sources and systematics); each part applies its own
    physics defaults (the electron channel only at CsI 2021).

    Parameters
    ----------
    runs : sequence of str
        XENONnT science runs (:class:`~upscatter.experiments.xenonnt_b8.XenonntB8`).
    """

    name = "xenonnt-coherent"

    def __init__(self, runs: Sequence[str] = ("sr0", "sr1", "sr2")):
        super().__init__(self.name, [XenonntB8(runs=runs), CoherentCsI2021(), _lar_2020()])
