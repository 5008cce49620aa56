"""Writing results safely: every file goes to a temporary name first, then is renamed.

An interrupted run therefore leaves either the old file or the new one, never half of one; the
files of one result written inside :func:`one_set` are renamed together at the end, so a folder
holds the old set or the new one, never a mix of two runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from coprod_sim.config import ConfigError
from coprod_sim.limits import PATH_CHARS, named

__all__ = ["atomic_write", "check_writable", "one_set", "write_json", "write_parquet", "write_text"]

#: Inside :func:`one_set`: the (temporary file, final path) pairs written so far, renamed at its end.
_STAGED: ContextVar[list[tuple[Path, Path]] | None] = ContextVar("coprod_sim_staged", default=None)

_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read the process umask (the call sets it, so set it straight back)


def check_writable(folder: Path, flag: str = "--out") -> Path:
    """Make ``folder`` if needed and write and remove a file in it, so that a run's results are not lost.

    Called once the inputs are valid and before any work: an output folder that cannot be written
    is found in a moment rather than after hours of computing.

    Raises
    ------
    ConfigError
        Naming ``flag`` and the folder, and why it cannot be written.
    """
    folder = Path(folder)
    where = f"{flag} {named(str(folder), PATH_CHARS)}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ConfigError(f"{where}: is a file, not a folder; allowed is a folder to write into") from None
    except OSError as exc:
        raise ConfigError(
            f"{where}: cannot make the folder ({exc.strerror}); allowed is a folder to write into"
        ) from None
    except ValueError:  # a NUL character, which no file name can hold
        raise ConfigError(f"{where}: not a folder name (it holds a NUL character)") from None
    try:
        fd, probe = tempfile.mkstemp(prefix=".coprod-sim-write-check-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(f"{where}: cannot write in this folder ({exc.strerror})") from None
    return folder


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``.

    Inside :func:`one_set` the rename waits for the set's end.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    staged = _STAGED.get()
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; results are ordinary files
        if staged is None:
            os.replace(tmp, path)
        else:
            staged.append((Path(tmp), path))
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


@contextlib.contextmanager
def one_set() -> Iterator[None]:
    """Write the files of one result as a set: each to a temporary name, all renamed at the end.

    An interrupted or failed command leaves the folder's previous set whole, or the new one (the
    renames run with Ctrl-C, SIGTERM and SIGHUP held back); its temporary files are removed.
    """
    staged: list[tuple[Path, Path]] = []
    token = _STAGED.set(staged)
    try:
        yield
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    finally:
        _STAGED.reset(token)
    held = {signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM)}
    mask = hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
    before = signal.pthread_sigmask(signal.SIG_BLOCK, held) if mask else None
    try:
        for tmp, path in staged:
            os.replace(tmp, path)
    finally:
        if before is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, before)


def write_parquet(df: pd.DataFrame, path: Path) -> Path:
    """Write a frame as Parquet (no index), atomically; same data give the same bytes."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    return atomic_write(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def write_json(obj: Any, path: Path) -> Path:
    """Write JSON (indented, keys in insertion order), atomically."""
    text = json.dumps(obj, indent=2, allow_nan=True, default=str) + "\n"
    return write_text(text, path)


def write_text(text: str, path: Path) -> Path:
    """Write UTF-8 text atomically."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
