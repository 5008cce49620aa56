"""Experiment files, samplers, and sweeps that lose nothing: determinism, resume after SIGKILL."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from coprod_sim import CoProdModel
from coprod_sim.config import ConfigError
from coprod_sim.sweep.design import load_experiment
from coprod_sim.sweep.runner import load_results, local_executor, read_manifest, run_chunk, sweep

SMALL = """
[experiment]
name = "small"
description = "A small grid for tests"
scenario = "baseline"
replicates = 2
steps = 15
seed = 3

[design]
method = "{method}"
{samples}

[[parameters]]
path = "organisation.people"
{people}

[[parameters]]
path = "power.transfer"
{power}
"""


def write_exp(tmp_path: Path, method="grid", people="values = [40, 60]", power="values = [0.0, 0.4]") -> Path:
    p = tmp_path / f"exp_{method}.toml"
    samples = "" if method == "grid" else "samples = 4"
    p.write_text(SMALL.format(samples=samples, method=method, people=people, power=power))
    return p


def test_grid_points_cross_all_values(tmp_path):
    exp = load_experiment(write_exp(tmp_path))
    pts = exp.points()
    assert len(pts) == 4 and list(pts.columns) == ["point", "organisation.people", "power.transfer"]
    assert set(map(tuple, pts[["organisation.people", "power.transfer"]].to_numpy())) == {
        (40, 0.0),
        (40, 0.4),
        (60, 0.0),
        (60, 0.4),
    }
    assert exp.seeds() == load_experiment(write_exp(tmp_path)).seeds() and len(exp.seeds()) == 2


@pytest.mark.parametrize(("method", "size"), [("lhs", 4), ("sobol", 4 * (2 + 2)), ("morris", 4 * (2 + 1))])
def test_sampled_designs_stay_in_range_and_are_reproducible(tmp_path, method, size):
    path = write_exp(tmp_path, method, people="low = 40\nhigh = 80", power="low = 0.0\nhigh = 0.5")
    pts = load_experiment(path).points()
    assert len(pts) == size
    assert pts["organisation.people"].between(40, 80).all() and pts["power.transfer"].between(0, 0.5).all()
    assert pts["organisation.people"].dtype == np.int64
    assert_frame_equal(pts, load_experiment(path).points())


@pytest.mark.parametrize(
    ("kw", "fragment"),
    [
        ({"power": "values = [0.0, 1.5]"}, "power.transfer = 1.5 is out of range"),
        ({"method": "lhs", "people": "low = 40\nhigh = 80", "power": "low = 0.0"}, "needs low and high"),
        ({"method": "lhs", "people": "low = 40\nhigh = 80", "power": "low = 0.5\nhigh = 0.1"}, "must be below"),
        ({"people": "values = [3]"}, "organisation.people = 3 is out of range"),
        ({"method": "factorial"}, "design.method = 'factorial'"),
    ],
)
def test_bad_experiments_get_one_clear_message(tmp_path, kw, fragment):
    with pytest.raises(ConfigError) as info:
        load_experiment(write_exp(tmp_path, **kw))
    assert fragment in str(info.value) and "exp_" in str(info.value)


@pytest.mark.parametrize(
    ("method", "key", "used_by"),
    [
        ("grid", "samples = 8", "lhs and sobol and morris"),
        ("sobol", "levels = 4", "morris"),
        ("lhs", "second_order = true", "sobol"),
    ],
)
def test_a_design_key_the_method_ignores_is_an_error(tmp_path, method, key, used_by):
    p = tmp_path / "unused.toml"
    p.write_text(SMALL.format(samples=key, method=method, people="low = 40\nhigh = 80", power="low = 0.0\nhigh = 0.4"))
    name = key.split(" ")[0]
    with pytest.raises(ConfigError, match=rf"design\.{name} is not used by method = '{method}' \(only by {used_by}\)"):
        load_experiment(p)


def test_unknown_path_and_impossible_points(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text(
        SMALL.format(samples="", method="grid", people="values = [40]", power="values = [0.1]").replace(
            'path = "power.transfer"', 'path = "power.transfr"'
        )
    )
    with pytest.raises(ConfigError, match=r"Did you mean 'power\.transfer'"):
        load_experiment(p)
    p.write_text(SMALL.format(samples="", method="grid", people="values = [10]", power="values = [0.1]"))
    with pytest.raises(ConfigError, match=r"design point 0: .*team_size = 12 is more than organisation\.people = 10"):
        load_experiment(p)


def test_shipped_experiments_load():
    sizes = {"lever_grid": 27, "peer_support_demo": 6, "sobol_levers": 256 * (6 + 2), "morris_screening": 20 * 9}
    for name, n in sizes.items():
        assert len(load_experiment(name).points()) == n, name


def test_results_do_not_depend_on_workers_or_chunking(tmp_path):
    exp = load_experiment(write_exp(tmp_path))
    one = sweep(exp, tmp_path / "one")
    with local_executor(2) as pool:
        two = sweep(exp, tmp_path / "two", executor=pool)
    assert one.runs == two.runs == 8 and not one.failed
    a, b = load_results(tmp_path / "one"), load_results(tmp_path / "two")
    assert_frame_equal(a, b)
    for part in sorted((tmp_path / "one" / "runs").glob("part-*.parquet")):
        assert part.read_bytes() == (tmp_path / "two" / "runs" / part.name).read_bytes()
    # The manifest records the same chunks (runs, sizes, checksums) whatever the order they finished in.
    assert read_manifest(tmp_path / "one")["chunks"] == read_manifest(tmp_path / "two")["chunks"]
    assert_frame_equal(load_results(sweep(exp, tmp_path / "small_chunks", chunk_size=3).out), a)
    assert len(a) == 8 and not a.duplicated(["point", "replicate"]).any()
    assert a["organisation.people"].dtype == np.int64  # integer factors stay integers
    # Common random numbers: every point uses the same replicate seeds.
    assert a.groupby("point")["seed"].apply(tuple).nunique() == 1


def test_resume_keeps_the_chunk_size_it_started_with(tmp_path):
    exp = load_experiment(write_exp(tmp_path))
    out = tmp_path / "chunks"
    sweep(exp, out, chunk_size=3)
    (out / "runs" / "part-000001.parquet").unlink()
    with pytest.raises(ConfigError, match=r"--chunk-size 4: .* was started in chunks of 3 runs"):
        sweep(exp, out, resume=True, chunk_size=4)
    report = sweep(exp, out, resume=True)  # no size given: the sweep's own
    assert report.chunks == 3 and report.chunks_run == 1
    assert_frame_equal(load_results(out), load_results(sweep(exp, tmp_path / "whole").out))


def test_resume_runs_only_what_is_missing(tmp_path):
    exp = load_experiment(write_exp(tmp_path))
    full = load_results(sweep(exp, tmp_path / "full").out)
    out = tmp_path / "part"
    sweep(exp, out, chunk_size=2)
    parts = sorted((out / "runs").glob("part-*.parquet"))
    parts[1].unlink()
    (out / "runs" / ".part-000003.parquet.x.tmp").write_text("half")  # a write cut off before its rename
    with pytest.raises(ConfigError, match="add --resume"):
        sweep(exp, out, chunk_size=2)
    report = sweep(exp, out, chunk_size=2, resume=True)
    assert report.chunks_run == 1
    assert_frame_equal(load_results(out), full)
    assert not list((out / "runs").glob(".*tmp"))


def test_sigkill_then_resume_loses_and_duplicates_nothing(tmp_path):
    text = SMALL.format(samples="", method="grid", people="values = [40, 60, 80]", power="values = [0.0, 0.2, 0.4]")
    path = tmp_path / "kill.toml"
    path.write_text(text.replace("steps = 15", "steps = 200"))
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "coprod_sim.cli", "sweep", str(path), "--out", str(out), "--workers", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / "runs").glob("part-*.parquet"))) < 1:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    written = len(list((out / "runs").glob("part-*.parquet")))
    assert 1 <= written < 3  # killed part-way (3 chunks of 8, 8, 2 runs)
    # Killed at any moment, the folder is consistent: every chunk recorded is there, unchanged.
    recorded = {r["file"] for r in read_manifest(out)["chunks"]}
    assert recorded <= {p.name for p in (out / "runs").glob("part-*.parquet")}
    assert len(load_results(out)) == 8 * len(recorded)
    r = subprocess.run([*cmd, "--resume"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    resumed = load_results(out)
    clean = load_results(sweep(load_experiment(path), tmp_path / "clean").out)
    assert_frame_equal(resumed, clean)
    assert len(resumed) == 18 and not resumed.duplicated(["point", "replicate"]).any()


def test_a_failing_run_is_recorded_and_the_rest_go_on():
    from coprod_sim.config import Config

    def flaky(config, seed, steps):
        if seed == 2:
            raise RuntimeError("boom")
        from coprod_sim.run import simulate

        return simulate(config, seed, steps)

    cfg = Config().with_overrides({"organisation.people": 30})
    runs = [(0, 0, 1, cfg, {"power.transfer": 0.0}), (0, 1, 2, cfg, {"power.transfer": 0.0})]
    df = run_chunk((0, runs, 5, "summary"), simulate_fn=flaky)
    assert df["status"].tolist() == ["ok", "error"]
    assert df["error"].iloc[1] == "RuntimeError: boom" and df["power.transfer"].iloc[1] == 0.0
    assert np.isnan(df["fit_mean"].iloc[1]) and np.isfinite(df["fit_mean"].iloc[0])


def test_timeseries_can_be_kept(tmp_path):
    path = write_exp(tmp_path)
    path.write_text(path.read_text().replace("seed = 3", 'seed = 3\nkeep = "timeseries"'))
    df = load_results(sweep(load_experiment(path), tmp_path / "ts").out)
    assert len(df) == 8 * 16 and df["step"].max() == 15
    assert set(df["level"]) <= {"none", "consultation", "compliance", "intermediate", "transformative"}


def test_model_runs_under_mesa_batch_run():
    res = mesa.batch_run(
        CoProdModel,
        parameters={"power_transfer": [0.0, 0.4], "seed": [1, 2], "organisation_people": 200},
        iterations=1,
        max_steps=20,
        number_processes=1,
        data_collection_period=1,
        display_progress=False,
    )
    df = pd.DataFrame(res)
    assert len(df) == 4 * 21 and df["Step"].max() == 20
    infl = df.groupby("power_transfer")["influence_share"].mean()  # NaN weeks (nobody took part) skipped
    assert infl[0.4] >= 0.4 > infl[0.0]


def test_dask_engine_gives_the_same_results(tmp_path):
    from coprod_sim.sweep.runner import DaskEngine

    exp = load_experiment(write_exp(tmp_path))
    local = load_results(sweep(exp, tmp_path / "local").out)
    with DaskEngine(workers=2) as engine:
        report = sweep(exp, tmp_path / "dask", executor=engine.executor, workers=engine.workers)
    assert report.runs == 8 and not report.failed
    assert_frame_equal(load_results(tmp_path / "dask"), local)
    for part in sorted((tmp_path / "local" / "runs").glob("part-*.parquet")):
        assert part.read_bytes() == (tmp_path / "dask" / "runs" / part.name).read_bytes()
    assert read_manifest(tmp_path / "dask")["chunks"] == read_manifest(tmp_path / "local")["chunks"]


def test_dask_workers_with_another_version_are_refused(monkeypatch):
    import coprod_sim.sweep.runner as runner

    # This process claims another version than the one the LocalCluster's workers import.
    monkeypatch.setattr(runner, "__version__", "0.0.0+other")
    with pytest.raises(ConfigError, match=r"workers must run coprod-sim 0\.0\.0\+other, as this machine does: tcp://"):
        runner.DaskEngine(workers=1)


def test_unreachable_scheduler_is_a_clear_error(tmp_path):
    path = write_exp(tmp_path)
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "coprod_sim.cli",
            "sweep",
            str(path),
            "--out",
            str(tmp_path / "o"),
            "--engine",
            "dask",
            "--scheduler",
            "tcp://127.0.0.1:9",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "cannot reach a Dask scheduler" in r.stderr


def test_failed_runs_are_reported_in_the_manifest(tmp_path, monkeypatch):
    import json

    import coprod_sim.sweep.runner as runner

    real = runner.simulate_summary  # what a summary sweep calls for each run

    def flaky(config, seed, steps):
        if config.power.transfer > 0.3 and config.organisation.people == 60:
            raise ValueError("cannot run this point")
        return real(config, seed, steps)

    monkeypatch.setattr(runner, "simulate_summary", flaky)
    exp = load_experiment(write_exp(tmp_path))
    report = sweep(exp, tmp_path / "f", chunk_size=3)
    assert len(report.failed) == 2  # one point x two replicates; the other six runs went on
    assert {f["replicate"] for f in report.failed} == {0, 1}
    assert all(f["power.transfer"] == 0.4 and f["organisation.people"] == 60 for f in report.failed)
    manifest = json.loads((tmp_path / "f" / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["failed"] == report.failed
    df = load_results(tmp_path / "f")
    assert (df["status"] == "ok").sum() == 6


def test_dask_retries_the_runs_of_a_lost_worker(tmp_path):
    import threading

    from coprod_sim.sweep.runner import DaskEngine

    text = SMALL.format(samples="", method="grid", people="values = [40, 60, 80]", power="values = [0.0, 0.2, 0.4]")
    path = tmp_path / "lost.toml"
    path.write_text(text.replace("steps = 15", "steps = 120"))
    exp = load_experiment(path)
    clean = load_results(sweep(exp, tmp_path / "clean", chunk_size=2).out)
    with DaskEngine(workers=2) as engine:
        box = {}
        worker = threading.Thread(
            target=lambda: box.update(r=sweep(exp, tmp_path / "lost", executor=engine.executor, chunk_size=2))
        )
        worker.start()
        deadline = time.time() + 60
        while time.time() < deadline and not list((tmp_path / "lost" / "runs").glob("part-*.parquet")):
            time.sleep(0.02)
        victim = sorted(engine.client.scheduler_info()["workers"])[0]
        # The worker process dies at once, mid-task (the call is lost with it); its nanny starts
        # a fresh one.
        with contextlib.suppress(Exception):
            engine.client.run(os._exit, 1, workers=[victim])
        worker.join(timeout=180)
        assert victim not in engine.client.scheduler_info()["workers"]  # it really was lost
    assert not worker.is_alive() and box["r"].runs == 18 and not box["r"].failed
    assert_frame_equal(load_results(tmp_path / "lost"), clean)


@pytest.mark.parametrize(
    ("ref", "fragment"),
    [("basline", "Did you mean 'baseline'?"), ("missing_plan.toml", "missing_plan.toml: file not found")],
)
def test_an_experiments_unknown_scenario_is_named_with_its_file_and_key(tmp_path, ref, fragment):
    path = write_exp(tmp_path)
    path.write_text(path.read_text().replace('scenario = "baseline"', f'scenario = "{ref}"'))
    with pytest.raises(ConfigError) as info:
        load_experiment(path)
    assert str(info.value).startswith(f"{path}: experiment.scenario = '{ref}': ") and fragment in str(info.value)


def test_resume_into_a_folder_without_a_sweep_says_it_starts_afresh(tmp_path, capsys):
    exp = load_experiment(write_exp(tmp_path))
    report = sweep(exp, tmp_path / "mistyped", resume=True)
    assert "no sweep here to resume (no manifest.json); starting it from the beginning" in capsys.readouterr().err
    assert report.chunks_run == report.chunks >= 1 and (report.out / "manifest.json").is_file()
