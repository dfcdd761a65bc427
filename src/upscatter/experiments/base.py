"""What every experiment provides to the limits machinery.

An :class:`Experiment` knows its target, exposure, source and response, folds the per-flux-
component counts of :func:`upscatter.rates.binned_counts` into its analysis bins (applying, for
example, arrival-time distributions per component), and scores a prediction with its chi^2.
Predictions are always the *signal* N_th = N_SM + N_new per analysis bin; backgrounds and
nuisance parameters live inside the experiment's chi^2.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from functools import cached_property

import numpy as np

from ..fluxes.base import Source
from ..models import Model, sm_channels
from ..nuclei import Material
from ..rates import Response, binned_counts


class Experiment(ABC):
    """Base class: subclasses set the attributes below and implement the abstract methods.

    Attributes
    ----------
    name : str
        Registry name, e.g. ``"coherent-csi-2017"``.
    material : Material
    detector_mass_kg : float
    source : Source
    response : Response
    form_factor : str
        Form factor used for the SM and new-physics nuclear cross sections.
    """

    name: str
    material: Material
    detector_mass_kg: float
    source: Source
    response: Response
    form_factor: str = "helm"

    @abstractmethod
    def fold_components(self, counts: np.ndarray) -> np.ndarray:
        """Map (n_mass, n_components, n_response_bins, ...) to (n_mass, n_bins, ...)."""

    @abstractmethod
    def chi2(self, predicted: np.ndarray) -> np.ndarray:
        """Profiled chi^2 of signal predictions with shape (..., n_bins)."""

    @abstractmethod
    def summary(self, predicted: np.ndarray) -> dict:
        """Observed counts, backgrounds, chi^2 and best-fit nuisances for one prediction."""

    def analysis_signal(self, predicted: np.ndarray) -> np.ndarray:
        """Signal per analysis bin at nominal nuisances for a prediction of this experiment.

        For most experiments a prediction already is per analysis bin; experiments whose
        predictions are pre-response templates (CsI 2021) override this.
        """
        return np.asarray(predicted, dtype=float)

    @property
    def n_bins(self) -> int:
        """Number of analysis bins."""
        return int(self.sm_counts.size)

    def bin_labels(self) -> list[str]:
        """One label per analysis bin (override for readable output)."""
        return [str(i) for i in range(self.n_bins)]

    @cached_property
    def sm_counts(self) -> np.ndarray:
        """Expected SM CEvNS counts per analysis bin, shape (n_bins,)."""
        counts = binned_counts(
            sm_channels(self.material, self.form_factor),
            self.source,
            self.response,
            self.detector_mass_kg,
        )
        return self.fold_components(counts)[0]

    def signal_basis(
        self, model: Model, params: Mapping[str, np.ndarray], **model_options
    ) -> np.ndarray:
        """Basis counts K with shape (n_mass, n_bins, n_basis): N_new = K @ monomials(g)."""
        options = {"form_factor": self.form_factor, **model_options}
        channels = model.channels(self.material, **options)
        params = {k: params[k] for k in model.parameters}
        n_mass = np.size(next(iter(params.values()))) if params else 1
        if not channels:
            return np.zeros((n_mass, self.n_bins, len(model.powers)))
        counts = binned_counts(channels, self.source, self.response, self.detector_mass_kg, params)
        return self.fold_components(counts)
