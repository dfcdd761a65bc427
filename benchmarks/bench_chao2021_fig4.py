"""Benchmark: the full four-panel Fig. 4 of paper 000 (bounds on g_chi g_q for case A/B and
m_Z' = 10, 2 m_chi over 81 masses from 0.1 MeV to 1 GeV, with the tree-only, loop-only and
coherent-twist-2 curves: 12 bound curves) on COHERENT CsI 2017, with the new batched bound
search and the folding engine of today, and with the old per-mass grid search
(:mod:`baseline_bounds`) and the engine before issue 18 (:mod:`_baseline_fold`) in the same
process; the speed-up is that of the bound searches, the whole-figure ratio that of both.
Issue 18 target: ``upscatter reproduce chao2021-fig4`` under 2 s.

Run by hand: ``UPSCATTER_DATA=../shared/data OMP_NUM_THREADS=1 python
benchmarks/bench_chao2021_fig4.py``.
"""

from __future__ import annotations

import time

import _baseline_fold
from baseline_bounds import agreement, old_bounds
from upscatter import scans
from upscatter.experiments import get_experiment
from upscatter.reproduce.chao2021 import FIG4_M_CHI, MASS_RATIOS, fig4_curves, fig4_variants


def timed_search(spent: list[float]):
    """Wrap :func:`upscatter.scans.bounds_from_basis` (what ``coupling_bound`` calls after the
    basis) so that the time of the bound searches adds up in ``spent``."""
    search = scans.bounds_from_basis

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return search(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start

    return wrapper


def run(experiment) -> tuple[dict, float, float]:
    """Fig. 4's curves, their total time and the time of their bound searches."""
    spent = [0.0]
    search, scans.bounds_from_basis = scans.bounds_from_basis, timed_search(spent)
    try:
        start = time.perf_counter()
        curves = fig4_curves(experiment)
        total = time.perf_counter() - start
    finally:
        scans.bounds_from_basis = search
    return curves, total, spent[0]


def main() -> None:
    experiment = get_experiment("coherent-csi-2017")
    experiment.chi2(experiment.sm_counts)  # load data and SM once, outside the timings
    n_curves = len(MASS_RATIOS) * sum(len(fig4_variants(case)) for case in ("A", "B"))
    fig4_curves(experiment, FIG4_M_CHI[:2])  # warm the caches
    new, t_new, s_new = run(experiment)
    with old_bounds(), _baseline_fold.old_engine():
        old, t_old, s_old = run(experiment)
    agree = max(agreement(new[key][label], old[key][label]) for key in new for label in new[key])
    print(f"Fig. 4: {n_curves} curves x {FIG4_M_CHI.size} masses = {n_curves * FIG4_M_CHI.size}")
    print(f"now (engine, search)   : {t_new:4.2f} s in all, {s_new:6.2f} s of bound search")
    print(f"before (engine, search): {t_old:4.2f} s in all, {s_old:6.2f} s of bound search")
    print(f"bounds agree to {agree:.1e}; whole figure {t_old / t_new:.1f}x")
    print(f"speed-up: {s_old / s_new:.1f}x")


if __name__ == "__main__":
    main()
