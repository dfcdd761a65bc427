"""Neutrino sources: time-integrated fluences per flavour, as :class:`FluxComponent` objects.

:data:`SOURCES` maps a source name to a factory returning a :class:`Source`; the factories take
keyword options with physical defaults (see each module).
"""

from __future__ import annotations

from collections.abc import Callable

from .._validate import check_options, lookup
from .base import FluxComponent, Source
from .reactor import reactor_source
from .solar import solar_source
from .stopped_pion import stopped_pion_source

SOURCES: dict[str, Callable[..., Source]] = {
    "sns": stopped_pion_source,
    "reactor": reactor_source,
    "solar": solar_source,
}


def get_source(name: str, **options) -> Source:
    """Build the source registered as ``name`` with the given options (an option the source
    does not take is a ParameterError listing the ones it does)."""
    build = lookup("neutrino source", SOURCES, name)
    check_options(f"source {name!r}", build, options, show_defaults=False)  # internal units
    return build(**options)


__all__ = ["SOURCES", "FluxComponent", "Source", "get_source"]
