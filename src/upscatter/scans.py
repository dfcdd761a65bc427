"""Limits on a coupling versus mass, through the coupling polynomial (DESIGN.md).

For every mass point the experiment's basis counts K (n_bins, n_basis) are computed once; the
prediction for a coupling g is N_SM + K @ monomials(g), so Delta chi^2(g) costs a matrix product
and the profiled chi^2 of the experiment. The bound at confidence level CL is the coupling above
the best fit where Delta chi^2 = chi^2_dof^{-1}(CL) (2.71 for 90% CL with 1 dof), relative to the
global minimum over g >= 0 (including g = 0). It is bracketed on a logarithmic grid of couplings
whose signal runs from 1e-4 events to max(1e6, 100 x N_SM) events (so that even a reactor
experiment, whose SM-like signal must reach a few percent of 1e7 events, is covered), then
refined with Brent's method. Where the data have no sensitivity (no signal, e.g. m_chi above the
kinematic limit) the bound is NaN and reported as "no bound".
"""

from __future__ import annotations

import bisect
import hashlib
import io
import json
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import __version__
from ._io import atomic_write_text
from ._validate import as_array
from .checkpoint import Checkpoint, scan_digest
from .errors import ParameterError, RangeOfValidityWarning, UpscatterError
from .executors import check_executor, run_jobs, worker_count
from .experiments.base import Analysis
from .models import Model, coupling_space
from .provenance import provenance
from .stats.chi2 import delta_chi2_threshold
from .stats.likelihood import Likelihood, LinearPredictions

SIGNAL_SEARCH_MIN = 1e-4
"""Smallest new-physics signal (events) the first probe of a bound search may have."""
SIGNAL_SEARCH_MAX_OVER_SM = 100.0
"""The search reaches a signal of max(1e6, this x the SM total) events."""
BOUND_RTOL = 1e-6
"""Relative accuracy of a bound in the coupling; far below any physics uncertainty."""
BRACKET_RTOL = 1e-3
"""A bound is interpolated linearly in x = g^p_min between two profiled points this close
(relative): the error of the interpolation is below BRACKET_RTOL^2 / 8 relative in x, well
inside BOUND_RTOL in the coupling."""
ESTIMATE_RTOL = 1e-4
"""...or where two successive interpolated zeros inside a bracket agree to this (relative, in x):
the interpolation converges superlinearly, so the last zero is far closer than that (below
1e-6 in g)."""
REFINE_XTOL = 1e-3
"""Relative accuracy in x of an interior minimum: chi^2 is quadratic there, so its value is off
by ~1e-6 of its curvature scale, negligible against Delta chi^2."""
PROBE_FRACTION = 1e-3
"""The first round profiles the first guess of the bound and this fraction of it: the sign of
Delta chi^2 there is the sign of its slope at g = 0 (an interior minimum if negative)."""
MINIMUM_GAIN = 1e-5
"""A minimum search stops when the parabola through the lowest point and its neighbours lies
less than this below the lowest value: Delta chi^2 rises by ~20 per unit of ln g at a bound,
which moves by less than 1e-6 relative."""
MINIMUM_TRUST = 1.5
"""...provided the neighbours lie within this factor of the lowest point's x."""
DIP_TOLERANCE = 1e-9
"""Delta chi^2 below the current minimum by more than this (the profiler's accuracy) starts a
minimum search."""
MAX_ROUNDS = 60
"""Rounds after which a search stops at its best estimate (never reached in practice)."""
SEARCH_CHI2_TOLERANCE = 1e-7
"""Convergence of the profiles of a bound search (Gauss-Newton, in chi^2): moves a bound by
~1e-8 relative, and saves the last iterations of a linearly converging profile."""
BOUND_BLOCK = 128
"""Mass points searched together in one batch (memory stays flat with the number of points)."""
CHECKPOINT_BLOCK = 4
"""Mass points searched together in a checkpointed serial scan: each block is recorded when it
finishes, so an interrupted scan loses at most this many points' work."""


#: Names of the expected-bound columns of a :class:`ScanResult`, for N = -2..2 sigma.
EXPECTED_COLUMNS = (
    "expected_minus2",
    "expected_minus1",
    "expected_median",
    "expected_plus1",
    "expected_plus2",
)


@dataclass
class ScanResult:
    """Bounds on a coupling at a list of mass points, with the full configuration.

    Attributes
    ----------
    masses : dict[str, numpy.ndarray]
        Mass parameters (MeV), each of shape (n,).
    bound : numpy.ndarray
        Upper bound on the coupling at each mass point (NaN where there is none).
    coupling : str
        Name of the coupling bounded (the overall scale g along a preset's direction).
    config : dict
        Experiment, model, options, the coupling's units (``coupling_units``) and direction in
        coupling space (``direction``: the preset's couplings, None for a one-coupling model),
        CL, dof, threshold, package version; with expected bounds, their method
        (``config["expected"]``).
    expected : dict[str, numpy.ndarray]
        Expected bounds by :data:`EXPECTED_COLUMNS` name (median and +-1, +-2 sigma under the
        SM-plus-background hypothesis, :mod:`upscatter.intervals`); empty when not computed.
    valid : numpy.ndarray or None
        Per point, whether the bound is inside the model's range of validity
        (:attr:`upscatter.models.Model.validity`, e.g. the twist-2 matching of the Z' loops);
        None when the model states none. Column ``valid`` (1/0) in rows and CSV.
    """

    masses: dict[str, np.ndarray]
    bound: np.ndarray
    coupling: str
    config: dict = field(default_factory=dict)
    expected: dict[str, np.ndarray] = field(default_factory=dict)
    valid: np.ndarray | None = None

    @property
    def units(self) -> str:
        """Units of the coupling (``"dimensionless"`` when the configuration does not say)."""
        return self.config.get("coupling_units", "dimensionless")

    @property
    def direction(self) -> dict | None:
        """The direction in coupling space the bound is on (a preset's couplings), or None."""
        return self.config.get("direction")

    def _columns(self) -> dict[str, np.ndarray]:
        validity = {} if self.valid is None else {"valid": self.valid.astype(float)}
        return {**self.masses, "bound": self.bound, **self.expected, **validity}

    def rows(self) -> list[dict]:
        """One dict per mass point (None where there is no bound)."""
        columns = self._columns()
        out = []
        for i in range(self.bound.size):
            row = {k: float(v[i]) for k, v in self.masses.items()}
            for key in ("bound", *self.expected):
                value = columns[key][i]
                row[key] = float(value) if np.isfinite(value) else None
            if self.valid is not None:
                row["valid"] = bool(self.valid[i])
            out.append(row)
        return out

    def to_json(self) -> dict:
        """JSON-ready dictionary."""
        return {"coupling": self.coupling, "config": self.config, "points": self.rows()}

    def save(self, path: str | Path) -> tuple[Path, Path]:
        """Write ``path`` as CSV (columns: masses..., bound, expected...) and ``path.json``
        beside it, each atomically; the sidecar records the CSV's sha256 so that a pair left
        inconsistent by an interrupted save is refused by :meth:`load`."""
        path = Path(path)
        columns = self._columns()
        buffer = io.StringIO()
        np.savetxt(
            buffer,
            np.column_stack(list(columns.values())),
            delimiter=",",
            header=",".join(columns),
            comments="",
            fmt="%.10g",
        )
        text = buffer.getvalue()
        meta = path.with_suffix(path.suffix + ".json")
        sidecar = {**self.to_json(), "csv_sha256": hashlib.sha256(text.encode()).hexdigest()}
        atomic_write_text(path, text)
        atomic_write_text(meta, json.dumps(sidecar, indent=2))
        return path, meta

    @classmethod
    def load(cls, path: str | Path) -> ScanResult:
        """Read a result written by :meth:`save` (CSV plus its ``.json`` sidecar)."""
        path = Path(path)
        meta_path = path.with_suffix(path.suffix + ".json")
        if not path.exists() or not meta_path.exists():
            raise UpscatterError(f"scan result {path} (and {meta_path.name}) not found")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            content = path.read_bytes()
        except (OSError, ValueError) as exc:
            raise UpscatterError(f"cannot read scan result {path}: {exc}") from exc
        recorded = meta.get("csv_sha256") if isinstance(meta, dict) else None
        if recorded is not None and recorded != hashlib.sha256(content).hexdigest():
            raise UpscatterError(
                f"{meta_path.name} does not match {path.name} (an interrupted or partial save?): "
                "re-run the scan"
            )
        table = np.genfromtxt(io.BytesIO(content), delimiter=",", names=True)
        names = list(table.dtype.names)
        masses = [n for n in names if n not in ("bound", "valid") and n not in EXPECTED_COLUMNS]
        return cls(
            {n: np.atleast_1d(table[n]) for n in masses},
            np.atleast_1d(table["bound"]),
            meta["coupling"],
            meta["config"],
            {n: np.atleast_1d(table[n]) for n in EXPECTED_COLUMNS if n in names},
            np.atleast_1d(table["valid"]).astype(bool) if "valid" in names else None,
        )


def signal_scale(K: np.ndarray, powers: np.ndarray) -> float:
    """Coupling at which the new-physics signal is one event (K: (n_bins, n_basis))."""
    totals = K.sum(axis=0)
    if not np.any(totals > 0):
        return np.nan
    # largest coupling that gives one event through any single monomial; entries with a
    # non-positive total (interference) do not set the scale
    positive = totals > 0
    return float(np.min(totals[positive] ** (-1.0 / np.asarray(powers)[positive])))


def _parabola(points: Sequence[tuple[float, float]]) -> tuple[float, float, float]:
    """The parabola through three points (x, y) with distinct x as p(x0 + t) = a t^2 + b t + c
    around the first point x0 (Newton's divided differences)."""
    (x0, y0), (x1, y1), (x2, y2) = points
    d01 = (y1 - y0) / (x1 - x0)
    a = ((y2 - y1) / (x2 - x1) - d01) / (x2 - x0)
    return a, d01 - a * (x1 - x0), y0


def _quadratic_root(points, lo: float, hi: float) -> float | None:
    """Smallest zero inside (lo, hi) of the parabola through three points, or None."""
    x0 = points[0][0]
    a, b, c = _parabola(points)
    if a == 0.0:
        roots = [-c / b] if b != 0.0 else []
    else:
        disc = b * b - 4.0 * a * c
        if disc < 0.0:
            return None
        q = -0.5 * (b + math.copysign(math.sqrt(disc), b))
        roots = [q / a] + ([c / q] if q != 0.0 else [])
    inside = [x0 + t for t in roots if lo < x0 + t < hi]
    return min(inside) if inside else None


def _secant(p: tuple[float, float], q: tuple[float, float]) -> float:
    """Zero of the line through two points."""
    return p[0] - p[1] * (q[0] - p[0]) / (q[1] - p[1])


def _bound_search(x_first: float, x_max: float, threshold: float):
    """One mass point's bound search as a coroutine in x = g^p_min.

    Yields lists of x at which Delta chi^2(x) = chi^2(x) - chi^2(0) is wanted, is sent their
    values, and returns x at the bound (NaN when Delta chi^2 stays below the threshold up to
    x_max, the coupling of the largest signal searched). The bound is the first crossing of
    ``threshold`` above the minimum over x >= 0.

    Round 1 profiles the first guess and PROBE_FRACTION of it. A negative value at the small
    probe (slope < 0 at x = 0) or any later value below the minimum so far starts a minimum
    search (:func:`_minimum_step`, :func:`_minimum_done`). The crossing is then bracketed and
    refined by a safeguarded quadratic interpolation: every round solves the parabola through
    the three points nearest the crossing (the quadratic expansion of Delta chi^2 in x, exact
    for a Gaussian likelihood with one coupling power), takes the secant or a bisection where
    that leaves the bracket, and profiles a pair of points around the estimate, twice the last
    change of the estimate apart, until the bracket is BRACKET_RTOL wide or two successive
    zeros agree to ESTIMATE_RTOL.
    """
    points: list[tuple[float, float]] = [(0.0, 0.0)]  # (x, Delta chi^2), sorted in x

    def evaluate(xs: list[float]):
        values = yield xs
        for x, value in zip(xs, values, strict=True):
            bisect.insort(points, (float(x), float(value)))

    x_first = min(x_first, x_max)
    yield from evaluate([PROBE_FRACTION * x_first, x_first])
    x_min, u_min = 0.0, 0.0
    before = None
    for _ in range(MAX_ROUNDS):
        values = [u for _, u in points]
        lowest = values.index(min(values))
        x_low, u_low = points[lowest]
        if u_low < u_min - DIP_TOLERANCE or (x_min > 0.0 and not _minimum_done(points, lowest)):
            # ---- the minimum over x > 0
            x_min, u_min = x_low, u_low
            yield from evaluate(_minimum_step(points, lowest, x_max))
            if points[-1][0] >= x_max and points[-1][1] <= u_min:
                return math.nan
            continue
        # ---- the crossing above the minimum, in F = Delta chi^2 - minimum - threshold
        F = [(x, u - u_min - threshold) for x, u in points if x >= x_min]
        hi = next((i for i, (_, f) in enumerate(F) if f >= 0.0), None)
        if hi is None:
            x_lo = F[-1][0]
            if x_lo >= x_max:
                return math.nan
            estimate = _quadratic_root(F[-3:], x_lo, 100.0 * x_lo) if len(F) >= 3 else None
            if estimate is None and len(F) >= 2 and F[-1][1] > F[-2][1]:
                estimate = _secant(F[-2], F[-1])
            if estimate is None or not estimate > x_lo:
                estimate = 10.0 * x_lo
            before = estimate = min(max(estimate, 1.05 * x_lo), 100.0 * x_lo, x_max)
            # a pair around an estimate near the points, one point for a long extrapolation
            if estimate >= x_max or estimate > 1.5 * x_lo:
                yield from evaluate([estimate])
            else:
                yield from evaluate([0.97 * estimate, 1.03 * estimate])
            continue
        lo = hi - 1
        x_lo, x_hi = F[lo][0], F[hi][0]
        if x_hi - x_lo <= BRACKET_RTOL * x_hi:
            return _secant(F[lo], F[hi])
        others = [i for i in (lo - 1, hi + 1) if 0 <= i < len(F)]
        estimate = None
        if others:
            third = min(others, key=lambda i: abs(F[i][1]))
            estimate = _quadratic_root(sorted([F[lo], F[hi], F[third]]), x_lo, x_hi)
        if estimate is None:
            estimate = _secant(F[lo], F[hi])
        change = abs(estimate - before) if before is not None else math.inf
        if change <= ESTIMATE_RTOL * estimate:
            return estimate
        before = estimate
        width = min(max(2.0 * change, 0.25 * BRACKET_RTOL * estimate), 0.25 * (x_hi - x_lo))
        pair = [p for p in (estimate - width, estimate + width) if x_lo < p < x_hi]
        yield from evaluate(pair or [0.5 * (x_lo + x_hi)])
    raise UpscatterError("a bound search did not converge")  # pragma: no cover


def _minimum_step(points, lowest: int, x_max: float) -> list[float]:
    """Next x of a minimum search around the lowest point (points sorted in x).

    Beyond the last point: to 1.5 times the vertex of the parabola through the last three
    points where it is convex, 2-100 times the last x. Inside: the vertex of the parabola
    through the lowest point and its neighbours, with a point MINIMUM_TRUST^(1/2) either side of
    it while a neighbour is farther than MINIMUM_TRUST (so that the next parabola is local);
    bisection of the wider side where the vertex leaves the neighbours; REFINE_XTOL beside the
    lowest point where the vertex falls next to it."""
    x_low = points[lowest][0]
    if lowest == len(points) - 1:
        target = 10.0 * x_low
        if len(points) >= 3:
            a, b, _ = _parabola(points[-3:])
            if a > 0.0:
                target = 1.5 * (points[-3][0] - b / (2.0 * a))
        return [min(max(target, 2.0 * x_low), 100.0 * x_low, x_max)]
    left, right = points[lowest - 1][0], points[lowest + 1][0]
    a, b, _ = _parabola(points[lowest - 1 : lowest + 2])
    vertex = left - b / (2.0 * a) if a > 0.0 else math.nan
    wide = left if x_low - left > right - x_low else right
    if not left < vertex < right:
        return [0.5 * (x_low + wide)]
    if not _trusted(left, x_low, right):
        factor = math.sqrt(MINIMUM_TRUST)
        return [x for x in (vertex / factor, vertex, vertex * factor) if left < x < right]
    if abs(vertex - x_low) >= 0.5 * REFINE_XTOL * x_low:
        return [vertex]
    return [x_low + math.copysign(REFINE_XTOL * x_low, wide - x_low)]


def _trusted(left: float, middle: float, right: float) -> bool:
    """Whether a parabola through three points this close describes chi^2 at its vertex."""
    return left > 0.0 and middle / left <= MINIMUM_TRUST and right / middle <= MINIMUM_TRUST


def _minimum_done(points, lowest: int) -> bool:
    """Whether the minimum search is over: the lowest point is x = 0; or its neighbours are
    about REFINE_XTOL from it; or they are within MINIMUM_TRUST and the parabola through the
    three lies less than MINIMUM_GAIN below the lowest value."""
    if lowest == 0:
        return True
    if lowest == len(points) - 1:
        return False
    (left, _), (x_low, u_low), (right, _) = points[lowest - 1 : lowest + 2]
    if right - left <= 2.5 * REFINE_XTOL * x_low:
        return True
    if not _trusted(left, x_low, right):
        return False
    a, b, c = _parabola(points[lowest - 1 : lowest + 2])
    return a > 0.0 and u_low - (c - b * b / (4.0 * a)) <= MINIMUM_GAIN


class _Profiler:
    """Profiled chi^2 of the predictions sm + K[point] @ coefficients of a block of mass points,
    with warm starts: through the analysis' likelihood on prepared states
    (:class:`~upscatter.stats.likelihood.LinearPredictions`) where there is one, otherwise
    through a chi^2 callable (no warm starts)."""

    def __init__(self, sm: np.ndarray, K: np.ndarray, chi2=None, likelihood=None):
        self.sm, self.K, self.chi2, self.likelihood = sm, K, chi2, likelihood
        self.linear = None if likelihood is None else LinearPredictions(likelihood, sm, K)

    def __call__(self, points, coefficients, start):
        """chi^2 (r,) and best-fit nuisances (r, n_parameters) or None."""
        if self.linear is None:
            prediction = self.sm + np.einsum("rm,rbm->rb", coefficients, self.K[points])
            return np.asarray(self.chi2(prediction), dtype=float), None
        fit = self.likelihood.profile_prepared(
            self.linear.state(points, coefficients), start, tolerance=SEARCH_CHI2_TOLERANCE
        )
        theta = np.stack([fit.values[name] for name in self.likelihood.names], axis=-1)
        return np.asarray(fit.chi2, dtype=float), theta


def _search_block(profiler: _Profiler, powers: np.ndarray, threshold: float) -> np.ndarray:
    """Bounds of every mass point of a block, all searches advancing together: each round
    profiles the points every search asks for in one batch (:func:`_bound_search`), each
    started from the best fit at the nearest coupling of the round before for its mass point
    (the SM best fit in the first round)."""
    sm, K = profiler.sm, profiler.K
    p_min = powers.min()
    chi2_0, theta_0 = profiler(np.zeros(1, dtype=int), np.zeros((1, powers.size)), None)
    s_max = max(1e6, SIGNAL_SEARCH_MAX_OVER_SM * float(np.sum(sm)))
    first = max(np.sqrt(threshold * max(float(np.sum(sm)), 1.0)), SIGNAL_SEARCH_MIN)
    bounds = np.full(K.shape[0], np.nan)
    searches, requests, last = {}, {}, {}
    for i in range(K.shape[0]):
        scale = signal_scale(K[i], powers)
        if np.isfinite(scale):
            x_event = scale**p_min  # x of a one-event signal
            searches[i] = _bound_search(x_event * first, x_event * s_max, threshold)
            requests[i] = next(searches[i])
            last[i] = ([1.0], [None if theta_0 is None else theta_0[0]])
    while requests:
        owners = [i for i, request in requests.items() for _ in request]
        x = np.array([value for request in requests.values() for value in request])
        starts = None
        if theta_0 is not None:
            starts = np.array([_nearest(last[i], v) for i, v in zip(owners, x, strict=True)])
        chi2, theta = profiler(np.array(owners), (x ** (1.0 / p_min))[:, None] ** powers, starts)
        delta = (chi2 - chi2_0[0]).tolist()
        at = 0
        for i, request in list(requests.items()):
            n_request = len(request)
            if theta is not None:
                last[i] = (request, theta[at : at + n_request])
            try:
                requests[i] = searches[i].send(delta[at : at + n_request])
            except StopIteration as stop:
                bounds[i] = stop.value ** (1.0 / p_min)
                del requests[i]
            at += n_request
    return bounds


def _nearest(last: tuple[list[float], Sequence[np.ndarray]], x: float) -> np.ndarray:
    """The best fit of the round before at the coupling nearest to ``x`` (in ratio)."""
    xs, thetas = last
    if len(xs) == 1:
        return thetas[0]
    distances = [abs(math.log(value / x)) for value in xs]
    return thetas[distances.index(min(distances))]


def bounds_from_counts(
    sm: np.ndarray,
    K: np.ndarray,
    powers: Sequence[float],
    threshold: float,
    chi2: Callable[[np.ndarray], np.ndarray] | None = None,
    likelihood: Likelihood | None = None,
) -> np.ndarray:
    """Upper bounds on the coupling at many mass points, searched together.

    Parameters
    ----------
    sm : numpy.ndarray
        SM prediction, (n_prediction,).
    K : numpy.ndarray
        Basis predictions, (n_mass, n_prediction, n_basis).
    powers : sequence of float
        Coupling power of each basis entry.
    threshold : float
        Delta chi^2 defining the bound.
    chi2 : callable, optional
        Profiled chi^2 of predictions (r, n_prediction) (used without ``likelihood``).
    likelihood : Likelihood, optional
        The analysis' likelihood: its profile on prepared states with warm starts (faster).

    Returns
    -------
    numpy.ndarray
        The bound at each mass point, NaN where Delta chi^2 never reaches the threshold
        (see the module notes and :func:`_bound_search`).
    """
    if (chi2 is None) == (likelihood is None):
        raise ParameterError("give exactly one of chi2 and likelihood")
    K = np.asarray(K, dtype=float)
    sm = np.asarray(sm, dtype=float)
    powers = np.asarray(powers, dtype=float)
    if K.ndim != 3 or K.shape[1] != sm.size or K.shape[2] != powers.size:
        raise ParameterError(
            f"basis counts must have shape (n_mass, {sm.size}, {powers.size}), got {K.shape}"
        )
    return (
        np.concatenate(
            [
                _search_block(
                    _Profiler(sm, K[i : i + BOUND_BLOCK], chi2, likelihood), powers, threshold
                )
                for i in range(0, K.shape[0], BOUND_BLOCK)
            ]
        )
        if K.shape[0]
        else np.zeros(0)
    )


def bound_from_basis(
    sm: np.ndarray,
    K: np.ndarray,
    chi2: Callable[[np.ndarray], np.ndarray],
    powers: Sequence[float],
    threshold: float,
) -> float:
    """Upper bound on the coupling for one mass point (:func:`bounds_from_counts`).

    Parameters
    ----------
    sm : numpy.ndarray
        SM signal per bin, (n_bins,).
    K : numpy.ndarray
        Basis counts, (n_bins, n_basis).
    chi2 : callable
        Profiled chi^2 of predictions (..., n_bins).
    powers : sequence of float
        Coupling power of each basis entry.
    threshold : float
        Delta chi^2 defining the bound.

    Returns
    -------
    float
        The bound, or NaN when Delta chi^2 never reaches the threshold.
    """
    return float(bounds_from_counts(sm, np.asarray(K)[None], powers, threshold, chi2=chi2)[0])


def _basis_chunk(experiment, model, options, params):
    return experiment.signal_basis(model, params, **options)


def _chunks(indices: np.ndarray, executor, serial_block: int | None = 1) -> list[np.ndarray]:
    """Blocks of mass-point indices: of ``serial_block`` points in this process (None: all in
    one), otherwise four blocks per worker so that faster workers take more."""
    if indices.size == 0:
        return []
    if executor == "serial":
        size = indices.size if serial_block is None else serial_block
        return [indices[i : i + size] for i in range(0, indices.size, size)]
    n_blocks = max(1, min(indices.size, 4 * worker_count()))
    return [block for block in np.array_split(indices, n_blocks) if block.size]


def compute_basis(
    experiment: Analysis,
    model: Model,
    params: Mapping[str, np.ndarray],
    executor: str | Executor = "serial",
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    **model_options,
) -> np.ndarray:
    """Basis counts for all mass points, optionally spread over processes or a Dask cluster
    (``executor``: see :func:`upscatter.executors.run_jobs`); ``progress(done, total)`` is
    called as blocks of mass points finish (serially, in blocks of about a twentieth). Masses the
    model does not take (``m_med`` for the EFT) are ignored, as in :func:`coupling_bound`."""
    missing = [k for k in model.parameters if k not in params]
    if missing:
        raise ParameterError(f"model {model.name} needs the masses {', '.join(missing)} (MeV)")
    params = {k: np.atleast_1d(np.asarray(params[k], dtype=float)) for k in model.parameters}
    n = len(next(iter(params.values())))
    serial_block = None if progress is None else max(1, -(-n // 20))
    blocks = _chunks(np.arange(n), executor, serial_block=serial_block)
    jobs = [({k: v[idx] for k, v in params.items()},) for idx in blocks]
    finished = [0]

    def report(index: int, _value) -> None:
        finished[0] += blocks[index].size
        progress(finished[0], n)

    pieces = run_jobs(
        _basis_chunk,
        jobs,
        executor,
        on_result=None if progress is None else report,
        shared=(experiment, model, model_options),
        scheduler=scheduler,
    )
    return np.concatenate(pieces, axis=0)


def coupling_bound(
    experiment: Analysis,
    model: Model,
    masses: Mapping[str, np.ndarray],
    cl: float = 0.9,
    dof: int = 1,
    executor: str | Executor = "serial",
    progress: Callable[[int, int], None] | None = None,
    checkpoint: str | Path | None = None,
    scheduler: str | None = None,
    **model_options,
) -> ScanResult:
    """Bound on the model's coupling at each mass point.

    Parameters
    ----------
    experiment : Analysis
    model : Model
    masses : mapping
        ``m_chi`` and ``m_med`` arrays (MeV) of equal length.
    cl, dof : float, int
        Confidence level and degrees of freedom of the Delta chi^2 threshold.
    executor : str or Executor
        Where the basis spectra and the bounds are computed: ``"serial"``, ``"process"``,
        ``"dask"`` or an Executor (:func:`upscatter.executors.run_jobs`).
    progress : callable, optional
        Called as progress(done, total) as mass points finish.
    checkpoint : path, optional
        Resumable scan: finished bounds are appended to this file as they come, and points
        already in it are not recomputed (:mod:`upscatter.checkpoint`).
    scheduler : str, optional
        Address of an existing Dask scheduler (with ``executor="dask"``).
    """
    check_executor(executor, scheduler)
    if not isinstance(model, Model):
        raise ParameterError(f"model must be a Model (upscatter.get_model(name)), got {model!r}")
    if not isinstance(masses, Mapping):
        raise ParameterError(f"masses must be a mapping of mass arrays (MeV), got {masses!r}")
    missing = [k for k in model.parameters if k not in masses]
    if missing:
        raise ParameterError(
            f"model {model.name} needs the masses {', '.join(model.parameters)}; missing: "
            f"{', '.join(missing)}"
        )
    params = {k: np.atleast_1d(as_array(k, masses[k])) for k in model.parameters}
    n = len(next(iter(params.values())))
    if n == 0:
        raise ParameterError("the mass list is empty")
    model_options = experiment.model_options(model, model_options)
    K = compute_basis(experiment, model, params, executor, scheduler, **model_options)
    return bounds_from_basis(
        experiment,
        model,
        params,
        K,
        cl,
        dof,
        progress,
        executor=executor,
        checkpoint=checkpoint,
        scheduler=scheduler,
        **model_options,
    )


def _bound_block(experiment, sm, powers, threshold, K_block):
    likelihood = getattr(experiment, "likelihood", None)
    if isinstance(likelihood, Likelihood):
        return bounds_from_counts(sm, K_block, powers, threshold, likelihood=likelihood).tolist()
    return bounds_from_counts(sm, K_block, powers, threshold, chi2=experiment.chi2).tolist()


def bounds_from_basis(
    experiment: Analysis,
    model: Model,
    masses: Mapping[str, np.ndarray],
    K: np.ndarray,
    cl: float = 0.9,
    dof: int = 1,
    progress: Callable[[int, int], None] | None = None,
    *,
    executor: str | Executor = "serial",
    checkpoint: str | Path | None = None,
    scheduler: str | None = None,
    **model_options,
) -> ScanResult:
    """Bounds at each mass point from basis counts already computed (:func:`compute_basis`).

    Lets callers reuse one basis for several analyses, e.g. a detector alone and in a
    combination (:class:`upscatter.experiments.combined.CombinedAnalysis`).

    Parameters
    ----------
    experiment : Analysis
    model : Model
    masses : mapping
        Mass arrays (MeV) of length n, recorded in the result.
    K : numpy.ndarray
        Basis counts of ``experiment`` for ``model``, shape (n, n_bins, n_basis).
    cl, dof, progress, executor, checkpoint, scheduler
        As in :func:`coupling_bound`; ``model_options`` are recorded in the configuration.
    """
    threshold = delta_chi2_threshold(cl, dof)
    masses = {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in masses.items()}
    K = np.asarray(K, dtype=float)
    sm = experiment.sm_counts
    if K.ndim != 3 or K.shape[1] != sm.size:
        raise ParameterError(
            f"basis counts must have shape (n_mass, {sm.size}, n_basis), got {K.shape}"
        )
    n = K.shape[0]
    config = {
        "experiment": experiment.name,
        "model": model.name,
        "model_options": dict(model_options),
        "coupling_units": model.units,
        "direction": model.direction,
        "cl": cl,
        "dof": dof,
        "delta_chi2": threshold,
        "upscatter_version": __version__,
    }
    bounds = np.full(n, np.nan)
    store = None
    if checkpoint is not None:
        store = Checkpoint(checkpoint, scan_digest(config, {**masses, "basis": K}))
        for index, value in store.done.items():
            bounds[index] = value[0]
    experiment.chi2(sm)  # loads the data here (not in workers), so the provenance lists them
    config["provenance"] = provenance()  # after the digest: it names when and how, not what
    todo = np.array([i for i in range(n) if store is None or i not in store.done], dtype=int)
    finished = n - todo.size
    if progress and finished:
        progress(finished, n)
    blocks = _chunks(todo, executor, BOUND_BLOCK if store is None else CHECKPOINT_BLOCK)

    def collect(job: int, values: list[float]) -> None:
        nonlocal finished
        points = blocks[job]
        bounds[points] = values
        if store is not None:
            store.record(points, values)
        finished += points.size
        if progress:
            progress(finished, n)

    shared = (experiment, sm, model.powers, threshold)
    run_jobs(
        _bound_block,
        [(K[idx],) for idx in blocks],
        executor,
        on_result=collect,
        shared=shared,
        scheduler=scheduler,
    )
    valid = None
    if model.validity is not None:
        valid = np.asarray(model.validity(experiment, masses, K, bounds, **model_options), bool)
        if not valid.all():
            warnings.warn(
                f"{int((~valid).sum())} of {n} {model.name} bounds are outside the model's range "
                "of validity (ScanResult.valid; docs/physics-decisions.md)",
                RangeOfValidityWarning,
                stacklevel=2,
            )
    return ScanResult(masses, bounds, model.coupling, config, valid=valid)


@dataclass
class RegionResult:
    """A 2-D allowed region in the plane of two real couplings.

    Attributes
    ----------
    x, y : numpy.ndarray
        Grid axes (coupling values).
    delta_chi2 : numpy.ndarray
        Delta chi^2 on the grid, shape (len(y), len(x)), relative to the grid minimum.
    boundary : list of numpy.ndarray
        Closed or open polylines (k, 2) where Delta chi^2 equals the threshold.
    threshold : float
    names : tuple of str
        Names of the two couplings (x, then y).
    config : dict
        Experiment, model, masses, the values of the model's other couplings (``fixed``), CL,
        dof, version and provenance.
    units : str
        Units of the two couplings.
    """

    x: np.ndarray
    y: np.ndarray
    delta_chi2: np.ndarray
    boundary: list[np.ndarray]
    threshold: float
    names: tuple[str, str]
    config: dict = field(default_factory=dict)
    units: str = "dimensionless"

    def open_edges(self) -> list[str]:
        """Edges of the grid inside the allowed region (Delta chi^2 below the threshold
        somewhere on them), e.g. ``["g_u max"]``: the region continues beyond the grid there.
        An edge at coupling 0 (the start of a non-negative axis) is not a limit and is left out.
        """
        edges = {
            f"{self.names[0]} min": (self.x[0], self.delta_chi2[:, 0]),
            f"{self.names[0]} max": (self.x[-1], self.delta_chi2[:, -1]),
            f"{self.names[1]} min": (self.y[0], self.delta_chi2[0]),
            f"{self.names[1]} max": (self.y[-1], self.delta_chi2[-1]),
        }
        return [
            name
            for name, (value, delta) in edges.items()
            if value != 0 and np.min(delta) < self.threshold
        ]

    def to_json(self) -> dict:
        """JSON-ready dictionary with the boundary points (not the grid)."""
        return {
            "names": list(self.names),
            "units": self.units,
            "open_edges": self.open_edges(),
            "threshold": self.threshold,
            "config": self.config,
            "boundary": [line.tolist() for line in self.boundary],
            "extent": [float(self.x[0]), float(self.x[-1]), float(self.y[0]), float(self.y[-1])],
        }


def _region(X, Y, values, chi2_zero, threshold, names, config, units="dimensionless"):
    """RegionResult from chi^2 on a grid: Delta chi^2 relative to the smaller of the grid
    minimum and chi^2 without new physics, and its contour at ``threshold``."""
    import contourpy

    delta = values - min(values.min(), chi2_zero)
    lines = contourpy.contour_generator(X, Y, delta).lines(threshold)
    return RegionResult(
        X[0].copy(),
        Y[:, 0].copy(),
        delta,
        [np.asarray(line) for line in lines],
        threshold,
        tuple(names),
        config or {},
        units,
    )


REGION_ROWS_PER_BLOCK = 16
"""Rows of a region's grid profiled at once (a progress bar advances per block)."""


def allowed_region(
    sm: np.ndarray,
    K: np.ndarray,
    chi2: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    threshold: float,
    names: tuple[str, str] = ("c1", "c2"),
    config: dict | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RegionResult:
    """Delta chi^2 over a grid of two real couplings for a quadratic form N = sm + c^T K c.

    Parameters
    ----------
    sm : numpy.ndarray
        SM signal, (n_bins,).
    K : numpy.ndarray
        Quadratic-form basis counts, (n_bins, 2, 2), symmetric in the last two axes.
    chi2 : callable
        Profiled chi^2 of predictions (..., n_bins).
    x, y : numpy.ndarray
        Grid axes.
    threshold : float
        Delta chi^2 of the region's edge (4.61 for 90% CL, 2 dof).
    progress : callable, optional
        Called as progress(done, total) as rows of the grid are evaluated (rows are always
        profiled in the same blocks, so the result does not depend on it).
    """
    X, Y = np.meshgrid(np.asarray(x, float), np.asarray(y, float))
    c = np.stack([X, Y], axis=-1)  # (ny, nx, 2)
    signal = np.einsum("...i,bij,...j->...b", c, K, c)
    rows = REGION_ROWS_PER_BLOCK
    values = np.empty(X.shape)
    for start in range(0, X.shape[0], rows):
        values[start : start + rows] = chi2(sm + signal[start : start + rows])
        if progress:
            progress(min(start + rows, X.shape[0]), X.shape[0])
    return _region(X, Y, values, float(chi2(sm[None])[0]), threshold, names, config)


REGION_EXTENT_SIGNED = 4.0
"""Default half-width of a region's axis, in units of that coupling's own bound, when the sign
of the coupling matters (odd powers: interference); the grid spans +-extent."""
REGION_EXTENT_EVEN = 2.0
"""Default extent of an axis whose coupling enters with even powers only: [0, this x bound]
(the region is symmetric under its sign flip)."""
REGION_MAX_BATCH = 2_000_000
"""Most grid points x bins evaluated at once (the chi^2 of a block of the grid)."""


def _axis_basis(model: Model, K: np.ndarray, sm: np.ndarray, c0: np.ndarray, axis: int):
    """(baseline, K', powers) of the 1-D problem along coupling ``axis`` with the others at
    ``c0``: N = baseline + sum_k c^powers_k K'_k. Monomials without that coupling join the
    baseline; those that vanish at ``c0`` (another coupling at 0) drop out."""
    exponents = model.exponent_matrix
    rest = c0.copy()
    rest[axis] = 1.0
    others = np.prod(rest**exponents, axis=-1)  # each monomial at c_axis = 1
    powers = exponents[:, axis]
    constant = powers == 0
    baseline = sm + K[:, constant] @ others[constant]
    keep = ~constant & (others != 0)
    return baseline, K[:, keep] * others[keep], powers[keep]


def pair_region(
    experiment: Analysis,
    model: Model | str,
    masses: Mapping[str, float],
    pair: Sequence[str],
    fixed: Mapping[str, float] | None = None,
    cl: float = 0.9,
    dof: int = 2,
    n_points: int = 241,
    extent: Sequence[float] | None = None,
    progress: Callable[[int, int], None] | None = None,
    **model_options,
) -> RegionResult:
    """Allowed region in a pair of a model's couplings at fixed masses, from one basis.

    The basis counts K (n_bins, n_basis) are computed once at ``masses``; every grid point is
    then N = N_SM + sum_k K_k prod_j c_j^e_kj (:meth:`upscatter.models.Model.monomials_of`),
    with the pair varied and the model's other couplings at ``fixed`` (0 when not given), so
    the grid costs matrix products and chi^2 evaluations only, never a new integral.

    Parameters
    ----------
    experiment : Analysis
    model : Model or str
        A model naming the pair, or one of a family with more couplings
        (:func:`upscatter.models.coupling_space`): ``vector``/``scalar`` (any preset: the
        per-flavour couplings g_e, g_mu, g_tau over its targets, or g_u, g_d, g_el over its
        flavours) or ``eft`` (operator names).
    masses : mapping
        The model's masses (MeV), one value each (``m_chi``, and ``m_med`` for a mediator).
    pair : sequence of two str
        The couplings on the x and y axes.
    fixed : mapping, optional
        Values of the model's other couplings (default 0).
    cl, dof : float, int
        Confidence level and degrees of freedom of the edge's Delta chi^2 (2 dof: a region).
    n_points : int
        Grid points per axis (at least 11).
    extent : sequence of two float, optional
        Grid extent per axis: +-extent for a coupling whose sign matters (an odd power in a
        monomial: interference), [0, extent] otherwise. By default
        :data:`REGION_EXTENT_SIGNED` (resp. :data:`REGION_EXTENT_EVEN`) times the coupling's
        own bound at the same threshold with the other at 0, which contains the region unless
        an interference cancellation is nearly exact.
    progress : callable, optional
        Called as progress(done, total) as blocks of the grid are evaluated.
    model_options
        Options of the model's channels (the experiment's defaults are filled in:
        :meth:`upscatter.experiments.base.Analysis.model_options`).

    Returns
    -------
    RegionResult
        With the pair's names and units; ``config`` records the model, masses, fixed couplings.

    Raises
    ------
    ParameterError
        A pair that is not two different couplings of the model, a missing or non-positive
        mass, a bad grid, or no sensitivity to a coupling (for the default extent).
    """
    if isinstance(pair, str) or len(pair) != 2 or not all(isinstance(p, str) for p in pair):
        raise ParameterError(f"a region needs a pair of two coupling names, got {pair!r}")
    space = coupling_space(model, pair)
    names = tuple(pair) if all(p in space.coupling_names for p in pair) else space.coupling_names
    if len(set(names)) != 2:
        raise ParameterError(f"a region needs two different couplings, got {list(pair)}")
    if isinstance(n_points, bool) or not isinstance(n_points, int | np.integer) or n_points < 11:
        raise ParameterError(f"n_points must be an integer of at least 11, got {n_points!r}")
    fixed = dict(fixed or {})
    both = sorted(set(fixed) & set(names))
    if both:
        raise ParameterError(f"coupling {', '.join(both)} is on an axis and cannot be fixed")
    c0 = space.coupling_vector(fixed)  # validates the names
    extra = sorted(set(masses) - set(space.parameters))
    if extra:
        raise ParameterError(
            f"model {space.name} takes the masses {', '.join(space.parameters)}; got also "
            f"{', '.join(extra)}"
        )
    params = {}
    for name in space.parameters:
        if name not in masses:
            raise ParameterError(f"model {space.name} needs the mass {name} (MeV)")
        value = np.asarray(masses[name], dtype=float)
        if value.size != 1 or not np.isfinite(value) or value <= 0:
            raise ParameterError(f"{name} must be one positive mass in MeV, got {masses[name]!r}")
        params[name] = float(value)
    model_options = experiment.model_options(space, model_options)
    basis = experiment.signal_basis(space, {k: [v] for k, v in params.items()}, **model_options)
    sm = experiment.sm_counts
    K = np.asarray(basis[0], dtype=float).reshape(sm.size, -1)  # (n_bins, n_basis)
    threshold = delta_chi2_threshold(cl, dof)
    index = [space.coupling_names.index(n) for n in names]
    exponents = space.exponent_matrix
    signed = [bool(np.any(exponents[:, i] % 2)) for i in index]
    if extent is None:
        extent = []
        for i, odd in zip(index, signed, strict=True):
            base, K_axis, powers = _axis_basis(space, K, sm, c0, i)
            bound = (
                bound_from_basis(base, K_axis, experiment.chi2, powers, threshold)
                if powers.size
                else np.nan
            )
            if not np.isfinite(bound):
                raise ParameterError(
                    f"no sensitivity to {space.coupling_names[i]} at "
                    + ", ".join(f"{k} = {v:g} MeV" for k, v in params.items())
                )
            extent.append((REGION_EXTENT_SIGNED if odd else REGION_EXTENT_EVEN) * bound)
    extent = [float(e) for e in extent]
    if len(extent) != 2 or not all(np.isfinite(e) and e > 0 for e in extent):
        raise ParameterError(f"extent must be two positive numbers, got {extent!r}")
    axes = [
        np.linspace(-e if odd else 0.0, e, n_points) for e, odd in zip(extent, signed, strict=True)
    ]
    X, Y = np.meshgrid(*axes)
    c = np.broadcast_to(c0, (*X.shape, c0.size)).copy()
    c[..., index[0]], c[..., index[1]] = X, Y
    monomials = space.monomials_of(c.reshape(-1, c0.size))  # (n_grid, n_basis)
    rows = max(1, REGION_MAX_BATCH // max(1, sm.size))
    chunks = []
    for i in range(0, monomials.shape[0], rows):
        chunks.append(np.atleast_1d(experiment.chi2(sm + monomials[i : i + rows] @ K.T)))
        if progress:
            progress(min(i + rows, monomials.shape[0]), monomials.shape[0])
    values = np.concatenate(chunks).reshape(X.shape)
    config = {
        "experiment": experiment.name,
        "model": space.name,
        "pair": list(names),
        "fixed": {
            n: float(v) for n, v in zip(space.coupling_names, c0, strict=True) if n not in names
        },
        **{f"{k}_MeV": v for k, v in params.items()},
        "model_options": dict(model_options),
        **({"convention": model_options["convention"]} if "convention" in model_options else {}),
        "direction": space.direction,
        "cl": cl,
        "dof": dof,
        "delta_chi2": threshold,
        "upscatter_version": __version__,
        "provenance": provenance(),
    }
    chi2_zero = float(np.atleast_1d(experiment.chi2(sm[None]))[0])
    return _region(X, Y, values, chi2_zero, threshold, names, config, space.units)


def eft_pair_region(
    experiment: Analysis,
    pair: Sequence[str],
    m_chi: float,
    cl: float = 0.9,
    dof: int = 2,
    n_points: int = 241,
    extent: Sequence[float] | None = None,
    convention: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RegionResult:
    """Allowed region of two real EFT coefficients of both signs at one m_chi (paper 002 Fig. 4):
    :func:`pair_region` of the ``eft`` model's coefficients ``pair`` (operator names or
    aliases), on a grid of +-4 times each coefficient's own bound by default. ``convention``:
    ``"physical"`` (default: left-handed neutrinos, with the m_chi-proportional interference of
    C_V, D_A with the other operators) or ``"paper"`` (paper 002 Eq. (2)); recorded in the
    result's config."""
    return pair_region(
        experiment,
        "eft",
        {"m_chi": m_chi},
        pair,
        cl=cl,
        dof=dof,
        n_points=n_points,
        extent=extent,
        progress=progress,
        convention=convention,
    )


__all__ = [
    "RegionResult",
    "ScanResult",
    "allowed_region",
    "bound_from_basis",
    "bounds_from_counts",
    "compute_basis",
    "coupling_bound",
    "eft_pair_region",
    "pair_region",
]
