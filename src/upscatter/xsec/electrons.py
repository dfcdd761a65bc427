"""Neutrino scattering on atomic electrons: SM nu e -> nu e and nu e -> chi e (paper 003 Sec. II).

Free electron
    * SM elastic scattering at tree level (C. Giunti and C. W. Kim, "Fundamentals of Neutrino
      Physics and Astrophysics", OUP 2007, the reference paper 003 gives for it, ref. [106];
      PDG Review of Particle Physics, "Electroweak model and constraints on new physics")::

        dsigma/dT = G_F^2 m_e / (2 pi) [ (g_V + g_A)^2 + (g_V - g_A)^2 (1 - T/E)^2
                                         - (g_V^2 - g_A^2) m_e T / E^2 ]

      with g_V = -1/2 + 2 sin^2(theta_W), g_A = -1/2 for nu_mu and nu_tau (Z exchange only) and
      g_V, g_A both shifted by +1 for nu_e (W exchange, after a Fierz rearrangement). For
      antineutrinos g_A -> -g_A, i.e. (g_V + g_A) <-> (g_V - g_A); the m_e T/E^2 term is unchanged.
    * Light vector and scalar mediators, paper 003 Eqs. (10)-(11) without the Z_eff factor: the
      generic functions of :mod:`upscatter.xsec.mediators` with M = m_e, Q^2 = g^4 (returned per
      g^4, so ``charge_sq = 1``) and no form factor.

Atomic electrons (paper 003 Eqs. (10)-(11) and Appendix B)
    The cross section per atom is Z_eff(E_er) times the free-electron one, where Z_eff(E_er) is
    the number of electrons whose binding energy is below the deposited energy E_er = T: a step
    function (:func:`z_eff`). Cs and I follow paper 003 Table I; Ar and Ge use the same rule with
    the binding energies of the X-ray Data Booklet (Thompson et al. 2009, Table 1-1, the source
    of Table I, paper 003 ref. [124]). See ``docs/physics-decisions.md``, "Electron scattering".

Every cross section is exactly zero outside the kinematic range of paper 003 Eq. (14) with m_e
as the target mass, so nu e -> chi e is closed for m_chi > sqrt(m_e (m_e + 2E)) - m_e (about
6.85 MeV at the SNS endpoint E = m_mu/2). Energies are in MeV, cross sections in MeV^-3.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import MAX_MEV, MIN_NEUTRINO_MEV, as_array
from ..constants import G_FERMI, M_ELECTRON, SIN2_THETA_W
from ..errors import ParameterError
from ..flavours import is_antineutrino, lepton_flavour
from ..nuclei import Isotope, as_isotope
from ..units import keV
from .mediators import (
    as_mediator_mass,
    scalar_dsigma_dT,
    scalar_dsigma_terms,
    vector_dsigma_dT,
    vector_dsigma_terms,
)
from .sm import kinematically_allowed


@dataclass(frozen=True)
class ZeffTable:
    """Atomic subshells of one element, for the effective electron charge Z_eff(E_er).

    Attributes
    ----------
    element : str
        Chemical symbol.
    Z : int
        Atomic number.
    subshells : tuple of (str, float, int)
        (label, binding energy in keV, number of electrons) of every subshell that is bound more
        strongly than the detector thresholds of interest; the remaining Z - sum(n) outer
        electrons are always counted.
    source : str
        Where the binding energies come from.
    """

    element: str
    Z: int
    subshells: tuple[tuple[str, float, int], ...]
    source: str

    @property
    def edges(self) -> np.ndarray:
        """Binding energies in increasing order (MeV)."""
        return np.sort([b for _, b, _ in self.subshells]) * keV

    @property
    def steps(self) -> np.ndarray:
        """Z_eff just above each edge and below the first, shape (len(edges) + 1,)."""
        order = sorted(self.subshells, key=lambda shell: shell[1])
        outer = self.Z - sum(n for _, _, n in order)
        return outer + np.concatenate([[0], np.cumsum([n for _, _, n in order])])

    def __call__(self, T) -> np.ndarray:
        """Z_eff at deposited energy T (MeV): electrons with binding energy B < T."""
        return self.steps[np.searchsorted(self.edges, T, side="left")].astype(float)


_TABLE_I = "paper 003 Table I (binding energies of the X-ray Data Booklet, rounded)"
_BOOKLET = "X-ray Data Booklet (Thompson et al. 2009), Table 1-1"

Z_EFF_TABLES: dict[int, ZeffTable] = {
    table.Z: table
    for table in (
        ZeffTable(
            "Cs",
            55,
            (
                ("K", 35.99, 2),
                ("L1", 5.71, 2),
                ("L2", 5.36, 2),
                ("L3", 5.01, 4),
                ("M1", 1.21, 2),
                ("M2", 1.07, 2),
                ("M3", 1.00, 4),
                ("M4", 0.74, 4),
                ("M5", 0.73, 6),
                ("N1", 0.23, 2),
                ("N2", 0.17, 2),
                ("N3", 0.16, 4),
            ),
            _TABLE_I,
        ),
        ZeffTable(
            "I",
            53,
            (
                ("K", 33.17, 2),
                ("L1", 5.19, 2),
                ("L2", 4.86, 2),
                ("L3", 4.56, 4),
                ("M1", 1.07, 2),
                ("M2", 0.93, 2),
                ("M3", 0.88, 4),
                ("M4", 0.63, 4),
                ("M5", 0.62, 6),
                ("N1", 0.19, 2),
                ("N2", 0.124, 2),
                ("N3", 0.123, 4),
            ),
            _TABLE_I,
        ),
        ZeffTable(
            "Ar",
            18,
            (
                ("K", 3.2059, 2),
                ("L1", 0.3263, 2),
                ("L2", 0.2506, 2),
                ("L3", 0.2484, 4),
                ("M1", 0.0293, 2),
                ("M2", 0.0159, 2),
                ("M3", 0.0157, 4),
            ),
            _BOOKLET,
        ),
        ZeffTable(
            "Ge",
            32,
            (
                ("K", 11.103, 2),
                ("L1", 1.4146, 2),
                ("L2", 1.2481, 2),
                ("L3", 1.2170, 4),
                ("M1", 0.1801, 2),
                ("M2", 0.1249, 2),
                ("M3", 0.1208, 4),
                ("M4", 0.0298, 4),
                ("M5", 0.0292, 6),
            ),
            _BOOKLET + "; the 4 valence (4s, 4p) electrons are always counted",
        ),
    )
}
"""Z_eff tables keyed by atomic number (so every isotope of an element shares one)."""


def _check_energies(E, T) -> tuple[np.ndarray, np.ndarray]:
    """Neutrino energies 1e-6 <= E <= 1e9 MeV (+inf allowed, see :func:`_on_reachable`), finite
    0 <= T <= 1e9 MeV."""
    E = np.asarray(E, dtype=float)
    if (
        np.any(np.isnan(E))
        or np.any(E < MIN_NEUTRINO_MEV)
        or np.any(np.isfinite(E) & (E > MAX_MEV))
    ):
        raise ParameterError(
            f"neutrino energy E must be in [{MIN_NEUTRINO_MEV:g}, {MAX_MEV:g}] MeV (or +inf), got "
            "a NaN or a value outside"
        )
    return E, as_array("recoil energy T", T, maximum=MAX_MEV)


def _on_reachable(E, T, free_xsec):
    """free_xsec(E, T) where a recoil is possible at all, exactly 0 where T = 0 or E = +inf.

    No recoil (T = 0) has zero cross section, and E = +inf is what
    :func:`upscatter.kinematics.e_nu_min` returns for a recoil no neutrino can produce (T = 0
    with m_chi > 0), which the folding engine passes on at zero-weight nodes. Those points are
    evaluated at a harmless placeholder (1 MeV) and masked, so that no 0/0 or 0*inf reaches the
    shared kinematics helpers (which would warn there).
    """
    finite, recoil = np.isfinite(E), T > 0
    value = free_xsec(np.where(finite, E, 1.0), np.where(recoil, T, 1.0))
    return np.where(finite & recoil, value, 0.0)


def _table(isotope: Isotope | str) -> ZeffTable:
    iso = as_isotope(isotope)
    try:
        return Z_EFF_TABLES[iso.Z]
    except KeyError:
        known = ", ".join(t.element for t in Z_EFF_TABLES.values())
        raise ParameterError(
            f"no Z_eff table for {iso.name} (Z = {iso.Z}); tables exist for {known}"
        ) from None


def z_eff(isotope: Isotope | str, T) -> np.ndarray:
    """Effective number of electrons that can take a deposited energy T (paper 003 App. B).

    Parameters
    ----------
    isotope : Isotope or str
        Target atom (``CS133``, ``I127``, ``AR40``, ``GE70``..., or their names).
    T : array_like
        Deposited electron energy E_er (MeV), >= 0.

    Returns
    -------
    numpy.ndarray
        Z_eff(T) (dimensionless, shape of T): Z minus the electrons of every subshell with
        binding energy B >= T (paper 003 Table I convention: a subshell counts for E_er > B).
        Equals Z above the K-shell binding energy.
    """
    return _table(isotope)(as_array("recoil energy T", T))


def electron_couplings(flavour: str, sin2_theta_w: float = SIN2_THETA_W) -> tuple[float, float]:
    """Effective (g_V, g_A) of nu_alpha e scattering for a neutrino of this flavour.

    g_V = -1/2 + 2 sin^2(theta_W), g_A = -1/2 from Z exchange; nu_e and nubar_e add +1 to both
    from W exchange (Giunti & Kim 2007; PDG). The sign of g_A for antineutrinos is applied in
    :func:`sm_electron_dsigma_dT`, not here.
    """
    charged_current = 1.0 if lepton_flavour(flavour) == "e" else 0.0
    return -0.5 + 2.0 * sin2_theta_w + charged_current, -0.5 + charged_current


def sm_electron_dsigma_dT(E, T, flavour: str):
    """SM elastic nu e -> nu e on one free electron at rest (tree level), per recoil energy.

    Parameters
    ----------
    E, T : array_like
        Neutrino energy and electron recoil kinetic energy (MeV); broadcast together.
    flavour : str
        One of :data:`upscatter.flavours.ALL_FLAVOURS`.

    Returns
    -------
    numpy.ndarray
        dsigma/dT in MeV^-3 (see the module docstring for the formula and its sources); exactly
        zero for T <= 0 and above T_max = 2E^2/(m_e + 2E).
    """
    E, T = _check_energies(E, T)
    g_v, g_a = electron_couplings(flavour)
    first, second = g_v + g_a, g_v - g_a
    if is_antineutrino(flavour):
        first, second = second, first

    def free(E, T):
        y = T / E
        bracket = first**2 + second**2 * (1.0 - y) ** 2 - (g_v**2 - g_a**2) * M_ELECTRON * y / E
        value = G_FERMI**2 * M_ELECTRON / (2.0 * np.pi) * bracket
        return np.where(kinematically_allowed(E, T, M_ELECTRON), value, 0.0)

    return _on_reachable(E, T, free)


def sm_atom_dsigma_dT(E, T, *, isotope: Isotope | str, flavour: str):
    """SM nu e scattering on the electrons of one atom: Z_eff(T) x free cross section (MeV^-3).

    Paper 003 Eq. (17) with kappa = SM. Arguments as :func:`sm_electron_dsigma_dT` and
    :func:`z_eff`.
    """
    table = _table(isotope)
    free = sm_electron_dsigma_dT(E, T, flavour)
    return table(np.asarray(T, dtype=float)) * free


def _mediator_atom(generic, E, T, isotope, m_chi, m_med):
    """Z_eff(T) x generic(E, T, M=m_e, charge_sq=1, ...): paper 003 Eqs. (10)-(11) per g^4."""
    table = _table(isotope)
    E, T = _check_energies(E, T)
    m_chi = as_array("m_chi", m_chi, maximum=MAX_MEV)
    m_med = as_mediator_mass(m_med)
    free = _on_reachable(
        E, T, lambda E, T: generic(E, T, M=M_ELECTRON, charge_sq=1.0, m_chi=m_chi, m_med=m_med)
    )
    return table(T) * free


def _mediator_atom_terms(generic_terms, T, isotope, m_chi, m_med):
    """:func:`_mediator_atom` as coefficients of E^-k (k = 0, 1, 2), valid above threshold:
    Z_eff(T) x generic_terms(T, M=m_e, charge_sq=1, ...), shape (..., 3)."""
    table = _table(isotope)
    T = as_array("recoil energy T", T)
    m_chi = as_array("m_chi", m_chi)
    m_med = as_array("m_med", m_med, allow_zero=False)
    terms = generic_terms(T, M=M_ELECTRON, charge_sq=1.0, m_chi=m_chi, m_med=m_med)
    return table(T)[..., None] * terms


def vector_electron_dsigma_terms(T, *, isotope: Isotope | str, m_chi, m_med):
    """:func:`vector_electron_dsigma_dT` as coefficients c_k(T) of E^-k, k = 0, 1, 2, valid
    above threshold (shape (..., 3), MeV^-3 MeV^k per g_V^4); for the closed-form folding."""
    return _mediator_atom_terms(vector_dsigma_terms, T, isotope, m_chi, m_med)


def scalar_electron_dsigma_terms(T, *, isotope: Isotope | str, m_chi, m_med):
    """:func:`scalar_electron_dsigma_dT` as coefficients c_k(T) of E^-k, k = 0, 1, 2, valid
    above threshold (shape (..., 3), MeV^-3 MeV^k per g_S^4); for the closed-form folding."""
    return _mediator_atom_terms(scalar_dsigma_terms, T, isotope, m_chi, m_med)


def vector_electron_dsigma_dT(E, T, *, isotope: Isotope | str, m_chi, m_med):
    """nu e -> chi e through a light vector on the electrons of one atom, per g_V^4 (MeV^-3).

    Paper 003 Eq. (10): Z_eff(T) m_e / (4 pi (m_V^2 + 2 m_e T)^2) x [vector bracket with M = m_e]
    (:func:`upscatter.xsec.mediators.vector_dsigma_dT` with M = m_e, Q_V^2 = 1, F = 1).

    Parameters
    ----------
    E, T : array_like
        Neutrino energy and electron recoil energy E_er (MeV).
    isotope : Isotope or str
        Atom whose electrons are struck (selects the Z_eff table).
    m_chi : float or array_like
        Dark-fermion mass (MeV), >= 0; broadcast with E and T.
    m_med : float or array_like
        Vector mediator mass (MeV), > 0.

    Returns
    -------
    numpy.ndarray
        dsigma/dT / g_V^4 in MeV^-3 (g_V^2 = g_chi g_e); exactly zero outside the recoil range
        of paper 003 Eq. (14) with m_e as the target.
    """
    return _mediator_atom(vector_dsigma_dT, E, T, isotope, m_chi, m_med)


def scalar_electron_dsigma_dT(E, T, *, isotope: Isotope | str, m_chi, m_med):
    """nu e -> chi e through a light scalar on the electrons of one atom, per g_S^4 (MeV^-3).

    Paper 003 Eq. (11): Z_eff(T) m_e / (8 pi (m_S^2 + 2 m_e T)^2) (2 + T/m_e)
    (m_chi^2/(2E^2) + m_e T/E^2) (:func:`upscatter.xsec.mediators.scalar_dsigma_dT` with
    M = m_e). Arguments, units and the zero outside the kinematic range as
    :func:`vector_electron_dsigma_dT` (g_S^2 = g_chi g_e, m_med = m_S > 0).
    """
    return _mediator_atom(scalar_dsigma_dT, E, T, isotope, m_chi, m_med)
