"""Exact two-body kinematics of up-scattering nu(E) + A(M, at rest) -> chi(m_chi) + A(T).

Energy-momentum conservation gives the recoil angle

    cos(theta) = (2 E T + 2 M T + m_chi^2) / (2 E p_A),   p_A = sqrt(T^2 + 2 M T),

so a recoil T is reachable when cos(theta) <= 1, i.e. for E >= E_min(T) with

    E_min(T) = (2 M T + m_chi^2) / (2 (p_A - T)) = (p_A + T)/2 * (1 + m_chi^2 / (2 M T)).

This is paper 003 Eq. (14) (first line) written without its cancellations; for m_chi = 0 it is
the textbook (T + sqrt(T^2 + 2 M T))/2. For fixed E the reachable recoils form ``[T_-, T_+]``, the
roots of 4 M (2E + M) T^2 + (4 m^2 (E + M) - 8 E^2 M) T + m^4 = 0 (paper 003 Eq. (14), last
line); ``T_-`` is computed from ``T_- T_+ = m^4 / (4 M (2E + M))`` to avoid cancellation. The
range is non-empty above E_th = m_chi + m_chi^2/(2M) (paper 000 Eq. (25)).

All functions are vectorised with numpy broadcasting; energies and masses in MeV.
"""

from __future__ import annotations

import numpy as np


def recoil_momentum(T, M):
    """Three-momentum of the recoiling target, sqrt(T^2 + 2 M T) (MeV)."""
    T = np.asarray(T, dtype=float)
    return np.sqrt(T * (T + 2.0 * M))


def e_nu_min(T, M, m_chi=0.0):
    """Minimal neutrino energy that can produce recoil T (MeV).

    Parameters
    ----------
    T : array_like
        Recoil kinetic energy (MeV), >= 0.
    M : float or array_like
        Target mass (MeV).
    m_chi : float or array_like
        Mass of the outgoing fermion (MeV); 0 for elastic scattering.

    Returns
    -------
    numpy.ndarray
        E_min(T) in MeV; +inf at T = 0 when m_chi > 0 (no neutrino gives zero recoil then).
    """
    T = np.asarray(T, dtype=float)
    m2 = np.asarray(m_chi, dtype=float) ** 2
    half_sum = 0.5 * (recoil_momentum(T, M) + T)
    # m^2 (p_A + T) / (4 M T) written as m^2/(4M) (1 + sqrt(1 + 2M/T)): +inf, not NaN, at T = 0
    # and where 2M/T overflows (T below ~1e-300 MeV), the same limit
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        mass_term = np.where(m2 > 0, m2 / (4.0 * M) * (1.0 + np.sqrt(1.0 + 2.0 * M / T)), 0.0)
    return half_sum + mass_term


def threshold_energy(M, m_chi):
    """Lowest neutrino energy that can produce chi at all: m_chi + m_chi^2/(2M) (MeV)."""
    m_chi = np.asarray(m_chi, dtype=float)
    return m_chi + m_chi**2 / (2.0 * M)


def max_chi_mass(M, E_max):
    """Largest m_chi reachable with neutrinos of energy up to E_max: sqrt(M(M + 2E)) - M (MeV).

    Written as 2 M E / (sqrt(M^2 + 2 M E) + M) to stay exact for M >> E.
    """
    E_max = np.asarray(E_max, dtype=float)
    return 2.0 * M * E_max / (np.sqrt(M * (M + 2.0 * E_max)) + M)


def recoil_range(E, M, m_chi=0.0):
    """Reachable recoil energies [T_min, T_max] for neutrino energy E (MeV).

    Returns
    -------
    (T_min, T_max) : tuple of numpy.ndarray
        Below threshold both are 0, so the range is empty and any rate built on it vanishes.
    """
    E = np.asarray(E, dtype=float)
    m2 = np.asarray(m_chi, dtype=float) ** 2
    a = 2.0 * M * (2.0 * E + M)
    disc = (2.0 * M * E - m2) ** 2 - 4.0 * M**2 * m2
    open_ = disc >= 0.0
    root = np.sqrt(np.where(open_, disc, 0.0))
    t_max = np.where(open_, (2.0 * M * E**2 - m2 * (E + M) + E * root) / a, 0.0)
    t_max = np.maximum(t_max, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_min = np.where(t_max > 0.0, m2**2 / (2.0 * a * t_max), 0.0)
    return t_min, t_max
