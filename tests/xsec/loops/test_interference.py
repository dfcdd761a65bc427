"""c2-SM interference of the paper 000 loops and the range of validity of the twist-2 matching.

The interference is not in paper 000 (its Eq. (22) adds |M_loop|^2 only); it is derived in
docs/physics-decisions.md ("Loops: c2-SM interference"). The reference here is an explicit
amplitude computation with Dirac spinors (Weyl basis), independent of the code's formula: the SM
amplitude with the full nuclear vector current ubar(k2) gamma^mu u(k1) (not its Gordon-reduced
form), the c2 amplitude of paper 000 Eq. (17), spins summed numerically,
|A_SM + A_c2|^2 - |A_SM|^2 - |A_c2|^2.
"""

from __future__ import annotations

import numpy as np
import pytest

from upscatter.constants import G_FERMI, M_MUON, M_PROTON
from upscatter.errors import ParameterError
from upscatter.form_factors import nuclear_form_factor
from upscatter.nuclei import get_isotope
from upscatter.xsec.loops import (
    loop_coefficients_per_x2,
    loop_dsigma_dT_per_x4,
    loop_sm_interference_dsigma_dT_per_x2,
    twist2_expansion_parameter,
)
from upscatter.xsec.sm import sm_dsigma_dT, weak_charge

CS = get_isotope("Cs133")
SIGMA = [np.eye(2), np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.diag([1, -1])]
ZERO = np.zeros((2, 2))
GAMMA = [np.block([[ZERO, SIGMA[0]], [SIGMA[0], ZERO]])] + [
    np.block([[ZERO, s], [-s, ZERO]]) for s in SIGMA[1:]
]
GAMMA5 = np.diag([-1.0, -1.0, 1.0, 1.0])
P_L = (np.eye(4) - GAMMA5) / 2
METRIC = np.diag([1.0, -1.0, -1.0, -1.0])


def slash(p):
    return sum(METRIC[m, m] * p[m] * GAMMA[m] for m in range(4))


def dot(a, b):
    return a @ METRIC @ b


def _roots(p, mass):
    """sqrt(p.sigma), sqrt(p.sigmabar) = (p.sigma + m)/sqrt(2(E + m)) (and with sigmabar)."""
    p_sigma = p[0] * SIGMA[0] - sum(p[i] * SIGMA[i] for i in (1, 2, 3))
    p_sigmabar = p[0] * SIGMA[0] + sum(p[i] * SIGMA[i] for i in (1, 2, 3))
    norm = np.sqrt(2 * (p[0] + mass))
    return (p_sigma + mass * SIGMA[0]) / norm, (p_sigmabar + mass * SIGMA[0]) / norm


def u_spinor(p, mass, s):
    a, b = _roots(p, mass)
    xi = np.eye(2)[s]
    return np.concatenate([a @ xi, b @ xi])


def v_spinor(p, mass, s):
    a, b = _roots(p, mass)
    eta = np.eye(2)[s]
    return np.concatenate([a @ eta, -b @ eta])


def bar(spinor):
    return spinor.conj() @ GAMMA[0]


def explicit_dsigma(E, T, c2, antineutrino=False):
    """(SM, c2 only, interference) dsigma/dT in MeV^-3 by explicit spinor sums, F = 1.

    L_SM = -(G_F/sqrt 2) [nubar gamma^mu (1 - gamma5) nu] Q_V [Abar gamma_mu A]; the c2 term as in
    paper 000 Eq. (17), with k1.p1 -> -k1.p1 for antineutrinos (the derivative on the neutrino
    line of the twist-2 operator, symmetrised: (p1 + p2)/2 for nu, -(p1 + p2)/2 for nubar;
    k1.(p1 + p2)/2 = k1.p1 (1 - T/(2E)), kept exact here)."""
    M = CS.mass
    E2 = E - T
    cos = 1 - M * T / (E * E2)
    sin = np.sqrt(1 - cos**2)
    k1 = np.array([M, 0, 0, 0.0])
    p1 = np.array([E, 0, 0, E])
    p2 = E2 * np.array([1, sin, 0, cos])
    k2 = k1 + p1 - p2
    a_sm = -np.sqrt(2) * G_FERMI * weak_charge(CS)
    factor = dot(k1, p1 + p2) / 2 * (-1 if antineutrino else 1)
    sums = np.zeros(3)
    for r in range(2):
        for s in range(2):
            if antineutrino:  # incoming nubar(p1): vbar(p1) ... v(p2)
                lepton_in, lepton_out = v_spinor(p2, 0.0, r), bar(v_spinor(p1, 0.0, s))
            else:
                lepton_in, lepton_out = u_spinor(p1, 0.0, r), bar(u_spinor(p2, 0.0, s))
            current = np.array([lepton_out @ GAMMA[m] @ P_L @ lepton_in for m in range(4)])
            c2_lepton = lepton_out @ slash(k1) @ P_L @ lepton_in
            for i in range(2):
                for j in range(2):
                    n_in, n_out = u_spinor(k1, M, i), bar(u_spinor(k2, M, j))
                    hadron = np.array([n_out @ GAMMA[m] @ n_in for m in range(4)])
                    a1 = a_sm * current @ METRIC @ hadron
                    a2 = c2 * factor * c2_lepton * (n_out @ n_in)
                    sums += [
                        abs(a1) ** 2,
                        abs(a2) ** 2,
                        abs(a1 + a2) ** 2 - abs(a1) ** 2 - abs(a2) ** 2,
                    ]
    return sums / 2 / (32 * np.pi * M * E**2)


@pytest.mark.parametrize(("E", "T"), [(30.0, 0.005), (40.0, 0.02), (52.0, 0.03)])
@pytest.mark.parametrize("antineutrino", [False, True])
def test_interference_against_explicit_spinor_sums(E, T, antineutrino):
    """Code formula vs explicit |A_SM + A_c2|^2 - |A_SM|^2 - |A_c2|^2 (module docstring).

    Tolerance 1e-3 relative: the code uses the Gordon-reduced (spin-independent) SM current and
    k1.p1 for the twist-2 contraction, the explicit sum the full Dirac current and the symmetrised
    k1.(p1 + p2)/2; they differ by O(T/E) <= 6e-4 and O(T/M)."""
    c2 = loop_coefficients_per_x2(CS, 53.0, 106.0, "B").c2
    ff2 = nuclear_form_factor(T, CS, "helm") ** 2
    _, _, expected = explicit_dsigma(E, T, c2, antineutrino)
    code = loop_sm_interference_dsigma_dT_per_x2(
        E, T, isotope=CS, m_chi=53.0, m_zprime=106.0, case="B", antineutrino=antineutrino
    )
    assert code / ff2 == pytest.approx(expected, rel=1e-3)
    assert np.sign(code) == np.sign(c2) * (-1 if antineutrino else 1)


@pytest.mark.parametrize(("E", "T"), [(30.0, 0.005), (52.0, 0.03)])
def test_explicit_sums_reproduce_the_sm_and_eq26(E, T):
    """The explicit amplitudes are normalised like the code: the SM part equals
    :func:`sm_dsigma_dT` (paper 000 Eq. (23)) and the c2 part the c2^2 term of paper 000 Eq. (26)
    (1e-3, same reasons as above), so the interference is between correctly normalised pieces."""
    c2 = 1e-14
    sm, c2_only, _ = explicit_dsigma(E, T, c2)
    ff2 = nuclear_form_factor(T, CS, "helm") ** 2
    assert sm == pytest.approx(sm_dsigma_dT(E, T, CS) / ff2, rel=1e-3)
    M = CS.mass
    eq26 = M**3 / (8 * np.pi) * (2 * M + T) * c2**2 * (2 * M * E * (E - T) - M**2 * T)
    assert c2_only == pytest.approx(eq26, rel=2e-3)


def test_total_rate_is_never_negative():
    """|A_SM + A_loop|^2 >= 0: SM + x^2 int + x^4 loop >= 0 for every x, i.e.
    int^2 <= 4 SM loop (Cauchy-Schwarz; the loop also holds the positive c1, c3 terms), on a grid
    of E, T and masses where c2 is large (case B, printed and coherent sums)."""
    E = np.linspace(10.0, 52.8, 12)[:, None]
    T = np.geomspace(1e-4, 0.05, 15)
    for twist2 in ("nucleon", "paper"):
        for m_chi, m_z in ((1.0, 2.0), (53.0, 106.0), (53.0, 530.0), (300.0, 600.0)):
            opts = {"isotope": CS, "m_chi": m_chi, "m_zprime": m_z, "case": "B", "twist2": twist2}
            sm = sm_dsigma_dT(E, T, CS)
            loop = loop_dsigma_dT_per_x4(E, T, **opts)
            for anti in (False, True):
                inter = loop_sm_interference_dsigma_dT_per_x2(E, T, antineutrino=anti, **opts)
                assert np.all(inter**2 <= 4 * sm * loop * (1 + 1e-6) + 1e-300)


def test_interference_is_linear_in_c2_and_vanishes_outside_kinematics():
    """c2 is the only loop coefficient in the interference: it scales with the twist-2 weights
    exactly like c2 (paper/nucleon readings), and is zero above T_max and at T = 0."""
    args = {"isotope": CS, "m_chi": 53.0, "m_zprime": 106.0, "case": "B"}
    ratio_c2 = (
        loop_coefficients_per_x2(CS, 53.0, 106.0, "B", twist2="paper").c2
        / loop_coefficients_per_x2(CS, 53.0, 106.0, "B").c2
    )
    paper = loop_sm_interference_dsigma_dT_per_x2(30.0, 0.01, twist2="paper", **args)
    nucleon = loop_sm_interference_dsigma_dT_per_x2(30.0, 0.01, **args)
    assert paper / nucleon == pytest.approx(ratio_c2, rel=1e-12)
    t_max = 2 * 30.0**2 / (CS.mass + 60.0)
    assert loop_sm_interference_dsigma_dT_per_x2(30.0, [0.0, 1.001 * t_max], **args).tolist() == [
        0.0,
        0.0,
    ]


def test_interference_validates_antineutrino():
    with pytest.raises(ParameterError, match="antineutrino"):
        loop_sm_interference_dsigma_dT_per_x2(
            30.0, 0.01, isotope=CS, m_chi=1.0, m_zprime=2.0, antineutrino="nubar_mu"
        )


def test_expansion_parameter():
    """m_p E/min(m_chi, m_Z')^2: 1 at m = sqrt(m_p m_mu/2) = 222.6 MeV for the SNS endpoint,
    symmetric in the two masses."""
    m_star = np.sqrt(M_PROTON * M_MUON / 2)
    assert m_star == pytest.approx(222.6, abs=0.1)
    assert twist2_expansion_parameter(m_star, 10 * m_star, M_MUON / 2) == pytest.approx(1.0)
    assert twist2_expansion_parameter(50.0, 5.0, 30.0) == twist2_expansion_parameter(
        5.0, 50.0, 30.0
    )
    with pytest.raises(ParameterError, match="m_chi"):
        twist2_expansion_parameter(0.0, 1.0, 30.0)
