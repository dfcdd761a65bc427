"""Registry of the public data releases: what each file is, its checksum, where to get it.

Release files are never part of this package. Each file is looked up, in this order, in

1. ``$UPSCATTER_DATA/<dataset>/<file>`` (a folder laid out like the project's ``shared/data``),
2. the user cache ``<cache>/<dataset>/<file>``, where ``<cache>`` is ``$UPSCATTER_CACHE`` if set,
   else ``pooch.os_cache("upscatter")``,

and the first copy that passes verification is used. A copy passes when its sha256 equals the
registry's (the project mirror's bytes) or, for files whose official original is known to differ
(header-stripped mirror copies) or to be identical, when its MD5 equals the MD5 of the official
release file. The verification is cached per (path, mtime, size), so repeated look-ups are cheap.

:func:`fetch` downloads a dataset into the user cache with pooch from a mirror laid out like
``shared/data`` (``<base_url>/<dataset>/<file>``); there is no automatic download from the
official locations because several official files differ byte-wise from the mirror.

The registry itself is package data, not Python literals: ``registry/datasets.toml`` says what
each release is (description, official location, citation, per-file notes and official MD5s) and
``registry/<dataset>.txt`` holds the sha256 of every file in pooch's registry format. Adding a
release means adding its metadata table and its checksum file (for a folder with a
``MANIFEST.sha256``: ``awk '{print $2" "$1}' MANIFEST.sha256``).

Provenance of every entry: ``shared/data/*/SOURCE.md``, ``shared/data/MANIFEST.json`` and each
folder's ``MANIFEST.sha256``.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import quote, urlsplit

import numpy as np

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from ._validate import lookup
from .errors import DataError, ParameterError

DATA_ENV = "UPSCATTER_DATA"
CACHE_ENV = "UPSCATTER_CACHE"
URL_ENV = "UPSCATTER_DATA_URL"

#: Timeout of each HTTP request made by :func:`fetch` [s].
DOWNLOAD_TIMEOUT = 30.0

#: Verification states reported by :func:`verify`.
OK = "ok"
OK_ORIGINAL = "ok-original"
MISSING = "missing"
CORRUPTED = "corrupted"


@dataclass(frozen=True)
class DataFile:
    """One file of a release as held by the project mirror.

    Attributes
    ----------
    name : str
        Path relative to the dataset folder, with ``/`` separators (``"Data/brnpdf.txt"``).
    sha256 : str
        SHA-256 of the mirror copy (hex).
    original_md5 : str or None
        MD5 of the official release file when a public list gives it. Equal to the mirror's MD5
        when the mirror copy is byte-identical to the original.
    header_stripped : bool
        True when the mirror copy had its comment header removed, so it differs from the
        official file (whose MD5 is then ``original_md5``).
    note : str
        Caveat about this copy, empty when there is none.
    """

    name: str
    sha256: str
    original_md5: str | None = None
    header_stripped: bool = False
    note: str = ""


@dataclass(frozen=True)
class Dataset:
    """A public data release.

    Attributes
    ----------
    name : str
        Folder name, also the key in :data:`DATASETS`.
    description : str
        What the release contains.
    release : str
        Official release location (DOI resolver URL or download URL, as given in SOURCE.md).
    citation : str
        What to cite when using the files.
    files : tuple of DataFile
        Every file of the release held by the mirror.
    not_mirrored : tuple of str
        Files of the official release that the mirror does not hold.
    notes : str
        Caveats about the release location or the copies.
    """

    name: str
    description: str
    release: str
    citation: str
    files: tuple[DataFile, ...]
    not_mirrored: tuple[str, ...] = ()
    notes: str = ""

    @property
    def filenames(self) -> tuple[str, ...]:
        """Relative paths of the registered files."""
        return tuple(f.name for f in self.files)

    @cached_property
    def _by_name(self) -> dict[str, DataFile]:
        return {f.name: f for f in self.files}

    def file(self, filename: str) -> DataFile:
        """Registry entry of ``filename``; ParameterError listing the known files otherwise."""
        return lookup(f"file of {self.name}", self._by_name, filename)


#: Package folder holding the registry: ``datasets.toml`` (what each release is, per-file notes,
#: official MD5s) and ``<dataset>.txt`` (pooch registry format: ``<file> <sha256>`` per line).
REGISTRY_DIR = Path(__file__).parent / "registry"


def _read_sha256(dataset: str) -> dict[str, str]:
    """File name -> sha256 of one dataset from its registry file, in file order.

    The file is in pooch's registry format (``<file> <hash>`` per line, ``#`` comments); it is
    read here directly because ``pooch.Pooch.load_registry`` (shlex per line) takes 0.6 s for the
    7000 lines of the XENONnT release. File names hold no spaces.
    """
    registry = {}
    text = (REGISTRY_DIR / f"{dataset}.txt").read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split()
        if len(fields) != 2:
            raise DataError(f"registry {dataset}.txt line {number}: expected '<file> <sha256>'")
        registry[fields[0]] = fields[1].removeprefix("sha256:")
    return registry


def _load_datasets() -> dict[str, Dataset]:
    """Every dataset of the package registry, in the order of ``datasets.toml``."""
    with (REGISTRY_DIR / "datasets.toml").open("rb") as handle:
        table = tomllib.load(handle)
    datasets = {}
    for name, entry in table.items():
        extras = entry.get("files", {})
        files = tuple(
            DataFile(
                filename,
                sha256,
                original_md5=extras.get(filename, {}).get("original_md5"),
                header_stripped=extras.get(filename, {}).get("header_stripped", False),
                note=extras.get(filename, {}).get("note", entry.get("file_note", "")),
            )
            for filename, sha256 in _read_sha256(name).items()
        )
        datasets[name] = Dataset(
            name=name,
            description=entry["description"],
            release=entry["release"],
            citation=entry["citation"],
            files=files,
            not_mirrored=tuple(entry.get("not_mirrored", ())),
            notes=entry.get("notes", ""),
        )
    return datasets


def get_dataset(name: str) -> Dataset:
    """Registry entry of dataset ``name``; ParameterError listing the known datasets otherwise."""
    return lookup("dataset", DATASETS, name)


def data_dir() -> Path | None:
    """The folder named by ``$UPSCATTER_DATA``, or None when the variable is unset or empty."""
    value = os.environ.get(DATA_ENV, "")
    return Path(value).expanduser() if value else None


def cache_dir() -> Path:
    """The download cache: ``$UPSCATTER_CACHE`` if set, else ``pooch.os_cache("upscatter")``."""
    value = os.environ.get(CACHE_ENV, "")
    if value:
        return Path(value).expanduser()
    import pooch  # only for downloads and the default cache (0.5 s of imports)

    return Path(pooch.os_cache("upscatter"))


#: Every registered release, by name (read from the package registry at import).
DATASETS: dict[str, Dataset] = _load_datasets()


def _candidates(dataset: str, filename: str) -> list[Path]:
    roots = [root for root in (data_dir(), cache_dir()) if root is not None]
    return [root / dataset / filename for root in roots]


def _digest(file: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm, usedforsecurity=False)
    with file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


_VERIFIED: dict[tuple[str, int, int, str], str] = {}

_USED: dict[str, str] = {}
"""``"<dataset>/<file>" -> sha256`` of every file handed out by :func:`path` in this process."""


def used_files() -> dict[str, str]:
    """The release files read in this process (through :func:`path`), with the sha256 that
    verified each: the data part of a result's provenance (:mod:`upscatter.provenance`)."""
    return dict(sorted(_USED.items()))


def _check(file: Path, entry: DataFile) -> str:
    """OK, OK_ORIGINAL, CORRUPTED or MISSING for the copy at ``file`` (cached by mtime and size)."""
    try:
        info = file.stat()
    except OSError:
        return MISSING
    if not stat.S_ISREG(info.st_mode):
        return MISSING
    key = (str(file), info.st_mtime_ns, info.st_size, entry.sha256)
    status = _VERIFIED.get(key)
    if status is None:
        try:
            if _digest(file, "sha256") == entry.sha256:
                status = OK
            elif entry.original_md5 is not None and _digest(file, "md5") == entry.original_md5:
                status = OK_ORIGINAL
            else:
                status = CORRUPTED
        except OSError as exc:
            raise DataError(f"cannot read {file}: {exc}") from exc
        _VERIFIED[key] = status
    return status


def _locate(dataset: Dataset, entry: DataFile) -> tuple[str, Path | None, list[Path]]:
    """Status, verified path (or None) and the corrupted copies met on the way."""
    corrupted = []
    for candidate in _candidates(dataset.name, entry.name):
        status = _check(candidate, entry)
        if status in (OK, OK_ORIGINAL):
            return status, candidate, corrupted
        if status == CORRUPTED:
            corrupted.append(candidate)
    return (CORRUPTED if corrupted else MISSING), None, corrupted


def _how_to_get(dataset: Dataset) -> str:
    return (
        f"either set {DATA_ENV} to a folder holding the release as {dataset.name}/<file>, "
        f"or run `upscatter data fetch {dataset.name}` (with --base-url or {URL_ENV} naming "
        f"a mirror; official release: {dataset.release})"
    )


def path(dataset: str, filename: str) -> Path:
    """Local path of a verified copy of a release file.

    Parameters
    ----------
    dataset : str
        Dataset name, a key of :data:`DATASETS` (``"coherent_csi_2017"``).
    filename : str
        File path relative to the dataset folder (``"promptPDF.txt"``, ``"Data/brnpdf.txt"``).

    Returns
    -------
    pathlib.Path
        The first copy, in ``$UPSCATTER_DATA`` then in the user cache, whose sha256 matches the
        registry (or whose MD5 matches the official original's, when known).

    Raises
    ------
    ParameterError
        Unknown dataset or file name.
    DataError
        No verified copy: the message names the file, where it looked, and how to get it.
    """
    ds = get_dataset(dataset)
    entry = ds.file(filename)
    status, found, corrupted = _locate(ds, entry)
    if found is not None:
        _USED[f"{ds.name}/{entry.name}"] = entry.sha256
        return found
    label = f"{ds.name}/{entry.name}"
    if status == CORRUPTED:
        where = ", ".join(str(p) for p in corrupted)
        problem = f"{label} is corrupted (sha256 does not match the registry) at {where}"
    else:
        searched = " and ".join(str(p) for p in _candidates(ds.name, entry.name))
        unset = "" if data_dir() is not None else f" ({DATA_ENV} is not set)"
        problem = f"{label} not found; looked in {searched}{unset}"
    raise DataError(f"{problem}; to get it, {_how_to_get(ds)}")


def verify(dataset: str | None = None) -> list[tuple[str, str, str]]:
    """Check every registered file of one dataset (or of all).

    Returns
    -------
    list of (str, str, str)
        ``(dataset, file, status)`` with status :data:`OK` (mirror bytes), :data:`OK_ORIGINAL`
        (official release bytes), :data:`CORRUPTED` or :data:`MISSING`.
    """
    selected = DATASETS.values() if dataset is None else [get_dataset(dataset)]
    return [(ds.name, f.name, _locate(ds, f)[0]) for ds in selected for f in ds.files]


def load_text(dataset: str, filename: str, **kwargs) -> np.ndarray:
    """``numpy.loadtxt`` of a verified release file; ``kwargs`` go to ``numpy.loadtxt``.

    The tables of ``coherent_csi_2017`` are comma separated (pass ``delimiter=","``).
    """
    return np.loadtxt(path(dataset, filename), **kwargs)


def numeric_rows(dataset: str, filename: str) -> np.ndarray:
    """The numeric rows (comma- or white-space-separated) of a verified release file, shape
    (n_rows, n_columns); header, comment and other non-numeric lines are skipped, so both an
    original release file and a header-stripped mirror copy load (``coherent_csi_2017``)."""
    rows = []
    for line in path(dataset, filename).read_text().splitlines():
        try:
            rows.append([float(f) for f in re.split(r"[,\s]+", line.strip()) if f])
        except ValueError:
            continue
    return np.array([r for r in rows if r])


@contextlib.contextmanager
def _quiet_pooch() -> Iterator[None]:
    import pooch

    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _no_mirror_message(ds: Dataset) -> str:
    n_stripped = sum(f.header_stripped for f in ds.files)
    n_md5 = sum(f.original_md5 is not None for f in ds.files)
    return (
        f"no download mirror for {ds.name}: pass base_url (CLI: --base-url URL) or set "
        f"{URL_ENV} to a server laid out like shared/data (<URL>/{ds.name}/<file>). Otherwise "
        f"download the official release by hand from {ds.release} into "
        f"${DATA_ENV}/{ds.name}/. The registry holds the mirror's sha256; {n_stripped} of the "
        f"{len(ds.files)} mirror files are header-stripped, so their official copies have "
        f"different hashes; an official file is accepted when it matches its known MD5 "
        f"({n_md5} of {len(ds.files)} files have one)."
    )


def fetch(
    dataset: str, base_url: str | None = None, files: Iterable[str] | None = None
) -> list[Path]:
    """Download release files into the user cache through pooch, verifying their sha256.

    Parameters
    ----------
    dataset : str
        Dataset name, a key of :data:`DATASETS`.
    base_url : str, optional
        ``http(s)`` URL of a mirror laid out like ``shared/data``: file ``f`` of the dataset is
        ``<base_url>/<dataset>/<f>``. Defaults to ``$UPSCATTER_DATA_URL``.
    files : iterable of str, optional
        Subset of the dataset's files (default: all).

    Returns
    -------
    list of pathlib.Path
        Paths of the verified copies in ``cache_dir()/<dataset>/``.

    Raises
    ------
    DataError
        No mirror given (the message gives the official location and why its files do not
        match the mirror's hashes), or a download failed or did not match its sha256 (nothing
        is then left in the cache for that file).
    """
    ds = get_dataset(dataset)
    if isinstance(files, str):
        files = [files]
    entries = [ds.file(name) for name in (ds.filenames if files is None else files)]
    base = base_url or os.environ.get(URL_ENV, "")
    if not base:
        raise DataError(_no_mirror_message(ds))
    if urlsplit(base).scheme not in ("http", "https"):
        raise ParameterError(f"the mirror URL must start with http:// or https://, got {base!r}")
    base = base.rstrip("/")
    import pooch

    downloader = pooch.HTTPDownloader(progressbar=False, timeout=DOWNLOAD_TIMEOUT)
    target = cache_dir() / ds.name
    fetched = []
    with _quiet_pooch():
        for entry in entries:
            url = f"{base}/{quote(ds.name)}/{quote(entry.name)}"
            destination = target / entry.name
            try:
                local = pooch.retrieve(
                    url,
                    known_hash=f"sha256:{entry.sha256}",
                    fname=destination.name,
                    path=destination.parent,
                    downloader=downloader,
                )
            except (ValueError, OSError) as exc:
                reason = " ".join(str(exc).split())
                raise DataError(
                    f"download of {ds.name}/{entry.name} from {url} failed: {reason}"
                ) from exc
            fetched.append(Path(local))
    return fetched
