"""Form factors and stopped-pion fluxes against limits and identities."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from upscatter import units
from upscatter.constants import M_MUON, M_PION_CHARGED
from upscatter.errors import ParameterError
from upscatter.fluxes import stopped_pion as sp
from upscatter.form_factors import get_form_factor, helm, klein_nystrand, nuclear_form_factor
from upscatter.nuclei import AR40, CS133


@pytest.mark.parametrize("name", ["helm", "klein-nystrand"])
@pytest.mark.parametrize("A", [40, 127, 133])
def test_form_factor_is_one_at_zero_momentum(name, A):
    assert get_form_factor(name)(0.0, A) == 1.0
    assert get_form_factor(name)(1e-6, A) == pytest.approx(1.0, abs=1e-12)


def test_small_q_expansions_give_the_textbook_radii():
    """F = 1 - q^2 <r^2>/6 + ...: Helm <r^2> = 3/5 R0^2 + 3 s^2 (Lewin-Smith 1996 Eq. 4.11);
    Klein-Nystrand (hard sphere folded with a Yukawa) <r^2> = 3/5 R_A^2 + 6 a_k^2. 1e-4 relative."""
    A, q = 133, 1e-2
    s, c, a = 0.9 * units.fm, (1.23 * A ** (1 / 3) - 0.6) * units.fm, 0.52 * units.fm
    r0_sq = c**2 + 7 / 3 * np.pi**2 * a**2 - 5 * s**2
    r2_helm = 0.6 * r0_sq + 3 * s**2
    assert (1 - helm(q, A)) * 6 / q**2 == pytest.approx(r2_helm, rel=1e-4, abs=0)
    r_a, a_k = 1.23 * A ** (1 / 3) * units.fm, 0.7 * units.fm
    r2_kn = 0.6 * r_a**2 + 6 * a_k**2
    assert (1 - klein_nystrand(q, A)) * 6 / q**2 == pytest.approx(r2_kn, rel=1e-4, abs=0)


def test_radius_scale_moves_the_first_zero():
    """The first zero of j1(qR)/(qR) is at qR = 4.4934 (tan x = x); R -> 1.1 R moves it by 1/1.1."""
    A = 133
    r_a = 1.23 * A ** (1 / 3) * units.fm
    q0 = 4.493409457909064 / r_a
    assert abs(klein_nystrand(q0, A)) < 1e-12
    assert abs(klein_nystrand(q0 / 1.1, A, radius_scale=1.1)) < 1e-12


@pytest.mark.parametrize("name", ["helm", "klein-nystrand", "unity"])
@pytest.mark.parametrize("isotope", [CS133, AR40])
def test_nuclear_form_factor_is_the_form_factor_at_the_exact_recoil_momentum(name, isotope):
    """F(q(T)) with q = sqrt(T^2 + 2 M T) written out here; broadcasting keeps T's shape.
    Agreement to 1e-14 relative (only rounding differs)."""
    T = np.array([[0.0, 1e-3], [10e-3, 40e-3]])
    q = np.sqrt(T**2 + 2 * isotope.mass * T)
    expected = get_form_factor(name)(q, isotope.A, 1.05)
    got = nuclear_form_factor(T, isotope, name, 1.05)
    assert got.shape == T.shape
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-15)


def test_nuclear_form_factor_vanishes_at_the_klein_nystrand_zero():
    """The recoil with q R_A = 4.4934 (first zero of j1(x)/x) gives F = 0; T from q by
    T = sqrt(q^2 + M^2) - M (in its cancellation-free form). Absolute tolerance 1e-12."""
    r_a = 1.23 * CS133.A ** (1 / 3) * units.fm
    q0 = 4.493409457909064 / r_a
    T0 = q0**2 / (np.sqrt(q0**2 + CS133.mass**2) + CS133.mass)
    assert abs(nuclear_form_factor(T0, CS133, "klein-nystrand")) < 1e-12


def test_nuclear_form_factor_rejects_unknown_names():
    with pytest.raises(ParameterError, match="klein-nystrand"):
        nuclear_form_factor(1e-3, CS133, "hlem")


def test_prompt_line_energy():
    """(m_pi^2 - m_mu^2)/(2 m_pi) = 29.79 MeV (paper 003 Eq. (13))."""
    assert sp.PROMPT_ENERGY == pytest.approx(29.792, abs=1e-3)
    assert sp.PROMPT_ENERGY == pytest.approx(
        (M_PION_CHARGED**2 - M_MUON**2) / (2 * M_PION_CHARGED), rel=1e-15
    )


@pytest.mark.parametrize("shape", [sp.nu_e_shape, sp.nubar_mu_shape])
def test_delayed_shapes_are_normalised_and_vanish_outside(shape):
    total, _ = quad(shape, 0.0, M_MUON / 2, epsabs=0, epsrel=1e-12)
    assert total == pytest.approx(1.0, rel=1e-10)
    assert shape(np.array([-1.0, M_MUON / 2 + 1e-9, 80.0])).tolist() == [0.0, 0.0, 0.0]
    assert np.all(shape(np.linspace(0, M_MUON / 2, 101)) >= 0)


def test_fluence_normalisation():
    """eta = r N_POT / (4 pi L^2): COHERENT CsI 2017 gives 3.0e14 nu/cm^2 per flavour
    (0.08 * 1.76e23 / (4 pi (1930 cm)^2) = 3.007e14, independent arithmetic)."""
    source = sp.stopped_pion_source(1.76e23, 0.08, 19.3 * units.m)
    fluence_cm2 = source.components[0].fluence * units.cm2
    assert fluence_cm2 == pytest.approx(0.08 * 1.76e23 / (4 * np.pi * 1930.0**2), rel=1e-12)
    assert {c.flavour for c in source.components} == {"nu_mu", "nubar_mu", "nu_e"}


def test_bad_source_parameters():
    with pytest.raises(ParameterError):
        sp.stopped_pion_source(pot=-1.0)
    with pytest.raises(ParameterError):
        sp.stopped_pion_source(distance=float("nan"))
