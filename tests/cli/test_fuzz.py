"""Fuzz test of the command line (issue 19): random argument lists built from the commands' real
option names, with plausible values and garbage (nan, inf, negative, huge, text, broken lists).

Every command line must end cleanly: exit 0 with a result whose counts, widths and chi^2 are
finite and non-negative, or a non-zero exit with exactly one line ``upscatter: error: ...`` on
stderr; never a Python exception (warnings are errors in the test suite, so an overflow or an
invalid-value warning fails too). Hypothesis runs derandomized (a fixed seed), without an
example database, and with a bounded number of examples, so the test is reproducible and takes
seconds. The commands whose valid runs take minutes (limits, region, coverage) are stopped at
their first computation step: everything before it, i.e. all validation, is fuzzed.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from upscatter.cli import cli, main

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

GARBAGE = [
    "nan",
    "inf",
    "-inf",
    "-1",
    "0",
    "-0",
    "1e300",
    "1e-320",
    "abc",
    "",
    " ",
    "1,,2",
    ",",
    "log:1:0:5",
    "log:-1:10:3",
    "lin:0:1:0",
    "log:1:10",
    "1;2",
    "0x10",
    "☃",
    "--json",
    "10001",
    "1000000",
]
"""Values no option should accept silently (some are valid for a few options)."""

NAMES = {
    "--experiment": ["coherent-csi-2017", "coherent-lar-2020", "nope", "x.toml"],
    "--model": ["vector", "scalar", "zprime", "eft", "sm", "Vector"],
    "--operator": ["dipole", "C_S", "tensor", "a_M", "foo"],
    "--preset": ["universal", "b-l", "dark-photon", "nu-e", "none.toml"],
    "--target": ["CsI", "Ar", "Ge", "Xe", "csi", "Pb"],
    "--source": ["sns", "reactor", "solar", "moon"],
    "--form-factor": ["helm", "klein-nystrand", "unity", "gauss"],
    "--pair": ["a_M,C_S", "dipole,tensor", "C_S", "C_S,C_S", "a_M,C_S,C_T"],
    "--time-window": ["0,6", "1,2", "6,0", "a,b", "1"],
    "--set": ["time_window_us=0,6", "foo=1", "threshold_kev=", "=1", "time_window_us=1"],
    "--fractions": ["0.5,1,1.5", "1", "-1", ""],
}
"""Real names (and a few wrong ones) for the options that take a name."""

NUMBER = st.one_of(
    st.floats(min_value=0.0, max_value=100.0).map(lambda x: f"{x:.6g}"),
    st.floats(allow_nan=True, allow_infinity=True, width=32).map(repr),
    st.integers(min_value=-3, max_value=60).map(str),
)
LISTS = st.one_of(
    NUMBER,
    st.lists(st.floats(min_value=0.01, max_value=100.0), min_size=1, max_size=3).map(
        lambda xs: ",".join(f"{x:.4g}" for x in xs)
    ),
    st.tuples(
        st.sampled_from(["log", "lin"]),
        st.floats(min_value=0.01, max_value=60.0),
        st.floats(min_value=0.01, max_value=60.0),
        st.integers(min_value=-1, max_value=4),
    ).map(lambda t: f"{t[0]}:{t[1]:.3g}:{t[2]:.3g}:{t[3]}"),
)
SKIPPED = {
    "--out",
    "--plot",
    "--checkpoint",
    "--resume",
    "--along",
    "--executor",
    "--scheduler",
    "--help",
}
"""File and executor options: their checks have their own tests (test_issue19_commands.py);
fuzzing them would write files or start worker pools."""

COUNT_KEYS = {
    "N_SM",
    "N_new",
    "N_SM_per_flavour",
    "totals",
    "backgrounds",
    "chi2",
    "chi2_SM",
    "width_MeV",
    "branching_ratios",
    "width_V_to_ee_MeV",
}
"""Result entries that are predicted counts, widths or chi^2: finite and non-negative (not
the observed data: CsI 2017 reports coincidence minus anti-coincidence counts, which can be
negative)."""


class Computing(Exception):
    """Raised in place of the first long computation of limits, region and coverage."""


def _stop(*_args, **_kwargs):
    raise Computing


@pytest.fixture
def stubbed(monkeypatch):
    """limits, region and coverage stop where their computation starts."""
    import upscatter.cli.cmd_coverage as coverage
    import upscatter.cli.cmd_limits as limits
    import upscatter.cli.cmd_region as region

    monkeypatch.setattr(limits, "compute_basis", _stop)
    monkeypatch.setattr(coverage, "compute_basis", _stop)
    monkeypatch.setattr(region, "pair_region", _stop)


@pytest.fixture
def payloads(monkeypatch):
    """The result dictionaries handed to the JSON output, before NaN becomes null."""
    import upscatter.cli._common as common

    seen: list = []
    original = common.to_json

    def capture(payload):
        seen.append(payload)
        return original(payload)

    monkeypatch.setattr(common, "to_json", capture)
    return seen


def _value(option: str, draw) -> str:
    if option in NAMES and draw(st.booleans()):
        return draw(st.sampled_from(NAMES[option]))
    if draw(st.integers(0, 5)) == 0:
        return draw(st.sampled_from(GARBAGE))
    if option in ("--m-chi", "--m-med", "--fractions"):
        return draw(LISTS)
    if option in ("--bins", "--points", "--toys", "--dof", "--seed", "--n-flavours"):
        return str(draw(st.integers(min_value=-2, max_value=40)))
    return draw(NUMBER)


def _argv(command: str, draw) -> list[str]:
    params = [p for p in cli.commands[command].params if p.opts and p.opts[0] not in SKIPPED]
    chosen = draw(st.lists(st.sampled_from(params), unique_by=lambda p: p.name, max_size=6))
    argv = [command]
    for param in chosen:
        name = param.opts[0]
        if getattr(param, "is_flag", False):
            argv.append(draw(st.sampled_from(param.opts + param.secondary_opts)))
        elif getattr(param.type, "choices", None) and draw(st.booleans()):
            argv += [name, draw(st.sampled_from(list(param.type.choices)))]
        else:
            argv += [name, _value(name, draw)]
    if command == "region" and "--pair" not in argv and draw(st.booleans()):
        argv += ["--pair", "a_M,C_S"]
    if command == "decays" and draw(st.booleans()):
        argv += ["--m-chi", "1", "--m-med", "5", "--g-chi", "1", "--g-f", "1"]
    if draw(st.booleans()):
        argv.append("--json")
    return argv


def _walk(value, key: str = ""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, str(k) if key not in COUNT_KEYS else key)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _walk(v, key)
    elif hasattr(value, "tolist"):
        yield from _walk(value.tolist(), key)
    elif isinstance(value, float | int) and not isinstance(value, bool):
        yield key, float(value)


def _check(argv, status, out, err, payloads) -> None:
    if status == 0:
        assert out.strip(), f"{argv}: exit 0 without a result"
        for key, value in (kv for payload in payloads for kv in _walk(payload)):
            assert not math.isnan(value), f"{argv}: NaN in {key}"
            if key in COUNT_KEYS:
                assert math.isfinite(value) and value >= 0, f"{argv}: {key} = {value}"
    else:
        lines = err.strip().splitlines()
        assert len(lines) == 1, f"{argv}: stderr {lines}"
        assert lines[0].startswith("upscatter: error:"), f"{argv}: {lines[0]}"


def _fuzz(command, data, capsys, payloads):
    argv = _argv(command, data.draw)
    payloads.clear()
    try:
        status = main(argv)
    except Computing:
        capsys.readouterr()
        event("reached the computation")
        return  # every check before the computation passed
    except BaseException as exc:  # the failure this test exists to find
        pytest.fail(f"{argv}: {type(exc).__name__}: {exc}")
    captured = capsys.readouterr()
    event("result" if status == 0 else "one-line error")
    _check(argv, status, captured.out, captured.err, payloads)


@pytest.mark.parametrize("command", ["limits", "region", "coverage"])
@FUZZ
@given(data=st.data())
def test_fuzz_validation_of_long_commands(command, data, capsys, payloads, stubbed):
    _fuzz(command, data, capsys, payloads)


@pytest.mark.parametrize("command", ["predict", "spectrum", "decays"])
@settings(FUZZ, max_examples=80)
@given(data=st.data())
def test_fuzz_commands(command, data, capsys, payloads, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    _fuzz(command, data, capsys, payloads)
