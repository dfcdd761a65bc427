"""Spin-dependent nu N -> chi N (paper 000 case B tree level, left out by the paper).

References: explicit Dirac traces computed numerically here (lepton current
chibar gamma^mu P_L nu with a massive chi, axial or vector nuclear current), the free-nucleon
ratio sigma_A/sigma_V = 3 (sigma ~ g_V^2 + 3 g_A^2 at E << M), and the single-nucleon limit of
the nuclear spin factor.
"""

from __future__ import annotations

import numpy as np
import pytest

from upscatter.errors import ParameterError
from upscatter.nuclei import get_isotope
from upscatter.xsec.mediators import vector_dsigma_dT
from upscatter.xsec.sm import vector_kinematic_bracket
from upscatter.xsec.spin_dependent import (
    axial_kinematic_bracket,
    axial_nucleus_dsigma_dT,
    nuclear_spin,
    nucleon_axial_couplings,
    spin_charge_sq,
)

SIGMA = [np.eye(2), np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.diag([1, -1])]
ZERO = np.zeros((2, 2))
GAMMA = [np.block([[ZERO, SIGMA[0]], [SIGMA[0], ZERO]])] + [
    np.block([[ZERO, s], [-s, ZERO]]) for s in SIGMA[1:]
]
GAMMA5 = 1j * GAMMA[0] @ GAMMA[1] @ GAMMA[2] @ GAMMA[3]
P_L, P_R = (np.eye(4) - GAMMA5) / 2, (np.eye(4) + GAMMA5) / 2
METRIC = np.diag([1.0, -1.0, -1.0, -1.0])
CS = get_isotope("Cs133")


def slash(p):
    return sum(METRIC[m, m] * p[m] * GAMMA[m] for m in range(4))


def traced_bracket(E, T, M, m_chi, axial):
    """L^{mu nu} H_{mu nu} / (16 M^2 E^2) from explicit traces, lab frame, nucleus at rest."""
    E2 = E - T  # chi energy
    p2_abs = np.sqrt(E2**2 - m_chi**2)
    # t = (p1 - p2)^2 = m_chi^2 - 2 E (E2 - p2 cos) = -2 M T
    cos = (2 * E * E2 - m_chi**2 - 2 * M * T) / (2 * E * p2_abs)
    sin = np.sqrt(1 - cos**2)
    k1 = np.array([M, 0, 0, 0.0])
    p1 = np.array([E, 0, 0, E])
    p2 = np.array([E2, p2_abs * sin, 0, p2_abs * cos])
    k2 = k1 + p1 - p2
    one = np.eye(4)
    g5 = GAMMA5 if axial else one
    total = 0.0
    for mu in range(4):
        for nu in range(4):
            lepton = np.trace(
                (slash(p2) + m_chi * one) @ GAMMA[mu] @ P_L @ slash(p1) @ P_R @ GAMMA[nu]
            )
            hadron = np.trace(
                (slash(k2) + M * one) @ GAMMA[mu] @ g5 @ (slash(k1) + M * one) @ GAMMA[nu] @ g5
            )
            total += METRIC[mu, mu] * METRIC[nu, nu] * lepton * hadron
    return (total / (16 * M**2 * E**2)).real


@pytest.mark.parametrize(
    ("E", "T", "m_chi"), [(30.0, 0.01, 0.0), (45.0, 0.02, 10.0), (52.0, 0.005, 40.0)]
)
def test_brackets_against_explicit_traces(E, T, m_chi):
    """Axial bracket (and, as a check of the trace machinery, the code's vector bracket) equal
    the explicit traces to 1e-9."""
    M = CS.mass
    assert axial_kinematic_bracket(E, T, M, m_chi) == pytest.approx(
        traced_bracket(E, T, M, m_chi, axial=True), rel=1e-9
    )
    assert vector_kinematic_bracket(E, T, M, m_chi) == pytest.approx(
        traced_bracket(E, T, M, m_chi, axial=False), rel=1e-9
    )


def test_axial_is_three_times_vector_for_a_heavy_target():
    """Integrated over T at m_chi = 0 and E << M: sigma_A / sigma_V = 3 (to O(E/M) = 1e-3)."""
    M, E = CS.mass, 30.0
    T = np.linspace(0.0, 2 * E**2 / (M + 2 * E), 20001)
    ratio = np.trapezoid(axial_kinematic_bracket(E, T, M), T) / np.trapezoid(
        vector_kinematic_bracket(E, T, M), T
    )
    assert ratio == pytest.approx(3.0, rel=1e-3)


def test_spin_factor_single_nucleon_limit_and_even_even_nuclei():
    """J = 1/2, <S_p> = 1/2: G_A^2 = a_p^2 (a free proton); J = 0: no coupling."""
    assert spin_charge_sq(0.5, 0.5, 0.0, -0.7, 0.3) == pytest.approx(0.49, rel=1e-12)
    assert spin_charge_sq(0.0, 0.0, 0.0, 1.0, 1.0) == 0.0
    assert nuclear_spin(get_isotope("Ar40")) == (0.0, 0.0, 0.0)
    assert nuclear_spin(CS)[0] == 3.5 and nuclear_spin(get_isotope("I127"))[0] == 2.5
    with pytest.raises(ParameterError, match="nuclear spin"):
        spin_charge_sq(-1.0, 0.0, 0.0, 1.0, 1.0)


def test_down_philic_axial_couplings():
    """a_p = Delta_d + Delta_s of the proton, a_n = Delta_u + Delta_s (isospin), micrOMEGAs."""
    a_p, a_n = nucleon_axial_couplings()
    assert a_p == pytest.approx(-0.427 - 0.085) and a_n == pytest.approx(0.842 - 0.085)
    with pytest.raises(ParameterError, match="unknown key"):
        nucleon_axial_couplings({"c": 1.0})


def test_cross_section_normalisation_matches_the_vector_one():
    """Same prefactor as the vector tree (paper 003 Eq. (4)) with Q_V^2 -> G_A^2 and the axial
    bracket; zero for Ar-40 and outside the kinematic range."""
    E, T, m_chi, m_med = 40.0, 0.01, 5.0, 50.0
    g_a2 = spin_charge_sq(*nuclear_spin(CS), *nucleon_axial_couplings())
    sd = axial_nucleus_dsigma_dT(E, T, isotope=CS, m_chi=m_chi, m_med=m_med, form_factor="unity")
    vec = vector_dsigma_dT(E, T, M=CS.mass, charge_sq=g_a2, m_chi=m_chi, m_med=m_med)
    ratio = axial_kinematic_bracket(E, T, CS.mass, m_chi) / vector_kinematic_bracket(
        E, T, CS.mass, m_chi
    )
    assert sd == pytest.approx(vec * ratio, rel=1e-12)
    ar = get_isotope("Ar40")
    assert axial_nucleus_dsigma_dT(E, T, isotope=ar, m_chi=m_chi, m_med=m_med) == 0.0
    assert axial_nucleus_dsigma_dT(10.0, 1.0, isotope=CS, m_chi=m_chi, m_med=m_med) == 0.0


# Ground-state J^pi (NUBASE2020) and the orbital (l, j) of the odd nucleon in the shell model.
ODD_NUCLEON = {
    "Cs133": (3.5, "proton", 4),  # 7/2+, pi g7/2
    "I127": (2.5, "proton", 2),  # 5/2+, pi d5/2
    "Ge73": (4.5, "neutron", 4),  # 9/2+, nu g9/2
    "Xe129": (0.5, "neutron", 0),  # 1/2+, nu s1/2
    "Xe131": (1.5, "neutron", 2),  # 3/2+, nu d3/2
}


@pytest.mark.parametrize("name", sorted(ODD_NUCLEON))
def test_nuclear_spins_against_the_single_particle_limit(name):
    """The tabulated <S_p>, <S_n> against what they must satisfy, independent of the shell-model
    calculation they come from: J is the NUBASE2020 ground-state spin; the odd group's spin has
    the sign of the odd-group (Schmidt) single-particle value, <S> = +1/2 for j = l + 1/2 and
    -j/(2(j + 1)) for j = l - 1/2 (Engel, Pittel and Vogel, Int. J. Mod. Phys. E 1 (1992) 1),
    with a magnitude no larger (configuration mixing quenches it) and above 40% of it (a loose
    floor of ours, not a published bound: a value far below would be a misprint); the odd group
    carries the larger share (|<S_even>| < |<S_odd>|)."""
    J, odd, l = ODD_NUCLEON[name]
    spin_j, s_p, s_n = nuclear_spin(get_isotope(name))
    assert spin_j == J
    single = 0.5 if J == l + 0.5 else -J / (2 * (J + 1))
    s_odd, s_even = (s_p, s_n) if odd == "proton" else (s_n, s_p)
    assert np.sign(s_odd) == np.sign(single)
    assert 0.4 * abs(single) <= abs(s_odd) <= abs(single)
    assert abs(s_even) < abs(s_odd)
