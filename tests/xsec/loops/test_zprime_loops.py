"""Paper 000: tree + loop bounds on g_chi g_q from COHERENT CsI 2017 (Sec. IV, Fig. 4).

The paper's numbers follow its printed twist-2 sums (``twist2="paper"``), so the comparisons with
published values use that reading; the library default is the coherent sum of nucleon amplitudes
(``"nucleon"``; docs/physics-decisions.md, "Paper 000 Fig. 4: loop normalisation investigation").
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from upscatter.cli import main
from upscatter.errors import ParameterError, RangeOfValidityWarning
from upscatter.experiments import get_experiment
from upscatter.models import get_model
from upscatter.scans import coupling_bound

pytestmark = pytest.mark.usefixtures("data_dir")

PAPER = {"twist2": "paper"}


@pytest.fixture(scope="module")
def csi():
    return get_experiment("coherent-csi-2017")


def scan(csi, m_chi, ratio, case="A", **options):
    m = np.atleast_1d(np.asarray(m_chi, dtype=float))
    with warnings.catch_warnings():  # tested in test_validity_flag_and_warning
        warnings.simplefilter("ignore", RangeOfValidityWarning)
        return coupling_bound(
            csi, get_model("zprime"), {"m_chi": m, "m_med": ratio * m}, case=case, **options
        )


def bound(csi, m_chi, ratio, case="A", **options):
    return scan(csi, m_chi, ratio, case, **options).bound


@pytest.mark.parametrize(("ratio", "published"), [(10.0, 6.7e-9), (2.0, 1.5e-9)])
def test_case_a_at_1_mev(csi, ratio, published):
    """Paper 000 Sec. IV: 6.7e-9 (m_Z' = 10 m_chi) and 1.5e-9 (2 m_chi) at m_chi = 1 MeV; factor
    1.5 (issue 6). At 2 m_chi the loop term matters: tree level alone is 3x weaker."""
    assert published / 1.5 < bound(csi, 1.0, ratio, **PAPER)[0] < published * 1.5


def test_loops_strengthen_the_2_mchi_bound(csi):
    """Paper 000 Sec. IV: for m_Z' = 2 m_chi the loop becomes comparable to the tree level at
    small m_chi (kink near 2 MeV), so at 1 MeV tree + loop is well below tree alone."""
    with_loops = bound(csi, 1.0, 2.0, **PAPER)[0]
    tree_only = bound(csi, 1.0, 2.0, loops=False)[0]
    assert tree_only > 2 * with_loops


def test_case_a_kink_at_the_kinematic_limit(csi):
    """Paper 000: above m_chi ~ 53 MeV only loops remain, so the bound jumps (kink)."""
    for options in (PAPER, {}):
        b = bound(csi, [52.0, 53.5], 10.0, **options)
        assert np.all(np.isfinite(b)) and b[1] > 10 * b[0]


def test_case_b_near_53_mev_with_2_mchi(csi):
    """Paper 000: case B at m_chi ~ 53 MeV is bounded at the 1e-6 level for m_Z' = 2 m_chi
    (factor 3, issue 6)."""
    assert 1e-6 / 3 < bound(csi, 53.0, 2.0, case="B", **PAPER)[0] < 1e-6 * 3


def test_case_b_near_53_mev_with_10_mchi_is_weaker_than_2_mchi(csi):
    """Paper 000 Sec. IV: the bounds become stronger as m_Z' decreases (left to right panels),
    and case B is bounded by the loops alone (finite bound without a tree level)."""
    b10 = bound(csi, 53.0, 10.0, case="B", **PAPER)[0]
    b2 = bound(csi, 53.0, 2.0, case="B", **PAPER)[0]
    assert np.isfinite(b10) and b10 > 3 * b2


@pytest.mark.xfail(
    strict=True,
    reason="paper 000 quotes 'the level of 1e-5' for case B, m_Z' = 10 m_chi at 53 MeV; with the "
    "printed formulas we get 1.2e-4 (docs/physics-decisions.md, 'Paper 000 Fig. 4: loop "
    "normalisation investigation': no reading of Eqs. (26)-(32) gives both this and the "
    "reproduced 2 m_chi value)",
)
def test_case_b_near_53_mev_with_10_mchi_published(csi):
    """Paper 000: 1e-5 at m_chi ~ 53 MeV for m_Z' = 10 m_chi (factor 3, issue 6)."""
    assert 1e-5 / 3 < bound(csi, 53.0, 10.0, case="B", **PAPER)[0] < 1e-5 * 3


def test_case_b_tree_level_is_spin_dependent_only(csi):
    """Paper 000: case B has no coherent tree level, and the paper leaves the SD one out
    (printed treatment: no tree entry at all). The physical default adds the SD tree level: it
    is ~600x weaker than case A's coherent one (G_A^2/Q_V^2 ~ 3e-6, docs/physics-decisions.md,
    'Loops: case B spin-dependent tree level'; factor 400-900 accepted), vanishes above the
    kinematic limit, and sets the bound where the loop term is weak (m_Z' = 10 m_chi,
    m_chi = 10-50 MeV: the loop-only bound is 10-20x weaker)."""
    assert np.isnan(bound(csi, 1.0, 10.0, case="B", loops=False, **PAPER)[0])
    np.testing.assert_array_equal(
        bound(csi, [1.0, 53.0], 2.0, case="B", tree=False, **PAPER),
        bound(csi, [1.0, 53.0], 2.0, case="B", **PAPER),
    )
    masses = [1.0, 10.0, 30.0]
    sd = bound(csi, masses, 10.0, case="B", loops=False)
    coherent = bound(csi, masses, 10.0, case="A", loops=False)
    assert np.all((400 < sd / coherent) & (sd / coherent < 900))
    assert np.isnan(bound(csi, 53.5, 10.0, case="B", loops=False)[0])
    default = bound(csi, masses[1:], 10.0, case="B")
    loop_only = bound(csi, masses[1:], 10.0, case="B", tree=False)
    np.testing.assert_allclose(default, sd[1:], rtol=0.02)
    assert np.all(loop_only > 10 * default)


def test_default_is_the_coherent_twist2_reading(csi):
    """The default reading is ``nucleon`` (coherent sum of the nucleon twist-2 amplitudes); the
    printed sums are larger by ~A^2 in c2, c3, so they give the stronger bound."""
    masses = [53.0, 300.0]
    default = bound(csi, masses, 2.0, case="B")
    np.testing.assert_array_equal(default, bound(csi, masses, 2.0, case="B", twist2="nucleon"))
    assert np.all(bound(csi, masses, 2.0, case="B", **PAPER) < default / 10)


def test_cli_no_loops(capsys):
    """``limits --no-loops`` prints the tree-level bound of coupling_bound (4 digits)."""
    args = ["limits", "--model", "zprime", "--mass-ratio", "2", "--m-chi", "1", "--no-loops"]
    assert main([*args, "--quiet"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    printed = float(lines[-1].split()[lines[-2].split().index("bound")])
    expected = bound(get_experiment("coherent-csi-2017"), 1.0, 2.0, loops=False)[0]
    assert printed == pytest.approx(expected, rel=1e-3)
    assert expected > bound(get_experiment("coherent-csi-2017"), 1.0, 2.0, **PAPER)[0]


def test_interference_belongs_to_the_physical_reading(csi):
    """The c2-SM interference entry (basis entry 1) is on with the coherent twist-2 sums and off
    with the paper's printed treatment (paper 000 Eq. (22) has none), so the paper
    reproductions keep their numbers; ``interference=`` overrides either."""
    model = get_model("zprime")
    masses = {"m_chi": [53.0], "m_med": [106.0]}

    def basis(**options):
        return csi.signal_basis(model, masses, case="B", **options)[0]

    assert np.all(basis(twist2="paper")[:, 1] == 0)
    assert np.all(basis(interference=False)[:, 1] == 0)
    assert np.any(basis()[:, 1] != 0) and np.any(
        basis(twist2="paper", interference=True)[:, 1] != 0
    )
    np.testing.assert_array_equal(basis()[:, 2], basis(interference=False)[:, 2])
    with pytest.raises(ParameterError, match="interference"):
        basis(interference="yes")


def test_interference_moves_the_default_bounds_little(csi):
    """Neutrinos and antineutrinos interfere with opposite signs and the SNS flux has both
    (nu_mu, nu_e, nubar_mu), so the net effect on the bound is at the 10% level, not the 1.6x of
    a same-sign estimate (docs/physics-decisions.md, 'Loops: c2-SM interference'): within a
    factor 1.3 either way at the case B points of paper 000 Sec. IV."""
    for ratio in (2.0, 10.0):
        with_int = bound(csi, 53.0, ratio, case="B")[0]
        without = bound(csi, 53.0, ratio, case="B", interference=False)[0]
        assert with_int != without and 1 / 1.3 < with_int / without < 1.3


def test_validity_flag_and_warning(csi, tmp_path):
    """Bounds that rest on the loop term below the twist-2 matching scale are flagged
    (valid = False) and warned about; tree-dominated and heavy-mass bounds are not. Case B at
    m_chi = 0.1 MeV (the 4e-11 bound of issue 15) is flagged; case A at 1 MeV, m_Z' = 10 m_chi
    (tree dominated) and case A at 300 MeV, m_Z' = 2 m_chi (m > 223 MeV) are inside."""
    model = get_model("zprime")
    with pytest.warns(RangeOfValidityWarning, match="1 of 2"):
        result = coupling_bound(
            csi, model, {"m_chi": [0.1, 300.0], "m_med": [1.0, 600.0]}, case="B"
        )
    assert result.valid.tolist() == [False, True]
    assert scan(csi, 1.0, 10.0).valid.tolist() == [True]
    assert scan(csi, 1.0, 2.0, **PAPER).valid.tolist() == [False]  # loop-dominated kink region
    path, _ = result.save(tmp_path / "b.csv")
    loaded = type(result).load(path)
    assert loaded.valid.tolist() == [False, True] and list(loaded.masses) == ["m_chi", "m_med"]
    assert [row["valid"] for row in result.rows()] == [False, True]


def test_cli_marks_bounds_outside_validity(capsys, tmp_path):
    """``limits`` prints a warning line and a ``valid`` column; the plot draws that part dashed."""
    args = ["limits", "--model", "zprime", "--case", "B", "--mass-ratio", "2"]
    plot = tmp_path / "b.png"
    assert main([*args, "--m-chi", "0.1,300", "--quiet", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "# warning: 1 bound(s) outside the model's range of validity" in out
    rows = out.strip().splitlines()[-2:]
    assert rows[0].split()[-1] == "no" and rows[1].split()[-1] == "yes"
    assert plot.exists()
