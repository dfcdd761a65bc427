"""Isotopes and detector materials.

Nuclear masses are atomic masses (AME2020, Wang et al., Chin. Phys. C 45 (2021) 030003) minus Z
electron masses, as prescribed in physics-notes ("Conventions"); electron binding energies
(< 0.2 MeV) are neglected. Natural abundances and standard atomic weights are IUPAC values
(CIAAW 2019); the germanium abundances are the ones physics-notes quotes for paper 002.

Xenon: the nine natural isotopes with the isotopic composition of atmospheric xenon (IUPAC
representative isotopic composition, as tabulated by NIST, "Atomic Weights and Isotopic
Compositions", physics.nist.gov/Comp) and the atomic masses of that table (Wang et al., Chin.
Phys. C 41, 030003 (2017), AME2016; see docs/solar.md on AME2020). The standard atomic weight is
131.293(6) (CIAAW); the molar mass of "Xe" is computed from the isotopes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import lookup
from .constants import ATOMIC_MASS_UNIT, AVOGADRO, M_ELECTRON
from .errors import ParameterError
from .units import kg


@dataclass(frozen=True)
class Isotope:
    """A nuclide.

    Attributes
    ----------
    name : str
        Label such as ``"Cs133"``.
    Z, A : int
        Proton and mass numbers.
    atomic_mass_u : float
        Atomic mass in unified atomic mass units (AME2020).
    """

    name: str
    Z: int
    A: int
    atomic_mass_u: float

    @property
    def N(self) -> int:
        """Neutron number."""
        return self.A - self.Z

    @property
    def mass(self) -> float:
        """Nuclear mass in MeV (atomic mass minus Z electron masses)."""
        return self.atomic_mass_u * ATOMIC_MASS_UNIT - self.Z * M_ELECTRON


CS133 = Isotope("Cs133", 55, 133, 132.905451961)
I127 = Isotope("I127", 53, 127, 126.904471900)
AR40 = Isotope("Ar40", 18, 40, 39.9623831237)
GE70 = Isotope("Ge70", 32, 70, 69.92424875)
GE72 = Isotope("Ge72", 32, 72, 71.922075826)
GE73 = Isotope("Ge73", 32, 73, 72.923458956)
GE74 = Isotope("Ge74", 32, 74, 73.921177761)
GE76 = Isotope("Ge76", 32, 76, 75.921402726)
XE124 = Isotope("Xe124", 54, 124, 123.9058920)
XE126 = Isotope("Xe126", 54, 126, 125.9042983)
XE128 = Isotope("Xe128", 54, 128, 127.9035310)
XE129 = Isotope("Xe129", 54, 129, 128.9047808611)
XE130 = Isotope("Xe130", 54, 130, 129.903509349)
XE131 = Isotope("Xe131", 54, 131, 130.90508406)
XE132 = Isotope("Xe132", 54, 132, 131.9041550856)
XE134 = Isotope("Xe134", 54, 134, 133.90539466)
XE136 = Isotope("Xe136", 54, 136, 135.907214484)

XENON_ABUNDANCES: tuple[tuple[Isotope, float], ...] = (
    (XE124, 0.000952),
    (XE126, 0.000890),
    (XE128, 0.019102),
    (XE129, 0.264006),
    (XE130, 0.040710),
    (XE131, 0.212324),
    (XE132, 0.269086),
    (XE134, 0.104357),
    (XE136, 0.088573),
)
"""Natural xenon: each isotope with its atom fraction (IUPAC/NIST)."""

ISOTOPES: dict[str, Isotope] = {
    iso.name: iso
    for iso in (CS133, I127, AR40, GE70, GE72, GE73, GE74, GE76, *(i for i, _ in XENON_ABUNDANCES))
}


@dataclass(frozen=True)
class Material:
    """A detector material: a mix of isotopes per formula unit.

    Attributes
    ----------
    name : str
        Registry name (``"CsI"``, ``"Ar"``, ``"Ge"``, ``"Xe"``).
    components : tuple of (Isotope, float)
        Each isotope with the number of its nuclei per formula unit (for an element, its
        natural abundance).
    molar_mass_g : float
        Molar mass of one formula unit in g/mol.
    """

    name: str
    components: tuple[tuple[Isotope, float], ...]
    molar_mass_g: float

    @property
    def isotopes(self) -> tuple[Isotope, ...]:
        """The isotopes of the material, in the order of ``components``."""
        return tuple(iso for iso, _ in self.components)

    def nuclei_per_kg(self) -> np.ndarray:
        """Number of nuclei of each isotope per kg of material, shape ``(n_isotopes,)``.

        N = N_A * (1000 g / M_mol) * (nuclei per formula unit), as in paper 003 Eq. (12).
        """
        per_unit = np.array([count for _, count in self.components])
        return AVOGADRO * 1000.0 / self.molar_mass_g * per_unit

    def nuclei_in(self, mass: float) -> np.ndarray:
        """Number of nuclei of each isotope in a detector of ``mass`` (internal units, MeV)."""
        return self.nuclei_per_kg() * (mass / kg)

    def electrons_per_kg(self) -> float:
        """Number of atomic electrons per kg of material (sum of Z over nuclei)."""
        z = np.array([iso.Z for iso in self.isotopes], dtype=float)
        return float(np.sum(self.nuclei_per_kg() * z))


MATERIALS: dict[str, Material] = {
    "CsI": Material("CsI", ((CS133, 1.0), (I127, 1.0)), 132.90545196 + 126.90447),
    # Atmospheric argon is 99.6% Ar-40; the remainder is treated as Ar-40 at the standard
    # atomic weight, which is what the COHERENT LAr analyses do.
    "Ar": Material("Ar", ((AR40, 1.0),), 39.948),
    "Ge": Material(
        "Ge",
        ((GE70, 0.2057), (GE72, 0.2745), (GE73, 0.0775), (GE74, 0.3650), (GE76, 0.0773)),
        72.630,
    ),
    "Xe": Material(
        "Xe",
        XENON_ABUNDANCES,
        sum(iso.atomic_mass_u * fraction for iso, fraction in XENON_ABUNDANCES),
    ),
}


def get_material(name: str) -> Material:
    """Look up a material by name (``CsI``, ``Ar``, ``Ge``, ``Xe``; case-insensitive)."""
    canonical = {key.lower(): key for key in MATERIALS}
    return lookup("target material", MATERIALS, canonical.get(str(name).lower(), name))


def get_isotope(name: str) -> Isotope:
    """Look up an isotope by name (e.g. ``Cs133``)."""
    return lookup("isotope", ISOTOPES, name)


def as_isotope(isotope: Isotope | str) -> Isotope:
    """An Isotope, or one given by name (``"Cs133"``); anything else is a ParameterError naming
    the argument (the check of every cross section that takes an ``isotope``)."""
    if isinstance(isotope, str):
        return get_isotope(isotope)
    if not isinstance(isotope, Isotope):
        raise ParameterError(f"isotope must be an Isotope or an isotope name, got {isotope!r}")
    return isotope
