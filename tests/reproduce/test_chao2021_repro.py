"""Reproductions of paper 000 Figs. 3 and 4 (``upscatter reproduce chao2021-fig3/-fig4``)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from upscatter.cli import main
from upscatter.experiments import get_experiment
from upscatter.reproduce import REPRODUCTIONS
from upscatter.reproduce.chao2021 import (
    FIG4_M_CHI,
    PUBLISHED_FIG4,
    chao2021_fig3,
    chao2021_fig4,
    fig4_curves,
)

pytestmark = pytest.mark.usefixtures("data_dir")


@pytest.fixture(scope="module")
def fig3(tmp_path_factory):
    out = tmp_path_factory.mktemp("fig3")
    return out, chao2021_fig3(out)


@pytest.fixture(scope="module")
def fig4(tmp_path_factory):
    out = tmp_path_factory.mktemp("fig4")
    return out, chao2021_fig4(out)


def test_registered():
    for name in ("chao2021-tree", "chao2021-fig3", "chao2021-fig4"):
        assert name in REPRODUCTIONS


def test_fig3_per_bin_numbers(fig3):
    """The JSON carries the experiment's data and the benchmark spectra, consistently summed:
    total = SM + tree + loop-SM interference + loop per bin (the interference is zero with the
    paper's printed treatment); the data residual is the CsI 2017 N_meas."""
    out, result = fig3
    bins = json.loads((out / "chao2021-fig3-bins.json").read_text())
    csi = get_experiment("coherent-csi-2017")
    np.testing.assert_array_equal(bins["observed_residual"], csi.observed)
    np.testing.assert_allclose(bins["SM"], csi.sm_counts, rtol=1e-12)
    assert len(bins["bins"]) == 12 and len(bins["edges_pe"]) == 13
    for key in ("case A", "case B", "case B, coherent twist-2"):
        parts = bins[key]
        np.testing.assert_allclose(
            parts["total"],
            np.add(bins["SM"], parts["tree"]) + parts["loop-SM interference"] + parts["loop"],
            rtol=1e-12,
        )
        assert (key == "case B, coherent twist-2") == any(parts["loop-SM interference"])
        assert result[key]["events_total"] == pytest.approx(sum(parts["total"]), rel=1e-12)
    assert (out / "chao2021-fig3.png").stat().st_size > 1000


def test_fig3_benchmarks_as_described_in_the_paper(fig3):
    """Paper 000 Sec. III: in case A the modification is the tree level and 'the loop-level
    contribution can be neglected'; in case B (m_chi = 100 MeV > 53 MeV) there is no tree level
    and the loops alone modify the spectrum (visibly, with the printed twist-2 sums)."""
    _, result = fig3
    assert result["case A"]["events_loop"] < 1e-6 * result["case A"]["events_tree"]
    assert result["case B"]["events_tree"] == 0.0
    sm_total = result["case B"]["events_total"] - result["case B"]["events_loop"]
    assert result["case B"]["events_loop"] > 0.1 * sm_total
    # the coherent twist-2 reading makes the case B benchmark invisible
    assert result["case B, coherent twist-2"]["events_loop"] < 1e-6 * sm_total


def test_fig4_comparisons(fig4):
    """Every published number of the issue is compared, with the issue's tolerance; case B at
    m_Z' = 10 m_chi is the known miss (tests/test_zprime_loops.py, xfail)."""
    out, result = fig4
    for (case, ratio, m), (value, factor) in PUBLISHED_FIG4.items():
        entry = result[f"case {case}, m_Z' = {ratio:g} m_chi, m_chi = {m:g} MeV"]
        assert entry["published"] == value and entry["tolerance_factor"] == factor
        assert entry["within_tolerance"] == (not (case == "B" and ratio == 10.0))
        # the coherent reading has c2, c3 smaller by ~A^2: far weaker where loops dominate
        weaker = 10.0 if case == "B" else 1.0 - 1e-3
        assert entry["coherent_twist2"] > weaker * entry["computed"]
    assert all(k["kink"] for k in result["case A kink at the kinematic limit (52.8 MeV)"].values())
    # paper 000 Sec. IV: 'a kink around m_chi ~ 2 MeV' for m_Z' = 2 m_chi
    assert result["case A, m_Z' = 2 m_chi: loop = tree at m_chi (MeV)"]["within_tolerance"]
    # twist-2 range of validity: the case B values at 53 MeV rest on the loops below 223 MeV
    for (case, ratio, m), _ in PUBLISHED_FIG4.items():
        entry = result[f"case {case}, m_Z' = {ratio:g} m_chi, m_chi = {m:g} MeV"]
        assert entry["outside_validity"] == (case == "B" or ratio == 2.0)
    table = np.genfromtxt(out / "chao2021-fig4.csv", delimiter=",", names=True)
    header = table.dtype.names
    assert header[0] == "m_chi" and len(header) == 25  # 12 curves and their validity flags
    valid = table["B2_tree__loop_valid"]
    assert valid[0] == 0 and valid[-1] == 1  # 0.1 MeV outside, 1 GeV inside
    assert (out / "chao2021-fig4.png").stat().st_size > 1000


def test_fig4_curves_are_consistent():
    """Case A: tree + loop is finite everywhere, equals the loop-only bound above the kinematic
    limit (1e-9) and is not weaker than either part alone. That last check holds to 1e-3, not
    exactly: adding a small signal of another shape moves the profiled chi^2 minimum slightly
    (seen at the 3e-4 level where one part is tiny)."""
    m = FIG4_M_CHI[::8]
    curves = fig4_curves(get_experiment("coherent-csi-2017"), m)
    for ratio in (10.0, 2.0):
        a = curves[("A", ratio)]
        both = a["tree + loop"]
        assert np.all(np.isfinite(both))
        finite = np.isfinite(a["tree only"])
        assert np.all(both[finite] <= a["tree only"][finite] * (1 + 1e-3))
        assert np.all(both <= a["loop only"] * (1 + 1e-3))
        np.testing.assert_allclose(both[~finite], a["loop only"][~finite], rtol=1e-9)
        assert np.all(m[~finite] > 52.8)


def test_cli_reproduce_fig3(capsys, tmp_path):
    assert main(["reproduce", "chao2021-fig3", "--out", str(tmp_path), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["results"]["checks"]["case B: tree events (paper: none, m_chi > 53 MeV)"] == 0
    assert (tmp_path / "chao2021-fig3.json").exists()


def test_reproduce_labels_say_which_convention(capsys, tmp_path):
    """Numbers obtained with the paper's printed treatment say so in the status column
    ("reproduced with the printed twist-2 sums, no loop-SM interference", not "[ok]"): the three
    reproduced Fig. 4 values and the kink; the case-B 10 m_chi value is a known deviation, so
    the exit status is 0."""
    from upscatter.cli import main

    assert main(["reproduce", "chao2021-fig4", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "[ok]" not in out and "{" not in out
    assert out.count("reproduced with the printed twist-2 sums, no loop-SM interference") == 4
    assert "known deviation, case B, m_Z' = 10 m_chi, m_chi = 53 MeV" in out
