import dataclasses
import tomllib

import pytest

from coprod_sim.config import SECTIONS, Config, ConfigError, flat_name, iter_params, param_paths


def test_defaults_are_valid_and_in_range():
    cfg = Config()
    cfg.check()
    for p in iter_params():
        v = cfg.get(p.path)
        assert isinstance(v, p.type), p.path
        if p.type in (int, float):
            assert p.lo <= v <= p.hi, p.path
        if p.choices:
            assert v in p.choices


def test_every_parameter_documented_with_source():
    for p in iter_params():
        assert p.unit and p.doc and p.source, p.path
        assert p.path.count(".") == 1


def test_from_dict_roundtrip():
    cfg = Config.from_dict({"power": {"transfer": 0.4}, "organisation": {"people": 50}})
    assert cfg.power.transfer == 0.4 and cfg.organisation.people == 50
    again = Config.from_dict(dict(cfg.to_dict().items()))
    assert again == cfg
    assert cfg.diff() == {"power.transfer": 0.4, "organisation.people": 50}


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Config().power.transfer = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"power": {"transfr": 0.2}}, "Did you mean 'power.transfer'"),
        ({"powr": {"transfer": 0.2}}, "Did you mean 'power'"),
        ({"power": {"transfer": "high"}}, "power.transfer = 'high' is not a number"),
        ({"power": {"transfer": 1.5}}, "power.transfer = 1.5 is out of range: allowed is a number from 0 to 1"),
        ({"power": {"paid": 1}}, "power.paid = 1 is not true or false"),
        ({"organisation": {"people": 10.5}}, "is not a whole number"),
        ({"organisation": {"people": True}}, "is not a number"),
        ({"training": {"target": "everyone"}}, "allowed is one of 'none', 'managers', 'staff', 'all'"),
        ({"organisation": {"people": 10, "team_size": 12}}, "team_size = 12 is more than organisation.people = 10"),
        ({"deliberation": {"aspects": 2, "coverage": 3}}, "deliberation.coverage = 3 is more than"),
        ({"accessibility": {"free_share": 0.8, "one_time_share": 0.5}}, "must add up to at most 1"),
        ({"power": 0.3}, "must be a table"),
        ({"power": {"transfer": float("nan")}}, "not a finite number"),
    ],
)
def test_bad_values_give_clear_errors(data, fragment):
    with pytest.raises(ConfigError) as info:
        Config.from_dict(data, source="x.toml")
    msg = str(info.value)
    assert fragment in msg
    assert msg.startswith("x.toml: ")


@pytest.mark.parametrize(
    ("timeline", "fragment"),
    [
        ([{"step": 5, "lever": "power.transfer", "value": 2.0}], "out of range"),
        ([{"step": 5, "lever": "organisation.people", "value": 20}], "is not a policy lever"),
        ([{"step": 5, "lever": "power.transfr", "value": 0.2}], "Did you mean 'power.transfer'"),
        ([{"step": -1, "lever": "power.transfer", "value": 0.2}], "step = -1"),
        ([{"lever": "power.transfer", "value": 0.2}], "missing 'step'"),
        ([{"step": 1, "lever": "power.paid", "value": True, "ramp": 4}], "only numeric levers can ramp"),
        ([{"step": 1, "lever": "power.transfer", "value": 0.2, "when": 3}], "unknown key 'when'"),
        ({"step": 1}, "must be a list"),
    ],
)
def test_bad_timelines(timeline, fragment):
    with pytest.raises(ConfigError, match=None) as info:
        Config.from_dict({"timeline": timeline})
    assert fragment in str(info.value)


def test_flat_names_are_unique_identifiers():
    names = [flat_name(p) for p in param_paths()]
    assert len(set(names)) == len(names)
    assert all(n.isidentifier() for n in names)
    cfg = Config.from_flat(power_transfer=0.25, organisation_people=40)
    assert cfg.power.transfer == 0.25 and cfg.organisation.people == 40
    with pytest.raises(ConfigError, match="Did you mean 'power_transfer'"):
        Config.from_flat(power_transfr=0.1)


def test_with_overrides_validates():
    cfg = Config().with_overrides({"organisation.people": 10000})
    assert cfg.organisation.people == 10000
    with pytest.raises(ConfigError, match="unknown key path"):
        Config().with_overrides({"organisation.peple": 3})


def test_sections_cover_all_fields():
    assert set(SECTIONS) == {f.name for f in dataclasses.fields(Config)} - {"timeline"}


def test_one_key_checker_for_every_table():
    from coprod_sim.config import check_keys, check_tables

    assert check_keys({"a": 1}, ("a", "b"), "f.toml: ", name="t") == {"a": 1}
    with pytest.raises(ConfigError) as info:
        check_keys({"a": 1, "bb": 2}, ("a", "b"), "f.toml: ", name="t")
    assert str(info.value) == "f.toml: unknown key t.bb Did you mean 'b'? Allowed in [t]: a, b"
    with pytest.raises(ConfigError) as info:
        check_keys({"whn": 1}, ("when", "what"), "entry 2: ")
    assert str(info.value) == "entry 2: unknown key 'whn' Did you mean 'when'? Allowed: when, what"
    with pytest.raises(ConfigError, match=r"^f: t = 3 must be a table, e\.g\. \[t\]$"):
        check_keys(3, ("a",), "f: ", name="t")
    with pytest.raises(ConfigError, match=r"^f: \[1\] must be a table with keys a, b$"):
        check_keys([1], ("a", "b"), "f: ")
    check_tables({"design": {}}, ("[design]", "[[parameters]]"))
    with pytest.raises(ConfigError) as info:
        check_tables({"paramters": []}, ("[design]", "[[parameters]]"), "f: ")
    assert (
        str(info.value) == "f: unknown table [paramters] Did you mean 'parameters'? Allowed: [design], [[parameters]]"
    )


def test_parameter_index_is_read_only_and_names_an_unknown_path():
    from coprod_sim.config import PARAMS, param

    assert list(PARAMS) == param_paths() and param("power.transfer") is PARAMS["power.transfer"]
    with pytest.raises(TypeError):
        PARAMS["power.transfer"] = None  # type: ignore[index]
    with pytest.raises(ConfigError, match=r"^x: power\.transfr: unknown key path\. Did you mean 'power\.transfer'\?"):
        param("power.transfr", "x: ")
    with pytest.raises(ConfigError, match=r"^None: unknown key path\."):
        param(None)


def _bad_value(p):
    """A value the parameter refuses: out of range, or of the wrong kind."""
    if p.type is bool:
        return "yes"
    if p.choices:
        return "nobody"
    return p.hi + 1


@pytest.mark.parametrize("section", list(SECTIONS))
def test_every_section_checks_its_values_when_built_directly(section):
    cls = SECTIONS[section]
    params = [p for p in iter_params() if p.section == section]
    assert cls() == cls(**{p.name: p.default for p in params})  # valid values pass
    for p in params:
        with pytest.raises(ConfigError) as info:
            cls(**{p.name: _bad_value(p)})
        assert str(info.value).startswith(f"{p.path} = {_bad_value(p)!r}")
        assert str(info.value).endswith(f"allowed is {p.allowed()}")


def test_a_config_built_directly_refuses_bad_values_and_impossible_combinations():
    from coprod_sim.config import Deliberation, Organisation, Power

    with pytest.raises(ConfigError) as info:
        Config(power=Power(transfer=5))
    assert str(info.value) == "power.transfer = 5 is out of range: allowed is a number from 0 to 1"
    with pytest.raises(ConfigError, match=r"^organisation\.team_size = 12 is more than organisation\.people = 10"):
        Config(organisation=Organisation(people=10, team_size=12))
    with pytest.raises(ConfigError, match=r"^deliberation\.coverage = 3 is more than deliberation\.aspects = 2"):
        Config(deliberation=Deliberation(aspects=2, coverage=3))
    with pytest.raises(ConfigError, match=r"^power = 0\.3 must be a Power section"):
        Config(power=0.3)  # type: ignore[arg-type]
    base = Config(organisation=Organisation(people=10, team_size=5))
    with pytest.raises(ConfigError, match="team_size = 12 is more than"):
        dataclasses.replace(base, organisation=dataclasses.replace(base.organisation, team_size=12))


def test_a_config_built_directly_is_the_one_from_dict_builds():
    from coprod_sim.config import Organisation, Power, TimelineEntry

    direct = Config(power=Power(transfer=0), organisation=Organisation(people=40.0))
    assert direct == Config.from_dict({"power": {"transfer": 0}, "organisation": {"people": 40.0}})
    assert type(direct.power.transfer) is float and type(direct.organisation.people) is int
    late, early = TimelineEntry(52, "power.transfer", 1), TimelineEntry(10, "power.paid", True)
    assert type(late.value) is float
    assert Config(timeline=(late, early)).timeline == (early, late)  # applied in order of week
    with pytest.raises(ConfigError, match=r"^value for power\.transfer = 2 is out of range"):
        TimelineEntry(5, "power.transfer", 2)
    with pytest.raises(ConfigError, match="is not a policy lever"):
        TimelineEntry(5, "organisation.people", 20)
    with pytest.raises(ConfigError, match="must be a tuple of TimelineEntry"):
        Config(timeline=[late])  # type: ignore[arg-type]


def test_two_changes_of_one_lever_in_one_week_are_refused():
    """Which of two values for one lever in one week was meant cannot be known: say so, naming both."""
    text = (
        '[[timeline]]\nstep = 52\nlever = "power.transfer"\nvalue = 0.3\n'
        '[[timeline]]\nstep = 52\nlever = "power.transfer"\nvalue = 0.6\n'
    )
    with pytest.raises(ConfigError) as err:
        Config.from_dict(tomllib.loads(text), source="plan.toml")
    assert str(err.value) == (
        "plan.toml: timeline: two changes of power.transfer at week 52 (0.3 and 0.6); "
        "allowed is one change of a lever in a week"
    )
    other = (
        '[[timeline]]\nstep = 52\nlever = "power.transfer"\nvalue = 0.3\n'
        '[[timeline]]\nstep = 53\nlever = "power.transfer"\nvalue = 0.6\n'
    )
    assert len(Config.from_dict(tomllib.loads(other)).timeline) == 2  # another week is another change
