"""Matplotlib figures. Imported lazily by the CLI so that plain commands stay fast."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path: str | Path, title: str = "", dpi: int = 120) -> Path:
    """Add the overall ``title`` (if any), lay out, write ``fig`` to ``path`` and close it."""
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    _pyplot().close(fig)
    return Path(path)


def plot_binned_spectrum(
    edges,
    series: dict[str, np.ndarray],
    path: str | Path,
    xlabel: str,
    title: str = "",
    *,
    styles: dict[str, dict] | None = None,
    data: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
    ylabel: str = "events per bin",
    legend: dict | None = None,
) -> Path:
    """Step plot of binned counts, one line per entry of ``series``; returns the path.

    ``styles`` maps a label to matplotlib options (colour, linestyle...); ``data`` maps a label
    to (values, errors) drawn as points with error bars at the bin centres; ``legend`` holds
    options of ``Axes.legend`` (e.g. ``fontsize``).
    """
    plt = _pyplot()
    styles = styles or {}
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for label, values in series.items():
        ax.stairs(values, edges, label=label, **styles.get(label, {}))
    centres = 0.5 * (np.asarray(edges[:-1], dtype=float) + np.asarray(edges[1:], dtype=float))
    for label, (values, errors) in (data or {}).items():
        options = {"fmt": "o", "color": "k", "ms": 4, "capsize": 2, **styles.get(label, {})}
        ax.errorbar(centres, values, yerr=errors, label=label, **options)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(**(legend or {}))
    return save_figure(fig, path)


def plot_bounds(
    curves: dict[str, tuple[np.ndarray, np.ndarray]],
    path: str | Path,
    xlabel: str,
    ylabel: str,
    title: str = "",
    published: dict[str, tuple[float, float]] | None = None,
    expected: tuple[np.ndarray, dict[str, np.ndarray]] | None = None,
    styles: dict[str, dict] | None = None,
) -> Path:
    """Log-log bound curves (x, bound) with the excluded region above each shaded lightly.

    ``published`` marks single published points as labelled stars. NaN bounds (no sensitivity)
    are left as gaps. ``expected`` = (x, columns of :data:`upscatter.scans.EXPECTED_COLUMNS`)
    draws the expected median dashed with its +-1 sigma (green) and +-2 sigma (yellow) bands
    behind the curves. ``styles`` maps a curve label to matplotlib options (as in
    :func:`plot_bound_panels`).
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    if expected is not None:
        x, bands = expected
        ax.fill_between(
            x,
            bands["expected_minus2"],
            bands["expected_plus2"],
            color="#ffdf4f",
            label="expected +-2 sigma",
            zorder=0,
        )
        ax.fill_between(
            x,
            bands["expected_minus1"],
            bands["expected_plus1"],
            color="#4fbf4f",
            label="expected +-1 sigma",
            zorder=0,
        )
        ax.loglog(x, bands["expected_median"], "k--", lw=1, label="expected median")
    _draw_bounds(ax, curves, published, styles)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8)
    return save_figure(fig, path)


def _draw_bounds(ax, curves, published=None, styles=None) -> None:
    """Bound curves on log-log axes, the region above each shaded unless its style sets
    ``shade=False``; published points as stars."""
    for label, (x, y) in curves.items():
        style = dict((styles or {}).get(label, {}))
        shade = style.pop("shade", True)
        (line,) = ax.loglog(x, y, label=label, **style)
        finite = np.isfinite(y)
        if shade and finite.any():
            top = np.nanmax(y[finite]) * 1e3
            ax.fill_between(x, np.where(finite, y, np.nan), top, color=line.get_color(), alpha=0.08)
    for label, (x, y) in (published or {}).items():
        options = {"marker": "*", "ms": 12, "ls": "none", **(styles or {}).get(label, {})}
        ax.plot([x], [y], label=label, **options)


def plot_bound_panels(
    panels: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]],
    path: str | Path,
    xlabel: str,
    ylabel: str,
    title: str = "",
    published: dict[str, dict[str, tuple[float, float]]] | None = None,
    styles: dict[str, dict] | None = None,
    ncols: int = 2,
) -> Path:
    """Several bound plots (as :func:`plot_bounds`) on a grid of panels; returns the path.

    ``panels`` maps a panel title to its curves {label: (x, bound)}; ``published`` maps a panel
    title to its starred points {label: (x, y)}; ``styles`` maps a curve or point label (in any
    panel) to matplotlib options, plus ``shade=False`` to leave the region above a curve
    unshaded.
    """
    plt = _pyplot()
    nrows = -(-len(panels) // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(5.2 * ncols, 4.2 * nrows), squeeze=False, sharex=True
    )
    for ax, (name, curves) in zip(axes.flat, panels.items(), strict=False):
        _draw_bounds(ax, curves, (published or {}).get(name), styles)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(name, fontsize=9)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    return save_figure(fig, path, title)


def plot_regions(regions: dict[str, object], path: str | Path, title: str = "") -> Path:
    """Allowed regions (``upscatter.scans.RegionResult``), one panel each, with boundaries."""
    plt = _pyplot()
    n = len(regions)
    fig, axes = plt.subplots(1, n, figsize=(4.2 * n, 4.0), squeeze=False)
    for ax, (label, region) in zip(axes[0], regions.items(), strict=True):
        ax.contourf(
            region.x, region.y, region.delta_chi2, levels=[0, region.threshold], colors=["#9ecae1"]
        )
        for line in region.boundary:
            ax.plot(line[:, 0], line[:, 1], color="#08519c")
        ax.axhline(0, color="grey", lw=0.5)
        ax.axvline(0, color="grey", lw=0.5)
        ax.ticklabel_format(style="sci", scilimits=(-2, 2))
        ax.set_xlabel(region.names[0])
        ax.set_ylabel(region.names[1])
        ax.set_title(label, fontsize=9)
    return save_figure(fig, path, title)
