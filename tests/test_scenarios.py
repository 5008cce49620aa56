import json

import pytest

from coprod_sim.config import Config, ConfigError
from coprod_sim.model import LEVELS
from coprod_sim.run import simulate
from coprod_sim.scenarios import load_scenario, parse_scenario, shipped_scenarios

REQUIRED = {
    "baseline",
    "tokenistic",
    "compliance",
    "intermediate",
    "transformative",
    "training_only",
    "accessibility_first",
    "peer_support",
    "specialisterne",
}


def test_required_scenarios_are_shipped():
    assert {p.stem for p in shipped_scenarios()} >= REQUIRED


@pytest.mark.parametrize("path", shipped_scenarios(), ids=lambda p: p.stem)
def test_scenario_is_valid_described_and_cited(path):
    sc = load_scenario(path)
    assert sc.name == path.stem
    assert len(sc.description) > 40 and sc.sources
    assert any(".txt" in s or "(" in s for s in sc.sources)
    # States only what differs from the defaults: nothing it sets equals the default.
    import tomllib

    data = tomllib.loads(path.read_text())
    for section, table in data.items():
        if section in ("scenario", "timeline"):
            continue
        for key, value in table.items():
            assert Config().get(f"{section}.{key}") != value, f"{path.stem}: {section}.{key} repeats the default"
    res = simulate(sc.config.with_overrides({"organisation.people": 120}), 1, 20)
    assert len(res.timeseries) == 21


def test_baseline_is_the_defaults():
    assert load_scenario("baseline").config == Config()


def test_levels_climb_the_ladder():
    want = {
        "baseline": "consultation",
        "tokenistic": "consultation",
        "compliance": "compliance",
        "intermediate": "intermediate",
        "transformative": "transformative",
    }
    for name, level in want.items():
        for seed in range(5):
            ts = simulate(load_scenario(name).config, seed, 260).timeseries
            final = ts["level"].iloc[-52:].value_counts().idxmax()
            assert final == level, (name, seed, final)
    assert LEVELS.index("transformative") == 4


def test_a_title_is_optional_checked_and_kept_when_written_back():
    from coprod_sim.scenarios import parse_scenario, scenario_toml

    base = '[scenario]\nname = "x"\ndescription = "A plan."\n'
    assert parse_scenario(base, "x.toml").label == "X"  # no title: the name in words
    sc = parse_scenario(base + 'title = "Our plan"\n', "x.toml")
    assert sc.title == "Our plan" and sc.label == "Our plan"
    assert parse_scenario(scenario_toml(sc), "again.toml").title == "Our plan"
    assert sc.with_overrides({"organisation.people": 50}).title == "Our plan"
    with pytest.raises(ConfigError, match=r"x\.toml: scenario\.title = .*at most 80 printable characters"):
        parse_scenario(base + f'title = "{"t" * 81}"\n', "x.toml")
    with pytest.raises(ConfigError, match=r"scenario\.title = 3: allowed is a text"):
        parse_scenario(base + "title = 3\n", "x.toml")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "a\x1b[31mRED"),  # a terminal's colour escape
        ("title", "t\x1b]0;title\x07"),  # sets a terminal's window title
        ("description", "x\rhidden\x1b[2K"),  # return and erase-line hide what was printed
        ("description", "bell\x07"),
    ],
)
def test_scenario_text_with_control_characters_is_refused(field, value):
    """Names, titles and descriptions are printed to terminals and pages: escapes would rewrite them."""
    meta = {"name": "s", "description": "d", field: value}
    text = "[scenario]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in meta.items())
    with pytest.raises(ConfigError) as err:
        parse_scenario(text, "plan.toml")
    message = str(err.value)
    assert message.startswith(f"plan.toml: scenario.{field} = ")
    assert "printable" in message or "without control characters" in message
    assert "\x1b" not in message and "\x07" not in message and "\r" not in message
    ok = parse_scenario('[scenario]\nname = "s"\ndescription = "two\\nlines\\tand a tab"\n', "plan.toml")
    assert ok.description == "two\nlines\tand a tab"
