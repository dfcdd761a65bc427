"""Binned counts by nested ``scipy.integrate.quad``: the slow, independent reference of the
spectrum benchmarks (``bench_spectrum.py``, ``bench_pycevns.py``). Not part of the package."""

from __future__ import annotations

import numpy as np
from scipy.integrate import quad

from upscatter.kinematics import e_nu_min, recoil_range


def nested_quad_counts(xs, material, source, edges, mass_kg, m_out=0.0, kinks=False):
    """Counts per bin: recoil energy outside, neutrino energy inside, per bin, isotope and flux
    component (lines at their energy).

    Parameters
    ----------
    xs : callable
        xs(E, T, isotope) -> dsigma/dT (MeV^-3) as a float.
    material, source
        Target material and neutrino source (``upscatter`` objects).
    edges : numpy.ndarray
        Recoil bin edges (MeV).
    mass_kg : float
        Detector mass.
    m_out : float
        Mass of the outgoing fermion (MeV), for the kinematic threshold.
    kinks : bool
        Give the outer integral the recoil range ends of each component's endpoint energy as
        break points (where its integrand has a kink).
    """
    counts = np.zeros(edges.size - 1)
    for iso, n_per_kg in zip(material.isotopes, material.nuclei_per_kg(), strict=True):
        for comp in source.components:
            if comp.is_line:

                def inner(T, comp=comp, iso=iso):
                    return xs(comp.e_max, T, iso)

            else:

                def inner(T, comp=comp, iso=iso):
                    lo = float(e_nu_min(T, iso.mass, m_out))
                    if lo >= comp.e_max:
                        return 0.0
                    return quad(lambda E: float(comp.shape(E)) * xs(E, T, iso), lo, comp.e_max)[0]

            ends = [float(t) for t in recoil_range(comp.e_max, iso.mass, m_out)] if kinks else []
            for b in range(edges.size - 1):
                points = [t for t in ends if edges[b] < t < edges[b + 1]] or None
                value = quad(inner, edges[b], edges[b + 1], points=points, limit=100)[0]
                counts[b] += n_per_kg * mass_kg * comp.fluence * value
    return counts
