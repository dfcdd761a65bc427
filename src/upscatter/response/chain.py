"""A detector response composed of pieces: the matrix from fine true-recoil bins to analysis bins.

For a nuclear recoil T the chain is (each piece optional but the quenching)::

    E_ee = Q(T)                                    quenching (E_ee = T without it)
    E_obs ~ Normal(E_ee, sigma(E_ee))              resolution (E_obs = E_ee without it)
    accepted with probability eps(E_obs)           efficiency (1 without it)

and :meth:`DetectorResponse.matrix` gives M[i, b] = P(accepted, E_obs in analysis bin b | T
uniform in the fine true-recoil bin i). The bin average uses ``n_nodes`` Gauss-Legendre nodes
per fine bin (a flat spectrum inside each fine bin); the observed axis is cut into
``n_sub`` sub-bins per analysis bin, the Gaussian probability of each sub-bin is exact (normal
CDF differences) and the efficiency is taken at the sub-bin centre (midpoint rule). A matrix
row sums to the detection probability: 1 for a deposit far inside the analysis range without
efficiency (probability is conserved).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.special import ndtr

from .._validate import as_array, read_only
from ..errors import ParameterError
from .pieces import ResponsePiece


def _check_edges(name: str, edges) -> np.ndarray:
    edges = as_array(name, edges)
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ParameterError(f"{name} must be increasing, non-negative, at least two")
    return read_only(edges)


@dataclass(frozen=True)
class DetectorResponse:
    """Quenching, resolution and efficiency into bins of observed (electron-equivalent) energy.

    Attributes
    ----------
    edges : array_like
        Analysis bin edges in observed energy (MeV), increasing, non-negative.
    quenching, resolution, efficiency : ResponsePiece or None
        The pieces (:mod:`upscatter.response.pieces`); None skips a step.
    n_sub : int
        Sub-bins per analysis bin for the efficiency (midpoint rule).
    n_nodes : int
        Gauss-Legendre nodes per fine true-recoil bin.
    """

    edges: np.ndarray
    quenching: ResponsePiece | None = None
    resolution: ResponsePiece | None = None
    efficiency: ResponsePiece | None = None
    n_sub: int = 10
    n_nodes: int = 4

    def __post_init__(self) -> None:
        object.__setattr__(self, "edges", _check_edges("analysis bin edges", self.edges))
        for name, kind in (
            ("quenching", "quenching"),
            ("resolution", "resolution"),
            ("efficiency", "efficiency"),
        ):
            piece = getattr(self, name)
            if piece is not None and getattr(piece, "kind", None) != kind:
                raise ParameterError(f"the {name} of a response must be a {kind} piece")
        for name in ("n_sub", "n_nodes"):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 1:
                raise ParameterError(f"{name} must be a positive integer, got {value!r}")

    @property
    def n_bins(self) -> int:
        """Number of analysis bins."""
        return self.edges.size - 1

    def with_piece(self, **pieces) -> DetectorResponse:
        """The same chain with some pieces replaced (``quenching=Lindhard(0.17, 32)``)."""
        return replace(self, **pieces)

    def sub_edges(self) -> np.ndarray:
        """Edges of the observed-energy sub-bins (MeV), ``n_sub`` per analysis bin."""
        lo, hi = self.edges[:-1, None], self.edges[1:, None]
        inner = lo + (hi - lo) * np.arange(self.n_sub) / self.n_sub
        return np.concatenate([inner.ravel(), self.edges[-1:]])

    def observed_probabilities(self, e_ee) -> np.ndarray:
        """P(accepted, E_obs in analysis bin b | E_ee), shape e_ee.shape + (n_bins,)."""
        e_ee = as_array("electron-equivalent energy", e_ee)[..., None]
        sub = self.sub_edges()
        if self.resolution is None:
            cdf = np.where(e_ee < sub, 1.0, 0.0)  # P(E_obs < x) for a sharp E_obs = E_ee
        else:
            sigma = self.resolution(e_ee)
            cdf = ndtr((sub - e_ee) / sigma)
        p_sub = np.diff(cdf, axis=-1)
        if self.efficiency is not None:
            p_sub = p_sub * self.efficiency(0.5 * (sub[1:] + sub[:-1]))
        shape = (*p_sub.shape[:-1], self.n_bins, self.n_sub)
        return p_sub.reshape(shape).sum(axis=-1)

    def matrix(self, true_edges) -> np.ndarray:
        """M[i, b] for fine true-recoil bins with edges ``true_edges`` (MeV), (n_true, n_bins)."""
        true_edges = _check_edges("true-recoil bin edges", true_edges)
        x, w = np.polynomial.legendre.leggauss(self.n_nodes)
        x, w = 0.5 * (x + 1.0), 0.5 * w
        lo, hi = true_edges[:-1, None], true_edges[1:, None]
        T = lo + (hi - lo) * x
        e_ee = T if self.quenching is None else self.quenching(T)
        return np.einsum("inb,n->ib", self.observed_probabilities(e_ee), w)
