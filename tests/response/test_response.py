"""Response pieces (upscatter.response): Lindhard quenching against published values, Gaussian
smearing conserves probability, efficiency tables are exact at their nodes, registries."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from upscatter.errors import ParameterError
from upscatter.response import (
    DetectorResponse,
    GaussianResolution,
    Lindhard,
    LinearQuenching,
    LogisticEfficiency,
    LogisticPEAcceptance,
    TabulatedEfficiency,
    build_piece,
    lindhard_k,
)
from upscatter.units import keV


def test_lindhard_k_of_germanium_and_xenon():
    """k = 0.133 Z^(2/3) A^(-1/2) (Lindhard et al. 1963) is the 0.157 quoted for Ge (Z = 32,
    A = 72.63) by CONUS (Bonhomme et al., EPJC 82 (2022) 815) and 0.166 for Xe (Z = 54,
    A = 131.29); both printed to 3 digits, tolerance 5e-4."""
    assert lindhard_k(32, 72.63) == pytest.approx(0.157, abs=5e-4)
    assert lindhard_k(54, 131.29) == pytest.approx(0.166, abs=5e-4)


def test_lindhard_germanium_published_quenching_factors():
    """Scholz et al., PRD 94 (2016) 122003 (arXiv:1608.03588): k = 0.179 gives 25.3% at
    8.5 keVnr (printed to 0.1%; their adiabatic correction acts only below 1 keV).
    Bonhomme et al. 2022: k = 0.162 gives quenching factors "between 0.16 and 0.23" over
    0.4-6.3 keVnr (two digits: tolerance 0.006)."""
    assert Lindhard(0.179, 32).quenching_factor(8.5 * keV) == pytest.approx(0.253, abs=6e-4)
    low, high = Lindhard(0.162, 32).quenching_factor(np.array([0.4, 6.3]) * keV)
    assert low == pytest.approx(0.16, abs=0.006)
    assert high == pytest.approx(0.23, abs=0.006)


def test_lindhard_germanium_1_kev_by_hand():
    """Independent hand evaluation for Ge, k = 0.157, T = 1 keV: eps = 11.5 / 32^(7/3) =
    3.537e-3, g = 3 (0.4289) + 0.7 (0.03383) + 0.0035 = 1.3138, Y = 0.2063 / 1.2063 = 0.1710
    (4 digits: tolerance 2e-4). E_ee = Y T."""
    quenching = Lindhard(0.157, 32)
    assert quenching.quenching_factor(1 * keV) == pytest.approx(0.1710, abs=2e-4)
    assert quenching(1 * keV) == pytest.approx(0.1710 * keV, abs=2e-4 * keV)
    assert quenching(0.0) == 0.0


def test_linear_quenching_is_the_lar_2020_curve():
    """QF = 0.246 + 7.8e-4 T/keVnr (paper 003 App. C): at 50 keVnr QF = 0.285, E_ee = 14.25
    keVee (exact arithmetic)."""
    q = LinearQuenching(0.246, 7.8e-4)
    assert q(50 * keV) == pytest.approx(14.25 * keV, rel=1e-12)


def test_linear_quenching_inverse():
    """recoil() inverts E_ee = (a + b T/keV) T: the positive root, for a slope and without."""
    for quenching in (LinearQuenching(0.246, 7.8e-4), LinearQuenching(0.2)):
        T = np.array([0.0, 1.0, 30.0, 200.0]) * keV
        assert quenching.recoil(quenching(T)) == pytest.approx(T, rel=1e-12, abs=1e-15)
    assert LinearQuenching(0.2).recoil(1.0 * keV) == pytest.approx(5.0 * keV, rel=1e-15)


def test_gaussian_resolution_formula():
    """sigma^2 = a^2 + b^2 E + c^2 E^2 (E in keVee): a = 0.03, b = 0.02, c = 0.1 at E = 2 keVee
    gives sqrt(9e-4 + 8e-4 + 0.04) = 0.20421 keVee."""
    r = GaussianResolution(0.03, 0.02, 0.1)
    assert r(2 * keV) == pytest.approx(np.sqrt(9e-4 + 8e-4 + 0.04) * keV, rel=1e-12)


def test_gaussian_smearing_conserves_probability_and_mean():
    """Without efficiency, a deposit well inside the range (>= 8 sigma from both ends) lands in
    some bin with probability 1 (1e-12) and the mean observed energy over bins equals the
    deposit (to the bin-centre discretisation, 1e-4 relative)."""
    edges = np.linspace(0.0, 4.0, 401) * keV
    response = DetectorResponse(edges, resolution=GaussianResolution(0.05, 0.0, 0.0))
    e_ee = np.array([1.0, 2.0, 3.0]) * keV
    p = response.observed_probabilities(e_ee)
    assert p.sum(axis=-1) == pytest.approx(1.0, abs=1e-12)
    centres = 0.5 * (edges[1:] + edges[:-1])
    assert p @ centres == pytest.approx(e_ee, rel=1e-4)


def test_bin_probability_is_the_normal_cdf_difference():
    """P(E_obs in [0.25, 0.3] keVee | 0.27 keVee, sigma = 0.04) = Phi(0.75) - Phi(-0.5) (scipy
    normal distribution, 1e-12)."""
    response = DetectorResponse(np.array([0.25, 0.3]) * keV, resolution=GaussianResolution(0.04))
    expected = norm.cdf(0.75) - norm.cdf(-0.5)
    assert response.observed_probabilities(0.27 * keV)[0] == pytest.approx(expected, abs=1e-12)


def test_perfect_detector_matrix_counts_the_bin_overlap():
    """Without resolution and quenching, fine bin [1, 2] keV into bins [0, 1.5, 3] keV splits
    half and half (flat spectrum in the fine bin; sub-bin resolution 0.15 keV: tolerance 0.1)."""
    response = DetectorResponse(np.array([0.0, 1.5, 3.0]) * keV)
    m = response.matrix(np.array([1.0, 2.0]) * keV)
    assert m.sum() == pytest.approx(1.0, abs=1e-12)
    assert m[0] == pytest.approx([0.5, 0.5], abs=0.1)


def test_efficiency_table_exact_at_nodes_and_linear_between():
    """A tabulated efficiency returns its values at the nodes (exact), the linear interpolation
    between, and the end values beyond."""
    eff = TabulatedEfficiency([0.2, 0.25, 0.3, 0.4], [0.0, 0.5, 0.9, 1.0])
    assert eff(np.array([0.2, 0.25, 0.3, 0.4]) * keV) == pytest.approx([0.0, 0.5, 0.9, 1.0])
    assert eff(0.275 * keV) == pytest.approx(0.7, abs=1e-12)
    assert eff(np.array([0.1, 1.0]) * keV) == pytest.approx([0.0, 1.0])


def test_logistic_efficiency_half_at_threshold():
    """eps(threshold) = plateau / 2; eps(threshold + width ln 3) = 3/4 plateau (exact)."""
    eff = LogisticEfficiency(0.3, 0.02, 0.9)
    assert eff(0.3 * keV) == pytest.approx(0.45, abs=1e-12)
    assert eff((0.3 + 0.02 * np.log(3)) * keV) == pytest.approx(0.675, abs=1e-12)


def test_pe_acceptance_is_paper_002_eq_12_with_the_release_steps():
    """0.6655 / (1 + exp(-0.4942 (n - 10.8507))) (paper 002 Eq. (12)): plateau/2 at the
    midpoint, 3/4 plateau at midpoint + ln 3 / slope (exact); weight 0 below 5 PE and 1/2 in
    5-6 PE (release coherent_parameters.yaml); no steps: the logistic alone."""
    acceptance = LogisticPEAcceptance(0.6655, 0.4942, 10.8507, (5.0, 6.0), (0.0, 0.5))
    assert acceptance(10.8507) == pytest.approx(0.6655 / 2, rel=1e-12)
    assert acceptance(10.8507 + np.log(3) / 0.4942) == pytest.approx(0.75 * 0.6655, rel=1e-12)
    logistic = LogisticPEAcceptance(0.6655, 0.4942, 10.8507)
    values = acceptance(np.array([4.99, 5.0, 5.5, 5.99, 6.0, 20.0]))
    assert values == pytest.approx([0.0, *(0.5 * logistic([5.0, 5.5, 5.99])), *logistic([6, 20])])
    assert build_piece("acceptance", "logistic", plateau=1, slope_per_pe=1, midpoint_pe=0)(0) == 0.5
    with pytest.raises(ParameterError, match="one entry per below_pe edge"):
        LogisticPEAcceptance(0.6655, 0.4942, 10.8507, (5.0, 6.0), (0.0,))
    with pytest.raises(ParameterError, match="below_pe must be increasing"):
        LogisticPEAcceptance(0.6655, 0.4942, 10.8507, (6.0, 5.0), (0.0, 0.5))
    with pytest.raises(ParameterError, match=r"plateau must be in \(0, 1\]"):
        LogisticPEAcceptance(1.5, 0.4942, 10.8507)


def test_registry_and_bad_options():
    assert isinstance(build_piece("quenching", "lindhard", k=0.157, Z=32), Lindhard)
    with pytest.raises(ParameterError, match="known: lindhard, linear"):
        build_piece("quenching", "birks")
    with pytest.raises(ParameterError, match="lindhard"):
        build_piece("quenching", "lindhard", k=0.157, Z=32, a=1)
    with pytest.raises(ParameterError, match="k must be positive"):
        Lindhard(0.0, 32)
    with pytest.raises(ParameterError, match="increasing"):
        TabulatedEfficiency([0.3, 0.2], [0.5, 1.0])
    with pytest.raises(ParameterError, match="quenching piece"):
        DetectorResponse(np.array([0.0, 1.0]) * keV, quenching=GaussianResolution(0.1))
