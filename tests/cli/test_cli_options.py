"""CLI option plumbing shared by predict and limits (upscatter.cli._options)."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from upscatter.cli._options import (
    AnalysisChoice,
    analysis_options,
    build_experiment,
    json_option,
)
from upscatter.errors import ParameterError
from upscatter.experiments.projection import ProjectedExperiment


@click.command("probe")
@analysis_options
@click.option("--m-chi", type=float, default=1.0)
@json_option
def probe(analysis, m_chi, as_json):
    """Echo what the command receives."""
    click.echo(f"{analysis!r} {m_chi} {as_json}")


def test_shared_options_come_first_in_their_documented_order():
    """--help lists --experiment, --time-window, --set, --model, --case, --electrons, --operator,
    --convention, --loops, --twist2, then the command's own options (the order predict and
    limits always had)."""
    text = CliRunner().invoke(probe, ["--help"]).output
    names = [
        "--experiment",
        "--time-window",
        "--set",
        "--model",
        "--case",
        "--electrons",
        "--operator",
        "--convention",
        "--loops",
        "--twist2",
        "--m-chi",
        "--json",
    ]
    positions = [text.index(f"  {name}") for name in names]
    assert positions == sorted(positions)


def test_the_command_receives_one_analysis_choice_and_its_own_options():
    args = ["--experiment", "future-lar", "--set", "years=8", "--model", "zprime", "--case", "B"]
    result = CliRunner().invoke(probe, [*args, "--no-loops", "--m-chi", "3", "--json"])
    expected = AnalysisChoice("future-lar", None, ("years=8",), "zprime", "B", None, None, False)
    assert result.exit_code == 0
    assert result.output.strip() == f"{expected!r} 3.0 True"


def test_build_returns_experiment_model_and_model_options():
    choice = AnalysisChoice("future-lar", None, ("years=8",), "zprime", "B", None, None, False)
    experiment, model, options = choice.build()
    assert isinstance(experiment, ProjectedExperiment) and model.name == "zprime"
    assert options == {"loops": False, "case": "B"}


def test_build_checks_the_experiment_before_the_model():
    bad_both = AnalysisChoice("nope", None, (), "vector", None, False, "dipole", None)
    with pytest.raises(ParameterError, match="unknown experiment"):
        bad_both.build()
    bad_operator = AnalysisChoice("future-lar", None, (), "vector", None, False, "dipole", None)
    with pytest.raises(ParameterError, match="--operator applies to --model eft only"):
        bad_operator.build()


@pytest.mark.parametrize(
    ("experiment", "model", "flag", "expected"),
    [
        ("coherent-csi-2021", "vector", None, True),  # paper 003: CsI with nu e -> chi e
        ("coherent-combined", "scalar", None, False),  # not set: each part decides (CsI on)
        ("coherent-csi-2021", "vector", False, False),  # --no-electrons
        ("coherent-csi-2021", "zprime", None, False),  # no electron channel in the model
        ("coherent-lar-2020", "vector", None, False),  # LAr rejects electron recoils
        ("coherent-csi-2017", "vector", True, True),  # --electrons
    ],
)
def test_electron_channel_default_follows_the_experiment(
    data_dir, experiment, model, flag, expected
):
    choice = AnalysisChoice(experiment, None, (), model, None, flag, None, None)
    assert choice.build()[2].get("electrons", False) is expected


def test_electrons_flag_on_a_model_without_electron_channel_is_an_error():
    choice = AnalysisChoice("future-lar", None, (), "zprime", "A", True, None, True)
    with pytest.raises(ParameterError, match="--electrons/--no-electrons apply to"):
        choice.build()


@pytest.mark.usefixtures("data_dir")
def test_python_and_cli_defaults_agree():
    """coupling_bound from Python takes the experiment's electron default (on for CsI 2021), as
    the CLI does: the same call gives the same bound either way (issue 14)."""
    import numpy as np

    from upscatter.experiments import get_experiment
    from upscatter.models import get_model
    from upscatter.scans import coupling_bound

    csi = get_experiment("coherent-csi-2021")
    model = get_model("vector")
    masses = {"m_chi": np.array([0.1]), "m_med": np.array([0.3])}
    default = coupling_bound(csi, model, masses)
    explicit = coupling_bound(csi, model, masses, electrons=True)
    assert default.config["model_options"]["electrons"] is True
    assert default.bound[0] == explicit.bound[0]
    _, _, cli_options = AnalysisChoice(
        "coherent-csi-2021", None, (), "vector", None, None, None, None
    ).build()
    assert cli_options == default.config["model_options"]


def test_twist2_reaches_the_zprime_model_only():
    choice = AnalysisChoice("future-lar", None, (), "zprime", "A", None, None, True, "paper")
    assert choice.build()[2]["twist2"] == "paper"
    with pytest.raises(ParameterError, match="--twist2 applies to --model zprime only"):
        AnalysisChoice("future-lar", None, (), "vector", None, None, None, None, "paper").build()


def test_convention_reaches_the_eft_model_only_and_defaults_to_physical():
    """--convention is an eft option; without it the library default is filled in (and so
    recorded in results), with it the given one; for another model it is a one-line error."""
    eft = AnalysisChoice("future-lar", None, (), "eft", None, None, "C_V", None)
    assert eft.build()[2]["convention"] == "physical"
    paper = AnalysisChoice(
        "future-lar", None, (), "eft", None, None, "C_V", None, convention="paper"
    )
    assert paper.build()[2]["convention"] == "paper"
    assert (
        "convention"
        not in AnalysisChoice("future-lar", None, (), "vector", None, None, None, None).build()[2]
    )
    with pytest.raises(ParameterError, match="--convention applies to --model eft only"):
        AnalysisChoice(
            "future-lar", None, (), "zprime", None, None, None, None, convention="paper"
        ).build()


@pytest.mark.parametrize(
    ("time_window", "settings", "needle"),
    [
        (None, ("form_factor=helm", "form_factor=unity"), "given twice"),
        ("0,3", ("time_window_us=0,6",), "not both"),
    ],
)
def test_conflicting_experiment_options_are_refused(time_window, settings, needle):
    """Session 7: a repeated --set key, or --set time_window_us with --time-window, kept the
    last value silently."""
    with pytest.raises(ParameterError, match=needle):
        build_experiment("coherent-csi-2017", time_window, settings)
