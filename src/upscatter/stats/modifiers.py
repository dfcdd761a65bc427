"""Modifiers of expected counts, each with its value and derivative, and the sample model that
assembles them into an :class:`~upscatter.stats.likelihood.ExpectedCounts` with its Jacobian.

The expected counts of a binned analysis are a sum of *samples* (the signal, each background),
every sample a base shape times modifiers::

    mu_b(theta) = sum_s [prod_{j in norms(s)} (1 + theta_j)] base_s,b(theta)

* :class:`Normalisation`: the factor (1 + theta_j) of one named parameter (its Gaussian
  constraint is the parameter's ``sigma``); derivative base_s prod_{i != j} (1 + theta_i).
* :class:`ResponseMatrix`: base = prediction @ M for a fixed response matrix (the signal).
* :class:`TabulatedResponse`: base = prediction @ M(theta_k) for a response that depends on one
  nuisance (a quenching parameter, an energy scale), precomputed at the Chebyshev nodes of the
  parameter's range and interpolated, M(x) = sum_m L_m(x) M_m, with the analytic derivative
  sum_m L_m'(x) M_m. The prediction is contracted with the node matrices once per profile
  (:meth:`SampleModel.prepare`), so an evaluation costs a few vector products.
* a background sample has a fixed template (counts per bin) as its base.

:class:`SampleModel` is batched over leading axes of the predictions and of theta (the profile's
extra "starts" axis included) and returns the Jacobian d mu / d theta assembled from the pieces.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.polynomial import chebyshev

from .._validate import as_array
from ..errors import ParameterError


@dataclass(frozen=True)
class ChebyshevInterpolation:
    """Polynomial (Lagrange) interpolation through the n Chebyshev nodes of [lo, hi], vectorised.

    Attributes
    ----------
    lo, hi : float
        Interval of the parameter.
    n : int
        Number of nodes (polynomial degree n - 1).
    """

    lo: float
    hi: float
    n: int

    def __post_init__(self) -> None:
        if not (np.isfinite(self.lo) and np.isfinite(self.hi) and self.hi > self.lo):
            raise ParameterError(f"Chebyshev interval needs lo < hi, got [{self.lo}, {self.hi}]")
        if not isinstance(self.n, int | np.integer) or isinstance(self.n, bool) or self.n < 1:
            raise ParameterError(f"Chebyshev interpolation needs n >= 1 nodes, got {self.n!r}")

    @cached_property
    def nodes(self) -> np.ndarray:
        """The Chebyshev points of the first kind mapped to [lo, hi], increasing, shape (n,)."""
        u = -np.cos(np.pi * (np.arange(self.n) + 0.5) / self.n)
        return 0.5 * (self.lo + self.hi) + 0.5 * (self.hi - self.lo) * u

    def _u(self, x) -> np.ndarray:
        return (2.0 * np.asarray(x, dtype=float) - self.lo - self.hi) / (self.hi - self.lo)

    @cached_property
    def _inverse(self) -> np.ndarray:
        # Chebyshev-polynomial basis: its Vandermonde matrix at the Chebyshev nodes is
        # orthogonal up to scaling, so the inverse is well conditioned for any n
        return np.linalg.inv(chebyshev.chebvander(self._u(self.nodes), self.n - 1))

    def weights(self, x) -> np.ndarray:
        """Lagrange weights L_m(x), shape x.shape + (n,); they sum to 1, L_m(node_j) = delta."""
        u = self._u(x)
        basis = chebyshev.chebvander(u, self.n - 1).reshape(*u.shape, self.n)
        return basis @ self._inverse

    def derivatives(self, x) -> np.ndarray:
        """dL_m/dx, shape x.shape + (n,)."""
        u = self._u(x)
        if self.n == 1:
            return np.zeros((*np.shape(u), 1))
        basis = chebyshev.chebvander(u, self.n - 2).reshape(*u.shape, self.n - 1)
        slopes = basis @ chebyshev.chebder(np.eye(self.n))
        return 2.0 / (self.hi - self.lo) * slopes @ self._inverse


@dataclass(frozen=True)
class Normalisation:
    """The factor (1 + theta) of the named parameter on a sample (d factor / d theta = 1)."""

    parameter: str

    @staticmethod
    def factor(value: np.ndarray) -> np.ndarray:
        """1 + theta (any shape)."""
        return 1.0 + np.asarray(value, dtype=float)


@dataclass(frozen=True)
class ResponseMatrix:
    """A fixed response: base = prediction @ matrix, matrix (n_prediction, n_bins)."""

    matrix: np.ndarray
    parameter: None = None

    def __post_init__(self) -> None:
        matrix = as_array("response matrix", self.matrix)
        if matrix.ndim != 2:
            raise ParameterError(f"a response matrix is 2-d, got shape {matrix.shape}")
        object.__setattr__(self, "matrix", matrix)

    @property
    def shape(self) -> tuple[int, int]:
        """(n_prediction, n_bins)."""
        return self.matrix.shape

    def prepare(self, prediction: np.ndarray) -> np.ndarray:
        """prediction @ M, (..., n_bins)."""
        return prediction @ self.matrix

    def apply(self, prepared: np.ndarray, value=None) -> tuple[np.ndarray, None]:
        """(base, None): no parameter."""
        return prepared, None


@dataclass(frozen=True)
class TabulatedResponse:
    """A response matrix depending on one parameter, interpolated between Chebyshev nodes.

    Attributes
    ----------
    parameter : str
        Name of the parameter.
    interpolation : ChebyshevInterpolation
        Nodes on the parameter's range (the parameter's bounds must lie inside).
    matrices : numpy.ndarray
        M at every node, (n_nodes, n_prediction, n_bins).
    """

    parameter: str
    interpolation: ChebyshevInterpolation
    matrices: np.ndarray = field(repr=False)

    def __post_init__(self) -> None:
        matrices = as_array(f"{self.parameter} response matrices", self.matrices)
        if matrices.ndim != 3 or matrices.shape[0] != self.interpolation.n:
            raise ParameterError(
                f"{self.parameter}: need one response matrix per node "
                f"({self.interpolation.n}), got shape {matrices.shape}"
            )
        object.__setattr__(self, "matrices", matrices)

    @classmethod
    def from_function(
        cls, parameter: str, lo: float, hi: float, n_nodes: int, build: Callable[[float], object]
    ) -> TabulatedResponse:
        """Tabulate ``build(x)`` (a matrix (n_prediction, n_bins)) at the nodes of [lo, hi]."""
        interpolation = ChebyshevInterpolation(lo, hi, n_nodes)
        return cls(parameter, interpolation, np.stack([build(x) for x in interpolation.nodes]))

    @property
    def shape(self) -> tuple[int, int]:
        """(n_prediction, n_bins)."""
        return self.matrices.shape[1:]

    def matrix(self, value: float) -> np.ndarray:
        """The interpolated M(value), (n_prediction, n_bins)."""
        return np.einsum("m,mpb->pb", self.interpolation.weights(value), self.matrices)

    def prepare(self, prediction: np.ndarray) -> np.ndarray:
        """prediction @ M_m for every node, (..., n_nodes, n_bins)."""
        return np.einsum("...p,mpb->...mb", prediction, self.matrices)

    def apply(self, prepared: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(base, d base / d parameter), each (..., n_bins), at parameter values (...)."""
        w = self.interpolation.weights(value)
        dw = self.interpolation.derivatives(value)
        return (
            np.einsum("...m,...mb->...b", w, prepared),
            np.einsum("...m,...mb->...b", dw, prepared),
        )


@dataclass(frozen=True)
class Sample:
    """One contribution to the expected counts.

    Attributes
    ----------
    name : str
        ``"signal"``, ``"background"``...
    normalisations : tuple of str
        Parameters whose factors (1 + theta) multiply the sample.
    response : ResponseMatrix or TabulatedResponse, optional
        For the signal: the map from a prediction to counts per bin.
    template : array_like, optional
        For a background: its counts per bin at nominal (exactly one of the two).
    """

    name: str
    normalisations: tuple[str, ...] = ()
    response: ResponseMatrix | TabulatedResponse | None = None
    template: np.ndarray | None = None

    def __post_init__(self) -> None:
        if (self.response is None) == (self.template is None):
            raise ParameterError(f"sample {self.name}: give either a response or a template")
        if self.template is not None:
            template = as_array(f"sample {self.name} template", self.template)
            if template.ndim != 1:
                raise ParameterError(f"sample {self.name}: the template is 1-d (counts per bin)")
            object.__setattr__(self, "template", template)
        object.__setattr__(self, "normalisations", tuple(self.normalisations))

    @property
    def n_bins(self) -> int:
        """Number of analysis bins."""
        return self.template.size if self.response is None else self.response.shape[1]


class SampleModel:
    """Expected counts as a sum of samples with modifiers (an ``ExpectedCounts``).

    Parameters
    ----------
    names : sequence of str
        The likelihood's parameter names, in order (theta[..., i] is ``names[i]``).
    samples : sequence of Sample
        The samples; the signal samples share one prediction, of ``n_prediction`` entries.
    """

    def __init__(self, names: Sequence[str], samples: Sequence[Sample]):
        self.names = tuple(names)
        self.samples = tuple(samples)
        if not self.samples:
            raise ParameterError("a sample model needs at least one sample")
        bins = {s.n_bins for s in self.samples}
        if len(bins) != 1:
            raise ParameterError(f"samples have different numbers of bins: {sorted(bins)}")
        self.n_bins = bins.pop()
        sizes = {s.response.shape[0] for s in self.samples if s.response is not None}
        if len(sizes) != 1:
            raise ParameterError("a sample model needs signal samples of one prediction size")
        self.n_prediction = sizes.pop()
        position = {name: i for i, name in enumerate(self.names)}
        for s in self.samples:
            used = [*s.normalisations]
            if isinstance(s.response, TabulatedResponse):
                used.append(s.response.parameter)
            for name in used:
                if name not in position:
                    raise ParameterError(
                        f"sample {s.name}: unknown parameter {name!r}; known: "
                        f"{', '.join(self.names)}"
                    )
        self._norms = [np.array([position[n] for n in s.normalisations], int) for s in self.samples]
        self._shift = [
            position[s.response.parameter] if isinstance(s.response, TabulatedResponse) else None
            for s in self.samples
        ]

    def prepare(self, prediction: np.ndarray) -> list[np.ndarray]:
        """Per sample: the prediction contracted with its response, or its template."""
        prediction = np.asarray(prediction, dtype=float)
        return [
            s.template if s.response is None else s.response.prepare(prediction)
            for s in self.samples
        ]

    def _terms(self, state, theta: np.ndarray) -> list[tuple]:
        """Per sample: base, d base, its normalisation indices and factors, their product."""
        terms = []
        for s, prepared, norms, shift in zip(
            self.samples, state, self._norms, self._shift, strict=True
        ):
            if s.response is None:
                base, dbase = prepared, None
            else:
                value = None if shift is None else theta[..., shift]
                base, dbase = s.response.apply(prepared, value)
            factors = Normalisation.factor(theta[..., norms])  # (..., n_norms)
            terms.append((base, dbase, norms, shift, factors, np.prod(factors, axis=-1)))
        return terms

    def contributions(self, state, theta: np.ndarray) -> dict[str, np.ndarray]:
        """Expected counts of every sample by name, each (..., n_bins)."""
        theta = np.asarray(theta, dtype=float)
        terms = self._terms(state, theta)
        return {
            s.name: norm[..., None] * base
            for s, (base, _, _, _, _, norm) in zip(self.samples, terms, strict=True)
        }

    def evaluate(self, state, theta: np.ndarray, jacobian: bool = False):
        """(mu (..., n_bins), d mu / d theta (..., n_parameters, n_bins) or None)."""
        theta = np.asarray(theta, dtype=float)
        terms = self._terms(state, theta)
        mu = sum(norm[..., None] * base for base, _, _, _, _, norm in terms)
        if not jacobian:
            return mu, None
        jac = np.zeros((*mu.shape[:-1], len(self.names), self.n_bins))
        for base, dbase, norms, shift, factors, norm in terms:
            for k, j in enumerate(norms):
                others = np.prod(np.delete(factors, k, axis=-1), axis=-1)
                jac[..., j, :] += others[..., None] * base
            if shift is not None:
                jac[..., shift, :] += norm[..., None] * dbase
        return mu, jac
