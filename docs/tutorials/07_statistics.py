"""
Profile curves, intervals and expected bands
============================================

Beyond the observed bound, :mod:`upscatter.intervals` gives the whole profile Delta chi^2
curve at a mass point, two-sided intervals when the data prefer a signal, and the expected
bounds (median and +-1, +-2 sigma bands) under the SM-plus-background hypothesis, from the
Asimov data set or from pseudo-experiments. The procedures are described in
:doc:`/statistics`.
"""

# %%
# Basis counts once, statistics many times
# ----------------------------------------
# At a mass point the prediction for coupling g is N_SM + K @ monomials(g). The basis counts
# ``K`` come from the analysis (shape (n_mass, n_bins, n_basis)); every procedure below only
# re-profiles the likelihood.
import matplotlib.pyplot as plt
import numpy as np

import upscatter
from upscatter.scans import compute_basis

experiment = upscatter.get_experiment("coherent-csi-2017")
model = upscatter.get_model("vector")
masses = {"m_chi": np.array([1.0, 10.0, 30.0]), "m_med": np.array([10.0, 100.0, 300.0])}
K = compute_basis(experiment, model, masses)
print("basis counts:", K.shape, "coupling powers:", model.powers)

# %%
# The profile curve
# -----------------
# :func:`~upscatter.profile_curve` profiles the nuisance parameters at every coupling of a grid
# (40 points per decade of the signal) in one batched call.
threshold = upscatter.delta_chi2_threshold(0.9, 1)
curve = upscatter.profile_curve(experiment, K[0], model.powers)
low, high = curve.interval(threshold)
print(f"best fit g = {curve.best_fit:.3g}, 90% CL interval [{low:.3g}, {high:.3g}]")

fig, ax = plt.subplots()
ax.semilogx(curve.coupling[1:], curve.delta_chi2[1:])
ax.axhline(threshold, color="grey", ls="--", label=rf"$\Delta\chi^2$ = {threshold:.3f} (90% CL)")
ax.set_ylim(0, 3 * threshold)
ax.set_xlabel("g")
ax.set_ylabel(r"$\Delta\chi^2$ (profiled)")
ax.set_title(r"CsI 2017, vector, $m_\chi$ = 1 MeV, $m_V$ = 10 MeV")
ax.legend()
plt.show()

# %%
# A data set that prefers a signal
# --------------------------------
# When Delta chi^2(0) exceeds the threshold the interval is two-sided: LAr 2020 with a scalar
# mediator at m_chi = 1 MeV and m_V = 1 GeV is such a case (its data sit slightly above the
# SM prediction).
lar = upscatter.get_experiment("coherent-lar-2020")
scalar = upscatter.get_model("scalar")
K_lar = compute_basis(lar, scalar, {"m_chi": [1.0], "m_med": [1000.0]})
lar_curve = upscatter.profile_curve(lar, K_lar[0], scalar.powers)
print("LAr 2020, scalar: Delta chi^2(g = 0) =", round(float(lar_curve.delta_chi2[0]), 2))
low, high = lar_curve.interval(threshold)
print(f"best fit g = {lar_curve.best_fit:.3g}, 90% CL interval [{low:.3g}, {high:.3g}]")

# %%
# Expected bounds
# ---------------
# :func:`~upscatter.expected_bounds` at one point, with the asymptotic (Asimov) bands of Cowan,
# Cranmer, Gross and Vitells (arXiv:1007.1727) or with pseudo-experiments (each toy's bound from
# its own profile curve); :func:`~upscatter.add_expected` adds them to every point of a scan.
asimov = upscatter.expected_bounds(experiment, K[0], model.powers, threshold, method="asimov")
toys = upscatter.expected_bounds(
    experiment, K[0], model.powers, threshold, method="toys", n_toys=200, rng=1
)
for n in (-2, -1, 0, 1, 2):
    print(f"{n:+d} sigma: Asimov {asimov.quantiles[n]:.3g}   200 toys {toys.quantiles[n]:.3g}")

observed = upscatter.coupling_bound(experiment, model, masses)
scan = upscatter.add_expected(observed, experiment, model.powers, K, method="asimov")
print("expected columns:", ", ".join(scan.expected))

# %%
# The observed bound against its expected band, the familiar "Brazil" plot:
m = scan.masses["m_chi"]
e = scan.expected
fig, ax = plt.subplots()
ax.fill_between(
    m, e["expected_minus2"], e["expected_plus2"], color="gold", label=r"expected $\pm 2\sigma$"
)
ax.fill_between(
    m, e["expected_minus1"], e["expected_plus1"], color="limegreen", label=r"expected $\pm 1\sigma$"
)
ax.plot(m, e["expected_median"], "k--", label="expected (median)")
ax.plot(m, scan.bound, "ko-", label="observed")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel(r"$m_\chi$ (MeV), $m_V = 10\, m_\chi$")
ax.set_ylabel("g, 90% CL upper bound (1 dof)")
ax.set_title("COHERENT CsI 2017, vector mediator")
ax.legend()
plt.show()
