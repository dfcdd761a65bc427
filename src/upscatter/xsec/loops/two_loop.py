"""Two-loop gluon function F_G of paper 000 Eq. (A7) (case B, two pNGB mediators).

::

    F_G(p1^2, m_chi^2, m_Z'^2, m_q^2) = int_0^1 dx [ -3 dX1/dm_Z'^2
        + 3 m_q^2 (1 + x - x^2)/(x^2 (1-x)^2) dX2/dm_Z'^2
        - 4 m_q^4 (1 - 3x + 3x^2)/(x^3 (1-x)^3) dX3/dm_Z'^2 ],

with X1, X2, X3 of Eqs. (A8)-(A10) taken at the heavy-quark mass m~^2 = m_q^2/(x(1-x)). By the
partial fractions behind Eqs. (A8)-(A10), X_k is the one-loop integral

    X_k = int d^4 l/(i pi^2) 1/([(l+p1)^2 - m_chi^2][l^2 - m_Z'^2][l^2 - m~^2]^k),

normalised like Eqs. (A11)-(A13) (i/(4 pi)^2 per int d^4 l/(2 pi)^4). The neutrino is massless and
on shell, p1^2 = 0 (paper 000 Sec. III; the only invariant of the outer loop), so X_k and its
m_Z'^2 derivative are vacuum integrals. They are evaluated here from that definition, not by the
recursion (A8)-(A10): the recursion divides by (m_Z'^2 - m~^2) up to three times, is 0/0 at
m~ = m_Z' (inside the x range whenever m_Z' > 2 m_q) and loses precision like
``|m_Z'^2/m~^2 - 1|^-k`` near it. Wick rotation gives the positive one-dimensional form

    int d^4 l/(i pi^2) prod_i [l^2 - w_i]^-n_i = (-1)^N int_0^inf du u prod_i (u + w_i)^-n_i,

N = sum n_i >= 3, integrated with a fixed Gauss-Legendre rule in ln u on an interval that covers
every mass scale. ``tests/test_loops.py`` checks X_k against the recursion (A8)-(A10) built from
:func:`~upscatter.xsec.loops.passarino_veltman.b0_difference`, ``c0`` and ``d0`` (Feynman
parameters) where the recursion is well conditioned.

The x integrand is symmetric under x -> 1-x and tends to a constant at the endpoints (m~ -> inf),
with its structure at x ~ m_q^2/max(m_chi^2, m_Z'^2); F_G is integrated as 2 int_0^(1/2) with a
fixed Gauss-Legendre rule in ln x from 1e-10 min(1/4, m_q^2/max(m_chi^2, m_Z'^2)) to 1/2 (the part
below contributes less than 1e-10 relative).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..._validate import as_array
from ._quadrature import gauss_legendre_line

_RADIAL_NODES = 256
"""Gauss-Legendre nodes in ln u; the interval is ln(w_max/w_min) + 60 long and the integrand is
analytic for |Im ln u| < pi, so 256 nodes give ~1e-13 for mass ratios up to ~1e20 in u."""
_RADIAL_LOW_MARGIN = 20.0
"""ln u below the smallest mass^2 (integrand ~ u^2 there: e^-40)."""
_RADIAL_HIGH_MARGIN = 40.0
"""ln u above the largest mass^2 (integrand ~ u^(2-N), N >= 3: at most e^-40)."""
_X_NODES = 64
"""Gauss-Legendre nodes in ln x for the F_G integral."""
_X_CUTOFF = 1e-10
"""Lower end of the ln x grid relative to the structure scale min(1/4, m_q^2/max mass^2)."""


def x_integrals(m_chi, m_zprime, m_heavy_sq, *, derivative: bool = False):
    """X1, X2, X3 of paper 000 Eqs. (A8)-(A10) at p1^2 = 0, or their m_Z'^2 derivatives.

    Parameters
    ----------
    m_chi, m_zprime : array_like
        Masses of chi and Z' (MeV), positive.
    m_heavy_sq : array_like
        The squared mass m~^2 = m_q^2/(x(1-x)) of the quark-loop propagator (MeV^2), positive.
        All three broadcast together.
    derivative : bool
        If true return dX_k/dm_Z'^2 (the objects in Eq. (A7)) instead of X_k.

    Returns
    -------
    (X1, X2, X3) : tuple of numpy.ndarray
        In MeV^-2, MeV^-4, MeV^-6 (derivatives: MeV^-4, MeV^-6, MeV^-8).
    """
    c = as_array("m_chi", m_chi, allow_zero=False) ** 2
    s = as_array("m_zprime", m_zprime, allow_zero=False) ** 2
    h = as_array("m_heavy_sq", m_heavy_sq, allow_zero=False)
    c, s, h = np.broadcast_arrays(c, s, h)
    scale = np.maximum(np.maximum(c, s), h)
    c, s, h = c / scale, s / scale, h / scale
    lowest = np.minimum(np.minimum(c, s), h)
    t, w = gauss_legendre_line(
        np.log(lowest) - _RADIAL_LOW_MARGIN, _RADIAL_HIGH_MARGIN, _RADIAL_NODES
    )
    u = np.exp(t)
    s_power = 2 if derivative else 1
    # du u (...) = dt u^2 (...); the chi and Z' propagators are common to the three integrals
    base = w * u * u / ((u + c[..., None]) * (u + s[..., None]) ** s_power)
    heavy = 1.0 / (u + h[..., None])
    results = []
    for k in (1, 2, 3):
        n_props = 1 + s_power + k
        base = base * heavy
        results.append((-1.0) ** n_props * np.sum(base, axis=-1) * scale ** (2.0 - n_props))
    return tuple(results)


def f_g(m_chi, m_zprime, m_quark):
    """Two-loop function F_G(p1^2 = 0, m_chi^2, m_Z'^2, m_q^2) of paper 000 Eq. (A7).

    Parameters
    ----------
    m_chi, m_zprime : array_like
        Masses of chi and Z' (MeV), positive.
    m_quark : array_like
        Heavy-quark mass m_q (MeV), positive. All three broadcast together.

    Returns
    -------
    numpy.ndarray
        F_G in MeV^-4. For m_q >> m_chi, m_Z' it approaches -6 D_0^b/m_q^2 (the leading term of
        the heavy-quark expansion of the integrand, 7 - 6x(1-x), integrated over x).
    """
    m_chi = as_array("m_chi", m_chi, allow_zero=False)
    m_zprime = as_array("m_zprime", m_zprime, allow_zero=False)
    m_q_sq = as_array("m_quark", m_quark, allow_zero=False) ** 2
    m_chi, m_zprime, m_q_sq = np.broadcast_arrays(m_chi, m_zprime, m_q_sq)
    key = tuple(np.ascontiguousarray(a).tobytes() for a in (m_chi, m_zprime, m_q_sq))
    return _f_g_cached(m_chi.shape, *key).copy()


@lru_cache(maxsize=32)
def _f_g_cached(shape: tuple[int, ...], m_chi: bytes, m_zprime: bytes, m_q_sq: bytes):
    """:func:`f_g` of the float64 arrays of ``shape`` given by their bytes (with m_q^2), cached:
    the loop coefficients of every isotope and twist-2 reading at one set of masses share it."""
    m_chi, m_zprime, m_q_sq = (
        np.frombuffer(b, dtype=float).reshape(shape) for b in (m_chi, m_zprime, m_q_sq)
    )
    structure = np.minimum(0.25, m_q_sq / np.maximum(m_chi, m_zprime) ** 2)
    log_x, w = gauss_legendre_line(np.log(_X_CUTOFF * structure), np.log(0.5), _X_NODES)
    total = np.zeros(m_chi.shape)
    for j in range(_X_NODES):
        x = np.exp(log_x[..., j])
        xx = x * (1.0 - x)
        heavy_sq = m_q_sq / xx
        dx1, dx2, dx3 = x_integrals(m_chi, m_zprime, heavy_sq, derivative=True)
        # m_q^2/(x(1-x))^2 = m~^4/m_q^2 and m_q^4/(x(1-x))^3 = m~^6/m_q^2 keep the terms O(1)
        integrand = (
            -3.0 * dx1
            + 3.0 * (1.0 + xx) * heavy_sq**2 / m_q_sq * dx2
            - 4.0 * (1.0 - 3.0 * xx) * heavy_sq**3 / m_q_sq * dx3
        )
        total += w[..., j] * x * integrand
    return 2.0 * total
