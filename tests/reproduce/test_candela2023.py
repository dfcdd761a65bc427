"""Paper 003 Sec. IV statements on the vector and scalar bounds (90% CL, 2 dof), and the
``candela2023`` reproduction on a coarse grid."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from upscatter.constants import M_MUON
from upscatter.experiments import get_experiment
from upscatter.kinematics import max_chi_mass
from upscatter.models import get_model
from upscatter.nuclei import AR40, CS133, I127
from upscatter.reproduce import candela2023
from upscatter.scans import coupling_bound

pytestmark = pytest.mark.usefixtures("data_dir")


@pytest.fixture(scope="module")
def csi():
    return get_experiment("coherent-csi-2021")


@pytest.fixture(scope="module")
def lar():
    return get_experiment("coherent-lar-2020")


def bounds(experiment, model, m_chi, m_med, **options):
    m_chi, m_med = np.broadcast_arrays(np.atleast_1d(m_chi), np.atleast_1d(m_med))
    return coupling_bound(
        experiment, get_model(model), {"m_chi": m_chi, "m_med": m_med}, dof=2, **options
    ).bound


def electron_effect(csi, model, m_chi, m_med):
    """Bound with the electron channel over the bound without it."""
    with_e = bounds(csi, model, m_chi, m_med, electrons=True)
    without = bounds(csi, model, m_chi, m_med, electrons=False)
    return with_e / without


def test_electron_bump_for_light_vectors_only(csi):
    """Paper 003 Secs. IV A-B: nu e -> chi e strengthens the CsI bound for the vector mediator at
    m_V = 0.1 MeV and m_chi below ~7 MeV (Figs. 2-3), not for m_V >= 10 MeV, and never for the
    scalar (suppressed by m_e E_er / E_nu^2, Eq. (11)). Thresholds: a bump is a factor > 2 in
    g; "no effect" is below 2% (scalar) or 1% (vector at 10 MeV)."""
    assert electron_effect(csi, "vector", 0.1, 0.1)[0] < 0.5
    assert electron_effect(csi, "vector", 0.1, 10.0)[0] > 0.99
    assert electron_effect(csi, "scalar", 0.1, 0.1)[0] > 0.98


def test_no_electron_channel_above_its_kinematic_limit(csi):
    """Above m_chi ~ 6.85 MeV (electron target, E_nu <= m_mu/2) the electron channel is closed,
    so the bounds with and without it are identical (to the bound's 1e-6 accuracy)."""
    limit = max_chi_mass(0.51099895, M_MUON / 2)
    assert 6.8 < limit < 6.9
    np.testing.assert_allclose(electron_effect(csi, "vector", limit * 1.01, 0.1), 1.0, rtol=1e-5)


def test_electron_bump_ends_where_recoils_leave_the_window(csi):
    """Where the bump ends (derived, docs/physics-decisions.md "Paper 003 results"): for
    m_chi << E the smallest electron recoil is T_min ~ m_chi^4 / (8 E^2 m_e), so recoils inside
    the CsI window (60 PE / 13.35 PE/keV = 4.5 keV) need m_chi < (8 E^2 m_e T)^(1/4) = 2.7 MeV
    at E = m_mu / 2. Below (2.0 MeV) the bump is there (factor > 2 in g), above (3.0 MeV) it
    is gone (< 0.5%), well below the 6.85 MeV kinematic limit of the electron target."""
    E, T = M_MUON / 2, 60 / 13.35e3
    edge = (8 * E**2 * 0.51099895 * T) ** 0.25
    assert 2.6 < edge < 2.8
    effect = electron_effect(csi, "vector", [2.0, 3.0], 0.1)
    assert effect[0] < 0.5 and effect[1] > 0.995


def test_footnote_6_one_mev_vector_overlaps_the_light_one(csi):
    """Paper 003 footnote 6: the m_V = 1 MeV contour of Fig. 3 overlaps the m_V = 0.1 MeV one.
    With electrons, the electron rate at m_V = 1 MeV is suppressed by ((2 m_e T + 0.01 MeV^2) /
    (2 m_e T + 1 MeV^2))^2 ~ 2e-4 (T ~ 4 keV), so only the nuclear part remains, and the
    nuclear bound (q ~ 50 MeV >> m_V) is the same at both masses: overlap outside the electron
    bump, within 1% (docs/physics-decisions.md, "Paper 003 results")."""
    b = bounds(csi, "vector", [10.0, 10.0], [0.1, 1.0], electrons=True)
    assert b[1] / b[0] == pytest.approx(1.0, rel=0.01)
    assert electron_effect(csi, "vector", 0.1, 1.0)[0] > 0.98


@pytest.mark.parametrize("model", ["vector", "scalar"])
def test_plateau_below_10_mev(lar, model):
    """Paper 003 Sec. IV: the bounds saturate for mediators below ~10 MeV (the nuclear momentum
    transfer, q ~ sqrt(2 M T) ~ 30-60 MeV, dominates the propagator). Within 2% from 0.01 to
    1 MeV; at 100 MeV clearly weaker (> 2x)."""
    b = bounds(lar, model, 0.1, [0.01, 0.1, 1.0, 100.0])
    np.testing.assert_allclose(b[:3] / b[0], 1.0, rtol=0.02)
    assert b[3] > 2 * b[0]


@pytest.mark.parametrize("model", ["vector", "scalar"])
def test_kinematic_cutoff_near_53_mev(csi, lar, model):
    """Paper 003 Sec. II/IV: no bound above m_chi = sqrt(M (M + 2 E_max)) - M ~ 52.8 MeV, the
    same for every mediator mass; a bound just below it."""
    for experiment, nucleus in ((csi, I127), (lar, AR40)):
        limit = max_chi_mass(max(nucleus.mass, CS133.mass), M_MUON / 2)
        b = bounds(experiment, model, [limit - 0.5, limit + 0.01], 10.0)
        assert np.isfinite(b[0]) and np.isnan(b[1])


def test_lar_versus_csi_without_electrons(csi, lar):
    """Paper 003 Sec. IV A: without the electron channel LAr is stronger than CsI at intermediate
    m_V, while CsI is stronger at high m_V (vector, m_chi = 0.1 MeV)."""
    masses = [10.0, 1000.0]
    b_csi = bounds(csi, "vector", 0.1, masses, electrons=False)
    b_lar = bounds(lar, "vector", 0.1, masses)
    assert b_lar[0] < b_csi[0]
    assert b_csi[1] < b_lar[1]


def test_reproduction_on_a_coarse_grid(tmp_path):
    """The full pipeline (jobs, CSV, figure, checks) on one curve of Fig. 3 with 4 points
    (plus the points resolving the cutoff)."""
    family = candela2023.FAMILIES[1]  # Fig. 3: vector, m_chi axis, fixed m_V
    assert (family.figure, family.x, family.values) == ("fig3", "m_chi", (0.1, 10, 100, 500))
    family = dataclasses.replace(family, values=(10.0,))
    summary = candela2023.build(tmp_path, points=4, families=[family], workers=1)
    figure = summary["details"]["fig3 vector"]
    assert figure["checks"]["cutoff_within_2_MeV_of_limit"] is True
    header = (tmp_path / figure["files"][1]).read_text().splitlines()[0]
    assert header == "m_med,m_chi_MeV,m_med_MeV,CsI,LAr,CsI+LAr,CsI without electrons"
    assert (tmp_path / figure["files"][0]).stat().st_size > 10_000
    assert summary["statements"] == {
        "kinematic cutoff within 2 MeV below ~52.8 MeV in every m_chi panel": True
    }
    json.dumps(summary)  # JSON-ready


def test_one_pool_for_every_family_gives_the_serial_curves(tmp_path):
    """All jobs of all families go to one process pool at once; each family's CSV is the
    serial one, byte for byte (two families sharing no curve, two workers)."""
    fig3 = dataclasses.replace(candela2023.FAMILIES[1], values=(10.0,))
    fig2 = dataclasses.replace(candela2023.FAMILIES[0], values=(candela2023.FAMILIES[0].values[0],))
    families = [fig2, fig3]
    (tmp_path / "serial").mkdir()
    (tmp_path / "pooled").mkdir()
    serial = candela2023.build(tmp_path / "serial", points=3, families=families, workers=1)
    pooled = candela2023.build(tmp_path / "pooled", points=3, families=families, workers=2)
    assert pooled["files"] == serial["files"]
    for name in serial["files"]:
        if name.endswith(".csv"):
            assert (tmp_path / "pooled" / name).read_text() == (
                tmp_path / "serial" / name
            ).read_text()
