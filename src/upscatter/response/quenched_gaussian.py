"""A response folded inside the rate integral: quenching, Gaussian smearing in the quenched
energy and a stepped efficiency in the reconstructed energy (COHERENT LAr 2020, paper 003
Appendix C), implementing the :class:`upscatter.rates.Response` protocol."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from ..errors import ParameterError
from ..rates import NUCLEAR
from ..units import keV
from .pieces import GaussianResolution, LinearQuenching


@dataclass(frozen=True)
class QuenchedGaussianResponse:
    """Quenching, Gaussian smearing in E_ee and a stepped efficiency in reconstructed E_ee.

    P(bin | T) = sum over efficiency steps k inside the bin of eps_k x P(E_rec in step k), with
    E_rec ~ Normal(E_ee(T), sigma(E_ee)), E_ee = ``quenching(T)`` and sigma = ``resolution``
    (paper 003 Eq. (C4): sigma = 0.58 sqrt(E_ee keVee)). Above the last efficiency step the last
    value applies (LAr release companion Sec. 2.6). Electron recoils are rejected (the LAr F90
    pulse-shape cut, paper 003 Sec. III): their probabilities are zero.

    Attributes
    ----------
    edges : numpy.ndarray
        Analysis bin edges in reconstructed E_ee (MeV).
    efficiency_edges : numpy.ndarray
        Edges of the efficiency steps in reconstructed E_ee (MeV), increasing.
    efficiency : numpy.ndarray
        Efficiency in each step (dimensionless, in [0, 1]).
    quenching : LinearQuenching
        E_ee(T), with its inverse ``recoil``.
    resolution : GaussianResolution
        sigma(E_ee).
    lowest_true : float
        True E_ee (MeV) below which no recoil is counted (far below the efficiency threshold).
    grid_step_sqrt_kev : float
        Step of the quadrature breakpoints, uniform in sqrt(E_ee / keVee): about the smoothing
        scale of a resolution growing like sqrt(E_ee).
    """

    edges: np.ndarray
    efficiency_edges: np.ndarray
    efficiency: np.ndarray
    quenching: LinearQuenching
    resolution: GaussianResolution
    lowest_true: float
    grid_step_sqrt_kev: float

    def __post_init__(self) -> None:
        edges = np.asarray(self.edges, dtype=float)
        eff_edges = np.asarray(self.efficiency_edges, dtype=float)
        eff = np.asarray(self.efficiency, dtype=float)
        for name, e in (("analysis", edges), ("efficiency", eff_edges)):
            if e.ndim != 1 or e.size < 2 or np.any(np.diff(e) <= 0) or e[0] < 0:
                raise ParameterError(f"{name} bin edges must be increasing and non-negative")
        if eff.shape != (eff_edges.size - 1,) or np.any(eff < 0) or np.any(eff > 1):
            raise ParameterError("efficiency needs one value in [0, 1] per efficiency step")
        if not (self.lowest_true > 0 and self.grid_step_sqrt_kev > 0):
            raise ParameterError("lowest_true and grid_step_sqrt_kev must be positive")
        # fine steps: efficiency steps and analysis edges merged, restricted to the analysis range
        fine = np.union1d(edges, eff_edges[(eff_edges > edges[0]) & (eff_edges < edges[-1])])
        mid = 0.5 * (fine[:-1] + fine[1:])
        step = np.searchsorted(eff_edges, mid, side="right") - 1
        values = np.where(step < 0, 0.0, eff[np.clip(step, 0, eff.size - 1)])
        object.__setattr__(self, "edges", edges)
        object.__setattr__(self, "_fine_edges", fine)
        object.__setattr__(self, "_fine_efficiency", values)
        object.__setattr__(self, "_starts", np.searchsorted(fine, edges[:-1]))

    @property
    def n_bins(self) -> int:
        return self.edges.size - 1

    def t_range(self, recoil: str) -> tuple[float, float]:
        top = self.edges[-1] + 6.0 * self.resolution(self.edges[-1])
        return float(self.quenching.recoil(self.lowest_true)), float(self.quenching.recoil(top))

    def breakpoints(self, recoil: str) -> np.ndarray:
        lo, hi = (np.sqrt(self.quenching(t) / keV) for t in self.t_range(recoil))
        grid = np.arange(lo, hi, self.grid_step_sqrt_kev)
        return self.quenching.recoil(grid**2 * keV)

    def probabilities(self, T, recoil: str):
        T = np.asarray(T, dtype=float)
        if recoil != NUCLEAR:
            return np.zeros((*T.shape, self.n_bins))
        e_ee = np.maximum(self.quenching(T), 1e-9 * keV)[..., None]
        cdf = ndtr((self._fine_edges - e_ee) / self.resolution(e_ee))
        accepted = np.diff(cdf, axis=-1) * self._fine_efficiency
        return np.add.reduceat(accepted, self._starts, axis=-1)
