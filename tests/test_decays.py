"""Decays of chi and V (paper 003 Eqs. (25)-(27), Sec. IV D) against independent derivations.

Derivations and the choices tested here: docs/physics-decisions.md, "Decays (paper 003 Eqs.
(25)-(27))".
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate

from upscatter import decays
from upscatter.constants import (
    ALPHA_EM,
    G_FERMI,
    M_ELECTRON,
    M_TOP,
    M_W,
    SECONDS_AGE_OF_UNIVERSE,
)
from upscatter.errors import ParameterError
from upscatter.units import HBAR_MEV_S

TWO_ME = 2.0 * M_ELECTRON
SPEED_OF_LIGHT_M_S = 299_792_458.0  # exact (SI 2019), independent of units.m


# --- thresholds ------------------------------------------------------------------------------


def test_two_body_vanishes_at_and_below_threshold_and_is_positive_above():
    m_v = 10.0
    below = decays.width_chi_to_v_nu([0.0, 1.0, 9.99, m_v], m_v, 1e-3)
    assert np.all(below == 0.0)
    above = decays.width_chi_to_v_nu([np.nextafter(m_v, np.inf), 10.001, 50.0], m_v, 1e-3)
    assert np.all(above > 0.0)


@pytest.mark.parametrize("m_v", [1e-3, 0.5, 100.0])
def test_three_body_vanishes_at_and_below_2me_and_is_positive_above(m_v):
    """m_V = 1 keV and 0.5 MeV (< 2 m_e) and 100 MeV (heavy): the window choice plays no role."""
    closed = decays.width_chi_to_nu_ee([0.0, 0.3, 1.0, TWO_ME], m_v, 1e-3, 1e-3)
    assert np.all(closed == 0.0)
    above = decays.width_chi_to_nu_ee([TWO_ME * (1 + 1e-3), 1.5, 10.0, 50.0], m_v, 1e-3, 1e-3)
    assert np.all(above > 0.0) and np.all(np.isfinite(above))


def test_three_body_is_zero_in_the_resonant_window_and_finite_at_its_edge():
    """Choice 2 (docs): 2 m_e <= m_V < m_chi is the on-shell cascade, counted in chi -> V nu."""
    m_chi = 20.0
    inside = decays.width_chi_to_nu_ee(m_chi, [TWO_ME, 5.0, np.nextafter(m_chi, 0)], 1e-3, 1e-3)
    assert np.all(inside == 0.0)
    assert np.all(decays.width_chi_to_v_nu(m_chi, [TWO_ME, 5.0], 1e-3) > 0)
    # at m_V = m_chi the integrand stays finite ((1-y)^2 cancels the double pole at y = 1)
    edge = decays.width_chi_to_nu_ee(m_chi, m_chi, 1e-3, 1e-3)
    assert 0 < edge < np.inf


def test_v_to_ee_vanishes_at_and_below_threshold_and_is_positive_above():
    assert np.all(decays.width_v_to_ee([1e-3, 1.0, TWO_ME], 1e-3) == 0.0)
    assert np.all(decays.width_v_to_ee([np.nextafter(TWO_ME, 2), 1.1, 100.0], 1e-3) > 0.0)


# --- two-body width --------------------------------------------------------------------------


def test_two_body_is_the_textbook_top_decay_width():
    """chi -> V nu has the structure of t -> b W (massless b): with g_chi = g_W/sqrt(2),
    g_W^2 = 4 sqrt(2) G_F m_W^2, Gamma = G_F m_t^3 (1 - r)^2 (1 + 2r) / (8 sqrt(2) pi),
    r = m_W^2/m_t^2 (e.g. PDG review "The top quark"). Tolerance 1e-12 (rounding)."""
    g_chi = np.sqrt(2.0 * np.sqrt(2.0) * G_FERMI * M_W**2)
    r = (M_W / M_TOP) ** 2
    expected = G_FERMI * M_TOP**3 * (1 - r) ** 2 * (1 + 2 * r) / (8 * np.sqrt(2) * np.pi)
    assert decays.width_chi_to_v_nu(M_TOP, M_W, g_chi) == pytest.approx(expected, rel=1e-12)


def test_two_body_matches_paper_form_of_eq_25():
    """Paper 003 Eq. (25), first line, as printed: g^2 m/(32 pi) (1 - r)(1 + 1/r - 2r)."""
    m_chi, m_v, g = np.array([2.0, 30.0, 50.0]), np.array([1.0, 0.01, 49.0]), 3e-4
    r = m_v**2 / m_chi**2
    paper = g**2 / (32 * np.pi) * m_chi * (1 - r) * (1 + 1 / r - 2 * r)
    assert np.allclose(decays.width_chi_to_v_nu(m_chi, m_v, g), paper, rtol=1e-10, atol=0)


# --- three-body width ------------------------------------------------------------------------


def test_point_like_limit_is_muon_decay_like():
    """m_V >> m_chi >> m_e: Gamma = g_chi^2 g_f^2 m_chi^5 / (768 pi^3 m_V^4), derived in docs by
    splitting the electron vector current into L and R pieces, each muon-decay-like with
    G_F/sqrt(2) = g_chi g_f / (4 m_V^2). Corrections here: 12 m_e^2/m_chi^2 ~ 3e-8 and
    2 m_chi^2/m_V^2 ~ 2e-8; tolerance 1e-6. Also the m_chi^5 / m_V^4 scaling."""
    g_chi, g_f, m_chi, m_v = 2e-3, 5e-4, 1.0e4, 1.0e8
    point_like = g_chi**2 * g_f**2 * m_chi**5 / (768 * np.pi**3 * m_v**4)
    width = decays.width_chi_to_nu_ee(m_chi, m_v, g_chi, g_f)
    assert width == pytest.approx(point_like, rel=1e-6)
    scaled = decays.width_chi_to_nu_ee(2 * m_chi, 3 * m_v, g_chi, g_f)
    assert scaled / width == pytest.approx(2**5 / 3**4, rel=1e-6)


def _hnl_f1_plus_half_f2(mu):
    """f1(x) + f2(x)/2, x^2 = mu: the vector-current (g_L = g_R) combination of the functions of
    HNL decays N -> nu l+ l- (Bondarenko, Boyarsky, Gorbunov, Ruchayskiy, JHEP 11 (2018) 032,
    Sec. 3.1.2; also Gorbunov and Shaposhnikov, JHEP 10 (2007) 015)."""
    root = np.sqrt(1 - 4 * mu)
    log = np.log((1 - 3 * mu - (1 - mu) * root) / (mu * (1 + root)))
    f1 = (1 - 14 * mu - 2 * mu**2 - 12 * mu**3) * root + 12 * mu**2 * (mu**2 - 1) * log
    f2 = 4 * (mu * (2 + 10 * mu - 12 * mu**2) * root + 6 * mu**2 * (1 - 2 * mu + 2 * mu**2) * log)
    return f1 + f2 / 2


@pytest.mark.parametrize("m_chi", [1.2, 2.0, 5.0, 50.0])
def test_heavy_mediator_limit_with_electron_mass_matches_hnl_functions(m_chi):
    """m_V^4 I -> f1 + f2/2 (paper 003 quotes this limit with I_1, I_2 of its Ref. [123]).
    m_V = 1e5 m_chi, so propagator corrections are ~1e-10; tolerance 1e-8."""
    m_v = 1e5 * m_chi
    mu = (M_ELECTRON / m_chi) ** 2
    value = decays.phase_space_integral(m_chi, m_v) * m_v**4
    assert value == pytest.approx(_hnl_f1_plus_half_f2(mu), rel=1e-8)


def _paper_eq26_integrand(x1, m_chi, m_v):
    """Paper 003 Eq. (26) integrand, transcribed as printed (MeV^-4)."""
    mu = (M_ELECTRON / m_chi) ** 2
    a = 1 - x1
    lam = max(a**2 + mu**2 + mu**2 - 2 * a * mu - 2 * a * mu - 2 * mu * mu, 0.0)  # Kallen
    brace = 6 * (1 + 2 * mu) - x1 * (15 + lam + 24 * mu + 3 * x1**2 - 12 * x1 * (1 + mu))
    return np.sqrt(lam) / (m_chi**2 * (1 - x1) - m_v**2) ** 2 * x1**2 / (1 - x1) ** 3 * brace


CASES = [
    (5.0, 1e-3),  # light mediator: both channels open
    (5.0, 0.9),  # V pole just below the e+ e- threshold
    (1.5, 1.5),  # m_V = m_chi
    (40.0, 40.5),  # pole just above the end point
    (3.0, 20.0),
    (1.2, 300.0),  # close to threshold, heavy mediator
    (50.0, 1e-5),
]


@pytest.mark.parametrize(("m_chi", "m_v"), CASES)
def test_phase_space_integral_equals_paper_eq26_as_printed(m_chi, m_v):
    """The code integrates a simplified integrand; quad of Eq. (26) as printed (in the variable
    ln(1 - x1), which spreads the light-mediator peak) must agree. The printed brace cancels to
    2 y (1+2y)(y+2mu) ~ 1e-8 at small y = 1 - x1 for m_chi = 50 MeV, which limits the reference
    to ~1e-7 there: tolerance 1e-6."""
    mu = (M_ELECTRON / m_chi) ** 2

    def f(sigma):
        one_minus_x1 = np.exp(sigma)
        return _paper_eq26_integrand(1 - one_minus_x1, m_chi, m_v) * one_minus_x1

    ref, _ = integrate.quad(f, np.log(4 * mu), 0.0, epsabs=0, epsrel=1e-8, limit=400)
    assert decays.phase_space_integral(m_chi, m_v) == pytest.approx(ref, rel=1e-6)


def _dalitz_width(m_parent, msq, masses):
    """Gamma = 1/(256 pi^3 M^3) int dm12^2 dm23^2 <|M|^2> (PDG kinematics review, Dalitz plot),
    with particles 1, 2, 3 of masses ``masses``; ``msq(m12sq, m23sq)``. The m12^2 integral is done
    in ln(m12^2 - (m1 + m2)^2) so that peaks at the lower end are resolved."""
    m1, m2, m3 = masses
    lo12, hi12 = (m1 + m2) ** 2, (m_parent - m3) ** 2

    def m23_range(m12sq):
        m12 = np.sqrt(m12sq)
        e2 = (m12sq - m1**2 + m2**2) / (2 * m12)
        e3 = (m_parent**2 - m12sq - m3**2) / (2 * m12)
        p2, p3 = np.sqrt(max(e2**2 - m2**2, 0.0)), np.sqrt(max(e3**2 - m3**2, 0.0))
        return (e2 + e3) ** 2 - (p2 + p3) ** 2, (e2 + e3) ** 2 - (p2 - p3) ** 2

    def inner(sigma):
        m12sq = lo12 + np.exp(sigma)
        a, b = m23_range(m12sq)
        value, _ = integrate.quad(lambda m23sq: msq(m12sq, m23sq), a, b, epsrel=1e-11, epsabs=0)
        return value * np.exp(sigma)

    lo = np.log((hi12 - lo12) * 1e-14) if lo12 == 0 else np.log(lo12 * 1e-12)
    total, _ = integrate.quad(inner, lo, np.log(hi12 - lo12), epsrel=1e-10, epsabs=0, limit=200)
    return total / (256 * np.pi**3 * m_parent**3)


def test_dalitz_routine_reproduces_muon_decay():
    """Validation of the reference integrator: <|M|^2> = 64 G_F^2 (p_mu.p_nuebar)(p_e.p_numu)
    with massless final states gives G_F^2 m^5 / (192 pi^3). Particles 1 = e, 2 = nu_e bar,
    3 = nu_mu; m13^2 = m^2 - m12^2 - m23^2. Tolerance 1e-8."""
    m = 105.6583755
    g = G_FERMI

    def msq(m12sq, m23sq):
        m13sq = m**2 - m12sq - m23sq
        return 16 * g**2 * (m**2 - m13sq) * m13sq

    width = _dalitz_width(m, msq, (0.0, 0.0, 0.0))
    assert width == pytest.approx(g**2 * m**5 / (192 * np.pi**3), rel=1e-8)


@pytest.mark.parametrize(("m_chi", "m_v"), CASES[:5])
def test_three_body_width_against_dalitz_integration(m_chi, m_v):
    """Independent route: the spin-averaged squared matrix element from the traces (docs),
    <|M|^2> = 2 g^4 [(t - m^2)(M^2 + m^2 - t) + (u - m^2)(M^2 + m^2 - u) + 2 m^2 (M^2 - s)]
    / (s - m_V^2)^2, with s = m(e-e+)^2, t = m(e- nu)^2, u = m(e+ nu)^2 = M^2 + 2m^2 - s - t,
    integrated over the Dalitz plot. Tolerance 1e-7."""
    m = M_ELECTRON
    g_chi, g_f = 1.0, 1.0

    def msq(s, t):
        u = m_chi**2 + 2 * m**2 - s - t
        bracket = (
            (t - m**2) * (m_chi**2 + m**2 - t)
            + (u - m**2) * (m_chi**2 + m**2 - u)
            + 2 * m**2 * (m_chi**2 - s)
        )
        return 2 * g_chi**2 * g_f**2 * bracket / (s - m_v**2) ** 2

    reference = _dalitz_width(m_chi, msq, (m, m, 0.0))
    width = decays.width_chi_to_nu_ee(m_chi, m_v, g_chi, g_f)
    assert width == pytest.approx(reference, rel=1e-7)


def test_integral_is_accurate_over_a_wide_grid():
    """Fixed Gauss-Legendre grid against adaptive quad of the same y-integral over masses from
    near threshold to 10 GeV and mediators from 1 eV to 1 TeV. Tolerance 1e-9."""
    m_chis = [1.0225, 1.3, 4.0, 53.0, 1.0e4]
    m_vs = [1e-6, 0.9, TWO_ME * (1 - 1e-6), 1.0e3, 1.0e6]
    for m_chi in m_chis:
        mu = (M_ELECTRON / m_chi) ** 2
        for m_v in m_vs:
            rho = (m_v / m_chi) ** 2
            if 4 * mu <= rho < 1:
                continue  # resonant window, tested above

            def f(sigma, mu=mu, rho=rho):
                y = 4 * mu + np.exp(sigma)
                return (
                    (1 - y) ** 2
                    * (1 + 2 * y)
                    * (y + 2 * mu)
                    * np.sqrt(1 - 4 * mu / y)
                    / (y * (y - rho) ** 2)
                    * np.exp(sigma)
                )

            lo = np.log(4 * mu * 1e-14)
            ref, _ = integrate.quad(f, lo, np.log(1 - 4 * mu), epsabs=0, epsrel=1e-12, limit=400)
            value = decays.phase_space_integral(m_chi, m_v) * m_chi**4 / 2
            assert value == pytest.approx(ref, rel=1e-9), (m_chi, m_v)


# --- V -> e+ e- ------------------------------------------------------------------------------


def test_v_to_ee_heavy_limit():
    """m_V >> m_e: Gamma -> g_f^2 m_V / (12 pi); correction -6 m_e^4/m_V^4 < 5e-9 here."""
    m_v = np.array([100.0, 1.0e3, 1.0e4])
    expected = 0.3**2 * m_v / (12 * np.pi)
    assert np.allclose(decays.width_v_to_ee(m_v, 0.3), expected, rtol=1e-8, atol=0)


def test_v_to_ee_is_the_dark_photon_width():
    """With g_f = eps e (e^2 = 4 pi alpha) Eq. (27) is the dark-photon width
    alpha eps^2 m_V / 3 (1 + 2 m_e^2/m_V^2) sqrt(1 - 4 m_e^2/m_V^2) (PDG dark-photon review)."""
    eps, m_v = 1e-4, np.array([1.03, 1.5, 17.0])
    x = (M_ELECTRON / m_v) ** 2
    expected = ALPHA_EM * eps**2 * m_v / 3 * (1 + 2 * x) * np.sqrt(1 - 4 * x)
    g_f = eps * np.sqrt(4 * np.pi * ALPHA_EM)
    assert np.allclose(decays.width_v_to_ee(m_v, g_f), expected, rtol=1e-12, atol=0)


# --- totals, lifetime, decay length ----------------------------------------------------------


def test_total_width_sums_channels_over_flavours():
    m_chi, m_v, g = np.array([5.0, 5.0, 20.0]), np.array([1e-3, 10.0, 5.0]), 1e-4
    per_flavour = decays.width_chi_to_v_nu(m_chi, m_v, g) + decays.width_chi_to_nu_ee(
        m_chi, m_v, g, g
    )
    assert np.allclose(decays.total_width(m_chi, m_v, g, g), 3 * per_flavour, rtol=1e-14)
    assert np.allclose(decays.total_width(m_chi, m_v, g, g, n_flavours=1), per_flavour, rtol=1e-14)
    br = decays.branching_ratios(m_chi, m_v, g, g)
    assert np.allclose(br["V nu"] + br["nu e+ e-"], 1.0)
    assert br["nu e+ e-"][1] == 1.0 and br["V nu"][2] == 1.0


def test_lifetime_and_decay_length():
    """tau = hbar/Gamma; L = sqrt(gamma^2 - 1) c tau with c = 299792458 m/s (1e-9)."""
    m_chi, m_v, g = 20.0, 10.0, 1e-4
    width = decays.total_width(m_chi, m_v, g, g)
    tau = decays.lifetime(m_chi, m_v, g, g)
    assert tau == pytest.approx(HBAR_MEV_S / width, rel=1e-14)
    gamma = 2.5
    length = decays.decay_length(gamma * m_chi, m_chi, m_v, g, g)
    assert length == pytest.approx(np.sqrt(gamma**2 - 1) * SPEED_OF_LIGHT_M_S * tau, rel=1e-9)
    assert decays.decay_length(m_chi, m_chi, m_v, g, g) == 0.0  # at rest
    assert decays.decay_length(30.0, 0.5, 10.0, g, g) == np.inf  # stable
    assert decays.lifetime(0.5, 10.0, g, g) == np.inf


def test_vectorised_over_mass_grids_matches_pointwise():
    m_chi = np.array([0.5, 1.5, 10.0])[:, None]
    m_v = np.array([1e-3, 0.9, 10.0, 100.0])[None, :]
    tau = decays.lifetime(m_chi, m_v, 1e-4, 2e-4)
    assert tau.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            assert tau[i, j] == decays.lifetime(m_chi[i, 0], m_v[0, j], 1e-4, 2e-4)
    summary = decays.summarize(m_chi, m_v, 1e-4, 2e-4, energy=30.0)
    assert np.array_equal(summary.lifetime_s, tau)
    assert summary.decay_length_m.shape == (3, 4)


# --- paper 003 Sec. IV D statements ----------------------------------------------------------

# The paper gives the COHERENT reach only in figures (Figs. 2-5), no number in the text; the
# couplings below are chosen to bracket it generously (1e-6 to 1e-3), and the statements must
# hold over all of them.
REACH = [1e-6, 1e-5, 1e-4, 1e-3]


@pytest.mark.parametrize("n_flavours", [1, 3])
def test_light_mediator_chi_decays_before_bbn_for_all_masses(n_flavours):
    """'m_V ~ 1 keV and couplings testable at COHERENT: chi decays before t ~ 1 s,
    independently of its mass' (paper 003 Sec. IV D), for m_chi from 10 keV to 53 MeV."""
    m_chi = np.geomspace(0.01, 53.0, 80)[:, None]
    g = np.array(REACH)[None, :]
    assert np.all(decays.decays_before_bbn(m_chi, 1e-3, g, g, n_flavours=n_flavours))


def test_heavy_mediator_light_chi_has_no_tree_level_decay():
    """'m_V >~ 1 MeV and m_chi < 1 MeV: tree-level decays not kinematically accessible' (paper 003
    Sec. IV D): width exactly 0, infinite lifetime, outlives the Universe, at any coupling."""
    m_chi = np.geomspace(1e-3, 0.999, 30)[:, None, None]
    m_v = np.geomspace(1.0, 1e3, 20)[None, :, None]
    g = np.array([*REACH, 1.0])[None, None, :]
    assert np.all(decays.total_width(m_chi, m_v, g, g) == 0.0)
    assert np.all(decays.lifetime(m_chi, m_v, g, g) == np.inf)
    assert np.all(decays.outlives_universe(m_chi, m_v, g, g))
    assert not np.any(decays.decays_before_bbn(m_chi, m_v, g, g))


def test_heavy_mediator_open_channels_decay_within_age_of_universe():
    """'m_V >~ 1 MeV: chi would still decay faster than the age of the Universe where the decay
    channels are allowed' (paper 003 Sec. IV D), for m_chi >= 1.1 MeV, m_V up to 1 GeV and
    g from 1e-5 to 1e-3 (our assumption for the reach at m_V > 1 MeV; see REACH)."""
    m_chi = np.geomspace(1.1, 53.0, 40)[:, None, None]
    m_v = np.geomspace(1.5, 1e3, 12)[None, :, None]
    g = np.array(REACH[1:])[None, None, :]
    assert not np.any(decays.outlives_universe(m_chi, m_v, g, g))


def test_outlives_universe_compares_with_13_8_gyr():
    """The age used is 13.797 Gyr (Planck 2018); a lifetime just above it outlives it."""
    assert SECONDS_AGE_OF_UNIVERSE == pytest.approx(13.797e9 * 365.25 * 86400, rel=1e-3)
    # heavy-mediator point-like width: pick g so that tau = 2 x age, then 0.5 x age
    m_chi, m_v = 10.0, 1.0e4
    g_at_age = (HBAR_MEV_S / SECONDS_AGE_OF_UNIVERSE / decays.total_width(m_chi, m_v, 1, 1)) ** 0.25
    assert decays.outlives_universe(m_chi, m_v, g_at_age / 2**0.25, g_at_age)
    assert not decays.outlives_universe(m_chi, m_v, g_at_age * 2**0.25, g_at_age)


def test_statement_fails_just_above_the_ee_threshold():
    """Caveat of the previous statement: the three-body phase space closes as (m_chi - 2 m_e)^3.5,
    so just above 2 m_e chi outlives the Universe even at g = 1e-4 (m_V = 100 MeV)."""
    assert decays.outlives_universe(TWO_ME * (1 + 1e-4), 100.0, 1e-4, 1e-4)


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: decays.width_chi_to_v_nu(-1.0, 1.0, 1e-3), "m_chi"),
        (lambda: decays.width_chi_to_v_nu(np.nan, 1.0, 1e-3), "m_chi"),
        (lambda: decays.width_chi_to_v_nu(5.0, 0.0, 1e-3), "m_med"),
        (lambda: decays.width_chi_to_v_nu(5.0, [1.0, -2.0], 1e-3), "m_med"),
        (lambda: decays.width_chi_to_v_nu(5.0, 1.0, -1e-3), "g_chi"),
        (lambda: decays.width_chi_to_nu_ee(5.0, 1.0, 1e-3, np.nan), "g_f"),
        (lambda: decays.width_v_to_ee(np.nan, 1e-3), "m_med"),
        (lambda: decays.phase_space_integral("heavy", 1.0), "m_chi"),
        (lambda: decays.lifetime(5.0, 1.0, 1e-3, 1e-3, n_flavours=0), "n_flavours"),
        (lambda: decays.lifetime(5.0, 1.0, 1e-3, 1e-3, n_flavours=2.5), "n_flavours"),
        (lambda: decays.decay_length(4.0, 5.0, 1.0, 1e-3, 1e-3), "energy"),
        (lambda: decays.decay_length(np.inf, 5.0, 1.0, 1e-3, 1e-3), "energy"),
        # session 7: these overflowed (RuntimeWarnings, then NaN or inf widths)
        (lambda: decays.decay_length(1e300, 5.0, 1.0, 1e-3, 1e-3), "energy"),
        (lambda: decays.total_width(1e300, 1.0, 1e-5, 1e-5), "m_chi"),
        (lambda: decays.width_v_to_ee(1e300, 1e-5), "m_med"),
        (lambda: decays.total_width(10.0, 1e-3, 1e300, 1e-5), "g_chi, g_f"),
        (lambda: decays.width_chi_to_nu_ee(10.0, 100.0, 1e200, 1e200), "g_chi, g_f"),
        (lambda: decays.width_v_to_ee(10.0, 1e300), "g_chi, g_f"),
        (lambda: decays.total_width(10.0, 1e-300, 1e-5, 1e-5), "m_med"),
    ],
)
def test_bad_input_raises_parameter_error(call, match):
    with pytest.raises(ParameterError, match=match):
        call()
