"""Assumption cards: the format is validated like a scenario, draws are reproducible, workshops override defaults."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from coprod_sim.cards import (
    NOT_CARDS,
    calibrated_paths,
    check_against,
    default_cards,
    default_cards_path,
    draw_configs,
    draw_overrides,
    is_assumption,
    load_cards,
    merge_cards,
    parse_cards,
)
from coprod_sim.cli import main
from coprod_sim.config import PARAMS, Config, ConfigError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "riverside_cards.toml"

#: The assumptions the one-at-a-time screen (experiments/screen_assumptions.py, 2 seeds, 300 people,
#: ten years) found to move an answer when the cards were chosen; docs/assumptions.md gives their
#: effects at this version's defaults. Each needs a default card.
MOVERS = (
    "accessibility.capex_per_person",
    "accessibility.request_rate",
    "accessibility.upkeep_share",
    "costs.project_value",
    "costs.rework",
    "deliberation.aspects",
    "deliberation.coverage",
    "deliberation.crowding",
    "deliberation.expert_noise",
    "deliberation.influence_steepness",
    "deliberation.lock_in",
    "deliberation.manager_weight",
    "deliberation.outsider_noise",
    "deliberation.stage_weeks",
    "deliberation.standard_bias",
    "deliberation.step_size",
    "deliberation.token_ratio",
    "involvement.deliberation_hours",
    "involvement.facilitation_hours",
    "involvement.hours",
    "organisation.attitude_mean",
    "organisation.onset_age_gradient",
    "organisation.recovery_rate",
    "organisation.team_size",
    "organisation.wage_week",
    "organisation.workload",
    "organisation.workload_sd",
    "participation.base",
    "peer_support.cost_week",
    "peer_support.ratio",
    "progression.interval",
    "progression.rate",
    "retention.base_hazard",
    "retention.burnout",
    "retention.hire_age_max",
    "retention.hire_age_min",
    "retention.reference",
    "retention.replacement_cost",
    "review.cost",
    "review.interval",
    "service_users.invite",
    "service_users.need_spread",
    "service_users.per_team",
    "support.cost_hour",
    "support.hours",
    "training.cost_per_hour",
    "training.hours",
    "training.interval",
    "wellbeing.burnout_threshold",
    "wellbeing.burnout_weeks",
    "wellbeing.noise",
    "wellbeing.power_strain",
    "wellbeing.rate",
    "wellbeing.resting",
)

HEADER = """\
[cards]
agreed_by = "Access Group and senior team"
date = 2026-11-20
why = "Our beliefs after two workshops."
"""

GOOD = (
    HEADER
    + """
[deliberation.standard_bias]
lo = 0.5
hi = 0.9
distribution = "triangular"
mode = 0.8
source = "workshop judgement"
note = "Staff said the standard service is the default answer."

[costs.project_value]
value = 40000
source = "workshop judgement"

[deliberation.aspects]
lo = 6
hi = 10
distribution = "uniform"
source = "workshop judgement"
"""
)


def _write(tmp_path: Path, text: str, name: str = "cards.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_good_file_loads(tmp_path):
    cards = load_cards(_write(tmp_path, GOOD))
    assert cards.agreed_by == "Access Group and senior team" and cards.date == "2026-11-20"
    assert list(cards.cards) == sorted(cards.cards)  # file order does not matter
    sb = cards.cards["deliberation.standard_bias"]
    assert (sb.lo, sb.hi, sb.mode, sb.distribution) == (0.5, 0.9, 0.8, "triangular")
    assert cards.cards["costs.project_value"].fixed and cards.cards["costs.project_value"].value == 40000.0


def _bad(body: str, header: str = HEADER) -> str:
    return header + "\n" + body


BAD = {
    "unknown path": (_bad('[deliberation.standard_bais]\nvalue = 0.5\nsource = "x"\n'), "standard_bias"),
    "unknown section": (_bad('[deliberatoin.standard_bias]\nvalue = 0.5\nsource = "x"\n'), "deliberation"),
    "unknown key": (_bad('[costs.rework]\nvalue = 0.5\nsource = "x"\nsauce = 1\n'), "costs.rework.sauce"),
    "lo not below hi": (
        _bad('[costs.rework]\nlo = 0.6\nhi = 0.2\ndistribution = "uniform"\nsource = "x"\n'),
        "above lo",
    ),
    "lo equals hi": (
        _bad('[costs.rework]\nlo = 0.5\nhi = 0.5\ndistribution = "uniform"\nsource = "x"\n'),
        "costs.rework.hi = 0.5: allowed is a number above lo = 0.5 (for one value, write value = 0.5)",
    ),
    "out of range": (
        _bad('[costs.rework]\nlo = 0.1\nhi = 9.0\ndistribution = "uniform"\nsource = "x"\n'),
        "bad.toml: costs.rework.hi = 9.0 is out of range: allowed is a number from 0 to 5",
    ),
    "not a number": (
        _bad('[costs.rework]\nlo = "low"\nhi = 1.0\ndistribution = "uniform"\nsource = "x"\n'),
        "not a number",
    ),
    "mode outside": (
        _bad('[costs.rework]\nlo = 0.2\nhi = 0.6\ndistribution = "triangular"\nmode = 0.9\nsource = "x"\n'),
        "mode = 0.9: allowed is a number from lo = 0.2 to hi = 0.6",
    ),
    "no mode": (
        _bad('[costs.rework]\nlo = 0.2\nhi = 0.6\ndistribution = "triangular"\nsource = "x"\n'),
        "missing mode",
    ),
    "mode on uniform": (
        _bad('[costs.rework]\nlo = 0.2\nhi = 0.6\ndistribution = "uniform"\nmode = 0.3\nsource = "x"\n'),
        "only a triangular",
    ),
    "bad distribution": (
        _bad('[costs.rework]\nlo = 0.2\nhi = 0.6\ndistribution = "normal"\nsource = "x"\n'),
        "'uniform', 'triangular'",
    ),
    "no source": (_bad("[costs.rework]\nvalue = 0.5\n"), "costs.rework.source is missing"),
    "value and range": (_bad('[costs.rework]\nvalue = 0.5\nlo = 0.1\nhi = 0.2\nsource = "x"\n'), "not both"),
    "range of a switch": (
        _bad('[review.enabled]\nlo = 0\nhi = 1\ndistribution = "uniform"\nsource = "x"\n'),
        "can only fix it",
    ),
    "calibrated": (_bad('[training.effect]\nvalue = 0.02\nsource = "x"\n'), "is calibrated"),
    "run setting": (_bad('[simulation.steps]\nvalue = 52\nsource = "x"\n'), "set per run"),
    "across fields": (
        _bad('[deliberation.coverage]\nlo = 2\nhi = 9\ndistribution = "uniform"\nsource = "x"\n'),
        "more than",
    ),
    "no header": ('[costs.rework]\nvalue = 0.5\nsource = "x"\n', "missing the [cards] table"),
    "no why": (HEADER.replace('why = "Our beliefs after two workshops."\n', "") + "\n", "cards.why is missing"),
    "long why": (HEADER.replace("Our beliefs", "x" * 3000), "at most 2,000 characters"),
    "no cards": (HEADER, "no cards"),
    "card not a table": (_bad("[costs]\nrework = 0.5\n"), "must be a table"),
    "syntax": (HEADER + "[costs.rework\n", "TOML syntax error"),
}


@pytest.mark.parametrize("kind", list(BAD))
def test_each_bad_file_is_one_line_naming_the_file_and_exit_2(kind, tmp_path, capsys):
    text, expected = BAD[kind]
    path = _write(tmp_path, text, "bad.toml")
    with pytest.raises(ConfigError) as exc:
        load_cards(path)
    assert expected in str(exc.value)
    assert main(["cards", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err and expected in err, err


def test_range_of_a_whole_number_must_be_whole(tmp_path):
    path = _write(tmp_path, _bad('[deliberation.aspects]\nlo = 5.5\nhi = 9\ndistribution = "uniform"\nsource = "x"\n'))
    with pytest.raises(
        ConfigError,
        match=r"cards.toml: deliberation.aspects.lo = 5.5 is not a whole number: allowed is a whole number from 1 to",
    ):
        load_cards(path)


def test_a_switch_can_be_fixed(tmp_path):
    cards = load_cards(_write(tmp_path, _bad('[review.enabled]\nvalue = true\nsource = "workshop judgement"\n')))
    assert draw_overrides(cards, 3, 1) == [{"review.enabled": True}] * 3


def test_draws_are_reproducible_inside_ranges_and_latin(tmp_path):
    cards = load_cards(_write(tmp_path, GOOD))
    a, b = draw_overrides(cards, 40, 7), draw_overrides(cards, 40, 7)
    assert a == b and a != draw_overrides(cards, 40, 8)
    sb = [d["deliberation.standard_bias"] for d in a]
    assert all(0.5 <= x <= 0.9 for x in sb)
    # Latin hypercube: one draw in each of the 40 equal strata of the unit interval (before the triangle)
    aspects = [d["deliberation.aspects"] for d in a]
    assert set(aspects) == set(range(6, 11)) and all(isinstance(x, int) for x in aspects)
    assert sorted(aspects).count(6) == 8  # five whole values share 40 strata evenly
    assert all(d["costs.project_value"] == 40000.0 for d in a)  # a fixed value pins the parameter
    # the triangle leans to its mode: most draws above the middle of the range
    assert sum(x > 0.7 for x in sb) > 20


def test_draws_do_not_depend_on_the_order_of_cards(tmp_path):
    blocks = GOOD.split("\n\n")
    reordered = "\n\n".join([blocks[0], *reversed(blocks[1:])])
    assert reordered != GOOD
    one, two = load_cards(_write(tmp_path, GOOD, "a.toml")), load_cards(_write(tmp_path, reordered, "b.toml"))
    assert draw_overrides(one, 16, 3) == draw_overrides(two, 16, 3)
    assert draw_overrides(one, 16, 3, method="sobol") == draw_overrides(two, 16, 3, method="sobol")


def test_draw_configs_are_validated_configs(tmp_path):
    cards = load_cards(_write(tmp_path, GOOD))
    base = Config().with_overrides({"organisation.people": 120})
    configs = draw_configs(cards, 5, 1, base=base)
    overrides = draw_overrides(cards, 5, 1)
    for cfg, ov in zip(configs, overrides, strict=True):
        assert cfg.organisation.people == 120
        assert all(cfg.get(p) == v for p, v in ov.items())


def test_workshop_card_overrides_the_default_and_fixed_value_pins(tmp_path):
    defaults = default_cards()
    path = next(iter(defaults.cards))
    p = PARAMS[path]
    mine = _bad(f'[{path}]\nvalue = {p.default!r}\nsource = "workshop judgement"\n')
    merged = merge_cards(defaults, load_cards(_write(tmp_path, mine)))
    assert merged.cards[path].fixed and merged.cards[path].source == "workshop judgement"
    assert set(merged.cards) == set(defaults.cards)
    assert all(d[path] == p.default for d in draw_overrides(merged, 8, 1))
    assert merged.agreed_by == "Access Group and senior team"
    assert {c.origin for p2, c in merged.cards.items() if p2 != path} <= {defaults.cards[path].origin}


def test_draw_arguments_are_checked():
    with pytest.raises(ConfigError, match="draws = 0"):
        draw_overrides(default_cards(), 0, 1)
    with pytest.raises(ConfigError, match="method = 'grid'"):
        draw_overrides(default_cards(), 4, 1, method="grid")


def test_shipped_default_cards_are_valid_and_cover_the_movers():
    defaults = default_cards()
    assert default_cards_path().is_file()
    missing = [p for p in MOVERS if p not in defaults.cards]
    assert not missing, f"assumptions that move an answer without a default card: {missing}"
    calibrated = set(calibrated_paths())
    for path, card in defaults.cards.items():
        assert path not in calibrated and path not in NOT_CARDS
        assert not card.fixed and card.lo <= PARAMS[path].default <= card.hi, path
        assert card.source.strip()
        assert is_assumption(path) or path == "costs.rework", path


def test_docs_say_which_assumptions_do_not_move_answers():
    text = (ROOT / "docs" / "assumptions.md").read_text(encoding="utf-8")
    for path in default_cards().cards:
        assert f"`{path}`" in text, path


def test_worked_example_is_the_one_the_guide_quotes():
    guide = (ROOT / "docs" / "assumptions.md").read_text(encoding="utf-8")
    assert f"```toml\n{EXAMPLE.read_text(encoding='utf-8')}```" in guide


def test_default_cards_ship_inside_the_package():
    import coprod_sim

    assert default_cards_path().parent == Path(coprod_sim.__file__).parent / "data"


def test_worked_example_is_valid(capsys):
    assert main(["cards", "check", str(EXAMPLE)]) == 0
    assert "valid" in capsys.readouterr().out
    assert main(["cards", "list", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "From the default cards" in out and f"From {EXAMPLE}" in out


def test_cards_are_data_only():
    with pytest.raises(ConfigError, match="TOML syntax error"):
        parse_cards("import os\n", "x.toml")


def test_cards_list_prints_every_default_card(capsys):
    assert main(["cards", "list"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Agreed by coprod-sim developers")
    for path in MOVERS:
        assert f"\n{path} triangular " in out, path


def test_cards_check_of_a_missing_file_is_one_line(tmp_path, capsys):
    assert main(["cards", "check", str(tmp_path / "nope.toml")]) == 2
    assert capsys.readouterr().err == f"coprod-sim: error: {tmp_path / 'nope.toml'}: file not found\n"


def test_a_card_on_a_lever_the_plans_differ_on_is_refused(tmp_path):
    from coprod_sim.scenarios import load_scenario

    base, plan = load_scenario("baseline").config, load_scenario("transformative").config
    cards = load_cards(_write(tmp_path, _bad('[power.transfer]\nvalue = 0.2\nsource = "workshop judgement"\n')))
    with pytest.raises(
        ConfigError, match=r"cards.toml: \[power.transfer\]: the scenarios compared differ on it \(baseline 0.0"
    ):
        check_against(cards, [base, plan], ["baseline", "transformative"])
    from coprod_sim.scenarios import shipped_scenarios

    # no default card is a lever any shipped plans differ on
    check_against(default_cards(), [load_scenario(p).config for p in shipped_scenarios()])


def test_ranges_that_cannot_be_drawn_together_are_refused(tmp_path, capsys):
    fixed = _bad(
        '[deliberation.coverage]\nlo = 2\nhi = 5\ndistribution = "uniform"\nsource = "x"\n\n'
        '[deliberation.aspects]\nvalue = 4\nsource = "x"\n'
    )
    with pytest.raises(ConfigError, match=r"can draw deliberation.coverage = 5 with the fixed cards, which cannot be"):
        load_cards(_write(tmp_path, fixed))
    # fits alone, but not with the default card of deliberation.aspects (5 to 12): cards check merges
    alone = _write(tmp_path, _bad('[deliberation.coverage]\nlo = 2\nhi = 6\ndistribution = "uniform"\nsource = "x"\n'))
    with pytest.raises(ConfigError, match=r"can draw deliberation.aspects = 5 with deliberation.coverage = 6"):
        merge_cards(default_cards(), load_cards(alone))
    assert main(["cards", "check", str(alone)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the default cards" in err and str(alone) in err


def test_every_default_card_has_a_plain_name_and_a_workshop_card_keeps_it():
    cards = default_cards()
    assert all(c.plain and len(c.plain) <= 80 and c.plain[0].islower() for c in cards.cards.values()), [
        p for p, c in cards.cards.items() if not c.plain
    ]
    head = '[cards]\nagreed_by = "Access Group"\ndate = 2026-11-20\nwhy = "Ours."\n\n'
    ours = parse_cards(head + '[costs.rework]\nvalue = 0.3\nsource = "workshop judgement"\n', "ours.toml")
    assert merge_cards(cards, ours).cards["costs.rework"].plain == cards.cards["costs.rework"].plain
    with pytest.raises(ConfigError, match=r"ours\.toml: costs\.rework\.plain = .*at most 80 characters"):
        parse_cards(head + f'[costs.rework]\nplain = "{"x" * 81}"\nvalue = 0.3\nsource = "w"\n', "ours.toml")
