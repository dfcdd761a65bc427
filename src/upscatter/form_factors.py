"""Nuclear (weak-charge) form factors F(q) with F(0) = 1.

* Helm (Helm 1956) with the Lewin-Smith parameters (Astropart. Phys. 6 (1996) 87): skin
  s = 0.9 fm, c = 1.23 A^(1/3) - 0.60 fm, a = 0.52 fm, R_0^2 = c^2 + 7/3 pi^2 a^2 - 5 s^2;
  F = 3 j1(q R_0)/(q R_0) exp(-(q s)^2/2). Used by papers 000 and 002.
* Klein-Nystrand, paper 003 Eq. (5): F = 3 j1(q R_A)/(q R_A) / (1 + a_k^2 q^2) with
  R_A = 1.23 A^(1/3) fm, a_k = 0.7 fm. ``radius_scale`` multiplies R_A (paper 003 footnote 4:
  R_A -> R_A (1 + alpha_4)).

q is the magnitude of the three-momentum transfer in MeV.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ._validate import lookup
from .errors import ParameterError
from .kinematics import recoil_momentum
from .nuclei import Isotope
from .units import fm

MAX_RADIUS_SCALE = 10.0
"""Largest factor on the form-factor radius: far beyond any nuclear-structure uncertainty (the
nuisance of paper 003 footnote 4 is a few per cent), and where F is already ~0 in our range."""


def _three_j1_over_x(x):
    """3 j1(x)/x, with its Taylor series 1 - x^2/10 + x^4/280 near x = 0."""
    x = np.asarray(x, dtype=float)
    small = np.abs(x) < 1e-3
    xs = np.where(small, 1.0, x)
    value = 3.0 * ((np.sin(xs) - xs * np.cos(xs)) / xs) / xs / xs  # no overflow at huge x
    if np.any(small):
        x2 = np.where(small, x * x, 0.0)
        value = np.where(small, 1.0 - x2 / 10.0 + x2 * x2 / 280.0, value)
    return np.asarray(value)


def helm(q, A: int, radius_scale: float = 1.0):
    """Helm form factor (Lewin-Smith parameters); q in MeV."""
    s = 0.9 * fm
    c = (1.23 * A ** (1.0 / 3.0) - 0.60) * fm
    a = 0.52 * fm
    r0 = radius_scale * math.sqrt(c * c + 7.0 / 3.0 * math.pi**2 * a * a - 5.0 * s * s)
    q = np.asarray(q, dtype=float)
    return _three_j1_over_x(q * r0) * np.exp(-0.5 * (q * s) ** 2)


def klein_nystrand(q, A: int, radius_scale: float = 1.0):
    """Klein-Nystrand form factor, paper 003 Eq. (5); q in MeV."""
    r_a = radius_scale * 1.23 * A ** (1.0 / 3.0) * fm
    a_k = 0.7 * fm
    q = np.asarray(q, dtype=float)
    return _three_j1_over_x(q * r_a) / (1.0 + (a_k * q) ** 2)


def unity(q, A: int, radius_scale: float = 1.0):
    """F = 1 (point-like nucleus), for tests and comparisons with F^2 = 1 analyses."""
    return np.ones_like(np.asarray(q, dtype=float))


FormFactor = Callable[..., np.ndarray]

FORM_FACTORS: dict[str, FormFactor] = {
    "helm": helm,
    "klein-nystrand": klein_nystrand,
    "unity": unity,
}


def get_form_factor(name: str) -> FormFactor:
    """Look up a form factor by name (``helm``, ``klein-nystrand``, ``unity``)."""
    return lookup("form factor", FORM_FACTORS, name)


def nuclear_form_factor(
    T, isotope: Isotope, form_factor: str = "helm", radius_scale: float = 1.0
) -> np.ndarray:
    """Form factor F(q(T)) of a nucleus at the momentum transfer of its recoil.

    q is the exact recoil three-momentum sqrt(T^2 + 2 M T)
    (:func:`upscatter.kinematics.recoil_momentum`), the argument of F in paper 000 Eq. (23)
    and paper 003 Eqs. (4)-(5).

    Parameters
    ----------
    T : array_like
        Nuclear recoil kinetic energy (MeV), >= 0.
    isotope : Isotope
        Target nucleus (its mass M in MeV and mass number A are used).
    form_factor : str
        Name in :data:`FORM_FACTORS`; an unknown name raises ParameterError.
    radius_scale : float
        Multiplies the form-factor radius (paper 003 footnote 4); in (0, 10].

    Returns
    -------
    numpy.ndarray
        F (dimensionless, F = 1 at T = 0), with the shape of T.
    """
    if not (hasattr(isotope, "A") and hasattr(isotope, "mass")):
        raise ParameterError(
            f"isotope must be an Isotope (upscatter.nuclei.get_isotope(name)), got {isotope!r}"
        )
    in_range = isinstance(radius_scale, float) and 0.0 < radius_scale <= MAX_RADIUS_SCALE
    if not in_range:  # the common case, a float in range, is checked without numpy
        scale = np.asarray(radius_scale, dtype=float)
        in_range = bool(np.all(scale > 0) and np.all(scale <= MAX_RADIUS_SCALE))
    if not in_range:
        raise ParameterError(
            f"radius_scale must be in (0, {MAX_RADIUS_SCALE:g}], got {radius_scale!r}"
        )
    return get_form_factor(form_factor)(recoil_momentum(T, isotope.mass), isotope.A, radius_scale)
