"""Module boundaries (docs/architecture.md): a module imports only from its own layer or the
layers below it. Checked on the source with ast, so a new upward import fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "upscatter"

#: Layer of each top-level module or package of upscatter, lowest first.
LAYERS = [
    {
        "units",
        "constants",
        "errors",
        "_validate",
        "_io",
        "_blas",
        "flavours",
        "nuclei",
        "kinematics",
        "form_factors",
        "hadronic",
        "data",
        "registry",
    },
    {"xsec"},
    {"fluxes"},
    {"rates", "response"},
    {"models", "presets", "decays"},
    {"stats"},
    {"experiments"},
    {"executors", "checkpoint", "provenance", "progress", "scans", "intervals"},
    {"plotting", "hepdata"},
    {"reproduce", "cli"},
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def _top(module: Path) -> str:
    return module.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imports(path: Path):
    """Top-level upscatter modules imported by ``path`` (absolute or relative imports)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    depth = len(path.relative_to(PACKAGE).parts) - 1
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                parts = path.relative_to(PACKAGE).parts[: depth - node.level + 1]
                target = [*parts, *(node.module or "").split(".")] if node.module else list(parts)
                if not target:  # "from .. import x": the names are modules
                    yield from (alias.name for alias in node.names)
                elif target[0]:
                    yield target[0]
                else:
                    yield from (alias.name for alias in node.names)
            elif node.module and node.module.startswith("upscatter."):
                yield node.module.split(".")[1]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("upscatter."):
                    yield alias.name.split(".")[1]


def test_every_module_has_a_layer():
    tops = {
        _top(p) for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE
    }
    assert tops <= set(RANK), sorted(tops - set(RANK))


@pytest.mark.parametrize(
    "path",
    sorted(p for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE or p.name != "__init__.py"),
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_no_upward_import(path: Path):
    own = RANK[_top(path)]
    upward = sorted({m for m in _imports(path) if m in RANK and RANK[m] > own})
    assert upward == [], f"{path.relative_to(PACKAGE)} imports higher layers {upward}"
