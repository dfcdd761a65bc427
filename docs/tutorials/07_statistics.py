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
m_chi = np.array([0.3, 1.0, 3.0, 10.0, 20.0, 30.0])
masses = {"m_chi": m_chi, "m_med": 10.0 * m_chi}  # m_chi = 1 MeV is point 1
K = compute_basis(experiment, model, masses)
print("basis counts:", K.shape, "coupling powers:", model.powers)

# %%
# The profile curve
# -----------------
# :func:`~upscatter.profile_curve` profiles the nuisance parameters at every coupling of a grid
# (40 points per decade of the signal) in one batched call.
threshold = upscatter.delta_chi2_threshold(0.9, 1)
curve = upscatter.profile_curve(experiment, K[1], model.powers)
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
fig.tight_layout()
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

fig, ax = plt.subplots()
ax.semilogx(lar_curve.coupling[1:], lar_curve.delta_chi2[1:])
ax.axhline(threshold, color="grey", ls="--", label="90% CL, 1 dof")
ax.axvspan(low, high, color="C1", alpha=0.2, label="90% CL interval")
ax.set_xlim(1e-5, 2e-3)
ax.set_ylim(0, 3 * threshold)
ax.set_xlabel("g")
ax.set_ylabel(r"$\Delta\chi^2$ (profiled)")
ax.set_title(r"LAr 2020, scalar, $m_\chi$ = 1 MeV, $m_V$ = 1 GeV")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# Expected bounds
# ---------------
# :func:`~upscatter.expected_bounds` at one point, with the asymptotic (Asimov) bands of Cowan,
# Cranmer, Gross and Vitells (arXiv:1007.1727) or with pseudo-experiments (each toy's bound from
# its own profile curve); :func:`~upscatter.add_expected` adds them to every point of a scan.
asimov = upscatter.expected_bounds(experiment, K[1], model.powers, threshold, method="asimov")
toys = upscatter.expected_bounds(
    experiment, K[1], model.powers, threshold, method="toys", n_toys=200, rng=1
)
for n in (-2, -1, 0, 1, 2):
    print(f"{n:+d} sigma: Asimov {asimov.quantiles[n]:.3g}   200 toys {toys.quantiles[n]:.3g}")

# %%
# With 200 toys the outer quantiles are uncertain by several percent; the asymptotic bands
# assume a chi^2 quadratic in the signal strength, so the two agree best where counts are
# large. ``method="toys"`` with more toys (``n_toys``) is the check.

observed = upscatter.coupling_bound(experiment, model, masses)
scan = upscatter.add_expected(observed, experiment, model.powers, K, method="asimov")
print("expected columns:", ", ".join(scan.expected))

# %%
# The observed bound against its expected band, the familiar "Brazil" plot. Where the upper
# +2 sigma edge is missing (NaN), no coupling reaches it: that edge needs Delta chi^2 =
# (2 + 1.645)^2 = 13.3 on the Asimov curve, but for a heavy chi the recoil spectrum looks like
# the SM's and the signal-normalisation pull alpha of the CsI 2017 chi^2 (paper 000 Eq. (34),
# sigma_alpha = 0.28) absorbs it: at large g the profile sets alpha = -1 and Delta chi^2 levels
# off at about (1/0.28)^2 = 12.8 plus what the shape adds (13.1 at m_chi = 30 MeV).
print("expected +2 sigma:", np.array2string(scan.expected["expected_plus2"], precision=3))
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
fig.tight_layout()
plt.show()
