"""The CsI 2021 + LAr 2020 combination (paper 003 Sec. IV): chi^2 summed, nuisances separate."""

from __future__ import annotations

import json

import numpy as np
import pytest

from upscatter.cli import main
from upscatter.errors import ParameterError
from upscatter.experiments import CombinedAnalysis, get_experiment
from upscatter.models import get_model
from upscatter.scans import compute_basis, coupling_bound

pytestmark = pytest.mark.usefixtures("data_dir")


@pytest.fixture(scope="module")
def combined():
    return get_experiment("coherent-combined")


def test_prediction_is_the_concatenation_of_the_parts(combined):
    csi, lar = combined.parts
    assert (csi.name, lar.name) == ("coherent-csi-2021", "coherent-lar-2020")
    assert combined.n_bins == csi.n_bins + lar.n_bins
    np.testing.assert_array_equal(combined.sm_counts[: csi.n_bins], csi.sm_counts)
    np.testing.assert_array_equal(combined.sm_counts[csi.n_bins :], lar.sm_counts)
    assert len(combined.bin_labels()) == combined.n_bins


def test_chi2_is_the_sum_of_independent_fits(combined):
    """Identity: with no shared nuisance the profiled chi^2 of the sum is the sum of the profiled
    chi^2 (to the minimiser's tolerance, 1e-6 absolute)."""
    csi, lar = combined.parts
    K = compute_basis(combined, get_model("vector"), {"m_chi": [1.0], "m_med": [5.0]})[0]
    for g in (0.0, 5e-5, 1e-4):
        predicted = combined.sm_counts + K @ get_model("vector").monomials(g)
        a, b = combined.split(predicted)
        expected = csi.chi2(a) + lar.chi2(b)
        assert float(combined.chi2(predicted)) == pytest.approx(float(expected), abs=1e-6)


def test_summary_keeps_the_nuisances_of_each_part_separate(combined):
    summary = combined.summary(combined.sm_counts)
    names = set(summary["nuisances"])
    assert {n.split(": ")[0] for n in names} == {"coherent-csi-2021", "coherent-lar-2020"}
    assert summary["chi2"] == pytest.approx(
        sum(part["chi2"] for part in summary["parts"].values()), rel=1e-12
    )
    n_analysis = len(summary["bins"])
    assert n_analysis == 99 + 120  # 9 x 11 CsI bins, 12 x 10 LAr bins
    assert all(len(v) == n_analysis for k, v in summary.items() if k.endswith("background"))
    # every background of both parts is reported (the LAr beam-related neutrons included)
    start = 0
    for part in summary["parts"].values():
        stop = start + len(part["bins"])
        for key in (k for k in part if k.endswith("background")):
            np.testing.assert_array_equal(summary[key][start:stop], np.ravel(part[key]))
        start = stop
    assert "prompt_brn_background" in summary and "brn_background" in summary


def test_combination_is_stronger_than_each_data_set(combined):
    """Paper 003 Sec. IV A: the combination gives the strongest constraint (vector, m_chi = 1
    MeV, m_V = 10 MeV)."""
    masses = {"m_chi": [1.0], "m_med": [10.0]}
    model = get_model("vector")
    b = {
        e.name: coupling_bound(e, model, masses, dof=2).bound[0]
        for e in (combined, *combined.parts)
    }
    assert b["coherent-combined"] < min(b["coherent-csi-2021"], b["coherent-lar-2020"])


def test_bad_input(combined):
    with pytest.raises(ParameterError, match="1305 entries"):
        combined.chi2(np.ones(10))
    with pytest.raises(ParameterError, match="at least two"):
        CombinedAnalysis("x", [combined.parts[0]])
    with pytest.raises(ParameterError, match="distinct"):
        CombinedAnalysis("x", [combined.parts[0], combined.parts[0]])
    with pytest.raises(ParameterError, match="quenching"):
        get_experiment("coherent-combined", quenching="nope")


def test_cli_accepts_the_combination(capsys):
    args = ["--experiment", "coherent-combined", "--model", "vector", "--m-chi", "0.1"]
    assert main(["limits", *args, "--m-med", "1", "--dof", "2", "--electrons", "--json"]) == 0
    bound = json.loads(capsys.readouterr().out)["points"][0]["bound"]
    assert 1e-6 < bound < 1e-4
    assert main(["predict", *args, "--m-med", "1", "--coupling", "1e-5", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert len(payload["N_SM"]) == len(payload["observed"]) == 219
