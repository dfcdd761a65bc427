"""Benchmark: COHERENT CsI 2021 (paper 003) -- one profiled chi^2 and a 100-point m_V scan.

Targets (issue 7): a profiled chi^2 (eight nuisances, iminuit) in at most 50 ms; a 100-point bound
curve in m_V at fixed m_chi in under 20 s. Each is compared in the same run with a naive baseline:

* chi^2: the naive model re-folds the response at every MIGRAD call (form factor at the fine-bin
  centres, gamma smearing recomputed with scipy's incomplete gamma function, arrival-time
  densities integrated at the shifted times) and MIGRAD differentiates it numerically; the fast
  one contracts the prediction once with the nuisance templates and profiles by batched
  Gauss-Newton with the analytic Jacobian. (The naive model keeps the piecewise inputs: it
  agrees with ``inputs="piecewise"``, and with the smooth default to about 1e-5 in chi^2.)
* scan: the naive way re-integrates the cross sections for every trial coupling and profiles
  with the naive chi^2; timed on a few evaluations and extrapolated to the number of chi^2
  evaluations the fast scan made.

* basis (issue 18, printed last): the signal basis K of 100 m_V points (vector model with
  electrons) by the folding engine now and by the engine before issue 18 (energy quadrature
  and a dense response matrix, ``_baseline_fold.py``), with their agreement and peak memory;
  the last line is that speed-up.

Run by hand: ``UPSCATTER_DATA=../shared/data python benchmarks/bench_csi2021.py``.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
from iminuit import Minuit

import _baseline_fold as baseline
from upscatter.experiments import coherent_csi_2021, get_experiment
from upscatter.form_factors import klein_nystrand
from upscatter.kinematics import recoil_momentum
from upscatter.models import get_model
from upscatter.rates import gauss_legendre
from upscatter.response.csi2021 import delayed_pdf, prompt_pdf, time_efficiency
from upscatter.scans import coupling_bound
from upscatter.stats.poisson import poisson_chi2
from upscatter.units import us

M_CHI = 0.1
MASSES_V = np.geomspace(1.0, 1000.0, 100)


def naive_model(experiment, predicted):
    """N_th(alpha) recomputed from scratch at every call (no templates, no tables)."""
    n = experiment.n_nuclear
    table = predicted.reshape(experiment.template_shape)
    edges = experiment.response.edges
    centres = np.sqrt(edges[1:] * edges[:-1])
    e_centres = np.sqrt(
        experiment.electron_response.edges[1:] * experiment.electron_response.edges[:-1]
    )
    t_edges = np.concatenate([np.arange(9) / 8.0, [2.0, 4.0, 6.0]]) * us
    x, w = gauss_legendre(8)
    pieces = np.unique(np.concatenate([np.arange(0, 6.001, 0.0625), [0.52]])) * us
    nodes = (pieces[:-1, None] + np.diff(pieces)[:, None] * x).ravel()
    weights = (np.diff(pieces)[:, None] * w).ravel()
    index = np.searchsorted(t_edges, nodes, side="right") - 1
    prompt = np.array([c.label == "prompt" for c in experiment.source.components])

    def model(alpha):
        a0, a1, a2, a3, a4, a5, a6, a7 = alpha
        nuclear = sum(
            table[:, i * n : (i + 1) * n]
            * klein_nystrand(recoil_momentum(centres, iso.mass), iso.A, 1 + a4) ** 2
            for i, iso in enumerate(experiment.material.isotopes)
        )
        smearing = experiment.smearing
        nuclear = nuclear @ smearing.sub_bin_matrix((1 + a5) * experiment.quenching(centres))
        electrons = table[:, 2 * n :] @ smearing.sub_bin_matrix(e_centres)
        energy_nuclear, energy_electron = smearing.fold(nuclear, a7), smearing.fold(electrons, a7)
        timing = []
        for pdf in (prompt_pdf, delayed_pdf):
            values = pdf(nodes - a6 * us) * time_efficiency(nodes) * weights
            timing.append(np.bincount(index, values, minlength=11))
        timing = np.where(prompt[:, None], timing[0], timing[1])
        bkg = experiment.background_time(a6 * us)
        return (
            (1 + a0) * (energy_nuclear + energy_electron).T @ timing
            + (1 + a1) * np.outer(experiment.background_energy[0], bkg[0])
            + (1 + a2) * np.outer(experiment.background_energy[1], bkg[1])
            + (1 + a3) * experiment.steady_state
        )

    return model


def naive_chi2(experiment, predicted) -> float:
    """MIGRAD with numerical derivatives on the naive model, started at the SM best fit."""
    likelihood = experiment.likelihood
    model, prior = naive_model(experiment, predicted), likelihood.constraint_weights

    def fcn(alpha):
        mu = model(alpha).ravel()
        return float(poisson_chi2(likelihood.observed, mu) + np.sum(prior * np.square(alpha)))

    start = [float(v) for v in experiment._sm_fit.values.values()]
    minuit = Minuit(fcn, start, name=likelihood.names)
    minuit.errordef = Minuit.LEAST_SQUARES
    minuit.strategy, minuit.tol = 0, 0.01
    for p in likelihood.parameters:
        minuit.limits[p.name] = p.bounds
    minuit.migrad()
    return float(minuit.fval)


def main() -> None:
    experiment = get_experiment("coherent-csi-2021")
    model = get_model("vector")
    experiment.chi2(experiment.sm_counts)  # data, templates and the SM fit, outside the timings
    K = experiment.signal_basis(model, {"m_chi": [M_CHI], "m_med": [10.0]}, electrons=True)[0]
    predictions = experiment.sm_counts + np.outer(np.geomspace(1e-22, 1e-20, 20), K[:, 0])

    start = time.perf_counter()
    fast = [float(experiment.chi2(p)) for p in predictions]
    t_fast = (time.perf_counter() - start) / len(predictions)
    n_naive = 3
    start = time.perf_counter()
    slow = [naive_chi2(experiment, p) for p in predictions[:n_naive]]
    t_slow = (time.perf_counter() - start) / n_naive
    agree = np.max(np.abs(np.array(slow) - fast[:n_naive]))
    print(f"profiled chi^2, templates : {1e3 * t_fast:8.2f} ms (target <= 50 ms)")
    print(f"profiled chi^2, naive     : {1e3 * t_slow:8.1f} ms (same minimum to {agree:.1e})")
    print(f"speed-up                  : {t_slow / t_fast:8.0f}x")

    calls = [0]
    likelihood = experiment.likelihood
    profile = likelihood.profile_prepared  # what the bound search calls

    def counted(state, *args, **kwargs):
        fit = profile(state, *args, **kwargs)
        calls[0] += int(np.size(fit.chi2))
        return fit

    likelihood.profile_prepared = counted
    start = time.perf_counter()
    result = coupling_bound(
        experiment,
        model,
        {"m_chi": np.full(MASSES_V.size, M_CHI), "m_med": MASSES_V},
        dof=2,
        electrons=True,
    )
    t_scan = time.perf_counter() - start
    del likelihood.profile_prepared
    n_eval = 3
    start = time.perf_counter()
    for g in np.geomspace(1e-6, 1e-4, n_eval):
        basis = experiment.signal_basis(
            model, {"m_chi": [M_CHI], "m_med": [MASSES_V[50]]}, electrons=True
        )[0]
        naive_chi2(experiment, experiment.sm_counts + basis @ model.monomials(g))
    t_naive = (time.perf_counter() - start) / n_eval * calls[0]
    print(
        f"100-point m_V scan        : {t_scan:8.2f} s (target < 20 s; {calls[0]} profiled "
        f"chi^2, {np.isfinite(result.bound).sum()} bounds)"
    )
    print(f"naive scan (extrapolated) : {t_naive:8.0f} s")
    print(f"speed-up                  : {t_naive / t_scan:8.0f}x")
    basis_benchmark(experiment, model)


def basis_benchmark(experiment, model) -> None:
    """Signal basis of 100 m_V points: the engine now against the engine before issue 18."""
    params = {"m_chi": np.full(MASSES_V.size, M_CHI), "m_med": MASSES_V}

    def basis():
        return experiment.signal_basis(model, params, electrons=True)

    def timed_and_peak(function):
        best = min(_timed(function) for _ in range(3))
        tracemalloc.start()
        value = function()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        return value, best, peak

    new, t_new, mem_new = timed_and_peak(basis)
    engine = coherent_csi_2021.binned_counts
    coherent_csi_2021.binned_counts = baseline.binned_counts
    try:
        old, t_old, mem_old = timed_and_peak(basis)
    finally:
        coherent_csi_2021.binned_counts = engine
    agree = float(np.max(np.abs(new - old)) / np.max(np.abs(old)))
    assert agree < 1e-6, agree
    n = MASSES_V.size
    print(
        f"basis before (issue 18)   : {1e3 * t_old / n:8.2f} ms per mass ({mem_old:.0f} MiB peak)"
    )
    print(
        f"basis now                 : {1e3 * t_new / n:8.2f} ms per mass ({mem_new:.0f} MiB peak, "
        f"agree to {agree:.1e}; target < 3 ms)"
    )
    print(f"speed-up: {t_old / t_new:.1f}x")


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
