"""Modifiers and the sample model (upscatter.stats.modifiers): Chebyshev interpolation is exact
for polynomials, the assembled Jacobian equals finite differences, batches and starts broadcast."""

from __future__ import annotations

import numpy as np
import pytest

from upscatter.errors import ParameterError
from upscatter.stats.likelihood import Parameter, PoissonLikelihood
from upscatter.stats.modifiers import (
    ChebyshevInterpolation,
    ResponseMatrix,
    Sample,
    SampleModel,
    TabulatedResponse,
)


def test_chebyshev_interpolation_reproduces_polynomials():
    """n nodes interpolate any polynomial of degree < n exactly (1e-12), with exact derivative;
    the weights are the Kronecker delta at the nodes and sum to 1."""
    cheb = ChebyshevInterpolation(0.1, 0.3, 5)
    poly = np.polynomial.Polynomial([1.0, -2.0, 3.0, 0.5, -4.0])
    x = np.linspace(0.1, 0.3, 11).reshape(11, 1)
    values = poly(cheb.nodes)
    assert cheb.weights(x) @ values == pytest.approx(poly(x), abs=1e-12)
    assert cheb.derivatives(x) @ values == pytest.approx(poly.deriv()(x), abs=1e-9)
    assert cheb.weights(cheb.nodes) == pytest.approx(np.eye(5), abs=1e-12)
    assert cheb.weights(x).sum(axis=-1) == pytest.approx(1.0, abs=1e-12)


def _model():
    rng = np.random.default_rng(1)
    matrices = rng.uniform(0.0, 1.0, (3, 4, 2))
    shift = TabulatedResponse("k", ChebyshevInterpolation(-1.0, 1.0, 3), matrices)
    samples = [
        Sample("signal", ("mu",), response=shift),
        Sample("bkg", ("b", "mu"), template=np.array([3.0, 5.0])),
    ]
    return SampleModel(["mu", "b", "k"], samples), matrices


def test_sample_model_value_and_jacobian():
    """mu = (1 + mu) s @ M(k) + (1 + b)(1 + mu) B with M(k) the quadratic through the three
    node matrices (exact at the nodes); the assembled Jacobian equals central differences
    (step 1e-6, tolerance 1e-7)."""
    model, matrices = _model()
    s = np.array([1.0, 2.0, 0.5, 1.5])
    state = model.prepare(s)
    node = model.samples[0].response.interpolation.nodes[1]
    theta = np.array([0.1, -0.2, node])
    mu, jac = model.evaluate(state, theta, jacobian=True)
    expected = 1.1 * s @ matrices[1] + 0.8 * 1.1 * np.array([3.0, 5.0])
    assert mu == pytest.approx(expected, rel=1e-12)
    theta = np.array([0.1, -0.2, 0.37])
    _, jac = model.evaluate(state, theta, jacobian=True)
    for i in range(3):
        step = np.zeros(3)
        step[i] = 1e-6
        numeric = model.evaluate(state, theta + step)[0] - model.evaluate(state, theta - step)[0]
        assert jac[i] == pytest.approx(numeric / 2e-6, abs=1e-7)


def test_sample_model_broadcasts_batches_and_starts():
    """Predictions (5, n) with theta (2, 1, P) (a starts axis) give (2, 5, n_bins), equal to
    the element-by-element evaluation."""
    model, _ = _model()
    s = np.random.default_rng(2).uniform(0.0, 2.0, (5, 4))
    theta = np.array([[[0.0, 0.1, -0.3]], [[0.2, 0.0, 0.5]]])
    mu, jac = model.evaluate(model.prepare(s), theta, jacobian=True)
    assert mu.shape == (2, 5, 2) and jac.shape == (2, 5, 3, 2)
    one = model.evaluate(model.prepare(s[3]), theta[1, 0], jacobian=True)
    assert mu[1, 3] == pytest.approx(one[0], rel=1e-12)
    assert jac[1, 3] == pytest.approx(one[1], rel=1e-12)


def test_poisson_profile_of_a_sample_model_finds_the_generating_nuisances():
    """Asimov data at (mu, b, k) = (0.1, -0.05, 0.3) profile back to these values with chi^2 = 0
    (1e-6) when the constraints are centred there."""
    model, _ = _model()
    s = np.array([10.0, 20.0, 5.0, 15.0])
    params = [Parameter("mu", 0.0, (-1, np.inf), 0.1), Parameter("b", 0.0, (-1, np.inf), 0.2),
              Parameter("k", 0.0, (-1, 1), 0.5)]  # fmt: skip
    likelihood = PoissonLikelihood("toy", np.ones(2), params, model)
    truth = {"mu": 0.1, "b": -0.05, "k": 0.3}
    data = likelihood.asimov(s, truth)
    fit = likelihood.profile(s, data)
    assert fit.chi2 == pytest.approx(0.0, abs=1e-6)
    for name, value in truth.items():
        assert fit.values[name] == pytest.approx(value, abs=1e-3)


def test_bad_samples():
    with pytest.raises(ParameterError, match="either a response or a template"):
        Sample("x")
    with pytest.raises(ParameterError, match="unknown parameter 'z'"):
        SampleModel(["a"], [Sample("s", ("z",), response=ResponseMatrix(np.eye(2)))])
    with pytest.raises(ParameterError, match="one response matrix per node"):
        TabulatedResponse("k", ChebyshevInterpolation(0, 1, 3), np.ones((2, 2, 2)))
    with pytest.raises(ParameterError, match="lo < hi"):
        ChebyshevInterpolation(1.0, 0.0, 3)
