"""Loop functions and loop-induced elastic scattering of paper 000 (Eqs. (26)-(32), (A1)-(A13)).

References used here are independent of the library code paths: the Feynman-parameter integrals
that define the box functions (scipy dblquad), closed forms of the two-point vacuum integrals,
finite differences, scipy quad of the Wick-rotated momentum integrals, and the paper's own
recursion (A8)-(A10).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from scipy import integrate

from upscatter.constants import G_FERMI, M_BOTTOM, M_NEUTRON, M_PROTON
from upscatter.errors import ParameterError
from upscatter.nuclei import CS133
from upscatter.xsec.loops import elastic, two_loop
from upscatter.xsec.loops import passarino_veltman as pv
from upscatter.xsec.loops.elastic import (
    LoopCase,
    loop_coefficients_per_x2,
    loop_dsigma_dT_per_x4,
)

# ---------------------------------------------------------------------------------------------
# Box functions (A1)-(A6)
#
# With legs (p, -p, 0, 0) only the chi propagator (Feynman parameter x1) carries p, p^2 = 0, so
# Delta = sum_i x_i m_i^2 and (LoopTools normalisation, 3-simplex)
#   D0 = int Delta^-2, D1 = -int x1 Delta^-2, D00 = -1/2 int Delta^-1,
#   D11 = int x1^2 Delta^-2, D001 = 1/2 int x1 Delta^-1.
# b = (0, m^2, M^2, M^2): Delta = x1 m^2 + z M^2 with z = x2 + x3, and the x2 integral at fixed z
# gives the weight z. a = (0, m^2, 0, M^2): Delta = x1 m^2 + x3 M^2, the two massless parameters
# give the weight 1 - x1 - x3. Over the triangle x1 + z <= 1 the difference a - b has the weight
# 1 - x1 - 2z.
# ---------------------------------------------------------------------------------------------

_B_WEIGHT = lambda x1, z: z  # noqa: E731
_A_MINUS_B_WEIGHT = lambda x1, z: 1.0 - x1 - 2.0 * z  # noqa: E731

_BOX_INTEGRANDS = {
    pv.d0_b: (_B_WEIGHT, lambda x1, d: d**-2),
    pv.d1_b: (_B_WEIGHT, lambda x1, d: -x1 * d**-2),
    pv.d00_b: (_B_WEIGHT, lambda x1, d: -0.5 / d),
    pv.d00_a_minus_b: (_A_MINUS_B_WEIGHT, lambda x1, d: -0.5 / d),
    pv.d11_a_minus_b: (_A_MINUS_B_WEIGHT, lambda x1, d: x1**2 * d**-2),
    pv.d001_a_minus_b: (_A_MINUS_B_WEIGHT, lambda x1, d: 0.5 * x1 / d),
}


def _feynman_box(func, m_chi: float, m_zprime: float) -> float:
    weight, integrand = _BOX_INTEGRANDS[func]
    m2, big2 = m_chi**2, m_zprime**2
    value, _ = integrate.dblquad(
        lambda z, x1: weight(x1, z) * integrand(x1, x1 * m2 + z * big2),
        0.0,
        1.0,
        0.0,
        lambda x1: 1.0 - x1,
        epsabs=0.0,
        epsrel=1e-9,
    )
    return value


_RNG = np.random.default_rng(20211)
_BOX_MASSES = [
    (m, m * ratio)
    for m, ratio in zip(10 ** _RNG.uniform(-1, 3, 4), 10 ** _RNG.uniform(-1, 1, 4), strict=True)
] + [(7.0, 7.0 * (1 + 1e-6)), (7.0, 7.0 * (1 - 1e-6)), (0.3, 0.3), (2.0, 2.0 * np.sqrt(1.25))]


@pytest.mark.parametrize("func", list(_BOX_INTEGRANDS), ids=lambda f: f.__name__)
def test_box_closed_forms_equal_feynman_integrals(func):
    """(A1)-(A6) = their Feynman-parameter integrals at random masses and m_Z' = m_chi(1 +- 1e-6),
    m_Z' = m_chi and at the switch to the series form (r - 1 = 0.25); 1e-6 relative (issue 6)."""
    m_chi = np.array([m for m, _ in _BOX_MASSES])
    m_zp = np.array([mz for _, mz in _BOX_MASSES])
    got = func(m_chi, m_zp)
    assert got.shape == m_chi.shape
    expected = [_feynman_box(func, m, mz) for m, mz in _BOX_MASSES]
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_box_functions_are_smooth_through_equal_masses():
    """The removable singularity at m_Z' = m_chi: values on a symmetric grid around r = 1 lie on
    a smooth curve (second differences of order h^2, not rounding noise amplified by 1/eps^4)."""
    eps = np.linspace(-1e-3, 1e-3, 21)
    for func in _BOX_INTEGRANDS:
        values = func(1.0, np.sqrt(1.0 + eps))
        second = values[2:] - 2 * values[1:-1] + values[:-2]
        assert np.all(np.abs(second) < 1e-6 * np.abs(values[1:-1])), func.__name__


@pytest.mark.parametrize("r", [1e12, 1e-12])
def test_box_functions_extreme_mass_ratios(r):
    """Leading terms of (A1)-(A6) for m_Z' >> m_chi and m_Z' << m_chi (relative corrections
    O(ln r / r) resp. O(r ln r), < 1e-9 here): no cancellation or overflow at extreme ratios."""
    m = 3.0
    mz = m * np.sqrt(r)
    L = np.log(r)
    if r > 1:
        expected = {
            pv.d0_b: (L - 1) / mz**4,
            pv.d1_b: (2 - L) / (2 * mz**4),
            pv.d00_b: -1 / (4 * mz**2),
            pv.d00_a_minus_b: (1 - L) / (4 * mz**2),
            pv.d11_a_minus_b: 1 / (6 * m**2 * mz**2),
            pv.d001_a_minus_b: (L - 2) / (12 * mz**2),
        }
    else:
        expected = {
            pv.d0_b: 1 / (m**2 * mz**2),
            pv.d1_b: (2 + L) / (2 * m**4),
            pv.d00_b: (1 + L) / (4 * m**2),
            pv.d00_a_minus_b: -1 / (4 * m**2),
            pv.d11_a_minus_b: -r * (5 + 2 * L) / (6 * m**4),
            pv.d001_a_minus_b: -r * (2 + L) / (12 * m**2),
        }
    for func, value in expected.items():
        assert func(m, mz) == pytest.approx(value, rel=1e-9), func.__name__


def test_box_functions_reject_bad_masses():
    with pytest.raises(ParameterError):
        pv.d0_b(0.0, 1.0)
    with pytest.raises(ParameterError):
        pv.d11_a_minus_b(1.0, -2.0)
    with pytest.raises(ParameterError):
        pv.d1_b(np.nan, 1.0)


# ---------------------------------------------------------------------------------------------
# B0, C0, D0 of (A11)-(A13) at p^2 = 0
# ---------------------------------------------------------------------------------------------


def _b0_finite(a, b):
    """B0(0, a, b) - Delta_UV = 1 - (a ln a - b ln b)/(a - b) (textbook closed form, a != b)."""
    return 1.0 - (a * np.log(a) - b * np.log(b)) / (a - b)


def _c0_closed(a, b):
    """C0(0, a, b) = -int_0^1 x/(x a + (1-x) b) dx = -[(a-b) - b ln(a/b)]/(a-b)^2."""
    return -((a - b) - b * np.log(a / b)) / (a - b) ** 2


def _d0_closed(a, b):
    """D0(0, a, b) = 1/2 int_0^1 x^2/(x a + (1-x) b)^2 dx = [d(1 + b/a) - 2b ln(a/b)]/(2 d^3)."""
    d = a - b
    return (d * (1 + b / a) - 2 * b * np.log(a / b)) / (2 * d**3)


_PAIRS = np.array([[1.0, 4.0], [4.0, 1.0], [1e-8, 1.0], [1.0, 1e-8], [2.5e3, 7.0], [1e-6, 1e6]])


def test_scalar_integrals_equal_closed_forms():
    """C0, D0, B0 differences against their closed forms, mass ratios up to 1e12 (1e-9)."""
    a, b = _PAIRS.T
    np.testing.assert_allclose(pv.c0(a, b), _c0_closed(a, b), rtol=1e-9)
    np.testing.assert_allclose(pv.d0(a, b), _d0_closed(a, b), rtol=1e-9)
    got = pv.b0_difference(a, 3.3, b)
    expected = _b0_finite(a, b) - _b0_finite(3.3, b)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_scalar_integrals_known_limits():
    """Equal masses: C0 = -1/(2m^2), D0 = 1/(6m^4), I(4,1) = -1/(12m^6); massless (l+p) line:
    C0 = -1/m^2, D0 = 1/(2m^4); B0(0,0,M^2) - B0(0,M^2,M^2) = 1; M = 0: -ln(m1^2/m2^2)."""
    m2 = 2.7
    assert pv.c0(m2, m2) == pytest.approx(-1 / (2 * m2), rel=1e-12)
    assert pv.d0(m2, m2) == pytest.approx(1 / (6 * m2**2), rel=1e-12)
    assert pv.scalar_vacuum_integral(m2, m2, 4, 1) == pytest.approx(-1 / (12 * m2**3), rel=1e-12)
    assert pv.c0(m2, 0.0) == pytest.approx(-1 / m2, rel=1e-12)
    assert pv.d0(m2, 0.0) == pytest.approx(1 / (2 * m2**2), rel=1e-12)
    assert pv.b0_difference(0.0, m2, m2) == pytest.approx(1.0, rel=1e-12)
    assert pv.b0_difference(3.0, 5.0, 0.0) == pytest.approx(-np.log(3 / 5), rel=1e-12)
    assert pv.b0_difference(5.0, 5.0, 2.0) == 0.0


@pytest.mark.parametrize("a, b", [(2.0, 9.0), (40.0, 0.3), (1.0, 1.0)])
def test_scalar_integral_derivatives_match_finite_differences(a, b):
    """dB0/dm^2 = C0, dC0/dm^2 = 2 D0, dD0/dm^2 = 3 I(4,1), dC0/dM^2 = I(2,2): central
    differences with step 1e-4 relative (truncation ~1e-8), compared at 1e-7."""
    h = 1e-4 * a

    def fd(f):
        return (f(a + h) - f(a - h)) / (2 * h)

    assert fd(lambda x: pv.b0_difference(x, 5.0, b)) == pytest.approx(pv.c0(a, b), rel=1e-7)
    assert fd(lambda x: pv.c0(x, b)) == pytest.approx(2 * pv.d0(a, b), rel=1e-7)
    assert fd(lambda x: pv.d0(x, b)) == pytest.approx(
        3 * pv.scalar_vacuum_integral(a, b, 4, 1), rel=1e-7
    )
    hb = 1e-4 * b
    dc0_db = (pv.c0(a, b + hb) - pv.c0(a, b - hb)) / (2 * hb)
    assert dc0_db == pytest.approx(pv.scalar_vacuum_integral(a, b, 2, 2), rel=1e-7)


def test_scalar_integrals_reject_divergent_input():
    with pytest.raises(ParameterError, match="positive"):
        pv.c0(0.0, 1.0)  # infrared divergent
    with pytest.raises(ParameterError, match="UV finite"):
        pv.scalar_vacuum_integral(1.0, 1.0, 1, 1)
    with pytest.raises(ParameterError, match="scaleless"):
        pv.b0_difference(0.0, 1.0, 0.0)


# ---------------------------------------------------------------------------------------------
# X1, X2, X3 (A8)-(A10) and F_G (A7)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "m_chi, m_zp, heavy_sq", [(3.0, 7.0, 200.0), (10.0, 30.0, 250.0), (1.0, 2.0, 1e12)]
)
def test_x_integrals_satisfy_paper_recursion(m_chi, m_zp, heavy_sq):
    """X_k from their momentum integrals equal Eqs. (A8)-(A10) built from the Feynman-parameter
    B0, C0, D0, 1e-9: well conditioned away from m~ = m_Z', also for m~ >> m_Z'."""
    c, s = m_chi**2, m_zp**2
    x1, x2, x3 = two_loop.x_integrals(m_chi, m_zp, heavy_sq)
    r1 = pv.b0_difference(s, heavy_sq, c) / (s - heavy_sq)
    r2 = (r1 - pv.c0(heavy_sq, c)) / (s - heavy_sq)
    r3 = (r2 - pv.d0(heavy_sq, c)) / (s - heavy_sq)
    assert x1 == pytest.approx(r1, rel=1e-9)
    assert x2 == pytest.approx(r2, rel=1e-9)
    assert x3 == pytest.approx(r3, rel=1e-9)


@pytest.mark.parametrize("m_zp, heavy_sq", [(7.0, 200.0), (7.0, 49.0), (50.0, 1e9)])
def test_x_derivatives_match_finite_differences(m_zp, heavy_sq):
    """dX_k/dm_Z'^2 (derivative=True) against central differences in m_Z'^2 (1e-7), including
    m~ = m_Z' where Eqs. (A8)-(A10) are 0/0."""
    m_chi, s = 3.0, m_zp**2
    h = 1e-4 * s
    up = np.array(two_loop.x_integrals(m_chi, np.sqrt(s + h), heavy_sq))
    down = np.array(two_loop.x_integrals(m_chi, np.sqrt(s - h), heavy_sq))
    got = np.array(two_loop.x_integrals(m_chi, m_zp, heavy_sq, derivative=True))
    np.testing.assert_allclose(got, (up - down) / (2 * h), rtol=1e-7)


def _radial(weights_sq, powers):
    """int d^4 l/(i pi^2) prod [l^2 - w]^-n = (-1)^N int_0^inf u du prod (u + w)^-n (scipy quad
    in ln u)."""
    n_total = sum(powers)
    logs = [np.log(w) for w in weights_sq]

    def f(t):
        u = np.exp(t)
        return u * u / np.prod([(u + w) ** n for w, n in zip(weights_sq, powers, strict=True)])

    value, _ = integrate.quad(
        f, min(logs) - 25, max(logs) + 45, points=logs, limit=400, epsabs=0, epsrel=1e-12
    )
    return (-1) ** n_total * value


def _f_g_reference(m_chi, m_zp, m_q):
    """Eq. (A7) over the full x range with scipy quad; dX_k/dm_Z'^2 = +-int of
    [l^2 - m_chi^2]^-1 [l^2 - m_Z'^2]^-2 [l^2 - m~^2]^-k."""
    c, s, q2 = m_chi**2, m_zp**2, m_q**2

    def integrand(x):
        h = q2 / (x * (1 - x))
        dx = [_radial([c, s, h], [1, 2, k]) for k in (1, 2, 3)]
        return (
            -3 * dx[0]
            + 3 * q2 * (1 + x - x**2) / (x * (1 - x)) ** 2 * dx[1]
            - 4 * q2**2 * (1 - 3 * x + 3 * x**2) / (x * (1 - x)) ** 3 * dx[2]
        )

    value, _ = integrate.quad(integrand, 0, 1, points=[0.01, 0.5, 0.99], limit=200, epsrel=1e-10)
    return value


@pytest.mark.parametrize(
    "m_chi, m_zp, m_q",
    [(53.0, 530.0, M_BOTTOM), (1000.0, 10000.0, M_BOTTOM), (100.0, 20.0, 1270.0)],
)
def test_f_g_matches_direct_quadrature(m_chi, m_zp, m_q):
    """F_G (fixed grids, symmetric x range) against adaptive quad of Eq. (A7) over 0 < x < 1,
    including m~ = m_Z' inside the x range (second case) and m_Z' < m_chi (third); 1e-7."""
    assert two_loop.f_g(m_chi, m_zp, m_q) == pytest.approx(
        _f_g_reference(m_chi, m_zp, m_q), rel=1e-7
    )


@pytest.mark.parametrize("m_chi, m_zp", [(1.0, 3.0), (5.0, 0.5)])
def test_f_g_heavy_quark_limit(m_chi, m_zp):
    """m_q >> m_chi, m_Z': dX1 -> K/m~^2, dX2 -> -K/m~^4, dX3 -> K/m~^6 with
    K = int u du/((u + m_chi^2)(u + m_Z'^2)^2) = -4 D_00^b (A6), so the integrand of (A7) tends to
    -(7 - 6x(1-x)) K/m_q^2 and F_G -> 24 D_00^b/m_q^2. Corrections O(m_Z'^2/m_q^2 ln) < 1e-7."""
    m_q = 1e5
    expected = 24 * pv.d00_b(m_chi, m_zp) / m_q**2
    assert two_loop.f_g(m_chi, m_zp, m_q) == pytest.approx(expected, rel=1e-6)


def test_f_g_vectorised_over_masses():
    m_chi = np.array([[0.1], [10.0]])
    m_zp = np.array([0.2, 100.0, 5.0])
    got = two_loop.f_g(m_chi, m_zp, M_BOTTOM)
    assert got.shape == (2, 3)
    assert got[1, 2] == pytest.approx(two_loop.f_g(10.0, 5.0, M_BOTTOM), rel=1e-14)


# ---------------------------------------------------------------------------------------------
# c1, c2, c3 and Eq. (26)
# ---------------------------------------------------------------------------------------------

# physics-notes "Paper 000": micrOMEGAs f_Tq and twist-2 moments q(2) + qbar(2) (proton; the
# neutron swaps u and d). Down-philic: only d, s (scalar), b (gluon), d, s, b (twist 2).
_F_T = {"p": {"d": 0.0191, "s": 0.0447}, "n": {"d": 0.0273, "s": 0.0447}}
_F_TG = {"p": 1 - 0.0153 - 0.0191 - 0.0447, "n": 1 - 0.0110 - 0.0273 - 0.0447}
_TWIST = {"p": {"d": 0.146, "s": 0.052, "b": 0.024}, "n": {"d": 0.254, "s": 0.052, "b": 0.024}}


def _notes_sums(isotope, nucleon_weight):
    Z, N = isotope.Z, isotope.N
    light = sum(Z * M_PROTON * _F_T["p"][q] + N * M_NEUTRON * _F_T["n"][q] for q in ("d", "s"))
    gluon = Z * M_PROTON * _F_TG["p"] + N * M_NEUTRON * _F_TG["n"]
    twist = sum(
        Z * _TWIST["p"][q] * nucleon_weight(M_PROTON)
        + N * _TWIST["n"][q] * nucleon_weight(M_NEUTRON)
        for q in ("d", "s", "b")
    )
    return light, gluon, twist


@pytest.mark.parametrize("m_chi, m_zp", [(10.0, 100.0), (53.0, 106.0)])
def test_case_a_coefficients_from_physics_notes_inputs(m_chi, m_zp):
    """Eqs. (27)-(29) with kappa = -4, kappa' = -3 and the physics-notes hadronic numbers typed
    here (1e-3: the notes round the twist-2 moments to 3 digits); the 'nucleon' twist-2 reading
    weighs each nucleon by m_N/M^2 instead of 1/m_N."""
    loop = 1 / (4 * np.pi) ** 2
    for reading, weight in (
        ("paper", lambda m_n: 1 / m_n),
        ("nucleon", lambda m_n: m_n / CS133.mass**2),
    ):
        light, gluon, twist = _notes_sums(CS133, weight)
        d0b = pv.d0_b(m_chi, m_zp)
        c1 = -loop * m_chi * (-4 * d0b + 8 / m_zp**2 * pv.d00_a_minus_b(m_chi, m_zp)) * light
        c1 += 3 * loop * m_chi * 2 / 27 * d0b * gluon
        bracket = 16 / m_zp**2 * (
            4 * pv.d001_a_minus_b(m_chi, m_zp) + pv.d00_a_minus_b(m_chi, m_zp)
        ) + 8 * (pv.d1_b(m_chi, m_zp) + d0b)
        c2 = loop * bracket * twist
        c3 = -loop * 8 * m_chi / m_zp**2 * pv.d11_a_minus_b(m_chi, m_zp) * twist
        got = loop_coefficients_per_x2(CS133, m_chi, m_zp, "A", twist2=reading)
        assert got.c1 == pytest.approx(c1, rel=1e-3)
        assert got.c2 == pytest.approx(c2, rel=1e-3)
        assert got.c3 == pytest.approx(c3, rel=1e-3)


def test_case_b_reduces_to_case_a_without_its_extra_terms():
    """Case B with the pNGB terms of Eqs. (30)-(32) switched off differs from case A only through
    kappa (12 vs -4) and kappa' (13 vs -3) in c1; with kappa, kappa' of case A it is case A."""
    m_chi, m_zp = np.array([1.0, 53.0, 300.0]), np.array([10.0, 106.0, 3000.0])
    a = loop_coefficients_per_x2(CS133, m_chi, m_zp, "A")
    b_full = loop_coefficients_per_x2(CS133, m_chi, m_zp, "B")
    b_bare = loop_coefficients_per_x2(CS133, m_chi, m_zp, LoopCase("B-bare", 12.0, 13.0, False))
    a_like = loop_coefficients_per_x2(CS133, m_chi, m_zp, LoopCase("A-like", -4.0, -3.0, False))
    for name in ("c1", "c2", "c3"):
        np.testing.assert_array_equal(getattr(a_like, name), getattr(a, name))
        assert np.all(getattr(b_full, name) != getattr(b_bare, name))  # the extra terms exist
    np.testing.assert_array_equal(b_bare.c2, a.c2)
    np.testing.assert_array_equal(b_bare.c3, a.c3)
    light, gluon, _ = _notes_sums(CS133, lambda m_n: 1 / m_n)
    shift = -16 / (4 * np.pi) ** 2 * m_chi * pv.d0_b(m_chi, m_zp) * (light + 2 / 27 * gluon)
    np.testing.assert_allclose(b_bare.c1 - a.c1, shift, rtol=1e-4)


@pytest.mark.parametrize("case", ["A", "B"])
@pytest.mark.parametrize("reading", ["paper", "nucleon"])
def test_loop_cross_section_has_dimension_of_area_per_energy(monkeypatch, case, reading):
    """Scale every mass and energy (m_chi, m_Z', E, T, nuclear, nucleon and quark masses) by
    lambda: dsigma/dT per x^4 must scale as lambda^-3 (area per energy). F = 1 so the form
    factor's fixed length scale does not enter. 1e-9 relative."""
    lam = 3.7
    E, T = np.array([[20.0], [45.0]]), np.array([1e-3, 3e-3, 6e-3])
    kwargs = dict(m_chi=30.0, m_zprime=75.0, case=case, form_factor="unity", twist2=reading)
    base = loop_dsigma_dT_per_x4(E, T, isotope=CS133, **kwargs)
    monkeypatch.setattr(elastic, "M_PROTON", lam * M_PROTON)
    monkeypatch.setattr(elastic, "M_NEUTRON", lam * M_NEUTRON)
    for q, mass in list(elastic.QUARK_MASSES.items()):
        monkeypatch.setitem(elastic.QUARK_MASSES, q, lam * mass)
    nucleus = SimpleNamespace(Z=CS133.Z, N=CS133.N, A=CS133.A, mass=lam * CS133.mass)
    kwargs.update(m_chi=lam * 30.0, m_zprime=lam * 75.0)
    scaled = loop_dsigma_dT_per_x4(lam * E, lam * T, isotope=nucleus, **kwargs)
    assert np.all(base > 0)
    np.testing.assert_allclose(scaled, base * lam**-3, rtol=1e-9)


def test_loop_cross_section_kinematics_and_broadcasting():
    """Zero at T = 0 and above T_max = 2E^2/(M + 2E); non-negative; masses broadcast against
    E and T and agree with scalar calls."""
    M = CS133.mass
    E = np.array([[10.0], [50.0]])
    t_max = 2 * E**2 / (M + 2 * E)
    T = np.concatenate([np.zeros((2, 1)), t_max * [[0.5, 0.999, 1.001, 2.0]]], axis=1)
    value = loop_dsigma_dT_per_x4(E, T, isotope=CS133, m_chi=20.0, m_zprime=40.0, case="B")
    assert np.all(value[:, [0, 3, 4]] == 0.0)
    assert np.all(value[:, [1, 2]] > 0.0)
    m_chi = np.array([5.0, 80.0])[:, None, None]
    grid = loop_dsigma_dT_per_x4(
        np.array([15.0, 40.0])[:, None], np.array([2e-3, 8e-3]), isotope=CS133,
        m_chi=m_chi, m_zprime=2 * m_chi, case="B",
    )  # fmt: skip
    assert grid.shape == (2, 2, 2)
    single = loop_dsigma_dT_per_x4(40.0, 8e-3, isotope=CS133, m_chi=80.0, m_zprime=160.0, case="B")
    assert grid[1, 1, 1] == pytest.approx(single, rel=1e-13)


def test_loop_cross_section_rejects_bad_input():
    kwargs = dict(isotope=CS133, m_chi=10.0, m_zprime=20.0)
    with pytest.raises(ParameterError, match="loop case"):
        loop_dsigma_dT_per_x4(30.0, 0.01, case="C", **kwargs)
    with pytest.raises(ParameterError, match="twist-2 reading"):
        loop_dsigma_dT_per_x4(30.0, 0.01, twist2="other", **kwargs)
    with pytest.raises(ParameterError):
        loop_dsigma_dT_per_x4(-1.0, 0.01, **kwargs)
    with pytest.raises(ParameterError):
        loop_dsigma_dT_per_x4(30.0, 0.01, isotope=CS133, m_chi=-1.0, m_zprime=20.0)


# ---------------------------------------------------------------------------------------------
# Twist-2 coherent sum and the small-mass behaviour of c1..c3 (docs/physics-decisions.md,
# "Paper 000 Fig. 4: loop normalisation investigation")
# ---------------------------------------------------------------------------------------------

_PROTON = SimpleNamespace(Z=1, N=0, A=1, mass=M_PROTON)
_NEUTRON = SimpleNamespace(Z=0, N=1, A=1, mass=M_NEUTRON)


@pytest.mark.parametrize("case", ["A", "B"])
def test_nucleus_amplitudes_are_coherent_sums_of_nucleon_amplitudes(case):
    """Eq. (26) treats the nucleus as one Dirac particle with coefficients of k1.p1 = M E. Summing
    the nucleon amplitudes of Eq. (17) (each nucleon carries k_N = (m_N/M) k1) gives
    c1_A = sum c1_N and M^2 c_A = sum m_N^2 c_N for the twist-2 c2, c3 (quark momentum fractions
    add). The default reading obeys this to rounding; the printed sums of Eqs. (28)-(29) miss it
    by ~A^2. A single nucleon is the limit in which both readings coincide."""
    m_chi, m_zp = np.array([0.5, 53.0, 400.0]), np.array([5.0, 106.0, 4000.0])
    M = CS133.mass
    p = loop_coefficients_per_x2(_PROTON, m_chi, m_zp, case)
    n = loop_coefficients_per_x2(_NEUTRON, m_chi, m_zp, case)
    for reading in ("paper", "nucleon"):
        single = loop_coefficients_per_x2(_PROTON, m_chi, m_zp, case, twist2=reading)
        for name in ("c1", "c2", "c3"):
            np.testing.assert_allclose(getattr(single, name), getattr(p, name), rtol=1e-14)
    nucleus = loop_coefficients_per_x2(CS133, m_chi, m_zp, case)
    printed = loop_coefficients_per_x2(CS133, m_chi, m_zp, case, twist2="paper")
    Z, N = CS133.Z, CS133.N
    np.testing.assert_allclose(nucleus.c1, Z * p.c1 + N * n.c1, rtol=1e-12)
    np.testing.assert_allclose(printed.c1, nucleus.c1, rtol=1e-14)
    for name in ("c2", "c3"):
        coherent = Z * M_PROTON**2 * getattr(p, name) + N * M_NEUTRON**2 * getattr(n, name)
        np.testing.assert_allclose(M**2 * getattr(nucleus, name), coherent, rtol=1e-12)
        excess = getattr(printed, name) / getattr(nucleus, name)
        np.testing.assert_allclose(excess, (M / M_PROTON) ** 2, rtol=0.01)  # ~ A^2


def test_case_a_coefficients_scale_with_the_masses_at_fixed_ratio():
    """Case A has no quark-mass weights, so at fixed m_Z'/m_chi the coefficients are homogeneous
    in the loop masses: c1 ~ m^-3, c2 ~ m^-4, c3 ~ m^-5 (dimensions MeV^-2, -5, -6 with the
    hadronic factors MeV^1, MeV^-1, MeV^-1 fixed). Hence sigma_loop ~ m^-10 where c3 dominates."""
    m_chi, ratio, lam = np.array([0.1, 7.0, 300.0]), 3.0, 0.01
    base = loop_coefficients_per_x2(CS133, m_chi, ratio * m_chi, "A")
    scaled = loop_coefficients_per_x2(CS133, lam * m_chi, lam * ratio * m_chi, "A")
    for name, power in (("c1", -3), ("c2", -4), ("c3", -5)):
        np.testing.assert_allclose(getattr(scaled, name), getattr(base, name) * lam**power, 1e-12)


def test_case_a_coefficients_for_m_chi_much_below_m_zprime():
    """m_chi -> 0 at fixed m_Z', L = ln(m_Z'^2/m_chi^2), from the limits of (A1)-(A6):
    c1 -> -m_chi (L - 1)/m_Z'^4 [(kappa - 2) S_light + kappa' (2/27) S_gluon]/(16 pi^2) -> 0 (the
    chirality flip), c2 -> [(16/3) L - 20/3] S_twist/(16 pi^2 m_Z'^4) (logarithmic), and
    c3 -> -(4/3) S_twist/(16 pi^2 m_chi m_Z'^4), which grows like 1/m_chi: D_11^a - D_11^b ->
    1/(6 m_chi^2 m_Z'^2) is infrared sensitive (two massless lines at zero external momentum).
    Corrections O(ln r/r) < 1e-9 at r = 1e12; sums from the physics-notes numbers (1e-3)."""
    m_zp = 50.0
    m_chi = m_zp * 1e-6
    L = np.log((m_zp / m_chi) ** 2)
    loop = 1 / (4 * np.pi) ** 2
    light, gluon, twist = _notes_sums(CS133, lambda m_n: m_n / CS133.mass**2)
    got = loop_coefficients_per_x2(CS133, m_chi, m_zp, "A")
    c1 = -loop * m_chi * (L - 1) / m_zp**4 * ((-4 - 2) * light + (-3) * 2 / 27 * gluon)
    assert got.c1 == pytest.approx(c1, rel=1e-3)
    assert got.c2 == pytest.approx(loop * (16 / 3 * L - 20 / 3) * twist / m_zp**4, rel=1e-3)
    assert got.c3 == pytest.approx(-loop * 4 / 3 * twist / (m_chi * m_zp**4), rel=1e-3)


@pytest.mark.parametrize("case", ["A", "B"])
def test_loop_cross_section_from_its_energy_terms_is_eq26_as_printed(case):
    """The cross section is evaluated from its coefficients in E^2..E^-2 (what the folding
    engine integrates in closed form); it equals Eq. (26) written out from c1, c2, c3,
    M^3/(8 pi) F^2 (2M + T) [T (c1/(M E) + c3 M E)^2 + c2^2 (2ME(E - T) - M^2 T)], to 1e-11 where
    the recoil is reachable, from near the kinematic threshold to far above it; the terms are
    zero at T = 0. The same for the interference (module docstring formula)."""
    from upscatter.form_factors import nuclear_form_factor
    from upscatter.xsec.loops import (
        loop_dsigma_terms_per_x4,
        loop_sm_interference_dsigma_dT_per_x2,
    )
    from upscatter.xsec.sm import weak_charge

    M = CS133.mass
    m_chi, m_zp = np.array([[[3.0]], [[40.0]]]), np.array([[[9.0]], [[100.0]]])
    E = np.array([10.0, 30.0, 52.0])[:, None]
    t_max = 2 * E**2 / (M + 2 * E)
    T = t_max * np.array([1e-4, 0.3, 0.9, 0.999999])
    coeff = loop_coefficients_per_x2(CS133, m_chi, m_zp, case)
    c1, c2, c3 = coeff.c1, coeff.c2, coeff.c3
    prefactor = M**3 / (8 * np.pi) * nuclear_form_factor(T, CS133) ** 2 * (2 * M + T)
    bracket = 2 * M * E * (E - T) - M**2 * T
    printed = prefactor * (T * (c1 / (M * E) + c3 * M * E) ** 2 + c2**2 * bracket)
    value = loop_dsigma_dT_per_x4(E, T, isotope=CS133, m_chi=m_chi, m_zprime=m_zp, case=case)
    np.testing.assert_allclose(value, printed, rtol=1e-11, atol=0)
    a_sm = -np.sqrt(2) * G_FERMI * weak_charge(CS133) / M
    for sign, antineutrino in ((1.0, False), (-1.0, True)):
        printed = sign * prefactor * 2 * c2 * a_sm / (M * E) * bracket
        value = loop_sm_interference_dsigma_dT_per_x2(
            E, T, isotope=CS133, m_chi=m_chi, m_zprime=m_zp, antineutrino=antineutrino, case=case
        )
        np.testing.assert_allclose(value, printed, rtol=1e-9, atol=0)
    terms = loop_dsigma_terms_per_x4(np.zeros(2), isotope=CS133, m_chi=5.0, m_zprime=20.0)
    assert terms.shape == (2, 5) and np.all(terms == 0.0)


def test_f_g_is_cached_by_value_and_returns_its_own_array():
    """F_G (the costly two-loop integral) is cached on the values of its arguments, shared by
    every isotope and twist-2 reading at one set of masses: repeated calls agree exactly, and
    changing a returned array does not change the next call's result."""
    m_chi, m_zp = np.array([2.0, 20.0]), np.array([4.0, 60.0])
    first = two_loop.f_g(m_chi, m_zp, M_BOTTOM)
    expected = first.copy()
    first[:] = 0.0
    np.testing.assert_array_equal(two_loop.f_g(m_chi, m_zp, M_BOTTOM), expected)
    np.testing.assert_array_equal(two_loop.f_g(m_chi[1:], m_zp[1:], M_BOTTOM), expected[1:])
    with pytest.raises(ParameterError, match="m_chi"):
        two_loop.f_g(-1.0, 4.0, M_BOTTOM)
