"""Fuzz test of the public Python API (issue 19): the ``upscatter.*`` entry points and the cross
sections, with random floats including nan, inf, negative, zero and huge values, and random
names.

Each call either raises an :class:`upscatter.errors.UpscatterError` (whose message names what
is wrong) or returns a result without NaN, inf or negative values (cross sections, counts,
bounds). Warnings are errors in the test suite, so an overflow warning fails too. Hypothesis
runs derandomized, without an example database, with a bounded number of examples.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import upscatter
from upscatter.errors import UpscatterError

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow],
)

ANY_FLOAT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, -1.0, 1e-300, 1e300, float("nan"), float("inf")]),
    st.floats(min_value=1e-3, max_value=200.0),
)
"""Floats with the edges (nan, inf, negative, zero, huge) and plausible MeV values."""

FLOATS = st.one_of(ANY_FLOAT, st.lists(ANY_FLOAT, min_size=1, max_size=3).map(np.array))
NAME = st.one_of(st.text(max_size=8), st.sampled_from(["", "Cs133", "CsI", "vector", "sns"]))


def _outcome(call):
    """The result of ``call()``, or None when it raised an upscatter error."""
    try:
        return call()
    except UpscatterError as exc:
        assert str(exc), "an upscatter error must say what is wrong"
        return None


def _clean(result) -> None:
    values = np.asarray(result, dtype=float)
    assert np.all(np.isfinite(values)), values
    assert np.all(values >= 0), values


@pytest.mark.parametrize("kind", ["vector", "scalar"])
@FUZZ
@given(E=FLOATS, T=FLOATS, m_chi=FLOATS, m_med=FLOATS, radius_scale=ANY_FLOAT)
def test_fuzz_mediator_cross_sections(kind, E, T, m_chi, m_med, radius_scale):
    from upscatter.xsec import mediators

    function = getattr(mediators, f"{kind}_nucleus_dsigma_dT")
    result = _outcome(
        lambda: function(E, T, isotope="Cs133", m_chi=m_chi, m_med=m_med, radius_scale=radius_scale)
    )
    if result is not None:
        _clean(result)


@FUZZ
@given(E=FLOATS, T=FLOATS, radius_scale=ANY_FLOAT, isotope=NAME)
def test_fuzz_sm_cross_section(E, T, radius_scale, isotope):
    from upscatter.xsec.sm import sm_dsigma_dT

    result = _outcome(lambda: sm_dsigma_dT(E, T, isotope, radius_scale=radius_scale))
    if result is not None:
        _clean(result)


@pytest.mark.parametrize("kind", ["vector", "scalar"])
@FUZZ
@given(E=FLOATS, T=FLOATS, m_chi=FLOATS, m_med=FLOATS)
def test_fuzz_electron_cross_sections(kind, E, T, m_chi, m_med):
    from upscatter.xsec import electrons

    function = getattr(electrons, f"{kind}_electron_dsigma_dT")
    result = _outcome(lambda: function(E, T, isotope="Cs133", m_chi=m_chi, m_med=m_med))
    if result is not None:
        _clean(result)


@FUZZ
@given(E=FLOATS, T=FLOATS, m_chi=FLOATS, c=ANY_FLOAT, op=st.sampled_from(["C_S", "a_M", "x"]))
def test_fuzz_eft_cross_section(E, T, m_chi, c, op):
    from upscatter.xsec.eft import eft_dsigma_dT

    result = _outcome(
        lambda: eft_dsigma_dT(E, T, isotope="Xe131", m_chi=m_chi, coefficients={op: c})
    )
    if result is not None:
        _clean(result)


@FUZZ
@given(pot=ANY_FLOAT, r=ANY_FLOAT, distance=ANY_FLOAT, name=NAME)
def test_fuzz_get_source(pot, r, distance, name):
    source = _outcome(lambda: upscatter.get_source("sns", pot=pot, nu_per_pot=r, distance=distance))
    if source is not None:
        _clean([c.fluence for c in source.components])
        _clean([source.e_max])
    _outcome(lambda: upscatter.get_source(name))


@FUZZ
@given(name=NAME)
def test_fuzz_registry_names(name):
    for getter in (upscatter.get_material, upscatter.get_model, upscatter.get_experiment):
        _outcome(lambda getter=getter: getter(name))


@FUZZ
@given(
    cl=st.one_of(ANY_FLOAT, st.text(max_size=4), st.sampled_from([1e-300, 1e-17, 1 - 1e-16])),
    dof=st.one_of(st.integers(-2, 5), ANY_FLOAT),
)
def test_fuzz_delta_chi2_threshold(cl, dof):
    result = _outcome(lambda: upscatter.delta_chi2_threshold(cl, dof))
    if result is not None:
        _clean(result)
        assert result > 0


@pytest.fixture(scope="module")
def csi2017():
    return upscatter.get_experiment("coherent-csi-2017"), upscatter.get_model("vector")


@settings(FUZZ, max_examples=40)
@given(m_chi=ANY_FLOAT, m_med=ANY_FLOAT, cl=ANY_FLOAT)
def test_fuzz_coupling_bound(csi2017, m_chi, m_med, cl):
    experiment, model = csi2017
    result = _outcome(
        lambda: upscatter.coupling_bound(
            experiment, model, {"m_chi": [m_chi], "m_med": [m_med]}, cl
        )
    )
    if result is not None:
        bound = np.asarray(result.bound)
        # NaN means "no bound" (no sensitivity, e.g. above the kinematic limit), never inf/negative
        assert not np.any(np.isinf(bound)) and not np.any(bound < 0), bound
