"""Benchmark: one 20-bin SM CEvNS spectrum on CsI at the SNS, upscatter against pyCEvNS.

The work (issue 18): the standard-model nuclear-recoil spectrum of CsI in 20 bins of 2.5 keV from
0 to 50 keV, all three SNS flavours (prompt nu_mu line, delayed nu_e and nubar_mu), both
isotopes, Helm form factor; one call, as a user would make it.

* upscatter: ``rates.binned_counts`` with the SM channels (``models.sm_channels``), each call
  building its channels and ``RecoilBins`` afresh, as a script would.
* pyCEvNS (https://github.com/Ikaroshu/pyCEvNS; not on PyPI, so install it from its repository
  to run this comparison): ``events.binned_events_nucleus`` per bin for its ``"sns"`` flux, flavours
  ``"e"`` (delayed nu_e) and ``"mu"`` (prompt nu_mu and delayed nubar_mu), detector ``"csi"``.
  Its flux normalisation and exposure conventions differ from ours, and its weak charge carries
  hard-coded radiative corrections (Barranco et al. 2005) and its Helm form factor the
  parameters of Engel (1991); the script therefore compares the *shapes* (each spectrum divided
  by its sum) and prints their largest relative difference as information, not as a check.
* Without pyCEvNS the baseline is the same spectrum by nested ``scipy.integrate.quad`` (recoil
  energy outside, neutrino energy inside, per bin, isotope and flavour), written out here and
  checked against upscatter to 1e-6: the way pyCEvNS integrates.

The last line is the ratio of the baseline's time to upscatter's, ``speed-up: N.Nx``. Run by hand:
``OMP_NUM_THREADS=1 python benchmarks/bench_pycevns.py``.
"""

from __future__ import annotations

import itertools
import time
import timeit

import numpy as np

from _nested_quad import nested_quad_counts
from upscatter.fluxes.stopped_pion import stopped_pion_source
from upscatter.models import sm_channels
from upscatter.nuclei import get_material
from upscatter.rates import RecoilBins, binned_counts
from upscatter.units import keV
from upscatter.xsec.sm import sm_dsigma_dT

CSI = get_material("CsI")
SOURCE = stopped_pion_source()
EDGES_KEV = np.linspace(0.0, 50.0, 21)
MASS_KG = 14.57


def upscatter_spectrum() -> np.ndarray:
    """Counts per bin, summed over flavours (one public call)."""
    counts = binned_counts(sm_channels(CSI), SOURCE, RecoilBins(EDGES_KEV * keV), MASS_KG)
    return counts.sum(axis=(0, 1))


def quad_spectrum() -> np.ndarray:
    """The same spectrum by nested quad (the no-pyCEvNS baseline), with the kinks of the
    integrand at the components' largest recoils as break points."""

    def xs(E, T, iso):
        return float(sm_dsigma_dT(E, T, iso, "helm"))

    return nested_quad_counts(xs, CSI, SOURCE, EDGES_KEV * keV, MASS_KG, kinks=True)


def pycevns_spectrum():
    """pyCEvNS's spectrum per bin (arbitrary normalisation), or None if it is not installed."""
    try:
        from pyCEvNS.detectors import Detector
        from pyCEvNS.events import binned_events_nucleus
        from pyCEvNS.flux import Flux
        from pyCEvNS.parameters import NSIparameters
    except ImportError:
        return None
    detector, flux, nsi = Detector("csi"), Flux("sns"), NSIparameters(0)
    edges_mev = EDGES_KEV * 1e-3
    return np.array(
        [
            sum(
                binned_events_nucleus(lo, hi, 1.0, detector, flux, nsi, flavor=flavour)
                for flavour in ("e", "mu")
            )
            for lo, hi in itertools.pairwise(edges_mev)
        ]
    )


def best_of(function, number: int, repeat: int = 5) -> float:
    """Fastest time per call (s) over ``repeat`` runs of ``number`` calls."""
    return min(timeit.repeat(function, number=number, repeat=repeat)) / number


def main() -> None:
    ours = upscatter_spectrum()
    t_ours = best_of(upscatter_spectrum, 20)
    print(f"upscatter, one 20-bin SM call : {t_ours * 1e3:9.3f} ms")
    start = time.perf_counter()
    theirs = pycevns_spectrum()
    if theirs is not None:
        t_base = time.perf_counter() - start
        above = ours > 0
        shape = (
            np.abs(ours / ours.sum() - theirs / theirs.sum())[above] / (ours / ours.sum())[above]
        )
        print(f"pyCEvNS, the same spectrum    : {t_base * 1e3:9.1f} ms")
        print(f"shape difference (info)       : {shape.max():.1e} (conventions differ: see top)")
        label = "pyCEvNS"
    else:
        start = time.perf_counter()
        exact = quad_spectrum()
        t_base = time.perf_counter() - start
        above = exact > 0  # bins above the largest recoil are exactly zero in both
        agree = float(np.max(np.abs(ours[above] - exact[above]) / exact[above]))
        assert agree < 1e-6 and np.all(ours[~above] == 0), agree
        print("pyCEvNS                       : not installed (install it from its repository)")
        print(f"nested scipy quad, baseline   : {t_base * 1e3:9.1f} ms (agree to {agree:.1e})")
        label = "nested quad"
    print(f"baseline                      : {label}")
    print(f"speed-up: {t_base / t_ours:.1f}x")


if __name__ == "__main__":
    main()
