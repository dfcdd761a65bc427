"""Options shared by the commands that take an experiment and a model."""

from __future__ import annotations

import click

from ..errors import ParameterError
from ..experiments import EXPERIMENTS, get_experiment
from ..models import MODELS


def experiment_options(func):
    """--experiment, --time-window and --set KEY=VALUE (experiment options)."""
    func = click.option(
        "--set",
        "settings",
        multiple=True,
        metavar="KEY=VALUE",
        help="Experiment option, e.g. --set threshold_kev=0.2 (repeatable; comma lists give "
        "tuples).",
    )(func)
    func = click.option(
        "--time-window",
        default=None,
        help="Arrival-time window START,END in us (CsI 2017; default 0,6).",
    )(func)
    return click.option(
        "--experiment",
        "experiment_name",
        default="coherent-csi-2017",
        show_default=True,
        help=f"One of {', '.join(EXPERIMENTS)}.",
    )(func)


def _parse_setting(text: str) -> tuple[str, object]:
    key, sep, raw = text.partition("=")
    if not sep or not key.strip() or not raw.strip():
        raise ParameterError(f"--set takes KEY=VALUE, got {text!r}")
    parts = [p.strip() for p in raw.split(",")]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = parts
    return key.strip(), tuple(values) if len(values) > 1 else values[0]


def build_experiment(experiment_name: str, time_window: str | None, settings=()):
    """Experiment from the CLI options (one-line errors for bad values)."""
    options = dict(_parse_setting(item) for item in settings)
    if time_window is not None:
        try:
            lo, hi = (float(t) for t in time_window.split(","))
        except ValueError:
            raise ParameterError(
                f"--time-window takes START,END in us, got {time_window!r}"
            ) from None
        options["time_window_us"] = (lo, hi)
    try:
        return get_experiment(experiment_name, **options)
    except TypeError as exc:  # an option the experiment does not take
        raise ParameterError(f"{experiment_name}: {exc}") from None


def model_options(func):
    """--model, --case, --loops, --electrons, --operator."""
    func = click.option(
        "--loops/--no-loops",
        default=True,
        show_default=True,
        help="zprime: include the loop-induced elastic term (paper 000 Eq. (26)).",
    )(func)
    func = click.option(
        "--operator",
        default=None,
        help="eft: dipole, electric-dipole, scalar, pseudoscalar, vector, axial, tensor "
        "(or a_M, a_E, C_S, D_P, C_V, D_A, C_T).",
    )(func)
    func = click.option(
        "--electrons/--no-electrons",
        default=False,
        show_default=True,
        help="Include nu e -> chi e (vector, scalar; experiments with an electron response).",
    )(func)
    func = click.option(
        "--case",
        type=click.Choice(["A", "B"]),
        default="A",
        show_default=True,
        help="zprime: A (vector quark current) or B (axial).",
    )(func)
    return click.option(
        "--model",
        "model_name",
        default="vector",
        show_default=True,
        help=f"One of {', '.join(MODELS)}.",
    )(func)


def model_kwargs(
    model_name: str, case: str, electrons: bool, operator: str | None = None, loops: bool = True
) -> dict:
    """Model options for Model.channels from the CLI flags."""
    kwargs: dict = {}
    if model_name == "zprime" and not loops:
        kwargs["loops"] = False
    if operator is not None:
        if model_name != "eft":
            raise ParameterError("--operator applies to --model eft only")
        kwargs["operator"] = operator
    if model_name == "zprime":
        kwargs["case"] = case
    if electrons:
        kwargs["electrons"] = True
    return kwargs
