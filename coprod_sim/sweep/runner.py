"""Running an experiment: chunks of runs on an executor, streamed to a Parquet dataset.

The runs of an experiment are numbered point by point, replicate by replicate, and cut into
chunks of a fixed size. Each finished chunk is written to ``DIR/runs/part-NNNNNN.parquet`` under a
temporary name and renamed, so a chunk file is either complete or absent. ``DIR/manifest.json``
records the design, the seeds, the package version, each chunk written (which runs it holds, its
size, the SHA-256 of its bytes and how many of its runs failed) and, at the end, each failed run.

A folder is verified before it is resumed or loaded (:func:`read_manifest`, :func:`load_results`):
a file in ``runs/`` that is not one of the sweep's chunks, holds other runs than its number says
or has other bytes than were recorded is refused with one line naming it. Resuming runs the
chunks that are not recorded (never finished, or written just before a kill) and those with a
failed run: nothing is lost or duplicated, however the sweep was stopped. A chunk's content
depends only on its runs, so results are identical whatever the number of workers or the order
in which chunks finish.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from coprod_sim import __version__
from coprod_sim.config import Config, ConfigError
from coprod_sim.io import write_json, write_parquet
from coprod_sim.outputs import OUTPUT_COLUMNS, summary_names
from coprod_sim.run import simulate, simulate_summary, summarise
from coprod_sim.sweep.design import Experiment

__all__ = ["SweepReport", "load_results", "read_manifest", "run_chunk", "sweep"]


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
        Finish the sweep already in ``out`` (it must be of the same experiment and version): its
        chunks are verified first, then the missing ones and those with a failed run are run.
    chunk_size : int, optional
        Runs per chunk file; default the replicates, at least 8. A resumed sweep keeps the size
        it was started with. Results do not depend on it.
    progress : callable, optional
        Called with (runs finished, runs failed) after every chunk.
    workers : callable, optional
        How many workers there are now (asked again as chunks finish); default the pool's size.

    Raises
    ------
    ConfigError
        If ``out`` holds something this sweep must not write over or cannot resume: another
        sweep, a damaged manifest, or a chunk file that is not this sweep's own, unchanged.
    """
    out = Path(out)
    manifest = out / "manifest.json"
    old = read_manifest(out) if manifest.exists() else None
    chunk_size = _chunk_size(exp, out, old, resume, chunk_size)
    tasks = _tasks(exp, chunk_size)
    head = _head(exp, chunk_size, tasks)
    _check_resumable(out, old, resume, head["fingerprint"])
    # Chunks with a failed run are run again, so every chunk kept has none: the failures of this
    # sweep are those of the chunks run now.
    kept = {i: r for i, r in _resumable(out, old).items() if r["failed"] == 0} if old else {}
    writer = _ManifestWriter(manifest, head, kept)
    writer.write("running")
    (out / "runs").mkdir(parents=True, exist_ok=True)
    for tmp in (out / "runs").glob(".part-*.tmp"):
        tmp.unlink()  # a write interrupted before its rename
    todo = [t for t in tasks if t[0] not in kept]
    finished = sum(len(tasks[i][1]) for i in kept)
    cols = ["point", "replicate", "seed", "status", "error", *[f.path for f in exp.factors]]
    failed: list[dict[str, Any]] = []
    if workers is None:
        n = getattr(executor, "_max_workers", None) or 2  # a ProcessPoolExecutor's size

        def workers() -> int:
            return n

    try:
        for frame in _iter_results(todo, executor, workers):
            index = int(frame.attrs["chunk"])
            new = _failures(frame[cols])
            # The record follows the rename: a kill in between leaves a file that is not recorded
            # yet, which a resume computes again, never a record of a file that is not there.
            writer.add(_record(head, index, write_parquet(frame, _part(out, index)).read_bytes(), len(new)))
            finished += len(tasks[index][1])
            failed += new
            if progress:
                progress(finished, len(failed))
    except BaseException:
        writer.write("running")  # Ctrl-C or an error: keep the chunks finished so far
        raise
    failed.sort(key=lambda r: (r["point"], r["replicate"]))
    writer.write("complete", failed)
    return SweepReport(out=out, runs=head["n_runs"], chunks=len(tasks), chunks_run=len(todo), failed=failed)


def _head(exp: Experiment, chunk_size: int, tasks: list[Task]) -> dict[str, Any]:
    """Return what the manifest says of the sweep itself (all but its status and chunk records)."""
    # The design points themselves are part of the identity: a resumed sweep must run the same
    # points (a sampler library upgrade could draw different ones from the same settings).
    info = {
        "experiment": exp.to_dict(),
        "seeds": exp.seeds(),
        "chunk_size": chunk_size,
        "package_version": __version__,
        "design_points": exp.records(),
    }
    return {
        **info,
        "fingerprint": _fingerprint(info),
        "n_runs": sum(len(t[1]) for t in tasks),
        "n_chunks": len(tasks),
        "design": exp.points().to_dict(orient="records"),
    }


class _ManifestWriter:
    """Keeps ``manifest.json`` up to date as chunks finish, rewriting it atomically.

    Records are only ever added after their file is in place, so the manifest on disk never
    records a file that is absent or different, whenever the process dies. A large manifest (a
    design of many thousands of points) is not rewritten after every chunk: only when its last
    write took under a twentieth of the time since, which bounds what it costs the sweep. Chunks
    finished but not yet recorded when a sweep is killed are run again by a resume.
    """

    def __init__(self, path: Path, head: dict[str, Any], records: dict[int, dict[str, Any]]) -> None:
        self.path, self.head, self.records = path, head, dict(records)
        self._last = self._cost = 0.0

    def add(self, record: dict[str, Any]) -> None:
        """Record a chunk whose file has been written; write the manifest if it is due."""
        self.records[record["index"]] = record
        if time.monotonic() - self._last >= 20 * self._cost:
            self.write("running")

    def write(self, status: str, failed: list[dict[str, Any]] | None = None) -> None:
        """Write the manifest now, with every chunk recorded so far."""
        start = time.monotonic()
        extra = {} if failed is None else {"failed": failed}
        chunks = [self.records[i] for i in sorted(self.records)]
        write_json({**self.head, "status": status, **extra, "chunks": chunks}, self.path)
        self._last = time.monotonic()
        self._cost = self._last - start


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
                f"{out}: already holds a sweep ({old['experiment'].get('name')}); add --resume "
                "to finish it, or choose another --out"
            )
        if old["fingerprint"] != fp:
            raise ConfigError(
                f"{out}: holds a sweep of a different experiment or package version; it cannot be "
                "resumed with this one (choose another --out)"
            )
    elif resume and out.exists() and any(out.iterdir()):
        raise ConfigError(f"{out}: has no manifest.json, so there is no sweep here to resume (choose another --out)")
    elif resume:  # a mistyped folder would otherwise start a new sweep without a word
        _warn(f"{out}: no sweep here to resume (no manifest.json); starting it from the beginning")
    elif _visible(out / "runs"):
        raise ConfigError(
            f"{out / 'runs'}: holds files but {out} has no manifest.json, so they belong to no sweep that can "
            "be checked (another experiment's?); delete them or choose another --out"
        )


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
    """All finished runs of a sweep folder, in run order (point, then replicate), once verified.

    Every chunk file must be one the manifest records, with the runs its number stands for and
    the bytes recorded when it was written; anything else raises :class:`ConfigError` naming the
    file (nothing is merged silently). Files a stopped sweep wrote but had not recorded yet are
    left out, with a warning. A folder with neither a manifest nor chunk files gives an empty frame.
    """
    out = Path(out)
    if not (out / "manifest.json").exists():
        if _visible(out / "runs"):
            raise ConfigError(
                f"{out}: has chunk files but no manifest.json, so they cannot be checked; it is not a sweep "
                "folder that can be read (run the sweep again into a new --out folder)"
            )
        return pd.DataFrame()
    checked = _verify(out, read_manifest(out), whole=True)
    if checked.missing:
        name = _part(out, checked.missing[0])
        raise ConfigError(
            f"{name}: missing, though {out / 'manifest.json'} records it as finished; run the sweep again "
            "with --resume to compute it"
        )
    if checked.unrecorded:
        names = ", ".join(_part(out, i).name for i in checked.unrecorded[:3])
        more = f" and {len(checked.unrecorded) - 3} more" if len(checked.unrecorded) > 3 else ""
        _warn(
            f"{out}: left out {names}{more}, not recorded in manifest.json (the sweep stopped while writing "
            "them, or is still running); --resume computes them again"
        )
    if not checked.tables:
        return pd.DataFrame()
    df = pd.concat([checked.tables[i].to_pandas() for i in sorted(checked.tables)], ignore_index=True)
    keys = ["point", "replicate"] + (["step"] if "step" in df else [])
    return df.sort_values(keys, kind="stable").reset_index(drop=True)


# The sweep folder's checks. A manifest is checked key by key, then each file in runs/ against it:
# its name (one of the sweep's chunk numbers), the runs it holds (point, replicate, seed and
# parameter values, in order), then its bytes (the SHA-256 recorded when it was written).

# The name of a chunk file; the number is the chunk's index.
_CHUNK_FILE = re.compile(r"part-(\d{6})\.parquet")

_MANIFEST_KEYS: dict[str, type] = {
    "experiment": dict,
    "seeds": list,
    "chunk_size": int,
    "package_version": str,
    "design_points": list,
    "fingerprint": str,
    "n_runs": int,
    "n_chunks": int,
    "design": list,
    "status": str,
}
_RECORD_KEYS: dict[str, type] = {
    "index": int,
    "file": str,
    "runs": int,
    "first": list,
    "last": list,
    "failed": int,
    "bytes": int,
    "sha256": str,
}
_KINDS = {dict: "an object", list: "a list", str: "a string", int: "a whole number", float: "a number"}
_FIX_MANIFEST = "this folder cannot be resumed or analysed (run the sweep again into a new --out folder)"
_FIX_CHUNK = "delete it and run the sweep again with --resume to compute this chunk"


def read_manifest(out: Path) -> dict[str, Any]:
    """Return ``out/manifest.json`` once its schema is checked.

    Raises :class:`ConfigError`, one line naming the file, what is wrong and what to do, if it is
    not JSON (garbage, cut short, empty, binary), not an object, lacks a key, has a key of the
    wrong type, or its counts do not fit together.
    """
    path = Path(out) / "manifest.json"
    raw = path.read_bytes()
    manifest: Any = None
    try:
        manifest = json.loads(raw)
        problem = _manifest_problem(manifest)
    except UnicodeDecodeError:
        problem = "it is binary data, not JSON text"
    except json.JSONDecodeError as exc:
        problem = "it is empty" if not raw.strip() else f"it is not valid JSON (damaged or cut short: {exc})"
    if problem:
        raise ConfigError(f"{path}: not a coprod-sim sweep manifest: {problem}; {_FIX_MANIFEST}")
    return manifest


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    return _KINDS.get(type(value), type(value).__name__)


def _is(value: Any, kind: type) -> bool:
    return isinstance(value, kind) and not (kind is int and isinstance(value, bool))


def _keys_problem(obj: Any, keys: dict[str, type], name: str) -> str | None:
    """Say what keeps ``obj`` from being an object with ``keys`` of their types (``name``: what it is called)."""
    if not isinstance(obj, dict):
        return f"{name} is {_kind(obj)}, expected an object with the keys {', '.join(keys)}"
    missing = [k for k in keys if k not in obj]
    if missing:
        return f"{name} lacks {', '.join(missing)}"
    wrong = next((k for k, kind in keys.items() if not _is(obj[k], kind)), None)
    if wrong is not None:
        return f"{name}: {wrong} is {_kind(obj[wrong])}, expected {_KINDS[keys[wrong]]}"
    return None


def _manifest_problem(m: Any) -> str | None:
    """Say what makes ``m`` not a sweep manifest (``None``: nothing)."""
    problem = _keys_problem(m, _MANIFEST_KEYS, "its content")
    if problem:
        return problem
    exp = m["experiment"]
    factors = exp.get("factors")
    if not isinstance(factors, list) or not all(isinstance(f, dict) and _is(f.get("path"), str) for f in factors):
        return "experiment.factors is not a list of objects with a path"
    if exp.get("keep") not in ("summary", "timeseries", "patterns") or not _is(exp.get("steps"), int):
        return "experiment.keep or experiment.steps is missing or not valid"
    if not m["seeds"] or not all(_is(s, int) for s in m["seeds"]):
        return "seeds is not a list of whole numbers"
    paths = [f["path"] for f in factors]
    for i, row in enumerate(m["design"]):
        if not isinstance(row, dict) or row.get("point") != i or any(p not in row for p in paths):
            return f"design[{i}] is not design point {i} with a value for every factor"
    if m["n_runs"] != len(m["design"]) * len(m["seeds"]):
        return f"n_runs = {m['n_runs']} is not the {len(m['design'])} design points times the {len(m['seeds'])} seeds"
    if m["chunk_size"] < 1:
        return f"chunk_size = {m['chunk_size']} is below 1"
    if m["n_chunks"] != math.ceil(m["n_runs"] / m["chunk_size"]):
        return f"n_chunks = {m['n_chunks']} does not fit n_runs = {m['n_runs']} in chunks of {m['chunk_size']}"
    if m["status"] not in ("running", "complete") or not isinstance(m.get("failed", []), list):
        return "status is not 'running' or 'complete', or failed is not a list"
    return _records_problem(m)


def _records_problem(m: dict[str, Any]) -> str | None:
    """Say what is wrong with the manifest's chunk records (a manifest written before they were kept has none)."""
    if "chunks" not in m:
        return None
    if not isinstance(m["chunks"], list):
        return f"chunks is {_kind(m['chunks'])}, expected a list"
    seen = set()
    for k, rec in enumerate(m["chunks"]):
        problem = _keys_problem(rec, _RECORD_KEYS, f"chunks[{k}]")
        if problem:
            return problem
        index = rec["index"]
        if not 0 <= index < m["n_chunks"] or index in seen:
            return f"chunks[{k}] records chunk {index}, which is not a chunk of this sweep or is recorded twice"
        seen.add(index)
        if {key: rec[key] for key in ("index", "file", "runs", "first", "last")} != _identity(m, index):
            return f"chunks[{k}] does not record the runs that chunk {index} holds"
        if not re.fullmatch(r"[0-9a-f]{64}", rec["sha256"]) or rec["bytes"] < 0 or rec["failed"] < 0:
            return f"chunks[{k}]'s sha256, bytes or failed is not valid"
    return None


def _run_range(m: dict[str, Any], index: int) -> range:
    return range(index * m["chunk_size"], min((index + 1) * m["chunk_size"], m["n_runs"]))


def _identity(m: dict[str, Any], index: int) -> dict[str, Any]:
    """Which runs chunk ``index`` holds: its file, how many runs, the first and last (point, replicate)."""
    runs, reps = _run_range(m, index), len(m["seeds"])
    return {
        "index": index,
        "file": _part(Path(), index).name,
        "runs": len(runs),
        "first": [runs[0] // reps, runs[0] % reps],
        "last": [runs[-1] // reps, runs[-1] % reps],
    }


def _record(m: dict[str, Any], index: int, data: bytes, failed: int) -> dict[str, Any]:
    """Return the manifest's record of chunk ``index`` written as ``data``, with ``failed`` runs that raised."""
    return {**_identity(m, index), "failed": failed, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _expected_runs(m: dict[str, Any], index: int) -> list[tuple[Any, ...]]:
    """(point, replicate, seed, factor values...) of each run of chunk ``index``, in order."""
    reps, paths = len(m["seeds"]), [f["path"] for f in m["experiment"]["factors"]]
    return [
        (k // reps, k % reps, m["seeds"][k % reps], *(m["design"][k // reps][p] for p in paths))
        for k in _run_range(m, index)
    ]


def _span(runs: list[tuple[Any, ...]]) -> str:
    if not runs:
        return "no runs"
    pairs = [f"(point {r[0]}, replicate {r[1]})" for r in runs]
    return pairs[0] if len(pairs) == 1 else f"{pairs[0]} to {pairs[-1]} ({len(pairs)} runs)"


def _runs_problem(table: pa.Table, m: dict[str, Any], index: int) -> str | None:
    """How the runs in ``table`` differ from those chunk ``index`` of the sweep holds, or ``None``."""
    need = _run_columns(m)
    missing = [c for c in [*need, "status"] if c not in table.column_names]
    if missing:
        return f"has no column {', '.join(missing)}, so it is not a chunk of this sweep (another experiment's?)"
    rows = table.select(need).to_pandas().itertuples(index=False, name=None)
    if m["experiment"]["keep"] == "timeseries":  # a run's weeks are consecutive rows: weeks 0 to steps
        weeks = [(run, len(list(group))) for run, group in itertools.groupby(rows)]
        got = [run for run, _ in weeks]
        short = next((run for run, n in weeks if n not in (1, m["experiment"]["steps"] + 1)), None)
        if short is not None:
            return f"holds run (point {short[0]}, replicate {short[1]}) with weeks missing or repeated"
    else:
        got = list(rows)
    want = _expected_runs(m, index)
    if got == want:
        return None
    pairs = [r[:2] for r in got]
    twice = next((pair for pair, n in Counter(pairs).items() if n > 1), None)
    if twice is not None:
        return f"holds run (point {twice[0]}, replicate {twice[1]}) more than once"
    if pairs != [r[:2] for r in want]:
        return f"holds {_span(got)}, but chunk {index} of this sweep holds {_span(want)} (a copy of another chunk?)"
    if [r[2] for r in got] != [r[2] for r in want]:
        return "holds this chunk's runs but with other seeds (another sweep's chunk?)"
    return "holds this chunk's runs but with other parameter values (another experiment's chunk?)"


@dataclass
class _Checked:
    """A sweep folder's chunk files, checked against its manifest."""

    records: dict[int, dict[str, Any]]  # index -> record of each file verified (or adopted, in an old folder)
    tables: dict[int, pa.Table]  # the verified files' contents, when read whole
    unrecorded: list[int]  # files written but not recorded yet (a sweep stopped in between)
    missing: list[int]  # recorded, but their file is gone


def _visible(folder: Path) -> list[Path]:
    """Entries of ``folder`` other than hidden ones (temporary files of unfinished writes start with a dot)."""
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".")) if folder.is_dir() else []


def _chunk_files(out: Path, m: dict[str, Any]) -> dict[int, Path]:
    """Chunk index -> file in ``out/runs``; anything there that is not one of the sweep's chunks is refused."""
    n, found = m["n_chunks"], {}
    for path in _visible(out / "runs"):
        match = _CHUNK_FILE.fullmatch(path.name)
        if not match or not path.is_file():
            raise ConfigError(
                f"{path}: not a chunk file of this sweep (they are part-000000.parquet to part-{n - 1:06d}.parquet, "
                "and pandas would read anything else there as results too); delete it or move it elsewhere"
            )
        if int(match[1]) >= n:
            raise ConfigError(
                f"{path}: this sweep has {n} chunks, part-000000.parquet to part-{n - 1:06d}.parquet, so this file "
                "is not one of them (an extra copy, or another sweep's); delete it"
            )
        found[int(match[1])] = path
    return found


def _verify(out: Path, m: dict[str, Any], *, whole: bool) -> _Checked:
    """Check every chunk file of ``out`` against manifest ``m``; read them whole or only what the check needs.

    A recorded file must hold its runs and have its recorded bytes. A file not recorded yet is
    computed again by a resume (so it is not even read then), and left out when the folder is
    read, but it must still hold its own runs. In a folder written before chunks were recorded,
    files are checked for their runs only, with a warning; a resume records them.
    """
    records = {r["index"]: r for r in m.get("chunks", [])}
    old = "chunks" not in m
    files = _chunk_files(out, m)
    checked = _Checked({}, {}, [], sorted(set(records) - set(files)))
    for index, path in files.items():
        if index not in records and not old and not whole:
            checked.unrecorded.append(index)
            continue
        data = path.read_bytes()
        table = _read_chunk(path, data, None if whole else ["status", *_run_columns(m)])
        problem = _runs_problem(table, m, index)
        if problem:
            raise ConfigError(f"{path}: {problem}; {_FIX_CHUNK}")
        if index not in records and not old:
            checked.unrecorded.append(index)  # its own runs, but the manifest does not vouch for it yet
            continue
        record = records.get(index) or _record(m, index, data, _count_failed(table))
        if hashlib.sha256(data).hexdigest() != record["sha256"]:
            raise ConfigError(
                f"{path}: its bytes are not those recorded in {out / 'manifest.json'} when it was written "
                f"(changed since?); {_FIX_CHUNK}"
            )
        checked.records[index] = record
        if whole:
            checked.tables[index] = table
    if old and checked.records:
        _warn(
            f"{out / 'manifest.json'}: written before chunk checksums were kept, so its chunk files were checked "
            "for the runs they hold, not for changes since they were written"
            + ("; they are recorded now" if not whole else " (resume the sweep once to record them)")
        )
    return checked


def _run_columns(m: dict[str, Any]) -> list[str]:
    """Return the columns that say which run a row belongs to: point, replicate, seed, factor values."""
    return ["point", "replicate", "seed", *[f["path"] for f in m["experiment"]["factors"]]]


def _read_chunk(path: Path, data: bytes, columns: list[str] | None) -> pa.Table:
    """Parse a chunk file's bytes (``columns`` of them that it has, or all)."""
    try:
        reader = pq.ParquetFile(pa.BufferReader(data))
        names = reader.schema_arrow.names
        # One thread: with pyarrow 22, a threaded read from a buffer can leave a thread that
        # aborts the interpreter at exit ("terminate called without an active exception", about
        # one exit in two here; apache/arrow#34314). Chunks are small, so it costs little.
        return reader.read(columns=None if columns is None else [c for c in columns if c in names], use_threads=False)
    except Exception as exc:  # pyarrow raises several kinds for bytes that are not Parquet
        raise ConfigError(f"{path}: cannot be read as a chunk ({type(exc).__name__}: {exc}); {_FIX_CHUNK}") from None


def _count_failed(table: pa.Table) -> int:
    frame = table.select(["point", "replicate", "status"]).to_pandas()
    return int((frame.drop_duplicates(["point", "replicate"])["status"] == "error").sum())


def _resumable(out: Path, m: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Return the records of the chunks of ``out`` a resume may keep (verified; unrecorded or missing: run again)."""
    return _verify(out, m, whole=False).records


def _warn(message: str) -> None:
    print(f"coprod-sim: warning: {message}", file=sys.stderr)


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
            except (ValueError, TypeError, MemoryError) as exc:  # something answered, but not a scheduler
                raise ConfigError(
                    f"--scheduler {address}: what answered there is not a Dask scheduler ({type(exc).__name__})"
                ) from None
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
