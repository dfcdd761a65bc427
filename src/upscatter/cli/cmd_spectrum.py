"""``upscatter spectrum``: binned recoil spectrum for a target, a source and a model."""

from __future__ import annotations

import csv

import click
import numpy as np

from .. import units
from .._validate import as_float
from ..errors import ParameterError
from ..fluxes import get_source
from ..kinematics import max_chi_mass
from ..models import MODELS, get_model, sm_channels
from ..nuclei import MATERIALS, get_material
from ..rates import RecoilBins, binned_counts
from ._common import confirm_size, echo_json
from ._options import (
    electrons_option,
    file_option,
    json_option,
    model_kwargs,
    model_option,
    operator_option,
    yes_option,
)

MAX_BINS = 2000
"""Most recoil bins without --yes (memory of the binned response grows with the bin count)."""


def _source_options(source_name: str, pot, nu_per_pot, distance) -> dict:
    """Source options from --pot, --nu-per-pot and --distance; one that does not apply to the
    source is a ParameterError."""
    allowed = {"sns": ("--pot", "--nu-per-pot", "--distance"), "reactor": ("--distance",)}
    given = {"--pot": pot, "--nu-per-pot": nu_per_pot, "--distance": distance}
    for flag, value in given.items():
        if value is None:
            continue
        if flag not in allowed.get(source_name, ()):
            raise ParameterError(f"{flag} does not apply to --source {source_name}")
        as_float(flag, value, allow_zero=False)
    options: dict = {}
    if pot is not None:
        options["pot"] = pot
    if nu_per_pot is not None:
        options["nu_per_pot"] = nu_per_pot
    if distance is not None:
        options["distance"] = distance * units.m
    return options


@click.command("spectrum")
@click.option("--target", default="CsI", show_default=True, help=f"One of {', '.join(MATERIALS)}.")
@click.option(
    "--source",
    "source_name",
    default="sns",
    show_default=True,
    help="Neutrino source: sns, reactor or solar.",
)
@click.option("--pot", type=float, default=None, help="sns: protons on target (1.76e23).")
@click.option("--nu-per-pot", type=float, default=None, help="sns: neutrinos per POT r (0.08).")
@click.option(
    "--distance", type=float, default=None, help="sns, reactor: baseline in m (19.3, 17)."
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
    help=f"Number of recoil bins (above {MAX_BINS} needs --yes).",
)
@click.option("--form-factor", default=None, help="helm, klein-nystrand or unity.")
@operator_option("eft: operator whose |c| is --coupling.")
@file_option("--out", "Write the table as CSV.")
@file_option("--plot", "Write a PNG step plot.")
@yes_option(f"--bins above {MAX_BINS}")
@json_option
def command(
    target,
    source_name,
    pot,
    nu_per_pot,
    distance,
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
    out,
    plot,
    yes,
    as_json,
):
    """Expected events per true nuclear-recoil bin: SM CEvNS and new physics."""
    material = get_material(target)
    for name, value in (("--m-chi", m_chi), ("--m-med", m_med), ("--coupling", coupling)):
        as_float(name, value)
    as_float("--detector-mass", detector_mass, allow_zero=False)
    if not 0 <= t_min < t_max or bins < 1:
        raise ParameterError("need 0 <= --t-min < --t-max and --bins >= 1")
    confirm_size("--bins", bins, MAX_BINS, f"~{bins / 13:.3g} x the default 13 bins", yes)
    source = get_source(source_name, **_source_options(source_name, pot, nu_per_pot, distance))
    if model_name != "sm" and m_chi > 0:
        lightest = min(iso.mass for iso in material.isotopes)
        limit = float(max_chi_mass(lightest, source.e_max))
        if m_chi >= limit:
            click.echo(
                f"upscatter: note: --m-chi {m_chi:g} MeV is above the kinematic limit "
                f"{limit:.4g} MeV for {source_name} neutrinos (E <= {source.e_max:.4g} MeV) "
                f"on {material.name}: no new-physics events",
                err=True,
            )
    edges = np.linspace(t_min, t_max, bins + 1) * units.keV
    response = RecoilBins(edges)
    ff = {"form_factor": form_factor} if form_factor else {}
    n_sm = binned_counts(sm_channels(material, **ff), source, response, detector_mass)[0]
    n_new = np.zeros(response.n_bins)
    if model_name != "sm":
        model = get_model(model_name)
        options = {**ff, **model_kwargs(model_name, None, electrons, operator)}
        K = binned_counts(
            model.channels(material, **options),
            source,
            response,
            detector_mass,
            {k: [v] for k, v in {"m_chi": m_chi, "m_med": m_med}.items() if k in model.parameters},
        )[0]
        n_new_components = K @ model.monomials(coupling)
        n_new = n_new_components.sum(axis=0)
    sm_total = n_sm.sum(axis=0)
    rows = [
        (lo / units.keV, hi / units.keV, s, n, s + n)
        for lo, hi, s, n in zip(edges[:-1], edges[1:], sm_total, n_new, strict=True)
    ]
    header = ("T_lo_keV", "T_hi_keV", "N_SM", "N_new", "N_total")
    if out:
        with open(out, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
    if plot:
        from ..plotting import plot_binned_spectrum

        plot_binned_spectrum(
            edges / units.keV,
            {"SM": sm_total, f"{model_name}": n_new, "total": sm_total + n_new},
            plot,
            "nuclear recoil T (keV)",
            f"{target}, m_chi={m_chi} MeV, m_med={m_med} MeV, g={coupling:g}",
        )
    if as_json:
        echo_json(
            {
                "target": material.name,
                "source": source_name,
                "model": model_name,
                "m_chi_MeV": m_chi,
                "m_med_MeV": m_med,
                "coupling": coupling,
                "electrons": electrons,
                "detector_mass_kg": detector_mass,
                "flavours": [c.flavour for c in source.components],
                "bins_keV": (edges / units.keV).tolist(),
                "N_SM": sm_total,
                "N_new": n_new,
                "N_SM_per_flavour": n_sm,
                "totals": {"SM": sm_total.sum(), "new": n_new.sum()},
                "columns": list(header),
            }
        )
        return
    click.echo(
        f"# {material.name}, {source_name}, model={model_name}, m_chi={m_chi} MeV, "
        f"m_med={m_med} MeV, coupling={coupling:g}, {detector_mass} kg"
    )
    click.echo("".join(f"{h:>12}" for h in header))
    for row in rows:
        click.echo(f"{row[0]:>12.3f}{row[1]:>12.3f}" + "".join(f"{v:>12.4g}" for v in row[2:]))
    click.echo(
        f"{'total':>24}{sm_total.sum():>12.4g}{n_new.sum():>12.4g}{(sm_total + n_new).sum():>12.4g}"
    )
