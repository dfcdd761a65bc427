"""The folding engine against an independent, slow scipy.integrate reference."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from upscatter.errors import ParameterError
from upscatter.fluxes.stopped_pion import stopped_pion_source
from upscatter.kinematics import e_nu_min
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
