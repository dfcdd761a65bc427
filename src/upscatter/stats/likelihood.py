"""One likelihood model for every analysis: named parameters, expected counts, -2 ln L, its
profile over the nuisances, pseudo-data, and sums of likelihoods.

A :class:`Likelihood` scores a batch of *signal predictions* (shape ``(..., n_prediction)``; what a
prediction is belongs to the experiment: counts per analysis bin, or true-recoil counts before a
nonlinear response) against data. It has named :class:`Parameter` s (the nuisances), each with a
nominal value, bounds and an optional Gaussian constraint, and gives

* :meth:`Likelihood.expected`: the mean of the data for given nuisances, ``(..., n_bins)``;
* :meth:`Likelihood.chi2`: -2 ln L up to a data-only constant, constraints included;
* :meth:`Likelihood.profile`: its minimum over the nuisances as a :class:`FitResult`;
* :meth:`Likelihood.sample` and :meth:`Likelihood.asimov`: pseudo-data (:class:`PseudoData`),
  which every other method accepts in place of the real data, batched.

Two forms cover the three likelihoods of the papers:

* :class:`LinearGaussianLikelihood`: N_th = S + B + sum_k theta_k (S r_k + a_k) with Gaussian bin
  errors, profiled exactly by linear algebra. Paper 000 Eq. (34) (CsI 2017: alpha on the signal,
  beta on the background) and paper 003 Eqs. (22)-(24) (LAr 2020: normalisation and shape
  nuisances) are instances.
* :class:`PoissonLikelihood`: paper 003 Eq. (20) for any expected-count model that gives its
  Jacobian (:class:`ExpectedCounts`; CsI 2021 Eq. (21) is one), profiled by a batched damped
  Gauss-Newton iteration with bounds, or by MIGRAD (iminuit) on request.

Likelihoods add: ``a + b`` (or :func:`combine` with ``shared=``) is a :class:`SumLikelihood` whose
predictions and data are the parts' concatenated, whose parameters are the parts' (prefixed with
the part's name, ``"coherent-lar-2020/beta0"``) except the shared ones, which keep their name and
appear once. Without shared parameters the profile is the sum of the parts' profiles (exact);
with them the joint minimum is found by the same Gauss-Newton iteration on the union of the
parameters, which is exact in one step when every part is linear-Gaussian.

Conventions: chi^2 = -2 ln L + const, so Delta chi^2 is the likelihood-ratio statistic; a
constraint adds ((theta - centre) / sigma)^2, the centre being the parameter's nominal value
unless pseudo-data give another (the auxiliary measurement of a toy experiment).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any, Protocol

import numpy as np

from .._validate import as_array, as_seed
from ..errors import ParameterError, UpscatterError
from .poisson import poisson_chi2

#: Largest number of Gauss-Newton iterations of :func:`gauss_newton_profile`.
MAX_ITERATIONS = 100

#: Convergence: an accepted step that lowers chi^2 by less than this (absolute) and whose
#: Newton decrement -g.step/2 is below it ends the iteration.
CHI2_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Parameter:
    """One named nuisance parameter.

    Attributes
    ----------
    name : str
        Unique name within its likelihood (``"alpha0"``, ``"tly"``).
    nominal : float
        Nominal value: the value :meth:`Likelihood.expected` uses when none is given, the start
        of the profile and the centre of the Gaussian constraint.
    bounds : (float, float)
        Allowed range (``-inf``/``inf`` for an open side); ``nominal`` must lie inside.
    sigma : float or None
        Width of the Gaussian constraint ((theta - nominal) / sigma)^2; None for a free
        parameter.
    """

    name: str
    nominal: float = 0.0
    bounds: tuple[float, float] = (-np.inf, np.inf)
    sigma: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ParameterError(f"a parameter needs a non-empty name, got {self.name!r}")
        lo, hi = (float(b) for b in self.bounds)
        if not lo < hi or np.isnan(lo) or np.isnan(hi):
            raise ParameterError(f"parameter {self.name}: bounds must satisfy lo < hi")
        if not lo <= self.nominal <= hi:
            raise ParameterError(
                f"parameter {self.name}: nominal value {self.nominal} outside [{lo}, {hi}]"
            )
        if self.sigma is not None and not (np.isfinite(self.sigma) and self.sigma > 0):
            raise ParameterError(f"parameter {self.name}: constraint width must be positive")
        object.__setattr__(self, "bounds", (lo, hi))
        object.__setattr__(self, "nominal", float(self.nominal))

    def renamed(self, name: str) -> Parameter:
        """The same parameter under another name."""
        return Parameter(name, self.nominal, self.bounds, self.sigma)


@dataclass(frozen=True)
class PseudoData:
    """Data of a (pseudo-)experiment: the counts and the constraint centres.

    Attributes
    ----------
    observed : numpy.ndarray
        Observed values per bin, shape ``(..., n_bins)``.
    centres : numpy.ndarray
        Centre of each parameter's constraint (its auxiliary measurement), shape
        ``(..., n_parameters)``; entries of unconstrained parameters are ignored.
    """

    observed: np.ndarray
    centres: np.ndarray


@dataclass(frozen=True)
class FitResult:
    """The minimum of chi^2 over the nuisances, for a batch of predictions.

    Attributes
    ----------
    chi2 : numpy.ndarray
        Profiled chi^2, batch shape (0-d for one prediction).
    values : dict[str, numpy.ndarray]
        Best-fit value of every parameter by name, batch shape each.
    converged : numpy.ndarray
        Whether the minimiser met its convergence criterion, batch shape.
    n_evaluations : int
        Number of (batched) evaluations of the expected counts.
    method : str
        ``"linear"`` (exact linear algebra), ``"gauss-newton"``, ``"migrad"`` or ``"sum"``.
    """

    chi2: np.ndarray
    values: dict[str, np.ndarray]
    converged: np.ndarray
    n_evaluations: int
    method: str

    def to_json(self) -> str:
        """JSON text with every field (arrays as nested lists)."""
        return json.dumps(
            {
                "chi2": np.asarray(self.chi2).tolist(),
                "values": {k: np.asarray(v).tolist() for k, v in self.values.items()},
                "converged": np.asarray(self.converged).tolist(),
                "n_evaluations": self.n_evaluations,
                "method": self.method,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> FitResult:
        """Inverse of :meth:`to_json`."""
        try:
            raw = json.loads(text)
            return cls(
                chi2=np.asarray(raw["chi2"], dtype=float),
                values={k: np.asarray(v, dtype=float) for k, v in raw["values"].items()},
                converged=np.asarray(raw["converged"], dtype=bool),
                n_evaluations=int(raw["n_evaluations"]),
                method=str(raw["method"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ParameterError(f"not a FitResult in JSON: {exc}") from exc


class Likelihood(ABC):
    """A likelihood with named nuisance parameters (see the module notes).

    Subclasses set :attr:`name`, :attr:`parameters` and :attr:`observed` and implement
    :meth:`prepare`, :meth:`evaluate`, :meth:`draw` and, where a faster exact method exists,
    :meth:`profile`.
    """

    name: str
    parameters: tuple[Parameter, ...]
    observed: np.ndarray

    # ----------------------------------------------------------------------------- structure
    @property
    def names(self) -> tuple[str, ...]:
        """Parameter names in order."""
        return tuple(p.name for p in self.parameters)

    @property
    def n_bins(self) -> int:
        """Number of data bins."""
        return int(self.observed.shape[-1])

    @property
    @abstractmethod
    def n_prediction(self) -> int:
        """Number of entries of one signal prediction."""

    @property
    def nominal(self) -> np.ndarray:
        """Nominal parameter values, shape (n_parameters,)."""
        return np.array([p.nominal for p in self.parameters])

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds, each of shape (n_parameters,)."""
        return (
            np.array([p.bounds[0] for p in self.parameters]),
            np.array([p.bounds[1] for p in self.parameters]),
        )

    @property
    def constraint_weights(self) -> np.ndarray:
        """1/sigma^2 of each parameter's constraint (0 when unconstrained)."""
        return np.array([0.0 if p.sigma is None else p.sigma**-2 for p in self.parameters])

    @property
    def starts(self) -> np.ndarray:
        """Starting points of the profile, shape (n_starts, n_parameters); the best minimum
        over all of them is taken. Default: the nominal values only."""
        return self.nominal[None, :]

    @property
    def data(self) -> PseudoData:
        """The real data: observed counts and nominal constraint centres."""
        return PseudoData(self.observed, self.nominal)

    def __add__(self, other: Likelihood) -> SumLikelihood:
        return combine(self, other)

    # ------------------------------------------------------------------------- the interface
    @abstractmethod
    def prepare(self, prediction: np.ndarray) -> Any:
        """Everything of a batch of predictions that does not depend on the nuisances."""

    @abstractmethod
    def evaluate(
        self, state: Any, theta: np.ndarray, data: PseudoData, derivatives: bool = False
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """chi^2 (without constraints) at ``theta`` (..., n_parameters) and, with
        ``derivatives``, its gradient (..., P) and a positive semi-definite curvature (..., P, P)
        (exact for Gaussian forms; for Poisson 2 J^T diag(n / mu^2) J, exact where mu is linear
        in the parameters)."""

    @abstractmethod
    def mean(self, state: Any, theta: np.ndarray) -> np.ndarray:
        """Expected data (..., n_bins) of prepared predictions at ``theta``."""

    @abstractmethod
    def draw(self, mean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Random data around ``mean`` (same shape): Poisson counts or Gaussian values."""

    # --------------------------------------------------------------------------- public API
    def check_prediction(self, prediction) -> np.ndarray:
        """``prediction`` as a float array ending in :attr:`n_prediction` entries, finite."""
        values = as_array(f"{self.name} predictions", prediction, allow_negative=True)
        if values.ndim == 0 or values.shape[-1] != self.n_prediction:
            raise ParameterError(
                f"{self.name}: a prediction has {self.n_prediction} entries along its last "
                f"axis, got shape {values.shape}"
            )
        return values

    def theta(self, nuisances=None, batch: tuple[int, ...] = ()) -> np.ndarray:
        """Parameter values (..., n_parameters) from None (nominal), a mapping by name (missing
        ones nominal) or an array; checked against the bounds."""
        if nuisances is None:
            theta = self.nominal
        elif isinstance(nuisances, Mapping):
            unknown = set(nuisances) - set(self.names)
            if unknown:
                raise ParameterError(
                    f"{self.name}: unknown parameter(s) {', '.join(sorted(unknown))}; known: "
                    f"{', '.join(self.names)}"
                )
            columns = [
                np.asarray(nuisances.get(p.name, p.nominal), dtype=float) for p in self.parameters
            ]
            shape = np.broadcast_shapes(*(c.shape for c in columns)) if columns else ()
            theta = np.stack([np.broadcast_to(c, shape) for c in columns], axis=-1)
        else:
            theta = np.asarray(nuisances, dtype=float)
            if theta.shape[-1:] != (len(self.parameters),):
                raise ParameterError(
                    f"{self.name}: nuisances need {len(self.parameters)} entries along the "
                    f"last axis ({', '.join(self.names)}), got shape {theta.shape}"
                )
        if not np.all(np.isfinite(theta)):
            raise ParameterError(f"{self.name}: nuisance values must be finite")
        lo, hi = self.bounds
        outside = (theta < lo) | (theta > hi)
        if np.any(outside):
            name = self.names[int(np.argmax(np.any(outside.reshape(-1, len(lo)), axis=0)))]
            raise ParameterError(f"{self.name}: {name} outside its bounds")
        return np.broadcast_to(theta, (*batch, len(self.parameters))) if batch else theta

    def _data(self, data: PseudoData | None) -> PseudoData:
        if data is None:
            return self.data
        if not isinstance(data, PseudoData):
            raise ParameterError(f"{self.name}: data must be PseudoData, got {type(data)}")
        if data.observed.shape[-1:] != (self.n_bins,):
            raise ParameterError(f"{self.name}: data need {self.n_bins} bins")
        if data.centres.shape[-1:] != (len(self.parameters),):
            raise ParameterError(f"{self.name}: data need {len(self.parameters)} centres")
        return data

    def _constraints(self, theta: np.ndarray, centres: np.ndarray, derivatives: bool):
        weight = self.constraint_weights
        delta = theta - centres
        value = np.sum(weight * delta**2, axis=-1)
        if not derivatives:
            return value, None, None
        return value, 2.0 * weight * delta, np.diag(2.0 * weight)

    def objective(self, state, theta, data: PseudoData, derivatives: bool = False):
        """chi^2 with constraints (and gradient and curvature) at ``theta``."""
        f, g, h = self.evaluate(state, theta, data, derivatives)
        cf, cg, ch = self._constraints(theta, data.centres, derivatives)
        if not derivatives:
            return f + cf, None, None
        return f + cf, g + cg, h + ch

    def expected(self, prediction, nuisances=None) -> np.ndarray:
        """Mean of the data (..., n_bins) for predictions (..., n_prediction) at the nuisances
        (None: nominal; a mapping by name; or an array (..., n_parameters))."""
        prediction = self.check_prediction(prediction)
        return self.mean(self.prepare(prediction), self.theta(nuisances))

    def chi2(self, prediction, nuisances=None, data: PseudoData | None = None) -> np.ndarray:
        """-2 ln L (+ const) at fixed nuisances, constraints included, shape (...)."""
        prediction = self.check_prediction(prediction)
        data = self._data(data)
        return self.objective(self.prepare(prediction), self.theta(nuisances), data)[0]

    def profile(
        self,
        prediction,
        data: PseudoData | None = None,
        method: str = "auto",
        start: np.ndarray | None = None,
    ) -> FitResult:
        """Minimum of chi^2 over the nuisances for every prediction (and pseudo-data set).

        Parameters
        ----------
        prediction : array_like
            Signal predictions (..., n_prediction).
        data : PseudoData, optional
            Pseudo-data (batched, broadcast against the predictions); default the real data.
        method : {"auto", "gauss-newton", "migrad"}
            ``"auto"`` is the fastest exact method of the form (Gauss-Newton here).
        start : numpy.ndarray, optional
            A warm start (..., n_parameters), broadcast against the batch, used instead of
            :attr:`starts` (for example the best fit of a neighbouring prediction, as the bound
            search of :mod:`upscatter.scans` does); exact forms ignore it.

        Returns
        -------
        FitResult
        """
        prediction = self.check_prediction(prediction)
        data = self._data(data)
        start = self._check_start(start)
        if method in ("auto", "gauss-newton"):
            return self._profile_state(self.prepare(prediction), prediction.shape[:-1], data, start)
        if method == "migrad":
            return migrad_profile(self, prediction, data, start)
        raise ParameterError(
            f"unknown profile method {method!r}; known: auto, gauss-newton, migrad"
        )

    def _check_start(self, start) -> np.ndarray | None:
        if start is None:
            return None
        start = np.asarray(start, dtype=float)
        if start.shape[-1:] != (len(self.parameters),) or not np.all(np.isfinite(start)):
            raise ParameterError(
                f"{self.name}: a start needs {len(self.parameters)} finite entries along its "
                f"last axis, got shape {start.shape}"
            )
        lo, hi = self.bounds
        return np.clip(start, lo, hi)

    def _profile_state(
        self,
        state,
        batch: tuple[int, ...],
        data: PseudoData,
        start: np.ndarray | None,
        tolerance: float = CHI2_TOLERANCE,
    ) -> FitResult:
        """Gauss-Newton profile of a state prepared from predictions of batch shape ``batch``:
        from ``start`` if given, else from every one of :attr:`starts`."""
        n_batch = max(len(batch), data.observed.ndim - 1, data.centres.ndim - 1)
        # converged elements leave the iteration when the state is indexed by one batch axis
        by_rows = len(batch) == 1 and n_batch == 1
        if start is not None:
            return gauss_newton_profile(
                self, state, data, start, by_rows=by_rows, tolerance=tolerance
            )
        return multistart_profile(self, state, data, self.starts, n_batch, by_rows, tolerance)

    def profile_prepared(
        self,
        state,
        start: np.ndarray | None = None,
        data: PseudoData | None = None,
        tolerance: float = CHI2_TOLERANCE,
    ) -> FitResult:
        """:meth:`profile` of a state already prepared (:class:`LinearPredictions`) from a 1-d
        batch of predictions, with an optional warm start (n, n_parameters), to ``tolerance``
        in chi^2 (:func:`gauss_newton_profile`)."""
        data = self._data(data)
        return self._profile_state(state, (-1,), data, self._check_start(start), tolerance)

    def asimov(self, prediction, nuisances=None) -> PseudoData:
        """The Asimov data set: data equal to their mean, constraint centres at the nuisances."""
        theta = self.theta(nuisances)
        mean = self.expected(prediction, theta)
        return PseudoData(mean, np.broadcast_to(theta, (*mean.shape[:-1], theta.shape[-1])))

    def sample(
        self,
        prediction,
        nuisances=None,
        rng: np.random.Generator | int | None = None,
        n: int = 1,
        vary_constraints: bool = False,
    ) -> PseudoData:
        """Pseudo-experiments: ``n`` random data sets for every prediction.

        Parameters
        ----------
        prediction : array_like
            Signal predictions (..., n_prediction).
        nuisances : optional
            True nuisance values (None: nominal; mapping; array).
        rng : numpy.random.Generator or int, optional
            Random generator or seed.
        n : int
            Number of pseudo-experiments per prediction.
        vary_constraints : bool
            Also draw each constraint centre from its Gaussian around the true value (the
            auxiliary measurements of a frequentist toy); otherwise centres stay nominal.

        Returns
        -------
        PseudoData
            ``observed`` of shape (n, ..., n_bins) and ``centres`` (n, ..., n_parameters).
        """
        if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 1:
            raise ParameterError(f"n must be a positive integer, got {n!r}")
        if isinstance(rng, int | np.integer):
            rng = as_seed("rng", rng)
        rng = np.random.default_rng(rng)
        mean = self.expected(prediction, nuisances)
        observed = self.draw(np.broadcast_to(mean, (n, *mean.shape)), rng)
        shape = (n, *mean.shape[:-1], len(self.parameters))
        if vary_constraints:
            theta = np.broadcast_to(self.theta(nuisances), shape)
            sigma = np.array([0.0 if p.sigma is None else p.sigma for p in self.parameters])
            centres = theta + sigma * rng.standard_normal(shape)
        else:
            centres = np.broadcast_to(self.nominal, shape)
        return PseudoData(observed, np.array(centres))


# ------------------------------------------------------------------------------------ profilers
def _free_mask(theta, gradient, lo, hi):
    """Parameters not pinned at a bound by a gradient pushing outwards."""
    at_lo = (theta <= lo) & (gradient > 0)
    at_hi = (theta >= hi) & (gradient < 0)
    return ~(at_lo | at_hi)


def gauss_newton_profile(
    likelihood: Likelihood,
    state,
    data: PseudoData,
    start: np.ndarray | None = None,
    max_iterations: int = MAX_ITERATIONS,
    by_rows: bool = False,
    tolerance: float = CHI2_TOLERANCE,
) -> FitResult:
    """Batched damped Gauss-Newton (Levenberg-Marquardt) minimisation with box bounds.

    Every element of the batch takes Newton steps on the curvature of
    :meth:`Likelihood.objective` (exact for Gaussian forms, Gauss-Newton for Poisson) plus a
    structured secant correction, damped by lambda (x diag) when a step does not lower chi^2;
    a parameter at a bound whose gradient points outwards is frozen for the step; steps are
    clipped to the bounds. Quadratic objectives converge in one step.

    The secant correction S is the part of the Hessian that the Gauss-Newton matrix G leaves
    out (the second derivatives of the expected counts times the residuals, large where a
    nuisance acts nonlinearly, such as the CsI 2021 efficiency shift): after every accepted
    step s with gradient change y, the symmetric rank-one update S += r r^T / (r . s),
    r = y - (G + S) s, makes G + S reproduce the observed gradient change (the "structured"
    quasi-Newton update of Dennis, Gay and Welsch, ACM TOMS 7 (1981) 348, in its SR1 form,
    which allows the indefinite S that residual curvature can have). Without it the iteration
    converges only linearly along such nuisances (factor 0.4 per step at CsI 2021); with it
    superlinearly. Where G + S does not give a descent direction, the step is G's alone.

    Parameters
    ----------
    likelihood : Likelihood
    state
        ``likelihood.prepare(prediction)``.
    data : PseudoData
    start : numpy.ndarray, optional
        Starting values (..., n_parameters); default nominal.
    max_iterations : int
    by_rows : bool
        The batch is one axis that leads the prediction-dependent arrays of ``state``
        (:func:`batched_leaves`) and of batched ``data`` (a state prepared from predictions
        (n, n_prediction)): converged elements then leave the
        iteration, so that the elements still iterating are the only ones evaluated (the state
        is re-indexed when a quarter of its rows have converged). Every element follows the
        same iteration either way.
    tolerance : float
        Convergence threshold on the chi^2 gain and the Newton decrement (CHI2_TOLERANCE).

    Returns
    -------
    FitResult
    """
    lo, hi = likelihood.bounds
    n_par = len(likelihood.parameters)
    theta0 = likelihood.nominal if start is None else np.asarray(start, dtype=float)
    f, g, h = likelihood.objective(state, theta0, data, derivatives=True)
    batch = np.shape(f)
    # the iteration's arrays, one entry per element of the batch
    it = {
        "theta": np.array(np.broadcast_to(theta0, (*batch, n_par)), dtype=float),
        "f": np.array(f, dtype=float),
        "g": np.array(np.broadcast_to(g, (*batch, n_par))),
        "h": np.array(np.broadcast_to(h, (*batch, n_par, n_par))),
        "correction": np.zeros((*batch, n_par, n_par)),  # the secant correction S
        "damping": np.zeros(batch),
        "backtrack": np.zeros((*batch, n_par)),  # the step to retry after a rejection
        "pending": np.zeros(batch, dtype=bool),  # whether to retry it
        "converged": np.zeros(batch, dtype=bool),
    }
    evaluations = 1
    by_rows = by_rows and len(batch) == 1
    rows = np.arange(batch[0]) if by_rows else None  # elements of the current sub-state
    sub_state, sub_data = state, data
    for _ in range(max_iterations):
        now = {k: v[rows] for k, v in it.items()} if by_rows else it
        t, gv = now["theta"], now["g"]
        step = _newton_step(now, lo, hi)
        # the minimum is reached when the undamped step about to be taken promises less than
        # the tolerance (the Newton decrement, no evaluation needed)
        promised = -np.sum(gv * (np.clip(t + step, lo, hi) - t), axis=-1)
        now["converged"] = now["converged"] | (
            ~now["pending"] & (now["damping"] < 1e-4) & (promised < tolerance)
        )
        if np.all(now["converged"]):
            if by_rows:
                it["converged"][rows] = True
            break
        step = np.where(now["pending"][..., None], now["backtrack"], step)
        trial = np.clip(t + step, lo, hi)
        f_trial, g_trial, h_trial = likelihood.objective(sub_state, trial, sub_data, True)
        evaluations += 1
        moved = trial - t
        decrement = -np.sum(gv * moved, axis=-1)
        accept = (f_trial <= now["f"]) & ~now["converged"]
        _secant_update(
            now, moved, g_trial - gv, np.where(accept[..., None, None], h_trial, now["h"])
        )
        done = accept & (now["f"] - f_trial < tolerance) & (decrement < tolerance)
        # a rejected step whose predicted gain is negligible also means we are at the minimum
        done |= ~accept & ~now["converged"] & (np.abs(decrement) < tolerance)
        # after a rejection, retry along the same step, shortened to the minimum of the
        # parabola through f, its slope and f_trial (kept within 0.1-0.5 of the step)
        curvature = f_trial - now["f"] + decrement
        shorten = np.clip(decrement / (2.0 * np.where(curvature > 0, curvature, 1.0)), 0.1, 0.5)
        now["backtrack"] = shorten[..., None] * moved
        now["pending"] = ~accept & (decrement > 0) & (curvature > 0)
        now["theta"] = np.where(accept[..., None], trial, t)
        now["f"] = np.where(accept, f_trial, now["f"])
        now["g"] = np.where(accept[..., None], g_trial, gv)
        now["h"] = np.where(accept[..., None, None], h_trial, now["h"])
        now["damping"] = np.where(
            accept, now["damping"] * 0.2, np.maximum(now["damping"] * 10.0, 1e-3)
        )
        now["converged"] = now["converged"] | done
        if not by_rows:
            if np.all(it["converged"]):
                break
            continue
        for k, v in now.items():
            it[k][rows] = v
        live = ~now["converged"]
        if not np.any(live):
            break
        if live.sum() <= 0.75 * rows.size:
            keep = np.nonzero(live)[0]
            rows = rows[keep]
            sub_state = take_rows(sub_state, keep, batched_leaves(likelihood))
            sub_data = PseudoData(
                sub_data.observed[keep] if sub_data.observed.ndim > 1 else sub_data.observed,
                sub_data.centres[keep] if sub_data.centres.ndim > 1 else sub_data.centres,
            )
    theta = it["theta"]
    return FitResult(
        chi2=np.asarray(it["f"]),
        values={name: theta[..., i] for i, name in enumerate(likelihood.names)},
        converged=it["converged"],
        n_evaluations=evaluations,
        method="gauss-newton",
    )


def _newton_step(now: dict, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The damped Newton step of :func:`gauss_newton_profile` on G + S, or on G alone where
    G + S does not give a descent direction; parameters at a bound with the gradient pushing
    outwards stay where they are."""
    t, gv, hv = now["theta"], now["g"], now["h"]
    free = _free_mask(t, gv, lo, hi)
    pair = free[..., :, None] & free[..., None, :]
    diag = np.diagonal(hv, axis1=-2, axis2=-1)
    scale = np.where(diag > 0, diag, 1.0)
    # a parameter without curvature (the chi^2 is flat along it: its row of the
    # semi-definite h is zero) takes a gradient step, so the system stays regular
    flat = diag <= 0
    regular = (
        np.eye(t.shape[-1])
        * np.where(free, now["damping"][..., None] * scale + flat, 1.0)[..., None, :]
    )
    free_gradient = np.where(free, gv, 0.0)[..., None]
    corrected = -np.linalg.solve(
        np.where(pair, hv + now["correction"], 0.0) + regular, free_gradient
    )[..., 0]
    descent = np.sum(gv * corrected, axis=-1) < 0
    if np.all(descent):
        return corrected
    plain = -np.linalg.solve(np.where(pair, hv, 0.0) + regular, free_gradient)[..., 0]
    return np.where(descent[..., None], corrected, plain)


def _secant_update(now: dict, moved: np.ndarray, gradient_change: np.ndarray, h_new) -> None:
    """SR1 update of the secant correction S (in place in ``now``) so that G_new + S
    reproduces the gradient change along the step; skipped where r . s is negligible."""
    s_old = now["correction"]
    residual = gradient_change - np.einsum("...ij,...j->...i", h_new + s_old, moved)
    rs = np.sum(residual * moved, axis=-1)
    size = np.linalg.norm(residual, axis=-1) * np.linalg.norm(moved, axis=-1)
    update = (np.abs(rs) > 1e-8 * size) & (size > 0)
    safe = np.where(update, rs, 1.0)
    now["correction"] = s_old + np.where(
        update[..., None, None],
        residual[..., :, None] * residual[..., None, :] / safe[..., None, None],
        0.0,
    )


def multistart_profile(
    likelihood: Likelihood,
    state,
    data: PseudoData,
    starts: np.ndarray,
    n_batch: int,
    by_rows: bool = False,
    tolerance: float = CHI2_TOLERANCE,
) -> FitResult:
    """:func:`gauss_newton_profile` from every start at once (a leading batch axis in front of
    the ``n_batch`` batch axes of the predictions and data), keeping the lowest minimum of each
    element; ``by_rows`` (for a single start) and ``tolerance`` as there."""
    starts = np.asarray(starts, dtype=float)
    if starts.shape[0] == 1:
        return gauss_newton_profile(
            likelihood, state, data, starts[0], by_rows=by_rows, tolerance=tolerance
        )
    start = starts.reshape(starts.shape[0], *(1,) * n_batch, starts.shape[1])
    fit = gauss_newton_profile(likelihood, state, data, start, tolerance=tolerance)
    best = np.argmin(fit.chi2, axis=0)[None]

    def pick(values: np.ndarray) -> np.ndarray:
        return np.take_along_axis(values, best, axis=0)[0]

    return FitResult(
        chi2=pick(fit.chi2),
        values={name: pick(v) for name, v in fit.values.items()},
        converged=pick(fit.converged),
        n_evaluations=fit.n_evaluations,
        method=fit.method,
    )


# ------------------------------------------------------------------------------- prepared states
def _tree_map(function, *trees):
    """``function`` applied leaf by leaf to states of the same structure: arrays, tuples and
    dataclasses of them (what :meth:`Likelihood.prepare` returns)."""
    first = trees[0]
    if isinstance(first, tuple | list):
        return type(first)(_tree_map(function, *parts) for parts in zip(*trees, strict=True))
    if is_dataclass(first) and not isinstance(first, type):
        return replace(
            first,
            **{
                f.name: _tree_map(function, *(getattr(t, f.name) for t in trees))
                for f in fields(first)
            },
        )
    return function(*trees)


def batched_leaves(likelihood: Likelihood):
    """Which arrays of the likelihood's prepared states carry the predictions' batch axes
    (first), as a state-shaped tree of booleans; the others (fixed templates) do not depend on
    the prediction. Found once per likelihood by preparing batches of one and two zero
    predictions."""
    mask = getattr(likelihood, "_batched_leaves", None)
    if mask is None:
        one = likelihood.prepare(np.zeros((1, likelihood.n_prediction)))
        two = likelihood.prepare(np.zeros((2, likelihood.n_prediction)))

        def batched(a, b):
            a, b = np.shape(a), np.shape(b)
            return len(a) > 0 and a[0] == 1 and b[0] == 2 and a[1:] == b[1:]

        mask = _tree_map(batched, one, two)
        likelihood._batched_leaves = mask
    return mask


def take_rows(state, index: np.ndarray, mask):
    """The elements ``index`` of a state prepared from predictions (n, n_prediction); ``mask``
    from :func:`batched_leaves`."""
    return _tree_map(lambda a, m: a[index] if m else a, state, mask)


class LinearPredictions:
    """Prepared states of the predictions N = sm + sum_m c_m K_m of many mass points, without
    preparing each prediction: :meth:`Likelihood.prepare` is affine in the prediction (every
    form folds it linearly and adds fixed terms), so a state is the SM state plus the
    coefficients times the prepared basis (exact up to rounding).

    Parameters
    ----------
    likelihood : Likelihood
    sm : numpy.ndarray
        SM prediction, (n_prediction,).
    K : numpy.ndarray
        Basis predictions of n mass points, (n, n_prediction, n_basis).
    """

    def __init__(self, likelihood: Likelihood, sm: np.ndarray, K: np.ndarray):
        self.likelihood = likelihood
        self._mask = batched_leaves(likelihood)
        self._base = likelihood.prepare(np.asarray(sm, dtype=float)[None, :])
        zero = likelihood.prepare(np.zeros((1, np.size(sm))))
        full = likelihood.prepare(np.asarray(K, dtype=float).transpose(0, 2, 1))  # (n, M, ...)
        self._basis = _tree_map(lambda a, z, m: a - z[:, None] if m else a, full, zero, self._mask)

    def state(self, points: np.ndarray, coefficients: np.ndarray):
        """The state of the predictions sm + K[points] @ coefficients (rows (r,), (r, M))."""
        c = np.asarray(coefficients, dtype=float)

        def add(base, basis, batched):
            if not batched:
                return base
            d = basis[points]  # (r, M, ...)
            out = np.broadcast_to(base, (len(points), *base.shape[1:])).copy()
            for m in range(d.shape[1]):
                out += c[:, m].reshape(-1, *(1,) * (d.ndim - 2)) * d[:, m]
            return out

        return _tree_map(add, self._base, self._basis, self._mask)


def migrad_profile(
    likelihood: Likelihood,
    prediction: np.ndarray,
    data: PseudoData,
    start: np.ndarray | None = None,
) -> FitResult:
    """The reference profiler: MIGRAD (iminuit) with the analytic gradient, one fit per element,
    from ``start`` (broadcast against the batch) or the nominal values."""
    prediction = likelihood.check_prediction(prediction)
    batch = np.broadcast_shapes(
        prediction.shape[:-1], data.observed.shape[:-1], data.centres.shape[:-1]
    )
    predictions = np.broadcast_to(prediction, (*batch, prediction.shape[-1])).reshape(
        -1, prediction.shape[-1]
    )
    observed = np.broadcast_to(data.observed, (*batch, likelihood.n_bins)).reshape(
        -1, likelihood.n_bins
    )
    centres = np.broadcast_to(data.centres, (*batch, len(likelihood.parameters))).reshape(
        -1, len(likelihood.parameters)
    )
    from iminuit import Minuit  # imported on use (0.3 s at start-up otherwise)

    initial = likelihood.nominal if start is None else start
    initial = np.broadcast_to(initial, (*batch, len(likelihood.parameters))).reshape(
        -1, len(likelihood.parameters)
    )
    chi2, values, valid, evaluations = [], [], [], 0
    for x, obs, cen, first in zip(predictions, observed, centres, initial, strict=True):
        state, one = likelihood.prepare(x), PseudoData(obs, cen)
        minuit = Minuit(
            lambda t, s=state, d=one: float(likelihood.objective(s, np.asarray(t), d)[0]),
            first,
            grad=lambda t, s=state, d=one: likelihood.objective(
                s, np.asarray(t), d, derivatives=True
            )[1],
            name=likelihood.names,
        )
        minuit.errordef = Minuit.LEAST_SQUARES
        minuit.tol = 0.01
        for p in likelihood.parameters:
            minuit.limits[p.name] = p.bounds
        minuit.migrad()
        if not np.isfinite(minuit.fval):
            raise UpscatterError(f"{likelihood.name}: chi^2 has no finite minimum")
        chi2.append(minuit.fval)
        values.append(np.array(minuit.values))
        valid.append(minuit.valid)
        evaluations += minuit.nfcn
    values = np.reshape(values, (*batch, len(likelihood.parameters)))
    return FitResult(
        chi2=np.reshape(chi2, batch),
        values={name: values[..., i] for i, name in enumerate(likelihood.names)},
        converged=np.reshape(valid, batch),
        n_evaluations=evaluations,
        method="migrad",
    )


# ----------------------------------------------------------------------------------- the forms
@dataclass(frozen=True)
class _LinearState:
    base: np.ndarray  # S + B, (..., n_bins)
    jacobian: np.ndarray  # S r_k + a_k, (..., K, n_bins)


class LinearGaussianLikelihood(Likelihood):
    """Gaussian bins with nuisances entering linearly, profiled exactly.

    N_th,b(theta) = S_b + B_b + sum_k theta_k (S_b r_kb + a_kb) and
    chi^2 = sum_b ((N_obs,b - N_th,b) / sigma_b)^2 + constraints (paper 003 Eqs. (22)-(23); paper
    000 Eq. (34) with r = (1, 0), a = (0, B)).

    Parameters
    ----------
    name : str
    observed : array_like
        N_obs per bin, shape (n_bins,) (may be negative: background-subtracted data).
    sigma : array_like
        Gaussian uncertainty per bin, positive, shape (n_bins,).
    background : array_like
        B at theta = 0, shape (n_bins,).
    relative, absolute : array_like
        Templates r_k (multiplying the signal) and a_k, shape (K, n_bins).
    parameters : sequence of Parameter
        The K nuisances; the model is linear in theta around 0, so each parameter's nominal
        value is 0 (its constraint centre) unless given otherwise.
    """

    def __init__(self, name, observed, sigma, background, relative, absolute, parameters):
        self.name = name
        self.observed = as_array(f"{name} observed", observed, allow_negative=True)
        self.sigma = as_array(f"{name} bin uncertainties", sigma, allow_zero=False)
        self.background = as_array(f"{name} background", background, allow_negative=True)
        self.relative = as_array(f"{name} relative templates", relative, allow_negative=True)
        self.absolute = as_array(f"{name} absolute templates", absolute, allow_negative=True)
        self.parameters = tuple(parameters)
        n_bins, k = self.observed.shape[-1:], len(self.parameters)
        if self.observed.ndim != 1 or any(a.shape != n_bins for a in (self.sigma, self.background)):
            raise ParameterError(f"{name}: observed, sigma, background must be 1-d, equal size")
        if any(a.shape != (k, *n_bins) for a in (self.relative, self.absolute)):
            raise ParameterError(f"{name}: templates must have shape ({k}, {n_bins[0]})")
        _check_unique(name, self.names)

    @property
    def n_prediction(self) -> int:
        return self.n_bins

    def prepare(self, prediction):
        s = np.asarray(prediction, dtype=float)
        return _LinearState(s + self.background, s[..., None, :] * self.relative + self.absolute)

    def mean(self, state: _LinearState, theta):
        return state.base + np.einsum("...k,...kn->...n", theta, state.jacobian)

    def evaluate(self, state: _LinearState, theta, data: PseudoData, derivatives=False):
        w = self.sigma**-2
        resid = data.observed - self.mean(state, theta)
        f = np.sum(resid * resid * w, axis=-1)
        if not derivatives:
            return f, None, None
        jw = state.jacobian * w
        g = -2.0 * np.einsum("...kn,...n->...k", jw, resid)
        h = 2.0 * np.einsum("...kn,...ln->...kl", jw, state.jacobian)
        return f, g, h

    def draw(self, mean, rng):
        return mean + self.sigma * rng.standard_normal(mean.shape)

    def profile(
        self,
        prediction,
        data: PseudoData | None = None,
        method: str = "auto",
        start: np.ndarray | None = None,
    ):
        """Exact minimum by one Newton step from the nominal values (the objective is
        quadratic; ``start`` is not needed); the bounds must not be active (the Gaussian forms
        of the papers have none), otherwise the bounded Gauss-Newton iteration is used."""
        if method != "auto" or self._bounded:
            return super().profile(prediction, data, method, start)
        prediction = self.check_prediction(prediction)
        return self._exact(self.prepare(prediction), self._data(data))

    @property
    def _bounded(self) -> bool:
        return any(np.isfinite(b).any() for b in self.bounds)

    def _profile_state(self, state, batch, data, start, tolerance=CHI2_TOLERANCE):
        if self._bounded:
            return super()._profile_state(state, batch, data, start, tolerance)
        return self._exact(state, data)

    def _exact(self, state: _LinearState, data: PseudoData) -> FitResult:
        theta0 = self.nominal
        _, g, h = self.objective(state, theta0, data, derivatives=True)
        theta = theta0 - np.linalg.solve(h, g[..., None])[..., 0]
        f = self.objective(state, theta, data)[0]
        return FitResult(
            chi2=np.asarray(f),
            values={name: theta[..., i] for i, name in enumerate(self.names)},
            converged=np.ones(np.shape(f), dtype=bool),
            n_evaluations=2,
            method="linear",
        )


@dataclass(frozen=True)
class Pull:
    """A Gaussian-constrained nuisance of :func:`template_gaussian_likelihood` acting on one
    sample: its normalisation, factor (1 + theta), when ``shape`` is None, else the shape change
    theta x ``shape`` (the relative change per bin at theta = 1: the Delta of paper 003
    Eq. (24)).

    Attributes
    ----------
    name : str
    sigma : float or None
        Width of the Gaussian constraint (None: free).
    shape : numpy.ndarray or None
        Relative change per bin, shape (n_bins,).
    """

    name: str
    sigma: float | None
    shape: np.ndarray | None = None


def template_gaussian_likelihood(
    name: str,
    observed,
    sigma,
    signal: Sequence[Pull],
    backgrounds: Sequence[tuple[Any, Sequence[Pull]]],
) -> LinearGaussianLikelihood:
    """Gaussian bins with pulls on the signal and on background templates::

        N_th = S (1 + sum_k theta_k r_k) + sum_b B_b (1 + sum_l theta_l r_l),

    r = 1 for a normalisation and the pull's ``shape`` otherwise: paper 000 Eq. (34) (pulls
    alpha on S and beta on B_on) and paper 003 Eqs. (22)-(24) (LAr 2020: normalisations and
    shape variants) as a :class:`LinearGaussianLikelihood`, parameters in the order given.

    Parameters
    ----------
    name : str
    observed, sigma : array_like
        N_obs and the Gaussian uncertainty per bin, shape (n_bins,).
    signal : sequence of Pull
        The pulls on the signal.
    backgrounds : sequence of (array_like, sequence of Pull)
        Each background's counts per bin at theta = 0 and its pulls (possibly none).
    """
    observed = np.asarray(observed, dtype=float)
    ones, zeros = np.ones_like(observed), np.zeros_like(observed)
    total = zeros
    parameters, relative, absolute = [], [], []
    for pull in signal:
        parameters.append(Parameter(pull.name, sigma=pull.sigma))
        relative.append(ones if pull.shape is None else pull.shape)
        absolute.append(zeros)
    for counts, pulls in backgrounds:
        counts = np.broadcast_to(np.asarray(counts, dtype=float), observed.shape)
        total = total + counts
        for pull in pulls:
            parameters.append(Parameter(pull.name, sigma=pull.sigma))
            relative.append(zeros)
            absolute.append(counts if pull.shape is None else counts * pull.shape)
    return LinearGaussianLikelihood(
        name, observed, sigma, total, np.array(relative), np.array(absolute), parameters
    )


def gaussian_pull_likelihood(
    name: str, observed, sigma, background, sigma_alpha: float, sigma_beta: float | None
) -> LinearGaussianLikelihood:
    """Paper 000 Eq. (34) = paper 002 Eq. (13)::

        chi^2 = sum_i [(N_meas,i - N_th,i (1 + alpha) - B_on,i (1 + beta)) / sigma_i]^2
                + (alpha / sigma_alpha)^2 + (beta / sigma_beta)^2

    (:func:`template_gaussian_likelihood` with r = (1, 0) and a = (0, B_on)). With
    ``sigma_beta=None`` there is no beam-on background pull (paper 002's projections, B_on = 0):
    the only parameter is alpha.
    """
    pulls = [] if sigma_beta is None else [Pull("beta", sigma_beta)]
    return template_gaussian_likelihood(
        name, observed, sigma, [Pull("alpha", sigma_alpha)], [(background, pulls)]
    )


class ExpectedCounts(Protocol):
    """A nonlinear model of the expected counts of a :class:`PoissonLikelihood`.

    ``prepare`` does the work that is linear in the prediction once per profile; ``evaluate``
    gives the expected counts (..., n_bins) at ``theta`` (..., n_parameters) and, with
    ``jacobian``, their derivatives (..., n_parameters, n_bins).
    """

    n_prediction: int

    def prepare(self, prediction: np.ndarray) -> Any: ...

    def evaluate(
        self, state: Any, theta: np.ndarray, jacobian: bool = False
    ) -> tuple[np.ndarray, np.ndarray | None]: ...


class PoissonLikelihood(Likelihood):
    """Binned Poisson counts: chi^2 = 2 sum [mu - n + n ln(n / mu)] + constraints (paper 003
    Eq. (20); a bin with n = 0 contributes 2 mu), mu from an :class:`ExpectedCounts` model.

    Parameters
    ----------
    name : str
    observed : array_like
        Observed counts per bin (non-negative), shape (n_bins,).
    parameters : sequence of Parameter
    model : ExpectedCounts
    starts : array_like, optional
        Extra starting points of the profile (n_starts, n_parameters), for likelihoods with
        several local minima; the nominal values are always a start.
    """

    def __init__(self, name, observed, parameters, model: ExpectedCounts, starts=None):
        self.name = name
        self.observed = as_array(f"{name} observed counts", observed)
        if self.observed.ndim != 1:
            raise ParameterError(f"{name}: observed counts must be 1-d")
        self.parameters = tuple(parameters)
        self.model = model
        _check_unique(name, self.names)
        n_par = len(self.parameters)
        if starts is None:
            extra = np.zeros((0, n_par))
        else:
            extra = self.theta(as_array(f"{name} starts", starts, allow_negative=True))
            extra = extra.reshape(-1, n_par)
        self._starts = np.concatenate([self.nominal[None, :], extra])

    @property
    def starts(self) -> np.ndarray:
        return self._starts

    @property
    def n_prediction(self) -> int:
        return int(self.model.n_prediction)

    def prepare(self, prediction):
        return self.model.prepare(np.asarray(prediction, dtype=float))

    def mean(self, state, theta):
        return self.model.evaluate(state, theta)[0]

    def evaluate(self, state, theta, data: PseudoData, derivatives=False):
        mu, dmu = self.model.evaluate(state, theta, jacobian=derivatives)
        n = data.observed
        f = poisson_chi2(n, mu)
        if not derivatives:
            return f, None, None
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(n > 0, n / mu, 0.0)
            # the second derivative of 2 [mu - n ln mu] in mu: the exact Hessian for the
            # nuisances that enter linearly (normalisations), which converges faster than the
            # expected-information weight 1/mu (Fisher scoring) when the data sit off the model
            weight = np.where((n > 0) & (mu > 0), n / mu**2, 0.0)
        g = 2.0 * np.einsum("...kn,...n->...k", dmu, 1.0 - ratio)
        h = 2.0 * np.einsum("...kn,...ln->...kl", dmu * weight[..., None, :], dmu)
        return f, g, h

    def draw(self, mean, rng):
        return rng.poisson(mean).astype(float)


# ------------------------------------------------------------------------------------------ sums
@dataclass(frozen=True)
class _Part:
    likelihood: Likelihood
    prediction: slice
    bins: slice
    index: np.ndarray = field(repr=False)  # position of each of its parameters in the sum


def _check_unique(name: str, names: Sequence[str]) -> None:
    if len(set(names)) != len(names):
        raise ParameterError(f"{name}: parameter names must be unique, got {', '.join(names)}")


class SumLikelihood(Likelihood):
    """Independent data sets fitted together (see :func:`combine`)."""

    def __init__(self, parts: Sequence[Likelihood], shared: Sequence[str] = ()):
        parts = tuple(parts)
        if len(parts) < 2:
            raise ParameterError("a sum of likelihoods needs at least two parts")
        names = [p.name for p in parts]
        _check_unique("sum of likelihoods", names)
        shared = tuple(shared)
        for s in shared:
            holders = [p for p in parts if s in p.names]
            if len(holders) < 2:
                raise ParameterError(
                    f"shared parameter {s!r} must be declared by at least two parts, found in "
                    f"{', '.join(p.name for p in holders) or 'none'}"
                )
            definitions = {
                (q.nominal, q.bounds, q.sigma) for p in holders for q in p.parameters if q.name == s
            }
            if len(definitions) > 1:
                raise ParameterError(
                    f"shared parameter {s!r} has different nominal, bounds or constraint in "
                    f"{', '.join(p.name for p in holders)}"
                )
        self.name = " + ".join(names)
        self.shared = shared
        union: list[Parameter] = []
        position: dict[str, int] = {}
        built = []
        start_p = start_b = 0
        for part in parts:
            index = []
            for q in part.parameters:
                key = q.name if q.name in shared else f"{part.name}/{q.name}"
                if key not in position:
                    position[key] = len(union)
                    union.append(q.renamed(key))
                index.append(position[key])
            built.append(
                _Part(
                    part,
                    slice(start_p, start_p + part.n_prediction),
                    slice(start_b, start_b + part.n_bins),
                    np.array(index, dtype=int),
                )
            )
            start_p += part.n_prediction
            start_b += part.n_bins
        self.parameters = tuple(union)
        self.parts = tuple(built)
        self.observed = np.concatenate([p.observed for p in parts])

    @property
    def n_prediction(self) -> int:
        return sum(p.likelihood.n_prediction for p in self.parts)

    @property
    def starts(self) -> np.ndarray:
        """The nominal values, then each part's extra starts with the other parameters
        nominal."""
        starts = [self.nominal[None, :]]
        for part in self.parts:
            extra = part.likelihood.starts[1:]
            block = np.repeat(self.nominal[None, :], len(extra), axis=0)
            block[:, part.index] = extra
            starts.append(block)
        return np.concatenate(starts)

    def _split_data(self, data: PseudoData, part: _Part) -> PseudoData:
        return PseudoData(data.observed[..., part.bins], data.centres[..., part.index])

    def prepare(self, prediction):
        return tuple(p.likelihood.prepare(prediction[..., p.prediction]) for p in self.parts)

    def mean(self, state, theta):
        means = [
            p.likelihood.mean(s, theta[..., p.index])
            for p, s in zip(self.parts, state, strict=True)
        ]
        shape = np.broadcast_shapes(*(m.shape[:-1] for m in means))
        return np.concatenate([np.broadcast_to(m, (*shape, m.shape[-1])) for m in means], axis=-1)

    def evaluate(self, state, theta, data: PseudoData, derivatives=False):
        results = [
            (
                part,
                part.likelihood.evaluate(
                    s, theta[..., part.index], self._split_data(data, part), derivatives
                ),
            )
            for part, s in zip(self.parts, state, strict=True)
        ]
        f = sum(r[0] for _, r in results)
        if not derivatives:
            return f, None, None
        n_par = len(self.parameters)
        g = np.zeros((*np.shape(f), n_par))
        h = np.zeros((*np.shape(f), n_par, n_par))
        for part, (_, gp, hp) in results:
            idx = part.index
            g[..., idx] += gp
            h[..., idx[:, None], idx[None, :]] += hp
        return f, g, h

    def draw(self, mean, rng):
        return np.concatenate(
            [p.likelihood.draw(mean[..., p.bins], rng) for p in self.parts], axis=-1
        )

    def profile(
        self,
        prediction,
        data: PseudoData | None = None,
        method: str = "auto",
        start: np.ndarray | None = None,
    ):
        """Without shared parameters: each part's own profile, chi^2 summed (exact). With
        shared parameters: the joint Gauss-Newton minimum (or MIGRAD)."""
        if self.shared or method == "migrad":
            return super().profile(prediction, data, method, start)
        prediction = self.check_prediction(prediction)
        data = self._data(data)
        start = self._check_start(start)
        return self._sum(
            [
                p.likelihood.profile(
                    prediction[..., p.prediction],
                    self._split_data(data, p),
                    method,
                    None if start is None else start[..., p.index],
                )
                for p in self.parts
            ]
        )

    def _profile_state(self, state, batch, data, start, tolerance=CHI2_TOLERANCE):
        if self.shared:
            return super()._profile_state(state, batch, data, start, tolerance)
        return self._sum(
            [
                p.likelihood._profile_state(
                    s,
                    batch,
                    self._split_data(data, p),
                    None if start is None else start[..., p.index],
                    tolerance,
                )
                for p, s in zip(self.parts, state, strict=True)
            ]
        )

    def _sum(self, fits: list[FitResult]) -> FitResult:
        """The parts' separate profiles as one result."""
        values = {}
        for part, fit in zip(self.parts, fits, strict=True):
            for q, i in zip(part.likelihood.parameters, part.index, strict=True):
                values[self.parameters[i].name] = fit.values[q.name]
        return FitResult(
            chi2=sum(fit.chi2 for fit in fits),
            values=values,
            converged=np.logical_and.reduce([fit.converged for fit in fits]),
            n_evaluations=sum(fit.n_evaluations for fit in fits),
            method="sum",
        )


def combine(*likelihoods: Likelihood, shared: Sequence[str] = ()) -> SumLikelihood:
    """The joint likelihood of independent data sets.

    Parameters
    ----------
    *likelihoods : Likelihood
        The parts, with distinct names; sums are flattened.
    shared : sequence of str
        Parameter names declared by several parts that are one parameter of the sum (for
        example a common flux normalisation); every other parameter stays separate, named
        ``"<part>/<parameter>"``.

    Returns
    -------
    SumLikelihood
    """
    parts: list[Likelihood] = []
    for lik in likelihoods:
        if isinstance(lik, SumLikelihood) and not lik.shared:
            parts.extend(p.likelihood for p in lik.parts)
        elif isinstance(lik, Likelihood):
            parts.append(lik)
        else:
            raise ParameterError(f"can only combine likelihoods, got {type(lik).__name__}")
    return SumLikelihood(parts, shared)
