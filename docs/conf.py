"""Sphinx configuration of the upscatter documentation site.

Build (from the repository root, with ``pip install -e '.[docs]'`` and ``UPSCATTER_DATA`` set to
the folder of the public data releases)::

    sphinx-build -W --keep-going -b html docs docs/_build/html

Pages are Markdown (MyST) or reStructuredText; the API reference is generated from the numpydoc
docstrings (autodoc + autosummary); the tutorials in ``docs/tutorials/`` are Python scripts that
sphinx-gallery executes during the build and offers as scripts and Jupyter notebooks.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# Build from a source checkout without installing it (an installed upscatter works as well).
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(DOCS / "_ext"))  # local directives: upscatter_registry
# The physics notes and the README refer to the shared data folder beside the repository.
if not os.environ.get("UPSCATTER_DATA") and (ROOT.parent / "shared" / "data").is_dir():
    os.environ["UPSCATTER_DATA"] = str(ROOT.parent / "shared" / "data")
os.environ.setdefault("MPLBACKEND", "Agg")

import upscatter  # noqa: E402

project = "upscatter"
author = "upscatter developers"
copyright = "upscatter developers"
release = upscatter.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "upscatter_registry",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "tutorials/*", "Thumbs.db", ".DS_Store"]

# --- MyST ---------------------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# --- API reference ------------------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types and units
autodoc_preserve_defaults = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()
numpydoc_xref_param_type = False

# Cross-references that do not resolve (e.g. to numpy types written in a docstring) are left as
# text, not errors; docstrings are written for readers of the source as well.
nitpicky = False
suppress_warnings = [
    # Dataclass fields appear both in a class' "Attributes" section and as autodoc members;
    # numpydoc renders the section as a parameter list, so the pair is harmless.
    "autodoc.duplicate_object",
]

# --- Tutorials (sphinx-gallery) ------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": ["tutorials"],
    "gallery_dirs": ["auto_tutorials"],
    "filename_pattern": r"/\d\d_",  # execute every numbered tutorial
    "ignore_pattern": r"__init__\.py",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "matplotlib_animations": False,
    "reference_url": {"upscatter": None},
    "show_memory": False,
    "write_computation_times": False,
}

# --- HTML -----------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"upscatter {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
}
html_static_path: list[str] = []
html_show_sourcelink = True
