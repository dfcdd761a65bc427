"""Neutrino flavours as plain strings, with validation.

The six names are ``nu_e, nu_mu, nu_tau, nubar_e, nubar_mu, nubar_tau``.
"""

from __future__ import annotations

from .errors import ParameterError

NEUTRINOS = ("nu_e", "nu_mu", "nu_tau")
ANTINEUTRINOS = ("nubar_e", "nubar_mu", "nubar_tau")
ALL_FLAVOURS = NEUTRINOS + ANTINEUTRINOS


def check_flavour(flavour: str) -> str:
    """Return ``flavour`` unchanged if it is one of :data:`ALL_FLAVOURS`, else raise."""
    if flavour not in ALL_FLAVOURS:
        raise ParameterError(
            f"unknown neutrino flavour {flavour!r}; known: {', '.join(ALL_FLAVOURS)}"
        )
    return flavour


def is_antineutrino(flavour: str) -> bool:
    """True for ``nubar_*`` flavours."""
    return check_flavour(flavour) in ANTINEUTRINOS


def lepton_flavour(flavour: str) -> str:
    """The charged-lepton flavour ``e``, ``mu`` or ``tau`` of a (anti)neutrino."""
    return check_flavour(flavour).split("_")[1]
