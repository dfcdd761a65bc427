"""
A recoil spectrum: the Standard Model against a dark fermion
============================================================

The expected nuclear-recoil spectrum of the COHERENT CsI[Na] detector (2017 exposure) for SM
coherent elastic neutrino-nucleus scattering (CEvNS) and for up-scattering ``nu N -> chi N``
into a dark fermion of mass ``m_chi = 1 MeV`` through a light vector mediator of
``m_med = 10 MeV`` (paper 003, Eq. (4)). This is what ``upscatter spectrum`` prints.
"""

# %%
# The building blocks
# -------------------
# A target (:func:`~upscatter.nuclei.get_material`), a neutrino source (the SNS stopped-pion
# flux, :func:`~upscatter.fluxes.stopped_pion.stopped_pion_source`, by default the 2017
# exposure of 1.76e23 protons on target, 0.08 neutrinos per flavour per proton, 19.3 m), and
# bins of true nuclear-recoil energy. Inside the package energies are in MeV; multiply by
# :data:`upscatter.units.keV` to give keV.
import matplotlib.pyplot as plt
import numpy as np

from upscatter import get_material, get_model, units
from upscatter.fluxes.stopped_pion import stopped_pion_source
from upscatter.models import sm_channels
from upscatter.rates import RecoilBins, binned_counts

csi = get_material("CsI")
sns = stopped_pion_source()
edges_kev = np.linspace(0.0, 40.0, 41)
bins = RecoilBins(edges_kev * units.keV)
detector_mass_kg = 14.57

# %%
# SM CEvNS
# --------
# :func:`~upscatter.rates.binned_counts` folds cross sections ("channels") with the flux and
# integrates them over each bin. Its result has one row per flux component (here the prompt
# nu_mu and the delayed nu_e and anti-nu_mu of the SNS); sum them for the total.
n_sm = binned_counts(sm_channels(csi), sns, bins, detector_mass_kg)[0].sum(axis=0)
print(f"SM CEvNS events with 0-40 keV recoils: {n_sm.sum():.1f}")

# %%
# The vector-mediator model
# -------------------------
# Every model is a polynomial in its coupling: N = N_SM + K @ monomials(g). The basis counts
# ``K`` are computed once per mass point, for a whole batch of mass points at a time; any
# coupling then costs a matrix product. For the vector model the only monomial is g^4.
model = get_model("vector")
print(model.description)
masses = {"m_chi": [1.0], "m_med": [10.0]}
K = binned_counts(model.channels(csi), sns, bins, detector_mass_kg, masses)[0]
coupling = 1e-5
n_new = (K @ model.monomials(coupling)).sum(axis=0)
print(f"chi events for g = {coupling:g}: {n_new.sum():.1f}")

# %%
# The two spectra
# ---------------
centres = 0.5 * (edges_kev[1:] + edges_kev[:-1])
fig, ax = plt.subplots()
ax.step(edges_kev, np.append(n_sm, n_sm[-1]), where="post", label="SM CEvNS")
ax.step(
    edges_kev,
    np.append(n_new, n_new[-1]),
    where="post",
    label=rf"$\nu N \to \chi N$, $m_\chi$ = 1 MeV, $m_V$ = 10 MeV, g = {coupling:g}",
)
ax.set_yscale("log")
ax.set_xlabel("nuclear recoil energy T (keV)")
ax.set_ylabel("events per keV (CsI, 2017 exposure)")
ax.set_title("COHERENT CsI[Na], 14.57 kg at 19.3 m")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# Heavier dark fermions need more neutrino energy: above m_chi of about 52.8 MeV no SNS
# neutrino can produce one on Cs or I and the rate is exactly zero.
heavy = {"m_chi": [1.0, 30.0, 60.0], "m_med": [10.0, 300.0, 600.0]}
K_heavy = binned_counts(model.channels(csi), sns, bins, detector_mass_kg, heavy)
totals = (K_heavy @ model.monomials(coupling)).sum(axis=(1, 2))
for m, n in zip(heavy["m_chi"], totals, strict=True):
    print(f"m_chi = {m:5.1f} MeV: {n:.3g} events")
