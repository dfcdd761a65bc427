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
