"""Models as coupling vectors (issue 14): named couplings, monomial exponents, coupling spaces."""

from __future__ import annotations

import numpy as np
import pytest

from upscatter.errors import ParameterError
from upscatter.models import (
    Model,
    coupling_space,
    eft_coefficients_model,
    get_model,
    sm_channels,
)
from upscatter.nuclei import get_material
from upscatter.presets import FLAVOUR_COUPLINGS, flavour_model


def test_one_coupling_models_keep_their_powers():
    zprime = get_model("zprime")
    assert zprime.coupling_names == ("g_chi*g_q",)
    g = np.array([0.5, 2.0])
    np.testing.assert_array_equal(zprime.monomials_of(g[:, None]), zprime.monomials(g))
    assert zprime.direction is None and zprime.units == "dimensionless"


def test_eft_coefficients_form_the_quadratic_form():
    """sum_k K_k prod_j c_j^e_kj over the flattened (2, 2) basis is c^T K c (paper 002 Eq. (2)
    read as a quadratic form in the real coefficients), for any K and c."""
    model = eft_coefficients_model(["dipole", "C_S"])
    assert model.coupling_names == ("a_M", "C_S")
    rng = np.random.default_rng(1)
    K = rng.normal(size=(5, 2, 2))
    c = rng.normal(size=(7, 2))
    quadratic = np.einsum("gi,bij,gj->gb", c, K, c)
    np.testing.assert_allclose(model.monomials_of(c) @ K.reshape(5, 4).T, quadratic, rtol=1e-12)
    with pytest.raises(ParameterError, match="different operators"):
        eft_coefficients_model(["a_M", "dipole"])


def test_flavour_model_monomials_and_names():
    model = flavour_model("scalar")
    assert model.coupling_names == FLAVOUR_COUPLINGS == ("g_e", "g_mu", "g_tau")
    values = model.monomials_of({"g_mu": 2.0, "g_tau": 3.0})
    np.testing.assert_array_equal(values, [0.0, 16.0, 81.0])
    with pytest.raises(ParameterError, match="no coupling g_u; its couplings: g_e, g_mu, g_tau"):
        model.coupling_vector({"g_u": 1.0})
    with pytest.raises(ParameterError, match="takes 3 couplings"):
        model.monomials_of(np.ones(2))


def test_exponents_must_match_the_powers():
    with pytest.raises(ParameterError, match="degrees of the monomials"):
        Model("bad", ("m_chi",), "g", (4,), lambda m: [], couplings=("a",), exponents=((2,),))
    with pytest.raises(ParameterError, match="shape"):
        Model("bad", ("m_chi",), "g", (4,), lambda m: [], couplings=("a",), exponents=((2, 2),))


def test_coupling_space_of_each_family():
    assert coupling_space("eft", ("a_M", "tensor")).coupling_names == ("a_M", "C_T")
    assert coupling_space("vector", ("g_e", "g_mu")).name == "vector-flavours"
    along = coupling_space(get_model("vector", preset="b-l"), ("g_mu", "g_e"))
    assert along.name == "vector[b-l]-flavours" and along.preset.name == "b-l"
    flavours = flavour_model("vector")
    assert coupling_space(flavours, ("g_e", "g_tau")) is flavours
    with pytest.raises(ParameterError, match="g_chi\\*g_q only"):
        coupling_space("zprime", ("g_e", "g_mu"))


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("CsI",), "material"),
        ((None,), "material"),
        ((get_material("CsI"), "gauss"), "form factor"),
        ((get_material("CsI"), "helm", -1.0), "radius_scale"),
        ((get_material("CsI"), "helm", float("nan")), "radius_scale"),
    ],
)
def test_sm_channels_check_their_arguments(args, needle):
    """Session 7: a name was an AttributeError, bad form factors and radius scales were only
    found when the channels were first evaluated."""
    with pytest.raises(ParameterError, match=needle):
        sm_channels(*args)


@pytest.mark.parametrize(
    ("coupling", "needle"),
    [(float("nan"), "finite"), ("a", "a number"), (1e300, "overflows")],
)
def test_monomials_reject_non_finite_values(coupling, needle):
    """Session 7: NaN came back as NaN, text was a ValueError, 1e300 an overflow warning."""
    with pytest.raises(ParameterError, match=needle):
        get_model("vector").monomials(coupling)
