"""Nucleon matrix elements as named parameter sets, one per paper.

Each paper uses its own inputs and the code keeps them selectable:

* ``"chang-liao2020"`` -- paper 002 Eq. (7): scalar f_Tq and tensor charges delta_q.
* ``"candela2023"`` -- paper 003 Eqs. (8)-(9): scalar f_Tq.
* ``"micromegas"`` -- paper 000 (physics-notes, "Paper 000"): micrOMEGAs default scalar f_Tq
  including strange quarks, f_TG = 1 - sum_q f_Tq, and the twist-2 second moments q(2), qbar(2)
  of Hisano, Ishiwata, Nagata (2010) at mu = m_Z.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ._validate import lookup
from .constants import M_DOWN, M_NEUTRON, M_PROTON, M_UP
from .nuclei import Isotope


@dataclass(frozen=True)
class NucleonMatrixElements:
    """Quark content of the proton and neutron.

    Attributes
    ----------
    f_T_p, f_T_n : dict[str, float]
        Scalar mass fractions f_Tq^N = <N| m_q qbar q |N> / m_N by quark (``u``, ``d``, ``s``).
    tensor_p, tensor_n : dict[str, float]
        Tensor charges delta_q^N (empty when the source gives none).
    twist2_p, twist2_n : dict[str, float]
        Second moments q(2) + qbar(2) of the parton distributions (empty when not given).
    """

    name: str
    f_T_p: dict[str, float]
    f_T_n: dict[str, float]
    tensor_p: dict[str, float] = field(default_factory=dict)
    tensor_n: dict[str, float] = field(default_factory=dict)
    twist2_p: dict[str, float] = field(default_factory=dict)
    twist2_n: dict[str, float] = field(default_factory=dict)

    def f_TG(self, nucleon: str) -> float:
        """Gluon fraction f_TG^N = 1 - sum_q f_Tq^N (``nucleon`` is ``"p"`` or ``"n"``)."""
        fractions = self.f_T_p if nucleon == "p" else self.f_T_n
        return 1.0 - sum(fractions.values())


# Twist-2 moments from physics-notes (proton); the neutron swaps u <-> d (isospin).
_TWIST2_P = {
    "u": 0.22 + 0.034,
    "d": 0.11 + 0.036,
    "s": 0.026 + 0.026,
    "c": 0.019 + 0.019,
    "b": 0.012 + 0.012,
}
_TWIST2_N = {**_TWIST2_P, "u": _TWIST2_P["d"], "d": _TWIST2_P["u"]}

HADRONIC_SETS: dict[str, NucleonMatrixElements] = {
    "chang-liao2020": NucleonMatrixElements(
        "chang-liao2020",
        f_T_p={"u": 0.019, "d": 0.041},
        f_T_n={"u": 0.023, "d": 0.034},
        tensor_p={"u": 0.54, "d": -0.23},
        tensor_n={"u": -0.23, "d": 0.54},
    ),
    "candela2023": NucleonMatrixElements(
        "candela2023",
        f_T_p={"u": 0.026, "d": 0.038},
        f_T_n={"u": 0.018, "d": 0.056},
    ),
    "micromegas": NucleonMatrixElements(
        "micromegas",
        f_T_p={"u": 0.0153, "d": 0.0191, "s": 0.0447},
        f_T_n={"u": 0.0110, "d": 0.0273, "s": 0.0447},
        twist2_p=_TWIST2_P,
        twist2_n=_TWIST2_N,
    ),
}

LIGHT_QUARK_MASSES = {"u": M_UP, "d": M_DOWN}


def get_hadronic_set(name: str) -> NucleonMatrixElements:
    """Look up a nucleon matrix-element set by name."""
    return lookup("hadronic parameter set", HADRONIC_SETS, name)


def scalar_nuclear_charge(
    isotope: Isotope, quark_couplings: dict[str, float], hadronic: str | NucleonMatrixElements
) -> float:
    """Coherent scalar charge Z sum_q c_q (m_p/m_q) f_Tq^p + N sum_q c_q (m_n/m_q) f_Tq^n.

    This is the bracket of paper 003 Eq. (7) and of paper 002 Eq. (3) (reconstructed in
    physics-notes) at zero momentum transfer, for quark couplings ``c_q`` (u and d only;
    quark masses MSbar at 2 GeV). Dimensionless.
    """
    me = get_hadronic_set(hadronic) if isinstance(hadronic, str) else hadronic
    total = 0.0
    for quark, coupling in quark_couplings.items():
        m_q = lookup("light quark", LIGHT_QUARK_MASSES, quark)
        total += coupling * (
            isotope.Z * M_PROTON / m_q * me.f_T_p[quark]
            + isotope.N * M_NEUTRON / m_q * me.f_T_n[quark]
        )
    return total
