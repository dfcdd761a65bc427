"""Dimension-6 EFT cross section of paper 002 Eq. (2) (upscatter.xsec.eft).

References used here, all independent of the code under test:
* the tree-level amplitude of paper 002 Appendix A, Eqs. (A1), (A4), (A5), evaluated with
  explicit Dirac spinors for a Dirac target of mass M and charge Z (the prescription of
  Appendix A: "nucleus mass should be used and the couplings ... replaced by form factors"),
  with <|M|^2> = (1/2) sum over all spins and e v_H = 2 M_W s_W;
* the nuclear couplings of paper 002 Eqs. (3)-(7), with the Eq. (7) numbers typed in below;
* paper 002 Eq. (8) (dipole peak), footnote 6, the antineutrino rules after Eq. (1);
* paper 000 Eq. (23) (SM CEvNS) and paper 003 Eqs. (4), (6) (heavy-mediator limit).
"""

from __future__ import annotations

import numpy as np
import pytest

from upscatter.constants import G_FERMI, M_DOWN, M_NEUTRON, M_PROTON, M_UP, M_W, SIN2_THETA_W
from upscatter.errors import ParameterError
from upscatter.form_factors import helm
from upscatter.kinematics import recoil_momentum, recoil_range, threshold_energy
from upscatter.nuclei import CS133, Isotope
from upscatter.xsec.eft import (
    OPERATOR_ALIASES,
    OPERATORS,
    coupling_vector,
    eft_basis_dsigma_dT,
    eft_dsigma_dT,
    quadratic_form,
)
from upscatter.xsec.mediators import scalar_nucleus_dsigma_dT, vector_nucleus_dsigma_dT
from upscatter.xsec.sm import sm_dsigma_dT

# Paper 002 Eq. (7).
F_T_P = {"u": 0.019, "d": 0.041}
F_T_N = {"u": 0.023, "d": 0.034}
DELTA_P = {"u": 0.54, "d": -0.23}
DELTA_N = {"u": -0.23, "d": 0.54}
M_QUARK = {"u": M_UP, "d": M_DOWN}

# A light toy nucleus keeps the spinor arithmetic well conditioned (M T / M^2 ~ 1e-5).
LI7 = Isotope("Li7", 3, 7, 7.016003434)

# ---------------------------------------------------------------------------------------------
# Reference: paper 002 Appendix A amplitude with explicit Dirac matrices (Dirac representation).
_I2, _O2 = np.eye(2), np.zeros((2, 2))
_PAULI = np.array([[[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]], dtype=complex)
_G = np.array(
    [np.block([[_I2, _O2], [_O2, -_I2]])] + [np.block([[_O2, s], [-s, _O2]]) for s in _PAULI]
).astype(complex)
_G5 = 1j * _G[0] @ _G[1] @ _G[2] @ _G[3]
_ETA = np.diag([1.0, -1.0, -1.0, -1.0])
_SIGMA = 0.5j * (np.einsum("mab,nbc->mnac", _G, _G) - np.einsum("nab,mbc->mnac", _G, _G))
_ONE = np.eye(4, dtype=complex)
_P_L = 0.5 * (_ONE - _G5)


def _spinors(p, m, anti=False):
    """u(p, s) (or v(p, s)) for both spins, shape (2, 4); sum u ubar = pslash + m."""
    e = p[0]
    sp = np.einsum("i,ijk->jk", p[1:], _PAULI)
    out = []
    for xi in np.eye(2, dtype=complex):
        big, small = np.sqrt(e + m) * xi, sp @ xi / np.sqrt(e + m)
        out.append(np.concatenate([small, big] if anti else [big, small]))
    return np.array(out)


def _bar(spinors):
    return spinors.conj() @ _G[0]


def _bilinear(left_bar, matrices, right):
    return np.einsum("ai,...ij,bj->...ab", left_bar, matrices, right)


def appendix_a_amplitudes(E, T, M, Z, m_chi, nuclear, antineutrino=False, left_handed=False):
    """Paper 002 Eqs. (A1), (A4), (A5) amplitude of each operator, nucleus-level couplings, F = 1.

    Returns {op: M_op[s_out, s_in, s_target_out, s_target_in]}, the amplitude is their sum.
    The neutrino process uses the conjugated couplings of Eq. (A4); the antineutrino process
    is computed directly from the Lagrangian term nubar Gamma chi with v spinors, i.e. without
    the replacement rules that the code applies. ``left_handed``: P_L on the incoming
    neutrino spinor u(p1) (for an antineutrino on v(p1), i.e. vbar(p1) P_R: right-handed), the
    neutrino field of Eq. (1) being nu_L.
    """
    c = {op: complex(nuclear.get(op, 0.0)) for op in OPERATORS}
    if not antineutrino:
        c = {op: v.conjugate() for op, v in c.items()}
    p_rec = np.sqrt(T * (T + 2 * M))
    cos = (T * (M + E) + m_chi**2 / 2) / (E * p_rec)  # Eq. (A1)
    sin = np.sqrt(1 - cos**2)
    p1 = np.array([E, 0, 0, E])
    k1 = np.array([M, 0, 0, 0.0])
    k2 = np.array([M + T, p_rec * sin, 0, p_rec * cos])
    p2 = p1 + k1 - k2
    t = p1 - p2
    t2 = t @ _ETA @ t
    incoming = _spinors(p1, 0.0, anti=antineutrino)
    if left_handed:
        incoming = incoming @ _P_L.T  # each row u -> P_L u
    if antineutrino:
        left, right = _bar(incoming), _spinors(p2, m_chi, anti=True)
    else:
        left, right = _bar(_spinors(p2, m_chi)), incoming
    had_bar, had = _bar(_spinors(k2, M)), _spinors(k1, M)
    had_v = np.einsum("mn,ncd->mcd", _ETA, _bilinear(had_bar, _G, had))  # lower index
    had_s = _bilinear(had_bar, _ONE, had)
    had_t = np.einsum("ma,nb,abcd->mncd", _ETA, _ETA, _bilinear(had_bar, _SIGMA, had))
    e_vh = 2 * M_W * np.sqrt(SIN2_THETA_W)  # e v_H = 2 M_W s_W: Eq. (2) is written with M_W s_W
    g = G_FERMI / np.sqrt(2)
    dipole = 1j * G_FERMI * e_vh * Z / t2
    lepton = {
        "C_V": _G * c["C_V"],
        "D_A": _G @ _G5 * c["D_A"],
        "C_S": _ONE * c["C_S"],
        "D_P": 1j * _G5 * c["D_P"],
        "C_T": _SIGMA * c["C_T"],
        "a_M": _SIGMA * c["a_M"],
        "a_E": 1j * _SIGMA @ _G5 * c["a_E"],
    }
    out = {}
    for op, gamma in lepton.items():
        lep = _bilinear(left, gamma, right)
        if op in ("C_V", "D_A"):
            out[op] = g * np.einsum("mab,mcd->abcd", lep, had_v)
        elif op in ("C_S", "D_P"):
            out[op] = g * np.einsum("ab,cd->abcd", lep, had_s)
        elif op == "C_T":
            out[op] = g * np.einsum("mnab,mncd->abcd", lep, had_t)
        else:
            out[op] = dipole * np.einsum("mnab,mcd,n->abcd", lep, had_v, _ETA @ t)
    return out


def _spin_averaged(amp_a, amp_b, M, E):
    """(1/2) sum over spins of amp_a* amp_b / (32 pi M E^2): dsigma/dT for amp_a = amp_b (the
    1/2 averages the target spin; the neutrino spin is summed, or fixed by P_L)."""
    return 0.5 * np.sum(amp_a.conj() * amp_b).real / (32 * np.pi * M * E**2)


def appendix_a_dsigma_dT(E, T, M, Z, m_chi, nuclear, antineutrino=False, left_handed=False):
    """dsigma/dT from the Appendix A amplitude (:func:`appendix_a_amplitudes`)."""
    amps = appendix_a_amplitudes(E, T, M, Z, m_chi, nuclear, antineutrino, left_handed)
    total = sum(amps.values())
    return _spin_averaged(total, total, M, E)


def appendix_a_interference(E, T, M, Z, m_chi, nuclear, a, b, antineutrino=False):
    """2 Re of the spin sum of M_a* M_b (left-handed neutrino): the interference of a and b
    alone, without the cancellation of sigma(a + b) - sigma(a) - sigma(b)."""
    amps = appendix_a_amplitudes(E, T, M, Z, m_chi, nuclear, antineutrino, left_handed=True)
    return 2 * _spin_averaged(amps[a], amps[b], M, E)


def nuclear_couplings(isotope, quark_coefficients):
    """Paper 002 Eqs. (3)-(6) at F = 1 from per-quark coefficients {op: {u, d} or number}."""
    Z, N = isotope.Z, isotope.N
    out = {}
    for op, value in quark_coefficients.items():
        if op in ("a_M", "a_E"):
            out[op] = value
            continue
        q = value if isinstance(value, dict) else {"u": value, "d": value}
        if op in ("C_S", "D_P"):
            out[op] = sum(
                q[k]
                * (Z * M_PROTON / M_QUARK[k] * F_T_P[k] + N * M_NEUTRON / M_QUARK[k] * F_T_N[k])
                for k in q
            )
        elif op in ("C_V", "D_A"):
            out[op] = N * (q["u"] + 2 * q["d"]) + Z * (2 * q["u"] + q["d"])
        else:
            out[op] = sum(q[k] * (Z * DELTA_P[k] + N * DELTA_N[k]) for k in q)
    return out


def random_coefficients(rng, ops, per_quark=True):
    """Random complex coefficients of natural size (dipole ~1e-4, contact ~1e-2)."""
    out = {}
    for op in ops:
        scale = 1e-4 if op in ("a_M", "a_E") else 1e-2

        def draw(scale=scale):
            return scale * complex(*rng.normal(size=2))

        if per_quark and op not in ("a_M", "a_E"):
            out[op] = {"u": draw(), "d": draw()}
        else:
            out[op] = draw()
    return out


def kinematic_points(M, E, m_chi, fractions=(0.1, 0.5, 0.9)):
    t_min, t_max = recoil_range(E, M, m_chi)
    return [float(t_min + f * (t_max - t_min)) for f in fractions]


# ---------------------------------------------------------------------------------------------
# Eq. (2) against the Appendix A amplitude.
NON_VECTOR = ("a_M", "a_E", "C_S", "D_P", "C_T")


@pytest.mark.parametrize("antineutrino", [False, True])
@pytest.mark.parametrize(("E", "m_chi"), [(50.0, 20.0), (30.0, 5.0), (53.0, 40.0)])
def test_eq2_equals_appendix_a_amplitude(E, m_chi, antineutrino):
    """Random complex, per-quark coefficients; tolerance 1e-9 relative.

    Checked separately for the dipole/scalar/pseudoscalar/tensor sector and the vector/axial
    sector: Eq. (2) omits the m_chi-proportional interference between the two sectors
    (docs/physics-decisions.md), so the full amplitude is compared with all seven operators
    only at m_chi = 0 (next test). This comparison fails for the printed sqrt(2 pi) in the
    C_T-A_M line and for the printed T^2/(2 M E^2) in the C_T-C_S line.
    """
    rng = np.random.default_rng(int(E + m_chi) + antineutrino)
    for sector in (NON_VECTOR, ("C_V", "D_A")):
        coeffs = random_coefficients(rng, sector)
        nuclear = nuclear_couplings(LI7, coeffs)
        for T in kinematic_points(LI7.mass, E, m_chi):
            expected = appendix_a_dsigma_dT(E, T, LI7.mass, LI7.Z, m_chi, nuclear, antineutrino)
            got = eft_dsigma_dT(
                E,
                T,
                isotope=LI7,
                m_chi=m_chi,
                coefficients=coeffs,
                antineutrino=antineutrino,
                convention="paper",
                form_factor="unity",
            )
            assert got == pytest.approx(expected, rel=1e-9, abs=0)


@pytest.mark.parametrize("antineutrino", [False, True])
def test_all_operators_equal_amplitude_at_zero_mass(antineutrino):
    """m_chi = 0: every interference the helicity-summed amplitude has is in Eq. (2) (1e-9)."""
    rng = np.random.default_rng(7)
    coeffs = random_coefficients(rng, OPERATORS)
    nuclear = nuclear_couplings(LI7, coeffs)
    for T in kinematic_points(LI7.mass, 40.0, 0.0):
        expected = appendix_a_dsigma_dT(40.0, T, LI7.mass, LI7.Z, 0.0, nuclear, antineutrino)
        got = eft_dsigma_dT(
            40.0,
            T,
            isotope=LI7,
            m_chi=0.0,
            coefficients=coeffs,
            antineutrino=antineutrino,
            convention="paper",
            form_factor="unity",
        )
        assert got == pytest.approx(expected, rel=1e-9, abs=0)


@pytest.mark.parametrize(
    ("a", "b"), [("C_T", "a_M"), ("a_M", "C_S"), ("a_E", "D_P"), ("C_T", "C_S")]
)
@pytest.mark.parametrize(("E", "m_chi"), [(50.0, 20.0), (53.0, 0.0)])
def test_each_interference_line_equals_amplitude(a, b, E, m_chi):
    """Each interference line alone, sigma(a+b) - sigma(a) - sigma(b), to 1e-7 relative.

    The C_T lines are suppressed by T/E, so in a total they would hide behind the |c|^2 terms;
    isolated, the check is sensitive to the garbled parts (sqrt(2) pi in the C_T-A_M line, the
    T^2/E^2 in the C_T-C_S bracket, both of which change the line by far more than 1e-7).
    """
    coeffs = {a: 0.7 - 0.2j, b: 0.3 + 0.5j}
    nuclear = nuclear_couplings(LI7, coeffs)

    def line(func):
        return func([a, b]) - func([a]) - func([b])

    for T in kinematic_points(LI7.mass, E, m_chi):

        def ref(ops, T=T):
            return appendix_a_dsigma_dT(
                E, T, LI7.mass, LI7.Z, m_chi, {op: nuclear[op] for op in ops}
            )

        def ours(ops, T=T):
            return eft_dsigma_dT(
                E,
                T,
                isotope=LI7,
                m_chi=m_chi,
                coefficients={op: coeffs[op] for op in ops},
                convention="paper",
                form_factor="unity",
            )

        expected = line(ref)
        assert abs(expected) > 1e-9 * ref([a, b])  # the line is far above rounding
        assert line(ours) == pytest.approx(expected, rel=1e-7, abs=0)


def test_printed_tensor_dipole_prefactor_would_give_negative_cross_sections():
    """The (a_M, C_S, C_T) block of K is positive semi-definite (a sum of |amplitude|^2).

    At m_chi = 0 the three amplitudes become linearly dependent as T -> T_max, so the block's
    smallest eigenvalue goes to zero; with the printed G_F^2 Z s_W/sqrt(2 pi) (sqrt(pi) larger
    than with sqrt(2) pi) it is clearly negative there, i.e. some real coefficients would give
    dsigma/dT < 0. Eigenvalues of the correlation matrix; round-off is ~1e-13.
    """
    ops = ["a_M", "C_S", "C_T"]
    t_max = recoil_range(53.0, LI7.mass, 0.0)[1]
    T = t_max * (1 - np.geomspace(1e-8, 0.5, 30))
    kw = dict(operators=ops, convention="paper")
    K = eft_basis_dsigma_dT(53.0, T, isotope=LI7, m_chi=0.0, **kw)[..., ::2, ::2]

    def smallest_eigenvalue(tensor_dipole_factor):
        Kp = K.copy()
        Kp[..., 0, 2] *= tensor_dipole_factor
        Kp[..., 2, 0] *= tensor_dipole_factor
        d = np.sqrt(np.einsum("...ii->...i", Kp))
        return np.linalg.eigvalsh(Kp / d[..., :, None] / d[..., None, :]).min()

    assert smallest_eigenvalue(1.0) > -1e-12
    assert smallest_eigenvalue(np.sqrt(np.pi)) < -1e-6
    # massive chi, Cs-133, the whole range: still positive semi-definite
    t_min, t_max = recoil_range(53.0, CS133.mass, 40.0)
    T = np.linspace(t_min, t_max, 401)[1:-1]
    K = eft_basis_dsigma_dT(53.0, T, isotope=CS133, m_chi=40.0, **kw)[..., ::2, ::2]
    assert smallest_eigenvalue(1.0) > -1e-12


# ---------------------------------------------------------------------------------------------
# convention="physical": a left-handed neutrino (right-handed antineutrino), the full amplitude.
@pytest.mark.parametrize("antineutrino", [False, True])
@pytest.mark.parametrize(
    ("E", "m_chi"), [(50.0, 20.0), (30.0, 5.0), (20.0, 2.0), (53.0, 40.0), (40.0, 0.0)]
)
def test_physical_equals_the_left_handed_amplitude(E, m_chi, antineutrino):
    """All seven operators with random complex per-quark coefficients: the physical convention
    equals the Appendix A amplitude with P_L on the incoming neutrino spinor (antineutrino:
    vbar(p1) P_R from the Lagrangian, no replacement rules), 1e-10 relative."""
    rng = np.random.default_rng(int(E + 3 * m_chi) + antineutrino)
    for _ in range(2):
        coeffs = random_coefficients(rng, OPERATORS)
        nuclear = nuclear_couplings(LI7, coeffs)
        for T in kinematic_points(LI7.mass, E, m_chi):
            expected = appendix_a_dsigma_dT(
                E, T, LI7.mass, LI7.Z, m_chi, nuclear, antineutrino, left_handed=True
            )
            got = eft_dsigma_dT(
                E,
                T,
                isotope=LI7,
                m_chi=m_chi,
                coefficients=coeffs,
                antineutrino=antineutrino,
                form_factor="unity",
            )
            assert got == pytest.approx(expected, rel=1e-10, abs=0)


PAIRS = [(a, b) for i, a in enumerate(OPERATORS) for b in OPERATORS[i + 1 :]]
MISSING_FROM_EQ2 = [("C_S", "C_V"), ("D_P", "D_A"), ("C_V", "C_T"), ("a_M", "C_V"), ("a_E", "D_A")]


@pytest.mark.parametrize("antineutrino", [False, True])
@pytest.mark.parametrize(("E", "m_chi"), [(50.0, 20.0), (30.0, 5.0), (53.0, 40.0), (40.0, 0.0)])
def test_every_physical_interference_line_equals_the_amplitude(E, m_chi, antineutrino):
    """Each of the 21 operator pairs alone: sigma(a + b) - sigma(a) - sigma(b) of the physical
    convention against 2 Re sum M_a* M_b of the left-handed amplitude (no subtraction there).

    This isolates the m_chi-proportional lines that Eq. (2) leaves out (C_V-C_S, D_A-D_P, C_V-T,
    C_V-a_M, D_A-a_E and their mixed partners such as C_V-D_P) and the interference of parity
    partners (C_V-D_A, C_S-D_P, a_M-a_E) that a fixed helicity has. Tolerance: 1e-10 of
    sqrt(sigma_a sigma_b) (the Cauchy-Schwarz scale of a line; relative 1e-10 for an O(1)
    normalised line); at m_chi = 0 the vector-sector lines must vanish to that accuracy.
    """
    phases = np.exp(2j * np.pi * np.arange(7) / 7)  # no two alike: no line vanishes by phase
    coeffs = {
        op: 1e-2 * p if op.startswith("a_") else p for op, p in zip(OPERATORS, phases, strict=True)
    }
    nuclear = nuclear_couplings(LI7, coeffs)
    kw = dict(isotope=LI7, m_chi=m_chi, antineutrino=antineutrino, form_factor="unity")
    for T in kinematic_points(LI7.mass, E, m_chi):

        def ours(ops, T=T):
            return eft_dsigma_dT(E, T, coefficients={op: coeffs[op] for op in ops}, **kw)

        for a, b in PAIRS:
            expected = appendix_a_interference(
                E, T, LI7.mass, LI7.Z, m_chi, nuclear, a, b, antineutrino
            )
            scale = np.sqrt(ours([a]) * ours([b]))
            got = ours([a, b]) - ours([a]) - ours([b])
            assert abs(got - expected) <= 1e-10 * scale, (a, b, T)


@pytest.mark.parametrize("antineutrino", [False, True])
@pytest.mark.parametrize(("E", "m_chi"), [(20.0, 2.0), (30.0, 5.0), (50.0, 20.0), (53.0, 40.0)])
@pytest.mark.parametrize(("a", "b"), [*MISSING_FROM_EQ2, ("D_P", "C_V"), ("C_S", "D_A")])
def test_missing_interference_lines_equal_the_amplitude(a, b, E, m_chi, antineutrino):
    """The m_chi-proportional lines absent from Eq. (2), each on its own, relative 1e-10.

    Ours: the off-diagonal block of the physical basis K (no subtraction), for c_a = 1 and
    c_b = 1 or i; reference: 2 Re sum M_a* M_b of the left-handed Appendix A amplitude with
    explicit spinors. The C_V-C_T line is ~1e-5 to 1e-3 of sqrt(sigma_a sigma_b) at low T,
    so only a comparison of the line alone tests it.
    """
    for T in kinematic_points(LI7.mass, E, m_chi):
        K = eft_basis_dsigma_dT(
            E,
            T,
            isotope=LI7,
            m_chi=m_chi,
            operators=[a, b],
            antineutrino=antineutrino,
            form_factor="unity",
        )
        largest = 0.0
        for column, phase in ((2, 1.0), (3, 1j)):
            nuclear = nuclear_couplings(LI7, {a: 1.0, b: phase})
            expected = appendix_a_interference(
                E, T, LI7.mass, LI7.Z, m_chi, nuclear, a, b, antineutrino
            )
            scale = 2 * np.sqrt(K[0, 0] * K[2, 2])
            assert 2 * K[0, column] == pytest.approx(expected, rel=1e-10, abs=1e-14 * scale)
            largest = max(largest, abs(expected) / scale)
        assert largest > 1e-5  # one of the two phases gives a line far above the tolerance


@pytest.mark.parametrize("antineutrino", [False, True])
@pytest.mark.parametrize("m_chi", [0.0, 1e-3, 5.0, 30.0])
@pytest.mark.parametrize("op", OPERATORS)
def test_physical_is_half_the_paper_for_one_operator(op, m_chi, antineutrino):
    """A single non-chiral operator: the left-handed rate is exactly half of the helicity-summed
    Eq. (2) (1e-12), at every m_chi (the m_chi-proportional lines need two structures)."""
    E = np.array([[20.0], [53.0]])
    T = np.geomspace(1e-5, 0.05, 60)
    value = 2e-4 - 1e-4j if op.startswith("a_") else {"u": 0.02 + 0.01j, "d": -0.03}
    kw = dict(isotope=CS133, m_chi=m_chi, coefficients={op: value}, antineutrino=antineutrino)
    physical = eft_dsigma_dT(E, T, convention="physical", **kw)
    paper = eft_dsigma_dT(E, T, convention="paper", **kw)
    assert np.count_nonzero(paper) > 20
    np.testing.assert_allclose(physical, 0.5 * paper, rtol=1e-12, atol=0)


@pytest.mark.parametrize("antineutrino", [False, True])
def test_paper_is_the_sum_of_both_helicities_at_zero_mass(antineutrino):
    """m_chi = 0, all seven operators: Eq. (2) = physical(c) + physical(parity image of c), the
    parity image (D_P, D_A, a_E) -> -(D_P, D_A, a_E) turning the left-handed chiral combinations
    into the right-handed ones (1e-12). At m_chi = 20 MeV the two differ by the m_chi lines that
    Eq. (2) leaves out (more than 1% here)."""
    rng = np.random.default_rng(11)
    coeffs = random_coefficients(rng, OPERATORS)
    parity = {op: _negate(v) if op in ("D_P", "D_A", "a_E") else v for op, v in coeffs.items()}
    E = np.array([[30.0], [50.0]])
    kw = dict(isotope=CS133, coefficients=coeffs, antineutrino=antineutrino)
    for m_chi, equal in ((0.0, True), (20.0, False)):
        T = np.linspace(*recoil_range(30.0, CS133.mass, m_chi), 40)[1:-1]
        paper = eft_dsigma_dT(E, T, m_chi=m_chi, convention="paper", **kw)
        both = eft_dsigma_dT(E, T, m_chi=m_chi, **kw) + eft_dsigma_dT(
            E, T, m_chi=m_chi, **{**kw, "coefficients": parity}
        )
        if equal:
            np.testing.assert_allclose(both, paper, rtol=1e-12, atol=0)
        else:
            assert np.max(np.abs(both / paper - 1)) > 1e-2


def _negate(value):
    return {q: -v for q, v in value.items()} if isinstance(value, dict) else -value


def test_physical_basis_is_positive_semi_definite():
    """The physical basis (all seven operators, real and imaginary parts) is a sum of
    |amplitude|^2 and must be positive semi-definite: Cs-133, E = 53 MeV, m_chi = 0 and 40 MeV,
    the whole recoil range. Smallest eigenvalue of the correlation matrix > -1e-12."""
    for m_chi in (0.0, 40.0):
        t_min, t_max = recoil_range(53.0, CS133.mass, m_chi)
        T = np.linspace(t_min, t_max, 201)[1:-1]
        K = eft_basis_dsigma_dT(53.0, T, isotope=CS133, m_chi=m_chi, operators=list(OPERATORS))
        d = np.sqrt(np.einsum("...ii->...i", K))
        assert np.all(d > 0)
        eigenvalues = np.linalg.eigvalsh(K / d[..., :, None] / d[..., None, :])
        assert eigenvalues.min() > -1e-12
        # a fixed helicity sees 4 chiral combinations of the 7 operators: rank 2 x 4 = 8 of 14
        # (lower where the structures become degenerate, e.g. at T_max)
        rank = np.sum(eigenvalues > 1e-9, axis=-1)
        assert rank.max() == 8


# ---------------------------------------------------------------------------------------------
# Statements of paper 002.
def test_dipole_peak_is_eq8():
    """F = 1: the dipole term peaks at T_peak of Eq. (8) (to the 1e-4 keV grid step)."""
    E, m, M = 53.0, 40.0, CS133.mass
    t_min, t_max = recoil_range(E, M, m)
    T = np.arange(t_min, t_max, 1e-7)
    y = eft_dsigma_dT(E, T, isotope=CS133, m_chi=m, coefficients={"a_M": 1e-4}, form_factor="unity")
    x = 1 - m**2 / (4 * E**2) - m**2 / (2 * M * E) + m**4 / (8 * M**2 * E**2)
    t_peak = m**4 / (4 * M * E**2) / x
    assert T[np.argmax(y)] == pytest.approx(t_peak, abs=2e-7)


def test_dipole_peak_about_2_keV_with_helm():
    """Paper 002 Eq. (8) and Fig. 2: Cs-133, m_chi = 40 MeV, E = 53 MeV, peak ~2 keV (+-10%)."""
    T = np.linspace(1.0e-3, 10.0e-3, 9001)
    y = eft_dsigma_dT(53.0, T, isotope=CS133, m_chi=40.0, coefficients={"a_M": 1e-4})
    assert T[np.argmax(y)] == pytest.approx(2.0e-3, rel=0.1, abs=0)


@pytest.mark.parametrize("convention", ["physical", "paper"])
@pytest.mark.parametrize("antineutrino", [False, True])
@pytest.mark.parametrize(("odd", "even"), [("D_P", "C_S"), ("D_A", "C_V"), ("a_E", "a_M")])
def test_footnote6_parity_partners_give_the_same_cross_section(odd, even, antineutrino, convention):
    """Footnote 6: D_P, D_A, a_E alone give the same spectrum as C_S, C_V, a_M (1e-12), in
    both conventions (each alone is a chiral combination's modulus)."""
    value = 3e-4 - 2e-4j if even == "a_M" else {"u": 0.02 + 0.01j, "d": -0.03}
    E = np.array([[20.0], [53.0]])
    T = np.linspace(1e-4, 0.05, 200)
    m_chi = np.array([[[1.0]], [[15.0]]])
    kw = dict(isotope=CS133, m_chi=m_chi, antineutrino=antineutrino, convention=convention)
    a = eft_dsigma_dT(E, T, coefficients={odd: value}, **kw)
    b = eft_dsigma_dT(E, T, coefficients={even: value}, **kw)
    assert a.shape == (2, 2, 200)
    assert np.count_nonzero(a) > 100
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)


PAPER_LINES = [
    ("C_T", "a_M", False),
    ("a_M", "C_S", True),
    ("a_E", "D_P", True),
    ("C_T", "C_S", True),
]
# lines only the physical convention has: flipped with the scalar, kept with tensor and dipole
PHYSICAL_LINES = [("C_V", "C_S", True), ("D_A", "D_P", True), ("C_V", "C_T", False)]
PHYSICAL_LINES += [("C_V", "a_M", False), ("D_A", "a_E", False)]


@pytest.mark.parametrize(
    ("a", "b", "flips", "convention"),
    [(*line, "paper") for line in PAPER_LINES]
    + [(*line, "physical") for line in PAPER_LINES + PHYSICAL_LINES],
)
def test_antineutrino_flips_the_last_two_interference_lines(a, b, flips, convention):
    """Text after Eq. (2): the last two interference lines change sign for antineutrinos;
    the C_T-A_M line and all |c|^2 terms do not (1e-12). The rule after Eq. (1) flips the sign
    of C_V, C_T, a_M relative to C_S, so of the m_chi-proportional lines only the vector-scalar
    one flips (these are checked against the amplitude in the tests above)."""
    E, m_chi = 40.0, 10.0
    T = np.linspace(*recoil_range(E, CS133.mass, m_chi), 50)[1:-1]
    c = {a: 2e-4 + 1e-4j if a.startswith("a_") else 0.03 - 0.01j, b: 0.02 + 0.02j}

    def sigma(coeffs, anti):
        return eft_dsigma_dT(
            E,
            T,
            isotope=CS133,
            m_chi=m_chi,
            coefficients=coeffs,
            antineutrino=anti,
            convention=convention,
        )

    def interference(anti):
        return sigma(c, anti) - sigma({a: c[a]}, anti) - sigma({b: c[b]}, anti)

    nu, nubar = interference(False), interference(True)
    assert np.all(np.abs(nu) > 0)
    np.testing.assert_allclose(nubar, -nu if flips else nu, rtol=1e-9)
    for op in (a, b):
        np.testing.assert_allclose(sigma({op: c[op]}, True), sigma({op: c[op]}, False), rtol=1e-12)


@pytest.mark.parametrize("convention", ["physical", "paper"])
def test_vector_term_has_the_sm_shape_as_m_chi_goes_to_zero(convention):
    """Text after Eq. (8): for m_chi -> 0 the vector term / SM CEvNS is constant in T."""
    E = 30.0
    kw = dict(isotope=CS133, coefficients={"C_V": 0.1}, convention=convention)
    t_max = recoil_range(E, CS133.mass, 0.0)[1]
    T = np.linspace(1e-4, 0.999 * t_max, 300)
    sm = sm_dsigma_dT(E, T, CS133)
    exact = eft_dsigma_dT(E, T, m_chi=0.0, **kw) / sm
    assert np.ptp(exact) <= 1e-12 * exact.mean()
    T = np.linspace(1e-4, 0.5 * t_max, 300)  # m^2 terms are ~m^2/E^2 here; 1e-6 of the bracket
    sm = sm_dsigma_dT(E, T, CS133)
    light = eft_dsigma_dT(E, T, m_chi=0.01, **kw) / sm
    assert np.ptp(light) <= 1e-6 * light.mean()


@pytest.mark.parametrize(("convention", "alone"), [("paper", np.sqrt(2)), ("physical", 2.0)])
def test_vector_normalisation_equals_paper000_eq23(convention, alone):
    """The vector term with SM-like couplings equals paper 000 Eq. (23) at m_chi = 0 (1e-12).

    SM neutral current: G_F/sqrt(2) [nubar gamma^mu (1 - gamma5) nu] g_V^q [qbar gamma_mu q],
    g_V^u = 1/2 - 4/3 s^2, g_V^d = -1/2 + 2/3 s^2 (so 2 g_V^u + g_V^d = g_p^V, g_V^u + 2 g_V^d
    = g_n^V). In Eq. (1) language that is C_V^q = -g_V^q, D_A^q = g_V^q, in both conventions.
    C_V alone: Eq. (2) carries |C_V|^2 + |D_A|^2, so "paper" needs C_V^q = sqrt(2) g_V^q; a
    left-handed neutrino sees |C_V - D_A|^2/2, so "physical" needs C_V^q = 2 g_V^q. Universally
    C_V^q = factor (Z g_p^V + N g_n^V)/(3A).
    """
    s2 = SIN2_THETA_W
    g_u, g_d = 0.5 - 4 / 3 * s2, -0.5 + 2 / 3 * s2
    q_w = CS133.Z * (0.5 - 2 * s2) - 0.5 * CS133.N
    E = np.array([[15.0], [35.0], [52.0]])
    T = np.linspace(1e-4, 0.03, 120)
    sm = sm_dsigma_dT(E, T, CS133)
    mappings = [
        {"C_V": {"u": alone * g_u, "d": alone * g_d}},
        {"C_V": {"u": -g_u, "d": -g_d}, "D_A": {"u": g_u, "d": g_d}},
        {"C_V": alone * q_w / (3 * CS133.A)},
    ]
    assert np.count_nonzero(sm) > 100
    for coefficients in mappings:
        got = eft_dsigma_dT(
            E, T, isotope=CS133, m_chi=0.0, coefficients=coefficients, convention=convention
        )
        np.testing.assert_allclose(got, sm, rtol=1e-12, atol=0)


@pytest.mark.parametrize("convention", ["physical", "paper"])
@pytest.mark.parametrize("m_chi", [0.0, 20.0])
def test_heavy_mediator_limit_matches_paper003(m_chi, convention):
    """Contact limit of paper 003 Eqs. (4) and (6) (mediators module), 1e-6 relative.

    A mediator coupling g chibar Gamma P_L nu, i.e. g* nubar P_R Gamma chi (nu_L), gives
    C_V = -D_A (vector/axial) or D_P = -i C_S (scalar/pseudoscalar) with
    G_F^2 (|C|^2 + |D|^2) = Q^2/m_med^4, Q the nuclear charge per g^2; both conventions agree
    for these left-chiral combinations. The right-chiral scalar D_P = +i C_S gives the same in
    "paper" (helicity-summed) and exactly zero for a left-handed neutrino ("physical").
    m_med = 1e6 MeV: the propagator correction 2MT/m_med^2 is below 1e-8.
    """
    m_med = 1.0e6
    E = np.array([[45.0], [53.0]])
    T = np.linspace(1e-4, 0.03, 80)
    c = 1.0 / (np.sqrt(2) * G_FERMI * m_med**2)  # universal quark-level coefficient, per g^2
    kw = dict(isotope=CS133, m_chi=m_chi, convention=convention)
    vec = eft_dsigma_dT(E, T, coefficients={"C_V": c, "D_A": -c}, **kw)
    ref_v = vector_nucleus_dsigma_dT(
        E, T, isotope=CS133, m_chi=m_chi, m_med=m_med, form_factor="helm"
    )
    sca = eft_dsigma_dT(E, T, coefficients={"C_S": c, "D_P": -1j * c}, **kw)
    ref_s = scalar_nucleus_dsigma_dT(
        E, T, isotope=CS133, m_chi=m_chi, m_med=m_med, hadronic="chang-liao2020", form_factor="helm"
    )
    assert np.count_nonzero(ref_v) > 50
    np.testing.assert_allclose(vec, ref_v, rtol=1e-6, atol=0)
    np.testing.assert_allclose(sca, ref_s, rtol=1e-6, atol=0)
    right = eft_dsigma_dT(E, T, coefficients={"C_S": c, "D_P": 1j * c}, **kw)
    if convention == "paper":
        np.testing.assert_allclose(right, ref_s, rtol=1e-6, atol=0)
    else:
        assert np.all(right == 0.0)


@pytest.mark.parametrize(("convention", "factor"), [("paper", 2.0), ("physical", 1.0)])
def test_dipole_is_twice_the_textbook_magnetic_moment_cross_section(convention, factor):
    """m_chi = 0: Eq. (2) dipole = 2 alpha mu^2 Z^2 (1/T - 1/E) F^2 with mu = G_F v_H |a_M|.

    The textbook (left-handed neutrino) transition-moment cross section is
    alpha mu^2 Z^2 (1/T - 1/E) F^2 (Vogel & Engel 1989 with mu in natural units); Eq. (2)
    sums over both neutrino helicities (docs/physics-decisions.md), hence the factor 2 in
    "paper"; "physical" is the textbook formula.
    alpha mu^2 = (e v_H)^2 G_F^2 |a_M|^2/(4 pi), e v_H = 2 M_W s_W. Tolerance 1e-12.
    """
    a_m = 3e-4
    E = 40.0
    T = np.linspace(1e-4, 0.02, 100)
    alpha_mu2 = (2 * M_W) ** 2 * SIN2_THETA_W * G_FERMI**2 * a_m**2 / (4 * np.pi)
    ff2 = helm(recoil_momentum(T, CS133.mass), CS133.A) ** 2
    expected = factor * alpha_mu2 * CS133.Z**2 * (1 / T - 1 / E) * ff2
    kw = dict(isotope=CS133, m_chi=0.0, convention=convention)
    got = eft_dsigma_dT(E, T, coefficients={"a_M": a_m}, **kw)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# Nuclear couplings (Eqs. (3)-(7)) and the form factor.
def test_per_quark_couplings_follow_eqs_3_to_5():
    """Ratios of single-quark spectra are squared ratios of the Eq. (3)-(5) charges (1e-12)."""
    Z, N = CS133.Z, CS133.N
    kw = dict(isotope=CS133, m_chi=5.0)
    E, T = 40.0, np.linspace(1e-3, 0.02, 20)

    def ratio(op):
        return eft_dsigma_dT(E, T, coefficients={op: {"u": 1.0}}, **kw) / eft_dsigma_dT(
            E, T, coefficients={op: {"d": 1.0}}, **kw
        )

    def scalar(q):
        return Z * M_PROTON / M_QUARK[q] * F_T_P[q] + N * M_NEUTRON / M_QUARK[q] * F_T_N[q]

    expected = {
        "C_V": ((2 * Z + N) / (Z + 2 * N)) ** 2,
        "C_S": (scalar("u") / scalar("d")) ** 2,
        "C_T": ((Z * DELTA_P["u"] + N * DELTA_N["u"]) / (Z * DELTA_P["d"] + N * DELTA_N["d"])) ** 2,
    }
    for op, value in expected.items():
        np.testing.assert_allclose(ratio(op), value, rtol=1e-12)
    universal = eft_dsigma_dT(E, T, coefficients={"C_T": 0.1 + 0.1j}, **kw)
    both = eft_dsigma_dT(E, T, coefficients={"C_T": {"u": 0.1 + 0.1j, "d": 0.1 + 0.1j}}, **kw)
    np.testing.assert_allclose(universal, both, rtol=1e-14)


def test_form_factor_enters_squared():
    """F_p = F_n = F multiplies every nuclear coupling, so dsigma/dT(Helm) = F^2 dsigma(F=1)."""
    rng = np.random.default_rng(3)
    coeffs = random_coefficients(rng, OPERATORS, per_quark=False)
    T = np.linspace(1e-3, 0.03, 40)
    kw = dict(isotope=CS133, m_chi=10.0, coefficients=coeffs)
    ratio = eft_dsigma_dT(45.0, T, **kw) / eft_dsigma_dT(45.0, T, form_factor="unity", **kw)
    np.testing.assert_allclose(ratio, helm(recoil_momentum(T, CS133.mass), CS133.A) ** 2)


# ---------------------------------------------------------------------------------------------
# Coupling polynomial.
@pytest.mark.parametrize("convention", ["physical", "paper"])
@pytest.mark.parametrize("antineutrino", [False, True])
@pytest.mark.parametrize(
    "ops", [list(OPERATORS), ["C_T", "a_M", "C_S"], ["C_V"], ["D_P", "a_E", "D_A"]]
)
def test_quadratic_form_equals_direct_evaluation(ops, antineutrino, convention):
    """theta^T K theta = the cross section for random complex universal coefficients (1e-10)."""
    rng = np.random.default_rng(len(ops) + 10 * antineutrino)
    E = np.linspace(5.0, 53.0, 13)[:, None, None]
    T = np.geomspace(1e-5, 0.05, 40)[None, :, None]
    m_chi = np.array([0.0, 3.0, 30.0])
    kw = dict(isotope=CS133, m_chi=m_chi, antineutrino=antineutrino, convention=convention)
    K = eft_basis_dsigma_dT(E, T, operators=ops, **kw)
    assert K.shape == (13, 40, 3, 2 * len(ops), 2 * len(ops))
    np.testing.assert_array_equal(K, np.swapaxes(K, -1, -2))
    for _ in range(3):
        coeffs = random_coefficients(rng, ops, per_quark=False)
        direct = eft_dsigma_dT(E, T, coefficients=coeffs, **kw)
        via_k = quadratic_form(K, coupling_vector(ops, coeffs))
        assert np.count_nonzero(direct) > 200
        np.testing.assert_allclose(via_k, direct, rtol=1e-10, atol=0)


def test_quadratic_form_broadcasts_over_theta():
    """A stack of theta vectors gives a stack of results (each equal to the 1-D evaluation)."""
    K = eft_basis_dsigma_dT(
        40.0, np.linspace(1e-3, 0.02, 7), isotope=CS133, m_chi=1.0, operators=["a_M", "C_S"]
    )
    thetas = np.array([[1e-4, 0, 1e-2, 0], [0, -1e-4, 3e-3, 1e-3]])
    stacked = quadratic_form(K[:, None], thetas)
    assert stacked.shape == (7, 2)
    for i in range(2):
        np.testing.assert_allclose(stacked[:, i], quadratic_form(K, thetas[i]), rtol=1e-14)


# ---------------------------------------------------------------------------------------------
# Kinematic range.
def test_exactly_zero_outside_the_kinematic_range():
    """Zero (not NaN, no warning) at T = 0, below T_min, above T_max and below threshold."""
    M, m, E = CS133.mass, 40.0, 53.0
    t_min, t_max = recoil_range(E, M, m)
    T = np.array([0.0, 0.5 * t_min, 1.001 * t_max, 1.0])
    coeffs = {op: 1e-3 for op in OPERATORS}
    for anti in (False, True):
        assert np.all(
            eft_dsigma_dT(E, T, isotope=CS133, m_chi=m, coefficients=coeffs, antineutrino=anti)
            == 0.0
        )
    K = eft_basis_dsigma_dT(E, T, isotope=CS133, m_chi=m, operators=list(OPERATORS))
    assert np.all(K == 0.0)
    below = 0.999 * threshold_energy(M, m)
    Tin = np.linspace(1e-4, 0.05, 50)
    assert np.all(eft_dsigma_dT(below, Tin, isotope=CS133, m_chi=m, coefficients=coeffs) == 0.0)
    # massless chi: T = 0 and E = 0 are outside too (the dipole's 1/T must not leak)
    zero = eft_dsigma_dT(
        np.array([0.0, 30.0]),
        np.array([[0.0], [0.0]]),
        isotope=CS133,
        m_chi=0.0,
        coefficients=coeffs,
    )
    assert np.all(zero == 0.0)
    inside = eft_dsigma_dT(E, 0.5 * (t_min + t_max), isotope=CS133, m_chi=m, coefficients=coeffs)
    assert inside > 0.0


# ---------------------------------------------------------------------------------------------
# Bad input.
def test_operator_aliases_are_the_cli_names():
    assert OPERATOR_ALIASES == {
        "dipole": "a_M",
        "electric-dipole": "a_E",
        "scalar": "C_S",
        "pseudoscalar": "D_P",
        "vector": "C_V",
        "axial": "D_A",
        "tensor": "C_T",
    }
    kw = dict(isotope=CS133, m_chi=1.0)
    by_alias = eft_dsigma_dT(30.0, 1e-3, coefficients={"tensor": 0.1, "dipole": 1e-4}, **kw)
    by_name = eft_dsigma_dT(30.0, 1e-3, coefficients={"C_T": 0.1, "a_M": 1e-4}, **kw)
    assert by_alias == by_name


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"coefficients": {"C_X": 1.0}}, "unknown EFT operator 'C_X'; known: a_M, a_E"),
        ({"coefficients": {"a_M": {"u": 1e-4}}}, "a_M couples the neutrino to the photon"),
        ({"coefficients": {"C_S": {"s": 0.1}}}, "unknown quark"),
        ({"coefficients": {"C_S": float("nan")}}, "must be finite"),
        ({"coefficients": {"C_V": "big"}}, "must be a \\(complex\\) number"),
        ({"coefficients": {"a_M": 1e-4, "dipole": 1e-4}}, "more than once"),
        ({"coefficients": [("C_S", 0.1)]}, "must be a mapping"),
        ({"m_chi": -1.0}, "m_chi must not be negative"),
        ({"E": float("nan")}, "must be finite"),
        ({"hadronic": "lattice"}, "unknown hadronic parameter set"),
        ({"hadronic": "candela2023", "coefficients": {"C_T": 0.1}}, "no tensor charges"),
        ({"form_factor": "gauss"}, "unknown form factor"),
        ({"radius_scale": 0.0}, "radius_scale must be positive"),
        ({"convention": "helicity-summed"}, "unknown EFT convention 'helicity-summed'; known: "),
    ],
)
def test_bad_input_raises_parameter_error(kwargs, match):
    args = {"E": 30.0, "T": 1e-3, "isotope": CS133, "m_chi": 1.0, "coefficients": {"C_S": 0.1}}
    args.update(kwargs)
    E, T = args.pop("E"), args.pop("T")
    with pytest.raises(ParameterError, match=match):
        eft_dsigma_dT(E, T, **args)


def test_bad_basis_input_raises_parameter_error():
    kw = dict(isotope=CS133, m_chi=1.0)
    with pytest.raises(ParameterError, match="unknown EFT operator 'magnetic'"):
        eft_basis_dsigma_dT(30.0, 1e-3, operators=["magnetic"], **kw)
    with pytest.raises(ParameterError, match="more than once"):
        eft_basis_dsigma_dT(30.0, 1e-3, operators=["C_S", "scalar"], **kw)
    with pytest.raises(ParameterError, match="at least one"):
        eft_basis_dsigma_dT(30.0, 1e-3, operators=[], **kw)
    with pytest.raises(ParameterError, match="not in the basis"):
        coupling_vector(["C_S"], {"C_T": 0.1})
    K = eft_basis_dsigma_dT(30.0, 1e-3, operators=["C_S", "C_T"], **kw)
    with pytest.raises(ParameterError, match="length 4"):
        quadratic_form(K, [1.0, 0.0])
    with pytest.raises(ParameterError, match="finite"):
        quadratic_form(K, [1.0, 0.0, np.nan, 0.0])
