"""Kinematics: exact limits against independent derivations (physics-notes, paper 003 Eq. (14))."""

from __future__ import annotations

import numpy as np
import pytest

from upscatter import kinematics as kin
from upscatter.constants import M_ELECTRON, M_MUON
from upscatter.nuclei import AR40, CS133, I127


def test_max_chi_mass_matches_physics_notes():
    """physics-notes: about 52.8 MeV for Cs, I and Ar, about 6.85 MeV for electrons (1e-3)."""
    for iso in (CS133, I127):
        assert kin.max_chi_mass(iso.mass, M_MUON / 2) == pytest.approx(52.8, abs=0.05)
    assert kin.max_chi_mass(AR40.mass, M_MUON / 2) == pytest.approx(52.8, abs=0.3)
    assert kin.max_chi_mass(M_ELECTRON, M_MUON / 2) == pytest.approx(6.85, abs=0.01)


def test_massless_limits_are_textbook():
    """m_chi = 0: T_max = 2E^2/(M + 2E) and E_min = (T + sqrt(T^2 + 2MT))/2."""
    M, E = CS133.mass, 30.0
    t_min, t_max = kin.recoil_range(E, M, 0.0)
    assert t_min == 0.0
    assert t_max == pytest.approx(2 * E**2 / (M + 2 * E), rel=1e-12, abs=0)
    T = np.array([1e-4, 1e-2])
    assert np.allclose(kin.e_nu_min(T, M), 0.5 * (T + np.sqrt(T**2 + 2 * M * T)), rtol=1e-12)


@pytest.mark.parametrize("m_chi", [0.5, 10.0, 40.0])
@pytest.mark.parametrize("M", [CS133.mass, M_ELECTRON])
def test_e_min_inverts_recoil_range(M, m_chi):
    """E_min(T_-(E)) = E_min(T_+(E)) = E: both ends of the range are reached at cos(theta)=1."""
    E = 1.3 * kin.threshold_energy(M, m_chi) + 1.0
    t_min, t_max = kin.recoil_range(E, M, m_chi)
    assert 0 < t_min < t_max
    assert kin.e_nu_min(t_min, M, m_chi) == pytest.approx(E, rel=1e-8)
    assert kin.e_nu_min(t_max, M, m_chi) == pytest.approx(E, rel=1e-8)


def test_recoil_range_matches_direct_momentum_balance():
    """Independent check: sample scattering angles in the CM frame and boost to the lab."""
    M, m, E = CS133.mass, 20.0, 45.0
    s = M * M + 2 * M * E
    sqrt_s = np.sqrt(s)
    p_out = np.sqrt((s - (m + M) ** 2) * (s - (m - M) ** 2)) / (2 * sqrt_s)
    e_target_out_cm = np.sqrt(p_out**2 + M * M)
    gamma, beta = (E + M) / sqrt_s, E / (E + M)
    cos = np.linspace(-1, 1, 2001)
    # target recoil in the CM moves opposite the chi: longitudinal momentum -p_out cos
    e_lab = gamma * (e_target_out_cm - beta * p_out * cos)
    T = e_lab - M
    t_min, t_max = kin.recoil_range(E, M, m)
    assert T.min() == pytest.approx(t_min, rel=1e-6, abs=0)
    assert T.max() == pytest.approx(t_max, rel=1e-6)


def test_below_threshold_the_range_is_empty():
    M, m = CS133.mass, 50.0
    E = kin.threshold_energy(M, m) * (1 - 1e-6)
    t_min, t_max = kin.recoil_range(E, M, m)
    assert t_min == 0.0 and t_max == 0.0
    assert np.isinf(kin.e_nu_min(0.0, M, m))


def test_e_nu_min_of_a_vanishing_recoil_is_inf_without_overflow():
    """Session 7: T = 1e-303 MeV overflowed 2M/T (a RuntimeWarning); E_min -> inf as T -> 0
    for a massive final state, and stays the elastic value for m_chi = 0."""
    T = np.array([1e-303, 0.0])
    assert np.all(np.isinf(kin.e_nu_min(T, CS133.mass, 1.0)))
    assert np.all(np.isfinite(kin.e_nu_min(T, CS133.mass, 0.0)))
