"""Cross sections as series in 1/E (the closed-form folding of issue 18) against the formulas of
paper 000 Eqs. (23)-(24) and paper 003 Eqs. (4), (6), (10), (11), written out independently."""

from __future__ import annotations

import numpy as np
import pytest

from upscatter import kinematics as kin
from upscatter.constants import M_ELECTRON
from upscatter.nuclei import CS133, I127
from upscatter.xsec import electrons, mediators, sm

E = np.array([5.0, 12.0, 29.8, 52.8])[:, None]


def printed_vector_bracket(E, T, M, m):
    """Paper 003 Eq. (4) bracket, term by term as printed."""
    return (
        2.0
        - M * T / E**2
        - 2.0 * T / E
        + T**2 / E**2
        - m**2 / (2.0 * E**2) * (1.0 + 2.0 * E / M - T / M)
    )


@pytest.mark.parametrize("m_out", [0.0, 3.0, 40.0])
def test_vector_bracket_terms_are_the_printed_bracket(m_out):
    """b_0 + b_1/E + b_2/E^2 equals the printed bracket to 1e-13 of its O(1) terms."""
    T = np.array([1e-5, 1e-3, 0.02])
    series = sm.energy_series(sm.vector_bracket_terms(T, CS133.mass, m_out), E)
    printed = printed_vector_bracket(E, T, CS133.mass, m_out)
    scale = 2.0 + CS133.mass * T / E**2 + m_out**2 / E**2
    assert np.all(np.abs(series - printed) <= 1e-13 * scale)


def test_sm_series_is_the_clipped_cross_section_above_threshold():
    """Above threshold the SM bracket is >= 0, so the series equals sm_dsigma_dT (no clip
    active); at T = T_max(E) the bracket is T^2/E^2 (paper 000 Eq. (23) at threshold)."""
    T = np.linspace(1e-4, 0.04, 50)
    terms = sm.sm_dsigma_terms(T, I127, "helm")
    allowed = E >= kin.e_nu_min(T, I127.mass)
    value = sm.energy_series(terms, E)
    assert np.all(value[allowed] >= 0)
    np.testing.assert_allclose(
        np.where(allowed, value, 0.0), sm.sm_dsigma_dT(E, T, I127, "helm"), rtol=1e-15, atol=0
    )
    e0 = 30.0
    t_max = float(kin.recoil_range(e0, I127.mass)[1])
    bracket = sm.energy_series(sm.vector_bracket_terms(t_max, I127.mass), e0)
    assert bracket == pytest.approx(t_max**2 / e0**2, rel=1e-6)


@pytest.mark.parametrize(
    ("terms", "dsigma"),
    [
        (mediators.vector_nucleus_dsigma_terms, mediators.vector_nucleus_dsigma_dT),
        (mediators.scalar_nucleus_dsigma_terms, mediators.scalar_nucleus_dsigma_dT),
        (electrons.vector_electron_dsigma_terms, electrons.vector_electron_dsigma_dT),
        (electrons.scalar_electron_dsigma_terms, electrons.scalar_electron_dsigma_dT),
    ],
)
def test_mediator_series_equal_the_cross_sections_above_threshold(terms, dsigma):
    """sum_k c_k(T) E^-k equals dsigma/dT wherever the recoil is reachable (1e-13), and the
    coefficients vanish at T = 0."""
    electron = terms.__module__.endswith("electrons")
    M = M_ELECTRON if electron else CS133.mass
    T = np.array([0.0, 1e-4, 3e-3, 0.03, 5.0]) if electron else np.array([0.0, 1e-4, 3e-3, 0.03])
    args = {"isotope": CS133, "m_chi": 0.3 if electron else 8.0, "m_med": 20.0}
    series = sm.energy_series(terms(T, **args), E)
    allowed = (T > 0) & (E >= kin.e_nu_min(T, M, args["m_chi"]))
    reference = dsigma(E, T, **args)
    assert np.any(allowed)
    np.testing.assert_allclose(series[allowed], reference[allowed], rtol=1e-13, atol=0)
    assert np.all(reference[~allowed] == 0)
    assert np.all(terms(T, **args)[0] == 0)


def test_scalar_series_is_the_printed_formula():
    """Paper 003 Eq. (6): Q_S^2 M F^2 / (8 pi (m_S^2 + 2MT)^2) (2 + T/M)(M T + m_chi^2/2)/E^2
    with Q_S^2 = F = 1 (the generic function), written out here (1e-14)."""
    M, T, m_chi, m_s = CS133.mass, np.array([1e-3, 0.01]), 4.0, 15.0
    c = mediators.scalar_dsigma_terms(T, M=M, charge_sq=1.0, m_chi=m_chi, m_med=m_s)
    printed = M / (8 * np.pi * (m_s**2 + 2 * M * T) ** 2) * (2 + T / M) * (M * T + m_chi**2 / 2)
    np.testing.assert_allclose(c[..., 2], printed, rtol=1e-14)
    assert np.all(c[..., :2] == 0)
