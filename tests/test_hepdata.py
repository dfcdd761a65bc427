"""HEPData export (issue 19.6): the YAML read back gives the exported values, units and
provenance; the submission passes the official hepdata-validator; folders and archives hold the
same files."""

from __future__ import annotations

import json
import tarfile
import zipfile

import numpy as np
import pytest
import yaml

from upscatter.errors import ParameterError
from upscatter.hepdata import DIGITS, limits_tables, region_tables, write_hepdata
from upscatter.scans import RegionResult, ScanResult


def _scan(expected: bool = False) -> ScanResult:
    m_chi = np.array([0.5, 5.0, 60.0])
    result = ScanResult(
        masses={"m_chi": m_chi, "m_med": 10.0 * m_chi},
        bound=np.array([1.234567891e-5, 2.5e-4, np.nan]),
        coupling="g",
        config={
            "experiment": "coherent-csi-2017",
            "model": "vector",
            "model_options": {"electrons": False},
            "cl": 0.9,
            "dof": 1,
            "delta_chi2": 2.705543454095404,
            "upscatter_version": "0.1.0",
        },
    )
    if expected:
        result.expected = {
            key: result.bound * factor
            for key, factor in (
                ("expected_median", 1.0),
                ("expected_minus2", 0.6),
                ("expected_minus1", 0.8),
                ("expected_plus1", 1.2),
                ("expected_plus2", 1.5),
            )
        }
    return result


def _region() -> RegionResult:
    angle = np.linspace(0, 2 * np.pi, 9)
    line = np.column_stack([1e-3 * np.cos(angle), 4e-2 * np.sin(angle)])
    return RegionResult(
        x=np.linspace(-1, 1, 3),
        y=np.linspace(-1, 1, 3),
        delta_chi2=np.zeros((3, 3)),
        boundary=[line],
        threshold=4.605170185988092,
        names=("a_M", "C_S"),
        config={"experiment": "coherent-csi-2017", "m_chi_MeV": 40.0, "cl": 0.9, "dof": 2},
    )


def _read(folder):
    documents = list(yaml.safe_load_all((folder / "submission.yaml").read_text()))
    tables = {
        d["name"]: yaml.safe_load((folder / d["data_file"]).read_text()) for d in documents[1:]
    }
    return documents, tables


def test_limits_read_back(tmp_path):
    result = _scan()
    write_hepdata(limits_tables(result), tmp_path / "out")
    documents, tables = _read(tmp_path / "out")
    (table,) = tables.values()
    (x,) = table["independent_variables"]
    (y,) = table["dependent_variables"]
    assert x["header"] == {"name": "m_chi", "units": "MeV"}
    assert [v["value"] for v in x["values"]] == [0.5, 5.0, 60.0]
    assert y["header"]["name"] == "upper bound on g" and "units" not in y["header"]  # g is pure
    values = [v["value"] for v in y["values"]]
    assert values[0] == pytest.approx(1.234567891e-5, rel=10.0 ** (1 - DIGITS))
    assert values[1] == pytest.approx(2.5e-4, rel=1e-12)
    assert values[2] == "-"  # no bound at 60 MeV: the HEPData missing value
    qualifiers = {q["name"]: q["value"] for q in y["qualifiers"]}
    assert qualifiers["CL"] == "90%" and qualifiers["degrees of freedom"] == 1
    assert qualifiers["model"] == "vector" and qualifiers["experiment"] == "coherent-csi-2017"
    assert qualifiers["m_med/m_chi"] == pytest.approx(10.0)
    assert qualifiers["model options"] == "electrons=False"
    assert qualifiers["Delta chi2 threshold"] == pytest.approx(2.705543, abs=1e-6)
    assert "90%" in documents[1]["description"] and "m_chi (MeV)" in documents[1]["description"]


def test_expected_bands_are_exported(tmp_path):
    write_hepdata(limits_tables(_scan(expected=True)), tmp_path)
    _, tables = _read(tmp_path)
    (table,) = tables.values()
    names = [v["header"]["name"] for v in table["dependent_variables"]]
    assert names[0] == "upper bound on g" and "expected median bound on g" in names
    assert len(names) == 6
    plus2 = table["dependent_variables"][names.index("expected +2 sigma bound on g")]
    assert plus2["values"][1]["value"] == pytest.approx(1.5 * 2.5e-4, rel=1e-12)


def test_fixed_mediator_mass_is_a_qualifier_and_eft_units(tmp_path):
    result = _scan()
    result.masses = {"m_chi": np.array([1.0, 2.0])}
    result.bound = np.array([0.1, 0.2])
    result.coupling = "|c|"
    result.config = {**result.config, "model": "eft", "model_options": {"operator": "C_S"}}
    result.masses["m_med"] = np.array([5.0, 5.0])
    write_hepdata(limits_tables(result), tmp_path)
    _, tables = _read(tmp_path)
    (y,) = next(iter(tables.values()))["dependent_variables"]
    assert y["header"]["units"] == "G_F/sqrt(2)"
    qualifiers = {q["name"]: (q["value"], q.get("units")) for q in y["qualifiers"]}
    assert qualifiers["m_med"] == (5.0, "MeV")


def test_region_read_back(tmp_path):
    region = _region()
    write_hepdata(region_tables(region), tmp_path)
    _, tables = _read(tmp_path)
    (table,) = tables.values()
    x = [v["value"] for v in table["independent_variables"][0]["values"]]
    (y,) = table["dependent_variables"]
    np.testing.assert_allclose(x, region.boundary[0][:, 0], rtol=1e-7, atol=1e-15)
    np.testing.assert_allclose(
        [v["value"] for v in y["values"]], region.boundary[0][:, 1], rtol=1e-7, atol=1e-15
    )
    assert y["header"] == {"name": "C_S", "units": "G_F/sqrt(2)"}
    qualifiers = {q["name"]: q for q in y["qualifiers"]}
    assert qualifiers["m_chi"]["value"] == 40.0 and qualifiers["m_chi"]["units"] == "MeV"
    assert qualifiers["degrees of freedom"]["value"] == 2


# the validator uses the deprecated jsonschema.RefResolver and leaves its files open
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_submission_passes_the_hepdata_validator(tmp_path):
    from hepdata_validator.full_submission_validator import FullSubmissionValidator

    write_hepdata(limits_tables(_scan(expected=True)) + region_tables(_region()), tmp_path)
    validator = FullSubmissionValidator()
    valid = validator.validate(directory=str(tmp_path))
    messages = {f: [m.message for m in ms] for f, ms in validator.get_messages().items()}
    assert valid, messages


@pytest.mark.parametrize("suffix", [".zip", ".tar.gz"])
def test_archives_hold_the_folder_files(tmp_path, suffix):
    tables = limits_tables(_scan())
    folder = write_hepdata(tables, tmp_path / "folder")
    archive = write_hepdata(tables, tmp_path / f"submission{suffix}")
    if suffix == ".zip":
        with zipfile.ZipFile(archive) as z:
            content = {n: z.read(n) for n in z.namelist()}
    else:
        with tarfile.open(archive) as t:
            content = {m.name: t.extractfile(m).read() for m in t.getmembers()}
    assert content == {p.name: p.read_bytes() for p in folder.iterdir()}
    assert not list(tmp_path.glob(".*tmp"))  # atomic writes leave no temporary file


def test_region_without_boundary_is_an_error():
    region = _region()
    region.boundary = []
    with pytest.raises(ParameterError, match="no boundary"):
        region_tables(region)


def test_cli_limits_hepdata_matches_the_json(capsys, tmp_path):
    from upscatter.cli import main

    status = main(["limits", "--m-chi", "1,2", "--hepdata", str(tmp_path / "hd"), "--json"])
    assert status == 0
    printed = json.loads(capsys.readouterr().out)
    _, tables = _read(tmp_path / "hd")
    (y,) = next(iter(tables.values()))["dependent_variables"]
    exported = [v["value"] for v in y["values"]]
    bounds = [row["bound"] for row in printed["points"]]
    np.testing.assert_allclose(exported, bounds, rtol=10.0 ** (1 - DIGITS))


def test_cli_hepdata_path_checked_first(capsys, tmp_path):
    from upscatter.cli import main

    parent = tmp_path / "file.txt"
    parent.write_text("x")
    status = main(["limits", "--hepdata", str(parent / "x.zip")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status != 0 and len(err) == 1 and "--hepdata" in err[0]


def test_written_files_are_not_private(tmp_path):
    """Atomic writes go through mkstemp (mode 0600): the result gets the usual 0666 - umask."""
    import os

    umask = os.umask(0o022)
    try:
        path = write_hepdata(limits_tables(_scan()), tmp_path / "hd.zip")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644
