"""``upscatter region``: 2-D allowed region of two EFT coefficients at fixed m_chi."""

from __future__ import annotations

import click

from ..errors import ParameterError
from ..scans import eft_pair_region
from ._common import confirm_size, echo_json, hepdata_option
from ._options import build_experiment, experiment_options, file_option, json_option, yes_option

MAX_POINTS = 1001
"""Most grid points per axis without --yes (memory and time grow as the square)."""


@click.command("region")
@experiment_options
@click.option("--model", "model_name", default="eft", show_default=True, help="eft.")
@click.option("--pair", required=True, help="Two operators, e.g. a_M,C_S or dipole,tensor.")
@click.option("--m-chi", type=float, default=40.0, show_default=True, help="MeV.")
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
@hepdata_option
@yes_option(f"--points above {MAX_POINTS}")
@json_option
def command(
    experiment_name,
    time_window,
    settings,
    model_name,
    pair,
    m_chi,
    cl,
    dof,
    points,
    plot,
    hepdata,
    yes,
    as_json,
):
    """Allowed region (Delta chi^2 below the CL threshold) of two real coefficients."""
    if model_name != "eft":
        raise ParameterError("regions are available for --model eft")
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
    experiment = build_experiment(experiment_name, time_window, settings)
    region = eft_pair_region(experiment, pair.split(","), m_chi, cl, dof, points)
    if hepdata:
        from ..hepdata import region_tables, write_hepdata

        write_hepdata(region_tables(region), hepdata)
    if plot:
        from ..plotting import plot_regions

        plot_regions({f"{experiment.name}, m_chi = {m_chi:g} MeV": region}, plot)
    if as_json:
        echo_json(region.to_json())
        return
    pts = [p for line in region.boundary for p in line]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    click.echo(
        f"# {experiment.name}: {region.names[0]} vs {region.names[1]} at m_chi = {m_chi} "
        f"MeV, {round(cl * 100)}% CL, {dof} dof (Delta chi2 < {region.threshold:.2f})"
    )
    click.echo(
        f"{region.names[0]} in [{min(xs):.3g}, {max(xs):.3g}], "
        f"{region.names[1]} in [{min(ys):.3g}, {max(ys):.3g}] "
        f"({len(pts)} boundary points; --json lists them)"
    )
