"""``upscatter coverage``: how well Wilks' theorem holds, from pseudo-experiments.

At each mass point the observed (Wilks) bound g_W is computed; at couplings g = f x g_W for the
fractions given, pseudo-experiments generated at g give the distribution of the profile
likelihood ratio t(g) (:func:`upscatter.intervals.neyman_construction`): its CL quantile (the
true critical value, 2.706 under Wilks at 90%) and the fraction of toys with t <= 2.706 (the true
coverage of the Wilks interval at g).
"""

from __future__ import annotations

import click
import numpy as np

from .. import progress
from ..errors import ParameterError
from ..intervals import NUISANCE_TREATMENTS, neyman_construction
from ..scans import bounds_from_basis, compute_basis
from ._common import echo_json, parse_float_list
from ._options import analysis_options, json_option

MAX_FRACTION = 1e3
"""Largest coupling tested, as a multiple of the Wilks bound (far beyond where coverage is 1)."""


@click.command("coverage")
@analysis_options
@click.option("--m-chi", "m_chi_text", default="1", show_default=True, help="MeV (list ok).")
@click.option("--m-med", "m_med_text", default="10", show_default=True, help="MeV (list ok).")
@click.option(
    "--fractions",
    default="0.5,1,1.5",
    show_default=True,
    help="Couplings to test, as multiples of the observed Wilks bound.",
)
@click.option("--cl", type=float, default=0.9, show_default=True, help="Confidence level.")
@click.option(
    "--toys",
    type=click.IntRange(100, 1_000_000),
    default=2000,
    show_default=True,
    help="Largest number of pseudo-experiments per coupling (adaptive from 500).",
)
@click.option(
    "--nuisances",
    type=click.Choice(list(NUISANCE_TREATMENTS)),
    default="conditional",
    show_default=True,
    help="Toys at the conditional best fit, or nuisances drawn from their constraints.",
)
@click.option(
    "--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of the toys."
)
@click.option("--quiet", is_flag=True, help="No progress bars.")
@json_option
def command(analysis, m_chi_text, m_med_text, fractions, cl, toys, nuisances, seed, quiet, as_json):
    """Critical values and Wilks coverage from pseudo-experiments at a few mass points."""
    m_chi = parse_float_list(m_chi_text, "--m-chi")
    med = parse_float_list(m_med_text, "--m-med")
    if m_chi.size > 1 and med.size > 1 and m_chi.size != med.size:
        raise ParameterError("--m-chi and --m-med lists must have equal lengths (or one value)")
    m_chi, med = (np.array(a, dtype=float) for a in np.broadcast_arrays(m_chi, med))
    factors = parse_float_list(fractions, "--fractions")
    if np.any(factors <= 0) or np.any(np.diff(factors) <= 0):
        raise ParameterError("--fractions must be positive and increasing")
    if factors[-1] > MAX_FRACTION:  # the signal grows as g^4: 1e12 times the bound's at 1e3
        raise ParameterError(
            f"--fractions must be at most {MAX_FRACTION:g} (multiples of the Wilks bound), "
            f"got {factors[-1]:g}"
        )
    if not 0 < cl < 1:
        raise ParameterError(f"--cl must be in (0, 1), got {cl}")
    experiment, model, options = analysis.build()
    masses = {"m_chi": m_chi, "m_med": med}
    with progress.bar("spectra", m_chi.size, quiet) as report:
        K = compute_basis(experiment, model, masses, progress=report, **options)
    with progress.bar("bounds", m_chi.size, quiet) as report:
        bounds = bounds_from_basis(experiment, model, masses, K, cl=cl, progress=report, **options)
    points = []
    with progress.bar("pseudo-experiments", m_chi.size * factors.size, quiet) as toy_bar:
        for i, bound in enumerate(bounds.bound):
            row = {"m_chi": float(m_chi[i]), "m_med": float(med[i]), "wilks_bound": None}
            if np.isfinite(bound):
                belt = neyman_construction(
                    experiment,
                    K[i],
                    model.powers,
                    bound * factors,
                    cl=cl,
                    nuisances=nuisances,
                    min_toys=min(500, toys),
                    max_toys=toys,
                    seed=seed + i,
                    progress=lambda done, _, offset=i * factors.size: toy_bar(offset + done),
                )
                row.update(
                    wilks_bound=float(bound),
                    fractions=factors.tolist(),
                    critical=belt.critical.tolist(),
                    critical_error=belt.critical_error.tolist(),
                    wilks_coverage=belt.wilks_coverage.tolist(),
                    n_toys=belt.n_toys.tolist(),
                )
            points.append(row)
    config = {**bounds.config, "nuisances": nuisances, "seed": seed, "max_toys": toys}
    if as_json:
        echo_json({"config": config, "points": points})
        return
    wilks = float(np.round(bounds.config["delta_chi2"], 3))
    click.echo(
        f"# {experiment.name}, model={model.name}, {round(cl * 100)}% CL: true critical value "
        f"(Wilks: {wilks}) and coverage of the Wilks interval; toys: {nuisances} nuisances"
    )
    click.echo(
        f"{'m_chi':>8}{'m_med':>9}{'g/g_W':>8}{'critical':>10}{'+-':>7}{'coverage':>10}{'toys':>7}"
    )
    for row in points:
        if row["wilks_bound"] is None:
            click.echo(f"{row['m_chi']:>8.4g}{row['m_med']:>9.4g}   no bound")
            continue
        for f, c, e, w, n in zip(
            row["fractions"],
            row["critical"],
            row["critical_error"],
            row["wilks_coverage"],
            row["n_toys"],
            strict=True,
        ):
            click.echo(
                f"{row['m_chi']:>8.4g}{row['m_med']:>9.4g}{f:>8.3g}{c:>10.3f}{e:>7.3f}{w:>10.3f}{n:>7d}"
            )
