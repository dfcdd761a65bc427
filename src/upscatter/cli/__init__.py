"""The ``upscatter`` command line.

Every sub-command lives in its own module ``upscatter/cli/cmd_<name>.py`` that defines a
``click.Command`` named ``command``; they are discovered here, so adding a command never means
editing this file. Errors: an :class:`~upscatter.errors.UpscatterError` or a click usage error is
printed as one line ``upscatter: error: ...`` on stderr, with exit status 2 for usage errors and
1 otherwise.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click

from .. import __version__
from ..errors import UpscatterError


def _load_commands(group: click.Group) -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("cmd_"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            group.add_command(module.command)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="upscatter")
def cli() -> None:
    """Neutrino up-scattering into dark fermions at CEvNS experiments."""


_load_commands(cli)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``upscatter`` script; returns the exit status.

    BLAS is limited to one thread unless the user set a thread count
    (:func:`upscatter.executors.single_thread_blas`)."""
    from ..executors import single_thread_blas

    single_thread_blas()
    try:
        cli.main(args=argv, prog_name="upscatter", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("upscatter: aborted", err=True)
        return 1
    except click.ClickException as exc:
        click.echo(f"upscatter: error: {exc.format_message()}", err=True)
        return exc.exit_code
    except UpscatterError as exc:
        click.echo(f"upscatter: error: {exc}", err=True)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
