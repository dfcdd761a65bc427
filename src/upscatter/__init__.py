"""upscatter: neutrino up-scattering into MeV-scale dark fermions at CEvNS experiments.

The public entry points, by layer (see DESIGN.md):

* ``upscatter.units``, ``upscatter.constants``, ``upscatter.nuclei``, ``upscatter.kinematics``
* cross sections: ``upscatter.xsec.sm``, ``.mediators``, ``.electrons``, ``.eft``, ``.loops``
* sources: ``upscatter.fluxes`` (``get_source``), detectors: ``upscatter.experiments``
  (``get_experiment``), the folding engine ``upscatter.rates``, models ``upscatter.models``
  (``get_model``)
* statistics and limits: ``upscatter.stats``, ``upscatter.scans`` (``coupling_bound``,
  ``ScanResult``), decays ``upscatter.decays``, paper reproductions ``upscatter.reproduce``

Nothing is imported here at import time beyond the version, so ``import upscatter`` is cheap.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
