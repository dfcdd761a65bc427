"""Bad API input from issue 19 raises an upscatter error naming the argument."""

from __future__ import annotations

import pytest

from upscatter.errors import ParameterError
from upscatter.experiments.projection import recoil_edges
from upscatter.experiments.toml_experiment import load_toml_experiment


def test_tiny_bin_width_is_refused_before_allocating():
    with pytest.raises(ParameterError, match="bin_width_kev"):
        recoil_edges(1.0, 5.0, 1e-7)


def test_non_utf8_toml_is_a_parameter_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_bytes(b"name = '\xff\xfe'\n")
    with pytest.raises(ParameterError, match="not valid TOML"):
        load_toml_experiment(path)


def _vector(**overrides):
    from upscatter.nuclei import get_isotope
    from upscatter.xsec.mediators import vector_nucleus_dsigma_dT

    args = {"E": 30.0, "T": 0.01, "isotope": get_isotope("Cs133"), "m_chi": 1.0, "m_med": 10.0}
    args.update(overrides)
    return vector_nucleus_dsigma_dT(args.pop("E"), args.pop("T"), **args)


@pytest.mark.parametrize(
    ("overrides", "name"),
    [
        ({"m_chi": -1.0}, "m_chi"),
        ({"E": float("nan")}, "neutrino energy"),
        ({"E": float("inf")}, "neutrino energy"),
        ({"quark_couplings": {"s": 1}}, "quark_couplings"),
        ({"radius_scale": -1.0}, "radius_scale"),
        ({"radius_scale": 0.0}, "radius_scale"),
        ({"isotope": 133}, "isotope"),
    ],
)
def test_bad_cross_section_input_names_the_argument(overrides, name):
    with pytest.raises(ParameterError, match=name):
        _vector(**overrides)


def test_isotope_by_name_equals_isotope_object():
    """Names are accepted as in xsec/electrons.py: same value as passing the Isotope."""
    assert _vector(isotope="Cs133") == _vector()


def test_recoil_bins_reject_nan():
    from upscatter.rates import RecoilBins

    with pytest.raises(ParameterError, match="recoil bin edges"):
        RecoilBins([0.0, float("nan")])


def test_string_cl_is_a_parameter_error():
    from upscatter.stats.chi2 import delta_chi2_threshold

    with pytest.raises(ParameterError, match="cl"):
        delta_chi2_threshold("0.9")
