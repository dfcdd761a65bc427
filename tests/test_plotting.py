"""Figures a referee accepts (issue 19.7), checked on the matplotlib objects: titles name the
model, masses or mass ratio, CL and dof; axes carry units; y ranges follow the data; no blank
figure for a single point; spectra say nuclear or electron recoil and go log when needed; the
lifetime plane has both the 1 s and the age-of-the-Universe contours."""

from __future__ import annotations

import numpy as np
import pytest

from upscatter import plotting
from upscatter.cli import main
from upscatter.errors import ParameterError


@pytest.fixture
def figures(monkeypatch):
    """The figures handed to save_figure (still open), by path."""
    from pathlib import Path

    seen = {}

    def keep(fig, path, title="", dpi=120):
        seen[str(path)] = fig
        return Path(path)

    monkeypatch.setattr(plotting, "save_figure", keep)
    yield seen
    import matplotlib.pyplot as plt

    for fig in seen.values():
        plt.close(fig)


CONFIG = {
    "experiment": "coherent-csi-2017",
    "model": "zprime",
    "model_options": {"case": "A", "twist2": "nucleon"},
    "cl": 0.9,
    "dof": 1,
}


def test_describe_scan_names_everything():
    m_chi = np.array([1.0, 2.0, 4.0])
    text = plotting.describe_scan(CONFIG, {"m_chi": m_chi, "m_med": 10 * m_chi})
    for needle in ("coherent-csi-2017", "zprime", "case=A", "twist2=nucleon", "m_med = 10 m_chi"):
        assert needle in text
    assert "90% CL, 1 dof" in text
    fixed = plotting.describe_scan(CONFIG, {"m_chi": np.array([1.0, 1.0]), "m_med": m_chi[:2]})
    assert "m_chi = 1 MeV" in fixed


def test_coupling_labels_carry_units():
    assert plotting.coupling_label("|c|", "eft") == "|c| [G_F/sqrt(2)]"
    assert plotting.coupling_label("g", "vector") == "g (dimensionless)"


def test_bound_plot_range_follows_the_data(figures, tmp_path):
    x = np.geomspace(0.1, 100, 20)
    y = np.geomspace(1e-9, 1e-5, 20)
    y[-1] = np.nan  # no bound there: a gap, not a range to infinity
    plotting.plot_bounds({"b": (x, y)}, tmp_path / "b.png", "m_chi (MeV)", "g", title="T")
    (ax,) = figures[str(tmp_path / "b.png")].axes
    lo, hi = ax.get_ylim()
    finite = y[np.isfinite(y)]
    assert lo == pytest.approx(finite.min() / 2) and hi == pytest.approx(finite.max() * 2)
    assert ax.get_yscale() == "log" and ax.get_xscale() == "log"
    assert ax.get_title() == "T"


@pytest.mark.parametrize(("decades", "minor"), [(2, True), (8, False)])
def test_bound_plot_minor_ticks_only_on_narrow_log_ranges(figures, tmp_path, decades, minor):
    """A bound plot spanning more than MINOR_TICK_DECADES decades (with the factor-2 margins)
    shows major y ticks only; a narrower one keeps its minor ticks."""
    from matplotlib.ticker import NullLocator

    x = np.geomspace(0.1, 100, 20)
    y = np.geomspace(1e-9, 1e-9 * 10.0**decades, 20)
    plotting.plot_bounds({"b": (x, y)}, tmp_path / "b.png", "m_chi (MeV)", "g")
    (ax,) = figures[str(tmp_path / "b.png")].axes
    assert isinstance(ax.yaxis.get_minor_locator(), NullLocator) is not minor
    assert not isinstance(ax.xaxis.get_minor_locator(), NullLocator)


def test_single_point_is_no_curve(tmp_path):
    with pytest.raises(ParameterError, match="no curve to draw"):
        plotting.plot_bounds(
            {"b": (np.array([1.0]), np.array([1e-5]))}, tmp_path / "b.png", "x", "y"
        )
    assert not (tmp_path / "b.png").exists()


def test_cli_single_point_plot_is_refused_before_computing(capsys, tmp_path):
    status = main(["limits", "--m-chi", "1", "--plot", str(tmp_path / "b.png")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status != 0 and len(err) == 1 and "at least two" in err[0]
    assert not (tmp_path / "b.png").exists()


def test_cli_bound_plot_title_and_axes(figures, capsys, tmp_path):
    path = tmp_path / "b.png"
    status = main(
        ["limits", "--model", "eft", "--operator", "C_S", "--m-chi", "1,2,5", "--plot", str(path)]
    )
    assert status == 0
    (ax,) = figures[str(path)].axes
    assert "G_F/sqrt(2)" in ax.get_ylabel() and "MeV" in ax.get_xlabel()
    title = ax.get_title()
    assert "eft" in title and "operator=C_S" in title and "90% CL, 1 dof" in title


def test_spectrum_plot_says_electron_recoil_and_goes_log(figures, capsys, tmp_path):
    path = tmp_path / "s.png"
    argv = ["spectrum", "--target", "Ar", "--model", "vector", "--electrons", "--plot", str(path)]
    assert main(argv) == 0
    (ax,) = figures[str(path)].axes
    assert "electron" in ax.get_xlabel() and "nuclear" in ax.get_xlabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("electron recoil" in t for t in labels) and any("nuclear" in t for t in labels)
    assert ax.get_yscale() == "log"  # the electron part is ~1e-4 events, the total ~1e3
    assert "m_chi = 1 MeV" in ax.get_title() and "Ar" in ax.get_title()


def test_spectrum_without_electrons_is_nuclear_and_linear_when_flat(figures, tmp_path):
    edges = np.linspace(1, 10, 4)
    path = tmp_path / "s.png"
    plotting.plot_binned_spectrum(edges, {"a": np.array([3.0, 2.0, 1.0])}, path, "nuclear")
    (ax,) = figures[str(path)].axes
    assert ax.get_yscale() == "linear"


def test_lifetime_plane_has_both_contours(figures, tmp_path):
    from upscatter.decays import summarize

    m_chi, m_med = np.geomspace(0.1, 50, 12), np.geomspace(1e-3, 100, 12)
    mc, mm = (a.ravel() for a in np.meshgrid(m_chi, m_med, indexing="ij"))
    tau = summarize(mc, mm, 1e-4, 1e-4).lifetime_s.reshape(12, 12)
    path = tmp_path / "l.png"
    plotting.plot_lifetime_plane(path, m_chi, m_med, tau, 1e-4, 1e-4)
    ax = figures[str(path)].axes[0]
    from matplotlib.contour import ContourSet

    levels = sorted(float(c.levels[0]) for c in ax.collections if isinstance(c, ContourSet))
    assert levels == pytest.approx([0.0, np.log10(4.354e17)])
    for contour in (c for c in ax.collections if isinstance(c, ContourSet)):
        assert sum(len(p.vertices) for p in contour.get_paths()) > 20  # a line, not a dot
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "lifetime = 1 s (BBN)" in legend and "lifetime = age of the Universe" in legend
