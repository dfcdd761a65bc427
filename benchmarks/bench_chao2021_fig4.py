"""Benchmark: the full four-panel Fig. 4 of paper 000 (bounds on g_chi g_q for case A/B and
m_Z' = 10, 2 m_chi over 81 masses from 0.1 MeV to 1 GeV, with the tree-only, loop-only and
coherent-twist-2 curves: 12 bound curves) on COHERENT CsI 2017, with the new batched bound
search and with the old per-mass grid search (:mod:`baseline_bounds`) in the same process.
Issue 18 target: ``upscatter reproduce chao2021-fig4`` under 2 s.

Run by hand: ``UPSCATTER_DATA=../shared/data OMP_NUM_THREADS=1 python
benchmarks/bench_chao2021_fig4.py``.
"""

from __future__ import annotations

import time

from baseline_bounds import agreement, old_bounds
from upscatter.experiments import get_experiment
from upscatter.reproduce.chao2021 import FIG4_M_CHI, MASS_RATIOS, fig4_curves, fig4_variants


def main() -> None:
    experiment = get_experiment("coherent-csi-2017")
    experiment.chi2(experiment.sm_counts)  # load data and SM once, outside the timings
    n_curves = len(MASS_RATIOS) * sum(len(fig4_variants(case)) for case in ("A", "B"))
    fig4_curves(experiment, FIG4_M_CHI[:2])  # warm the caches
    start = time.perf_counter()
    new = fig4_curves(experiment)
    t_new = time.perf_counter() - start
    with old_bounds():
        start = time.perf_counter()
        old = fig4_curves(experiment)
        t_old = time.perf_counter() - start
    agree = max(agreement(new[key][label], old[key][label]) for key in new for label in new[key])
    print(f"Fig. 4: {n_curves} curves x {FIG4_M_CHI.size} masses = {n_curves * FIG4_M_CHI.size}")
    print(f"new batched search  : {t_new:7.2f} s (basis included)")
    print(f"old per-mass search : {t_old:7.2f} s (same basis work)")
    print(f"bounds agree to {agree:.1e}")
    print(f"speed-up: {t_old / t_new:.1f}x")


if __name__ == "__main__":
    main()
