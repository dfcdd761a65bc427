"""Benchmark: binned new-physics spectrum on CsI for a batch of (m_chi, m_med) points.

Times the batched folding engine on 1000 mass points (vector mediator, all three SNS flavours,
both isotopes, 12 bins of 2 PE from 6 to 30 PE at 1.17 PE/keV) and a straightforward
scipy.integrate.quad implementation of the same numbers on a few points, in the same process,
and prints the time per point and the speed-up.
Run by hand: ``python benchmarks/bench_spectrum.py``.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.integrate import quad

from upscatter.fluxes.stopped_pion import stopped_pion_source
from upscatter.kinematics import e_nu_min
from upscatter.models import get_model
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
    counts = np.zeros(EDGES.size - 1)
    for iso, n_per_kg in zip(CSI.isotopes, CSI.nuclei_per_kg(), strict=True):

        def xs(E, T, iso=iso):
            return float(vector_nucleus_dsigma_dT(E, T, isotope=iso, m_chi=m_chi, m_med=m_med))

        for b in range(EDGES.size - 1):
            for comp in SOURCE.components:
                if comp.is_line:
                    inner = lambda T, comp=comp: xs(comp.e_max, T)  # noqa: E731
                else:

                    def inner(T, comp=comp, iso=iso):
                        lo = float(e_nu_min(T, iso.mass, m_chi))
                        if lo >= comp.e_max:
                            return 0.0
                        return quad(lambda E: float(comp.shape(E)) * xs(E, T), lo, comp.e_max)[0]

                value = quad(inner, EDGES[b], EDGES[b + 1], limit=100)[0]
                counts[b] += n_per_kg * MASS_KG * comp.fluence * value
    return counts


def main() -> None:
    rng = np.random.default_rng(1)
    n = 1000
    m_chi = 10 ** rng.uniform(-1, np.log10(50), n)
    m_med = 10 ** rng.uniform(-1, 3, n)
    model = get_model("vector")
    channels = model.channels(CSI)
    binned_counts(
        channels, SOURCE, RecoilBins(EDGES), MASS_KG, {"m_chi": m_chi[:4], "m_med": m_med[:4]}
    )
    start = time.perf_counter()
    fast = binned_counts(
        channels, SOURCE, RecoilBins(EDGES), MASS_KG, {"m_chi": m_chi, "m_med": m_med}
    )
    t_fast = (time.perf_counter() - start) / n

    n_slow = 3
    start = time.perf_counter()
    slow = [quad_counts(m_chi[i], m_med[i]) for i in range(n_slow)]
    t_slow = (time.perf_counter() - start) / n_slow

    worst = max(
        np.max(np.abs(fast[i, :, :, 0].sum(axis=0) - slow[i]) / np.maximum(slow[i], 1e-300))
        for i in range(n_slow)
    )
    print(f"batched engine : {t_fast * 1e3:8.3f} ms per mass point ({n} points)")
    print(f"scipy quad     : {t_slow * 1e3:8.1f} ms per mass point ({n_slow} points)")
    print(f"speed-up       : {t_slow / t_fast:8.0f}x   (max relative difference {worst:.1e})")


if __name__ == "__main__":
    main()
