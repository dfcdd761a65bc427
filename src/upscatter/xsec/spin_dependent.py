"""Spin-dependent (axial-vector) nu N -> chi N through a vector mediator with axial quark
couplings: the tree level of paper 000 case B, which the paper leaves out ("+ SD" in its
Eq. (16)).

With L = g_chi Z'_mu chibar gamma^mu P_L nu + Z'_mu sum_q qbar gamma^mu (g_qL P_L + g_qR P_R) q
and g_qL = -g_qR (case B), the quark current is axial, -g_q qbar gamma^mu gamma5 q, and
<N|qbar gamma^mu gamma5 q|N> = Delta_q^N Nbar gamma^mu gamma5 N. A nucleus of spin J couples
through its spin: in the long-wavelength limit the spin-averaged squared matrix element is that of
a Dirac particle with axial charge squared

    G_A^2 = 4 (J + 1)/(3 J) (a_p <S_p> + a_n <S_n>)^2,   a_N = sum_q g_q Delta_q^N,

(a single nucleon, J = 1/2, <S> = 1/2, gives a_N^2). The traces of the lepton current
chibar gamma^mu P_L nu (massive chi) and the axial nuclear current give

    dsigma/dT = G_A^2 M F^2 / (4 pi (m_Z'^2 + 2 M T)^2)
                [B_V(E, T, M, m_chi) + (2 M T + m_chi^2)/E^2]

per (g_chi g_q)^2, with B_V the vector bracket (:func:`upscatter.xsec.sm.vector_kinematic_bracket`):
the axial bracket is the vector one plus 2 p1.p2/E^2, from the +M^2 (instead of -M^2) in the
axial hadron tensor. At m_chi = 0 it is 2 + M T/E^2 (vector: 2 - M T/E^2), so that integrated
over T the axial cross section is 3 times the vector one, the sigma ~ g_V^2 + 3 g_A^2 of a free
nucleon (test).

Approximations (docs/physics-decisions.md, "Loops: case B spin-dependent tree level"): the
spin structure function is taken with the q dependence of the charge form factor (``form_factor``)
instead of the shell-model S_A(q)/S_A(0), which falls faster (a 10-30% smaller rate at the CsI
momentum transfers, 5-15% on a bound); the nuclear spin expectation values are shell-model values
with a spread of ~20% between calculations.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .._validate import MAX_MEV, as_array, as_float
from ..errors import ParameterError
from ..form_factors import nuclear_form_factor
from ..nuclei import Isotope, as_isotope
from .mediators import _nucleus_dsigma_from_terms, as_mediator_mass
from .sm import energy_series, vector_bracket_terms

NUCLEAR_SPINS: dict[str, tuple[float, float, float]] = {
    "Cs133": (3.5, -0.370, 0.003),
    "I127": (2.5, 0.309, 0.075),
    "Ge73": (4.5, 0.030, 0.378),
    "Xe129": (0.5, 0.028, 0.359),
    "Xe131": (1.5, -0.009, -0.227),
}
"""Ground-state spin J and proton and neutron spin expectation values <S_p>, <S_n> of the odd-A
isotopes of the package: shell-model values as compiled by Bednyakov and Simkovic, Phys. Part.
Nucl. 36 (2005) 131 (Cs133, I127: Iachello et al. / Ressell and Dean; Ge73: Dimitrov, Engel and
Pittel; Xe129, Xe131: Ressell and Dean). Even-even isotopes have J = 0 and no spin-dependent
coupling."""

DELTA_Q_PROTON: dict[str, float] = {"u": 0.842, "d": -0.427, "s": -0.085}
"""Axial quark charges Delta_q of the proton (micrOMEGAs defaults, the nucleon inputs paper 000
uses); the neutron's follow by isospin (u <-> d)."""

DOWN_PHILIC_AXIAL: dict[str, float] = {"u": 0.0, "d": 1.0, "s": 1.0}
"""Axial quark couplings of paper 000 case B in units of g_q (down-philic: g_u = 0,
g_d = g_s = g_q; heavy quarks carry no nucleon spin)."""


def nucleon_axial_couplings(quark_couplings: Mapping[str, float] | None = None):
    """(a_p, a_n) = sum_q g_q Delta_q^N for quark couplings g_q (default down-philic)."""
    couplings = dict(DOWN_PHILIC_AXIAL if quark_couplings is None else quark_couplings)
    unknown = sorted(set(couplings) - set(DELTA_Q_PROTON))
    if unknown:
        raise ParameterError(
            f"quark_couplings: unknown key(s) {', '.join(unknown)}; known: u, d, s"
        )
    g = {
        q: as_float(f"quark_couplings[{q!r}]", couplings.get(q, 0.0), allow_negative=True)
        for q in DELTA_Q_PROTON
    }
    neutron = {"u": DELTA_Q_PROTON["d"], "d": DELTA_Q_PROTON["u"], "s": DELTA_Q_PROTON["s"]}
    a_p = sum(g[q] * DELTA_Q_PROTON[q] for q in g)
    a_n = sum(g[q] * neutron[q] for q in g)
    return a_p, a_n


def spin_charge_sq(spin: float, s_p: float, s_n: float, a_p: float, a_n: float) -> float:
    """G_A^2 = 4 (J + 1)/(3 J) (a_p <S_p> + a_n <S_n>)^2 (0 for J = 0), dimensionless."""
    if spin < 0:
        raise ParameterError(f"nuclear spin must be >= 0, got {spin}")
    if spin == 0:
        return 0.0
    return 4.0 * (spin + 1.0) / (3.0 * spin) * (a_p * s_p + a_n * s_n) ** 2


def nuclear_spin(isotope: Isotope) -> tuple[float, float, float]:
    """(J, <S_p>, <S_n>) of ``isotope`` (:data:`NUCLEAR_SPINS`); (0, 0, 0) for even-even nuclei."""
    if isotope.name in NUCLEAR_SPINS:
        return NUCLEAR_SPINS[isotope.name]
    if isotope.Z % 2 == 0 and isotope.N % 2 == 0:
        return 0.0, 0.0, 0.0
    raise ParameterError(
        f"no nuclear spin expectation values for {isotope.name}; the spin-dependent cross "
        f"section knows {', '.join(NUCLEAR_SPINS)} and the even-even isotopes"
    )


def axial_bracket_terms(T, M, m_out=0.0):
    """The axial bracket as a polynomial in 1/E: those of the vector bracket
    (:func:`upscatter.xsec.sm.vector_bracket_terms`) with 2 M T + m_out^2 added to b_2.

    Returns
    -------
    numpy.ndarray
        Shape broadcast(T, m_out) + (3,): (b_0 [1], b_1 [MeV], b_2 [MeV^2]).
    """
    terms = vector_bracket_terms(T, M, m_out)
    terms[..., 2] += 2.0 * M * np.asarray(T, dtype=float) + np.asarray(m_out, dtype=float) ** 2
    return terms


def axial_kinematic_bracket(E, T, M, m_out=0.0):
    """B_V(E, T, M, m_out) + (2 M T + m_out^2)/E^2: spin-summed kinematic factor of a vector
    lepton current on an axial target current (module docstring), from its coefficients in 1/E
    (:func:`axial_bracket_terms`); dimensionless, not masked."""
    return energy_series(axial_bracket_terms(T, M, m_out), E)


def axial_nucleus_dsigma_terms(
    T,
    *,
    isotope: Isotope,
    m_chi,
    m_med,
    quark_couplings: Mapping[str, float] | None = None,
    form_factor: str = "helm",
    radius_scale: float = 1.0,
):
    """:func:`axial_nucleus_dsigma_dT` as coefficients c_k(T) of E^-k, k = 0, 1, 2.

    c_k = G_A^2 M F^2 / (4 pi (m_Z'^2 + 2 M T)^2) b_k with b_k the coefficients of the axial
    bracket (:func:`axial_bracket_terms`). Exact above threshold, zero at T = 0 (the
    folding engine integrates it in closed form). Arguments as :func:`axial_nucleus_dsigma_dT`
    without E.

    Returns
    -------
    numpy.ndarray
        Shape broadcast(T, m_chi, m_med) + (3,), in MeV^-3 MeV^k per (g_chi g_q)^2.
    """
    isotope = as_isotope(isotope)  # the same input checks as the other nucleus cross sections
    T = as_array("recoil energy T", T, maximum=MAX_MEV)
    m_chi = as_array("m_chi", m_chi, maximum=MAX_MEV)
    m_med = as_mediator_mass(m_med)
    as_float("radius_scale", radius_scale, allow_zero=False)
    charge_sq = spin_charge_sq(*nuclear_spin(isotope), *nucleon_axial_couplings(quark_couplings))
    M = isotope.mass
    ff = nuclear_form_factor(T, isotope, form_factor, radius_scale)
    scale = charge_sq * M * ff**2 / (4.0 * np.pi * (m_med**2 + 2.0 * M * T) ** 2)
    return np.where(T > 0, scale, 0.0)[..., None] * axial_bracket_terms(T, M, m_chi)


def axial_nucleus_dsigma_dT(
    E,
    T,
    *,
    isotope: Isotope,
    m_chi,
    m_med,
    quark_couplings: Mapping[str, float] | None = None,
    form_factor: str = "helm",
    radius_scale: float = 1.0,
):
    """Spin-dependent nu N -> chi N through an axially coupled vector, per (g_chi g_q)^2.

    Evaluated from its coefficients in 1/E (:func:`axial_nucleus_dsigma_terms`).

    Parameters
    ----------
    E, T : array_like
        Neutrino energy and nuclear recoil energy (MeV), non-negative.
    isotope : Isotope or str
        Target nucleus (or its name); its spin from :data:`NUCLEAR_SPINS` (zero for even-even
        nuclei).
    m_chi, m_med : array_like
        Masses of chi and the mediator (MeV), non-negative; broadcast with E and T.
    quark_couplings : mapping, optional
        Axial couplings g_u, g_d, g_s in units of g_q (default :data:`DOWN_PHILIC_AXIAL`).
    form_factor : str
        Form factor giving the q dependence of the spin structure function (approximation, see
        the module docstring).
    radius_scale : float
        Multiplies the form-factor radius.

    Returns
    -------
    numpy.ndarray
        dsigma/dT in MeV^-3; exactly zero outside the kinematic range (paper 003 Eq. (14)).
    """
    return _nucleus_dsigma_from_terms(
        axial_nucleus_dsigma_terms,
        E,
        T,
        isotope,
        m_chi,
        m_med=m_med,
        quark_couplings=quark_couplings,
        form_factor=form_factor,
        radius_scale=radius_scale,
    )
