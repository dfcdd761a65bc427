"""What every experiment provides to the limits machinery.

An :class:`Analysis` is anything the limits machinery can use: it predicts the SM signal and the
new-physics basis counts per bin, and scores a prediction with its chi^2. An :class:`Experiment`
is an analysis of one detector: it knows its target, exposure, source and response, and folds the
per-flux-component counts of :func:`upscatter.rates.binned_counts` into its analysis bins
(applying, for example, arrival-time distributions per component). A combination of data sets
(:mod:`upscatter.experiments.combined`) is an analysis but not a detector.
Predictions are always the *signal* N_th = N_SM + N_new per bin (or, for experiments with a
nonlinear response, the signal before it); backgrounds and nuisance parameters live in the
analysis' :class:`~upscatter.stats.likelihood.Likelihood`, whose profile is the chi^2.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from functools import cached_property

import numpy as np

from ..errors import ParameterError
from ..fluxes.base import Source
from ..models import Model, sm_channels
from ..nuclei import Material
from ..rates import Response, binned_counts
from ..stats.likelihood import FitResult, Likelihood


def fit_summary(fit: FitResult) -> dict:
    """The ``chi2`` and ``nuisances`` entries of :meth:`Analysis.summary` for one profile."""
    return {
        "chi2": float(fit.chi2),
        "nuisances": {name: float(value) for name, value in fit.values.items()},
    }


class Analysis(ABC):
    """The interface of :mod:`upscatter.scans` and the CLI: predictions, basis and chi^2.

    Attributes
    ----------
    name : str
        Registry name, e.g. ``"coherent-csi-2017"``.
    electron_recoils : bool
        Whether the analysis sees electron recoils (nu e -> chi e), so that the CLI includes
        the electron channel of the vector and scalar models by default.
    electron_channel : bool
        Whether electron recoils reach the analysis bins at all; where they cannot (e.g. a
        pulse-shape cut rejects them) asking for the electron channel is a ParameterError
        rather than an option without effect.
    """

    name: str
    electron_recoils: bool = False
    electron_channel: bool = True

    @property
    @abstractmethod
    def sm_counts(self) -> np.ndarray:
        """Expected SM prediction per bin, shape (n_bins,)."""

    @abstractmethod
    def signal_basis(
        self, model: Model, params: Mapping[str, np.ndarray], **model_options
    ) -> np.ndarray:
        """Basis counts K with shape (n_mass, n_bins, n_basis): N_new = K @ monomials(g)."""

    likelihood: Likelihood
    """The likelihood of the data given a prediction (set by each analysis)."""

    def chi2(self, predicted: np.ndarray) -> np.ndarray:
        """Profiled chi^2 of signal predictions with shape (..., n_bins)."""
        return self.likelihood.profile(predicted).chi2

    @abstractmethod
    def summary(self, predicted: np.ndarray) -> dict:
        """Observed counts, backgrounds, chi^2 and best-fit nuisances for one prediction."""

    def model_options(self, model: Model, options: Mapping | None = None) -> dict:
        """``options`` with this analysis' physics defaults filled in: the electron channel
        (nu e -> chi e) is on for a model that has one (``electrons`` option) at an analysis
        that sees electron recoils, unless ``electrons`` is given; a model with a spin
        ``convention`` (eft) gets the library default (:func:`with_default_convention`). The
        library, not the CLI, owns these defaults, so Python and the command line give the same
        bounds, and results record them."""
        options = with_default_convention(model, options)
        if options.get("electrons") and not self.electron_channel:
            raise ParameterError(
                f"{self.name}: no electron-recoil channel (electron recoils do not reach its "
                "analysis bins); drop --electrons"
            )
        if "electrons" not in options and "electrons" in model.option_names:
            options["electrons"] = self.electron_recoils
        return options

    def analysis_signal(self, predicted: np.ndarray) -> np.ndarray:
        """Signal per analysis bin at nominal nuisances for a prediction of this analysis.

        For most experiments a prediction already is per analysis bin; experiments whose
        predictions are pre-response templates (CsI 2021) override this.
        """
        return np.asarray(predicted, dtype=float)

    @property
    def n_bins(self) -> int:
        """Number of entries of a prediction."""
        return int(self.sm_counts.size)

    def bin_labels(self) -> list[str]:
        """One label per entry of a prediction (override for readable output)."""
        return [str(i) for i in range(self.n_bins)]


def with_default_convention(model: Model, options: Mapping | None = None) -> dict:
    """``options`` with ``convention`` set to :data:`upscatter.xsec.eft.DEFAULT_CONVENTION`
    ("physical": left-handed neutrinos, the full amplitude) when ``model`` takes a convention
    (the EFT models) and none is given, so that results record the convention they used."""
    from ..xsec.eft import DEFAULT_CONVENTION

    options = dict(options or {})
    if options.get("convention") is None and "convention" in model.option_names:
        options["convention"] = DEFAULT_CONVENTION
    return options


class Experiment(Analysis):
    """An analysis of one detector: subclasses set the attributes below and implement
    :meth:`fold_components`, :attr:`likelihood` and :meth:`summary`.

    Attributes
    ----------
    material : Material
    detector_mass_kg : float
    source : Source
    response : Response
    form_factor : str
        Form factor used for the SM and new-physics nuclear cross sections.
    """

    material: Material
    detector_mass_kg: float
    source: Source
    response: Response
    form_factor: str = "helm"

    @abstractmethod
    def fold_components(self, counts: np.ndarray) -> np.ndarray:
        """Map (n_mass, n_components, n_response_bins, ...) to (n_mass, n_bins, ...)."""

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
        options = {"form_factor": self.form_factor, **self.model_options(model, model_options)}
        channels = model.channels(self.material, **options)
        params = {k: params[k] for k in model.parameters}
        n_mass = np.size(next(iter(params.values()))) if params else 1
        if not channels:
            return np.zeros((n_mass, self.n_bins, len(model.powers)))
        counts = binned_counts(channels, self.source, self.response, self.detector_mass_kg, params)
        return self.fold_components(counts)
