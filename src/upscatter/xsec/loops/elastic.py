"""Loop-induced elastic nu A -> nu A of paper 000: coefficients c1, c2, c3 and Eq. (26).

The one-loop boxes (Eqs. (17)-(19)) and two-loop gluon terms (Eqs. (20)-(21)) with chi inside the
loop give a spin-independent nu A -> nu A cross section (paper 000 Eq. (26))

    dsigma/dT = M^3/(8 pi) F^2(q) (2M + T) [T (c1/(M E) + c3 M E)^2 + c2^2 (2ME(E - T) - M^2 T)],

with c1 (scalar quark and gluon operators), c2 and c3 (twist-2 operators) of Eqs. (27)-(29) for
case A (g_qL = g_qR, vector quark current) and Eqs. (30)-(32) for case B (g_qL = -g_qR, axial,
with the extra pNGB phi contributions). The choices of the paper in words (physics-notes,
"Paper 000") are applied: g_chiL = g_chiR = g_chi; down-philic quark couplings
g_u = g_c = g_t = 0, g_d = g_s = g_b = g_q; the top-quark two-loop term is neglected; nucleon
inputs are the micrOMEGAs defaults (:data:`upscatter.hadronic.HADRONIC_SETS` ``"micromegas"``).
Then every c_i is proportional to x^2 with x = g_chi g_q and the cross section to x^4, which is
what the functions here return (coefficients per x^2, cross section per x^4).

kappa and kappa' are defined in the text of paper 000: kappa = -4 (case A), 12 (case B) below
Eq. (6); kappa' = -3 (case A), 13 (case B) below Eqs. (10) and (20).

Readings of the printed formulas (docs/physics-decisions.md, "Loops (paper 000 Appendix A)"):
the loop functions are at p1^2 = 0; Eq. (30) uses F_G itself (Eq. (21)), not the derivative of
Eq. (11); the first line of Eq. (32) carries g_q^2 as in Eq. (29); Eq. (26) is used for
neutrinos and antineutrinos alike.
Twist-2 nuclear sums: Eq. (14) gives <N|O_mu nu|N> with the nucleon momentum and Eq. (17) the
nucleon amplitude with k1.p1 = m_N E, but Eqs. (28), (29), (31), (32) keep Z/m_p and N/m_n while
Eq. (26) contracts with the nuclear momentum (k1.p1 = M E). The coherent sum of the nucleon
amplitudes (each nucleon carries k_N = (m_N/M) k1; equivalently, quark momentum fractions add,
q_A(2) = sum_N (m_N/M) q_N(2)) replaces Z/m_p, N/m_n by Z m_p/M^2, N m_n/M^2. That physically
derived reading, ``twist2="nucleon"``, is the default; ``twist2="paper"`` keeps the printed sums
(c2 and c3 larger by about A^2), which is what the paper's Fig. 4 numbers follow
(docs/physics-decisions.md, "Paper 000 Fig. 4: loop normalisation investigation").

Interference with the SM (not in the paper, whose Eq. (22) adds only the squared loop
amplitude): the c2 term
has the Lorentz and chirality structure of the spin-independent SM amplitude, so it interferes
with it (c1 and c3 flip the neutrino chirality and do not). With the SM written in the same
convention as paper 000 Eq. (17) (iM = i x Lagrangian coefficient, as in Eq. (16)),
L_SM = -(G_F/sqrt 2) [nubar gamma^mu (1 - gamma5) nu] Q_V ubar_A gamma_mu u_A with
Q_V = Z g_p^V + N g_n^V (:func:`upscatter.xsec.sm.weak_charge`), the Gordon identity and
nubar(p2) (p1 - p2)-slash P_L nu(p1) = 0 give the spin-independent SM amplitude
a_SM nubar k1-slash P_L nu ubar_A u_A with a_SM = -sqrt(2) G_F Q_V / M, beside the c2 amplitude
c2 (k1.p1) nubar k1-slash P_L nu ubar_A u_A of Eq. (17). So

    dsigma_int/dT = s M^3/(8 pi) F^2 (2M + T) 2 c2 a_SM/(M E) (2ME(E - T) - M^2 T),

the cross term of Eq. (26)'s c2^2 term with c2 M E -> c2 M E + a_SM. s = +1 for neutrinos and -1
for antineutrinos: the SM vector current is C-odd, the twist-2 operators (quark plus antiquark
moments; one derivative on the neutrino line) are C-even. The sign of c2 is the one printed in
Eq. (17). This is part of the physically derived treatment only: the ``"paper"`` twist-2 reading
is paper 000 as printed, without interference (:data:`BEYOND_PAPER`).

Range of validity: c1..c3 are the local (twist) expansion of the box diagrams at zero quark
momentum, an expansion in k_q.p1/m^2 with k_q.p1 <= m_N E (quark momentum fraction <= 1). With
m the lighter of m_chi and m_Z', the expansion parameter m_N E/m^2
(:func:`twist2_expansion_parameter`) must be small; at the SNS endpoint E = m_mu/2 it is 1 at
m = sqrt(m_p m_mu/2) = 223 MeV. Below, the coefficients are used outside their range (c3 grows
like 1/m_chi at fixed m_Z', c2 of case B like m_q^2/m^6: infrared sensitivities the quark
momentum would cut off), so bounds that depend on the loop term there are flagged
(:class:`upscatter.scans.ScanResult` ``valid``); the code still evaluates the printed
coefficients, as the paper does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..._validate import as_array, lookup
from ...constants import G_FERMI, M_BOTTOM, M_CHARM, M_DOWN, M_NEUTRON, M_PROTON, M_STRANGE, M_UP
from ...errors import ParameterError
from ...form_factors import nuclear_form_factor
from ...hadronic import get_hadronic_set
from ...nuclei import Isotope
from ..sm import series_above_threshold, weak_charge
from . import passarino_veltman as pv
from .two_loop import f_g


@dataclass(frozen=True)
class LoopCase:
    """A quark-coupling scenario of paper 000 Sec. II A.

    Attributes
    ----------
    name : str
        ``"A"`` or ``"B"``.
    kappa, kappa_prime : float
        kappa of Eq. (6) and kappa' of Eqs. (10), (20).
    goldstone : bool
        Whether the pNGB phi contributions (Eqs. (18), (19), (21); the extra terms of
        Eqs. (30)-(32)) are present.
    """

    name: str
    kappa: float
    kappa_prime: float
    goldstone: bool


LOOP_CASES: dict[str, LoopCase] = {
    "A": LoopCase("A", kappa=-4.0, kappa_prime=-3.0, goldstone=False),
    "B": LoopCase("B", kappa=12.0, kappa_prime=13.0, goldstone=True),
}

DOWN_PHILIC_COUPLINGS: dict[str, float] = {"u": 0.0, "d": 1.0, "s": 1.0, "c": 0.0, "b": 1.0}
"""g_q in units of the common coupling g_q (physics-notes, "Paper 000"); top neglected."""

QUARK_MASSES: dict[str, float] = {
    "u": M_UP,
    "d": M_DOWN,
    "s": M_STRANGE,
    "c": M_CHARM,
    "b": M_BOTTOM,
}
"""Quark masses (MeV) in the m_q^2 weights of Eqs. (30)-(32) and in F_G (physics-notes)."""

HADRONIC_SET = "micromegas"
"""Nucleon matrix elements used by paper 000 ("default values in micrOMEGAs")."""

_LIGHT = ("u", "d", "s")
_HEAVY = ("c", "b")
_TWIST2 = ("u", "d", "s", "c", "b")

TWIST2_READINGS: dict[str, Callable[[float, float], float]] = {
    "nucleon": lambda m_nucleon, m_nucleus: m_nucleon / m_nucleus**2,
    "paper": lambda m_nucleon, m_nucleus: 1.0 / m_nucleon,
}
"""Weight of a nucleon's twist-2 moment in c2, c3: m_N/M^2 (coherent sum of the nucleon
amplitudes of paper 000 Eq. (17)), or 1/m_N as printed in Eqs. (28), (29), (31), (32)."""

DEFAULT_TWIST2 = "nucleon"
"""The physically derived reading of the twist-2 sums (module docstring)."""

BEYOND_PAPER: dict[str, bool] = {"nucleon": True, "paper": False}
"""Whether the terms paper 000 leaves out, the c2-SM interference (its Eq. (22) adds only the
squared loop amplitude) and the case B spin-dependent tree level ("+ SD" in its Eq. (16),
:mod:`upscatter.xsec.spin_dependent`), are included by default with each twist-2 reading: yes
with the physically derived one, no with the paper's printed treatment."""

TWIST2_VALIDITY_LIMIT = 1.0
"""Largest expansion parameter m_N E/min(m_chi, m_Z')^2 (:func:`twist2_expansion_parameter`) at
which the local twist-2 matching is taken as valid."""


@dataclass(frozen=True)
class LoopCoefficients:
    """Coefficients of paper 000 Eq. (26) per x^2 = (g_chi g_q)^2.

    Attributes
    ----------
    c1 : numpy.ndarray
        Scalar quark and gluon operators, MeV^-2.
    c2 : numpy.ndarray
        Twist-2, vector-like neutrino current, MeV^-5.
    c3 : numpy.ndarray
        Twist-2, scalar-like neutrino current, MeV^-6.
    """

    c1: np.ndarray
    c2: np.ndarray
    c3: np.ndarray


def _get_case(case: str | LoopCase) -> LoopCase:
    return case if isinstance(case, LoopCase) else lookup("loop case", LOOP_CASES, case)


def loop_coefficients_per_x2(
    isotope: Isotope,
    m_chi,
    m_zprime,
    case: str | LoopCase = "A",
    *,
    twist2: str = DEFAULT_TWIST2,
) -> LoopCoefficients:
    """c1, c2, c3 of paper 000 Eqs. (27)-(29) (case A) or (30)-(32) (case B), divided by x^2.

    Parameters
    ----------
    isotope : Isotope
        Target nucleus (uses Z, N and the nuclear mass in MeV).
    m_chi, m_zprime : array_like
        Masses of chi and Z' (MeV), positive; broadcast together.
    case : str or LoopCase
        ``"A"``, ``"B"`` (:data:`LOOP_CASES`) or a custom :class:`LoopCase`.
    twist2 : str
        Reading of the twist-2 nuclear sums, a key of :data:`TWIST2_READINGS`: ``"nucleon"``
        (default, coherent sum of nucleon amplitudes) or ``"paper"`` (as printed).

    Returns
    -------
    LoopCoefficients
        c1 [MeV^-2], c2 [MeV^-5], c3 [MeV^-6] per (g_chi g_q)^2, shape broadcast(m_chi, m_zprime).
    """
    loop_case = _get_case(case)
    twist_weight = lookup("twist-2 reading", TWIST2_READINGS, twist2)
    m_chi = as_array("m_chi", m_chi, allow_zero=False)
    m_zprime = as_array("m_zprime", m_zprime, allow_zero=False)
    hadrons = get_hadronic_set(HADRONIC_SET)
    Z, N, M = isotope.Z, isotope.N, isotope.mass
    g2 = {q: DOWN_PHILIC_COUPLINGS[q] ** 2 for q in _TWIST2}

    def scalar(q: str) -> float:  # Z m_p f_Tq^p + N m_n f_Tq^n
        return Z * M_PROTON * hadrons.f_T_p[q] + N * M_NEUTRON * hadrons.f_T_n[q]

    def twist(q: str) -> float:  # Z (q(2)+qbar(2))^p w_p + N (...)^n w_n
        proton = Z * hadrons.twist2_p[q] * twist_weight(M_PROTON, M)
        return proton + N * hadrons.twist2_n[q] * twist_weight(M_NEUTRON, M)

    gluon = Z * M_PROTON * hadrons.f_TG("p") + N * M_NEUTRON * hadrons.f_TG("n")
    light = sum(g2[q] * scalar(q) for q in _LIGHT)
    twist_sum = sum(g2[q] * twist(q) for q in _TWIST2)
    n_heavy = sum(g2[q] for q in _HEAVY)

    loop = 1.0 / (4.0 * np.pi) ** 2
    mz2 = m_zprime**2
    d0b = pv.d0_b(m_chi, m_zprime)
    d00ab = pv.d00_a_minus_b(m_chi, m_zprime)
    d11ab = pv.d11_a_minus_b(m_chi, m_zprime)
    d001ab = pv.d001_a_minus_b(m_chi, m_zprime)

    c1 = -loop * m_chi * (loop_case.kappa * d0b + 8.0 / mz2 * d00ab) * light
    c1 = c1 - loop_case.kappa_prime * loop * m_chi * 2.0 / 27.0 * d0b * n_heavy * gluon
    c2 = (
        loop
        * (16.0 / mz2 * (4.0 * d001ab + d00ab) + 8.0 * (pv.d1_b(m_chi, m_zprime) + d0b))
        * twist_sum
    )
    c3 = -loop * 8.0 * m_chi / mz2 * d11ab * twist_sum
    if loop_case.goldstone:
        light_m2 = sum(g2[q] * QUARK_MASSES[q] ** 2 * scalar(q) for q in _LIGHT)
        twist_m2 = sum(g2[q] * QUARK_MASSES[q] ** 2 * twist(q) for q in _TWIST2)
        two_loop = sum(
            g2[q] * QUARK_MASSES[q] ** 2 * f_g(m_chi, m_zprime, QUARK_MASSES[q])
            for q in _HEAVY
            if g2[q] != 0.0
        )
        c1 = (
            c1
            + loop * 32.0 * m_chi / mz2 * pv.d00_b(m_chi, m_zprime) * light
            - loop * 32.0 * m_chi**3 / mz2**3 * d00ab * light_m2
            + loop * m_chi**3 / mz2**2 * 4.0 / 27.0 * two_loop * gluon
        )
        c2 = c2 - loop * 64.0 * m_chi**2 / mz2**3 * d001ab * twist_m2
        c3 = c3 - loop * 32.0 * m_chi**3 / mz2**3 * d11ab * twist_m2
    return LoopCoefficients(c1=c1, c2=c2, c3=c3)


LOOP_ENERGY_POWER = 2
"""Highest power of E in Eq. (26) expanded in E (:func:`loop_dsigma_terms_per_x4`)."""
INTERFERENCE_ENERGY_POWER = 1
"""Highest power of E in the c2-SM interference (:func:`loop_sm_interference_terms_per_x2`)."""


def _nucleus_prefactor(T, isotope: Isotope, form_factor: str, radius_scale: float):
    """M^3/(8 pi) F^2(q) (2M + T) of Eq. (26), zero at T <= 0 (MeV^3)."""
    M = isotope.mass
    ff = nuclear_form_factor(T, isotope, form_factor, radius_scale)
    return np.where(T > 0, M**3 / (8.0 * np.pi) * ff**2 * (2.0 * M + T), 0.0)


def loop_dsigma_terms_per_x4(
    T,
    *,
    isotope: Isotope,
    m_chi,
    m_zprime,
    case: str | LoopCase = "A",
    form_factor: str = "helm",
    radius_scale: float = 1.0,
    twist2: str = DEFAULT_TWIST2,
):
    """Eq. (26) per x^4 as a polynomial in E: dsigma/dT = sum_{k=0}^{4} c_k(T) E^(2-k).

    Expanding T (c1/(M E) + c3 M E)^2 + c2^2 (2ME(E - T) - M^2 T) at fixed T, with
    P = M^3/(8 pi) F^2 (2M + T)::

        c_0 = P (T c3^2 M^2 + 2 M c2^2),  c_1 = -2 P M T c2^2,  c_2 = P T (2 c1 c3 - M^2 c2^2),
        c_3 = 0,  c_4 = P T c1^2/M^2.

    Exact wherever the recoil is reachable (E >= E_min(T); there 2ME(E - T) - M^2 T >= 0, zero
    at E_min), and zero at T = 0; the folding engine integrates it over polynomial spectra in
    closed form (:attr:`upscatter.rates.Channel.energy_power` = :data:`LOOP_ENERGY_POWER`).
    Arguments as :func:`loop_dsigma_dT_per_x4` without E.

    Returns
    -------
    numpy.ndarray
        Shape broadcast(T, m_chi, m_zprime) + (5,), in MeV^-3 MeV^(k-2).
    """
    T = as_array("T", T)
    coeff = loop_coefficients_per_x2(isotope, m_chi, m_zprime, case, twist2=twist2)
    M = isotope.mass
    prefactor = _nucleus_prefactor(T, isotope, form_factor, radius_scale)
    c1, c2, c3 = coeff.c1, coeff.c2, coeff.c3
    c2_sq = c2 * c2
    terms = np.empty((*np.broadcast_shapes(T.shape, np.shape(c1)), 5))
    terms[..., 0] = prefactor * (T * (c3 * c3) * M**2 + 2.0 * M * c2_sq)
    terms[..., 1] = prefactor * (-2.0 * M * T * c2_sq)
    terms[..., 2] = prefactor * (T * (2.0 * c1 * c3 - M**2 * c2_sq))
    terms[..., 3] = 0.0
    terms[..., 4] = prefactor * (T * (c1 * c1) / M**2)
    return terms


def loop_dsigma_dT_per_x4(
    E,
    T,
    *,
    isotope: Isotope,
    m_chi,
    m_zprime,
    case: str | LoopCase = "A",
    form_factor: str = "helm",
    radius_scale: float = 1.0,
    twist2: str = DEFAULT_TWIST2,
):
    """Loop-induced elastic cross section per recoil energy, paper 000 Eq. (26), per x^4.

    Evaluated from its coefficients in powers of E (:func:`loop_dsigma_terms_per_x4`), which
    the folding engine integrates in closed form.

    Parameters
    ----------
    E, T : array_like
        Neutrino energy and nuclear recoil energy (MeV), non-negative.
    isotope : Isotope
        Target nucleus.
    m_chi, m_zprime : array_like
        Masses of chi and Z' (MeV), positive. E, T, m_chi and m_zprime broadcast together
        (e.g. masses of shape (n, 1, 1) against E of shape (n_E, 1) and T of shape (n_T,)).
    case : str or LoopCase
        ``"A"`` or ``"B"`` (:data:`LOOP_CASES`).
    form_factor : str
        Name in :data:`upscatter.form_factors.FORM_FACTORS` (paper 000 uses Helm).
    radius_scale : float
        Multiplies the form-factor radius.
    twist2 : str
        Reading of the twist-2 sums, see :func:`loop_coefficients_per_x2`.

    Returns
    -------
    numpy.ndarray
        dsigma/dT / (g_chi g_q)^4 in MeV^-3; exactly zero where T > 2E^2/(M + 2E) or T = 0.
        The same for every neutrino flavour and for antineutrinos.
    """
    E = as_array("E", E)
    T = as_array("T", T)
    terms = loop_dsigma_terms_per_x4(
        T,
        isotope=isotope,
        m_chi=m_chi,
        m_zprime=m_zprime,
        case=case,
        form_factor=form_factor,
        radius_scale=radius_scale,
        twist2=twist2,
    )
    value = series_above_threshold(terms, E, T, isotope.mass, power=LOOP_ENERGY_POWER)
    # a sum of squares above threshold: the clip only removes rounding at E_min
    return np.maximum(value, 0.0)


def loop_sm_interference_terms_per_x2(
    T,
    *,
    isotope: Isotope,
    m_chi,
    m_zprime,
    antineutrino: bool = False,
    case: str | LoopCase = "A",
    form_factor: str = "helm",
    radius_scale: float = 1.0,
    twist2: str = DEFAULT_TWIST2,
):
    """The c2-SM interference per x^2 as a polynomial in E: sum_{k=0}^{2} c_k(T) E^(1-k).

    With f = s P 2 c2 a_SM/M (P as in :func:`loop_dsigma_terms_per_x4`)::

        c_0 = 2 M f,  c_1 = -2 M T f,  c_2 = -M^2 T f,

    exact wherever the recoil is reachable and zero at T = 0 (closed-form folding with
    :attr:`upscatter.rates.Channel.energy_power` = :data:`INTERFERENCE_ENERGY_POWER`).
    Arguments as :func:`loop_sm_interference_dsigma_dT_per_x2` without E.

    Returns
    -------
    numpy.ndarray
        Shape broadcast(T, m_chi, m_zprime) + (3,), in MeV^-3 MeV^(k-1), of either sign.
    """
    T = as_array("T", T)
    if not isinstance(antineutrino, (bool, np.bool_)):
        raise ParameterError(f"antineutrino must be True or False, got {antineutrino!r}")
    c2 = loop_coefficients_per_x2(isotope, m_chi, m_zprime, case, twist2=twist2).c2
    M = isotope.mass
    a_sm = -np.sqrt(2.0) * G_FERMI * weak_charge(isotope) / M
    sign = -1.0 if antineutrino else 1.0
    prefactor = _nucleus_prefactor(T, isotope, form_factor, radius_scale)
    f = sign * prefactor * 2.0 * c2 * a_sm / M
    terms = np.empty((*np.shape(f), 3))
    terms[..., 0] = 2.0 * M * f
    terms[..., 1] = -2.0 * M * T * f
    terms[..., 2] = -(M**2) * T * f
    return terms


def loop_sm_interference_dsigma_dT_per_x2(
    E,
    T,
    *,
    isotope: Isotope,
    m_chi,
    m_zprime,
    antineutrino: bool = False,
    case: str | LoopCase = "A",
    form_factor: str = "helm",
    radius_scale: float = 1.0,
    twist2: str = DEFAULT_TWIST2,
):
    """Interference of the c2 loop amplitude with the SM CEvNS amplitude, per x^2.

    dsigma_int/dT = s M^3/(8 pi) F^2 (2M + T) 2 c2 a_SM/(M E) (2ME(E - T) - M^2 T) with
    a_SM = -sqrt(2) G_F Q_V/M and s = +1 (neutrino) or -1 (antineutrino); derivation in the
    module docstring and docs/physics-decisions.md ("Loops: c2-SM interference"). Not in paper 000
    (its Eq. (22) adds only the squared loop amplitude). Evaluated from its coefficients in
    powers of E (:func:`loop_sm_interference_terms_per_x2`).

    Parameters
    ----------
    E, T : array_like
        Neutrino energy and nuclear recoil energy (MeV), non-negative.
    isotope : Isotope
        Target nucleus.
    m_chi, m_zprime : array_like
        Masses of chi and Z' (MeV), positive; broadcast with E and T.
    antineutrino : bool
        Antineutrino (the interference changes sign) or neutrino.
    case, form_factor, radius_scale, twist2
        As in :func:`loop_dsigma_dT_per_x4`.

    Returns
    -------
    numpy.ndarray
        dsigma_int/dT / (g_chi g_q)^2 in MeV^-3, of either sign; exactly zero where
        T > 2E^2/(M + 2E) or T = 0.
    """
    E = as_array("E", E)
    T = as_array("T", T)
    terms = loop_sm_interference_terms_per_x2(
        T,
        isotope=isotope,
        m_chi=m_chi,
        m_zprime=m_zprime,
        antineutrino=antineutrino,
        case=case,
        form_factor=form_factor,
        radius_scale=radius_scale,
        twist2=twist2,
    )
    return series_above_threshold(terms, E, T, isotope.mass, power=INTERFERENCE_ENERGY_POWER)


def twist2_expansion_parameter(m_chi, m_zprime, e_nu):
    """Expansion parameter of the local twist-2 matching, m_p E / min(m_chi, m_Z')^2.

    The box diagrams are expanded in the quark momentum k_q, with k_q.p1 <= m_N E (module
    docstring, "Range of validity"); the matching holds where this is well below 1
    (:data:`TWIST2_VALIDITY_LIMIT`).

    Parameters
    ----------
    m_chi, m_zprime : array_like
        Masses of chi and Z' (MeV), positive.
    e_nu : array_like
        Neutrino energy (MeV), positive (use the largest energy of the source).

    Returns
    -------
    numpy.ndarray
        Dimensionless, broadcast shape of the inputs.
    """
    m_chi = as_array("m_chi", m_chi, allow_zero=False)
    m_zprime = as_array("m_zprime", m_zprime, allow_zero=False)
    e_nu = as_array("e_nu", e_nu, allow_zero=False)
    return M_PROTON * e_nu / np.minimum(m_chi, m_zprime) ** 2
