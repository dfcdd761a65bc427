"""The interface every neutrino source implements.

A :class:`Source` is a tuple of :class:`FluxComponent` objects, one per flavour and production
mechanism. Each component is a *fluence* (neutrinos per area, integrated over the exposure) times
a normalised energy shape, which is either a continuous density or a monochromatic line. Lines
are integrated exactly by the folding engine (no smearing).

Units: fluence in MeV^2 (number per MeV^-2 of area; divide by ``units.cm2**-1`` for cm^-2),
energies in MeV, the shape in MeV^-1 with unit integral.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ..errors import ParameterError
from ..flavours import check_flavour
from .timing import ArrivalTime


@dataclass(frozen=True)
class FluxComponent:
    """One flavour's contribution to a source.

    Attributes
    ----------
    flavour : str
        Neutrino flavour (see :mod:`upscatter.flavours`).
    fluence : float
        Neutrinos per unit area over the whole exposure (MeV^2).
    e_max : float
        Largest neutrino energy of the component (MeV); for a line, the line energy.
    shape : callable or None
        Normalised spectrum dn/dE (MeV^-1) of neutrino energy (MeV), vectorised, zero outside
        [e_min, e_max]; ``None`` for a line.
    e_min : float
        Smallest neutrino energy with a non-zero shape (MeV).
    label : str
        Short description (``"prompt"``, ``"delayed"``, ``"reactor"``...), for output only.
    time_profile : ArrivalTime or None
        Arrival-time profile of a pulsed source's component (:mod:`upscatter.fluxes.timing`);
        ``None`` for a source steady in time (reactor, Sun).
    polynomial : tuple of float or None
        If the shape is a polynomial on [e_min, e_max], its coefficients p_n in ascending powers,
        dn/dE = sum_n p_n E^n (MeV^-1-n); the folding engine then integrates the energy in
        closed form. ``None`` (default) for any other shape, which is integrated by quadrature.
    """

    flavour: str
    fluence: float
    e_max: float
    shape: Callable[[np.ndarray], np.ndarray] | None = None
    e_min: float = 0.0
    label: str = ""
    time_profile: ArrivalTime | None = None
    polynomial: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        check_flavour(self.flavour)
        if self.polynomial is not None and (self.shape is None or len(self.polynomial) == 0):
            raise ParameterError("a flux polynomial needs a continuous shape and coefficients")

    @property
    def is_line(self) -> bool:
        """True for a monochromatic component at ``e_max``."""
        return self.shape is None

    def scaled(self, factor: float) -> FluxComponent:
        """The same component with its fluence multiplied by ``factor``."""
        return replace(self, fluence=self.fluence * factor)


@dataclass(frozen=True)
class Source:
    """A neutrino source seen by one detector: its flux components and a name."""

    name: str
    components: tuple[FluxComponent, ...]

    @property
    def e_max(self) -> float:
        """Largest neutrino energy of any component (MeV)."""
        return max(c.e_max for c in self.components)

    def scaled(self, factor: float) -> Source:
        """The same source with every fluence multiplied by ``factor``."""
        return Source(self.name, tuple(c.scaled(factor) for c in self.components))

    def time_profiles(self, experiment: str) -> tuple[ArrivalTime, ...]:
        """The arrival-time profile of every component, for an experiment with a timing analysis.

        Raises
        ------
        ParameterError
            A component without a time profile (a steady source given to a timing analysis).
        """
        missing = [c.label or c.flavour for c in self.components if c.time_profile is None]
        if missing:
            raise ParameterError(
                f"{experiment} bins arrival times, but the {self.name!r} source's components "
                f"{missing} have no arrival-time profile (only a pulsed source, e.g. 'sns', has)"
            )
        return tuple(c.time_profile for c in self.components)
