"""The documentation shipped with the package: ``coprod-sim docs NAME`` prints it.

The Markdown files of ``docs/`` are installed inside the package (pyproject's force-include), so a
user who installed with pip, and has no source checkout, can still read what error messages and
parameter tables point to: ``coprod-sim docs ODD`` prints the model description, and ``--path``
gives the installed file's path.
"""

from __future__ import annotations

from pathlib import Path

from coprod_sim.config import ConfigError, suggest
from coprod_sim.scenarios import data_dir

__all__ = ["doc_names", "doc_path", "doc_title"]


def doc_names() -> list[str]:
    """Names of the shipped documents (file names without ``.md``), sorted."""
    return sorted(p.stem for p in data_dir("docs").glob("*.md"))


def doc_path(name: str) -> Path:
    """Return the installed file of the document ``name`` (``ODD``, ``strategists``, ...; case ignored)."""
    names = doc_names()
    by_lower = {n.lower(): n for n in names}
    key = name.removesuffix(".md").lower()
    if key not in by_lower:
        raise ConfigError(
            f"docs: no document called {name[:40]!r}; allowed is one of {', '.join(names)}.{suggest(name, names)}"
        )
    return data_dir("docs") / f"{by_lower[key]}.md"


def doc_title(path: Path) -> str:
    """Return the first heading of a Markdown file, without its ``#`` marks."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip()
    return path.stem
