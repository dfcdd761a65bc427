"""Exception hierarchy of upscatter.

Every error the package raises on purpose derives from :class:`UpscatterError`, so a caller
(and the CLI, which prints one line and exits non-zero) can tell user mistakes from bugs.
"""

from __future__ import annotations


class UpscatterError(Exception):
    """Base class of every error raised on purpose by upscatter."""


class ParameterError(UpscatterError, ValueError):
    """Bad physical input: a negative or NaN mass, an unknown flavour, target, model or option."""


class DataError(UpscatterError):
    """A public release file is missing or corrupted; the message says how to obtain it."""


class RangeOfValidityWarning(UserWarning):
    """A result was computed outside the range where the model's approximations hold (e.g. the
    local twist-2 matching of the paper 000 loops at masses below the loop momentum scale)."""
