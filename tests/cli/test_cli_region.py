"""CLI: `upscatter region` for a non-EFT model (issue 14): the per-flavour couplings of the
vector model, the same region as the Python call, and one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from upscatter.cli import main

pytestmark = pytest.mark.usefixtures("data_dir")


def test_flavour_region_from_the_cli_is_the_python_one(capsys, tmp_path):
    from upscatter.experiments import get_experiment
    from upscatter.models import get_model
    from upscatter.scans import pair_region

    args = ["region", "--model", "vector", "--preset", "leptophobic", "--pair", "g_e,g_mu"]
    args += ["--m-chi", "1", "--m-med", "10", "--points", "41", "--fix", "g_tau=0.001"]
    assert main([*args, "--json", "--plot", str(tmp_path / "r.png")]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["names"] == ["g_e", "g_mu"] and payload["units"] == "dimensionless"
    config = payload["config"]
    assert config["model"] == "vector[leptophobic]-flavours" and config["fixed"] == {"g_tau": 1e-3}
    assert config["direction"]["preset"] == "leptophobic"
    region = pair_region(
        get_experiment("coherent-csi-2017"),
        get_model("vector", preset="leptophobic"),
        {"m_chi": 1.0, "m_med": 10.0},
        ("g_e", "g_mu"),
        fixed={"g_tau": 1e-3},
        n_points=41,
    )
    for cli, python in zip(payload["boundary"], region.boundary, strict=True):
        np.testing.assert_array_equal(np.asarray(cli), python)
    assert (tmp_path / "r.png").stat().st_size > 1000
    assert main(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("# coherent-csi-2017, model=vector[leptophobic]-flavours: g_e vs g_mu")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "zprime", "--pair", "g_e,g_mu", "--m-med", "10"], "g_chi*g_q only"),
        (["--model", "vector", "--pair", "g_e,g_mu"], "needs the mass m_med"),
        (["--model", "vector", "--pair", "g_e,g_u", "--m-med", "10"], "no coupling pair"),
        (["--pair", "a_M,C_S", "--m-med", "10"], "got also m_med"),
        (["--pair", "a_M,C_S", "--electrons"], "--electrons/--no-electrons apply to"),
        (["--model", "vector", "--pair", "g_e,g_mu", "--fix", "g_tau=x"], "--fix takes"),
        # session 7: the second value silently won
        (
            ["--model", "vector", "--pair", "g_e,g_mu", "--fix", "g_tau=1", "--fix", "g_tau=2"],
            "twice",
        ),
    ],
)
def test_region_errors_are_one_line(capsys, args, message):
    assert main(["region", *args]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("upscatter: error:") and message in err
