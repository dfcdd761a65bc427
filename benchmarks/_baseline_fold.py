"""The folding engine before issue 18, kept here as the benchmarks' in-process baseline.

Gauss-Legendre quadrature in neutrino energy for every spectrum (24 nodes per recoil node) and
a dense 0/1 response matrix contracted with einsum, in chunks of 128 mass points, one row of
recoil nodes per mass point, every channel over its whole basis (zeros in the entries it does
not give). Not part of the package; only the benchmarks import it. :func:`old_engine` makes
``Experiment.signal_basis`` (and so ``coupling_bound`` and the reproductions) use it.
"""

from __future__ import annotations

import contextlib

import numpy as np

import upscatter.experiments.base as experiments_base
from upscatter.kinematics import e_nu_min
from upscatter.rates import _check_params, _expand, gauss_legendre, recoil_quadrature
from upscatter.xsec.loops import two_loop


def fluence_weighted_xsec(channel, source, T, params, n_energy=24):
    """Old kernel: quadrature over [max(E_min(T), e_min), e_max] for every continuous source."""
    n_basis = len(channel.basis_shape)
    m_out = params[channel.m_out_param] if channel.m_out_param else 0.0
    m_out_t = np.reshape(m_out, (*np.shape(m_out), 1)) if channel.m_out_param else 0.0
    e_threshold = e_nu_min(T, channel.target_mass, m_out_t)
    x, w = gauss_legendre(n_energy)
    p_line, p_cont = _expand(params, 1), _expand(params, 2)
    out = []
    for comp in source.components:
        if comp.is_line:
            value = channel.dsigma(comp.e_max, T, comp.flavour, **p_line)
        else:
            a = np.minimum(np.maximum(e_threshold, comp.e_min), comp.e_max)
            width = (comp.e_max - a)[..., None]
            E = a[..., None] + width * x
            integrand = channel.dsigma(E, T[..., None], comp.flavour, **p_cont)
            integrand = integrand * (comp.shape(E) * width * w).reshape(E.shape + (1,) * n_basis)
            value = integrand.sum(axis=2)
        out.append(comp.fluence * np.broadcast_to(value, T.shape + channel.basis_shape))
    return np.stack(out, axis=1)


def binned_counts(channels, source, response, detector_mass_kg, params=None, chunk=128):
    """Old engine: dense P(bin | T) matrix for every response."""
    channels = [c.whole_basis() for c in channels]
    params, n_mass = _check_params(params or {}, channels)
    basis_shape = channels[0].basis_shape
    total = np.zeros((n_mass, len(source.components), response.n_bins, *basis_shape))
    for start in range(0, n_mass, chunk):
        part = {k: v[start : start + chunk] for k, v in params.items()}
        for channel in channels:
            T, wT = recoil_quadrature(channel, source, response, part, 6)
            rows = (len(next(iter(part.values()))) if part else 1, T.shape[1])
            T, wT = np.broadcast_to(T, rows), np.broadcast_to(wT, rows)  # one row per mass point
            rate = fluence_weighted_xsec(channel, source, T, part)
            prob = response.probabilities(T, channel.recoil) * wT[..., None]
            counts = np.einsum("mtb,mct...->mcb...", prob, rate)
            total[start : start + chunk] += channel.targets_per_kg * detector_mass_kg * counts
    return total


@contextlib.contextmanager
def old_engine():
    """Within the block, experiments fold their signal basis with this engine, and the two-loop
    F_G is not cached (it was computed at every cross-section call before issue 18)."""
    new, cached = experiments_base.binned_counts, two_loop._f_g_cached
    experiments_base.binned_counts = binned_counts
    two_loop._f_g_cached = cached.__wrapped__
    try:
        yield
    finally:
        experiments_base.binned_counts, two_loop._f_g_cached = new, cached
