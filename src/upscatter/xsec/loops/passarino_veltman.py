"""One-loop Passarino-Veltman functions of paper 000 Appendix A.

Conventions (LoopTools): with metric (+,-,-,-),

    D_{0; mu; mu nu; mu nu rho} = int d^4 q / (i pi^2)  {1; q_mu; q_mu q_nu; q_mu q_nu q_rho}
                                  / ([q^2 - m_0^2] [(q + p)^2 - m_1^2] [q^2 - m_2^2] [q^2 - m_3^2]),

    D_mu = p_mu D_1,  D_mu nu = g_mu nu D_00 + p_mu p_nu D_11,  D_mu nu rho = (g p)_sym D_001 + ...

which is D[p1^2, p1^2, 0, 0, 0, p1^2; m_0^2, m_1^2, m_2^2, m_3^2] of paper 000 Eqs. (A1)-(A6):
legs p, -p, 0, 0, so only the chi propagator (m_1 = m_chi) carries the neutrino momentum p. The
neutrino is massless and on shell, p^2 = 0, and then every scalar coefficient depends on the
masses only. Feynman parameters give (x_1 is the parameter of the chi propagator,
Delta = sum_i x_i m_i^2, integral over the 3-simplex)

    D_0 = int Delta^-2,  D_1 = -int x_1 Delta^-2,  D_00 = -1/2 int Delta^-1,
    D_11 = int x_1^2 Delta^-2,  D_001 = 1/2 int x_1 Delta^-1.

The superscript b is the mass set (0, m_chi^2, m_Z'^2, m_Z'^2), a is (0, m_chi^2, 0, m_Z'^2).
The closed forms (A1)-(A6) agree with these integrals (``tests/test_loops.py``). With
r = m_Z'^2/m_chi^2 = 1 + eps they have removable singularities at eps = 0: for ``|eps| < 0.25`` they
are evaluated in the equivalent form obtained by writing ln(r) = sum_{j<k} (-1)^(j+1) eps^j/j +
eps^k L_k(eps), with the tail L_k summed as a power series; there is no cancellation left in that
form. Elsewhere the printed closed forms are used (they are free of cancellation for any
m_Z'/m_chi away from 1, including m_Z' >> m_chi and m_Z' << m_chi).

The scalar integrals B0, C0, D0 of Eqs. (A11)-(A13) are needed at p^2 = p1^2 = 0 (the massless
neutrino), where they are one-loop vacuum integrals computed here by one-dimensional
Feynman-parameter integration on a fixed Gauss-Legendre grid in the logistic variable
v = ln(x/(1-x)). B0 is UV divergent; only the finite difference of two B0 with different masses
enters X1 of Eq. (A8), and that difference is what :func:`b0_difference` returns.

Units: masses in MeV (box functions) or MeV^2 (scalar integrals, whose arguments are squared
masses as in the paper); results in the powers of MeV stated in each function.
"""

from __future__ import annotations

from collections.abc import Callable
from math import gamma

import numpy as np
from scipy.special import expit

from ..._validate import as_array
from ...errors import ParameterError
from ._quadrature import gauss_legendre_line

_SERIES_RADIUS = 0.25
"""|m_Z'^2/m_chi^2 - 1| below which the series form of (A1)-(A6) is used."""
_SERIES_TERMS = 30
"""Terms of the L_k tail series; 0.25^30 ~ 1e-18 is below double precision."""

_FEYNMAN_NODES = 256
"""Gauss-Legendre nodes in v = ln(x/(1-x)); interval length at most ~100 for mass ratios up to
1e10, where the rule is accurate to ~1e-13 (the integrand is analytic for |Im v| < pi)."""
_FEYNMAN_MARGIN = 40.0
"""Extent of the v grid beyond the mass scales; the integrands decay at least like e^-|v|."""


def _log_tail(eps, k: int):
    """L_k(eps) = [ln(1+eps) - sum_{j<k} (-1)^(j+1) eps^j/j] / eps^k by its Taylor series.

    L_k = sum_{j>=k} (-1)^(j+1) eps^(j-k)/j, summed by Horner's rule; only for |eps| < 0.25.
    """
    result = np.zeros_like(eps)
    for j in range(k + _SERIES_TERMS - 1, k - 1, -1):
        result = result * eps + (-1.0) ** (j + 1) / j
    return result


def _box(
    m_chi,
    m_zprime,
    closed: Callable,
    series: Callable,
    mass_power: int,
):
    """Evaluate a box function f(r) / m_chi^mass_power with the stable branch near r = 1.

    ``closed(r, eps, log_r)`` is the printed closed form, ``series(r, eps)`` the equivalent
    cancellation-free form valid for |eps| < 0.25, both as functions of r = m_Z'^2/m_chi^2.
    """
    m_chi = as_array("m_chi", m_chi, allow_zero=False)
    m_zprime = as_array("m_zprime", m_zprime, allow_zero=False)
    r = (m_zprime / m_chi) ** 2
    eps = (m_zprime - m_chi) * (m_zprime + m_chi) / m_chi**2
    near = np.abs(eps) < _SERIES_RADIUS
    eps_far = np.where(near, 1.0, eps)
    r_far = np.where(near, 2.0, r)
    value_far = closed(r_far, eps_far, 2.0 * np.log(np.where(near, 2.0, m_zprime / m_chi)))
    value_near = series(r, np.where(near, eps, 0.0))
    return np.where(near, value_near, value_far) / m_chi**mass_power


def d0_b(m_chi, m_zprime):
    """D_0^b of paper 000 Eq. (A1).

    Parameters
    ----------
    m_chi, m_zprime : array_like
        Masses of chi and Z' (MeV), positive; broadcast together.

    Returns
    -------
    numpy.ndarray
        D_0[0,0,0,0,0,0; 0, m_chi^2, m_Z'^2, m_Z'^2] in MeV^-4.
    """
    return _box(
        m_chi,
        m_zprime,
        lambda r, e, lr: (-r + 1.0 + r * lr) / (r * e**2),
        lambda r, e: 1.0 / r + _log_tail(e, 2),
        4,
    )


def d00_a_minus_b(m_chi, m_zprime):
    """D_00^a - D_00^b of paper 000 Eq. (A2), in MeV^-2 (masses in MeV, positive)."""
    return _box(
        m_chi,
        m_zprime,
        lambda r, e, lr: (r - 1.0 - r * lr) / (4.0 * e**2),
        lambda r, e: -(r * _log_tail(e, 2) + 1.0) / 4.0,
        2,
    )


def d11_a_minus_b(m_chi, m_zprime):
    """D_11^a - D_11^b of paper 000 Eq. (A3), in MeV^-4 (masses in MeV, positive)."""
    return _box(
        m_chi,
        m_zprime,
        lambda r, e, lr: r * (e * (r + 5.0) - 2.0 * (2.0 * r + 1.0) * lr) / (6.0 * e**4),
        lambda r, e: -r * ((6.0 * r + 3.0) * _log_tail(e, 4) + 2.0) / 9.0,
        4,
    )


def d001_a_minus_b(m_chi, m_zprime):
    """D_001^a - D_001^b of paper 000 Eq. (A4), in MeV^-2 (masses in MeV, positive)."""
    return _box(
        m_chi,
        m_zprime,
        lambda r, e, lr: r * (-2.0 * e + (r + 1.0) * lr) / (12.0 * e**3),
        lambda r, e: r * (2.0 * (r + 1.0) * _log_tail(e, 3) - 1.0) / 24.0,
        2,
    )


def d1_b(m_chi, m_zprime):
    """D_1^b of paper 000 Eq. (A5), in MeV^-4 (masses in MeV, positive)."""
    return _box(
        m_chi,
        m_zprime,
        lambda r, e, lr: (2.0 * e - (r + 1.0) * lr) / (2.0 * e**3),
        lambda r, e: (1.0 - 2.0 * (r + 1.0) * _log_tail(e, 3)) / 4.0,
        4,
    )


def d00_b(m_chi, m_zprime):
    """D_00^b of paper 000 Eq. (A6), in MeV^-2 (masses in MeV, positive)."""
    return _box(
        m_chi,
        m_zprime,
        lambda r, e, lr: (-e + lr) / (4.0 * e**2),
        lambda r, e: _log_tail(e, 2) / 4.0,
        2,
    )


def _logistic_rule(*scales_sq):
    """Gauss-Legendre nodes x, 1-x and weights dx on [0, 1] through v = ln(x/(1-x)).

    The grid covers v = 0 and every v* = ln(scale ratio) where Delta(x) changes regime, plus a
    margin on each side; ``scales_sq`` are pairs (A, B) of the squared masses multiplying x and
    1-x (zero entries contribute no transition point).
    """
    v_lo = np.zeros(())
    v_hi = np.zeros(())
    for a, b in scales_sq:
        with np.errstate(divide="ignore", invalid="ignore"):
            v_star = np.log(b) - np.log(a)
        v_star = np.where(np.isfinite(v_star), v_star, 0.0)
        v_lo = np.minimum(v_lo, v_star)
        v_hi = np.maximum(v_hi, v_star)
    v, w = gauss_legendre_line(v_lo - _FEYNMAN_MARGIN, v_hi + _FEYNMAN_MARGIN, _FEYNMAN_NODES)
    x, one_minus_x = expit(v), expit(-v)
    return x, one_minus_x, w * x * one_minus_x


def scalar_vacuum_integral(m_sq, big_m_sq, power_m: int, power_big_m: int):
    """Two-mass one-loop vacuum integral at zero external momentum.

    I = int d^4 l / (i pi^2) [l^2 - m^2]^-a [l^2 - M^2]^-b
      = (-1)^(a+b) Gamma(a+b-2)/(Gamma(a) Gamma(b)) int_0^1 dx x^(a-1) (1-x)^(b-1)
        / (x m^2 + (1-x) M^2)^(a+b-2),

    evaluated by Feynman-parameter integration on a fixed Gauss-Legendre grid. At p^2 = 0 this is
    C0(0, m^2, M^2) of paper 000 Eq. (A12) for (a, b) = (2, 1) and D0(0, m^2, M^2) of Eq. (A13) for
    (3, 1); the derivatives follow from d/dm^2 I(a, b) = a I(a+1, b) and
    d/dM^2 I(a, b) = b I(a, b+1) (and dB0(0, m^2, M^2)/dm^2 = C0(0, m^2, M^2)).

    Parameters
    ----------
    m_sq, big_m_sq : array_like
        Squared masses m^2 and M^2 (MeV^2), non-negative; broadcast together. A mass whose
        propagator is raised to a power >= 2 must be positive (infrared divergence otherwise).
    power_m, power_big_m : int
        Propagator powers a >= 1 and b >= 1 with a + b >= 3 (UV finite).

    Returns
    -------
    numpy.ndarray
        I in MeV^(4 - 2(a+b)).
    """
    a, b = int(power_m), int(power_big_m)
    if a < 1 or b < 1 or a + b < 3:
        raise ParameterError(
            f"propagator powers must be >= 1 with a sum >= 3 (UV finite), got ({a}, {b})"
        )
    m_sq = as_array("m_sq", m_sq, allow_zero=a == 1)
    big_m_sq = as_array("big_m_sq", big_m_sq, allow_zero=b == 1)
    if np.any((m_sq == 0) & (big_m_sq == 0)):
        raise ParameterError("m_sq and big_m_sq must not both vanish (scaleless integral)")
    m_sq, big_m_sq = np.broadcast_arrays(m_sq, big_m_sq)
    scale = np.maximum(m_sq, big_m_sq)
    x, y, w = _logistic_rule((m_sq, big_m_sq))
    n = a + b - 2
    delta = x * (m_sq / scale)[..., None] + y * (big_m_sq / scale)[..., None]
    integral = np.sum(w * x ** (a - 1) * y ** (b - 1) / delta**n, axis=-1)
    prefactor = (-1.0) ** (a + b) * gamma(n) / (gamma(a) * gamma(b))
    return prefactor * integral / scale**n


def c0(m_sq, big_m_sq):
    """C0(p^2 = 0, m^2, M^2) of paper 000 Eq. (A12), in MeV^-2.

    int d^4 l/(2 pi)^4 1/([(l+p)^2 - M^2][l^2 - m^2]^2) = i/(4 pi)^2 C0; squared masses in MeV^2,
    m^2 > 0. See :func:`scalar_vacuum_integral`.
    """
    return scalar_vacuum_integral(m_sq, big_m_sq, 2, 1)


def d0(m_sq, big_m_sq):
    """D0(p^2 = 0, m^2, M^2) of paper 000 Eq. (A13), in MeV^-4.

    int d^4 l/(2 pi)^4 1/([(l+p)^2 - M^2][l^2 - m^2]^3) = i/(4 pi)^2 D0; squared masses in MeV^2,
    m^2 > 0. See :func:`scalar_vacuum_integral`.
    """
    return scalar_vacuum_integral(m_sq, big_m_sq, 3, 1)


def b0_difference(m1_sq, m2_sq, big_m_sq):
    """B0(0, m1^2, M^2) - B0(0, m2^2, M^2) of paper 000 Eq. (A11): UV finite, scale free.

    B0(0, m^2, M^2) = Delta_UV - int_0^1 dx ln(x m^2 + (1-x) M^2), so the difference is
    -int_0^1 dx ln[(x m1^2 + (1-x) M^2)/(x m2^2 + (1-x) M^2)]: the divergent constant and the
    renormalisation scale cancel, which is all Eq. (A8) needs. Its derivative with respect to
    m1^2 is C0(0, m1^2, M^2) (:func:`c0`).

    Parameters
    ----------
    m1_sq, m2_sq : array_like
        Squared masses of the l propagator in the two B0 (MeV^2), non-negative.
    big_m_sq : array_like
        Squared mass of the (l + p) propagator (MeV^2), non-negative.

    Returns
    -------
    numpy.ndarray
        Dimensionless difference, broadcast shape of the inputs.
    """
    m1_sq = as_array("m1_sq", m1_sq)
    m2_sq = as_array("m2_sq", m2_sq)
    big_m_sq = as_array("big_m_sq", big_m_sq)
    if np.any((big_m_sq == 0) & ((m1_sq == 0) | (m2_sq == 0))):
        raise ParameterError("B0(0, 0, 0) is scaleless: a mass and big_m_sq both vanish")
    m1_sq, m2_sq, big_m_sq = np.broadcast_arrays(m1_sq, m2_sq, big_m_sq)
    x, y, w = _logistic_rule((m1_sq, big_m_sq), (m2_sq, big_m_sq))
    m1, m2, big = m1_sq[..., None], m2_sq[..., None], big_m_sq[..., None]
    delta1 = x * m1 + y * big
    delta2 = x * m2 + y * big
    z = x * (m1 - m2) / delta2
    small = np.abs(z) < 0.5
    log_ratio = np.where(
        small,
        np.log1p(np.where(small, z, 0.0)),
        np.log(np.where(small, 1.0, delta1)) - np.log(np.where(small, 1.0, delta2)),
    )
    return -np.sum(w * log_ratio, axis=-1)
