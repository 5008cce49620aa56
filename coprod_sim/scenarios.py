"""Scenario files: TOML data stating what differs from the defaults, validated at the boundary."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coprod_sim.config import Config, ConfigError, check_keys, param, suggest

__all__ = [
    "Scenario",
    "data_dir",
    "load_scenario",
    "parse_override",
    "resolve_file",
    "scenario_dir",
    "shipped_scenarios",
]

_META_KEYS = ("name", "description", "sources")


def data_dir(name: str) -> Path:
    """Folder of shipped data files (inside the wheel, or at the top of a source checkout)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / name, here.parent / name):
        if candidate.is_dir():
            return candidate
    raise ConfigError(f"the shipped {name} folder is missing from this installation")


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML data file; any failure is one ConfigError line naming the file."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a text file in UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: TOML syntax error: {exc}") from None


def scenario_dir() -> Path:
    """Folder of the shipped scenarios."""
    return data_dir("scenarios")


def resolve_file(ref: str | Path, folder: Path, kind: str, hint: str = "") -> Path:
    """Return the ``.toml`` path given, or the file of the shipped ``kind`` (scenario, experiment) named ``ref``."""
    path = Path(ref)
    if path.suffix != ".toml" and not path.exists():
        shipped = folder / f"{ref}.toml"
        if shipped.exists():
            return shipped
        names = sorted(p.stem for p in folder.glob("*.toml"))
        raise ConfigError(
            f"{ref}: no such {kind} file or shipped {kind}.{suggest(str(ref), names)} Shipped: {', '.join(names)}"
        )
    if not path.is_file():
        raise ConfigError(f"{ref}: file not found (give a .toml file or a shipped {kind} name{hint})")
    return path


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

    def with_overrides(self, overrides: Mapping[str, Any]) -> Scenario:
        """Return a copy with ``--set`` style overrides applied (validated)."""
        if not overrides:
            return self
        cfg = self.config.with_overrides(overrides)
        return Scenario(self.name, self.description, self.sources, cfg, self.path, {**self.overrides, **overrides})


def load_scenario(ref: str | Path) -> Scenario:
    """Load and validate a scenario by file path or shipped name.

    Raises
    ------
    ConfigError
        With one message naming the file, the key path, the value and what is allowed.
    """
    path = resolve_file(ref, scenario_dir(), "scenario", "; see 'coprod-sim scenarios'")
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: not a text file in UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read the file ({exc.strerror})") from None
    return parse_scenario(text, where, default_name=path.stem, path=path)


def parse_scenario(text: str, where: str, *, default_name: str = "scenario", path: Path | None = None) -> Scenario:
    """Validate a scenario given as TOML text (an uploaded file, say); ``where`` names it in errors.

    The text is data only: it is parsed as TOML and validated, never executed.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: TOML syntax error: {exc}") from None
    meta = data.pop("scenario", None)
    if meta is None:
        raise ConfigError(f"{where}: missing the [scenario] table with name, description and sources")
    meta = check_keys(meta, _META_KEYS, f"{where}: ", name="scenario")
    name = meta.get("name", default_name)
    description = meta.get("description")
    sources = meta.get("sources", [])
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: scenario.name = {name!r}: allowed is a non-empty text")
    if not isinstance(description, str) or not description.strip():
        raise ConfigError(
            f"{where}: scenario.description = {description!r}: allowed is a non-empty text "
            "saying what the scenario represents"
        )
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise ConfigError(f"{where}: scenario.sources = {sources!r}: allowed is a list of texts")
    config = Config.from_dict(data, source=where)
    return Scenario(name=name, description=description.strip(), sources=tuple(sources), config=config, path=path)


def scenario_toml(scenario: Scenario) -> str:
    """Write a scenario as a TOML file that ``load_scenario`` (and ``coprod-sim run``) accepts.

    Only values that differ from the defaults are written, section by section, then the timeline.
    """
    lines = [
        "[scenario]",
        f"name = {_toml_value(scenario.name)}",
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
        raise ConfigError(f"--set {text!r}: expected key.path=value, e.g. --set power.transfer=0.5")
    key, _, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    param(key, "--set ")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw  # a bare word such as `all` for training.target
    return key, value
