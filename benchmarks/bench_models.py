"""Benchmark: an allowed region in (g_e, g_mu) on a 200 x 200 coupling grid from one basis
computation, against a 1-D bound curve of the same model and masses, and against the naive
region that re-folds the spectra at every grid point; all timed in this process.

Experiment COHERENT CsI 2017, vector mediator, m_chi = 1 MeV, m_V = 10 MeV (the region), and
the bound curve of the default ``upscatter limits`` request: 40 masses m_chi = 0.1-100 MeV
(log) with m_V = 10 m_chi, which contains the region's mass point. Issue 14 asks that the
region cost no more than 2x the curve. The naive region re-computes the basis (the spectrum
integrals) for each of its 40 000 points; it is timed on a few points and scaled, and checked to
give the same Delta chi^2 there.

``speed-up`` = (naive region time) / (region time from one basis).

Run by hand: ``UPSCATTER_DATA=../shared/data python benchmarks/bench_models.py``.
"""

from __future__ import annotations

import time

import numpy as np

from upscatter.experiments import get_experiment
from upscatter.models import get_model
from upscatter.presets import flavour_model
from upscatter.scans import coupling_bound, pair_region

N_GRID = 200
MASSES = {"m_chi": 1.0, "m_med": 10.0}


def main() -> None:
    experiment = get_experiment("coherent-csi-2017")
    experiment.chi2(experiment.sm_counts)  # load data and SM once, outside the timings
    model = flavour_model("vector")

    start = time.perf_counter()
    region = pair_region(experiment, "vector", MASSES, ("g_e", "g_mu"), n_points=N_GRID)
    t_region = time.perf_counter() - start

    m_chi = np.geomspace(0.1, 100.0, 40)
    start = time.perf_counter()
    coupling_bound(experiment, get_model("vector"), {"m_chi": m_chi, "m_med": 10 * m_chi})
    t_curve = time.perf_counter() - start

    # naive: the basis (spectrum integrals) again at every grid point
    rng = np.random.default_rng(0)
    picks = rng.integers(0, N_GRID, size=(20, 2))
    sm = experiment.sm_counts
    start = time.perf_counter()
    naive = []
    for i, j in picks:
        K = experiment.signal_basis(model, {k: [v] for k, v in MASSES.items()})[0]
        couplings = {"g_e": region.x[j], "g_mu": region.y[i]}
        naive.append(float(experiment.chi2(sm + K @ model.monomials_of(couplings))))
    t_naive = (time.perf_counter() - start) / len(picks) * N_GRID**2
    # Delta chi^2 differences between the picked points do not depend on the reference minimum
    grid = np.array([region.delta_chi2[i, j] for i, j in picks])
    agree = np.max(np.abs((np.array(naive) - naive[0]) - (grid - grid[0])))
    print(f"region {N_GRID}x{N_GRID} from one basis : {t_region:7.3f} s")
    print(
        f"1-D bound curve, 40 masses      : {t_curve:7.3f} s (region / curve = "
        f"{t_region / t_curve:.2f}; issue 14 asks <= 2)"
    )
    print(
        f"naive region (re-folding)       : {t_naive:7.1f} s (scaled from {len(picks)} points; "
        f"Delta chi^2 agree to {agree:.1e})"
    )
    print(f"speed-up: {t_naive / t_region:.1f}x")


if __name__ == "__main__":
    main()
