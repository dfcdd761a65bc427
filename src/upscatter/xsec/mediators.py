"""Light vector and scalar mediators: nu + target -> chi + target (paper 003 Sec. II).

Both targets of the papers (nuclei and free electrons) share one form; only the mass, the
coherent charge and the form factor differ:

* vector, paper 003 Eq. (4) (nucleus) and Eq. (10) (electron), paper 000 Eq. (24)::

    dsigma/dT = Q_V^2 M F^2 / (4 pi (m_V^2 + 2 M T)^2) * B_V(E, T, M, m_chi)

  with B_V the vector bracket (:func:`upscatter.xsec.sm.vector_kinematic_bracket`) and
  Q_V = g_chi * sum_q g_q (coherent quark number): for universal couplings g_V^2 = g_chi g_q
  the nucleus has Q_V^2 = 9 A^2 g_V^4 (3 quarks per nucleon, paper 003 Eq. (4)); an electron
  has Q_V^2 = g_V^4.
  With separate up/down couplings Q_V = g_chi [(2 g_u + g_d) Z + (g_u + 2 g_d) N] (paper 000
  Eq. (24)).
* scalar, paper 003 Eqs. (6) and (11)::

    dsigma/dT = Q_S^2 M F^2 / (8 pi (m_S^2 + 2 M T)^2) (2 + T/M) (M T/E^2 + m_chi^2/(2 E^2))

  with Q_S^2 = C_S^4 = g_S^4 [Z sum_q (m_p/m_q) f_Tq^p + N sum_q (m_n/m_q) f_Tq^n]^2 for a
  nucleus (Eq. (7)) and g_S^4 for an electron.

Functions return the cross section *per unit coupling*: the nucleus functions take the quark
couplings and return dsigma/dT / g^4 so that N = N_SM + g^4 K (DESIGN.md). Everything is exactly
zero outside the kinematic range of paper 003 Eq. (14).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from .._validate import MAX_MEV, MIN_NEUTRINO_MEV, as_array, as_float
from ..errors import ParameterError
from ..form_factors import nuclear_form_factor
from ..hadronic import scalar_nuclear_charge
from ..nuclei import Isotope, as_isotope
from .sm import series_above_threshold, vector_bracket_terms


def vector_dsigma_terms(T, *, M, charge_sq, m_chi, m_med, form_factor_sq=1.0):
    """:func:`vector_dsigma_dT` as a polynomial in 1/E: sum_k c_k(T) E^-k above threshold.

    c_k = Q_V^2 M F^2 / (4 pi (m_V^2 + 2 M T)^2) b_k with the bracket coefficients b_k of
    :func:`upscatter.xsec.sm.vector_bracket_terms`; zero for T <= 0. Arguments as
    :func:`vector_dsigma_dT` without E; shape broadcast(T, parameters) + (3,), MeV^-3 MeV^k.
    """
    T = np.asarray(T, dtype=float)
    prop = 1.0 / (np.asarray(m_med, dtype=float) ** 2 + 2.0 * M * T) ** 2
    scale = charge_sq * M * form_factor_sq / (4.0 * np.pi) * prop
    return np.where(T > 0, scale, 0.0)[..., None] * vector_bracket_terms(T, M, m_chi)


def scalar_dsigma_terms(T, *, M, charge_sq, m_chi, m_med, form_factor_sq=1.0):
    """:func:`scalar_dsigma_dT` as a polynomial in 1/E: only the E^-2 term,
    c_2 = Q_S^2 M F^2 / (8 pi (m_S^2 + 2 M T)^2) (2 + T/M) (M T + m_chi^2/2); zero for
    T <= 0. Shape broadcast(T, parameters) + (3,), MeV^-3 MeV^k."""
    T = np.asarray(T, dtype=float)
    m_chi = np.asarray(m_chi, dtype=float)
    prop = 1.0 / (np.asarray(m_med, dtype=float) ** 2 + 2.0 * M * T) ** 2
    c2 = (
        charge_sq
        * M
        * form_factor_sq
        / (8.0 * np.pi)
        * prop
        * (2.0 + T / M)
        * (M * T + 0.5 * m_chi**2)
    )
    c2 = np.where(T > 0, c2, 0.0)
    zero = np.zeros_like(c2)
    return np.stack([zero, zero, c2], axis=-1)


def vector_dsigma_dT(E, T, *, M, charge_sq, m_chi, m_med, form_factor_sq=1.0):
    """Vector-mediated nu + target -> chi + target, generic target (MeV^-3).

    Parameters
    ----------
    E, T : array_like
        Neutrino energy and recoil energy (MeV).
    M : float
        Target mass (MeV).
    charge_sq : float or array_like
        Q_V^2 (dimensionless): product of squared couplings and coherent charge.
    m_chi, m_med : float or array_like
        Dark-fermion and mediator masses (MeV); broadcast with E and T.
    form_factor_sq : array_like
        F^2 at the momentum transfer of T (1 for a free electron).
    """
    terms = vector_dsigma_terms(
        T, M=M, charge_sq=charge_sq, m_chi=m_chi, m_med=m_med, form_factor_sq=form_factor_sq
    )
    return series_above_threshold(terms, E, T, M, m_chi)


def scalar_dsigma_dT(E, T, *, M, charge_sq, m_chi, m_med, form_factor_sq=1.0):
    """Scalar-mediated nu + target -> chi + target, generic target (MeV^-3); see module doc."""
    terms = scalar_dsigma_terms(
        T, M=M, charge_sq=charge_sq, m_chi=m_chi, m_med=m_med, form_factor_sq=form_factor_sq
    )
    return series_above_threshold(terms, E, T, M, m_chi)


def _quark_couplings(quark_couplings: Mapping[str, float] | None) -> dict[str, float]:
    """g_u, g_d relative to the overall coupling: universal (1, 1) unless given."""
    given = dict(quark_couplings or {})
    unknown = sorted(set(given) - {"u", "d"})
    if unknown:
        raise ParameterError(f"quark_couplings: unknown key(s) {', '.join(unknown)}; known: u, d")
    return {
        "u": 1.0,
        "d": 1.0,
        **{
            k: as_float(f"quark_couplings[{k!r}]", v, allow_negative=True) for k, v in given.items()
        },
    }


MIN_MEDIATOR_MEV = 1e-6
"""Lightest mediator (MeV) accepted: 1 eV, far below sqrt(2 M T) ~ MeV at any threshold here (so
the massless limit is already reached), and far above where m_med^4 underflows and the
forward propagator 1/(m_med^2 + 2 M T)^2 becomes infinite at T = 0."""


def as_mediator_mass(m_med) -> np.ndarray:
    """``m_med`` (MeV) as an array, checked to be finite and in [1e-6, 1e9] MeV."""
    m_med = as_array("m_med", m_med, allow_zero=False, maximum=MAX_MEV)
    if np.any(m_med < MIN_MEDIATOR_MEV):
        raise ParameterError(
            f"m_med = {float(np.min(m_med)):g} MeV is below {MIN_MEDIATOR_MEV:g} MeV (1 eV), "
            "where the massless limit is already reached"
        )
    return m_med


def _on_nucleus(
    dsigma_terms: Callable[..., np.ndarray],
    T,
    isotope: Isotope,
    charge: float,
    m_chi,
    m_med,
    form_factor: str,
    radius_scale: float,
) -> np.ndarray:
    """The generic ``dsigma_terms`` (:func:`vector_dsigma_terms` or :func:`scalar_dsigma_terms`)
    on a nucleus: M = isotope mass (MeV), Q^2 = ``charge``^2 and the squared form factor at the
    momentum transfer of the recoil T (MeV); coefficients in 1/E, shape (..., 3)."""
    as_array("recoil energy T", T, maximum=MAX_MEV)
    as_array("m_chi", m_chi, maximum=MAX_MEV)
    as_mediator_mass(m_med)
    as_float("radius_scale", radius_scale, allow_zero=False)
    M = isotope.mass
    ff = nuclear_form_factor(T, isotope, form_factor, radius_scale)
    return dsigma_terms(
        T, M=M, charge_sq=charge * charge, m_chi=m_chi, m_med=m_med, form_factor_sq=ff**2
    )


def _nucleus_dsigma_from_terms(terms_func, E, T, isotope, m_chi, **options) -> np.ndarray:
    """dsigma/dT (MeV^-3) of a nucleus cross section from its 1/E coefficients
    ``terms_func(T, isotope=..., m_chi=..., **options)``: the series at E above threshold,
    exactly 0 below (the closed-form folding integrates the same coefficients)."""
    as_array("neutrino energy E", E, minimum=MIN_NEUTRINO_MEV, maximum=MAX_MEV)
    isotope = as_isotope(isotope)
    terms = terms_func(T, isotope=isotope, m_chi=m_chi, **options)
    return series_above_threshold(terms, E, T, isotope.mass, m_chi)


def vector_nuclear_charge(isotope: Isotope, g_u: float = 1.0, g_d: float = 1.0) -> float:
    """Coherent quark-vector charge (2 g_u + g_d) Z + (g_u + 2 g_d) N, paper 000 Eq. (24)."""
    return (2.0 * g_u + g_d) * isotope.Z + (g_u + 2.0 * g_d) * isotope.N


def vector_nucleus_dsigma_terms(
    T,
    *,
    isotope: Isotope,
    m_chi,
    m_med,
    quark_couplings: Mapping[str, float] | None = None,
    form_factor: str = "klein-nystrand",
    radius_scale: float = 1.0,
):
    """:func:`vector_nucleus_dsigma_dT` as coefficients c_k(T) of E^-k, k = 0, 1, 2 (valid above
    threshold; shape (..., 3), MeV^-3 MeV^k per g^4)."""
    isotope = as_isotope(isotope)
    couplings = _quark_couplings(quark_couplings)
    q = vector_nuclear_charge(isotope, couplings["u"], couplings["d"])
    return _on_nucleus(vector_dsigma_terms, T, isotope, q, m_chi, m_med, form_factor, radius_scale)


def vector_nucleus_dsigma_dT(
    E,
    T,
    *,
    isotope: Isotope,
    m_chi,
    m_med,
    quark_couplings: Mapping[str, float] | None = None,
    form_factor: str = "klein-nystrand",
    radius_scale: float = 1.0,
):
    """nu N -> chi N through a light vector, per g^4 (MeV^-3), paper 003 Eq. (4).

    ``quark_couplings`` gives g_u, g_d relative to the overall coupling (default universal,
    ``{"u": 1, "d": 1}``, which gives Q_V^2 = 9 A^2). Multiply by g^4 = (g_chi g_q)^2.
    """
    return _nucleus_dsigma_from_terms(
        vector_nucleus_dsigma_terms,
        E,
        T,
        isotope,
        m_chi,
        m_med=m_med,
        quark_couplings=quark_couplings,
        form_factor=form_factor,
        radius_scale=radius_scale,
    )


def scalar_nucleus_dsigma_terms(
    T,
    *,
    isotope: Isotope,
    m_chi,
    m_med,
    quark_couplings: Mapping[str, float] | None = None,
    hadronic: str = "candela2023",
    form_factor: str = "klein-nystrand",
    radius_scale: float = 1.0,
):
    """:func:`scalar_nucleus_dsigma_dT` as coefficients c_k(T) of E^-k, k = 0, 1, 2 (valid
    above threshold; shape (..., 3), MeV^-3 MeV^k per g_S^4)."""
    isotope = as_isotope(isotope)
    q = scalar_nuclear_charge(isotope, _quark_couplings(quark_couplings), hadronic)
    return _on_nucleus(scalar_dsigma_terms, T, isotope, q, m_chi, m_med, form_factor, radius_scale)


def scalar_nucleus_dsigma_dT(
    E,
    T,
    *,
    isotope: Isotope,
    m_chi,
    m_med,
    quark_couplings: Mapping[str, float] | None = None,
    hadronic: str = "candela2023",
    form_factor: str = "klein-nystrand",
    radius_scale: float = 1.0,
):
    """nu N -> chi N through a light scalar, per g_S^4 (MeV^-3), paper 003 Eqs. (6)-(7)."""
    return _nucleus_dsigma_from_terms(
        scalar_nucleus_dsigma_terms,
        E,
        T,
        isotope,
        m_chi,
        m_med=m_med,
        quark_couplings=quark_couplings,
        hadronic=hadronic,
        form_factor=form_factor,
        radius_scale=radius_scale,
    )
