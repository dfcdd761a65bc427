"""Reproductions of paper 000 (Chao, Li, Liao, Su 2021): the Z' model at COHERENT CsI 2017."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..experiments import get_experiment
from ..models import get_model
from ..scans import coupling_bound
from ._common import Reproduction, compare


def chao2021_tree(out: Path) -> dict:
    """Paper 000 Fig. 4, top panels, tree level only: case A bound on g_chi g_q versus m_chi
    from 0.1 to 100 MeV for m_Z' = 10 m_chi and 2 m_chi (COHERENT CsI 2017, 90% CL, 1 dof)."""
    from ..plotting import plot_bounds

    experiment = get_experiment("coherent-csi-2017")
    model = get_model("zprime")
    m_chi = np.geomspace(0.1, 100.0, 61)
    curves, results = {}, {}
    for ratio in (10.0, 2.0):
        result = coupling_bound(
            experiment, model, {"m_chi": m_chi, "m_med": ratio * m_chi}, case="A", loops=False
        )
        curves[f"m_Z' = {ratio:g} m_chi (tree)"] = (m_chi, result.bound)
        results[ratio] = result
        result.save(out / f"chao2021-tree-ratio{ratio:g}.csv")
    at_1 = {
        r: float(
            coupling_bound(
                experiment, model, {"m_chi": [1.0], "m_med": [r]}, case="A", loops=False
            ).bound[0]
        )
        for r in (10.0, 2.0)
    }
    plot_bounds(
        curves,
        out / "chao2021-tree.png",
        "m_chi (MeV)",
        "g_chi g_q (90% CL)",
        "paper 000 Fig. 4 (top), tree level, COHERENT CsI 2017",
        published={
            "published 6.7e-9 (m_Z' = 10 m_chi)": (1.0, 6.7e-9),
            "published 1.5e-9 (m_Z' = 2 m_chi, tree+loop)": (1.0, 1.5e-9),
        },
    )
    no_bound_from = [
        float(m) for m, b in zip(m_chi, results[10.0].bound, strict=True) if not np.isfinite(b)
    ]
    return {
        "bound_m_chi_1MeV_ratio10": compare(at_1[10.0], 6.7e-9, 1.5),
        "bound_m_chi_1MeV_ratio2": {
            **compare(at_1[2.0], 1.5e-9, 1.5),
            "note": "the published value includes the loop term, which dominates at small m_chi "
            "for m_Z' = 2 m_chi (paper 000 text); tree level alone is weaker",
        },
        "first_m_chi_without_bound_MeV": no_bound_from[0] if no_bound_from else None,
        "kinematic_limit_MeV": 52.8,
        "files": ["chao2021-tree.png", "chao2021-tree-ratio10.csv", "chao2021-tree-ratio2.csv"],
    }


REPRODUCTIONS: dict[str, Reproduction] = {
    "chao2021-tree": Reproduction(
        "chao2021-tree",
        "paper 000 Fig. 4 top panels at tree level (case A, m_Z' = 10 and 2 m_chi)",
        chao2021_tree,
    ),
}
