"""Data registry: checksums against the real release files, look-up, errors, real HTTP download.

The reference values are the release files themselves (hashed here with hashlib, independently
of upscatter.data) and the facts written in shared/data/README.md and */SOURCE.md.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from upscatter import data
from upscatter.cli import main
from upscatter.errors import DataError, ParameterError

# Files of shared/data/<dataset>/ that describe the mirror and are not part of a release.
MIRROR_METADATA = {"SOURCE.md", "MANIFEST.sha256"}


def _hash(file: Path, algorithm: str) -> str:
    return hashlib.new(algorithm, file.read_bytes()).hexdigest()


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Empty private cache, no mirror URL from the environment, loopback never proxied."""
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(data.URL_ENV, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setattr(data, "DOWNLOAD_TIMEOUT", 10.0)


@pytest.fixture
def empty_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """UPSCATTER_DATA pointing at an empty folder."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv(data.DATA_ENV, str(folder))
    return folder


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def _serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` over HTTP on 127.0.0.1 (free port) in a thread; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def mirror(data_dir: Path) -> Iterator[str]:
    """Base URL of an HTTP server serving $UPSCATTER_DATA, laid out like shared/data."""
    with _serve(data_dir) as url:
        yield url


# --- the registry against the real files -------------------------------------------------------


def test_registry_lists_every_release_file(data_dir: Path):
    """Every folder of shared/data is a dataset and every file in it is registered (and back)."""
    folders = {p.name for p in data_dir.iterdir() if p.is_dir()}
    assert folders == set(data.DATASETS)
    for name, ds in data.DATASETS.items():
        root = data_dir / name
        on_disk = {
            p.relative_to(root).as_posix()
            for p in root.rglob("*")
            if p.is_file() and p.name not in MIRROR_METADATA
        }
        assert on_disk == set(ds.filenames), name


def test_file_counts_match_readme():
    """shared/data/README.md: CsI 2017 11 of 13 files, CsI 2021 8 of 10, LAr 21 data + PDF,
    Huber 3 isotopes; SOURCE.md: BESTIOLE 4 isotopes + 2 capture terms; solar 6 spectra, Flux.dat,
    2 production profiles, 2 READMEs; XENONnT 3 runs x (data, binning, AC, ER, 49 neutron and
    46 x 49 mono-energetic templates) + 5 limit files + LICENSE + README."""
    counts = {name: len(ds.files) for name, ds in data.DATASETS.items()}
    assert counts == {
        "coherent_csi_2017": 11,
        "coherent_csi_2021": 8,
        "coherent_lar_2020": 22,
        "reactor_huber2011": 3,
        "reactor_bestiole2023": 4 + 2,
        "solar_bahcall": 6 + 1 + 2 + 2,
        "xenonnt_b8_2026": 3 * (1 + 1 + 1 + 1 + 49 + 46 * 49) + 5 + 2,
    }
    assert len(data.DATASETS["coherent_csi_2017"].not_mirrored) == 13 - 11
    assert len(data.DATASETS["coherent_csi_2021"].not_mirrored) == 10 - 8


def test_registry_sha256_matches_real_files(data_dir: Path):
    """The registry's sha256 of every file equals hashlib's sha256 of the file on disk."""
    wrong = [
        f"{name}/{f.name}"
        for name, ds in data.DATASETS.items()
        for f in ds.files
        if _hash(data_dir / name / f.name, "sha256") != f.sha256
    ]
    assert wrong == []


def test_registry_sha256_matches_release_manifests(data_dir: Path):
    """Where a release folder ships a MANIFEST.sha256 (sha256sum format), the registry agrees with
    it file for file."""
    for name, ds in data.DATASETS.items():
        manifest = data_dir / name / "MANIFEST.sha256"
        if not manifest.exists():
            continue
        listed = dict(
            reversed(line.split(maxsplit=1))
            for line in manifest.read_text(encoding="utf-8").splitlines()
            if line.strip()
        )
        assert listed == {f.name: f.sha256 for f in ds.files}, name


def test_original_hashes_agree_with_source_md(data_dir: Path):
    """Byte-identical copies have the original's MD5; header-stripped ones do not, and the
    original MD5 registered for them is the one printed in that dataset's SOURCE.md."""
    n_stripped = 0
    for name, ds in data.DATASETS.items():
        source = (data_dir / name / "SOURCE.md").read_text(encoding="utf-8")
        for f in ds.files:
            if f.original_md5 is None:
                assert not f.header_stripped
                continue
            mirror_md5 = _hash(data_dir / name / f.name, "md5")
            if f.header_stripped:
                n_stripped += 1
                assert mirror_md5 != f.original_md5, f.name
                assert f.original_md5 in source, f.name
            else:
                assert mirror_md5 == f.original_md5, f.name
    # README.md: "4 identical, 7 header-stripped copies" (CsI 2017, the only stripped release).
    assert n_stripped == 7


def test_release_locations_come_from_source_md(data_dir: Path):
    """The release location of each dataset is written in its SOURCE.md."""
    for name, ds in data.DATASETS.items():
        source = (data_dir / name / "SOURCE.md").read_text(encoding="utf-8")
        location = ds.release.split("://", 1)[-1]
        for host in ("doi.org/", "github.com/"):
            location = location.removeprefix(host)
        assert location in source, name
        assert ds.citation


@pytest.mark.data
def test_load_text_reproduces_release_totals():
    """SOURCE.md: CsI 2017 beam-on coincidence total 1207 counts in 600 rows;
    LAr datanobkgsub.txt total 3752 events in 960 rows (exact integers)."""
    table = data.load_text("coherent_csi_2017", "data_coincidence_beamOn.txt", delimiter=",")
    assert table.shape == (600, 3)
    assert table[:, 2].sum() == 1207
    lar = data.load_text("coherent_lar_2020", "Data/datanobkgsub.txt")
    assert lar.shape == (960, 4)
    assert lar[:, 3].sum() == pytest.approx(3752, abs=1e-6)


# --- look-up and errors ------------------------------------------------------------------------


def test_path_finds_the_release_in_upscatter_data(data_dir: Path):
    found = data.path("coherent_lar_2020", "Data/SystErrors/brnpdf+1sigEnergy.txt")
    assert found == data_dir / "coherent_lar_2020" / "Data" / "SystErrors" / found.name


@pytest.mark.parametrize("data_set", [True, False], ids=["empty-UPSCATTER_DATA", "unset"])
def test_missing_file_raises_dataerror_with_instructions(
    data_set: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    if data_set:
        (tmp_path / "empty").mkdir()
        monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "empty"))
    else:
        monkeypatch.delenv(data.DATA_ENV, raising=False)
    with pytest.raises(DataError) as err:
        data.path("coherent_csi_2017", "promptPDF.txt")
    message = str(err.value)
    assert "promptPDF.txt" in message and "not found" in message
    assert "UPSCATTER_DATA" in message
    assert "upscatter data fetch coherent_csi_2017" in message
    assert "\n" not in message


def test_corrupted_copy_raises_dataerror(data_dir: Path, empty_data: Path):
    """One changed byte in the table makes the copy corrupted."""
    target = empty_data / "coherent_csi_2017" / "promptPDF.txt"
    target.parent.mkdir()
    content = (data_dir / "coherent_csi_2017" / "promptPDF.txt").read_bytes()
    target.write_bytes(content.replace(b"0.", b"1.", 1))
    with pytest.raises(DataError) as err:
        data.path("coherent_csi_2017", "promptPDF.txt")
    message = str(err.value)
    assert "promptPDF.txt" in message and "corrupted" in message and str(target) in message
    assert "UPSCATTER_DATA" in message and "upscatter data fetch coherent_csi_2017" in message
    statuses = {f: s for _, f, s in data.verify("coherent_csi_2017")}
    assert statuses["promptPDF.txt"] == data.CORRUPTED


def test_verified_cache_copy_is_used_when_upscatter_data_copy_is_corrupted(
    data_dir: Path, empty_data: Path
):
    name = "qfData_tunl.txt"
    good = data_dir / "coherent_csi_2017" / name
    bad = empty_data / "coherent_csi_2017" / name
    bad.parent.mkdir()
    bad.write_bytes(good.read_bytes()[:-1])
    cached = data.cache_dir() / "coherent_csi_2017" / name
    cached.parent.mkdir(parents=True)
    shutil.copyfile(good, cached)
    assert data.path("coherent_csi_2017", name) == cached


def test_verification_is_cached_per_path_and_mtime(
    data_dir: Path, empty_data: Path, monkeypatch: pytest.MonkeyPatch
):
    """A second look-up does not re-hash; a new mtime does, and then catches the change."""
    calls = []
    real_digest = data._digest
    monkeypatch.setattr(data, "_digest", lambda f, a: calls.append(a) or real_digest(f, a))
    copy = empty_data / "reactor_huber2011" / "U235-anti-neutrino-flux-250keV.dat"
    copy.parent.mkdir()
    shutil.copyfile(data_dir / "reactor_huber2011" / copy.name, copy)
    assert data.path("reactor_huber2011", copy.name) == copy
    assert data.path("reactor_huber2011", copy.name) == copy
    assert calls == ["sha256"]
    content = copy.read_bytes()
    copy.write_bytes(content[::-1])  # same size, different bytes
    mtime = copy.stat().st_mtime_ns
    os.utime(copy, ns=(mtime, mtime + 10**9))
    with pytest.raises(DataError, match="corrupted"):
        data.path("reactor_huber2011", copy.name)
    assert calls == ["sha256", "sha256"]


def test_official_original_is_accepted_through_its_md5(
    empty_data: Path, monkeypatch: pytest.MonkeyPatch
):
    """A file matching the official original's MD5 (header kept) verifies as 'ok-original'."""
    mirror_bytes, original_bytes = b"1, 2\n", b"# header\n1, 2\n"
    entry = data.DataFile(
        "table.txt",
        hashlib.sha256(mirror_bytes).hexdigest(),
        original_md5=hashlib.md5(original_bytes).hexdigest(),
        header_stripped=True,
    )
    toy = data.Dataset("toy", "toy release", "https://example.invalid/toy", "none", (entry,))
    monkeypatch.setitem(data.DATASETS, "toy", toy)
    copy = empty_data / "toy" / "table.txt"
    copy.parent.mkdir()
    copy.write_bytes(original_bytes)
    assert data.path("toy", "table.txt") == copy
    assert data.verify("toy") == [("toy", "table.txt", data.OK_ORIGINAL)]
    assert np.array_equal(data.load_text("toy", "table.txt", delimiter=","), [1.0, 2.0])
    copy.write_bytes(b"# other header\n1, 2\n")
    assert data.verify("toy") == [("toy", "table.txt", data.CORRUPTED)]


def test_unknown_names_raise_parameter_error():
    with pytest.raises(ParameterError, match=r"unknown dataset 'nope'.*coherent_csi_2017"):
        data.path("nope", "x.txt")
    with pytest.raises(ParameterError, match=r"unknown file of coherent_csi_2017 'x\.txt'"):
        data.path("coherent_csi_2017", "x.txt")
    with pytest.raises(ParameterError, match="unknown dataset"):
        data.verify("nope")


# --- download through pooch from a real HTTP server on 127.0.0.1 ----------------------------


@pytest.mark.parametrize("name", sorted(data.DATASETS))
def test_fetch_downloads_and_verifies(name: str, mirror: str, empty_data: Path, data_dir: Path):
    """Every dataset (including LAr's Data/ subfolders and '+' in names) downloads, lands in
    the cache, and verifies; a corrupted cached copy is replaced by the download. Of the 6928
    XENONnT files every 97th (all folders, first and last) is fetched, to keep the test short."""
    ds = data.DATASETS[name]
    files = ds.files if len(ds.files) < 100 else (*ds.files[::97], ds.files[-1])
    stale = data.cache_dir() / name / files[0].name
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_bytes(b"stale")
    fetched = data.fetch(name, base_url=mirror, files=[f.name for f in files])
    cache = data.cache_dir() / name
    assert fetched == [cache / f.name for f in files]
    for f, local in zip(files, fetched, strict=True):
        assert local.read_bytes() == (data_dir / name / f.name).read_bytes()
    statuses = {f: s for _, f, s in data.verify(name)}
    assert all(statuses[f.name] == data.OK for f in files)
    assert data.path(name, files[-1].name) == fetched[-1]


def test_fetch_uses_upscatter_data_url_and_file_subset(
    mirror: str, empty_data: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(data.URL_ENV, mirror + "/")
    fetched = data.fetch("coherent_csi_2017", files="promptPDF.txt")
    assert fetched == [data.cache_dir() / "coherent_csi_2017" / "promptPDF.txt"]
    statuses = {f: s for _, f, s in data.verify("coherent_csi_2017")}
    assert statuses["promptPDF.txt"] == data.OK
    assert statuses["qfData_tunl.txt"] == data.MISSING


def test_fetch_from_corrupted_server_fails(data_dir: Path, tmp_path: Path, empty_data: Path):
    """A served file whose sha256 differs is rejected and nothing is left in the cache."""
    served = tmp_path / "served"
    shutil.copytree(data_dir / "coherent_csi_2017", served / "coherent_csi_2017")
    bad = served / "coherent_csi_2017" / "coherent_parameters.yaml"
    bad.write_bytes(bad.read_bytes() + b"\n# tampered\n")
    with _serve(served) as url, pytest.raises(DataError) as err:
        data.fetch("coherent_csi_2017", base_url=url)
    assert "coherent_parameters.yaml" in str(err.value)
    assert not (data.cache_dir() / "coherent_csi_2017" / "coherent_parameters.yaml").exists()


def test_fetch_from_server_without_the_file_fails(tmp_path: Path):
    (tmp_path / "nothing").mkdir()
    with _serve(tmp_path / "nothing") as url, pytest.raises(DataError, match=r"brnPE\.txt"):
        data.fetch("coherent_csi_2021", base_url=url, files=["brnPE.txt"])


def test_fetch_without_mirror_points_to_the_official_release():
    with pytest.raises(DataError) as err:
        data.fetch("coherent_csi_2017")
    message = str(err.value)
    assert "https://doi.org/10.5281/zenodo.1228631" in message
    assert "header-stripped" in message and "UPSCATTER_DATA_URL" in message
    with pytest.raises(ParameterError, match="http"):
        data.fetch("coherent_csi_2017", base_url="ftp://127.0.0.1/data")


# --- command line ------------------------------------------------------------------------------


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["data", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_list(capsys: pytest.CaptureFixture[str]):
    code, out, _ = _run(capsys, "list")
    assert code == 0 and all(name in out for name in data.DATASETS)
    code, out, _ = _run(capsys, "list", "--json")
    payload = json.loads(out)
    assert code == 0
    # README.md: 11 + 8 + 22 + 3; SOURCE.md of the three newer releases: 6 + 11 + 6928.
    assert sum(len(ds["files"]) for ds in payload["datasets"]) == 44 + 6 + 11 + 6928
    code, out, _ = _run(capsys, "list", "coherent_csi_2017", "--json")
    (ds,) = json.loads(out)["datasets"]
    assert ds["release"] == "https://doi.org/10.5281/zenodo.1228631"
    assert sum(f["header_stripped"] for f in ds["files"]) == 7
    code, out, _ = _run(capsys, "list", "coherent_lar_2020")
    assert code == 0 and "Data/SystErrors/brnpdf+1sigEnergy.txt" in out


def test_cli_path(capsys: pytest.CaptureFixture[str], data_dir: Path):
    name = "Pu239-anti-neutrino-flux-250keV.dat"
    code, out, _ = _run(capsys, "path", "reactor_huber2011", name)
    assert code == 0
    assert Path(out.strip()) == data_dir / "reactor_huber2011" / name
    code, out, _ = _run(capsys, "path", "coherent_csi_2017", "promptPDF.txt", "--json")
    assert json.loads(out)["path"] == str(data_dir / "coherent_csi_2017" / "promptPDF.txt")


def test_cli_path_missing_file_is_one_line(capsys: pytest.CaptureFixture[str], empty_data: Path):
    code, out, err = _run(capsys, "path", "coherent_csi_2017", "promptPDF.txt")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("upscatter: error: coherent_csi_2017/promptPDF")


def test_cli_fetch_and_verify(capsys: pytest.CaptureFixture[str], mirror: str, empty_data: Path):
    code, out, err = _run(capsys, "verify", "reactor_huber2011", "--json")
    assert code == 1 and json.loads(out)["ok"] is False
    assert err.count("\n") == 1 and "3 of 3 files missing or corrupted" in err
    code, out, _ = _run(capsys, "fetch", "reactor_huber2011", "--base-url", mirror, "--json")
    assert code == 0
    assert len(json.loads(out)["files"]) == 3
    code, out, _ = _run(capsys, "verify", "reactor_huber2011", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["ok"] is True
    assert [r["status"] for r in payload["results"]] == ["ok"] * 3
    code, out, _ = _run(capsys, "verify", "reactor_huber2011")
    assert code == 0 and out.count("ok") == 3
    code, out, _ = _run(capsys, "fetch", "reactor_huber2011", "--base-url", mirror)
    assert code == 0 and len(out.splitlines()) == 3


def test_cli_fetch_without_mirror_is_one_line(capsys: pytest.CaptureFixture[str]):
    code, _, err = _run(capsys, "fetch", "coherent_lar_2020")
    assert code == 1 and err.count("\n") == 1
    assert "https://doi.org/10.5281/zenodo.3903810" in err


@pytest.mark.parametrize(
    "args",
    [
        ("list", "nope"),
        ("path", "nope", "x.txt"),
        ("fetch", "nope", "--base-url", "http://127.0.0.1:9"),
        ("verify", "nope"),
        ("verify", "nope", "--json"),
    ],
)
def test_cli_unknown_dataset_is_one_line(capsys: pytest.CaptureFixture[str], args: tuple[str]):
    code, out, err = _run(capsys, *args)
    assert code == 1 and out == ""
    assert err.count("\n") == 1
    assert err.startswith("upscatter: error: unknown dataset 'nope'; known: coherent_csi_2017")
