"""The curated top-level API: lazy, complete, and cheap to import."""

from __future__ import annotations

import subprocess
import sys

import pytest

import upscatter


@pytest.mark.parametrize("name", [n for n in upscatter.__all__ if n != "__version__"])
def test_every_exported_name_resolves(name: str):
    assert getattr(upscatter, name) is not None
    assert name in dir(upscatter)


def test_import_upscatter_loads_no_heavy_module():
    """A fresh interpreter: after ``import upscatter`` neither numpy, scipy nor matplotlib is
    loaded."""
    heavy = ("numpy", "scipy", "matplotlib", "iminuit")
    code = f"import sys, upscatter; print(','.join(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = upscatter.nope
