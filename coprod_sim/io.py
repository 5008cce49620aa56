"""Writing results safely: every file goes to a temporary name first, then is renamed.

An interrupted run therefore leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from coprod_sim.config import ConfigError
from coprod_sim.limits import PATH_CHARS, named

__all__ = ["atomic_write", "check_writable", "write_json", "write_parquet", "write_text"]

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
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; results are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


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
