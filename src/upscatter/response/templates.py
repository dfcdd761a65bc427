"""Responses given as templates on grids: mono-energetic recoil templates and nuisance grids.

Two pieces, used by :mod:`upscatter.experiments.xenonnt_b8` and general enough for any release
that publishes detector templates for mono-energetic recoils on a grid of nuisance values:

* :class:`NodeResponse`: a :class:`~upscatter.rates.Response` whose "bins" are the hat (linear
  interpolation) functions of an energy grid. Folding a spectrum with it gives the hat moments
  c_k = int dN/dT h_k(T) dT, and for efficiencies eps_b(T) interpolated *linearly* between the
  grid nodes,

      int dN/dT eps_b(T) dT = sum_k eps_b(T_k) c_k        (exact, for any spectrum),

  because eps_b(T) = sum_k eps_b(T_k) h_k(T) on the grid. Below the first node the efficiency
  is zero; above the last node it stays at the last node's value up to ``upper`` (the last hat
  is flat there).
* :class:`CubicGrid`: tensor-product cubic-spline interpolation of templates tabulated on a
  regular grid of nuisance values (``tly``, ``tqy``), with the analytic derivatives. The
  interpolant is linear in the tabulated values, so it is a contraction with cardinal weights
  w_i(x) (the not-a-knot cubic spline through the unit vectors) and w'_i(x).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.interpolate import CubicSpline

from ..errors import ParameterError


@dataclass(frozen=True)
class NodeResponse:
    """Hat functions of an increasing energy grid as a :class:`~upscatter.rates.Response`.

    Attributes
    ----------
    nodes : numpy.ndarray
        Increasing recoil energies T_0 < ... < T_{K-1} (MeV), K >= 2.
    upper : float
        Recoil energy (MeV) up to which the last hat stays at one (efficiency held at the last
        node); must be >= the last node. Equal to it for no extension.

    Notes
    -----
    h_0 rises as a step at T_0 (zero below: no efficiency below the first node) and falls
    linearly to zero at T_1; h_k for 0 < k < K-1 is the usual hat on [T_{k-1}, T_{k+1}];
    h_{K-1} rises from T_{K-2} to T_{K-1} and is one on [T_{K-1}, ``upper``). The hats sum to
    one on [T_0, upper).
    """

    nodes: np.ndarray
    upper: float

    def __post_init__(self) -> None:
        nodes = np.asarray(self.nodes, dtype=float)
        if nodes.ndim != 1 or nodes.size < 2 or np.any(np.diff(nodes) <= 0) or nodes[0] < 0:
            raise ParameterError("template nodes must be increasing, non-negative, at least two")
        if not (np.isfinite(self.upper) and self.upper >= nodes[-1]):
            raise ParameterError("the upper end of the response must be >= the last node")
        object.__setattr__(self, "nodes", nodes)
        object.__setattr__(self, "upper", float(self.upper))

    @property
    def n_bins(self) -> int:
        return int(self.nodes.size)

    def t_range(self, recoil: str) -> tuple[float, float]:
        return float(self.nodes[0]), self.upper

    def breakpoints(self, recoil: str) -> np.ndarray:
        return np.append(self.nodes, self.upper)

    def probabilities(self, T, recoil: str = "nuclear") -> np.ndarray:
        """h_k(T), shape T.shape + (K,)."""
        T = np.asarray(T, dtype=float)
        inside = (T >= self.nodes[0]) & (T < self.upper)
        x = np.clip(T, self.nodes[0], self.nodes[-1])
        i = np.clip(np.searchsorted(self.nodes, x, side="right") - 1, 0, self.nodes.size - 2)
        frac = (x - self.nodes[i]) / (self.nodes[i + 1] - self.nodes[i])
        out = np.zeros((*T.shape, self.nodes.size))
        np.put_along_axis(out, i[..., None], ((1.0 - frac) * inside)[..., None], axis=-1)
        upper = np.take_along_axis(out, i[..., None] + 1, axis=-1) + (frac * inside)[..., None]
        np.put_along_axis(out, i[..., None] + 1, upper, axis=-1)
        return out


@dataclass(frozen=True)
class CubicGrid:
    """Cardinal cubic-spline weights on one nuisance axis.

    The not-a-knot cubic spline through the unit vectors (scipy ``CubicSpline``) gives, on each
    grid interval, w_i(x) = sum_p c_{p,k,i} (x - x_k)^(3-p); its coefficients are evaluated here
    directly (Horner), which for the small batches of a profile fit costs a fraction of a
    ``CubicSpline`` call.

    Attributes
    ----------
    nodes : numpy.ndarray
        Increasing grid values (at least 4 for a not-a-knot cubic).
    """

    nodes: np.ndarray
    _coefficients: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        nodes = np.asarray(self.nodes, dtype=float)
        if nodes.ndim != 1 or nodes.size < 4 or np.any(np.diff(nodes) <= 0):
            raise ParameterError("a cubic grid needs at least four increasing nodes")
        object.__setattr__(self, "nodes", nodes)
        spline = CubicSpline(nodes, np.eye(nodes.size), axis=0)
        object.__setattr__(self, "_coefficients", np.moveaxis(spline.c, 0, -2))  # (k, 4, n)

    def weights(self, x, derivative: bool = False):
        """w_i(x) (and w'_i(x)), shape x.shape + (n_nodes,); x must lie within the nodes."""
        x = np.asarray(x, dtype=float)
        if np.any((x < self.nodes[0]) | (x > self.nodes[-1])):
            raise ParameterError(
                f"grid interpolation outside [{self.nodes[0]:g}, {self.nodes[-1]:g}]"
            )
        k = np.clip(np.searchsorted(self.nodes, x, side="right") - 1, 0, self.nodes.size - 2)
        t = (x - self.nodes[k])[..., None]
        c = self._coefficients[k]  # x.shape + (4, n)
        w = ((c[..., 0, :] * t + c[..., 1, :]) * t + c[..., 2, :]) * t + c[..., 3, :]
        if not derivative:
            return w, None
        return w, (3.0 * c[..., 0, :] * t + 2.0 * c[..., 1, :]) * t + c[..., 2, :]


def y_major(templates) -> np.ndarray:
    """Templates (..., n_x, n_y, n_bins) laid out as (..., n_y, n_x x n_bins) (contiguous), the
    layout :func:`interpolate_grid` contracts with one batched matrix product per axis."""
    templates = np.asarray(templates, dtype=float)
    *lead, n_x, n_y, n_bins = templates.shape
    return np.ascontiguousarray(np.swapaxes(templates, -3, -2)).reshape(*lead, n_y, n_x * n_bins)


def interpolate_grid(templates, wx, wy, dwx=None, dwy=None):
    """sum_ij w_i(x) w_j(y) T_ij and, with the derivative weights, its two derivatives.

    Parameters
    ----------
    templates : numpy.ndarray
        :func:`y_major` layout of the tabulated values T_ij, (..., n_y, n_x x n_bins); leading
        axes broadcast against the weights' leading axes.
    wx, wy : numpy.ndarray
        Weights (..., n_x) and (..., n_y) of :meth:`CubicGrid.weights`.
    dwx, dwy : numpy.ndarray, optional
        Derivative weights; give both for the derivatives.

    Returns
    -------
    (value, d_dx, d_dy) : numpy.ndarray
        Each of shape (..., n_bins); the derivatives are None without derivative weights.
    """
    n_x = wx.shape[-1]

    def along_y(weights):  # (..., n_x, n_bins)
        product = (weights[..., None, :] @ templates)[..., 0, :]
        return product.reshape(*product.shape[:-1], n_x, product.shape[-1] // n_x)

    def along_x(weights, values):
        return (weights[..., None, :] @ values)[..., 0, :]

    summed_y = along_y(wy)
    value = along_x(wx, summed_y)
    if dwx is None or dwy is None:
        return value, None, None
    return value, along_x(dwx, summed_y), along_x(wx, along_y(dwy))
