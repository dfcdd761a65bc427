"""Physical constants in internal units (MeV), each with its source.

Values follow ``shared/physics-notes.md`` (Conventions), which takes them from the PDG Review of
Particle Physics (2022) unless stated otherwise.
"""

from __future__ import annotations

from .units import GeV, MeV

G_FERMI = 1.1663787e-5 / GeV**2
"""Fermi constant G_F in MeV^-2 (PDG 2022)."""
SIN2_THETA_W = 0.23857
"""Weak mixing angle sin^2(theta_W), MSbar at Q -> 0 (PDG 2022)."""
ALPHA_EM = 1.0 / 137.035999084
"""Fine-structure constant at Q = 0 (CODATA 2018)."""

M_ELECTRON = 0.51099895 * MeV
"""Electron mass (PDG 2022)."""
M_MUON = 105.6583755 * MeV
"""Muon mass (PDG 2022)."""
M_PION_CHARGED = 139.57039 * MeV
"""Charged-pion mass (PDG 2022)."""
M_PROTON = 938.27209 * MeV
"""Proton mass (PDG 2022)."""
M_NEUTRON = 939.56542 * MeV
"""Neutron mass (PDG 2022)."""
M_W = 80.377 * GeV
"""W boson mass (PDG 2022)."""
ATOMIC_MASS_UNIT = 931.49410242 * MeV
"""Unified atomic mass unit u (CODATA 2018)."""
AVOGADRO = 6.02214076e23
"""Avogadro constant in mol^-1 (exact, SI 2019)."""

TAU_MUON_US = 2.1969811
"""Muon lifetime in microseconds (PDG 2022)."""
TAU_PION_US = 0.026033
"""Charged-pion lifetime in microseconds (PDG 2022: 2.6033e-8 s)."""

# Light-quark masses, MSbar at 2 GeV (PDG 2022), used by scalar nuclear couplings
# (paper 003 Eq. (7), paper 002 Eq. (3) as reconstructed in physics-notes).
M_UP = 2.16 * MeV
M_DOWN = 4.67 * MeV
# Heavier quarks for the loop functions of paper 000 (physics-notes, "Paper 000").
M_STRANGE = 93.4 * MeV
M_CHARM = 1.27 * GeV
M_BOTTOM = 4.18 * GeV
M_TOP = 172.7 * GeV

SECONDS_AGE_OF_UNIVERSE = 4.354e17
"""Age of the Universe, 13.797 Gyr (Planck 2018, PDG 2022), in seconds."""
