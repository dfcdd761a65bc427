"""Shared test configuration: where the public release files are.

If ``UPSCATTER_DATA`` is unset and ``../shared/data`` exists next to the repository, it is used.
Tests that need the release files take the ``data_dir`` fixture or carry ``@pytest.mark.data``:
without the files they are skipped locally but FAIL when ``CI=true``, so a CI run without data
can never pass silently.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def pytest_configure(config: pytest.Config) -> None:
    if not os.environ.get("UPSCATTER_DATA") and _SHARED_DATA.is_dir():
        os.environ["UPSCATTER_DATA"] = str(_SHARED_DATA)


def _require_data() -> Path:
    value = os.environ.get("UPSCATTER_DATA", "")
    if value and Path(value).is_dir():
        return Path(value)
    reason = f"public release files not found (UPSCATTER_DATA={value!r})"
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"{reason}: data tests must not be skipped in CI", pytrace=False)
    pytest.skip(reason)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("data") is not None:
        _require_data()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The folder holding the releases (``$UPSCATTER_DATA``); skip or, under CI, fail."""
    return _require_data()
