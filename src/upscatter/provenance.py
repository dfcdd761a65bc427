"""How a result was made: package version, git commit, command line, library versions and the
sha256 of every public release file read in this process.

:func:`provenance` is recorded in every saved scan (the ``config["provenance"]`` of
:class:`upscatter.scans.ScanResult` and :class:`~upscatter.scans.RegionResult`) and in the CLI's
JSON output, so a result file says exactly what produced it.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import platform
import shlex
import sys
from importlib import metadata
from pathlib import Path

from . import __version__

#: Libraries whose versions can change a number.
LIBRARIES = ("numpy", "scipy", "iminuit")


def git_commit(start: Path | None = None) -> str | None:
    """Commit of the git checkout holding this package (None when installed from a wheel or
    outside a checkout), read from ``.git`` without running git. In a linked worktree ``.git`` is
    a file ``gitdir: <path>``; HEAD is read there and branch refs in its common directory."""
    here = (start or Path(__file__)).resolve()
    for folder in here.parents:
        git = folder / ".git"
        if git.is_dir() or git.is_file():
            break
    else:
        return None
    try:
        if git.is_file():
            text = git.read_text(encoding="utf-8").strip()
            if not text.startswith("gitdir: "):
                return None
            git = (folder / text[8:]).resolve()
        common = git
        if (git / "commondir").is_file():
            common = (git / (git / "commondir").read_text(encoding="utf-8").strip()).resolve()
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref: "):
            return head or None
        ref = head[5:]
        loose = common / ref
        if loose.is_file():
            return loose.read_text(encoding="utf-8").strip()
        packed = common / "packed-refs"
        if packed.is_file():
            for line in packed.read_text(encoding="utf-8").splitlines():
                if line.endswith(" " + ref):
                    return line.split()[0]
    except OSError:
        return None
    return None


#: A dataset with more files read than this is recorded by one digest instead of file by file.
LISTED_FILES = 40


def data_summary(files: dict[str, str]) -> dict:
    """The release files read: ``"<dataset>/<file>": sha256`` for small datasets; for a dataset
    with more than :data:`LISTED_FILES` files read (the XENONnT templates), one entry
    ``"<dataset>/*"`` with the number of files and the sha256 of their sorted
    ``"<file> <sha256>"`` lines, which identifies the same set of bytes."""
    by_dataset: dict[str, dict[str, str]] = {}
    for name, sha in files.items():
        dataset, _, file = name.partition("/")
        by_dataset.setdefault(dataset, {})[file] = sha
    summary: dict = {}
    for dataset, entries in sorted(by_dataset.items()):
        if len(entries) <= LISTED_FILES:
            summary.update({f"{dataset}/{f}": sha for f, sha in sorted(entries.items())})
            continue
        lines = "".join(f"{f} {sha}\n" for f, sha in sorted(entries.items()))
        summary[f"{dataset}/*"] = {
            "files": len(entries),
            "sha256_of_list": hashlib.sha256(lines.encode()).hexdigest(),
        }
    return summary


@functools.cache  # installed versions do not change within a process (~70 ms a lookup set)
def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def provenance() -> dict:
    """The record described in the module notes (a JSON-ready dict)."""
    from . import data

    return {
        "upscatter_version": __version__,
        "git_commit": git_commit(),
        "command": shlex.join(sys.argv),
        "python": platform.python_version(),
        "libraries": {name: _version(name) for name in LIBRARIES},
        "data_files": data_summary(data.used_files()),
        "created_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
