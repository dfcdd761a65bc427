"""Dimension-6 EFT of a neutrino turning into a dark fermion chi: paper 002 Eqs. (1)-(8).

The Lagrangian of paper 002 Eq. (1)::

    sqrt(2)/G_F L = v_H/sqrt(2) [nubar sigma^{mu nu} (a_M + i a_E gamma5) chi] F_{mu nu}
                  + [nubar (C_S^q + i gamma5 D_P^q) chi][qbar q]
                  + [nubar gamma^mu (C_V^q + gamma5 D_A^q) chi][qbar gamma_mu q]
                  + [nubar sigma^{mu nu} C_T^q chi][qbar sigma_{mu nu} q] + h.c.,

gives the nu N -> chi N cross section of paper 002 Eq. (2)::

    dsigma/dT = G_F^2 M/(4 pi) (|C_S|^2 + |D_P|^2) (1 + T/2M) (M T + m^2/2)/E^2
              + G_F^2 M/(4 pi) (|C_V|^2 + |D_A|^2) B_V(E, T, M, m)
              + 4 G_F^2 M/pi |C_T|^2 [1 - T/E + T(T - M)/(4E^2) - m^2/(4E^2)(1/2 + 2E/M - T/2M)]
              + 2 G_F^2 Z^2 s_W^2 M_W^2/(pi M) (|A_M|^2 + |A_E|^2)
                  x [-M/E + m^2/(4E^2) + (M/T) X - m^4/(8 T^2 E^2)]
              + G_F^2 Z s_W/(sqrt(2) pi) (M M_W/E) Re[C_T* A_M] [2T/E - m^2/(ME) - m^4/(T M^2 E)]
              - sqrt(2) G_F^2 Z s_W/pi (M M_W/E) Re[A_M* C_S + A_E* D_P] [1 - T/2E - m^2/(4ME)]
              - G_F^2 M/(2 pi) Re[C_T* C_S] [2T/E - T^2/E^2 - m^2 T/(2 M E^2)]

with m = m_chi, X = 1 - m^2/(4E^2) - m^2/(2ME) + m^4/(8 M^2 E^2), B_V the vector bracket of
:func:`upscatter.xsec.sm.vector_kinematic_bracket` (twice the bracket printed in Eq. (2)),
s_W = sqrt(sin^2 theta_W) and M_W the W mass. Two printed terms are garbled and were re-derived
from the Appendix A amplitude (docs/physics-decisions.md, "EFT (paper 002 Eq. (2))"): the C_T-A_M
prefactor has sqrt(2) pi, not sqrt(2 pi), and the C_T-C_S bracket has T^2/E^2, not T^2/(2ME^2).

Nuclear couplings, paper 002 Eqs. (3)-(7) (Eq. (3) reconstructed in physics-notes), with
F_p = F_n = F (Helm by default)::

    C_S = [Z sum_q C_S^q (m_p/m_q) f_Tq^p + N sum_q C_S^q (m_n/m_q) f_Tq^n] F,  D_P likewise
    C_V = [Z (2 C_V^u + C_V^d) + N (C_V^u + 2 C_V^d)] F,                      D_A likewise
    C_T = [Z (delta_u^p C_T^u + delta_d^p C_T^d) + N (delta_u^n C_T^u + delta_d^n C_T^d)] F
    A_M = a_M F,  A_E = a_E F.

Conventions (``convention=``, docs/physics-decisions.md, "EFT conventions"):

* ``"physical"`` (the default, :data:`DEFAULT_CONVENTION`): a left-handed neutrino (and a
  right-handed antineutrino), i.e. the neutrino field of Eq. (1) is nu_L. Then only the chiral
  combinations S = C_S + i D_P, V = C_V - D_A, T = C_T, D = A_M + i A_E of the Lorentz
  structures 1, gamma^mu, sigma^{mu nu} and the photon dipole act, and the full tree amplitude
  (paper 002 Appendix A, with P_L on the incoming neutrino spinor) gives::

      dsigma/dT = 1/2 { Eq. (2) with (C_S, C_V, C_T, A_M) -> (S, V, T, D), D_P = D_A = A_E = 0
                + G_F^2 M/(4 pi) (m/E) [2 - T/E - m^2/(2ME)] Re[V* S]
                - 3 G_F^2 M/(4 pi) (m/E) [2T/E + m^2/(ME)] Re[V* T]
                - G_F^2 Z s_W/(sqrt(2) pi) (M M_W/E) (m/E) (1 - T/M) (1 + m^2/(2MT)) Re[V* D] }.

  The last three lines, proportional to m_chi, are the interference of the vector structure
  with the others that Eq. (2) leaves out. A single operator gives exactly half of Eq. (2).
* ``"paper"``: Eq. (2) as printed, the average over the target spin and the *sum* over both
  neutrino helicities, without the m_chi-proportional lines; it equals the sum of the
  ``"physical"`` formula for the two chiralities (S = C_S -+ i D_P, V = C_V +- D_A,
  D = A_M -+ i A_E) with the three extra lines dropped. The paper 002 reproductions use it.

Every nuclear coupling carries one F, so dsigma/dT is F^2 times a quadratic form in the
coefficients. For antineutrinos the coefficients (a_M, a_E, C_S, D_P, C_V, D_A, C_T) are replaced
by (-a_M*, -a_E*, C_S*, D_P*, -C_V*, D_A*, -C_T*) (text after Eq. (1)); in both conventions
this amounts to (S, V, T, D) -> (S, -V, -T, -D) up to an overall complex conjugation, which
flips the sign of the S-D, S-T and S-V lines. Outside the kinematic range (paper 003 Eq. (14))
the cross section is exactly zero, including the 1/T and 1/T^2 dipole terms.

Conventions of Eq. (2), checked against the Appendix A amplitude in ``tests/xsec/test_eft.py``:
the target is a Dirac fermion of mass M and charge Z; e v_H = 2 M_W s_W.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from .._validate import MAX_MEV, MIN_NEUTRINO_MEV, as_array, as_float
from ..constants import G_FERMI, M_W, SIN2_THETA_W
from ..errors import ParameterError
from ..form_factors import nuclear_form_factor
from ..hadronic import NucleonMatrixElements, get_hadronic_set, scalar_nuclear_charge
from ..nuclei import Isotope, as_isotope
from .mediators import vector_nuclear_charge
from .sm import kinematically_allowed, vector_kinematic_bracket

OPERATORS: tuple[str, ...] = ("a_M", "a_E", "C_S", "D_P", "C_V", "D_A", "C_T")
"""Coefficient names of paper 002 Eq. (1), in a fixed order."""

OPERATOR_ALIASES: dict[str, str] = {
    "dipole": "a_M",
    "electric-dipole": "a_E",
    "scalar": "C_S",
    "pseudoscalar": "D_P",
    "vector": "C_V",
    "axial": "D_A",
    "tensor": "C_T",
}
"""Command-line names of the operators."""

QUARKS: tuple[str, ...] = ("u", "d")
"""Quarks with per-quark coefficients (Eqs. (3)-(5) sum over u and d only)."""

_PHOTON_OPERATORS = frozenset({"a_M", "a_E"})

CONVENTIONS: tuple[str, ...] = ("physical", "paper")
"""Spin conventions of the cross section (module notes, docs/physics-decisions.md)."""
DEFAULT_CONVENTION = "physical"
"""Left-handed neutrinos, right-handed antineutrinos, the full amplitude."""

# Lorentz structures of the amplitude: scalar 1, vector gamma^mu, tensor sigma^{mu nu} (quark
# currents) and the photon dipole sigma^{mu nu} q_nu (paper 002 Eq. (A4)).
_STRUCTURES: tuple[str, ...] = ("S", "V", "T", "D")
# Coupling of each structure for a neutrino field of chirality L (nubar P_R Gamma chi) or R
# (nubar P_L Gamma chi): P_R (C_S + i D_P gamma5) = P_R (C_S + i D_P), P_R gamma^mu (C_V +
# D_A gamma5) = gamma^mu P_L (C_V - D_A), P_R sigma (a_M + i a_E gamma5) = sigma P_R (a_M + i a_E).
_CHIRAL_COUPLINGS: dict[str, dict[str, dict[str, complex]]] = {
    "L": {
        "S": {"C_S": 1.0, "D_P": 1j},
        "V": {"C_V": 1.0, "D_A": -1.0},
        "T": {"C_T": 1.0},
        "D": {"a_M": 1.0, "a_E": 1j},
    },
    "R": {
        "S": {"C_S": 1.0, "D_P": -1j},
        "V": {"C_V": 1.0, "D_A": 1.0},
        "T": {"C_T": 1.0},
        "D": {"a_M": 1.0, "a_E": -1j},
    },
}
# Neutrino chiralities each convention sums, each with weight 1/2: the kernels below are those
# of Eq. (2), i.e. (1/2) sum over all spins of |M|^2 with the neutrino spinor unprojected; P_L on
# it halves that (the gamma5 half of P_L gives epsilon tensors, zero with three momenta).
_CHIRALITIES: dict[str, tuple[str, ...]] = {"physical": ("L",), "paper": ("L", "R")}
# Sign s in (S, V, T, D) -> s (S, V, T, D)* for antineutrinos: the rule after paper 002 Eq. (1),
# (a_M, a_E, C_S, D_P, C_V, D_A, C_T) -> (-a_M*, -a_E*, C_S*, D_P*, -C_V*, D_A*, -C_T*), maps the
# L combinations onto s times the conjugated R ones and vice versa (the right-handed
# antineutrino of nu_L sees s S, s V, ... of its own field's L combinations).
_ANTINEUTRINO_SIGN: dict[str, float] = {"S": 1.0, "V": -1.0, "T": -1.0, "D": -1.0}

_SW = np.sqrt(SIN2_THETA_W)


def _scalar_kernel(E, T, M, Z, m2):
    return G_FERMI**2 * M / (4.0 * np.pi) * (1.0 + T / (2.0 * M)) * (M * T + 0.5 * m2) / E**2


def _vector_kernel(E, T, M, Z, m2):
    return G_FERMI**2 * M / (4.0 * np.pi) * vector_kinematic_bracket(E, T, M, np.sqrt(m2))


def _tensor_kernel(E, T, M, Z, m2):
    bracket = (
        1.0
        - T / E
        + T * (T - M) / (4.0 * E**2)
        - m2 / (4.0 * E**2) * (0.5 + 2.0 * E / M - T / (2.0 * M))
    )
    return 4.0 * G_FERMI**2 * M / np.pi * bracket


def _dipole_kernel(E, T, M, Z, m2):
    x = 1.0 - m2 / (4.0 * E**2) - m2 / (2.0 * M * E) + m2**2 / (8.0 * M**2 * E**2)
    r = m2 / T  # m^4/(8 T^2 E^2) = r^2/(8 E^2): no 0/0 when m = 0 and T^2 underflows
    bracket = -M / E + m2 / (4.0 * E**2) + M / T * x - r**2 / (8.0 * E**2)
    return 2.0 * G_FERMI**2 * Z**2 * SIN2_THETA_W * M_W**2 / (np.pi * M) * bracket


def _tensor_dipole_kernel(E, T, M, Z, m2):
    bracket = 2.0 * T / E - m2 / (M * E) - m2 * (m2 / T) / (M**2 * E)
    return G_FERMI**2 * Z * _SW / (np.sqrt(2.0) * np.pi) * (M * M_W / E) * bracket


def _dipole_scalar_kernel(E, T, M, Z, m2):
    bracket = 1.0 - T / (2.0 * E) - m2 / (4.0 * M * E)
    return -np.sqrt(2.0) * G_FERMI**2 * Z * _SW / np.pi * (M * M_W / E) * bracket


def _tensor_scalar_kernel(E, T, M, Z, m2):
    bracket = 2.0 * T / E - T**2 / E**2 - m2 * T / (2.0 * M * E**2)
    return -(G_FERMI**2) * M / (2.0 * np.pi) * bracket


# The m_chi-proportional interference of the vector structure with the others, absent from
# Eq. (2); derived from the Appendix A amplitude (docs/physics-decisions.md, "EFT conventions").
def _vector_scalar_kernel(E, T, M, Z, m2):
    m = np.sqrt(m2)
    bracket = 2.0 - T / E - m2 / (2.0 * M * E)
    return G_FERMI**2 * M / (4.0 * np.pi) * (m / E) * bracket


def _vector_tensor_kernel(E, T, M, Z, m2):
    m = np.sqrt(m2)
    bracket = 2.0 * T / E + m2 / (M * E)
    return -3.0 * G_FERMI**2 * M / (4.0 * np.pi) * (m / E) * bracket


def _vector_dipole_kernel(E, T, M, Z, m2):
    m = np.sqrt(m2)
    bracket = (1.0 - T / M) * (1.0 + m2 / (2.0 * M * T))
    return -(G_FERMI**2) * Z * _SW / (np.sqrt(2.0) * np.pi) * (M * M_W / E) * (m / E) * bracket


Kernel = Callable[..., np.ndarray]

# Coefficient of |x_a|^2 (structure couplings x at F = 1), MeV^-3.
_PURE_KERNELS: dict[str, Kernel] = {
    "S": _scalar_kernel,
    "V": _vector_kernel,
    "T": _tensor_kernel,
    "D": _dipole_kernel,
}
# Coefficient of Re[x_a* x_b] (symmetric in a, b): the three interference lines of Eq. (2) ...
_PAPER_KERNELS: dict[frozenset[str], Kernel] = {
    frozenset({"T", "D"}): _tensor_dipole_kernel,
    frozenset({"D", "S"}): _dipole_scalar_kernel,
    frozenset({"T", "S"}): _tensor_scalar_kernel,
}
# ... and, in the physical convention, the three it leaves out.
_INTERFERENCE_KERNELS: dict[str, dict[frozenset[str], Kernel]] = {
    "paper": _PAPER_KERNELS,
    "physical": {
        **_PAPER_KERNELS,
        frozenset({"V", "S"}): _vector_scalar_kernel,
        frozenset({"V", "T"}): _vector_tensor_kernel,
        frozenset({"V", "D"}): _vector_dipole_kernel,
    },
}


def check_convention(convention) -> str:
    """Return ``convention`` if it is one of :data:`CONVENTIONS`, else raise ParameterError."""
    if isinstance(convention, str) and convention in CONVENTIONS:
        return convention
    raise ParameterError(
        f"unknown EFT convention {convention!r}; known: {', '.join(CONVENTIONS)} "
        f"(default {DEFAULT_CONVENTION})"
    )


def canonical_operator(name: str) -> str:
    """Return the paper-002 name (``a_M``, ...) of an operator given by name or CLI alias.

    Raises
    ------
    ParameterError
        For an unknown name; the message lists the known names and aliases.
    """
    if isinstance(name, str):
        if name in OPERATORS:
            return name
        if name in OPERATOR_ALIASES:
            return OPERATOR_ALIASES[name]
    aliases = ", ".join(f"{alias}={op}" for alias, op in OPERATOR_ALIASES.items())
    raise ParameterError(
        f"unknown EFT operator {name!r}; known: {', '.join(OPERATORS)} (aliases: {aliases})"
    )


def _as_complex(name: str, value) -> complex:
    """A finite complex number, or a ParameterError."""
    try:
        number = complex(value)
    except (TypeError, ValueError):
        raise ParameterError(
            f"EFT coefficient {name} must be a (complex) number, got {value!r}"
        ) from None
    if not (np.isfinite(number.real) and np.isfinite(number.imag)):
        raise ParameterError(f"EFT coefficient {name} must be finite, got {value!r}")
    return number


def _quark_values(name: str, value) -> dict[str, complex]:
    """Per-quark coefficients {u, d}: a plain number means universal u = d; missing quarks 0."""
    if not isinstance(value, Mapping):
        number = _as_complex(name, value)
        return dict.fromkeys(QUARKS, number)
    unknown = sorted(set(value) - set(QUARKS))
    if unknown:
        raise ParameterError(
            f"EFT coefficient {name}: unknown quark(s) {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(QUARKS)}"
        )
    return {q: _as_complex(f"{name}^{q}", value.get(q, 0.0)) for q in QUARKS}


def _tensor_nuclear_charge(
    isotope: Isotope, couplings: Mapping[str, complex], me: NucleonMatrixElements
) -> complex:
    """Z sum_q delta_q^p C^q + N sum_q delta_q^n C^q, paper 002 Eq. (5) at F = 1."""
    if not me.tensor_p or not me.tensor_n:
        raise ParameterError(
            f"hadronic set {me.name!r} has no tensor charges, needed for C_T; use 'chang-liao2020'"
        )
    return sum(
        c * (isotope.Z * me.tensor_p[q] + isotope.N * me.tensor_n[q]) for q, c in couplings.items()
    )


def _nuclear_coupling(op: str, value, isotope: Isotope, me: NucleonMatrixElements) -> complex:
    """Coherent nucleus-level coupling of Eqs. (3)-(6) at F = 1 (the dipole's Z sits in Eq. (2))."""
    if op in _PHOTON_OPERATORS:
        if isinstance(value, Mapping):
            raise ParameterError(
                f"{op} couples the neutrino to the photon, not to quarks: give one number, "
                "not per-quark values"
            )
        return _as_complex(op, value)
    quarks = _quark_values(op, value)
    if op in ("C_S", "D_P"):
        return complex(scalar_nuclear_charge(isotope, quarks, me))
    if op in ("C_V", "D_A"):
        return complex(vector_nuclear_charge(isotope, quarks["u"], quarks["d"]))
    return _tensor_nuclear_charge(isotope, quarks, me)


def _checked_kinematics(E, T, m_chi):
    E = as_array("neutrino energy E", E, maximum=MAX_MEV)
    if np.any((E > 0) & (E < MIN_NEUTRINO_MEV)):  # E = 0 itself is outside: exactly zero
        raise ParameterError(f"neutrino energy E must be 0 or at least {MIN_NEUTRINO_MEV:g} MeV")
    T = as_array("recoil energy T", T, maximum=MAX_MEV)
    m_chi = as_array("m_chi", m_chi, maximum=MAX_MEV)
    try:
        shape = np.broadcast_shapes(E.shape, T.shape, m_chi.shape)
    except ValueError:
        raise ParameterError(
            f"E, T and m_chi cannot be broadcast together: shapes {E.shape}, {T.shape}, "
            f"{m_chi.shape}"
        ) from None
    return E, T, m_chi, shape


def _pair_weights(columns, p, convention, antineutrino):
    """Real (p, p) weight matrices of each kernel for linear parameters.

    ``columns`` maps each operator to a complex vector of length p: its nuclear coupling (at
    F = 1) per unit of each real parameter. The structure couplings of chirality chi are then
    x_a = G_a theta with G_a = sum_op w_{a,op} columns[op] (:data:`_CHIRAL_COUPLINGS`, times the
    antineutrino sign), and sum_chi (1/2) Re[x_a* x_b] = theta^T W_ab theta. Returns
    {(a, b): W_ab} for a == b (the pure kernel of structure a) and for the pairs a != b with an
    interference kernel in ``convention``, leaving out matrices that are exactly zero.
    """
    kernels = _INTERFERENCE_KERNELS[convention]
    weights: dict[tuple[str, str], np.ndarray] = {}
    for chirality in _CHIRALITIES[convention]:
        G = {}
        for a in _STRUCTURES:
            row = np.zeros(p, dtype=complex)
            for op, w in _CHIRAL_COUPLINGS[chirality][a].items():
                if op in columns:
                    row = row + w * columns[op]
            if np.any(row):
                G[a] = _ANTINEUTRINO_SIGN[a] * row if antineutrino else row
        for i, a in enumerate(_STRUCTURES):
            for b in _STRUCTURES[i:]:
                if a not in G or b not in G or (a != b and frozenset({a, b}) not in kernels):
                    continue
                W = 0.5 * np.real(np.outer(G[a].conj(), G[b]))
                if a != b:
                    W = 0.5 * (W + W.T)
                weights[(a, b)] = weights.get((a, b), 0.0) + W
    return {pair: W for pair, W in weights.items() if np.any(W)}


def _quadratic_cross_section(
    E, T, m_chi, isotope, form_factor, radius_scale, columns, p, convention, antineutrino
):
    """sum over kernels of kernel(E, T) F^2 W: shape broadcast(E, T, m_chi) + (p, p), MeV^-3,
    for ``columns`` of length p (:func:`_pair_weights`).

    Exactly zero outside the kinematic range (kernels are evaluated at harmless values there,
    T = 0 would give 1/T, and masked).
    """
    convention = check_convention(convention)
    M, Z = isotope.mass, float(isotope.Z)
    E, T, m_chi, shape = _checked_kinematics(E, T, m_chi)
    radius_scale = as_float("radius_scale", radius_scale, allow_zero=False)
    weights = _pair_weights(columns, p, convention, bool(antineutrino))
    allowed = np.broadcast_to(kinematically_allowed(E, T, M, m_chi), shape)
    e_s = np.where(allowed, E, 1.0)
    t_s = np.where(allowed, T, 1.0)
    m2 = np.broadcast_to(m_chi**2, shape)
    # F depends on T only: evaluate it on T's own (unbroadcast) grid.
    ff = nuclear_form_factor(T, isotope, form_factor, radius_scale)
    ff2 = np.where(allowed, ff**2, 0.0)
    kernels = _INTERFERENCE_KERNELS[convention]
    total = np.zeros((*shape, p, p))
    for (a, b), W in weights.items():
        value = ff2 * (_PURE_KERNELS[a] if a == b else kernels[frozenset({a, b})])(
            e_s, t_s, M, Z, m2
        )
        for i, j in zip(*np.nonzero(W), strict=True):
            total[..., i, j] += W[i, j] * value
    return total


def _canonical_list(names) -> list[str]:
    ops = [canonical_operator(name) for name in names]
    duplicates = sorted({op for op in ops if ops.count(op) > 1})
    if duplicates:
        raise ParameterError(f"EFT operator(s) given more than once: {', '.join(duplicates)}")
    return ops


def eft_dsigma_dT(
    E,
    T,
    *,
    isotope: Isotope,
    m_chi,
    coefficients: Mapping[str, complex | Mapping[str, complex]],
    antineutrino: bool = False,
    convention: str = DEFAULT_CONVENTION,
    hadronic: str = "chang-liao2020",
    form_factor: str = "helm",
    radius_scale: float = 1.0,
):
    """nu N -> chi N (or nubar N -> chi^c N) through the dimension-6 EFT of paper 002 Eq. (1).

    Parameters
    ----------
    E, T : array_like
        Neutrino energy and nuclear recoil energy (MeV).
    isotope : Isotope
        Target nucleus.
    m_chi : float or array_like
        Dark-fermion mass (MeV); broadcast with E and T.
    coefficients : mapping
        Dimensionless Wilson coefficients of paper 002 Eq. (1) (units of G_F/sqrt(2)) by name
        (``a_M, a_E, C_S, D_P, C_V, D_A, C_T``, or the aliases of :data:`OPERATOR_ALIASES`);
        missing ones are zero. Each is a complex number; the quark-level ones (all but a_M,
        a_E) are universal (u = d) when given as a number, or per quark as
        ``{"u": ..., "d": ...}`` (a missing quark is 0).
    antineutrino : bool
        The antineutrino process (replacement rules stated after paper 002 Eq. (1)).
    convention : {"physical", "paper"}
        ``"physical"`` (default): left-handed neutrinos (right-handed antineutrinos), the full
        amplitude including the m_chi-proportional interference of the vector structure with
        the others. ``"paper"``: paper 002 Eq. (2) as printed (helicity-summed, twice the
        physical rate for a single operator). See the module notes.
    hadronic : str
        Nucleon matrix-element set for f_Tq and the tensor charges (paper 002 Eq. (7)).
    form_factor : str
        Nuclear form factor F_p = F_n (Helm by default, as in paper 002).
    radius_scale : float
        Multiplies the form-factor radius.

    Returns
    -------
    numpy.ndarray
        dsigma/dT in MeV^-3, shape broadcast(E, T, m_chi); exactly zero where the recoil T
        cannot be reached.

    Raises
    ------
    ParameterError
        Unknown operator, quark, convention, hadronic set or form factor; per-quark values for
        a_M or a_E; non-finite coefficients; negative or non-finite E, T, m_chi.
    """
    if not isinstance(coefficients, Mapping):
        raise ParameterError(
            f"coefficients must be a mapping from operator name to value, got {coefficients!r}"
        )
    check_convention(convention)
    isotope = as_isotope(isotope)
    me = get_hadronic_set(hadronic)
    ops = _canonical_list(coefficients)
    columns = {
        op: np.array([_nuclear_coupling(op, value, isotope, me)])
        for op, value in zip(ops, coefficients.values(), strict=True)
    }
    total = _quadratic_cross_section(
        E, T, m_chi, isotope, form_factor, radius_scale, columns, 1, convention, antineutrino
    )
    return total[..., 0, 0]


def eft_basis_dsigma_dT(
    E,
    T,
    *,
    isotope: Isotope,
    m_chi,
    operators: Sequence[str],
    antineutrino: bool = False,
    convention: str = DEFAULT_CONVENTION,
    hadronic: str = "chang-liao2020",
    form_factor: str = "helm",
    radius_scale: float = 1.0,
):
    """Basis matrix K of the coupling polynomial: dsigma/dT = theta^T K theta.

    For the ordered operators c_1..c_n (universal quark couplings, u = d) the real parameter
    vector is theta = (Re c_1, Im c_1, Re c_2, Im c_2, ...) (see :func:`coupling_vector`).
    Every term of the cross section is a real kernel times Re[x_a* x_b] of structure couplings
    x linear in the c_i (module notes), so K is real symmetric; it is positive semi-definite,
    a sum of ``|amplitude|^2``.

    Parameters
    ----------
    E, T, m_chi : array_like
        Neutrino energy, recoil energy and dark-fermion mass (MeV); broadcast together.
    isotope : Isotope
        Target nucleus.
    operators : sequence of str
        Operator names (or aliases), each at most once.
    antineutrino, convention, hadronic, form_factor, radius_scale
        As in :func:`eft_dsigma_dT`.

    Returns
    -------
    numpy.ndarray
        K in MeV^-3, real symmetric, shape broadcast(E, T, m_chi).shape + (2n, 2n); exactly
        zero outside the kinematic range.
    """
    ops = _canonical_list(operators)
    if not ops:
        raise ParameterError("operators must name at least one EFT operator")
    check_convention(convention)
    isotope = as_isotope(isotope)
    me = get_hadronic_set(hadronic)
    columns = {}
    for i, op in enumerate(ops):
        # nuclear coupling per unit of Re c_i and of Im c_i (universal u = d)
        column = np.zeros(2 * len(ops), dtype=complex)
        column[2 * i : 2 * i + 2] = _nuclear_coupling(op, 1.0, isotope, me) * np.array([1.0, 1j])
        columns[op] = column
    return _quadratic_cross_section(
        E,
        T,
        m_chi,
        isotope,
        form_factor,
        radius_scale,
        columns,
        2 * len(ops),
        convention,
        antineutrino,
    )


def coupling_vector(operators: Sequence[str], coefficients: Mapping[str, complex]) -> np.ndarray:
    """theta = (Re c_1, Im c_1, ..., Re c_n, Im c_n) for :func:`eft_basis_dsigma_dT`.

    ``coefficients`` maps operator names (or aliases) to universal complex coefficients; those
    not in ``operators`` are an error, operators without a value get 0.
    """
    ops = _canonical_list(operators)
    given = dict(zip(_canonical_list(coefficients), coefficients.values(), strict=True))
    extra = sorted(set(given) - set(ops))
    if extra:
        raise ParameterError(
            f"coefficients given for operator(s) {', '.join(extra)} not in the basis "
            f"({', '.join(ops)})"
        )
    theta = np.zeros(2 * len(ops))
    for i, op in enumerate(ops):
        c = _as_complex(op, given.get(op, 0.0))
        theta[2 * i], theta[2 * i + 1] = c.real, c.imag
    return theta


def quadratic_form(K, theta):
    """theta^T K theta over the last two axes of K (e.g. dsigma/dT or counts from a basis).

    Parameters
    ----------
    K : array_like
        Basis of shape (..., 2n, 2n), as returned by :func:`eft_basis_dsigma_dT`.
    theta : array_like
        Real parameter vector(s) of shape (..., 2n), broadcast against K's leading axes.

    Returns
    -------
    numpy.ndarray
        Shape broadcast(K.shape[:-2], theta.shape[:-1]), in the units of K.
    """
    K = np.asarray(K, dtype=float)
    theta = as_array("theta", theta, allow_negative=True)
    if K.ndim < 2 or K.shape[-1] != K.shape[-2]:
        raise ParameterError(f"K must end in a square (2n, 2n) block, got shape {K.shape}")
    if theta.ndim < 1 or theta.shape[-1] != K.shape[-1]:
        raise ParameterError(
            f"theta must have length {K.shape[-1]} in its last axis, got shape {theta.shape}"
        )
    if theta.ndim == 1:
        return (K @ theta) @ theta
    return np.einsum("...i,...ij,...j->...", theta, K, theta)


__all__ = [
    "CONVENTIONS",
    "DEFAULT_CONVENTION",
    "OPERATORS",
    "OPERATOR_ALIASES",
    "QUARKS",
    "canonical_operator",
    "check_convention",
    "coupling_vector",
    "eft_basis_dsigma_dT",
    "eft_dsigma_dT",
    "quadratic_form",
]
