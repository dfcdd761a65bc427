"""Input checks shared by every public function: clear ParameterErrors instead of silent NaNs."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from typing import TypeVar

import numpy as np

from .errors import ParameterError

V = TypeVar("V")

MAX_MEV = 1e9
"""Largest energy or mass (MeV) a cross section accepts: 1 PeV, orders of magnitude above any
neutrino source or kinematic limit here (E_nu < 53 MeV at the SNS, < 20 MeV for 8B), and far
from where squared energies overflow (the silent overflows of issue 19)."""

MIN_NEUTRINO_MEV = 1e-6
"""Lowest neutrino energy (MeV) a cross section accepts: 1 eV, below every source here (they
reach keV at the lowest), and far above where E^2 underflows to 0 in the 1/E^2 of the cross
sections."""


def as_array(
    name: str,
    value,
    *,
    allow_zero: bool = True,
    allow_negative: bool = False,
    maximum: float | None = None,
    minimum: float | None = None,
):
    """Convert ``value`` to a float ndarray and check it is finite, of the right sign and (if
    ``maximum`` is given) at most ``maximum`` (e.g. :data:`MAX_MEV` for energies in MeV).

    Parameters
    ----------
    name : str
        Name used in the error message.
    value : float or array_like
        The value to check.
    allow_zero, allow_negative : bool
        Whether zero or negative entries are acceptable.
    maximum, minimum : float, optional
        Largest and smallest acceptable entry (in the unit of ``value``, named MeV in the
        message).

    Returns
    -------
    numpy.ndarray
        ``value`` as float64 (0-d for scalars).
    """
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"{name} must be a number or an array of numbers, got {value!r}"
        ) from exc
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{name} must be finite (got NaN or infinity)")
    if not allow_negative and np.any(arr < 0):
        raise ParameterError(f"{name} must not be negative (got {float(np.min(arr)):g})")
    if not allow_zero and np.any(arr == 0):
        raise ParameterError(f"{name} must be positive (got 0)")
    if maximum is not None and np.any(arr > maximum):
        raise ParameterError(
            f"{name} = {float(np.max(arr)):g} MeV is above {maximum:g} MeV, far beyond every "
            "neutrino energy and kinematic limit these experiments probe"
        )
    if minimum is not None and np.any(arr < minimum):
        raise ParameterError(
            f"{name} = {float(np.min(arr)):g} MeV is below {minimum:g} MeV, below every neutrino "
            "source these experiments see"
        )
    return arr


def read_only(array: np.ndarray) -> np.ndarray:
    """A read-only copy of ``array``, for the arrays of immutable objects (responses), which
    the folding engine memoises derived quantities of."""
    array = np.array(array, dtype=float)
    array.flags.writeable = False
    return array


def as_float(name: str, value, *, allow_zero: bool = True, allow_negative: bool = False) -> float:
    """Scalar version of :func:`as_array`."""
    if isinstance(value, float | int | np.floating | np.integer):  # fast path of valid scalars
        x = float(value)
        if math.isfinite(x) and (allow_negative or x >= 0) and (allow_zero or x != 0):
            return x
    arr = as_array(name, value, allow_zero=allow_zero, allow_negative=allow_negative)
    if arr.ndim != 0:
        raise ParameterError(f"{name} must be a single number, got an array of shape {arr.shape}")
    return float(arr)


def as_seed(name: str, value) -> int:
    """A seed of numpy's random generator: a non-negative integer (not a bool).

    Parameters
    ----------
    name : str
        Name used in the error message.
    value : int
        The seed to check.

    Returns
    -------
    int
        ``value`` as a Python int.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ParameterError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def check_options(
    owner: str, factory: Callable, options: Mapping[str, object], *, show_defaults: bool = True
) -> None:
    """Refuse keyword options ``factory`` does not take (unless it takes ``**kwargs``): a
    ParameterError naming ``owner`` and listing the options it takes, with their defaults
    unless ``show_defaults`` is False (defaults in internal units would mislead)."""
    accepted = inspect.signature(factory).parameters
    if any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
        return
    unknown = [key for key in options if key not in accepted]
    if unknown:
        valid = ", ".join(
            f"{key}={p.default!r}" if show_defaults and p.default is not p.empty else key
            for key, p in accepted.items()
            if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
        )
        raise ParameterError(f"{owner} has no option {', '.join(unknown)}; its options: {valid}")


def lookup(kind: str, registry: Mapping[str, V], name: str) -> V:
    """Return ``registry[name]`` or raise a ParameterError listing the known names."""
    try:
        return registry[name]
    except (KeyError, TypeError):
        known = ", ".join(sorted(registry))
        raise ParameterError(f"unknown {kind} {name!r}; known: {known}") from None
