"""Future COHERENT LAr and future CONUS (paper 002 Sec. IV): SM expectations, the Asimov
chi^2 of paper 002 Eq. (13), options, and the light-mediator limits path."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from upscatter.errors import ParameterError
from upscatter.experiments import EXPERIMENTS, get_experiment, shipped_specs
from upscatter.experiments.projection import ProjectedExperiment
from upscatter.fluxes import reactor
from upscatter.form_factors import helm
from upscatter.models import get_model
from upscatter.nuclei import get_material
from upscatter.scans import coupling_bound

pytestmark = pytest.mark.usefixtures("data_dir")

G_F = 1.1663787e-11  # MeV^-2 (physics-notes)
SIN2_W = 0.23857
M_MU, M_PI = 105.6583755, 139.57039
AVOGADRO = 6.02214076e23
MEV2_TO_CM2 = (197.3269804e-13) ** 2  # (hbar c in MeV cm)^2


def cevns(E, T, iso):
    """Textbook SM CEvNS (Freedman 1974; paper 002 Eq. (11) with the T/E terms kept), written
    here independently: G_F^2 M Q_W^2 / (4 pi) (1 - M T/2E^2 - T/E + T^2/2E^2) F_Helm^2, with
    Q_W = N - (1 - 4 s_W^2) Z. MeV^-3."""
    M = iso.mass
    qw = iso.N - (1.0 - 4.0 * SIN2_W) * iso.Z
    kin = 1.0 - M * T / (2 * E**2) - T / E + T**2 / (2 * E**2)
    return (
        G_F**2
        * M
        * qw**2
        / (4 * np.pi)
        * max(kin, 0.0)
        * helm(np.sqrt(T**2 + 2 * M * T), iso.A) ** 2
    )


def e_min(T, M):
    return 0.5 * (T + np.sqrt(T**2 + 2 * M * T))


def t_max(E, M):
    return 2 * E**2 / (M + 2 * E)


def nuclei(material, mass_kg):
    return [
        (iso, AVOGADRO * mass_kg * 1000.0 / material.molar_mass_g * n)
        for iso, n in material.components
    ]


@pytest.fixture(scope="module")
def lar():
    return get_experiment("future-lar")


SPECTRUM = "huber-mueller"
HM = {"reactor_spectrum": SPECTRUM}
"""The paper 002 reference numbers below use the Huber-Mueller spectrum explicitly (BESTIOLE is the
library default; its own tests are in tests/test_reactor.py and at the end of this file)."""


@pytest.fixture(scope="module")
def conus():
    return get_experiment("future-conus", **HM)


def test_registered_as_shipped_specs(lar, conus):
    """Both are spec files (no Python class of their own), read into the projection form."""
    assert {"future-lar", "future-conus"} <= set(shipped_specs())
    assert "future-lar" in EXPERIMENTS and "future-conus" in EXPERIMENTS
    assert type(lar) is ProjectedExperiment and type(conus) is ProjectedExperiment
    assert (lar.name, conus.name) == ("future-lar", "future-conus")


def test_lar_sm_expectation_by_direct_integration(lar):
    """physics-notes: 610 kg Ar, 29 m, 8.2e23 POT, r = 0.08, 20-100 keV. Recomputed here with
    nested quad over the stopped-pion spectra of paper 002 Eq. (9); rel 1e-3 (quadratures)."""
    eta = 0.08 * 8.2e23 / (4 * np.pi * 2900.0**2) * MEV2_TO_CM2  # per MeV^-2
    e_prompt = (M_PI**2 - M_MU**2) / (2 * M_PI)
    phi_e = lambda E: 192 / M_MU * (E / M_MU) ** 2 * (0.5 - E / M_MU)  # noqa: E731
    phi_mubar = lambda E: 64 / M_MU * (E / M_MU) ** 2 * (0.75 - E / M_MU)  # noqa: E731
    lo, hi = 20e-3, 100e-3
    ((iso, n_targets),) = nuclei(get_material("Ar"), 610.0)

    def delayed(T):
        return quad(
            lambda E: (phi_e(E) + phi_mubar(E)) * cevns(E, T, iso), e_min(T, iso.mass), M_MU / 2
        )[0]

    prompt = quad(lambda T: cevns(e_prompt, T, iso), lo, min(hi, t_max(e_prompt, iso.mass)))[0]
    total = n_targets * eta * (prompt + quad(delayed, lo, hi, limit=100)[0])
    assert lar.sm_counts.sum() == pytest.approx(total, rel=1e-3)
    assert lar.n_bins == 40


@pytest.mark.parametrize("spectrum", ["huber-mueller", "bestiole2023"])
def test_conus_sm_expectation_by_direct_integration(spectrum):
    """physics-notes: 100 kg natural Ge (5 isotopes), 17 m from 3.9 GW, 5 years, 0.1-2 keV; the
    fluence R t sum f_i S_i / (4 pi L^2) is rebuilt here from the reactor spectrum per fission,
    up to its end (8 MeV Huber-Mueller, 12.5 MeV BESTIOLE). Nested quad per isotope; rel 1e-3."""
    conus = get_experiment("future-conus", reactor_spectrum=spectrum)
    end = reactor.SPECTRUM_RANGE[spectrum][1]
    seconds = 5 * 365.25 * 86400.0
    fissions = 3.9e9 / (reactor.mean_energy_per_fission() * 1.602176634e-13) * seconds
    per_area = fissions / (4 * np.pi * 1700.0**2) * MEV2_TO_CM2
    lo, hi = 0.1e-3, 2.0e-3
    total = 0.0
    for iso, n_targets in nuclei(get_material("Ge"), 100.0):
        top = min(hi, t_max(end, iso.mass))

        def rate(T, iso=iso):
            return quad(
                lambda E: reactor.spectrum_per_fission(E, None, spectrum) * cevns(E, T, iso),
                e_min(T, iso.mass),
                end,
                points=[2.0, 3.0, 8.0],
                limit=500,
                epsrel=1e-6,
            )[0]

        total += n_targets * per_area * quad(rate, lo, top, points=[0.2e-3, 0.5e-3], limit=100)[0]
    assert conus.sm_counts.sum() == pytest.approx(total, rel=1e-3)
    assert conus.n_bins == 19


@pytest.mark.parametrize("name", ["future-lar", "future-conus"])
def test_asimov_sm_chi2_is_zero(name):
    exp = get_experiment(name)
    fit = exp.likelihood.profile(exp.sm_counts)
    assert fit.chi2 == pytest.approx(0.0, abs=1e-12)
    assert exp.likelihood.names == ("alpha",)  # B_on = 0: no background pull
    assert fit.values["alpha"] == pytest.approx(0.0, abs=1e-12)
    assert exp.summary(exp.sm_counts)["chi2"] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("name", ["future-lar", "future-conus"])
def test_normalisation_pull_is_profiled(name):
    """Paper 002 Eq. (13) with B_on = 0 and N_th = (1 + x) N_SM: with y = (1 + x)(1 + alpha) - 1,
    chi^2 = S y^2 + (y - x)^2 / ((1 + x)^2 sigma_alpha^2), S = sum_i N_i^2 / sigma_i^2 and
    sigma_i^2 = N_i + 2 B_i; its minimum over y is x^2 S / (1 + (1 + x)^2 sigma_alpha^2 S)."""
    exp = get_experiment(name)
    x = 0.1
    S = np.sum(exp.sm_counts**2 / (exp.sm_counts + 2 * exp.background))
    expected = x**2 * S / (1 + (1 + x) ** 2 * exp.sigma_norm**2 * S)
    assert exp.chi2((1 + x) * exp.sm_counts) == pytest.approx(expected, rel=1e-9)


def test_backgrounds(lar, conus):
    """LAr: flat, total 1/4 of the SM expectation. CONUS: 1/(day keV kg) x 100 kg x 5 years x
    0.1 keV = 18262.5 counts per bin."""
    assert lar.background.sum() == pytest.approx(0.25 * lar.sm_counts.sum(), rel=1e-12)
    assert np.ptp(lar.background) == pytest.approx(0.0, abs=1e-9)
    assert conus.background == pytest.approx(np.full(19, 18262.5), rel=1e-12)
    assert conus.sigma == pytest.approx(np.sqrt(conus.sm_counts + 2 * conus.background))
    assert (lar.sigma_norm, conus.sigma_norm) == (0.175, 0.05)


def test_exposure_options_scale_the_expectation(lar):
    """Counts scale with mass x years / L^2."""
    other = get_experiment("future-lar", mass_kg=305.0, years=8.0, distance_m=58.0)
    assert other.sm_counts == pytest.approx(lar.sm_counts / 4, rel=1e-12)


def test_what_if_threshold_0_2_kev(conus):
    """Raising the CONUS threshold to 0.2 keV drops the first bin and leaves the others (rel
    1e-4: the spectrum's lower end moves, so the quadrature nodes move)."""
    high = get_experiment("future-conus", threshold_kev=0.2, **HM)
    assert high.n_bins == 18
    assert high.sm_counts == pytest.approx(conus.sm_counts[1:], rel=1e-4)
    assert high.bin_labels()[0] == "0.2-0.3 keV"


def test_conus_projection_barely_depends_on_the_spectrum_below_2_mev(conus):
    """Treatment below 2 MeV: compare with no antineutrinos at all below 2 MeV (the table's
    start). Only recoils below 2E^2/M = 0.12 keV can come from 1.8-2 MeV, so the first bin moves
    by 0.16% and the total by 0.08%; vector light-mediator bounds on g move by < 2% at 1-4 MeV
    (the signal strength g^4 by up to 6%, at 1 MeV). The continuation cannot be wrong by more
    than its whole contribution, so these bound the dependence on the choice
    (docs/physics-decisions.md)."""
    cut = get_experiment("future-conus", e_nu_min_mev=2.0, **HM)
    change = 1.0 - cut.sm_counts / conus.sm_counts
    assert 5e-4 < change[0] < 5e-3
    assert np.all(np.abs(change[1:]) < 1e-4)
    assert abs(1.0 - cut.sm_counts.sum() / conus.sm_counts.sum()) < 2e-3
    masses = {"m_chi": [1.0, 2.0, 4.0], "m_med": [1000.0] * 3}
    a = coupling_bound(conus, get_model("vector"), masses).bound
    b = coupling_bound(cut, get_model("vector"), masses).bound
    assert np.all(np.abs(b / a - 1.0) < 0.02)


def test_conus_vector_bounds_end_with_the_reactor_spectrum(conus):
    """Huber-Mueller antineutrinos end at 8 MeV, so nu N -> chi N needs m_chi < ~8 MeV: finite
    bounds below, none above (paper 002: CONUS loses sensitivity above ~10 MeV)."""
    m = np.array([1.0, 2.0, 4.0, 6.0, 7.5, 8.5, 12.0, 20.0])
    result = coupling_bound(conus, get_model("vector"), {"m_chi": m, "m_med": np.full(8, 1e3)})
    assert np.all(np.isfinite(result.bound[:5]))
    assert np.all(np.isnan(result.bound[5:]))
    assert result.bound[4] > result.bound[2]


def test_conus_bestiole_bounds_end_at_12_5_mev():
    """With the default BESTIOLE spectrum (zero above 12.5 MeV) the vector bounds exist up to
    m_chi = 12.4 MeV and stop above 12.5 MeV, where nu N -> chi N is closed; at 9 MeV, beyond the
    Huber-Mueller end, the bound is finite (paper 002 Fig. 3: CONUS sensitive to ~10 MeV)."""
    m = np.array([1.0, 9.0, 12.4, 12.6, 20.0])
    experiment = get_experiment("future-conus")
    result = coupling_bound(experiment, get_model("vector"), {"m_chi": m, "m_med": np.full(5, 1e3)})
    assert np.all(np.isfinite(result.bound[:3]))
    assert np.all(np.isnan(result.bound[3:]))
    assert result.bound[0] < result.bound[1] < result.bound[2]


def test_conus_vector_bound_below_1_mev_is_finite(conus):
    """Paper 002 Sec. IV: the CONUS vector bound weakens (but exists) below about 1 MeV."""
    masses = {"m_chi": [0.1, 1.0], "m_med": [1e3, 1e3]}
    bound = coupling_bound(conus, get_model("vector"), masses).bound
    assert np.isfinite(bound[0]) and bound[0] > bound[1]


def test_lar_vector_bounds_end_at_the_sns_kinematic_limit(lar):
    m = np.array([1.0, 30.0, 50.0, 53.0, 80.0])
    result = coupling_bound(lar, get_model("vector"), {"m_chi": m, "m_med": np.full(5, 1e3)})
    assert np.all(np.isfinite(result.bound[:3]))
    assert np.all(np.isnan(result.bound[3:]))


@pytest.mark.parametrize(
    ("factory", "kwargs", "match"),
    [
        ("future-lar", {"mass_kg": -1.0}, "mass_kg"),
        ("future-lar", {"years": 0.0}, "years"),
        ("future-lar", {"threshold_kev": 100.0}, "max_recoil_kev"),
        ("future-lar", {"bin_width_kev": 3.0}, "whole number"),
        ("future-lar", {"normalisation": -0.1}, "normalisation"),
        ("future-lar", {"fraction_of_sm": float("nan")}, "background"),
        ("future-conus", {"distance_m": 0.0}, "distance_m"),
        ("future-conus", {"thermal_power_gw": -3.9}, "thermal_power_gw"),
        ("future-conus", {"threshold_kev": 0.05, "bin_width_kev": 0.05, **HM}, "1.5 MeV"),
        ("future-conus", {"threshold_kev": 10.0, "max_recoil_kev": 12.0, **HM}, "8 MeV"),
        ("future-conus", {"threshold_kev": 20.0, "max_recoil_kev": 22.0}, "12.5 MeV"),
        ("future-conus", {"fission_fractions": {"U235": 0.9}}, "sum to 1"),
        ("future-conus", {"e_nu_min_mev": 1.0, **HM}, "e_min"),
        ("future-conus", {"reactor_spectrum": "huber"}, "bestiole2023"),
    ],
)
def test_bad_options(factory, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        get_experiment(factory, **kwargs)


def test_threshold_below_the_modelled_spectrum_can_be_accepted_explicitly():
    """0.05 keV in Ge needs antineutrinos down to 1.28 MeV; e_nu_min_mev = 1.5 accepts the cut."""
    exp = get_experiment(
        "future-conus", threshold_kev=0.05, bin_width_kev=0.05, e_nu_min_mev=1.5, **HM
    )
    assert exp.source.components[0].e_min == 1.5
    assert np.all(exp.sm_counts > 0)


def test_bins_without_signal_or_background_are_an_error():
    """Above T_max(8 MeV) ~ 1.96 keV in 70Ge there is no SM signal; without background those
    bins would have sigma = 0."""
    exp = get_experiment("future-conus", rate_per_kev_kg_day=0.0, max_recoil_kev=2.5, **HM)
    with pytest.raises(ParameterError, match="neither SM events nor background"):
        exp.chi2(exp.sm_counts)


def test_summary_keys(conus):
    out = conus.summary(conus.sm_counts * 1.02)
    assert set(out) >= {"bins", "observed", "steady_state_background", "chi2", "nuisances"}
    assert out["bins"][0] == "0.1-0.2 keV" and out["nuisances"]["alpha"] < 0
