"""``upscatter reproduce NAME``: build a paper figure and compare with published numbers."""

from __future__ import annotations

import logging
import sys

import click
import numpy as np

from .. import progress
from ..errors import ParameterError
from ..reproduce import REPRODUCTIONS, run
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
    """Reproduce a figure or table of the papers (see --list); details in NAME.json in --out."""
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
    if as_json:
        echo_json(payload)
        return
    click.echo(f"{name}: {payload['description']} ({payload['seconds']:.1f} s) -> {out_dir}/")
    for key, value in payload["results"].items():
        if key in ("files", "details"):
            continue
        if isinstance(value, dict) and "computed" in value:
            mark = _mark(value)
            click.echo(
                f"  {key}: computed {value['computed']:.3g}, published "
                f"{value['published']:.3g} (ratio {value['ratio']:.2f}) [{mark}]"
            )
        elif isinstance(value, dict) and all(np.isscalar(v) for v in value.values()):
            click.echo(f"  {key}:")
            for k, v in value.items():
                click.echo(f"    {k}: {v:.3g}" if isinstance(v, float) else f"    {k}: {v}")
        elif isinstance(value, dict):
            brief = {k: v for k, v in value.items() if k != "boundary"}
            click.echo(f"  {key}: {brief}")
        else:
            click.echo(f"  {key}: {value}")


def _mark(comparison: dict) -> str:
    """How a computed number relates to the published one, honestly labelled: reproduced
    (naming the paper convention when it is not the default), a documented known deviation, or
    OFF."""
    if comparison["within_tolerance"]:
        convention = comparison.get("convention")
        return f"reproduced with {convention}" if convention else "reproduced"
    if comparison.get("known_deviation"):
        return "known deviation, see the JSON"
    return "OFF"


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
