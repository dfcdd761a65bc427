"""Bad command lines from issue 19 give one line on stderr and a non-zero exit, before any
long computation (no traceback, no silent result)."""

from __future__ import annotations

import pytest

from upscatter.cli import main


def _run(capsys, argv):
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.err.strip().splitlines()


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["limits", "--m-chi", "1,,2"], "--m-chi"),
        (["decays", "--m-chi", "1,,2", "--m-med", "5", "--g-chi", "1", "--g-f", "1"], "--m-chi"),
        (["spectrum", "--out", "no-such-dir/x.csv"], "--out"),
        (["spectrum", "--plot", "bound.xyz"], "--plot"),
        (["spectrum", "--out", "/proc/x.csv"], "--out"),
        (["limits", "--plot", "no-such-dir/b.png"], "--plot"),
        (["region", "--pair", "a_M,C_S", "--plot", "/proc/r.png"], "--plot"),
        (
            [
                "decays",
                "--m-chi",
                "1",
                "--m-med",
                "5",
                "--g-chi",
                "1",
                "--g-f",
                "1",
                "--plot",
                "x.xyz",
            ],
            "--plot",
        ),
        (["predict", "--model", "zprime", "--twist2", "paper", "--no-loops"], "--twist2"),
        (["predict", "--model", "vector", "--case", "B"], "--case"),
        (["predict", "--model", "vector", "--no-loops"], "--loops"),
        (["spectrum", "--bins", "1000000"], "more than 10000"),
        (["predict", "--m-chi", "1e300"], "above 1e+09 MeV"),
        (["region", "--pair", "a_M,C_S", "--points", "20000"], "--yes"),
        (["limits", "--m-chi", "log:0.1:50:1000000"], "--yes"),
        # session 7: a range of 10^12 points was a numpy MemoryError, an infinite end printed
        # numpy's RuntimeWarning, a path ending in / a FileNotFoundError from matplotlib, and an
        # empty folder name wrote into the current folder
        (["limits", "--m-chi", "log:0.1:1:1000000000000"], "more than 1000000"),
        (["limits", "--m-chi", "log:1:inf:5"], "finite"),
        (
            ["decays", "--m-chi", "lin:0:inf:3", "--m-med", "1", "--g-chi", "1", "--g-f", "1"],
            "--m-chi",
        ),
        (["spectrum", "--plot", "dir.png/"], "is a folder"),
        (["limits", "--m-chi", "1,2", "--out", "dir/"], "is a folder"),
        (["reproduce", "chao2021-tree", "--out", ""], "--out: empty folder name"),
        (["reproduce", "--list", "nope"], "--list lists every reproduction and takes no NAME"),
        (["coverage", "--fractions", "0.5,1e300"], "--fractions must be at most 1000"),
        (["limits", "--m-chi", "1", "--hepdata", " "], "--hepdata: empty folder name"),
    ],
)
def test_bad_command_line_gives_one_line_error(capsys, tmp_path, monkeypatch, argv, names):
    monkeypatch.chdir(tmp_path)
    status, lines = _run(capsys, argv)
    assert status != 0
    assert len(lines) == 1 and lines[0].startswith("upscatter: error:")
    assert names in lines[0]


def test_output_into_a_file_child_is_refused(capsys, tmp_path):
    parent = tmp_path / "file.txt"
    parent.write_text("x")
    status, lines = _run(capsys, ["spectrum", "--out", str(parent / "t.csv")])
    assert status != 0 and len(lines) == 1 and "not a folder" in lines[0]


def test_reproduce_out_under_a_file_is_refused(capsys, tmp_path):
    parent = tmp_path / "file.txt"
    parent.write_text("x")
    status, lines = _run(capsys, ["reproduce", "candela2023", "--out", str(parent / "d")])
    assert status != 0 and len(lines) == 1 and "--out" in lines[0]


def test_checked_output_leaves_no_file_behind(capsys, tmp_path):
    """The write check must not leave an empty file when the command then fails."""
    out = tmp_path / "t.csv"
    status, _ = _run(capsys, ["spectrum", "--out", str(out), "--bins", "0"])
    assert status != 0 and not out.exists()


def test_reactor_spectrum_runs(capsys):
    """`spectrum --source reactor` used to fail on the SNS-only --pot option (issue 19)."""
    status = main(["spectrum", "--source", "reactor", "--target", "Ge", "--json"])
    assert status == 0
    assert '"source": "reactor"' in capsys.readouterr().out


def test_bad_set_key_lists_the_valid_keys(capsys):
    status, lines = _run(capsys, ["predict", "--set", "foo=1"])
    assert status != 0 and len(lines) == 1
    assert "foo" in lines[0] and "time_window_us=(0.0, 6.0)" in lines[0]
