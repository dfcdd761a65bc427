"""``upscatter predict``: expected counts per analysis bin of an experiment, with its data."""

from __future__ import annotations

import click
import numpy as np

from .._validate import as_float
from ._common import echo_json, kinematic_note, new_physics_counts
from ._options import analysis_options, json_option


@click.command("predict")
@analysis_options
@click.option("--m-chi", type=float, default=1.0, show_default=True, help="MeV.")
@click.option("--m-med", type=float, default=10.0, show_default=True, help="MeV.")
@click.option(
    "--coupling",
    type=float,
    default=0.0,
    show_default=True,
    help="g (vector/scalar) or g_chi*g_q (zprime); 0 gives the SM.",
)
@json_option
def command(analysis, m_chi, m_med, coupling, as_json):
    """SM and new-physics counts per bin, backgrounds, observed data and the profiled chi^2."""
    for name, value in (("--m-chi", m_chi), ("--m-med", m_med), ("--coupling", coupling)):
        as_float(name, value)
    experiment, model, model_options = analysis.build()
    K = experiment.signal_basis(model, {"m_chi": [m_chi], "m_med": [m_med]}, **model_options)[0]
    prediction_sm = experiment.sm_counts
    material, source = getattr(experiment, "material", None), getattr(experiment, "source", None)
    note = kinematic_note(material, source.e_max, m_chi) if material and source else None
    if note:
        click.echo(f"upscatter: note: {note}", err=True)
    prediction_new = new_physics_counts(K, model, coupling)
    fit_sm = experiment.summary(prediction_sm)
    fit = experiment.summary(prediction_sm + prediction_new)
    # per analysis bin at nominal nuisances (predictions may be pre-response templates)
    sm = experiment.analysis_signal(prediction_sm)
    new = experiment.analysis_signal(prediction_new)
    payload = {
        "experiment": experiment.name,
        "model": model.name,
        "coupling_name": model.coupling,
        "m_chi_MeV": m_chi,
        "m_med_MeV": m_med,
        "coupling": coupling,
        **({"convention": model_options["convention"]} if "convention" in model_options else {}),
        "bins": fit["bins"],
        "N_SM": sm,
        "N_new": new,
        "observed": fit["observed"],
        "backgrounds": {k: v for k, v in fit.items() if k.endswith("background")},
        "totals": {"SM": sm.sum(), "new": new.sum(), "observed": np.sum(fit["observed"])},
        "chi2_SM": fit_sm["chi2"],
        "nuisances_SM": fit_sm["nuisances"],
        "chi2": fit["chi2"],
        "nuisances": fit["nuisances"],
        **({"note": note} if note else {}),
    }
    if as_json:
        echo_json(payload)
        return
    click.echo(
        f"# {experiment.name}, model={model.name}, m_chi={m_chi} MeV, m_med={m_med} MeV, "
        f"{model.coupling}={coupling:g}"
        + (f", convention={model_options['convention']}" if "convention" in model_options else "")
    )
    backgrounds = payload["backgrounds"]
    header = ["bin", "N_SM", "N_new", *backgrounds, "observed"]
    width = max(12, *(len(label) + 2 for label in fit["bins"]))
    click.echo("".join(f"{h:>26}" if i else f"{h:<{width}}" for i, h in enumerate(header)))
    for i, label in enumerate(fit["bins"]):
        values = [sm[i], new[i], *(b[i] for b in backgrounds.values()), fit["observed"][i]]
        click.echo(f"{label:<{width}}" + "".join(f"{v:>26.4g}" for v in values))
    click.echo(
        f"totals: SM {sm.sum():.2f}, new {new.sum():.4g}, observed {np.sum(fit['observed']):.0f}"
    )
    nuis = ", ".join(f"{k}={v:.3f}" for k, v in fit_sm["nuisances"].items())
    click.echo(f"SM fit: chi2 = {fit_sm['chi2']:.3f} ({nuis})")
    if coupling:
        nuis = ", ".join(f"{k}={v:.3f}" for k, v in fit["nuisances"].items())
        click.echo(f"with new physics: chi2 = {fit['chi2']:.3f} ({nuis})")
