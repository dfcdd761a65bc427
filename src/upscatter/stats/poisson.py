"""Poisson least-squares chi^2 with pull terms, profiled with iminuit (paper 003 Eq. (20)).

    chi^2 = 2 sum_i [N_th,i - N_exp,i + N_exp,i ln(N_exp,i / N_th,i)] + sum_k (alpha_k / sigma_k)^2

N_th depends on the nuisance parameters alpha through a model supplied by the experiment
(paper 003 Eq. (21) for COHERENT CsI 2021); parameters without a prior (sigma = None) are only
bounded. A bin with N_exp = 0 contributes 2 N_th. The minimum over the nuisances is found with
MIGRAD (iminuit), optionally with the model's analytic Jacobian, which roughly halves the number
of model evaluations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from iminuit import Minuit

from ..errors import ParameterError, UpscatterError

TOLERANCE = 0.01
"""MIGRAD tolerance: it stops at an estimated distance to the minimum below 2e-3 x TOLERANCE,
i.e. the profiled chi^2 is accurate to about 2e-5."""


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


@dataclass(frozen=True)
class Nuisance:
    """One nuisance parameter of a pull chi^2.

    Attributes
    ----------
    name : str
    sigma : float or None
        Width of the Gaussian prior (alpha/sigma)^2 around 0; None for no prior.
    limits : tuple of (float or None, float or None)
        Bounds of the parameter (None for an open side).
    """

    name: str
    sigma: float | None
    limits: tuple[float | None, float | None] = (None, None)


@dataclass(frozen=True)
class ProfileResult:
    """The minimum of a pull chi^2 over its nuisance parameters.

    Attributes
    ----------
    chi2 : float
        Profiled chi^2.
    values : dict[str, float]
        Best-fit nuisance parameters.
    valid : bool
        MIGRAD's validity flag.
    nfcn : int
        Number of model evaluations.
    """

    chi2: float
    values: dict[str, float]
    valid: bool
    nfcn: int


Model = Callable[[np.ndarray], np.ndarray]
Jacobian = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class PoissonPullChi2:
    """Paper 003 Eq. (20) for fixed data and a family of nuisance parameters.

    Attributes
    ----------
    observed : numpy.ndarray
        N_exp per bin (any shape).
    nuisances : tuple of Nuisance
        The alpha_k, in the order the models take them.
    """

    observed: np.ndarray
    nuisances: tuple[Nuisance, ...]

    def __post_init__(self) -> None:
        observed = np.asarray(self.observed, dtype=float)
        if not np.all(np.isfinite(observed)) or np.any(observed < 0):
            raise ParameterError("observed counts must be finite and non-negative")
        object.__setattr__(self, "observed", observed)
        object.__setattr__(self, "nuisances", tuple(self.nuisances))
        for n in self.nuisances:
            if n.sigma is not None and not n.sigma > 0:
                raise ParameterError(f"prior width of {n.name} must be positive")

    @property
    def names(self) -> list[str]:
        """Nuisance names in order."""
        return [n.name for n in self.nuisances]

    def _prior_weights(self) -> np.ndarray:
        return np.array([0.0 if n.sigma is None else n.sigma**-2 for n in self.nuisances])

    def __call__(self, expected: np.ndarray, alpha) -> float:
        """chi^2 of Eq. (20) for N_th = ``expected`` at nuisance values ``alpha``."""
        alpha = np.asarray(alpha, dtype=float)
        flat = np.reshape(expected, (-1,))
        stat = float(poisson_chi2(self.observed.ravel(), flat))
        return stat + float(np.sum(self._prior_weights() * alpha**2))

    def profile(
        self,
        model: Model | None = None,
        start: Sequence[float] | None = None,
        jacobian: Jacobian | None = None,
    ) -> ProfileResult:
        """Minimise chi^2 over the nuisances with MIGRAD.

        Parameters
        ----------
        model : callable, optional
            ``model(alpha) -> N_th`` (shape of ``observed``). Needed unless ``jacobian`` is given.
        start : sequence of float, optional
            Starting values (default 0 for every nuisance).
        jacobian : callable, optional
            ``jacobian(alpha) -> (N_th, dN_th/dalpha)`` with the derivative of shape
            (n_nuisances,) + observed.shape; when given it provides both the model and the
            analytic gradient of chi^2.

        Returns
        -------
        ProfileResult
        """
        if model is None and jacobian is None:
            raise ParameterError("profile needs a model or a jacobian")
        observed = self.observed.ravel()
        prior = self._prior_weights()
        n_par = len(self.nuisances)
        cache: dict[bytes, tuple[np.ndarray, np.ndarray | None]] = {}

        def evaluate(alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
            key = alpha.tobytes()
            if key not in cache:
                cache.clear()
                if jacobian is not None:
                    n_th, deriv = jacobian(alpha)
                    cache[key] = (np.reshape(n_th, (-1,)), np.reshape(deriv, (n_par, -1)))
                else:
                    cache[key] = (np.reshape(model(alpha), (-1,)), None)
            return cache[key]

        def fcn(alpha):
            alpha = np.asarray(alpha, dtype=float)
            n_th = evaluate(alpha)[0]
            return float(poisson_chi2(observed, n_th)) + float(np.sum(prior * alpha**2))

        def grad(alpha):
            alpha = np.asarray(alpha, dtype=float)
            n_th, deriv = evaluate(alpha)
            with np.errstate(divide="ignore", invalid="ignore"):
                dchi_dn = 2.0 * (1.0 - np.where(observed > 0, observed / n_th, 0.0))
            return deriv @ dchi_dn + 2.0 * prior * alpha

        def hessian(alpha):
            # Fisher (Gauss-Newton) form 2 sum N_exp/N_th^2 dN dN^T + prior: the curvature at
            # the minimum up to terms proportional to the residuals
            n_th, deriv = evaluate(np.asarray(alpha, dtype=float))
            with np.errstate(divide="ignore", invalid="ignore"):
                weight = np.where(observed > 0, observed / n_th**2, 0.0)
            return 2.0 * (deriv * weight) @ deriv.T + np.diag(2.0 * prior)

        x0 = np.zeros(n_par) if start is None else np.asarray(start, dtype=float)
        analytic = jacobian is not None
        minuit = Minuit(
            fcn,
            x0,
            grad=grad if analytic else None,
            hessian=hessian if analytic else None,
            name=self.names,
        )
        minuit.errordef = Minuit.LEAST_SQUARES
        minuit.strategy = 0
        minuit.tol = TOLERANCE
        for n in self.nuisances:
            lo, hi = n.limits
            minuit.limits[n.name] = (-np.inf if lo is None else lo, np.inf if hi is None else hi)
        minuit.migrad()
        if not minuit.valid:
            minuit.strategy = 1
            minuit.migrad()
        if not np.isfinite(minuit.fval):
            raise UpscatterError("the Poisson chi^2 has no finite minimum for this prediction")
        values = {name: float(v) for name, v in zip(self.names, minuit.values, strict=True)}
        return ProfileResult(float(minuit.fval), values, bool(minuit.valid), int(minuit.nfcn))
