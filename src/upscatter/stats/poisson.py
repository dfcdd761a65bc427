"""Poisson least-squares chi^2 (paper 003 Eq. (20)), the statistical part of every Poisson
likelihood (:class:`upscatter.stats.likelihood.PoissonLikelihood` adds the constraints and
profiles it).

    chi^2 = 2 sum_i [N_th,i - N_exp,i + N_exp,i ln(N_exp,i / N_th,i)]

A bin with N_exp = 0 contributes 2 N_th.
"""

from __future__ import annotations

import numpy as np


def poisson_chi2(observed, expected) -> np.ndarray:
    """2 sum [N_th - N_exp + N_exp ln(N_exp/N_th)] over the last axis (paper 003 Eq. (20)).

    Parameters
    ----------
    observed : array_like
        N_exp >= 0 (counts), broadcast against ``expected``.
    expected : array_like
        N_th; must be positive wherever N_exp > 0 (+inf is returned otherwise).

    Returns
    -------
    numpy.ndarray
        The statistical chi^2 (>= 0, zero iff N_th = N_exp), shape ``expected.shape[:-1]``.
    """
    n_exp = np.asarray(observed, dtype=float)
    n_th = np.asarray(expected, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_term = np.where(n_exp > 0, n_exp * np.log(n_exp / n_th), 0.0)
    terms = n_th - n_exp + log_term
    impossible = (n_exp > 0) & ~(n_th > 0)
    return np.where(np.any(impossible, axis=-1), np.inf, 2.0 * np.sum(terms, axis=-1))
