"""Sphinx directives that write pages from upscatter's own registries, so that the site lists
exactly what the installed package knows.

``.. upscatter-experiments::``
    One section per registered experiment (:data:`upscatter.experiments.EXPERIMENTS`): its
    class, its options with their defaults, the data set it reads, and its module docstring,
    which states the inputs and where each comes from; for a shipped spec file, the file and
    its header comment.
``.. upscatter-datasets::``
    One section per public data release of :data:`upscatter.data.DATASETS`: description,
    official location, what to cite, the files not held by the mirror and the caveats.
``.. upscatter-cli::``
    One section per command of the ``upscatter`` script, with its ``--help`` text.
"""

from __future__ import annotations

import inspect
import re
import sys

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList
from sphinx.util.nodes import nested_parse_with_titles


def _plain(text: str) -> str:
    """Registry text is plain text: escape the characters reStructuredText would interpret."""
    return re.sub(r"([\\`*_|\[\]])", r"\\\1", " ".join(text.split()))


def _underline(title: str, char: str) -> list[str]:
    return [title, char * len(title), ""]


def _options(factory) -> str:
    """The keyword options of an experiment's constructor, with defaults."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return ""
    parts = [
        f"``{name}={param.default!r}``" if param.default is not param.empty else f"``{name}``"
        for name, param in signature.parameters.items()
        if param.kind not in (param.VAR_POSITIONAL, param.VAR_KEYWORD)
    ]
    return ", ".join(parts)


class _RegistryDirective(Directive):
    has_content = False

    def lines(self) -> list[str]:
        raise NotImplementedError

    def run(self) -> list[nodes.Node]:
        container = nodes.section()
        container.document = self.state.document
        source = self.state.document.current_source or "<upscatter registry>"
        content = StringList(self.lines(), source=source)
        nested_parse_with_titles(self.state, content, container)
        return container.children


class ExperimentsDirective(_RegistryDirective):
    def lines(self) -> list[str]:
        from upscatter.experiments import EXPERIMENTS, ShippedSpec

        out: list[str] = []
        for name, factory in EXPERIMENTS.items():
            if isinstance(factory, ShippedSpec):
                out += _underline(name, "-")
                out += [
                    f"Spec file ``upscatter/experiments/specs/{factory.path.name}``, read by "
                    ":mod:`upscatter.experiments.spec` (no Python class of its own). Options "
                    f"(``get_experiment({name!r}, ...)``, CLI ``--set``) replace fields of the "
                    "file: see :doc:`../experiment-spec`.",
                    "",
                    "::",
                    "",
                    *(f"    {line}" for line in factory.description.splitlines()),
                    "",
                ]
                continue
            module = sys.modules[factory.__module__]
            out += _underline(name, "-")
            out.append(f"Class :class:`{factory.__module__}.{factory.__qualname__}`.")
            out.append("")
            options = _options(factory)
            if options:
                call = f"``get_experiment({name!r}, ...)``"
                out += [f"Options ({call}, CLI ``--set``): {options}.", ""]
            dataset = getattr(module, "DATASET", None)
            if dataset:
                out += [f"Data set: ``{dataset}`` (see :ref:`data-releases`).", ""]
            out += [f".. automodule:: {factory.__module__}", "   :no-members:", "   :no-index:", ""]
        return out


class DatasetsDirective(_RegistryDirective):
    def lines(self) -> list[str]:
        from upscatter.data import DATASETS

        out: list[str] = []
        for name, dataset in DATASETS.items():
            out += _underline(name, "~")
            out += [_plain(dataset.description), ""]
            out += [f"* Release: {dataset.release}", f"* Cite: {_plain(dataset.citation)}"]
            out.append(f"* Files registered: {len(dataset.files)}")
            if dataset.not_mirrored:
                missing = ", ".join(f"``{f}``" for f in dataset.not_mirrored)
                out.append(f"* In the official release but not in the mirror: {missing}")
            if dataset.notes:
                out.append(f"* Notes: {_plain(dataset.notes)}")
            out.append("")
        return out


class CliDirective(_RegistryDirective):
    def lines(self) -> list[str]:
        import click

        from upscatter.cli import cli

        out: list[str] = []
        with click.Context(cli, info_name="upscatter", terminal_width=100) as root:
            for name in cli.list_commands(root):
                command = cli.get_command(root, name)
                with click.Context(
                    command, info_name=name, parent=root, terminal_width=100
                ) as context:
                    text = command.get_help(context)
                out += _underline(f"upscatter {name}", "-")
                out += [".. code-block:: text", ""]
                out += [f"   {line}".rstrip() for line in text.splitlines()]
                out.append("")
        return out


def setup(app):
    app.add_directive("upscatter-experiments", ExperimentsDirective)
    app.add_directive("upscatter-datasets", DatasetsDirective)
    app.add_directive("upscatter-cli", CliDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
