"""Neutrino sources: time-integrated fluences per flavour, as :class:`FluxComponent` objects."""

from __future__ import annotations

from .base import FluxComponent, Source

__all__ = ["FluxComponent", "Source"]
