"""Loop-induced elastic nu A -> nu A of paper 000: Passarino-Veltman functions, two-loop F_G,
nucleon-level coefficients c1, c2, c3 and the cross section of Eq. (26)."""

from __future__ import annotations

from .elastic import (
    BEYOND_PAPER,
    DEFAULT_TWIST2,
    INTERFERENCE_ENERGY_POWER,
    LOOP_CASES,
    LOOP_ENERGY_POWER,
    TWIST2_READINGS,
    TWIST2_VALIDITY_LIMIT,
    LoopCase,
    LoopCoefficients,
    loop_coefficients_per_x2,
    loop_dsigma_dT_per_x4,
    loop_dsigma_terms_per_x4,
    loop_sm_interference_dsigma_dT_per_x2,
    loop_sm_interference_terms_per_x2,
    twist2_expansion_parameter,
)
from .two_loop import f_g, x_integrals

__all__ = [
    "BEYOND_PAPER",
    "DEFAULT_TWIST2",
    "INTERFERENCE_ENERGY_POWER",
    "LOOP_CASES",
    "LOOP_ENERGY_POWER",
    "TWIST2_READINGS",
    "TWIST2_VALIDITY_LIMIT",
    "LoopCase",
    "LoopCoefficients",
    "f_g",
    "loop_coefficients_per_x2",
    "loop_dsigma_dT_per_x4",
    "loop_dsigma_terms_per_x4",
    "loop_sm_interference_dsigma_dT_per_x2",
    "loop_sm_interference_terms_per_x2",
    "twist2_expansion_parameter",
    "x_integrals",
]
