"""CLI: `upscatter decays` end to end (grid, --along, --plot, --json) and one-line errors."""

from __future__ import annotations

import json

import pytest

from upscatter import decays
from upscatter.cli import main
from upscatter.units import HBAR_MEV_S


def run(capsys, *args):
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_single_point_json_is_consistent_with_the_library(capsys):
    code, out, _ = run(
        capsys,
        "decays",
        *("--m-chi", "20", "--m-med", "10", "--g-chi", "1e-4", "--g-f", "2e-4"),
        *("--energy", "40", "--json"),
    )
    assert code == 0
    payload = json.loads(out)
    assert payload["n_flavours"] == 3 and payload["energy_MeV"] == 40.0
    (point,) = payload["points"]
    total = point["width_MeV"]["total"]
    assert total == pytest.approx(decays.total_width(20.0, 10.0, 1e-4, 2e-4), rel=1e-12)
    assert point["lifetime_s"] == pytest.approx(HBAR_MEV_S / total, rel=1e-12)
    assert sum(point["branching_ratios"].values()) == pytest.approx(1.0)
    # m_chi > m_V: the two-body channel dominates; V (10 MeV) decays to e+ e-
    assert point["branching_ratios"]["V nu"] == 1.0
    assert point["width_V_to_ee_MeV"] > 0
    assert point["decay_length_m"] > 0
    assert point["decays_before_bbn"] is True and point["outlives_universe"] is False


def test_stable_point_reports_no_decay(capsys):
    """m_chi < 2 m_e < m_V: no tree-level decay (paper 003 Sec. IV D); lifetime is null in JSON."""
    code, out, _ = run(
        capsys, "decays", "--m-chi", "0.5", "--m-med", "5", "--g-chi", "1", "--g-f", "1", "--json"
    )
    assert code == 0
    (point,) = json.loads(out)["points"]
    assert point["stable_at_tree_level"] is True
    assert point["lifetime_s"] is None and point["width_MeV"]["total"] == 0.0
    assert point["outlives_universe"] is True and point["decays_before_bbn"] is False


def test_grid_table_has_one_row_per_mass_pair(capsys):
    code, out, _ = run(
        capsys,
        "decays",
        *("--m-chi", "0.5,5,50", "--m-med", "log:0.001:100:4", "--g-chi", "1e-5", "--g-f", "1e-5"),
    )
    assert code == 0
    rows = [line for line in out.splitlines() if not line.startswith("#")]
    assert len(rows) == 12
    assert rows[0].split()[-2:] == ["yes", "no"]  # m_chi = 0.5 > m_V = 1 keV: decays fast


def test_plot_of_the_lifetime_plane(capsys, tmp_path):
    png = tmp_path / "tau.png"
    code, out, _ = run(
        capsys,
        "decays",
        *("--m-chi", "log:0.01:53:12", "--m-med", "log:0.001:100:10"),
        *("--g-chi", "1e-5", "--g-f", "1e-5", "--plot", str(png)),
    )
    assert code == 0 and "plot written" in out
    assert png.stat().st_size > 1000


def _write_curve(path):
    path.write_text(
        '# {"model": "vector", "version": "0.1.0"}\n'
        "delta_chi2,bound,m_med,m_chi\n"
        "4.61,1e-5,0.1,1\n"
        "4.61,5e-5,10,10\n"
        "4.61,nan,100,10\n"
        "4.61,3e-4,100,30\n"
    )


def test_along_a_saved_bound_curve(capsys, tmp_path):
    curve = tmp_path / "scan.csv"
    _write_curve(curve)
    png = tmp_path / "along.png"
    code, out, _ = run(capsys, "decays", "--along", str(curve), "--json", "--plot", str(png))
    assert code == 0 and png.stat().st_size > 1000
    payload = json.loads(out)
    assert payload["skipped_rows"] == 1
    points = payload["points"]
    assert [p["m_chi_MeV"] for p in points] == [1.0, 10.0, 30.0]
    assert all(p["g_chi"] == p["g_f"] for p in points)
    assert points[2]["g_chi"] == 3e-4
    expected = decays.lifetime(30.0, 100.0, 3e-4, 3e-4)
    assert points[2]["lifetime_s"] == pytest.approx(float(expected), rel=1e-12)


@pytest.mark.parametrize(
    "args",
    [
        ("--m-chi", "-1", "--m-med", "1", "--g-chi", "1e-4", "--g-f", "1e-4"),
        ("--m-chi", "5", "--m-med", "0", "--g-chi", "1e-4", "--g-f", "1e-4"),
        ("--m-chi", "5", "--m-med", "1", "--g-chi", "nan", "--g-f", "1e-4"),
        ("--m-chi", "5", "--m-med", "1", "--g-chi", "1e-4", "--g-f", "-1"),
        ("--m-chi", "5", "--m-med", "1", "--g-chi", "1e-4"),
        ("--m-chi", "5", "--m-med", "1", "--g-chi", "1e-4", "--g-f", "1e-4", "--energy", "3"),
        ("--m-chi", "5", "--m-med", "1", "--g-chi", "1", "--g-f", "1", "--n-flavours", "4"),
        ("--m-chi", "5", "--m-med", "1", "--g-chi", "1", "--g-f", "1", "--plot", "x.png"),
        ("--along", "does-not-exist.csv"),
        # session 7: a 10^12-point grid was a numpy MemoryError (now it needs --yes)
        ("--m-chi", "log:1:2:1000000", "--m-med", "log:1:2:1000000", "--g-chi", "1", "--g-f", "1"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(capsys, args):
    code, out, err = run(capsys, "decays", *args)
    assert code == 1 and out == ""
    assert err.startswith("upscatter: error:") and err.count("\n") == 1


def test_along_file_that_is_not_utf8_is_one_line(capsys, tmp_path):
    """Session 7: a Latin-1 file was a UnicodeDecodeError traceback."""
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"m_chi,m_med,bound\n1,10,\xe9\n")
    code, _, err = run(capsys, "decays", "--along", str(latin))
    assert code == 1 and err.count("\n") == 1 and "not UTF-8" in err


def test_along_rejects_files_without_the_columns_and_extra_options(capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("m_chi,coupling\n1,1e-5\n")
    code, _, err = run(capsys, "decays", "--along", str(bad))
    assert code == 1 and "m_med, bound" in err
    good = tmp_path / "scan.csv"
    _write_curve(good)
    code, _, err = run(capsys, "decays", "--along", str(good), "--g-chi", "1e-3")
    assert code == 1 and "--g-chi" in err


def test_along_only_maps_the_vector_models_bound(capsys, tmp_path):
    """Issue 14: a zprime bound is on g_chi g_q and a scalar or preset bound has other vertices,
    so none is g_chi = g_f of paper 003's vector model: --along refuses them (model read from
    the JSON sidecar that ScanResult.save writes, or a '# {...}' line), and a file that does
    not say which model it bounds."""
    import numpy as np

    from upscatter.scans import ScanResult

    masses = {"m_chi": np.array([1.0, 10.0]), "m_med": np.array([10.0, 100.0])}
    bound = np.array([1e-5, 5e-5])
    for model, coupling in (("zprime", "g_chi*g_q"), ("scalar", "g"), ("vector[b-l]", "g")):
        path = tmp_path / f"{model}.csv"
        ScanResult(masses, bound, coupling, {"model": model}).save(path)
        code, out, err = run(capsys, "decays", "--along", str(path))
        assert code == 1 and out == "" and err.count("\n") == 1
        assert f"model {model}" in err and "vector" in err
    vector = tmp_path / "vector.csv"
    ScanResult(masses, bound, "g", {"model": "vector"}).save(vector)
    code, out, _ = run(capsys, "decays", "--along", str(vector), "--json")
    assert code == 0 and [p["g_chi"] for p in json.loads(out)["points"]] == [1e-5, 5e-5]
    bare = tmp_path / "bare.csv"
    bare.write_text("m_chi,m_med,bound\n1,10,1e-5\n")
    code, _, err = run(capsys, "decays", "--along", str(bare))
    assert code == 1 and "cannot tell which model" in err
