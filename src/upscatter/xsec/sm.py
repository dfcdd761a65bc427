"""Standard-Model coherent elastic neutrino-nucleus scattering (CEvNS).

Paper 000 Eq. (23):

    dsigma/dT = G_F^2 M / (2 pi) [Z g_p^V + N g_n^V]^2 F^2(q) (2 - M T/E^2 - 2 T/E + T^2/E^2),

g_p^V = 1/2 - 2 sin^2(theta_W), g_n^V = -1/2. The axial (spin-dependent) part is neglected, as
in all three papers (paper 003 footnote 2); the cross section is the same for every flavour and
for antineutrinos. It vanishes exactly above T_max(E) = 2E^2/(M + 2E).
"""

from __future__ import annotations

import numpy as np

from .._validate import MAX_MEV, MIN_NEUTRINO_MEV, as_array, as_float
from ..constants import G_FERMI, SIN2_THETA_W
from ..form_factors import nuclear_form_factor
from ..kinematics import e_nu_min
from ..nuclei import Isotope, as_isotope


def weak_charge(isotope: Isotope, sin2_theta_w: float = SIN2_THETA_W) -> float:
    """Coherent vector weak charge Z g_p^V + N g_n^V (dimensionless; about -N/2)."""
    return isotope.Z * (0.5 - 2.0 * sin2_theta_w) - 0.5 * isotope.N


def vector_bracket_terms(T, M, m_out=0.0):
    """The vector bracket as a polynomial in 1/E: B(E, T) = b_0 + b_1/E + b_2/E^2.

    Expanding :func:`vector_kinematic_bracket` (paper 000 Eqs. (23)-(24), paper 003 Eqs. (4),
    (10)) at fixed T::

        b_0 = 2,   b_1 = -2T - m_out^2/M,   b_2 = T^2 - M T - (m_out^2/2)(1 - T/M).

    These coefficients let the folding engine integrate a polynomial spectrum in closed form
    (:func:`upscatter.rates.fluence_weighted_xsec`).

    Returns
    -------
    numpy.ndarray
        Shape broadcast(T, m_out) + (3,): (b_0 [1], b_1 [MeV], b_2 [MeV^2]).
    """
    T = np.asarray(T, dtype=float)
    m2 = np.asarray(m_out, dtype=float) ** 2
    b1 = -2.0 * T - m2 / M
    b2 = T * (T - M) - 0.5 * m2 * (1.0 - T / M)
    terms = np.empty((*np.broadcast_shapes(b1.shape, b2.shape), 3))
    terms[..., 0], terms[..., 1], terms[..., 2] = 2.0, b1, b2
    return terms


def energy_series(terms, E, power: int = 0):
    """sum_k terms[..., k] E^(power - k): a cross section from its coefficients in powers of E.

    ``terms`` has shape X + (n,), broadcastable against E without the last axis; E in MeV;
    ``power`` is the highest power of E (0: a series in 1/E, as for the tree-level cross
    sections; :attr:`upscatter.rates.Channel.energy_power`).
    """
    terms = np.asarray(terms, dtype=float)
    E = np.asarray(E, dtype=float)
    inverse = 1.0 / E
    value = terms[..., -1]
    for k in range(terms.shape[-1] - 2, -1, -1):
        value = terms[..., k] + inverse * value
    return value * E**power if power else value


def vector_kinematic_bracket(E, T, M, m_out=0.0):
    """Spin-summed kinematic factor of a vector exchange, nu + A -> f(m_out) + A.

    [(2 - M T/E^2 - 2T/E + T^2/E^2) - m_out^2/(2E^2) (1 + 2E/M - T/M)]: the bracket of paper 000
    Eqs. (23)-(24) and paper 003 Eqs. (4), (10), evaluated from its coefficients in 1/E
    (:func:`vector_bracket_terms`). Dimensionless; not masked (may be negative outside the
    kinematic range).
    """
    return energy_series(vector_bracket_terms(T, M, m_out), E)


def kinematically_allowed(E, T, M, m_out=0.0):
    """True where recoil T can be produced by a neutrino of energy E (exact, any m_out)."""
    return (np.asarray(T) > 0) & (np.asarray(E) >= e_nu_min(T, M, m_out))


def series_above_threshold(terms, E, T, M, m_out=0.0, power: int = 0):
    """:func:`energy_series` of ``terms`` where the recoil T is reachable at E
    (:func:`kinematically_allowed`), exactly 0 elsewhere (E = 0 included: no division there)."""
    allowed = kinematically_allowed(E, T, M, m_out)
    return np.where(allowed, energy_series(terms, np.where(allowed, E, 1.0), power), 0.0)


def sm_dsigma_terms(T, isotope: Isotope, form_factor: str = "helm", radius_scale: float = 1.0):
    """SM CEvNS as a polynomial in 1/E: dsigma/dT = sum_k c_k(T) E^-k for E >= E_min(T).

    c_k = G_F^2 M / (2 pi) Q_W^2 F^2(q) b_k with b_k of :func:`vector_bracket_terms` (m_out = 0);
    zero for T <= 0. The clip at zero of :func:`sm_dsigma_dT` is never active above threshold
    (the bracket is concave in 1/E, equal to 2 at 1/E = 0 and to T^2/E^2 >= 0 at threshold), so
    the series equals the cross section wherever it is non-zero.

    Returns
    -------
    numpy.ndarray
        Shape T.shape + (3,), in MeV^-3 MeV^k.
    """
    T = np.asarray(T, dtype=float)
    M = isotope.mass
    ff = nuclear_form_factor(T, isotope, form_factor, radius_scale)
    scale = G_FERMI**2 * M / (2.0 * np.pi) * weak_charge(isotope) ** 2 * ff**2
    return np.where(T > 0, scale, 0.0)[..., None] * vector_bracket_terms(T, M)


def sm_dsigma_dT(E, T, isotope: Isotope, form_factor: str = "helm", radius_scale: float = 1.0):
    """SM CEvNS cross section per recoil energy, paper 000 Eq. (23).

    Parameters
    ----------
    E, T : array_like
        Neutrino energy and nuclear recoil energy (MeV); broadcast together.
    isotope : Isotope or str
        Target nucleus (or its name, e.g. ``"Cs133"``).
    form_factor : str
        Name in :data:`upscatter.form_factors.FORM_FACTORS`.
    radius_scale : float
        Multiplies the form-factor radius (nuisance of paper 003 footnote 4); positive.

    Returns
    -------
    numpy.ndarray
        dsigma/dT in MeV^-3; exactly zero where T is not reachable.

    Raises
    ------
    ParameterError
        E not in [1e-6, 1e9] MeV, T not in [0, 1e9] MeV (:data:`upscatter._validate.MAX_MEV`), a
        non-positive radius_scale, an unknown isotope.
    """
    isotope = as_isotope(isotope)
    as_array("neutrino energy E", E, minimum=MIN_NEUTRINO_MEV, maximum=MAX_MEV)
    as_array("recoil energy T", T, maximum=MAX_MEV)
    as_float("radius_scale", radius_scale, allow_zero=False)
    terms = sm_dsigma_terms(T, isotope, form_factor, radius_scale)
    return np.maximum(series_above_threshold(terms, E, T, isotope.mass), 0.0)
