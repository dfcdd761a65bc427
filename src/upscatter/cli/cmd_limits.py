"""``upscatter limits``: upper bound on a coupling versus the dark-fermion mass."""

from __future__ import annotations

import warnings
from pathlib import Path

import click
import numpy as np

from .. import progress
from ..errors import ParameterError, RangeOfValidityWarning
from ..executors import EXECUTORS, check_executor
from ..scans import bounds_from_basis, compute_basis
from ..stats.chi2 import delta_chi2_threshold
from ._common import (
    check_output_file,
    confirm_size,
    echo_json,
    hepdata_option,
    parse_float_list,
)
from ._options import analysis_options, file_option, json_option, yes_option

MAX_POINTS = 1000
"""Most mass points without --yes."""
FC_POINTS = 41
"""Couplings of the --fc belt at each mass point: 0 to twice the Wilks bound."""


@click.command("limits")
@analysis_options
@click.option(
    "--m-chi",
    "m_chi_text",
    default="log:0.1:100:40",
    show_default=True,
    help=f"MeV: a value, a comma list or log:START:STOP:N (above {MAX_POINTS} points needs --yes).",
)
@click.option(
    "--m-med",
    "m_med_text",
    default=None,
    help="Mediator mass (MeV): a value, or a list/range to scan at fixed --m-chi.",
)
@click.option(
    "--mass-ratio",
    type=float,
    default=None,
    help="m_med = RATIO x m_chi (default 10 when --m-med is not given).",
)
@click.option("--cl", type=float, default=0.9, show_default=True, help="Confidence level.")
@click.option("--dof", type=int, default=1, show_default=True, help="Degrees of freedom.")
@click.option(
    "--executor",
    type=click.Choice(list(EXECUTORS)),
    default="serial",
    show_default=True,
    help="Where basis spectra and bounds run: this process, a process pool, or Dask "
    "(a LocalCluster, or --scheduler).",
)
@click.option("--scheduler", default=None, help="Address of a running Dask scheduler.")
@click.option(
    "--checkpoint",
    type=click.Path(dir_okay=False),
    default=None,
    help="Append finished bounds to this file as they come (resumable with --resume).",
)
@click.option("--resume", is_flag=True, help="Continue the scan recorded in --checkpoint.")
@click.option(
    "--expected",
    type=click.Choice(["asimov", "toys"]),
    default=None,
    help="Also the expected bound (median, +-1 and +-2 sigma) under SM + backgrounds.",
)
@click.option(
    "--profile-curve",
    is_flag=True,
    help="Also the profile Delta chi^2 curve: best fit and the (two-sided) interval.",
)
@click.option(
    "--fc",
    is_flag=True,
    help="Also the Feldman-Cousins interval from pseudo-experiments (slow: use few masses).",
)
@click.option(
    "--toys",
    type=click.IntRange(10, 1_000_000),
    default=1000,
    show_default=True,
    help="Pseudo-experiments for --expected toys (per mass point) and --fc (at most, per "
    "coupling).",
)
@click.option(
    "--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of the toys."
)
@file_option("--out", "Save the ScanResult as CSV(+JSON).")
@file_option("--plot", "Write a PNG of the bound.")
@hepdata_option
@click.option("--quiet", is_flag=True, help="No progress bar.")
@yes_option(f"more than {MAX_POINTS} mass points")
@json_option
def command(
    analysis,
    m_chi_text,
    m_med_text,
    mass_ratio,
    cl,
    dof,
    executor,
    scheduler,
    checkpoint,
    resume,
    expected,
    profile_curve,
    fc,
    toys,
    seed,
    out,
    plot,
    hepdata,
    quiet,
    yes,
    as_json,
):
    """90% CL (or any CL) upper bound on the coupling at each m_chi."""
    m_chi = parse_float_list(m_chi_text, "--m-chi")
    if m_med_text is not None and mass_ratio is not None:
        raise ParameterError("give --m-med or --mass-ratio, not both")
    if m_med_text is not None:
        med = parse_float_list(m_med_text, "--m-med")
        if m_chi.size > 1 and med.size > 1 and m_chi.size != med.size:
            raise ParameterError("--m-chi and --m-med lists must have equal lengths (or one value)")
        m_chi, med = np.broadcast_arrays(m_chi, med)
        m_chi, med = m_chi.copy(), med.copy()
    else:
        ratio = 10.0 if mass_ratio is None else mass_ratio
        if not np.isfinite(ratio) or ratio <= 0:
            raise ParameterError("--mass-ratio must be positive")
        med = ratio * m_chi
    confirm_size(
        "mass points",
        m_chi.size,
        MAX_POINTS,
        f"~{m_chi.size / 40:.3g} x the time of the default 40-point scan",
        yes,
    )
    if plot and np.ptp(m_chi) == 0 and np.ptp(med) == 0:
        raise ParameterError(
            "--plot draws the bound against a mass: give at least two --m-chi (or --m-med) "
            "values, e.g. --m-chi log:0.1:100:40"
        )
    delta_chi2_threshold(cl, dof)  # --cl and --dof, before any computation
    check_executor(executor, scheduler)
    check_output_file("--checkpoint", checkpoint)
    if checkpoint and Path(checkpoint).exists() and not resume:
        raise ParameterError(f"checkpoint {checkpoint} exists: pass --resume to continue it")
    if resume and not checkpoint:
        raise ParameterError("--resume needs --checkpoint PATH")
    experiment, model, model_options = analysis.build()
    masses = {"m_chi": m_chi, "m_med": med}
    with progress.bar("spectra", m_chi.size, quiet) as report:
        K = compute_basis(
            experiment, model, masses, executor, scheduler, progress=report, **model_options
        )
    with progress.bar("bounds", m_chi.size, quiet) as report:
        with warnings.catch_warnings():  # the range of validity is printed in the table
            warnings.simplefilter("ignore", RangeOfValidityWarning)
            result = bounds_from_basis(
                experiment,
                model,
                masses,
                K,
                cl=cl,
                dof=dof,
                progress=report,
                executor=executor,
                checkpoint=checkpoint,
                scheduler=scheduler,
                **model_options,
            )
    extras = _statistics(
        experiment, model, K, result, expected, profile_curve, fc, toys, seed, quiet
    )
    result = extras.pop("result")
    if out:
        result.save(out)
    convention = model_options.get("convention")
    if hepdata:
        from ..hepdata import limits_tables, write_hepdata

        write_hepdata(limits_tables(result), hepdata)
    if plot:
        _plot(plot, m_chi, med, model, result)
    if as_json:
        echo_json({**result.to_json(), **extras})
        return
    click.echo(
        f"# {experiment.name}, model={model.name}, {round(cl * 100)}% CL, "
        f"{dof} dof (Delta chi2 = {result.config['delta_chi2']:.3f})"
        + (f", convention={convention}" if convention else "")
    )
    if expected:
        click.echo(f"# expected: {result.config['expected']['method']}, under g = 0")
    if result.valid is not None and not result.valid.all():
        click.echo(
            f"# warning: {int((~result.valid).sum())} bound(s) outside the model's range of "
            "validity (valid = no; for zprime: loop term beyond the twist-2 matching, "
            "docs/physics-decisions.md 'Loops: range of validity')"
        )
    columns = _table_columns(result, extras)
    names = list(result.masses)
    click.echo("".join(f"{n + '_MeV':>12}" for n in names) + "".join(f"{c:>14}" for c in columns))
    for i, row in enumerate(result.rows()):
        cells = [_cell(values[i]) for values in columns.values()]
        click.echo("".join(f"{row[n]:>12.4g}" for n in names) + "".join(f"{c:>14}" for c in cells))


def _validity_curves(label: str, x: np.ndarray, result) -> tuple[dict, dict]:
    """The bound as a solid curve where valid and dashed where outside the model's range of
    validity (each segment shares its end point with the next, so the curve is continuous)."""
    if result.valid is None or result.valid.all():
        return {label: (x, result.bound)}, {}
    valid = result.valid
    near_invalid = ~valid | np.roll(~valid, 1) | np.roll(~valid, -1)
    outside = f"{label} (outside range of validity)"
    curves = {
        label: (x, np.where(valid, result.bound, np.nan)),
        outside: (x, np.where(near_invalid, result.bound, np.nan)),
    }
    return curves, {outside: {"ls": "--", "shade": False}}


def _plot(path, m_chi, med, model, result) -> None:
    """The bound against the scanned mass, titled with what it is (plotting.describe_scan); a
    note instead of a blank figure when fewer than two masses have a bound."""
    from ..plotting import coupling_label, describe_scan, drawable_points, plot_bounds

    if drawable_points(result.bound) < 2:
        click.echo(
            f"upscatter: note: --plot {path}: only {drawable_points(result.bound)} mass point(s) "
            "with a bound, no curve to draw; no figure written",
            err=True,
        )
        return
    scanned = m_chi if np.ptp(m_chi) > 0 or np.ptp(med) == 0 else med
    xlabel = "m_chi (MeV)" if scanned is m_chi else "m_med (MeV)"
    label = f"observed {round(100 * result.config['cl'])}% CL upper bound"
    curves, styles = _validity_curves(label, scanned, result)
    plot_bounds(
        curves,
        path,
        xlabel,
        f"upper bound on {coupling_label(model.coupling, model.name)}",
        title=describe_scan(result.config, result.masses),
        expected=(scanned, result.expected) if result.expected else None,
        styles=styles,
    )


def _cell(value) -> str:
    if isinstance(value, str):
        return value
    return "no bound" if value is None or not np.isfinite(value) else f"{value:.4g}"


def _table_columns(result, extras: dict) -> dict[str, list]:
    """Printed columns: the bound, expected median and bands, profile and FC intervals."""
    columns: dict[str, list] = {"bound": list(result.bound)}
    short = {
        "expected_median": "exp_median",
        "expected_minus1": "exp_-1sig",
        "expected_plus1": "exp_+1sig",
    }
    for key, label in short.items():
        if key in result.expected:
            columns[label] = list(result.expected[key])
    for key, label in (("profile", "profile"), ("fc", "fc")):
        if key in extras:
            columns[f"{label}_lower"] = [p["interval"][0] if p else None for p in extras[key]]
            columns[f"{label}_upper"] = [p["interval"][1] if p else None for p in extras[key]]
    if result.valid is not None:
        columns["valid"] = ["yes" if v else "no" for v in result.valid]
    return columns


def _statistics(
    experiment, model, K, result, expected, profile_curve, fc, toys, seed, quiet
) -> dict:
    """Expected bands, profile curves and FC intervals requested on the command line."""
    from ..intervals import add_expected, neyman_construction
    from ..intervals import profile_curve as curve_of

    extras: dict = {}
    if expected:
        with progress.bar(f"expected ({expected})", len(K), quiet) as report:
            result = add_expected(
                result, experiment, model.powers, K, expected, toys, seed, progress=report
            )
    threshold = result.config["delta_chi2"]
    if profile_curve:
        curves = []
        for basis in K:
            curve = curve_of(experiment, basis, model.powers)
            curves.append(
                None
                if curve is None
                else {**curve.to_json(), "interval": _finite(curve.interval(threshold))}
            )
        extras["profile"] = curves
    if fc:
        belts = []
        points = FC_POINTS
        with progress.bar("Feldman-Cousins", len(K) * points, quiet) as report:
            for i, (basis, bound) in enumerate(zip(K, result.bound, strict=True)):
                if not np.isfinite(bound):
                    belts.append(None)
                    continue
                belt = neyman_construction(
                    experiment,
                    basis,
                    model.powers,
                    bound * np.linspace(0.0, 2.0, points),
                    cl=result.config["cl"],
                    max_toys=max(toys, 500),
                    min_toys=min(500, toys),
                    seed=seed,
                    progress=lambda done, _, offset=i * points: report(offset + done),
                )
                record = belt.to_json()
                record["interval"] = _finite(belt.interval())
                belts.append(record)
        extras["fc"] = belts
    extras["result"] = result
    return extras


def _finite(pair) -> list:
    return [float(x) if np.isfinite(x) else None for x in pair]
