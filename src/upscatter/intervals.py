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

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from ._validate import as_array, as_seed
from .errors import ParameterError
from .experiments.base import Analysis
from .scans import (
    EXPECTED_COLUMNS,
    SIGNAL_SEARCH_MAX_OVER_SM,
    SIGNAL_SEARCH_MIN,
    ScanResult,
    signal_scale,
)
from .stats.chi2 import chi2_quantile
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
    return float(_interpolate(u[j - 1], root[j - 1], u[j], root[j], target))


def _chunk_size(likelihood, n_couplings: int) -> int:
    """Pseudo-data sets profiled at once over ``n_couplings`` couplings, so that a batch holds
    at most :data:`BATCH_ENTRIES` numbers (data, gradient and curvature per element)."""
    per_set = n_couplings * (likelihood.n_bins + 8 * len(likelihood.parameters) ** 2)
    return max(1, BATCH_ENTRIES // max(per_set, 1))


def _parabola_vertex(u: np.ndarray, chi2: np.ndarray):
    """Grid minimum of each row of chi^2 on the grid ``u``, and the vertex (u, value) of the
    parabola through it and its neighbours, with a flag where that vertex is usable (interior
    minimum, convex, between the neighbours)."""
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
    return minimum, vertex, value, usable


def _refined_minimum(u: np.ndarray, chi2: np.ndarray) -> np.ndarray:
    """Minimum of each row of chi^2 on the grid ``u``, lowered to the vertex of the parabola
    through the grid minimum and its neighbours where the minimum is interior (exact for a
    chi^2 quadratic in the signal)."""
    minimum, _, value, usable = _parabola_vertex(u, chi2)
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
    likelihood = analysis.likelihood
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
    chunk = _chunk_size(likelihood, g.size)
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
        probabilities = ndtr(BAND_SIGMAS)
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
    progress: Callable[[int, int], None] | None = None,
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
    progress : callable, optional
        Called as progress(done, total) after each mass point.

    Returns
    -------
    ScanResult
        With :data:`~upscatter.scans.EXPECTED_COLUMNS` filled (NaN where there is no signal)
        and ``config["expected"]`` recording how.
    """
    seed = as_seed("seed", seed)
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
        if progress:
            progress(i + 1, result.bound.size)
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
        result.valid,
    )


# --------------------------------------------------------------- Neyman / Feldman-Cousins belts
#: How pseudo-experiments treat the nuisances in :func:`neyman_construction`.
NUISANCE_TREATMENTS = ("conditional", "constraints")


@dataclass(frozen=True)
class NeymanConstruction:
    """A Neyman construction with the profile-likelihood-ratio ordering (Feldman and Cousins,
    Phys. Rev. D 57, 3873 (1998), arXiv:physics/9711021, Sec. IV) at one mass point.

    Attributes
    ----------
    coupling : numpy.ndarray
        Couplings g at which the test statistic's distribution was sampled.
    observed : numpy.ndarray
        t_obs(g) = chi^2(g) - min_{g' >= 0} chi^2(g') of the data.
    critical : numpy.ndarray
        c(g): the ``cl`` quantile of t(g) over pseudo-experiments generated at g.
    critical_error : numpy.ndarray
        Half the distance between the sample quantiles two binomial standard deviations either
        side of ``cl``: the statistical precision of c(g).
    n_toys : numpy.ndarray
        Pseudo-experiments used at each g (adaptive).
    wilks_coverage : numpy.ndarray
        Fraction of the pseudo-experiments at g with t <= ``wilks_threshold``: the true coverage
        of the Wilks interval at g (it should be ``cl``).
    cl : float
    wilks_threshold : float
        chi^2_1^{-1}(cl), the asymptotic critical value (2.706 at 90%).
    nuisances : str
        ``"conditional"``: toys at the nuisances' best fit to the data at g, constraint centres
        drawn around them (the profile construction); ``"constraints"``: every toy's nuisances
        drawn from their Gaussian constraints around the nominal values (centres fixed).
    """

    coupling: np.ndarray
    observed: np.ndarray
    critical: np.ndarray
    critical_error: np.ndarray
    n_toys: np.ndarray
    wilks_coverage: np.ndarray
    cl: float
    wilks_threshold: float
    nuisances: str

    def interval(self) -> tuple[float, float]:
        """(lower, upper): the extreme couplings with t_obs <= c, interpolated linearly in
        t_obs - c to the neighbouring rejected grid points (lower 0 when g = 0 is accepted;
        upper NaN when the largest coupling tested is accepted, NaN both when none is)."""
        margin = self.observed - self.critical
        accepted = np.nonzero(margin <= 0)[0]
        if accepted.size == 0:
            return np.nan, np.nan
        first, last = int(accepted[0]), int(accepted[-1])
        g = self.coupling

        def edge(inside: int, outside: int) -> float:
            frac = margin[inside] / (margin[inside] - margin[outside])
            return float(g[inside] + frac * (g[outside] - g[inside]))

        lower = float(g[0]) if first == 0 else edge(first, first - 1)
        upper = np.nan if last == g.size - 1 else edge(last, last + 1)
        return lower, upper

    def to_json(self) -> dict:
        """JSON-ready dictionary."""
        lower, upper = self.interval()
        return {
            "coupling": self.coupling.tolist(),
            "observed": self.observed.tolist(),
            "critical": self.critical.tolist(),
            "critical_error": self.critical_error.tolist(),
            "n_toys": self.n_toys.tolist(),
            "wilks_coverage": self.wilks_coverage.tolist(),
            "cl": self.cl,
            "wilks_threshold": self.wilks_threshold,
            "nuisances": self.nuisances,
            "interval": [lower, None if np.isnan(upper) else upper],
        }


#: Points of the grid on which each pseudo-experiment's minimum over g' >= 0 is located (linear
#: in the signal strength g^p, then refined by a parabola): chi^2 is close to quadratic in the
#: signal, so a coarse grid suffices, and it keeps costly likelihoods affordable.
MINIMISATION_POINTS = 61

#: The minimisation grid reaches this multiple of the largest signal strength g^p tested: a toy
#: generated at g has its best-fit signal well below 3 times the true one unless the data have
#: almost no sensitivity.
MINIMISATION_REACH = 3.0


def minimisation_grid(couplings: np.ndarray, powers) -> np.ndarray:
    """Couplings from 0 to the signal strength MINIMISATION_REACH x max(g^p), equally spaced
    in g^p."""
    power = float(np.min(powers))
    top = MINIMISATION_REACH * float(np.max(couplings)) ** power
    return np.linspace(0.0, top, MINIMISATION_POINTS) ** (1.0 / power)


def _test_statistic(likelihood, sm, K, powers, g_test, grid, data: PseudoData) -> np.ndarray:
    """t(g_test) = chi^2(g_test) - min_{g'} chi^2(g') for every data set (leading axis): the
    minimum over the grid, then chi^2 profiled at the parabola's vertex through the grid minimum
    and its neighbours (exact, not extrapolated: chi^2 is only nearly quadratic in the signal);
    identical data sets are profiled once."""
    stacked = np.concatenate([data.observed, data.centres], axis=-1)
    unique, inverse = np.unique(stacked, axis=0, return_inverse=True)
    n_bins = data.observed.shape[-1]
    observed, centres = unique[:, :n_bins], unique[:, n_bins:]
    couplings = np.concatenate([[g_test], grid])
    predictions = _predictions(sm, K, powers, couplings)
    chunk = _chunk_size(likelihood, couplings.size)
    power = float(np.min(powers))
    values = np.empty(len(unique))
    for start in range(0, len(unique), chunk):
        rows = slice(start, start + chunk)
        chi2 = likelihood.profile(
            predictions, data=PseudoData(observed[rows, None], centres[rows, None])
        ).chi2
        minimum, vertex, _, usable = _parabola_vertex(grid**power, chi2[:, 1:])
        minimum = np.minimum(minimum, chi2[:, 0])
        refine = np.nonzero(usable)[0]
        if refine.size:
            at_vertex = likelihood.profile(
                _predictions(sm, K, powers, vertex[refine] ** (1.0 / power)),
                data=PseudoData(observed[rows][refine], centres[rows][refine]),
            ).chi2
            minimum[refine] = np.minimum(minimum[refine], at_vertex)
        values[rows] = np.maximum(chi2[:, 0] - minimum, 0.0)
    return values[np.ravel(inverse)]


def _toys_at(likelihood, prediction, nuisances: str, rng, n: int, drawn=None) -> PseudoData:
    """Pseudo-data at one coupling with the chosen nuisance treatment; for ``"constraints"``,
    only the nuisances named in ``drawn`` (default: all constrained ones) are drawn, the others
    stay nominal."""
    if nuisances == "conditional":
        fit = likelihood.profile(prediction)
        theta = np.array([float(fit.values[name]) for name in likelihood.names])
        return likelihood.sample(prediction, theta, rng=rng, n=n, vary_constraints=True)
    lo, hi = likelihood.bounds
    sigma = np.array(
        [
            0.0 if p.sigma is None or (drawn is not None and p.name not in drawn) else p.sigma
            for p in likelihood.parameters
        ]
    )
    theta = np.clip(likelihood.nominal + sigma * rng.standard_normal((n, sigma.size)), lo, hi)
    mean = likelihood.expected(prediction, theta)
    centres = np.broadcast_to(likelihood.nominal, theta.shape)
    return PseudoData(likelihood.draw(mean, rng), np.array(centres))


def _quantile_uncertainty(samples: np.ndarray, q: float) -> float:
    """Half the spread of the sample quantiles two binomial standard deviations either side of
    ``q``: the precision of the q-quantile, which also flags a discrete distribution whose CDF
    steps near q (the quantile is then ambiguous and the spread is the step)."""
    sigma = 2.0 * np.sqrt(q * (1 - q) / samples.size)
    lo, hi = np.quantile(samples, [max(q - sigma, 0.0), min(q + sigma, 1.0)], method="inverted_cdf")
    return 0.5 * float(hi - lo)


def neyman_construction(
    analysis: Analysis,
    K: np.ndarray,
    powers,
    couplings,
    cl: float = 0.9,
    nuisances: str = "conditional",
    min_toys: int = 500,
    max_toys: int = 20_000,
    precision: float = 0.05,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> NeymanConstruction:
    """Feldman-Cousins (profile-likelihood-ratio) construction at one mass point.

    At every coupling g of ``couplings`` pseudo-experiments are generated at g (see
    :class:`NeymanConstruction` for the two nuisance treatments); the critical value c(g) is the
    ``cl`` quantile of their t(g) = chi^2(g) - min_{g' >= 0} chi^2(g'), and g is in the interval
    when the data's t_obs(g) <= c(g). The number of toys starts at ``min_toys`` and doubles until
    c(g) is known to ``precision`` (in Delta chi^2, see ``critical_error``) or ``max_toys`` is
    reached. Toys at grid point j use the seed ``(seed, j)``: results do not depend on the order
    of evaluation.

    Parameters
    ----------
    analysis : Analysis
    K : numpy.ndarray
        Basis counts at the mass point, (n_prediction, n_basis).
    powers : sequence of float
    couplings : array_like
        Couplings to test (>= 0, increasing).
    cl : float
        Confidence level.
    nuisances : {"conditional", "constraints"}
    min_toys, max_toys : int
    precision : float
        Target precision of each critical value.
    seed : int
    progress : callable, optional
        Called as progress(done, total) after each coupling.

    Returns
    -------
    NeymanConstruction
    """
    sm = analysis.sm_counts
    likelihood, K = _check(analysis, sm, K, powers)
    couplings = as_array("couplings", couplings)
    if couplings.ndim != 1 or couplings.size < 1 or np.any(np.diff(couplings) <= 0):
        raise ParameterError("couplings must be a non-empty, increasing 1-d grid")
    with np.errstate(over="ignore"):
        strength = MINIMISATION_REACH * couplings[-1] ** np.max(np.asarray(powers, dtype=float))
    if not np.isfinite(strength):
        raise ParameterError(
            f"couplings up to {couplings[-1]:g}: the signal g^p overflows; test smaller couplings"
        )
    seed = as_seed("seed", seed)
    if not 0 < cl < 1:
        raise ParameterError(f"cl must be in (0, 1), got {cl!r}")
    if nuisances not in NUISANCE_TREATMENTS:
        raise ParameterError(
            f"unknown nuisance treatment {nuisances!r}; known: {', '.join(NUISANCE_TREATMENTS)}"
        )
    if not (isinstance(min_toys, int) and isinstance(max_toys, int) and 10 <= min_toys <= max_toys):
        raise ParameterError("toy numbers must be integers with 10 <= min_toys <= max_toys")
    if not precision > 0:
        raise ParameterError(f"precision must be positive, got {precision!r}")
    if coupling_grid(sm, K, powers) is None:
        raise ParameterError(f"{analysis.name}: no signal at this mass point")
    grid = np.union1d(minimisation_grid(couplings, powers), couplings)
    wilks = chi2_quantile(cl, 1)
    real = PseudoData(likelihood.observed[None], likelihood.nominal[None])
    t_obs, critical, error, used, coverage = (np.empty(couplings.size) for _ in range(5))
    for j, g in enumerate(couplings):
        rng = np.random.default_rng([seed, j])
        prediction = _predictions(sm, K, powers, g)
        t_obs[j] = _test_statistic(likelihood, sm, K, powers, g, grid, real)[0]
        samples = np.empty(0)
        n = min_toys
        while True:
            toys = _toys_at(likelihood, prediction, nuisances, rng, n - samples.size)
            samples = np.concatenate(
                [samples, _test_statistic(likelihood, sm, K, powers, g, grid, toys)]
            )
            err = _quantile_uncertainty(samples, cl)
            if err <= precision or n >= max_toys:
                break
            n = min(2 * n, max_toys)
        critical[j] = np.quantile(samples, cl, method="inverted_cdf")
        error[j], used[j] = err, n
        coverage[j] = np.mean(samples <= wilks)
        if progress:
            progress(j + 1, couplings.size)
    return NeymanConstruction(
        couplings, t_obs, critical, error, used.astype(int), coverage, float(cl), wilks, nuisances
    )


# ------------------------------------------------ distribution of chi^2 at a fixed hypothesis
@dataclass(frozen=True)
class CriticalValue:
    """The ``cl`` quantile of chi^2(H) (profiled over the nuisances, no minimum over the
    physics parameter subtracted) for pseudo-experiments generated under the hypothesis H.

    Attributes
    ----------
    critical : float
        The ``cl`` quantile of the pseudo-experiments' chi^2.
    error : float
        Its statistical precision (see :class:`NeymanConstruction`, ``critical_error``).
    samples : numpy.ndarray
        chi^2 of every pseudo-experiment.
    cl : float
    drawn : tuple of str
        Nuisances drawn from their constraints in the pseudo-experiments.
    """

    critical: float
    error: float
    samples: np.ndarray
    cl: float
    drawn: tuple[str, ...]

    def survival(self, value: float) -> float:
        """Fraction of pseudo-experiments with chi^2 >= ``value`` (the p-value of a data set
        whose chi^2(H) is ``value``)."""
        return float(np.mean(self.samples >= value))


def chi2_critical_value(
    likelihood,
    prediction,
    cl: float = 0.9,
    n_toys: int = 4000,
    drawn=None,
    seed: int = 0,
) -> CriticalValue:
    """Distribution of chi^2(H) under H: the p-value construction of Denton and Gehrlein,
    JHEP 04 (2021) 266, arXiv:2008.06062, Sec. 3.

    Pseudo-experiments are drawn from ``prediction`` with the nuisances in ``drawn`` taken from
    their Gaussian constraints (the others nominal) and the constraint centres fixed; each one's
    chi^2 is profiled over all nuisances at the same prediction. A hypothesis H is rejected at
    ``cl`` when the data's chi^2(H) exceeds the ``cl`` quantile. Wilks' theorem would make
    chi^2(H) a chi^2 variable with n_bins minus the number of fitted physics parameters degrees
    of freedom.

    Parameters
    ----------
    likelihood : upscatter.stats.likelihood.Likelihood
    prediction : array_like
        Signal prediction of the hypothesis, (n_prediction,).
    cl : float
        Confidence level in (0, 1).
    n_toys : int
        Pseudo-experiments (>= 10).
    drawn : sequence of str, optional
        Nuisances drawn in the pseudo-experiments (default: every constrained one).
    seed : int
        Seed of the pseudo-experiments.

    Returns
    -------
    CriticalValue
    """
    prediction = likelihood.check_prediction(prediction)
    if prediction.ndim != 1:
        raise ParameterError(f"prediction must be 1-d, got shape {prediction.shape}")
    if not 0 < cl < 1:
        raise ParameterError(f"cl must be in (0, 1), got {cl!r}")
    if not isinstance(n_toys, int | np.integer) or isinstance(n_toys, bool) or n_toys < 10:
        raise ParameterError(f"n_toys must be an integer >= 10, got {n_toys!r}")
    names = likelihood.names if drawn is None else tuple(drawn)
    unknown = sorted(set(names) - set(likelihood.names))
    if unknown:
        raise ParameterError(
            f"drawn: unknown nuisances {', '.join(unknown)}; known: {', '.join(likelihood.names)}"
        )
    rng = np.random.default_rng(as_seed("seed", seed))
    toys = _toys_at(likelihood, prediction, "constraints", rng, int(n_toys), drawn=names)
    samples = likelihood.profile(prediction, data=toys).chi2
    critical = float(np.quantile(samples, cl, method="inverted_cdf"))
    return CriticalValue(critical, _quantile_uncertainty(samples, cl), samples, float(cl), names)
