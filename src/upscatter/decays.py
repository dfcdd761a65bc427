"""Tree-level decays of the dark fermion chi and of the vector mediator V (paper 003 Sec. IV D).

Model: paper 003 Eq. (3) (vector case) with the choices of its Appendix A, i.e.

    L = g_chi V_mu chibar gamma^mu P_L nu_alpha + H.c. + g_f V_mu ebar gamma^mu e,

a Dirac chi coupled with the same g_chi (= g_chiL; g_chiR = 0) to every neutrino flavour and
V coupled vectorially (g_fL = g_fR = g_f) to electrons only (no V -> nu nubar; the paper assumes
a mediator coupling only to charged fermions). The paper quotes results for g_V = sqrt(g_chi g_f)
with g_chi = g_f; here the two couplings are kept apart. Channels:

* chi -> V nu_alpha, open for m_chi > m_V (paper 003 Eq. (25), first line);
* chi -> nu_alpha e+ e- through an off-shell V, open for m_chi > 2 m_e (Eqs. (25)-(26));
* V -> e+ e-, open for m_V > 2 m_e (Eq. (27)).

All three formulas were re-derived (see ``docs/physics-decisions.md``, "Decays (paper 003 Eqs.
(25)-(27))"); they agree with the paper's text. Choices made here:

1. Flavour sum. The paper writes the chi widths per neutrino flavour; with the same coupling to
   the three flavours the total width is the sum over them, ``n_flavours = 3`` by default.
2. Resonant window. For 2 m_e <= m_V < m_chi the V in chi -> nu e+ e- can be on shell: the
   integral of Eq. (26) then has a non-integrable pole, and the e+ e- final state is the cascade
   chi -> V nu, V -> e+ e- already counted in the two-body width (whose V then decays to e+ e-
   with branching ratio 1). The off-shell three-body width is set to zero there; outside the
   window (m_V < 2 m_e or m_V >= m_chi) both channels are added.
3. Only e+ e- final states: mu+ mu- and hadrons need m_chi > 2 m_mu (211 MeV), far above the
   COHERENT reach (m_chi < 53 MeV); they are not included. Loop decays (chi -> nu gamma, ...) are
   not included either (the paper does not compute them).

Everything is vectorised with numpy broadcasting over masses, couplings and energies. Masses,
energies and widths in MeV, lifetimes in seconds, decay lengths in metres.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import units
from ._validate import MAX_MEV, as_array
from .constants import M_ELECTRON, SECONDS_AGE_OF_UNIVERSE
from .errors import ParameterError

BBN_TIME_S = 1.0
"""Time (s) before which a decaying chi does not disturb BBN (paper 003 Sec. IV D, "t ~ 1 sec")."""

CHANNELS = ("V nu", "nu e+ e-")
"""Names of the chi decay channels, the keys of :func:`channel_widths`."""

_N_NODES = 48
# Gauss-Legendre nodes on [-1, 1]; 48 per half of the y range keep the integral of Eq. (26)
# at ~1e-12 relative accuracy from threshold to m_chi = 10 GeV (tests: 1e-9 against quad).
_GL_X, _GL_W = np.polynomial.legendre.leggauss(_N_NODES)
_CHUNK = 4096  # points per block in phase_space_integral, bounds memory to ~_CHUNK x _N_NODES


def _masses(m_chi, m_med):
    m_chi = as_array("m_chi", m_chi, maximum=MAX_MEV)
    m_med = as_array("m_med", m_med, allow_zero=False, maximum=MAX_MEV)
    return m_chi, m_med


def _finite(width: np.ndarray, channel: str) -> np.ndarray:
    """``width`` of ``channel`` (computed with floating-point warnings off), checked finite:
    couplings far above 1 or a vanishing m_med overflow it."""
    if not np.all(np.isfinite(width)):
        raise ParameterError(
            f"the width of {channel} overflows: give smaller couplings g_chi, g_f or a larger m_med"
        )
    return width


def _check_flavours(n_flavours: int) -> int:
    if isinstance(n_flavours, bool) or not isinstance(n_flavours, (int, np.integer)):
        raise ParameterError(f"n_flavours must be an integer 1, 2 or 3, got {n_flavours!r}")
    if not 1 <= n_flavours <= 3:
        raise ParameterError(f"n_flavours must be 1, 2 or 3, got {n_flavours}")
    return int(n_flavours)


def width_chi_to_v_nu(m_chi, m_med, g_chi):
    """Width of chi -> V nu_alpha for one neutrino flavour (paper 003 Eq. (25), first line).

    Gamma = g_chi^2 m_chi / (32 pi) (1 - r) (1 + 1/r - 2 r),  r = m_V^2 / m_chi^2,

    evaluated as g_chi^2 (m_chi^2 - m_V^2)^2 (m_chi^2 + 2 m_V^2) / (32 pi m_chi^3 m_V^2), which is
    the same expression, so that it stays positive arbitrarily close above threshold. It grows
    as m_chi^3 / m_V^2 for m_V -> 0 (emission of the longitudinal V: the chi-nu current is not
    conserved), hence m_V = 0 is rejected.

    Parameters
    ----------
    m_chi : float or array_like
        Dark-fermion mass (MeV), >= 0.
    m_med : float or array_like
        Vector-mediator mass m_V (MeV), > 0.
    g_chi : float or array_like
        Coupling g_chiL of V to chi and nu (dimensionless), >= 0.

    Returns
    -------
    numpy.ndarray
        Width in MeV; exactly 0 for m_chi <= m_V.
    """
    m_chi, m_med = _masses(m_chi, m_med)
    g_chi = as_array("g_chi", g_chi)
    is_open = m_chi > m_med
    m_safe = np.where(is_open, m_chi, 2.0 * m_med)
    diff2 = (m_safe - m_med) * (m_safe + m_med)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        width = (
            g_chi**2
            * diff2**2
            * (m_safe**2 + 2.0 * m_med**2)
            / (32.0 * np.pi * m_safe**3 * m_med**2)
        )
    return _finite(np.where(is_open, width, 0.0), "chi -> V nu")


def _gl_piece(scale, length):
    """Nodes t and weights on [0, length] for t = scale sinh^2(w), w uniform-Legendre.

    Near t = 0 the map is t ~ scale w^2 (it removes a sqrt(t) endpoint behaviour), for
    t >> scale it is logarithmic, so features of width ``scale`` at t = 0 are resolved.
    """
    w_max = np.arcsinh(np.sqrt(length / scale))[..., None]
    w = 0.5 * w_max * (_GL_X + 1.0)
    sinh = np.sinh(w)
    t = scale[..., None] * sinh**2
    weight = scale[..., None] * 2.0 * sinh * np.cosh(w) * 0.5 * w_max * _GL_W
    return t, weight


def _integrand(t, u, mu, y_minus_rho):
    """(1-y)^2 (1+2y) (y+2mu) beta / (y (y-rho)^2), y = 4mu + t = 1 - u, beta = sqrt(t/y)."""
    y = 4.0 * mu + t
    return u**2 * (1.0 + 2.0 * y) * (y + 2.0 * mu) * np.sqrt(t / y) / (y * y_minus_rho**2)


def _reduced_integral(mu, span, pole_below, pole_above):
    """J = int_{4mu}^{1} dy (1-y)^2 (1+2y)(y+2mu) beta(y) / (y (y - rho)^2), rho = m_V^2/m_chi^2.

    Flat 1-d arrays: mu = m_e^2/m_chi^2, span = 1 - 4mu > 0, pole_below = 4mu - rho and
    pole_above = 1 - rho, the last three computed from mass differences so that y - rho keeps
    its relative accuracy next to a pole (rho outside [4mu, 1)). The range is split at its
    midpoint; the lower half is mapped from y = 4mu with the scale of the nearest feature (the
    threshold, or the V pole just below it when m_V < 2 m_e), the upper half from y = 1 with the
    scale |1 - rho| (the pole just above it when m_V ~ m_chi).
    """
    half = 0.5 * span
    scale_lo = np.where(pole_below > 0, np.minimum(4.0 * mu, pole_below), 4.0 * mu)
    scale_lo = np.minimum(scale_lo, half)
    scale_hi = np.clip(np.abs(pole_above), 1e-12 * half, half)
    mu, span = mu[:, None], span[:, None]
    pole_below, pole_above = pole_below[:, None], pole_above[:, None]
    t, w_lo = _gl_piece(scale_lo, half)
    lower = np.sum(_integrand(t, span - t, mu, t + pole_below) * w_lo, axis=-1)
    u, w_hi = _gl_piece(scale_hi, half)
    upper = np.sum(_integrand(span - u, u, mu, pole_above - u) * w_hi, axis=-1)
    return lower + upper


def _three_body_open(m_chi, m_med):
    """Where the off-shell three-body width is defined and non-zero (choice 2 of the module)."""
    resonant = (m_med >= 2.0 * M_ELECTRON) & (m_med < m_chi)
    return (m_chi > 2.0 * M_ELECTRON) & ~resonant


def phase_space_integral(m_chi, m_med):
    """The integral I(m_chi, m_V, mu_2) of paper 003 Eq. (26), in MeV^-4.

    With y = 1 - x_1 = q^2/m_chi^2 (q^2 the e+ e- invariant mass squared) and mu = m_e^2/m_chi^2
    the paper's integrand simplifies exactly (its brace equals 2 y (1 + 2y)(y + 2 mu)) to

        I = 2/m_chi^4 int_{4mu}^{1} dy (1-y)^2 (1+2y)(y+2mu) sqrt(1-4mu/y) / (y (y - rho)^2),

    with rho = m_V^2/m_chi^2, which is what is integrated here (it also avoids the cancellation
    inside the printed brace at small y), with fixed Gauss-Legendre grids (96 nodes) after the
    substitutions of :func:`_gl_piece`. Limits: I -> 1/m_V^4 for m_V >> m_chi >> m_e; for
    m_V >> m_chi and any m_e, m_V^4 I = f1 + f2/2, the functions of heavy-neutral-lepton decays
    N -> nu l+ l- (Bondarenko et al., JHEP 11 (2018) 032, Sec. 3.1.2).

    Parameters
    ----------
    m_chi : float or array_like
        Dark-fermion mass (MeV), >= 0.
    m_med : float or array_like
        Vector-mediator mass m_V (MeV), > 0.

    Returns
    -------
    numpy.ndarray
        I in MeV^-4; exactly 0 for m_chi <= 2 m_e and in the resonant window
        2 m_e <= m_V < m_chi (module docstring, choice 2), where the integral diverges.
    """
    m_chi, m_med = _masses(m_chi, m_med)
    m_chi, m_med = np.broadcast_arrays(m_chi, m_med)
    is_open = _three_body_open(m_chi, m_med)
    flat_m, flat_v = m_chi[is_open], m_med[is_open]
    two_me = 2.0 * M_ELECTRON
    mu = (M_ELECTRON / flat_m) ** 2
    span = (flat_m - two_me) * (flat_m + two_me) / flat_m**2
    pole_below = (two_me - flat_v) * (two_me + flat_v) / flat_m**2
    pole_above = (flat_m - flat_v) * (flat_m + flat_v) / flat_m**2
    reduced = np.empty_like(mu)
    for start in range(0, mu.size, _CHUNK):
        block = slice(start, start + _CHUNK)
        reduced[block] = _reduced_integral(
            mu[block], span[block], pole_below[block], pole_above[block]
        )
    out = np.zeros(m_chi.shape)
    out[is_open] = 2.0 * reduced / flat_m**4
    return out


def width_chi_to_nu_ee(m_chi, m_med, g_chi, g_f):
    """Width of chi -> nu_alpha e+ e- via an off-shell V, one flavour (paper 003 Eq. (25)).

    Gamma = g_chi^2 g_f^2 m_chi^5 I / (768 pi^3), I from :func:`phase_space_integral`; the
    paper's g_V^4 is g_chi^2 g_f^2 (g_V = sqrt(g_chi g_f)). In the point-like limit
    m_V >> m_chi >> m_e it is g_chi^2 g_f^2 m_chi^5 / (768 pi^3 m_V^4), the muon-decay-like result
    derived in ``docs/physics-decisions.md``.

    Parameters
    ----------
    m_chi : float or array_like
        Dark-fermion mass (MeV), >= 0.
    m_med : float or array_like
        Vector-mediator mass m_V (MeV), > 0.
    g_chi, g_f : float or array_like
        Couplings of V to chi-nu and to electrons (dimensionless), >= 0.

    Returns
    -------
    numpy.ndarray
        Width in MeV; exactly 0 for m_chi <= 2 m_e, and 0 in the resonant window
        2 m_e <= m_V < m_chi where the e+ e- final state is the cascade through an on-shell V
        (counted by :func:`width_chi_to_v_nu`; module docstring, choice 2).
    """
    m_chi, m_med = _masses(m_chi, m_med)
    g_chi, g_f = as_array("g_chi", g_chi), as_array("g_f", g_f)
    integral = phase_space_integral(m_chi, m_med)
    with np.errstate(over="ignore", invalid="ignore"):
        width = g_chi**2 * g_f**2 * m_chi**5 * integral / (768.0 * np.pi**3)
    return _finite(width, "chi -> nu e+ e-")


def width_v_to_ee(m_med, g_f):
    """Width of V -> e+ e- (paper 003 Eq. (27)).

    Gamma = g_f^2 m_V / (12 pi) (1 + 2 m_e^2/m_V^2) sqrt(1 - 4 m_e^2/m_V^2); for g_f = eps e it
    is the dark-photon width alpha eps^2 m_V / 3 (...) and tends to g_f^2 m_V / (12 pi) for
    m_V >> m_e.

    Parameters
    ----------
    m_med : float or array_like
        Vector-mediator mass m_V (MeV), > 0.
    g_f : float or array_like
        Vector coupling of V to electrons (dimensionless), >= 0.

    Returns
    -------
    numpy.ndarray
        Width in MeV; exactly 0 for m_V <= 2 m_e.
    """
    m_med = as_array("m_med", m_med, allow_zero=False, maximum=MAX_MEV)
    g_f = as_array("g_f", g_f)
    is_open = m_med > 2.0 * M_ELECTRON
    m_safe = np.where(is_open, m_med, 4.0 * M_ELECTRON)
    x = (M_ELECTRON / m_safe) ** 2
    beta = np.sqrt((m_safe - 2.0 * M_ELECTRON) * (m_safe + 2.0 * M_ELECTRON)) / m_safe
    with np.errstate(over="ignore", invalid="ignore"):
        width = g_f**2 * m_safe / (12.0 * np.pi) * (1.0 + 2.0 * x) * beta
    return _finite(np.where(is_open, width, 0.0), "V -> e+ e-")


def channel_widths(m_chi, m_med, g_chi, g_f, *, n_flavours: int = 3) -> dict[str, np.ndarray]:
    """Partial widths of chi summed over ``n_flavours`` neutrino flavours (MeV).

    Parameters
    ----------
    m_chi, m_med : float or array_like
        Dark-fermion and mediator masses (MeV); m_chi >= 0, m_med > 0.
    g_chi, g_f : float or array_like
        Couplings (dimensionless), >= 0.
    n_flavours : int
        Number of neutrino flavours chi couples to with g_chi (1 to 3; paper 003 assumes the
        same coupling for all, hence 3).

    Returns
    -------
    dict
        ``{"V nu": ..., "nu e+ e-": ...}`` (keys :data:`CHANNELS`), arrays broadcast together.
    """
    n = _check_flavours(n_flavours)
    two_body = n * width_chi_to_v_nu(m_chi, m_med, g_chi)
    three_body = n * width_chi_to_nu_ee(m_chi, m_med, g_chi, g_f)
    two_body, three_body = np.broadcast_arrays(two_body, three_body)
    return {CHANNELS[0]: two_body.copy(), CHANNELS[1]: three_body.copy()}


@dataclass(frozen=True)
class DecaySummary:
    """Everything :func:`summarize` computes, arrays broadcast over the input points.

    Attributes
    ----------
    widths : dict
        Partial widths of chi per channel (MeV), summed over flavours (:func:`channel_widths`).
    total_width : numpy.ndarray
        Total width of chi (MeV).
    branching_ratios : dict
        Branching ratios per channel (0 where chi is stable).
    width_v_to_ee : numpy.ndarray
        Width of V -> e+ e- (MeV), paper 003 Eq. (27).
    lifetime_s : numpy.ndarray
        Proper lifetime of chi hbar / Gamma_total (s), +inf where stable at tree level.
    decay_length_m : numpy.ndarray or None
        gamma beta c tau (m) at the requested energy, None when no energy was given.
    decays_before_bbn : numpy.ndarray
        lifetime < 1 s (paper 003 Sec. IV D), boolean.
    outlives_universe : numpy.ndarray
        lifetime > constants.SECONDS_AGE_OF_UNIVERSE (paper 003 Sec. IV D), boolean.
    """

    widths: dict[str, np.ndarray]
    total_width: np.ndarray
    branching_ratios: dict[str, np.ndarray]
    width_v_to_ee: np.ndarray
    lifetime_s: np.ndarray
    decay_length_m: np.ndarray | None
    decays_before_bbn: np.ndarray
    outlives_universe: np.ndarray


def summarize(m_chi, m_med, g_chi, g_f, *, energy=None, n_flavours: int = 3) -> DecaySummary:
    """Widths, branching ratios, lifetime, decay length and the Sec. IV D statements at once.

    The decay length is gamma beta c tau with gamma beta = sqrt(E^2 - m_chi^2) / m_chi and
    c tau = 1 / Gamma_total (MeV^-1, converted with units.m); it is +inf where chi is stable at
    tree level (whatever its momentum) and 0 for an unstable chi at rest.

    Parameters
    ----------
    m_chi, m_med, g_chi, g_f, n_flavours
        As in :func:`channel_widths`.
    energy : float or array_like, optional
        Total lab energy of chi (MeV, >= m_chi) for the decay length.

    Returns
    -------
    DecaySummary
    """
    widths = channel_widths(m_chi, m_med, g_chi, g_f, n_flavours=n_flavours)
    total = sum(widths.values())
    unstable = total > 0
    safe_total = np.where(unstable, total, 1.0)
    tau = np.where(unstable, units.HBAR_MEV_S / safe_total, np.inf)
    length = None
    if energy is not None:
        energy = as_array("energy", energy, maximum=MAX_MEV)
        m_chi = as_array("m_chi", m_chi)
        if np.any(energy < m_chi):
            raise ParameterError(
                f"energy ({np.min(energy):g} MeV) must be at least m_chi ({np.max(m_chi):g} MeV):"
                " it is the total energy of chi"
            )
        gamma_beta = np.sqrt((energy - m_chi) * (energy + m_chi)) / np.where(unstable, m_chi, 1.0)
        length = np.where(unstable, gamma_beta / safe_total / units.m, np.inf)
    return DecaySummary(
        widths=widths,
        total_width=total,
        branching_ratios={
            name: np.where(unstable, w / safe_total, 0.0) for name, w in widths.items()
        },
        width_v_to_ee=np.broadcast_to(width_v_to_ee(m_med, g_f), total.shape).copy(),
        lifetime_s=tau,
        decay_length_m=length,
        decays_before_bbn=tau < BBN_TIME_S,
        outlives_universe=tau > SECONDS_AGE_OF_UNIVERSE,
    )


def total_width(m_chi, m_med, g_chi, g_f, *, n_flavours: int = 3):
    """Total tree-level width of chi (MeV), the sum of :func:`channel_widths`."""
    return summarize(m_chi, m_med, g_chi, g_f, n_flavours=n_flavours).total_width


def branching_ratios(m_chi, m_med, g_chi, g_f, *, n_flavours: int = 3) -> dict[str, np.ndarray]:
    """Branching ratios of chi per channel (keys :data:`CHANNELS`); all 0 where chi is stable.

    Parameters are those of :func:`channel_widths`.
    """
    return summarize(m_chi, m_med, g_chi, g_f, n_flavours=n_flavours).branching_ratios


def lifetime(m_chi, m_med, g_chi, g_f, *, n_flavours: int = 3):
    """Proper lifetime of chi, hbar / Gamma_total (hbar = units.HBAR_MEV_S), in seconds.

    Parameters are those of :func:`channel_widths`; +inf where no decay is open.
    """
    return summarize(m_chi, m_med, g_chi, g_f, n_flavours=n_flavours).lifetime_s


def decay_length(energy, m_chi, m_med, g_chi, g_f, *, n_flavours: int = 3):
    """Mean decay length of a chi of total lab energy E, gamma beta c tau, in metres.

    Parameters
    ----------
    energy : float or array_like
        Total energy of chi in the lab (MeV), >= m_chi.
    m_chi, m_med, g_chi, g_f, n_flavours
        As in :func:`channel_widths`.

    Returns
    -------
    numpy.ndarray
        Decay length in m; +inf where chi is stable at tree level, 0 for an unstable chi at rest
        (see :func:`summarize`).
    """
    return summarize(m_chi, m_med, g_chi, g_f, energy=energy, n_flavours=n_flavours).decay_length_m


def decays_before_bbn(m_chi, m_med, g_chi, g_f, *, n_flavours: int = 3):
    """Whether chi decays before BBN, lifetime < 1 s (paper 003 Sec. IV D).

    Parameters are those of :func:`channel_widths`; returns a boolean array.
    """
    return summarize(m_chi, m_med, g_chi, g_f, n_flavours=n_flavours).decays_before_bbn


def outlives_universe(m_chi, m_med, g_chi, g_f, *, n_flavours: int = 3):
    """Whether chi lives longer than the age of the Universe (paper 003 Sec. IV D).

    Compares the lifetime with constants.SECONDS_AGE_OF_UNIVERSE; True also where no tree-level
    decay is open (lifetime = inf). Parameters are those of :func:`channel_widths`.
    """
    return summarize(m_chi, m_med, g_chi, g_f, n_flavours=n_flavours).outlives_universe
