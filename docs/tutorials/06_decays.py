"""
Decays of the dark fermion
==========================

Once produced, chi need not be stable: with a vector mediator V coupled to electrons it decays
to V nu (when m_chi > m_V) or to nu e+ e- through an off-shell V (paper 003 Sec. IV D,
Eqs. (25)-(27); :mod:`upscatter.decays`). Whether it decays inside a detector, before Big-Bang
nucleosynthesis (lifetime below ~1 s) or outlives the Universe decides which other bounds
apply. This is what ``upscatter decays`` prints.
"""

# %%
# One point
# ---------
# :func:`~upscatter.decays.summarize` gives the partial widths (MeV), branching ratios, the
# proper lifetime (s) and, for a chi of given total energy, the lab decay length (m). The
# couplings are kept apart: g_chi (chi-V-nu) and g_f (V to electrons).
import matplotlib.pyplot as plt
import numpy as np

from upscatter import decays
from upscatter.constants import SECONDS_AGE_OF_UNIVERSE

point = decays.summarize(m_chi=10.0, m_med=1e-3, g_chi=1e-5, g_f=1e-5, energy=30.0)
for channel, width in point.widths.items():
    print(
        f"Gamma(chi -> {channel:8s}) = {float(width):.3e} MeV,"
        f" BR = {float(point.branching_ratios[channel]):.3f}"
    )
print(
    f"lifetime {float(point.lifetime_s):.3e} s, decay length at E = 30 MeV:"
    f" {float(point.decay_length_m):.3e} m"
)
print(
    "decays before BBN:",
    bool(point.decays_before_bbn),
    "- outlives the Universe:",
    bool(point.outlives_universe),
)

# %%
# With m_V below 2 m_e the mediator cannot decay to e+ e- and chi -> V nu is the main channel;
# the three-body chi -> nu e+ e- is suppressed by the off-shell propagator.
#
# The lifetime over the mass plane
# --------------------------------
# Everything broadcasts, so a grid of masses is one call. The lines mark a lifetime of 1 s
# (BBN) and the age of the Universe. The two-body width goes as g_chi^2 and the three-body one
# as g_chi^2 g_f^2, so lifetimes that long need small couplings: here g_chi = g_f = 1e-7.
m_chi = np.geomspace(0.1, 50.0, 60)
m_med = np.geomspace(1e-3, 100.0, 60)
M_CHI, M_MED = np.meshgrid(m_chi, m_med)
tau = decays.lifetime(M_CHI, M_MED, g_chi=1e-7, g_f=1e-7)
log_tau = np.log10(np.where(np.isfinite(tau), tau, np.nan))

fig, ax = plt.subplots()
mesh = ax.pcolormesh(m_chi, m_med, log_tau, shading="auto", cmap="viridis")
fig.colorbar(mesh, label=r"$\log_{10}(\tau_\chi / \mathrm{s})$")
lines = ax.contour(
    m_chi,
    m_med,
    log_tau,
    levels=[np.log10(decays.BBN_TIME_S), np.log10(SECONDS_AGE_OF_UNIVERSE)],
    colors=["white", "red"],
)
labels = {np.log10(decays.BBN_TIME_S): "1 s", np.log10(SECONDS_AGE_OF_UNIVERSE): "age of Universe"}
ax.clabel(lines, fmt=labels)
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel(r"$m_\chi$ (MeV)")
ax.set_ylabel(r"$m_V$ (MeV)")
ax.set_title(r"chi lifetime, $g_\chi = g_f = 10^{-7}$")
fig.tight_layout()
plt.show()

# %%
# Where m_chi < 2 m_e and m_chi < m_V no tree-level channel is open: chi is stable there
# (an infinite lifetime, left blank). Above the diagonal m_V = m_chi only the three-body decay
# remains, and its width falls as m_chi^5/m_V^4 (the point-like limit checked in
# ``tests/test_decays.py``).
