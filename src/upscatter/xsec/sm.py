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


def vector_kinematic_bracket(E, T, M, m_out=0.0):
    """Spin-summed kinematic factor of a vector exchange, nu + A -> f(m_out) + A.

    [(2 - M T/E^2 - 2T/E + T^2/E^2) - m_out^2/(2E^2) (1 + 2E/M - T/M)]: the bracket of paper 000
    Eqs. (23)-(24) and paper 003 Eqs. (4), (10). Dimensionless; not masked (may be negative
    outside the kinematic range).
    """
    E = np.asarray(E, dtype=float)
    T = np.asarray(T, dtype=float)
    elastic = 2.0 - M * T / E**2 - 2.0 * T / E + T**2 / E**2
    if np.all(np.asarray(m_out) == 0):
        return elastic
    m2 = np.asarray(m_out, dtype=float) ** 2
    return elastic - m2 / (2.0 * E**2) * (1.0 + 2.0 * E / M - T / M)


def kinematically_allowed(E, T, M, m_out=0.0):
    """True where recoil T can be produced by a neutrino of energy E (exact, any m_out)."""
    return (np.asarray(T) > 0) & (np.asarray(E) >= e_nu_min(T, M, m_out))


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
    M = isotope.mass
    ff = nuclear_form_factor(T, isotope, form_factor, radius_scale)
    value = (
        G_FERMI**2
        * M
        / (2.0 * np.pi)
        * weak_charge(isotope) ** 2
        * ff**2
        * np.maximum(vector_kinematic_bracket(E, T, M), 0.0)
    )
    return np.where(kinematically_allowed(E, T, M), value, 0.0)
