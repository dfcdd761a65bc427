"""Neutrino-electron scattering: SM nu e, nu e -> chi e (paper 003 Eqs. (10)-(11)) and Z_eff.

Every expected value below is written independently of the code: a different form of the same
physics from the literature, an explicit trace calculation, a number printed in a paper, or paper
003 Table I as printed.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from upscatter import kinematics as kin
from upscatter.constants import G_FERMI, M_ELECTRON, M_MUON, SIN2_THETA_W
from upscatter.errors import ParameterError
from upscatter.flavours import ALL_FLAVOURS
from upscatter.nuclei import AR40, CS133, GE70, GE76, I127, Isotope
from upscatter.units import GeV, MeV, cm2, keV
from upscatter.xsec import electrons as el

ME = M_ELECTRON
S2 = SIN2_THETA_W


def t_max_textbook(E):
    """Largest electron recoil of elastic nu e scattering, 2E^2/(m_e + 2E)."""
    return 2 * E**2 / (ME + 2 * E)


def total(E, flavour):
    """sigma(E) = int_0^T_max dsigma/dT dT (scipy quad, independent of the library grids)."""
    f = lambda T: float(el.sm_electron_dsigma_dT(E, T, flavour))  # noqa: E731
    return quad(f, 0.0, t_max_textbook(E), epsrel=1e-11, epsabs=0)[0]


# --------------------------------------------------------------------------- SM nu e scattering


@pytest.mark.parametrize("flavour", ALL_FLAVOURS)
def test_sm_matches_chiral_coupling_form(flavour):
    """The tree-level result in the chiral form of 't Hooft (Phys. Lett. B 37 (1971) 195), as used
    e.g. by Bahcall, Kamionkowski & Sirlin, Phys. Rev. D 51 (1995) 6146:

        dsigma/dT = 2 G_F^2 m_e / pi [g_1^2 + g_2^2 (1 - T/E)^2 - g_1 g_2 m_e T/E^2],

    g_1 = s_W^2 + 1/2 (nu_e), s_W^2 - 1/2 (nu_mu, nu_tau), g_2 = s_W^2; antineutrinos exchange
    g_1 and g_2. Checks g_V, g_A, the charged-current shift, the antineutrino rule and the sign of
    the m_e T/E^2 term at once. Relative tolerance 1e-12 (rounding only)."""
    g1 = S2 + (0.5 if flavour.endswith("_e") else -0.5)
    g2 = S2
    if flavour.startswith("nubar"):
        g1, g2 = g2, g1
    E = np.array([[2.0], [30.0], [52.0]])
    T = t_max_textbook(E) * np.linspace(0.01, 0.99, 9)
    expected = (
        2 * G_FERMI**2 * ME / np.pi * (g1**2 + g2**2 * (1 - T / E) ** 2 - g1 * g2 * ME * T / E**2)
    )
    got = el.sm_electron_dsigma_dT(E, T, flavour)
    assert got.shape == (3, 9)
    assert np.allclose(got, expected, rtol=1e-12, atol=0)


def test_tau_flavour_equals_muon_flavour():
    """nu_tau and nu_mu both scatter on electrons through the Z only (identical, exactly)."""
    E, T = 30.0, np.linspace(0.1, 29.0, 50)
    for a, b in (("nu_tau", "nu_mu"), ("nubar_tau", "nubar_mu")):
        assert np.array_equal(el.sm_electron_dsigma_dT(E, T, a), el.sm_electron_dsigma_dT(E, T, b))


def test_antineutrino_swap_at_the_recoil_ends():
    """Antineutrinos exchange (g_V + g_A) and (g_V - g_A). At E >> m_e the two chiral terms
    separate: at T -> 0 nu and nubar agree, while at T -> T_max the (1 - T/E)^2 term vanishes and
    dsigma(nu)/dsigma(nubar) -> (g_V + g_A)^2/(g_V - g_A)^2, i.e. (1 - 2 s^2)^2/(2 s^2)^2 for
    nu_mu and (1 + 2 s^2)^2/(2 s^2)^2 for nu_e. E = 10 GeV, where the m_e T/E^2 term is ~1e-4:
    tolerance 1e-3."""
    E = 10 * GeV
    near_zero, near_max = 1e-3, t_max_textbook(E) * (1 - 1e-12)
    for flavour, endpoint_ratio in (
        ("mu", (1 - 2 * S2) ** 2 / (2 * S2) ** 2),
        ("e", (1 + 2 * S2) ** 2 / (2 * S2) ** 2),
    ):
        nu = el.sm_electron_dsigma_dT(E, [near_zero, near_max], f"nu_{flavour}")
        nubar = el.sm_electron_dsigma_dT(E, [near_zero, near_max], f"nubar_{flavour}")
        assert nu[0] / nubar[0] == pytest.approx(1.0, rel=1e-3)
        assert nu[1] / nubar[1] == pytest.approx(endpoint_ratio, rel=1e-3)


@pytest.mark.parametrize(
    ("flavour", "bracket"),
    [
        ("nu_mu", 1 - 4 * S2 + 16 / 3 * S2**2),
        ("nubar_mu", 1 / 3 - 4 / 3 * S2 + 16 / 3 * S2**2),
        ("nu_e", 1 + 4 * S2 + 16 / 3 * S2**2),
        ("nubar_e", 1 / 3 + 4 / 3 * S2 + 16 / 3 * S2**2),
    ],
)
def test_high_energy_total_cross_sections(flavour, bracket):
    """E >> m_e: sigma = G_F^2 m_e E/(2 pi) x bracket (= G_F^2 s/(4 pi) x bracket with s = 2 m_e E),
    the textbook totals in terms of sin^2(theta_W) (Formaggio & Zeller, Rev. Mod. Phys. 84 (2012)
    1307, Sec. II, for nu_mu and nubar_mu; Marciano & Parsa, J. Phys. G 29 (2003) 2629, for all
    four). At E = 10 GeV the neglected m_e/E terms are ~1e-4: tolerance 1e-3."""
    E = 10 * GeV
    # compare the dimensionless bracket: pytest.approx keeps an absolute 1e-12 floor otherwise
    assert total(E, flavour) / (G_FERMI**2 * ME * E / (2 * np.pi)) == pytest.approx(
        bracket, rel=1e-3
    )


def test_nu_e_total_against_lsnd_measurement():
    """LSND (Auerbach et al., Phys. Rev. D 63 (2001) 112001): sigma(nu_e e) = [10.1 +- 1.1 (stat)
    +- 1.0 (syst)] x E(MeV) x 1e-45 cm^2 with a mu+ decay-at-rest nu_e beam (20-53 MeV).
    Tolerance: one combined standard deviation (1.5e-45 cm^2/MeV), at E = 35 MeV. The SM value
    (9.6e-45) differs strongly from the value without the charged current (1.5e-45), so the test
    is sensitive to the CC shift."""
    E = 35.0 * MeV
    per_mev = total(E, "nu_e") / cm2 / E
    assert per_mev == pytest.approx(10.1e-45, abs=np.hypot(1.1, 1.0) * 1e-45)


def test_nu_mu_total_against_bubble_chamber_measurement():
    """Fermilab 15-foot bubble chamber, "Measurement of muon-neutrino electron elastic scattering
    in the Fermilab 15-foot bubble chamber", Phys. Rev. D (1989): sigma/E = (1.67 +- 0.44) x 1e-42
    cm^2/GeV (wide-band beam, E of tens of GeV; sigma/E is constant there). Tolerance: the quoted
    standard deviation, at E = 20 GeV."""
    E = 20 * GeV
    per_gev = total(E, "nu_mu") / cm2 / (E / GeV)
    assert per_gev == pytest.approx(1.67e-42, abs=0.44e-42)


@pytest.mark.parametrize("flavour", ["nu_e", "nu_mu", "nubar_mu"])
@pytest.mark.parametrize("E", [0.5, 29.79, M_MUON / 2])
def test_sm_vanishes_exactly_beyond_t_max(flavour, E):
    """T_max = 2E^2/(m_e + 2E) for elastic scattering on a free electron: non-zero just below,
    exactly zero just above, at T = 0 and far above."""
    tm = t_max_textbook(E)
    inside, outside = el.sm_electron_dsigma_dT(E, [tm * (1 - 1e-9), tm * (1 + 1e-9)], flavour)
    assert inside > 0
    assert outside == 0.0
    assert np.all(el.sm_electron_dsigma_dT(E, [0.0, 2 * tm, 100.0], flavour) == 0.0)


def test_atom_is_z_eff_times_free_electron():
    """Paper 003 Eq. (17) (kappa = SM): per atom = Z_eff(E_er) x free electron; above the K shell
    Z_eff = Z, so a Cs atom is exactly 55 electrons there."""
    E, T = 30.0, np.array([0.1, 1.0, 10.0, 50.0, 1000.0, 20000.0]) * keV
    for iso in (CS133, I127):
        free = el.sm_electron_dsigma_dT(E, T, "nu_e")
        atom = el.sm_atom_dsigma_dT(E, T, isotope=iso, flavour="nu_e")
        assert np.array_equal(atom, el.z_eff(iso, T) * free)
    high = T > 40 * keV
    atom = el.sm_atom_dsigma_dT(E, T[high], isotope=CS133, flavour="nubar_mu")
    assert np.allclose(atom, 55 * el.sm_electron_dsigma_dT(E, T[high], "nubar_mu"), rtol=1e-15)


# ------------------------------------------------------------------- nu e -> chi e (paper 003)


def lab_dot_products(E, T, m_chi):
    """Four-vectors of nu(p1) e(p2) -> chi(p3) e(p4) in the lab, built from energy-momentum
    conservation (electron scattering angle from p3^2 = m_chi^2), and their dot products."""
    p_e = np.sqrt(T * (T + 2 * ME))
    # (p1 + p2 - p4)^2 = m_chi^2 fixes cos(theta_e) between p1 and p4
    cos = (m_chi**2 + 2 * ME * T + 2 * E * T) / (2 * E * p_e)
    assert np.all(np.abs(cos) <= 1 + 1e-12)
    sin = np.sqrt(np.clip(1 - cos**2, 0, None))
    zero = np.zeros_like(T)
    p1 = np.stack([E + zero, zero, zero, E + zero])
    p2 = np.stack([ME + zero, zero, zero, zero])
    p4 = np.stack([ME + T, p_e * sin, zero, p_e * cos])
    p3 = p1 + p2 - p4
    metric = np.array([1.0, -1.0, -1.0, -1.0])[:, None]

    def dot(a, b):
        return np.sum(metric * a * b, axis=0)

    assert np.allclose(dot(p3, p3), m_chi**2, atol=1e-9 * E**2)
    vectors = {"1": p1, "2": p2, "3": p3, "4": p4}
    return {a + b: dot(vectors[a], vectors[b]) for a, b in ("12", "13", "14", "23", "24", "34")}


@pytest.mark.parametrize("m_chi", [0.0, 0.5, 3.0, 6.0])
def test_vector_matches_trace_calculation(m_chi):
    """Paper 003 Eq. (10) per free electron (Z_eff divided out) against an explicit spin sum of
    i M = g^2/(t - m_V^2) [chi gamma^mu P_L nu][e gamma_mu e] (averaged over the electron spin):
    sum|M|^2 = 8 g^4 [(p3.p4)(p1.p2) + (p2.p3)(p1.p4) - m_e^2 (p1.p3)] / (t - m_V^2)^2 and
    dsigma/dT = sum|M|^2 / (32 pi m_e E^2), with lab four-vectors. Tolerance 1e-9."""
    E, m_v = 45.0, 7.0
    t_lo, t_hi = kin.recoil_range(E, ME, m_chi)
    T = np.linspace(t_lo, t_hi, 41)[1:-1]
    p = lab_dot_products(E, T, m_chi)
    m2 = 8 * (p["34"] * p["12"] + p["23"] * p["14"] - ME**2 * p["13"]) / (m_v**2 + 2 * ME * T) ** 2
    expected = m2 / (32 * np.pi * ME * E**2)
    got = el.vector_electron_dsigma_dT(E, T, isotope=CS133, m_chi=m_chi, m_med=m_v)
    assert np.allclose(got / el.z_eff(CS133, T), expected, rtol=1e-9, atol=0)


@pytest.mark.parametrize("m_chi", [0.0, 0.5, 3.0, 6.0])
def test_scalar_matches_trace_calculation(m_chi):
    """Paper 003 Eq. (11) per free electron against the spin sum of
    i M = g^2/(t - m_S^2) [chi P_L nu][e e]: sum|M|^2 = 4 g^4 (p1.p3)(p2.p4 + m_e^2)/(t - m_S^2)^2
    (electron spin averaged). Tolerance 1e-9."""
    E, m_s = 45.0, 7.0
    t_lo, t_hi = kin.recoil_range(E, ME, m_chi)
    T = np.linspace(t_lo, t_hi, 41)[1:-1]
    p = lab_dot_products(E, T, m_chi)
    m2 = 4 * p["13"] * (p["24"] + ME**2) / (m_s**2 + 2 * ME * T) ** 2
    expected = m2 / (32 * np.pi * ME * E**2)
    got = el.scalar_electron_dsigma_dT(E, T, isotope=I127, m_chi=m_chi, m_med=m_s)
    assert np.allclose(got / el.z_eff(I127, T), expected, rtol=1e-9, atol=0)


@pytest.mark.parametrize("m_v", [0.05, 1.0, 30.0])
@pytest.mark.parametrize("m_chi", [0.0, 1e-3])
def test_vector_massless_limit_is_light_mediator_nu_e_formula(m_chi, m_v):
    """m_chi -> 0 recovers the light-vector nu e cross section of the literature (paper 003 cites
    refs. [34, 104, 105]): the SM formula with g_V -> g_V + g_nu g_e / (sqrt(2) G_F (m_V^2 +
    2 m_e T)) (e.g. De Romeri et al., JHEP 04 (2023) 035; Bilmis et al., Phys. Rev. D 92 (2015)
    033009). Its pure-mediator part (the g^4 term, with g_nu g_e = g^2 = 1 and g_A unchanged so
    it carries no axial part) is G_F^2 m_e/(2 pi) delta^2 [1 + (1 - T/E)^2 - m_e T/E^2]. Paper
    003 Eq. (10) has no interference with the SM (a different final state) so the two must agree.
    Tolerance 1e-6 (the m_chi = 1e-3 MeV mass correction is below 1e-7)."""
    E = 40.0
    T = np.geomspace(1.0, 30000.0, 40) * keV
    delta = 1 / (np.sqrt(2) * G_FERMI * (m_v**2 + 2 * ME * T))
    expected = G_FERMI**2 * ME / (2 * np.pi) * delta**2 * (1 + (1 - T / E) ** 2 - ME * T / E**2)
    got = el.vector_electron_dsigma_dT(E, T, isotope=CS133, m_chi=m_chi, m_med=m_v)
    assert np.allclose(got / el.z_eff(CS133, T), expected, rtol=1e-6, atol=0)


def test_scalar_massless_limit_is_light_scalar_formula():
    """m_chi -> 0 and T << m_e: the light-scalar nu e cross section of Cerdeno et al. (JHEP 05
    (2016) 118, paper 003 ref. [104]), g^4 m_e^2 T / (4 pi E^2 (m_S^2 + 2 m_e T)^2); the exact
    spin sum (test above) multiplies it by 1 + T/(2 m_e), below 1e-4 for T <= 0.1 keV
    (tolerance 2e-4)."""
    E, m_s = 30.0, 0.5
    T = np.linspace(0.01, 0.1, 10) * keV
    expected = ME**2 * T / (4 * np.pi * E**2 * (m_s**2 + 2 * ME * T) ** 2)
    got = el.scalar_electron_dsigma_dT(E, T, isotope=CS133, m_chi=0.0, m_med=m_s)
    assert np.allclose(got / el.z_eff(CS133, T), expected, rtol=2e-4, atol=0)


def test_electron_kinematic_limit_at_the_sns():
    """Paper 003 Sec. II: m_chi <= sqrt(m (m_mu + m)) - m with m = m_e, about 6.85 MeV
    (physics-notes; paper 003 quotes ~7 MeV). With E <= m_mu/2: something is produced just below
    the limit, nothing (exactly zero, any T, any E) just above."""
    limit = np.sqrt(ME * (M_MUON + ME)) - ME
    assert limit == pytest.approx(6.85, abs=0.01)
    E_top = M_MUON / 2
    below = limit * (1 - 1e-3)
    t_lo, t_hi = kin.recoil_range(E_top, ME, below)
    T_mid = 0.5 * (t_lo + t_hi)
    for func in (el.vector_electron_dsigma_dT, el.scalar_electron_dsigma_dT):
        assert func(E_top, T_mid, isotope=CS133, m_chi=below, m_med=1.0) > 0
        E = np.linspace(1.0, E_top, 60)[:, None]
        T = np.geomspace(1e-6, 60.0, 3000)
        above = func(E, T, isotope=I127, m_chi=limit * (1 + 1e-3), m_med=1.0)
        assert above.shape == (60, 3000)
        assert np.all(above == 0.0)


@pytest.mark.parametrize("func", [el.vector_electron_dsigma_dT, el.scalar_electron_dsigma_dT])
def test_zero_outside_the_recoil_range(func):
    """Exactly zero below T_- and above T_+ of paper 003 Eq. (14) with M = m_e; positive inside."""
    E, m_chi = 40.0, 3.0
    t_lo, t_hi = kin.recoil_range(E, ME, m_chi)
    T = np.array([0.0, 0.5 * t_lo, t_lo * (1 - 1e-6), t_lo * 1.01, t_hi * 0.99, t_hi * 1.001])
    values = func(E, T, isotope=CS133, m_chi=m_chi, m_med=5.0)
    assert values[[0, 1, 2, 5]].tolist() == [0.0] * 4
    assert np.all(values[[3, 4]] > 0)


def test_broadcasting_over_masses_energies_and_recoils():
    """Shapes as the folding engine uses them: (mass, T, E) with masses (n, 1, 1)."""
    m_chi = np.array([0.0, 1.0, 4.0])[:, None, None]
    m_med = np.array([0.1, 10.0, 100.0])[:, None, None]
    T = np.geomspace(1e-3, 20.0, 5)[None, :, None]
    E = np.linspace(10.0, 50.0, 4)[None, None, :]
    got = el.vector_electron_dsigma_dT(E, T, isotope=CS133, m_chi=m_chi, m_med=m_med)
    assert got.shape == (3, 5, 4)
    for i, j, k in np.ndindex(got.shape):
        one = el.vector_electron_dsigma_dT(
            E[0, 0, k], T[0, j, 0], isotope=CS133, m_chi=m_chi[i, 0, 0], m_med=m_med[i, 0, 0]
        )
        assert got[i, j, k] == one


def test_unreachable_energy_gives_zero():
    """E = +inf is what e_nu_min returns for a recoil no neutrino can produce (T = 0 with
    m_chi > 0); the folding engine passes it on at zero-weight nodes. Result: 0, no warning."""
    E_min = kin.e_nu_min(np.array([0.0, 1.0]), ME, 2.0)
    assert np.isinf(E_min[0])
    for func in (el.vector_electron_dsigma_dT, el.scalar_electron_dsigma_dT):
        values = func(E_min, np.array([0.0, 1.0]), isotope=CS133, m_chi=2.0, m_med=3.0)
        assert values[0] == 0.0
        assert values[1] >= 0.0
    assert el.sm_electron_dsigma_dT(np.inf, 0.0, "nu_e") == 0.0


# ------------------------------------------------------------------------------------- Z_eff

# Paper 003 Table I, transcribed independently: (Z_eff, lower and upper edge of E_er in keV)
TABLE_I = {
    CS133: [
        (55, 35.99, np.inf), (53, 5.71, 35.99), (51, 5.36, 5.71), (49, 5.01, 5.36),
        (45, 1.21, 5.01), (43, 1.07, 1.21), (41, 1.00, 1.07), (37, 0.74, 1.00),
        (33, 0.73, 0.74), (27, 0.23, 0.73), (25, 0.17, 0.23), (23, 0.16, 0.17), (19, 0.0, 0.16),
    ],
    I127: [
        (53, 33.17, np.inf), (51, 5.19, 33.17), (49, 4.86, 5.19), (47, 4.56, 4.86),
        (43, 1.07, 4.56), (41, 0.93, 1.07), (39, 0.88, 0.93), (35, 0.63, 0.88),
        (31, 0.62, 0.63), (25, 0.19, 0.62), (23, 0.124, 0.19), (21, 0.123, 0.124),
        (17, 0.0, 0.123),
    ],
}  # fmt: skip

# X-ray Data Booklet (Thompson et al. 2009, Table 1-1; paper 003 ref. [124]), eV, K..N3
BOOKLET_EV = {
    CS133: [35985, 5714, 5359, 5012, 1211, 1071, 1003, 740.5, 726.6, 232.3, 172.4, 161.3],
    I127: [33169, 5188, 4852, 4557, 1072, 931, 875, 630.8, 619.3, 186, 123, 123],
}

# electrons per subshell: 2j + 1 for s1/2, p1/2, p3/2, d3/2, d5/2
OCCUPANCY = {"K": 2, "L1": 2, "L2": 2, "L3": 4, "M1": 2, "M2": 2, "M3": 4, "M4": 4, "M5": 6,
             "N1": 2, "N2": 2, "N3": 4}  # fmt: skip


@pytest.mark.parametrize("iso", [CS133, I127])
def test_z_eff_reproduces_table_I(iso):
    """Every row of paper 003 Table I (Z_eff for lower < E_er <= upper): just above the lower
    edge, in the middle and at the upper edge; the steps at high energy add up to Z (first row)."""
    rows = TABLE_I[iso]
    assert rows[0][0] == iso.Z
    for value, lower, upper in rows:
        points = [lower * (1 + 1e-9) if lower > 0 else 0.0]
        points += [0.5 * (lower + upper), upper * (1 - 1e-9)] if np.isfinite(upper) else [1e3]
        assert np.all(el.z_eff(iso, np.array(points) * keV) == value), (value, lower, upper)


@pytest.mark.parametrize("iso", [CS133, I127, AR40, GE70, GE76])
def test_z_eff_is_z_at_high_energy(iso):
    """Above the K-shell binding energy every electron can be ionised: Z_eff = Z."""
    assert np.all(el.z_eff(iso, np.array([0.1, 1.0, 53.0]) * MeV) == iso.Z)


@pytest.mark.parametrize("iso", [CS133, I127, AR40, GE70])
def test_z_eff_steps_at_binding_energies(iso):
    """Z_eff jumps by the subshell occupancy (2j+1) at each binding energy, with the Table I
    convention that a subshell counts for E_er strictly above its binding energy."""
    table = el.Z_EFF_TABLES[iso.Z]
    assert sum(n for _, _, n in table.subshells) <= iso.Z
    for label, binding_kev, n in table.subshells:
        assert n == OCCUPANCY[label]
        B = binding_kev * keV
        below, at, above = el.z_eff(iso, [B * (1 - 1e-9), B, B * (1 + 1e-9)])
        assert above - below == n, label
        assert at == below


@pytest.mark.parametrize("iso", [CS133, I127])
def test_table_I_edges_agree_with_xray_data_booklet(iso):
    """Table I is the booklet's binding energies rounded to 10 eV (I: N2 = N3 = 123 eV in the
    booklet, split into 124/123 eV in Table I; L2 = 4.852 keV printed as 4.86). Tolerance 10 eV."""
    edges = [b for _, b, _ in el.Z_EFF_TABLES[iso.Z].subshells]
    assert np.allclose(np.array(edges) * 1000, BOOKLET_EV[iso], rtol=0, atol=10.0)


def test_z_eff_accepts_isotope_names_and_arrays():
    T = np.array([[0.1, 1.0], [10.0, 100.0]]) * keV
    assert np.array_equal(el.z_eff("Cs133", T), el.z_eff(CS133, T))
    assert el.z_eff(I127, T).shape == (2, 2)


# -------------------------------------------------------------------------------- bad input


def test_bad_input_raises_parameter_error():
    xe = Isotope("Xe132", 54, 132, 131.904155)
    with pytest.raises(ParameterError, match="no Z_eff table for Xe132"):
        el.z_eff(xe, 1.0)
    with pytest.raises(ParameterError, match="no Z_eff table"):
        el.vector_electron_dsigma_dT(30.0, 0.01, isotope=xe, m_chi=1.0, m_med=1.0)
    with pytest.raises(ParameterError, match="unknown isotope"):
        el.z_eff("Cs999", 1.0)
    with pytest.raises(ParameterError, match="isotope must be"):
        el.z_eff(55, 1.0)
    with pytest.raises(ParameterError, match="unknown neutrino flavour"):
        el.sm_electron_dsigma_dT(30.0, 1.0, "nu_x")
    with pytest.raises(ParameterError, match="unknown neutrino flavour"):
        el.sm_atom_dsigma_dT(30.0, 1.0, isotope=CS133, flavour="electron")
    for E in (0.0, -1.0, np.nan):
        with pytest.raises(ParameterError, match="neutrino energy"):
            el.sm_electron_dsigma_dT(E, 1.0, "nu_e")
    for T in (-1.0, np.nan, np.inf):
        with pytest.raises(ParameterError, match="recoil energy"):
            el.scalar_electron_dsigma_dT(30.0, T, isotope=CS133, m_chi=1.0, m_med=1.0)
        with pytest.raises(ParameterError, match="recoil energy"):
            el.z_eff(CS133, T)
    for m_chi in (-1.0, np.nan):
        with pytest.raises(ParameterError, match="m_chi"):
            el.vector_electron_dsigma_dT(30.0, 1.0, isotope=CS133, m_chi=m_chi, m_med=1.0)
    for m_med in (0.0, -2.0, np.nan):
        with pytest.raises(ParameterError, match="m_med"):
            el.scalar_electron_dsigma_dT(30.0, 1.0, isotope=CS133, m_chi=1.0, m_med=m_med)
