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

import hashlib
import io
import json
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from . import __version__
from ._io import atomic_write_text
from .checkpoint import Checkpoint, scan_digest
from .errors import ParameterError, UpscatterError
from .executors import check_executor, run_jobs, worker_count
from .experiments.base import Analysis
from .models import Model, coupling_space
from .provenance import provenance
from .stats.chi2 import delta_chi2_threshold

SIGNAL_SEARCH_MIN = 1e-4
"""Smallest new-physics signal (events) the bound search starts from."""
SIGNAL_SEARCH_MAX_OVER_SM = 100.0
"""The search reaches a signal of max(1e6, this x the SM total) events."""
BOUND_RTOL = 1e-6
"""Relative accuracy of a bound (Brent's method); far below any physics uncertainty."""
REFINE_XTOL = 1e-3
"""Relative accuracy in the coupling of a refined interior minimum: chi^2 is quadratic there, so
the minimum value is off by ~1e-6 of its curvature scale, negligible against Delta chi^2."""
REFINE_MIN_GAIN = 1e-3
"""An interior grid minimum is refined when it lies this far below chi^2(g = 0); a smaller gain
moves the bound by less than ~1e-4 relative."""


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
    """

    masses: dict[str, np.ndarray]
    bound: np.ndarray
    coupling: str
    config: dict = field(default_factory=dict)
    expected: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def units(self) -> str:
        """Units of the coupling (``"dimensionless"`` when the configuration does not say)."""
        return self.config.get("coupling_units", "dimensionless")

    @property
    def direction(self) -> dict | None:
        """The direction in coupling space the bound is on (a preset's couplings), or None."""
        return self.config.get("direction")

    def _columns(self) -> dict[str, np.ndarray]:
        return {**self.masses, "bound": self.bound, **self.expected}

    def rows(self) -> list[dict]:
        """One dict per mass point (None where there is no bound)."""
        columns = self._columns()
        out = []
        for i in range(self.bound.size):
            row = {k: float(v[i]) for k, v in self.masses.items()}
            for key in ("bound", *self.expected):
                value = columns[key][i]
                row[key] = float(value) if np.isfinite(value) else None
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
        masses = [n for n in names if n != "bound" and n not in EXPECTED_COLUMNS]
        return cls(
            {n: np.atleast_1d(table[n]) for n in masses},
            np.atleast_1d(table["bound"]),
            meta["coupling"],
            meta["config"],
            {n: np.atleast_1d(table[n]) for n in EXPECTED_COLUMNS if n in names},
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


def bound_from_basis(
    sm: np.ndarray,
    K: np.ndarray,
    chi2: Callable[[np.ndarray], np.ndarray],
    powers: Sequence[float],
    threshold: float,
    points_per_decade: float = Analysis.bound_points_per_decade,
) -> float:
    """Upper bound on the coupling for one mass point.

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
    points_per_decade : float
        Density of the bracketing grid in the coupling. An experiment whose chi^2 is costly
        (one minimisation per prediction) sets a coarser one as ``bound_points_per_decade``;
        an interior minimum of the grid is then refined between its neighbours.

    Returns
    -------
    float
        The bound, or NaN when Delta chi^2 never reaches the threshold.
    """
    powers = np.asarray(powers, dtype=float)
    scale = signal_scale(K, powers)
    if not np.isfinite(scale):
        return np.nan
    # for g > scale the signal grows at least as (g/scale)^p_min, and below it falls at least
    # as fast, so this range covers [SIGNAL_SEARCH_MIN, s_max] events
    s_max = max(1e6, SIGNAL_SEARCH_MAX_OVER_SM * float(np.sum(sm)))
    p_min = powers.min()
    lo, hi = SIGNAL_SEARCH_MIN ** (1 / p_min), s_max ** (1 / p_min)
    n_points = int(points_per_decade * np.log10(hi / lo)) + 1
    g = scale * np.geomspace(lo, hi, n_points)
    grid = np.concatenate([[0.0], g])

    def predict(x):
        return sm + (np.asarray(x)[..., None] ** powers) @ K.T

    values = chi2(predict(grid))
    best = int(np.argmin(values))
    minimum = values[best]
    if 0 < best < grid.size - 1 and values[0] - minimum > REFINE_MIN_GAIN:
        inner = minimize_scalar(
            lambda x: float(chi2(predict(x))),
            bounds=(grid[best - 1], grid[best + 1]),
            method="bounded",
            options={"xatol": REFINE_XTOL * grid[best]},
        )
        minimum = min(minimum, float(inner.fun))
    delta = values - minimum
    above = np.nonzero(delta[best:] >= threshold)[0]
    if above.size == 0:
        return np.nan
    hi = best + above[0]
    lo = hi - 1

    def f(x):
        return float(chi2(predict(x))) - minimum - threshold

    return float(brentq(f, grid[lo], grid[hi], xtol=1e-300, rtol=BOUND_RTOL))


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
    **model_options,
) -> np.ndarray:
    """Basis counts for all mass points, optionally spread over processes or a Dask cluster
    (``executor``: see :func:`upscatter.executors.run_jobs`). Masses the model does not take
    (``m_med`` for the EFT) are ignored, as in :func:`coupling_bound`."""
    missing = [k for k in model.parameters if k not in params]
    if missing:
        raise ParameterError(f"model {model.name} needs the masses {', '.join(missing)} (MeV)")
    params = {k: np.atleast_1d(np.asarray(params[k], dtype=float)) for k in model.parameters}
    n = len(next(iter(params.values())))
    blocks = _chunks(np.arange(n), executor, serial_block=None)
    jobs = [({k: v[idx] for k, v in params.items()},) for idx in blocks]
    pieces = run_jobs(
        _basis_chunk, jobs, executor, shared=(experiment, model, model_options), scheduler=scheduler
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
    missing = [k for k in model.parameters if k not in masses]
    if missing:
        raise ParameterError(
            f"model {model.name} needs the masses {', '.join(model.parameters)}; missing: "
            f"{', '.join(missing)}"
        )
    params = {k: np.atleast_1d(np.asarray(masses[k], dtype=float)) for k in model.parameters}
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


def _bound_block(experiment, sm, powers, threshold, points_per_decade, K_block):
    return [
        bound_from_basis(sm, K, experiment.chi2, powers, threshold, points_per_decade)
        for K in K_block
    ]


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
    blocks = _chunks(todo, executor)

    def collect(job: int, values: list[float]) -> None:
        nonlocal finished
        points = blocks[job]
        bounds[points] = values
        if store is not None:
            store.record(points, values)
        finished += points.size
        if progress:
            progress(finished, n)

    shared = (experiment, sm, model.powers, threshold, experiment.bound_points_per_decade)
    run_jobs(
        _bound_block,
        [(K[idx],) for idx in blocks],
        executor,
        on_result=collect,
        shared=shared,
        scheduler=scheduler,
    )
    return ScanResult(masses, bounds, model.coupling, config)


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


def allowed_region(
    sm: np.ndarray,
    K: np.ndarray,
    chi2: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    threshold: float,
    names: tuple[str, str] = ("c1", "c2"),
    config: dict | None = None,
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
    """
    X, Y = np.meshgrid(np.asarray(x, float), np.asarray(y, float))
    c = np.stack([X, Y], axis=-1)  # (ny, nx, 2)
    signal = np.einsum("...i,bij,...j->...b", c, K, c)
    return _region(X, Y, chi2(sm + signal), float(chi2(sm[None])[0]), threshold, names, config)


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
    values = np.concatenate(
        [
            np.atleast_1d(experiment.chi2(sm + monomials[i : i + rows] @ K.T))
            for i in range(0, monomials.shape[0], rows)
        ]
    ).reshape(X.shape)
    config = {
        "experiment": experiment.name,
        "model": space.name,
        "pair": list(names),
        "fixed": {
            n: float(v) for n, v in zip(space.coupling_names, c0, strict=True) if n not in names
        },
        **{f"{k}_MeV": v for k, v in params.items()},
        "model_options": dict(model_options),
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
) -> RegionResult:
    """Allowed region of two real EFT coefficients of both signs at one m_chi (paper 002 Fig. 4):
    :func:`pair_region` of the ``eft`` model's coefficients ``pair`` (operator names or
    aliases), on a grid of +-4 times each coefficient's own bound by default."""
    return pair_region(
        experiment,
        "eft",
        {"m_chi": m_chi},
        pair,
        cl=cl,
        dof=dof,
        n_points=n_points,
        extent=extent,
    )


__all__ = [
    "RegionResult",
    "ScanResult",
    "allowed_region",
    "bound_from_basis",
    "compute_basis",
    "coupling_bound",
    "eft_pair_region",
    "pair_region",
]
