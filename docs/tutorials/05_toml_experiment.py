"""
Your own experiment in a TOML file
==================================

A hypothetical detector is a short TOML file: a target, a neutrino source, an exposure, recoil
bins, a flat background and a normalisation uncertainty. Every command and function that takes
an experiment name takes the path of such a file instead
(``upscatter limits --experiment my_detector.toml ...``). The analysis is a projection: Asimov
pseudo-data equal to the SM expectation and the Gaussian-pull chi^2 of paper 002 Eq. (13)
(:mod:`upscatter.experiments.projection`). The schema, with units in the field names, is in
:mod:`upscatter.experiments.toml_experiment`; the repository's ``examples/`` folder has two
files to start from.
"""

# %%
# Writing the file
# ----------------
# This is ``examples/reactor_germanium.toml``: 100 kg of germanium 17 m from a 3.9 GW reactor
# for five years, the "future CONUS" projection of paper 002 Sec. IV.
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import upscatter

detector = """
name = "my-reactor-germanium"

[target]
material = "Ge"
mass_kg = 100.0

[source]
name = "reactor"
thermal_power_gw = 3.9
distance_m = 17.0

[exposure]
years = 5.0

[binning]
threshold_kev = 0.1
max_recoil_kev = 2.0
bin_width_kev = 0.1

[background]
rate_per_kev_kg_day = 1.0

[uncertainty]
normalisation = 0.05
"""
folder = Path(tempfile.mkdtemp())
path = folder / "my_detector.toml"
path.write_text(detector)

# %%
# Loading it
# ----------
# A field with a wrong name, a missing section or a value out of range is an error naming the
# field, not a silent default.
experiment = upscatter.get_experiment(path)
print(
    f"{experiment.name}: {experiment.sm_counts.sum():.3g} SM CEvNS events in "
    f"{experiment.sm_counts.size} bins"
)

try:
    bad = folder / "typo.toml"
    bad.write_text(detector.replace("mass_kg", "mass_kgs"))
    upscatter.get_experiment(bad)
except upscatter.errors.ParameterError as error:
    print("ParameterError:", error)

# %%
# Bounds, and a "what if"
# -----------------------
# The same file with a 0.2 keV threshold instead of 0.1 keV: a reactor's antineutrinos (a few
# MeV) give germanium recoils below about 2 keV, so the threshold decides the sensitivity.
model = upscatter.get_model("vector")
m_chi = np.geomspace(0.01, 8.0, 10)
masses = {"m_chi": m_chi, "m_med": np.full_like(m_chi, 1000.0)}
bounds = {}
for threshold in (0.1, 0.2):
    variant = folder / f"threshold_{threshold}.toml"
    variant.write_text(detector.replace("threshold_kev = 0.1", f"threshold_kev = {threshold}"))
    bounds[threshold] = upscatter.coupling_bound(
        upscatter.get_experiment(variant), model, masses
    ).bound

fig, ax = plt.subplots()
for threshold, bound in bounds.items():
    ax.loglog(m_chi, bound, marker="o", label=f"threshold {threshold} keV")
ax.set_xlabel(r"$m_\chi$ (MeV)")
ax.set_ylabel("g, 90% CL expected bound (1 dof)")
ax.set_title(r"100 kg Ge at 17 m from 3.9 GW, 5 years; vector, $m_V$ = 1 GeV")
ax.grid(True, which="both", alpha=0.3)
ax.legend()
fig.tight_layout()
plt.show()

# %%
# Producing chi needs a neutrino energy above about m_chi, and the reactor spectrum ends near
# 8-10 MeV, so there is no bound above about 8 MeV (paper 002 Fig. 3): beyond the last finite
# point the result is NaN.
print("heaviest m_chi with a bound here:", m_chi[np.isfinite(bounds[0.1])].max().round(2), "MeV")
