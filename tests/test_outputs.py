"""The catalogue of outputs: one entry for every weekly column and summary, and its words used nowhere else."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from coprod_sim import model, outputs
from coprod_sim.config import Config
from coprod_sim.run import simulate, summarise

PACKAGE = Path(outputs.__file__).resolve().parent
ROOT = PACKAGE.parent


def test_every_output_column_has_exactly_one_entry_in_the_models_order():
    names = [c.name for c in outputs.columns()]
    assert names == list(outputs.OUTPUT_COLUMNS) == list(model.OUTPUT_COLUMNS)
    assert len(set(names)) == len(names)
    assert outputs.LEVELS == model.LEVELS
    # model.py judges the level over a quarter; until it reads QUARTER_WEEKS its own constant must agree.
    assert getattr(model, "LEVEL_WINDOW", outputs.QUARTER_WEEKS) == outputs.QUARTER_WEEKS == 13


@pytest.mark.parametrize("steps", [0, 1, 30])
def test_summarise_gives_exactly_the_catalogues_summaries_in_order(steps):
    ts = simulate(Config().with_overrides({"organisation.people": 80}), seed=3, steps=steps).timeseries
    assert list(summarise(ts)) == list(outputs.summary_names())
    as_lists = {c: list(ts[c]) for c in ts.columns}  # what a sweep passes (the collector's lists)
    assert list(summarise(as_lists)) == list(outputs.summary_names())


def test_every_summary_has_exactly_one_entry_and_names_its_column_and_how():
    names = outputs.summary_names()
    assert len(set(names)) == len(names)
    assert not set(names) & set(outputs.OUTPUT_COLUMNS)
    for s in outputs.summaries():
        assert outputs.summary(s.name) is s
        assert s.column in outputs.OUTPUT_COLUMNS and s.how in outputs.HOW
        assert s.name == f"{s.column}_{s.how}"
        assert s.better == outputs.column(s.column).better


def test_a_summary_sweep_stores_the_catalogues_summaries(tmp_path):
    from coprod_sim.sweep.runner import load_results
    from tests.helpers import make_sweep

    df = load_results(make_sweep(tmp_path / "sweep"))
    assert [c for c in df.columns if c in set(outputs.summary_names())] == list(outputs.summary_names())


def test_labels_are_unique_plain_and_complete():
    entries = [*outputs.columns(), *outputs.summaries()]
    labels = [e.label for e in entries]
    assert all(lb.strip() == lb and lb and lb[0].isupper() for lb in labels)
    assert len(set(labels)) == len(labels), sorted(lb for lb in labels if labels.count(lb) > 1)
    for e in entries:
        assert e.unit.strip() and e.better in (1, -1, None), e.name
        assert outputs.label(e.name) == e.label and outputs.unit(e.name) == e.unit
        assert outputs.better(e.name) == e.better
        assert outputs.label_with_unit(e.name) == f"{e.label} ({e.unit})"
        assert outputs.phrase(e.name)[1:] == e.label[1:] and outputs.phrase(e.name)[0].islower()
    for c in outputs.columns():
        assert outputs.short_label(c.name).strip() and outputs.measure(c.name).strip()
    with pytest.raises(KeyError, match="neither an output column nor a summary"):
        outputs.label("no_such_output")


def _strings(path: Path) -> list[str]:
    """Every string constant in a module, the literal parts of f-strings included, but not docstrings.

    Docstrings and comments may talk about an output ("the co-production level"); only strings the
    program shows or writes must not name one in their own words.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docs.add(id(first.value))
    return [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs
    ]


def test_no_other_module_writes_an_outputs_label():
    """An output's words live in coprod_sim/outputs.py only: elsewhere they are read from it."""
    words = {}
    for e in (*outputs.columns(), *outputs.summaries()):
        words[e.label] = e.name
        words[outputs.phrase(e.name)] = e.name  # the same words inside a sentence
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "outputs.py":
            continue
        for text in _strings(path):
            found += [f"{path.relative_to(ROOT)}: {w!r} ({name})" for w, name in words.items() if w in text]
    assert not found, "\n".join(found)


def test_odd_lists_the_comparison_table_with_the_catalogues_labels():
    from coprod_sim.compare import TABLE_OUTCOMES

    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    section = odd.split("The rows of the table", 1)[1].split("\n\n", 2)[1]  # the paragraph after the heading line
    rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]+) \|$", section, flags=re.M))
    assert list(rows) == list(TABLE_OUTCOMES)
    assert rows == {k: outputs.label_with_unit(k) for k in TABLE_OUTCOMES}


def test_decimals_suit_each_unit():
    entries = [*outputs.columns(), *outputs.summaries()]
    assert {outputs.decimals(e.name) for e in entries} == {0, 1, 2, 3}
    assert outputs.decimals("cost_per_year") == outputs.decimals("cost_training") == 0  # money in whole units
    assert outputs.decimals("exits_disabled_total") == outputs.decimals("n_people") == 1
    assert outputs.decimals("level_final") == outputs.decimals("progression_gap_final") == 2
    assert outputs.decimals("participation_rate_mean") == outputs.decimals("attitude_mean_final") == 3


def test_counts_take_the_number_of_their_noun():
    from coprod_sim.outputs import counted

    assert counted(1, "week") == "1 week" and counted(13, "week") == "13 weeks" and counted(0, "change") == "0 changes"
    assert counted(1, "person", "people") == "1 person" and counted(1200, "person", "people") == "1,200 people"
