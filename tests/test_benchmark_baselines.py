"""The benchmarks' in-process baselines stay runnable (they import private helpers of the
package, so a change there can break them unseen: CI runs the tests, not the benchmarks).

Every ``benchmarks/bench_*.py`` imports, and the old folding engine the spectrum and CsI 2021
benchmarks time against agrees with the engine on a small case. The two engines integrate the
same cross sections with different quadrature layouts; the benchmarks report agreement at
1e-13-1e-15, and the test allows 1e-10 of each basis entry's largest count.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

from upscatter.fluxes import get_source
from upscatter.models import get_model
from upscatter.nuclei import get_material
from upscatter.rates import RecoilBins, binned_counts

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module", autouse=True)
def benchmarks_on_path():
    sys.path.insert(0, str(BENCHMARKS))
    yield
    sys.path.remove(str(BENCHMARKS))


@pytest.mark.parametrize("name", sorted(p.stem for p in BENCHMARKS.glob("bench_*.py")))
def test_every_benchmark_imports(name):
    module = importlib.import_module(name)
    assert callable(module.main)


@pytest.mark.parametrize("model", ["vector", "zprime"])
def test_old_folding_engine_agrees_with_the_engine(model):
    baseline = importlib.import_module("_baseline_fold")
    channels = get_model(model).channels(get_material("CsI"))
    source, bins = get_source("sns"), RecoilBins(np.linspace(2e-3, 3e-2, 6))
    params = {"m_chi": np.array([0.5, 10.0]), "m_med": np.array([5.0, 60.0])}
    new = binned_counts(channels, source, bins, 14.6, params)
    old = baseline.binned_counts(channels, source, bins, 14.6, params)
    assert old.shape == new.shape
    for k in range(new.shape[-1]):  # basis entries differ by orders of magnitude
        scale = np.abs(new[..., k]).max()
        assert scale > 0
        np.testing.assert_allclose(old[..., k], new[..., k], rtol=0, atol=1e-10 * scale)
