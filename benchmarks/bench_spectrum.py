"""Benchmark: binned new-physics spectrum on CsI for a batch of (m_chi, m_med) points.

Times the batched folding engine on 1000 mass points (vector mediator, all three SNS flavours,
both isotopes, 12 bins of 2 PE from 6 to 30 PE at 1.17 PE/keV) against the engine before issue
18 (energy quadrature at every recoil node and a dense response matrix, kept in
``_baseline_fold.py``) in the same process, checks that they agree to 1e-6, and does the same for
one 20-bin SM spectrum call; a nested scipy.integrate.quad on a few points checks accuracy.
Peak memory (tracemalloc) of both engines is printed too. The last line is the 1000-point
speed-up. Run by hand: ``python benchmarks/bench_spectrum.py``.
"""

from __future__ import annotations

import time
import timeit
import tracemalloc

import numpy as np

import _baseline_fold as baseline
from _nested_quad import nested_quad_counts
from upscatter.fluxes.stopped_pion import stopped_pion_source
from upscatter.models import get_model, sm_channels
from upscatter.nuclei import get_material
from upscatter.rates import RecoilBins, binned_counts
from upscatter.units import keV
from upscatter.xsec.mediators import vector_nucleus_dsigma_dT

CSI = get_material("CsI")
SOURCE = stopped_pion_source()
EDGES = np.arange(6.0, 31.0, 2.0) / 1.17 * keV
MASS_KG = 14.57


def quad_counts(m_chi: float, m_med: float) -> np.ndarray:
    """The baseline: nested scipy.integrate.quad per bin, isotope and flavour."""

    def xs(E, T, iso):
        return float(vector_nucleus_dsigma_dT(E, T, isotope=iso, m_chi=m_chi, m_med=m_med))

    return nested_quad_counts(xs, CSI, SOURCE, EDGES, MASS_KG, m_out=m_chi)


def peak_mib(function) -> float:
    """Peak traced memory (MiB) of one call."""
    tracemalloc.start()
    function()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def best_of(function, number: int, repeat: int = 5) -> float:
    """Fastest time per call (s) over ``repeat`` runs of ``number`` calls."""
    return min(timeit.repeat(function, number=number, repeat=repeat)) / number


def main() -> None:
    rng = np.random.default_rng(1)
    n = 1000
    params = {
        "m_chi": 10 ** rng.uniform(-1, np.log10(50), n),
        "m_med": 10 ** rng.uniform(-1, 3, n),
    }
    channels = get_model("vector").channels(CSI)
    response = RecoilBins(EDGES)

    def new():
        return binned_counts(channels, SOURCE, response, MASS_KG, params)

    def old():
        return baseline.binned_counts(channels, SOURCE, response, MASS_KG, params)

    fast, slow = new(), old()
    agree = float(np.max(np.abs(fast - slow)) / np.max(np.abs(slow)))
    t_fast, t_old = best_of(new, 1, 3) / n, best_of(old, 1, 3) / n

    sm = sm_channels(CSI)
    bins20 = RecoilBins(np.linspace(0.0, 50.0, 21) * keV)
    one_new = binned_counts(sm, SOURCE, bins20, MASS_KG)
    one_old = baseline.binned_counts(sm, SOURCE, bins20, MASS_KG)
    agree_one = float(np.max(np.abs(one_new - one_old) / np.maximum(one_old, 1e-300)))
    t_one = best_of(lambda: binned_counts(sm, SOURCE, bins20, MASS_KG), 20)
    t_one_old = best_of(lambda: baseline.binned_counts(sm, SOURCE, bins20, MASS_KG), 20)
    mem_new, mem_old = peak_mib(new), peak_mib(old)

    n_slow = 1
    start = time.perf_counter()
    exact = [quad_counts(params["m_chi"][i], params["m_med"][i]) for i in range(n_slow)]
    t_quad = (time.perf_counter() - start) / n_slow
    worst = max(
        np.max(np.abs(fast[i, :, :, 0].sum(axis=0) - exact[i]) / np.maximum(exact[i], 1e-300))
        for i in range(n_slow)
    )
    assert agree < 1e-6 and agree_one < 1e-6, (agree, agree_one)
    print(
        f"nested scipy quad     : {t_quad * 1e3:8.1f} ms per mass point (max rel. diff {worst:.1e})"
    )
    print(
        f"single 20-bin SM call : {t_one * 1e3:8.3f} ms (before: {t_one_old * 1e3:.3f} ms, "
        f"{t_one_old / t_one:.1f}x, agree to {agree_one:.1e})"
    )
    print(f"peak memory, {n} pts : {mem_new:8.1f} MiB (before: {mem_old:.1f} MiB)")
    print(f"engine before (18)    : {t_old * 1e3:8.3f} ms per mass point ({n} points)")
    print(f"engine now            : {t_fast * 1e3:8.3f} ms per mass point (agree to {agree:.1e})")
    print(f"speed-up: {t_old / t_fast:.1f}x")


if __name__ == "__main__":
    main()
