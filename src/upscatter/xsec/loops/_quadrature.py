"""Fixed Gauss-Legendre rules on per-element intervals, shared by the loop integrals.

The loop integrands of this package are smooth (analytic in a strip of half-width pi around the
real axis) once written in a logarithmic variable, so one fixed Gauss-Legendre rule on an interval
that follows the mass scales converges exponentially; no adaptive quadrature is needed and
everything broadcasts over arrays of masses.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=8)
def _legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    nodes, weights = np.polynomial.legendre.leggauss(n)
    nodes.flags.writeable = False
    weights.flags.writeable = False
    return nodes, weights


def gauss_legendre_line(lo, hi, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of an ``n``-point Gauss-Legendre rule on ``[lo, hi]``.

    Parameters
    ----------
    lo, hi : array_like
        Interval ends (broadcast together); any unit.
    n : int
        Number of nodes.

    Returns
    -------
    (nodes, weights) : tuple of numpy.ndarray
        Shape ``broadcast(lo, hi).shape + (n,)``; ``sum(weights * f(nodes), axis=-1)``
        integrates ``f`` over each interval.
    """
    t, w = _legendre(n)
    lo = np.asarray(lo, dtype=float)[..., None]
    hi = np.asarray(hi, dtype=float)[..., None]
    half = 0.5 * (hi - lo)
    return lo + half * (t + 1.0), half * w
