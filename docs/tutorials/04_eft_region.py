"""
An EFT allowed region: two operators at once
============================================

The dimension-6 effective theory of paper 002 (Chang and Liao, PRD 102 (2020) 075004) couples
a neutrino, a dark fermion chi and quarks (or the photon, through a magnetic dipole a_M).
One operator at a time gives a bound on its coefficient; with two at a time their interference
can cancel, and the allowed region in the plane of two real coefficients of both signs is the
answer (paper 002 Fig. 4). This is what
``upscatter region --model eft --pair a_M,C_S --m-chi 40 --convention paper`` draws.

Everything on this page uses the paper's convention, ``convention="paper"``: its Eq. (2), which
sums over both neutrino helicities. The library default, ``convention="physical"``, is a
left-handed neutrino with the full amplitude: one operator gives half the rate (bounds on ``|c|``
sqrt(2) weaker), and C_V, D_A interfere with the other operators in proportion to m_chi
(docs/physics-decisions.md, "EFT conventions").
"""

# %%
# One operator at a time
# ----------------------
# The ``eft`` model takes the operator as a model option; its coupling is the modulus of the
# coefficient, in units of G_F/sqrt(2) (paper 002 Eq. (1)).
import matplotlib.pyplot as plt
import numpy as np

import upscatter
from upscatter.scans import eft_pair_region

experiment = upscatter.get_experiment("coherent-csi-2017")
model = upscatter.get_model("eft")
m_chi = np.array([1.0, 40.0])
for operator in ("dipole", "scalar"):
    result = upscatter.coupling_bound(
        experiment, model, {"m_chi": m_chi}, operator=operator, convention="paper"
    )
    for m, bound in zip(m_chi, result.bound, strict=True):
        print(f"{operator:7s} m_chi = {m:4.0f} MeV: |c| < {bound:.3g} (paper convention)")
physical = upscatter.coupling_bound(experiment, model, {"m_chi": m_chi}, operator="dipole")
print("dipole, default physical convention: |c| <", ", ".join(f"{b:.3g}" for b in physical.bound))

# %%
# Two operators: the (a_M, C_S) plane at m_chi = 40 MeV
# ------------------------------------------------------
# :func:`~upscatter.scans.eft_pair_region` evaluates Delta chi^2 on a grid of the two real
# coefficients (by default four times each one-at-a-time bound on either side) and traces the
# contour at the threshold (4.605: 90% CL, two degrees of freedom). A coarse grid keeps this
# page fast; the command-line default is 241 x 241.
region = eft_pair_region(
    experiment, ("a_M", "C_S"), m_chi=40.0, cl=0.9, dof=2, n_points=81, convention="paper"
)
print("threshold:", region.threshold, "- boundary lines:", len(region.boundary))
print("convention:", region.config["convention"])

fig, ax = plt.subplots()
mesh = ax.pcolormesh(
    region.x, region.y, np.minimum(region.delta_chi2, 20.0), shading="auto", cmap="Greys_r"
)
for line in region.boundary:
    ax.plot(line[:, 0], line[:, 1], color="C1")
fig.colorbar(mesh, label=r"$\Delta\chi^2$ (capped at 20)")
ax.set_xlabel(f"{region.names[0]} (units of G_F/sqrt(2))")
ax.set_ylabel(f"{region.names[1]} (units of G_F/sqrt(2))")
ax.set_title(r"CsI 2017, $m_\chi$ = 40 MeV, 90% CL (2 dof), paper 002 Eq. (2) convention")
fig.tight_layout()
plt.show()

# %%
# The region is tilted towards a_M C_S < 0, as in paper 002 Fig. 4 (checked in
# ``tests/experiments/test_eft_limits.py``): along that direction the a_M-C_S interference term of
# Eq. (2) cancels part of the two operators' own rates. The interference changes sign between
# neutrinos and antineutrinos (text after paper 002 Eq. (1)), so the direction of the tilt
# depends on the flavour mix of the SNS flux.
