"""Options shared by the commands that take an experiment and a model."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import click

from ..errors import ParameterError
from ..experiments import EXPERIMENTS, get_experiment
from ..models import MODELS, Model, get_model
from ..xsec.eft import CONVENTIONS
from ._common import check_output_file

if TYPE_CHECKING:
    from ..experiments import Analysis


def stacked(*options: Callable) -> Callable:
    """One decorator applying click ``options`` as if written one above the other, in order."""

    def decorate(func):
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


def model_option(help_text: str) -> Callable:
    """--model NAME (default vector), stored as ``model_name``."""
    return click.option(
        "--model", "model_name", default="vector", show_default=True, help=help_text
    )


def electrons_option(help_text: str, default: bool | None = False) -> Callable:
    """--electrons/--no-electrons (``default`` None: not given, the experiment decides)."""
    return click.option(
        "--electrons/--no-electrons",
        default=default,
        show_default=default is not None,
        help=help_text,
    )


def operator_option(help_text: str) -> Callable:
    """--operator NAME of the eft model (default none)."""
    return click.option("--operator", default=None, help=help_text)


def convention_option(help_text: str) -> Callable:
    """--convention physical|paper of the eft model (default: not given, the library's)."""
    return click.option(
        "--convention", type=click.Choice(CONVENTIONS), default=None, help=help_text
    )


CONVENTION_HELP = (
    "eft: 'physical' (left-handed neutrinos, full amplitude with the m_chi-proportional "
    "interference; default) or 'paper' (paper 002 Eq. (2) as printed, helicity-summed)."
)


def file_option(name: str, help_text: str, *, output: bool = True) -> Callable:
    """A file option such as --out or --plot (a path, not a folder). Output files are checked
    when the command line is read, before any computation (:func:`._common.check_output_file`;
    ``--plot`` must also have an image suffix matplotlib writes)."""

    def check(_ctx, _param, value):
        return check_output_file(name, value, image=name == "--plot") if output else value

    return click.option(name, type=click.Path(dir_okay=False), callback=check, help=help_text)


def yes_option(limit_text: str) -> Callable:
    """--yes: run a grid above the size limit described by ``limit_text``."""
    return click.option("--yes", is_flag=True, help=f"Proceed with a large grid ({limit_text}).")


json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
"""--json, stored as ``as_json``."""

experiment_options = stacked(
    click.option(
        "--experiment",
        "experiment_name",
        default="coherent-csi-2017",
        show_default=True,
        help=f"One of {', '.join(EXPERIMENTS)}.",
    ),
    click.option(
        "--time-window",
        default=None,
        help="Arrival-time window START,END in us (CsI 2017; default 0,6).",
    ),
    click.option(
        "--set",
        "settings",
        multiple=True,
        metavar="KEY=VALUE",
        help="Experiment option, e.g. --set threshold_kev=0.2 (repeatable; comma lists give "
        "tuples).",
    ),
)
"""--experiment, --time-window and --set KEY=VALUE (experiment options)."""

model_options = stacked(
    model_option(f"One of {', '.join(MODELS)}."),
    click.option(
        "--case",
        type=click.Choice(["A", "B"]),
        default=None,
        help="zprime: A (vector quark current, default) or B (axial).",
    ),
    electrons_option(
        "Include nu e -> chi e (vector, scalar). Default: on for experiments with an electron "
        "response (coherent-csi-2021, coherent-combined, as in paper 003), off otherwise.",
        default=None,
    ),
    operator_option(
        "eft: dipole, electric-dipole, scalar, pseudoscalar, vector, axial, tensor "
        "(or a_M, a_E, C_S, D_P, C_V, D_A, C_T)."
    ),
    convention_option(CONVENTION_HELP),
    click.option(
        "--loops/--no-loops",
        default=None,
        help="zprime: include the loop-induced elastic term (paper 000 Eq. (26); default on).",
    ),
    click.option(
        "--twist2",
        type=click.Choice(["nucleon", "paper"]),
        default=None,
        help="zprime: 'nucleon' (default: coherent twist-2 sums, loop-SM interference, case B "
        "spin-dependent tree level) or 'paper' (paper 000 as printed: the sums of Eqs. (28)-(32), "
        "neither of the two; reproduces its Fig. 4).",
    ),
    click.option(
        "--preset",
        default=None,
        help="vector, scalar: coupling preset, one of universal (default), b-l, dark-photon, "
        "leptophobic, electrophilic, nu-e, nu-mu, nu-tau, or a preset TOML file "
        "(upscatter.presets); the bound is on the preset's overall scale g.",
    ),
)
"""--model, --case, --electrons, --operator, --convention, --loops, --twist2, --preset."""


def parse_setting(text: str) -> tuple[str, object]:
    key, sep, raw = text.partition("=")
    if not sep or not key.strip() or not raw.strip():
        raise ParameterError(f"--set takes KEY=VALUE, got {text!r}")
    parts = [p.strip() for p in raw.split(",")]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = parts
    return key.strip(), tuple(values) if len(values) > 1 else values[0]


def parse_settings(items, option: str) -> dict[str, object]:
    """The KEY=VALUE items of a repeatable ``option`` (:func:`parse_setting`) as a dict; a key
    given twice is a ParameterError."""
    settings: dict[str, object] = {}
    for item in items:
        key, value = parse_setting(item)
        if key in settings:
            raise ParameterError(f"{option} {key} is given twice")
        settings[key] = value
    return settings


def build_experiment(experiment_name: str, time_window: str | None, settings=()):
    """Experiment from the CLI options (one-line errors for bad values)."""
    options = parse_settings(settings, "--set")
    if time_window is not None:
        if "time_window_us" in options:
            raise ParameterError("give --time-window or --set time_window_us, not both")
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


MODEL_FLAGS = {
    "case": "--case",
    "electrons": "--electrons/--no-electrons",
    "operator": "--operator",
    "loops": "--loops/--no-loops",
    "twist2": "--twist2",
    "convention": "--convention",
}
"""The command-line flag of each model option (a keyword of ``Model.channels``)."""


def model_kwargs(model: Model, **given) -> dict:
    """The model options given on the command line (None: not given), passed on unchanged;
    the model decides what they mean and their defaults. A flag for an option the model does
    not take is a ParameterError naming the models that take it."""
    kwargs = {name: value for name, value in given.items() if value is not None}
    for name in kwargs:
        if name not in model.option_names:
            takers = [m.name for m in MODELS.values() if name in m.option_names]
            flag = MODEL_FLAGS.get(name, name)
            verb = "apply" if "/" in flag else "applies"
            raise ParameterError(f"{flag} {verb} to --model {' or '.join(takers)} only")
    return kwargs


@dataclass(frozen=True)
class AnalysisChoice:
    """The experiment and model chosen with :data:`experiment_options` and :data:`model_options`
    (the values of those options, unchecked until :meth:`build`)."""

    experiment_name: str
    time_window: str | None
    settings: tuple[str, ...]
    model_name: str
    case: str | None
    electrons: bool | None
    operator: str | None
    loops: bool | None
    twist2: str | None = None
    preset: str | None = None
    convention: str | None = None

    def build(self) -> tuple[Analysis, Model, dict]:
        """(experiment, model, model options for ``Model.channels``), checked in that order.

        Without --electrons/--no-electrons the experiment's default applies
        (:meth:`upscatter.experiments.base.Analysis.model_options`).
        """
        experiment = build_experiment(self.experiment_name, self.time_window, self.settings)
        model = get_model(self.model_name, preset=self.preset)
        options = model_kwargs(
            model,
            case=self.case,
            electrons=self.electrons,
            operator=self.operator,
            loops=self.loops,
            twist2=self.twist2,
            convention=self.convention,
        )
        return experiment, model, experiment.model_options(model, options)


def analysis_options(func):
    """:data:`experiment_options` and :data:`model_options`, handed to the command as its first
    argument, an :class:`AnalysisChoice`."""

    @experiment_options
    @model_options
    @functools.wraps(func)
    def command(**values):
        choice = AnalysisChoice(**{f.name: values.pop(f.name) for f in fields(AnalysisChoice)})
        return func(choice, **values)

    return command
