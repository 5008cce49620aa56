"""The catalogue of outputs: one entry for every weekly column and summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from coprod_sim import model, outputs
from coprod_sim.config import Config
from coprod_sim.run import SUMMARY_OUTCOMES, simulate, summarise

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


def test_the_sweeps_summary_columns_are_the_catalogues():
    # coprod_sim.sweep.runner names the columns of a summary sweep this way.
    stored = [f"{c}_{'total' if h == 'sum' else h}" for c, h in SUMMARY_OUTCOMES]
    assert [*stored, "cost_per_year", "level_final", "level_max"] == list(outputs.summary_names())


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
