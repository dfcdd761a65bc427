"""Every command line and API misuse listed in issue 19 ("Tracebacks seen", "Silent or
questionable", the API list), re-run: each gives a one-line ``upscatter`` error and a non-zero
exit, or a correct result (checked against the physics it must obey)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from upscatter.cli import main
from upscatter.errors import ParameterError, UpscatterError


def _run(capsys, argv):
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err.strip().splitlines()


def _assert_one_line_error(status, err, *needles):
    assert status != 0
    assert len(err) == 1 and err[0].startswith("upscatter: error:"), err
    for needle in needles:
        assert needle in err[0], err[0]


# -- command lines that must fail with one line ------------------------------------------------

BAD_COMMANDS = [
    # tracebacks seen
    (["predict", "--model", "zprime", "--electrons", "--coupling", "1e-9"], "--electrons"),
    (["spectrum", "--model", "zprime", "--electrons", "--coupling", "1e-9"], "--electrons"),
    (["spectrum", "--bins", "1000000"], "more than 10000"),
    (["region", "--pair", "a_M,C_S", "--points", "20000"], "GiB"),
    # silent or questionable
    (["predict", "--m-chi", "1e300"], "above 1e+09 MeV"),
    (["predict", "--m-chi", "1,,2"], "--m-chi"),
    (["limits", "--m-chi", "1,,2"], "empty entry"),
    (["predict", "--model", "zprime", "--twist2", "paper", "--no-loops"], "--no-loops"),
    (["predict", "--model", "vector", "--case", "B"], "--case"),
    (["predict", "--experiment", "coherent-lar-2020", "--electrons"], "no electron-recoil"),
    (["limits", "--experiment", "coherent-lar-2020", "--electrons", "--m-chi", "1"], "drop"),
    # the estimate is said, and --yes is asked for
    (["limits", "--m-chi", "log:0.1:50:1000000"], "x the time of the default 40-point scan"),
    (["limits", "--m-chi", "log:0.1:50:1000000"], "--yes"),
    # a bad --set key lists the valid keys with their defaults
    (["predict", "--set", "foo=1"], "time_window_us=(0.0, 6.0)"),
]


@pytest.mark.parametrize(
    ("argv", "needle"), BAD_COMMANDS, ids=lambda v: " ".join(v) if isinstance(v, list) else ""
)
def test_bad_command_gives_one_line_error(capsys, tmp_path, monkeypatch, argv, needle):
    monkeypatch.chdir(tmp_path)
    status, _, err = _run(capsys, argv)
    _assert_one_line_error(status, err, needle)


# -- outputs checked before computing: missing folder, a file's child, /proc, bad image suffix --

OUTPUTS = [
    (["limits", "--m-chi", "1"], "--out", "csv"),
    (["limits", "--m-chi", "1"], "--plot", "png"),
    (["region", "--pair", "a_M,C_S"], "--plot", "png"),
    (["spectrum"], "--out", "csv"),
    (["spectrum"], "--plot", "png"),
    (["decays", "--m-chi", "1", "--m-med", "5", "--g-chi", "1", "--g-f", "1"], "--plot", "png"),
    (["reproduce", "candela2023"], "--out", None),
]
# reproduce --out is a folder that is created when missing
CASES = [
    (*case, kind)
    for case in OUTPUTS
    for kind in ("missing-folder", "file-child", "proc")
    if case[2] is not None or kind != "missing-folder"
]


def _destination(kind: str, tmp_path: Path, suffix: str | None) -> str:
    name = f"x.{suffix}" if suffix else "x"
    if kind == "missing-folder":
        return str(tmp_path / "no-such-dir" / "deeper" / name)
    if kind == "file-child":
        parent = tmp_path / "file.txt"
        parent.write_text("x")
        return str(parent / name)
    return f"/proc/{name}"


@pytest.mark.parametrize(("argv", "option", "suffix", "kind"), CASES, ids=str)
def test_unwritable_output_is_refused_first(capsys, tmp_path, kind, argv, option, suffix):
    status, out, err = _run(capsys, [*argv, option, _destination(kind, tmp_path, suffix)])
    _assert_one_line_error(status, err, option)
    assert out == ""  # nothing computed, nothing printed


@pytest.mark.parametrize(
    "argv", [a for a, option, _ in OUTPUTS if option == "--plot"], ids=lambda v: v[0]
)
def test_unknown_image_suffix_is_refused(capsys, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    status, _, err = _run(capsys, [*argv, "--plot", "bound.xyz"])
    _assert_one_line_error(status, err, "--plot", ".xyz")
    assert not (tmp_path / "bound.xyz").exists()


# -- TOML experiments --------------------------------------------------------------------------

SPEC = (
    Path(__file__).resolve().parents[2] / "src/upscatter/experiments/specs/reactor-ge-example.toml"
)


def test_toml_with_tiny_bins_is_refused_before_allocating(capsys, tmp_path):
    text = SPEC.read_text(encoding="utf-8").replace("bin_width_kev = 0.05", "bin_width_kev = 1e-7")
    path = tmp_path / "tiny.toml"
    path.write_text(text, encoding="utf-8")
    status, _, err = _run(capsys, ["predict", "--experiment", path])
    _assert_one_line_error(status, err, "bin_width_kev")


def test_non_utf8_toml_is_one_line(capsys, tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(b"name = 'd\xe9tecteur'\n")
    status, _, err = _run(capsys, ["predict", "--experiment", path])
    _assert_one_line_error(status, err, "TOML")


# -- the ones that must give a correct result --------------------------------------------------


def test_reactor_spectrum_is_positive_and_finite(capsys):
    """Used to raise TypeError (reactor_source got ``pot``)."""
    status, out, _ = _run(capsys, ["spectrum", "--source", "reactor", "--target", "Ge", "--json"])
    assert status == 0
    payload = json.loads(out)
    sm = np.array(payload["N_SM"])
    assert payload["source"] == "reactor"
    assert np.all(np.isfinite(sm)) and np.all(sm >= 0) and sm.sum() > 0


def test_spectrum_above_the_kinematic_limit_says_so(capsys):
    """SNS neutrinos stop at E_max = m_mu/2 = 52.8 MeV (muon decay at rest), so chi of 60 MeV
    cannot be produced on any nucleus (threshold E_nu = m_chi + m_chi^2/2M > m_chi): the zeros
    are correct and a note says why."""
    status, out, err = _run(capsys, ["spectrum", "--m-chi", "60", "--json"])
    assert status == 0
    payload = json.loads(out)
    assert payload["totals"]["new"] == 0.0
    assert len(err) == 1 and "kinematic limit" in err[0] and "52.8" in err[0]
    assert "kinematic limit" in payload["note"]


def test_spectrum_below_the_kinematic_limit_has_no_note(capsys):
    status, out, err = _run(capsys, ["spectrum", "--m-chi", "40", "--json"])
    assert status == 0 and err == []
    assert json.loads(out)["totals"]["new"] > 0


def test_lar_without_electrons_still_runs(capsys):
    status, out, _ = _run(capsys, ["predict", "--experiment", "coherent-lar-2020", "--json"])
    assert status == 0 and json.loads(out)["experiment"] == "coherent-lar-2020"


def test_combination_with_electrons_keeps_lar_nuclear(capsys):
    """--electrons on CsI 2021 + LAr asks for the electron channel where there is one (CsI);
    the LAr part stays nuclear-only instead of failing."""
    status, out, _ = _run(
        capsys, ["predict", "--experiment", "coherent-combined", "--electrons", "--json"]
    )
    assert status == 0 and json.loads(out)["experiment"] == "coherent-combined"


def test_limits_table_has_no_progress_line_on_stdout(capsys):
    status, out, _ = _run(capsys, ["limits", "--m-chi", "1,2", "--m-med", "10"])
    assert status == 0
    assert out.splitlines()[0].startswith("# coherent-csi-2017")


# -- API misuse --------------------------------------------------------------------------------


def _xsec(function: str, **overrides):
    from upscatter.nuclei import get_isotope
    from upscatter.xsec import mediators, sm

    args = {"E": 30.0, "T": 0.01, "isotope": get_isotope("Cs133"), "m_chi": 1.0}
    args.update(overrides)
    if function != "sm":
        args.setdefault("m_med", 10.0)
    E, T = args.pop("E"), args.pop("T")
    if function == "sm":
        return sm.sm_dsigma_dT(
            E, T, args.pop("isotope"), **{k: v for k, v in args.items() if k != "m_chi"}
        )
    return getattr(mediators, f"{function}_nucleus_dsigma_dT")(E, T, **args)


API_MISUSE = [
    ("vector", {"m_chi": -1.0}, "m_chi"),
    ("vector", {"E": float("nan")}, "neutrino energy"),
    ("vector", {"E": float("inf")}, "neutrino energy"),
    ("vector", {"quark_couplings": {"s": 1}}, "quark_couplings"),
    ("vector", {"radius_scale": -1.0}, "radius_scale"),
    ("scalar", {"m_med": -10.0}, "m_med"),
    ("scalar", {"T": float("nan")}, "recoil energy"),
    ("sm", {"E": float("nan")}, "neutrino energy"),
    ("sm", {"T": -1.0}, "recoil energy"),
    ("sm", {"radius_scale": -1.0}, "radius_scale"),
    ("sm", {"isotope": 133}, "isotope"),
    ("sm", {"isotope": "Cs999"}, "isotope"),
]


@pytest.mark.parametrize(("function", "overrides", "needle"), API_MISUSE)
def test_cross_section_misuse_names_the_argument(function, overrides, needle):
    with pytest.raises(ParameterError, match=needle):
        _xsec(function, **overrides)


@pytest.mark.parametrize("function", ["sm", "vector", "scalar"])
def test_isotope_by_name_is_the_isotope(function):
    """Nuclear functions accept a name, as the electron functions do: same value."""
    assert _xsec(function, isotope="Cs133") == _xsec(function)


def test_eft_accepts_an_isotope_name():
    from upscatter.nuclei import get_isotope
    from upscatter.xsec.eft import eft_dsigma_dT

    args = {"m_chi": 1.0, "coefficients": {"C_S": 1e-3}}
    by_name = eft_dsigma_dT(30.0, 0.01, isotope="Cs133", **args)
    assert by_name == eft_dsigma_dT(30.0, 0.01, isotope=get_isotope("Cs133"), **args)


def _analysis():
    import upscatter

    return upscatter.get_experiment("coherent-csi-2017"), upscatter.get_model("vector")


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda rates, ch, src: rates.differential_rate(ch, src, np.array([0.01]), -1.0), "mass"),
        (lambda rates, ch, src: rates.RecoilBins([0.0, float("nan")]), "edges"),
    ],
    ids=["negative detector mass", "nan bin edge"],
)
def test_rate_misuse(call, needle):
    from upscatter import rates
    from upscatter.fluxes import get_source
    from upscatter.models import sm_channels
    from upscatter.nuclei import get_material

    with pytest.raises(ParameterError, match=needle):
        call(rates, sm_channels(get_material("CsI")), get_source("sns"))


@pytest.mark.parametrize(
    ("masses", "options", "needle"),
    [
        ({"m_chi": [1.0]}, {}, "m_med"),
        ({"m_chi": [1.0], "m_med": [10.0]}, {"cl": "0.9"}, "cl"),
        ({"m_chi": [1.0], "m_med": [10.0]}, {"cl": 1.5}, "confidence level"),
        ({"m_chi": [float("nan")], "m_med": [10.0]}, {}, "m_chi"),
        ({"m_chi": [1.0], "m_med": [10.0]}, {"foo": 1}, "foo"),
    ],
)
def test_coupling_bound_misuse(masses, options, needle):
    import upscatter

    experiment, model = _analysis()
    with pytest.raises(UpscatterError, match=needle):
        upscatter.coupling_bound(experiment, model, masses, **options)


def test_electrons_on_lar_is_an_api_error_too():
    import upscatter

    lar = upscatter.get_experiment("coherent-lar-2020")
    with pytest.raises(ParameterError, match="no electron-recoil channel"):
        lar.signal_basis(
            upscatter.get_model("vector"), {"m_chi": [1.0], "m_med": [10.0]}, electrons=True
        )
