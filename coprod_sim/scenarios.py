"""Scenario files: TOML data stating what differs from the defaults, validated at the boundary."""

from __future__ import annotations

import json
import re
import stat
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from coprod_sim.config import Config, ConfigError, check_keys, param, suggest
from coprod_sim.limits import (
    INT_DIGITS,
    MAX_DESCRIPTION_CHARS,
    MAX_FILE_BYTES,
    MAX_TITLE_CHARS,
    PATH_CHARS,
    SHOWN_CHARS,
    named,
    shown,
)

__all__ = [
    "Scenario",
    "check_description",
    "data_dir",
    "load_scenario",
    "parse_override",
    "parse_toml",
    "path_exists",
    "read_text",
    "read_toml",
    "resolve_file",
    "scenario_dir",
    "shipped_scenarios",
]

_META_KEYS = ("name", "title", "description", "sources")


def data_dir(name: str) -> Path:
    """Folder of shipped data files (inside the wheel, or at the top of a source checkout)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / name, here.parent / name):
        if candidate.is_dir():
            return candidate
    raise ConfigError(f"the shipped {name} folder is missing from this installation")


def read_text(path: Path, kind: str = "input") -> str:
    """Return the text of a UTF-8 input file; any failure is one ConfigError line naming the file.

    A folder, a device or a FIFO (which would never end) is refused before it is opened, and so
    is a file above :data:`~coprod_sim.limits.MAX_FILE_BYTES`.
    """
    path = Path(path)
    where = named(str(path), PATH_CHARS)
    try:
        info = path.stat()
    except (OSError, ValueError) as exc:  # ValueError: a NUL character in the name
        if isinstance(exc, OSError) and not isinstance(exc, FileNotFoundError):
            raise ConfigError(f"{where}: cannot read the file ({exc.strerror})") from None
        raise ConfigError(f"{where}: file not found") from None
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"{where}: is a folder, not a {kind} file")
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{where}: is not a regular file (a device or a FIFO); give a {kind} .toml file")
    try:
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)  # the size from stat can be wrong (/proc) or change
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read the file ({exc.strerror})") from None
    if len(data) > MAX_FILE_BYTES:
        size = max(info.st_size, len(data))
        raise ConfigError(
            f"{where}: {size:,} bytes is too big for a {kind} file (allowed: at most {MAX_FILE_BYTES:,} bytes)"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: not a text file in UTF-8") from None


def path_exists(path: Path) -> bool:
    """Return whether ``path`` exists; False, not an error, for a name no file can have (too long, a NUL)."""
    try:
        return Path(path).exists()
    except (OSError, ValueError):
        return False


def parse_toml(text: str, where: str) -> dict[str, Any]:
    """Parse TOML text; any failure is one ConfigError line starting with ``where``.

    A leading byte-order mark (which some editors write) is skipped. Besides syntax errors,
    tomllib fails on arrays or tables nested hundreds deep (RecursionError) and on whole numbers
    longer than Python reads (ValueError); those get a message too.
    """
    try:
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: TOML syntax error: {exc}") from None
    except RecursionError:
        raise ConfigError(
            f"{where}: arrays or inline tables nested too deeply to read (allowed: a few levels, as in the examples)"
        ) from None
    except ValueError:
        raise ConfigError(f"{where}: {_long_number(text)}") from None


def _long_number(text: str) -> str:
    """Say where a whole number too long for Python is, and what is allowed."""
    found = re.search(rf"[0-9_]{{{INT_DIGITS + 1},}}", text)
    at = ""
    if found:
        start = text.rfind("\n", 0, found.start()) + 1
        line = text.count("\n", 0, start) + 1
        before = text[start : found.start()].strip()
        key = f"{named(before[:SHOWN_CHARS])} " if before else ""
        digits = found.group()
        at = f"line {line}: {key}{digits[:SHOWN_CHARS]}… ({len(digits):,} digits) "
    return f"{at}is a whole number too long to read: allowed are whole numbers of at most {INT_DIGITS:,} digits"


def read_toml(path: Path, kind: str = "input") -> dict[str, Any]:
    """Read and parse a TOML data file; any failure is one ConfigError line naming the file."""
    return parse_toml(read_text(path, kind), str(path))


def scenario_dir() -> Path:
    """Folder of the shipped scenarios."""
    return data_dir("scenarios")


def resolve_file(ref: str | Path, folder: Path, kind: str, hint: str = "") -> Path:
    """Return the ``.toml`` path given, or the file of the shipped ``kind`` (scenario, experiment) named ``ref``."""
    path = Path(ref)
    where = named(str(ref), PATH_CHARS)
    if path.suffix != ".toml" and not path_exists(path):
        shipped = folder / f"{ref}.toml"
        if path_exists(shipped):
            return shipped
        names = sorted(p.stem for p in folder.glob("*.toml"))
        raise ConfigError(
            f"{where}: no such {kind} file or shipped {kind}.{suggest(ref, names)} Shipped: {', '.join(names)}"
        )
    if not path_exists(path):
        raise ConfigError(f"{where}: file not found (give a .toml file or a shipped {kind} name{hint})")
    return path  # a folder or a device is refused when read, with its own message


def shipped_scenarios() -> list[Path]:
    """Shipped scenario files, baseline first, then by name."""
    files = sorted(scenario_dir().glob("*.toml"))
    return sorted(files, key=lambda p: (p.stem != "baseline", p.stem))


def list_scenario_names() -> list[str]:
    """Names of the shipped scenarios, baseline first."""
    return [p.stem for p in shipped_scenarios()]


@dataclass(frozen=True)
class Scenario:
    """A named, described, validated parameter set."""

    name: str
    description: str
    sources: tuple[str, ...]
    config: Config
    path: Path | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    title: str = ""  # a short plain title for people; the name stays the key in files and tables

    @property
    def label(self) -> str:
        """The title, or the name in words when the file gives none."""
        return self.title or self.name.replace("_", " ").capitalize()

    def with_overrides(self, overrides: Mapping[str, Any]) -> Scenario:
        """Return a copy with ``--set`` style overrides applied (validated)."""
        if not overrides:
            return self
        cfg = self.config.with_overrides(overrides)
        return replace(self, config=cfg, overrides={**self.overrides, **overrides})


def load_scenario(ref: str | Path) -> Scenario:
    """Load and validate a scenario by file path or shipped name.

    Raises
    ------
    ConfigError
        With one message naming the file, the key path, the value and what is allowed.
    """
    path = resolve_file(ref, scenario_dir(), "scenario", "; see 'coprod-sim scenarios'")
    return parse_scenario(read_text(path, "scenario"), str(path), default_name=path.stem, path=path)


def parse_scenario(text: str, where: str, *, default_name: str = "scenario", path: Path | None = None) -> Scenario:
    """Validate a scenario given as TOML text (an uploaded file, say); ``where`` names it in errors.

    The text is data only: it is parsed as TOML and validated, never executed.
    """
    data = parse_toml(text, where)
    meta = data.pop("scenario", None)
    if meta is None:
        raise ConfigError(f"{where}: missing the [scenario] table with name, description and sources")
    meta = check_keys(meta, _META_KEYS, f"{where}: ", name="scenario")
    name = meta.get("name", default_name)
    description = meta.get("description")
    sources = meta.get("sources", [])
    if not isinstance(name, str) or not name.strip() or _controls(name, ""):
        allowed = "allowed is a non-empty text of printable characters"
        raise ConfigError(f"{where}: scenario.name = {shown(name)}: {allowed}")
    description = check_description(description, f"{where}: scenario.description", "what the scenario represents")
    title = meta.get("title", "")
    if not isinstance(title, str) or len(title.strip()) > MAX_TITLE_CHARS or _controls(title, ""):
        raise ConfigError(
            f"{where}: scenario.title = {shown(title)}: allowed is a text of at most {MAX_TITLE_CHARS} "
            "printable characters"
        )
    if not isinstance(sources, list) or not all(isinstance(s, str) and not _controls(s, "") for s in sources):
        raise ConfigError(f"{where}: scenario.sources = {shown(sources)}: allowed is a list of texts")
    config = Config.from_dict(data, source=where)
    return Scenario(name, description, tuple(sources), config, path, title=title.strip())


def check_description(value: Any, key: str, saying: str) -> str:
    """Return a description stripped, or raise ConfigError: it must be a text, not empty nor too long.

    ``key`` starts the message (file and key), ``saying`` says what the text is for.
    """
    allowed = f"allowed is a non-empty text of at most {MAX_DESCRIPTION_CHARS:,} characters saying {saying}"
    if value is None:
        raise ConfigError(f"{key} is missing: {allowed}")
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > MAX_DESCRIPTION_CHARS:
        raise ConfigError(f"{key} = {shown(value)}: {allowed}")
    if _controls(value, "\n\t"):
        raise ConfigError(f"{key} = {shown(value)}: {allowed}, without control characters (only line breaks and tabs)")
    return value.strip()


def _controls(text: str, allowed: str) -> bool:
    """Whether ``text`` holds control characters other than ``allowed`` (terminal escapes, bells, carriage returns).

    They are printed to terminals and pages, where an escape sequence could hide or rewrite what is shown.
    """
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


def scenario_toml(scenario: Scenario) -> str:
    """Write a scenario as a TOML file that ``load_scenario`` (and ``coprod-sim run``) accepts.

    Only values that differ from the defaults are written, section by section, then the timeline.
    """
    lines = [
        "[scenario]",
        f"name = {_toml_value(scenario.name)}",
        *([f"title = {_toml_value(scenario.title)}"] if scenario.title else []),
        f"description = {_toml_value(scenario.description)}",
        "sources = [" + ", ".join(_toml_value(s) for s in scenario.sources) + "]",
    ]
    default = Config().to_dict()
    mine = scenario.config.to_dict()
    for section, values in mine.items():
        if section == "timeline":
            continue
        changed = {k: v for k, v in values.items() if default[section].get(k) != v}
        if changed:
            lines += ["", f"[{section}]", *(f"{k} = {_toml_value(v)}" for k, v in changed.items())]
    for entry in mine["timeline"]:
        lines += ["", "[[timeline]]"]
        lines += [f"{k} = {_toml_value(entry[k])}" for k in ("step", "lever", "value") if k in entry]
        if entry.get("ramp"):
            lines.append(f"ramp = {_toml_value(entry['ramp'])}")
    return "\n".join(lines) + "\n"


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    raise TypeError(f"cannot write {v!r} to TOML")


def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``key.path=value`` (value in TOML syntax; bare words are text)."""
    if "=" not in text:
        raise ConfigError(f"--set {shown(text)}: expected key.path=value, e.g. --set power.transfer=0.5")
    key, _, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    spec = param(key, "--set ")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw  # a bare word such as `all` for training.target
    except (RecursionError, ValueError):  # nested hundreds deep, or a whole number too long to read
        raise ConfigError(f"--set {key}={shown(raw)}: cannot be read as a value: allowed is {spec.allowed()}") from None
    return key, value
