"""Coupling presets: light-mediator models with flavour-, quark- and electron-specific couplings.

A preset fixes the *direction* in coupling space; the bound is on its overall scale g. For the
vector (or scalar) mediator V coupled as

    L > g c_alpha (chibar gamma^mu P_L nu_alpha) V_mu + g sum_q c_q (qbar gamma_mu q) V^mu
        + g c_e (ebar gamma_mu e) V^mu  (+ h.c.; scalar: no gamma matrices),

the up-scattering amplitude nu_alpha T -> chi T on target T is proportional to g^2 c_alpha Q_T
with Q_T the target's coherent charge built from the c_q (paper 000 Eq. (24) for the vector:
(2 c_u + c_d) Z + (c_u + 2 c_d) N; paper 003 Eq. (7) for the scalar through the nucleon matrix
elements) or c_e for an electron. So the rate of every flux component of flavour alpha is the
universal model's (paper 003: all c = 1) times c_alpha^2 (Q_T(c) / Q_T(1))^2: the presets reuse
the universal cross sections with the quark couplings and a weight per neutrino flavour and per
target, and a bound along a direction never needs anything new. Antineutrinos take the coupling
of their flavour (a vector-like coupling to the lepton doublet). There is no interference with
the SM (the final state is chi, not nu), so the sign of a coupling does not matter.

Presets (:data:`PRESETS`), each with its charges:

* ``universal``: c_alpha = c_u = c_d = c_e = 1, the three papers (the default).
* ``b-l``: gauged B-L, c_q = 1/3 for every quark (baryon number), c_e = -1 and c_alpha = -1
  (lepton number; the nu-chi vertex taken with the neutrino's B-L charge). A vector model.
* ``dark-photon``: kinetic mixing, the mediator couples to the electric current: c_u = 2/3,
  c_d = -1/3, c_e = -1 (so g = epsilon e and the nucleus charge is Z: protons only); the
  neutrino has no electric charge, so the nu-chi vertex is the dark coupling g_chi alone,
  taken flavour-universal (c_alpha = 1) and absorbed in g = sqrt(g_chi epsilon e). A vector
  model.
* ``leptophobic``: quarks only (c_e = 0); ``electrophilic``: electrons only (c_q = 0).
* ``nu-e``, ``nu-mu``, ``nu-tau``: the nu-chi vertex of one flavour only, targets universal.

A user preset is a few lines of TOML (:func:`load_preset`)::

    name = "my-preset"
    description = "muon-philic, down-quark only"
    mediator = "vector"            # optional: restrict to "vector" or "scalar"
    neutrino = { e = 0.0, mu = 1.0, tau = 0.0 }
    quarks = { u = 0.0, d = 1.0 }
    electron = 0.0

It must set at least one of ``neutrino``, ``quarks``, ``electron``; those it leaves out stay
universal (1).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np

from ._validate import lookup
from .errors import ParameterError
from .flavours import lepton_flavour
from .models import Model, electron_channels, light_mediator_channels
from .nuclei import Material
from .rates import Channel

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

LEPTONS = ("e", "mu", "tau")
QUARKS = ("u", "d", "s")


@dataclass(frozen=True)
class Preset:
    """A direction in coupling space (see the module notes).

    Attributes
    ----------
    name : str
    neutrino : dict[str, float]
        c_alpha of the nu_alpha-chi vertex for alpha = e, mu, tau.
    quarks : dict[str, float]
        c_q for u, d (and s for the scalar, where the hadronic set has f_Ts).
    electron : float
        c_e.
    description : str
        What the preset is, with its source.
    mediator : str or None
        ``"vector"`` or ``"scalar"`` when the preset only makes sense for one (gauge models are
        vectors); None for both.
    """

    name: str
    neutrino: dict[str, float] = field(default_factory=lambda: dict.fromkeys(LEPTONS, 1.0))
    quarks: dict[str, float] = field(default_factory=lambda: {"u": 1.0, "d": 1.0})
    electron: float = 1.0
    description: str = ""
    mediator: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ParameterError("a preset needs a non-empty name")
        neutrino = {**dict.fromkeys(LEPTONS, 0.0), **_couplings("neutrino", self.neutrino, LEPTONS)}
        quarks = {"u": 0.0, "d": 0.0, **_couplings("quarks", self.quarks, QUARKS)}
        electron = _number("electron", self.electron)
        if self.mediator not in (None, "vector", "scalar"):
            raise ParameterError(f"preset mediator must be vector or scalar, got {self.mediator!r}")
        if not any(neutrino.values()):
            raise ParameterError(
                f"preset {self.name}: at least one neutrino coupling must be non-zero"
            )
        object.__setattr__(self, "neutrino", neutrino)
        object.__setattr__(self, "quarks", quarks)
        object.__setattr__(self, "electron", electron)

    def neutrino_weight(self, flavour: str) -> float:
        """c_alpha^2 of a (anti)neutrino flavour."""
        return self.neutrino[lepton_flavour(flavour)] ** 2

    def to_json(self) -> dict:
        """The couplings as recorded with a result."""
        return {
            "preset": self.name,
            "neutrino": self.neutrino,
            "quarks": self.quarks,
            "electron": self.electron,
        }


def _number(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
        raise ParameterError(f"coupling {name} must be a finite number, got {value!r}")
    return float(value)


def _couplings(kind: str, values, known: tuple[str, ...]) -> dict[str, float]:
    if not isinstance(values, Mapping):
        raise ParameterError(f"{kind} couplings must be a table of name = number")
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ParameterError(
            f"unknown {kind} coupling {', '.join(unknown)}; known: {', '.join(known)}"
        )
    return {k: _number(f"{kind}.{k}", v) for k, v in values.items()}


PRESETS: dict[str, Preset] = {
    "universal": Preset(
        "universal",
        description="universal couplings to neutrinos, u, d and electrons (papers 000, 002, 003)",
    ),
    "b-l": Preset(
        "b-l",
        neutrino=dict.fromkeys(LEPTONS, -1.0),
        quarks={"u": 1 / 3, "d": 1 / 3},
        electron=-1.0,
        description="gauged B-L: quarks 1/3, leptons -1 (nucleus charge A)",
        mediator="vector",
    ),
    "dark-photon": Preset(
        "dark-photon",
        quarks={"u": 2 / 3, "d": -1 / 3},
        electron=-1.0,
        description="kinetic mixing: electric charge (nucleus charge Z); nu-chi vertex g_chi only, "
        "flavour-universal",
        mediator="vector",
    ),
    "leptophobic": Preset("leptophobic", electron=0.0, description="quarks only, no electrons"),
    "electrophilic": Preset(
        "electrophilic", quarks={"u": 0.0, "d": 0.0}, description="electrons only, no quarks"
    ),
    **{
        f"nu-{flavour}": Preset(
            f"nu-{flavour}",
            neutrino={flavour: 1.0},
            description=f"nu_{flavour}-chi vertex only; quarks and electrons universal",
        )
        for flavour in LEPTONS
    },
}


def load_preset(path: str | os.PathLike) -> Preset:
    """A user preset from a TOML file (format in the module notes)."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            content = tomllib.load(handle)
    except OSError as exc:
        raise ParameterError(f"cannot read preset file {path}: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ParameterError(f"preset file {path} is not valid TOML: {exc}") from exc
    known = {"name", "description", "mediator", "neutrino", "quarks", "electron"}
    unknown = sorted(set(content) - known)
    if unknown:
        fields = ", ".join(sorted(known))
        raise ParameterError(
            f"preset file {path}: unknown field {', '.join(unknown)}; known: {fields}"
        )
    if not set(content) & {"neutrino", "quarks", "electron"}:
        raise ParameterError(
            f"preset file {path} sets no coupling: give at least one of neutrino, quarks, "
            "electron (the others stay universal)"
        )
    try:
        return Preset(
            name=content.get("name", path.stem),
            neutrino=content.get("neutrino", dict.fromkeys(LEPTONS, 1.0)),
            quarks=content.get("quarks", {"u": 1.0, "d": 1.0}),
            electron=content.get("electron", 1.0),
            description=content.get("description", f"user preset {path.name}"),
            mediator=content.get("mediator"),
        )
    except ParameterError as exc:
        raise ParameterError(f"preset file {path}: {exc}") from None


def get_preset(name: str | os.PathLike) -> Preset:
    """A registered preset by name, or a user preset from a ``.toml`` file."""
    if not isinstance(name, str | os.PathLike):
        raise ParameterError(
            f"preset must be a preset name, a .toml path or a Preset, got {name!r}"
        )
    if os.fspath(name).lower().endswith(".toml"):
        return load_preset(name)
    return lookup("coupling preset", PRESETS, name)


def _mapped(channels: list[Channel], label: str, transform, basis_shape: tuple) -> Channel:
    """A channel on the target of ``channels[0]`` whose cross section is
    ``transform([c.dsigma(...) for c in channels], flavour)``.

    ``transform`` is linear in the values and acts on their trailing basis axis only, so it is
    applied alike to the 1/E coefficients (``energy_terms``, shape T.shape + (3,) + basis) when
    every channel has them: the closed-form energy integral and the quadrature stay the same
    cross section. The result depends on the flavour (``flavour_blind`` False).
    """

    channels = [c.whole_basis() for c in channels]  # transform acts on the basis axes

    def dsigma(E, T, flavour, **params):
        return transform([np.asarray(c.dsigma(E, T, flavour, **params)) for c in channels], flavour)

    def energy_terms(T, flavour, **params):
        values = [np.asarray(c.energy_terms(T, flavour, **params)) for c in channels]
        return transform(values, flavour)

    closed_form = all(c.energy_terms is not None for c in channels)
    return replace(
        channels[0],
        label=label,
        dsigma=dsigma,
        energy_terms=energy_terms if closed_form else None,
        basis_shape=basis_shape,
        flavour_blind=False,
    )


def _weighted(channel: Channel, preset: Preset, target_weight: float) -> Channel:
    def transform(values, flavour):
        return preset.neutrino_weight(flavour) * target_weight * values[0]

    label = f"{channel.label} [{preset.name}]"
    return _mapped([channel], label, transform, channel.basis_shape)


def _by_flavour(channel: Channel, preset: Preset, target_weight: float) -> Channel:
    """The channel's (one-entry) cross section times ``target_weight``, placed in the basis
    entry of the flux component's lepton flavour (e, mu, tau)."""

    def transform(values, flavour):
        value = target_weight * values[0][..., 0]
        out = np.zeros((*value.shape, len(LEPTONS)))
        out[..., LEPTONS.index(lepton_flavour(flavour))] = value
        return out

    label = f"{channel.label} [{preset.name} targets, per flavour]"
    return _mapped([channel], label, transform, (len(LEPTONS),))


def _target_channels(
    kind: str, preset: Preset, material: Material, electrons: bool, options
) -> list[tuple[Channel, float]]:
    """The universal model's channels with the preset's quark couplings, each with the weight
    of its target (1 for nuclei, whose charge the quark couplings set; c_e^2 for electrons)."""
    quarks = {k: v for k, v in preset.quarks.items() if kind == "scalar" or k != "s"}
    if kind == "vector" and preset.quarks.get("s", 0.0):
        raise ParameterError("the vector charge has no strange-quark term (valence quarks only)")
    channels = []
    if any(quarks.values()):
        nuclear = light_mediator_channels(kind, material, quark_couplings=quarks, **options)
        channels += [(c, 1.0) for c in nuclear]
    if electrons and preset.electron:
        channels += [(c, preset.electron**2) for c in electron_channels(kind, material)]
    return channels


def _preset_channels(
    kind: str, preset: Preset, material: Material, electrons: bool = False, **options
) -> list[Channel]:
    pairs = _target_channels(kind, preset, material, electrons, options)
    return [_weighted(c, preset, weight) for c, weight in pairs]


def _flavour_channels(
    kind: str, preset: Preset, material: Material, electrons: bool = False, **options
) -> list[Channel]:
    pairs = _target_channels(kind, preset, material, electrons, options)
    return [_by_flavour(c, preset, weight) for c, weight in pairs]


def _resolve(kind: str, preset: Preset | str) -> Preset:
    if kind not in ("vector", "scalar"):
        raise ParameterError(
            f"coupling presets apply to the vector and scalar models, not {kind!r}"
        )
    preset = get_preset(preset) if not isinstance(preset, Preset) else preset
    if preset.mediator is not None and preset.mediator != kind:
        raise ParameterError(f"preset {preset.name} is a {preset.mediator} model, not {kind}")
    return preset


def preset_model(kind: str, preset: Preset | str) -> Model:
    """The ``kind`` (``"vector"`` or ``"scalar"``) mediator model along ``preset``; its coupling
    ``g`` is the preset's overall scale (N = N_SM + g^4 K). ``universal`` gives the model of
    :func:`upscatter.models.get_model` exactly."""
    preset = _resolve(kind, preset)
    return Model(
        kind if preset.name == "universal" else f"{kind}[{preset.name}]",
        ("m_chi", "m_med"),
        "g",
        (4,),
        partial(_preset_channels, kind, preset),
        f"light {kind} mediator along the {preset.name} couplings: {preset.description}",
        preset=preset,
        family=kind,
    )


FLAVOUR_COUPLINGS = tuple(f"g_{flavour}" for flavour in LEPTONS)
"""Per-flavour couplings of :func:`flavour_model`: g_e, g_mu, g_tau."""


def flavour_model(kind: str, preset: Preset | str = "universal") -> Model:
    """The ``kind`` mediator model with one coupling per neutrino flavour, g_e, g_mu, g_tau.

    g_alpha is the coupling of flavour alpha in the normalisation of paper 003 (Sec. II), where
    the universal g is sqrt(g_chi g_f): g_alpha^2 = g_chi,alpha g_f with g_chi,alpha the
    nu_alpha-chi vertex and g_f the target vertex along ``preset``'s quark and electron charges
    (its neutrino couplings are replaced by the three g_alpha). Each flux component has one
    flavour, and antineutrinos take the coupling of their flavour, so

        N = N_SM + g_e^4 K_e + g_mu^4 K_mu + g_tau^4 K_tau,

    with K_alpha the components of flavour alpha (no interference between flavours: they are
    different initial states). The axis g_mu = g_tau = 0 is the ``nu-e`` preset, and so on.
    """
    preset = _resolve(kind, preset)
    n = len(LEPTONS)
    return Model(
        f"{kind}-flavours" if preset.name == "universal" else f"{kind}[{preset.name}]-flavours",
        ("m_chi", "m_med"),
        "g",
        (4,) * n,
        partial(_flavour_channels, kind, preset),
        f"light {kind} mediator with one coupling per neutrino flavour, targets along "
        f"{preset.name}",
        couplings=FLAVOUR_COUPLINGS,
        exponents=tuple(tuple(4 * int(i == j) for j in range(n)) for i in range(n)),
        preset=preset,
        family=kind,
    )


QUARK_COUPLINGS = ("g_u", "g_d", "g_el")
"""Couplings of :func:`quark_model`: the products g_chi g_u, g_chi g_d and g_chi g_e."""


def _quark_basis(parts, preset: Preset):
    """One channel whose basis is (x_u^2, x_u x_d, x_d^2, x_e^2) from the cross sections at unit
    couplings ``parts`` = (u only, d only, u and d) of one isotope, weighted per flavour."""

    def transform(values, flavour):
        uu, dd, both = (v[..., 0] for v in values)
        ud = both - uu - dd
        weight = preset.neutrino_weight(flavour)
        return weight * np.stack([uu, ud, dd, np.zeros_like(uu)], axis=-1)

    label = f"{parts[0].label} [quarks, {preset.name} flavours]"
    return _mapped(list(parts), label, transform, (4,))


def _electron_entry(channel: Channel, preset: Preset) -> Channel:
    def transform(values, flavour):
        value = preset.neutrino_weight(flavour) * values[0]
        out = np.zeros((*value.shape[:-1], 4))
        out[..., 3] = value[..., 0]
        return out

    label = f"{channel.label} [{preset.name} flavours]"
    return _mapped([channel], label, transform, (4,))


def _quark_channels(
    kind: str, preset: Preset, material: Material, electrons: bool = False, **options
) -> list[Channel]:
    if "quark_couplings" in options:
        raise ParameterError(f"the {kind}-quarks model sets the quark couplings itself")
    units = ({"u": 1.0, "d": 0.0}, {"u": 0.0, "d": 1.0}, {"u": 1.0, "d": 1.0})
    lists = [light_mediator_channels(kind, material, quark_couplings=q, **options) for q in units]
    channels = [_quark_basis(parts, preset) for parts in zip(*lists, strict=True)]
    if electrons:
        channels += [_electron_entry(c, preset) for c in electron_channels(kind, material)]
    return channels


def quark_model(kind: str, preset: Preset | str = "universal") -> Model:
    """The ``kind`` mediator model with the couplings to u quarks, d quarks and electrons free.

    The couplings are the products of the two vertices, g_u = g_chi g_u', g_d = g_chi g_d',
    g_el = g_chi g_e' (primes: the target vertex), per unit neutrino coupling along ``preset``'s
    flavours (its quark and electron charges are replaced). The nuclear amplitude is linear in
    the quark couplings through the coherent charge (vector: paper 000 Eq. (24),
    Q_V = (2 g_u + g_d) Z + (g_u + 2 g_d) N; scalar: paper 003 Eq. (7) through the nucleon
    matrix elements of the hadronic set), so

        N = N_SM + g_u^2 K_uu + g_u g_d K_ud + g_d^2 K_dd + g_el^2 K_e,

    a quadratic form with u-d interference of either sign (K_ud from the cross sections at
    (g_u, g_d) = (1, 0), (0, 1) and (1, 1)). The signs of g_u and g_d matter (the dark photon
    has g_d/g_u = -1/2); for the vector a ratio g_u/g_d = -(Z + 2N)/(2Z + N) cancels the charge
    of a nucleus. The axis g_u = g_el = 0 is the tree level of paper 000's down-philic Z'
    (x = g_chi g_q); the point g_u = g_d = g_el = g^2 is the universal model.
    """
    preset = _resolve(kind, preset)
    return Model(
        f"{kind}-quarks" if preset.name == "universal" else f"{kind}[{preset.name}]-quarks",
        ("m_chi", "m_med"),
        "g",
        (2, 2, 2, 2),
        partial(_quark_channels, kind, preset),
        f"light {kind} mediator with free couplings to u, d and electrons, neutrino flavours "
        f"along {preset.name}",
        couplings=QUARK_COUPLINGS,
        exponents=((2, 0, 0), (1, 1, 0), (0, 2, 0), (0, 0, 2)),
        preset=preset,
        family=kind,
    )
