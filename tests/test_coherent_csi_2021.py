"""COHERENT CsI 2021 (paper 003 Sec. III, App. C) against the collaboration's published numbers,
the release files, and the identities its response must satisfy."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from scipy.integrate import quad

from upscatter.errors import ParameterError
from upscatter.experiments import get_experiment
from upscatter.experiments.coherent_csi_2017 import _read_numeric_rows
from upscatter.experiments.coherent_csi_2021 import (
    FORM_FACTOR_NODES,
    PE_EDGES,
    QUENCHING_NODES,
    TIME_EDGES_US,
    scintillation_curves,
)
from upscatter.form_factors import klein_nystrand
from upscatter.kinematics import recoil_momentum
from upscatter.models import get_model, sm_channels
from upscatter.rates import ELECTRON, binned_counts
from upscatter.response_csi2021 import (
    LIGHT_YIELD_PE_PER_KEVEE,
    TAU_MUON,
    ChebyshevNodes,
    GammaResolution,
    ShiftedTimeFractions,
    delayed_pdf,
    prompt_pdf,
    time_efficiency,
)
from upscatter.scans import bound_from_basis, coupling_bound
from upscatter.stats import delta_chi2_threshold
from upscatter.stats.poisson import PoissonPullChi2
from upscatter.units import cm2, keV, us

pytestmark = pytest.mark.usefixtures("data_dir")


@pytest.fixture(scope="module")
def csi():
    return get_experiment("coherent-csi-2021")


# --------------------------------------------------------------------------- data and backgrounds
def test_release_counts_match_source_md(csi):
    """shared/data/coherent_csi_2021/SOURCE.md, counted from the event lists in the 9 x 11 binning:
    C = 1578 and AC = 1295 events, and their PE and t_rec projections."""
    assert csi.observed.shape == (9, 11)
    assert csi.observed.sum() == 1578 and csi.steady_state.sum() == 1295
    assert csi.observed.sum(axis=1).tolist() == [11, 147, 224, 177, 144, 237, 210, 231, 197]
    assert csi.observed.sum(axis=0).tolist() == [34, 31, 42, 42, 52, 58, 56, 41, 314, 491, 417]
    assert csi.steady_state.sum(axis=1).tolist() == [4, 98, 144, 123, 105, 202, 182, 216, 221]
    t_projection = [23, 24, 30, 32, 28, 32, 31, 30, 234, 433, 398]
    assert csi.steady_state.sum(axis=0).tolist() == t_projection


def test_background_normalisations(csi):
    """BRN 18.4 and NIN 5.6 events in the region of interest (physics-notes), at alpha_6 = 0."""
    assert csi.background_energy.sum(axis=1) == pytest.approx([18.4, 5.6], rel=1e-12)
    assert csi.background_time(0.0).sum(axis=1) == pytest.approx([1.0, 1.0], rel=1e-12)
    parts = csi.expected(csi.sm_counts)
    assert parts["brn"].sum() == pytest.approx(18.4) and parts["nin"].sum() == pytest.approx(5.6)
    assert np.array_equal(parts["steady_state"], csi.steady_state)


# --------------------------------------------------------------------------------- the response
def test_release_curves_are_the_papers(csi):
    """Paper 003 App. C prints the nominal scintillation and efficiency coefficients; the nominal
    curve gives 0.88 keVee at 10 keVnr (SOURCE.md)."""
    curves = scintillation_curves()
    assert sorted(curves) == sorted(
        ["nominal", "model0+1sigma", "model0-1sigma", "model1+1sigma", "model1-1sigma"]
    )
    assert curves["nominal"].coefficients == (0.0554628, 4.30681, -111.707, 840.384)
    assert curves["nominal"](10 * keV) / keV == pytest.approx(0.882, abs=5e-4)
    eff = csi.efficiency
    assert (eff.a, eff.b, eff.c, eff.d) == (1.32045, 0.285979, 10.8646, -0.333322)


def test_efficiency_bounds(csi):
    """Eq. (C1) clipped to [0, 1]: zero below the root c - ln((a + d)/(-d))/b = 7.07 PE, a/2 + d at
    x = c, a + d = 0.987 at large x; alpha_7 shifts the curve."""
    eff = csi.efficiency
    x = np.linspace(0.0, 200.0, 4001)
    assert np.all((eff(x) >= 0) & (eff(x) <= 1))
    root = eff.c - np.log((eff.a + eff.d) / -eff.d) / eff.b
    assert root == pytest.approx(7.07, abs=5e-3)
    assert eff(root - 1e-3) == 0.0 and eff(root + 1e-3) > 0.0
    assert eff(eff.c) == pytest.approx(eff.a / 2 + eff.d, rel=1e-12)
    assert eff(200.0) == pytest.approx(eff.a + eff.d, rel=1e-9)
    assert csi.smearing.weighted_efficiency(0.7)[40, 1] == pytest.approx(eff(10.125 + 0.7))


def test_time_efficiency():
    """Eq. (C2): 1 before t' = 0.52 us, exp(-0.0494/us (t - t')) after."""
    assert time_efficiency(np.array([0.0, 0.3, 0.52]) * us) == pytest.approx([1, 1, 1])
    assert time_efficiency(3.0 * us) == pytest.approx(np.exp(-0.0494 * 2.48), rel=1e-12)


@pytest.mark.parametrize("e_kev", [0.05, 0.4, 1.5, 4.0])
def test_resolution_is_normalised_with_mean_ly_times_energy(e_kev):
    """Eq. (C3) integrates to 1 and has mean 1/a' = E_ee/0.0749 keVee = LY x E_ee with
    LY = 13.35 PE/keVee (App. C; 1/0.0749 = 13.351, so to 1e-4); CDF = integral of the pdf."""
    res, e_ee = GammaResolution(), e_kev * keV
    norm = quad(lambda x: res.pdf(x, e_ee), 0, np.inf, limit=200)[0]
    mean = quad(lambda x: x * res.pdf(x, e_ee), 0, np.inf, limit=200)[0]
    assert norm == pytest.approx(1.0, abs=1e-8)
    assert mean == pytest.approx(LIGHT_YIELD_PE_PER_KEVEE * e_kev, rel=1e-4)
    assert res.mean(e_ee) == pytest.approx(mean, rel=1e-8)
    x = 1.3 * mean
    assert res.cdf(x, e_ee) == pytest.approx(quad(lambda y: res.pdf(y, e_ee), 0, x)[0], rel=1e-8)
    with pytest.raises(ParameterError):
        res.shape_rate(0.0)


def test_pe_binning(csi):
    """9 bins with edges 0, 8, ..., 60 PE (physics-notes) made of 0.25-PE sub-bins; the bin
    probabilities of a deposit sum to the efficiency averaged over Eq. (C3) (quad, 2e-4)."""
    smearing = csi.smearing
    assert smearing.n_bins == 9 and np.array_equal(smearing.edges_pe, PE_EDGES)
    assert smearing.aggregation.sum(axis=0).tolist() == list(np.diff(PE_EDGES) / 0.25)
    assert np.all(smearing.aggregation.sum(axis=1) == 1)
    res, e_ee = smearing.resolution, 1.8 * keV
    probabilities = smearing.bin_probabilities(e_ee)[0]
    for i, (lo, hi) in enumerate(itertools.pairwise(PE_EDGES)):
        exact = quad(lambda x: csi.efficiency(x) * res.pdf(x, e_ee), lo, hi, points=[7.07])[0]
        assert probabilities[i] == pytest.approx(exact, abs=2e-4)


def test_fine_bins_start_where_nothing_is_detectable(csi):
    """Nothing below the fine-bin ranges is detected: even with alpha_5 = +5 sigma and
    alpha_7 = -1 PE the detection probability there is below 1e-10."""
    nuclear = (1 + QUENCHING_NODES.hi) * csi.quenching(csi.response.edges[0])
    for e_ee in (nuclear, csi.electron_response.edges[0]):
        assert csi.smearing.bin_probabilities(e_ee, shift=-1.0).sum() < 1e-10


# ----------------------------------------------------------------------------- arrival times
def test_arrival_time_pdfs_are_normalised_and_delayed_by_the_muon_lifetime():
    """Both densities integrate to 1; convolving with the mu+ decay adds tau_mu to the mean."""
    mean = {}
    for name, pdf in (("prompt", prompt_pdf), ("delayed", delayed_pdf)):
        assert quad(lambda t, f=pdf: f(t * us) * us, -2, 80, limit=400)[0] == pytest.approx(1, 1e-9)
        mean[name] = quad(lambda t, f=pdf: t * f(t * us) * us, -2, 80, limit=400)[0]
    assert mean["delayed"] - mean["prompt"] == pytest.approx(TAU_MUON / us, abs=1e-6)


def _fractions_2017(name: str) -> np.ndarray:
    table = _read_numeric_rows("coherent_csi_2017", f"arrivalTimePDF_{name}Neutrinos.txt")
    return table[table[:, 0] < 6.0, 1]


def test_arrival_times_agree_with_the_2017_release():
    """The 2017 release's arrivalTimePDF_*Neutrinos.txt (0.5 us bins) in the overlap 0-6 us.
    The pulse was fitted to two prompt fractions (closure to 1e-3); the delayed curve is a
    prediction of the muon-decay convolution and agrees to 2.5e-3 per bin (1.6% at its peak)."""
    edges = np.arange(0.0, 6.01, 0.5) * us
    table = ShiftedTimeFractions.from_densities(
        [prompt_pdf, delayed_pdf], edges, 0.001 * us, efficiency=None
    )
    prompt, delayed = table(0.0)
    assert prompt == pytest.approx(_fractions_2017("prompt"), abs=1e-3)
    assert delayed == pytest.approx(_fractions_2017("delayed"), abs=2.5e-3)


def test_shifted_time_fractions_equal_direct_integration(csi):
    """alpha_6 table (0.5 ns grid, linear interpolation) against quad of the shifted densities
    times eps_T, at a shift between grid points (1e-6)."""
    shift = 0.12345 * us
    fractions = csi.neutrino_time(shift)
    edges = TIME_EDGES_US * us
    for row, pdf in zip(fractions, (prompt_pdf, delayed_pdf), strict=True):
        exact = [
            quad(lambda t, f=pdf: f(t - shift) * time_efficiency(t), a, b, points=[0.52 * us])[0]
            for a, b in itertools.pairwise(edges)
        ]
        assert row == pytest.approx(exact, abs=1e-6)


# ------------------------------------------------------------------ templates and interpolation
def test_chebyshev_nodes_interpolate_polynomials_exactly():
    nodes = ChebyshevNodes(-0.3, 0.5, 5)
    poly = np.polynomial.Polynomial([0.3, -1.0, 2.0, 0.5, -4.0])
    for x in (-0.3, -0.11, 0.2, 0.5):
        assert nodes.weights(x) @ poly(nodes.nodes) == pytest.approx(poly(x), abs=1e-12)
        deriv = nodes.weight_derivatives(x) @ poly(nodes.nodes)
        assert deriv == pytest.approx(poly.deriv()(x), abs=1e-10)


class _DirectPEResponse:
    """Reference: P(PE bin | T) at nominal nuisances evaluated at every quadrature node of the
    folding engine (no fine bins, no templates)."""

    n_bins = 9

    def __init__(self, csi):
        self.csi = csi

    def _range(self, recoil):
        return self.csi.electron_response if recoil == ELECTRON else self.csi.response

    def t_range(self, recoil):
        edges = self._range(recoil).edges
        return float(edges[0]), float(edges[-1])

    def breakpoints(self, recoil):
        lo, hi = self.t_range(recoil)
        return np.geomspace(lo, hi, 1500)

    def probabilities(self, T, recoil):
        T = np.asarray(T, dtype=float)
        e_ee = T if recoil == ELECTRON else self.csi.quenching(T)
        probabilities = self.csi.smearing.bin_probabilities(np.maximum(e_ee.ravel(), 1e-15))
        return probabilities.reshape((*T.shape, 9))


def _energy_fold(csi, predicted):
    """PE-bin counts of a prediction at alpha = 0, per flux component (no timing)."""
    blocks, electrons = csi._prepare(predicted)
    weights = np.outer(FORM_FACTOR_NODES.weights(0.0), QUENCHING_NODES.weights(0.0)).ravel()
    nuclear = (weights @ blocks).reshape(3, -1)
    return csi.smearing.fold(nuclear + electrons)


@pytest.mark.parametrize(
    "m_chi, m_med", [(None, None), (1.0, 1.0), (0.1, 0.05), (5.0, 30.0), (20.0, 200.0)]
)
def test_fine_bin_templates_equal_a_direct_fold(csi, m_chi, m_med):
    """SM (None) and vector models with electrons, spectra from flat to 1/T^2: the fine-bin
    prediction folded at alpha = 0 equals the folding engine with the exact PE response at its
    own quadrature nodes, to 1e-3 in total and 1e-4 of the total per bin and flux component."""
    reference = _DirectPEResponse(csi)
    if m_chi is None:
        from upscatter.experiments.coherent_csi_2021 import _sm_electron_channels

        channels = sm_channels(csi.material, "klein-nystrand")
        channels += _sm_electron_channels(csi.material)
        predicted, params = csi.sm_counts, None
    else:
        model, params = get_model("vector"), {"m_chi": [m_chi], "m_med": [m_med]}
        channels = model.channels(csi.material, form_factor="klein-nystrand", electrons=True)
        predicted = csi.signal_basis(model, params, electrons=True)[0, :, 0]
    direct = binned_counts(channels, csi.source, reference, csi.detector_mass_kg, params)[0]
    direct = direct.reshape(3, 9)
    ours = _energy_fold(csi, predicted)
    assert ours.sum() == pytest.approx(direct.sum(), rel=1e-3)
    assert np.max(np.abs(ours - direct)) < 1e-4 * direct.sum()


def test_nuisance_interpolation_matches_recomputation(csi):
    """Away from the Chebyshev nodes the alpha_4 (radius) and alpha_5 (quenching scale)
    interpolation equals a recomputation with F^2(q R (1 + a4)) and E_ee (1 + a5) (1e-4)."""
    n = csi.n_nuclear
    table = csi.sm_counts.reshape(csi.template_shape)
    centres = np.sqrt(csi.response.edges[1:] * csi.response.edges[:-1])
    blocks, _ = csi._prepare(csi.sm_counts)
    for a4, a5 in ((-0.17, 0.11), (0.03, -0.05), (0.21, 0.17)):
        nuclear = sum(
            table[:, i * n : (i + 1) * n]
            * klein_nystrand(recoil_momentum(centres, iso.mass), iso.A, 1 + a4) ** 2
            for i, iso in enumerate(csi.material.isotopes)
        )
        exact = csi.smearing.fold(
            nuclear @ csi.smearing.sub_bin_matrix((1 + a5) * csi.quenching(centres))
        )
        weights = np.outer(FORM_FACTOR_NODES.weights(a4), QUENCHING_NODES.weights(a5)).ravel()
        interpolated = csi.smearing.fold((weights @ blocks).reshape(3, -1))
        assert np.max(np.abs(interpolated - exact)) < 1e-4 * exact.sum()


def test_jacobian_matches_finite_differences(csi):
    prepared = csi._prepare(csi.sm_counts)
    alpha = np.array([0.01, 0.02, -0.03, 0.01, 0.03, 0.02, -0.1003, 0.2])
    _parts, jac = csi._evaluate(prepared, alpha, jacobian=True)
    for k in range(8):
        step = np.zeros(8)
        step[k] = 1e-7
        up = sum(csi._evaluate(prepared, alpha + step)[0].values())
        down = sum(csi._evaluate(prepared, alpha - step)[0].values())
        numeric = (up - down) / 2e-7
        assert np.max(np.abs(numeric - jac[k])) < 1e-5 * max(1.0, np.abs(jac[k]).max())


# --------------------------------------------------------------------------------- statistics
def test_asimov_fit_recovers_timing_and_efficiency_shifts(csi):
    """Asimov data = N_th(alpha_6 = 0.08 us, alpha_7 = 0.4 PE, others 0): the profile returns
    them (the priors sit at 0) with chi^2 = 0; tolerances from MIGRAD's stopping rule."""
    truth = {"alpha6": 0.08, "alpha7": 0.4}
    asimov = csi.expected(csi.sm_counts, truth)["total"]
    prepared = csi._prepare(csi.sm_counts)

    def jacobian(alpha):
        parts, jac = csi._evaluate(prepared, alpha, jacobian=True)
        return sum(parts.values()), jac

    fit = PoissonPullChi2(asimov, csi.likelihood.nuisances).profile(jacobian=jacobian)
    assert fit.chi2 == pytest.approx(0.0, abs=1e-4)
    assert fit.values["alpha6"] == pytest.approx(0.08, abs=2e-3)
    assert fit.values["alpha7"] == pytest.approx(0.4, abs=2e-2)


def test_sm_fit_matches_the_collaborations_measurement(csi):
    """COHERENT, PRL 129 (2022) 081801 (arXiv:2110.07730): 306 +- 20 fitted CEvNS events and a
    flux-averaged cross section of (165 +30 -25) x 1e-40 cm^2, SM (189 +- 6) x 1e-40 cm^2.
    Tolerances: the published 1 sigma. The SM cross section with this analysis's Klein-Nystrand
    form factor (paper 003 Eq. (5)) is within 2 sigma of the SM value, with Helm within 1 sigma."""
    fit = csi.measure_cross_section()
    assert 306 - 20 < fit.cevns_events < 306 + 20
    assert 140e-40 < fit.cross_section / cm2 < 195e-40
    low, high = (x / cm2 for x in fit.cross_section_interval)
    assert low < fit.cross_section / cm2 < high
    assert abs(csi.flux_averaged_cross_section() / cm2 - 189e-40) < 12e-40
    assert abs(csi.flux_averaged_cross_section("helm") / cm2 - 189e-40) < 6e-40


def test_nuisance_pulls_are_reported(csi):
    """The SM fit reports alpha_0..alpha_7 and the pulls alpha_k/sigma_k: all within 2 sigma,
    alpha_6, alpha_7 within their ranges (+-0.25 us, +-1 PE); the fit is valid."""
    summary = csi.summary(csi.sm_counts)
    assert list(summary["nuisances"]) == [f"alpha{k}" for k in range(8)]
    assert list(summary["pulls"]) == [f"alpha{k}" for k in range(6)]
    assert all(abs(p) < 2 for p in summary["pulls"].values())
    assert abs(summary["nuisances"]["alpha6"]) < 0.25
    assert abs(summary["nuisances"]["alpha7"]) < 1.0
    assert summary["valid"] and len(summary["bins"]) == 99
    assert summary["expected"].sum() == pytest.approx(
        summary["signal"].sum() + sum(summary[k].sum() for k in summary if k.endswith("background"))
    )


def test_chi2_is_vectorised_and_checks_its_input(csi):
    batch = np.stack([csi.sm_counts, 1.1 * csi.sm_counts])
    values = csi.chi2(batch[None])
    assert values.shape == (1, 2)
    assert values[0, 0] == pytest.approx(csi.profile(csi.sm_counts).chi2, abs=1e-9)
    with pytest.raises(ParameterError):
        csi.chi2(np.ones(99))
    with pytest.raises(ParameterError):
        csi.chi2(-csi.sm_counts)


# ----------------------------------------------------------------------------------- physics
def test_sm_electron_scattering_is_negligible(csi):
    """SM nu e on the atomic electrons (paper 003 Eq. (17), kappa = SM) gives ~1e-4 events in the
    region of interest: included, but far below a CEvNS event."""
    electrons = csi.expected(csi.sm_counts)["electron"].sum()
    assert 0 < electrons < 1e-3


def test_electron_channel_closes_above_its_kinematic_limit(csi):
    """nu e -> chi e needs m_chi < 6.85 MeV at the SNS (physics-notes): the electron entries of
    the vector basis vanish at m_chi = 8 MeV, not at 1 MeV, and with ``electrons=False``; by
    default CsI 2021 includes them (the experiment's physics default, as paper 003)."""
    model = get_model("vector")
    n = 2 * csi.n_nuclear

    def electron_part(m_chi, **options):
        K = csi.signal_basis(model, {"m_chi": [m_chi], "m_med": [10.0]}, **options)[0, :, 0]
        return K.reshape(csi.template_shape)[:, n:].sum()

    assert electron_part(1.0, electrons=True) > 0
    assert electron_part(8.0, electrons=True) == 0.0
    assert electron_part(1.0, electrons=False) == 0.0
    assert electron_part(1.0) == electron_part(1.0, electrons=True)


def test_quenching_nuisance_modes():
    """alpha_5 = +sigma_5 (3.8%): as a normalisation it raises the CEvNS count by exactly 3.8%
    (Eq. (21) as printed); as a quenching scale by more, because the count above threshold grows
    faster than the light output. The release's +-1 sigma curves bracket the nominal count."""
    counts = {}
    for mode in ("scale", "normalisation"):
        experiment = get_experiment("coherent-csi-2021", quenching_nuisance=mode)
        base = experiment.expected(experiment.sm_counts)["cevns"].sum()
        up = experiment.expected(experiment.sm_counts, {"alpha5": 0.038})["cevns"].sum()
        counts[mode] = up / base - 1
    assert counts["normalisation"] == pytest.approx(0.038, rel=1e-9)
    assert counts["scale"] > 0.038
    nominal = get_experiment("coherent-csi-2021")
    nominal_count = nominal.expected(nominal.sm_counts)["cevns"].sum()
    for model in ("model0", "model1"):
        plus, minus = (
            get_experiment("coherent-csi-2021", quenching=f"{model}{sign}1sigma") for sign in "+-"
        )
        pair = sorted(e.expected(e.sm_counts)["cevns"].sum() for e in (plus, minus))
        assert pair[0] < nominal_count < pair[1]


def test_normalisation_reading_is_eq_21():
    """Paper 003 Eq. (21) as printed: N_CEvNS scales by (1 + alpha_0 + alpha_5) and N_ES by
    (1 + alpha_0) only (rel 1e-12), for a signal with electron recoils (vector, electrons on)."""
    experiment = get_experiment("coherent-csi-2021", quenching_nuisance="normalisation")
    model = get_model("vector")
    K = experiment.signal_basis(model, {"m_chi": [1.0], "m_med": [10.0]}, electrons=True)[0]
    predicted = experiment.sm_counts + (5e-5**4) * K.sum(axis=1)
    base = experiment.expected(predicted)
    for a0, a5 in ((0.1, 0.05), (-0.2, 0.03), (0.0, -0.1)):
        moved = experiment.expected(predicted, {"alpha0": a0, "alpha5": a5})
        assert moved["cevns"] == pytest.approx((1 + a0 + a5) * base["cevns"], rel=1e-12)
        assert moved["electron"] == pytest.approx((1 + a0) * base["electron"], rel=1e-12)
        assert moved["brn"] == pytest.approx(base["brn"], rel=1e-12)


def test_normalisation_fit_of_a_large_signal_stays_physical():
    """The crash of issue 15: with the normalisation reading MIGRAD stepped to
    1 + alpha_0 + alpha_5 < 0 (negative counts, NaN timing shift, ValueError). The fit of a
    signal far above the data (g = 3e-4 at m_chi = 1 MeV, m_V = 10 MeV) is now finite, valid and
    keeps the CEvNS factor >= 0; at that point the chi^2 is far above any threshold."""
    experiment = get_experiment("coherent-csi-2021", quenching_nuisance="normalisation")
    K = experiment.signal_basis(
        get_model("vector"), {"m_chi": [1.0], "m_med": [10.0]}, electrons=True
    )[0]
    fit = experiment.profile(experiment.sm_counts + (3e-4**4) * K.sum(axis=1))
    assert np.isfinite(fit.chi2) and fit.valid
    assert 1 + fit.values["alpha0"] + fit.values["alpha5"] >= 0
    assert fit.chi2 - experiment.profile(experiment.sm_counts).chi2 > 100


def test_limits_with_either_quenching_nuisance(capsys):
    """`upscatter limits --set quenching_nuisance=...` gives finite positive bounds for both
    readings of alpha_5 (the normalisation one crashed); they agree within 10%, since alpha_5
    (sigma 3.8%) is small beside the 11% CEvNS normalisation alpha_0 in either reading. At each
    bound the fitted alpha_0 and alpha_5 lie far from the normalisation floor (-0.5), so the
    floor does not set the bound."""
    from upscatter.cli import main
    from upscatter.experiments.coherent_csi_2021 import NORMALISATION_FLOOR

    args = ["limits", "--experiment", "coherent-csi-2021", "--model", "vector", "--m-chi", "1",
            "--m-med", "log:1:100:3", "--json"]  # fmt: skip
    bounds = {}
    for setting in ("scale", "normalisation"):
        assert main([*args, "--set", f"quenching_nuisance={setting}"]) == 0
        points = json.loads(capsys.readouterr().out)["points"]
        bounds[setting] = np.array([p["bound"] for p in points], dtype=float)
        assert np.all(np.isfinite(bounds[setting])) and np.all(bounds[setting] > 0)
    assert bounds["normalisation"] == pytest.approx(bounds["scale"], rel=0.10)
    experiment = get_experiment("coherent-csi-2021", quenching_nuisance="normalisation")
    K = experiment.signal_basis(
        get_model("vector"), {"m_chi": [1.0], "m_med": [10.0]}, electrons=True
    )[0]
    g = bounds["normalisation"][1]  # m_V = 10 MeV
    fit = experiment.profile(experiment.sm_counts + g**4 * K.sum(axis=1))
    assert min(fit.values["alpha0"], fit.values["alpha5"]) > NORMALISATION_FLOOR + 0.3


def test_bad_options(csi):
    with pytest.raises(ParameterError):
        get_experiment("coherent-csi-2021", quenching="model2+1sigma")
    with pytest.raises(ParameterError):
        get_experiment("coherent-csi-2021", quenching_nuisance="shape")
    with pytest.raises(ParameterError):
        csi.signal_basis(get_model("vector"), {"m_chi": [1.0], "m_med": [10.0]}, form_factor="helm")
    with pytest.raises(ParameterError):
        csi.expected(csi.sm_counts, {"alpha9": 0.1})
    with pytest.raises(ParameterError):
        csi.expected(csi.sm_counts, {"alpha6": 0.4})


# --------------------------------------------------------------------------------------- scans
def test_bound_is_where_delta_chi2_reaches_the_2_dof_threshold(csi):
    """Vector model with electrons, m_chi = 1 MeV, m_V = 10 MeV: at the bound the profiled
    Delta chi^2 (relative to the minimum over g >= 0 on a fine grid) is 4.605 (90% CL, 2 dof;
    to 1e-3)."""
    model = get_model("vector")
    masses = {"m_chi": [1.0], "m_med": [10.0]}
    bound = coupling_bound(csi, model, masses, dof=2, electrons=True).bound[0]
    K = csi.signal_basis(model, masses, electrons=True)[0]
    g = np.concatenate([[0.0], np.geomspace(bound * 1e-2, bound, 60)])
    chi2 = csi.chi2(csi.sm_counts + (g[:, None] ** 4) @ K.T)
    assert chi2[-1] - chi2.min() == pytest.approx(delta_chi2_threshold(0.9, 2), abs=1e-3)


def test_coarse_bound_grid_gives_the_fine_grid_bound(csi):
    """The experiment's coarse bracketing grid (6 points per decade of g) finds the same bound as
    the default 40 per decade (1e-5 relative), at small and large m_V."""
    model = get_model("vector")
    sm = csi.sm_counts
    for m_med in (1.0, 300.0):
        K = csi.signal_basis(model, {"m_chi": [1.0], "m_med": [m_med]}, electrons=True)[0]
        bounds = [
            bound_from_basis(sm, K, csi.chi2, model.powers, 4.605, points)
            for points in (csi.bound_points_per_decade, 40)
        ]
        assert bounds[0] == pytest.approx(bounds[1], rel=1e-5)


def test_cli_predict_reports_analysis_bins(capsys):
    """`upscatter predict` shows the 99 energy x time bins, not the fine response templates,
    and the SM total equals the experiment's nominal CEvNS expectation."""
    import json

    from upscatter.cli import main
    from upscatter.experiments import get_experiment

    assert main(["predict", "--experiment", "coherent-csi-2021", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert len(payload["N_SM"]) == len(payload["bins"]) == 99
    experiment = get_experiment("coherent-csi-2021")
    expected = experiment.expected(experiment.sm_counts)["cevns"].sum()
    # 1e-6: the two instances sum the chunked template products in different orders
    assert payload["totals"]["SM"] == pytest.approx(expected, rel=1e-6)


def test_timing_shift_must_be_finite(csi):
    """A NaN arrival-time shift is an upscatter error naming the shift (was a bare ValueError
    from int(nan))."""
    from upscatter.errors import UpscatterError

    with pytest.raises(UpscatterError, match="arrival-time shift"):
        csi.neutrino_time.evaluate(float("nan"))
