"""The folding engine: flux x dsigma/dT x response -> expected counts, batched over masses.

A rate is built from :class:`Channel` objects (one target species and one process each) and a
:class:`~upscatter.fluxes.base.Source`. For every recoil energy T the neutrino-energy integral
runs over [max(E_min(T), e_min), e_max] with fixed Gauss-Legendre nodes mapped onto that range,
so the kinematic threshold is exact (DESIGN.md); monochromatic lines are evaluated exactly. The
recoil integral uses composite Gauss-Legendre segments whose ends include every point where the
integrand jumps or kinks: the response's own breakpoints (bin edges, acceptance steps) and, per
mass point, the recoil endpoints T_min(E), T_max(E) of every line and spectrum endpoint.

Cross sections are *basis* cross sections: each channel's ``dsigma`` may return extra trailing
axes (one per coupling monomial, see :mod:`upscatter.models`), and those axes are carried through,
so couplings never require re-integration.

Shapes: ``params`` maps names (``m_chi``, ``m_med``...) to arrays of shape (n_mass,); results
have a leading mass axis, then the flux-component axis (kept so that experiments can attach
arrival-time distributions per component), then bins, then the basis axes.
"""

from __future__ import annotations

import itertools
import math
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Protocol

import numpy as np

from ._validate import MAX_MEV, as_array, as_float, read_only
from .errors import ParameterError
from .fluxes.base import Source
from .kinematics import e_nu_min, recoil_range

NUCLEAR = "nuclear"
ELECTRON = "electron"


@dataclass(frozen=True)
class Channel:
    """One contribution to an event rate: a target species and a (basis) cross section.

    Attributes
    ----------
    label : str
        Human-readable name, e.g. ``"Cs133 CEvNS"``.
    target_mass : float
        Mass of the struck target (MeV): the nucleus, or m_e for electron scattering.
    targets_per_kg : float
        Number of such targets per kg of detector material.
    recoil : str
        ``"nuclear"`` or ``"electron"``: selects the detector response.
    dsigma : callable
        ``dsigma(E, T, flavour, **params)`` in MeV^-3 with E, T (MeV) broadcast together and each
        parameter an array broadcastable against them; may append trailing basis axes
        ``basis_shape``. Must be exactly zero outside the kinematic range.
    m_out_param : str or None
        Name of the parameter holding the outgoing fermion mass (``"m_chi"``), or None for
        elastic scattering.
    basis_shape : tuple of int
        Shape of the trailing basis axes of ``dsigma`` (``()`` for a plain cross section).
    energy_terms : callable or None
        ``energy_terms(T, flavour, **params)``: the coefficients c_k(T) (MeV^-3 MeV^(k-p), p =
        ``energy_power``) of dsigma/dT = sum_{k=0}^{K-1} c_k(T) E^(p-k), exact wherever
        E >= E_min(T) (dsigma is zero below) and zero at T = 0, with shape T.shape + (K,) +
        basis_shape. Given, the energy integral over a polynomial spectrum and a line is done in
        closed form; ``None`` (default) for cross sections of any other form, which are
        integrated by quadrature.
    flavour_blind : bool
        True if ``dsigma`` and ``energy_terms`` are the same for every flavour, so that the
        engine evaluates them once for all flux components (default False).
    energy_power : int
        Highest power p of E in ``energy_terms`` (default 0: the series c_0 + c_1/E + c_2/E^2
        of the tree-level cross sections; 2 for the loop-induced E^2 ... E^-2).
    basis_entry : int or None
        Flat (C-order) index of the one basis entry the channel contributes to: ``dsigma`` and
        ``energy_terms`` then give that entry without the basis axes, and the engine adds the
        counts there (the other entries are zero, and no zero-filled axes are computed). None
        (default): they give every entry.
    mass_params : tuple of str
        Names of the mass parameters ``dsigma`` needs besides ``m_out_param`` (``("m_med",)``
        for a mediator); the engine refuses parameters without them before any folding.
        Default ``()``: none, or not declared.
    """

    label: str
    target_mass: float
    targets_per_kg: float
    recoil: str
    dsigma: Callable[..., np.ndarray]
    m_out_param: str | None = None
    basis_shape: tuple[int, ...] = field(default=())
    energy_terms: Callable[..., np.ndarray] | None = None
    flavour_blind: bool = False
    energy_power: int = 0
    basis_entry: int | None = None
    mass_params: tuple[str, ...] = ()

    def whole_basis(self) -> Channel:
        """The same contribution written out over its whole basis.

        A one-entry channel (``basis_entry`` set) becomes one whose ``dsigma`` and
        ``energy_terms`` carry the trailing basis axes ``basis_shape``, holding the entry's
        value at ``basis_entry`` and zeros elsewhere; a channel that already gives its whole
        basis is returned unchanged. The engine gives both forms the same counts (the one-entry
        form skips the zero entries); code that acts on the basis axes (presets' linear maps)
        needs this form.

        Returns
        -------
        Channel
            A channel with ``basis_entry`` None.
        """
        if self.basis_entry is None:
            return self
        shape, entry = self.basis_shape, self.basis_entry

        def padded(func):
            def written_out(*args, **params):
                value = np.asarray(func(*args, **params))
                out = np.zeros(value.shape + shape)
                out.reshape(*value.shape, -1)[..., entry] = value
                return out

            return written_out

        terms = self.energy_terms
        return replace(
            self,
            dsigma=padded(self.dsigma),
            energy_terms=None if terms is None else padded(terms),
            basis_entry=None,
        )


def _value_shape(channel: Channel) -> tuple[int, ...]:
    """Trailing axes of the channel's cross section: its basis, or none for one basis entry."""
    return () if channel.basis_entry is not None else channel.basis_shape


class Response(Protocol):
    """Maps true recoil energy to analysis bins (probabilities include efficiencies).

    Responses are immutable: the folding engine memoises what it derives from one (its matrix on
    the shared recoil nodes of elastic channels) for as long as the response object lives, or,
    for a response with a ``cache_key`` attribute (a hashable value that determines it, as
    :class:`RecoilBins` has), for every response of the same key.
    """

    @property
    def n_bins(self) -> int: ...

    def t_range(self, recoil: str) -> tuple[float, float]:
        """True-recoil interval (MeV) outside which every bin probability is zero."""
        ...

    def breakpoints(self, recoil: str) -> np.ndarray:
        """True-recoil energies (MeV) where the bin probabilities jump or kink."""
        ...

    def probabilities(self, T: np.ndarray, recoil: str) -> np.ndarray:
        """P(bin | T) with shape T.shape + (n_bins,)."""
        ...


class SingleBinResponse(Response, Protocol):
    """A response where every true recoil lands in at most one bin (no smearing).

    Besides the :class:`Response` methods it gives that bin and its probability, which the
    folding engine accumulates directly instead of multiplying by a mostly-zero matrix.
    """

    def bin_index(self, T: np.ndarray, recoil: str) -> tuple[np.ndarray, np.ndarray]:
        """(index, probability), both of T's shape: P(bin | T) is ``probability`` in bin
        ``index`` (an integer in [0, n_bins)) and zero in every other bin."""
        ...


@dataclass(frozen=True)
class RecoilBins:
    """Perfect detector binned in true recoil energy: P(bin | T) = 1 inside the bin.

    Attributes
    ----------
    edges : numpy.ndarray
        Increasing bin edges in true recoil energy (MeV), used for every recoil kind.
    """

    edges: np.ndarray

    def __post_init__(self) -> None:
        edges = as_array("recoil bin edges", self.edges)
        if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0) or edges[0] < 0:
            raise ParameterError("recoil bin edges must be increasing, non-negative, at least two")
        object.__setattr__(self, "edges", read_only(edges))

    @property
    def n_bins(self) -> int:
        return self.edges.size - 1

    @property
    def cache_key(self) -> tuple[str, bytes]:
        """The value that determines the response (its edges), for the engine's memo."""
        return "recoil-bins", self.edges.tobytes()

    def t_range(self, recoil: str) -> tuple[float, float]:
        return float(self.edges[0]), float(self.edges[-1])

    def breakpoints(self, recoil: str) -> np.ndarray:
        return self.edges

    def probabilities(self, T, recoil: str):
        T = np.asarray(T, dtype=float)[..., None]
        return ((T >= self.edges[:-1]) & (T < self.edges[1:])).astype(float)

    def bin_index(self, T, recoil: str) -> tuple[np.ndarray, np.ndarray]:
        T = np.asarray(T, dtype=float)
        return edge_index(self.edges, T), ((T >= self.edges[0]) & (T < self.edges[-1])) * 1.0


def edge_index(edges: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Index of the bin [edges[i], edges[i+1]) holding each x, clipped to [0, len(edges) - 2]."""
    return np.clip(np.searchsorted(edges, x, side="right") - 1, 0, edges.size - 2)


@lru_cache(maxsize=32)
def gauss_legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on [0, 1] (read-only arrays)."""
    x, w = np.polynomial.legendre.leggauss(n)
    nodes, weights = 0.5 * (x + 1.0), 0.5 * w
    nodes.flags.writeable = False
    weights.flags.writeable = False
    return nodes, weights


def _expand(params: Mapping[str, np.ndarray], extra_axes: int) -> dict[str, np.ndarray]:
    """Reshape every (n_mass,) parameter to (n_mass, 1, ..., 1) with ``extra_axes`` ones."""
    return {k: v.reshape(v.shape + (1,) * extra_axes) for k, v in params.items()}


#: Largest ratio b/a of a recoil segment [a, b]: wider segments of the response's fixed grid are
#: split geometrically, so every scale of the integrand (the propagator at T ~ m_med^2 / (2 M),
#: the form factor, the 1/T of the dipole) is resolved by the segments whatever the binning.
SEGMENT_RATIO = 4.0

#: A segment starting at T = 0 is split geometrically down to this fraction of its upper end;
#: below it the integrand is flat for every model (the propagator scale of m_med = 1 keV on an
#: electron is 1e-12 MeV, and kinematic thresholds cut the rest).
SEGMENT_FLOOR = 1e-12


def scale_breakpoints(points: np.ndarray) -> np.ndarray:
    """``points`` (sorted, >= 0) with geometric points added inside every segment wider than
    :data:`SEGMENT_RATIO` (a segment [0, b] gets points b r^-k down to b x SEGMENT_FLOOR).

    Returns a read-only array, shared between calls with the same points."""
    points = np.unique(np.asarray(points, dtype=float))
    return _scaled(points.tobytes())


@lru_cache(maxsize=64)
def _scaled(key: bytes) -> np.ndarray:
    """:func:`scale_breakpoints` of the unique sorted points whose float64 bytes are ``key``."""
    points = np.frombuffer(key, dtype=float)
    extra = []
    for a, b in itertools.pairwise(points):
        if b <= 0:
            continue
        start = max(a, b * SEGMENT_FLOOR)
        if b / start <= SEGMENT_RATIO:
            if a == 0.0 and start > 0.0:
                extra.append(start)
            continue
        n = int(np.ceil(np.log(b / start) / np.log(SEGMENT_RATIO)))
        extra.extend(np.geomspace(start, b, n + 1)[:-1])
    scaled = np.unique(np.concatenate([points, extra])) if extra else points.copy()
    scaled.flags.writeable = False
    return scaled


#: Largest folded-moment matrix (elements) that shared recoil nodes keep per flux component and
#: response (:meth:`_Nodes.folded_moments`): 0.5 MiB, far above the few thousand elements of a
#: binned spectrum, so that many-bin smeared responses do not hold megabytes per object.
FOLDED_CACHE_ELEMENTS = 1 << 16


MEMO_ENTRIES = 256
"""Largest number of arrays memoised on one set of shared recoil nodes (then the memo starts
afresh), so that a loop over many different responses does not grow memory."""


class _Nodes:
    """The recoil quadrature of one channel and what the engine derives from it.

    ``T`` (MeV), ``wT`` (MeV) and ``threshold`` (E_min(T), MeV) have shape (n_rows, n_T): one row
    per mass point, or a single row shared by every mass point when the kinematics do not depend
    on the parameters (elastic channels). Energy moments of flux components and, for shared
    nodes, the response matrix and the folded moments are memoised: the shared nodes are cached
    (:func:`_shared_nodes`), so they carry them from one call to the next (``keep``).
    """

    __slots__ = ("T", "_keep", "_memo", "threshold", "wT")

    def __init__(
        self, T: np.ndarray, wT: np.ndarray | None, threshold: np.ndarray, keep: bool = False
    ) -> None:
        self.T, self.wT, self.threshold = T, wT, threshold
        self._keep = keep
        self._memo: dict[tuple, object] = {}

    def _cached(self, key: tuple, build: Callable[[], np.ndarray], keep: bool = True):
        if key in self._memo:
            return self._memo[key]
        value = build()
        value.flags.writeable = False
        if keep:
            if len(self._memo) >= MEMO_ENTRIES:  # bounded: many different responses in turn
                self._memo.clear()
            self._memo[key] = value
        return value

    def _per_response(self, key: tuple, response, build: Callable[[], np.ndarray], keep=True):
        """:meth:`_cached` for what depends on the response object (responses are immutable):
        memoised while ``response`` lives (the entry goes with it), or on the response's
        ``cache_key`` value where it has one, if ``keep``."""
        value_key = getattr(response, "cache_key", None)
        if value_key is not None:
            return self._cached((*key, value_key), build, keep)
        key = (*key, id(response))
        entry = self._memo.get(key)
        if entry is not None and entry[0]() is response:
            return entry[1]
        value = build()
        value.flags.writeable = False
        if not keep:
            return value
        try:
            ref = weakref.ref(response, lambda _, memo=self._memo, key=key: memo.pop(key, None))
        except TypeError:  # a response without weak references: not memoised
            return value
        self._memo[key] = (ref, value)
        return value

    def lower(self, e_min: float, e_max: float) -> np.ndarray:
        """max(E_min(T), e_min), clamped to e_max so that closed ranges stay finite."""
        return self._cached(
            ("lower", e_min, e_max),
            lambda: np.minimum(np.maximum(self.threshold, e_min), e_max),
        )

    def _integral(self, e_min: float, e_max: float, power: int) -> np.ndarray:
        return self._cached(
            ("integral", e_min, e_max, power),
            lambda: power_integral(power, self.lower(e_min, e_max), e_max),
        )

    def moments(self, comp, power: int, n_terms: int) -> np.ndarray:
        """fluence x int dE dn/dE E^(power - k) over [max(E_min(T), e_min), e_max], k <
        ``n_terms``, shape (n_rows, n_T, n_terms): a line at E_0 gives E_0^(power - k) where
        T > 0 is reachable at E_0; a polynomial spectrum sum_n p_n E^n the closed form
        sum_n p_n int E^(n + power - k) dE (:func:`power_integral`)."""

        def build() -> np.ndarray:
            if comp.is_line:
                open_range = (self.threshold <= comp.e_max) & (self.T > 0)
                rows = [
                    np.where(open_range, comp.fluence * comp.e_max ** float(power - k), 0.0)
                    for k in range(n_terms)
                ]
            else:
                rows = []
                for k in range(n_terms):
                    total = np.zeros(self.T.shape)
                    for n, p in enumerate(comp.polynomial):
                        if p:
                            integral = self._integral(comp.e_min, comp.e_max, n + power - k)
                            total = total + p * integral
                    rows.append(comp.fluence * total)
            return np.stack(rows, axis=-1)

        return self._cached(("moments", *_energy_key(comp), power, n_terms), build, self._keep)

    def response_matrix(self, response: Response, recoil: str) -> np.ndarray:
        """P(bin | T) w_T of shared nodes, shape (n_T, n_bins): from the bin of each node for a
        :class:`SingleBinResponse`, else from the response's probabilities."""

        def build() -> np.ndarray:
            T, wT = self.T[0], self.wT[0]
            if hasattr(response, "bin_index"):
                index, probability = response.bin_index(T, recoil)
                matrix = np.zeros((T.size, response.n_bins))
                matrix[np.arange(T.size), index] = probability * wT
                return matrix
            return np.asarray(response.probabilities(T, recoil), dtype=float) * wT[:, None]

        return self._per_response(("response", recoil), response, build)

    def folded_moments(self, comp, power: int, n_terms: int, response, recoil: str):
        """sum_t P(bin | T_t) w_t x :meth:`moments` of shared nodes, shape (n_bins, n_T x
        n_terms): the counts per bin of a closed-form component are this matrix times the
        cross section's coefficients (n_T x n_terms). Memoised up to
        :data:`FOLDED_CACHE_ELEMENTS` elements (a smeared response with many bins is rebuilt
        at each call instead of held)."""

        def build() -> np.ndarray:
            matrix = self.response_matrix(response, recoil)  # (n_T, n_bins)
            moments = self.moments(comp, power, n_terms)[0]  # (n_T, n_terms)
            return (matrix.T[:, :, None] * moments).reshape(matrix.shape[1], -1)

        key = ("folded", recoil, *_energy_key(comp), power, n_terms)
        keep = response.n_bins * self.T.shape[1] * n_terms <= FOLDED_CACHE_ELEMENTS
        return self._per_response(key, response, build, keep)


def _energy_key(comp) -> tuple:
    """What the energy moments of a flux component depend on (hashable values, no identity)."""
    return comp.is_line, comp.polynomial, comp.e_min, comp.e_max, comp.fluence


def _fixed_breakpoints(response: Response, recoil: str) -> tuple[float, float, np.ndarray]:
    """(lo, hi, the response's breakpoints as a float array) of ``response`` for ``recoil``."""
    lo, hi = response.t_range(recoil)
    return lo, hi, np.asarray(response.breakpoints(recoil), dtype=float)


def _build_nodes(
    target_mass: float,
    m_out: np.ndarray,
    energies: tuple[float, ...],
    lo: float,
    hi: float,
    breakpoints: np.ndarray,
    n_per_segment: int,
    keep: bool = False,
) -> _Nodes:
    """Composite Gauss-Legendre recoil nodes for outgoing masses ``m_out`` (shape (n_rows,));
    ``keep``: the nodes are cached, so their energy moments are memoised too."""
    fixed = scale_breakpoints(np.clip(np.concatenate([breakpoints, [lo, hi]]), lo, hi))
    t_lo, t_hi = recoil_range(np.asarray(energies)[:, None], target_mass, m_out)
    kin = np.concatenate([t_lo, t_hi]).T  # recoil endpoints of every spectrum edge, (n_rows, k)
    n_rows = kin.shape[0]
    points = np.concatenate(
        [np.broadcast_to(fixed, (n_rows, fixed.size)), kin, np.full((n_rows, 2), [lo, hi])],
        axis=1,
    )
    points = np.sort(np.clip(points, lo, hi), axis=1)
    a, b = points[:, :-1, None], points[:, 1:, None]
    x, w = gauss_legendre(n_per_segment)
    T = (a + (b - a) * x).reshape(n_rows, -1)
    wT = ((b - a) * w).reshape(n_rows, -1)
    threshold = e_nu_min(T, target_mass, m_out[:, None])
    for array in (T, wT, threshold):
        array.flags.writeable = False
    return _Nodes(T, wT, threshold, keep)


@lru_cache(maxsize=64)
def _shared_nodes(
    target_mass: float,
    energies: tuple[float, ...],
    lo: float,
    hi: float,
    breakpoints: bytes,
    n_per_segment: int,
) -> _Nodes:
    """:func:`_build_nodes` of an elastic channel (m_out = 0), one row shared by every mass
    point, cached on the values it depends on (``breakpoints``: the float64 bytes)."""
    points = np.frombuffer(breakpoints, dtype=float)
    return _build_nodes(target_mass, np.zeros(1), energies, lo, hi, points, n_per_segment, True)


def _recoil_nodes(
    channel: Channel,
    source: Source,
    response: Response,
    params: Mapping[str, np.ndarray],
    n_per_segment: int,
) -> _Nodes:
    """The recoil nodes of ``channel``: shared and cached for elastic channels, else per mass."""
    lo, hi, breakpoints = _fixed_breakpoints(response, channel.recoil)
    components = source.components
    energies = tuple(sorted({c.e_max for c in components} | {c.e_min for c in components}))
    if channel.m_out_param is None:
        return _shared_nodes(
            channel.target_mass, energies, lo, hi, breakpoints.tobytes(), n_per_segment
        )
    m_out = params[channel.m_out_param]
    return _build_nodes(channel.target_mass, m_out, energies, lo, hi, breakpoints, n_per_segment)


def recoil_quadrature(
    channel: Channel,
    source: Source,
    response: Response,
    params: Mapping[str, np.ndarray],
    n_per_segment: int = 6,
) -> tuple[np.ndarray, np.ndarray]:
    """Composite Gauss-Legendre nodes and weights in true recoil energy, per mass point.

    Returns
    -------
    (T, w) : read-only arrays of shape (n_mass, n_nodes), MeV and MeV; (1, n_nodes), the same
        nodes for every mass point, for an elastic channel (``m_out_param`` None).
    """
    nodes = _recoil_nodes(channel, source, response, params, n_per_segment)
    return nodes.T, nodes.wT


def power_integral(power: int, a: np.ndarray, b: float) -> np.ndarray:
    """int_a^b E^power dE for 0 < a <= b (MeV^(power+1)), elementwise in a.

    Written as (b - a) times a sum of positive terms (the factorisation of b^n - a^n), and as
    log1p((b - a)/a) for power = -1, so that narrow ranges keep full relative precision.
    Zero where a == b. For power < 0 the integral diverges at a = 0; it is returned as zero
    there, which the engine only meets at T = 0, where every cross section vanishes.
    """
    a = np.asarray(a, dtype=float)
    width = b - a
    n = power + 1
    if n > 0:
        total = 0.0
        for i in range(n):
            total = total + b**i * a ** (n - 1 - i)
        return width * total / n
    open_range = (width > 0) & (a > 0)
    x, y = 1.0 / np.where(open_range, a, 1.0), 1.0 / b
    if n == 0:
        return np.where(open_range, np.log1p(width * x), 0.0)
    total = 0.0
    for i in range(-n):
        total = total + x**i * y ** (-n - 1 - i)
    return np.where(open_range, width * x * y * total / -n, 0.0)


def fluence_weighted_xsec(
    channel: Channel,
    source: Source,
    T: np.ndarray,
    params: Mapping[str, np.ndarray],
    n_energy: int = 24,
) -> np.ndarray:
    """sum over flux components of fluence x integral dE dn/dE dsigma/dT, per target.

    The integral runs over [a, e_max] with a = max(E_min(T), e_min). Three evaluations:

    * a line at E_0: dsigma/dT(E_0, T), exactly;
    * a polynomial spectrum sum_n p_n E^n (``FluxComponent.polynomial``) and a cross section
      given as sum_k c_k(T) E^(p-k) (``Channel.energy_terms``): the closed form
      sum_k c_k(T) sum_n p_n int_a^{e_max} E^(n+p-k) dE (:func:`power_integral`), exact;
    * anything else: ``n_energy`` Gauss-Legendre nodes mapped onto [a, e_max].

    Parameters
    ----------
    T : numpy.ndarray
        Recoil energies (MeV), shape (n_mass, n_T); n_mass may be 1 with no parameters or for
        nodes shared by every mass point.
    params : mapping of str to numpy.ndarray
        Model parameters, each of shape (n_mass,).

    Returns
    -------
    numpy.ndarray
        Shape (n_mass, n_components, n_T) + basis_shape, in MeV^-1 (events per target per
        recoil energy).
    """
    T = np.asarray(T, dtype=float)
    m_out = params[channel.m_out_param][:, None] if channel.m_out_param else 0.0
    nodes = _Nodes(T, None, e_nu_min(T, channel.target_mass, m_out))
    rate = _rates(channel, source, nodes, params, n_energy)
    if channel.basis_entry is None:
        return rate
    full = np.zeros((*rate.shape, *channel.basis_shape))
    full.reshape(*rate.shape, -1)[..., channel.basis_entry] = rate
    return full


class _Terms:
    """``channel.energy_terms`` on the nodes, per flavour (once if flavour-blind), with the
    basis axes flattened: shape (n_rows, n_T, n_terms, n_basis)."""

    def __init__(self, channel: Channel, T: np.ndarray, params, n_rows: int) -> None:
        self.channel, self.T, self.n_rows = channel, T, n_rows
        self.params = _expand(params, 1)
        self.values: dict[str, np.ndarray] = {}

    def __call__(self, flavour: str) -> np.ndarray:
        key = "" if self.channel.flavour_blind else flavour
        if key not in self.values:
            value = np.asarray(self.channel.energy_terms(self.T, flavour, **self.params))
            value = value.reshape(*value.shape[:3], -1)
            if value.shape[0] != self.n_rows:
                value = np.broadcast_to(value, (self.n_rows, *value.shape[1:]))
            self.values[key] = value
        return self.values[key]


def _n_rows(nodes: _Nodes, params: Mapping[str, np.ndarray]) -> int:
    """Mass points of a batch: the rows of the nodes, or of the parameters for shared nodes."""
    return max(nodes.T.shape[0], len(next(iter(params.values()))) if params else 1)


def _closed_form(channel: Channel, comp) -> bool:
    """Whether the energy integral of ``comp`` is done in closed form for ``channel``."""
    return channel.energy_terms is not None and (comp.is_line or comp.polynomial is not None)


def _rates(
    channel: Channel,
    source: Source,
    nodes: _Nodes,
    params: Mapping[str, np.ndarray],
    n_energy: int,
) -> np.ndarray:
    """:func:`fluence_weighted_xsec` on the recoil nodes ``nodes``."""
    n_rows, n_t = _n_rows(nodes, params), nodes.T.shape[1]
    terms = _Terms(channel, nodes.T, params, n_rows)
    components = source.components
    rate = np.empty((n_rows, len(components), n_t, *_value_shape(channel)))
    flat = rate.reshape(n_rows, len(components), n_t, -1)  # a view with the basis flattened
    for c, comp in enumerate(components):
        if _closed_form(channel, comp):
            series = terms(comp.flavour)
            moments = nodes.moments(comp, channel.energy_power, series.shape[2])
            if moments.shape[0] != n_rows:  # nodes shared by the mass points
                moments = np.broadcast_to(moments, (n_rows, *moments.shape[1:]))
            np.einsum("mtk,mtkb->mtb", moments, series, out=flat[:, c])
        else:
            rate[:, c] = _component_rate(channel, comp, nodes, params, n_energy)
    return rate


def _component_rate(channel: Channel, comp, nodes: _Nodes, params, n_energy: int) -> np.ndarray:
    """fluence x int dE dn/dE dsigma/dT of a component without a closed form: a line evaluated
    exactly, a spectrum by ``n_energy`` Gauss-Legendre nodes per recoil node."""
    if comp.is_line:
        return comp.fluence * channel.dsigma(
            comp.e_max, nodes.T, comp.flavour, **_expand(params, 1)
        )
    x, w = gauss_legendre(n_energy)
    a = nodes.lower(comp.e_min, comp.e_max)
    width = (comp.e_max - a)[..., None]  # (n_rows, n_T, 1), zero where closed
    E = a[..., None] + width * x
    integrand = channel.dsigma(E, nodes.T[..., None], comp.flavour, **_expand(params, 2))
    weights = comp.shape(E) * width * w
    value = (integrand * weights.reshape(E.shape + (1,) * len(_value_shape(channel)))).sum(axis=2)
    return comp.fluence * value


def _shared_counts(
    channel: Channel,
    source: Source,
    response: Response,
    nodes: _Nodes,
    params: Mapping[str, np.ndarray],
    n_energy: int,
) -> np.ndarray:
    """Counts (n_rows, n_components, n_bins) + the value shape (:func:`_value_shape`) on nodes
    shared by every mass point.

    A closed-form component is one matrix product, :meth:`_Nodes.folded_moments` (bins x
    nodes x terms) times the cross section's coefficients; any other component's rate is
    folded with :meth:`_Nodes.response_matrix`. Both matrices are cached with the nodes.
    """
    n_rows, n_t = _n_rows(nodes, params), nodes.T.shape[1]
    n_bins = response.n_bins
    terms = _Terms(channel, nodes.T, params, n_rows)
    counts = np.empty((n_rows, len(source.components), n_bins, *_value_shape(channel)))
    flat = counts.reshape(n_rows, len(source.components), n_bins, -1)
    for c, comp in enumerate(source.components):
        if _closed_form(channel, comp):
            series = terms(comp.flavour)
            matrix = nodes.folded_moments(
                comp, channel.energy_power, series.shape[2], response, channel.recoil
            )
            flat[:, c] = matrix @ series.reshape(n_rows, -1, series.shape[3])
        else:
            value = _component_rate(channel, comp, nodes, params, n_energy)
            value = np.broadcast_to(value, (n_rows, n_t, *_value_shape(channel)))
            matrix = nodes.response_matrix(response, channel.recoil)
            flat[:, c] = matrix.T @ value.reshape(n_rows, n_t, -1)
    return counts


#: Largest mass parameter (MeV) a rate accepts: the cross sections' limit
#: (:data:`upscatter._validate.MAX_MEV`, 1 PeV), far from where squared masses overflow (the
#: silent overflow of issue 19 with --m-chi 1e300).
MAX_MASS = MAX_MEV


def _check_exposure(channels: list[Channel], source: Source, detector_mass_kg) -> float:
    """``detector_mass_kg`` as a float, checked (positive, finite) together with the exposure:
    targets in the detector times each fluence of ``source`` must be a finite number (a huge
    mass or fluence would overflow the counts)."""
    mass = as_float("detector_mass_kg", detector_mass_kg, allow_zero=False)
    if not isinstance(source, Source):
        raise ParameterError(
            f"source must be a Source (upscatter.get_source), got {type(source).__name__}"
        )
    targets = max((float(c.targets_per_kg) for c in channels), default=0.0)
    fluence = max((float(c.fluence) for c in source.components), default=0.0)
    if not math.isfinite(targets * mass * fluence):  # a float product overflows to inf
        raise ParameterError(
            f"detector_mass_kg = {mass:g} with the fluence {fluence:g} MeV^2 of source "
            f"{source.name!r}: targets x fluence overflows; give a smaller mass or exposure"
        )
    return mass


def _check_params(
    params: Mapping[str, np.ndarray], channels: list[Channel]
) -> tuple[dict[str, np.ndarray], int]:
    if not isinstance(params, Mapping):
        raise ParameterError(f"params must be a mapping of mass arrays, got {params!r}")
    for channel in channels:
        needed = (*((channel.m_out_param,) if channel.m_out_param else ()), *channel.mass_params)
        missing = [name for name in needed if name not in params]
        if missing:
            raise ParameterError(
                f"channel {channel.label!r} needs the mass parameter(s) {', '.join(missing)}; "
                f"params has {', '.join(params) or 'none'}"
            )
    arrays = {k: np.atleast_1d(as_array(k, v)) for k, v in params.items()}
    sizes = {a.size for a in arrays.values()}
    if len(sizes) > 1:
        raise ParameterError(f"mass parameters must have equal lengths, got {sorted(sizes)}")
    for k, a in arrays.items():
        if a.ndim != 1:
            raise ParameterError(f"{k} must be a 1-d array of mass points")
        if np.any(a > MAX_MASS):
            raise ParameterError(
                f"{k} = {float(np.max(a)):g} MeV is above {MAX_MASS:g} MeV, far beyond every "
                "kinematic limit and mediator scale these experiments probe"
            )
    return arrays, (sizes.pop() if sizes else 1)


#: Working-set budget of :func:`binned_counts` in array elements (8 bytes each) per chunk of
#: mass points: the chunk size is chosen so that the largest intermediate array (recoil nodes x
#: flux components x basis entries, or x bins for a smeared response) stays below it, so peak
#: memory does not grow with the number of mass points beyond the result itself.
CHUNK_ELEMENTS = 1 << 21

#: Coefficients in E per recoil node of a closed-form cross section the chunk size allows for on
#: shared nodes (5 for the loop-induced E^2 ... E^-2, 3 at tree level).
_TERMS_PER_NODE = 5


def _fold_single_bin(
    response: SingleBinResponse,
    T: np.ndarray,
    wT: np.ndarray,
    rate: np.ndarray,
    recoil: str,
) -> np.ndarray:
    """sum_t P(bin | T_t) w_t rate_t for a response with one bin per recoil, (m, c, bins, ...),
    on nodes of one row per mass point.

    Nodes are accumulated into their bin by one segmented sum (np.add.reduceat) over the
    (mass point, bin) keys, which the sorted recoil nodes make non-decreasing.
    """
    n_mass, n_t = T.shape
    n_bins = response.n_bins
    index, probability = response.bin_index(T, recoil)
    keys = (np.arange(n_mass)[:, None] * n_bins + index).ravel()
    weights = (probability * wT).ravel()
    values = np.moveaxis(rate, 2, 1).reshape(n_mass * n_t, -1) * weights[:, None]
    if np.any(keys[1:] < keys[:-1]):
        order = np.argsort(keys, kind="stable")
        keys, values = keys[order], values[order]
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    folded = np.zeros((n_mass * n_bins, values.shape[1]))
    folded[keys[starts]] = np.add.reduceat(values, starts, axis=0)
    folded = folded.reshape(n_mass, n_bins, *rate.shape[1:2], *rate.shape[3:])
    return np.moveaxis(folded, 1, 2)


def binned_counts(
    channels: list[Channel],
    source: Source,
    response: Response,
    detector_mass_kg: float,
    params: Mapping[str, np.ndarray] | None = None,
    *,
    n_per_segment: int = 6,
    n_energy: int = 24,
    chunk: int | None = None,
) -> np.ndarray:
    """Expected counts per analysis bin, per flux component, for a batch of mass points.

    A response with a ``bin_index`` method (:class:`SingleBinResponse`: every recoil in at most
    one bin, e.g. :class:`RecoilBins`) is folded by accumulating each recoil node into its bin;
    any other response through its dense ``probabilities`` matrix. The recoil nodes of an
    elastic channel (``m_out_param`` None) are shared by every mass point and cached between
    calls with their energy moments and the response matrix, so that a closed-form component
    is one matrix product per call.

    Parameters
    ----------
    channels : list of Channel
        Contributions to add (e.g. the two isotopes of CsI); they must share ``basis_shape``.
    source : Source
        Neutrino fluences over the exposure.
    response : Response
        Detector response from true recoil to analysis bins.
    detector_mass_kg : float
        Detector mass in kg.
    params : mapping, optional
        Arrays of shape (n_mass,) (``m_chi``, ``m_med``, ...). Omit for mass-free processes.
    chunk : int, optional
        Mass points per batch; by default as many as keep every intermediate array below
        :data:`CHUNK_ELEMENTS` elements.

    Returns
    -------
    numpy.ndarray
        Counts with shape (n_mass, n_components, n_bins) + basis_shape.
    """
    detector_mass_kg = _check_exposure(channels, source, detector_mass_kg)
    if chunk is not None and (not isinstance(chunk, int | np.integer) or chunk < 1):
        raise ParameterError(f"chunk must be a positive integer, got {chunk!r}")
    params, n_mass = _check_params(params or {}, channels)
    basis = {c.basis_shape for c in channels}
    if len(basis) != 1:
        raise ParameterError("all channels of one rate must share the same basis shape")
    basis_shape = basis.pop()
    n_basis = math.prod(basis_shape)
    for channel in channels:
        entry = channel.basis_entry
        if entry is not None and not (isinstance(entry, int) and 0 <= entry < n_basis):
            raise ParameterError(
                f"channel {channel.label!r}: basis_entry must be an index in [0, {n_basis}), "
                f"got {entry!r}"
            )
    n_components = len(source.components)
    total = np.zeros((n_mass, n_components, response.n_bins, *basis_shape))
    single_bin = hasattr(response, "bin_index")
    for channel in channels:
        if chunk is None:
            # recoil nodes per mass point (fixed segments, their geometric refinement, two
            # kinematic points per spectrum edge) times the widest per-node intermediate
            n_t = n_per_segment * (
                np.size(response.breakpoints(channel.recoil)) + 24 + 4 * n_components
            )
            # (on nodes shared by the mass points, only the closed form's coefficients or the
            # energy nodes are per mass point, not the moments, rates and bins)
            shared = channel.m_out_param is None
            closed = shared and all(_closed_form(channel, c) for c in source.components)
            width = max(n_components, _TERMS_PER_NODE if closed else n_energy)
            dense = not (single_bin or shared)  # P(bin | T) per mass point
            per_node = math.prod(_value_shape(channel)) * width + (response.n_bins if dense else 0)
            size = int(max(1, min(n_mass, CHUNK_ELEMENTS // (n_t * per_node))))
        else:
            size = int(chunk)
        scale = channel.targets_per_kg * detector_mass_kg
        for start in range(0, n_mass, size):
            part = {k: v[start : start + size] for k, v in params.items()}
            nodes = _recoil_nodes(channel, source, response, part, n_per_segment)
            if channel.m_out_param is None:  # nodes shared by every mass point
                counts = _shared_counts(channel, source, response, nodes, part, n_energy)
            elif single_bin:
                rate = _rates(channel, source, nodes, part, n_energy)
                counts = _fold_single_bin(response, nodes.T, nodes.wT, rate, channel.recoil)
            else:
                rate = _rates(channel, source, nodes, part, n_energy)
                prob = response.probabilities(nodes.T, channel.recoil) * nodes.wT[..., None]
                counts = np.einsum("mtb,mct...->mcb...", prob, rate)
            target = total[start : start + size]
            if channel.basis_entry is not None:
                target = target.reshape(*target.shape[:3], -1)[..., channel.basis_entry]
            target += scale * counts
    return total


def differential_rate(
    channels: list[Channel],
    source: Source,
    T: np.ndarray,
    detector_mass_kg: float,
    params: Mapping[str, np.ndarray] | None = None,
    *,
    n_energy: int = 24,
) -> np.ndarray:
    """dN/dT at the recoil energies T (MeV), per kg-exposure of the given detector mass.

    Returns
    -------
    numpy.ndarray
        Shape (n_mass, n_components, n_T) + basis_shape, in events per MeV.
    """
    detector_mass_kg = _check_exposure(channels, source, detector_mass_kg)
    params, n_mass = _check_params(params or {}, channels)
    T = np.broadcast_to(as_array("recoil energy T", T), (n_mass, np.size(T)))
    total = 0.0
    for channel in channels:
        rate = fluence_weighted_xsec(channel, source, T, params, n_energy)
        total = total + channel.targets_per_kg * detector_mass_kg * rate
    return np.asarray(total)
