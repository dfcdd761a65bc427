"""Input checks shared by every public function: clear ParameterErrors instead of silent NaNs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

import numpy as np

from .errors import ParameterError

V = TypeVar("V")


def as_array(name: str, value, *, allow_zero: bool = True, allow_negative: bool = False):
    """Convert ``value`` to a float ndarray and check it is finite and of the right sign.

    Parameters
    ----------
    name : str
        Name used in the error message.
    value : float or array_like
        The value to check.
    allow_zero, allow_negative : bool
        Whether zero or negative entries are acceptable.

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
    return arr


def as_float(name: str, value, *, allow_zero: bool = True, allow_negative: bool = False) -> float:
    """Scalar version of :func:`as_array`."""
    arr = as_array(name, value, allow_zero=allow_zero, allow_negative=allow_negative)
    if arr.ndim != 0:
        raise ParameterError(f"{name} must be a single number, got an array of shape {arr.shape}")
    return float(arr)


def lookup(kind: str, registry: Mapping[str, V], name: str) -> V:
    """Return ``registry[name]`` or raise a ParameterError listing the known names."""
    try:
        return registry[name]
    except (KeyError, TypeError):
        known = ", ".join(sorted(registry))
        raise ParameterError(f"unknown {kind} {name!r}; known: {known}") from None
