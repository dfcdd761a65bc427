"""The comparison and detail tables of ``upscatter reproduce`` and its exit status."""

from __future__ import annotations

import pytest

from upscatter.cli import main
from upscatter.reproduce import REPRODUCTIONS, Reproduction, compare
from upscatter.reproduce._common import comparison_table, comparisons, details_table, failures

RESULTS = {
    "a": compare(1.1, 1.0, rel=0.2),
    "group": {
        "b": compare(3.0, 1.0, 1.5, convention="the printed sums"),
        "c": {**compare(5.0, 1.0, 2.0), "known_deviation": "documented in docs/x.md"},
        "d": compare(1.2, 1.0, 1.5, convention="the printed sums"),
        "note": "a text",
    },
    "count": 3,
    "values": [1.0, 2.5],
    "files": ["x.png"],
}


def test_comparisons_are_found_at_any_depth_with_labels():
    labels = [label for label, _ in comparisons(RESULTS)]
    assert labels == ["a", "group / b", "group / c", "group / d"]
    assert failures(RESULTS) == ["group / b"]


def test_comparison_table_columns_and_statuses():
    """One row per number: label, paper, ours, ratio, tolerance, status; the convention is named
    for paper-convention numbers; a documented deviation is listed with its reason."""
    lines = comparison_table(RESULTS)
    assert lines[0].split() == ["number", "paper", "ours", "ratio", "tolerance", "status"]
    assert lines[2].split() == ["a", "1", "1.1", "1.1", "+-20%", "reproduced"]
    assert any("group / b" in r and r.rstrip().endswith("OFF") for r in lines)
    assert any("group / c" in r and "factor 2" in r and "known deviation" in r for r in lines)
    assert any("group / d" in r and "reproduced with the printed sums" in r for r in lines)
    assert lines[-1] == "known deviation, group / c: documented in docs/x.md"
    assert not any("{" in line for line in lines)


def test_details_table_flattens_without_python_reprs():
    lines = details_table(RESULTS)
    text = "\n".join(lines)
    assert "group / note  a text" in text and "count" in text and "1, 2.5" in text
    assert "files" not in text and "{" not in text and "computed" not in text


@pytest.fixture
def fake(monkeypatch):
    def register(results):
        monkeypatch.setitem(
            REPRODUCTIONS, "fake", Reproduction("fake", "a test entry", lambda out: results)
        )

    return register


def test_cli_exit_status(fake, capsys, tmp_path):
    """0 when every number is reproduced or a documented deviation; 1 with a one-line error
    naming the number otherwise (text and --json alike)."""
    fake({"a": RESULTS["a"], "c": RESULTS["group"]["c"]})
    assert main(["reproduce", "fake", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "published numbers:" in out and "known deviation" in out
    fake(RESULTS)
    assert main(["reproduce", "fake", "--out", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "other results:" in captured.out and "files: x.png" in captured.out
    assert captured.err.strip().splitlines() == [
        "upscatter: error: 1 number(s) outside tolerance without a documented deviation: group / b"
    ]
    assert main(["reproduce", "fake", "--out", str(tmp_path), "--json"]) == 1
