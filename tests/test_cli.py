"""The command line: outputs, and one clear message with status 2 for every input error."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

import pyarrow.parquet as pq
import pytest

from coprod_sim.cli import main
from coprod_sim.model import LEVELS, OUTPUT_COLUMNS
from coprod_sim.scenarios import shipped_scenarios


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "coprod_sim.cli", *args], capture_output=True, text=True)


def test_run_writes_results_and_provenance(tmp_path):
    out = tmp_path / "r"
    code = main(
        [
            "run",
            "peer_support",
            "--steps",
            "30",
            "--seed",
            "7",
            "--out",
            str(out),
            "--set",
            "organisation.people=120",
            "--set",
            "training.target=all",
        ]
    )
    assert code == 0
    ts = pq.read_table(out / "timeseries.parquet").to_pandas()
    assert list(ts.columns) == ["step", *OUTPUT_COLUMNS] and len(ts) == 31
    assert set(ts["level"]) <= set(LEVELS)
    people = pq.read_table(out / "people.parquet").to_pandas()
    assert len(people) == 120
    info = json.loads((out / "run.json").read_text())
    assert info["seed"] == 7 and info["steps"] == 30 and info["package_version"]
    assert info["parameters"]["organisation"]["people"] == 120
    assert info["parameters"]["training"]["target"] == "all"
    assert info["parameters"]["peer_support"]["enabled"] is True
    assert info["overrides"] == {"organisation.people": 120, "training.target": "all"}
    assert info["init_seconds"] > 0 and info["step_seconds"] > 0
    assert not list(out.glob(".*tmp"))  # nothing half-written left behind
    assert (out / "run.json").stat().st_mode & 0o044  # readable by others, like any file written here


def test_run_summary_is_readable(tmp_path, capsys):
    assert main(["run", "baseline", "--steps", "60", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    for fragment in ("Scenario: baseline", "Wellbeing, at the end", "Co-production level", "Cost:", "disabled"):
        assert fragment in text


def test_scenarios_lists_every_shipped_file(capsys):
    assert main(["scenarios"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [ln.split()[0] for ln in lines] == [p.stem for p in shipped_scenarios()]


def test_compare_writes_side_by_side_table(tmp_path, capsys):
    code = main(
        [
            "compare",
            "baseline",
            "transformative",
            "--replicates",
            "3",
            "--steps",
            "60",
            "--set",
            "organisation.people=100",
            "--workers",
            "1",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "diff" in text and "Break-even" in text
    table = pq.read_table(tmp_path / "compare.parquet").to_pandas()
    assert set(table["scenario"]) == {"baseline", "transformative"}
    assert {"mean", "lo", "hi", "diff", "diff_lo", "diff_hi"} <= set(table.columns)
    csv = (tmp_path / "compare.csv").read_text()
    assert csv.startswith("scenario,outcome")
    meta = json.loads((tmp_path / "compare.json").read_text())
    assert len(meta["seeds"]) == 3


BAD = [
    ("syntax.toml", "[scenario]\nname = 'x'\ndescription = 'y'\n[power\ntransfer = 0.2\n", "TOML syntax error"),
    ("unknown.toml", "[scenario]\ndescription = 'y'\n[power]\ntransfr = 0.2\n", "Did you mean 'power.transfer'"),
    ("type.toml", "[scenario]\ndescription = 'y'\n[organisation]\npeople = 'many'\n", "organisation.people = 'many'"),
    ("range.toml", "[scenario]\ndescription = 'y'\n[power]\ntransfer = 1.5\n", "allowed is a number from 0 to 1"),
    (
        "combo.toml",
        "[scenario]\ndescription = 'y'\n[organisation]\npeople = 10\nteam_size = 20\n",
        "team_size = 20 is more than organisation.people = 10",
    ),
    ("nometa.toml", "[power]\ntransfer = 0.2\n", "missing the [scenario] table"),
    ("nodesc.toml", "[scenario]\nname = 'x'\n", "scenario.description"),
    (
        "timeline.toml",
        "[scenario]\ndescription = 'y'\n[[timeline]]\nstep = 3\nlever = 'power.transfer'\nvalue = 3\n",
        "timeline entry 1",
    ),
]


@pytest.mark.parametrize(("name", "text", "fragment"), BAD)
def test_bad_scenario_files(tmp_path, name, text, fragment):
    path = tmp_path / name
    path.write_text(text)
    r = cli("run", str(path), "--steps", "2", "--out", str(tmp_path / "o"))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert str(path) in lines[0] and fragment in lines[0]
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["run", "no_such_file.toml"], "no_such_file.toml: file not found"),
        (["run", "basline"], "Did you mean 'baseline'"),
        (["run", "baseline", "--set", "organisation.peple=10"], "Did you mean 'organisation.people'"),
        (["run", "baseline", "--set", "organisation.people"], "expected key.path=value"),
        (["run", "baseline", "--set", "organisation.people=-5"], "organisation.people = -5 is out of range"),
        (["run", "baseline", "--set", "organisation.people=3"], "organisation.people = 3 is out of range"),
        (["run", "baseline", "--set", "organisation.team_size=400"], "team_size = 400 is more than"),
        (["run", "baseline", "--steps", "0"], "allowed is a whole number, 1 or more"),
        (["run", "baseline", "--seed", "abc"], "'abc' is not a whole number"),
        (["compare", "baseline", "nope"], "nope: no such scenario"),
        (["compare", "--replicates", "0"], "1 or more"),
        (["sweep", "lever_gird"], "Did you mean 'lever_grid'"),
        (["sweep", "lever_grid", "--scheduler", "tcp://127.0.0.1:9"], "only used with --engine dask"),
        (["cards"], "required: {check,list}"),  # the choices, not an internal name (cards_command)
        (["assets"], "required: {install,check}"),
        # Not an address: refused as an argument (it was a traceback from deep in Dask).
        (["sweep", "lever_grid", "--engine", "dask", "--scheduler", "notanaddress"], "tcp://HOST:PORT"),
        (["sweep", "lever_grid", "--engine", "dask", "--scheduler", "http://127.0.0.1:8786"], "tcp://HOST:PORT"),
        (["sweep", "lever_grid", "--engine", "dask", "--scheduler", "tcp://127.0.0.1:99999"], "tcp://HOST:PORT"),
        (["analyze", "no_such_folder"], "no manifest.json here"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_arguments(args, fragment, tmp_path):
    r = cli(*args, "--out", str(tmp_path / "o")) if args[0] in ("run", "compare", "sweep") else cli(*args)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert fragment in r.stderr


def test_an_interrupted_set_of_files_leaves_the_old_set_whole(tmp_path):
    """A run's files are one set: stopped between two of them, the folder keeps the old run's (an
    interrupted run used to leave its new timeseries beside the old run.json)."""
    from coprod_sim import io

    with io.one_set():
        io.write_json({"run": 1}, tmp_path / "run.json")
        io.write_text("old table", tmp_path / "table.txt")
    with pytest.raises(KeyboardInterrupt), io.one_set():
        io.write_text("new table", tmp_path / "table.txt")
        assert (tmp_path / "table.txt").read_text() == "old table"  # not renamed before the set ends
        raise KeyboardInterrupt
    assert (tmp_path / "table.txt").read_text() == "old table"
    assert json.loads((tmp_path / "run.json").read_text()) == {"run": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.json", "table.txt"]  # no temporary file
    with io.one_set():
        io.write_text("new table", tmp_path / "table.txt")
        io.write_json({"run": 2}, tmp_path / "run.json")
    assert (tmp_path / "table.txt").read_text() == "new table"
    assert json.loads((tmp_path / "run.json").read_text()) == {"run": 2}


def test_interrupted_write_leaves_old_file(tmp_path, monkeypatch):
    from coprod_sim import io

    target = tmp_path / "x.json"
    io.write_json({"a": 1}, target)

    def boom(tmp):
        tmp.write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        io.atomic_write(target, boom)
    assert json.loads(target.read_text()) == {"a": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.json"]


def test_compare_refuses_scenarios_of_different_lengths_before_any_run(tmp_path, capsys):
    """Totals over 20 weeks against totals over 40 compare nothing (it used to end in a traceback,
    or, with --uncertainty full, in verdicts on mismatched totals)."""
    for w in (20, 40):
        text = f'[scenario]\nname = "s{w}"\ndescription = "d"\n[simulation]\nsteps = {w}\n'
        (tmp_path / f"s{w}.toml").write_text(text)
    files = [str(tmp_path / "s20.toml"), str(tmp_path / "s40.toml")]
    small = ["--set", "organisation.people=100", "--out", str(tmp_path / "out")]
    for mode in ([], ["--uncertainty", "full", "--draws", "2"]):
        assert main(["compare", *files, *mode, *small]) == 2
        err = capsys.readouterr().err
        assert "s20: simulation.steps = 20; s40: simulation.steps = 40" in err and "--steps" in err
        assert "Traceback" not in err
    assert main(["compare", *files, "--steps", "13", "--replicates", "2", *small]) == 0  # one horizon for all


def _group_gone(pgid: int, wait: float) -> bool:
    """Whether every process of the group has ended within ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def test_sigterm_stops_a_sweep_as_ctrl_c_does_leaving_no_worker_or_temporary_file(tmp_path):
    """SIGTERM (a job scheduler's stop, a closed terminal's SIGHUP) used to exit at once and leave the
    workers, the forkserver and a half-written .tmp file behind; now it is handled as Ctrl-C."""
    exp = tmp_path / "long.toml"
    exp.write_text(
        '[experiment]\nname = "long"\ndescription = "d"\nscenario = "baseline"\nreplicates = 2\nsteps = 4000\n'
        '[[parameters]]\npath = "power.transfer"\nvalues = [0.0, 0.5]\n'
    )
    out = tmp_path / "sweep"
    args = ["sweep", str(exp), "--out", str(out), "--workers", "2", "--chunk-size", "1"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "coprod_sim.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: every worker it starts is in it
    )
    try:
        deadline = time.monotonic() + 120
        while not (out / "manifest.json").exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2.0)  # the workers are running
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 128 + signal.SIGTERM, err
        assert "interrupted" in err and "Traceback" not in err
        assert _group_gone(proc.pid, 30), "a worker outlived the sweep"
        assert not [p.name for p in out.rglob("*.tmp")]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def test_set_on_a_lever_the_timeline_changes_is_noted(tmp_path, capsys):
    """--set power.transfer=0 on accessibility_first changed nothing visible (the default is 0 and its
    timeline ramps it from week 52): the note says the timeline takes over there."""
    small = ["--steps", "13", "--set", "organisation.people=100", "--out", str(tmp_path / "o")]
    assert main(["run", "accessibility_first", "--set", "power.transfer=0.1", *small]) == 0
    err = capsys.readouterr().err
    assert "--set power.transfer holds in accessibility_first until week 52" in err
    assert main(["run", "accessibility_first", "--set", "accessibility.time=0.5", *small]) == 0
    assert "note:" not in capsys.readouterr().err  # a lever its timeline leaves alone
