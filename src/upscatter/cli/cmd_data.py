"""``upscatter data``: list, locate, download and verify the public release files."""

from __future__ import annotations

import dataclasses

import click

from .. import data
from ..errors import DataError
from ._common import echo_json

_JSON = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")


@click.group(name="data")
def command() -> None:
    """Public data releases: list, locate, download and verify the files."""


@command.command(name="list")
@click.argument("dataset", required=False)
@_JSON
def list_command(dataset: str | None, as_json: bool) -> None:
    """List the datasets, or the files of DATASET with their checksums."""
    selected = list(data.DATASETS.values()) if dataset is None else [data.get_dataset(dataset)]
    data_root = data.data_dir()
    if as_json:
        echo_json(
            {
                "data_dir": None if data_root is None else str(data_root),
                "cache_dir": str(data.cache_dir()),
                "datasets": [dataclasses.asdict(ds) for ds in selected],
            }
        )
        return
    if dataset is None:
        for ds in selected:
            click.echo(f"{ds.name:<20} {len(ds.files):>5} files  {ds.release}")
            click.echo(f"{'':<20} {ds.description}")
        return
    ds = selected[0]
    click.echo(f"{ds.name}: {ds.description}")
    click.echo(f"release:  {ds.release}")
    click.echo(f"citation: {ds.citation}")
    for entry in ds.files:
        flags = "header-stripped" if entry.header_stripped else ""
        original = f"original md5 {entry.original_md5}" if entry.original_md5 else ""
        click.echo(f"  {entry.name:<45} sha256 {entry.sha256[:16]}...  {original}  {flags}")
    if ds.not_mirrored:
        click.echo(f"not in the mirror: {', '.join(ds.not_mirrored)}")


@command.command(name="path")
@click.argument("dataset")
@click.argument("filename")
@_JSON
def path_command(dataset: str, filename: str, as_json: bool) -> None:
    """Print the local path of a verified copy of FILENAME of DATASET."""
    found = data.path(dataset, filename)
    if as_json:
        echo_json({"dataset": dataset, "file": filename, "path": str(found)})
    else:
        click.echo(str(found))


@command.command(name="fetch")
@click.argument("dataset")
@click.option(
    "--base-url",
    default=None,
    help=f"Mirror laid out like shared/data (default: ${data.URL_ENV}).",
)
@click.option(
    "--file", "files", multiple=True, help="Fetch only this file (repeatable; default: all)."
)
@_JSON
def fetch_command(
    dataset: str, base_url: str | None, files: tuple[str, ...], as_json: bool
) -> None:
    """Download DATASET into the user cache and verify it."""
    fetched = data.fetch(dataset, base_url=base_url, files=files or None)
    if as_json:
        echo_json(
            {
                "dataset": dataset,
                "cache_dir": str(data.cache_dir()),
                "files": [str(p) for p in fetched],
            }
        )
    else:
        for local in fetched:
            click.echo(str(local))


@command.command(name="verify")
@click.argument("dataset", required=False)
@_JSON
def verify_command(dataset: str | None, as_json: bool) -> None:
    """Check the checksum of every file (of DATASET, or of all); exit 1 if any is not ok."""
    results = data.verify(dataset)
    good = (data.OK, data.OK_ORIGINAL)
    if as_json:
        echo_json(
            {
                "ok": all(status in good for _, _, status in results),
                "results": [
                    {"dataset": ds, "file": name, "status": status} for ds, name, status in results
                ],
            }
        )
    else:
        for ds, name, status in results:
            click.echo(f"{status:<12} {ds}/{name}")
    bad = sorted({ds for ds, _, status in results if status not in good})
    if bad:
        n_bad = sum(status not in good for _, _, status in results)
        raise DataError(
            f"{n_bad} of {len(results)} files missing or corrupted (in {', '.join(bad)}); "
            f"set {data.DATA_ENV} to a folder holding the releases, or run "
            f"`upscatter data fetch <dataset>`"
        )
