"""Detector responses: from true recoil energy to analysis bins.

Every class here implements the :class:`upscatter.rates.Response` protocol: ``n_bins``,
``t_range(recoil)``, ``breakpoints(recoil)`` and ``probabilities(T, recoil)`` (P(bin | T) including
efficiencies, shape T.shape + (n_bins,)); :class:`SteppedPEResponse` puts every recoil in one bin
and also gives ``bin_index`` (:class:`upscatter.rates.SingleBinResponse`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._validate import read_only
from ..errors import ParameterError
from ..rates import edge_index
from ..units import keV


@dataclass(frozen=True)
class SteppedPEResponse:
    """Linear light response without smearing, with an acceptance evaluated on fine PE bins.

    The number of photoelectrons is n_PE = ``pe_per_kev`` x T/keV (T the nuclear recoil). A recoil
    whose n_PE falls in the fine bin [k, k + step) is accepted with probability
    ``acceptance(k + step/2)`` and counted in the analysis bin containing n_PE. This is the
    COHERENT CsI 2017 prescription (release ``coherent_parameters.yaml``: acceptance evaluated at
    1-PE bin centres).

    Attributes
    ----------
    pe_per_kev : float
        Photoelectrons per keV of nuclear recoil (1.17 for CsI 2017, paper 002 below Eq. (11)).
    edges_pe : numpy.ndarray
        Analysis bin edges in PE; they must lie on the fine grid.
    acceptance : callable
        Vectorised acceptance as a function of PE (dimensionless, in [0, 1]).
    step_pe : float
        Width of the fine PE bins.
    """

    pe_per_kev: float
    edges_pe: np.ndarray
    acceptance: Callable[[np.ndarray], np.ndarray]
    step_pe: float = 1.0

    def __post_init__(self) -> None:
        edges = np.asarray(self.edges_pe, dtype=float)
        if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0) or edges[0] < 0:
            raise ParameterError("PE bin edges must be increasing and non-negative")
        if not np.allclose(np.round(edges / self.step_pe) * self.step_pe, edges):
            raise ParameterError("PE bin edges must lie on the fine acceptance grid")
        if not self.pe_per_kev > 0:
            raise ParameterError("pe_per_kev must be positive")
        object.__setattr__(self, "edges_pe", read_only(edges))

    @property
    def n_bins(self) -> int:
        return self.edges_pe.size - 1

    def _t(self, pe):
        return np.asarray(pe, dtype=float) / self.pe_per_kev * keV

    def t_range(self, recoil: str) -> tuple[float, float]:
        return float(self._t(self.edges_pe[0])), float(self._t(self.edges_pe[-1]))

    def breakpoints(self, recoil: str) -> np.ndarray:
        fine = np.arange(self.edges_pe[0], self.edges_pe[-1] + 0.5 * self.step_pe, self.step_pe)
        return self._t(fine)

    def _accepted(self, T) -> tuple[np.ndarray, np.ndarray]:
        """(n_PE, acceptance at the centre of its fine bin) for recoils T (MeV)."""
        pe = np.asarray(T, dtype=float) / keV * self.pe_per_kev
        centre = (np.floor(pe / self.step_pe) + 0.5) * self.step_pe
        return pe, self.acceptance(centre)

    def probabilities(self, T, recoil: str):
        pe, accepted = self._accepted(T)
        in_bin = (pe[..., None] >= self.edges_pe[:-1]) & (pe[..., None] < self.edges_pe[1:])
        return in_bin * accepted[..., None]

    def bin_index(self, T, recoil: str) -> tuple[np.ndarray, np.ndarray]:
        """The one analysis bin of each recoil and its acceptance (see
        :class:`upscatter.rates.SingleBinResponse`)."""
        pe, accepted = self._accepted(T)
        inside = (pe >= self.edges_pe[0]) & (pe < self.edges_pe[-1])
        return edge_index(self.edges_pe, pe), np.where(inside, accepted, 0.0)
