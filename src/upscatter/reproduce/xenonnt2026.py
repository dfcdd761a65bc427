"""XENONnT solar-8B CEvNS (PRL 133, 191002 (2024), arXiv:2408.02877; SR0-SR2 in
arXiv:2604.06002): the SM fit and dark-fermion bounds against COHERENT.

``xenonnt-8b`` (i) fits the 8B flux with SR0+SR1 and with SR0-SR2 and compares SR0+SR1 with the
published flux (4.7 +3.6 -2.3) x 10^6 cm^-2 s^-1 and the 2.73 sigma rejection of the
background-only hypothesis; (ii) draws the 90% CL bound on the vector coupling g versus m_V at
m_chi = 1, 5 and 10 MeV for XENONnT (all runs, nuclear recoils only: the release has no electron
recoils), COHERENT CsI 2021 (with nu e -> chi e), LAr 2020, and the joint likelihood of all three
(:class:`~upscatter.experiments.combined.CombinedAnalysis`, nuisances separate). Convention: the
physical defaults of the package (SNO-NC 8B flux, BESTIOLE not involved, CsI 2021 smooth inputs).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..experiments import CombinedAnalysis, get_experiment
from ..models import get_model
from ..plotting import plot_bound_panels
from ..scans import bounds_from_basis, compute_basis
from ._common import Reproduction, compare

#: arXiv:2408.02877 (SR0+SR1): measured 8B flux [1e6 cm^-2 s^-1] and background-only rejection.
PUBLISHED_FLUX = 4.7
PUBLISHED_SIGNIFICANCE = 2.73
M_CHI_PANELS = (1.0, 5.0, 10.0)


def _fits() -> dict:
    out = {}
    for label, runs in (("sr0+sr1", ("sr0", "sr1")), ("sr0-sr2", ("sr0", "sr1", "sr2"))):
        fit = get_experiment("xenonnt-8b", runs=runs).measure_flux()
        out[label] = {
            "flux_1e6_cm2_s": fit.flux,
            "upper_error": fit.upper_error,
            "lower_error": fit.lower_error,
            "significance_sigma": fit.significance,
        }
    out["sr0+sr1"]["flux_vs_paper"] = compare(
        out["sr0+sr1"]["flux_1e6_cm2_s"], PUBLISHED_FLUX, rel=0.15
    )
    out["sr0+sr1"]["flux_vs_paper"]["known_deviation"] = (
        "our 8B expectation per unit flux is 21% below the published one (docs/xenonnt.md)"
    )
    out["sr0+sr1"]["significance_vs_paper"] = compare(
        out["sr0+sr1"]["significance_sigma"], PUBLISHED_SIGNIFICANCE, rel=0.11
    )
    return out


def _bounds(out: Path) -> dict:
    model = get_model("vector")
    joint = get_experiment("xenonnt-coherent")
    xenon, csi, lar = joint.parts
    m_med = np.geomspace(0.1, 1000.0, 13)
    panels, results = {}, {}
    for m_chi in M_CHI_PANELS:
        masses = {"m_chi": np.full(m_med.size, m_chi), "m_med": m_med}
        bases = {
            a.name: compute_basis(a, model, masses, **a.model_options(model))
            for a in (xenon, csi, lar)
        }
        curves = {}
        for analysis in (xenon, csi, lar):
            K = bases[analysis.name]
            options = analysis.model_options(model)
            curves[analysis.name] = bounds_from_basis(analysis, model, masses, K, **options).bound
        K_joint = CombinedAnalysis.join_bases([bases[a.name] for a in (xenon, csi, lar)])
        options = joint.model_options(model)
        curves[joint.name] = bounds_from_basis(joint, model, masses, K_joint, **options).bound
        panels[f"m_chi = {m_chi:g} MeV"] = {name: (m_med, b) for name, b in curves.items()}
        results[f"{m_chi:g}"] = {name: b.tolist() for name, b in curves.items()}
    plot_bound_panels(
        panels,
        out / "xenonnt-8b-vector.png",
        "m_V (MeV)",
        "g (90% CL, 1 dof)",
        "vector mediator: XENONnT 8B vs COHERENT",
    )
    return {"m_med_MeV": m_med.tolist(), "bounds": results}


def _build(out: Path) -> dict:
    return {"flux_fits": _fits(), "vector_bounds": _bounds(out)}


REPRODUCTIONS = {
    "xenonnt-8b": Reproduction(
        "xenonnt-8b",
        "XENONnT solar 8B: flux fit and significance (arXiv:2408.02877), vector bounds vs "
        "COHERENT CsI 2021, LAr 2020 and the joint likelihood at m_chi = 1, 5, 10 MeV",
        _build,
    )
}
