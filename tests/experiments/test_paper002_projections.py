"""Paper 002 projections: future COHERENT LAr and future CONUS EFT bounds (Eqs. (17)-(20),
Fig. 3) and the active-sterile mixing bounds of Appendix B (Eq. (B5))."""

from __future__ import annotations

import numpy as np
import pytest

from upscatter.experiments import get_experiment
from upscatter.models import get_model
from upscatter.reproduce.chang_liao2020 import (
    CONVENTION,
    EQ_B5,
    EQS_17_20,
    PAPER002_OPTIONS,
    mixing_bound,
    paper_experiment,
)
from upscatter.scans import coupling_bound
from upscatter.stats import delta_chi2_threshold

pytestmark = pytest.mark.usefixtures("data_dir")
MODEL = get_model("eft")
# paper_experiment: as paper 002 models it, future CONUS with the Huber-Mueller spectrum; every
# bound here uses the paper's EFT convention (CONVENTION = "paper": Eq. (2), helicity-summed).


def paper_bound(experiment, masses, op):
    return coupling_bound(experiment, MODEL, masses, operator=op, convention=CONVENTION).bound


def bound_sq(name, op, m_chi=0.5):
    return paper_bound(paper_experiment(name), {"m_chi": np.atleast_1d(m_chi)}, op) ** 2


@pytest.mark.parametrize(
    ("name", "op"),
    [
        ("future-lar", "a_M"),
        ("future-lar", "C_S"),
        ("future-lar", "C_T"),
        ("future-conus", "a_M"),
        ("future-conus", "C_V"),
        ("future-conus", "C_T"),
    ],
)
def test_eqs_17_20_future_experiments(name, op):
    """Second and third values of paper 002 Eqs. (17)-(20) (m_chi <= 0.5 MeV): within 50%."""
    assert abs(bound_sq(name, op)[0] / EQS_17_20[name][op] - 1) <= 0.5


def test_future_lar_vector_difference_is_the_pull_convention():
    """Future-LAr C_V is 1.50 x the published |C_V|^2 (docs/physics-decisions.md). At m_chi -> 0
    the vector signal has the SM shape, so only the 17.5% normalisation pull limits it. With the
    pull multiplying SM + new physics (Eq. (13) as written, our choice) the fraction f = N_new/N_SM
    allowed satisfies f/(1+f) ~ x = sqrt(2.71) 0.175 = 0.288; the paper's number follows from
    f ~ x (pull on the SM part only). The ratio of the two readings is x/(1 - x) / x =
    1/(1 - x) = 1.40, the observed 1.50 within 10% (the estimate keeps only the pull, not the
    statistical and background terms of the chi^2)."""
    ratio = bound_sq("future-lar", "C_V")[0] / EQS_17_20["future-lar"]["C_V"]
    x = np.sqrt(delta_chi2_threshold(0.9, 1)) * 0.175
    ours, paper_reading = x / (1 - x), x
    assert ours / paper_reading == pytest.approx(1.40, abs=0.005)
    assert ratio == pytest.approx(ours / paper_reading, rel=0.1)


def test_conus_loses_sensitivity_above_the_reactor_endpoint():
    """Paper 002: CONUS has no sensitivity above about 10 MeV (with Huber-Mueller, as paper 002,
    the spectrum ends at 8 MeV, so the bounds stop before 9 MeV)."""
    b = paper_bound(paper_experiment("future-conus"), {"m_chi": [5.0, 7.0, 9.0, 12.0]}, "C_V")
    assert np.all(np.isfinite(b[:2])) and np.all(np.isnan(b[2:]))


def test_conus_dipole_kink_near_4_mev():
    """Paper 002 Fig. 3: the CONUS dipole bound has a kink (a local maximum) near 4 MeV."""
    m = np.geomspace(2.0, 7.0, 41)
    b = paper_bound(paper_experiment("future-conus"), {"m_chi": m}, "a_M")
    interior = np.nonzero((b[1:-1] > b[:-2]) & (b[1:-1] > b[2:]))[0] + 1
    assert interior.size >= 1 and 3.0 < m[interior[0]] < 5.0


def test_conus_vector_weakens_below_1_mev():
    """Paper 002 Fig. 3: the CONUS vector bound is stronger at a few MeV than below 1 MeV."""
    b = bound_sq("future-conus", "C_V", m_chi=np.array([0.1, 0.5, 3.0]))
    assert b[0] > 3 * b[2] and b[1] > 3 * b[2]


@pytest.mark.parametrize("name", list(EQ_B5))
def test_mixing_bounds_eq_b5(name):
    """Paper 002 Eq. (B5): sum |U|^2 < 0.65 (current), 0.28 (future LAr), 0.09 (CONUS); within
    50% (the LAr value inherits the 1.5 of the vector bound above)."""
    value = mixing_bound(name, bound_sq(name, "C_V")[0])
    assert abs(value / EQ_B5[name] - 1) <= 0.5


@pytest.mark.parametrize("name", ["coherent-csi-2017", "future-lar"])
def test_mixing_bound_is_the_same_in_both_conventions(name):
    """Mixing is the left-chiral combination C_V = -D_A, whose rate is the same in both
    conventions (tests/xsec/test_eft.py::test_vector_normalisation_equals_paper000_eq23): each
    convention's own C_V bound gives the same sum |U|^2, to the bound's accuracy (1e-6)."""
    masses = {"m_chi": [0.5]}
    experiment = paper_experiment(name)
    physical = coupling_bound(experiment, MODEL, masses, operator="C_V").bound[0] ** 2
    paper = bound_sq(name, "C_V")[0]
    assert mixing_bound(name, physical, "physical") == pytest.approx(
        mixing_bound(name, paper, "paper"), rel=1e-6
    )


def test_mixing_bound_translation_is_exact_arithmetic():
    """|C_V^q| = 0.5 (4 Z s_W^2 + N - Z)|U| / (3A), C_V and D_A both present: for CsI
    (Z = 54, N = 76, A = 130 on average): 0.5 (4 * 54 * 0.23857 + 22) / 390 = 0.094286, so a
    vector bound B gives sum |U|^2 = B / (2 * 0.094286^2) = B / 0.017780 (hand algebra)."""
    assert mixing_bound("coherent-csi-2017", 1.0) == pytest.approx(1 / 0.017780, rel=1e-3)


def test_reproductions_use_huber_mueller_for_conus():
    """Paper 002 computes the CONUS flux from Huber-Mueller (its Refs. [53, 54]): the
    reproductions pass it explicitly, the library default being BESTIOLE."""
    assert PAPER002_OPTIONS["future-conus"] == {"reactor_spectrum": "huber-mueller"}
    spectrum = "reactor_spectrum"
    assert paper_experiment("future-conus").source_options[spectrum] == "huber-mueller"
    assert get_experiment("future-conus").source_options[spectrum] == "bestiole2023"


@pytest.mark.parametrize(
    ("spectrum", "bounded"), [("bestiole2023", True), ("huber-mueller", False)]
)
def test_bestiole_extends_conus_to_9_mev(spectrum, bounded):
    """Paper 002 Sec. IV and Fig. 3: future CONUS is sensitive up to m_chi ~ 10 MeV. With the
    BESTIOLE spectrum (to 12.5 MeV) the vector-operator bound exists at m_chi = 9 MeV; with
    Huber-Mueller (tables end at 8 MeV) nu N -> chi N is closed there and there is no bound."""
    experiment = get_experiment("future-conus", reactor_spectrum=spectrum)
    b = paper_bound(experiment, {"m_chi": [9.0]}, "C_V")
    assert bool(np.isfinite(b[0])) == bounded
