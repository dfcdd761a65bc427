"""Benchmark: one paper 003 curve (30 m_V at m_chi = 0.1 MeV, 90% CL, 2 dof) for CsI 2021,
LAr 2020 and their combination, as ``upscatter reproduce candela2023`` computes it
(:func:`upscatter.reproduce.candela2023.curve_bounds`: each detector's basis once, three
bound searches), with the new batched bound search and with the old per-mass grid search
(:mod:`baseline_bounds`) in the same process. Issue 18 target: ``coherent-combined`` 30 masses
under 1 s.

Run by hand: ``UPSCATTER_DATA=../shared/data OMP_NUM_THREADS=1 python
benchmarks/bench_combined.py``.
"""

from __future__ import annotations

import time

import numpy as np

from baseline_bounds import agreement, old_bounds
from upscatter.models import get_model
from upscatter.reproduce.candela2023 import analyses, curve_bounds
from upscatter.scans import bounds_from_basis, compute_basis

MASSES = {"m_chi": np.full(30, 0.1), "m_med": np.geomspace(0.01, 1e4, 30)}


def main() -> None:
    combined = analyses()[2]
    combined.chi2(combined.sm_counts)  # load the release files once, outside the timings
    model = get_model("vector")
    K = compute_basis(combined, model, MASSES, electrons=True)
    start = time.perf_counter()
    bounds_from_basis(combined, model, MASSES, K, dof=2)
    t_combined = time.perf_counter() - start
    start = time.perf_counter()
    fast = curve_bounds("vector", MASSES)
    t_fast = time.perf_counter() - start
    with old_bounds():
        start = time.perf_counter()
        slow = curve_bounds("vector", MASSES)
        t_slow = time.perf_counter() - start
    agree = max(agreement(fast[key], slow[key]) for key in slow)
    print(f"coherent-combined alone, 30 masses (bound search): {t_combined:.2f} s (target < 1 s)")
    print(f"CsI + LAr + combined, new search : {t_fast:.2f} s")
    print(f"CsI + LAr + combined, old search : {t_slow:.2f} s")
    print(f"bounds agree to {agree:.1e}")
    print(f"speed-up: {t_slow / t_fast:.1f}x")


if __name__ == "__main__":
    main()
