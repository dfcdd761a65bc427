"""Benchmark: the profiled COHERENT CsI 2021 chi^2 (paper 003 Eqs. (20)-(21), eight nuisances)
for a batch of predictions, batched Gauss-Newton against the per-prediction MIGRAD it replaced.

Issue 13 targets: 1000 predictions at least 10x faster than per-prediction MIGRAD, with an equal
or lower chi^2 everywhere; a 100-point CsI 2021 bound curve in under 1 s of profiling.

* new: ``CoherentCsI2021.chi2`` on the whole batch (one prepare, one Gauss-Newton iteration over
  predictions x starts).
* baseline: MIGRAD (iminuit) as the experiment ran it before, one fit per prediction: started at
  the SM best fit, strategy 0 (strategy 1 if invalid), tolerance 0.01, analytic gradient and the
  Fisher-matrix Hessian; timed on a subset and scaled to the batch.
* "equal": within MIGRAD's accuracy, about 2e-5 in chi^2 (EDM < 2e-3 x tolerance).

Predictions: the SM scaled by 0.3-2.5 and perturbed by +-10% per fine bin, and SM plus
vector-model signals of up to twice the SM size (m_chi = 1 MeV, m_V = 10 MeV; m_chi = 0.1 MeV,
m_V = 300 MeV). The bound curve is the vector model at m_chi = 0.1 MeV, 100 m_V from 1 to 1000
MeV, from its basis counts: the batched bound search (:mod:`upscatter.scans`) against the old
per-mass grid search (:mod:`baseline_bounds`) on every 10th mass.

Run by hand: ``UPSCATTER_DATA=../shared/data OMP_NUM_THREADS=1 python benchmarks/bench_profile.py``.
"""

from __future__ import annotations

import time

import numpy as np
from iminuit import Minuit

from baseline_bounds import agreement, old_bounds
from upscatter.experiments import get_experiment
from upscatter.models import get_model
from upscatter.scans import bounds_from_basis, compute_basis
from upscatter.stats.poisson import poisson_chi2

N_BATCH = 1000
N_MIGRAD = 100
MIGRAD_ACCURACY = 2e-5


def predictions(experiment, n: int, seed: int = 5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    sm = experiment.sm_counts
    basis = experiment.signal_basis(
        get_model("vector"), {"m_chi": [1.0, 0.1], "m_med": [10.0, 300.0]}, electrons=True
    )[:, :, 0]
    batch = sm * rng.uniform(0.3, 2.5, (n, 1)) * rng.uniform(0.9, 1.1, (n, sm.size))
    kind = rng.integers(0, 3, n)
    for j in (0, 1):
        pick = kind == j + 1
        size = rng.uniform(0, 2, (pick.sum(), 1)) * sm.sum() / basis[j].sum()
        batch[pick] = sm + size * basis[j]
    return batch


def migrad_chi2(experiment, prediction, start) -> float:
    """The per-prediction MIGRAD profile the experiment used before the batched one."""
    likelihood = experiment.likelihood
    model, observed = likelihood.model, likelihood.observed
    state = model.prepare(prediction)
    prior = likelihood.constraint_weights

    def fcn(alpha):
        mu = model.evaluate(state, np.asarray(alpha))[0]
        return float(poisson_chi2(observed, mu) + np.sum(prior * np.asarray(alpha) ** 2))

    def grad(alpha):
        mu, dmu = model.evaluate(state, np.asarray(alpha), jacobian=True)
        return dmu @ (2.0 * (1.0 - observed / mu)) + 2.0 * prior * np.asarray(alpha)

    def hessian(alpha):
        mu, dmu = model.evaluate(state, np.asarray(alpha), jacobian=True)
        return 2.0 * (dmu * (observed / mu**2)) @ dmu.T + np.diag(2.0 * prior)

    minuit = Minuit(fcn, start, grad=grad, hessian=hessian, name=likelihood.names)
    minuit.errordef = Minuit.LEAST_SQUARES
    minuit.strategy = 0
    minuit.tol = 0.01
    for p in likelihood.parameters:
        minuit.limits[p.name] = p.bounds
    minuit.migrad()
    if not minuit.valid:
        minuit.strategy = 1
        minuit.migrad()
    return float(minuit.fval)


def bound_curve(experiment) -> tuple[float, float, float]:
    """A 100-point bound curve from its basis counts (the vector model at m_chi = 0.1 MeV,
    m_V = 1-1000 MeV, 2 dof): seconds of the new search, seconds of the old one (every 10th
    mass, scaled to 100) and their largest relative difference."""
    model = get_model("vector")
    m_med = np.geomspace(1.0, 1000.0, 100)
    masses = {"m_chi": np.full(m_med.size, 0.1), "m_med": m_med}
    K = compute_basis(experiment, model, masses, electrons=True)
    start = time.perf_counter()
    new = bounds_from_basis(experiment, model, masses, K, dof=2).bound
    t_new = time.perf_counter() - start
    subset = {k: v[::10] for k, v in masses.items()}
    with old_bounds():
        start = time.perf_counter()
        old = bounds_from_basis(experiment, model, subset, K[::10], dof=2).bound
        t_old = (time.perf_counter() - start) * 10
    return t_new, t_old, agreement(new[::10], old)


def main() -> None:
    experiment = get_experiment("coherent-csi-2021")
    experiment.chi2(experiment.sm_counts)  # data, templates and the SM fit, outside the timings
    batch = predictions(experiment, N_BATCH)

    start = time.perf_counter()
    fit = experiment.profile(batch)
    t_new = time.perf_counter() - start

    sm_start = [float(v) for v in experiment._sm_fit.values.values()]
    start = time.perf_counter()
    reference = np.array([migrad_chi2(experiment, p, sm_start) for p in batch[:N_MIGRAD]])
    t_migrad = (time.perf_counter() - start) * N_BATCH / N_MIGRAD

    difference = fit.chi2[:N_MIGRAD] - reference
    print(f"predictions               : {N_BATCH} (MIGRAD on the first {N_MIGRAD}, scaled)")
    print(f"batched Gauss-Newton      : {t_new:8.3f} s ({fit.n_evaluations} batched evaluations)")
    print(f"per-prediction MIGRAD     : {t_migrad:8.3f} s")
    print(
        f"chi^2 new - MIGRAD        : max {difference.max():+.2e}, min {difference.min():+.2e}; "
        f"lower by > {MIGRAD_ACCURACY:g} at {(difference < -MIGRAD_ACCURACY).sum()}, "
        f"higher at {(difference > MIGRAD_ACCURACY).sum()}"
    )
    if np.any(difference > MIGRAD_ACCURACY):
        raise SystemExit("the batched profile is above MIGRAD somewhere")
    t_bound, t_old, agree = bound_curve(experiment)
    print(f"100-point bound curve     : {t_bound:8.3f} s of bound search (target < 1 s)")
    print(f"  old per-mass search     : {t_old:8.3f} s (10 masses, scaled): {t_old / t_bound:.1f}x")
    print(f"  bounds agree to         : {agree:.1e}")
    print(f"speed-up: {t_migrad / t_new:.1f}x")


if __name__ == "__main__":
    main()
