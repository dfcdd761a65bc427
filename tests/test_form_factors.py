"""Nuclear form factors against limits and identities."""

from __future__ import annotations

import numpy as np
import pytest

from upscatter import units
from upscatter.errors import ParameterError
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
