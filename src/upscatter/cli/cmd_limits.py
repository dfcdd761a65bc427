"""``upscatter limits``: upper bound on a coupling versus the dark-fermion mass."""

from __future__ import annotations

import click
import numpy as np

from ..errors import ParameterError
from ..scans import coupling_bound
from ._common import echo_json, parse_float_list
from ._options import analysis_options, file_option, json_option


@click.command("limits")
@analysis_options
@click.option(
    "--m-chi",
    "m_chi_text",
    default="log:0.1:100:40",
    show_default=True,
    help="MeV: a value, a comma list or log:START:STOP:N.",
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
    type=click.Choice(["serial", "process"]),
    default="serial",
    show_default=True,
    help="Compute basis spectra in this process or a pool.",
)
@file_option("--out", "Save the ScanResult as CSV(+JSON).")
@file_option("--plot", "Write a PNG of the bound.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@json_option
def command(
    analysis,
    m_chi_text,
    m_med_text,
    mass_ratio,
    cl,
    dof,
    executor,
    out,
    plot,
    quiet,
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
    experiment, model, model_options = analysis.build()
    show = not (quiet or as_json) and m_chi.size > 1
    with click.progressbar(
        length=m_chi.size, label="bounds", file=None if show else _Null()
    ) as bar:
        result = coupling_bound(
            experiment,
            model,
            {"m_chi": m_chi, "m_med": med},
            cl=cl,
            dof=dof,
            executor=executor,
            progress=lambda done, total: bar.update(1),
            **model_options,
        )
    if out:
        result.save(out)
    if plot:
        from ..plotting import plot_bounds

        scanned = m_chi if np.ptp(m_chi) > 0 or np.ptp(med) == 0 else med
        xlabel = "m_chi (MeV)" if scanned is m_chi else "m_med (MeV)"
        plot_bounds(
            {f"{experiment.name} {model.name}": (scanned, result.bound)},
            plot,
            xlabel,
            f"{model.coupling} ({int(cl * 100)}% CL bound)",
        )
    if as_json:
        echo_json(result.to_json())
        return
    click.echo(
        f"# {experiment.name}, model={model.name}, {round(cl * 100)}% CL, "
        f"{dof} dof (Delta chi2 = {result.config['delta_chi2']:.3f})"
    )
    names = list(result.masses)
    click.echo("".join(f"{n + '_MeV':>12}" for n in names) + f"{'bound':>14}")
    for row in result.rows():
        bound = f"{row['bound']:.4g}" if row["bound"] is not None else "no bound"
        click.echo("".join(f"{row[n]:>12.4g}" for n in names) + f"{bound:>14}")


class _Null:
    """A file-like sink that hides the progress bar."""

    def write(self, _text):
        return 0

    def flush(self):
        return None

    def isatty(self):
        return False
