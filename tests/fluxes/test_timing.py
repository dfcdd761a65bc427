"""Arrival times of stopped-pion neutrinos (upscatter.fluxes.timing): identities and limits the
pulse-convolved pion and muon decay distributions must satisfy. Integrals are done with quad in
microseconds as an independent reference."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.integrate import quad

from upscatter.errors import ParameterError
from upscatter.fluxes.timing import (
    DELAYED,
    PROMPT,
    TAU_MUON,
    TAU_PION,
    ArrivalTime,
    arrival_time_cdf,
    arrival_time_fractions,
    arrival_time_pdf,
)
from upscatter.units import us

TAU_PI_US, TAU_MU_US = 0.026033, 2.1969811
"""PDG 2022 lifetimes in microseconds, written out as the independent reference."""
PULSES_US = ((0.44, 0.15), (0.692, 0.142), (-0.3, 0.02))
"""(mean, sigma): the LAr 2020 release pulse, the CsI 2021 fit, and a narrow early pulse."""


def pdf_us(t_us, delayed, mean_us, sigma_us):
    """Density per microsecond at t (us)."""
    return arrival_time_pdf(np.multiply(t_us, us), delayed, mean_us * us, sigma_us * us) * us


def integrate_us(f, mean_us):
    """Integral over all arrival times: [mean - 3 us, mean + 80 us] holds all but 1e-15."""
    points = [mean_us, mean_us + 0.1, mean_us + 1.0, mean_us + 5.0]
    return quad(
        f, mean_us - 3.0, mean_us + 80.0, points=points, limit=400, epsabs=1e-12, epsrel=1e-12
    )[0]


def test_lifetimes_are_the_pdg_values():
    """TAU_PION = 26.033 ns and TAU_MUON = 2.1969811 us (PDG 2022), relative 1e-12."""
    assert TAU_PION / us == pytest.approx(TAU_PI_US, rel=1e-12)
    assert TAU_MUON / us == pytest.approx(TAU_MU_US, rel=1e-12)


@pytest.mark.parametrize("delayed", [False, True])
@pytest.mark.parametrize(("mean", "sigma"), PULSES_US)
def test_density_is_normalised_and_the_cdf_runs_from_zero_to_one(delayed, mean, sigma):
    """Integral of the density over all times = 1 (1e-9); CDF = 0 long before the pulse and 1
    long after it (1e-12)."""
    total = integrate_us(lambda t: pdf_us(t, delayed, mean, sigma), mean)
    assert total == pytest.approx(1.0, abs=1e-9)
    ends = arrival_time_cdf(
        np.array([mean - 20 * sigma, mean + 200.0]) * us, delayed, *(x * us for x in (mean, sigma))
    )
    assert ends == pytest.approx([0.0, 1.0], abs=1e-12)


@pytest.mark.parametrize("delayed", [False, True])
@pytest.mark.parametrize(("mean", "sigma"), PULSES_US)
def test_density_is_the_derivative_of_the_cdf(delayed, mean, sigma):
    """Central finite differences of the CDF with step h = 1e-4 sigma: truncation error
    h^2 f''/6 and rounding 1e-16/h stay below 1e-6 of the density's peak."""
    t = (mean + sigma * np.linspace(-4.0, 40.0, 221)) * us
    h = 1e-4 * sigma * us
    pulse = (mean * us, sigma * us)
    numeric = (
        arrival_time_cdf(t + h, delayed, *pulse) - arrival_time_cdf(t - h, delayed, *pulse)
    ) / (2 * h)
    density = arrival_time_pdf(t, delayed, *pulse)
    assert numeric == pytest.approx(density, abs=1e-6 * density.max())


def test_zero_width_pulse_gives_the_decay_exponentials():
    """sigma -> 0 (sigma = 1e-6 us, corrections of order sigma^2/tau_pi^2 = 1.5e-9): prompt =
    exp(-u/tau_pi)/tau_pi, CDF 1 - exp(-u/tau_pi); delayed = (e^(-u/tau_mu) - e^(-u/tau_pi)) /
    (tau_mu - tau_pi), CDF 1 - (tau_mu e^(-u/tau_mu) - tau_pi e^(-u/tau_pi)) / (tau_mu - tau_pi),
    at u = t - mean >= 5e-3 us (5000 sigma); tolerance 1e-6 relative (the delayed CDF at the
    smallest u, 2e-4, is a difference of order-1 terms). Before the pulse both vanish."""
    mean, sigma = 0.3, 1e-6
    u = np.array([0.005, 0.02, 0.05, 0.1, 0.3, 1.0, 3.0, 10.0])
    e_pi, e_mu = np.exp(-u / TAU_PI_US), np.exp(-u / TAU_MU_US)
    dt = TAU_MU_US - TAU_PI_US
    pulse = (mean * us, sigma * us)
    t = (mean + u) * us
    assert pdf_us(mean + u, False, mean, sigma) == pytest.approx(e_pi / TAU_PI_US, rel=1e-6)
    assert pdf_us(mean + u, True, mean, sigma) == pytest.approx((e_mu - e_pi) / dt, rel=1e-6)
    assert arrival_time_cdf(t, False, *pulse) == pytest.approx(1.0 - e_pi, rel=1e-6)
    delayed_cdf = 1.0 - (TAU_MU_US * e_mu - TAU_PI_US * e_pi) / dt
    assert arrival_time_cdf(t, True, *pulse) == pytest.approx(delayed_cdf, rel=1e-6)
    before = (mean - 10 * sigma) * us
    for delayed in (False, True):
        assert arrival_time_pdf(before, delayed, *pulse) < 1e-15 / us
        assert arrival_time_cdf(before, delayed, *pulse) < 1e-15


@pytest.mark.parametrize(("mean", "sigma"), PULSES_US)
def test_mean_arrival_time_adds_the_lifetimes(mean, sigma):
    """Means add under convolution: <t> = pulse mean + tau_pi (prompt), + tau_pi + tau_mu
    (delayed); quad, absolute 1e-7 us."""
    prompt = integrate_us(lambda t: t * pdf_us(t, False, mean, sigma), mean)
    delayed = integrate_us(lambda t: t * pdf_us(t, True, mean, sigma), mean)
    assert prompt == pytest.approx(mean + TAU_PI_US, abs=1e-7)
    assert delayed == pytest.approx(mean + TAU_PI_US + TAU_MU_US, abs=1e-7)


@pytest.mark.parametrize("t", [0.2, 0.6, 1.5, 4.0])
def test_delayed_density_is_the_prompt_one_convolved_with_the_muon_decay(t):
    """f_delayed(t) = int_0^inf f_prompt(t - s) exp(-s/tau_mu)/tau_mu ds (quad, relative 1e-7),
    for the LAr pulse (0.44, 0.15) us."""
    mean, sigma = 0.44, 0.15

    def integrand(s):
        return pdf_us(t - s, False, mean, sigma) * np.exp(-s / TAU_MU_US) / TAU_MU_US

    reference = quad(integrand, 0.0, t - mean + 3.0, limit=200, epsabs=0.0, epsrel=1e-10)[0]
    assert pdf_us(t, True, mean, sigma) == pytest.approx(reference, rel=1e-7)


@pytest.mark.parametrize("delayed", [False, True])
def test_fractions_are_window_normalised_bin_integrals(delayed):
    """Bin fractions = quad of the density over each bin divided by its integral over the window
    (1e-9); they sum to 1."""
    mean, sigma = 0.44, 0.15
    edges = np.array([-0.1, 0.4, 0.9, 2.0, 4.9])
    fractions = arrival_time_fractions(edges * us, delayed, mean * us, sigma * us)
    pieces = [
        quad(lambda t: pdf_us(t, delayed, mean, sigma), a, b, limit=200)[0]
        for a, b in itertools.pairwise(edges)
    ]
    assert fractions == pytest.approx(np.array(pieces) / sum(pieces), abs=1e-9)
    assert fractions.sum() == pytest.approx(1.0, abs=1e-12)


def test_far_times_give_exact_limits_without_warnings():
    """Far before and far after the pulse the density is 0 and the CDF 0 or 1, with no overflow
    (pytest turns RuntimeWarnings into errors)."""
    t = np.array([-1e4, -50.0, 500.0, 1e4]) * us
    for delayed in (False, True):
        density = arrival_time_pdf(t, delayed, 0.44 * us, 0.15 * us)
        cdf = arrival_time_cdf(t, delayed, 0.44 * us, 0.15 * us)
        assert np.all(np.isfinite(density)) and np.all(density >= 0)
        assert density == pytest.approx(0.0, abs=1e-30)
        assert cdf == pytest.approx([0.0, 0.0, 1.0, 1.0], abs=1e-15)


def test_broadcasting_keeps_the_shape_of_the_times():
    t = np.linspace(0.0, 3.0, 12).reshape(3, 4) * us
    assert arrival_time_pdf(t, True, 0.44 * us, 0.15 * us).shape == (3, 4)
    assert arrival_time_cdf(t, False, 0.44 * us, 0.15 * us).shape == (3, 4)


@pytest.mark.parametrize(
    ("t", "mean", "sigma"),
    [
        (np.nan, 0.44, 0.15),
        (1.0, np.nan, 0.15),
        (1.0, 0.44, 0.0),
        (1.0, 0.44, -0.1),
        ("soon", 0.44, 0.15),
    ],
)
def test_bad_input_raises(t, mean, sigma):
    for f in (arrival_time_pdf, arrival_time_cdf):
        with pytest.raises(ParameterError):
            f(t, False, mean, sigma)


def test_bad_windows_raise():
    with pytest.raises(ParameterError, match="increasing"):
        arrival_time_fractions([1.0, 0.5], False, 0.44 * us, 0.15 * us)
    with pytest.raises(ParameterError, match="window"):
        arrival_time_fractions(np.array([-20.0, -19.0]) * us, False, 0.44 * us, 0.15 * us)


def test_stopped_pion_components_carry_their_decay_time_profile():
    """pi+ -> mu+ nu_mu gives the prompt nu_mu; mu+ -> e+ nu_e nubar_mu the delayed pair (module
    notes): each component of the SNS source carries that profile, the reactor's none."""
    from upscatter.fluxes.reactor import reactor_source
    from upscatter.fluxes.stopped_pion import stopped_pion_source

    profiles = {c.flavour: c.time_profile for c in stopped_pion_source().components}
    assert profiles == {"nu_mu": PROMPT, "nu_e": DELAYED, "nubar_mu": DELAYED}
    scaled = stopped_pion_source().scaled(2.0)
    assert [c.time_profile for c in scaled.components] == [PROMPT, DELAYED, DELAYED]
    with pytest.raises(ParameterError, match="no arrival-time profile"):
        reactor_source().time_profiles("a timing analysis")


def test_time_profile_is_the_closed_form_distribution():
    """The profile's density, cumulative and fractions are the module's closed forms (the
    delayed one has the extra mean muon lifetime: its mean is pulse + tau_pi + tau_mu)."""
    mean, sigma = 0.3 * us, 0.1 * us
    t = np.linspace(-1.0, 40.0, 8201) * us
    dt = t[1] - t[0]
    mean_delay = {p.name: float(np.sum(t * p.pdf(t, mean, sigma)) * dt) for p in (PROMPT, DELAYED)}
    assert mean_delay["delayed"] - mean_delay["prompt"] == pytest.approx(TAU_MUON, rel=2e-2)
    edges = np.array([0.0, 0.5, 1.0, 6.0]) * us
    cdf = DELAYED.cdf(edges, mean, sigma)
    assert np.allclose(DELAYED.fractions(edges, mean, sigma), np.diff(cdf) / (cdf[-1] - cdf[0]))
    with pytest.raises(ParameterError, match="arrival-time profile"):
        ArrivalTime("steady")
