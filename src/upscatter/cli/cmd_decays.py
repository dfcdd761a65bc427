"""``upscatter decays``: widths, lifetime and decay length of chi (paper 003 Sec. IV D).

Masses are given as lists or ranges (``cli._common.parse_float_list``) and evaluated on every
(m_chi, m_med) combination; ``--along FILE`` instead evaluates along a saved bound curve (a
ScanResult CSV with columns ``m_chi``, ``m_med`` and ``bound``), taking g_chi = g_f = bound: the
bound is on g_V = sqrt(g_chi g_f) with universal couplings (paper 003 Sec. II), and the chi
widths depend on g_chi and g_f separately, so this is the paper's g_chi = g_f convention. Only a
bound of that model (``vector``, universal couplings) maps onto (g_chi, g_f): the model is read
from the result's JSON sidecar (``FILE.json``, :meth:`upscatter.scans.ScanResult.save`) or a
leading ``# {...}`` JSON comment line, and any other model (zprime's g_chi g_q, the scalar, a
preset, the EFT) is refused, as is a file that does not say.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import numpy as np

from .. import decays, progress
from ..constants import SECONDS_AGE_OF_UNIVERSE
from ..errors import ParameterError
from ._common import confirm_size, echo_json, parse_float_list
from ._options import file_option, json_option, yes_option

MAX_POINTS = 1_000_000
"""Most (m_chi, m_med) grid points without --yes (about 10 s, and the table has a row each)."""

_COLUMNS = ("m_chi", "m_med", "bound")


def _read_bound_curve(path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Read m_chi, m_med and bound from a ScanResult CSV of the vector model (checked:
    :func:`_check_along_model`); skip rows without a finite bound.

    Lines starting with ``#`` (the saved configuration) and blank lines are ignored; the first
    remaining line is the header. Returns (m_chi, m_med, bound, number of skipped rows).
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ParameterError(f"cannot read --along file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ParameterError(
            f"--along file {path} is not UTF-8 text (expected a ScanResult CSV)"
        ) from None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if len(lines) < 2:
        raise ParameterError(f"{path}: no header and data rows found (expected a ScanResult CSV)")
    header = [name.strip().strip('"') for name in lines[0].split(",")]
    missing = [name for name in _COLUMNS if name not in header]
    if missing:
        raise ParameterError(
            f"{path}: no column {', '.join(missing)} in the header ({', '.join(header)}); "
            "expected a ScanResult CSV with m_chi, m_med and bound"
        )
    _check_along_model(path, _curve_model(path, text.splitlines()))
    columns = [header.index(name) for name in _COLUMNS]
    try:
        data = np.genfromtxt(lines[1:], delimiter=",", usecols=columns, dtype=float, ndmin=2)
    except ValueError as exc:
        raise ParameterError(f"{path}: cannot read the rows as numbers ({exc})") from None
    keep = np.all(np.isfinite(data), axis=1)
    m_chi, m_med, bound = data[keep].T
    if m_chi.size == 0:
        raise ParameterError(f"{path}: no row has finite m_chi, m_med and bound")
    return m_chi, m_med, bound, int(np.count_nonzero(~keep))


ALONG_MODELS = {"vector": "g"}
"""Models (and their coupling) whose bound ``--along`` maps to g_chi = g_f = bound."""


def _curve_model(path: str, lines: list[str]) -> dict:
    """The configuration recorded with a bound curve: its JSON sidecar, else a ``# {...}``
    comment line before the header; a ParameterError when neither names the model."""
    sidecar = Path(str(path) + ".json")
    candidates = []
    if sidecar.exists():
        try:
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ParameterError(f"cannot read {sidecar.name}: {exc}") from None
        if isinstance(meta, dict):
            candidates.append({**meta.get("config", {}), "coupling": meta.get("coupling")})
    for line in lines:
        text = line.lstrip()
        if not text.startswith("#"):
            break
        try:
            meta = json.loads(text[1:])
        except ValueError:
            continue
        if isinstance(meta, dict):
            candidates.append(meta)
    for meta in candidates:
        if isinstance(meta.get("model"), str):
            return meta
    raise ParameterError(
        f"{path}: cannot tell which model's bound this is (no {sidecar.name} sidecar as "
        "written by --out, no '# {\"model\": ...}' line); --along needs a bound of the "
        "vector model"
    )


def _check_along_model(path: str, meta: dict) -> None:
    model, coupling = meta["model"], meta.get("coupling")
    if model not in ALONG_MODELS or coupling not in (None, ALONG_MODELS[model]):
        raise ParameterError(
            f"{path} is a bound on {coupling or 'the coupling'} of model {model}: --along maps "
            "only the vector model's g = sqrt(g_chi g_f) with universal couplings (paper 003) "
            "to g_chi = g_f; give --g-chi and --g-f for other models"
        )


def _records(m_chi, m_med, g_chi, g_f, res: decays.DecaySummary, quiet: bool) -> list[dict]:
    records = []
    for i in progress.iterate(range(m_chi.size), "points", quiet):
        records.append(
            {
                "m_chi_MeV": m_chi[i],
                "m_med_MeV": m_med[i],
                "g_chi": g_chi[i],
                "g_f": g_f[i],
                "width_MeV": {name: w[i] for name, w in res.widths.items()}
                | {"total": res.total_width[i]},
                "branching_ratios": {name: b[i] for name, b in res.branching_ratios.items()},
                "width_V_to_ee_MeV": res.width_v_to_ee[i],
                "stable_at_tree_level": bool(res.total_width[i] == 0),
                "lifetime_s": res.lifetime_s[i],
                "decay_length_m": None if res.decay_length_m is None else res.decay_length_m[i],
                "decays_before_bbn": res.decays_before_bbn[i],
                "outlives_universe": res.outlives_universe[i],
            }
        )
    return records


def _print_table(m_chi, m_med, g_chi, g_f, res: decays.DecaySummary, quiet: bool) -> None:
    click.echo(
        "# m_chi_MeV m_med_MeV g_chi g_f Gamma_tot_MeV BR(V_nu) BR(nu_ee) Gamma(V->ee)_MeV "
        "lifetime_s decay_length_m before_BBN outlives_Universe"
    )
    yes_no = {True: "yes", False: "no"}
    br_2, br_3 = (res.branching_ratios[name] for name in decays.CHANNELS)
    # rows printed to a terminal show the progress themselves; a bar only when redirected
    quiet = quiet or sys.stdout.isatty()
    for i in progress.iterate(range(m_chi.size), "points", quiet):
        length = "-" if res.decay_length_m is None else f"{res.decay_length_m[i]:.4g}"
        click.echo(
            f"{m_chi[i]:.6g} {m_med[i]:.6g} {g_chi[i]:.4g} {g_f[i]:.4g} "
            f"{res.total_width[i]:.4e} {br_2[i]:.4g} {br_3[i]:.4g} {res.width_v_to_ee[i]:.4e} "
            f"{res.lifetime_s[i]:.4e} {length} {yes_no[bool(res.decays_before_bbn[i])]} "
            f"{yes_no[bool(res.outlives_universe[i])]}"
        )


def _new_figure():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.8))
    FigureCanvasAgg(fig)
    return fig


def _plot_along(path, m_chi, m_med, tau) -> None:
    """Lifetime along a bound curve, against m_V (or m_chi when m_V is fixed)."""
    x, label = (m_med, "m_V (MeV)") if np.ptp(m_med) > 0 else (m_chi, "m_chi (MeV)")
    fig = _new_figure()
    ax = fig.add_subplot()
    finite = np.isfinite(tau)
    order = np.argsort(x[finite])
    label_curve = "lifetime along the bound"
    if not finite.all():
        label_curve += f" ({np.count_nonzero(~finite)} stable point(s) not shown)"
    ax.plot(x[finite][order], tau[finite][order], "o-", ms=3, label=label_curve)
    ax.axhline(1.0, color="b", ls="--", label="1 s (BBN)")
    ax.axhline(SECONDS_AGE_OF_UNIVERSE, color="r", ls="--", label="age of the Universe")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(label)
    ax.set_ylabel("lifetime (s)")
    ax.set_title("chi lifetime along the bound (g_chi = g_f = bound)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


@click.command("decays")
@click.option("--m-chi", help="Dark-fermion mass(es) in MeV: 5, 1,2,5 or log:0.01:50:100.")
@click.option("--m-med", help="Vector-mediator mass(es) m_V in MeV, same forms as --m-chi.")
@click.option("--g-chi", type=float, help="Coupling of V to chi and nu (g_chiL).")
@click.option("--g-f", type=float, help="Vector coupling of V to electrons.")
@click.option("--energy", type=float, help="Total lab energy of chi (MeV) for the decay length.")
@click.option(
    "--n-flavours",
    type=int,
    default=3,
    show_default=True,
    help="Neutrino flavours chi couples to with g_chi (widths are summed over them).",
)
@file_option(
    "--along",
    "ScanResult CSV (columns m_chi, m_med, bound) of the vector model: evaluate along it, "
    "g_chi = g_f = bound.",
    output=False,
)
@file_option("--plot", "PNG: lifetime over the (m_chi, m_V) grid, or along the --along curve.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@yes_option(f"more than {MAX_POINTS} grid points")
@json_option
def command(m_chi, m_med, g_chi, g_f, energy, n_flavours, along, plot, quiet, yes, as_json):
    """Widths, branching ratios, lifetime and decay length of chi (paper 003 Eqs. (25)-(27)).

    Also says whether chi decays before BBN (lifetime < 1 s) and whether it outlives the
    Universe. With --along, masses and couplings come from a saved bound curve.
    """
    if along is not None:
        given = [
            name
            for name, value in (
                ("--m-chi", m_chi),
                ("--m-med", m_med),
                ("--g-chi", g_chi),
                ("--g-f", g_f),
            )
            if value is not None
        ]
        if given:
            raise ParameterError(
                f"--along takes masses and couplings from the file; drop {given[0]}"
            )
        mc, mm, bound, skipped = _read_bound_curve(along)
        gc = gf = bound
    else:
        for name, value in (
            ("--m-chi", m_chi),
            ("--m-med", m_med),
            ("--g-chi", g_chi),
            ("--g-f", g_f),
        ):
            if value is None:
                raise ParameterError(f"{name} is required (or give --along FILE)")
        grid_chi = parse_float_list(m_chi, "--m-chi")
        grid_med = parse_float_list(m_med, "--m-med")
        size = grid_chi.size * grid_med.size
        confirm_size("--m-chi x --m-med points", size, MAX_POINTS, f"~{size / 1e5:.3g} s", yes)
        mc, mm = (a.ravel() for a in np.meshgrid(grid_chi, grid_med, indexing="ij"))
        gc, gf = np.full(mc.shape, g_chi, dtype=float), np.full(mc.shape, g_f, dtype=float)
        skipped = 0
    res = decays.summarize(mc, mm, gc, gf, energy=energy, n_flavours=n_flavours)
    if plot is not None:
        if along is not None:
            _plot_along(plot, mc, mm, res.lifetime_s)
        else:
            if grid_chi.size < 2 or grid_med.size < 2 or grid_chi.min() <= 0:
                raise ParameterError(
                    "--plot needs at least two positive values of --m-chi and of --m-med "
                    "(e.g. --m-chi log:0.01:50:60 --m-med log:0.001:100:60)"
                )
            tau = res.lifetime_s.reshape(grid_chi.size, grid_med.size)
            from ..plotting import plot_lifetime_plane

            plot_lifetime_plane(plot, grid_chi, grid_med, tau, g_chi, g_f, n_flavours)
    if as_json:
        echo_json(
            {
                "source": f"along:{along}" if along is not None else "grid",
                "n_flavours": n_flavours,
                "energy_MeV": energy,
                "bbn_time_s": decays.BBN_TIME_S,
                "age_of_universe_s": SECONDS_AGE_OF_UNIVERSE,
                "skipped_rows": skipped,
                "plot": plot,
                "points": _records(mc, mm, gc, gf, res, quiet),
            }
        )
        return
    click.echo(
        f"# chi decays (paper 003 Eqs. (25)-(27)), summed over {n_flavours} neutrino flavour(s); "
        f"BBN: lifetime < {decays.BBN_TIME_S:g} s; age of the Universe "
        f"{SECONDS_AGE_OF_UNIVERSE:.4g} s"
    )
    if along is not None:
        click.echo(f"# along {along} with g_chi = g_f = bound; {skipped} row(s) without a bound")
    _print_table(mc, mm, gc, gf, res, quiet)
    if plot is not None:
        click.echo(f"# plot written to {plot}")
