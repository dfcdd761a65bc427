"""Progress bars (upscatter.progress): on stderr with an ETA when it is a terminal, silent with
``quiet`` or when it is not (pipes, files, captured test output)."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest

from upscatter import progress


class FakeTTY(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_bar_writes_label_count_and_eta_to_a_terminal():
    stream = FakeTTY()
    with progress.bar("bounds", 3, stream=stream) as report:
        for done in range(1, 4):
            report(done, 3)
    text = stream.getvalue()
    # tqdm redraws at most every 0.1 s, so the count shown may be any of 0..3 of 3
    assert "bounds" in text and "/3 [" in text
    assert "<" in text  # the "elapsed<remaining" ETA field


def test_bar_is_silent_when_not_a_terminal_or_quiet():
    plain = io.StringIO()
    with progress.bar("bounds", 3, stream=plain) as report:
        report(3, 3)
    quiet = FakeTTY()
    for _ in progress.iterate(range(5), "points", quiet=True, stream=quiet):
        pass
    assert plain.getvalue() == "" and quiet.getvalue() == ""
    assert not progress.enabled(stream=plain) and not progress.enabled(True, FakeTTY())
    assert progress.enabled(stream=FakeTTY())


def test_iterate_yields_every_item_and_counts():
    stream = FakeTTY()
    assert list(progress.iterate([1, 2, 3], "items", stream=stream)) == [1, 2, 3]
    assert "items" in stream.getvalue() and "/3 [" in stream.getvalue()


@pytest.mark.usefixtures("data_dir")
def test_basis_with_progress_equals_without():
    """Reporting progress splits the serial basis computation into blocks; the counts are the
    same bit for bit, and the callback reaches the total."""
    from upscatter.experiments import get_experiment
    from upscatter.models import get_model
    from upscatter.scans import compute_basis

    experiment, model = get_experiment("coherent-csi-2017"), get_model("vector")
    masses = {"m_chi": np.geomspace(1.0, 30.0, 5), "m_med": np.full(5, 50.0)}
    calls = []
    with_bar = compute_basis(experiment, model, masses, progress=lambda d, t: calls.append(d))
    np.testing.assert_array_equal(with_bar, compute_basis(experiment, model, masses))
    assert calls[-1] == 5 and calls == sorted(calls)


@pytest.mark.usefixtures("data_dir")
@pytest.mark.parametrize("quiet", [False, True])
def test_cli_limits_bars_on_a_terminal_stderr(monkeypatch, capsys, quiet):
    """``upscatter limits`` draws its spectra and bounds bars on stderr when it is a terminal,
    nothing with --quiet; stdout holds only the result."""
    from upscatter.cli import main

    fake = FakeTTY()
    monkeypatch.setattr(sys, "stderr", fake)
    args = ["limits", "--model", "vector", "--m-chi", "1,10", "--m-med", "20"]
    assert main(args + (["--quiet"] if quiet else [])) == 0
    out = capsys.readouterr().out
    assert "bound" in out and "spectra" not in out
    if quiet:
        assert fake.getvalue() == ""
    else:
        assert "spectra" in fake.getvalue() and "bounds" in fake.getvalue()


@pytest.mark.usefixtures("data_dir")
def test_cli_is_silent_when_stderr_is_not_a_terminal(capsys):
    from upscatter.cli import main

    assert main(["limits", "--model", "vector", "--m-chi", "1,10", "--m-med", "20"]) == 0
    assert capsys.readouterr().err == ""
