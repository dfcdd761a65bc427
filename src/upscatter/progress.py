"""Progress bars with ETA on stderr for the long steps of the command line (tqdm).

A bar is shown only when it can be read: never with ``quiet`` (the CLI's ``--quiet`` and
``--json``) and never when the stream is not a terminal (a pipe, a file, a batch job's log), so
captured output stays clean. Library functions take a plain ``progress(done, total)`` callback;
:func:`bar` turns such a callback into a tqdm bar::

    with bar("bounds", n_points, quiet) as report:
        coupling_bound(..., progress=report)
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO, TypeVar

from tqdm import tqdm

T = TypeVar("T")


def enabled(quiet: bool = False, stream: IO | None = None) -> bool:
    """Whether a bar would be shown: not ``quiet`` and ``stream`` (default stderr) a terminal."""
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return not quiet and callable(isatty) and bool(isatty())


class Progress:
    """A progress(done, total) callback driving one tqdm bar (see :func:`bar`)."""

    def __init__(self, label: str, total: int | None, quiet: bool, stream: IO | None):
        stream = sys.stderr if stream is None else stream
        self._bar = tqdm(
            total=total,
            desc=label,
            file=stream,
            disable=not enabled(quiet, stream),
            dynamic_ncols=True,
            leave=False,
        )

    def __call__(self, done: int, total: int | None = None) -> None:
        """Set the bar to ``done`` of ``total`` (total unchanged when None)."""
        if total is not None and total != self._bar.total:
            self._bar.total = total
        self._bar.update(done - self._bar.n)

    def step(self, n: int = 1) -> None:
        """Advance the bar by ``n``."""
        self._bar.update(n)

    def write(self, text: str) -> None:
        """Print a line above the bar (through tqdm, so the bar is redrawn below it)."""
        if self._bar.disable:
            return
        self._bar.write(text, file=self._bar.fp)

    def close(self) -> None:
        self._bar.close()


@contextmanager
def bar(
    label: str, total: int | None, quiet: bool = False, stream: IO | None = None
) -> Iterator[Progress]:
    """A bar on ``stream`` (default stderr) for a step of ``total`` units (None: unknown, no
    ETA); silent with ``quiet`` or when the stream is not a terminal."""
    progress = Progress(label, total, quiet, stream)
    try:
        yield progress
    finally:
        progress.close()


def iterate(
    items: Iterable[T],
    label: str,
    quiet: bool = False,
    total: int | None = None,
    stream: IO | None = None,
) -> Iterator[T]:
    """``items`` with a bar advancing once per item (see :func:`bar`)."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with bar(label, total, quiet, stream) as progress:
        for item in items:
            yield item
            progress.step()
