"""SM CEvNS and light-mediator nu N -> chi N cross sections (paper 000 Eqs. (23)-(25),
paper 003 Eqs. (4), (6), (7), (14))."""

from __future__ import annotations

import numpy as np
import pytest

from upscatter import kinematics as kin
from upscatter.constants import G_FERMI, M_MUON, SIN2_THETA_W
from upscatter.form_factors import klein_nystrand
from upscatter.hadronic import scalar_nuclear_charge
from upscatter.kinematics import recoil_momentum
from upscatter.nuclei import AR40, CS133, I127
from upscatter.units import keV
from upscatter.xsec.mediators import scalar_nucleus_dsigma_dT, vector_nucleus_dsigma_dT
from upscatter.xsec.sm import sm_dsigma_dT, weak_charge


def test_weak_charge_values():
    """Q_W = Z(1/2 - 2 s_W^2) - N/2 (paper 000 below Eq. (23)) for Cs-133: -37.74 (with 0.23857)."""
    assert weak_charge(CS133) == pytest.approx(55 * (0.5 - 2 * SIN2_THETA_W) - 0.5 * 78)
    assert weak_charge(CS133) == pytest.approx(-37.74, abs=0.01)


def test_sm_scales_as_weak_charge_squared():
    """At fixed q the nuclear dependence is Q_W^2 M F^2: Cs vs I ratio (exact to 1e-12)."""
    E, q = 30.0, 20.0
    t_cs, t_i = q**2 / (2 * CS133.mass), q**2 / (2 * I127.mass)  # same 2MT -> nearly same q
    ratio = sm_dsigma_dT(E, t_cs, CS133, "unity") / sm_dsigma_dT(E, t_i, I127, "unity")
    br = lambda M, T: 2 - M * T / E**2 - 2 * T / E + T**2 / E**2  # noqa: E731
    expected = (weak_charge(CS133) ** 2 * CS133.mass * br(CS133.mass, t_cs)) / (
        weak_charge(I127) ** 2 * I127.mass * br(I127.mass, t_i)
    )
    assert ratio == pytest.approx(expected, rel=1e-12)


def test_sm_vanishes_at_and_beyond_t_max():
    E = 30.0
    t_max = 2 * E**2 / (CS133.mass + 2 * E)
    T = np.array([t_max * (1 - 1e-9), t_max, t_max * 1.001, 1.0])
    values = sm_dsigma_dT(E, T, CS133)
    assert values[0] > 0
    # at T_max the bracket vanishes analytically; rounding leaves at most ~1e-6 of the peak
    assert 0.0 <= values[1] < 1e-6 * sm_dsigma_dT(E, 1e-6, CS133)
    assert values[2:].tolist() == [0.0, 0.0]


def test_sm_total_cross_section_known_value():
    """Flux-averaged check of the normalisation: for E = 30 MeV on Cs-133 with F = 1 the total
    cross section integrates analytically to G_F^2 Q_W^2 E^2/(4 pi) * 4 (1 + O(E/M)): i.e.
    sigma = G_F^2 Q_W^2 E^2 / pi to 1%, the textbook coherent result (Freedman 1974)."""
    E = 30.0
    t_max = 2 * E**2 / (CS133.mass + 2 * E)
    T = np.linspace(0, t_max, 20001)[1:]
    sigma = np.trapezoid(sm_dsigma_dT(E, T, CS133, "unity"), T)
    ratio = sigma / (G_FERMI**2 * weak_charge(CS133) ** 2 * E**2 / np.pi)
    assert ratio == pytest.approx(1.0, rel=0.01)


@pytest.mark.parametrize("m_med", [0.1, 10.0, 500.0])
def test_vector_massless_limit_is_light_vector_formula(m_med):
    """m_chi -> 0: paper 003 Eq. (4) must equal the SM CEvNS formula (paper 000 Eq. (23)) with the
    four-fermion coupling replaced by the light-vector exchange, sqrt(2) G_F Q_W ->
    g_nu Q_V / (m_V^2 + 2 M T) with Q_V = 3 A g_q (derived from L_SM = -sqrt(2) G_F
    nubar gamma P_L nu J_q and L_V = g Z' (nubar gamma P_L nu + qbar gamma q)). 1e-6 relative."""
    E = 40.0
    T = np.linspace(0.5, 25.0, 50) * keV
    up = vector_nucleus_dsigma_dT(E, T, isotope=CS133, m_chi=1e-4, m_med=m_med, form_factor="unity")
    sm = sm_dsigma_dT(E, T, CS133, "unity")
    replacement = (3 * CS133.A / (m_med**2 + 2 * CS133.mass * T)) ** 2 / (
        2 * G_FERMI**2 * weak_charge(CS133) ** 2
    )
    assert np.allclose(up, sm * replacement, rtol=1e-6)


def test_vector_vanishes_outside_the_recoil_range():
    E, m_chi = 40.0, 20.0
    t_min, t_max = kin.recoil_range(E, CS133.mass, m_chi)
    T = np.array([0.5 * t_min, t_min * (1 - 1e-6), t_min * 1.01, t_max * 0.99, t_max * 1.001])
    v = vector_nucleus_dsigma_dT(E, T, isotope=CS133, m_chi=m_chi, m_med=50.0)
    s = scalar_nucleus_dsigma_dT(E, T, isotope=CS133, m_chi=m_chi, m_med=50.0)
    for values in (v, s):
        assert values[[0, 1, 4]].tolist() == [0.0, 0.0, 0.0]
        assert np.all(values[[2, 3]] > 0)


@pytest.mark.parametrize("iso", [CS133, I127, AR40])
def test_no_production_above_the_kinematic_limit(iso):
    """physics-notes: m_chi above ~52.8 MeV cannot be produced with E <= m_mu/2."""
    E = M_MUON / 2
    m_limit = kin.max_chi_mass(iso.mass, E)
    T = np.geomspace(1e-6, 0.2, 400)
    above = vector_nucleus_dsigma_dT(E, T, isotope=iso, m_chi=m_limit * 1.001, m_med=10.0)
    below = vector_nucleus_dsigma_dT(E, T, isotope=iso, m_chi=m_limit * 0.99, m_med=10.0)
    assert np.all(above == 0.0)
    assert np.any(below > 0.0)


def test_scalar_massless_limit_is_light_scalar_formula():
    """m_chi -> 0: paper 003 Eq. (6) equals the light-scalar CEvNS cross section of the literature,
    dsigma/dT = Q_S^2 M^2 T F^2 / (4 pi E^2 (m_S^2 + 2 M T)^2) (1 + T/(2M))
    (Cerdeno et al., JHEP 05 (2016) 118, Eq. (2.10) form), with Q_S from paper 003 Eq. (7)."""
    E, m_s = 30.0, 5.0
    T = np.linspace(1.0, 14.0, 30) * keV
    M = CS133.mass
    q_s = scalar_nuclear_charge(CS133, {"u": 1.0, "d": 1.0}, "candela2023")
    ff = klein_nystrand(recoil_momentum(T, M), CS133.A)
    expected = q_s**2 * M**2 * T * ff**2 / (4 * np.pi * E**2 * (m_s**2 + 2 * M * T) ** 2)
    expected *= 1 + T / (2 * M)
    got = scalar_nucleus_dsigma_dT(E, T, isotope=CS133, m_chi=0.0, m_med=m_s)
    assert np.allclose(got, expected, rtol=1e-12)


def test_scalar_charge_of_paper_003():
    """Paper 003 Eq. (7) with Eqs. (8)-(9): sum_q m_p/m_q f_Tq^p = 938.27 (0.026/2.16 + 0.038/4.67)
    = 18.93 per proton; 938.27 * (0.018/2.16) + 939.57 * (0.056/4.67) = 19.10 per neutron."""
    per_p = 938.27209 * (0.026 / 2.16 + 0.038 / 4.67)
    per_n = 939.56542 * (0.018 / 2.16 + 0.056 / 4.67)
    assert per_p == pytest.approx(18.93, abs=0.01) and per_n == pytest.approx(19.10, abs=0.01)
    assert scalar_nuclear_charge(CS133, {"u": 1, "d": 1}, "candela2023") == pytest.approx(
        55 * per_p + 78 * per_n, rel=1e-12
    )
