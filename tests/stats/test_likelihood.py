"""The likelihood model (upscatter.stats.likelihood) against brute force, algebra and statistics.

References: the profiles are compared with a multi-start scipy minimisation of the same chi^2
written out here (not through the class); the shared-nuisance sum with the closed form of a
Gaussian nuisance marginalised into the covariance, r^T (C + sigma^2 s s^T)^-1 r; the toys with
the moments of the Poisson and Gaussian distributions.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from upscatter.errors import ParameterError
from upscatter.stats.likelihood import (
    FitResult,
    LinearGaussianLikelihood,
    LinearPredictions,
    Parameter,
    PoissonLikelihood,
    PseudoData,
    combine,
    gauss_newton_profile,
)

N_BINS = 6


def _linear_toy(seed: int = 0) -> LinearGaussianLikelihood:
    rng = np.random.default_rng(seed)
    return LinearGaussianLikelihood(
        "toy",
        observed=rng.uniform(5, 30, N_BINS),
        sigma=rng.uniform(2, 6, N_BINS),
        background=rng.uniform(1, 10, N_BINS),
        relative=np.array([np.ones(N_BINS), np.linspace(-0.5, 0.5, N_BINS), np.zeros(N_BINS)]),
        absolute=np.array([np.zeros(N_BINS), np.zeros(N_BINS), rng.uniform(1, 10, N_BINS)]),
        parameters=[Parameter("a", sigma=0.2), Parameter("b", sigma=1.0), Parameter("c")],
    )


class ToyCounts:
    """mu_b = S_b (1 + a) exp(b x_b) + B_b (1 + c): nonlinear in b, bounded a, c > -1."""

    n_prediction = N_BINS

    def __init__(self):
        self.x = np.linspace(-1, 1, N_BINS)
        self.background = np.linspace(3, 1, N_BINS)

    def prepare(self, prediction):
        return prediction

    def evaluate(self, state, theta, jacobian=False):
        a, b, c = (theta[..., i, None] for i in range(3))
        shape = np.exp(b * self.x)
        signal = state * shape
        mu = (1 + a) * signal + (1 + c) * self.background
        if not jacobian:
            return mu, None
        dmu = np.stack(
            [signal, (1 + a) * signal * self.x, np.broadcast_to(self.background, mu.shape)],
            axis=-2,
        )
        return mu, dmu


def _poisson_toy() -> PoissonLikelihood:
    return PoissonLikelihood(
        "poisson-toy",
        observed=np.array([12.0, 9.0, 0.0, 7.0, 4.0, 3.0]),
        parameters=[
            Parameter("a", bounds=(-1.0, np.inf), sigma=0.3),
            Parameter("b", bounds=(-2.0, 2.0)),
            Parameter("c", bounds=(-1.0, np.inf), sigma=0.5),
        ],
        model=ToyCounts(),
        starts=[[0.0, -1.5, 0.0], [0.0, 1.5, 0.0]],
    )


def _brute_chi2(function, bounds, starts) -> float:
    """Best of L-BFGS-B minimisations from several starts (independent of the class)."""
    return min(minimize(function, x0, method="L-BFGS-B", bounds=bounds).fun for x0 in starts)


def test_linear_gaussian_profile_equals_brute_force():
    """200 random predictions: the exact profile equals multi-start scipy within 1e-6."""
    lik = _linear_toy()
    rng = np.random.default_rng(1)
    predictions = rng.uniform(0, 40, (200, N_BINS))
    fit = lik.profile(predictions)
    starts = [np.zeros(3), np.array([1.0, -2.0, 3.0]), np.array([-0.5, 2.0, -3.0])]
    widths = np.array([0.2, 1.0, np.inf])
    for s, chi2 in zip(predictions, fit.chi2, strict=True):

        def f(t, s=s):
            n = s + lik.background + t[0] * s + t[1] * s * lik.relative[1] + t[2] * lik.absolute[2]
            return np.sum(((lik.observed - n) / lik.sigma) ** 2) + np.sum((t / widths) ** 2)

        assert chi2 == pytest.approx(_brute_chi2(f, [(None, None)] * 3, starts), abs=1e-6)
    assert fit.method == "linear" and fit.converged.all()


def test_poisson_profile_equals_brute_force():
    """200 random predictions of a nonlinear, bounded Poisson model (one empty bin): the
    Gauss-Newton profile equals multi-start scipy within 1e-6 in chi^2."""
    lik = _poisson_toy()
    rng = np.random.default_rng(2)
    predictions = rng.uniform(0, 15, (200, N_BINS))
    fit = lik.profile(predictions)
    model, n = ToyCounts(), lik.observed
    bounds = [(-1 + 1e-9, None), (-2, 2), (-1 + 1e-9, None)]
    starts = [np.zeros(3), np.array([0.5, 1.0, -0.5]), np.array([-0.5, -1.5, 1.0])]
    for s, chi2 in zip(predictions, fit.chi2, strict=True):

        def f(t, s=s):
            mu = model.evaluate(s, t)[0]
            log_term = np.where(n > 0, n * np.log(np.where(n > 0, n, 1) / mu), 0.0)
            return 2 * np.sum(mu - n + log_term) + (t[0] / 0.3) ** 2 + (t[2] / 0.5) ** 2

        assert chi2 == pytest.approx(_brute_chi2(f, bounds, starts), abs=1e-6)
    assert fit.converged.all()


def test_gauss_newton_agrees_with_migrad():
    lik = _poisson_toy()
    predictions = np.random.default_rng(3).uniform(0, 15, (5, N_BINS))
    gn, mig = lik.profile(predictions), lik.profile(predictions, method="migrad")
    assert np.all(gn.chi2 <= mig.chi2 + 1e-5)
    np.testing.assert_allclose(gn.chi2, mig.chi2, atol=1e-4)


@pytest.mark.parametrize("form", ["gaussian", "poisson"])
def test_toys_have_the_expected_moments(form: str):
    """20000 toys (fixed seed): per-bin mean within 5 standard errors of the expectation and
    variance within 5% (Poisson: variance = mean; Gaussian: variance = sigma^2)."""
    lik = _linear_toy() if form == "gaussian" else _poisson_toy()
    prediction = np.linspace(2.0, 12.0, N_BINS)
    nuisances = {"a": 0.1, "c": 0.2}
    mean = lik.expected(prediction, nuisances)
    toys = lik.sample(prediction, nuisances, rng=7, n=20_000).observed
    variance = lik.sigma**2 if form == "gaussian" else mean
    assert toys.shape == (20_000, N_BINS)
    assert np.all(np.abs(toys.mean(axis=0) - mean) < 5 * np.sqrt(variance / 20_000))
    np.testing.assert_allclose(toys.var(axis=0), variance, rtol=0.05)
    if form == "poisson":
        assert np.all(toys == np.round(toys)) and np.all(toys >= 0)


@pytest.mark.parametrize("form", ["gaussian", "poisson"])
def test_asimov_returns_the_generating_nuisances(form: str):
    lik = _linear_toy() if form == "gaussian" else _poisson_toy()
    prediction = np.linspace(2.0, 12.0, N_BINS)
    truth = {"a": 0.15, "b": -0.4, "c": 0.3}
    fit = lik.profile(prediction, data=lik.asimov(prediction, truth))
    assert fit.chi2 == pytest.approx(0.0, abs=1e-8)
    for name, value in truth.items():
        assert fit.values[name] == pytest.approx(value, abs=1e-4)


def test_constraint_centres_are_drawn_around_the_truth():
    lik = _linear_toy()
    toys = lik.sample(np.ones(N_BINS), {"a": 0.1}, rng=1, n=40_000, vary_constraints=True)
    assert toys.centres[:, 0].mean() == pytest.approx(0.1, abs=5 * 0.2 / 200)
    assert toys.centres[:, 0].std() == pytest.approx(0.2, rel=0.02)
    assert np.all(toys.centres[:, 2] == 0.0)  # unconstrained: no auxiliary measurement


def _one_bin(name: str, observed: float, sigma: float, signal_scale: float):
    """n = s (1 + f) with Gaussian error sigma; f is a normalisation constrained to 10%."""
    return LinearGaussianLikelihood(
        name,
        observed=[observed],
        sigma=[sigma],
        background=[0.0],
        relative=[[1.0]],
        absolute=[[0.0]],
        parameters=[Parameter("flux", sigma=0.1)],
    ), signal_scale


def test_shared_nuisance_follows_the_algebra():
    """Two one-bin data sets with a common 10% normalisation f: separately profiled, each gives
    r_i^2 / (sigma_i^2 + 0.01 s_i^2); shared, the sum gives r^T (C + 0.01 s s^T)^-1 r."""
    (a, _), (b, _) = _one_bin("a", 110.0, 8.0, 1.0), _one_bin("b", 45.0, 5.0, 1.0)
    s = np.array([100.0, 50.0])
    r = np.array([110.0, 45.0]) - s
    sigma2 = np.array([8.0, 5.0]) ** 2
    separate = np.sum(r**2 / (sigma2 + 0.01 * s**2))
    covariance = np.diag(sigma2) + 0.01 * np.outer(s, s)
    shared = r @ np.linalg.solve(covariance, r)
    assert (a + b).profile(s).chi2 == pytest.approx(separate, rel=1e-12)
    joint = combine(a, b, shared=["flux"])
    assert joint.names == ("flux",)
    assert joint.profile(s).chi2 == pytest.approx(shared, rel=1e-10)
    assert (a + b).names == ("a/flux", "b/flux")
    assert shared != pytest.approx(separate, rel=1e-3)


def test_sum_of_gaussian_and_poisson_with_shared_parameter():
    """A Gaussian and a Poisson part sharing 'a': the joint profile equals brute force."""
    toy, poisson = _linear_toy(), _poisson_toy()
    shared_a = poisson.parameters[0]
    gauss = LinearGaussianLikelihood(
        "toy",
        toy.observed,
        toy.sigma,
        toy.background,
        toy.relative,
        toy.absolute,
        [shared_a, *toy.parameters[1:]],
    )
    joint = combine(gauss, poisson, shared=["a"])
    assert joint.names == ("a", "toy/b", "toy/c", "poisson-toy/b", "poisson-toy/c")
    s = np.concatenate([np.linspace(5, 20, N_BINS), np.linspace(2, 12, N_BINS)])
    fit = joint.profile(s)

    def f(t):
        x = np.array(t)
        return float(joint.chi2(s, x))

    bounds = [(-1 + 1e-9, None), (None, None), (None, None), (-2, 2), (-1 + 1e-9, None)]
    assert fit.chi2 == pytest.approx(_brute_chi2(f, bounds, [np.zeros(5)]), abs=1e-6)


def test_fit_result_json_round_trip():
    fit = _poisson_toy().profile(np.linspace(2.0, 12.0, N_BINS))
    back = FitResult.from_json(fit.to_json())
    assert back.chi2 == pytest.approx(float(fit.chi2))
    assert back.values.keys() == fit.values.keys()
    assert back.method == fit.method and bool(back.converged) == bool(fit.converged)


def test_bad_inputs_are_clear_errors():
    lik = _poisson_toy()
    with pytest.raises(ParameterError, match="unknown parameter"):
        lik.expected(np.ones(N_BINS), {"zeta": 1.0})
    with pytest.raises(ParameterError, match="outside its bounds"):
        lik.expected(np.ones(N_BINS), {"b": 5.0})
    with pytest.raises(ParameterError, match="6 entries"):
        lik.profile(np.ones(4))
    with pytest.raises(ParameterError, match="finite"):
        lik.profile(np.full(N_BINS, np.nan))
    with pytest.raises(ParameterError, match="at least two parts"):
        combine(lik, _linear_toy(), shared=["zeta"])
    with pytest.raises(ParameterError, match="different nominal"):
        combine(lik, _linear_toy(), shared=["c"])
    with pytest.raises(ParameterError, match="lo < hi"):
        Parameter("x", bounds=(1.0, 0.0))
    with pytest.raises(ParameterError, match="positive integer"):
        lik.sample(np.ones(N_BINS), n=0)
    with pytest.raises(ParameterError, match="rng must be a non-negative integer"):
        lik.sample(np.ones(N_BINS), rng=-1)  # session 7: a numpy ValueError
    with pytest.raises(ParameterError, match="PseudoData"):
        lik.profile(np.ones(N_BINS), data=np.ones(N_BINS))
    with pytest.raises(ParameterError, match="centres"):
        lik.profile(np.ones(N_BINS), data=PseudoData(np.ones(N_BINS), np.zeros(2)))


# ------------------------------------------------------------------ warm starts, prepared states
def _single_start_poisson() -> PoissonLikelihood:
    """The Poisson toy started from the nominal values only."""
    toy = _poisson_toy()
    return PoissonLikelihood("poisson-toy", toy.observed, toy.parameters, ToyCounts())


def _random_predictions(n: int, seed: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.5, 15.0, (n, N_BINS))


class TemplateCounts(ToyCounts):
    """ToyCounts whose state also holds a fixed template (as spec sample models' do), of as
    many bins as there are predictions below: it must not be indexed by rows."""

    def prepare(self, prediction):
        return [prediction, np.ones(N_BINS)]

    def evaluate(self, state, theta, jacobian=False):
        mu, dmu = super().evaluate(state[0], theta, jacobian)
        return mu * state[1], None if dmu is None else dmu * state[1]


@pytest.mark.parametrize("model", [ToyCounts, TemplateCounts])
def test_dropping_converged_rows_changes_no_element(model):
    """Gauss-Newton with converged elements leaving the batch (by_rows) follows every element's
    own iteration: the same minima (1e-12) as the iteration over the whole batch."""
    toy = _poisson_toy()
    likelihood = PoissonLikelihood("poisson-toy", toy.observed, toy.parameters, model())
    state = likelihood.prepare(_random_predictions(N_BINS))
    data = likelihood.data
    whole = gauss_newton_profile(likelihood, state, data)
    rows = gauss_newton_profile(likelihood, state, data, by_rows=True)
    np.testing.assert_allclose(rows.chi2, whole.chi2, rtol=1e-12, atol=1e-12)
    for name in likelihood.names:
        np.testing.assert_allclose(rows.values[name], whole.values[name], atol=1e-10)
    assert rows.n_evaluations == whole.n_evaluations and np.all(rows.converged)


def test_warm_start_reaches_the_same_minimum():
    """A profile started from the best fit of a neighbouring prediction (the bound search's warm
    start) reaches the minimum of the nominal start, checked against brute force (1e-6)."""
    likelihood = _single_start_poisson()
    predictions = _random_predictions(20)
    first = likelihood.profile(predictions)
    start = np.stack([first.values[n] for n in likelihood.names], axis=-1)
    warm = likelihood.profile(predictions * 1.05, start=start)
    lo, hi = likelihood.bounds
    for p, value in zip(predictions * 1.05, warm.chi2, strict=True):

        def f(t, p=p):
            return float(likelihood.chi2(p, np.clip(t, lo, hi)))

        assert value == pytest.approx(
            _brute_chi2(f, list(zip(lo, hi, strict=True)), likelihood.starts), abs=1e-6
        )


@pytest.mark.parametrize("form", ["linear", "poisson", "sum"])
def test_linear_predictions_equal_prepared_predictions(form: str):
    """States combined from the prepared SM and basis (LinearPredictions) score predictions
    sm + K c as the states prepared from those predictions do (prepare is affine; 1e-12)."""
    likelihood = {
        "linear": _linear_toy(),
        "poisson": _single_start_poisson(),
        "sum": combine(_linear_toy(), _single_start_poisson()),
    }[form]
    rng = np.random.default_rng(4)
    n_pred = likelihood.n_prediction
    sm = rng.uniform(1, 10, n_pred)
    K = rng.uniform(0, 2, (5, n_pred, 2))
    points = np.array([0, 3, 3, 4])
    c = rng.uniform(0, 3, (4, 2))
    combined = LinearPredictions(likelihood, sm, K).state(points, c)
    direct = likelihood.prepare(sm + np.einsum("rm,rbm->rb", c, K[points]))
    theta = likelihood.nominal + 0.05
    data = likelihood.data
    np.testing.assert_allclose(
        likelihood.objective(combined, theta, data)[0],
        likelihood.objective(direct, theta, data)[0],
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        likelihood.profile_prepared(combined).chi2,
        likelihood.profile(sm + np.einsum("rm,rbm->rb", c, K[points])).chi2,
        rtol=1e-10,
    )


def _plain_gauss_newton_errors(likelihood, prediction, minimum, n_steps):
    """chi^2 - minimum along undamped Gauss-Newton steps theta -= (J^T W J + P)^-1 g with
    W = 2 n / mu^2 (the curvature without the residual term), written out here."""
    model, n = likelihood.model, likelihood.observed
    prior = likelihood.constraint_weights
    theta, errors = np.zeros(3), []
    for _ in range(n_steps):
        mu, dmu = model.evaluate(prediction, theta, jacobian=True)
        gradient = dmu @ (2.0 * (1.0 - n / mu)) + 2.0 * prior * theta
        curvature = 2.0 * (dmu * (n / mu**2)) @ dmu.T + np.diag(2.0 * prior)
        theta = theta - np.linalg.solve(curvature, gradient)
        errors.append(float(likelihood.chi2(prediction, theta)) - minimum)
    return np.array(errors)


def test_secant_correction_gives_superlinear_convergence():
    """Data far from the model (large residuals) and a nonlinear nuisance: plain Gauss-Newton
    converges only linearly (error ratio per step above 0.1, computed here), the profile's
    structured secant correction superlinearly (ratio below 0.01 on its last steps), and both
    reach the brute-force minimum (1e-8)."""
    likelihood = PoissonLikelihood(
        "residual-toy",
        observed=np.array([30.0, 2.0, 0.0, 25.0, 1.0, 40.0]),
        parameters=_poisson_toy().parameters,
        model=ToyCounts(),
    )
    prediction = np.array([5.0, 8.0, 3.0, 9.0, 4.0, 6.0])
    bounds = [(-1 + 1e-9, None), (-2, 2), (-1 + 1e-9, None)]

    def f(t):
        return float(likelihood.chi2(prediction, t))

    minimum = _brute_chi2(f, bounds, [np.zeros(3), np.array([0.0, 1.5, 1.0])])
    state, data = likelihood.prepare(prediction[None]), likelihood.data
    errors = np.array(
        [
            gauss_newton_profile(likelihood, state, data, max_iterations=k).chi2[0] - minimum
            for k in range(1, 12)
        ]
    )
    assert errors[-1] == pytest.approx(0.0, abs=1e-8)
    live = errors[errors > 1e-10]
    assert np.all(live[-2:] / live[-3:-1] < 0.01)
    plain = _plain_gauss_newton_errors(likelihood, prediction, minimum, 30)
    assert plain[-1] == pytest.approx(0.0, abs=1e-6)
    linear = plain[(plain > 1e-6) & (np.arange(plain.size) >= 3)]  # past the first steps
    assert linear.size >= 4 and np.all(linear[1:] / linear[:-1] > 0.1)


def test_template_gaussian_likelihood_is_the_written_out_chi2():
    """N_th = S (1 + a + c r) + B1 (1 + b + d q) + B2 with Gaussian pulls (widths 0.3, 0.2, 1, 1;
    B2 without pulls): the exact profile equals a BFGS minimisation of that chi^2 written out
    here (1e-8), and the parameters come in the order given."""
    from scipy.optimize import minimize

    from upscatter.stats.likelihood import Pull, template_gaussian_likelihood

    rng = np.random.default_rng(11)
    n = 6
    s, b1, b2 = rng.uniform(5, 10, n), rng.uniform(1, 3, n), rng.uniform(0, 2, n)
    r, q = rng.normal(0, 0.1, n), rng.normal(0, 0.2, n)
    observed, sigma = rng.uniform(10, 20, n), rng.uniform(2, 4, n)
    likelihood = template_gaussian_likelihood(
        "toy",
        observed,
        sigma,
        [Pull("a", 0.3), Pull("c", 1.0, r)],
        [(b1, [Pull("b", 0.2), Pull("d", 1.0, q)]), (b2, [])],
    )
    assert likelihood.names == ("a", "c", "b", "d")

    def chi2(p):
        a, c, b, d = p
        model = s * (1 + a + c * r) + b1 * (1 + b + d * q) + b2
        pulls = (a / 0.3) ** 2 + c**2 + (b / 0.2) ** 2 + d**2
        return np.sum(((observed - model) / sigma) ** 2) + pulls

    best = minimize(chi2, np.zeros(4), method="BFGS", options={"gtol": 1e-10})
    fit = likelihood.profile(s)
    assert fit.chi2 == pytest.approx(best.fun, abs=1e-8)
    assert [fit.values[k] for k in ("a", "c", "b", "d")] == pytest.approx(best.x, abs=1e-5)
