"""The documentation site's sources (the build itself, tutorials executed, runs in CI:
``sphinx-build -W --keep-going -b html docs docs/_build/html``)."""

from __future__ import annotations

import ast
import os
import re
import runpy
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
TUTORIALS = sorted((DOCS / "tutorials").glob("*.py"))


@pytest.fixture
def conf(monkeypatch):
    """docs/conf.py run as Sphinx runs it, without leaking its sys.path or environment."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    for name in ("UPSCATTER_DATA", "MPLBACKEND"):  # restored after the test
        if name in os.environ:
            monkeypatch.setenv(name, os.environ[name])
        else:
            monkeypatch.delenv(name, raising=False)
    return runpy.run_path(str(DOCS / "conf.py"))


def test_conf_imports_and_names_the_package_version(conf):
    import upscatter

    assert conf["project"] == "upscatter"
    assert conf["release"] == upscatter.__version__
    assert "numpydoc" in conf["extensions"] and "myst_parser" in conf["extensions"]


def test_every_tutorial_is_executed_by_the_gallery(conf):
    """sphinx-gallery runs only scripts matching filename_pattern; a tutorial that does not match
    would be shown without its output."""
    assert len(TUTORIALS) >= 7
    pattern = re.compile(conf["sphinx_gallery_conf"]["filename_pattern"])
    for script in TUTORIALS:
        assert pattern.search(str(script)), script.name


@pytest.mark.parametrize("script", TUTORIALS, ids=lambda p: p.name)
def test_tutorial_is_valid_python_with_a_titled_docstring(script):
    """Each tutorial compiles and opens with the docstring sphinx-gallery needs: a title
    underlined with '='."""
    tree = ast.parse(script.read_text(encoding="utf-8"), filename=str(script))
    docstring = ast.get_docstring(tree, clean=False)
    assert docstring, f"{script.name}: no module docstring"
    lines = docstring.strip().splitlines()
    assert len(lines) >= 2 and set(lines[1]) == {"="} and len(lines[1]) >= len(lines[0])
