"""Benchmark: a 100-point bound curve on COHERENT CsI 2017 through the coupling polynomial,
against the naive method that re-folds the spectrum for every trial coupling (same root finder,
same grid), timed in the same process on a few mass points.

Run by hand: ``UPSCATTER_DATA=../shared/data python benchmarks/bench_limits.py``.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.optimize import brentq

from upscatter.experiments import get_experiment
from upscatter.models import get_model
from upscatter.scans import coupling_bound
from upscatter.stats import delta_chi2_threshold


def naive_bound(experiment, model, m_chi: float, m_med: float) -> float:
    """Re-integrate the spectrum at every trial coupling (what the polynomial avoids)."""
    threshold = delta_chi2_threshold(0.9, 1)

    def chi2(g: float) -> float:
        K = experiment.signal_basis(model, {"m_chi": [m_chi], "m_med": [m_med]})[0]
        return float(experiment.chi2(experiment.sm_counts + K @ model.monomials(g)))

    grid = np.concatenate([[0.0], np.geomspace(1e-12, 1.0, 241)])
    values = np.array([chi2(g) for g in grid])
    best = int(np.argmin(values))
    hi = best + int(np.nonzero(values[best:] - values[best] >= threshold)[0][0])
    return brentq(lambda g: chi2(g) - values[best] - threshold, grid[hi - 1], grid[hi], rtol=1e-10)


def main() -> None:
    experiment = get_experiment("coherent-csi-2017")
    model = get_model("zprime")
    experiment.sm_counts  # noqa: B018 - load data and SM once, outside the timings
    m_chi = np.geomspace(0.1, 50.0, 100)
    start = time.perf_counter()
    result = coupling_bound(experiment, model, {"m_chi": m_chi, "m_med": 10 * m_chi})
    t_curve = time.perf_counter() - start

    n_naive = 2
    start = time.perf_counter()
    naive = [naive_bound(experiment, model, m, 10 * m) for m in m_chi[::50][:n_naive]]
    t_naive = (time.perf_counter() - start) / n_naive * m_chi.size
    agree = np.max(np.abs(np.array(naive) / result.bound[::50][:n_naive] - 1))
    print(f"polynomial method : {t_curve:7.3f} s for a 100-point bound curve")
    print(f"re-folding method : {t_naive:7.1f} s (extrapolated from {n_naive} points)")
    print(f"speed-up          : {t_naive / t_curve:7.0f}x (bounds agree to {agree:.1e})")


if __name__ == "__main__":
    main()
