"""Natural xenon (upscatter.nuclei): isotopic composition, atomic weight, weak charges, form
factors and the SM CEvNS cross section."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq

from upscatter import units
from upscatter.constants import ATOMIC_MASS_UNIT, AVOGADRO, G_FERMI, M_ELECTRON, SIN2_THETA_W
from upscatter.form_factors import nuclear_form_factor
from upscatter.kinematics import recoil_momentum
from upscatter.nuclei import get_isotope, get_material
from upscatter.xsec.sm import sm_dsigma_dT, weak_charge

XE = get_material("Xe")
MASS_NUMBERS = (124, 126, 128, 129, 130, 131, 132, 134, 136)


def test_natural_isotopes_and_abundances():
    """The nine stable isotopes of natural xenon; atom fractions sum to 1 (abs 1e-6, the
    IUPAC table's last digit); the two most abundant are 132Xe (26.9%) and 129Xe (26.4%)."""
    assert [iso.A for iso in XE.isotopes] == list(MASS_NUMBERS)
    assert all(iso.Z == 54 for iso in XE.isotopes)
    fractions = {iso.A: f for iso, f in XE.components}
    assert sum(fractions.values()) == pytest.approx(1.0, abs=1e-6)
    assert fractions[132] == pytest.approx(0.269, abs=5e-4)
    assert fractions[129] == pytest.approx(0.264, abs=5e-4)
    assert get_material("xe") is XE
    assert get_isotope("Xe132").A == 132


def test_mean_atomic_mass_is_the_standard_atomic_weight():
    """sum f_i m_i = 131.293(6) u, the CIAAW standard atomic weight of xenon (tolerance: its
    uncertainty 0.006)."""
    mean = sum(iso.atomic_mass_u * f for iso, f in XE.components)
    assert mean == pytest.approx(131.293, abs=0.006)
    assert XE.molar_mass_g == pytest.approx(mean, rel=1e-12)


def test_atomic_masses_are_close_to_a():
    """Each atomic mass lies within the binding-energy deficit of A u (mass excess of -80 to
    -90 MeV for these nuclei: |m - A| < 0.1 u) and the nuclear mass is m u - 54 m_e."""
    for iso in XE.isotopes:
        assert abs(iso.atomic_mass_u - iso.A) < 0.1
        assert iso.mass == pytest.approx(iso.atomic_mass_u * ATOMIC_MASS_UNIT - 54 * M_ELECTRON)


def test_nuclei_per_tonne():
    """N_A x 10^6 g / 131.293 g/mol = 4.587e27 nuclei per tonne, split by abundance."""
    per_kg = XE.nuclei_per_kg()
    assert per_kg.sum() * 1000 == pytest.approx(AVOGADRO * 1e6 / 131.293, rel=1e-5)
    assert per_kg / per_kg.sum() == pytest.approx([f for _, f in XE.components], rel=1e-12)


def test_coherent_weak_charge():
    """Q_W = N - (1 - 4 sin^2 th_W) Z averaged over the isotopes, computed here from (N, Z) of
    the mass numbers: the library's Z g_p^V + N g_n^V is -Q_W / 2 for each isotope (rel 1e-12);
    the abundance-weighted mean is 74.9 (77.39 neutrons on average, mean A 131.39)."""
    fractions = [f for _, f in XE.components]
    q_w = [(A - 54) - (1 - 4 * SIN2_THETA_W) * 54 for A in MASS_NUMBERS]
    for iso, expected in zip(XE.isotopes, q_w, strict=True):
        assert -2 * weak_charge(iso) == pytest.approx(expected, rel=1e-12)
    mean = float(np.dot(fractions, q_w))
    mean_n = float(np.dot(fractions, MASS_NUMBERS)) - 54
    assert mean_n == pytest.approx(77.39, abs=0.01)
    assert mean == pytest.approx(mean_n - (1 - 4 * SIN2_THETA_W) * 54, rel=1e-12)
    assert mean == pytest.approx(74.9, abs=0.05)


@pytest.mark.parametrize("form_factor", ["helm", "klein-nystrand"])
def test_form_factors_of_xenon(form_factor):
    """F(0) = 1; the first zero lies at q R = 4.4934 (first root of tan x = x) with R the Helm
    R_0 = sqrt(c^2 + 7/3 pi^2 a^2 - 5 s^2), c = 1.23 A^(1/3) - 0.60 fm, a = 0.52 fm, s = 0.9 fm
    (Lewin-Smith) or the Klein-Nystrand R_A = 1.23 A^(1/3) fm, computed here for 132Xe (rel
    1e-6); at a 1 keV recoil F^2 is 0.90-0.95, at 5 keV below 0.8 (heavy nucleus)."""
    xe132 = get_isotope("Xe132")
    a_third = 132 ** (1 / 3)
    if form_factor == "helm":
        c = 1.23 * a_third - 0.60
        radius = np.sqrt(c**2 + 7 / 3 * np.pi**2 * 0.52**2 - 5 * 0.9**2)
    else:
        radius = 1.23 * a_third
    x0 = brentq(lambda x: np.tan(x) - x, 4.4, 4.6)
    q_zero = x0 / radius * units.HBARC_MEV_FM
    t_zero = brentq(lambda t: recoil_momentum(t, xe132.mass) - q_zero, 1e-3, 1.0)
    assert float(nuclear_form_factor(0.0, xe132, form_factor)) == 1.0
    assert float(nuclear_form_factor(t_zero, xe132, form_factor)) == pytest.approx(0.0, abs=1e-6)
    f2_1kev = float(nuclear_form_factor(1.0 * units.keV, xe132, form_factor)) ** 2
    assert 0.88 < f2_1kev < 0.96
    assert float(nuclear_form_factor(5.0 * units.keV, xe132, form_factor)) ** 2 < 0.8


def test_sm_cevns_total_cross_section_at_10_mev():
    """sigma(E) = int_0^{T_max} dsigma/dT dT for F = 1 equals the closed form
    G_F^2 M Q_W^2 / (8 pi) [2T - M T^2/(2E^2) - T^2/E + T^3/(3E^2)] at T_max = 2E^2/(M + 2E)
    (rel 1e-8), and its zero-recoil (M -> infinity) limit G_F^2 Q_W^2 E^2 / (4 pi) within 2E/M
    (~2e-4, tolerance 1e-3): 2.37e-39 cm^2 for 132Xe at 10 MeV, the order of the 10^-39 cm^2
    XENONnT measured flux-averaged (arXiv:2408.02877)."""
    E = 10.0
    xe132 = get_isotope("Xe132")
    M = xe132.mass
    q_w = 78 - (1 - 4 * SIN2_THETA_W) * 54
    t_max = 2 * E**2 / (M + 2 * E)
    closed = (
        G_FERMI**2
        * M
        * q_w**2
        / (8 * np.pi)
        * (2 * t_max - M * t_max**2 / (2 * E**2) - t_max**2 / E + t_max**3 / (3 * E**2))
    )
    numeric = quad(lambda t: float(sm_dsigma_dT(E, t, xe132, "unity")), 0.0, t_max, epsabs=0)[0]
    assert numeric == pytest.approx(closed, rel=1e-8)
    leading = G_FERMI**2 * q_w**2 * E**2 / (4 * np.pi)
    assert closed == pytest.approx(leading, rel=1e-3)
    assert closed / units.cm2 == pytest.approx(2.37e-39, rel=0.01)
    with_helm = quad(lambda t: float(sm_dsigma_dT(E, t, xe132, "helm")), 0.0, t_max)[0]
    assert 0.9 * closed < with_helm < closed
