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
