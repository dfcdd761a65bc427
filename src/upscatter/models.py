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
    scalar_nucleus_dsigma_terms,
    vector_dsigma_dT,
    vector_nucleus_dsigma_dT,
    vector_nucleus_dsigma_terms,
)
from .xsec.sm import sm_dsigma_dT, sm_dsigma_terms


def sm_channels(material: Material, form_factor: str = "helm", radius_scale: float = 1.0):
    """SM CEvNS channels, one per isotope of ``material`` (no parameters, no basis axis)."""

    def make(isotope):
        def dsigma(E, T, flavour):
            return sm_dsigma_dT(E, T, isotope, form_factor, radius_scale)

        def terms(T, flavour):
            return sm_dsigma_terms(T, isotope, form_factor, radius_scale)

        return {"dsigma": dsigma, "energy_terms": terms, "flavour_blind": True}

    return [
        Channel(f"{iso.name} CEvNS", iso.mass, n, NUCLEAR, **make(iso))
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
    options : dict
        Default options passed to ``build``.
    validity : callable, optional
        ``validity(experiment, masses, K, bounds, **options) -> bool array``: True where a bound
        is inside the model's range of validity (None: everywhere).
    """

    name: str
    parameters: tuple[str, ...]
    coupling: str
    powers: tuple[int, ...]
    build: Callable[..., list[Channel]]
    description: str = ""
    options: dict = field(default_factory=dict)
    validity: Callable[..., np.ndarray] | None = None

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


def _one_entry_basis(func, terms_func, isotope, **options) -> dict:
    """``dsigma`` and ``energy_terms`` of a Channel with a one-entry basis from per-isotope
    functions func(E, T, ...) and terms_func(T, ...) (the latter in powers of 1/E; None when the
    cross section has no such form, so the energy is integrated by quadrature)."""

    def dsigma(E, T, flavour, m_chi, m_med):
        return func(E, T, isotope=isotope, m_chi=m_chi, m_med=m_med, **options)[..., None]

    def terms(T, flavour, m_chi, m_med):
        return terms_func(T, isotope=isotope, m_chi=m_chi, m_med=m_med, **options)[..., None]

    return {
        "dsigma": dsigma,
        "energy_terms": None if terms_func is None else terms,
        "flavour_blind": True,
    }


def _nuclear_basis(func, terms_func, material: Material, **xsec_options) -> list[Channel]:
    """Channels with a one-entry basis for per-isotope nucleus cross sections func(...)."""
    return [
        Channel(
            f"{iso.name} {func.__name__}",
            iso.mass,
            n,
            NUCLEAR,
            m_out_param="m_chi",
            basis_shape=(1,),
            **_one_entry_basis(func, terms_func, iso, **xsec_options),
        )
        for iso, n in zip(material.isotopes, material.nuclei_per_kg(), strict=True)
    ]


def electron_channels(kind: str, material: Material) -> list[Channel]:
    """nu e -> chi e channels weighted by Z_eff (paper 003 Eqs. (10)-(11))."""
    from .xsec import electrons

    func, terms_func = {
        "vector": (electrons.vector_electron_dsigma_dT, electrons.vector_electron_dsigma_terms),
        "scalar": (electrons.scalar_electron_dsigma_dT, electrons.scalar_electron_dsigma_terms),
    }[kind]
    return [
        Channel(
            f"{iso.name} e {kind}",
            M_ELECTRON,
            n,
            ELECTRON,
            m_out_param="m_chi",
            basis_shape=(1,),
            **_one_entry_basis(func, terms_func, iso),
        )
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
    func, terms_func = {
        "vector": (vector_nucleus_dsigma_dT, vector_nucleus_dsigma_terms),
        "scalar": (scalar_nucleus_dsigma_dT, scalar_nucleus_dsigma_terms),
    }[kind]
    channels = _nuclear_basis(
        func,
        terms_func,
        material,
        form_factor=form_factor,
        radius_scale=radius_scale,
        **xsec_options,
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
    interference: bool | None = None,
    spin_dependent: bool | None = None,
) -> list[Channel]:
    """Paper 000 simplified Z' (down-philic): basis (x^2, x^2, x^4) with x = g_chi g_q.

    Entry 0 is the tree level nu N -> chi N: case A, Eq. (24) with g_u = 0, g_d = g_q
    (coherent); case B, the spin-dependent tree level of the axial quark current
    (:func:`upscatter.xsec.spin_dependent.axial_nucleus_dsigma_dT`; the paper has no coherent
    tree level in case B and leaves the SD one out). Entry 1 is the interference of the c2 loop
    amplitude with the SM (:func:`upscatter.xsec.loops.loop_sm_interference_dsigma_dT_per_x2`;
    not in the paper). Entry 2 is the loop-induced elastic nu N -> nu N (Eq. (26),
    :mod:`upscatter.xsec.loops`). Counts are N_SM + x^2 (K_tree + K_int) + x^4 K_loop (paper
    000 Eq. (22) plus the interference).

    ``loops=False`` or ``tree=False`` leaves the corresponding entries zero (tree-only or
    loop-only bounds). ``twist2`` selects the reading of the twist-2 nuclear sums
    (:data:`upscatter.xsec.loops.TWIST2_READINGS`): ``"nucleon"`` (physically derived; the
    default, :data:`upscatter.xsec.loops.DEFAULT_TWIST2`, when None) or ``"paper"`` (paper 000
    as printed; reproduces its Fig. 4). ``interference`` and ``spin_dependent`` (None: as the
    reading prescribes, :data:`upscatter.xsec.loops.BEYOND_PAPER`, on for ``"nucleon"``, off
    for ``"paper"``) switch the interference entry and the case B spin-dependent tree level.
    """
    from .flavours import is_antineutrino
    from .xsec.loops import (  # scipy only when used
        BEYOND_PAPER,
        DEFAULT_TWIST2,
        TWIST2_READINGS,
        loop_dsigma_dT_per_x4,
        loop_sm_interference_dsigma_dT_per_x2,
    )

    twist2 = DEFAULT_TWIST2 if twist2 is None else twist2
    lookup("twist-2 reading", TWIST2_READINGS, twist2)
    if case not in ("A", "B"):
        raise ParameterError(f"unknown Z' case {case!r}; known: A, B")
    switches = {"interference": interference, "spin_dependent": spin_dependent}
    for name, value in switches.items():
        if value is not None and not isinstance(value, bool):
            raise ParameterError(f"{name} must be True, False or None, got {value!r}")
    interference, spin_dependent = (
        BEYOND_PAPER[twist2] if value is None else value for value in switches.values()
    )
    channels = []
    ff_options = {"form_factor": form_factor, "radius_scale": radius_scale}
    if case == "B" and tree and spin_dependent:
        from .xsec.spin_dependent import axial_nucleus_dsigma_dT

        channels += _tree_entry(axial_nucleus_dsigma_dT, None, material, **ff_options)
    if case == "A" and tree:
        channels += _tree_entry(
            vector_nucleus_dsigma_dT,
            vector_nucleus_dsigma_terms,
            material,
            quark_couplings={"u": 0.0, "d": 1.0},
            **ff_options,
        )
    loop_options = {
        "case": case,
        "form_factor": form_factor,
        "radius_scale": radius_scale,
        "twist2": twist2,
    }

    def make_loop(isotope):
        def dsigma(E, T, flavour, m_chi, m_med):
            return loop_dsigma_dT_per_x4(
                E, T, isotope=isotope, m_chi=m_chi, m_zprime=m_med, **loop_options
            )

        return dsigma

    def make_interference(isotope):
        def dsigma(E, T, flavour, m_chi, m_med):
            return loop_sm_interference_dsigma_dT_per_x2(
                E,
                T,
                isotope=isotope,
                m_chi=m_chi,
                m_zprime=m_med,
                antineutrino=is_antineutrino(flavour),
                **loop_options,
            )

        return dsigma

    pieces = [("loop", make_loop, 2)] if loops else []
    if loops and interference:
        pieces.append(("loop-SM interference", make_interference, 1))
    for label, make, index in pieces:
        channels += [
            Channel(
                f"{iso.name} {label}",
                iso.mass,
                n,
                NUCLEAR,
                partial(_place, make(iso), index),
                None,
                (3,),
            )
            for iso, n in zip(material.isotopes, material.nuclei_per_kg(), strict=True)
        ]
    return channels


def _tree_entry(func, terms_func, material: Material, **xsec_options) -> list[Channel]:
    """Per-isotope nu N -> chi N channels (:func:`_nuclear_basis`) in entry 0 of the Z' basis
    (``terms_func`` None: no closed-form energy terms)."""
    return [
        Channel(
            c.label,
            c.target_mass,
            c.targets_per_kg,
            c.recoil,
            partial(_place, c.dsigma, 0),
            c.m_out_param,
            (3,),
            None if c.energy_terms is None else partial(_place_terms, c.energy_terms, 0),
            c.flavour_blind,
        )
        for c in _nuclear_basis(func, terms_func, material, **xsec_options)
    ]


def _place(dsigma, index, E, T, flavour, **params):
    """Put a plain (or one-entry) cross section into entry ``index`` of the Z' basis."""
    return _place_value(np.asarray(dsigma(E, T, flavour, **params)), index)


def _place_terms(energy_terms, index, T, flavour, **params):
    """:func:`_place` for the 1/E coefficients of a one-entry basis (``Channel.energy_terms``)."""
    return _place_value(np.asarray(energy_terms(T, flavour, **params)), index)


def _place_value(value, index):
    if value.ndim and value.shape[-1:] == (1,) and index == 0:
        value = value[..., 0]
    out = np.zeros((*value.shape, 3))
    out[..., index] = value
    return out


LOOP_SHARE_LIMIT = 0.1
"""Share of the new-physics signal (at the bound) from the loop entries above which a Z' bound
depends on the loop term (:func:`_zprime_validity`)."""


def _zprime_validity(experiment, masses, K, bounds, **_options) -> np.ndarray:
    """True where a Z' bound is inside the range of validity of the twist-2 matching.

    A bound is outside when the loop entries (interference and |loop|^2) give more than
    :data:`LOOP_SHARE_LIMIT` of the signal at the bound and the expansion parameter
    m_p E_max/min(m_chi, m_Z')^2 (:func:`upscatter.xsec.loops.twist2_expansion_parameter`) at the
    source's largest neutrino energy exceeds :data:`upscatter.xsec.loops.TWIST2_VALIDITY_LIMIT`
    (physics-decisions, "Loops: range of validity"). Points without a bound are inside.
    """
    from .constants import M_MUON
    from .xsec.loops import TWIST2_VALIDITY_LIMIT, twist2_expansion_parameter

    source = getattr(experiment, "source", None)
    e_max = source.e_max if source is not None else M_MUON / 2.0
    x = np.where(np.isfinite(bounds), bounds, 0.0)[:, None]
    totals = np.asarray(K, dtype=float).sum(axis=1)  # (n, 3)
    parts = np.abs(totals * x ** np.array([2.0, 2.0, 4.0]))
    loop = parts[:, 1] + parts[:, 2]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(loop > 0, loop / (parts[:, 0] + loop), 0.0)
    expansion = twist2_expansion_parameter(masses["m_chi"], masses["m_med"], e_max)
    outside = (share > LOOP_SHARE_LIMIT) & (expansion > TWIST2_VALIDITY_LIMIT)
    return ~outside | ~np.isfinite(bounds)


def eft_channels(
    material: Material,
    operators,
    *,
    real_only: bool = False,
    convention: str | None = None,
    form_factor: str = "helm",
    hadronic: str = "chang-liao2020",
    radius_scale: float = 1.0,
) -> list[Channel]:
    """Channels of the dimension-6 EFT (paper 002 Eq. (1)) as a quadratic form.

    The basis is the matrix K of :func:`upscatter.xsec.eft.eft_basis_dsigma_dT` over
    theta = (Re c_1, Im c_1, Re c_2, ...), shape (2n, 2n); with ``real_only`` it is restricted to
    the real parts, shape (n, n). The antineutrino rules follow the flux component's flavour.
    ``convention``: ``"physical"`` (left-handed neutrinos, the full amplitude; the default,
    :data:`upscatter.xsec.eft.DEFAULT_CONVENTION`, when None) or ``"paper"`` (paper 002
    Eq. (2) as printed, helicity-summed: twice the rate of one operator).
    """
    from .flavours import is_antineutrino
    from .xsec.eft import (
        DEFAULT_CONVENTION,
        canonical_operator,
        check_convention,
        eft_basis_dsigma_dT,
    )

    convention = check_convention(DEFAULT_CONVENTION if convention is None else convention)
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
                convention=convention,
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
    material: Material, operator: str | None = None, convention: str | None = None, **options
) -> list[Channel]:
    """One operator at a time: N = N_SM + |c|^2 K (no self-interference; paper 002 Sec. IV);
    ``convention`` as in :func:`eft_channels`."""
    if operator is None:
        raise ParameterError("the eft model needs an operator (e.g. --operator dipole)")
    channels = eft_channels(material, [operator], real_only=True, convention=convention, **options)
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
        (2, 2, 4),
        _zprime_channels,
        "paper 000 simplified Z' (down-philic): tree level x^2 (case A), loop-SM interference "
        "x^2, loops x^4, Eq. (22)",
        validity=_zprime_validity,
    ),
    "eft": Model(
        "eft",
        ("m_chi",),
        "|c|",
        (2,),
        _eft_single_operator_channels,
        "dimension-6 EFT of paper 002, one operator at a time (options operator=..., "
        "convention=physical|paper)",
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
