"""upscatter: neutrino up-scattering into MeV-scale dark fermions at CEvNS experiments."""

from __future__ import annotations

__version__ = "0.1.0"
