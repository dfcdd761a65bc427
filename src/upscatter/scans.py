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
from .models import Model
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
        Name of the coupling bounded.
    config : dict
        Experiment, model, options, CL, dof, threshold, package version; with expected bounds,
        their method (``config["expected"]``).
    expected : dict[str, numpy.ndarray]
        Expected bounds by :data:`EXPECTED_COLUMNS` name (median and +-1, +-2 sigma under the
        SM-plus-background hypothesis, :mod:`upscatter.intervals`); empty when not computed.
    """

    masses: dict[str, np.ndarray]
    bound: np.ndarray
    coupling: str
    config: dict = field(default_factory=dict)
    expected: dict[str, np.ndarray] = field(default_factory=dict)

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
    progress: Callable[[int, int], None] | None = None,
    **model_options,
) -> np.ndarray:
    """Basis counts for all mass points, optionally spread over processes or a Dask cluster
    (``executor``: see :func:`upscatter.executors.run_jobs`); ``progress(done, total)`` is
    called as blocks of mass points finish (serially, in blocks of about a twentieth)."""
    params = {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in params.items()}
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
        Names of the two couplings.
    config : dict
    """

    x: np.ndarray
    y: np.ndarray
    delta_chi2: np.ndarray
    boundary: list[np.ndarray]
    threshold: float
    names: tuple[str, str]
    config: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """JSON-ready dictionary with the boundary points (not the grid)."""
        return {
            "names": list(self.names),
            "threshold": self.threshold,
            "config": self.config,
            "boundary": [line.tolist() for line in self.boundary],
            "extent": [float(self.x[0]), float(self.x[-1]), float(self.y[0]), float(self.y[-1])],
        }


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
    import contourpy

    X, Y = np.meshgrid(np.asarray(x, float), np.asarray(y, float))
    c = np.stack([X, Y], axis=-1)  # (ny, nx, 2)
    signal = np.einsum("...i,bij,...j->...b", c, K, c)
    rows = REGION_ROWS_PER_BLOCK
    values = np.empty(X.shape)
    for start in range(0, X.shape[0], rows):
        values[start : start + rows] = chi2(sm + signal[start : start + rows])
        if progress:
            progress(min(start + rows, X.shape[0]), X.shape[0])
    delta = values - min(values.min(), float(chi2(sm[None])[0]))
    lines = contourpy.contour_generator(X, Y, delta).lines(threshold)
    return RegionResult(
        np.asarray(x),
        np.asarray(y),
        delta,
        [np.asarray(line) for line in lines],
        threshold,
        names,
        config or {},
    )


def eft_pair_region(
    experiment: Analysis,
    pair: Sequence[str],
    m_chi: float,
    cl: float = 0.9,
    dof: int = 2,
    n_points: int = 241,
    extent: Sequence[float] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RegionResult:
    """Allowed region of two real EFT coefficients of both signs at one m_chi (paper 002 Fig. 4).

    The grid spans +-``extent`` (one half-width per coefficient); by default four times each
    coefficient's own one-at-a-time bound at the same threshold, which contains the region
    unless an interference cancellation is nearly exact.
    """
    from functools import partial

    from .models import Model, eft_channels
    from .xsec.eft import canonical_operator

    names = tuple(canonical_operator(p) for p in pair)
    if len(names) != 2 or names[0] == names[1]:
        raise ParameterError(f"a region needs two different operators, got {list(pair)}")
    model = Model(
        "eft-pair", ("m_chi",), "c", (2,), partial(eft_channels, operators=names, real_only=True)
    )
    K = experiment.signal_basis(model, {"m_chi": [m_chi]})[0]  # (n_bins, 2, 2)
    threshold = delta_chi2_threshold(cl, dof)
    sm = experiment.sm_counts
    if extent is None:
        single = [
            bound_from_basis(sm, K[:, i, i][:, None], experiment.chi2, (2,), threshold)
            for i in range(2)
        ]
        if not all(np.isfinite(single)):
            raise ParameterError(f"no sensitivity to {names} at m_chi = {m_chi} MeV")
        extent = [4.0 * b for b in single]
    x = np.linspace(-extent[0], extent[0], n_points)
    y = np.linspace(-extent[1], extent[1], n_points)
    config = {
        "experiment": experiment.name,
        "m_chi_MeV": m_chi,
        "cl": cl,
        "dof": dof,
        "upscatter_version": __version__,
        "provenance": provenance(),
    }
    return allowed_region(sm, K, experiment.chi2, x, y, threshold, names, config, progress)


__all__ = [
    "RegionResult",
    "ScanResult",
    "allowed_region",
    "bound_from_basis",
    "compute_basis",
    "coupling_bound",
    "eft_pair_region",
]
