"""Documentation generated from the single parameter definition (so docs cannot drift).

``python -m coprod_sim.docs`` rewrites the parameter table in ``docs/ODD.md`` between the
markers ``<!-- parameters:start -->`` and ``<!-- parameters:end -->``; the test suite checks
that the committed file matches.
"""

from __future__ import annotations

import sys
from pathlib import Path

from coprod_sim.cards import default_cards
from coprod_sim.config import LEVER_SECTIONS, iter_params

__all__ = ["END", "START", "parameter_table", "update_odd"]

START = "<!-- parameters:start -->"
END = "<!-- parameters:end -->"


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


def update_odd(path: Path) -> bool:
    """Rewrite the table between the markers in ``path``; return True if the file changed."""
    text = path.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{path}: the markers {START} and {END} are missing")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{START}\n{parameter_table()}\n{END}{tail}"
    if new != text:
        path.write_text(new, encoding="utf-8")
        return True
    return False


if __name__ == "__main__":  # pragma: no cover
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/ODD.md")
    print(f"{target}: {'updated' if update_odd(target) else 'already up to date'}")
