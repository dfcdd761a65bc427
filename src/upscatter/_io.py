"""Atomic file output: a result file is either its old content or its complete new content.

Each write goes to a temporary file in the destination's folder, is flushed to disk, and then
replaces the destination with :func:`os.replace` (atomic on POSIX and Windows), so a process
killed mid-write never leaves a truncated file behind.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .errors import UpscatterError


def atomic_write_bytes(path: str | Path, content: bytes) -> Path:
    """Write ``content`` to ``path`` atomically (see the module notes); returns the path."""
    path = Path(path)
    try:
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as exc:
        raise UpscatterError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _mode(path))  # mkstemp makes it private (0600)
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise UpscatterError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return path


def _mode(path: Path) -> int:
    """Permissions of the written file: those of the file it replaces, else what ``open``
    gives a new file (0666 less the umask)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write_text(path: str | Path, text: str) -> Path:
    """UTF-8 text version of :func:`atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.floating | float):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def to_json(payload: dict) -> str:
    """Serialise a result dictionary (numpy values allowed; NaN/inf become null)."""
    return json.dumps(_jsonable(payload), indent=2)
