"""How a result was made: package version, git commit, command line, library versions and the
sha256 of every public release file read in this process.

:func:`provenance` is recorded in every saved scan (the ``config["provenance"]`` of
:class:`upscatter.scans.ScanResult` and :class:`~upscatter.scans.RegionResult`) and in the CLI's
JSON output, so a result file says exactly what produced it.
"""

from __future__ import annotations

import datetime
import platform
import shlex
import sys
from importlib import metadata
from pathlib import Path

from . import __version__

#: Libraries whose versions can change a number.
LIBRARIES = ("numpy", "scipy", "iminuit")


def _git_dirs(folder: Path) -> tuple[Path, Path] | None:
    """(git directory, common directory) of the checkout at ``folder``: ``.git`` itself, or for
    a linked worktree the ``gitdir:`` its ``.git`` file names and that one's ``commondir``."""
    git = folder / ".git"
    if git.is_dir():
        return git, git
    if not git.is_file():
        return None
    text = git.read_text(encoding="utf-8").strip()
    if not text.startswith("gitdir: "):
        return None
    gitdir = (folder / text[8:]).resolve()
    common = gitdir / "commondir"
    if common.is_file():
        return gitdir, (gitdir / common.read_text(encoding="utf-8").strip()).resolve()
    return gitdir, gitdir


def git_commit(start: Path | None = None) -> str | None:
    """Commit of the git checkout holding this package (None when installed from a wheel or
    outside a checkout), read from ``.git`` (a folder, or a linked worktree's file) without
    running git."""
    here = (start or Path(__file__)).resolve()
    try:
        for folder in here.parents:
            dirs = _git_dirs(folder)
            if dirs is not None:
                break
        else:
            return None
        git, common = dirs
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref: "):
            return head or None
        ref = head[5:]
        for base in (git, common):
            loose = base / ref
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
        "data_files": data.used_files(),
        "created_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
