"""The command line and the Python API give the same bound for the same request (issue 14):
every registered experiment with every registered model, and presets; requests that are
invalid fail in both. The CLI only parses, calls and prints, so the numbers agree exactly
(the physics defaults, e.g. the electron channel at CsI 2021, live in the library)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from upscatter import coupling_bound
from upscatter.cli import main
from upscatter.errors import UpscatterError
from upscatter.experiments import EXPERIMENTS, get_experiment
from upscatter.models import MODELS, get_model

pytestmark = pytest.mark.usefixtures("data_dir")

#: Options a model needs (the one-operator EFT has no default operator).
NEEDS = {"eft": {"operator": "dipole"}}
FLAGS = {"operator": "--operator"}


def _cli_bound(capsys, experiment, model, m_chi, m_med, preset=None, **options):
    args = ["limits", "--experiment", experiment, "--model", model]
    args += ["--m-chi", str(m_chi), "--m-med", str(m_med), "--json"]
    for name, value in options.items():
        args += [FLAGS[name], str(value)]
    if preset is not None:
        args += ["--preset", preset]
    code = main(args)
    captured = capsys.readouterr()
    if code != 0:
        return code, captured.err
    payload = json.loads(captured.out)
    return code, payload


def _python_bound(experiment, model, m_chi, m_med, preset=None, **options):
    masses = {"m_chi": np.array([m_chi]), "m_med": np.array([m_med])}
    if isinstance(experiment, str):
        experiment = get_experiment(experiment)
    return coupling_bound(experiment, get_model(model, preset), masses, **options)


@pytest.mark.parametrize("experiment", list(EXPERIMENTS))
def test_cli_and_python_give_the_same_bound(capsys, experiment):
    analysis = get_experiment(experiment)  # one instance for the Python calls (data loaded once)
    for model in MODELS:
        options = NEEDS.get(model, {})
        result = _python_bound(analysis, model, 1.0, 10.0, **options)
        code, payload = _cli_bound(capsys, experiment, model, 1.0, 10.0, **options)
        assert code == 0, payload
        cli = payload["points"][0]["bound"]
        python = result.bound[0]
        assert np.isfinite(python) and cli == python, (experiment, model)
        assert payload["config"]["model_options"] == result.config["model_options"]


@pytest.mark.parametrize(
    ("experiment", "preset"),
    [("coherent-csi-2017", "nu-mu"), ("coherent-csi-2021", "nu-e"), ("future-conus", "b-l")],
)
def test_cli_and_python_agree_along_presets(capsys, experiment, preset):
    result = _python_bound(experiment, "vector", 2.0, 20.0, preset)
    code, payload = _cli_bound(capsys, experiment, "vector", 2.0, 20.0, preset)
    assert code == 0 and payload["points"][0]["bound"] == result.bound[0]
    assert payload["config"]["direction"] == result.direction
    assert result.direction["preset"] == preset


def test_no_bound_is_no_bound_in_both(capsys):
    """Above the kinematic limit of the SNS flux (m_chi ~ 53 MeV) neither path has a bound;
    a reactor sees nubar_e only, so a nu_mu-only model has no signal there."""
    for experiment, model, m_chi, preset in (
        ("coherent-csi-2017", "vector", 60.0, None),
        ("reactor-ge-example", "vector", 0.1, "nu-mu"),
    ):
        result = _python_bound(experiment, model, m_chi, 10 * m_chi, preset)
        code, payload = _cli_bound(capsys, experiment, model, m_chi, 10 * m_chi, preset)
        assert np.isnan(result.bound[0])
        assert code == 0 and payload["points"][0]["bound"] is None


@pytest.mark.parametrize(
    ("model", "preset", "options"),
    [
        ("eft", None, {}),  # the one-operator EFT needs an operator
        ("scalar", "b-l", {}),  # B-L is a gauge (vector) model
        ("zprime", "nu-mu", {}),  # presets are directions of the vector and scalar models
        ("vector", None, {"operator": "dipole"}),  # an option the model does not take
    ],
)
def test_invalid_requests_fail_in_both(capsys, model, preset, options):
    with pytest.raises(UpscatterError):
        _python_bound("coherent-csi-2017", model, 1.0, 10.0, preset, **options)
    code, err = _cli_bound(capsys, "coherent-csi-2017", model, 1.0, 10.0, preset, **options)
    assert code == 1 and err.startswith("upscatter: error:") and err.count("\n") == 1
