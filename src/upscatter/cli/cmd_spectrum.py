"""``upscatter spectrum``: binned recoil spectrum for a target, a source and a model."""

from __future__ import annotations

import csv
import io

import click
import numpy as np

from .. import units
from .._io import atomic_write_text
from .._validate import MAX_MEV, as_array, as_float
from ..errors import ParameterError
from ..experiments.base import with_default_convention
from ..experiments.projection import reactor_exposure
from ..fluxes import get_source
from ..fluxes.reactor import DEFAULT_SPECTRUM, SPECTRUM_MODELS
from ..models import MODELS, get_model, sm_channels
from ..nuclei import MATERIALS, get_material
from ..rates import ELECTRON, NUCLEAR, RecoilBins, binned_counts
from ._common import echo_json, kinematic_note, new_physics_counts
from ._options import (
    CONVENTION_HELP,
    convention_option,
    electrons_option,
    file_option,
    json_option,
    model_kwargs,
    model_option,
    operator_option,
)

MAX_BINS = 10_000
"""Largest --bins: the folding holds (bins x 6 nodes x 24 energies) values per flux component."""

SOURCE_OPTIONS = {"sns": ("pot", "nu_per_pot"), "reactor": ("reactor_spectrum",)}
"""The options that describe one --source only."""


def _check_source_options(source_name: str) -> None:
    """An option of another source given on the command line is a ParameterError (it would
    be ignored)."""
    ctx = click.get_current_context()
    for source, names in SOURCE_OPTIONS.items():
        for name in names:
            given = ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT
            if given and source != source_name and source_name in SOURCE_OPTIONS:
                flag = "--" + name.replace("_", "-")
                raise ParameterError(f"{flag} applies to --source {source} only")


@click.command("spectrum")
@click.option("--target", default="CsI", show_default=True, help=f"One of {', '.join(MATERIALS)}.")
@click.option(
    "--source",
    "source_name",
    default="sns",
    show_default=True,
    help="Neutrino source: sns, or reactor (3.9 GW, 5 years; the future-CONUS defaults).",
)
@click.option(
    "--pot", type=float, default=1.76e23, show_default=True, help="SNS protons on target."
)
@click.option("--nu-per-pot", type=float, default=0.08, show_default=True, help="SNS r.")
@click.option(
    "--distance", type=float, default=None, help="Baseline (m); default 19.3 (sns), 17 (reactor)."
)
@click.option(
    "--reactor-spectrum",
    type=click.Choice(SPECTRUM_MODELS),
    default=DEFAULT_SPECTRUM,
    show_default=True,
    help="reactor: BESTIOLE 2023 summation or Huber-Mueller (paper 002) spectrum.",
)
@click.option("--detector-mass", type=float, default=14.57, show_default=True, help="kg.")
@model_option(f"sm or one of {', '.join(MODELS)}.")
@click.option("--m-chi", type=float, default=1.0, show_default=True, help="Dark fermion (MeV).")
@click.option("--m-med", type=float, default=10.0, show_default=True, help="Mediator (MeV).")
@click.option(
    "--coupling",
    type=float,
    default=5e-5,
    show_default=True,
    help="g (vector/scalar) or g_chi*g_q (zprime).",
)
@electrons_option("Add nu e -> chi e on atomic electrons (vector, scalar).", default=None)
@click.option("--t-min", type=float, default=1.0, show_default=True, help="Lowest recoil (keV).")
@click.option("--t-max", type=float, default=40.0, show_default=True, help="Highest recoil (keV).")
@click.option(
    "--bins",
    type=int,
    default=13,
    show_default=True,
    help="Number of recoil bins (at most 10000).",
)
@click.option("--form-factor", default=None, help="helm, klein-nystrand or unity.")
@operator_option("eft: operator whose |c| is --coupling.")
@convention_option(CONVENTION_HELP)
@file_option("--out", "Write the table as CSV.")
@file_option("--plot", "Write a PNG step plot.")
@json_option
def command(
    target,
    source_name,
    pot,
    nu_per_pot,
    distance,
    reactor_spectrum,
    detector_mass,
    model_name,
    m_chi,
    m_med,
    coupling,
    electrons,
    t_min,
    t_max,
    bins,
    form_factor,
    operator,
    convention,
    out,
    plot,
    as_json,
):
    """Expected events per true nuclear-recoil bin: SM CEvNS and new physics."""
    material = get_material(target)
    if model_name == "sm" and convention is not None:
        raise ParameterError("--convention applies to --model eft only")
    for flag, value in (("--operator", operator), ("--electrons/--no-electrons", electrons)):
        if model_name == "sm" and value is not None:
            raise ParameterError(f"{flag}: --model sm has no new-physics channels to set")
    _check_source_options(source_name)
    if form_factor is not None and not form_factor.strip():
        raise ParameterError("--form-factor: empty name; use helm, klein-nystrand or unity")
    for name, value in (("--m-chi", m_chi), ("--m-med", m_med), ("--coupling", coupling)):
        as_float(name, value)
    as_float("--detector-mass", detector_mass, allow_zero=False)
    for name, value in (("--t-min", t_min), ("--t-max", t_max)):  # MeV in the message
        as_array(name, value * units.keV, maximum=MAX_MEV)
    if not 0 <= t_min < t_max or bins < 1:
        raise ParameterError("need 0 <= --t-min < --t-max and --bins >= 1")
    if bins > MAX_BINS:
        raise ParameterError(f"--bins {bins} is more than {MAX_BINS} (memory grows with the bins)")
    edges = np.linspace(t_min, t_max, bins + 1) * units.keV
    if source_name == "sns":
        distance = 19.3 if distance is None else distance
        source = get_source("sns", pot=pot, nu_per_pot=nu_per_pot, distance=distance * units.m)
    elif source_name == "reactor":
        # reactor_exposure checks that the spectrum reaches the lowest recoil edge.
        distance = 17.0 if distance is None else distance
        source = reactor_exposure(material, edges, 5.0, distance, reactor_spectrum=reactor_spectrum)
    else:
        # the solar source takes different options and is reached through experiments.
        raise ParameterError(
            f"--source: `upscatter spectrum` builds 'sns' or 'reactor', got {source_name!r}"
        )
    response = RecoilBins(edges)
    ff = {"form_factor": form_factor} if form_factor is not None else {}
    n_sm = binned_counts(sm_channels(material, **ff), source, response, detector_mass)[0]
    n_new = np.zeros(response.n_bins)
    by_recoil: dict[str, np.ndarray] = {}  # new-physics counts per recoil kind, for the plot
    if model_name != "sm":
        model = get_model(model_name)
        options = with_default_convention(
            model,
            {
                **ff,
                **model_kwargs(
                    model, electrons=electrons, operator=operator, convention=convention
                ),
            },
        )
        convention = options.get("convention")
        channels = model.channels(material, **options)
        masses = {
            k: [v] for k, v in {"m_chi": m_chi, "m_med": m_med}.items() if k in model.parameters
        }
        for recoil in (NUCLEAR, ELECTRON):
            chosen = [c for c in channels if c.recoil == recoil]
            if chosen:
                K = binned_counts(chosen, source, response, detector_mass, masses)[0]
                by_recoil[recoil] = new_physics_counts(K, model, coupling).sum(axis=0)
        n_new = sum(by_recoil.values(), n_new)
    sm_total = n_sm.sum(axis=0)
    note = None if model_name == "sm" else kinematic_note(material, source.e_max, m_chi)
    if note:
        click.echo(f"upscatter: note: {note}", err=True)
    rows = [
        (lo / units.keV, hi / units.keV, s, n, s + n)
        for lo, hi, s, n in zip(edges[:-1], edges[1:], sm_total, n_new, strict=True)
    ]
    header = ("T_lo_keV", "T_hi_keV", "N_SM", "N_new", "N_total")
    if out:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        atomic_write_text(out, buffer.getvalue())
    if plot:
        from ..plotting import plot_binned_spectrum

        labels = {
            NUCLEAR: f"{model_name}: nu N -> chi N (nuclear recoil)",
            ELECTRON: f"{model_name}: nu e -> chi e (electron recoil)",
        }
        series = {"SM CEvNS (nuclear recoil)": sm_total}
        series.update({labels[k]: v for k, v in by_recoil.items()})
        series["total"] = sm_total + n_new
        xlabel = (
            "true recoil energy T (keV): nuclear, or electron for nu e -> chi e"
            if ELECTRON in by_recoil
            else "true nuclear recoil energy T (keV)"
        )
        source_label = f"reactor ({reactor_spectrum})" if source_name == "reactor" else source_name
        name = "" if model_name == "sm" else f", {model_name}: m_chi = {m_chi:g} MeV, "
        name += "" if model_name == "sm" else f"m_med = {m_med:g} MeV, coupling = {coupling:g}"
        plot_binned_spectrum(
            edges / units.keV,
            series,
            plot,
            xlabel,
            f"{material.name}, {detector_mass:g} kg, {source_label}{name}",
            legend={"fontsize": 8},
        )
    if as_json:
        echo_json(
            {
                "target": material.name,
                "source": source_name,
                **({"reactor_spectrum": reactor_spectrum} if source_name == "reactor" else {}),
                "model": model_name,
                "m_chi_MeV": m_chi,
                "m_med_MeV": m_med,
                "coupling": coupling,
                **({"convention": convention} if convention else {}),
                "electrons": electrons,
                "detector_mass_kg": detector_mass,
                "flavours": [c.flavour for c in source.components],
                "bins_keV": (edges / units.keV).tolist(),
                "N_SM": sm_total,
                "N_new": n_new,
                "N_SM_per_flavour": n_sm,
                "totals": {"SM": sm_total.sum(), "new": n_new.sum()},
                "columns": list(header),
                **({"note": note} if note else {}),
            }
        )
        return
    label = f"reactor ({reactor_spectrum})" if source_name == "reactor" else source_name
    click.echo(
        f"# {material.name}, {label}, model={model_name}, m_chi={m_chi} MeV, "
        f"m_med={m_med} MeV, coupling={coupling:g}, {detector_mass} kg"
        + (f", convention={convention}" if convention else "")
    )
    click.echo("".join(f"{h:>12}" for h in header))
    for row in rows:
        click.echo(f"{row[0]:>12.3f}{row[1]:>12.3f}" + "".join(f"{v:>12.4g}" for v in row[2:]))
    click.echo(
        f"{'total':>24}{sm_total.sum():>12.4g}{n_new.sum():>12.4g}{(sm_total + n_new).sum():>12.4g}"
    )
