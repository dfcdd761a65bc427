"""Detector response of COHERENT CsI[Na] 2021 (paper 003 Sec. III and Appendix C).

The chain from a true recoil to an analysis bin (paper 003 Eqs. (12), (15), (17), (18)):

* electron-equivalent energy: E_ee = Q(T) for a nuclear recoil, with the scintillation curve
  Q(T) = a T + b T^2 + c T^3 + d T^4 (T and E_ee in MeV; App. C, release file
  ``scintRespCoefficients.txt``), and E_ee = E_er for an electron recoil (not quenched);
* reconstructed photoelectrons x: the gamma distribution of Eq. (C3),
  R(x | E_ee) = (a'(1 + b'))^(1+b') / Gamma(1 + b') x^b' exp(-a'(1 + b') x),
  a' = 0.0749/E_ee[keVee], b' = 9.56 E_ee[keVee]; its mean 1/a' = 13.35 PE/keVee x E_ee is the
  light yield LY x E_ee (1/0.0749 = 13.351), i.e. PE = LY x E_er;
* energy efficiency eps_E(x + alpha_7) of Eq. (C1) (release ``effCoefficients.txt``), clipped to
  [0, 1] (the logistic fit is negative below 7.07 PE);
* arrival time: prompt (nu_mu) and delayed (nubar_mu, nu_e) distributions shifted by alpha_6, times
  the time efficiency eps_T of Eq. (C2).

The arrival-time distributions are built as physics-notes prescribes (the 2021 release has none),
by :mod:`upscatter.fluxes.timing`: the proton pulse is a Gaussian, the prompt neutrinos follow it
convolved with the pi+ decay exponential (tau_pi = 26.033 ns), the delayed ones with the pi+ and
then the mu+ decay exponential (tau_mu = 2.1969811 us). The pulse mean and width are fitted to
the 2017 release's ``arrivalTimePDF_promptNeutrinos.txt`` (its 0-0.5 and 1-1.5 us fractions); the
delayed curve is then a prediction, checked against ``arrivalTimePDF_delayedNeutrinos.txt`` in the
tests.

Energies are in MeV, times in internal units (multiply microseconds by ``units.us``), PE counts
are dimensionless.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy.interpolate import CubicSpline, PchipInterpolator
from scipy.special import gammainc, gammaln

from .._validate import read_only
from ..errors import ParameterError, UpscatterError
from ..fluxes.timing import TAU_MUON as TAU_MUON  # re-exported: the mu+ lifetime of the timing
from ..fluxes.timing import arrival_time_pdf
from ..rates import gauss_legendre
from ..units import keV, us

LIGHT_YIELD_PE_PER_KEVEE = 13.35
"""Light yield of the CsI[Na] detector in PE per keVee (paper 003 App. C)."""
RESOLUTION_A = 0.0749 * keV
"""a' E_ee of Eq. (C3): a' = 0.0749 / E_ee[keVee] (MeV per PE)."""
RESOLUTION_B = 9.56 / keV
"""b' / E_ee of Eq. (C3): b' = 9.56 E_ee[keVee] (MeV^-1)."""
TIME_EFFICIENCY_ONSET = 0.52 * us
"""t' of Eq. (C2)."""
TIME_EFFICIENCY_SLOPE = 0.0494 / us
"""k of Eq. (C2)."""
PULSE_MEAN = 0.692 * us
"""Mean of the Gaussian proton pulse on the 2017 release's time axis: with the pi+ decay it gives
the release's prompt-neutrino fractions 0.0648 (0-0.5 us) and 0.0257 (1-1.5 us)."""
PULSE_SIGMA = 0.142 * us
"""Standard deviation of the Gaussian proton pulse (same fit; FWHM 334 ns)."""


@dataclass(frozen=True)
class ScintillationCurve:
    """Electron-equivalent energy of a nuclear recoil, E_ee = a T + b T^2 + c T^3 + d T^4.

    Paper 003 App. C (nominal: a = 0.0554628, b = 4.30681, c = -111.707, d = 840.384, T and E_ee
    in MeV); the release file ``scintRespCoefficients.txt`` also gives four systematic variants.

    Attributes
    ----------
    label : str
        ``"nominal"``, ``"model0+1sigma"``, ``"model0-1sigma"``, ``"model1+1sigma"`` or
        ``"model1-1sigma"`` (release naming).
    coefficients : tuple of float
        (a, b, c, d) in MeV^(1-n) for the T^n term.
    """

    label: str
    coefficients: tuple[float, float, float, float]

    def __call__(self, T) -> np.ndarray:
        """E_ee (MeV) for nuclear recoil energies T (MeV)."""
        a, b, c, d = self.coefficients
        T = np.asarray(T, dtype=float)
        return T * (a + T * (b + T * (c + T * d)))


@dataclass(frozen=True)
class LogisticEfficiency:
    """Energy efficiency eps_E(x) = a / (1 + exp(-b (x - c))) + d, clipped to [0, 1].

    Paper 003 Eq. (C1) (a = 1.32045, b = 0.285979 / PE, c = 10.8646 PE, d = -0.333322; release
    ``effCoefficients.txt``). x is the reconstructed PE count (plus the shift alpha_7 of Eq. (C1)).
    The unclipped curve is negative below c - ln((a + d)/(-d))/b = 7.07 PE and tends to
    a + d = 0.987 at large x.
    """

    a: float
    b: float
    c: float
    d: float

    def __call__(self, pe) -> np.ndarray:
        """eps_E at PE values ``pe`` (dimensionless, in [0, 1])."""
        return np.clip(self.unclipped(pe), 0.0, 1.0)

    def unclipped(self, pe) -> np.ndarray:
        """The logistic of Eq. (C1) without clipping."""
        pe = np.asarray(pe, dtype=float)
        return self.a / (1.0 + np.exp(-self.b * (pe - self.c))) + self.d

    def derivative(self, pe) -> np.ndarray:
        """d eps_E / dx (per PE); zero where the curve is clipped."""
        pe = np.asarray(pe, dtype=float)
        e = np.exp(-self.b * (pe - self.c))
        slope = self.a * self.b * e / (1.0 + e) ** 2
        value = self.unclipped(pe)
        return np.where((value > 0.0) & (value < 1.0), slope, 0.0)

    def integral(self, lo, hi) -> np.ndarray:
        """Integral of the clipped eps_E from ``lo`` to ``hi`` (PE, broadcast, hi >= lo), exact:
        the antiderivative of the logistic is (a/b) ln(1 + exp(b (x - c))) + d x, taken from
        the root of the curve (7.07 PE for the release values) where the clip at 0 ends. The
        clip at 1 is never reached when a + d <= 1 (0.987 here), which is required."""
        return self.cumulative(hi) - self.cumulative(lo)

    def cumulative(self, pe) -> np.ndarray:
        """An antiderivative of the clipped eps_E (PE): constant below the root of the curve,
        (a/b) ln(1 + exp(b (x - c))) + d x above it (see :meth:`integral`)."""
        if self.a + self.d > 1.0:
            raise ParameterError("the exact efficiency integral needs a + d <= 1")
        root = self.c - np.log((self.a + self.d) / -self.d) / self.b if self.d < 0 else -np.inf
        pe = np.maximum(np.asarray(pe, dtype=float), root)
        return self.a / self.b * np.logaddexp(0.0, self.b * (pe - self.c)) + self.d * pe


def time_efficiency(t) -> np.ndarray:
    """eps_T of paper 003 Eq. (C2): 1 before t' = 0.52 us, then exp(-k (t - t')), k = 0.0494/us.

    Parameters
    ----------
    t : array_like
        Reconstructed time t_rec (internal units: microseconds times ``units.us``).
    """
    t = np.asarray(t, dtype=float)
    late = np.maximum(t - TIME_EFFICIENCY_ONSET, 0.0)
    return np.exp(-TIME_EFFICIENCY_SLOPE * late)


@dataclass(frozen=True)
class GammaResolution:
    """The gamma-function PE distribution of paper 003 Eq. (C3).

    For a deposit E_ee the reconstructed PE count x has shape k = 1 + b' and rate a'(1 + b'),
    with a' = ``a`` / E_ee and b' = ``b`` E_ee; the mean is E_ee / ``a`` = LY x E_ee.

    Attributes
    ----------
    a : float
        MeV per PE (0.0749 keVee, Eq. (C3)).
    b : float
        MeV^-1 (9.56 per keVee, Eq. (C3)).
    """

    a: float = RESOLUTION_A
    b: float = RESOLUTION_B

    def shape_rate(self, e_ee) -> tuple[np.ndarray, np.ndarray]:
        """(k, rate per PE) of the gamma distribution for E_ee > 0 (MeV)."""
        e_ee = np.asarray(e_ee, dtype=float)
        if np.any(~(e_ee > 0)):
            raise ParameterError("the electron-equivalent energy must be positive")
        k = 1.0 + self.b * e_ee
        return k, self.a / e_ee * k

    def mean(self, e_ee) -> np.ndarray:
        """Mean PE count, E_ee / a (= 13.35 PE per keVee)."""
        k, rate = self.shape_rate(e_ee)
        return k / rate

    def pdf(self, x, e_ee) -> np.ndarray:
        """R(x | E_ee) per PE for PE values x >= 0 (broadcast with E_ee)."""
        k, rate = self.shape_rate(e_ee)
        x = np.asarray(x, dtype=float)
        positive = x > 0
        xs = np.where(positive, x, 1.0)
        log_pdf = k * np.log(rate) + (k - 1.0) * np.log(xs) - rate * xs - gammaln(k)
        return np.where(positive, np.exp(log_pdf), 0.0)

    def cdf(self, x, e_ee) -> np.ndarray:
        """P(PE < x | E_ee), the regularised lower incomplete gamma function."""
        k, rate = self.shape_rate(e_ee)
        return gammainc(k, rate * np.maximum(np.asarray(x, dtype=float), 0.0))


@dataclass(frozen=True)
class PESmearing:
    """From electron-equivalent deposits to PE analysis bins with efficiency (Eqs. (C1), (C3)).

    The PE axis is cut into sub-bins of width ``step``; a deposit E_ee lands in sub-bin s with
    probability G_s(E_ee) = CDF(x_{s+1}) - CDF(x_s) (exact), and the efficiency is taken at the
    sub-bin centre (midpoint rule; a 0.25 PE step changes the CsI 2021 SM count by 3e-4).
    Counts per sub-bin are then weighted by eps_E(x_s + alpha_7) and summed into the analysis
    bins, so the efficiency shift alpha_7 is applied without recomputing the smearing.

    Attributes
    ----------
    edges_pe : numpy.ndarray
        Analysis bin edges in PE (multiples of ``step``).
    efficiency : LogisticEfficiency
    resolution : GammaResolution
    step : float
        Sub-bin width in PE.
    """

    edges_pe: np.ndarray
    efficiency: LogisticEfficiency
    resolution: GammaResolution = field(default_factory=GammaResolution)
    step: float = 0.25

    def __post_init__(self) -> None:
        edges = np.asarray(self.edges_pe, dtype=float)
        if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0) or edges[0] < 0:
            raise ParameterError("PE bin edges must be increasing and non-negative")
        if not np.allclose(np.round(edges / self.step) * self.step, edges):
            raise ParameterError("PE bin edges must be multiples of the sub-bin step")
        object.__setattr__(self, "edges_pe", read_only(edges))

    @property
    def n_bins(self) -> int:
        """Number of analysis PE bins."""
        return self.edges_pe.size - 1

    @cached_property
    def sub_edges(self) -> np.ndarray:
        """Sub-bin edges in PE."""
        n = round((self.edges_pe[-1] - self.edges_pe[0]) / self.step)
        return self.edges_pe[0] + self.step * np.arange(n + 1)

    @cached_property
    def sub_centres(self) -> np.ndarray:
        """Sub-bin centres in PE."""
        return 0.5 * (self.sub_edges[1:] + self.sub_edges[:-1])

    @cached_property
    def aggregation(self) -> np.ndarray:
        """(n_sub, n_bins) 0/1 matrix summing sub-bins into analysis bins."""
        index = np.searchsorted(self.edges_pe, self.sub_centres, side="right") - 1
        return (index[:, None] == np.arange(self.n_bins)).astype(float)

    def sub_bin_matrix(self, e_ee) -> np.ndarray:
        """G[k, s]: probability that deposit ``e_ee[k]`` (MeV) gives a PE count in sub-bin s.

        Probabilities below 1e-15 are set to zero: they change no count and, as subnormal
        numbers, would slow the matrix products down many times."""
        e_ee = np.atleast_1d(np.asarray(e_ee, dtype=float))
        probabilities = np.diff(self.resolution.cdf(self.sub_edges, e_ee[:, None]), axis=1)
        return np.where(probabilities < 1e-15, 0.0, probabilities)

    def weighted_efficiency(self, shift: float = 0.0) -> np.ndarray:
        """(n_sub, n_bins) aggregation weighted by eps_E(x_s + shift) (shift = alpha_7 in PE)."""
        return self.efficiency(self.sub_centres + shift)[:, None] * self.aggregation

    def sub_bin_efficiency(self, shift=0.0, rule: str = "average"):
        """eps_E of every sub-bin at the shift alpha_7 (PE, any shape): (values, d/d shift),
        each (..., n_sub).

        ``rule="midpoint"``: eps_E(x_s + shift) at the sub-bin centres (Eq. (C1) as sampled
        before; kinked in the shift wherever a centre crosses the 7.07-PE root of the curve).
        ``rule="average"``: the exact average of eps_E(x + shift) over the sub-bin
        (:meth:`LogisticEfficiency.integral`), continuously differentiable in the shift, so
        that the profile over alpha_7 has no kinks (docs/physics-decisions.md, "CsI 2021
        profile")."""
        shift = np.asarray(shift, dtype=float)[..., None]
        eff = self.efficiency
        if rule == "midpoint":
            x = self.sub_centres + shift
            return eff(x), eff.derivative(x)
        if rule != "average":
            raise ParameterError(f"unknown efficiency rule {rule!r}; known: average, midpoint")
        edges = self.sub_edges + shift
        values = np.diff(eff.cumulative(edges), axis=-1) / self.step
        # d/d shift of the integral: eps at the upper minus eps at the lower end (0 below root)
        slope = np.diff(eff(edges), axis=-1) / self.step
        return values, slope

    def fold(self, sub_counts, shift: float = 0.0) -> np.ndarray:
        """Counts per analysis bin from counts per sub-bin (..., n_sub) with eps_E(x + shift)."""
        return np.asarray(sub_counts) @ self.weighted_efficiency(shift)

    def bin_probabilities(self, e_ee, shift: float = 0.0) -> np.ndarray:
        """P(analysis bin | E_ee) including the efficiency, shape (n_deposits, n_bins)."""
        return self.fold(self.sub_bin_matrix(e_ee), shift)


def prompt_pdf(t, mean: float = PULSE_MEAN, sigma: float = PULSE_SIGMA) -> np.ndarray:
    """Arrival-time density of the prompt nu_mu with the CsI pulse fit
    (:func:`upscatter.fluxes.timing.arrival_time_pdf`).

    Parameters
    ----------
    t : array_like
        Arrival time (internal units).
    mean, sigma : float
        Proton-pulse mean and standard deviation (internal units).

    Returns
    -------
    numpy.ndarray
        Density per internal time unit, normalised to 1 over all t.
    """
    return arrival_time_pdf(t, False, mean, sigma)


def delayed_pdf(t, mean: float = PULSE_MEAN, sigma: float = PULSE_SIGMA) -> np.ndarray:
    """Arrival-time density of nubar_mu and nu_e from mu+ decay with the CsI pulse fit
    (:func:`upscatter.fluxes.timing.arrival_time_pdf`). Arguments and normalisation as
    :func:`prompt_pdf`."""
    return arrival_time_pdf(t, True, mean, sigma)


def _time_nodes(edges: np.ndarray, breaks: Sequence[float], width: float, n: int = 8):
    """Gauss-Legendre nodes over [edges[0], edges[-1]] in pieces no wider than ``width`` that
    start and end at every edge and break point; returns (nodes, weights, bin index)."""
    points = [edges[0]]
    for lo, hi in itertools.pairwise(edges):
        pieces = max(1, int(np.ceil((hi - lo) / width - 1e-9)))
        points += list(lo + (hi - lo) * np.arange(1, pieces + 1) / pieces)
    points = np.unique(np.concatenate([points, [b for b in breaks if edges[0] < b < edges[-1]]]))
    x, w = gauss_legendre(n)
    a, b = points[:-1, None], points[1:, None]
    nodes, weights = (a + (b - a) * x).ravel(), ((b - a) * w).ravel()
    return nodes, weights, np.searchsorted(edges, nodes, side="right") - 1


@dataclass(frozen=True)
class ShiftedTimeFractions:
    """Fractions of arrival-time distributions in time bins as a function of a common shift.

    ``table[i, n, j]`` is the fraction of distribution n in time bin j when every distribution is
    shifted by ``shifts[i]`` (t -> t - shift; paper 003 alpha_6). Values between grid shifts are
    interpolated (grid step 0.5 ns by default, far below the 125 ns bins): ``"linear"``
    (default), or ``"cubic"``, a cubic spline through the grid (scipy CubicSpline), which is
    twice continuously differentiable in the shift, so that a profile over alpha_6 has no
    kinks at the grid points.

    Attributes
    ----------
    edges : numpy.ndarray
        Time-bin edges (internal units).
    shifts : numpy.ndarray
        Uniform grid of shifts (internal units).
    table : numpy.ndarray
        (n_shifts, n_distributions, n_bins).
    interpolation : str
        ``"linear"`` or ``"cubic"``.
    """

    edges: np.ndarray
    shifts: np.ndarray
    table: np.ndarray
    interpolation: str = "linear"

    def __post_init__(self) -> None:
        if self.interpolation not in ("linear", "cubic"):
            raise ParameterError(
                f"unknown interpolation {self.interpolation!r}; known: linear, cubic"
            )

    @cached_property
    def _spline(self) -> CubicSpline:
        return CubicSpline(self.shifts, self.table, axis=0)

    @classmethod
    def from_densities(
        cls,
        densities: Sequence[Callable[[np.ndarray], np.ndarray]],
        edges,
        max_shift: float,
        step: float = 0.5e-3 * us,
        efficiency: Callable[[np.ndarray], np.ndarray] | None = time_efficiency,
    ) -> ShiftedTimeFractions:
        """Integrate smooth densities (per time unit, normalised over all t) times an efficiency
        over each time bin, by Gauss-Legendre on pieces of at most 62.5 ns split at t'."""
        edges = np.asarray(edges, dtype=float)
        shifts = _shift_grid(max_shift, step)
        nodes, weights, index = _time_nodes(edges, [TIME_EFFICIENCY_ONSET], 0.0625 * us)
        eff = np.ones_like(nodes) if efficiency is None else efficiency(nodes)
        sums = (index[:, None] == np.arange(edges.size - 1)).astype(float)
        t = nodes - shifts[:, None]
        table = np.stack([(f(t) * eff * weights) @ sums for f in densities], axis=1)
        return cls(edges, shifts, table)

    @classmethod
    def from_histograms(
        cls,
        histograms: Sequence[tuple[np.ndarray, np.ndarray]],
        edges,
        max_shift: float,
        step: float = 0.5e-3 * us,
        cumulative: str = "pchip",
    ) -> ShiftedTimeFractions:
        """Histogram shapes given as (centres of uniform cells, contents), each normalised to unit
        sum over the unshifted analysis range. No efficiency is applied (the release's
        background shapes are final shapes).

        The fractions are differences of the cumulative distribution at the shifted bin edges;
        the cumulative is known at the cell edges and interpolated between them:
        ``cumulative="pchip"`` (default), monotone piecewise-cubic Hermite (scipy
        PchipInterpolator), so that the fractions are continuously differentiable in the shift;
        ``"linear"``, the exact cumulative of the piecewise-constant density, whose fractions
        have a kink each time a bin edge crosses a cell edge (every 10 ns for the CsI 2021
        release). Both agree at the cell edges and never decrease."""
        if cumulative not in ("pchip", "linear"):
            raise ParameterError(f"unknown cumulative {cumulative!r}; known: pchip, linear")
        edges = np.asarray(edges, dtype=float)
        shifts = _shift_grid(max_shift, step)
        rows = []
        for centres, contents in histograms:
            half = 0.5 * (centres[1] - centres[0])
            cell_edges = np.concatenate([centres - half, [centres[-1] + half]])
            running = np.concatenate([[0.0], np.cumsum(contents)])
            if cumulative == "pchip":
                smooth = PchipInterpolator(cell_edges, running, extrapolate=False)

                def cdf_at(t, smooth=smooth, cell_edges=cell_edges):
                    inside = smooth(np.clip(t, cell_edges[0], cell_edges[-1]))
                    return np.where(t < cell_edges[0], 0.0, inside)
            else:

                def cdf_at(t, cell_edges=cell_edges, running=running):
                    return np.interp(t, cell_edges, running)

            inside = np.diff(cdf_at(edges[[0, -1]]))[0]
            if not inside > 0:
                raise ParameterError("a timing histogram is empty over the analysis range")
            cdf = cdf_at(edges[None, :] - shifts[:, None])
            rows.append(np.diff(cdf, axis=1) / inside)
        return cls(edges, shifts, np.stack(rows, axis=1))

    def __call__(self, shift) -> np.ndarray:
        """Fractions (..., n_distributions, n_bins) at ``shift`` (internal units, within the
        grid)."""
        return self.evaluate(shift)[0]

    def evaluate(self, shift) -> tuple[np.ndarray, np.ndarray]:
        """(fractions, d fractions / d shift) at ``shift`` (any shape; results (..., n_dist,
        n_bins)); the derivative is that of the interpolation."""
        shift = np.asarray(shift, dtype=float)
        if not np.all(np.isfinite(shift)):
            raise UpscatterError(f"arrival-time shift must be finite, got {shift!r}")
        if self.interpolation == "cubic":
            return self._spline(shift), self._spline(shift, 1)
        step = self.shifts[1] - self.shifts[0]
        position = (shift - self.shifts[0]) / step
        i = np.clip(np.floor(position), 0, self.shifts.size - 2).astype(int)
        f = (position - i)[..., None, None]
        lo, hi = self.table[i], self.table[i + 1]
        return lo + f * (hi - lo), (hi - lo) / step


def _shift_grid(max_shift: float, step: float) -> np.ndarray:
    n = int(np.ceil(max_shift / step - 1e-9))
    return step * np.arange(-n, n + 1)


@dataclass(frozen=True)
class ChebyshevNodes:
    """Polynomial interpolation in one nuisance parameter through Chebyshev nodes on [lo, hi].

    A template known at the nodes is interpolated as sum_m L_m(x) template_m with the Lagrange
    weights L_m (degree n - 1); used for the nonlinear nuisances that change the response. The
    weights are evaluated as powers of u = (2x - lo - hi)/(hi - lo) times the inverse Vandermonde
    matrix of the nodes (well conditioned for the few nodes used here).

    Attributes
    ----------
    lo, hi : float
        Interval of the parameter.
    n : int
        Number of nodes.
    """

    lo: float
    hi: float
    n: int

    def __post_init__(self) -> None:
        if not (self.hi > self.lo and self.n >= 1):
            raise ParameterError("Chebyshev nodes need hi > lo and at least one node")

    def _u(self, x) -> np.ndarray:
        return (2.0 * np.asarray(x, dtype=float) - self.lo - self.hi) / (self.hi - self.lo)

    @cached_property
    def nodes(self) -> np.ndarray:
        """The n Chebyshev points of the first kind mapped to [lo, hi], increasing."""
        u = -np.cos(np.pi * (np.arange(self.n) + 0.5) / self.n)
        return 0.5 * (self.lo + self.hi) + 0.5 * (self.hi - self.lo) * u

    @cached_property
    def _inverse(self) -> np.ndarray:
        u = (2.0 * self.nodes - self.lo - self.hi) / (self.hi - self.lo)
        return np.linalg.inv(u[:, None] ** np.arange(self.n))

    def weights(self, x) -> np.ndarray:
        """Lagrange weights L_m(x), shape (..., n) for x of any shape; they sum to 1."""
        return self._u(x)[..., None] ** np.arange(self.n) @ self._inverse

    def weight_derivatives(self, x) -> np.ndarray:
        """dL_m/dx, shape (..., n)."""
        j = np.arange(self.n)
        du = 2.0 / (self.hi - self.lo)
        return du * (j * self._u(x)[..., None] ** np.maximum(j - 1, 0)) @ self._inverse
