"""CLI: predict, limits, reproduce end to end on small grids; one-line errors."""

from __future__ import annotations

import json

import pytest

from upscatter.cli import main

pytestmark = pytest.mark.usefixtures("data_dir")


def run(capsys, *args):
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_predict_json(capsys):
    code, out, _ = run(capsys, "predict", "--model", "zprime", "--coupling", "5e-9", "--json")
    assert code == 0
    payload = json.loads(out)
    assert len(payload["N_SM"]) == 12 and payload["totals"]["observed"] == 142
    assert payload["chi2"] > payload["chi2_SM"]
    assert set(payload["nuisances_SM"]) == {"alpha", "beta"}


def test_limits_json_out_and_plot(capsys, tmp_path):
    code, out, _ = run(
        capsys,
        "limits",
        "--model",
        "vector",
        "--m-chi",
        "log:1:100:3",
        "--m-med",
        "20",
        "--json",
        "--out",
        str(tmp_path / "b.csv"),
        "--plot",
        str(tmp_path / "b.png"),
    )
    assert code == 0
    points = json.loads(out)["points"]
    assert [p["m_med"] for p in points] == [20.0, 20.0, 20.0]
    assert points[0]["bound"] > 0 and points[2]["bound"] is None
    assert (tmp_path / "b.csv.json").exists() and (tmp_path / "b.png").stat().st_size > 1000


def test_limits_text(capsys):
    code, out, _ = run(
        capsys, "limits", "--model", "zprime", "--m-chi", "1,60", "--no-loops", "--quiet"
    )
    assert code == 0 and "no bound" in out


def test_reproduce_list_and_run(capsys, tmp_path):
    code, out, _ = run(capsys, "reproduce", "--list")
    assert code == 0 and "chao2021-tree" in out
    code, out, _ = run(capsys, "reproduce", "chao2021-tree", "--out", str(tmp_path), "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["results"]["bound_m_chi_1MeV_ratio10"]["within_tolerance"]
    assert (tmp_path / "chao2021-tree.png").exists() and (tmp_path / "chao2021-tree.json").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("limits", "--experiment", "nope"),
        ("limits", "--model", "nope", "--m-chi", "1"),
        ("limits", "--m-chi", ""),
        ("limits", "--m-chi", "-1,2"),
        ("limits", "--m-chi", "log:0:1:3"),
        ("limits", "--m-chi", "1", "--m-med", "2", "--mass-ratio", "3"),
        ("limits", "--m-chi", "1", "--cl", "1.5"),
        ("predict", "--time-window", "abc"),
        ("predict", "--m-chi", "nan"),
        ("reproduce", "nope"),
    ],
)
def test_bad_input_one_line(capsys, args):
    code, _, err = run(capsys, *args)
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("upscatter: error:")


class _Computing(Exception):
    """Raised in place of the basis computation."""


def _stop(*_args, **_kwargs):
    raise _Computing


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("limits", "--cl", "1.5"), "cl"),
        (("limits", "--cl", "nan"), "cl"),
        (("limits", "--dof", "0"), "dof"),
        (("limits", "--expected", "toys", "--seed", "-1"), "--seed"),
        (("coverage", "--seed", "-1"), "--seed"),
        (("limits", "--checkpoint", "no-such-dir/scan.ckpt"), "--checkpoint"),
        (("limits", "--checkpoint", ""), "--checkpoint"),
    ],
)
def test_bad_statistics_options_fail_before_the_computation(
    capsys, monkeypatch, tmp_path, args, needle
):
    """Session 7: --cl, --dof and --checkpoint were checked after the basis spectra were
    computed (and --seed -1 was a numpy traceback after it)."""
    import upscatter.cli.cmd_coverage as coverage
    import upscatter.cli.cmd_limits as limits

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(limits, "compute_basis", _stop)
    monkeypatch.setattr(coverage, "compute_basis", _stop)
    code, _, err = run(capsys, *args[:1], "--m-chi", "1", "--quiet", *args[1:])
    lines = err.strip().splitlines()
    assert code != 0 and len(lines) == 1 and lines[0].startswith("upscatter: error:")
    assert needle in lines[0]


def test_missing_data_file_is_one_line(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("UPSCATTER_DATA", str(tmp_path))
    monkeypatch.setenv("UPSCATTER_CACHE", str(tmp_path / "cache"))
    code, _, err = run(capsys, "predict")
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and "upscatter data fetch" in err


def test_limits_scan_over_the_mediator_mass(capsys):
    """Paper 003 Figs. 2 and 6 scan g versus m_med at fixed m_chi."""
    code, out, _ = run(
        capsys,
        "limits",
        "--model",
        "vector",
        "--m-chi",
        "1",
        "--m-med",
        "log:0.1:1000:4",
        "--json",
    )
    assert code == 0
    points = json.loads(out)["points"]
    assert [p["m_chi"] for p in points] == [1.0] * 4
    bounds = [p["bound"] for p in points]
    assert bounds[0] < bounds[-1]  # heavy mediators suppress the rate


def test_limits_mismatched_lists(capsys):
    code, _, err = run(capsys, "limits", "--m-chi", "1,2", "--m-med", "1,2,3")
    assert code == 1 and "equal lengths" in err


def test_limits_expected_profile_and_fc(capsys):
    """--expected, --profile-curve and --fc report alongside the bound; the profile interval's
    upper end is the bound itself (same Delta chi^2 threshold), the Asimov median within a
    factor 1.5 of it, and the method is recorded."""
    code, out, _ = run(
        capsys,
        "limits",
        "--m-chi",
        "1",
        "--m-med",
        "10",
        "--expected",
        "asimov",
        "--profile-curve",
        "--fc",
        "--toys",
        "500",
        "--json",
    )
    assert code == 0
    payload = json.loads(out)
    (point,) = payload["points"]
    assert payload["config"]["expected"]["method"] == "asimov"
    assert 1 / 1.5 < point["expected_median"] / point["bound"] < 1.5
    assert payload["profile"][0]["interval"][1] == pytest.approx(point["bound"], rel=1e-3)
    assert payload["fc"][0]["interval"][0] == 0.0
    assert payload["fc"][0]["interval"][1] == pytest.approx(point["bound"], rel=0.3)


def test_limits_checkpoint_and_resume(capsys, tmp_path):
    ckpt = tmp_path / "scan.ckpt"
    args = ["limits", "--m-chi", "1,2", "--m-med", "10", "--checkpoint", str(ckpt), "--json"]
    code, first, _ = run(capsys, *args)
    assert code == 0 and ckpt.exists()
    code, _, err = run(capsys, *args)
    assert code != 0 and "--resume" in err and len(err.strip().splitlines()) == 1
    code, again, _ = run(capsys, *args, "--resume")
    assert code == 0
    assert [p["bound"] for p in json.loads(again)["points"]] == [
        p["bound"] for p in json.loads(first)["points"]
    ]
    code, _, err = run(capsys, "limits", "--m-chi", "1", "--resume")
    assert code != 0 and "--checkpoint" in err


def test_coverage_command(capsys):
    """`upscatter coverage` reports, per tested coupling, a critical value and a Wilks
    coverage in [0, 1] from at most --toys pseudo-experiments; bad fractions are one line."""
    code, out, _ = run(
        capsys,
        "coverage",
        "--m-chi",
        "1",
        "--m-med",
        "10",
        "--fractions",
        "0.5,1",
        "--toys",
        "200",
        "--json",
    )
    assert code == 0
    (point,) = json.loads(out)["points"]
    assert point["wilks_bound"] > 0 and len(point["critical"]) == 2
    assert all(0 <= c <= 1 for c in point["wilks_coverage"])
    assert all(n <= 200 for n in point["n_toys"])
    code, _, err = run(capsys, "coverage", "--fractions", "1,0.5")
    assert code != 0 and "increasing" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("spectrum", "bounded"), [("bestiole2023", True), ("huber-mueller", False)]
)
def test_limits_reactor_spectrum_option(capsys, spectrum, bounded):
    """--set reactor_spectrum=... reaches future CONUS: at m_chi = 9 MeV BESTIOLE (to 12.5 MeV)
    gives a vector bound and Huber-Mueller (ends at 8 MeV) none (paper 002 Fig. 3: CONUS is
    sensitive up to ~10 MeV)."""
    code, out, _ = run(
        capsys, "limits", "--experiment", "future-conus", "--model", "vector", "--m-chi", "9",
        "--m-med", "1000", "--set", f"reactor_spectrum={spectrum}", "--json",
    )  # fmt: skip
    assert code == 0
    (point,) = json.loads(out)["points"]
    assert (point["bound"] is not None) == bounded


def test_limits_plot_with_expected_bands(capsys, tmp_path):
    plot = tmp_path / "bands.png"
    code, _, _ = run(
        capsys, "limits", "--m-chi", "1,5", "--m-med", "10,50", "--expected", "asimov",
        "--plot", str(plot), "--quiet",
    )  # fmt: skip
    assert code == 0 and plot.stat().st_size > 1000
