"""Golden results: every output column of fixed runs hashes as committed (see tests/golden.py).

A refactor leaves these untouched. A deliberate change of results regenerates them with
``python -m tests.golden --regenerate "reason"`` and names the new generation in CHANGELOG.md.
"""

import numpy as np
import pandas as pd
import pytest

from tests import golden

COMMITTED = golden.load()


@pytest.mark.parametrize("case", list(golden.CASES))
def test_golden_results_unchanged(case):
    expected = COMMITTED["cases"][case]
    actual = golden.CASES[case]()
    changed = golden.differences(expected, actual)
    assert not changed, (
        f"{case}: {len(changed)} golden columns changed ({', '.join(changed[:10])}). If the change of results is "
        "deliberate, run 'python -m tests.golden --regenerate \"reason\"' and name it in CHANGELOG.md"
    )


def test_every_case_is_pinned():
    assert set(COMMITTED["cases"]) == set(golden.CASES)
    assert golden.generation(COMMITTED["cases"]) == COMMITTED["generation"]


def test_changelog_names_the_current_generation():
    text = golden.CHANGELOG.read_text(encoding="utf-8")
    assert f"generation {COMMITTED['generation']}" in text, (
        f"CHANGELOG.md must say why the golden results were regenerated, naming 'generation {COMMITTED['generation']}'"
    )


def test_hash_sees_a_last_bit_change_but_not_nan_or_sign_of_zero_patterns():
    x = np.array([0.1, 0.25, np.nan, 0.0])
    nudged = x.copy()
    nudged[1] = np.nextafter(nudged[1], 1.0)
    assert golden.column_hash(x) != golden.column_hash(nudged)
    other_nan = np.array([0.1, 0.25, -np.nan, -0.0])
    assert golden.column_hash(x) == golden.column_hash(other_nan)
    levels = pd.Series(["none", "compliance"])
    assert golden.column_hash(levels) == golden.column_hash(np.array([0.0, 2.0]))
