"""Running an experiment: chunks of runs on an executor, streamed to a Parquet dataset.

The runs of an experiment are numbered point by point, replicate by replicate, and cut into
chunks of a fixed size. Each finished chunk is written to ``DIR/runs/part-NNNNNN.parquet`` under a
temporary name and renamed, so a chunk file is either complete or absent. ``DIR/manifest.json``
records the design, the seeds, the package version and, at the end, each failed run. Resuming
runs exactly the chunks whose file is missing: nothing is lost or duplicated, however the sweep
was stopped. A chunk's content depends only on its runs, so results are identical whatever the
number of workers or the order in which chunks finish.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from coprod_sim import __version__
from coprod_sim.config import Config, ConfigError
from coprod_sim.io import write_json, write_parquet
from coprod_sim.outputs import OUTPUT_COLUMNS, summary_names
from coprod_sim.run import simulate, simulate_summary, summarise
from coprod_sim.sweep.design import Experiment

__all__ = ["SweepReport", "load_results", "run_chunk", "sweep"]


Task = tuple[int, list[tuple[int, int, int, Config, dict[str, Any]]], int, str]


@dataclass
class SweepReport:
    """What a sweep did: runs in all, run now, failed, and where the results are."""

    out: Path
    runs: int
    chunks: int
    chunks_run: int
    failed: list[dict[str, Any]]


def _fingerprint(info: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(info, sort_keys=True, default=str).encode()).hexdigest()[:16]


def run_chunk(task: Task, simulate_fn: Callable | None = None) -> pd.DataFrame:
    """Run the runs of one chunk; a run that raises becomes a row with its error.

    Rows: ``point, replicate, seed, status, error``, the factor values, then the summaries
    (``keep = "summary"``), one row per week with every output column (``"timeseries"``) or the
    validation probes of each run (``"patterns"``, ``coprod_sim.validation.probes``).
    """
    _index, runs, steps, keep = task
    frames = []
    for point, replicate, seed, config, params in runs:
        head = {"point": point, "replicate": replicate, "seed": seed}
        try:
            if keep == "patterns":
                from coprod_sim.validation.probes import simulate_probes

                probes = simulate_probes(config, seed, steps)
                frame = pd.DataFrame([{**head, "status": "ok", "error": "", **params, **probes}])
            elif keep == "summary":
                # Summaries straight from the collector's lists: no tables are built per run.
                summary = (
                    simulate_summary(config, seed, steps)
                    if simulate_fn is None
                    else summarise(simulate_fn(config, seed, steps).timeseries)
                )
                frame = pd.DataFrame([{**head, "status": "ok", "error": "", **params, **summary}])
            else:
                ts = (simulate_fn or simulate)(config, seed, steps).timeseries
                frame = ts.assign(**head, status="ok", error="", **params)
        except Exception as exc:  # recorded with its parameters; the sweep goes on
            frame = pd.DataFrame([{**head, "status": "error", "error": f"{type(exc).__name__}: {exc}", **params}])
        frames.append(frame)
    df = pd.concat(frames, ignore_index=True)
    lead = ["point", "replicate", "seed", "status", "error", *runs[0][4]]
    outputs = {"summary": list(summary_names()), "timeseries": ["step", *OUTPUT_COLUMNS], "patterns": _probe_names()}[
        keep
    ]
    for col in outputs:
        if col not in df:
            df[col] = np.nan
    if keep == "timeseries":
        df["step"] = df["step"].fillna(-1).astype(np.int64)
        df["level"] = df["level"].astype(object).where(df["level"].notna(), "")
    return df[lead + outputs].reset_index(drop=True)


def _probe_names() -> list[str]:
    from coprod_sim.validation.probes import PROBES

    return list(PROBES)


def _tasks(exp: Experiment, chunk_size: int) -> list[Task]:
    seeds = exp.seeds()
    runs = []
    for row in exp.records():
        config = exp.config_for(row)
        params = {f.path: row[f.path] for f in exp.factors}
        runs.extend((int(row["point"]), r, s, config, params) for r, s in enumerate(seeds))
    n_chunks = math.ceil(len(runs) / chunk_size)
    return [(i, runs[i * chunk_size : (i + 1) * chunk_size], exp.steps, exp.keep) for i in range(n_chunks)]


def _part(out: Path, index: int) -> Path:
    return out / "runs" / f"part-{index:06d}.parquet"


def _done(out: Path, n_chunks: int) -> set[int]:
    """Chunks with a complete file (a rename is atomic, so an existing name is complete)."""
    done = set()
    for i in range(n_chunks):
        p = _part(out, i)
        if p.exists():
            try:
                pq.read_metadata(p)
            except Exception:
                p.unlink()  # unreadable: run it again
                continue
            done.add(i)
    for tmp in (out / "runs").glob(".part-*.tmp"):
        tmp.unlink()  # a write interrupted before its rename
    return done


def sweep(
    exp: Experiment,
    out: Path,
    *,
    executor: Executor | None = None,
    resume: bool = False,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: Callable[[], int] | None = None,
) -> SweepReport:
    """Run ``exp`` into ``out``; with ``resume``, finish an interrupted sweep of the same experiment.

    Parameters
    ----------
    executor : concurrent.futures.Executor, optional
        Where chunks run (a process pool, or a Dask client's executor); ``None`` runs them here.
    resume : bool
        Finish the sweep already in ``out`` (it must be of the same experiment and version).
    chunk_size : int, optional
        Runs per chunk file; default the replicates, at least 8. A resumed sweep keeps the size
        it was started with. Results do not depend on it.
    progress : callable, optional
        Called with (runs finished, runs failed) after every chunk.
    workers : callable, optional
        How many workers there are now (asked again as chunks finish); default the pool's size.
    """
    out = Path(out)
    manifest = out / "manifest.json"
    old = json.loads(manifest.read_text()) if manifest.exists() else None
    chunk_size = _chunk_size(exp, out, old, resume, chunk_size)
    tasks = _tasks(exp, chunk_size)
    # The design points themselves are part of the identity: a resumed sweep must run the same
    # points (a sampler library upgrade could draw different ones from the same settings).
    info = {
        "experiment": exp.to_dict(),
        "seeds": exp.seeds(),
        "chunk_size": chunk_size,
        "package_version": __version__,
        "design_points": exp.records(),
    }
    fp = _fingerprint(info)
    _check_resumable(out, old, resume, fp)
    head = {
        **info,
        "fingerprint": fp,
        "n_runs": sum(len(t[1]) for t in tasks),
        "n_chunks": len(tasks),
        "design": exp.points().to_dict(orient="records"),
    }
    write_json({**head, "status": "running"}, manifest)
    (out / "runs").mkdir(parents=True, exist_ok=True)
    done = _done(out, len(tasks))
    todo = [t for t in tasks if t[0] not in done]
    finished = sum(len(tasks[i][1]) for i in done)
    # Failed runs are gathered chunk by chunk (only a few columns of earlier chunks are read),
    # so memory stays bounded however many runs the sweep has.
    cols = ["point", "replicate", "seed", "status", "error", *[f.path for f in exp.factors]]
    failed: list[dict[str, Any]] = []
    for i in sorted(done):
        failed += _failures(pq.read_table(_part(out, i), columns=cols).to_pandas())
    if workers is None:
        n = getattr(executor, "_max_workers", None) or 2  # a ProcessPoolExecutor's size

        def workers() -> int:
            return n

    for frame in _iter_results(todo, executor, workers):
        index = int(frame.attrs["chunk"])
        write_parquet(frame, _part(out, index))
        finished += len(tasks[index][1])
        failed += _failures(frame[cols])
        if progress:
            progress(finished, len(failed))
    failed.sort(key=lambda r: (r["point"], r["replicate"]))
    write_json({**head, "status": "complete", "failed": failed}, manifest)
    return SweepReport(out=out, runs=head["n_runs"], chunks=len(tasks), chunks_run=len(todo), failed=failed)


def _chunk_size(exp: Experiment, out: Path, old: dict[str, Any] | None, resume: bool, asked: int | None) -> int:
    """Return the runs per chunk file: a resumed sweep's own size, else ``asked``, else the replicates (at least 8)."""
    if resume and old is not None and isinstance(old.get("chunk_size"), int):
        if asked is not None and asked != old["chunk_size"]:
            raise ConfigError(
                f"--chunk-size {asked}: {out} was started in chunks of {old['chunk_size']} runs; "
                "resume it without --chunk-size (or with that size)"
            )
        asked = old["chunk_size"]
    return asked or max(exp.replicates, 8)


def _check_resumable(out: Path, old: dict[str, Any] | None, resume: bool, fp: str) -> None:
    """Refuse to write over another sweep, or to resume one of another experiment or version."""
    if old is not None:
        if not resume:
            raise ConfigError(
                f"{out}: already holds a sweep ({old.get('experiment', {}).get('name')}); add --resume "
                "to finish it, or choose another --out"
            )
        if old.get("fingerprint") != fp:
            raise ConfigError(
                f"{out}: holds a sweep of a different experiment or package version; it cannot be "
                "resumed with this one (choose another --out)"
            )
    elif resume and out.exists() and any(out.iterdir()):
        raise ConfigError(f"{out}: has no manifest.json, so there is no sweep here to resume")


def _failures(frame: pd.DataFrame) -> list[dict[str, Any]]:
    first = frame.drop_duplicates(["point", "replicate"])
    rows = first[first["status"] == "error"].drop(columns="status")
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()} for r in rows.to_dict("records")]


def _call(task: Task) -> pd.DataFrame:
    frame = run_chunk(task)
    frame.attrs["chunk"] = task[0]
    return frame


def _iter_results(todo: list[Task], executor: Executor | None, workers: Callable[[], int]) -> Iterator[pd.DataFrame]:
    """Chunk results as they finish, with about two per worker in flight (bounded memory).

    ``workers`` is asked again whenever there is room, so a cluster that grows (SLURM jobs
    starting late) gets more chunks.
    """
    if executor is None:
        for task in todo:
            yield _call(task)
        return
    pending: set[Future] = set()
    queue = iter(todo)
    exhausted = False

    def refill() -> None:
        nonlocal exhausted
        while not exhausted and len(pending) < 2 * max(workers(), 1):
            task = next(queue, None)
            if task is None:
                exhausted = True
                return
            pending.add(executor.submit(_call, task))

    refill()
    while pending:
        finished, pending = wait(pending, return_when=FIRST_COMPLETED)
        for fut in finished:
            yield fut.result()
        refill()


def load_results(out: Path) -> pd.DataFrame:
    """All finished runs of a sweep folder, in run order (point, then replicate)."""
    parts = sorted((Path(out) / "runs").glob("part-*.parquet"))
    if not parts:
        return pd.DataFrame()
    df = pd.concat([pq.read_table(p).to_pandas() for p in parts], ignore_index=True)
    keys = ["point", "replicate"] + (["step"] if "step" in df else [])
    return df.sort_values(keys, kind="stable").reset_index(drop=True)


class DaskEngine:
    """A Dask cluster behind the ``concurrent.futures`` interface the sweep uses.

    With an ``address`` it connects to an existing scheduler (``dask scheduler`` on another
    machine, a Kubernetes or SLURM cluster through dask-jobqueue); without one it starts a
    ``LocalCluster`` of ``workers`` single-threaded processes on this machine. Dask re-runs the
    tasks of a worker that is lost (``distributed.scheduler.allowed-failures``); results do not
    depend on where or in which order chunks run.
    """

    def __init__(self, address: str | None = None, workers: int = 2) -> None:
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - distributed is a dependency
            raise ConfigError("--engine dask needs the 'distributed' package: pip install distributed") from None
        self._cluster = None
        # The client's event loop ticks less often too; nannies pass the configuration on to the
        # workers they start (a cluster started elsewhere keeps its own: docs/experiments.md).
        with dask.config.set(DASK_WORKER_CONFIG):
            try:
                if address:
                    self.client = Client(address, timeout="10s")
                else:
                    self._cluster = LocalCluster(
                        n_workers=workers,
                        threads_per_worker=1,
                        processes=True,
                        host="127.0.0.1",
                        dashboard_address=None,
                        preload=[WORKER_PRELOAD],
                    )
                    self.client = Client(self._cluster)
            except OSError as exc:
                raise ConfigError(f"--scheduler {address}: cannot reach a Dask scheduler there ({exc})") from None
        try:
            self._check_versions(address or "the local cluster")
        except ConfigError:
            self.close()
            raise
        self.executor = self.client.get_executor()

    def _check_versions(self, where: str) -> None:
        """Refuse workers that cannot import coprod-sim or have another version (results would differ)."""
        try:
            versions = self.client.run(_worker_version)
        except Exception as exc:  # the worker cannot even unpickle the call: no coprod-sim there
            raise ConfigError(
                f"--scheduler {where}: a worker cannot run coprod-sim ({type(exc).__name__}: {exc}); "
                f"install coprod-sim {__version__} on every worker"
            ) from None
        wrong = {w: v for w, v in versions.items() if v != __version__}
        if wrong:
            listed = ", ".join(f"{w} has {v}" for w, v in sorted(wrong.items()))
            raise ConfigError(
                f"--scheduler {where}: workers must run coprod-sim {__version__}, as this machine does: {listed}"
            )

    def workers(self) -> int:
        """Workers connected now (a cluster can grow while a sweep runs)."""
        return len(self.client.scheduler_info().get("workers", {}))

    def close(self) -> None:
        """Disconnect, and stop the local cluster if this engine started one."""
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> DaskEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: What a worker imports before its first chunk (the model, pandas, pyarrow; about 1-2 s).
WORKER_PRELOAD = "coprod_sim.sweep.runner"

#: Dask settings for a LocalCluster and the client. Sweep tasks are long pure-Python runs, and
#: on a small machine every worker core is busy with them, so Dask's own background work comes
#: straight out of the runs: the statistical profiler (samples each thread's stack every 10 ms),
#: the event-loop tick (20 ms), work stealing (100 ms), memory and system monitors. On 2 cores
#: these cost about a sixth of the sweep's throughput (24 runs: 10.0 s with the defaults, 8.0 s
#: without). Sweeps keep at most two chunks per worker in flight, so there is little to steal.
DASK_WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "500ms",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.scheduler.work-stealing": False,
}


def _worker_version() -> str:
    """Return the coprod-sim version installed where this runs (called on each Dask worker)."""
    import coprod_sim

    return coprod_sim.__version__


def _ready() -> int:
    """Answer with the process id: run once by each new worker, to know it has started."""
    import os

    return os.getpid()


def local_executor(workers: int) -> Executor | None:
    """Return a ready process pool on this machine, or ``None`` (run in this process) for one worker.

    Workers are forked from a server process that has imported the model once (``forkserver``
    with a preload), instead of each importing it afresh (``spawn``, which importing Mesa makes
    the default). The pool is returned when every worker has started, so its start-up is paid
    here, once, and not inside the sweep.
    """
    if workers <= 1:
        return None
    import multiprocessing as mp

    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload([WORKER_PRELOAD])
    else:  # pragma: no cover - Windows
        ctx = mp.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx)
    # Non-fork pools start all their workers at the first submit; wait until they answer.
    for fut in [pool.submit(_ready) for _ in range(workers)]:
        fut.result()
    return pool
