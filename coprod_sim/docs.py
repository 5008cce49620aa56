"""Documentation generated from the single definitions (so docs cannot drift).

``python -m coprod_sim.docs`` rewrites, in ``docs/ODD.md``, the parameter table between the
markers ``<!-- parameters:start -->`` and ``<!-- parameters:end -->`` (from the parameters) and
the patterns' roles between ``<!-- patterns:start -->`` and ``<!-- patterns:end -->`` (from
``experiments/validation/patterns.toml``); the test suite checks that the committed file matches.
"""

from __future__ import annotations

import sys
from pathlib import Path

from coprod_sim.cards import default_cards
from coprod_sim.config import LEVER_SECTIONS, iter_params

__all__ = ["END", "PATTERNS_END", "PATTERNS_START", "START", "parameter_table", "pattern_roles", "update_odd"]

START = "<!-- parameters:start -->"
END = "<!-- parameters:end -->"
PATTERNS_START = "<!-- patterns:start -->"
PATTERNS_END = "<!-- patterns:end -->"

#: How each role is named in the ODD's table, and what it can show.
_ROLE_TEXT = {
    "calibration": ("calibration target", "a free parameter was fitted to it: meeting it shows the fit worked"),
    "independent": ("independent", "used to set nothing: a real test of the model"),
    "input check": ("input check", "reproduces figures the model was given, through its mechanisms"),
    "read-back": ("read-back", "reads back an assumed or fitted rate under another name: the code does what it says"),
}


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _default(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def parameter_table() -> str:
    """Markdown table of every parameter: key path, default, unit or range, meaning, source (and default card)."""
    rows = [
        "| key path | default | unit; allowed | meaning | source |",
        "|---|---|---|---|---|",
    ]
    cards = default_cards().cards
    for p in iter_params():
        lever = " (lever)" if p.section in LEVER_SECTIONS else ""
        card = cards.get(p.path)
        # a parameter with a default card says so, and its range, where its source is read
        ranged = f" Default card: {_cell(card.describe().removeprefix(p.path + ' '))}." if card else ""
        mark = " (card)" if card else ""
        rows.append(
            f"| `{p.path}`{lever}{mark} | {_default(p.default)} | {_cell(p.unit)}; {_cell(p.allowed())} "
            f"| {_cell(p.doc)} | {_cell(p.source)}{ranged} |"
        )
    return "\n".join(rows)


def _count(n: int, name: str) -> str:
    """``n name`` in the plural where it has one ("independent" has none)."""
    return f"{n} {name}" if n == 1 or name == "independent" else f"{n} {name}s"


def pattern_roles() -> str:
    """Markdown: how many validation patterns have each role, and which, from patterns.toml."""
    from coprod_sim.validation.patterns import ROLES, load_patterns

    patterns = load_patterns()
    by_role = {r: [p.id for p in patterns if p.role == r] for r in ROLES}
    counts = ", ".join(_count(len(by_role[r]), _ROLE_TEXT[r][0]) for r in ROLES)
    rows = [
        f"{len(patterns)} patterns: {counts}.",
        "",
        "| role | patterns | what meeting it shows |",
        "|---|---|---|",
    ]
    for r in ROLES:
        ids = ", ".join(f"`{i}`" for i in by_role[r]) or "none"
        rows.append(f"| {_ROLE_TEXT[r][0]} ({len(by_role[r])}) | {ids} | {_ROLE_TEXT[r][1]} |")
    return "\n".join(rows)


def _replace_block(path: Path, text: str, start: str, end: str, body: str) -> str:
    if start not in text or end not in text:
        raise SystemExit(f"{path}: the markers {start} and {end} are missing")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{body}\n{end}{tail}"


def update_odd(path: Path) -> bool:
    """Rewrite the generated blocks in ``path``; return True if the file changed."""
    text = path.read_text(encoding="utf-8")
    new = _replace_block(path, text, START, END, parameter_table())
    new = _replace_block(path, new, PATTERNS_START, PATTERNS_END, pattern_roles())
    if new != text:
        path.write_text(new, encoding="utf-8")
        return True
    return False


if __name__ == "__main__":  # pragma: no cover
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/ODD.md")
    print(f"{target}: {'updated' if update_odd(target) else 'already up to date'}")
