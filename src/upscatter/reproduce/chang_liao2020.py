"""Reproductions of paper 002 (Chang, Liao 2020): the dimension-6 EFT at COHERENT CsI 2017,
future COHERENT LAr and future CONUS."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..experiments import get_experiment
from ..models import get_model
from ..scans import coupling_bound
from ._common import Reproduction, compare

EQS_17_20 = {
    "coherent-csi-2017": {"a_M": 7.2e-8, "C_S": 4.5e-4, "C_V": 1.1e-2, "C_T": 7.9e-2},
    "future-lar": {"a_M": 8.3e-9, "C_S": 1.4e-5, "C_V": 4.2e-3, "C_T": 9.1e-3},
    "future-conus": {"a_M": 1.0e-12, "C_S": 4.6e-8, "C_V": 1.4e-3, "C_T": 2.0e-4},
}
"""Paper 002 Eqs. (17)-(20): 90% CL bounds on |c|^2 for m_chi <= 0.5 MeV from current COHERENT
(CsI 2017), future COHERENT LAr and future CONUS (quark-level coefficients with u = d)."""
EQS_17_20_CSI = EQS_17_20["coherent-csi-2017"]
PAPER002_OPTIONS: dict[str, dict[str, str]] = {
    "future-conus": {"reactor_spectrum": "huber-mueller"}
}
"""Experiment options of the paper 002 reproductions that differ from the library defaults: the
CONUS reactor flux of paper 002 (its Refs. [53, 54]) is Huber-Mueller, not the BESTIOLE default,
so its sensitivity ends at m_chi ~ 7.6 MeV (8 MeV end of the tables) instead of ~10 MeV."""
SPECTRUM_NOTE = "future-conus with the Huber-Mueller reactor spectrum (paper 002 Refs. [53, 54])"
"""How the reproductions say which reactor spectrum they use."""
CONVENTION = "paper"
"""Spin convention of every paper 002 reproduction: Eq. (2) as printed (summed over both
neutrino helicities, without the m_chi-proportional vector interference), not the library's
default "physical" (left-handed neutrinos), which gives twice weaker bounds on |c|^2."""
CONVENTION_NOTE = (
    "EFT convention 'paper': paper 002 Eq. (2) as printed, summed over both neutrino "
    "helicities (the library default 'physical', a left-handed neutrino, halves one operator's "
    "rate: bounds on |c|^2 2x weaker)"
)
"""How the reproductions say which EFT convention they use."""
COMPARED_WITH = "the paper's EFT convention (Eq. (2), helicity-summed)"
"""Named by each comparison (:func:`upscatter.reproduce._common.compare`)."""
KNOWN_DEVIATIONS: dict[tuple[str, str], str] = {
    ("future-lar", "C_V"): "the normalisation pull of Eq. (13) is applied to the whole signal "
    "(SM + new physics, same flux); the published number follows if it multiplies the SM part "
    "only (docs/physics-decisions.md, 'Paper 002 projections: remaining differences')",
    ("future-conus", "C_S"): "5.6x weaker than published while vector, tensor and dipole agree "
    "and the same scalar term agrees for future LAr; no kinematic effect explains it "
    "(docs/physics-decisions.md, 'Paper 002 projections: remaining differences')",
}
"""Documented differences from paper 002, (experiment, operator or "B5") -> reason."""
KNOWN_DEVIATIONS[("future-lar", "B5")] = (
    "inherits the future-LAr vector difference (" + KNOWN_DEVIATIONS[("future-lar", "C_V")] + ")"
)

EQ_B5 = {"coherent-csi-2017": 0.65, "future-lar": 0.28, "future-conus": 0.09}
"""Paper 002 Eq. (B5): 90% CL bounds on sum_i |U_li|^2 (active-sterile mixing) from the three
data sets."""


def chang_liao2020_fig2(out: Path) -> dict:
    """Paper 002 Fig. 2: dsigma/dT on Cs-133 at E = 53 MeV, m_chi = 40 MeV, for a_M = 1e-4,
    C_S = 1e-2, C_V = 0.1, C_T = 0.1 (u = d), and the SM; checks the dipole peak of Eq. (8)."""
    from ..constants import M_MUON
    from ..nuclei import CS133
    from ..plotting import _pyplot, save_figure
    from ..units import cm2, keV
    from ..xsec.eft import eft_dsigma_dT
    from ..xsec.sm import sm_dsigma_dT

    E, m_chi, M = M_MUON / 2, 40.0, CS133.mass
    T = np.geomspace(1e-3, 60.0, 1500) * keV
    cases = {
        "dipole a_M = 1e-4": {"a_M": 1e-4},
        "scalar C_S = 1e-2": {"C_S": 1e-2},
        "vector C_V = 0.1": {"C_V": 0.1},
        "tensor C_T = 0.1": {"C_T": 0.1},
    }
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    curves = {}
    for label, coeffs in cases.items():
        y = eft_dsigma_dT(
            E, T, isotope=CS133, m_chi=m_chi, coefficients=coeffs, convention=CONVENTION
        )
        curves[label] = y
        ax.loglog(T / keV, y / cm2 * keV, label=label)
    ax.loglog(T / keV, sm_dsigma_dT(E, T, CS133) / cm2 * keV, "k", label="SM")
    ax.set_xlabel("T (keV)")
    ax.set_ylabel("dsigma/dT (cm^2/keV)")
    ax.set_title("paper 002 Fig. 2: Cs-133, E = 53 MeV, m_chi = 40 MeV (Eq. (2) convention)")
    ax.set_ylim(1e-44, 1e-36)
    ax.legend(fontsize=8)
    save_figure(fig, out / "chang-liao2020-fig2.png")
    dipole = curves["dipole a_M = 1e-4"]
    t_peak = float(T[np.argmax(dipole)] / keV)
    r = m_chi**2 / (4 * E**2)
    eq8 = (
        m_chi**4 / (4 * M * E**2) / (1 - r - m_chi**2 / (2 * M * E) + m_chi**4 / (8 * M**2 * E**2))
    )
    return {
        "dipole_peak_keV": {
            **compare(t_peak, 2.0, 1.25, convention=COMPARED_WITH),
            "eq8_keV": eq8 / keV,
            "note": "paper: T_peak ~ 2 keV (Eq. (8))",
        },
        "convention": CONVENTION_NOTE,
        "files": ["chang-liao2020-fig2.png"],
    }


def chang_liao2020_fig3_csi(out: Path) -> dict:
    """Paper 002 Fig. 3 (grey, COHERENT CsI 2017): 90% CL bounds on |a_M|^2, |C_S|^2, |C_V|^2,
    |C_T|^2 versus m_chi, and the first values of Eqs. (17)-(20)."""
    from ..plotting import _pyplot, save_figure

    experiment = get_experiment("coherent-csi-2017")
    model = get_model("eft")
    m_chi = np.geomspace(0.1, 60.0, 50)
    plt = _pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(9, 7))
    results = {}
    for ax, (op, published) in zip(axes.flat, EQS_17_20_CSI.items(), strict=True):
        bound = coupling_bound(
            experiment, model, {"m_chi": m_chi}, operator=op, convention=CONVENTION
        )
        bound.save(out / f"chang-liao2020-fig3-csi-{op}.csv")
        ax.loglog(m_chi, bound.bound**2, color="grey")
        ax.fill_between(
            m_chi, bound.bound**2, np.nanmax(bound.bound**2) * 10, color="grey", alpha=0.3
        )
        ax.set_xlabel("m_chi (MeV)")
        ax.set_ylabel(f"|{op}|^2 (90% CL)")
        low = coupling_bound(
            experiment, model, {"m_chi": [0.5]}, operator=op, convention=CONVENTION
        ).bound[0]
        ax.plot([0.5], [published], "r*", ms=10, label="paper 002 Eqs. (17)-(20)")
        ax.legend(fontsize=7)
        results[f"|{op}|^2 at m_chi <= 0.5 MeV"] = compare(
            low**2, published, rel=0.5, convention=COMPARED_WITH
        )
    save_figure(
        fig,
        out / "chang-liao2020-fig3-csi.png",
        "paper 002 Fig. 3, current COHERENT (CsI 2017), Eq. (2) convention",
    )
    results["note"] = (
        "tolerance 50% (issue 4); the scalar bound depends on the reconstructed Eq. (3) "
        "(physics-notes), see docs/physics-decisions.md"
    )
    results["convention"] = CONVENTION_NOTE
    return results


def chang_liao2020_fig4_csi(out: Path) -> dict:
    """Paper 002 Fig. 4 (CsI 2017): allowed regions at m_chi = 40 MeV for (a_M, C_S),
    (a_M, C_T) and (C_S, C_T), real coefficients of both signs, Delta chi^2 = 4.61."""
    from ..plotting import plot_regions
    from ..scans import eft_pair_region

    experiment = get_experiment("coherent-csi-2017")
    regions, summary = {}, {}
    for pair in (("a_M", "C_S"), ("a_M", "C_T"), ("C_S", "C_T")):
        region = eft_pair_region(experiment, pair, 40.0, cl=0.9, dof=2, convention=CONVENTION)
        regions[f"{pair[0]} vs {pair[1]}"] = region
        pts = np.concatenate(region.boundary)
        # correlation sign of the boundary: extent along the diagonal vs anti-diagonal
        sx, sy = np.abs(pts[:, 0]).max(), np.abs(pts[:, 1]).max()
        diag = np.max(pts[:, 0] / sx + pts[:, 1] / sy)
        anti = np.max(pts[:, 0] / sx - pts[:, 1] / sy)
        summary[f"{pair[0]},{pair[1]}"] = {
            "x_range": [float(pts[:, 0].min()), float(pts[:, 0].max())],
            "y_range": [float(pts[:, 1].min()), float(pts[:, 1].max())],
            "orientation": (
                "none"
                if abs(anti / diag - 1) < 0.05
                else "anti-correlated"
                if anti > diag
                else "correlated"
            ),
            "boundary": region.to_json()["boundary"],
        }
    plot_regions(
        regions,
        out / "chang-liao2020-fig4-csi.png",
        "paper 002 Fig. 4: COHERENT CsI 2017, m_chi = 40 MeV, 90% CL (2 dof), Eq. (2) convention",
    )
    summary["expected"] = "(a_M, C_S) anti-correlated: nubar_mu dominance at 40 MeV (paper 002)"
    summary["convention"] = CONVENTION_NOTE
    return summary


def paper_experiment(name: str):
    """Experiment ``name`` with the options of paper 002 (:data:`PAPER002_OPTIONS`)."""
    return get_experiment(name, **PAPER002_OPTIONS.get(name, {}))


def eft_bound_table(m_chi: float = 0.5) -> dict:
    """|c|^2 bounds of the four operators at ``m_chi`` for the three experiments of paper 002
    (paper convention, :data:`CONVENTION`)."""
    model = get_model("eft")
    table = {}
    for name, published in EQS_17_20.items():
        experiment = paper_experiment(name)
        table[name] = {}
        for op, value in published.items():
            bound = coupling_bound(
                experiment, model, {"m_chi": [m_chi]}, operator=op, convention=CONVENTION
            ).bound[0]
            table[name][op] = _with_known_deviation(
                compare(bound**2, value, rel=0.5, convention=COMPARED_WITH), name, op
            )
    return table


def _with_known_deviation(comparison: dict, experiment: str, key: str) -> dict:
    """The comparison with its documented reason (:data:`KNOWN_DEVIATIONS`) when it has one."""
    reason = KNOWN_DEVIATIONS.get((experiment, key))
    return {**comparison, "known_deviation": reason} if reason else comparison


def chang_liao2020_eqs17_20(out: Path) -> dict:
    """Paper 002 Eqs. (17)-(20): bounds for m_chi <= 0.5 MeV, computed vs published."""
    table = eft_bound_table()
    lines = ["experiment,operator,computed,published,ratio"]
    for name, row in table.items():
        for op, cmp in row.items():
            lines.append(
                f"{name},{op},{cmp['computed']:.4g},{cmp['published']:.4g},{cmp['ratio']:.3f}"
            )
    (out / "chang-liao2020-eqs17-20.csv").write_text("\n".join(lines) + "\n")
    table["notes"] = (
        "50% tolerance (issues 4 and 5). Known differences, docs/physics-decisions.md: the CsI "
        "scalar (reconstructed Eq. (3)); future-LAr vector (the paper's number follows if the "
        "normalisation pull multiplies only the SM part); future-CONUS scalar (the published "
        "value is 5.6 times below ours while its vector and tensor agree, which the kinematics "
        "of the scalar term cannot explain)"
    )
    table["reactor spectrum"] = SPECTRUM_NOTE
    table["convention"] = CONVENTION_NOTE
    table["files"] = ["chang-liao2020-eqs17-20.csv"]
    return table


def mixing_bound(
    experiment_name: str, vector_bound_sq: float, convention: str = CONVENTION
) -> float:
    """Paper 002 App. B: sum_i |U_li|^2 from the bound B on |C_V^q|^2 (C_V alone).

    Mixing gives |C_V| = |D_A| = 0.5 (4 Z s_W^2 + N - Z) |U| at the nucleus level (text above
    Eq. (B5)); the quark-level coefficient with u = d is C_V / (3A) (Eq. (4)). Both C_V and D_A
    are present, in the left-chiral combination C_V = -D_A (the SM current with chi in place of
    nu). With ``convention="paper"`` (Eq. (2)) its rate is |C_V|^2 + |D_A|^2 = 2 |C_V|^2 times
    that of C_V alone, so sum |U|^2 = B / (2 [0.5 (4 Z s_W^2 + N - Z) / (3 A)]^2), with Z, N, A
    the target's abundance-weighted averages. With ``convention="physical"`` (a left-handed
    neutrino) it is |C_V - D_A|^2/2 = 2 |C_V|^2 against |C_V|^2/2 for C_V alone, a factor 4: B/4
    in place of B/2. The chiral rate is the same in both conventions, so the two give the same
    mixing bound from their own C_V bounds.
    """
    from ..constants import SIN2_THETA_W
    from ..xsec.eft import check_convention

    per_operator = {"paper": 2.0, "physical": 4.0}[check_convention(convention)]

    material = paper_experiment(experiment_name).material
    weights = material.nuclei_per_kg() / material.nuclei_per_kg().sum()
    Z = float(np.dot(weights, [i.Z for i in material.isotopes]))
    N = float(np.dot(weights, [i.N for i in material.isotopes]))
    per_u = 0.5 * (4 * Z * SIN2_THETA_W + N - Z) / (3 * (Z + N))
    return vector_bound_sq / (per_operator * per_u**2)


def chang_liao2020_eqB5(out: Path) -> dict:
    """Paper 002 Eq. (B5): active-sterile mixing bounds from the vector bounds."""
    model = get_model("eft")
    result = {}
    for name, published in EQ_B5.items():
        bound = coupling_bound(
            paper_experiment(name), model, {"m_chi": [0.5]}, operator="C_V", convention=CONVENTION
        )
        result[name] = _with_known_deviation(
            compare(
                mixing_bound(name, bound.bound[0] ** 2, CONVENTION),
                published,
                rel=0.5,
                convention=COMPARED_WITH,
            ),
            name,
            "B5",
        )
    result["reactor spectrum"] = SPECTRUM_NOTE
    result["convention"] = CONVENTION_NOTE
    return result


def chang_liao2020_fig3(out: Path) -> dict:
    """Paper 002 Fig. 3: bounds on |a_M|^2, |C_S|^2, |C_V|^2, |C_T|^2 versus m_chi for current
    COHERENT, future COHERENT LAr and future CONUS."""
    from ..plotting import _pyplot, save_figure

    model = get_model("eft")
    m_chi = np.geomspace(0.01, 60.0, 60)
    plt = _pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(9.5, 7.5))
    summary = {}
    for ax, op in zip(axes.flat, ("a_M", "C_S", "C_V", "C_T"), strict=True):
        for name, style in (
            ("coherent-csi-2017", "k-"),
            ("future-lar", "b--"),
            ("future-conus", "r-."),
        ):
            bound = coupling_bound(
                paper_experiment(name), model, {"m_chi": m_chi}, operator=op, convention=CONVENTION
            )
            bound.save(out / f"chang-liao2020-fig3-{name}-{op}.csv")
            ax.loglog(m_chi, bound.bound**2, style, label=name)
            ax.plot([0.5], [EQS_17_20[name][op]], style[0] + "*", ms=9)
            finite = m_chi[np.isfinite(bound.bound)]
            summary[f"{name} {op} last m_chi with a bound (MeV)"] = float(finite.max())
        ax.set_xlabel("m_chi (MeV)")
        ax.set_ylabel(f"|{op}|^2 (90% CL)")
        ax.legend(fontsize=7)
    save_figure(
        fig,
        out / "chang-liao2020-fig3.png",
        "paper 002 Fig. 3 (stars: Eqs. (17)-(20); CONUS: Huber-Mueller reactor spectrum; "
        "Eq. (2) convention)",
    )
    summary["reactor spectrum"] = SPECTRUM_NOTE
    summary["convention"] = CONVENTION_NOTE
    default = coupling_bound(
        get_experiment("future-conus"),
        model,
        {"m_chi": m_chi},
        operator="C_V",
        convention=CONVENTION,
    )
    summary["future-conus C_V last m_chi with a bound, BESTIOLE 2023 spectrum (MeV)"] = float(
        m_chi[np.isfinite(default.bound)].max()
    )
    return summary


REPRODUCTIONS: dict[str, Reproduction] = {
    "chang-liao2020-fig2": Reproduction(
        "chang-liao2020-fig2",
        "paper 002 Fig. 2: EFT dsigma/dT on Cs-133, E = 53 MeV, m_chi = 40 MeV",
        chang_liao2020_fig2,
    ),
    "chang-liao2020-fig3-csi": Reproduction(
        "chang-liao2020-fig3-csi",
        "paper 002 Fig. 3 (CsI 2017) and Eqs. (17)-(20) first values",
        chang_liao2020_fig3_csi,
    ),
    "chang-liao2020-fig4-csi": Reproduction(
        "chang-liao2020-fig4-csi",
        "paper 002 Fig. 4 (CsI 2017): (a_M, C_S), (a_M, C_T), (C_S, C_T) regions at 40 MeV",
        chang_liao2020_fig4_csi,
    ),
    "chang-liao2020-fig3": Reproduction(
        "chang-liao2020-fig3",
        "paper 002 Fig. 3: four operators, current COHERENT, future COHERENT LAr, future CONUS",
        chang_liao2020_fig3,
    ),
    "chang-liao2020-eqs17-20": Reproduction(
        "chang-liao2020-eqs17-20",
        "paper 002 Eqs. (17)-(20): bounds for m_chi <= 0.5 MeV, computed vs published",
        chang_liao2020_eqs17_20,
    ),
    "chang-liao2020-eqB5": Reproduction(
        "chang-liao2020-eqB5",
        "paper 002 Eq. (B5): active-sterile mixing bounds 0.65, 0.28, 0.09",
        chang_liao2020_eqB5,
    ),
}
