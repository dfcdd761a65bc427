"""Matplotlib figures. Imported lazily by the CLI so that plain commands stay fast.

Figures say what they show (issue 19.7): the title or legend names the experiment, model and its
options (the convention), the masses or mass ratio, the CL and the degrees of freedom
(:func:`describe_scan`); axes carry units, EFT coefficients in units of G_F/sqrt(2)
(:func:`coupling_label`); y ranges follow the data (:func:`_fit_log_ylim`), and a spectrum
spanning more than two decades is drawn on a log scale.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np

from .errors import ParameterError
from .hepdata import coupling_units

LOG_SPAN = 100.0
"""A spectrum whose positive values span more than this factor is drawn on a log y scale."""


def coupling_label(coupling: str, model: str) -> str:
    """Axis label of a coupling: its name and, for the EFT, the unit G_F/sqrt(2) (the
    normalisation of the Lagrangian, :mod:`upscatter.xsec.eft`); couplings of the other models
    are dimensionless."""
    units = coupling_units(model)
    return f"{coupling} [{units}]" if units else f"{coupling} (dimensionless)"


def describe_scan(config: dict, masses: dict[str, np.ndarray]) -> str:
    """One line naming what a bound is: experiment, model and options, the fixed mass or the
    mass ratio, CL and dof (``config`` and ``masses`` of a :class:`upscatter.scans.ScanResult`)."""
    parts = [str(config.get("experiment", "")), str(config.get("model", ""))]
    options = config.get("model_options") or {}
    if options:
        parts[-1] += " (" + ", ".join(f"{k}={v}" for k, v in sorted(options.items())) + ")"
    m_chi = np.asarray(masses.get("m_chi", []), dtype=float)
    m_med = np.asarray(masses.get("m_med", []), dtype=float)
    if m_med.size and np.ptp(m_med) == 0:
        parts.append(f"m_med = {m_med[0]:g} MeV")
    elif m_chi.size and np.ptp(m_chi) == 0:
        parts.append(f"m_chi = {m_chi[0]:g} MeV")
    elif m_chi.size == m_med.size and m_chi.size and np.all(m_chi > 0):
        ratio = m_med / m_chi
        if np.allclose(ratio, ratio[0], rtol=1e-9):
            parts.append(f"m_med = {ratio[0]:g} m_chi")
    if "cl" in config:
        parts.append(f"{100 * float(config['cl']):g}% CL, {config.get('dof', 1)} dof")
    return ", ".join(p for p in parts if p)


MINOR_TICK_DECADES = 4.0
"""A log y axis spanning more decades than this shows major ticks only: its minor ticks are too
dense to read, and they were half the drawing time of a bound figure (issue 18)."""


def _fit_log_ylim(ax, arrays) -> None:
    """Log y range from the finite positive values of ``arrays`` (a factor 2 of margin); minor
    ticks off beyond :data:`MINOR_TICK_DECADES` decades."""
    values = np.concatenate([np.ravel(np.asarray(a, dtype=float)) for a in arrays] or [[]])
    values = values[np.isfinite(values) & (values > 0)]
    if values.size:
        lo, hi = values.min() / 2.0, values.max() * 2.0
        ax.set_ylim(lo, hi)
        if np.log10(hi / lo) > MINOR_TICK_DECADES:
            from matplotlib.ticker import NullLocator

            ax.yaxis.set_minor_locator(NullLocator())


def drawable_points(y) -> int:
    """Number of finite points of a curve (a curve needs two)."""
    return int(np.count_nonzero(np.isfinite(np.asarray(y, dtype=float))))


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
    options of ``Axes.legend`` (e.g. ``fontsize``). Series whose positive values span more than
    :data:`LOG_SPAN` are drawn on a log y scale (zero bins then leave gaps).
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
    positive = np.concatenate([np.ravel(v) for v in series.values()] or [[]])
    positive = positive[np.isfinite(positive) & (positive > 0)]
    if positive.size and positive.max() > LOG_SPAN * positive.min():
        ax.set_yscale("log")
        ax.set_ylim(positive.min() / 2.0, positive.max() * 2.0)
    if title:
        ax.set_title(title, fontsize=9)
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
    are left as gaps; the y range follows the finite values. ``expected`` = (x, columns of
    :data:`upscatter.scans.EXPECTED_COLUMNS`) draws the expected median dashed with its +-1
    sigma (green) and +-2 sigma (yellow) bands behind the curves. ``title`` (e.g.
    :func:`describe_scan`) is wrapped to the figure width. A ParameterError when no curve has
    two finite points: nothing to draw, and no blank figure is written. ``styles`` maps a
    curve label to matplotlib options (as in :func:`plot_bound_panels`).
    """
    if not any(drawable_points(y) >= 2 for _, y in curves.values()):
        raise ParameterError("no curve to draw: every bound has fewer than two finite points")
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
    _fit_log_ylim(
        ax,
        [y for _, y in curves.values()]
        + [[y] for _, y in (published or {}).values()]
        + ([list(expected[1].values())] if expected is not None else []),
    )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(textwrap.fill(title, 70), fontsize=9)
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
        _fit_log_ylim(
            ax,
            [y for _, y in curves.values()]
            + [[y] for _, y in ((published or {}).get(name) or {}).values()],
        )
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(name, fontsize=9)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    return save_figure(fig, path, title)


def plot_regions(
    regions: dict[str, object], path: str | Path, title: str = "", model: str = "eft"
) -> Path:
    """Allowed regions (``upscatter.scans.RegionResult``), one panel each, with boundaries.

    Axes are labelled with the coefficients and their unit (:func:`coupling_label` of
    ``model``); each panel title adds the CL and dof of its region's ``config``.
    """
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
        ax.set_xlabel(coupling_label(region.names[0], model))
        ax.set_ylabel(coupling_label(region.names[1], model))
        config = getattr(region, "config", {}) or {}
        if "cl" in config:
            label = (
                f"{label}\n{100 * float(config['cl']):g}% CL, {config.get('dof', 2)} dof "
                f"(Delta chi2 < {region.threshold:.3g})"
            )
        ax.set_title(label, fontsize=9)
    return save_figure(fig, path, title)


LIFETIME_LEVELS_S = {"1 s (BBN)": 1.0}
"""Lifetime contours of :func:`plot_lifetime_plane` besides the age of the Universe."""


def _lifetime_contour_grid(m_chi, m_med, g_chi, g_f, n_flavours, points: int = 150):
    """A finer grid than the user's for the contours: log-spaced over the same ranges, plus
    m_chi just above 2 m_e where the lifetime rises steeply to infinity (the chi -> nu e+ e-
    threshold; the age-of-the-Universe line lies within ~1e-4 relative of it)."""
    from .constants import M_ELECTRON
    from .decays import summarize

    x = np.geomspace(m_chi.min(), m_chi.max(), points)
    threshold = 2.0 * M_ELECTRON * (1.0 + np.geomspace(1e-9, 0.3, 60))
    x = np.union1d(x, threshold[(threshold > x[0]) & (threshold < x[-1])])
    y = np.geomspace(m_med.min(), m_med.max(), points)
    mc, mm = (a.ravel() for a in np.meshgrid(x, y, indexing="ij"))
    tau = summarize(mc, mm, g_chi, g_f, n_flavours=n_flavours).lifetime_s
    return x, y, tau.reshape(x.size, y.size)


def plot_lifetime_plane(
    path: str | Path,
    m_chi: np.ndarray,
    m_med: np.ndarray,
    lifetime_s: np.ndarray,
    g_chi: float,
    g_f: float,
    n_flavours: int = 3,
) -> Path:
    """Colour map of log10(lifetime / s) over the (m_chi, m_V) grid (MeV, log axes), with the
    1 s (BBN) and age-of-the-Universe contours drawn as continuous lines.

    The contours come from the lifetime on a finer grid (:func:`_lifetime_contour_grid`), so
    that they do not follow the cells of a coarse user grid and the age-of-the-Universe line
    near the 2 m_e threshold is resolved; they are named in the legend (no inline labels that
    cut them). A level the lifetime does not reach in the plotted range is said in the legend.
    Grey cells: stable at tree level. ``lifetime_s`` has shape (len(m_chi), len(m_med)).
    """
    from matplotlib.lines import Line2D

    from .constants import M_ELECTRON, SECONDS_AGE_OF_UNIVERSE

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.8, 5.0))
    finite = np.where(np.isfinite(lifetime_s), lifetime_s, np.nan)
    log_tau = np.ma.masked_invalid(np.log10(finite))
    ax.set_facecolor("0.85")
    mesh = ax.pcolormesh(m_chi, m_med, log_tau.T, shading="nearest", cmap="viridis")
    fig.colorbar(mesh, ax=ax, label="log10(lifetime / s)")
    x, y, tau = _lifetime_contour_grid(m_chi, m_med, g_chi, g_f, n_flavours)
    # stable points (+inf) count as above every level, so lines close on the stable region
    log_fine = np.log10(np.where(np.isfinite(tau), tau, 1e300))
    levels = {**LIFETIME_LEVELS_S, "age of the Universe": SECONDS_AGE_OF_UNIVERSE}
    handles = []
    for (label, seconds), colour in zip(levels.items(), ("w", "r"), strict=True):
        level = np.log10(seconds)
        if log_fine.min() < level < log_fine.max():
            ax.contour(x, y, log_fine.T, levels=[level], colors=[colour], linewidths=1.6)
        else:
            label += " (not reached in this range)"
        handles.append(Line2D([], [], color=colour, lw=1.6, label=f"lifetime = {label}"))
    ax.axline((m_chi[0], m_chi[0]), slope=1, color="k", ls="--", lw=0.8)
    ax.axvline(2 * M_ELECTRON, color="k", ls=":", lw=0.8)
    handles += [
        Line2D([], [], color="k", ls="--", lw=0.8, label="m_V = m_chi"),
        Line2D([], [], color="k", ls=":", lw=0.8, label="m_chi = 2 m_e"),
    ]
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(m_chi.min(), m_chi.max())
    ax.set_ylim(m_med.min(), m_med.max())
    ax.set_xlabel("m_chi (MeV)")
    ax.set_ylabel("m_V (MeV)")
    ax.set_title(
        f"chi lifetime, g_chi = {g_chi:g}, g_f = {g_f:g}, {n_flavours} flavour(s)\n"
        "(grey: stable at tree level)",
        fontsize=9,
    )
    legend = ax.legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.9)
    legend.get_frame().set_facecolor("0.6")
    return save_figure(fig, path)
