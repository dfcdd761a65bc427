"""The folding engine against an independent, slow scipy.integrate reference."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from upscatter.errors import ParameterError
from upscatter.fluxes.stopped_pion import stopped_pion_source
from upscatter.kinematics import e_nu_min, recoil_range
from upscatter.models import get_model, sm_channels
from upscatter.nuclei import CS133, get_material
from upscatter.rates import RecoilBins, binned_counts, differential_rate
from upscatter.units import keV
from upscatter.xsec.mediators import vector_nucleus_dsigma_dT
from upscatter.xsec.sm import sm_dsigma_dT

CSI = get_material("CsI")
SOURCE = stopped_pion_source()
EDGES = np.array([2.0, 5.0, 10.0, 15.0, 25.0, 40.0]) * keV


def reference_counts(dsigma, M, m_out, t_lo, t_hi, targets):
    """Nested scipy quad: sum over flux components of fluence * int dT int dE shape * dsigma."""
    total = 0.0
    for comp in SOURCE.components:
        if comp.is_line:

            def inner(T, comp=comp):
                return dsigma(comp.e_max, T)

        else:

            def inner(T, comp=comp):
                lo = float(e_nu_min(T, M, m_out))
                if lo >= comp.e_max:
                    return 0.0
                f = lambda E: float(comp.shape(E) * dsigma(E, T))  # noqa: E731
                return quad(f, lo, comp.e_max, epsrel=1e-10, epsabs=0)[0]

        value, _ = quad(inner, t_lo, t_hi, epsrel=1e-8, epsabs=0, limit=200)
        total += comp.fluence * value
    return targets * total


def test_sm_binned_spectrum_matches_quad_reference():
    """Issue 2 done-means: folded SM spectrum agrees with a scipy.integrate reference to 1e-3."""
    counts = binned_counts(sm_channels(CSI), SOURCE, RecoilBins(EDGES), 14.57)[0].sum(axis=0)
    n_cs = CSI.nuclei_per_kg()[0] * 14.57
    for b in (0, 2, 4):
        ref = 0.0
        for iso in CSI.isotopes:
            ref += reference_counts(
                lambda E, T, iso=iso: sm_dsigma_dT(E, T, iso),
                iso.mass,
                0.0,
                EDGES[b],
                EDGES[b + 1],
                n_cs,
            )
        assert counts[b] == pytest.approx(ref, rel=1e-3)


@pytest.mark.parametrize("m_chi", [1.0, 25.0, 45.0])
def test_vector_binned_spectrum_matches_quad_reference(m_chi):
    """Massive final state: the moving threshold E_min(T) and T_min > 0 are handled exactly."""
    m_med = 30.0
    model = get_model("vector")
    channels = [c for c in model.channels(CSI) if c.label.startswith("Cs133")]
    counts = binned_counts(
        channels, SOURCE, RecoilBins(EDGES), 14.57, {"m_chi": [m_chi], "m_med": [m_med]}
    )[0, :, :, 0].sum(axis=0)
    n_cs = CSI.nuclei_per_kg()[0] * 14.57
    for b in range(EDGES.size - 1):
        ref = reference_counts(
            lambda E, T: vector_nucleus_dsigma_dT(E, T, isotope=CS133, m_chi=m_chi, m_med=m_med),
            CS133.mass,
            m_chi,
            EDGES[b],
            EDGES[b + 1],
            n_cs,
        )
        assert counts[b] == pytest.approx(ref, rel=1e-3, abs=1e-9 * counts.max())


def test_batched_equals_one_at_a_time():
    model = get_model("scalar")
    masses = {"m_chi": np.array([0.5, 10.0, 40.0]), "m_med": np.array([1.0, 100.0, 20.0])}
    batch = binned_counts(model.channels(CSI), SOURCE, RecoilBins(EDGES), 1.0, masses, chunk=2)
    for i in range(3):
        one = binned_counts(
            model.channels(CSI),
            SOURCE,
            RecoilBins(EDGES),
            1.0,
            {k: v[i : i + 1] for k, v in masses.items()},
        )
        assert np.allclose(batch[i], one[0], rtol=1e-13, atol=0)


def test_bins_starting_at_zero_recoil_are_finite():
    """T = 0 nodes (m_chi > 0: E_min = inf; m_chi = 0: 0 x inf) give no NaN and no warning."""
    bins = RecoilBins(np.array([0.0, 5.0, 10.0]) * keV)
    for params in ({"m_chi": [0.0], "m_med": [1.0]}, {"m_chi": [3.0], "m_med": [1.0]}):
        counts = binned_counts(get_model("vector").channels(CSI), SOURCE, bins, 1.0, params)
        assert np.all(np.isfinite(counts)) and np.all(counts > 0)


def test_rate_is_exactly_zero_above_threshold():
    model = get_model("vector")
    counts = binned_counts(
        model.channels(CSI), SOURCE, RecoilBins(EDGES), 14.57, {"m_chi": [53.0], "m_med": [10.0]}
    )
    assert np.all(counts == 0.0)


def test_differential_rate_integrates_to_binned_counts():
    T = np.linspace(EDGES[0], EDGES[-1], 40001)
    dndt = differential_rate(sm_channels(CSI), SOURCE, T, 14.57)[0].sum(axis=0)
    binned = binned_counts(sm_channels(CSI), SOURCE, RecoilBins(EDGES[[0, -1]]), 14.57)
    assert np.trapezoid(dndt, T) == pytest.approx(binned.sum(), rel=1e-4)


@pytest.mark.parametrize(
    "params",
    [
        {"m_chi": [-1.0], "m_med": [1.0]},
        {"m_chi": [np.nan], "m_med": [1.0]},
        {"m_chi": [1.0, 2.0], "m_med": [1.0]},
    ],
)
def test_bad_mass_points_raise(params):
    with pytest.raises(ParameterError):
        binned_counts(get_model("vector").channels(CSI), SOURCE, RecoilBins(EDGES), 1.0, params)


def test_bad_bins_and_exposure_raise():
    with pytest.raises(ParameterError):
        RecoilBins(np.array([1.0, 0.5]))
    with pytest.raises(ParameterError):
        binned_counts(sm_channels(CSI), SOURCE, RecoilBins(EDGES), -1.0)


# --- accuracy of wide bins (issue 15 item 4) --------------------------------------------------

WIDE_MODELS = [
    ("vector", {}),
    ("scalar", {}),
    ("zprime", {"loops": False}),
    ("eft", {"operator": "dipole"}),
    ("eft", {"operator": "tensor"}),
    ("eft", {"operator": "scalar"}),
]


@pytest.mark.parametrize(("name", "options"), WIDE_MODELS)
def test_one_wide_bin_equals_the_sum_of_fine_bins(name, options):
    """One recoil bin [0, 0.5 MeV] equals the sum of 400 geometric bins (each a few percent
    wide, where the quadrature is converged) to 1e-4, for m_med from 1e-3 to 1e4 MeV and m_chi
    of 1 and 20 MeV (at m_chi = 0 the dipole rate diverges logarithmically at T -> 0, so that
    point has no converged value). Before the geometric splitting of wide segments, (m_chi,
    m_V) = (1, 10) MeV gave 0.82 of the converged value."""
    from upscatter.fluxes.stopped_pion import stopped_pion_source
    from upscatter.models import get_model
    from upscatter.nuclei import get_material
    from upscatter.rates import RecoilBins, binned_counts
    from upscatter.units import MeV

    model = get_model(name)
    channels = model.channels(get_material("CsI"), **options)
    source = stopped_pion_source()
    masses = [(m_chi, m_med) for m_chi in (1.0, 20.0) for m_med in (1e-3, 0.1, 10.0, 1e4)]
    params = {
        "m_chi": np.array([m for m, _ in masses]),
        "m_med": np.array([m for _, m in masses]),
    }
    params = {k: v for k, v in params.items() if k in model.parameters}
    wide = binned_counts(channels, source, RecoilBins(np.array([0.0, 0.5]) * MeV), 1.0, params)
    fine_edges = np.concatenate([[0.0], np.geomspace(1e-9, 0.5, 400)]) * MeV
    fine = binned_counts(channels, source, RecoilBins(fine_edges), 1.0, params)
    np.testing.assert_allclose(wide.sum(axis=(1, 2)), fine.sum(axis=(1, 2)), rtol=1e-4)


# ------------------------------------------------------- closed-form energy integral (issue 18)
def _closed_form_cases():
    vector, scalar = get_model("vector"), get_model("scalar")
    return [
        ("SM Cs", sm_channels(CSI)[0], {}),
        ("vector m_chi=0", vector.channels(CSI)[1], {"m_chi": [0.0], "m_med": [10.0]}),
        ("vector m_chi=20", vector.channels(CSI)[0], {"m_chi": [20.0], "m_med": [3.0]}),
        ("scalar m_chi=5", scalar.channels(CSI)[0], {"m_chi": [5.0], "m_med": [50.0]}),
        (
            "vector e",
            vector.channels(CSI, electrons=True)[-1],
            {"m_chi": [0.5], "m_med": [0.1]},
        ),
        # the Z' channels of case B: spin-dependent tree, loop (E^2..E^-2), interference
        *(
            (f"zprime B {c.label}", c, {"m_chi": [8.0], "m_med": [20.0]})
            for c in get_model("zprime").channels(CSI, case="B")[::2]
        ),
        ("zprime A loop", get_model("zprime").channels(CSI)[2], {"m_chi": [0.3], "m_med": [3.0]}),
    ]


@pytest.mark.parametrize(("name", "channel", "params"), _closed_form_cases())
def test_closed_form_energy_integral_matches_quad(name, channel, params):
    """int_{E_min(T)}^{m_mu/2} dn/dE dsigma/dT dE in closed form (Michel polynomial x series in
    1/E) against scipy.integrate.quad of the cross section itself, to 1e-10 relative (quad run
    at epsrel 1e-13), at recoils from near zero to 0.9 of the kinematic endpoint. At 0.999 of
    it the tolerance is 1e-8: there the bracket is a ~1e-7 remainder of O(1) terms, so every
    double-precision evaluation of the integrand (quad's included) is only good to ~1e-9."""
    from upscatter.rates import fluence_weighted_xsec

    assert channel.energy_terms is not None
    p = {k: np.asarray(v, dtype=float) for k, v in params.items()}
    m_out = p[channel.m_out_param][0] if channel.m_out_param else 0.0
    t_end = float(recoil_range(SOURCE.e_max, channel.target_mass, m_out)[1])
    T = t_end * np.array([[1e-6, 1e-3, 0.1, 0.5, 0.9, 0.999]])
    closed = fluence_weighted_xsec(channel, SOURCE, T, p)
    for c, comp in enumerate(SOURCE.components):
        for j, t in enumerate(T[0]):
            args = {k: v[0] for k, v in p.items()}

            def xs(E, t=t, args=args, comp=comp):
                return float(np.sum(channel.dsigma(E, t, comp.flavour, **args)))

            if comp.is_line:
                ref = xs(comp.e_max)
            else:
                lo = float(e_nu_min(t, channel.target_mass, m_out))
                ref = 0.0
                if lo < comp.e_max:
                    f = lambda E, comp=comp, xs=xs: float(comp.shape(E)) * xs(E)  # noqa: E731
                    ref = quad(f, lo, comp.e_max, epsrel=1e-13, epsabs=0, limit=200)[0]
            value = float(np.sum(closed[0, c, j])) / comp.fluence
            rel = 1e-10 if t <= 0.9 * t_end else 1e-8
            assert value == pytest.approx(ref, rel=rel, abs=1e-300), (name, comp.flavour, t)


@pytest.mark.parametrize(
    "name", ["sm", "vector", "scalar", "zprime", "zprime A", "zprime B", "zprime B paper"]
)
def test_closed_form_equals_the_quadrature_path(name):
    """The closed form and the Gauss-Legendre path (channels without energy_terms) agree to
    1e-12: 24 nodes integrate the E^0..E^5 products of the Michel spectra and the tree-level
    (E^0..E^-2) or loop-induced (E^2..E^-2) cross sections exactly."""
    from dataclasses import replace

    params = {"m_chi": np.array([0.0, 3.0, 30.0]), "m_med": np.array([1.0, 30.0, 300.0])}
    if name == "sm":
        channels, params = sm_channels(CSI), {}
    elif name.startswith("zprime "):
        options = {"case": name.split()[1], "twist2": "paper" if "paper" in name else None}
        channels = get_model("zprime").channels(CSI, **options)
        params["m_chi"][0] = 0.5  # the loop functions need m_chi > 0
    else:
        options = {"loops": False} if name == "zprime" else {"electrons": True}
        channels = get_model(name).channels(CSI, **options)
    quadrature = [replace(c, energy_terms=None) for c in channels]
    assert all(c.energy_terms is not None for c in channels)
    fast = binned_counts(channels, SOURCE, RecoilBins(EDGES), 14.57, params)
    slow = binned_counts(quadrature, SOURCE, RecoilBins(EDGES), 14.57, params)
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-14 * np.abs(slow).max())


@pytest.mark.parametrize("power", [-4, -3, -2, -1, 0, 1, 2, 3])
def test_power_integral_is_exact_also_on_narrow_ranges(power):
    """int_a^b E^p dE against exact rational arithmetic (log for p = -1), to 1e-14, on wide
    ranges and on ranges 1e-12 b wide, where b^(p+1) - a^(p+1) would cancel."""
    import math
    from fractions import Fraction

    from upscatter.rates import power_integral

    b = 52.83
    a = np.array([0.3, 10.0, b * (1 - 1e-12), b])
    value = power_integral(power, a, b)
    for x, v in zip(a, value, strict=True):
        if power == -1:
            exact = math.log1p((b - x) / x)
        else:
            fa, fb = Fraction(float(x)), Fraction(b)
            exact = float((fb ** (power + 1) - fa ** (power + 1)) / (power + 1))
        assert v == pytest.approx(exact, rel=1e-14, abs=0)
    assert value[-1] == 0.0


class _DenseOnly:
    """A response seen only through its dense probability matrix (no bin_index)."""

    def __init__(self, response):
        self._response = response
        self.n_bins = response.n_bins

    def t_range(self, recoil):
        return self._response.t_range(recoil)

    def breakpoints(self, recoil):
        return self._response.breakpoints(recoil)

    def probabilities(self, T, recoil):
        return self._response.probabilities(T, recoil)


@pytest.mark.parametrize("kind", ["recoil-bins", "stepped-pe"])
def test_bin_index_folding_equals_the_dense_matrix(kind):
    """Accumulating each recoil node into its one bin gives the dense-matrix counts (1e-13)."""
    from upscatter.response import SteppedPEResponse

    if kind == "recoil-bins":
        response = RecoilBins(EDGES)
    else:
        response = SteppedPEResponse(
            1.17, np.arange(4.0, 31.0, 2.0), lambda pe: np.clip((pe - 3.0) / 20.0, 0.0, 1.0)
        )
    channels = get_model("vector").channels(CSI)
    params = {"m_chi": np.array([0.1, 10.0]), "m_med": np.array([5.0, 500.0])}
    sparse = binned_counts(channels, SOURCE, response, 14.57, params)
    dense = binned_counts(channels, SOURCE, _DenseOnly(response), 14.57, params)
    np.testing.assert_allclose(sparse, dense, rtol=1e-13, atol=1e-15 * dense.max())


def test_memory_budget_chunks_give_the_same_counts(monkeypatch):
    """The default chunking (a working-set budget, so memory does not grow with the number of
    mass points) splits a batch without changing any count beyond rounding (1e-13)."""
    from upscatter import rates

    model = get_model("vector")
    rng = np.random.default_rng(3)
    params = {"m_chi": rng.uniform(0, 40, 7), "m_med": rng.uniform(1, 100, 7)}
    whole = binned_counts(model.channels(CSI), SOURCE, RecoilBins(EDGES), 1.0, params, chunk=7)
    monkeypatch.setattr(rates, "CHUNK_ELEMENTS", 1)  # one mass point per chunk
    split = binned_counts(model.channels(CSI), SOURCE, RecoilBins(EDGES), 1.0, params)
    np.testing.assert_allclose(split, whole, rtol=1e-13, atol=0)
    with pytest.raises(ParameterError, match="chunk"):
        binned_counts(model.channels(CSI), SOURCE, RecoilBins(EDGES), 1.0, params, chunk=0)


# ------------------------------------------- recoil nodes shared by every mass point (issue 18)
def _per_mass_nodes(channel):
    """``channel`` with a zero outgoing mass as a parameter (``m_zero``): the engine then builds
    one row of recoil nodes per mass point, uncached (the general path), instead of the cached
    row an elastic channel shares between mass points and calls."""
    from dataclasses import replace

    def dsigma(E, T, flavour, m_zero, **params):
        return channel.dsigma(E, T, flavour, **params)

    def terms(T, flavour, m_zero, **params):
        return channel.energy_terms(T, flavour, **params)

    closed = channel.energy_terms is not None
    return replace(
        channel, dsigma=dsigma, energy_terms=terms if closed else None, m_out_param="m_zero"
    )


# the last bin is above the recoil endpoint of 52.8 MeV neutrinos on Cs and I (45-47 keV)
SHARED_EDGES = np.array([0.0, 2.0, 5.0, 10.0, 15.0, 25.0, 40.0, 50.0, 60.0]) * keV


def _shared_cases():
    from upscatter.response import SteppedPEResponse

    stepped = SteppedPEResponse(
        1.17, np.arange(4.0, 31.0, 2.0), lambda pe: np.clip((pe - 3.0) / 20.0, 0.0, 1.0)
    )
    masses = {"m_chi": np.array([0.5, 8.0, 120.0]), "m_med": np.array([5.0, 16.0, 1200.0])}
    zprime = get_model("zprime")
    return {
        "SM, recoil bins": (sm_channels(CSI), RecoilBins(SHARED_EDGES), {}),
        "SM, stepped PE": (sm_channels(CSI), stepped, {}),
        "SM, dense matrix": (sm_channels(CSI), _DenseOnly(RecoilBins(SHARED_EDGES)), {}),
        "Z' A loops": (zprime.channels(CSI, tree=False), RecoilBins(SHARED_EDGES), masses),
        "Z' B loops, paper": (
            zprime.channels(CSI, case="B", twist2="paper"),
            _DenseOnly(RecoilBins(SHARED_EDGES)),
            masses,
        ),
    }


@pytest.mark.parametrize("quadrature", [False, True], ids=["closed form", "quadrature"])
@pytest.mark.parametrize("case", list(_shared_cases()))
def test_shared_nodes_equal_the_per_mass_path(case, quadrature):
    """Elastic channels fold on one row of recoil nodes shared by every mass point (cached with
    their moments and response matrix); they give the counts of the general path, one uncached
    row per mass point, to 1e-12, called twice, with the closed-form energy integral or the
    quadrature; bins above the kinematic endpoint are exactly zero on both paths."""
    from dataclasses import replace

    channels, response, params = _shared_cases()[case]
    if quadrature:
        channels = [replace(c, energy_terms=None) for c in channels]
    n = len(next(iter(params.values()))) if params else 1
    general = binned_counts(
        [_per_mass_nodes(c) for c in channels],
        SOURCE,
        response,
        14.57,
        {**params, "m_zero": np.zeros(n)},
    )
    for _ in range(2):
        shared = binned_counts(channels, SOURCE, response, 14.57, params)
        np.testing.assert_allclose(shared, general, rtol=1e-12, atol=1e-14 * np.abs(general).max())
    if isinstance(response, RecoilBins | _DenseOnly):
        assert np.all(shared[:, :, -1] == 0.0) and np.all(general[:, :, -1] == 0.0)
        assert np.all(np.abs(shared[:, :, :-1]).reshape(n, -1).sum(axis=1) > 0)


def test_shared_nodes_without_the_folded_moment_cache(monkeypatch):
    """Above :data:`upscatter.rates.FOLDED_CACHE_ELEMENTS` (a smeared response with many bins)
    the folded moments are rebuilt at each call instead of held: the same counts."""
    from upscatter import rates

    channels, response, params = _shared_cases()["Z' B loops, paper"]
    kept = binned_counts(channels, SOURCE, response, 14.57, params)
    monkeypatch.setattr(rates, "FOLDED_CACHE_ELEMENTS", 0)
    fresh = _DenseOnly(response._response)  # a new response object: nothing memoised for it
    for _ in range(2):
        rebuilt = binned_counts(channels, SOURCE, fresh, 14.57, params)
        for k in range(3):  # per basis entry: they differ by many orders of magnitude
            atol = 1e-15 * np.abs(kept[..., k]).max()
            np.testing.assert_allclose(rebuilt[..., k], kept[..., k], rtol=1e-13, atol=atol)


class _Scaled(_DenseOnly):
    """A response that counts ``factor`` times P(bin | T) of another: the same breakpoints, so
    the same cached recoil nodes, but different counts."""

    def __init__(self, response, factor):
        super().__init__(response)
        self.factor = factor

    def probabilities(self, T, recoil):
        return self.factor * self._response.probabilities(T, recoil)


class _ScaledSingleBin(_Scaled):
    def bin_index(self, T, recoil):
        index, probability = self._response.bin_index(T, recoil)
        return index, self.factor * probability


@pytest.mark.parametrize("kind", [_Scaled, _ScaledSingleBin])
def test_cached_nodes_follow_each_response_object(kind):
    """What the cached shared nodes derive from a response is memoised per response object: a
    sequence of responses on the same breakpoints, each dropped before the next is made (so
    that a new one may reuse the old one's id), gives each its own counts."""
    base = RecoilBins(EDGES)
    reference = binned_counts(sm_channels(CSI), SOURCE, base, 14.57)
    for factor in (1.0, 2.0, 0.5, 3.0, 1.0):
        response = kind(base, factor)
        counts = binned_counts(sm_channels(CSI), SOURCE, response, 14.57)
        np.testing.assert_allclose(
            counts, factor * reference, rtol=1e-13, atol=1e-15 * counts.max()
        )
        del response


def test_recoil_bins_memoised_by_their_edges_stay_additive():
    """RecoilBins are memoised by their edges (equal edges, one entry; the memo is bounded):
    over more distinct binnings than the memo holds, splitting a bin in two never changes the
    sum (additivity of the integral; 1e-8, the recoil quadrature's accuracy on a new set of
    segments), and the first binning gives its first counts again."""
    from upscatter.rates import MEMO_ENTRIES

    channels = sm_channels(CSI)
    lo, hi = 1.0 * keV, 40.0 * keV
    whole = binned_counts(channels, SOURCE, RecoilBins(np.array([lo, hi])), 14.57)
    first = None
    for split in np.linspace(2.0, 39.0, MEMO_ENTRIES + 20) * keV:
        halves = binned_counts(channels, SOURCE, RecoilBins(np.array([lo, split, hi])), 14.57)
        np.testing.assert_allclose(halves.sum(axis=-1), whole[..., 0], rtol=1e-8)
        first = halves if first is None else first
    again = binned_counts(channels, SOURCE, RecoilBins(np.array([lo, 2.0 * keV, hi])), 14.57)
    np.testing.assert_array_equal(again, first)


def test_recoil_bins_keep_read_only_copies_of_their_edges():
    """A response is immutable (the engine memoises its bins): changing the caller's array later
    does not change the bins, and the edges cannot be written."""
    edges = EDGES.copy()
    bins = RecoilBins(edges)
    edges[0] = 30.0 * keV
    assert bins.edges[0] == EDGES[0]
    with pytest.raises(ValueError, match="read-only"):
        bins.edges[0] = 1.0


def test_bad_input_on_the_cached_paths_names_the_argument():
    """The checks stay at the boundary of the fast paths: a bad mass of an elastic (shared-node)
    channel, a bad radius scale (checked without numpy when it is a float) and a bad detector
    mass raise a ParameterError naming the argument, also after the caches are warm."""
    from upscatter.form_factors import nuclear_form_factor

    channels = get_model("zprime").channels(CSI, tree=False)
    good = {"m_chi": np.array([1.0]), "m_med": np.array([10.0])}
    binned_counts(channels, SOURCE, RecoilBins(EDGES), 1.0, good)  # warm the caches
    with pytest.raises(ParameterError, match="m_chi"):
        binned_counts(channels, SOURCE, RecoilBins(EDGES), 1.0, {**good, "m_chi": [-1.0]})
    with pytest.raises(ParameterError, match="m_med"):
        binned_counts(channels, SOURCE, RecoilBins(EDGES), 1.0, {**good, "m_med": [np.inf]})
    with pytest.raises(ParameterError, match="detector_mass_kg"):
        binned_counts(sm_channels(CSI), SOURCE, RecoilBins(EDGES), 0.0)
    for scale in (0.0, -1.0, 10.5, float("nan"), np.array([1.0, 0.0])):
        with pytest.raises(ParameterError, match="radius_scale"):
            nuclear_form_factor(np.array([1e-3]), CS133, "helm", scale)
    assert nuclear_form_factor(np.array([0.0]), CS133, "helm", 10.0)[0] == 1.0


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda: binned_counts(sm_channels(CSI), SOURCE, RecoilBins(EDGES), 1e300), "overflows"),
        (lambda: binned_counts(sm_channels(CSI), SOURCE, RecoilBins(EDGES), "x"), "detector_mass"),
        (lambda: binned_counts(sm_channels(CSI), None, RecoilBins(EDGES), 1.0), "source"),
        (lambda: differential_rate(sm_channels(CSI), SOURCE, EDGES, None), "detector_mass"),
        (
            lambda: binned_counts(
                get_model("vector").channels(CSI),
                SOURCE,
                RecoilBins(EDGES),
                1.0,
                {"m_chi": ["a"], "m_med": [1.0]},
            ),
            "m_chi",
        ),
        (
            lambda: binned_counts(
                get_model("vector").channels(CSI), SOURCE, RecoilBins(EDGES), 1.0, {"m_chi": [1.0]}
            ),
            "needs the mass parameter.s. m_med; params has m_chi",
        ),
        (
            lambda: differential_rate(
                get_model("zprime").channels(CSI, tree=False), SOURCE, EDGES, 1.0, {"m_med": [5.0]}
            ),
            "loop' needs the mass parameter.s. m_chi;",
        ),
    ],
    ids=["huge mass", "text mass", "no source", "no mass", "text m_chi", "no m_med", "no m_chi"],
)
def test_exposure_and_parameters_are_checked_first(call, needle):
    """Session 7: these were an overflow RuntimeWarning (then NaN counts), TypeErrors, an
    AttributeError and a ValueError; a mass parameter a channel needs (its ``m_out_param`` and
    ``mass_params``) and the params lack was a TypeError from inside the cross section."""
    with pytest.raises(ParameterError, match=needle):
        call()


@pytest.mark.parametrize("case", ["A", "B"])
def test_one_entry_channels_equal_their_zero_padded_form(case):
    """The Z' channels give one basis entry each (tree, interference, loop) and the engine adds
    their counts there; written out with zeros in the other entries they give the same counts
    and spectra (1e-13, or 1e-15 of the entry's largest count where a bin holds only a rounding
    remainder at a kinematic endpoint), and a basis entry outside the basis is a ParameterError."""
    from dataclasses import replace

    channels = get_model("zprime").channels(CSI, case=case)
    assert [c.basis_entry for c in channels] == [0, 0, 2, 2, 1, 1]
    params = {"m_chi": np.array([0.5, 30.0]), "m_med": np.array([5.0, 60.0])}
    placed = binned_counts(channels, SOURCE, RecoilBins(EDGES), 1.0, params)
    padded = binned_counts(
        [c.whole_basis() for c in channels], SOURCE, RecoilBins(EDGES), 1.0, params
    )
    for k in range(3):  # the entries differ by many orders of magnitude
        scale = np.abs(padded[..., k]).max()
        np.testing.assert_allclose(placed[..., k], padded[..., k], rtol=1e-13, atol=1e-15 * scale)
    assert np.all(placed.sum(axis=(0, 1, 2)) != 0)
    T = np.array([1e-3, 1e-2]) * np.ones((2, 1))
    for channel in channels[::2]:
        full = differential_rate([channel], SOURCE, T[0], 1.0, params)
        np.testing.assert_allclose(
            full, differential_rate([channel.whole_basis()], SOURCE, T[0], 1.0, params), rtol=1e-13
        )
        assert full.shape[-1] == 3 and np.all(np.delete(full, channel.basis_entry, -1) == 0)
    with pytest.raises(ParameterError, match="basis_entry"):
        binned_counts([replace(channels[0], basis_entry=3)], SOURCE, RecoilBins(EDGES), 1.0, params)


def test_whole_basis_writes_the_entry_out_with_zeros():
    """Channel.whole_basis: at every (E, T) the written-out cross section holds the one-entry
    value at ``basis_entry`` and exact zeros in the other entries, for dsigma and for the
    energy series; a channel that already gives its whole basis is returned as it is."""
    channels = get_model("zprime").channels(CSI, case="A")
    params = {"m_chi": np.array([[0.5]]), "m_med": np.array([[5.0]])}
    E = np.array([[20.0], [40.0]])
    T = np.array([[1e-3, 1e-2]])
    for channel in channels:
        whole = channel.whole_basis()
        assert whole.basis_entry is None and whole.whole_basis() is whole
        for one, full in (
            (channel.dsigma(E, T, "nu_mu", **params), whole.dsigma(E, T, "nu_mu", **params)),
            (channel.energy_terms(T, "nu_mu", **params), whole.energy_terms(T, "nu_mu", **params)),
        ):
            one = np.asarray(one)
            assert full.shape == one.shape + channel.basis_shape
            flat = full.reshape(*one.shape, -1)
            assert np.array_equal(flat[..., channel.basis_entry], one)
            assert np.all(np.delete(flat, channel.basis_entry, -1) == 0)


@pytest.mark.parametrize(
    ("name", "options"), [("vector", {}), ("zprime", {"case": "B"}), ("zprime", {"tree": False})]
)
def test_counts_do_not_depend_on_the_batch(name, options):
    """Each mass point's counts are the same bit for bit whether it is computed alone, in a
    chunk or in the whole batch (progress blocks and process pools split batches), on nodes per
    mass point (vector: m_chi) and on shared nodes (the elastic loop channels)."""
    channels = get_model(name).channels(CSI, **options)
    params = {"m_chi": np.array([0.5, 3.0, 30.0, 90.0]), "m_med": np.array([5.0, 9.0, 60.0, 1e3])}
    whole = binned_counts(channels, SOURCE, RecoilBins(EDGES), 14.57, params)
    for i in range(4):
        one = {k: v[i : i + 1] for k, v in params.items()}
        np.testing.assert_array_equal(
            binned_counts(channels, SOURCE, RecoilBins(EDGES), 14.57, one)[0], whole[i]
        )
    pairs = binned_counts(channels, SOURCE, RecoilBins(EDGES), 14.57, params, chunk=3)
    np.testing.assert_array_equal(pairs, whole)
