"""Paper 000: tree + loop bounds on g_chi g_q from COHERENT CsI 2017 (Sec. IV, Fig. 4)."""

from __future__ import annotations

import numpy as np
import pytest

from upscatter.cli import main
from upscatter.experiments import get_experiment
from upscatter.models import get_model
from upscatter.scans import coupling_bound

pytestmark = pytest.mark.usefixtures("data_dir")


@pytest.fixture(scope="module")
def csi():
    return get_experiment("coherent-csi-2017")


def bound(csi, m_chi, ratio, case="A", **options):
    m = np.atleast_1d(np.asarray(m_chi, dtype=float))
    return coupling_bound(
        csi, get_model("zprime"), {"m_chi": m, "m_med": ratio * m}, case=case, **options
    ).bound


@pytest.mark.parametrize(("ratio", "published"), [(10.0, 6.7e-9), (2.0, 1.5e-9)])
def test_case_a_at_1_mev(csi, ratio, published):
    """Paper 000 Sec. IV: 6.7e-9 (m_Z' = 10 m_chi) and 1.5e-9 (2 m_chi) at m_chi = 1 MeV; factor
    1.5 (issue 6). At 2 m_chi the loop term matters: tree level alone is 3x weaker."""
    assert published / 1.5 < bound(csi, 1.0, ratio)[0] < published * 1.5


def test_loops_strengthen_the_2_mchi_bound(csi):
    with_loops = bound(csi, 1.0, 2.0)[0]
    tree_only = bound(csi, 1.0, 2.0, loops=False)[0]
    assert tree_only > 2 * with_loops


def test_case_a_kink_at_the_kinematic_limit(csi):
    """Paper 000: above m_chi ~ 53 MeV only loops remain, so the bound jumps (kink)."""
    b = bound(csi, [52.0, 53.5], 10.0)
    assert np.all(np.isfinite(b)) and b[1] > 10 * b[0]


def test_case_b_near_53_mev_with_2_mchi(csi):
    """Paper 000: case B at m_chi ~ 53 MeV is bounded at the 1e-6 level for m_Z' = 2 m_chi
    (factor 3, issue 6). The m_Z' = 10 m_chi value (1e-5 published) is not yet reproduced
    (we get ~1.2e-4; docs/physics-decisions.md, "Loops")."""
    assert 1e-6 / 3 < bound(csi, 53.0, 2.0, case="B")[0] < 1e-6 * 3


def test_case_b_has_no_tree_level(csi):
    assert np.isnan(bound(csi, 1.0, 10.0, case="B", loops=False)[0])


def test_cli_no_loops(capsys):
    assert (
        main(
            [
                "limits",
                "--model",
                "zprime",
                "--mass-ratio",
                "2",
                "--m-chi",
                "1",
                "--no-loops",
                "--quiet",
            ]
        )
        == 0
    )
    assert "4.871e-09" in capsys.readouterr().out
