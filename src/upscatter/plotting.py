"""Matplotlib figures. Imported lazily by the CLI so that plain commands stay fast."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_binned_spectrum(
    edges, series: dict[str, np.ndarray], path: str | Path, xlabel: str, title: str = ""
) -> Path:
    """Step plot of binned counts, one line per entry of ``series``; returns the path."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for label, values in series.items():
        ax.stairs(values, edges, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("events per bin")
    if title:
        ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)


def plot_bounds(
    curves: dict[str, tuple[np.ndarray, np.ndarray]],
    path: str | Path,
    xlabel: str,
    ylabel: str,
    title: str = "",
    published: dict[str, tuple[float, float]] | None = None,
) -> Path:
    """Log-log bound curves (x, bound) with the excluded region above each shaded lightly.

    ``published`` marks single published points as labelled stars. NaN bounds (no sensitivity)
    are left as gaps.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    for label, (x, y) in curves.items():
        (line,) = ax.loglog(x, y, label=label)
        finite = np.isfinite(y)
        if finite.any():
            top = np.nanmax(y[finite]) * 1e3
            ax.fill_between(x, np.where(finite, y, np.nan), top, color=line.get_color(), alpha=0.08)
    for label, (x, y) in (published or {}).items():
        ax.plot([x], [y], marker="*", ms=12, ls="none", label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)


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
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)
