"""CLI: `upscatter spectrum` end to end, and one-line errors with non-zero exit."""

from __future__ import annotations

import json

import pytest

from upscatter import __version__
from upscatter.cli import main


def run(capsys, *args):
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and __version__ in out


def test_spectrum_json_totals_add_up(capsys):
    code, out, _ = run(capsys, "spectrum", "--bins", "4", "--json")
    assert code == 0
    payload = json.loads(out)
    assert len(payload["N_SM"]) == 4 and len(payload["bins_keV"]) == 5
    assert payload["totals"]["SM"] == pytest.approx(sum(payload["N_SM"]))
    assert payload["totals"]["new"] > 0


def test_spectrum_table_csv_and_plot(capsys, tmp_path):
    csv_path, png = tmp_path / "s.csv", tmp_path / "s.png"
    code, out, _ = run(
        capsys,
        "spectrum",
        "--model",
        "scalar",
        "--bins",
        "3",
        "--out",
        str(csv_path),
        "--plot",
        str(png),
    )
    assert code == 0 and "total" in out
    assert csv_path.read_text().splitlines()[0] == "T_lo_keV,T_hi_keV,N_SM,N_new,N_total"
    assert png.stat().st_size > 1000


def test_above_kinematic_limit_new_physics_is_zero(capsys):
    code, out, _ = run(capsys, "spectrum", "--m-chi", "60", "--json")
    assert code == 0 and json.loads(out)["totals"]["new"] == 0.0


def test_reactor_source_counts_match_future_conus(capsys):
    """`spectrum --source reactor --target Ge` (was a TypeError: reactor_source got `pot`) uses
    the future-CONUS reactor (3.9 GW, 17 m, 5 years), so on the CONUS binning with 100 kg its SM
    counts equal the registered experiment's (rel 1e-9), for both spectrum models."""
    from upscatter.experiments import get_experiment

    for spectrum in ("bestiole2023", "huber-mueller"):
        code, out, _ = run(
            capsys, "spectrum", "--source", "reactor", "--target", "Ge", "--detector-mass",
            "100", "--t-min", "0.1", "--t-max", "2.0", "--bins", "19", "--reactor-spectrum",
            spectrum, "--model", "sm", "--json",
        )  # fmt: skip
        assert code == 0
        payload = json.loads(out)
        conus = get_experiment("future-conus", reactor_spectrum=spectrum)
        assert payload["N_SM"] == pytest.approx(conus.sm_counts, rel=1e-9)
        assert payload["reactor_spectrum"] == spectrum


@pytest.mark.parametrize(
    "args",
    [
        ("spectrum", "--m-chi", "-1"),
        ("spectrum", "--m-med", "nan"),
        ("spectrum", "--coupling", "-0.1"),
        ("spectrum", "--target", "Pb"),
        ("spectrum", "--model", "axion"),
        ("spectrum", "--source", "sun"),
        ("spectrum", "--source", "reactor", "--reactor-spectrum", "huber"),
        (
            "spectrum",
            "--source",
            "reactor",
            "--target",
            "Ge",
            "--t-min",
            "0.01",
            "--reactor-spectrum",
            "huber-mueller",
        ),  # needs nu below 1.5 MeV
        ("spectrum", "--source", "solar"),
        ("spectrum", "--t-min", "5", "--t-max", "1"),
        ("spectrum", "--bins", "x"),
    ],
)
def test_bad_input_gives_one_line_and_nonzero_exit(capsys, args):
    code, _, err = run(capsys, *args)
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("upscatter: error:")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--t-max", "inf"), "--t-max must be finite"),
        (("--t-max", "1e300"), "--t-max"),
        (("--t-min", "nan"), "--t-min must be finite"),
        (("--form-factor", ""), "--form-factor"),
        (("--model", "sm", "--operator", "tensor"), "--operator"),
        (("--model", "sm", "--electrons"), "--electrons"),
        (("--source", "reactor", "--pot", "5"), "--pot applies to --source sns"),
        (("--source", "reactor", "--nu-per-pot", "5"), "--nu-per-pot"),
        (("--reactor-spectrum", "huber-mueller"), "--reactor-spectrum applies to --source reactor"),
    ],
)
def test_ignored_or_non_finite_options_are_refused(capsys, args, needle):
    """Session 7: an infinite or huge --t-max printed numpy RuntimeWarnings before the error;
    an empty --form-factor, --operator or --electrons with --model sm and the options of the
    other source were silently ignored (exit 0)."""
    code, _, err = run(capsys, "spectrum", *args)
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1 and needle in lines[0]


def test_recoil_bins_far_below_any_reach_are_empty(capsys):
    """Session 7: bins of 1e-300 keV printed overflow warnings; a massive chi cannot give such
    small recoils (E_min -> inf as T -> 0), and the SM counts underflow to 0."""
    code, out, err = run(capsys, "spectrum", "--t-min", "0", "--t-max", "1e-300", "--json")
    assert code == 0 and err == ""
    payload = json.loads(out)
    assert payload["totals"]["new"] == 0.0
