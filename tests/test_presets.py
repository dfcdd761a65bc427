"""Coupling presets (issue 14): the charges of each preset, checked against the universal model
and the coherent charges written out here (paper 000 Eq. (24): Q_V = (2 c_u + c_d) Z +
(c_u + 2 c_d) N; universal Q_V = 3 A)."""

from __future__ import annotations

import numpy as np
import pytest

from upscatter.errors import ParameterError
from upscatter.experiments import get_experiment
from upscatter.fluxes import get_source
from upscatter.models import get_model
from upscatter.nuclei import get_material
from upscatter.presets import PRESETS, get_preset, load_preset, preset_model
from upscatter.rates import RecoilBins, binned_counts
from upscatter.units import keV

PARAMS = {"m_chi": np.array([1.0, 20.0]), "m_med": np.array([10.0, 100.0])}
SOURCE = get_source("sns")


def counts(model, material="CsI", electrons=False):
    response = RecoilBins(np.linspace(1.0, 40.0, 6) * keV)
    channels = model.channels(get_material(material), electrons=electrons)
    return binned_counts(channels, SOURCE, response, 10.0, PARAMS)  # (mass, comp, bins, 1)


def test_universal_equals_the_papers_model():
    np.testing.assert_array_equal(
        counts(preset_model("vector", "universal"), electrons=True),
        counts(get_model("vector"), electrons=True),
    )


@pytest.mark.parametrize(
    ("preset", "charge"),
    [("b-l", lambda Z, N: (Z + N) / 1.0), ("dark-photon", lambda Z, N: Z * 1.0)],
)
def test_nuclear_charges_of_gauge_presets(preset, charge):
    """Per isotope the rate is the universal one times (Q/3A)^2: B-L Q = A (c_q = 1/3), dark
    photon Q = Z (electric charge)."""
    material = get_material("Ar")  # one isotope
    (iso,) = material.isotopes
    ratio = counts(preset_model("vector", preset), "Ar") / counts(get_model("vector"), "Ar")
    expected = (charge(iso.Z, iso.N) / (3.0 * (iso.Z + iso.N))) ** 2
    np.testing.assert_allclose(ratio[np.isfinite(ratio)], expected, rtol=1e-12)


def test_single_flavour_presets_keep_only_their_flavour():
    """nu-mu: the SNS prompt nu_mu and delayed nubar_mu components unchanged, nu_e zero."""
    universal = counts(get_model("vector"))
    mu = counts(preset_model("vector", "nu-mu"))
    flavours = [c.flavour for c in SOURCE.components]
    for k, flavour in enumerate(flavours):
        if flavour.endswith("_mu"):
            np.testing.assert_array_equal(mu[:, k], universal[:, k])
        else:
            assert not mu[:, k].any()
    total = sum(counts(preset_model("vector", f"nu-{f}")) for f in ("e", "mu", "tau"))
    np.testing.assert_allclose(total, universal, rtol=1e-14)


def test_leptophobic_and_electrophilic_split_the_targets():
    """Leptophobic = the nuclear channels of the universal model; electrophilic = its electron
    channels (paper 003 Eqs. (10)-(11)) alone."""
    from upscatter.models import electron_channels

    nuclear = counts(get_model("vector"), electrons=False)
    np.testing.assert_array_equal(
        counts(preset_model("vector", "leptophobic"), electrons=True), nuclear
    )
    response = RecoilBins(np.linspace(1.0, 40.0, 6) * keV)
    electron = binned_counts(
        electron_channels("vector", get_material("CsI")), SOURCE, response, 10.0, PARAMS
    )
    np.testing.assert_allclose(
        counts(preset_model("vector", "electrophilic"), electrons=True), electron, rtol=1e-14
    )
    assert electron.any()


@pytest.mark.usefixtures("data_dir")
def test_bound_along_a_preset_scales_with_the_charge():
    """LAr 2020 (no electrons): the B-L rate is (1/3)^2 of the universal one at equal g, so the
    bound on g (rate ~ g^4) is sqrt(3) weaker; recorded in the model name."""
    from upscatter.scans import coupling_bound

    lar = get_experiment("coherent-lar-2020")
    masses = {"m_chi": [1.0], "m_med": [10.0]}
    universal = coupling_bound(lar, get_model("vector"), masses).bound[0]
    bl = coupling_bound(lar, preset_model("vector", "b-l"), masses)
    assert bl.bound[0] == pytest.approx(np.sqrt(3.0) * universal, rel=1e-5)
    assert bl.config["model"] == "vector[b-l]"


def test_user_preset_from_toml(tmp_path):
    path = tmp_path / "down.toml"
    path.write_text(
        'name = "down"\nneutrino = { mu = 1.0 }\nquarks = { u = 0.0, d = 1.0 }\nelectron = 0\n'
    )
    preset = load_preset(path)
    assert preset.neutrino == {"e": 0.0, "mu": 1.0, "tau": 0.0} and preset.quarks["u"] == 0.0
    assert get_preset(str(path)).name == "down"
    (tmp_path / "bad.toml").write_text("quarks = { c = 1.0 }\n")
    with pytest.raises(ParameterError, match="unknown quarks coupling c"):
        load_preset(tmp_path / "bad.toml")
    (tmp_path / "typo.toml").write_text("electrons = 1.0\n")
    with pytest.raises(ParameterError, match="unknown field electrons"):
        load_preset(tmp_path / "typo.toml")
    for text in ("", 'name = "empty"\ndescription = "forgot the couplings"\n'):
        (tmp_path / "empty.toml").write_text(text)
        with pytest.raises(ParameterError, match="sets no coupling"):
            load_preset(tmp_path / "empty.toml")


def test_preset_errors():
    with pytest.raises(ParameterError, match="is a vector model"):
        preset_model("scalar", "b-l")
    with pytest.raises(ParameterError, match="unknown coupling preset"):
        preset_model("vector", "nope")
    with pytest.raises(ParameterError, match="vector and scalar"):
        preset_model("eft", "universal")
    assert set(PRESETS) >= {
        "universal",
        "b-l",
        "dark-photon",
        "leptophobic",
        "electrophilic",
        "nu-e",
        "nu-mu",
        "nu-tau",
    }


@pytest.mark.usefixtures("data_dir")
def test_cli_preset(capsys):
    import json

    from upscatter.cli import main

    code = main(
        [
            "limits",
            "--experiment",
            "coherent-lar-2020",
            "--m-chi",
            "1",
            "--m-med",
            "10",
            "--preset",
            "b-l",
            "--json",
        ]
    )
    payload = json.loads(capsys.readouterr().out)
    assert code == 0 and payload["config"]["model"] == "vector[b-l]"
    code = main(["limits", "--model", "zprime", "--m-chi", "1", "--preset", "b-l"])
    err = capsys.readouterr().err
    assert code != 0 and "vector and scalar" in err and len(err.strip().splitlines()) == 1


@pytest.mark.usefixtures("data_dir")
def test_mu_flavour_at_csi2017_is_the_prompt_and_delayed_mu_components():
    """COHERENT CsI 2017: a stopped pi+ gives one prompt nu_mu (pi+ -> mu+ nu_mu, 26 ns) and,
    after the muon's 2.2 us, one nu_e and one nubar_mu, so the three components have equal
    fluence; the analysis weights each by its arrival-time fraction in the window. A nu_mu-only
    model's signal is then w_prompt N(nu_mu) + w_delayed N(nubar_mu) and its ratio to the
    universal model is that over the sum including w_delayed N(nu_e), per bin, with the
    components folded separately here (1e-12); the nu_e-only model is the rest."""
    csi = get_experiment("coherent-csi-2017")
    fluence = {c.flavour: c.fluence for c in csi.source.components}
    assert fluence["nu_mu"] == pytest.approx(fluence["nu_e"], rel=1e-12)
    assert fluence["nubar_mu"] == pytest.approx(fluence["nu_e"], rel=1e-12)
    params = {"m_chi": np.array([1.0, 20.0]), "m_med": np.array([10.0, 100.0])}
    universal = get_model("vector").channels(csi.material, form_factor=csi.form_factor)
    per_component = binned_counts(
        universal, csi.source, csi.response, csi.detector_mass_kg, params
    )[..., 0]  # (mass, component, bins)
    weights = csi.component_time_fractions
    flavours = [c.flavour for c in csi.source.components]
    mu = [k for k, f in enumerate(flavours) if f in ("nu_mu", "nubar_mu")]
    expected_mu = np.einsum("k,mkb->mb", weights[mu], per_component[:, mu])
    total = np.einsum("k,mkb->mb", weights, per_component)
    K_mu = csi.signal_basis(get_model("vector", "nu-mu"), params)[..., 0]
    K_e = csi.signal_basis(get_model("vector", "nu-e"), params)[..., 0]
    K = csi.signal_basis(get_model("vector"), params)[..., 0]
    np.testing.assert_allclose(K, total, rtol=1e-12)
    np.testing.assert_allclose(K_mu / K, expected_mu / total, rtol=1e-12)
    np.testing.assert_allclose(K_e + K_mu, K, rtol=1e-12)
    assert 0.3 < K_mu.sum() / K.sum() < 0.9  # both mu components, not all of the flux


@pytest.mark.usefixtures("data_dir")
def test_a_reactor_sees_nubar_e_only():
    """Reactor fission antineutrinos are nubar_e: the nu-e preset is the universal model there
    and a nu_mu- or nu_tau-only model has no signal (so no bound)."""
    from upscatter.scans import coupling_bound

    reactor = get_experiment("reactor-ge-example")
    assert {c.flavour for c in reactor.source.components} == {"nubar_e"}
    params = {"m_chi": np.array([0.05]), "m_med": np.array([1.0])}
    universal = reactor.signal_basis(get_model("vector"), params)
    np.testing.assert_array_equal(
        reactor.signal_basis(get_model("vector", "nu-e"), params), universal
    )
    assert universal.any()
    for preset in ("nu-mu", "nu-tau"):
        assert not reactor.signal_basis(get_model("vector", preset), params).any()
        assert np.isnan(coupling_bound(reactor, get_model("vector", preset), params).bound[0])


def _quark_counts(material, electrons=False):
    from upscatter.presets import quark_model

    return counts(quark_model("vector"), material, electrons)  # (mass, comp, bins, 4)


def test_quark_model_at_equal_couplings_is_the_universal_model():
    """g_u = g_d = g_el = g^2 (products of the two vertices) is paper 003's universal model,
    nuclear and electron channels alike (N ~ g^4), to 1e-12."""
    from upscatter.presets import quark_model

    g2 = 1.0
    K = _quark_counts("CsI", electrons=True)
    values = quark_model("vector").monomials_of({"g_u": g2, "g_d": g2, "g_el": g2})
    np.testing.assert_allclose(
        K @ values, counts(get_model("vector"), electrons=True)[..., 0], rtol=1e-12
    )


def test_quark_model_interference_gives_the_dark_photon_and_a_flat_direction():
    """The u-d interference term: (g_u, g_d) = (2/3, -1/3) is the dark photon's electric
    charge (Q_V = Z), and for one isotope (Ar40) g_u/g_d = -(Z + 2N)/(2Z + N) cancels the
    vector charge of paper 000 Eq. (24) exactly (1e-12 of the u-only rate)."""
    from upscatter.presets import quark_model

    model = quark_model("vector")
    K = _quark_counts("CsI")
    photon = K @ model.monomials_of({"g_u": 2 / 3, "g_d": -1 / 3})
    np.testing.assert_allclose(
        photon, counts(preset_model("vector", "dark-photon"))[..., 0], rtol=1e-12
    )
    (iso,) = get_material("Ar").isotopes
    K_ar = _quark_counts("Ar")
    flat = K_ar @ model.monomials_of({"g_u": -(iso.Z + 2 * iso.N), "g_d": 2 * iso.Z + iso.N})
    scale = K_ar[..., 0].max() * (iso.Z + 2 * iso.N) ** 2
    assert np.max(np.abs(flat)) < 1e-12 * scale and scale > 0


@pytest.mark.usefixtures("data_dir")
def test_down_quark_axis_is_paper_000s_tree_level_zprime():
    """On the axis g_u = g_el = 0 the quark model is the tree level of paper 000's down-philic
    Z' (x = g_chi g_q, N = N_SM + x^2 K_tree, Eq. (24) with g_u = 0): the same basis at
    CsI 2017 (1e-12), and the (g_u, g_d) region's g_d axis meets the tree-only Z' bound
    (1-dof threshold; 1e-4, as for the flavour region)."""
    from upscatter.presets import quark_model
    from upscatter.scans import coupling_bound, pair_region

    csi = get_experiment("coherent-csi-2017")
    scan = {"m_chi": [5.0], "m_med": [50.0]}
    K = csi.signal_basis(quark_model("vector"), scan)[0]
    tree = csi.signal_basis(get_model("zprime"), scan, loops=False)[0]
    np.testing.assert_allclose(K[:, 2], tree[:, 0], rtol=1e-12)
    bound = coupling_bound(csi, get_model("zprime"), scan, loops=False).bound[0]
    region = pair_region(
        csi,
        "vector",
        {"m_chi": 5.0, "m_med": 50.0},
        ("g_u", "g_d"),
        dof=1,
        n_points=41,
        extent=(2 * bound, 2 * bound),
    )
    assert region.config["model"] == "vector-quarks" and region.config["fixed"] == {"g_el": 0}
    column = region.delta_chi2[:, 20]  # g_u = 0
    delta = column - column[20:].min()
    i = 20 + int(np.nonzero(delta[20:] >= region.threshold)[0][0])
    crossing = np.interp(region.threshold, delta[i - 1 : i + 1], region.y[i - 1 : i + 1])
    assert crossing == pytest.approx(bound, rel=1e-4)
    # the cancellation direction g_u / g_d ~ -1.12 (Cs, I) is barely constrained
    pts = np.concatenate(region.boundary)
    assert np.max(np.abs(pts[:, 0] + pts[:, 1])) < 0.5 * np.max(np.abs(pts[:, 0] - pts[:, 1]))


@pytest.mark.parametrize(
    "build",
    [
        lambda: preset_model("vector", "nu-mu"),
        lambda: preset_model("vector", "dark-photon"),
        lambda: preset_model("scalar", "leptophobic"),
        lambda: __import__("upscatter.presets", fromlist=["x"]).flavour_model("vector"),
        lambda: __import__("upscatter.presets", fromlist=["x"]).quark_model("vector"),
    ],
)
def test_preset_channels_fold_the_same_in_closed_form_and_by_quadrature(build):
    """A preset re-weights or re-places the universal cross section per flavour; its 1/E
    coefficients (closed-form energy integral over the SNS Michel spectra) must be mapped the
    same way, so the closed form equals the quadrature of the mapped dsigma (1e-10, the closed
    form's agreement with quad in tests/test_rates.py)."""
    import dataclasses

    model = build()
    channels = model.channels(get_material("CsI"), electrons=True)
    assert any(c.energy_terms is not None for c in channels)
    quadrature = [dataclasses.replace(c, energy_terms=None) for c in channels]
    response = RecoilBins(np.linspace(1.0, 40.0, 6) * keV)
    closed = binned_counts(channels, SOURCE, response, 10.0, PARAMS)
    numeric = binned_counts(quadrature, SOURCE, response, 10.0, PARAMS)
    assert np.abs(closed).max() > 0
    np.testing.assert_allclose(closed, numeric, rtol=1e-10, atol=1e-12 * np.abs(numeric).max())


@pytest.mark.parametrize("material", ["CsI", "Ar", "Xe"])
@pytest.mark.parametrize(
    ("preset", "charge"),
    [("b-l", lambda Z, N: Z + N), ("dark-photon", lambda Z, N: Z)],
)
def test_gauge_preset_charges_per_isotope_by_hand(material, preset, charge):
    """Issue 14: per nucleus (Cs, I, every Ar and Xe isotope) the preset's cross section is the
    universal one (Q_V = 3A: u and d charges 1) times (Q/3A)^2 with Q = A for B-L (quark
    charge 1/3) and Q = Z for the dark photon (u 2/3, d -1/3: 2/3 (2Z + N) - 1/3 (Z + 2N) = Z),
    written here from Z and N."""
    mat = get_material(material)
    preset_channels = preset_model("vector", preset).channels(mat)
    universal_channels = get_model("vector").channels(mat)
    E, T = np.array([30.0]), np.array([0.01])
    for iso, p, u in zip(mat.isotopes, preset_channels, universal_channels, strict=True):
        args = dict(flavour="nu_mu", m_chi=np.array([1.0]), m_med=np.array([10.0]))
        ratio = p.dsigma(E, T, **args) / u.dsigma(E, T, **args)
        expected = (charge(iso.Z, iso.N) / (3.0 * (iso.Z + iso.N))) ** 2
        np.testing.assert_allclose(ratio, expected, rtol=1e-12)


def test_dark_photon_on_electrons_at_massless_chi_is_the_light_vector_formula():
    """Issue 14: the dark photon couples to the electron with its charge (c_e^2 = 1) and to the
    neutrino through g_chi only, so at m_chi -> 0 its nu e -> chi e cross section per atom is
    Z_eff(T) times the light-vector nu e formula (the SM formula with g_V -> g_nu g_e /
    (sqrt(2) G_F (m_V^2 + 2 m_e T)), no axial part; Bilmis et al., PRD 92 (2015) 033009),
    written here; 1e-6 (the 1e-4 MeV mass correction is below 1e-8)."""
    from upscatter.constants import G_FERMI, M_ELECTRON
    from upscatter.rates import ELECTRON
    from upscatter.xsec.electrons import z_eff

    mat = get_material("CsI")
    channels = preset_model("vector", "dark-photon").channels(mat, electrons=True)
    electron = [c for c in channels if c.recoil == ELECTRON]
    assert len(electron) == len(mat.isotopes)
    E, m_v = 40.0, 1.0
    T = np.geomspace(1.0, 30000.0, 30) * keV
    delta = 1 / (np.sqrt(2) * G_FERMI * (m_v**2 + 2 * M_ELECTRON * T))
    free = (
        G_FERMI**2
        * M_ELECTRON
        / (2 * np.pi)
        * delta**2
        * (1 + (1 - T / E) ** 2 - M_ELECTRON * T / E**2)
    )
    for iso, channel in zip(mat.isotopes, electron, strict=True):
        for flavour in ("nu_e", "nu_mu", "nubar_mu"):
            got = channel.dsigma(E, T, flavour, m_chi=1e-4, m_med=m_v)
            np.testing.assert_allclose(np.ravel(got), z_eff(iso, T) * free, rtol=1e-6)


@pytest.mark.parametrize("name", [None, 3])
def test_preset_of_the_wrong_type_is_a_parameter_error(name):
    """Session 7: os.fspath raised a TypeError."""
    with pytest.raises(ParameterError, match="preset must be"):
        get_preset(name)
    if name is not None:  # preset=None means no preset
        with pytest.raises(ParameterError, match="preset must be"):
            get_model("vector", preset=name)
