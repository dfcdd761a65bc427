"""Physics models as coupling polynomials over basis channels (DESIGN.md, performance idea).

A model turns a detector material into a list of :class:`~upscatter.rates.Channel` objects whose
basis cross sections have one trailing axis per coupling monomial, and maps couplings to the
values of those monomials. Expected counts are then

    N = N_SM + sum_k K_k * monomial_k(couplings),

with K computed once per mass point by :func:`upscatter.rates.binned_counts`.

Registered models: ``sm`` (no new physics), ``vector`` and ``scalar`` (paper 003: light
mediators with universal couplings g to u, d and e; counts scale as g^4), ``zprime`` (paper 000,
down-philic Z', tree level x^2 with x = g_chi g_q; loops are added by :mod:`upscatter.xsec.loops`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from ._validate import as_float, lookup
from .constants import M_ELECTRON
from .errors import ParameterError
from .nuclei import Material
from .rates import ELECTRON, NUCLEAR, Channel
from .xsec.mediators import (
    scalar_nucleus_dsigma_dT,
    vector_dsigma_dT,
    vector_nucleus_dsigma_dT,
)
from .xsec.sm import sm_dsigma_dT


def sm_channels(material: Material, form_factor: str = "helm", radius_scale: float = 1.0):
    """SM CEvNS channels, one per isotope of ``material`` (no parameters, no basis axis)."""

    def make(isotope):
        def dsigma(E, T, flavour):
            return sm_dsigma_dT(E, T, isotope, form_factor, radius_scale)

        return dsigma

    return [
        Channel(f"{iso.name} CEvNS", iso.mass, n, NUCLEAR, make(iso))
        for iso, n in zip(material.isotopes, material.nuclei_per_kg(), strict=True)
    ]


@dataclass(frozen=True)
class Model:
    """A new-physics model: how to build basis channels and evaluate coupling monomials.

    Attributes
    ----------
    name : str
        Registry name.
    parameters : tuple of str
        Names of the mass parameters (MeV) the channels take, e.g. ``("m_chi", "m_med")``.
    coupling : str
        Name of the coupling the monomials are powers of.
    powers : tuple of int
        Power of the coupling for each basis entry.
    build : callable
        ``build(material, **options) -> list[Channel]``.
    description : str
        One line for ``--help`` and JSON output.
    """

    name: str
    parameters: tuple[str, ...]
    coupling: str
    powers: tuple[int, ...]
    build: Callable[..., list[Channel]]
    description: str = ""
    options: dict = field(default_factory=dict)

    def channels(self, material: Material, **options) -> list[Channel]:
        """Basis channels of this model for ``material``; an option the model does not take is
        a ParameterError listing the ones it does (models that pass options on to their cross
        sections check them there)."""
        signature = inspect.signature(self.build)
        if not any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()):
            unknown = sorted(set(options) - set(self.option_names))
            if unknown:
                raise ParameterError(
                    f"model {self.name} has no option {', '.join(unknown)}; its options: "
                    f"{', '.join(self.option_names) or 'none'}"
                )
        return self.build(material, **{**self.options, **options})

    @property
    def option_names(self) -> tuple[str, ...]:
        """Named keyword options of :meth:`channels` (``electrons``, ``form_factor``...)."""
        return tuple(
            name
            for name, p in inspect.signature(self.build).parameters.items()
            if name != "material" and p.default is not p.empty and p.kind is not p.VAR_KEYWORD
        )

    def monomials(self, coupling) -> np.ndarray:
        """Values of the basis monomials, shape np.shape(coupling) + (n_basis,)."""
        g = np.asarray(coupling, dtype=float)[..., None]
        return g ** np.asarray(self.powers, dtype=float)


def _nuclear_basis(func, material: Material, **xsec_options) -> list[Channel]:
    """Channels with a one-entry basis for per-isotope nucleus cross sections func(...).

    An option ``func`` does not take is a ParameterError here, when the model is built, not a
    TypeError in the middle of the folding."""
    taken = set(inspect.signature(func).parameters) - {"E", "T", "isotope", "m_chi", "m_med"}
    unknown = sorted(set(xsec_options) - taken)
    if unknown:
        raise ParameterError(
            f"{func.__name__} has no option {', '.join(unknown)}; its options: "
            f"{', '.join(sorted(taken))}"
        )

    def make(isotope):
        def dsigma(E, T, flavour, m_chi, m_med):
            return func(E, T, isotope=isotope, m_chi=m_chi, m_med=m_med, **xsec_options)[..., None]

        return dsigma

    return [
        Channel(f"{iso.name} {func.__name__}", iso.mass, n, NUCLEAR, make(iso), "m_chi", (1,))
        for iso, n in zip(material.isotopes, material.nuclei_per_kg(), strict=True)
    ]


def electron_channels(kind: str, material: Material) -> list[Channel]:
    """nu e -> chi e channels weighted by Z_eff (paper 003 Eqs. (10)-(11))."""
    from .xsec import electrons

    func = {
        "vector": electrons.vector_electron_dsigma_dT,
        "scalar": electrons.scalar_electron_dsigma_dT,
    }[kind]

    def make(isotope):
        def dsigma(E, T, flavour, m_chi, m_med):
            return func(E, T, isotope=isotope, m_chi=m_chi, m_med=m_med)[..., None]

        return dsigma

    return [
        Channel(f"{iso.name} e {kind}", M_ELECTRON, n, ELECTRON, make(iso), "m_chi", (1,))
        for iso, n in zip(material.isotopes, material.nuclei_per_kg(), strict=True)
    ]


def light_mediator_channels(
    kind: str,
    material: Material,
    electrons: bool = False,
    form_factor: str = "klein-nystrand",
    radius_scale: float = 1.0,
    **xsec_options,
) -> list[Channel]:
    """Nuclear (and optionally electron) channels of the vector or scalar model."""
    func = vector_nucleus_dsigma_dT if kind == "vector" else scalar_nucleus_dsigma_dT
    channels = _nuclear_basis(
        func, material, form_factor=form_factor, radius_scale=radius_scale, **xsec_options
    )
    if electrons:
        channels += electron_channels(kind, material)
    return channels


def _zprime_channels(
    material: Material,
    case: str = "A",
    loops: bool = True,
    tree: bool = True,
    form_factor: str = "helm",
    radius_scale: float = 1.0,
    twist2: str | None = None,
) -> list[Channel]:
    """Paper 000 simplified Z' (down-philic): basis (x^2, x^4) with x = g_chi g_q.

    The tree level nu N -> chi N (Eq. (24) with g_u = 0, g_d = g_q; case A only, case B has no
    coherent tree-level process) fills the x^2 entry; the loop-induced elastic nu N -> nu N
    (Eq. (26), :mod:`upscatter.xsec.loops`) fills the x^4 entry, so counts are
    N_SM + x^2 K_tree + x^4 K_loop (paper 000 Eq. (22)). ``loops=False`` or ``tree=False``
    leaves the corresponding entry zero (tree-only or loop-only bounds). ``twist2`` selects the
    reading of the twist-2 nuclear sums (:data:`upscatter.xsec.loops.TWIST2_READINGS`):
    ``"nucleon"`` (physically derived; the default, :data:`upscatter.xsec.loops.DEFAULT_TWIST2`,
    when None) or ``"paper"`` (as printed; reproduces the paper's Fig. 4).
    """
    from .xsec.loops import DEFAULT_TWIST2, loop_dsigma_dT_per_x4  # scipy only when used

    twist2 = DEFAULT_TWIST2 if twist2 is None else twist2
    if case not in ("A", "B"):
        raise ParameterError(f"unknown Z' case {case!r}; known: A, B")
    channels = []
    if case == "A" and tree:
        tree_channels = _nuclear_basis(
            vector_nucleus_dsigma_dT,
            material,
            quark_couplings={"u": 0.0, "d": 1.0},
            form_factor=form_factor,
            radius_scale=radius_scale,
        )
        channels += [
            Channel(
                c.label,
                c.target_mass,
                c.targets_per_kg,
                c.recoil,
                partial(_place, c.dsigma, 0),
                c.m_out_param,
                (2,),
            )
            for c in tree_channels
        ]
    if loops:

        def make(isotope):
            def dsigma(E, T, flavour, m_chi, m_med):
                return loop_dsigma_dT_per_x4(
                    E,
                    T,
                    isotope=isotope,
                    m_chi=m_chi,
                    m_zprime=m_med,
                    case=case,
                    form_factor=form_factor,
                    radius_scale=radius_scale,
                    twist2=twist2,
                )

            return dsigma

        channels += [
            Channel(
                f"{iso.name} loop", iso.mass, n, NUCLEAR, partial(_place, make(iso), 1), None, (2,)
            )
            for iso, n in zip(material.isotopes, material.nuclei_per_kg(), strict=True)
        ]
    return channels


def _place(dsigma, index, E, T, flavour, **params):
    """Put a plain (or one-entry) cross section into entry ``index`` of a two-entry basis."""
    value = np.asarray(dsigma(E, T, flavour, **params))
    if value.ndim and value.shape[-1:] == (1,) and index == 0:
        value = value[..., 0]
    out = np.zeros((*value.shape, 2))
    out[..., index] = value
    return out


def eft_channels(
    material: Material,
    operators,
    *,
    real_only: bool = False,
    form_factor: str = "helm",
    hadronic: str = "chang-liao2020",
    radius_scale: float = 1.0,
) -> list[Channel]:
    """Channels of the dimension-6 EFT (paper 002 Eq. (2)) as a quadratic form.

    The basis is the matrix K of :func:`upscatter.xsec.eft.eft_basis_dsigma_dT` over
    theta = (Re c_1, Im c_1, Re c_2, ...), shape (2n, 2n); with ``real_only`` it is restricted to
    the real parts, shape (n, n). The antineutrino rules follow the flux component's flavour.
    """
    from .flavours import is_antineutrino
    from .xsec.eft import canonical_operator, eft_basis_dsigma_dT

    ops = [canonical_operator(op) for op in operators]
    keep = np.arange(0, 2 * len(ops), 2) if real_only else np.arange(2 * len(ops))
    size = keep.size

    def make(isotope):
        def dsigma(E, T, flavour, m_chi):
            K = eft_basis_dsigma_dT(
                E,
                T,
                isotope=isotope,
                m_chi=m_chi,
                operators=ops,
                antineutrino=is_antineutrino(flavour),
                hadronic=hadronic,
                form_factor=form_factor,
                radius_scale=radius_scale,
            )
            return K[..., keep[:, None], keep[None, :]]

        return dsigma

    return [
        Channel(f"{iso.name} EFT", iso.mass, n, NUCLEAR, make(iso), "m_chi", (size, size))
        for iso, n in zip(material.isotopes, material.nuclei_per_kg(), strict=True)
    ]


def _eft_single_operator_channels(
    material: Material, operator: str | None = None, **options
) -> list[Channel]:
    """One operator at a time: N = N_SM + |c|^2 K (no self-interference; paper 002 Sec. IV)."""
    if operator is None:
        raise ParameterError("the eft model needs an operator (e.g. --operator dipole)")
    channels = eft_channels(material, [operator], real_only=True, **options)
    return [
        Channel(
            c.label,
            c.target_mass,
            c.targets_per_kg,
            c.recoil,
            partial(_first_entry, c.dsigma),
            c.m_out_param,
            (1,),
        )
        for c in channels
    ]


def _first_entry(dsigma, E, T, flavour, **params):
    return dsigma(E, T, flavour, **params)[..., 0]


MODELS: dict[str, Model] = {
    "vector": Model(
        "vector",
        ("m_chi", "m_med"),
        "g",
        (4,),
        partial(light_mediator_channels, "vector"),
        "light vector mediator, universal coupling g to u, d (and e), paper 003 Eq. (4)",
    ),
    "scalar": Model(
        "scalar",
        ("m_chi", "m_med"),
        "g",
        (4,),
        partial(light_mediator_channels, "scalar"),
        "light scalar mediator, universal coupling g to u, d (and e), paper 003 Eqs. (6)-(7)",
    ),
    "zprime": Model(
        "zprime",
        ("m_chi", "m_med"),
        "g_chi*g_q",
        (2, 4),
        _zprime_channels,
        "paper 000 simplified Z' (down-philic): tree level x^2 (case A) + loops x^4, Eq. (22)",
    ),
    "eft": Model(
        "eft",
        ("m_chi",),
        "|c|",
        (2,),
        _eft_single_operator_channels,
        "dimension-6 EFT of paper 002, one operator at a time (option operator=...)",
    ),
}


def get_model(name: str) -> Model:
    """Look up a model by name."""
    return lookup("model", MODELS, name)


def check_coupling(value) -> float:
    """A coupling must be a finite, non-negative number."""
    return as_float("coupling", value)


__all__ = [
    "MODELS",
    "Model",
    "electron_channels",
    "get_model",
    "light_mediator_channels",
    "sm_channels",
    "vector_dsigma_dT",
]
