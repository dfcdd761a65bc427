"""API misuse from issue 19: a clear upscatter error naming the argument, never a silent or
wrong result."""

from __future__ import annotations

import numpy as np
import pytest

from upscatter.errors import ParameterError
from upscatter.form_factors import nuclear_form_factor
from upscatter.nuclei import get_isotope
from upscatter.rates import RecoilBins, differential_rate
from upscatter.stats import delta_chi2_threshold
from upscatter.xsec.mediators import scalar_nucleus_dsigma_dT, vector_nucleus_dsigma_dT

CS = get_isotope("Cs133")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: vector_nucleus_dsigma_dT(10.0, 1e-3, isotope=CS, m_chi=-1.0, m_med=10.0), "m_chi"),
        (
            lambda: scalar_nucleus_dsigma_dT(10.0, 1e-3, isotope=CS, m_chi=1.0, m_med=np.nan),
            "m_med",
        ),
        (
            lambda: vector_nucleus_dsigma_dT(
                10.0, 1e-3, isotope=CS, m_chi=1.0, m_med=10.0, quark_couplings={"c": 1}
            ),
            "unknown quark coupling c",
        ),
        (
            lambda: vector_nucleus_dsigma_dT(
                10.0, 1e-3, isotope=CS, m_chi=1.0, m_med=10.0, quark_couplings={"s": 1}
            ),
            "strange",
        ),
        (lambda: nuclear_form_factor(1e-3, CS, radius_scale=-1.0), "radius_scale"),
        (lambda: nuclear_form_factor(1e-3, 55), "isotope"),
        (lambda: RecoilBins([0.0, np.nan]), "finite"),
        (lambda: differential_rate([], None, [1e-3], -1.0), "detector mass"),
        (lambda: delta_chi2_threshold("0.9"), "confidence level"),
        (lambda: delta_chi2_threshold(0.9, 1.5), "degrees of freedom"),
    ],
)
def test_misuse_is_a_clear_error(call, message):
    with pytest.raises(ParameterError, match=message):
        call()


def test_isotope_by_name_equals_the_object():
    """The nuclear functions accept names as the electron functions do."""
    by_name = vector_nucleus_dsigma_dT(10.0, 1e-3, isotope="Cs133", m_chi=1.0, m_med=10.0)
    assert by_name == vector_nucleus_dsigma_dT(10.0, 1e-3, isotope=CS, m_chi=1.0, m_med=10.0)
