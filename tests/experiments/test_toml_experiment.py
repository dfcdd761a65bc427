"""User-written TOML experiments: the shipped examples, and one clear error per bad field."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from upscatter.cli import main
from upscatter.errors import ParameterError
from upscatter.experiments import get_experiment
from upscatter.experiments.toml_experiment import load_toml_experiment

pytestmark = pytest.mark.usefixtures("data_dir")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

REACTOR = """\
name = "test-ge"

[target]
material = "Ge"
mass_kg = 100.0

[source]
name = "reactor"
thermal_power_gw = 3.9
distance_m = 17.0

[exposure]
years = 5.0

[binning]
threshold_kev = 0.1
max_recoil_kev = 2.0
bin_width_kev = 0.1

[background]
rate_per_kev_kg_day = 1.0

[uncertainty]
normalisation = 0.05
"""


def write(tmp_path, text, name="exp.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("filename", "registered"),
    [("reactor_germanium.toml", "future-conus"), ("sns_argon.toml", "future-lar")],
)
def test_examples_reproduce_the_registered_projections(filename, registered):
    """The shipped examples carry the paper 002 parameters, so they must give the registered
    experiments' SM expectation, background and uncertainty exactly (rel 1e-12)."""
    ours = get_experiment(str(EXAMPLES / filename))
    reference = get_experiment(registered)
    assert ours.sm_counts == pytest.approx(reference.sm_counts, rel=1e-12)
    assert ours.background == pytest.approx(reference.background, rel=1e-12)
    assert ours.sigma_norm == reference.sigma_norm
    assert ours.chi2(ours.sm_counts) == pytest.approx(0.0, abs=1e-12)


def test_path_objects_and_default_name(tmp_path):
    path = write(tmp_path, REACTOR.replace('name = "test-ge"\n', ""), "my_ge.toml")
    exp = get_experiment(path)
    assert exp.name == "my_ge"
    assert get_experiment(str(path)).sm_counts == pytest.approx(exp.sm_counts)


def test_explicit_edges_equal_the_regular_binning(tmp_path):
    edges = ", ".join(f"{e:.1f}" for e in np.arange(0.1, 2.05, 0.1))
    text = REACTOR.replace(
        "threshold_kev = 0.1\nmax_recoil_kev = 2.0\nbin_width_kev = 0.1", f"edges_kev = [{edges}]"
    )
    regular = load_toml_experiment(write(tmp_path, REACTOR, "a.toml"))
    explicit = load_toml_experiment(write(tmp_path, text, "b.toml"))
    assert explicit.sm_counts == pytest.approx(regular.sm_counts, rel=1e-9)


def test_options_are_refused(tmp_path):
    with pytest.raises(ParameterError, match="set them in the file"):
        get_experiment(write(tmp_path, REACTOR), years=3)


@pytest.mark.parametrize(
    ("spectrum_line", "bound_at_9_mev"),
    [("", True), ('reactor_spectrum = "huber-mueller"\n', False)],
)
def test_cli_accepts_a_toml_file(tmp_path, capsys, spectrum_line, bound_at_9_mev):
    """The file's reactor spectrum reaches the bounds: BESTIOLE (default, to 12.5 MeV) bounds
    m_chi = 9 MeV, Huber-Mueller (ends at 8 MeV) cannot (paper 002 Fig. 3: CONUS to ~10 MeV)."""
    text = REACTOR.replace("distance_m = 17.0\n", "distance_m = 17.0\n" + spectrum_line)
    path = write(tmp_path, text)
    code = main(["limits", "--experiment", str(path), "--model", "vector", "--m-chi", "2,9",
                 "--m-med", "1000", "--json"])  # fmt: skip
    assert code == 0
    points = json.loads(capsys.readouterr().out)["points"]
    assert points[0]["bound"] > 0
    assert (points[1]["bound"] is not None) == bound_at_9_mev


BAD = [
    # (replace this, by that, the error must name)
    ("[target]\nmaterial", "[tar]\nmaterial", "tar"),
    ('material = "Ge"\n', "", "target.material"),
    ('material = "Ge"', 'material = "Pb"', "target.material"),
    ("mass_kg = 100.0", "", "target.mass_kg"),
    ("mass_kg = 100.0", 'mass_kg = "100"', "target.mass_kg"),
    ("mass_kg = 100.0", "mass_kg = true", "target.mass_kg"),
    ("mass_kg = 100.0", "mass = 100.0", "target.mass"),
    ("mass_kg = 100.0", 'mass_kg = 100.0\nform_factor = "gauss"', "target.form_factor"),
    ("distance_m = 17.0", 'distance_m = 17.0\nreactor_spectrum = "hm"', "source.reactor_spectrum"),
    ("distance_m = 17.0", "distance_m = 17.0\nreactor_spectrum = 1", "source.reactor_spectrum"),
    ("years = 5.0", "years = -5.0", "exposure.years"),
    ("years = 5.0", "years = 0", "exposure.years"),
    ("years = 5.0", "years = nan", "exposure.years"),
    ("[exposure]\nyears = 5.0\n", "", "exposure.years"),
    ('name = "reactor"', 'name = "pion"', "source.name"),
    ('name = "reactor"\n', "", "source.name"),
    ("thermal_power_gw = 3.9\n", "", "source.thermal_power_gw"),
    ("distance_m = 17.0", "distance_m = -17.0", "source.distance_m"),
    ("distance_m = 17.0", "distance_m = 17.0\npot_per_year = 1e23", "source.pot_per_year"),
    ("distance_m = 17.0", "distance_m = 17.0\nfission_fractions = 0.5", "source.fission_fractions"),
    ("distance_m = 17.0", "distance_m = 17.0\nfission_fractions = { U235 = 0.5 }", "[source]"),
    ("bin_width_kev = 0.1", "bin_width_kev = 0.3", "[binning]"),
    ("bin_width_kev = 0.1\n", "", "binning.bin_width_kev"),
    ("max_recoil_kev = 2.0", "max_recoil_kev = 0.05", "[binning]"),
    ("bin_width_kev = 0.1", "bin_width_kev = 0.1\nedges_kev = [0.1, 0.2]", "binning.edges_kev"),
    (
        "threshold_kev = 0.1\nmax_recoil_kev = 2.0\nbin_width_kev = 0.1",
        "edges_kev = [0.3, 0.2]",
        "binning.edges_kev",
    ),
    ("rate_per_kev_kg_day = 1.0", "rate_per_kev_kg_day = -1.0", "background.rate_per_kev_kg_day"),
    ("normalisation = 0.05", "normalisation = 0.0", "uncertainty.normalisation"),
    ("normalisation = 0.05", "normalization = 0.05", "uncertainty.normalization"),
    ('name = "test-ge"', "name = 3", "name"),
]


@pytest.mark.parametrize(("old", "new", "field"), BAD)
def test_bad_field_gives_one_line_naming_it(tmp_path, old, new, field):
    assert old in REACTOR
    path = write(tmp_path, REACTOR.replace(old, new, 1))
    with pytest.raises(ParameterError) as info:
        get_experiment(str(path))
    message = str(info.value)
    assert f"field {field} " in message and str(path) in message
    assert "\n" not in message


def test_unknown_source_lists_the_known_ones(tmp_path):
    path = write(tmp_path, REACTOR.replace('name = "reactor"', 'name = "pion"'))
    with pytest.raises(ParameterError, match="known: reactor, sns"):
        get_experiment(str(path))


def test_sns_source_requires_its_own_fields(tmp_path):
    text = REACTOR.replace('name = "reactor"\nthermal_power_gw = 3.9', 'name = "sns"')
    with pytest.raises(ParameterError, match=r"field source\.pot_per_year "):
        get_experiment(str(write(tmp_path, text)))


def test_missing_file_and_invalid_toml(tmp_path):
    with pytest.raises(ParameterError, match="not found"):
        get_experiment(str(tmp_path / "absent.toml"))
    with pytest.raises(ParameterError, match="not valid TOML"):
        get_experiment(str(write(tmp_path, "[target\nmaterial = Ge")))
