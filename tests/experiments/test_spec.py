"""Spec-driven experiments (upscatter.experiments.spec): the shipped reactor Ge spec gives bounds,
its Lindhard-k nuisance moves the counts as the response says, and bad specs give one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from upscatter.cli import main
from upscatter.errors import ParameterError
from upscatter.experiments import EXPERIMENTS, get_experiment, shipped_specs
from upscatter.experiments.spec import SpecExperiment
from upscatter.response import Lindhard
from upscatter.units import keV

pytestmark = pytest.mark.usefixtures("data_dir")

SPEC = shipped_specs()["reactor-ge-example"]


@pytest.fixture(scope="module")
def ge(data_dir):
    return get_experiment("reactor-ge-example")


def test_registered_by_name(ge):
    assert "reactor-ge-example" in EXPERIMENTS
    assert isinstance(ge, SpecExperiment)
    assert ge.likelihood.names == ("signal_norm", "flat_norm", "lindhard_k")


def test_options_of_a_shipped_spec_replace_its_fields(ge):
    """Options set fields by name or dotted path: twice the live time doubles the SM counts
    and the background (exact up to rounding, 1e-12); bad options are one-line errors."""
    longer = get_experiment("reactor-ge-example", years=2.0)
    assert longer.sm_counts == pytest.approx(2 * ge.sm_counts, rel=1e-12)
    heavier = get_experiment("reactor-ge-example", **{"target.mass_kg": 6.0})
    assert heavier.backgrounds["flat"] == pytest.approx(2 * ge.backgrounds["flat"], rel=1e-12)
    wider = get_experiment("reactor-ge-example", normalisation=0.1, description="wider")
    assert wider.spec.description == "wider" and wider.parameters[0].sigma == 0.1
    with pytest.raises(ParameterError, match=r"field exposure\.years is invalid"):
        get_experiment("reactor-ge-example", years=-1.0)
    with pytest.raises(ParameterError, match="option 'colour' names no table"):
        get_experiment("reactor-ge-example", colour=1.0)


def test_fine_range_holds_every_detected_recoil(ge):
    """The fine true-recoil range 0.3-4 keV is wide enough: a recoil in the first or last fine
    bin reaches the analysis bins with probability below 1e-6 (E_ee = 0.044 and 0.82 keVee,
    4 and 5 resolution widths outside 0.2-0.6 keVee), while one at 2.2-2.6 keV (0.43-0.51
    keVee, efficiency 1) almost surely does (> 0.99)."""
    p = ge.nominal_matrix.sum(axis=1)
    centres = np.sqrt(ge.response.edges[1:] * ge.response.edges[:-1]) / keV
    assert p[0] < 1e-6 and p[-1] < 1e-6
    assert np.all(p[(centres > 2.2) & (centres < 2.6)] > 0.99)


def test_flat_background_is_rate_times_exposure(ge):
    """10 counts/(keVee kg day) x 3 kg x 365.25 days x 0.05 keVee = 547.875 per bin (exact)."""
    assert ge.backgrounds["flat"] == pytest.approx(np.full(8, 547.875), rel=1e-12)


def test_lindhard_k_moves_the_counts_as_the_response_says(ge):
    """The interpolated expected signal at k = 0.13 and 0.17 (between Chebyshev nodes) equals
    the SM prediction folded through the response rebuilt with that Lindhard k (11 nodes over
    0.157 +- 0.04: 1e-4 relative on the four bins holding 99.9% of the signal, 1e-4 counts
    elsewhere), and a larger k (more ionisation) gives more counts above threshold."""
    s = ge.sm_counts
    for k in (0.13, 0.17):
        moved = ge.expected(s, {"lindhard_k": k})["signal"]
        response = ge.detector_response().with_piece(quenching=Lindhard(k, 32))
        direct = s @ response.matrix(ge.response.edges)
        assert moved[:4] == pytest.approx(direct[:4], rel=1e-4)
        assert moved == pytest.approx(direct, abs=1e-4)
    low, high = (ge.expected(s, {"lindhard_k": k})["signal"].sum() for k in (0.13, 0.17))
    assert low < ge.expected(s)["signal"].sum() < high
    assert ge.expected(s)["signal"] == pytest.approx(ge.analysis_signal(s), rel=1e-10)


def test_asimov_variant_fits_to_zero(ge, tmp_path):
    """With observed = "asimov" the SM prediction has chi^2 = 0 at nominal nuisances (1e-9)."""
    text = SPEC.read_text()
    start = text.index("observed = [")
    end = text.index("\n", start)
    path = tmp_path / "asimov.toml"
    path.write_text(text[:start] + 'observed = "asimov"' + text[end:])
    asimov = get_experiment(str(path))
    fit = asimov.likelihood.profile(asimov.sm_counts)
    assert fit.chi2 == pytest.approx(0.0, abs=1e-9)
    assert fit.values["lindhard_k"] == pytest.approx(0.157, abs=1e-6)


def test_cli_gives_finite_bounds(capsys):
    """The command of the issue: finite positive bounds at every mediator mass, weaker for
    heavier mediators (the cross section falls as 1/m_med^4 above the momentum transfer)."""
    code = main(["limits", "--experiment", "reactor-ge-example", "--model", "vector",
                 "--m-chi", "1", "--m-med", "log:1:100:5", "--json"])  # fmt: skip
    assert code == 0
    bounds = [p["bound"] for p in json.loads(capsys.readouterr().out)["points"]]
    assert all(b is not None and np.isfinite(b) and b > 0 for b in bounds)
    assert bounds == sorted(bounds)


BAD = [
    # (replace this, by that, the error must name)
    ("mass_kg = 3.0", "mass_kg = -3.0", "target.mass_kg"),
    ('model = "lindhard"', 'model = "birks"', "response.quenching"),
    ('noise_kev = 0.035', 'noise_kev = -0.035', "response.resolution"),
    ("fine_bins = 150", "fine_bins = 0", "response.fine_bins"),
    ("true_recoil_kev = [0.3, 4.0]", "true_recoil_kev = [4.0, 0.3]", "response.true_recoil_kev"),
    ("bin_width_kev = 0.05", "bin_width_kev = 0.07", "[analysis]"),
    ("normalisation = 0.05", "normalisation = 0", "signal.normalisation"),
    ('shape = "flat"', 'shape = "exponential"', "backgrounds[0].shape"),
    ("rate_per_kev_kg_day = 10.0", "events = 3.0\nrate_per_kev_kg_day = 10.0",
     "backgrounds[0].rate_per_kev_kg_day"),
    ("rate_per_kev_kg_day = 10.0", "rate = 10.0", "backgrounds[0].rate"),
    ('parameter = "quenching.k"', 'parameter = "quenching.q"', "nuisances[0].parameter"),
    ("observed = [880, 891,", "observed = [891,", "data.observed"),
    ("sigma = 0.008", "sigma = 0.04", "nuisances[0].range"),
    ("sigma = 0.008", "sigma = 0.008\nrange = [0.16, 0.2]", "nuisances[0].range"),
    ("[signal]", "[signals]", "signals"),
    ("[exposure]\nyears = 1.0", "", "exposure.years"),  # a reactor needs its live time
]  # fmt: skip


def test_examples_are_specs_of_the_projection_form():
    """The TOML experiments of earlier versions read unchanged (tests/test_toml_experiment.py
    checks their numbers against future-conus and future-lar)."""
    examples = Path(__file__).resolve().parents[2] / "examples"
    for path in examples.glob("*.toml"):
        assert not isinstance(get_experiment(str(path)), SpecExperiment)


def test_perfect_detector_poisson_spec(tmp_path):
    """Without [response] the prediction is per analysis bin in nuclear recoil and the
    Poisson form applies: a flat background given as events is spread by bin width (exact)."""
    text = SPEC.read_text()
    start, end = text.index("[response]"), text.index("[analysis]")
    text = text[:start] + text[end:]
    text = text.replace("threshold_kev = 0.2\nmax_kev = 0.6\nbin_width_kev = 0.05",
                        "edges_kev = [1.0, 1.5, 2.5]")  # fmt: skip
    text = text.replace("rate_per_kev_kg_day = 10.0", "events = 30.0")
    start = text.index("[[nuisances]]")
    text = text[:start] + text[text.index("[data]") :]
    text = text.replace(text[text.index("observed = [") : text.index("]\ncomment") + 1],
                        'observed = "asimov"')  # fmt: skip
    path = tmp_path / "perfect.toml"
    path.write_text(text)
    exp = get_experiment(str(path))
    assert exp.n_bins == 2 and exp.analysis_labels() == ["1-1.5 keV", "1.5-2.5 keV"]
    assert exp.backgrounds["flat"] == pytest.approx([10.0, 20.0], rel=1e-12)
    assert exp.edges == pytest.approx(np.array([1.0, 1.5, 2.5]) * keV)
    assert exp.likelihood.profile(exp.sm_counts).chi2 == pytest.approx(0.0, abs=1e-9)


SOLAR = """\
name = "xe-solar"
[target]
material = "Xe"
mass_kg = 1000.0
[source]
name = "solar"
fluxes = ["B8"]
[exposure]
years = 1.0
[analysis]
edges_kev = [1.0, 2.0, 4.0]
[signal]
normalisation = 0.04
[data]
observed = "asimov"
"""


def test_solar_spec_equals_the_solar_source(tmp_path):
    """A solar spec on a perfect detector counts the SM CEvNS of the solar source it names:
    the 8B flux with the SNO NC normalisation over one year (binned_counts directly, 1e-12)."""
    from upscatter.fluxes.solar import solar_source
    from upscatter.models import sm_channels
    from upscatter.nuclei import get_material
    from upscatter.rates import RecoilBins, binned_counts
    from upscatter.units import year

    path = tmp_path / "solar.toml"
    path.write_text(SOLAR)
    exp = get_experiment(str(path))
    xe = get_material("Xe")
    direct = binned_counts(
        sm_channels(xe, "helm"),
        solar_source(("B8",), 1.0 * year),
        RecoilBins(np.array([1.0, 2.0, 4.0]) * keV),
        1000.0,
    )[0].sum(axis=0)
    assert exp.sm_counts == pytest.approx(direct, rel=1e-12)
    path.write_text(SOLAR.replace('fluxes = ["B8"]', 'fluxes = ["pp"]'))
    with pytest.raises(ParameterError, match=r"field source\.fluxes\[0\] "):
        get_experiment(str(path))


# --------------------------------------- photoelectrons, timing, release tables, Gaussian pulls
CSI = shipped_specs()["coherent-csi-2017"]

BAD_CSI = [
    # (replace this, by that, the error must name)
    ("pe_per_kev = 1.17", "pe_per_kev = -1.17", "photoelectrons.pe_per_kev"),
    ('model = "logistic"', 'model = "erf"', "photoelectrons.acceptance"),
    ("weights = [0.0, 0.5]", "weights = [0.0]", "photoelectrons.acceptance"),
    ("step_pe = 1.0", "step_pe = 1.5", "analysis.edges_pe"),
    ("edges_pe = [6, 8,", "edges_pe = [8, 6,", "analysis.edges_pe"),
    ("edges_pe = [6, 8,", "threshold_kev = 1.0\nedges_pe = [6, 8,", "analysis.edges_pe"),
    ("[photoelectrons]", "[photoelectron]", "photoelectron"),
    ("time_window_us = [0.0, 6.0]", "time_window_us = [0.0, 6.2]", "timing.time_window_us"),
    ("time_window_us = [0.0, 6.0]", "time_window_us = [0.0, 13.0]", "timing.time_window_us"),
    ("time_window_us = [0.0, 6.0]", "time_window_us = [0.0]", "timing.time_window_us"),
    ("profiles.prompt =", "profiles.early =", "timing.profiles.early"),
    ('{ file = "arrivalTimePDF_promptNeutrinos.txt", columns = ["time_us", "weight"] }',
     '{ file = "arrivalTimePDF_promptNeutrinos.txt", columns = ["-", "weight"] }',
     "timing.profiles.prompt.columns"),
    ('file = "arrivalTimePDF_promptNeutrinos.txt"', 'file = "nope.txt"',
     "timing.profiles.prompt.file"),
    ('columns = ["pe", "time_us", "weight"] }', 'columns = ["pe", "weight", "weight"] }',
     "backgrounds[0].table.columns"),
    ('columns = ["pe", "time_us", "weight"] }', 'columns = ["time_us", "weight"] }',
     "backgrounds[0].table.columns"),
    ('columns = ["pe", "time_us", "weight"] }', 'columns = ["pe", "t", "weight"] }',
     "backgrounds[0].table.columns[1]"),
    ("subtracted = true", "subtracted = true\nnormalisation = 0.1",
     "backgrounds[0].normalisation"),
    ("normalisation = 0.25", "", "backgrounds[1].normalisation"),
    ("per_beam_gwh = true", "per_beam_gwh = true\ncolour = 1", "backgrounds[1].colour"),
    ("per_beam_gwh = true", "per_beam_gwh = 1", "backgrounds[1].per_beam_gwh"),
    ('parameter = "beta"', 'parameter = "alpha"', "signal.parameter"),
    ('shape = "table"\ntable = { file = "promptPDF.txt"',
     'shape = "flat"\ntable = { file = "promptPDF.txt"', "backgrounds[1].table"),
    ("beam_energy_gwh = 7.47594", "years = 1.0", "exposure.beam_energy_gwh"),
    ("pot = 1.76e23", "pot_per_year = 1.76e23", "exposure.years"),
    ("pot = 1.76e23", "pot = 1.76e23\npot_per_year = 1e23", "source.pot"),
    ("pot = 1.76e23", "", "source.pot_per_year"),
    ('dataset = "coherent_csi_2017"', 'dataset = "coherent_csi_2099"', "data.dataset"),
    ('dataset = "coherent_csi_2017"', "", "data.observed.dataset"),
    ('form = "gaussian-pull"', 'form = "gauss"', "likelihood.form"),
    ('form = "gaussian-pull"', 'form = "poisson"', "likelihood.sigma2"),
    ('form = "gaussian-pull"\nsigma2 = { observed = 1.0, subtracted = 2.0, backgrounds = 1.0 }',
     'form = "poisson"', "backgrounds[0].subtracted"),
    ("sigma2 = { observed = 1.0", "sigma2 = { observed = -1.0", "likelihood.sigma2.observed"),
]  # fmt: skip


LAR = shipped_specs()["coherent-lar-2020"]
COLUMNS = 'columns = ["energy_kevee", "-", "time_us", "weight"]'

BAD_LAR = [
    # (replace this, by that, the error must name)
    ("pulse_width_us = 0.15", "pulse_width_us = -0.15", "timing.pulse_width_us"),
    ("pulse_mean_us = 0.44", "", "timing.pulse_mean_us"),
    ("bins_us = [-0.1, 0.4,", "bins_us = [0.4, -0.1,", "timing.bins_us"),
    ("pulse_mean_us = 0.44", "pulse_mean_us = 0.44\ntime_window_us = [0.0, 6.0]",
     "timing.time_window_us"),
    ('{ model = "linear", factor = 0.246, slope_per_kev = 7.8e-4 }',
     '{ model = "lindhard", k = 0.157, Z = 18 }', "smearing.quenching"),
    ("stochastic = 0.58", "stochastic = -0.58", "smearing.resolution"),
    ("efficiency_step_kev = 0.5", "", "smearing.efficiency_step_kev"),
    ('columns = ["energy_kevee", "-", "weight"]', 'columns = ["-", "-", "weight"]',
     "smearing.efficiency.columns"),
    ('\nshape_convention = "paper"', '\nshape_convention = "linear"',
     "likelihood.shape_convention"),
    ("sigma2 = 0.2", "sigma2 = -0.2", "backgrounds[0].sigma2"),
    ('template = { file = "Data/cevnspdf.txt", ' + COLUMNS + " }", "", "signal.template"),
    ('parameter = "beta_5"', 'parameter = "beta_4"', "signal.parameter"),
    ("edges_kev = [0, 10,", "edges_pe = [0, 10,", "analysis.edges_pe"),
    ('observed = { file = "Data/datanobkgsub.txt", columns = ["energy_kevee"',
     'observed = { file = "Data/datanobkgsub.txt", columns = ["pe"', "data.observed.columns"),
    ('table = { file = "Data/delbrnpdf.txt", ' + COLUMNS,
     'table = { file = "Data/delbrnpdf.txt", columns = ["energy_kevee", "-", "-", "weight"]',
     "backgrounds[2].table.columns"),
    ('plus = { file = "Data/SystErrors/brnpdfBRNTimingWidthSyst.txt"',
     'plus = { file = "Data/SystErrors/nope.txt"', "backgrounds[1].shapes[2].plus.file"),
    ("[smearing]", "[photoelectrons]\npe_per_kev = 1.0\nacceptance = { model = \"logistic\", "
     "plateau = 1.0, slope_per_pe = 1.0, midpoint_pe = 0.0 }\n[smearing]", "[smearing]"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("spec", "old", "new", "field"),
    [(SPEC, *case) for case in BAD]
    + [(CSI, *case) for case in BAD_CSI]
    + [(LAR, *case) for case in BAD_LAR],
)
def test_bad_spec_gives_one_line_naming_the_field(tmp_path, spec, old, new, field):
    text = spec.read_text()
    assert old in text
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ParameterError) as info:
        get_experiment(str(path))
    message = str(info.value)
    assert f"field {field} " in message and str(path) in message
    assert "\n" not in message


def test_photoelectron_spec_parses_into_its_pieces():
    """The shipped CsI 2017 spec: a SteppedPEResponse of 1.17 PE/keV with the acceptance piece,
    twelve 2-PE bins from 6 to 30 PE (labels), the window from [timing], the named pulls."""
    from upscatter.experiments.spec import ReleaseTable, read_spec
    from upscatter.response import LogisticPEAcceptance, SteppedPEResponse

    spec = read_spec(CSI)
    assert spec.timing.time_window_us == [0.0, 6.0]
    assert isinstance(spec.data.observed, ReleaseTable)
    assert [b.subtracted for b in spec.backgrounds] == [True, False]
    csi = get_experiment("coherent-csi-2017")
    assert isinstance(csi.response, SteppedPEResponse) and csi.response.pe_per_kev == 1.17
    assert csi.response.acceptance == LogisticPEAcceptance(
        0.6655, 0.4942, 10.8507, (5.0, 6.0), (0.0, 0.5)
    )
    assert csi.bin_labels() == [f"{e}-{e + 2} PE" for e in range(6, 30, 2)]
    assert csi.likelihood.names == ("alpha", "beta")
    assert csi.time_window_us == (0.0, 6.0)
    wide = get_experiment("coherent-csi-2017", **{"timing.time_window_us": [0.0, 12.0]})
    assert wide.time_window_us == (0.0, 12.0)


def test_unknown_option_lists_the_options_of_the_spec():
    with pytest.raises(ParameterError, match=r"time_window_us=\(0\.0, 6\.0\).*form='gaussian"):
        get_experiment("coherent-csi-2017", colour=1)


GAUSSIAN = """\
name = "pe-toy"
[target]
material = "CsI"
mass_kg = 1.0
[source]
name = "sns"
distance_m = 20.0
pot = 1e23
[exposure]
beam_energy_gwh = 1.0
[photoelectrons]
pe_per_kev = 1.0
acceptance = { model = "logistic", plateau = 1.0, slope_per_pe = 1.0, midpoint_pe = 0.0 }
[analysis]
edges_pe = [10, 20, 40]
[signal]
normalisation = 0.28
[[backgrounds]]
name = "measured"
shape = "template"
counts = [4.0, 6.0]
subtracted = true
[[backgrounds]]
name = "neutrons"
shape = "template"
counts = [2.0, 3.0]
normalisation = 0.25
[data]
observed = [24.0, 36.0]
[likelihood]
form = "gaussian-pull"
"""


def test_gaussian_pull_form_is_paper_000_eq_34(tmp_path):
    """N_meas = observed - subtracted = (20, 30); sigma^2 = N_meas + 2 B_sub + B = (30, 45)
    (the default rule); chi^2 of a prediction S = (10, 15) is the minimum over alpha, beta of
    paper 000 Eq. (34), found here by scipy (1e-8); without a modelled background the only
    pull is on the signal."""
    from scipy.optimize import minimize

    path = tmp_path / "toy.toml"
    path.write_text(GAUSSIAN)
    toy = get_experiment(str(path))
    assert toy.observed == pytest.approx([20.0, 30.0], rel=1e-15)
    assert toy.likelihood.sigma**2 == pytest.approx([30.0, 45.0], rel=1e-12)
    s, b = np.array([10.0, 15.0]), np.array([2.0, 3.0])

    def chi2(p):
        model = s * (1 + p[0]) + b * (1 + p[1])
        return (
            np.sum((toy.observed - model) ** 2 / np.array([30.0, 45.0]))
            + (p[0] / 0.28) ** 2
            + (p[1] / 0.25) ** 2
        )

    best = minimize(
        chi2, [0.0, 0.0], method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12}
    )
    fit = toy.likelihood.profile(s)
    assert fit.chi2 == pytest.approx(best.fun, abs=1e-8)
    assert [fit.values["signal_norm"], fit.values["neutrons_norm"]] == pytest.approx(
        best.x, abs=1e-5
    )
    summary = toy.summary(s)
    assert list(summary) == ["bins", "observed", "measured_background", "neutrons_background",
                             "sigma_stat", "chi2", "nuisances"]  # fmt: skip
    lone = tmp_path / "lone.toml"
    lone.write_text(
        GAUSSIAN[: GAUSSIAN.index('[[backgrounds]]\nname = "neutrons"')]
        + GAUSSIAN[GAUSSIAN.index("[data]") :]
    )
    assert get_experiment(str(lone)).likelihood.names == ("signal_norm",)


def test_binned_timing_and_smearing_spec_parses_into_its_pieces():
    """The shipped LAr 2020 spec: the in-integral QuenchedGaussianResponse of linear quenching
    0.246 + 7.8e-4 T/keV and sigma = 0.58 sqrt(E keVee) (its value at 4 keVee: 1.16 keVee,
    exact), 12 x 10 energy x time bins energy-major, no electron channel, the nine pulls of
    paper 003 Eq. (23) in order; the symmetric convention halves the difference of a +-1 pair
    (1e-12) and leaves one-sided shapes alone."""
    from upscatter.response import GaussianResolution, LinearQuenching, QuenchedGaussianResponse

    lar = get_experiment("coherent-lar-2020")
    assert isinstance(lar.response, QuenchedGaussianResponse)
    assert lar.response.quenching == LinearQuenching(0.246, 7.8e-4)
    assert lar.response.resolution == GaussianResolution(stochastic=0.58)
    assert lar.response.resolution(4.0 * keV) == pytest.approx(1.16 * keV, rel=1e-12)
    labels = lar.bin_labels()
    assert len(labels) == 120 and labels[0] == "0-10 keVee, -0.1-0.4 us"
    assert labels[10] == "10-20 keVee, -0.1-0.4 us"
    assert not lar.electron_channel
    assert lar.likelihood.names == tuple(f"beta_{k}" for k in range(9))
    symmetric = get_experiment("coherent-lar-2020", shape_convention="symmetric")
    paper, sym = lar.likelihood.relative, symmetric.likelihood.relative
    assert sym[2] == pytest.approx(paper[2], rel=1e-12)  # one-sided: CEvNS timing mean
    assert not np.allclose(sym[1], paper[1])
    assert lar.summary(lar.sm_counts)["shape_convention"] == "paper"
