"""Bad command lines from issue 19: one line on stderr, non-zero exit, before any computation."""

from __future__ import annotations

import pytest

from upscatter.cli import main


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["limits", "--m-chi", "1", "--out", "/no/such/folder/bound.csv"], "does not exist"),
        (["limits", "--m-chi", "1", "--plot", "bound.xyz"], "cannot write images of type 'xyz'"),
        (["spectrum", "--plot", "/no/such/folder/s.png"], "does not exist"),
        (["region", "--model", "eft", "--pair", "a_M,C_S", "--plot", "r.nope"], "images"),
        (["limits", "--m-chi", "1,,2"], "empty entry"),
        (["limits", "--m-chi", "log:0.1:50:1000000"], "more than the 100000"),
        (["spectrum", "--bins", "1000000"], "more than 10000"),
        (["region", "--model", "eft", "--pair", "a_M,C_S", "--points", "20000"], "between 11"),
        (["limits", "--model", "zprime", "--electrons", "--m-chi", "1"], "apply to --model"),
        (["limits", "--experiment", "future-conus", "--set", "bin_width_kev=1e-7"], "bins"),
    ],
)
def test_bad_command_line_is_one_line(capsys, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    code = main(args)
    err = capsys.readouterr().err
    assert code != 0
    assert message in err, err
    assert len(err.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())  # nothing written
