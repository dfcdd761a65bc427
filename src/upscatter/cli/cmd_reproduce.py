"""``upscatter reproduce NAME``: build a paper figure and compare with published numbers.

The text output is two tables: every published number with ours, their ratio, the tolerance
and a status ("reproduced", "reproduced with <the paper's convention>", "known deviation" or
"OFF"), then the other computed quantities. The exit status is 1 when a number is OFF (outside
its tolerance without a documented deviation), so a reproduction can gate a test or CI job.
"""

from __future__ import annotations

import logging
import sys

import click

from .. import progress
from ..errors import ParameterError
from ..reproduce import REPRODUCTIONS, run
from ..reproduce._common import comparison_table, details_table, failures
from ._common import check_output_folder, echo_json
from ._options import json_option


@click.command("reproduce")
@click.argument("name", required=False)
@click.option(
    "--out",
    "out_dir",
    default="reproduce-out",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for figures and JSON.",
)
@click.option("--list", "list_only", is_flag=True, help="List the available reproductions.")
@click.option("--quiet", is_flag=True, help="No progress messages.")
@json_option
def command(name, out_dir, list_only, quiet, as_json):
    """Reproduce a figure or table of the papers (see --list); details in NAME.json in --out.

    Exits with status 1 when a published number is outside its tolerance and not a documented
    known deviation."""
    if list_only and name is not None:
        raise ParameterError(f"--list lists every reproduction and takes no NAME (got {name!r})")
    if list_only or name is None:
        entries = {k: v.description for k, v in REPRODUCTIONS.items()}
        if as_json:
            echo_json(entries)
        else:
            for key, text in entries.items():
                click.echo(f"{key:32} {text}")
        if name is None and not list_only:
            raise ParameterError("name a reproduction (see the list above)")
        return
    check_output_folder("--out", out_dir)
    logger = logging.getLogger("upscatter.reproduce")
    # reproductions log each figure as they go: the messages and a step count with the
    # elapsed time (the number of steps is not known in advance, so no ETA)
    with progress.bar(name, None, quiet) as steps:
        handler = _StepHandler(steps, echo=not (quiet or as_json))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        try:
            payload = run(name, out_dir)
        finally:
            logger.removeHandler(handler)
    off = failures(payload["results"])
    if as_json:
        echo_json(payload)
    else:
        click.echo(f"{name}: {payload['description']} ({payload['seconds']:.1f} s) -> {out_dir}/")
        table = comparison_table(payload["results"])
        if table:
            click.echo("\npublished numbers:")
            for line in table:
                click.echo(f"  {line}")
        details = details_table(payload["results"])
        if details:
            click.echo("\nother results:")
            for line in details:
                click.echo(f"  {line}")
        files = payload["results"].get("files")
        if files:
            click.echo(f"\nfiles: {', '.join(files)}")
    if off:
        raise click.ClickException(
            f"{len(off)} number(s) outside tolerance without a documented deviation: "
            + "; ".join(off)
        )


class _StepHandler(logging.Handler):
    """Advances a progress bar per log record and shows the message on stderr (above the bar
    when there is one)."""

    def __init__(self, steps: progress.Progress, echo: bool):
        super().__init__()
        self.steps, self.echo = steps, echo

    def emit(self, record: logging.LogRecord) -> None:
        self.steps.step()
        if not self.echo:
            return
        text = f"  {record.getMessage()}"
        if progress.enabled():
            self.steps.write(text)
        else:
            print(text, file=sys.stderr)
