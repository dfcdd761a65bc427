"""Profile curves and expected limits (upscatter.intervals) on one-bin counting experiments.

References: for Gaussian data the bound and its quantiles are closed forms (arXiv:1007.1727
Sec. 4, written out here); for Poisson counts with known background the bound is a monotone
function of the count n, so its p-quantile is the bound at the Poisson p-quantile of n, and the
bound at each n is solved here with scipy from the Poisson deviance.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.optimize import brentq, minimize_scalar

from upscatter.errors import ParameterError
from upscatter.experiments.base import Analysis
from upscatter.intervals import asimov_threshold, expected_bounds, profile_curve
from upscatter.stats.likelihood import LinearGaussianLikelihood, PoissonLikelihood

T90 = stats.chi2.ppf(0.9, 1)  # 2.706
K_SIGNAL = 50.0  # signal = K g^2 events


class OneBin(Analysis):
    """A counting experiment whose SM prediction is zero: the data are background plus the
    new-physics signal K g^2."""

    name = "one-bin"

    def __init__(self, likelihood):
        self.likelihood = likelihood

    @property
    def sm_counts(self):
        return np.zeros(1)

    def signal_basis(self, model, params, **options):  # pragma: no cover - not used
        raise NotImplementedError

    def summary(self, predicted):  # pragma: no cover - not used
        raise NotImplementedError


class KnownBackground:
    """Poisson mean = signal + b."""

    n_prediction = 1

    def __init__(self, b):
        self.b = b

    def prepare(self, prediction):
        return prediction

    def evaluate(self, state, theta, jacobian=False):
        mu = state + self.b
        return mu, (np.zeros((*np.shape(mu)[:-1], 0, 1)) if jacobian else None)


def gaussian(observed=10.0, sigma=2.0, background=10.0) -> OneBin:
    empty = np.zeros((0, 1))
    return OneBin(
        LinearGaussianLikelihood("gauss", [observed], [sigma], [background], empty, empty, [])
    )


def poisson(observed: float, b: float) -> OneBin:
    return OneBin(PoissonLikelihood("poisson", [observed], [], KnownBackground(b)))


def gaussian_bound(mu_hat: float, sigma: float, t: float = T90) -> float:
    """Signal bound for best-fit mu_hat (Delta chi^2 = t relative to the minimum over s >= 0)."""
    if mu_hat >= 0:
        return mu_hat + sigma * np.sqrt(t)
    return mu_hat + np.sqrt(mu_hat**2 + t * sigma**2)


def poisson_bound(n: int, b: float, t: float = T90) -> float:
    """Signal bound from the Poisson deviance of one bin, with s >= 0."""

    def chi2(s):
        mu = s + b
        return 2 * (mu - n + (n * np.log(n / mu) if n > 0 else 0.0))

    s_hat = max(0.0, n - b)
    return brentq(lambda s: chi2(s) - chi2(s_hat) - t, s_hat, 100 + 10 * n)


def test_asimov_bands_are_the_gaussian_closed_form():
    """Gaussian counting, sigma = 2: the N-sigma expected bound is sigma (N + sqrt(t)) for
    N >= 0 and sigma (N + sqrt(N^2 + t)) for N < 0, in signal events (interpolation exact)."""
    exp = gaussian()
    result = expected_bounds(exp, np.array([[K_SIGNAL]]), [2.0], T90, method="asimov")
    for n_sigma, bound in result.quantiles.items():
        expected_signal = gaussian_bound(n_sigma * 2.0, 2.0)
        assert K_SIGNAL * bound**2 == pytest.approx(expected_signal, rel=1e-6), n_sigma
    assert asimov_threshold(0, T90) == pytest.approx(T90)


def test_toy_bands_match_the_gaussian_quantiles():
    """4000 Gaussian toys: each quantile within 4 standard errors of the closed form (the
    standard error of a p-quantile is sqrt(p(1-p)/n)/pdf, propagated through the bound)."""
    exp = gaussian()
    n = 4000
    result = expected_bounds(exp, np.array([[K_SIGNAL]]), [2.0], T90, "toys", n_toys=n, rng=5)
    for n_sigma, bound in result.quantiles.items():
        p = stats.norm.cdf(n_sigma)
        z_error = np.sqrt(p * (1 - p) / n) / stats.norm.pdf(n_sigma)
        lo = gaussian_bound((n_sigma - 4 * z_error) * 2.0, 2.0)
        hi = gaussian_bound((n_sigma + 4 * z_error) * 2.0, 2.0)
        assert lo <= K_SIGNAL * bound**2 <= hi, n_sigma


def test_every_gaussian_toy_bound_is_exact():
    """The bound of each toy equals the closed form for its own best fit within 1e-4."""
    exp = gaussian()
    result = expected_bounds(exp, np.array([[K_SIGNAL]]), [2.0], T90, "toys", n_toys=200, rng=1)
    lik = exp.likelihood
    toys = lik.sample(np.zeros(1), rng=1, n=200).observed[:, 0]
    expected = [gaussian_bound(x - 10.0, 2.0) for x in toys]
    np.testing.assert_allclose(K_SIGNAL * result.toy_bounds**2, expected, rtol=1e-4)


@pytest.mark.parametrize("b", [3.0, 12.0])
def test_poisson_toy_bands_are_the_analytic_quantiles(b: float):
    """Poisson counts, known background b: each toy quantile (20000 toys) equals, within 1e-3,
    the bound at the Poisson p-quantile of n (bound solved here) - or at a neighbouring count
    when the Poisson CDF lies within 4 standard errors sqrt(p(1-p)/n_toys) of p."""
    n_toys = 20000
    exp = poisson(observed=b, b=b)
    basis = np.array([[K_SIGNAL]])
    result = expected_bounds(exp, basis, [2.0], T90, "toys", n_toys=n_toys, rng=3)
    for n_sigma, bound in result.quantiles.items():
        p = stats.norm.cdf(n_sigma)
        error = 4 * np.sqrt(p * (1 - p) / n_toys)
        counts = range(
            int(stats.poisson.ppf(p - error, b)), int(stats.poisson.ppf(p + error, b)) + 1
        )
        allowed = [poisson_bound(n, b) for n in counts]
        assert min(abs(K_SIGNAL * bound**2 / a - 1) for a in allowed) < 1e-3, n_sigma


def test_asimov_median_equals_toy_median():
    """b = 50: the Asimov median agrees with the median of 4000 toys within its statistical
    error (the discreteness of n moves the toy median by at most one count)."""
    b = 50.0
    exp = poisson(observed=b, b=b)
    basis = np.array([[K_SIGNAL]])
    asimov = expected_bounds(exp, basis, [2.0], T90, "asimov").quantiles[0]
    toys = expected_bounds(exp, basis, [2.0], T90, "toys", n_toys=4000, rng=2).quantiles[0]
    step = poisson_bound(51, b) - poisson_bound(50, b)
    assert K_SIGNAL * abs(asimov**2 - toys**2) < 2 * step


def test_profile_curve_two_sided_interval():
    """Gaussian data 3 sigma above the background: Delta chi^2(0) = 9 > 2.71, so the interval
    is [mu_hat - sigma sqrt(t), mu_hat + sigma sqrt(t)] in the signal; below 2.71 it starts
    at 0."""
    exp = gaussian(observed=16.0)
    curve = profile_curve(exp, np.array([[K_SIGNAL]]), [2.0])
    lower, upper = curve.interval(T90)
    assert K_SIGNAL * lower**2 == pytest.approx(6.0 - 2.0 * np.sqrt(T90), rel=2e-3)
    assert K_SIGNAL * upper**2 == pytest.approx(6.0 + 2.0 * np.sqrt(T90), rel=2e-3)
    assert K_SIGNAL * curve.best_fit**2 == pytest.approx(6.0, rel=0.02)
    assert curve.interval(10.0)[0] == 0.0
    weak = profile_curve(gaussian(observed=11.0), np.array([[K_SIGNAL]]), [2.0])
    assert weak.interval(T90)[0] == 0.0


def test_profile_curve_matches_a_direct_minimisation():
    """The curve's minimum equals a scipy minimisation of the one-bin Poisson chi^2."""
    exp = poisson(observed=9.0, b=4.0)
    curve = profile_curve(exp, np.array([[K_SIGNAL]]), [2.0])
    fit = minimize_scalar(
        lambda s: 2 * (s + 4 - 9 + 9 * np.log(9 / (s + 4))), bounds=(0, 20), method="bounded"
    )
    assert curve.chi2_min == pytest.approx(fit.fun, abs=1e-3)


def test_no_signal_and_bad_input():
    exp = gaussian()
    assert expected_bounds(exp, np.zeros((1, 1)), [2.0], T90) is None
    assert profile_curve(exp, np.zeros((1, 1)), [2.0]) is None
    with pytest.raises(ParameterError, match="method"):
        expected_bounds(exp, np.array([[1.0]]), [2.0], T90, method="bayes")
    with pytest.raises(ParameterError, match="n_toys"):
        expected_bounds(exp, np.array([[1.0]]), [2.0], T90, method="toys", n_toys=3)
    with pytest.raises(ParameterError, match="threshold"):
        expected_bounds(exp, np.array([[1.0]]), [2.0], -1.0)
    with pytest.raises(ParameterError, match="shape"):
        expected_bounds(exp, np.array([[1.0, 2.0]]), [2.0], T90)


# --- scans with expected bounds, saved atomically ----------------------------------------------


def _scan_with_expected(tmp_path):
    from upscatter.intervals import add_expected
    from upscatter.scans import ScanResult

    exp = gaussian()
    K = np.array([[[K_SIGNAL]], [[2 * K_SIGNAL]], [[0.0]]])
    observed = ScanResult(
        {"m_chi": np.array([1.0, 2.0, 3.0])},
        np.array([0.5, 0.4, np.nan]),
        "g",
        {"delta_chi2": T90},
    )
    return add_expected(observed, exp, [2.0], K)


def test_expected_columns_follow_the_basis(tmp_path):
    """Doubling the basis divides the Gaussian expected bound by sqrt(2) (signal K g^2); no
    signal gives NaN; the method is recorded."""
    result = _scan_with_expected(tmp_path)
    median = result.expected["expected_median"]
    assert median[1] == pytest.approx(median[0] / np.sqrt(2), rel=1e-6)
    assert np.isnan(median[2])
    assert result.config["expected"]["method"] == "asimov"


def test_scan_result_round_trip_and_mismatch_refused(tmp_path):
    from upscatter.errors import UpscatterError
    from upscatter.scans import ScanResult

    result = _scan_with_expected(tmp_path)
    csv, _ = result.save(tmp_path / "scan.csv")
    back = ScanResult.load(csv)
    np.testing.assert_allclose(back.expected["expected_plus2"], result.expected["expected_plus2"])
    assert back.config == result.config and not list(tmp_path.glob(".*tmp"))
    # a CSV from another save next to this sidecar (as an interrupted save could leave it)
    other = ScanResult({"m_chi": np.array([9.0])}, np.array([1.0]), "g", {})
    other.save(tmp_path / "other.csv")
    csv.write_bytes((tmp_path / "other.csv").read_bytes())
    with pytest.raises(UpscatterError, match="does not match"):
        ScanResult.load(csv)


def test_interrupted_write_keeps_the_old_file(tmp_path, monkeypatch):
    """A failure between writing the temporary file and renaming it leaves the previous
    content and no temporary file behind."""
    import os

    from upscatter import _io
    from upscatter.errors import UpscatterError

    target = tmp_path / "out.txt"
    _io.atomic_write_text(target, "old")

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(UpscatterError, match="No space left"):
        _io.atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
