"""COHERENT CsI 2021 SM normalisation against the collaboration's published prediction.

COHERENT (Akimov et al., PRL 129 (2022) 081801, arXiv:2110.07730): 341 +- 11 (theory) +- 42
(experiment) SM CEvNS events predicted in the analysis region (PE < 60, t_rec < 6 us, after all
efficiencies) and a flux-averaged SM cross section of (189 +- 6) x 1e-40 cm^2. The 10% between
our nominal 305 events and 341 is the form factor (docs/physics-decisions.md, "CsI 2021
normalisation: 305 vs 341 events"): with Helm instead of paper 003's Klein-Nystrand both numbers
agree within the collaboration's theory uncertainty, with every other input unchanged.
"""

from __future__ import annotations

import pytest

from upscatter.errors import ParameterError
from upscatter.experiments import get_experiment
from upscatter.units import cm

pytestmark = pytest.mark.usefixtures("data_dir")

COHERENT_EVENTS, COHERENT_THEORY = 341.0, 11.0
COHERENT_XSEC, COHERENT_XSEC_ERROR = 189.0, 6.0  # 1e-40 cm^2


def cevns_events(experiment) -> float:
    return float(experiment.expected(experiment.sm_counts)["cevns"].sum())


def xsec_1e40(experiment) -> float:
    return experiment.flux_averaged_cross_section() / (1e-40 * cm**2)


def test_helm_reproduces_the_collaboration_prediction():
    """Helm: events and <sigma> within COHERENT's theory uncertainty (11 events, 6e-40 cm^2)."""
    helm = get_experiment("coherent-csi-2021", form_factor="helm")
    assert abs(cevns_events(helm) - COHERENT_EVENTS) < COHERENT_THEORY
    assert abs(xsec_1e40(helm) - COHERENT_XSEC) < COHERENT_XSEC_ERROR


def test_default_klein_nystrand_is_below_it_by_the_form_factor_only():
    """The default (paper 003 Eq. (5)) stays at 305 events, more than 3 theory sigma below 341;
    its <sigma> (179e-40 cm^2) is 1.7 sigma below 189. The Helm/KN ratio is 1.12 in the
    analysis region but only 1.046 in <sigma> (all recoils): the detected recoils sit at larger
    momentum transfer, where the two form factors differ more."""
    default = get_experiment("coherent-csi-2021")
    assert default.form_factor == "klein-nystrand"
    events = cevns_events(default)
    assert events == pytest.approx(305.0, abs=0.5)
    assert COHERENT_EVENTS - events > 3 * COHERENT_THEORY
    helm = get_experiment("coherent-csi-2021", form_factor="helm")
    assert cevns_events(helm) / events == pytest.approx(1.12, abs=0.01)
    assert xsec_1e40(helm) / xsec_1e40(default) == pytest.approx(1.046, abs=0.005)


def test_form_factor_option_is_validated():
    with pytest.raises(ParameterError, match="form_factor must be one of klein-nystrand, helm"):
        get_experiment("coherent-csi-2021", form_factor="unity")
