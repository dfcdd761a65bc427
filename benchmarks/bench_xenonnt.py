"""Benchmark: a 100-point m_chi bound curve for XENONnT 8B (vector mediator, m_med = 10 m_chi),
all three science runs, the yield nuisances tly, tqy, the 8B flux and the background
normalisations profiled at every chi^2 by the likelihood's batched Gauss-Newton.

New: :func:`upscatter.scans.coupling_bound` with the batched, warm-started bound search. The
baseline is the old per-mass grid search (:mod:`baseline_bounds`, 10 points per decade of the
coupling, brentq) on every 20th mass point with the same basis counts, scaled to 100.
Issue 16 target: the curve in under 5 s here. Release files are read before the timings.

Run by hand: ``UPSCATTER_DATA=../shared/data OMP_NUM_THREADS=1 python benchmarks/bench_xenonnt.py``.
"""

from __future__ import annotations

import time

import numpy as np

from baseline_bounds import agreement, old_bounds
from upscatter.experiments.xenonnt_b8 import XenonntB8
from upscatter.models import get_model
from upscatter.scans import bounds_from_basis, compute_basis, coupling_bound

M_CHI = np.geomspace(0.1, 16.0, 100)
MASSES = {"m_chi": M_CHI, "m_med": 10.0 * M_CHI}


def main() -> None:
    model = get_model("vector")
    experiment = XenonntB8()
    experiment.chi2(experiment.sm_counts)
    start = time.perf_counter()
    fast = coupling_bound(experiment, model, MASSES).bound
    t_fast = time.perf_counter() - start
    subset = {k: v[::20] for k, v in MASSES.items()}
    K = compute_basis(experiment, model, subset)
    start = time.perf_counter()
    new_subset = bounds_from_basis(experiment, model, subset, K).bound
    t_new_subset = time.perf_counter() - start
    with old_bounds():
        start = time.perf_counter()
        slow = bounds_from_basis(experiment, model, subset, K).bound
        t_slow = time.perf_counter() - start
    np.testing.assert_array_equal(new_subset, fast[::20])
    print(f"100-point curve, basis + batched search : {t_fast:.2f} s (target < 5 s)")
    print(f"5 masses: batched search {t_new_subset:.2f} s, old search {t_slow:.2f} s")
    print(f"bounds agree to {agreement(fast[::20], slow):.1e}")
    # the old search's time per mass against the new one's on the full curve (which also
    # computes the basis of 100 masses)
    print(f"speed-up: {t_slow * len(M_CHI) / len(subset['m_chi']) / t_fast:.1f}x")


if __name__ == "__main__":
    main()
