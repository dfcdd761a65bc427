"""XENONnT solar-8B CEvNS: release reader, template folding, yield interpolation, likelihood and
the SM validation against arXiv:2408.02877 (SR0+SR1)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from upscatter import units
from upscatter.errors import ParameterError
from upscatter.experiments import get_experiment
from upscatter.experiments import xenonnt_b8 as xe
from upscatter.fluxes import solar
from upscatter.fluxes.base import FluxComponent, Source
from upscatter.models import get_model, sm_channels
from upscatter.nuclei import get_material
from upscatter.rates import NUCLEAR, Channel, binned_counts, differential_rate
from upscatter.response.templates import CubicGrid, NodeResponse, interpolate_grid, y_major

pytestmark = pytest.mark.usefixtures("data_dir")

keV = units.keV


@pytest.fixture(scope="module")
def sr01():
    return xe.XenonntB8(runs=("sr0", "sr1"))


@pytest.fixture(scope="module")
def all_runs():
    return xe.XenonntB8()


# --- the release ------------------------------------------------------------------------------
def test_release_events_and_exposure():
    """SOURCE.md: 9, 28 and 25 events in sr0, sr1, sr2; arXiv:2408.02877: 37 events and 3.51
    t yr for SR0+SR1 (exposure to the paper's two digits). Every event lies inside the binning."""
    counts = {run: xe.read_run(run).observed.sum() for run in xe.RUNS}
    assert counts == {"sr0": 9, "sr1": 28, "sr2": 25}
    assert all(xe.read_run(run).n_events == counts[run] for run in xe.RUNS)
    assert xe.EXPOSURES_T_YR["sr0"] + xe.EXPOSURES_T_YR["sr1"] == pytest.approx(3.51, abs=0.01)


def test_release_grids():
    """README/SOURCE.md: 46 energies 0.5..5.0 keV in 0.1 keV steps, the yield grid -3..3, 81
    bins; the mono templates are probabilities (in [0, 1], summed over bins at most one)."""
    release = xe.read_run("sr1")
    np.testing.assert_allclose(release.energies, np.round(np.arange(0.5, 5.01, 0.1), 1))
    np.testing.assert_array_equal(release.yields, np.arange(-3.0, 4.0))
    assert release.mono.shape == (7, 7, 46, 81) and release.neutron.shape == (7, 7, 81)
    assert release.mono.min() >= 0 and release.mono.sum(axis=-1).max() <= 1.0
    assert not release.mono.flags.writeable


def test_background_total_sr01():
    """arXiv:2408.02877 abstract: (26.4 +1.4 -1.3) background events in SR0+SR1. The release's
    AC + ER + neutron templates (nominal yields) x exposure must give it within rounding of the
    quoted 26.4 (tolerance 0.5%, far inside the +-1.35 uncertainty). Per-run numbers and SR2's
    were not found in the accessible text (docs/xenonnt.md)."""
    experiment = xe.XenonntB8(runs=("sr0", "sr1"))
    total = sum(b.sum() for b in experiment.backgrounds().values())
    assert total == pytest.approx(xe.BACKGROUND_SR01, rel=0.005)


def test_background_widths_reproduce_paper_uncertainty():
    """The collaboration's rate uncertainties (light-WIMP release statistical model: AC 9.04% /
    5.76% per run, ER 100% and neutron 58% shared), propagated to the SR0+SR1 background total,
    give the paper's +1.4 -1.3 events (arXiv:2408.02877) within 10%."""
    experiment = xe.XenonntB8(runs=("sr0", "sr1"))
    b = {k: v.reshape(2, 81).sum(axis=1) for k, v in experiment.backgrounds().items()}
    variance = (
        (b["ac_background"] * [xe.AC_UNCERTAINTY["sr0"], xe.AC_UNCERTAINTY["sr1"]]) ** 2
    ).sum()
    variance += (xe.ER_UNCERTAINTY * b["er_background"].sum()) ** 2
    variance += (xe.NEUTRON_UNCERTAINTY * b["neutron_background"].sum()) ** 2
    assert np.sqrt(variance) == pytest.approx(1.35, rel=0.10)


# --- folding -----------------------------------------------------------------------------------
def test_node_response_hats():
    """The hats sum to one on [T_0, upper), vanish outside, and interpolate linearly."""
    nodes = np.array([0.5, 0.6, 0.7, 1.0]) * keV
    response = NodeResponse(nodes, 2.0 * keV)
    T = np.linspace(0.0, 3.0, 301) * keV
    p = response.probabilities(T)
    inside = (T >= nodes[0]) & (T < 2.0 * keV)
    np.testing.assert_allclose(p.sum(axis=-1), inside.astype(float), atol=1e-14)
    values = np.array([1.0, 4.0, -2.0, 3.0])
    expected = np.where(inside, np.interp(T, nodes, values), 0.0)
    np.testing.assert_allclose(p @ values, expected, atol=1e-12)
    with pytest.raises(ParameterError):
        NodeResponse(nodes, 0.9 * keV)


def _analytic_source_and_channel(spectrum):
    """A line source of unit fluence and a channel whose dsigma/dT is ``spectrum(T)``: the recoil
    spectrum is then exactly ``spectrum`` (target mass 1 MeV, E = 1 MeV: T_max = 0.67 MeV)."""
    source = Source("test", (FluxComponent("nu_e", 1.0, 1.0, label="line"),))

    def dsigma(E, T, flavour):
        return spectrum(np.broadcast_to(T, np.broadcast_shapes(np.shape(E), np.shape(T))))

    return source, Channel("test", 1.0, 1.0, NUCLEAR, dsigma)


def test_folding_matches_direct_integration_of_a_test_spectrum():
    """sum_k eps_b(E_k) c_k (c_k the hat moments from binned_counts with NodeResponse) equals
    int S(T) eps_b(T) dT computed with scipy quad, eps_b interpolated linearly between the
    release's 0.1 keV nodes, zero below 0.5 keV and the last node's value up to 6.1 keV, for a
    curved test spectrum S(T) = exp(-T / 0.8 keV) (1 + 0.5 sin(T / 0.13 keV)), for several bins
    of the sr1 nominal-yield templates (rel. tolerance 1e-6: Gauss-Legendre on smooth segments)."""

    def spectrum(T):
        return np.exp(-T / (0.8 * keV)) * (1.0 + 0.5 * np.sin(T / (0.13 * keV)))

    release = xe.read_run("sr1")
    nodes = release.energies * keV
    upper = xe.recoil_upper_limit()
    source, channel = _analytic_source_and_channel(spectrum)
    c = binned_counts([channel], source, NodeResponse(nodes, upper), 1.0)[0, 0]
    efficiency = release.mono[3, 3]  # (46, 81), nominal yields
    folded = c @ efficiency
    for b in np.argsort(efficiency.sum(axis=0))[-3:]:
        eps = efficiency[:, b]

        def integrand(T, eps=eps):
            return spectrum(T) * np.interp(T, nodes, eps)

        direct, _ = quad(integrand, nodes[0], upper, points=nodes, limit=400, epsabs=0)
        assert folded[b] == pytest.approx(direct, rel=1e-6)


def test_sm_folding_matches_direct_integration(sr01):
    """The experiment's SM signal per analysis bin equals quad of the SM CEvNS differential rate
    (rates.differential_rate, B8 + hep, SNO flux) times the linearly interpolated efficiency,
    per t yr x exposure (rel. tolerance 1e-4)."""
    release = xe.read_run("sr0")
    nodes = release.energies * keV
    channels = sm_channels(get_material("Xe"))
    source = solar.solar_source(exposure_time=units.year)
    b = int(np.argmax(release.mono[3, 3].sum(axis=0)))
    eps = release.mono[3, 3][:, b]

    def integrand(T):
        rate = differential_rate(channels, source, np.array([T]), 1000.0)
        return rate.sum() * np.interp(T, nodes, eps)

    # the rate kinks where each isotope's recoil endpoint of the 8B and hep spectra lies
    ends = [
        2 * E**2 / (iso.mass + 2 * E)
        for E in (solar.endpoint("B8"), solar.endpoint("hep"))
        for iso in get_material("Xe").isotopes
    ]
    points = np.sort(np.concatenate([nodes, ends]))
    direct, _ = quad(
        integrand, nodes[0], xe.recoil_upper_limit(), points=points, limit=400, epsrel=1e-5
    )
    signal = sr01.analysis_signal(sr01.sm_counts)[b]
    assert signal == pytest.approx(release.exposure * direct, rel=1e-4)


# --- yield interpolation ----------------------------------------------------------------------
def test_cubic_grid_reproduces_nodes_and_cubics():
    """Cardinal property w_i(x_j) = delta_ij, and a not-a-knot cubic spline reproduces any cubic
    polynomial exactly, with its derivative (tolerance 1e-12)."""
    grid = CubicGrid(np.arange(-3.0, 4.0))
    w, _ = grid.weights(grid.nodes)
    np.testing.assert_allclose(w, np.eye(7), atol=1e-14)
    x = np.linspace(-3, 3, 37)
    w, dw = grid.weights(x, derivative=True)
    poly = np.polynomial.Polynomial([0.3, -1.2, 0.7, 0.25])
    np.testing.assert_allclose(w @ poly(grid.nodes), poly(x), atol=1e-12)
    np.testing.assert_allclose(dw @ poly(grid.nodes), poly.deriv()(x), atol=1e-12)
    with pytest.raises(ParameterError):
        grid.weights(3.5)


def test_grid_interpolation_tensor_product():
    """interpolate_grid of T_ij = p(x_i) q(y_j) for cubics p, q is p(x) q(y), derivatives too."""
    grid = CubicGrid(np.arange(-3.0, 4.0))
    p, q = np.polynomial.Polynomial([1, 2, 0, 0.1]), np.polynomial.Polynomial([2, -1, 0.5])
    T = (p(grid.nodes)[:, None] * q(grid.nodes)[None, :])[..., None] * np.array([1.0, -2.0])
    x, y = np.array([-2.3, 0.4]), np.array([1.7, -0.2])
    (wx, dwx), (wy, dwy) = grid.weights(x, True), grid.weights(y, True)
    value, d_dx, d_dy = interpolate_grid(y_major(T), wx, wy, dwx, dwy)
    bins = np.array([1.0, -2.0])
    np.testing.assert_allclose(value, (p(x) * q(y))[:, None] * bins, rtol=1e-12)
    np.testing.assert_allclose(d_dx, (p.deriv()(x) * q(y))[:, None] * bins, rtol=1e-12)
    np.testing.assert_allclose(d_dy, (p(x) * q.deriv()(y))[:, None] * bins, rtol=1e-12)


def test_run_counts_jacobian_matches_finite_differences(sr01):
    """The analytic Jacobian of the expected counts against central differences (rel 1e-6),
    batched over two parameter points."""
    likelihood = xe.run_likelihood("sr1", "free")
    model = likelihood.model
    state = model.prepare(sr01.sm_counts[46:])
    theta = np.array(
        [[0.4, -1.3, 0.9, 1.2, 0.05, -0.1, 0.2], [-2.1, 0.7, 1.3, 0.6, -0.02, 0.3, -0.1]]
    )
    _, jac = model.evaluate(state, theta, jacobian=True)
    h = 1e-5
    for k in range(theta.shape[1]):
        step = np.zeros(theta.shape[1])
        step[k] = h
        numeric = model.evaluate(state, theta + step)[0] - model.evaluate(state, theta - step)[0]
        np.testing.assert_allclose(jac[:, k], numeric / (2 * h), rtol=1e-6, atol=1e-12)


# --- likelihood and experiment ----------------------------------------------------------------
def test_likelihood_parameters_shared(all_runs):
    """tly, tqy, signal efficiency, b8_flux, ER and neutron rates are one parameter each; AC one
    per run (as in the collaboration's model)."""
    names = all_runs.likelihood.names
    shared = ("tly", "tqy", "signal_efficiency", "b8_flux", "er", "neutron")
    assert set(shared) <= set(names)
    assert {n for n in names if n.endswith("/ac")} == {f"xenonnt-{r}/ac" for r in xe.RUNS}
    assert len(names) == len(shared) + 3


def test_gauss_newton_matches_migrad(sr01):
    """The batched Gauss-Newton profile and MIGRAD find the same minimum (0.01 in chi^2)."""
    prediction = sr01.sm_counts * np.array([[1.0], [1.8]])
    gn = sr01.likelihood.profile(prediction)
    mg = sr01.likelihood.profile(prediction, method="migrad")
    assert np.all(gn.converged)
    np.testing.assert_allclose(gn.chi2, mg.chi2, atol=0.01)


def test_registry_and_options():
    experiment = get_experiment("xenonnt-8b", runs=("sr2",), flux="fixed")
    assert experiment.runs == ("sr2",) and experiment.n_bins == 46
    assert "b8_flux" not in experiment.likelihood.names
    summary = experiment.summary(experiment.sm_counts)
    assert len(summary["bins"]) == 81 and np.isfinite(summary["chi2"])
    for bad in ({"runs": ("sr3",)}, {"runs": ()}, {"flux": "ssm"}, {"runs": ("sr0", "sr0")}):
        with pytest.raises(ParameterError):
            xe.XenonntB8(**bad)


def test_kinematic_limit():
    """nu Xe -> chi Xe needs sqrt(s) = sqrt(M^2 + 2 M E) >= M + m_chi: with the hep endpoint
    (18.8 MeV) and the heaviest isotope, m_max = sqrt(M^2 + 2 M E) - M, derived here. Above it
    the vector-mediator basis is exactly zero; just below (90%) it is not."""
    experiment = xe.XenonntB8(runs=("sr0",))
    M = max(iso.mass for iso in get_material("Xe").isotopes)
    m_max = np.sqrt(M**2 + 2 * M * solar.endpoint("hep")) - M
    model = get_model("vector")
    params = {"m_chi": np.array([1.001 * m_max, 0.9 * m_max]), "m_med": np.array([10.0, 10.0])}
    basis = experiment.signal_basis(model, params)
    assert np.all(basis[0] == 0.0)
    assert np.any(basis[1] != 0.0)


def _chi_mass_limit(endpoint: float) -> float:
    """Largest dark-fermion mass nu Xe -> chi Xe can reach with neutrinos up to ``endpoint``:
    s = M^2 + 2 M E >= (M + m_chi)^2 on the heaviest isotope (it has the lowest threshold
    E_min = m_chi + m_chi^2 / (2 M)), derived here rather than taken from the library."""
    M = max(iso.mass for iso in get_material("Xe").isotopes)
    return float(np.sqrt(M**2 + 2 * M * endpoint) - M)


def test_kinematic_limit_of_the_b8_endpoint():
    """8B alone (endpoint 16.36 MeV: the best-estimate column of B8.dat is zero from there on,
    the -3 sigma column reaches 16.56): m_max = E - E^2 / (2 M) + ... = 16.359 MeV on 136Xe.
    Just above it the 8B-only vector-mediator counts are exactly zero, just below they are
    not; the full source (8B + hep) still gives a signal there (hep reaches 18.78 MeV)."""
    experiment = xe.XenonntB8(runs=("sr0",))
    m_b8 = _chi_mass_limit(solar.endpoint("B8"))
    assert solar.endpoint("B8") == pytest.approx(16.36)
    assert m_b8 == pytest.approx(16.36 - 16.36**2 / (2 * 126.57e3), rel=1e-6)
    model = get_model("vector")
    channels = model.channels(get_material("Xe"), form_factor="helm")
    params = {"m_chi": np.array([1.001 * m_b8, 0.99 * m_b8]), "m_med": np.array([10.0, 10.0])}
    b8_only = solar.solar_source(fluxes=("B8",), exposure_time=units.year)
    counts = binned_counts(channels, b8_only, experiment.response, 1000.0, params)
    assert np.all(counts[0] == 0.0) and np.any(counts[1] > 0.0)
    assert np.any(experiment.signal_basis(model, params)[0] > 0.0)


def test_no_bound_above_the_kinematic_limit():
    """coupling_bound (vector, m_med = 10 MeV, SR0, 90% CL): NaN (no bound) just above the hep
    limit m_max(18.78 MeV); finite just below the 8B limit and, weaker, between the 8B and the
    hep limits, where only hep (1.6% of the SM rate) contributes."""
    from upscatter.scans import coupling_bound

    experiment = xe.XenonntB8(runs=("sr0",))
    m_b8, m_hep = _chi_mass_limit(solar.endpoint("B8")), _chi_mass_limit(solar.endpoint("hep"))
    m_chi = np.array([0.99 * m_b8, 0.5 * (m_b8 + m_hep), 1.001 * m_hep])
    masses = {"m_chi": m_chi, "m_med": np.full(3, 10.0)}
    result = coupling_bound(experiment, get_model("vector"), masses)
    below_b8, between, above = result.bound
    assert np.isfinite(below_b8) and np.isfinite(between) and between > below_b8
    assert np.isnan(above)


def test_vector_bound_approaches_the_massless_result():
    """m_chi -> 0: the vector-mediator bound (m_med = 10 MeV, SR0, 90% CL, 1 dof) tends to the
    bound on a massless final state computed here independently: the cross section per g^4,
    9 A^2 M F^2 / (4 pi (m_V^2 + 2 M T)^2) (2 - M T/E^2 - 2 T/E + T^2/E^2) (paper 003 Eq. (4) at
    m_chi = 0, Helm F) above E_min = (T + sqrt(T^2 + 2 M T)) / 2, written in the test, and the
    bound solved directly: N = N_SM + x K with x = g^4, min of the profiled chi^2 over x >= 0,
    then the root of Delta chi^2 = 2.706 (brentq). The library's bounds at m_chi = 1, 0.1, 0.01
    MeV approach it as m_chi^2 (measured: 2.6e-3, 2.6e-5, 2.6e-7); at 0.01 MeV within 1e-5 (the
    root finding is rel 1e-6)."""
    from scipy.optimize import brentq, minimize_scalar
    from scipy.stats import chi2 as chi2_dist

    from upscatter.form_factors import nuclear_form_factor
    from upscatter.scans import coupling_bound

    experiment = xe.XenonntB8(runs=("sr0",))
    m_med = 10.0
    channels = []
    for iso, n_per_kg in zip(
        experiment.material.isotopes, experiment.material.nuclei_per_kg(), strict=True
    ):

        def dsigma(E, T, flavour, iso=iso):
            M = iso.mass
            E, T = np.broadcast_arrays(np.asarray(E, float), np.asarray(T, float))
            ff2 = nuclear_form_factor(T, iso, "helm") ** 2
            bracket = 2 - M * T / E**2 - 2 * T / E + T**2 / E**2
            value = 9 * iso.A**2 * M * ff2 / (4 * np.pi * (m_med**2 + 2 * M * T) ** 2) * bracket
            return np.where(E >= (T + np.sqrt(T**2 + 2 * M * T)) / 2, value, 0.0)

        channels.append(Channel(iso.name, iso.mass, n_per_kg, NUCLEAR, dsigma))
    counts = binned_counts(
        channels, experiment.source, experiment.response, experiment.detector_mass_kg
    )
    K = experiment.fold_components(counts)[0]
    sm = experiment.sm_counts

    x_one_event = 1.0 / K.sum()  # g^4 of one event in the hats (~1% of it is detected)

    def chi2(y):  # y = g^4 / x_one_event, so that the optimisers work at O(1) scales
        return float(experiment.chi2(sm + y * x_one_event * K))

    best = minimize_scalar(chi2, bounds=(0.0, 1e3), method="bounded", options={"xatol": 1e-6})
    minimum = min(chi2(0.0), float(best.fun))
    threshold = chi2_dist.ppf(0.9, 1)
    y_bound = brentq(lambda y: chi2(y) - minimum - threshold, best.x, 1e5, xtol=1e-12, rtol=1e-12)
    x_bound = y_bound * x_one_event
    massless = x_bound**0.25

    m_chi = np.array([1.0, 0.1, 0.01])
    bounds = coupling_bound(
        experiment, get_model("vector"), {"m_chi": m_chi, "m_med": np.full(3, m_med)}
    ).bound
    gaps = np.abs(bounds / massless - 1)
    assert np.all(np.diff(gaps) <= 0)
    assert gaps[-1] < 1e-5
    assert gaps[0] / gaps[1] == pytest.approx(100, rel=0.05)  # the m_chi^2 approach


# --- SM validation (arXiv:2408.02877) ---------------------------------------------------------
@pytest.mark.xfail(
    reason="our SR0+SR1 8B expectation is 9.41 events (SNO flux, Helm, release mono templates at "
    "nominal yields), 21% below the ~11.9 quoted for arXiv:2408.02877. Excluded as the cause "
    "(docs/xenonnt.md, 'The 8B expectation'): exposures and template units (the backgrounds give "
    "26.50 vs 26.4), the cross section x flux (test_flux_weighted_cross_section_against_xenonnt: "
    "within 6% of the paper's implied SM value), the integration between nodes (9.31-9.41 for "
    "any symmetric rule), recoils below 0.5 keV (< 0.26 events), hep (1.6%); a third-party "
    "folding of the same templates agrees with ours within 1.5%. Only a yield shift (11.8 at "
    "tly = +1) or an energy-label shift of -0.09 keV would give 11.9; likeliest: the release's "
    "templates carry the 2026 (arXiv:2604.06002) signal model, not the 2024 one (unverified)",
    strict=True,
)
def test_expected_b8_events_sr01(sr01):
    """arXiv:2408.02877: ~11.9 expected 8B CEvNS events in SR0+SR1 (tolerance 10%)."""
    assert sr01.analysis_signal(sr01.sm_counts).sum() == pytest.approx(11.9, rel=0.10)


@pytest.fixture(scope="module")
def flux_sr01(sr01):
    return sr01.measure_flux()


def test_background_only_rejection_sr01(flux_sr01):
    """arXiv:2408.02877: background-only rejected at 2.73 sigma. Ours: binned, simplified
    (Gaussian background widths of our choice), Wilks' one-dof sqrt(Delta chi^2); tolerance
    +-0.3 sigma."""
    assert flux_sr01.significance == pytest.approx(xe.SIGNIFICANCE_SR01, abs=0.3)


@pytest.mark.xfail(
    reason="the fitted SR0+SR1 8B flux is 6.1 (+4.7 -2.9) e6 cm^-2 s^-1, 30% above the "
    "published 4.7 (+3.6 -2.3): the same fitted signal (11.0 events, test_fitted_signal_events_"
    "sr01) over our 21% lower expectation per unit flux (test_expected_b8_events_sr01, cause not "
    "found); the relative errors agree (test_relative_flux_errors_sr01)",
    strict=True,
)
def test_measured_flux_sr01(flux_sr01):
    """arXiv:2408.02877: (4.7 +3.6 -2.3) x 10^6 cm^-2 s^-1; tolerance 15% on the central value
    and 25% on the errors."""
    central, plus, minus = xe.B8_FLUX_MEASURED_SR01
    assert flux_sr01.flux == pytest.approx(central, rel=0.15)
    assert flux_sr01.upper_error == pytest.approx(plus, rel=0.25)
    assert flux_sr01.lower_error == pytest.approx(minus, rel=0.25)


def test_measured_flux_sr01_within_the_published_interval(flux_sr01):
    """What the release supports today (the strict 15% test above is the xfail): the two
    measurements are compatible. Each central value lies inside the other's 1-sigma interval,
    and they differ by less than half of the combined upper error (0.5 sigma; ours is 0.3),
    arXiv:2408.02877 (4.7 +3.6 -2.3) x 10^6 cm^-2 s^-1."""
    central, plus, minus = xe.B8_FLUX_MEASURED_SR01
    assert central - minus < flux_sr01.flux < central + plus
    assert flux_sr01.flux - flux_sr01.lower_error < central < flux_sr01.flux + flux_sr01.upper_error
    assert flux_sr01.flux - central < 0.5 * np.hypot(plus, flux_sr01.lower_error)


def test_relative_flux_errors_sr01(flux_sr01):
    """The shape of the profile likelihood, independent of the signal normalisation: relative
    errors of the measured flux, +3.6/4.7 = 0.77 and -2.3/4.7 = 0.49 in arXiv:2408.02877
    (tolerance 15%)."""
    central, plus, minus = xe.B8_FLUX_MEASURED_SR01
    assert flux_sr01.upper_error / flux_sr01.flux == pytest.approx(plus / central, rel=0.15)
    assert flux_sr01.lower_error / flux_sr01.flux == pytest.approx(minus / central, rel=0.15)


def test_fitted_signal_events_sr01(sr01, flux_sr01):
    """What the data fix independently of the signal normalisation: the fitted number of 8B
    events, flux x expectation per flux. The paper's 4.7e6 flux times its ~11.9 events at the
    SNO flux 5.25e6 is 10.7 events; ours must agree within 15%."""
    expected = sr01.analysis_signal(sr01.sm_counts).sum()
    fitted = flux_sr01.flux / 5.25 * expected
    assert fitted == pytest.approx(4.7 / 5.25 * 11.9, rel=0.15)


@pytest.mark.slow
def test_reproduce_xenonnt_8b(tmp_path):
    """`upscatter reproduce xenonnt-8b`: SR0+SR1 significance within 0.3 sigma of 2.73
    (arXiv:2408.02877), the SR0-SR2 fit more significant than SR0+SR1 (more exposure), the
    figure written, and the joint XENONnT + COHERENT bound never weaker than the weakest part
    nor stronger than the strongest by more than the combination allows (a factor 2)."""
    from upscatter.reproduce import run

    result = run("xenonnt-8b", tmp_path)["results"]
    fits = result["flux_fits"]
    assert abs(fits["sr0+sr1"]["significance_sigma"] - 2.73) < 0.3
    assert fits["sr0-sr2"]["significance_sigma"] > fits["sr0+sr1"]["significance_sigma"]
    assert (tmp_path / "xenonnt-8b-vector.png").stat().st_size > 1000
    for panel in result["vector_bounds"]["bounds"].values():
        parts = np.array(
            [panel[n] for n in ("xenonnt-8b", "coherent-csi-2021", "coherent-lar-2020")]
        )
        joint = np.array(panel["xenonnt-coherent"])
        assert np.all(joint <= parts.max(axis=0) * (1 + 1e-6))
        assert np.all(joint >= parts.min(axis=0) / 2)
