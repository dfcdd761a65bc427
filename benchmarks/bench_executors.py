"""Benchmark: one bound curve on each executor (serial, process pool, Dask LocalCluster).

Computes the same 60-point CsI 2021 vector bound curve (basis spectra and bounds) in this
process, on a process pool and on a Dask LocalCluster (one single-threaded worker per core),
checks that the three give identical bounds, and prints the wall time of each, the scaling of
each parallel executor against serial (the in-process baseline), and that of the fastest one on
the last line.
Run by hand: ``UPSCATTER_DATA=../shared/data python benchmarks/bench_executors.py``.
"""

from __future__ import annotations

import time

import numpy as np

from upscatter.executors import worker_count
from upscatter.experiments import get_experiment
from upscatter.models import get_model
from upscatter.scans import coupling_bound


def main() -> None:
    experiment = get_experiment("coherent-csi-2021")
    model = get_model("vector")
    masses = {"m_chi": np.full(60, 1.0), "m_med": np.geomspace(0.1, 1000.0, 60)}
    experiment.chi2(experiment.sm_counts)  # load the release files once, outside the timing
    times, results = {}, {}
    for executor in ("serial", "process", "dask"):
        start = time.perf_counter()
        results[executor] = coupling_bound(experiment, model, masses, executor=executor).bound
        times[executor] = time.perf_counter() - start
        print(f"{executor:>8}: {times[executor]:7.2f} s")
    for executor in ("process", "dask"):
        np.testing.assert_array_equal(results[executor], results["serial"])
    best = min(("process", "dask"), key=times.get)
    scaling = ", ".join(f"{e} {times['serial'] / times[e]:.1f}x" for e in ("process", "dask"))
    print(f"scaling against serial on {worker_count()} cores: {scaling}")
    print(f"cores: {worker_count()}; identical bounds on every executor; fastest parallel: {best}")
    print(f"speed-up: {times['serial'] / times[best]:.1f}x")


if __name__ == "__main__":
    main()
