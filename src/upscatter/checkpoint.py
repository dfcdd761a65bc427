"""Checkpoints of long scans: finished points are kept on disk as they come, so a killed scan
resumes without recomputing them.

A checkpoint is one JSON-lines file: a header line naming the scan (a digest of its full
configuration and inputs), then one line per finished job with the indices of its points and
their results. Each line is written with a single ``write`` and flushed to disk; a line cut by
a kill is incomplete JSON and is ignored on reading, so the file always describes a set of
finished points. A checkpoint written for a different scan is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .errors import UpscatterError


def scan_digest(config: Mapping, arrays: Mapping[str, np.ndarray]) -> str:
    """sha256 of a scan's configuration (JSON) and input arrays (bytes), identifying it."""
    digest = hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode())
    for name in sorted(arrays):
        value = np.ascontiguousarray(arrays[name], dtype=float)
        digest.update(name.encode())
        digest.update(str(value.shape).encode())
        digest.update(value.tobytes())
    return digest.hexdigest()


class Checkpoint:
    """The finished points of one scan, on disk.

    Parameters
    ----------
    path : path-like
        The checkpoint file (created when missing).
    digest : str
        :func:`scan_digest` of the scan; an existing file with another digest is refused.
    """

    def __init__(self, path: str | os.PathLike, digest: str):
        self.path = Path(path)
        self.digest = digest
        self.done: dict[int, list[float]] = {}
        if self.path.exists():
            self._read()
        else:
            self._append({"scan": digest})

    def _read(self) -> None:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise UpscatterError(f"cannot read checkpoint {self.path}: {exc}") from exc
        records = []
        for line in lines:
            try:
                records.append(json.loads(line))
            except ValueError:
                continue  # a line cut by a kill
        if not records or records[0].get("scan") != self.digest:
            raise UpscatterError(
                f"checkpoint {self.path} belongs to another scan (different experiment, model, "
                "options or masses); remove it or choose another --checkpoint file"
            )
        for record in records[1:]:
            for index, value in zip(record["points"], record["values"], strict=True):
                self.done[int(index)] = value

    def _append(self, record: dict) -> None:
        line = (json.dumps(record) + "\n").encode("utf-8")
        try:
            with self.path.open("ab") as stream:
                stream.write(line)
                stream.flush()
                os.fsync(stream.fileno())
        except OSError as exc:
            raise UpscatterError(f"cannot write checkpoint {self.path}: {exc}") from exc

    def record(self, points, values) -> None:
        """Store the results ``values`` (one list of floats each) of ``points``."""
        points = [int(i) for i in points]
        values = [[float(x) for x in np.atleast_1d(v)] for v in values]
        self._append({"points": points, "values": values})
        self.done.update(zip(points, values, strict=True))
