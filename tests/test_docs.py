"""The ODD description follows the protocol's structure and its parameter table matches the code."""

import re
from pathlib import Path

from coprod_sim.config import iter_params
from coprod_sim.docs import END, PATTERNS_END, PATTERNS_START, START, parameter_table, pattern_roles

ROOT = Path(__file__).resolve().parents[1]
ODD = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")

ELEMENTS = [
    "Purpose and patterns",
    "Entities, state variables, and scales",
    "Process overview and scheduling",
    "Design concepts",
    "Initialization",
    "Input data",
    "Submodels",
]
CONCEPTS = [
    "Basic principles",
    "Emergence",
    "Adaptation",
    "Objectives",
    "Learning",
    "Prediction",
    "Sensing",
    "Interaction",
    "Stochasticity",
    "Collectives",
    "Observation",
]


def _heading_positions(names):
    positions = []
    for name in names:
        m = re.search(rf"^#+\s*(\d+(\.\d+)?\.?\s*)?{re.escape(name)}\s*$", ODD, flags=re.M)
        assert m, f"docs/ODD.md has no heading '{name}'"
        positions.append(m.start())
    return positions


def test_odd_has_the_seven_elements_in_order():
    pos = _heading_positions(ELEMENTS)
    assert pos == sorted(pos)


def test_odd_has_the_eleven_design_concepts_in_order():
    pos = _heading_positions(CONCEPTS)
    assert pos == sorted(pos)
    design, init = _heading_positions(["Design concepts", "Initialization"])
    assert all(design < p < init for p in pos)


def test_parameter_table_is_generated_from_the_code():
    assert START in ODD and END in ODD
    table = ODD.split(START, 1)[1].split(END, 1)[0].strip()
    assert table == parameter_table(), "run: python -m coprod_sim.docs docs/ODD.md"
    for p in iter_params():
        assert f"`{p.path}`" in table


def test_pattern_roles_in_the_odd_are_generated_from_patterns_toml():
    block = ODD.split(PATTERNS_START, 1)[1].split(PATTERNS_END, 1)[0].strip()
    assert block == pattern_roles(), "run: python -m coprod_sim.docs docs/ODD.md"


def test_at_least_five_independent_patterns_each_with_a_source():
    from coprod_sim.validation.patterns import load_patterns

    independent = [p for p in load_patterns() if p.role == "independent"]
    assert len(independent) >= 5
    assert all(p.source.strip() and p.evidence.strip() for p in independent)


def test_every_parameter_has_a_source_or_says_assumption():
    for p in iter_params():
        assert p.source.strip(), p.path


def test_strategist_guide_exists_and_explains_compare():
    guide = (ROOT / "docs" / "strategists.md").read_text(encoding="utf-8")
    for word in ("[scenario]", "[[timeline]]", "compare", "interval", "--set"):
        assert word in guide
