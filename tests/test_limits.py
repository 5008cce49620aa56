"""Inputs beyond the limits: each is one line on stderr and exit status 2, within seconds, before any work.

Every case of issue 12 (tracebacks, hangs and unbounded memory, work lost, wrong messages) is
reproduced here. The cases that would hang or fill memory if the check regressed run in a child
process with a time limit and a 3 GiB address-space limit, so that a regression fails the test
instead of the machine; the others call ``coprod_sim.cli.main`` in this process.
"""

from __future__ import annotations

import functools
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coprod_sim import limits
from coprod_sim.cli import main
from coprod_sim.config import Config, ConfigError
from coprod_sim.scenarios import parse_override, scenario_dir

#: Wall-clock seconds within which a refused input must be reported (a child process included:
#: starting Python and importing pandas takes about 1-2 s of it). On a machine so busy that
#: merely starting the command takes longer, the allowance grows with that: see :func:`allowed`.
SECONDS = 8.0
LEVERS = (
    "power.transfer",
    "training.coverage",
    "accessibility.physical",
    "accessibility.information",
    "accessibility.communication",
    "accessibility.time",
    "accessibility.accommodations",
    "peer_support.uptake",
)
SCENARIO = "[scenario]\ndescription = 'a test scenario'\n"


def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))


def child(*args: str, cwd: Path | None = None) -> tuple[int, list[str], str, float]:
    """Run the command in a child process: (status, stderr lines, stdout, seconds)."""
    start = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-m", "coprod_sim.cli", *args],
        capture_output=True,
        text=True,
        timeout=4 * SECONDS,
        preexec_fn=_bounded,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    return r.returncode, r.stderr.splitlines(), r.stdout, time.perf_counter() - start


def here(capsys, *args: str) -> tuple[int, list[str], str, float]:
    """Call ``cli.main`` in this process: (status, stderr lines, stdout, seconds)."""
    start = time.perf_counter()
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse's errors
        code = exc.code
    seconds = time.perf_counter() - start
    captured = capsys.readouterr()
    return code, captured.err.splitlines(), captured.out, seconds


@functools.cache
def _startup() -> float:
    """Seconds a child takes to start the command and print its version: this machine's floor, now."""
    return child("--version")[3]


def allowed(seconds: float) -> float:
    """The time a refusal may take: :data:`SECONDS`, or three start-ups where starting alone is slow.

    Asked only when a refusal took longer than :data:`SECONDS`, so a calm machine never pays for
    the measurement. A check that did real work before refusing (reading a huge file, building
    a model) still fails: that takes many times a start-up.
    """
    return SECONDS if seconds < SECONDS else max(SECONDS, 3.0 * _startup())


def refused(result: tuple[int, list[str], str, float], *fragments: str) -> str:
    """Assert one error line with status 2, in time, naming every fragment; return the line."""
    code, err, out, seconds = result
    assert code == 2, err
    assert len(err) == 1, err
    line = err[0]
    assert line.startswith("coprod-sim") and ": error: " in line, line
    for fragment in fragments:
        assert fragment in line, line
    assert seconds < allowed(seconds), f"{seconds:.1f} s (start-up {_startup():.1f} s): {line}"
    assert out == "", out[:200]  # nothing computed, nothing printed
    return line


def write(path: Path, text: str, *, bom: bool = False) -> Path:
    path.write_text(("\ufeff" if bom else "") + text, encoding="utf-8")
    return path


def experiment(tmp_path: Path, design: str, factors: str, replicates: int = 1) -> Path:
    text = f"[experiment]\ndescription = 'x'\nreplicates = {replicates}\nsteps = 10\n{design}\n{factors}"
    return write(tmp_path / "exp.toml", text)


def ranges(levers: tuple[str, ...] = LEVERS) -> str:
    return "".join(f"[[parameters]]\npath = '{p}'\nlow = 0.0\nhigh = 1.0\n" for p in levers)


@pytest.fixture
def unwritable(tmp_path: Path) -> Path:
    """A folder that cannot be made, even by root: its parent is a file."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    return blocker / "out"


# -- tracebacks ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "name"),
    [("[" * 5000 + "]" * 5000, "arrays"), ("{a = " * 5000 + "1" + "}" * 5000, "inline tables")],
)
def test_deeply_nested_files_are_one_message(tmp_path, value, name, capsys):
    scen = write(tmp_path / "deep.toml", f"{SCENARIO}[power]\ntransfer = {value}\n")
    line = refused(child("run", str(scen), "--out", str(tmp_path / "o")), str(scen), "nested too deeply")
    assert "RecursionError" not in line
    exp = experiment(tmp_path, "", f"[[parameters]]\npath = 'power.transfer'\nvalues = {value}\n")
    refused(here(capsys, "sweep", str(exp), "--out", str(tmp_path / "o")), str(exp), "nested too deeply")
    assert not (tmp_path / "o").exists()


def test_whole_numbers_too_long_to_read(tmp_path, capsys):
    digits = "1" * 5000
    scen = write(tmp_path / "big.toml", f"{SCENARIO}[organisation]\npeople = {digits}\n")
    line = refused(here(capsys, "run", str(scen), "--out", str(tmp_path / "o")), str(scen), "line 4: people = 1111")
    assert "(5,000 digits)" in line and "at most 4,300 digits" in line and len(line) < 300
    line = refused(here(capsys, "run", "baseline", "--set", f"organisation.people={digits}"), "--set organisation")
    assert "(5,000 characters)" in line and "allowed is a whole number from 4 to" in line
    line = refused(here(capsys, "run", "baseline", "--seed", digits), "argument --seed", "(5,000 characters)")
    assert "not a whole number" not in line and "0 or more" in line


# -- hangs and unbounded memory ------------------------------------------------------------------
def test_run_steps_are_bounded():
    refused(child("run", "baseline", "--steps", "10000000"), "argument --steps", "'10000000'", "at most 5,200")


def test_compare_replicates_are_bounded():
    refused(child("compare", "--replicates", "10000000"), "argument --replicates", "at most 10,000")


def test_a_grid_is_sized_before_it_is_drawn(tmp_path):
    values = "[" + ", ".join(str(i / 100) for i in range(100)) + "]"
    factors = "".join(f"[[parameters]]\npath = '{p}'\nvalues = {values}\n" for p in LEVERS)
    exp = experiment(tmp_path, "", factors)
    line = refused(child("sweep", str(exp), "--out", str(tmp_path / "o")), str(exp), "100 x 100 x 100")
    assert "10,000,000,000,000,000 design points" in line and "at most 100,000" in line


@pytest.mark.parametrize(
    ("design", "replicates", "fragments"),
    [
        ("method = 'sobol'\nsamples = 1000000\nsecond_order = true", 1, ["design.samples = 1000000", "to 100,000"]),
        ("method = 'sobol'\nsamples = 100000\nsecond_order = true", 1, ["N(2k + 2) makes 1,800,000 design points"]),
        ("method = 'sobol'\nsamples = 20000", 1, ["N(k + 2) makes 200,000 design points"]),
        ("method = 'morris'\nsamples = 20000", 1, ["N(k + 1)", "makes 180,000 design points"]),
        ("method = 'lhs'\nsamples = 1000000", 10000, ["design.samples = 1000000"]),
        ("method = 'lhs'\nsamples = 100000", 10000, ["experiment.replicates = 10,000 makes 1,000,000,000 runs"]),
    ],
)
def test_sampled_designs_are_sized_before_they_are_drawn(tmp_path, design, replicates, fragments):
    exp = experiment(tmp_path, f"[design]\n{design}\n", ranges(), replicates)
    refused(child("sweep", str(exp), "--out", str(tmp_path / "o")), str(exp), *fragments)


def test_organisation_size_is_bounded_with_the_memory_it_would_need():
    line = refused(child("run", "baseline", "--set", "organisation.people=2000000"), "--set", "organisation.people")
    assert "about 5.7 GB" in line and "from 4 to 1000000" in line
    assert limits.memory_needed(limits.MAX_PEOPLE) == "about 2.8 GB"


# -- work lost --------------------------------------------------------------------------------------
@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_run_into_proc_fails_at_once():
    line = refused(child("run", "baseline", "--set", "organisation.people=20000", "--out", "/proc/x"), "--out /proc/x")
    assert "cannot make the folder" in line


@pytest.mark.parametrize(
    "args",
    [
        ["run", "baseline", "--set", "organisation.people=20000"],
        ["compare", "baseline", "transformative", "--replicates", "3", "--workers", "1"],
        ["sweep", "lever_grid", "--workers", "1"],
        ["validate", "--workers", "1"],
        ["calibrate", "--workers", "1"],
    ],
)
def test_an_unwritable_out_is_found_before_any_work(args, unwritable):
    refused(child(*args, "--out", str(unwritable)), f"--out {unwritable}", "cannot make the folder")


def test_analyze_checks_its_out_before_reading_the_sweep(tmp_path, unwritable, capsys):
    (tmp_path / "sweep").mkdir()
    (tmp_path / "sweep" / "manifest.json").write_text("{}")
    refused(here(capsys, "analyze", str(tmp_path / "sweep"), "--out", str(unwritable)), f"--out {unwritable}")


def test_out_is_a_file(tmp_path, capsys):
    target = write(tmp_path / "results", "")
    refused(here(capsys, "run", "baseline", "--out", str(target)), f"--out {target}", "is a file, not a folder")


@pytest.mark.parametrize("command", ["run", "compare", "sweep", "validate", "calibrate", "analyze"])
def test_an_empty_out_is_refused(command, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = {"run": ["baseline"], "sweep": ["lever_grid"], "analyze": ["."]}.get(command, [])
    refused(here(capsys, command, *args, "--out", ""), "argument --out", "''", "allowed is a folder path")
    assert list(tmp_path.iterdir()) == []


# -- wrong messages ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("flag", "value", "allowed"),
    [
        ("--steps", "-1", "1 or more"),
        ("--steps", "0", "1 or more"),
        ("--seed", "-1", "0 or more"),
        ("--seed", str(2**63), "at most 9,223,372,036,854,775,807"),
    ],
)
def test_number_flags_state_their_whole_range(capsys, flag, value, allowed):
    line = refused(here(capsys, "run", "baseline", flag, value), f"argument {flag}", repr(value), allowed)
    assert not (flag == "--steps" and "0 or more" in line)


@pytest.mark.parametrize(
    "command", [["compare", "--replicates"], ["validate", "--replicates"], ["sweep", "x", "--workers"]]
)
def test_zero_is_not_said_to_be_allowed_where_it_is_refused(capsys, command):
    line = refused(here(capsys, *command, "-3"), f"argument {command[-1]}", "1 or more")
    assert "0 or more" not in line


def test_port_range(capsys):
    refused(here(capsys, "dashboard", "--port", "0"), "argument --port", "from 1 to 65535")


def test_a_folder_a_device_and_a_fifo_are_not_missing_files(tmp_path, capsys):
    (tmp_path / "folder").mkdir()
    refused(here(capsys, "run", str(tmp_path / "folder")), "folder: is a folder, not a scenario file")
    refused(here(capsys, "run", os.devnull), f"{os.devnull}: is not a regular file (a device or a FIFO)")
    refused(here(capsys, "validate", "--patterns", str(tmp_path)), f"{tmp_path}: is a folder, not a patterns file")
    refused(here(capsys, "calibrate", "--spec", os.devnull), "is not a regular file")
    refused(here(capsys, "run", str(tmp_path / "nothing.toml")), "nothing.toml: file not found")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo")
        refused(here(capsys, "run", str(tmp_path / "fifo")), "fifo: is not a regular file")  # not opened: no hang
        refused(here(capsys, "sweep", str(tmp_path / "fifo")), "fifo: is not a regular file")


def test_a_missing_description_is_said_to_be_missing(tmp_path, capsys):
    scen = write(tmp_path / "s.toml", "[scenario]\nname = 'x'\n")
    line = refused(here(capsys, "run", str(scen)), str(scen), "scenario.description is missing")
    assert "None" not in line
    exp = write(tmp_path / "e.toml", "[experiment]\nname = 'x'\n" + ranges(LEVERS[:1]))
    line = refused(here(capsys, "sweep", str(exp)), str(exp), "experiment.description is missing")
    assert "None" not in line


def test_a_byte_order_mark_is_accepted(tmp_path, capsys, unwritable):
    from coprod_sim.sweep.design import experiment_dir, load_experiment
    from coprod_sim.validation.calibrate import load_calibration
    from coprod_sim.validation.patterns import load_patterns, validation_dir

    scen = write(tmp_path / "bom.toml", (scenario_dir() / "transformative.toml").read_text("utf-8"), bom=True)
    # Valid: the scenario is read, and the command stops only at the folder it cannot write.
    refused(here(capsys, "run", str(scen), "--out", str(unwritable)), f"--out {unwritable}")
    exp = write(tmp_path / "exp.toml", (experiment_dir() / "lever_grid.toml").read_text("utf-8"), bom=True)
    assert load_experiment(exp).name == "lever_grid"
    pat = write(tmp_path / "p.toml", (validation_dir() / "patterns.toml").read_text("utf-8"), bom=True)
    assert len(load_patterns(pat)) == len(load_patterns())
    cal = experiment_dir() / "calibration" / "calibration.toml"
    assert load_calibration(write(tmp_path / "c.toml", cal.read_text("utf-8"), bom=True)).samples == 80


def test_dashboard_host_is_checked_before_it_says_listening():
    line = refused(child("dashboard", "--host", "bogus.invalid", "--port", "8799"), "--host bogus.invalid")
    assert "listening" not in line


def test_a_huge_description_is_not_echoed(tmp_path, capsys):
    huge = write(tmp_path / "huge.toml", "[scenario]\ndescription = '" + "x" * 50_000_000 + "'\n")
    refused(child("run", str(huge), "--out", str(tmp_path / "o")), str(huge), "50,000,028 bytes is too big")
    long = write(tmp_path / "long.toml", "[scenario]\ndescription = '" + "x" * 3000 + "'\n")
    line = refused(here(capsys, "run", str(long)), "scenario.description = 'xxxx", "(3,000 characters)")
    assert "at most 2,000 characters" in line and len(line) < 300


def test_timelines_are_bounded(tmp_path, capsys):
    def timeline(n: int, step: int = 1) -> str:
        entry = f"[[timeline]]\nstep = {step}\nlever = 'power.transfer'\nvalue = 0.5\n"
        return f"{SCENARIO}[simulation]\nsteps = 5\n" + entry * n

    big = write(tmp_path / "t200k.toml", timeline(200_000))
    refused(child("run", str(big), "--out", str(tmp_path / "o")), str(big), "bytes is too big")
    many = write(tmp_path / "t.toml", timeline(limits.MAX_TIMELINE_ENTRIES + 1))
    refused(here(capsys, "run", str(many)), str(many), "timeline has 1,001 entries: allowed is at most 1,000")
    late = write(tmp_path / "late.toml", timeline(1, step=limits.MAX_STEPS + 1))
    refused(here(capsys, "run", str(late)), str(late), "timeline entry 1: step = 5201", "from 0 to 5200")
    with pytest.raises(ConfigError, match="allowed is at most 1,000"):
        Config.from_dict({"timeline": [{"step": 1, "lever": "power.paid", "value": True}] * 1001})


# -- the helpers the checks use ---------------------------------------------------------------------
def test_shown_cuts_long_values():
    assert limits.shown("abc") == "'abc'"
    assert limits.shown("x" * 50) == f"'{'x' * 40}'… (50 characters)"
    assert limits.shown(10**50) == f"1{'0' * 39}… (51 digits)"
    assert limits.shown(10**6000).startswith("a whole number of about 6,00")  # too long for str()
    deep: list = []
    for _ in range(10_000):
        deep = [deep]
    assert len(limits.shown(deep)) < 100


def test_design_points_arithmetic():
    assert limits.design_points("grid", 3, 0, False, (2, 3, 4)) == 24
    assert limits.design_points("lhs", 5, 64, False) == 64
    assert limits.design_points("sobol", 6, 256, False) == 256 * 8
    assert limits.design_points("sobol", 6, 256, True) == 256 * 14
    assert limits.design_points("morris", 8, 20, False) == 180


def test_set_values_that_cannot_be_read(capsys):
    with pytest.raises(ConfigError, match=r"^--set power.transfer='\[\[\[\["):
        parse_override("power.transfer=" + "[" * 3000 + "]" * 3000)
    assert parse_override("training.target=all") == ("training.target", "all")


# -- found by tests/test_fuzz.py's soak ----------------------------------------------------------
def test_whole_numbers_beyond_any_float(capsys):
    nines = "9" * 4200  # readable by Python, but float() overflows
    line = refused(here(capsys, "run", "baseline", "--set", f"organisation.disabled_share={nines}"), "disabled_share")
    assert "is out of range" in line and len(line) < 300
    line = refused(here(capsys, "run", "baseline", "--set", f"organisation.people={nines}"), "organisation.people")
    assert "far more than any computer has" in line and len(line) < 400


def test_names_too_long_for_the_file_system(tmp_path, capsys):
    long = "x" * 5000
    line = refused(here(capsys, "run", long), "no such scenario file", "(5,000 characters)")
    assert len(line) < 600
    exp = experiment(tmp_path, "", ranges(LEVERS[:1])).read_text().replace("steps = 10", f"scenario = '{long}'")
    line = refused(here(capsys, "sweep", str(write(tmp_path / "e.toml", exp))), "no such scenario file")
    assert len(line) < 800
    line = refused(here(capsys, "analyze", long), "(5,014 characters)", "File name too long")  # +/manifest.json
    assert len(line) < 300


def test_pattern_bounds_beyond_any_float(tmp_path):
    from coprod_sim.validation.patterns import load_patterns, validation_dir

    text = (validation_dir() / "patterns.toml").read_text("utf-8").replace("low = ", "low = 9" + "9" * 400 + " # ", 1)
    with pytest.raises(ConfigError, match="low = 9999"):
        load_patterns(write(tmp_path / "p.toml", text))


def test_a_default_out_from_an_unusable_experiment_name(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default --out is results/<experiment name>, here
    design = "[design]\nmethod = 'lhs'\nsamples = 2\n"
    exp = experiment(tmp_path, design, ranges(LEVERS[:1])).read_text()
    for bad in ("a\\u0000b", "../outside", ".hidden", "a/b"):
        text = exp.replace("[experiment]", f'[experiment]\nname = "{bad}"')
        refused(here(capsys, "sweep", str(write(tmp_path / "e.toml", text))), "experiment.name", "output folder")
    assert not (tmp_path / "outside").exists() and not (tmp_path / "results").exists()
