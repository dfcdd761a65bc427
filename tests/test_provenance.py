"""Every saved result says how it was made (issue 15 item 6)."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import numpy as np
import pytest

from upscatter import data, provenance
from upscatter.experiments import get_experiment
from upscatter.models import get_model
from upscatter.scans import coupling_bound

ROOT = Path(__file__).resolve().parents[1]


def test_git_commit_is_the_checkout_head():
    """Read without git, compared with `git rev-parse HEAD` when the tests run in a checkout."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
        )
    except FileNotFoundError:  # pragma: no cover - no git on the machine
        pytest.skip("git not installed")
    if head.returncode != 0:
        pytest.skip("not a git checkout")
    assert provenance.git_commit(ROOT / "src" / "upscatter" / "x.py") == head.stdout.strip()
    assert provenance.git_commit(Path("/")) is None


@pytest.mark.data
def test_scan_records_version_command_and_release_checksums(data_dir: Path):
    """A CsI 2017 scan lists the release files it read, with the sha256 of the files on disk."""
    result = coupling_bound(
        get_experiment("coherent-csi-2017"), get_model("vector"), {"m_chi": [1.0], "m_med": [10.0]}
    )
    record = result.config["provenance"]
    assert record["upscatter_version"] and record["command"] and record["libraries"]["numpy"]
    files = record["data_files"]
    assert "coherent_csi_2017/data_coincidence_beamOn.txt" in files
    csi = {name: sha for name, sha in files.items() if name.startswith("coherent_csi_2017/")}
    assert len(csi) >= 4
    for name, sha in csi.items():
        assert hashlib.sha256((data_dir / name).read_bytes()).hexdigest() == sha
    # The files read so far in this process (other tests may have read large releases, which
    # the record summarises by one digest per dataset).
    assert files == provenance.data_summary(data.used_files())
    assert np.isfinite(result.bound[0])


@pytest.mark.data
def test_every_cli_json_output_says_how_it_was_made(capsys):
    import json

    from upscatter.cli import main

    for args in (["predict", "--json"], ["spectrum", "--json"], ["data", "list", "--json"]):
        assert main(args) == 0
        payload = json.loads(capsys.readouterr().out)
        record = payload.get("provenance") or payload["config"]["provenance"]
        assert record["upscatter_version"] and "command" in record


def test_large_datasets_are_summarised_by_one_digest():
    """Over 40 files of one dataset: one entry with the count and the sha256 of the sorted
    "<file> <sha256>" lines (computed here), small datasets listed file by file."""
    files = {f"big/t{i:03d}.h5": f"{i:064x}" for i in range(50)}
    files["small/a.txt"] = "ab" * 32
    summary = provenance.data_summary(files)
    lines = "".join(f"t{i:03d}.h5 {i:064x}\n" for i in range(50))
    assert summary["big/*"] == {
        "files": 50,
        "sha256_of_list": hashlib.sha256(lines.encode()).hexdigest(),
    }
    assert summary["small/a.txt"] == "ab" * 32 and len(summary) == 2
