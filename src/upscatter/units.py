"""Unit multipliers in natural units with MeV as the base (hbar = c = 1).

Multiply a number by a unit to bring it into internal units, divide to bring it out::

    T = 10 * keV          # 0.01 (MeV)
    sigma / cm2           # a cross section in cm^2

Sources: hbar*c = 197.3269804 MeV fm and hbar = 6.582119569e-22 MeV s (CODATA 2018, exact
in the 2019 SI); 1 kg = 5.60958860e29 MeV/c^2 (CODATA 2018); 1 GWh = 3.6e12 J.
"""

from __future__ import annotations

MeV = 1.0
keV = 1.0e-3 * MeV
eV = 1.0e-6 * MeV
GeV = 1.0e3 * MeV

HBARC_MEV_FM = 197.3269804
"""hbar*c in MeV fm (CODATA 2018)."""
HBAR_MEV_S = 6.582119569e-22
"""hbar in MeV s (CODATA 2018)."""

fm = 1.0 / HBARC_MEV_FM
"""One femtometre in MeV^-1."""
cm = 1.0e13 * fm
m = 1.0e15 * fm
km = 1.0e3 * m
cm2 = cm * cm
"""One square centimetre in MeV^-2 (1 MeV^-2 = 3.8938e-22 cm^2)."""

s = 1.0 / HBAR_MEV_S
"""One second in MeV^-1."""
us = 1.0e-6 * s
day = 86400.0 * s
year = 365.25 * day

kg = 5.60958860e29 * MeV
"""One kilogram in MeV (mass-energy)."""
g = 1.0e-3 * kg

joule = 1.0 / 1.602176634e-13 * MeV
"""One joule in MeV (e = 1.602176634e-19 C exactly)."""
GWh = 1.0e9 * 3600.0 * joule
"""One gigawatt-hour of energy in MeV."""
GW = 1.0e9 * joule / s
"""One gigawatt of power in MeV per MeV^-1 (energy per internal time unit)."""
