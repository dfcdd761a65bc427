"""Benchmark: a 100-point Z' bound curve on COHERENT CsI 2017 (paper 000, m_Z' = 10 m_chi)
through the coupling polynomial, the new batched bound search against the old per-mass grid
search (:mod:`baseline_bounds`) in the same process, on the same basis counts; and the signal
basis (tree, loop and interference entries for the 100 masses) against the folding engine
before issue 18 (:mod:`_baseline_fold`), and the whole curve against both baselines together.

Issue 18 target: the whole curve (basis and bounds) under 40 ms on this machine.

Run by hand: ``UPSCATTER_DATA=../shared/data OMP_NUM_THREADS=1 python benchmarks/bench_limits.py``.
"""

from __future__ import annotations

import time

import numpy as np

import _baseline_fold
from baseline_bounds import agreement, old_bounds
from upscatter.experiments import get_experiment
from upscatter.models import get_model
from upscatter.scans import bounds_from_basis, compute_basis, coupling_bound


def main() -> None:
    experiment = get_experiment("coherent-csi-2017")
    model = get_model("zprime")
    experiment.chi2(experiment.sm_counts)  # load data and SM once, outside the timings
    m_chi = np.geomspace(0.1, 50.0, 100)
    masses = {"m_chi": m_chi, "m_med": 10 * m_chi}
    coupling_bound(experiment, model, {k: v[:2] for k, v in masses.items()})  # warm caches
    t_curve = []
    for _ in range(3):  # the best of three: the machine is shared
        start = time.perf_counter()
        result = coupling_bound(experiment, model, masses)
        t_curve.append(time.perf_counter() - start)
    t_curve = min(t_curve)

    start = time.perf_counter()
    K = compute_basis(experiment, model, masses)
    t_basis = time.perf_counter() - start
    with _baseline_fold.old_engine():
        start = time.perf_counter()
        K_old = compute_basis(experiment, model, masses)
        t_basis_old = time.perf_counter() - start
        with old_bounds():
            start = time.perf_counter()
            coupling_bound(experiment, model, masses)
            t_curve_old = time.perf_counter() - start
    # relative to the largest count of each mass point and basis entry
    scale = np.maximum(np.abs(K_old).max(axis=1, keepdims=True), 1e-300)
    basis_agree = float(np.max(np.abs(K - K_old) / scale))
    start = time.perf_counter()
    new = bounds_from_basis(experiment, model, masses, K).bound
    t_new = time.perf_counter() - start
    with old_bounds():
        start = time.perf_counter()
        old = bounds_from_basis(experiment, model, masses, K).bound
        t_old = time.perf_counter() - start
    np.testing.assert_array_equal(new, result.bound)
    print(f"100-point curve, basis + bounds : {1e3 * t_curve:7.1f} ms (target < 40 ms)")
    print(f"  with both baselines           : {1e3 * t_curve_old:7.1f} ms (old engine, old search)")
    print(f"signal basis, engine now        : {1e3 * t_basis:7.1f} ms")
    print(f"signal basis, engine before 18  : {1e3 * t_basis_old:7.1f} ms")
    print(f"  {t_basis_old / t_basis:.1f}x, basis agrees to {basis_agree:.1e}")
    print(f"bound search, new (batched)     : {1e3 * t_new:7.1f} ms")
    print(f"bound search, old (per mass)    : {1e3 * t_old:7.1f} ms")
    print(f"bounds agree to {agreement(new, old):.1e}")
    print(f"speed-up: {t_old / t_new:.1f}x")


if __name__ == "__main__":
    main()
