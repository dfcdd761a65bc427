"""Profile Delta chi^2 curves, two-sided intervals and expected limits at one mass point.

Everything here works on the coupling polynomial of :mod:`upscatter.scans`: at a mass point the
prediction for coupling g is N_SM + K @ monomials(g), and the analysis' likelihood
(:mod:`upscatter.stats.likelihood`) profiles a whole grid of couplings, for the real data or for
a batch of pseudo-data sets, in one batched call.

* :func:`profile_curve`: Delta chi^2(g) = chi^2(g) - min_{g' >= 0} chi^2(g') on a grid, with the
  best-fit coupling and, at any threshold, the interval {g >= 0: Delta chi^2(g) <= threshold}
  (two-sided when Delta chi^2(0) exceeds it).
* :func:`expected_bounds`: the median and +-1, +-2 sigma quantiles of the upper bound under the
  SM-plus-background hypothesis (g = 0, nuisances nominal), either from pseudo-experiments
  (:meth:`~upscatter.stats.likelihood.Likelihood.sample`; every toy's bound from its own profile
  curve) or from the Asimov data set with the asymptotic bands of Cowan, Cranmer, Gross and
  Vitells, Eur. Phys. J. C 71, 1554 (2011), arXiv:1007.1727, Sec. 4: if the best-fit signal
  strength of a data set is mu_hat = N sigma, the bound defined by Delta chi^2 = t relative to the
  minimum over mu >= 0 is mu_up = sigma (N + sqrt(t)) for N >= 0 and sigma (N + sqrt(N^2 + t))
  for N < 0, and the Asimov curve is Delta chi^2_A(mu) = (mu / sigma)^2, so the N-sigma band is
  where Delta chi^2_A reaches (N + sqrt(t))^2, respectively (N + sqrt(N^2 + t))^2.

Crossings of a threshold are interpolated linearly in sqrt(Delta chi^2) against the signal
strength u = g^p (p the lowest coupling power): exact where chi^2 is quadratic in the signal
(Gaussian data, no interference), and refined once by the profile at the interpolated coupling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as scipy_stats

from .errors import ParameterError
from .experiments.base import Analysis
from .scans import (
    EXPECTED_COLUMNS,
    SIGNAL_SEARCH_MAX_OVER_SM,
    SIGNAL_SEARCH_MIN,
    ScanResult,
    signal_scale,
)
from .stats.likelihood import PseudoData

#: Quantiles of the expected bound: N = -2, -1, 0, +1, +2 standard deviations.
BAND_SIGMAS = (-2, -1, 0, 1, 2)

#: Coupling-grid density (points per decade of the signal) of the profile curves.
POINTS_PER_DECADE = 40

#: Largest number of float64 entries a batched profile may hold at once (about 400 MB); toys
#: are processed in chunks below it.
BATCH_ENTRIES = 50_000_000


@dataclass(frozen=True)
class ProfileCurve:
    """Profile Delta chi^2 versus the coupling at one mass point.

    Attributes
    ----------
    coupling : numpy.ndarray
        The coupling grid, starting at 0, increasing.
    delta_chi2 : numpy.ndarray
        chi^2(g) - chi^2_min on the grid (>= 0 up to the minimiser's precision).
    chi2_min : float
        Minimum of the profiled chi^2 over g >= 0 on the grid.
    best_fit : float
        Coupling of the grid minimum.
    signal_power : float
        Lowest power of the coupling in the signal; crossings are interpolated linearly in
        sqrt(Delta chi^2) against g^signal_power (module notes).
    """

    coupling: np.ndarray
    delta_chi2: np.ndarray
    chi2_min: float
    best_fit: float
    signal_power: float = 1.0

    def interval(self, threshold: float) -> tuple[float, float]:
        """The interval {g >= 0 : Delta chi^2(g) <= threshold} as (lower, upper), from linear
        interpolation on the grid; lower is 0 when g = 0 is inside, upper NaN when the grid
        never leaves the interval."""
        threshold = float(threshold)
        if not threshold > 0:
            raise ParameterError(f"the Delta chi^2 threshold must be positive, got {threshold}")
        u = self.coupling**self.signal_power
        root = np.sqrt(np.maximum(self.delta_chi2, 0.0))
        target = np.sqrt(threshold)
        best = int(np.argmin(root))
        upper = _first_crossing(u[best:], root[best:], target)
        lower = 0.0 if root[0] <= target else _first_crossing(u[best::-1], root[best::-1], target)
        return lower ** (1 / self.signal_power), upper ** (1 / self.signal_power)

    def to_json(self) -> dict:
        """JSON-ready dictionary."""
        return {
            "coupling": self.coupling.tolist(),
            "delta_chi2": self.delta_chi2.tolist(),
            "chi2_min": self.chi2_min,
            "best_fit": self.best_fit,
            "signal_power": self.signal_power,
        }


def _first_crossing(u: np.ndarray, root: np.ndarray, target: float) -> float:
    """Where ``root`` (starting below ``target``) first reaches it, interpolated in ``u``."""
    above = np.nonzero(root >= target)[0]
    if above.size == 0:
        return np.nan
    j = int(above[0])
    if j == 0:
        return float(u[0])
    frac = (target - root[j - 1]) / (root[j] - root[j - 1])
    return float(u[j - 1] + frac * (u[j] - u[j - 1]))


def _refined_minimum(u: np.ndarray, chi2: np.ndarray) -> np.ndarray:
    """Minimum of each row of chi^2 on the grid ``u``, lowered to the vertex of the parabola
    through the grid minimum and its neighbours where the minimum is interior (exact for a
    chi^2 quadratic in the signal)."""
    best = np.argmin(chi2, axis=-1)
    minimum = np.take_along_axis(chi2, best[..., None], axis=-1)[..., 0]
    interior = (best > 0) & (best < u.size - 1)
    b = np.clip(best, 1, u.size - 2)
    x0, x1, x2 = u[b - 1], u[b], u[b + 1]
    y0, y1, y2 = (np.take_along_axis(chi2, (b + k)[..., None], axis=-1)[..., 0] for k in (-1, 0, 1))
    # divided differences of the parabola through the three points
    d1 = (y1 - y0) / (x1 - x0)
    d2 = ((y2 - y1) / (x2 - x1) - d1) / (x2 - x0)
    with np.errstate(divide="ignore", invalid="ignore"):
        vertex = 0.5 * (x0 + x1 - d1 / d2)
        value = y0 + d1 * (vertex - x0) + d2 * (vertex - x0) * (vertex - x1)
    usable = interior & (d2 > 0) & (vertex > x0) & (vertex < x2)
    return np.where(usable, np.minimum(value, minimum), minimum)


def _interpolate(u_lo, r_lo, u_hi, r_hi, target):
    """Linear interpolation of the crossing of ``target`` between two bracketing points."""
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(r_hi > r_lo, (target - r_lo) / (r_hi - r_lo), 0.0)
    return u_lo + frac * (u_hi - u_lo)


def coupling_grid(sm: np.ndarray, K: np.ndarray, powers, points_per_decade=POINTS_PER_DECADE):
    """Couplings from 0 through signals of 1e-4 to max(1e6, 100 N_SM) events (the range of
    :func:`upscatter.scans.bound_from_basis`), or None when the basis has no signal."""
    powers = np.asarray(powers, dtype=float)
    scale = signal_scale(K, powers)
    if not np.isfinite(scale):
        return None
    s_max = max(1e6, SIGNAL_SEARCH_MAX_OVER_SM * float(np.sum(sm)))
    decades = np.log10(s_max / SIGNAL_SEARCH_MIN)
    n = int(points_per_decade * decades) + 1
    signal = np.geomspace(SIGNAL_SEARCH_MIN, s_max, n)
    return np.concatenate([[0.0], scale * signal ** (1.0 / powers.min())])


def _predictions(sm, K, powers, g):
    return sm + (np.asarray(g, dtype=float)[..., None] ** np.asarray(powers, float)) @ K.T


def _check(analysis: Analysis, sm, K, powers):
    likelihood = getattr(analysis, "likelihood", None)
    if likelihood is None or not hasattr(likelihood, "sample"):
        raise ParameterError(f"{analysis.name} has no likelihood that can profile pseudo-data yet")
    K = np.asarray(K, dtype=float)
    if K.ndim != 2 or K.shape[0] != np.size(sm) or K.shape[1] != len(powers):
        raise ParameterError(
            f"basis counts must have shape ({np.size(sm)}, {len(powers)}), got {K.shape}"
        )
    return likelihood, K


def profile_curve(
    analysis: Analysis, K: np.ndarray, powers, coupling: np.ndarray | None = None
) -> ProfileCurve | None:
    """Delta chi^2 versus the coupling for the real data at one mass point.

    Parameters
    ----------
    analysis : Analysis
    K : numpy.ndarray
        Basis counts at the mass point, (n_prediction, n_basis).
    powers : sequence of float
        Coupling power of each basis entry.
    coupling : numpy.ndarray, optional
        The grid (default :func:`coupling_grid`).

    Returns
    -------
    ProfileCurve or None
        None when the mass point has no signal (e.g. above the kinematic limit).
    """
    sm = analysis.sm_counts
    likelihood, K = _check(analysis, sm, K, powers)
    g = coupling_grid(sm, K, powers) if coupling is None else np.asarray(coupling, float)
    if g is None:
        return None
    return _curve(g, likelihood.profile(_predictions(sm, K, powers, g)).chi2, powers)


def _curve(g: np.ndarray, chi2: np.ndarray, powers) -> ProfileCurve:
    power = float(np.min(powers))
    minimum = float(_refined_minimum(g**power, chi2))
    best = float(g[np.argmin(chi2)])
    return ProfileCurve(g, np.maximum(chi2 - minimum, 0.0), minimum, best, power)


def _toy_bounds(likelihood, sm, K, powers, g, data: PseudoData, threshold: float) -> np.ndarray:
    """Upper bound of every pseudo-data set (leading axis of ``data``): the first crossing of
    the threshold above the minimum of its profile curve on the grid ``g``, interpolated
    (module notes) and refined once by a profile at the interpolated coupling."""
    predictions = _predictions(sm, K, powers, g)
    power = float(np.min(powers))
    u, target = g**power, np.sqrt(threshold)
    n_toys = data.observed.shape[0]
    per_toy = g.size * (likelihood.n_bins + 8 * len(likelihood.parameters) ** 2)
    chunk = max(1, BATCH_ENTRIES // max(per_toy, 1))
    bounds = np.full(n_toys, np.nan)
    for start in range(0, n_toys, chunk):
        rows = np.arange(start, min(start + chunk, n_toys))
        observed, centres = data.observed[rows], data.centres[rows]
        chi2 = likelihood.profile(
            predictions, data=PseudoData(observed[:, None], centres[:, None])
        ).chi2
        minimum = _refined_minimum(u, chi2)
        root = np.sqrt(np.maximum(chi2 - minimum[:, None], 0.0))
        after_best = np.arange(g.size) >= np.argmin(chi2, axis=1)[:, None]
        crossing = (root >= target) & after_best
        found = crossing.any(axis=1)
        if not np.any(found):
            continue
        i = np.nonzero(found)[0]
        j = np.argmax(crossing[i], axis=1)  # >= 1: root is 0 at the minimum
        u_lo, r_lo, u_hi, r_hi = u[j - 1], root[i, j - 1], u[j], root[i, j]
        guess = _interpolate(u_lo, r_lo, u_hi, r_hi, target)
        refined = likelihood.profile(
            _predictions(sm, K, powers, guess ** (1 / power)),
            data=PseudoData(observed[i], centres[i]),
        ).chi2
        r_new = np.sqrt(np.maximum(refined - minimum[i], 0.0))
        high = r_new >= target
        bounds[rows[i]] = _interpolate(
            np.where(high, u_lo, guess),
            np.where(high, r_lo, r_new),
            np.where(high, guess, u_hi),
            np.where(high, r_new, r_hi),
            target,
        )
    return bounds ** (1 / power)


@dataclass(frozen=True)
class ExpectedBounds:
    """Expected upper bounds at one mass point.

    Attributes
    ----------
    quantiles : dict[int, float]
        Bound at N = -2..2 standard deviations of the bound's distribution (0: median); the
        lower bands are the stronger bounds.
    method : str
        ``"asimov"`` (asymptotic bands, arXiv:1007.1727) or ``"toys"``.
    n_toys : int
        Number of pseudo-experiments (0 for Asimov).
    toy_bounds : numpy.ndarray or None
        Every toy's bound (NaN where a toy has none), for ``method="toys"``.
    """

    quantiles: dict[int, float]
    method: str
    n_toys: int = 0
    toy_bounds: np.ndarray | None = None

    def to_json(self) -> dict:
        """JSON-ready dictionary (the toy bounds are not included)."""
        return {
            "method": self.method,
            "n_toys": self.n_toys,
            "quantiles": {str(k): v for k, v in self.quantiles.items()},
        }


def asimov_threshold(n_sigma: float, threshold: float) -> float:
    """Delta chi^2 on the Asimov curve at which the N-sigma expected bound lies (module notes,
    arXiv:1007.1727 Sec. 4 with the bound taken relative to the minimum over mu >= 0)."""
    root = np.sqrt(threshold)
    if n_sigma >= 0:
        return float((n_sigma + root) ** 2)
    return float((n_sigma + np.sqrt(n_sigma**2 + threshold)) ** 2)


def expected_bounds(
    analysis: Analysis,
    K: np.ndarray,
    powers,
    threshold: float,
    method: str = "asimov",
    n_toys: int = 1000,
    rng: np.random.Generator | int | None = 0,
) -> ExpectedBounds | None:
    """Expected upper bounds on the coupling at one mass point under g = 0.

    Parameters
    ----------
    analysis : Analysis
    K : numpy.ndarray
        Basis counts at the mass point, (n_prediction, n_basis).
    powers : sequence of float
    threshold : float
        Delta chi^2 defining a bound (e.g. 2.706 for 90% CL, 1 dof).
    method : {"asimov", "toys"}
    n_toys : int
        Pseudo-experiments for ``method="toys"``.
    rng : numpy.random.Generator or int, optional
        Generator or seed of the pseudo-experiments (default seed 0: reproducible).

    Returns
    -------
    ExpectedBounds or None
        None when the mass point has no signal.
    """
    sm = analysis.sm_counts
    likelihood, K = _check(analysis, sm, K, powers)
    if not threshold > 0:
        raise ParameterError(f"the Delta chi^2 threshold must be positive, got {threshold}")
    g = coupling_grid(sm, K, powers)
    if g is None:
        return None
    if method == "asimov":
        curve_data = likelihood.asimov(sm)
        chi2 = likelihood.profile(_predictions(sm, K, powers, g), data=curve_data).chi2
        curve = _curve(g, chi2, powers)
        quantiles = {n: curve.interval(asimov_threshold(n, threshold))[1] for n in BAND_SIGMAS}
        return ExpectedBounds(quantiles, "asimov")
    if method == "toys":
        if not isinstance(n_toys, int | np.integer) or n_toys < 10:
            raise ParameterError(f"n_toys must be an integer >= 10, got {n_toys!r}")
        toys = likelihood.sample(sm, rng=rng, n=int(n_toys))
        bounds = _toy_bounds(likelihood, sm, K, powers, g, toys, threshold)
        finite = np.where(np.isfinite(bounds), bounds, np.inf)
        probabilities = scipy_stats.norm.cdf(BAND_SIGMAS)
        values = np.quantile(finite, probabilities, method="inverted_cdf")
        quantiles = {
            n: float(v) if np.isfinite(v) else np.nan
            for n, v in zip(BAND_SIGMAS, values, strict=True)
        }
        return ExpectedBounds(quantiles, "toys", int(n_toys), bounds)
    raise ParameterError(f"unknown expected-limit method {method!r}; known: asimov, toys")


def add_expected(
    result: ScanResult,
    analysis: Analysis,
    powers,
    K: np.ndarray,
    method: str = "asimov",
    n_toys: int = 1000,
    seed: int = 0,
) -> ScanResult:
    """A copy of ``result`` with the expected bounds of every mass point.

    Parameters
    ----------
    result : ScanResult
        Observed bounds of ``analysis`` (its ``config["delta_chi2"]`` is the threshold used).
    analysis : Analysis
    powers : sequence of float
        The model's coupling powers.
    K : numpy.ndarray
        Basis counts of the scan, (n_mass, n_prediction, n_basis).
    method, n_toys : see :func:`expected_bounds`
    seed : int
        Seed of mass point i's pseudo-experiments is ``seed + i`` (reproducible, independent).

    Returns
    -------
    ScanResult
        With :data:`~upscatter.scans.EXPECTED_COLUMNS` filled (NaN where there is no signal)
        and ``config["expected"]`` recording how.
    """
    threshold = float(result.config.get("delta_chi2", 0.0))
    K = np.asarray(K, dtype=float)
    if K.ndim != 3 or K.shape[0] != result.bound.size:
        raise ParameterError(
            f"basis counts must have shape ({result.bound.size}, n_prediction, n_basis), "
            f"got {K.shape}"
        )
    columns = np.full((len(EXPECTED_COLUMNS), result.bound.size), np.nan)
    for i in range(result.bound.size):
        found = expected_bounds(analysis, K[i], powers, threshold, method, n_toys, seed + i)
        if found is not None:
            columns[:, i] = [found.quantiles[n] for n in BAND_SIGMAS]
    how = {
        "method": method,
        "hypothesis": "g = 0 (SM plus backgrounds), nuisances at their nominal values",
        "quantiles_sigma": list(BAND_SIGMAS),
    }
    if method == "toys":
        how.update(n_toys=int(n_toys), seed=int(seed))
    return ScanResult(
        result.masses,
        result.bound,
        result.coupling,
        {**result.config, "expected": how},
        dict(zip(EXPECTED_COLUMNS, columns, strict=True)),
    )
