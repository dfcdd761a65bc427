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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np

from ._validate import as_array, as_float, lookup
from .constants import M_ELECTRON
from .errors import ParameterError
from .form_factors import nuclear_form_factor
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
    if not isinstance(material, Material):
        raise ParameterError(
            f"material must be a Material (upscatter.get_material(name)), got {material!r}"
        )
    nuclear_form_factor(0.0, material.isotopes[0], form_factor, radius_scale)  # checks both

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
        Options always passed to ``build`` (fixed by the model, e.g. the operator pair).
    validity : callable, optional
        ``validity(experiment, masses, K, bounds, **options) -> bool array``: True where a bound
        is inside the model's range of validity (None: everywhere).
    couplings : tuple of str
        Names of the model's couplings when it has several (a coupling vector): the prediction
        is N = N_SM + sum_k K_k prod_j c_j^exponents[k][j] over the basis entries k. Empty for
        a one-coupling model (then ``(coupling,)`` with exponents ``powers``).
    exponents : tuple of tuple of int
        Exponent of each coupling in each basis monomial, shape (n_basis, n_couplings); the
        basis entries are those of the channels' ``basis_shape`` flattened in C order. Every
        monomial of degree ``powers[k]``, so that along a fixed direction c = g d the counts
        are N_SM + sum_k g^powers[k] K_k prod_j d_j^exponents[k][j].
    units : str
        Units of the couplings (``"dimensionless"`` for every registered model).
    preset : upscatter.presets.Preset or None
        The direction in coupling space the bound is on, when the model is a direction of a
        larger coupling space (:func:`upscatter.presets.preset_model`), or the preset whose
        targets a per-flavour model keeps (:func:`upscatter.presets.flavour_model`).
    family : str or None
        Name of the registered model whose coupling space this model lies in
        (``"vector"`` for ``vector[b-l]``); :func:`coupling_space` maps it and a pair of coupling
        names to the multi-coupling model that names them.
    """

    name: str
    parameters: tuple[str, ...]
    coupling: str
    powers: tuple[int, ...]
    build: Callable[..., list[Channel]]
    description: str = ""
    options: dict = field(default_factory=dict)
    validity: Callable[..., np.ndarray] | None = None
    couplings: tuple[str, ...] = ()
    exponents: tuple[tuple[int, ...], ...] = ()
    units: str = "dimensionless"
    preset: object = None
    family: str | None = None

    def __post_init__(self) -> None:
        if self.couplings:
            shape = np.shape(self.exponents)
            if shape != (len(self.powers), len(self.couplings)):
                raise ParameterError(
                    f"model {self.name}: exponents must have shape (n_basis, n_couplings) = "
                    f"({len(self.powers)}, {len(self.couplings)}), got {shape}"
                )
            if not np.array_equal(np.sum(self.exponents, axis=1), self.powers):
                raise ParameterError(
                    f"model {self.name}: powers must be the degrees of the monomials"
                )

    @property
    def direction(self) -> dict | None:
        """The preset's couplings as recorded with a result (None for no preset)."""
        return None if self.preset is None else self.preset.to_json()

    @property
    def coupling_names(self) -> tuple[str, ...]:
        """Names of the couplings the monomials are built from."""
        return self.couplings or (self.coupling,)

    @property
    def exponent_matrix(self) -> np.ndarray:
        """Exponents, shape (n_basis, n_couplings) (``powers`` as one column for one coupling)."""
        if self.couplings:
            return np.asarray(self.exponents, dtype=float)
        return np.asarray(self.powers, dtype=float)[:, None]

    def coupling_vector(self, values: Mapping[str, object]):
        """Couplings by name -> array (..., n_couplings) in :attr:`coupling_names` order; a
        missing coupling is 0 and an unknown name is a ParameterError listing the known ones."""
        names = self.coupling_names
        unknown = sorted(set(values) - set(names))
        if unknown:
            raise ParameterError(
                f"model {self.name} has no coupling {', '.join(unknown)}; its couplings: "
                f"{', '.join(names)}"
            )
        arrays = [np.asarray(values.get(n, 0.0), dtype=float) for n in names]
        for name, array in zip(names, arrays, strict=True):
            if not np.all(np.isfinite(array)):
                raise ParameterError(f"coupling {name} must be finite")
        return np.stack(np.broadcast_arrays(*arrays), axis=-1)

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
        """Values of the basis monomials, shape np.shape(coupling) + (n_basis,).

        ``coupling`` is the overall scale g (the one coupling, or the scale along the model's
        direction); for a multi-coupling model use :meth:`monomials_of`.
        """
        g = as_array("coupling", coupling, allow_negative=True)[..., None]
        with np.errstate(over="ignore"):
            values = g ** np.asarray(self.powers, dtype=float)
        if not np.all(np.isfinite(values)):
            raise ParameterError(
                f"coupling {float(np.max(np.abs(g))):g}: {self.coupling}^{max(self.powers):g} "
                "overflows; give a smaller coupling"
            )
        return values

    def monomials_of(self, couplings) -> np.ndarray:
        """Values of the basis monomials for coupling vectors (..., n_couplings), or a mapping
        of coupling names (:meth:`coupling_vector`): shape (..., n_basis)."""
        if isinstance(couplings, Mapping):
            couplings = self.coupling_vector(couplings)
        c = np.asarray(couplings, dtype=float)
        exponents = self.exponent_matrix
        if c.shape[-1:] != (exponents.shape[1],):
            raise ParameterError(
                f"model {self.name} takes {exponents.shape[1]} couplings "
                f"({', '.join(self.coupling_names)}), got an array of shape {c.shape}"
            )
        return np.prod(c[..., None, :] ** exponents, axis=-1)


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
    return [
        Channel(
            f"{iso.name} {func.__name__}",
            iso.mass,
            n,
            NUCLEAR,
            m_out_param="m_chi",
            basis_shape=(1,),
            mass_params=("m_med",),
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
            mass_params=("m_med",),
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
    """Nuclear (and optionally electron) channels of the vector or scalar model.

    ``xsec_options`` go to the nucleus cross section (``quark_couplings``; ``hadronic`` for the
    scalar); any other name is a ParameterError listing the options.
    """
    func, terms_func = {
        "vector": (vector_nucleus_dsigma_dT, vector_nucleus_dsigma_terms),
        "scalar": (scalar_nucleus_dsigma_dT, scalar_nucleus_dsigma_terms),
    }[kind]
    passed = {
        name
        for name, p in inspect.signature(func).parameters.items()
        if p.kind is p.KEYWORD_ONLY and name not in ("isotope", "m_chi", "m_med")
    }
    unknown = sorted(set(xsec_options) - passed)
    if unknown:
        known = sorted({"electrons", *passed})
        raise ParameterError(
            f"the {kind} model has no option {', '.join(unknown)}; its options: {', '.join(known)}"
        )
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
        INTERFERENCE_ENERGY_POWER,
        LOOP_ENERGY_POWER,
        TWIST2_READINGS,
        loop_dsigma_dT_per_x4,
        loop_dsigma_terms_per_x4,
        loop_sm_interference_dsigma_dT_per_x2,
        loop_sm_interference_terms_per_x2,
    )

    if twist2 is not None and not loops and case == "A":
        # in case B the reading also decides the spin-dependent tree level (on for "nucleon",
        # off for "paper"); in case A without loops it would be silently ignored
        raise ParameterError(
            "option twist2 (--twist2) sets the loop term, which loops=False (--no-loops) "
            "switches off in case A"
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
        from .xsec.spin_dependent import axial_nucleus_dsigma_dT, axial_nucleus_dsigma_terms

        channels += _tree_entry(
            axial_nucleus_dsigma_dT, axial_nucleus_dsigma_terms, material, **ff_options
        )
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

    # the closures take (E, T, flavour) for the cross section, (T, flavour) for its terms
    def make_loop(isotope, func):
        def value(*args, m_chi, m_med):
            *energies, _flavour = args
            return func(*energies, isotope=isotope, m_chi=m_chi, m_zprime=m_med, **loop_options)

        return value

    def make_interference(isotope, func):
        def value(*args, m_chi, m_med):
            *energies, flavour = args
            return func(
                *energies,
                isotope=isotope,
                m_chi=m_chi,
                m_zprime=m_med,
                antineutrino=is_antineutrino(flavour),
                **loop_options,
            )

        return value

    loop = ("loop", make_loop, loop_dsigma_dT_per_x4, loop_dsigma_terms_per_x4)
    interference_piece = (
        "loop-SM interference",
        make_interference,
        loop_sm_interference_dsigma_dT_per_x2,
        loop_sm_interference_terms_per_x2,
    )
    # (label, closure, cross section, its coefficients in E) + (highest power of E,
    # flavour-blind, basis entry)
    pieces = [(*loop, LOOP_ENERGY_POWER, True, 2)] if loops else []
    if loops and interference:
        pieces.append((*interference_piece, INTERFERENCE_ENERGY_POWER, False, 1))
    for label, make, func, terms, power, blind, index in pieces:
        channels += [
            Channel(
                f"{iso.name} {label}",
                iso.mass,
                n,
                NUCLEAR,
                make(iso, func),
                basis_shape=(3,),
                energy_terms=make(iso, terms),
                flavour_blind=blind,
                energy_power=power,
                basis_entry=index,
                mass_params=("m_chi", "m_med"),
            )
            for iso, n in zip(material.isotopes, material.nuclei_per_kg(), strict=True)
        ]
    return channels


def _tree_entry(func, terms_func, material: Material, **xsec_options) -> list[Channel]:
    """Per-isotope nu N -> chi N channels (:func:`_nuclear_basis`) in entry 0 of the Z' basis
    (``terms_func`` None: no closed-form energy terms)."""
    return [
        replace(
            c,
            dsigma=partial(_only_entry, c.dsigma),
            energy_terms=None if c.energy_terms is None else partial(_only_entry, c.energy_terms),
            basis_shape=(3,),
            basis_entry=0,
        )
        for c in _nuclear_basis(func, terms_func, material, **xsec_options)
    ]


def _only_entry(func, *args, **params):
    """``func`` of a one-entry basis without its basis axis (``Channel.basis_entry``)."""
    return np.asarray(func(*args, **params))[..., 0]


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


def eft_coefficients_model(operators: Sequence[str]) -> Model:
    """The EFT with several real coefficients as named couplings (paper 002 Eq. (2)).

    The basis is the quadratic form of :func:`eft_channels` with ``real_only``: entry (i, j) of
    the (n, n) matrix K is the monomial c_i c_j, so N = N_SM + c^T K c and interference between
    operators (the off-diagonal entries, either sign) is kept. The couplings are the real parts
    of the coefficients, named by their canonical operator names (a_M, C_S, ...).
    """
    from .xsec.eft import canonical_operator

    names = tuple(canonical_operator(op) for op in operators)
    if len(set(names)) != len(names) or len(names) < 1:
        raise ParameterError(
            f"the EFT couplings must be different operators, got {list(operators)}"
        )
    n = len(names)
    exponents = tuple(
        tuple(int(i == k) + int(j == k) for k in range(n)) for i in range(n) for j in range(n)
    )
    return Model(
        f"eft[{','.join(names)}]",
        ("m_chi",),
        "c",
        (2,) * n * n,
        partial(eft_channels, operators=names, real_only=True),
        f"dimension-6 EFT of paper 002 with the real coefficients {', '.join(names)}",
        couplings=names,
        exponents=exponents,
        family="eft",
    )


MODELS: dict[str, Model] = {
    "vector": Model(
        "vector",
        ("m_chi", "m_med"),
        "g",
        (4,),
        partial(light_mediator_channels, "vector"),
        "light vector mediator, universal coupling g to u, d (and e), paper 003 Eq. (4)",
        family="vector",
    ),
    "scalar": Model(
        "scalar",
        ("m_chi", "m_med"),
        "g",
        (4,),
        partial(light_mediator_channels, "scalar"),
        "light scalar mediator, universal coupling g to u, d (and e), paper 003 Eqs. (6)-(7)",
        family="scalar",
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
        family="eft",
    ),
}


def get_model(name: str, preset=None) -> Model:
    """Look up a model by name; with ``preset`` (a name, a TOML path or a
    :class:`upscatter.presets.Preset`), the vector or scalar model along that direction in
    coupling space (:func:`upscatter.presets.preset_model`)."""
    if preset is not None:
        from .presets import preset_model

        return preset_model(name, preset)
    return lookup("model", MODELS, name)


def coupling_space(model: Model | str, names: Sequence[str]) -> Model:
    """The model of ``model``'s family whose couplings include ``names`` (for regions in a
    pair of couplings, :func:`upscatter.scans.pair_region`).

    * ``model`` itself when it names them;
    * the EFT (``eft``): the real coefficients ``names`` (:func:`eft_coefficients_model`);
    * the vector and scalar models (any preset): the per-flavour couplings g_e, g_mu, g_tau with
      the targets of the preset (:func:`upscatter.presets.flavour_model`), or the couplings
      g_u, g_d, g_el to quarks and electrons with the preset's neutrino flavours
      (:func:`upscatter.presets.quark_model`).

    Raises
    ------
    ParameterError
        For a model without such couplings (zprime has the one product g_chi g_q) or names it
        does not have.
    """
    model = get_model(model) if isinstance(model, str) else model
    names = tuple(names)
    if all(n in model.coupling_names for n in names):
        return model
    if model.family == "eft":
        return eft_coefficients_model(names)
    if model.family in ("vector", "scalar"):
        from .presets import FLAVOUR_COUPLINGS, QUARK_COUPLINGS, flavour_model, quark_model

        for space, build in ((FLAVOUR_COUPLINGS, flavour_model), (QUARK_COUPLINGS, quark_model)):
            if all(n in space for n in names):
                return build(model.family, model.preset or "universal")
        raise ParameterError(
            f"model {model.name} has no coupling pair {', '.join(names)}; pair two per-flavour "
            f"couplings ({', '.join(FLAVOUR_COUPLINGS)}) or two of the quark and electron "
            f"couplings ({', '.join(QUARK_COUPLINGS)})"
        )
    raise ParameterError(
        f"model {model.name} has the couplings {', '.join(model.coupling_names)} only; "
        "couplings to pair: vector or scalar (g_e, g_mu, g_tau), eft (operator names)"
    )


def check_coupling(value) -> float:
    """A coupling must be a finite, non-negative number."""
    return as_float("coupling", value)


__all__ = [
    "MODELS",
    "Model",
    "coupling_space",
    "eft_coefficients_model",
    "electron_channels",
    "get_model",
    "light_mediator_channels",
    "sm_channels",
    "vector_dsigma_dT",
]
