"""Benchmark: one paper 003 curve for CsI 2021, LAr 2020 and their combination.

``upscatter reproduce candela2023`` computes the basis counts of each detector once per curve and
takes the CsI, LAr and combined bounds from them (:func:`upscatter.scans.bounds_from_basis`). The
baseline calls :func:`upscatter.scans.coupling_bound` for each of the three analyses, which
folds the CsI spectra twice (alone and in the combination). Both give identical bounds; the
ratio shows what sharing the basis saves. The time left is the profiled chi^2 of the bound
search, which dominates.

Run by hand: ``UPSCATTER_DATA=../shared/data python benchmarks/bench_combined.py``.
"""

from __future__ import annotations

import time

import numpy as np

from upscatter.experiments import get_experiment
from upscatter.models import get_model
from upscatter.reproduce.candela2023 import analyses, curve_bounds
from upscatter.scans import coupling_bound

MASSES = {"m_chi": np.full(30, 0.1), "m_med": np.geomspace(0.01, 1e4, 30)}


def baseline(model_name: str) -> dict[str, np.ndarray]:
    csi, lar, _ = analyses()
    model = get_model(model_name)
    combined = get_experiment("coherent-combined")
    return {
        "CsI": coupling_bound(csi, model, MASSES, dof=2, electrons=True).bound,
        "LAr": coupling_bound(lar, model, MASSES, dof=2).bound,
        "CsI+LAr": coupling_bound(combined, model, MASSES, dof=2, electrons=True).bound,
    }


def main() -> None:
    analyses()  # load the release files once, outside the timings
    for model in ("vector", "scalar"):
        start = time.perf_counter()
        slow = baseline(model)
        t_slow = time.perf_counter() - start
        start = time.perf_counter()
        fast = curve_bounds(model, MASSES)
        t_fast = time.perf_counter() - start
        for key, value in slow.items():
            np.testing.assert_allclose(fast[key], value, rtol=1e-9)
        print(
            f"{model}: 30-point curve, CsI + LAr + combined: shared basis {t_fast:.2f} s, "
            f"separate coupling_bound calls {t_slow:.2f} s, ratio {t_slow / t_fast:.2f}"
        )


if __name__ == "__main__":
    main()
