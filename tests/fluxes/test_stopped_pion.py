"""Stopped-pion fluxes against limits and identities."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from upscatter import units
from upscatter.constants import M_MUON, M_PION_CHARGED
from upscatter.errors import ParameterError
from upscatter.fluxes import stopped_pion as sp


def test_prompt_line_energy():
    """(m_pi^2 - m_mu^2)/(2 m_pi) = 29.79 MeV (paper 003 Eq. (13))."""
    assert sp.PROMPT_ENERGY == pytest.approx(29.792, abs=1e-3)
    assert sp.PROMPT_ENERGY == pytest.approx(
        (M_PION_CHARGED**2 - M_MUON**2) / (2 * M_PION_CHARGED), rel=1e-15
    )


@pytest.mark.parametrize("shape", [sp.nu_e_shape, sp.nubar_mu_shape])
def test_delayed_shapes_are_normalised_and_vanish_outside(shape):
    total, _ = quad(shape, 0.0, M_MUON / 2, epsabs=0, epsrel=1e-12)
    assert total == pytest.approx(1.0, rel=1e-10)
    assert shape(np.array([-1.0, M_MUON / 2 + 1e-9, 80.0])).tolist() == [0.0, 0.0, 0.0]
    assert np.all(shape(np.linspace(0, M_MUON / 2, 101)) >= 0)


def test_fluence_normalisation():
    """eta = r N_POT / (4 pi L^2): COHERENT CsI 2017 gives 3.0e14 nu/cm^2 per flavour
    (0.08 * 1.76e23 / (4 pi (1930 cm)^2) = 3.007e14, independent arithmetic)."""
    source = sp.stopped_pion_source(1.76e23, 0.08, 19.3 * units.m)
    fluence_cm2 = source.components[0].fluence * units.cm2
    assert fluence_cm2 == pytest.approx(0.08 * 1.76e23 / (4 * np.pi * 1930.0**2), rel=1e-12)
    assert {c.flavour for c in source.components} == {"nu_mu", "nubar_mu", "nu_e"}


def test_bad_source_parameters():
    with pytest.raises(ParameterError):
        sp.stopped_pion_source(pot=-1.0)
    with pytest.raises(ParameterError):
        sp.stopped_pion_source(distance=float("nan"))


@pytest.mark.parametrize(
    ("component", "printed"),
    [
        ("nu_e", lambda E: 192.0 * E**2 / M_MUON**3 * (0.5 - E / M_MUON)),
        ("nubar_mu", lambda E: 64.0 * E**2 / M_MUON**3 * (0.75 - E / M_MUON)),
    ],
)
def test_michel_polynomials_are_the_printed_spectra(component, printed):
    """The coefficients the folding engine integrates in closed form reproduce paper 003
    Eq. (13) as printed (written out here independently), to 1e-14, on [0, m_mu/2]."""
    (comp,) = [c for c in sp.stopped_pion_source().components if c.flavour == component]
    E = np.linspace(0.0, M_MUON / 2, 41)
    value = np.polynomial.polynomial.polyval(E, comp.polynomial)
    np.testing.assert_allclose(value, printed(E), rtol=1e-14, atol=1e-14 * printed(E).max())
    np.testing.assert_allclose(comp.shape(E), printed(E), rtol=1e-14, atol=0)
    assert comp.scaled(2.0).polynomial == comp.polynomial


def test_a_flux_polynomial_needs_a_continuous_shape():
    from upscatter.fluxes.base import FluxComponent

    with pytest.raises(ParameterError, match="polynomial"):
        FluxComponent("nu_mu", 1.0, 29.8, None, 29.8, "prompt", polynomial=(1.0,))


def test_unknown_source_option_is_a_parameter_error():
    """Session 7: get_source('sns', foo=1) was a TypeError; the message lists the options."""
    from upscatter.errors import ParameterError
    from upscatter.fluxes import get_source

    with pytest.raises(ParameterError, match="no option foo; its options: pot"):
        get_source("sns", foo=1)
