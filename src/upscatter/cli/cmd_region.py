"""``upscatter region``: 2-D allowed region in a pair of a model's couplings at fixed masses.

The pair is two EFT coefficients (``--model eft --pair a_M,C_S``) or two per-flavour couplings
of the vector or scalar model along any preset's targets (``--pair g_e,g_mu``); the library
decides which model holds them (:func:`upscatter.models.coupling_space`) and computes the
region from one basis (:func:`upscatter.scans.pair_region`).
"""

from __future__ import annotations

import click

from .. import progress
from ..errors import ParameterError
from ..models import get_model
from ..scans import pair_region
from ._common import confirm_size, echo_json, hepdata_option
from ._options import (
    CONVENTION_HELP,
    build_experiment,
    convention_option,
    electrons_option,
    experiment_options,
    file_option,
    json_option,
    model_kwargs,
    parse_settings,
    yes_option,
)

MAX_POINTS = 1001
"""Most grid points per axis without --yes (memory and time grow as the square)."""


@click.command("region")
@experiment_options
@click.option(
    "--model", "model_name", default="eft", show_default=True, help="eft, vector or scalar."
)
@click.option(
    "--preset",
    default=None,
    help="vector, scalar: the preset whose target charges the per-flavour couplings keep "
    "(default universal).",
)
@click.option(
    "--pair",
    required=True,
    help="Two couplings: operators (eft: a_M,C_S or dipole,tensor) or per-flavour couplings "
    "(vector, scalar: two of g_e, g_mu, g_tau).",
)
@convention_option(CONVENTION_HELP)
@click.option(
    "--fix",
    "fixed_text",
    multiple=True,
    metavar="NAME=VALUE",
    help="Value of another coupling of the model (default 0), e.g. --fix g_tau=1e-4.",
)
@click.option("--m-chi", type=float, default=40.0, show_default=True, help="MeV.")
@click.option("--m-med", type=float, default=None, help="Mediator mass (MeV; vector, scalar).")
@electrons_option(
    "vector, scalar: include nu e -> chi e (default: the experiment decides).", default=None
)
@click.option("--cl", type=float, default=0.9, show_default=True)
@click.option("--dof", type=int, default=2, show_default=True)
@click.option(
    "--points",
    type=int,
    default=241,
    show_default=True,
    help=f"Grid points per axis (above {MAX_POINTS} needs --yes).",
)
@file_option("--plot", "Write a PNG of the region.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@hepdata_option
@yes_option(f"--points above {MAX_POINTS}")
@json_option
def command(
    experiment_name,
    time_window,
    settings,
    model_name,
    preset,
    pair,
    convention,
    fixed_text,
    m_chi,
    m_med,
    electrons,
    cl,
    dof,
    points,
    plot,
    quiet,
    hepdata,
    yes,
    as_json,
):
    """Allowed region (Delta chi^2 below the CL threshold) of two real couplings."""
    if points < 11:
        raise ParameterError("--points must be at least 11")
    confirm_size(
        "--points",
        points,
        MAX_POINTS,
        f"a {points}x{points} grid, ~{16 * points**2 / 2**30:.3g} GiB per array and "
        f"~{(points / 241) ** 2:.3g} x the time of the default 241",
        yes,
    )
    fixed = parse_settings(fixed_text, "--fix")
    for name, value in fixed.items():
        if not isinstance(value, float):
            raise ParameterError(f"--fix takes NAME=NUMBER, got {name}={value!r}")
    masses = {"m_chi": m_chi} if m_med is None else {"m_chi": m_chi, "m_med": m_med}
    experiment = build_experiment(experiment_name, time_window, settings)
    model = get_model(model_name, preset=preset)
    options = model_kwargs(model, electrons=electrons, convention=convention)
    with progress.bar("grid points", None, quiet) as report:
        region = pair_region(
            experiment,
            model,
            masses,
            pair.split(","),
            fixed,
            cl,
            dof,
            points,
            progress=report,
            **options,
        )
    where = ", ".join(f"{k} = {v:g} MeV" for k, v in masses.items())
    if hepdata:
        from ..hepdata import region_tables, write_hepdata

        write_hepdata(region_tables(region), hepdata)
    if plot:
        from ..plotting import plot_regions

        label = f"{experiment.name}, {where}"
        if "convention" in region.config:
            label += f", {region.config['convention']} convention"
        plot_regions({label: region}, plot)
    if as_json:
        echo_json(region.to_json())
        return
    pts = [p for line in region.boundary for p in line]
    click.echo(
        f"# {experiment.name}, model={region.config['model']}: {region.names[0]} vs "
        f"{region.names[1]} ({region.units}) at {where}, {round(cl * 100)}% CL, {dof} dof "
        f"(Delta chi2 < {region.threshold:.2f})"
        + (f", convention={region.config['convention']}" if "convention" in region.config else "")
    )
    if not pts:
        click.echo("no boundary inside the grid")
        return
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    click.echo(
        f"{region.names[0]} in [{min(xs):.3g}, {max(xs):.3g}], "
        f"{region.names[1]} in [{min(ys):.3g}, {max(ys):.3g}] "
        f"({len(pts)} boundary points; --json lists them)"
    )
    open_edges = region.open_edges()
    if open_edges:
        click.echo(
            f"# the region reaches the grid's edge ({', '.join(open_edges)}): it is not closed "
            "there"
        )
