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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

import numpy as np

from ._validate import MAX_MEV, as_array, as_float
from .errors import ParameterError
from .fluxes.base import Source
from .kinematics import e_nu_min, recoil_range
from .xsec.sm import energy_series

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
        ``energy_terms(T, flavour, **params)``: the coefficients c_k(T) (MeV^-3 MeV^k) of
        dsigma/dT = sum_{k=0}^{2} c_k(T) E^-k, exact wherever E >= E_min(T) (dsigma is zero below),
        with shape T.shape + (3,) + basis_shape. Given, the energy integral over a polynomial
        spectrum is done in closed form; ``None`` (default) for cross sections of any other form,
        which are integrated by quadrature.
    flavour_blind : bool
        True if ``dsigma`` and ``energy_terms`` are the same for every flavour, so that the
        engine evaluates them once for all flux components (default False).
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


class Response(Protocol):
    """Maps true recoil energy to analysis bins (probabilities include efficiencies)."""

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
        object.__setattr__(self, "edges", edges)

    @property
    def n_bins(self) -> int:
        return self.edges.size - 1

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


def _kinematic_breakpoints(channel: Channel, source: Source, params, n_mass: int) -> np.ndarray:
    """Recoil endpoints of every line and spectrum edge, shape (n_mass, k)."""
    m_out = params[channel.m_out_param] if channel.m_out_param else np.zeros(n_mass)
    energies = sorted({c.e_max for c in source.components} | {c.e_min for c in source.components})
    t_lo, t_hi = recoil_range(np.asarray(energies)[:, None], channel.target_mass, m_out)
    return np.concatenate([t_lo, t_hi]).T


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
    (T, w) : arrays of shape (n_mass, n_nodes), MeV and MeV.
    """
    lo, hi = response.t_range(channel.recoil)
    n_mass = len(next(iter(params.values()))) if params else 1
    kin = _kinematic_breakpoints(channel, source, params, n_mass)
    fixed = np.asarray(response.breakpoints(channel.recoil), dtype=float)
    fixed = scale_breakpoints(np.clip(np.concatenate([fixed, [lo, hi]]), lo, hi))
    points = np.concatenate(
        [np.broadcast_to(fixed, (n_mass, fixed.size)), kin, np.full((n_mass, 2), [lo, hi])],
        axis=1,
    )
    points = np.sort(np.clip(points, lo, hi), axis=1)
    a, b = points[:, :-1, None], points[:, 1:, None]
    x, w = gauss_legendre(n_per_segment)
    nodes = a + (b - a) * x
    weights = (b - a) * w
    return nodes.reshape(n_mass, -1), weights.reshape(n_mass, -1)


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
      given as sum_k c_k(T) E^-k (``Channel.energy_terms``): the closed form
      sum_k c_k(T) sum_n p_n int_a^{e_max} E^(n-k) dE (:func:`power_integral`), exact;
    * anything else: ``n_energy`` Gauss-Legendre nodes mapped onto [a, e_max].

    Parameters
    ----------
    T : numpy.ndarray
        Recoil energies (MeV), shape (n_mass, n_T) (n_mass may be 1 with no parameters).
    params : mapping of str to numpy.ndarray
        Model parameters, each of shape (n_mass,).

    Returns
    -------
    numpy.ndarray
        Shape (n_mass, n_components, n_T) + basis_shape, in MeV^-1 (events per target per
        recoil energy).
    """
    n_basis = len(channel.basis_shape)
    m_out = params[channel.m_out_param] if channel.m_out_param else 0.0
    m_out_t = np.reshape(m_out, (*np.shape(m_out), 1)) if channel.m_out_param else 0.0
    e_threshold = e_nu_min(T, channel.target_mass, m_out_t)  # (n_mass, n_T)
    x, w = gauss_legendre(n_energy)
    p_line = _expand(params, 1)
    p_cont = _expand(params, 2)
    terms: dict[str, np.ndarray] = {}  # energy_terms per flavour (one entry if flavour-blind)
    integrals: dict[tuple, np.ndarray] = {}  # power integrals per (e_min, e_max, power)

    def flavour_terms(flavour):
        key = "" if channel.flavour_blind else flavour
        if key not in terms:
            terms[key] = channel.energy_terms(T, flavour, **p_line)
        return terms[key]

    out = []
    for comp in source.components:
        # clamp to e_max so that closed ranges (T = 0, above threshold) stay finite
        a = np.minimum(np.maximum(e_threshold, comp.e_min), comp.e_max)
        if comp.is_line and channel.energy_terms is not None:
            series = energy_series(np.moveaxis(flavour_terms(comp.flavour), 2, -1), comp.e_max)
            open_range = (e_threshold <= comp.e_max) & (T > 0)
            value = np.where(open_range.reshape(open_range.shape + (1,) * n_basis), series, 0.0)
        elif comp.is_line:
            value = channel.dsigma(comp.e_max, T, comp.flavour, **p_line)
        elif comp.polynomial is not None and channel.energy_terms is not None:
            moments = []
            for k in range(3):
                total = 0.0
                for n, p in enumerate(comp.polynomial):
                    if p:
                        key = (comp.e_min, comp.e_max, n - k)
                        if key not in integrals:
                            integrals[key] = power_integral(n - k, a, comp.e_max)
                        total = total + p * integrals[key]
                moments.append(np.broadcast_to(total, a.shape))
            value = np.einsum("kmt,mtk...->mt...", moments, flavour_terms(comp.flavour))
        else:
            width = (comp.e_max - a)[..., None]  # (n_mass, n_T, 1), zero where closed
            E = a[..., None] + width * x
            integrand = channel.dsigma(E, T[..., None], comp.flavour, **p_cont)
            integrand = integrand * (comp.shape(E) * width * w).reshape(E.shape + (1,) * n_basis)
            value = integrand.sum(axis=2)
        out.append(comp.fluence * np.broadcast_to(value, T.shape + channel.basis_shape))
    return np.stack(out, axis=1)


#: Largest mass parameter (MeV) a rate accepts: the cross sections' limit
#: (:data:`upscatter._validate.MAX_MEV`, 1 PeV), far from where squared masses overflow (the
#: silent overflow of issue 19 with --m-chi 1e300).
MAX_MASS = MAX_MEV


def _check_params(params: Mapping[str, np.ndarray]) -> tuple[dict[str, np.ndarray], int]:
    arrays = {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in params.items()}
    sizes = {a.size for a in arrays.values()}
    if len(sizes) > 1:
        raise ParameterError(f"mass parameters must have equal lengths, got {sorted(sizes)}")
    for k, a in arrays.items():
        if a.ndim != 1:
            raise ParameterError(f"{k} must be a 1-d array of mass points")
        if not np.all(np.isfinite(a)) or np.any(a < 0):
            raise ParameterError(f"{k} must be finite and non-negative")
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


def _fold_single_bin(
    response: SingleBinResponse,
    T: np.ndarray,
    wT: np.ndarray,
    rate: np.ndarray,
    recoil: str,
) -> np.ndarray:
    """sum_t P(bin | T_t) w_t rate_t for a response with one bin per recoil, (m, c, bins, ...).

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
    any other response through its dense ``probabilities`` matrix.

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
    if detector_mass_kg <= 0 or not np.isfinite(detector_mass_kg):
        raise ParameterError("detector mass must be positive")
    if chunk is not None and (not isinstance(chunk, int | np.integer) or chunk < 1):
        raise ParameterError(f"chunk must be a positive integer, got {chunk!r}")
    params, n_mass = _check_params(params or {})
    basis = {c.basis_shape for c in channels}
    if len(basis) != 1:
        raise ParameterError("all channels of one rate must share the same basis shape")
    basis_shape = basis.pop()
    n_components = len(source.components)
    total = np.zeros((n_mass, n_components, response.n_bins, *basis_shape))
    single_bin = hasattr(response, "bin_index")
    n_basis = int(np.prod(basis_shape))
    for channel in channels:
        if chunk is None:
            # recoil nodes per mass point (fixed segments, their geometric refinement, two
            # kinematic points per spectrum edge) times the widest per-node intermediate
            n_t = n_per_segment * (
                np.size(response.breakpoints(channel.recoil)) + 24 + 4 * n_components
            )
            per_node = n_basis * max(n_components, n_energy) + (
                0 if single_bin else response.n_bins
            )
            size = int(max(1, min(n_mass, CHUNK_ELEMENTS // (n_t * per_node))))
        else:
            size = int(chunk)
        for start in range(0, n_mass, size):
            part = {k: v[start : start + size] for k, v in params.items()}
            T, wT = recoil_quadrature(channel, source, response, part, n_per_segment)
            rate = fluence_weighted_xsec(channel, source, T, part, n_energy)
            if single_bin:
                counts = _fold_single_bin(response, T, wT, rate, channel.recoil)
            else:
                prob = response.probabilities(T, channel.recoil) * wT[..., None]  # (m, nT, bins)
                counts = np.einsum("mtb,mct...->mcb...", prob, rate)
            total[start : start + size] += channel.targets_per_kg * detector_mass_kg * counts
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
    as_float("detector_mass_kg", detector_mass_kg, allow_zero=False)
    params, n_mass = _check_params(params or {})
    T = np.broadcast_to(as_array("recoil energy T", T), (n_mass, np.size(T)))
    total = 0.0
    for channel in channels:
        rate = fluence_weighted_xsec(channel, source, T, params, n_energy)
        total = total + channel.targets_per_kg * detector_mass_kg * rate
    return np.asarray(total)
