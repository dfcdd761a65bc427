"""Detector-response pieces: quenching, resolution and efficiency, behind one protocol.

Every piece is a :class:`ResponsePiece`: a frozen dataclass with a ``kind`` and a vectorised
``__call__(energy)`` of an energy in internal units (MeV):

* quenching, ``kind = "quenching"``: nuclear recoil T -> electron-equivalent energy E_ee (MeV);
* resolution, ``kind = "resolution"``: E_ee -> standard deviation of the observed energy (MeV);
* efficiency, ``kind = "efficiency"``: observed energy -> detection probability in [0, 1];
* acceptance, ``kind = "acceptance"``: a number of photoelectrons n_PE (dimensionless) ->
  detection probability in [0, 1] (:class:`~upscatter.response.stepped_pe.SteppedPEResponse`).

Their parameters are stored in the human units their names carry (``k``, ``noise_kev``). The
registries :data:`QUENCHING`, :data:`RESOLUTION`, :data:`EFFICIENCY`, :data:`ACCEPTANCE` map the
names a spec file uses (``"lindhard"``, ``"gaussian"``, ``"table"``...) to the classes;
:func:`build_piece` builds one with one-line errors.
:class:`upscatter.response.chain.DetectorResponse` composes them into a response matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

import numpy as np

from .._validate import as_array, as_float, lookup, read_only
from ..errors import ParameterError
from ..units import keV

KINDS = ("quenching", "resolution", "efficiency", "acceptance")


class ResponsePiece(Protocol):
    """One step of a detector response (see the module notes)."""

    kind: ClassVar[str]

    def __call__(self, energy: np.ndarray) -> np.ndarray:
        """The piece at energies (MeV), same shape."""
        ...


# ---------------------------------------------------------------------------------- quenching
def lindhard_k(Z: float, A: float) -> float:
    """Lindhard's electronic-stopping constant k = 0.133 Z^(2/3) A^(-1/2) (Lindhard et al.,
    Mat. Fys. Medd. Dan. Vid. Selsk. 33, no. 10 (1963); 0.157 for natural Ge, 0.166 for Xe)."""
    Z = as_float("Z", Z, allow_zero=False)
    A = as_float("A", A, allow_zero=False)
    return 0.133 * Z ** (2.0 / 3.0) / np.sqrt(A)


def _fraction(name: str, value) -> float:
    """``value`` as a float in (0, 1], else a ParameterError naming ``name``."""
    value = as_float(name, value, allow_zero=False)
    if value > 1:
        raise ParameterError(f"{name} must be in (0, 1], got {value:g}")
    return value


@dataclass(frozen=True)
class Lindhard:
    """Lindhard quenching (Lindhard et al. 1963, as commonly written).

    The quenching factor and the electron-equivalent energy::

        Y(T) = k g(eps) / (1 + k g(eps)),  g = 3 eps^0.15 + 0.7 eps^0.6 + eps,
        eps = 11.5 Z^(-7/3) T / keV,       E_ee = Y(T) T.

    Attributes
    ----------
    k : float
        Electronic-stopping constant (0.157 for Ge from :func:`lindhard_k`; measured 0.162 +-
        0.004, Bonhomme et al., EPJC 82 (2022) 815), positive.
    Z : float
        Atomic number of the recoiling nucleus.
    """

    k: float
    Z: float
    kind: ClassVar[str] = "quenching"

    def __post_init__(self) -> None:
        object.__setattr__(self, "k", as_float("Lindhard k", self.k, allow_zero=False))
        object.__setattr__(self, "Z", as_float("Lindhard Z", self.Z, allow_zero=False))

    def quenching_factor(self, T) -> np.ndarray:
        """Y(T), dimensionless, for nuclear recoils T >= 0 (MeV); Y(0) = 0."""
        T = as_array("nuclear recoil energy", T)
        eps = 11.5 * self.Z ** (-7.0 / 3.0) * T / keV
        g = 3.0 * eps**0.15 + 0.7 * eps**0.6 + eps
        return self.k * g / (1.0 + self.k * g)

    def __call__(self, T) -> np.ndarray:
        """E_ee = Y(T) T (MeV)."""
        return self.quenching_factor(T) * np.asarray(T, dtype=float)

    def recoil(self, e_ee) -> np.ndarray:
        """The inverse: the nuclear recoil T (MeV) of E_ee (MeV), the positive root of
        slope T^2/keV + factor T = E_ee (NaN beyond the largest E_ee of a negative slope)."""
        x = as_array("electron-equivalent energy", e_ee) / keV
        a, b = self.factor, self.slope_per_kev
        return 2.0 * x / (a + np.sqrt(a**2 + 4.0 * b * x)) * keV


@dataclass(frozen=True)
class LinearQuenching:
    """A quenching factor linear in the recoil: Y(T) = ``factor`` + ``slope_per_kev`` T/keV,
    E_ee = Y(T) T (COHERENT LAr 2020: 0.246 and 7.8e-4, paper 003 App. C; ``slope_per_kev = 0``
    is a constant quenching factor)."""

    factor: float
    slope_per_kev: float = 0.0
    kind: ClassVar[str] = "quenching"

    def __post_init__(self) -> None:
        factor = _fraction("quenching factor", self.factor)
        slope = as_float("quenching slope_per_kev", self.slope_per_kev, allow_negative=True)
        object.__setattr__(self, "factor", factor)
        object.__setattr__(self, "slope_per_kev", slope)

    def quenching_factor(self, T) -> np.ndarray:
        """Y(T), dimensionless (clipped at 0 for a negative slope far beyond its range)."""
        T = as_array("nuclear recoil energy", T)
        return np.maximum(self.factor + self.slope_per_kev * T / keV, 0.0)

    def __call__(self, T) -> np.ndarray:
        """E_ee = Y(T) T (MeV)."""
        return self.quenching_factor(T) * np.asarray(T, dtype=float)

    def recoil(self, e_ee) -> np.ndarray:
        """The inverse: the nuclear recoil T (MeV) of E_ee (MeV), the positive root of
        slope T^2/keV + factor T = E_ee (NaN beyond the largest E_ee of a negative slope)."""
        x = as_array("electron-equivalent energy", e_ee) / keV
        a, b = self.factor, self.slope_per_kev
        return 2.0 * x / (a + np.sqrt(a**2 + 4.0 * b * x)) * keV


# --------------------------------------------------------------------------------- resolution
@dataclass(frozen=True)
class GaussianResolution:
    """Gaussian energy resolution sigma(E) = sqrt(a^2 + b^2 E + c^2 E^2), E in keVee:

    ``noise_kev`` = a (keVee, electronic noise), ``stochastic`` = b (sqrt(keVee); for a Ge
    diode b^2 = F w with the Fano factor F and the energy per pair w), ``constant`` = c
    (dimensionless, the relative term). At least one must be positive.
    """

    noise_kev: float = 0.0
    stochastic: float = 0.0
    constant: float = 0.0
    kind: ClassVar[str] = "resolution"

    def __post_init__(self) -> None:
        for name in ("noise_kev", "stochastic", "constant"):
            object.__setattr__(self, name, as_float(f"resolution {name}", getattr(self, name)))
        if self.noise_kev == self.stochastic == self.constant == 0:
            raise ParameterError("resolution: at least one of noise_kev, stochastic, constant > 0")

    def __call__(self, energy) -> np.ndarray:
        """sigma (MeV) at observed-scale energies E >= 0 (MeV)."""
        e = as_array("energy", energy) / keV
        variance = self.noise_kev**2 + self.stochastic**2 * e + (self.constant * e) ** 2
        return np.sqrt(variance) * keV


# --------------------------------------------------------------------------------- efficiency
@dataclass(frozen=True)
class LogisticEfficiency:
    """eps(E) = plateau / (1 + exp(-(E - threshold_kev keV) / (width_kev keV))): rises to
    ``plateau`` around ``threshold_kev`` (where it is plateau/2) over ``width_kev``."""

    threshold_kev: float
    width_kev: float
    plateau: float = 1.0
    kind: ClassVar[str] = "efficiency"

    def __post_init__(self) -> None:
        object.__setattr__(self, "threshold_kev", as_float("threshold_kev", self.threshold_kev))
        width = as_float("efficiency width_kev", self.width_kev, allow_zero=False)
        plateau = _fraction("efficiency plateau", self.plateau)
        object.__setattr__(self, "width_kev", width)
        object.__setattr__(self, "plateau", plateau)

    def __call__(self, energy) -> np.ndarray:
        e = as_array("energy", energy, allow_negative=True) / keV
        return self.plateau * 0.5 * (1.0 + np.tanh(0.5 * (e - self.threshold_kev) / self.width_kev))


@dataclass(frozen=True)
class TabulatedEfficiency:
    """Efficiency interpolated linearly in a table, constant beyond its ends.

    Attributes
    ----------
    energies_kev : array_like
        Increasing energies of the table (keVee).
    values : array_like
        Efficiency at each energy, in [0, 1].
    """

    energies_kev: np.ndarray
    values: np.ndarray
    kind: ClassVar[str] = "efficiency"

    def __post_init__(self) -> None:
        e = as_array("efficiency energies_kev", self.energies_kev, allow_negative=True)
        v = as_array("efficiency values", self.values)
        if e.ndim != 1 or e.size < 2 or np.any(np.diff(e) <= 0):
            raise ParameterError("efficiency energies_kev must be increasing, at least two")
        if v.shape != e.shape:
            raise ParameterError(
                f"efficiency values need one entry per energy ({e.size}), got {v.size}"
            )
        if np.any(v > 1):
            raise ParameterError("efficiency values must be in [0, 1]")
        object.__setattr__(self, "energies_kev", read_only(e))
        object.__setattr__(self, "values", read_only(v))

    def __call__(self, energy) -> np.ndarray:
        e = as_array("energy", energy, allow_negative=True) / keV
        return np.interp(e, self.energies_kev, self.values)


# --------------------------------------------------------------------------------- acceptance
@dataclass(frozen=True)
class LogisticPEAcceptance:
    """An acceptance in photoelectrons: a logistic times step weights at low n_PE,

        a(n) = w(n) plateau / (1 + exp(-slope_per_pe (n - midpoint_pe))),

    with the step weight w(n) = ``weights[i]`` below the edge ``below_pe[i]`` (and from the
    previous edge on), 1 from the last edge on: COHERENT CsI 2017, paper 002 Eq. (12)
    (0.6655, 0.4942, 10.8507) with the release's half weight for 5 <= n_PE < 6.

    Attributes
    ----------
    plateau : float
        Acceptance far above the midpoint, in (0, 1].
    slope_per_pe : float
        Steepness (1/PE), positive.
    midpoint_pe : float
        n_PE where the logistic is plateau/2.
    below_pe : tuple of float
        Increasing n_PE edges of the low-n_PE steps (empty: no steps; CsI 2017: 5, 6).
    weights : tuple of float
        The weight below each edge, in [0, 1], one per edge (CsI 2017: 0, 0.5).
    """

    plateau: float
    slope_per_pe: float
    midpoint_pe: float
    below_pe: tuple[float, ...] = ()
    weights: tuple[float, ...] = ()
    kind: ClassVar[str] = "acceptance"

    def __post_init__(self) -> None:
        object.__setattr__(self, "plateau", _fraction("acceptance plateau", self.plateau))
        slope = as_float("acceptance slope_per_pe", self.slope_per_pe, allow_zero=False)
        midpoint = as_float("acceptance midpoint_pe", self.midpoint_pe, allow_negative=True)
        edges = as_array("acceptance below_pe", self.below_pe).reshape(-1)
        weights = as_array("acceptance weights", self.weights).reshape(-1)
        if np.any(np.diff(edges) <= 0):
            raise ParameterError("acceptance below_pe must be increasing")
        if weights.shape != edges.shape:
            raise ParameterError(
                f"acceptance weights need one entry per below_pe edge ({edges.size}), "
                f"got {weights.size}"
            )
        if np.any(weights > 1):
            raise ParameterError("acceptance weights must be in [0, 1]")
        object.__setattr__(self, "slope_per_pe", slope)
        object.__setattr__(self, "midpoint_pe", midpoint)
        object.__setattr__(self, "below_pe", tuple(edges.tolist()))
        object.__setattr__(self, "weights", tuple(weights.tolist()))

    def __call__(self, pe) -> np.ndarray:
        """a(n_PE), same shape as ``pe``."""
        pe = np.asarray(pe, dtype=float)
        logistic = self.plateau / (1.0 + np.exp(-self.slope_per_pe * (pe - self.midpoint_pe)))
        step = np.array((*self.weights, 1.0))[np.searchsorted(self.below_pe, pe, side="right")]
        return step * logistic


QUENCHING = {"lindhard": Lindhard, "linear": LinearQuenching}
"""Quenching models by spec name."""
RESOLUTION = {"gaussian": GaussianResolution}
"""Resolution models by spec name."""
EFFICIENCY = {"logistic": LogisticEfficiency, "table": TabulatedEfficiency}
"""Efficiency models by spec name."""
ACCEPTANCE = {"logistic": LogisticPEAcceptance}
"""Photoelectron acceptance models by spec name."""
REGISTRIES = {
    "quenching": QUENCHING,
    "resolution": RESOLUTION,
    "efficiency": EFFICIENCY,
    "acceptance": ACCEPTANCE,
}


def build_piece(kind: str, name: str, **options) -> ResponsePiece:
    """The response piece registered as ``name`` for ``kind`` (quenching, resolution,
    efficiency, acceptance), built from its options; an unknown kind, name or option is a
    ParameterError."""
    registry = lookup("response kind", REGISTRIES, kind)
    cls = lookup(f"{kind} model", registry, name)
    try:
        return cls(**options)
    except TypeError as exc:
        raise ParameterError(f"{kind} model {name!r}: {exc}") from None
