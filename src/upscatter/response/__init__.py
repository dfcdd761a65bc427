"""Detector-response pieces (quenching, resolution, efficiency) and their composition.

:mod:`.pieces` holds the pieces behind one protocol (:class:`ResponsePiece`) with registries by
name; :mod:`.chain` composes them into the matrix from fine true-recoil bins to analysis bins
(:class:`DetectorResponse`); :mod:`.stepped_pe` is the CsI 2017 PE response
(:class:`SteppedPEResponse`); :mod:`.quenched_gaussian` the LAr 2020 response folded inside the
rate integral (:class:`QuenchedGaussianResponse`); :mod:`.csi2021` the COHERENT CsI 2021
response (paper 003 App. C); :mod:`.templates` the mono-energetic template folding and
nuisance-grid interpolation (XENONnT).
"""

from __future__ import annotations

from .chain import DetectorResponse
from .pieces import (
    ACCEPTANCE,
    EFFICIENCY,
    QUENCHING,
    REGISTRIES,
    RESOLUTION,
    GaussianResolution,
    Lindhard,
    LinearQuenching,
    LogisticEfficiency,
    LogisticPEAcceptance,
    ResponsePiece,
    TabulatedEfficiency,
    build_piece,
    lindhard_k,
)
from .quenched_gaussian import QuenchedGaussianResponse
from .stepped_pe import SteppedPEResponse

__all__ = [
    "ACCEPTANCE",
    "EFFICIENCY",
    "QUENCHING",
    "REGISTRIES",
    "RESOLUTION",
    "DetectorResponse",
    "GaussianResolution",
    "Lindhard",
    "LinearQuenching",
    "LogisticEfficiency",
    "LogisticPEAcceptance",
    "QuenchedGaussianResponse",
    "ResponsePiece",
    "SteppedPEResponse",
    "TabulatedEfficiency",
    "build_piece",
    "lindhard_k",
]
