"""A sweep folder is verified before it is resumed or analysed (issue 12).

The manifest's schema, then every file in ``runs/``: one of the sweep's chunks, holding the runs
its number stands for, with the bytes recorded when it was written. Anything else is one line
naming the file (exit status 2), and nothing is merged silently. ``--resume`` runs again the
chunks not recorded yet and those with a failed run.
"""

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from coprod_sim.cli import main
from coprod_sim.config import ConfigError
from coprod_sim.io import write_json, write_parquet
from coprod_sim.sweep.design import load_experiment
from coprod_sim.sweep.runner import load_results, read_manifest, sweep

TINY = """
[experiment]
name = "{name}"
description = "A tiny grid for the folder checks"
scenario = "baseline"
replicates = 2
steps = 5
seed = 3

[design]
method = "grid"

[[parameters]]
path = "organisation.people"
values = [30, 40]

[[parameters]]
path = "{factor}"
values = [0.0, 0.4]
"""


def write_tiny(folder: Path, name: str = "tiny", factor: str = "power.transfer") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(TINY.format(name=name, factor=factor))
    return path


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, Path]:
    """A finished sweep (8 runs in 4 chunks of 2) and its experiment file; tests work on copies."""
    root = tmp_path_factory.mktemp("finished")
    spec = write_tiny(root)
    sweep(load_experiment(spec), root / "sweep", chunk_size=2)
    return spec, root / "sweep"


@pytest.fixture
def folder(finished, tmp_path) -> Path:
    return Path(shutil.copytree(finished[1], tmp_path / "sweep"))


def cli(capsys, *args: object) -> tuple[int, str]:
    """Run the command in this process; return its status and what it wrote to stderr."""
    code = main([str(a) for a in args])
    return code, capsys.readouterr().err


def resume(capsys, spec: Path, out: Path) -> tuple[int, str]:
    return cli(capsys, "sweep", spec, "--out", out, "--resume", "--workers", "1")


def one_line_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2, err
    lines = [line for line in err.splitlines() if not line.startswith("coprod-sim: warning:")]
    assert len(lines) == 1 and lines[0].startswith("coprod-sim: error: "), err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def edit_manifest(out: Path, change) -> None:
    m = json.loads((out / "manifest.json").read_text())
    change(m)
    write_json(m, out / "manifest.json")


def test_the_manifest_records_every_chunk_it_holds(finished):
    _, out = finished
    m = read_manifest(out)
    assert m["status"] == "complete" and m["n_chunks"] == 4 and m["failed"] == []
    assert [r["index"] for r in m["chunks"]] == [0, 1, 2, 3]
    for r in m["chunks"]:
        data = (out / "runs" / r["file"]).read_bytes()
        assert r["sha256"] == hashlib.sha256(data).hexdigest() and r["bytes"] == len(data)
        df = pd.read_parquet(out / "runs" / r["file"])
        assert r["runs"] == len(df) == 2 and r["failed"] == 0
        assert r["first"] == df[["point", "replicate"]].iloc[0].tolist()
        assert r["last"] == df[["point", "replicate"]].iloc[-1].tolist()


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"hello {", "it is not valid JSON (damaged or cut short"),
        (None, "it is not valid JSON (damaged or cut short"),  # the real manifest cut in half
        (b"", "it is empty"),
        (b"\x89PNG\r\n\x1a\n\xff\xfe\x00\xc3\x28" * 20, "it is binary data"),
        (b"[]", "its content is a list, expected an object with the keys experiment, seeds"),
        (b'{"experiment": {}}', "its content lacks seeds, chunk_size"),
        (b"null", "its content is null"),
    ],
)
def test_a_damaged_manifest_is_one_line_naming_it(capsys, finished, folder, content, says):
    path = folder / "manifest.json"
    path.write_bytes(path.read_bytes()[:300] if content is None else content)
    for args in (("sweep", finished[0], "--out", folder, "--resume", "--workers", "1"), ("analyze", folder)):
        code, err = cli(capsys, *args)
        one_line_error(code, err, f"{path}: not a coprod-sim sweep manifest: {says}", "new --out folder")


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda m: m.update(seeds="7"), "its content: seeds is a string, expected a list"),
        (lambda m: m.update(n_chunks=True), "its content: n_chunks is true or false, expected a whole number"),
        (lambda m: m.update(n_runs=9), "n_runs = 9 is not the 4 design points times the 2 seeds"),
        (lambda m: m["chunks"][1].update(first=[0, 0]), "chunks[1] does not record the runs that chunk 1 holds"),
        (lambda m: m["chunks"].append(m["chunks"][0]), "chunks[4] records chunk 0, which is not a chunk"),
        (lambda m: m["chunks"][2].pop("sha256"), "chunks[2] lacks sha256"),
    ],
)
def test_a_manifest_with_wrong_keys_is_refused(folder, change, says):
    edit_manifest(folder, change)
    with pytest.raises(ConfigError, match="not a coprod-sim sweep manifest") as info:
        load_results(folder)
    assert says in str(info.value) and "\n" not in str(info.value)


def test_a_chunk_copied_over_another_is_refused(capsys, finished, folder):
    runs = folder / "runs"
    shutil.copy(runs / "part-000000.parquet", runs / "part-000001.parquet")
    says = (
        f"{runs / 'part-000001.parquet'}: holds (point 0, replicate 0) to (point 0, replicate 1) (2 runs), "
        "but chunk 1 of this sweep holds (point 1, replicate 0) to (point 1, replicate 1) (2 runs)"
    )
    one_line_error(*resume(capsys, finished[0], folder), says, "delete it and run the sweep again with --resume")
    one_line_error(*cli(capsys, "analyze", folder), says)
    # As the message says: delete it and resume; the chunk is computed again.
    (runs / "part-000001.parquet").unlink()
    assert resume(capsys, finished[0], folder)[0] == 0
    assert_frame_equal(load_results(folder), load_results(finished[1]))


@pytest.mark.parametrize(
    ("tamper", "says"),
    [
        (lambda df: df.iloc[[0, 0]], "holds run (point 1, replicate 0) more than once"),
        (
            lambda df: df.iloc[[0]],
            "holds (point 1, replicate 0), but chunk 1 of this sweep holds (point 1, replicate 0) to",
        ),
        (lambda df: df.assign(seed=df["seed"] + 1), "holds this chunk's runs but with other seeds"),
        (lambda df: df.assign(**{"power.transfer": 0.2}), "holds this chunk's runs but with other parameter values"),
        (lambda df: df.drop(columns="seed"), "has no column seed, so it is not a chunk of this sweep"),
    ],
)
def test_a_chunk_holding_other_runs_is_refused(folder, tamper, says):
    part = folder / "runs" / "part-000001.parquet"
    write_parquet(tamper(pd.read_parquet(part)), part)
    with pytest.raises(ConfigError) as info:
        load_results(folder)
    assert str(info.value).startswith(f"{part}: {says}"), str(info.value)


def test_a_chunk_with_the_right_runs_but_other_bytes_is_refused(folder):
    part = folder / "runs" / "part-000002.parquet"
    df = pd.read_parquet(part)
    df.loc[0, "fit_mean"] += 0.125  # same runs, one result changed
    write_parquet(df, part)
    with pytest.raises(ConfigError) as info:
        load_results(folder)
    assert str(info.value).startswith(f"{part}: its bytes are not those recorded in {folder / 'manifest.json'}")


@pytest.mark.parametrize("name", ["part-000009.parquet", "part-000004.parquet", "part-1.parquet", "notes.parquet"])
def test_a_file_that_is_not_one_of_the_chunks_is_refused(capsys, finished, folder, name):
    extra = folder / "runs" / name
    shutil.copy(folder / "runs" / "part-000000.parquet", extra)
    says = "is not one of them" if name.startswith("part-0") else "not a chunk file of this sweep"
    one_line_error(*resume(capsys, finished[0], folder), f"{extra}: ", says)
    one_line_error(*cli(capsys, "analyze", folder), f"{extra}: ", says)


def test_another_experiments_chunks_are_refused(capsys, finished, folder, tmp_path):
    other_spec = write_tiny(tmp_path, "other", factor="accessibility.information")
    other = sweep(load_experiment(other_spec), tmp_path / "other", chunk_size=2).out
    # Its chunks alone in a folder: a new sweep there, or analysing it, stops.
    alone = tmp_path / "alone"
    shutil.copytree(other / "runs", alone / "runs")
    code, err = cli(capsys, "sweep", finished[0], "--out", alone, "--workers", "1")
    one_line_error(code, err, f"{alone / 'runs'}: holds files but {alone} has no manifest.json", "choose another --out")
    with pytest.raises(ConfigError, match=r"has chunk files but no manifest\.json"):
        load_results(alone)
    # One of its chunks over one of ours.
    shutil.copy(other / "runs" / "part-000003.parquet", folder / "runs" / "part-000003.parquet")
    says = (
        f"{folder / 'runs' / 'part-000003.parquet'}: has no column power.transfer, so it is not a chunk of this sweep"
    )
    one_line_error(*resume(capsys, finished[0], folder), says)
    one_line_error(*cli(capsys, "analyze", folder), says)


def test_a_chunk_written_but_not_recorded_is_left_out_then_run_again(capsys, finished, folder):
    # A kill between a chunk's rename and the manifest's update leaves this.
    edit_manifest(folder, lambda m: (m.update(status="running"), m.pop("failed"), m["chunks"].pop(2)))
    df = load_results(folder)
    assert "left out part-000002.parquet, not recorded in manifest.json" in capsys.readouterr().err
    assert sorted(df["point"].unique()) == [0, 1, 3] and len(df) == 6
    # Not vouched for by the manifest, it must still hold its own runs when the folder is read...
    runs = folder / "runs"
    shutil.copy(runs / "part-000000.parquet", runs / "part-000002.parquet")
    with pytest.raises(ConfigError, match=r"part-000002\.parquet: holds \(point 0, replicate 0\)"):
        load_results(folder)
    # ...and a resume computes it again, whatever it holds.
    assert sweep(load_experiment(finished[0]), folder, resume=True).chunks_run == 1
    assert read_manifest(folder)["chunks"] == read_manifest(finished[1])["chunks"]
    assert_frame_equal(load_results(folder), load_results(finished[1]))


def test_a_recorded_chunk_that_is_gone_is_refused_when_read_and_run_again_on_resume(capsys, finished, folder):
    part = folder / "runs" / "part-000001.parquet"
    part.unlink()
    with pytest.raises(ConfigError, match=r"part-000001\.parquet: missing, though .* records it as finished"):
        load_results(folder)
    exp = load_experiment(finished[0])
    report = sweep(exp, folder, resume=True)
    assert report.chunks_run == 1 and part.read_bytes() == (finished[1] / "runs" / part.name).read_bytes()


def test_analyze_refuses_a_tampered_folder_with_status_2(finished, folder):
    shutil.copy(folder / "runs" / "part-000003.parquet", folder / "runs" / "part-000000.parquet")
    r = subprocess.run([sys.executable, "-m", "coprod_sim.cli", "analyze", str(folder)], capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.startswith(f"coprod-sim: error: {folder / 'runs' / 'part-000000.parquet'}: holds (point 3")
    assert len(r.stderr.splitlines()) == 1


def test_resume_runs_failed_runs_again(finished, tmp_path, monkeypatch):
    import coprod_sim.sweep.runner as runner

    real = runner.simulate_summary

    def flaky(config, seed, steps):
        if config.organisation.people == 40 and config.power.transfer == 0.0:  # design point 2
            raise RuntimeError("a passing fault")
        return real(config, seed, steps)

    exp = load_experiment(finished[0])
    monkeypatch.setattr(runner, "simulate_summary", flaky)
    first = sweep(exp, tmp_path / "f", chunk_size=2)
    assert [(f["point"], f["replicate"]) for f in first.failed] == [(2, 0), (2, 1)]
    assert [r["failed"] for r in read_manifest(tmp_path / "f")["chunks"]] == [0, 0, 2, 0]
    monkeypatch.setattr(runner, "simulate_summary", real)
    again = sweep(exp, tmp_path / "f", resume=True)
    assert again.chunks_run == 1 and again.failed == []
    m = read_manifest(tmp_path / "f")
    assert m["failed"] == [] and m["chunks"] == read_manifest(finished[1])["chunks"]
    assert_frame_equal(load_results(tmp_path / "f"), load_results(finished[1]))


def test_an_interrupted_sweep_keeps_the_chunks_it_finished(finished, tmp_path):
    exp = load_experiment(finished[0])

    def stop(done, failed):
        if done == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sweep(exp, tmp_path / "i", chunk_size=2, progress=stop)
    m = read_manifest(tmp_path / "i")
    assert m["status"] == "running" and [r["index"] for r in m["chunks"]] == [0, 1]
    assert sweep(exp, tmp_path / "i", resume=True).chunks_run == 2
    for part in sorted((finished[1] / "runs").glob("part-*.parquet")):
        assert part.read_bytes() == (tmp_path / "i" / "runs" / part.name).read_bytes()


def test_a_folder_from_before_checksums_is_checked_for_its_runs_and_recorded_on_resume(capsys, finished, folder):
    edit_manifest(folder, lambda m: m.pop("chunks"))
    assert_frame_equal(load_results(folder), load_results(finished[1]))
    assert "written before chunk checksums were kept" in capsys.readouterr().err
    shutil.copy(folder / "runs" / "part-000000.parquet", folder / "runs" / "part-000002.parquet")
    with pytest.raises(ConfigError, match=r"part-000002\.parquet: holds \(point 0, replicate 0\)"):
        load_results(folder)
    (folder / "runs" / "part-000002.parquet").unlink()
    code, err = resume(capsys, finished[0], folder)
    assert code == 0 and "they are recorded now" in err
    assert read_manifest(folder)["chunks"] == read_manifest(finished[1])["chunks"]


def test_a_time_series_chunk_must_hold_every_week_of_its_runs(tmp_path):
    spec = write_tiny(tmp_path)
    spec.write_text(spec.read_text().replace("seed = 3", 'seed = 3\nkeep = "timeseries"'))
    out = sweep(load_experiment(spec), tmp_path / "ts", chunk_size=2).out
    assert len(load_results(out)) == 8 * 6  # weeks 0 to 5 of 8 runs
    part = out / "runs" / "part-000001.parquet"
    df = pd.read_parquet(part)
    write_parquet(df.drop(index=3), part)
    with pytest.raises(
        ConfigError, match=r"part-000001\.parquet: holds run \(point 1, replicate 0\) with weeks missing"
    ):
        load_results(out)


def test_validate_and_calibrate_resume_through_the_same_checks(finished, folder):
    from coprod_sim.validation.patterns import run_experiment  # what validate and calibrate sweep with

    exp = load_experiment(finished[0])
    shutil.copy(folder / "runs" / "part-000002.parquet", folder / "runs" / "part-000003.parquet")
    with pytest.raises(ConfigError, match=r"part-000003\.parquet: holds \(point 2, replicate 0\)"):
        run_experiment(exp, folder, resume=True)
    (folder / "runs" / "part-000003.parquet").unlink()
    assert_frame_equal(run_experiment(exp, folder, resume=True), load_results(finished[1]))
