"""The dashboard's parts without a browser: drawings, explanations, the live simulation, the views."""

from __future__ import annotations

import datetime
import re
import subprocess
import sys
import time
from html import escape
from pathlib import Path

import numpy as np
import pytest

from coprod_sim.config import Config, ConfigError
from coprod_sim.dashboard import svg
from coprod_sim.dashboard.explore import build
from coprod_sim.dashboard.levers import COMPONENTS, lever_params
from coprod_sim.dashboard.session import Simulation
from coprod_sim.metrics import LEVEL_RULES
from coprod_sim.model import CoProdModel
from coprod_sim.outputs import LEVELS, label, phrase
from coprod_sim.scenarios import load_scenario


def test_every_lever_is_a_lever_with_a_default_from_the_config():
    params = lever_params()
    assert [c.name for c in COMPONENTS] == ["Culture", "Structure", "Practice", "Review"]
    assert len(params) == sum(len(c.paths) for c in COMPONENTS)
    cfg = Config()
    for path, p in params.items():
        assert p.default == cfg.get(path), path


def test_the_page_module_imports_no_model_until_the_server_listens():
    """The server imports the page before it first answers; Mesa and pandas (about 1 s) must wait."""
    code = (
        "import sys, coprod_sim.dashboard.app as app\n"
        "print(sorted(m for m in ('mesa', 'pandas', 'coprod_sim.model') if m in sys.modules))\n"
        "app.preload_model(); app.preload_model(); app._model.join()\n"
        "print(sorted(m for m in ('mesa', 'pandas', 'coprod_sim.model', 'coprod_sim.dashboard.explore') "
        "if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    before, after = out.stdout.splitlines()
    assert before == "[]"
    assert after == "['coprod_sim.dashboard.explore', 'coprod_sim.model', 'mesa', 'pandas']"


def test_line_chart_is_labelled_escaped_and_describes_its_lines():
    chart = svg.line_chart(
        [0, 1, 2, 3],
        [svg.Series("<script>alert(1)</script>", [0.1, 0.2, 0.3, 0.4]), svg.Series("Others", [0.5, 0.5, 0.4, 0.2])],
        title="Taking part",
        y_label="share",
    )
    assert chart.startswith("<svg") and 'role="img"' in chart
    assert "<script>" not in chart and "&lt;script&gt;" in chart
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", chart).group(1)
    # "<name>: rose", not "Disabled people rose" or "Disabled people was" (a group is not a quantity).
    assert "rose from 0.10" in desc and "to 0.40" in desc and "Others: fell from 0.50" in desc
    assert chart.count("<polyline") == 2 and 'stroke-dasharray="8 4"' in chart  # second line dashed


def test_line_chart_keeps_whole_weeks_and_long_names_whole():
    week0 = svg.line_chart([0], [svg.Series("Fit of services to needs", [0.65])], title="Fit", y_label="0-1")
    x_ticks = re.findall(r'text-anchor="middle" fill="#333">([^<]*)</text>', week0)
    assert x_ticks == ["0", "1"]  # no week 0.2
    spans = re.findall(r"<tspan[^>]*>([^<]*)</tspan>", week0)
    # The title, then the line's name on two lines, not cut to "Fit of services..."
    assert spans == ["Fit", "Fit of services", "to needs"]
    longest = svg.line_chart([0], [svg.Series("Fit of services to people's needs", [0.65])], title="Fit", y_label="")
    assert re.findall(r"<tspan[^>]*>([^<]*)</tspan>", longest)[1:] == ["Fit of services", "to people&#x27;s", "needs"]
    y_ticks = re.findall(r'text-anchor="end"[^>]*>([^<]*)</text>', week0)
    # one value gets a range about it, and a share is never given negative ticks (was -0.5 to 0.75)
    assert y_ticks and not any(t.startswith("\u2212") for t in y_ticks), y_ticks
    zero = svg.line_chart([0], [svg.Series("a", [0.0])], title="t", y_label="0-1")
    assert not any(t.startswith("\u2212") for t in re.findall(r'text-anchor="end"[^>]*>([^<]*)</text>', zero))
    shares = svg.line_chart([0.0, 0.5, 1.0], [svg.Series("a", [1, 2, 3])], title="t", y_label="y", x_label="share")
    assert "0.2</text>" in shares  # fractional x values keep fractional ticks


def test_band_and_missing_values_draw_without_error():
    y = np.array([np.nan, 0.2, np.nan, 0.4, 0.5])
    chart = svg.line_chart(range(5), [svg.Series("a", y, lo=y - 0.1, hi=y + 0.1)], title="t", y_label="y")
    assert "<polygon" in chart and "<polyline" in chart
    assert "no values yet" in svg.line_chart(range(3), [svg.Series("b", [np.nan] * 3)], title="t", y_label="y")


def test_heatmap_prints_every_value_and_names_the_best_cell():
    z = np.array([[0.1, 0.2], [0.3, 0.9]])
    out = svg.heatmap([0.0, 0.5], [1, 2], z, title="Influence", x_label="power", y_label="size", z_label="influence")
    for v in ("0.10", "0.20", "0.30", "0.90"):
        assert f">{v}</text>" in out
    assert "Highest at power 0.5 and size 2" in out


def test_viridis_is_ordered_and_grey_for_missing():
    c = svg.viridis(np.array([0.0, 1.0, np.nan]))
    assert list(c) == [svg.VIRIDIS[0], svg.VIRIDIS[-1], "#9e9e9e"]


def test_layout_groups_teams_and_network_draws_every_person_by_role_shape():
    sim = Simulation(Config(), seed=3)
    st = sim.model.structure
    pos = sim.pos
    assert pos.shape == (sim.model.n, 2) and np.isfinite(pos).all()
    # Each member is nearer to their own manager than to any other team's manager.
    mgr = pos[st.manager_seat]
    d = np.linalg.norm(pos[:, None, :] - mgr[None, :, :], axis=2)
    assert (d.argmin(axis=1) == st.team).all()
    drawing = sim.network_svg("attitude")
    role = sim.model.state.role
    assert drawing.count("<rect x=") - 1 >= int((role == 0).sum())  # managers are squares (+ the key's icon)
    assert drawing.count("<polygon") >= int((role == 2).sum())  # disabled workers are triangles
    assert "Attitude (0 medical model, 1 social model)" in drawing


def test_a_lever_changed_mid_run_acts_from_the_next_week_and_is_reproducible():
    sim = Simulation(Config(), seed=5)
    sim.step(10)
    assert sim.latest()["n_peer_supporters"] == 0
    sim.change_levers({"peer_support.enabled": True})
    assert sim.current("peer_support.enabled") is True
    sim.step(5)
    assert sim.latest()["n_peer_supporters"] > 0
    # The same as a run planned from the start with a timeline entry at the model's step 11.
    planned = Config.from_dict(
        {**Config().to_dict(), "timeline": [{"step": 11, "lever": "peer_support.enabled", "value": True}]}
    )
    ref = CoProdModel(seed=5, config=planned)
    for _ in range(15):
        ref.step()
    assert sim.model.datacollector.get_model_vars_dataframe().equals(ref.datacollector.get_model_vars_dataframe())


def test_a_lever_moved_twice_in_one_week_keeps_the_last_value():
    """A slider moved twice before the next step is one change (a timeline may not change a lever
    twice in one week)."""
    sim = Simulation(Config(), seed=5)
    sim.step(3)
    sim.change_levers({"power.transfer": 0.2})
    sim.change_levers({"power.transfer": 0.4})
    assert sim.current("power.transfer") == 0.4
    assert [(e.step, e.value) for e in sim.config.timeline if e.lever == "power.transfer"] == [(4, 0.4)]
    sim.step(1)
    assert sim.model.p.power.transfer == 0.4


def test_the_lever_in_force_follows_a_ramp_as_the_model_does():
    # accessibility_first ramps power.transfer from 0 to 0.3 over weeks 52-103.
    sim = Simulation(load_scenario("accessibility_first").config.with_overrides({"organisation.people": 60}), seed=2)
    sim.step(60)
    shown = sim.current("power.transfer")
    assert 0.0 < shown < 0.3
    sim.step(1)  # the model's week 61 uses the value shown before it ran
    assert sim.model.p.power.transfer == shown
    sim.step(50)
    assert sim.current("power.transfer") == pytest.approx(0.3)


def test_a_bad_lever_value_is_refused_and_the_run_goes_on():
    sim = Simulation(Config(), seed=1)
    sim.step(3)
    with pytest.raises(ConfigError, match=r"power\.transfer"):
        sim.change_levers({"power.transfer": 1.7})
    sim.step(1)
    assert sim.week == 4 and sim.current("power.transfer") == 0.0


def test_build_takes_scenario_levers_and_size():
    sim = build("peer_support", {**{p: Config().get(p) for p in lever_params()}, "power.transfer": 0.3}, 2, 120)
    assert sim.config.organisation.people == 120 and sim.config.power.transfer == 0.3
    assert sim.config.timeline == ()


def test_explanation_names_the_level_and_the_reason_for_tokenism():
    sim = Simulation(Config(), seed=2)
    text = " ".join(sim.explanation())
    assert text.startswith("Week 0.") and "press Step or Play" in text
    sim.step(30)
    text = " ".join(sim.explanation())
    assert text.startswith("Week 30.") and f"Co-production level: {sim.level()}" in text
    assert sim.level() in LEVELS
    if sim.latest()["tokenism_rate"] > LEVEL_RULES["consultation_tokenism"]:
        assert "tokenistic" in text and "Power transfer is 0%" in text
    cfg = Config().with_overrides({"power.transfer": 0.5})
    strong = Simulation(cfg, seed=2)
    strong.step(30)
    assert "influence was real" in " ".join(strong.explanation())


def test_charts_have_data_tables_with_the_same_numbers():
    sim = Simulation(Config(), seed=4)
    sim.step(20)
    charts = sim.chart_svgs()
    assert [c[0] for c in charts] == [
        "Taking part and real influence",
        "Wellbeing",
        "Burnout",
        "Attitudes and fit of services",
    ]
    _, chart, table = charts[1]
    last = sim.latest()["wellbeing_disabled"]
    assert "<caption>Wellbeing, selected weeks (evenly spaced, and where each line is lowest and highest)" in table
    assert f'<th scope="row">20</th><td>{last:.2f}</td>' in table
    assert f"to {last:.2f}" in chart or f": {last:.2f} at week 0 and at 20" in chart
    # The lowest and highest values the description names are in the table too (21 weeks, 14 shown).
    shown = {float(v) for v in re.findall(r"<td>([-\d.]+)</td>", table)}
    named = re.findall(r"lowest ([-\d.]+), highest ([-\d.]+)|between ([-\d.]+) and ([-\d.]+) on the way", chart)
    assert named
    for low, high in ((a or c, b or d) for a, b, c, d in named):
        assert float(low) in shown and float(high) in shown, (low, high)
    few = Simulation(Config(), seed=4)
    few.step(5)
    assert "<caption>Wellbeing, by week</caption>" in few.chart_svgs()[1][2]  # every week while they fit


def test_explore_view_steps_resets_and_applies_levers_without_a_browser(monkeypatch):
    import ipyvuetify as v
    import solara

    from coprod_sim.dashboard import explore
    from coprod_sim.dashboard.explore import ExploreView

    monkeypatch.setattr(explore, "MESSAGE_SECONDS", 0.5)
    _box, rc = solara.render(ExploreView(), handle_error=False)
    assert "Week 0." in _page_text(rc)
    rc.find(v.Btn, children=["Step 1 week"]).widget.click()
    assert "Week 1." in _page_text(rc)
    rc.find(v.Btn, children=["Step 1 year"]).widget.click()
    assert "Week 53" in _page_text(rc)
    # The levers are built only when their group is opened.
    assert not rc.find(v.Switch, label="Peer support programme").widgets
    _button(rc, "Show the practice levers (11)").click()
    assert "Hide the practice levers (11)" in [c for w in rc.find(v.Btn).widgets for c in w.children]
    # A lever switched while running acts from next week; the message names it, its value and the
    # week, and goes after a while (news, not a label).
    rc.find(v.Switch, label="Peer support programme").widget.v_model = True
    assert "Peer support programme to on, from week 54." in _page_text(rc)
    deadline = time.monotonic() + 20
    while "Peer support programme to on" in _page_text(rc) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "Peer support programme to on" not in _page_text(rc)
    _button(rc, "Reset").click()
    assert "Week 0." in _page_text(rc)
    rc.close()


def test_explore_offers_scenarios_by_title_with_their_description():
    import solara

    from coprod_sim.dashboard.explore import ExploreView, scenario_menu
    from coprod_sim.scenarios import list_scenario_names, load_scenario

    menu = scenario_menu()
    assert list(menu)[1:] == list_scenario_names()
    assert all(load_scenario(n).title for n in list_scenario_names())  # every shipped scenario has a title
    _box, rc = solara.render(ExploreView(), handle_error=False)
    scenario = _choice(rc, "Scenario")
    assert [name for name, _ in scenario.options][1:] == [t for t, _ in list(menu.values())[1:]]
    scenario.value = "peer_support"
    assert escape(load_scenario("peer_support").description) in _page_text(rc)
    rc.close()


def test_explore_fields_say_in_plain_words_what_is_wrong_and_keep_the_run(monkeypatch):
    import solara

    from coprod_sim.dashboard.explore import ExploreView

    _box, rc = solara.render(ExploreView(), handle_error=False)
    _type(rc, "Seed (same seed, same run)", "-3")
    assert "The seed must be a whole number, 0 or more" in _page_text(rc)
    _type(rc, "People in the organisation", "5000")
    text = _page_text(rc)
    assert "from 12 (one team of 12) to 2,000: this page draws everyone" in text and "organisation.people" not in text
    assert "300 people" in text  # the run in use is the last good one
    # Fewer than one team: refused where it is typed, in the same words (not the config's cross-check).
    _type(rc, "People in the organisation", "10")
    text = _page_text(rc)
    assert "from 12 (one team of 12) to 2,000" in text and "team_size" not in text and "300 people" in text
    _type(rc, "People in the organisation", "1,000")
    _type(rc, "Seed (same seed, same run)", "7")
    text = _page_text(rc)
    assert "1000 people" in text and "must be a whole number" not in text
    rc.close()


def test_the_network_can_highlight_one_role():
    sim = Simulation(Config(), seed=2)
    plain, marked = sim.network_svg("wellbeing"), sim.network_svg("wellbeing", highlight=2)
    others = len(set(sim.model.state.role.tolist()) - {2})
    assert 'opacity="0.2"' not in plain and marked.count('opacity="0.2"') == others >= 2  # the other roles fade
    n = int((sim.model.state.role == 2).sum())
    assert f"{n} people of the role disabled worker are outlined in bold" in marked


def test_a_slider_putting_a_value_on_its_grid_is_not_a_lever_change():
    from coprod_sim.dashboard.explore import slider_moved

    got: list = []
    ratio = slider_moved(0.12, 0.01, 1.0, 0.99 / 20, got.append)  # peer_support.ratio's default, off the grid
    ratio(0.109)  # the slider drawing 0.12 at its nearest step
    assert got == []
    ratio(0.1585)  # the user, one step up
    ratio(0.01)
    assert got == [0.1585, 0.01]
    weeks = slider_moved(2, 4, 104, 1, got.append)  # a value below the slider's range
    weeks(4)
    weeks(5)
    assert got == [0.1585, 0.01, 5] and isinstance(got[-1], int)


def _wait_for_text(rc, text: str, timeout: float = 120.0) -> str:
    """Page text once ``text`` appears (the comparison runs in a background thread)."""
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        page = _page_text(rc)
        if text in page:
            return page
        time.sleep(0.1)
    raise AssertionError(f"{text!r} did not appear within {timeout} s")


def _type(rc, label: str, text: str) -> None:
    """Type into a text field and leave it (numbers are taken when the field loses focus)."""
    import ipyvuetify as v

    field = rc.find(v.TextField, label=label).widget
    field.v_model = text
    field.fire_event("focusout", None)


def _choice(rc, label: str):
    """The drop-down list labelled ``label``."""
    import ipywidgets

    return rc.find(ipywidgets.Dropdown, description=label).widget


def _button(rc, label: str):
    import ipyvuetify as v

    (match,) = [w for w in rc.find(v.Btn).widgets if label in w.children]
    return match


def _page_text(rc) -> str:
    """Text of every HTML element rendered (summary paragraphs, messages, figures, charts and their tables)."""
    import ipyvue
    import solara.widgets

    parts = [w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets]
    for w in rc.find(ipyvue.VueTemplate).widgets:  # ChartWithTable
        parts += [getattr(w, name, "") for name in ("chart", "summary", "table")]
    return " ".join(p for p in parts if isinstance(p, str))


def test_edited_scenario_round_trips_through_toml(tmp_path):
    from coprod_sim.dashboard.compare_view import build_scenario, new_spec
    from coprod_sim.scenarios import load_scenario, scenario_toml

    spec = new_spec("accessibility_first")
    spec["name"] = 'My "plan" é'
    spec["levers"]["peer_support.enabled"] = True
    spec["timeline"].append({"step": 80, "lever": "review.enabled", "value": True, "ramp": 0})
    sc = build_scenario(spec)
    path = tmp_path / "plan.toml"
    path.write_text(scenario_toml(sc), encoding="utf-8")
    back = load_scenario(path)
    assert back.config == sc.config and back.name == 'My "plan" é'
    assert "Edited in the dashboard." in back.description
    assert back.config.timeline[-1].step == 80 and back.config.peer_support.enabled is True


def test_a_bad_edited_scenario_names_the_lever():
    from coprod_sim.dashboard.compare_view import build_scenario, new_spec, parse_value

    spec = new_spec("baseline")
    spec["timeline"] = [{"step": 10, "lever": "power.transfer", "value": 2.0, "ramp": 0}]
    with pytest.raises(ConfigError, match=r"scenario 'baseline'.*power\.transfer"):
        build_scenario(spec)
    p = lever_params()
    assert parse_value("yes", p["peer_support.enabled"]) is True
    assert parse_value("0.25", p["power.transfer"]) == 0.25
    assert (
        type(parse_value(" 1 ", p["power.transfer"])) is float and type(parse_value("4", p["review.interval"])) is int
    )
    for text, path, why in (
        ("1.5", "power.transfer", "is out of range"),
        ("abc", "review.interval", "is not a number"),
        ("2.5", "review.interval", "is not a whole number"),
        ("everyone", "training.target", ""),
        ("maybe", "peer_support.enabled", "is not true or false"),
    ):
        # The config's own checker and message: the lever, the value typed and what is allowed.
        with pytest.raises(ConfigError, match=re.escape(f"{path} = ") + ".*" + why + ".*: allowed is "):
            parse_value(text, p[path])


def test_uploaded_scenario_text_is_validated_not_executed():
    from coprod_sim.scenarios import parse_scenario

    with pytest.raises(ConfigError, match=r"upload\.toml: TOML syntax error"):
        parse_scenario("import os\nos.system('x')", "upload.toml")
    with pytest.raises(ConfigError, match=r"upload\.toml: .*power\.transfer"):
        parse_scenario('[scenario]\ndescription = "x"\n[power]\ntransfer = "lots"\n', "upload.toml")


def test_comparison_bands_and_verdict():
    from coprod_sim.compare import compare
    from coprod_sim.dashboard.explain import verdict
    from coprod_sim.scenarios import load_scenario

    c = compare([load_scenario("baseline"), load_scenario("transformative")], replicates=3, seed=1, steps=60)
    mean, lo, hi = c.trajectories["transformative"]["influence_share"]
    assert (
        len(mean) == 61 and np.all((lo <= mean + 1e-12) | np.isnan(lo)) and np.all((hi >= mean - 1e-12) | np.isnan(hi))
    )
    runs = c.runs[c.runs.scenario == "transformative"]
    assert abs(np.nanmean(mean[1:]) - runs["influence_share_mean"].mean()) < 0.05
    text = verdict(c, 60)
    assert text.startswith("Compared with baseline, transformative brings ")
    assert f"{phrase('influence_share')} up (+" in text and "same 3 seeds" in text
    assert "improves" not in text and "(-" not in text  # directions in words, minus signs as minus


def test_the_verdict_follows_the_table_rule_and_names_the_largest_first():
    from types import SimpleNamespace

    import pandas as pd

    from coprod_sim.dashboard.explain import verdict

    def row(outcome, diff, lo, hi):
        return {"scenario": "b", "outcome": outcome, "diff": diff, "diff_lo": lo, "diff_hi": hi}

    rows = [
        row("participation_rate_mean", 0.73, 0.70, 0.76),  # largest, in points
        row("tokenism_rate_mean", -0.30, -0.35, -0.25),  # better when lower: named as down
        row("fit_mean", 0.004, 0.001, 0.007),  # clear but under one point: too small to matter
        row("wellbeing_disabled_final", 0.05, -0.01, 0.11),  # interval spans zero: not named
        row("exits_disabled_total", -20.8, -25.0, -16.0),  # people: 20.8 people is 20.8 worth units
        row("cost_per_year", 11140.0, -23347.0, 45628.0),  # cost: the same rule
    ]
    c = SimpleNamespace(names=["a", "b"], seeds=[1, 2, 3], table=pd.DataFrame(rows), break_even={"b": None})
    text = verdict(c, 520)
    named = [
        "taking part in meetings up (+0.730)",
        "tokenism",
        "disabled people who left down (\u221221)",
    ]  # counts whole
    where = [text.lower().index(n) for n in named]
    assert where == sorted(where), text  # 73 points, then 30 points, then 20.8 people
    assert "tokenism in meetings down (\u22120.300)" in text and "fit" not in text.split(".")[0]
    assert "wellbeing" not in text.split(".")[0]
    assert "The other 2 outcomes show no clear difference worth reporting." in text  # fit, wellbeing
    assert f"No clear difference in {phrase('cost_per_year')} (95% interval \u221223,347 to +45,628)." in text


def test_teach_view_steps_both_twins_and_reveals_after_two_years():
    import ipyvuetify as v
    import solara

    from coprod_sim.dashboard.teach import TeachView

    _box, rc = solara.render(TeachView(), handle_error=False)
    assert "Week 0 in both organisations." in _page_text(rc)
    group = rc.find(v.RadioGroup).widget
    assert group.v_model is None  # nothing chosen before the class chooses
    group.v_model = "Lower with peer support"
    _button(rc, "Lock in my prediction").click()
    for _ in range(2):
        _button(rc, "Step both 1 year").click()
    text = _page_text(rc)
    assert "Week 104 in both organisations." in text
    # The reveal gives what seed 1's pair shows, as one pair's result beside its week-to-week noise
    # (within it, or within half a point as shown, is about the same), and judges the prediction.
    import re

    from coprod_sim.dashboard.teach import CHOICES, make_twins, pair_reading, twin_gap, twin_noise

    off, on = make_twins(1)
    off.step(104)
    on.step(104)
    b_off, b_on = twin_gap(off, on, "burnout_disabled_workers")
    shown = re.search(r"was ([\d.]+)% without and ([\d.]+)% with", text).groups()
    assert shown == (f"{b_off * 100:.1f}", f"{b_on * 100:.1f}")
    noise = twin_noise(off, on, "burnout_disabled_workers")
    assert f"about {noise * 100:.1f} points from week to week" in text
    answer = pair_reading(b_off, b_on, noise)
    judged = "Your prediction matches this pair." if answer == CHOICES[0] else "You predicted: lower"
    assert "In this one pair" in text and f"This pair: {answer.lower()}." in text and judged in text
    assert "Answer:" not in text
    assert "is it peer support, or chance?" in text
    _button(rc, "Run 10 more pairs").click()
    text = _wait_for_text(rc, "of 10 pairs")
    assert "of every 100 disabled workers" in text
    rc.close()


def test_compare_view_runs_and_shows_table_verdict_and_downloads():
    import ipyvuetify as v
    import solara

    from coprod_sim.dashboard.compare_view import CompareView

    _box, rc = solara.render(CompareView(), handle_error=False)
    _type(rc, "Seeds per scenario (replicates)", "2")
    _type(rc, "Weeks to simulate", "40")
    _button(rc, "Run the comparison").click()
    text = _wait_for_text(rc, "Compared with baseline")
    assert "Table of outcomes (CSV)" in [c for w in rc.find(v.Btn).widgets for c in w.children]
    assert "Compared with baseline, transformative" in text
    assert "Outcomes over 2 seeds: mean [95% interval]" in text and "transformative minus baseline" in text
    assert "Extra cost so far, compared with baseline" in text
    assert "<caption>Extra cost so far, compared with baseline, selected weeks" in text  # its data table
    # A wrong number is named under its field as it is typed; Run then refuses, and the results
    # still shown are said to be the last run's.
    _type(rc, "Weeks to simulate", "5")
    _wait_for_text(rc, "The number of weeks must be a whole number from 13 to 1,040.")
    _button(rc, "Run the comparison").click()
    text = _wait_for_text(rc, "Not run:")
    assert "Not run: the number of weeks must be a whole number from 13 to 1,040." in text
    assert "The results below are those of the last comparison that ran" in text and "Compared with baseline" in text
    rc.close()


def test_compare_view_refuses_too_many_runs_and_keeps_the_scenarios():
    import solara

    from coprod_sim.dashboard.compare_view import CompareView

    _box, rc = solara.render(CompareView(), handle_error=False)
    _type(rc, "Seeds per scenario (replicates)", "500")
    _button(rc, "Run the comparison").click()
    assert "Not run: use 1 to 50 seeds" in _wait_for_text(rc, "Not run:")
    assert _choice(rc, "Scenario 2 starts from").value == "transformative"
    # Offered by title, as Explore offers them (the file's name stays the value).
    from coprod_sim.scenarios import load_scenario

    assert (load_scenario("transformative").label, "transformative") in _choice(rc, "Scenario 2 starts from").options
    rc.close()


@pytest.fixture(scope="module")
def tiny_sweep(tmp_path_factory):
    from tests.helpers import make_sweep

    return make_sweep(tmp_path_factory.mktemp("sweep") / "results" / "tiny")


def test_research_helpers_bin_pivot_and_interval(tiny_sweep):
    import pandas as pd

    from coprod_sim.dashboard.research import binned, grid_means, lever_axis, line_means, open_sweep, varying

    a = open_sweep(str(tiny_sweep))
    xs, ys, z = grid_means(a.runs, "power.transfer", "accessibility.information", "influence_share_mean")
    assert xs == [0.0, 0.5] and ys == [0.2, 0.8] and z.shape == (2, 2)
    assert (z[:, 1] > z[:, 0]).all()  # power transfer raises influence in both rows
    lm = line_means(a.runs, "power.transfer", "influence_share_mean")
    assert list(lm["n"]) == [8, 8] and (lm["lo"] <= lm["mean"]).all() and (lm["mean"] <= lm["hi"]).all()
    b = binned(pd.Series(np.linspace(0, 1, 100)))
    assert b.nunique() == 8 and b.is_monotonic_increasing
    # The lever with one value is not offered; a switch is named off/on; a line per value of the other lever.
    factors = [f["path"] for f in a.manifest["experiment"]["factors"]]
    assert factors[0] == "training.target" and "training.target" not in varying(a.runs, factors)
    assert lever_axis(a.runs, "peer_support.enabled")[1] == {0.0: "off", 1.0: "on"}
    split = line_means(a.runs, "power.transfer", "influence_share_mean", by="peer_support.enabled")
    assert list(split["group"]) == [0.0, 0.0, 1.0, 1.0] and list(split["n"]) == [4, 4, 4, 4]


def test_research_refuses_what_is_not_a_sweep(tmp_path):
    from coprod_sim.dashboard.research import open_sweep

    with pytest.raises(ConfigError, match="no such folder"):
        open_sweep(str(tmp_path / "nowhere"))
    with pytest.raises(ConfigError, match=r"no manifest\.json here"):
        open_sweep(str(tmp_path))
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ConfigError, match="not a coprod-sim sweep manifest"):
        open_sweep(str(tmp_path))


def test_research_view_opens_a_sweep_and_draws_it(tiny_sweep, monkeypatch):
    import ipyvuetify as v
    import solara

    from coprod_sim.dashboard.research import ResearchView

    monkeypatch.chdir(tiny_sweep.parent.parent)  # ./results/tiny is found and offered
    _box, rc = solara.render(ResearchView(), handle_error=False)
    assert rc.find(v.TextField, label="Sweep folder").widget.v_model == str(Path("results") / "tiny")
    _button(rc, "Open").click()
    text = _page_text(rc)
    assert f"{label('influence_share_mean')}: mean over runs" in text
    assert "Heatmap values" in text and f"Change in {phrase('influence_share_mean')}" in text
    # Opens on levers that vary, by their plain names, with a colour key and one line per value.
    said = " ".join(c for w in rc.find(v.Html).widgets for c in w.children if isinstance(c, str))
    assert "the same in every run: Who is trained: all" in said
    assert "Power transfer (guaranteed share of decisions)" in text and "power.transfer" not in text
    assert 'class="cp-legend"' in text and "one line for each value of Accessible information (easy read)" in text
    assert f"Opened {Path('results') / 'tiny'}: " in text  # said where the focus stays (on Open)
    # A filter bound that is not a number is said under the field, in words; the filter stays as it was.
    start = next(w for w in rc.find(v.TextField).widgets if str(w.label).startswith("From"))
    start.v_model = "abc"
    start.fire_event("focusout", None)
    assert "Type a number, such as 0.25" in _page_text(rc)
    _type(rc, "Sweep folder", "results/nothing")
    _button(rc, "Open").click()
    text = _page_text(rc)
    assert "results/nothing: no such folder" in text and "Heatmap values" in text  # the open sweep stays
    rc.close()


def test_uploads_are_checked_for_size_encoding_and_content():
    from coprod_sim.dashboard.compare_view import build_scenario, read_upload, spec_from_scenario
    from coprod_sim.scenarios import load_scenario, scenario_toml

    with pytest.raises(ConfigError, match=r"big\.toml: 200,000 bytes is too big"):
        read_upload("big.toml", b"#" * 200_000)
    with pytest.raises(ConfigError, match=r"bin\.toml: not a text file in UTF-8"):
        read_upload("bin.toml", b"\xff\xfe\x00")
    with pytest.raises(ConfigError, match=r"bad\.toml: .*team_size"):
        read_upload("bad.toml", b'[scenario]\ndescription = "x"\n[organisation]\npeople = 10\n')
    # A scenario with non-lever settings (a smaller organisation) keeps them when edited.
    src = load_scenario("specialisterne")
    sc = read_upload("mine.toml", scenario_toml(src).encode())
    spec = spec_from_scenario(sc)
    spec["levers"]["review.enabled"] = True
    built = build_scenario(spec)
    assert built.config.organisation == src.config.organisation and built.config.review.enabled


_NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)  # FileUpload wants a time


def test_compare_view_upload_shows_errors_next_to_the_control_and_loads_good_files():
    import ipywidgets
    import solara

    from coprod_sim.dashboard.compare_view import CompareView
    from coprod_sim.scenarios import load_scenario, scenario_toml

    _box, rc = solara.render(CompareView(), handle_error=False)
    up = rc.find(ipywidgets.FileUpload).widgets[1]  # scenario 2
    up.value = (
        {"name": "evil.toml", "type": "", "content": memoryview(b"import os"), "size": 9, "last_modified": _NOW},
    )
    assert "evil.toml: TOML syntax error" in _page_text(rc)
    assert _choice(rc, "Scenario 2 starts from").value == "transformative"  # kept
    good = scenario_toml(load_scenario("peer_support")).encode()
    up.value = ({"name": "ps.toml", "type": "", "content": memoryview(good), "size": len(good), "last_modified": _NOW},)
    assert _choice(rc, "Scenario 2 starts from").value == "uploaded file"
    assert "evil.toml" not in _page_text(rc)
    rc.close()


def test_explore_checks_the_size_of_the_organisation_with_the_config_rule():
    from coprod_sim.config import PARAMS, check_value
    from coprod_sim.dashboard.explore import MAX_PEOPLE, PAGE_PEOPLE

    assert PAGE_PEOPLE.lo == PARAMS["organisation.people"].lo and PAGE_PEOPLE.hi == MAX_PEOPLE
    assert check_value(PAGE_PEOPLE, 300, "") == 300
    for v in (3, MAX_PEOPLE + 1, None):
        with pytest.raises(
            ConfigError, match=rf"organisation\.people = {v}.*: allowed is a whole number from 4 to 2000$"
        ):
            check_value(PAGE_PEOPLE, v, "")


def test_line_charts_draw_bands_first_and_the_reference_on_top_and_keep_colours():
    from coprod_sim.dashboard import svg

    x = np.arange(5)
    a = svg.Series("a", [0.1, 0.2, 0.3, 0.4, 0.5], [0.0] * 5, [0.6] * 5)
    b = svg.Series("b", [0.5, 0.4, 0.3, 0.2, 0.1], [0.0] * 5, [0.6] * 5)
    import re

    drawing = svg.line_chart(x, [a, b], title="t", y_label="u")
    assert drawing.rindex("<polygon") < drawing.index("<polyline")  # no band veils a line
    order = re.findall(r'<polyline[^>]*stroke="(#[0-9A-Fa-f]+)"', drawing)
    assert order == [svg.OKABE_ITO[1], svg.OKABE_ITO[0]]  # a, the first (the reference), drawn last
    # A series given its place in the palette keeps its colour when the others are left out.
    alone = svg.line_chart(x, [svg.Series("b", b.y, style=1)], title="t", y_label="u")
    assert f'stroke="{svg.OKABE_ITO[1]}"' in alone and f'stroke="{svg.OKABE_ITO[0]}"' not in alone


def test_compare_table_shows_whole_counts_catalogue_decimals_levels_by_name_and_bands_within_0_and_1():
    import re

    from coprod_sim.compare import compare
    from coprod_sim.dashboard.compare_view import _bounded, outcome_table
    from coprod_sim.outputs import LEVELS
    from coprod_sim.scenarios import load_scenario

    c = compare([load_scenario("baseline"), load_scenario("transformative")], replicates=3, seed=1, steps=60)
    html = outcome_table(c)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html)
    assert not any(re.search(r"-0\.0+\b", cell) or "\u22120.000 " in cell for cell in cells)  # no negative zero
    assert not any(re.search(r"\d\.\d{3} \[", cell) for cell in cells if "people)" in cell)
    people = [row for row in re.findall(r"<tr>(.*?)</tr>", html) if "(people)" in row]
    # whole numbers: a count is read as people, not as "67.6 leavers"
    assert people and all(re.search(r"<td>[\d,]+ \[[\u2212\d,]+, [\d,]+\]</td>", row) for row in people), people
    level_row = next(row for row in re.findall(r"<tr>(.*?)</tr>", html) if "Co-production level" in row)
    assert any(f"({name})" in level_row for name in LEVELS)
    s = _bounded("x", "burnout_disabled", np.array([0.01, 0.5]), np.array([-0.2, 0.4]), np.array([0.2, 1.3]))
    assert np.all(np.asarray(s.lo) >= 0.0) and np.all(np.asarray(s.hi) <= 1.0)
    s = _bounded("x", "cost", np.array([1.0]), np.array([-5.0]), np.array([5.0]))  # money: not clipped
    assert np.asarray(s.lo)[0] == -5.0


def _radio(rc, value: str) -> None:
    """Choose the radio button of ``value`` (as a click on it does)."""
    import ipyvuetify as v

    rc.find(v.RadioGroup).widget.v_model = value


def test_compare_view_with_uncertain_assumptions_shows_probabilities_drivers_and_downloads(tmp_path):
    import ipyvuetify as v
    import solara

    from coprod_sim.dashboard.compare_full_view import FULL
    from coprod_sim.dashboard.compare_view import CompareView

    _box, rc = solara.render(CompareView(), handle_error=False)
    _radio(rc, FULL)
    _type(rc, "Draws of the assumptions", "4")
    _type(rc, "Weeks to simulate", "26")
    _button(rc, "Run the comparison").click()
    text = _wait_for_text(rc, "over 4 draws of the assumptions")
    assert "Compared with baseline, over 4 draws of the assumptions, transformative is better on" in text
    assert "(better in 4 of 4 draws)" in text  # the count, in words
    assert "Outcomes over 4 draws of the assumptions, each on its own seed" in text
    assert "(a draw where the two are equal counts as half a draw)" in text  # why 19.5 of 20 can be read
    assert "not judged: neither more nor less is better" in text  # cost has no better direction
    assert "transformative: better than baseline in" in text
    # Within half a year no draw pays back, so nothing decides payback; fit differs from draw to draw.
    assert "the same in every draw, so no assumption decides it" in text
    _choice(rc, "Outcome whose deciding assumptions are shown").value = "fit_mean"
    text = _wait_for_text(rc, "Data table: What decides fit of services to people's needs: transformative against")
    assert "What an unrelated assumption reaches by chance" in text
    labels = [c for w in rc.find(v.Btn).widgets for c in w.children]
    for words in ("Verdicts (CSV)", "Payback (CSV)", "What decides each verdict (CSV)"):
        assert words in labels
    assert "Seeds per scenario (replicates)" not in [w.label for w in rc.find(v.TextField).widgets]
    rc.close()


def test_a_cards_upload_is_validated_and_its_errors_name_the_field():
    from coprod_sim.dashboard.compare_full_view import read_cards_upload

    head = '[cards]\nagreed_by = "Access Group"\ndate = 2026-11-20\nwhy = "Ours."\n\n'
    good = read_cards_upload("ours.toml", (head + '[costs.rework]\nvalue = 0.3\nsource = "workshop"\n').encode())
    assert good.cards["costs.rework"].value == 0.3
    bad = head + '[costs.rework]\nlo = 0.2\nhi = 9.0\ndistribution = "uniform"\nsource = "workshop"\n'
    with pytest.raises(
        ConfigError, match=r"^ours\.toml: costs\.rework\.hi = 9\.0 is out of range: allowed is a number from 0 to 5"
    ):
        read_cards_upload("ours.toml", bad.encode())
    with pytest.raises(ConfigError, match="not a text file in UTF-8"):
        read_cards_upload("ours.toml", b"\xff\xfe")
    with pytest.raises(ConfigError, match="missing the \\[cards\\] table"):
        read_cards_upload("ours.toml", b'[costs.rework]\nvalue = 0.3\nsource = "w"\n')


def test_ranked_bars_say_in_words_which_beat_chance():
    chart = svg.ranked_bars(
        ["what one team project is worth", "how many people are in a team"],
        [0.48, 0.2],
        [True, False],
        title="What decides payback",
        threshold=0.37,
    )
    assert 'role="img"' in chart and "<title" in chart
    assert "what one team project is worth: 0.48 (beats chance); how many people are in a team: 0.20." in chart
    assert "An unrelated assumption reaches 0.37 by chance." in chart
    # The chance rule is drawn across each bar, not through the names above them or the title.
    rules = re.findall(r'<line x1="[\d.]+" y1="([\d.]+)" x2="[\d.]+" y2="([\d.]+)" stroke="#D55E00"', chart)
    bars = [float(y) for y in re.findall(r'<rect x="8" y="([\d.]+)"', chart)]
    assert len(rules) == len(bars) == 2
    assert all(float(a) >= b - 3 and float(c) <= b + 15 for (a, c), b in zip(rules, bars, strict=True))


def test_a_band_is_described_in_words_too():
    """The shaded 95% band is in the text alternative, not only in the picture."""
    chart = svg.line_chart(
        [0, 1, 2],
        [svg.Series("baseline", [0.1, 0.2, 0.3], [0.05, 0.1, 0.2], [0.15, 0.3, 0.4]), svg.Series("other", [0.5] * 3)],
        title="Taking part",
        y_label="share",
    )
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", chart).group(1)
    assert "The band of baseline at week 2: 0.20 to 0.40." in desc and "The band of other" not in desc
