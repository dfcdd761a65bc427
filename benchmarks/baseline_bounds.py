"""The bound search of sessions 1-4, kept here (not in the package) as the baseline of the
bound-curve benchmarks.

Per mass point: the profiled chi^2 on a logarithmic grid of couplings whose signal runs from
1e-4 to max(1e6, 100 N_SM) events (``points_per_decade`` per decade of the coupling: 40 by
default, 6 for CsI 2021 and its combinations, 10 for XENONnT), an interior grid minimum refined
by a bounded Brent minimisation when it lies more than 1e-3 below chi^2(0), then ``brentq``
(rtol 1e-6) in the first grid cell that crosses the threshold. One profile per call, no warm
starts: about 34 profiled fits per CsI 2021 bound.

:func:`old_bounds` patches :func:`upscatter.scans._bound_block`, so any public entry point
(``coupling_bound``, ``bounds_from_basis``, the reproductions) runs the old search.
"""

from __future__ import annotations

import contextlib

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from upscatter import scans

#: points per decade of the coupling of the old bracketing grid, by analysis name
OLD_POINTS_PER_DECADE = {"coherent-csi-2021": 6, "coherent-combined": 6, "xenonnt-8b": 10}


def old_bound(sm, K, chi2, powers, threshold, points_per_decade=40.0) -> float:
    """The old single-mass search (grid, refined minimum, brentq)."""
    powers = np.asarray(powers, dtype=float)
    scale = scans.signal_scale(K, powers)
    if not np.isfinite(scale):
        return np.nan
    s_max = max(1e6, 100.0 * float(np.sum(sm)))
    p_min = powers.min()
    lo, hi = 1e-4 ** (1 / p_min), s_max ** (1 / p_min)
    n_points = int(points_per_decade * np.log10(hi / lo)) + 1
    grid = np.concatenate([[0.0], scale * np.geomspace(lo, hi, n_points)])

    def predict(x):
        return sm + (np.asarray(x)[..., None] ** powers) @ K.T

    values = chi2(predict(grid))
    best = int(np.argmin(values))
    minimum = values[best]
    if 0 < best < grid.size - 1 and values[0] - minimum > 1e-3:
        inner = minimize_scalar(
            lambda x: float(chi2(predict(x))),
            bounds=(grid[best - 1], grid[best + 1]),
            method="bounded",
            options={"xatol": 1e-3 * grid[best]},
        )
        minimum = min(minimum, float(inner.fun))
    above = np.nonzero(values[best:] - minimum >= threshold)[0]
    if above.size == 0:
        return np.nan
    top = best + above[0]

    def f(x):
        return float(chi2(predict(x))) - minimum - threshold

    return float(brentq(f, grid[top - 1], grid[top], xtol=1e-300, rtol=1e-6))


def _old_block(experiment, sm, powers, threshold, K_block):
    points = OLD_POINTS_PER_DECADE.get(experiment.name, 40.0)
    return [old_bound(sm, K, experiment.chi2, powers, threshold, points) for K in K_block]


@contextlib.contextmanager
def old_bounds():
    """Run the package's scans with the old per-mass search (serial blocks of one mass)."""
    block, size = scans._bound_block, scans.BOUND_BLOCK
    scans._bound_block, scans.BOUND_BLOCK = _old_block, 1
    try:
        yield
    finally:
        scans._bound_block, scans.BOUND_BLOCK = block, size


def agreement(new, old) -> float:
    """Largest relative difference of two bound arrays (NaN where both are NaN)."""
    new, old = np.asarray(new, float), np.asarray(old, float)
    if not np.array_equal(np.isnan(new), np.isnan(old)):
        raise SystemExit("the new and the old search disagree on where there is a bound")
    both = np.isfinite(new)
    return float(np.max(np.abs(new[both] / old[both] - 1), initial=0.0))
