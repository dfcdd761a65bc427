"""Benchmark: a 100-point m_chi bound curve for XENONnT 8B (vector mediator, m_med = 10 m_chi),
all three science runs, the yield nuisances tly, tqy, the 8B flux and nine background
normalisations profiled at every chi^2.

The fast path is :func:`upscatter.scans.coupling_bound` with the likelihood's batched
Gauss-Newton profile. The baseline profiles every chi^2 with MIGRAD (iminuit, analytic gradient)
instead, on every 20th mass point (its time per point is what is compared); both give the same
bounds within the minimisers' tolerance. Release files are read before the timings.

Run by hand: ``UPSCATTER_DATA=../shared/data python benchmarks/bench_xenonnt.py``.
"""

from __future__ import annotations

import time

import numpy as np

from upscatter.experiments.xenonnt_b8 import XenonntB8
from upscatter.models import get_model
from upscatter.scans import coupling_bound

M_CHI = np.geomspace(0.1, 16.0, 100)
MASSES = {"m_chi": M_CHI, "m_med": 10.0 * M_CHI}


class MigradXenonnt(XenonntB8):
    """The same analysis with every profile done by MIGRAD."""

    def chi2(self, predicted):
        return self.likelihood.profile(predicted, method="migrad").chi2


def main() -> None:
    model = get_model("vector")
    fast_experiment, slow_experiment = XenonntB8(), MigradXenonnt()
    _ = fast_experiment.sm_counts, slow_experiment.sm_counts
    start = time.perf_counter()
    fast = coupling_bound(fast_experiment, model, MASSES).bound
    t_fast = time.perf_counter() - start
    subset = {k: v[::20] for k, v in MASSES.items()}
    start = time.perf_counter()
    slow = coupling_bound(slow_experiment, model, subset).bound
    t_slow = (time.perf_counter() - start) * len(M_CHI) / len(subset["m_chi"])
    np.testing.assert_allclose(fast[::20], slow, rtol=2e-2)
    print(f"100-point curve, Gauss-Newton profile: {t_fast:.2f} s")
    print(f"MIGRAD profile (5 points, scaled to 100): {t_slow:.2f} s")
    print(f"speed-up: {t_slow / t_fast:.1f}x")


if __name__ == "__main__":
    main()
