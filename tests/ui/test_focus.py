"""Focus and announcements (issue 15, item 4): visible rings, focus never lost, short live messages.

After every action the focus moves to its result or stays on a visible control, never on the
page's body; each kind of control shows a ring of at least 3:1 against the page (WCAG 2.4.11,
2.4.13); a step says "Week N, level" and Play says nothing; data tables are named after their
charts and stay open as the weeks go by.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.ui import dash

#: How long to wait for the focus to arrive (ms): a bound on waiting, not a speed claim. The move
#: takes a round trip to the server, which on a machine busy with other work took over 5 s.
FOCUS_WAIT = 20_000

pytestmark = pytest.mark.timeout(300)

#: The element that shows a focused control's ring: the control itself or a visible part of it
#: (Vuetify hides a switch's input and draws a slider's thumb apart), with its outline's colour.
RING = """(el) => {
  const root = el.closest('.v-input') || el;
  for (const c of [el, root, ...root.querySelectorAll('*')]) {
    const cs = getComputedStyle(c), w = parseFloat(cs.outlineWidth);
    if (cs.outlineStyle === 'none' || !(w >= 2)) continue;
    const r = c.getBoundingClientRect();
    if (r.width < 6 || r.height < 6) continue;
    let opacity = 1;
    for (let a = c; a; a = a.parentElement) opacity *= parseFloat(getComputedStyle(a).opacity);
    if (opacity < 0.9) continue;
    let bg = 'rgb(255, 255, 255)';
    for (let a = c.parentElement; a; a = a.parentElement) {
      const b = getComputedStyle(a).backgroundColor;
      if (b && b !== 'transparent' && !b.startsWith('rgba(0, 0, 0, 0')) { bg = b; break; }
    }
    return {colour: cs.outlineColor, background: bg, width: w, what: c.tagName + '.' + c.getAttribute('class')};
  }
  return null;
}"""

ACTIVE_ID = """() => document.activeElement === document.body ? 'BODY'
    : (document.activeElement.id || document.activeElement.tagName)"""


def luminance(css: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+(?:\.\d+)?", css)[:3])
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def press(page: Page, role: str, name: str) -> None:
    """Operate a control from the keyboard (focus it, press Enter), as a keyboard user does."""
    control = page.get_by_role(role, name=name)
    control.focus()
    page.keyboard.press("Enter")


def test_every_kind_of_control_shows_a_focus_ring_of_3_to_1(page, dashboard):
    dash.open_dashboard(page, dashboard.url)
    dash.open_levers(page, "culture")
    controls = {
        "button": page.get_by_role("button", name=dash.STEP),
        "switch": page.get_by_role("switch", name=dash.PRESENT),
        "slider": page.get_by_role("slider").first,
        "drop-down": page.get_by_label("Scenario", exact=True),
        "text field": page.get_by_label("Seed (same seed, same run)"),
        "tab": page.get_by_role("tab", name="Compare"),
        "disclosure": page.get_by_role("button", name="Hide the culture levers (3)"),
    }
    missing = {}
    for kind, control in controls.items():
        page.keyboard.press("Shift")  # a key, so that the browser shows focus as for the keyboard
        control.focus()
        page.wait_for_timeout(150)
        ring = control.evaluate(RING)
        if ring is None:
            missing[kind] = "no visible ring"
        elif contrast(ring["colour"], ring["background"]) < 3:
            missing[kind] = f"ring {ring['colour']} on {ring['background']} is under 3:1"
    assert not missing, missing


def test_focus_follows_compare_actions_to_their_results(page, dashboard):
    dash.open_dashboard(page, dashboard.url)
    page.get_by_role("tab", name="Compare").click()
    press(page, "button", "Add a scenario")
    expect(page.get_by_label("Scenario 3 starts from")).to_be_focused(timeout=FOCUS_WAIT)  # the new scenario
    press(page, "button", "Add a scenario")
    expect(page.get_by_label("Scenario 4 starts from")).to_be_focused(timeout=FOCUS_WAIT)
    press(page, "button", "Remove scenario 3")
    expect(page.get_by_label("Scenario 3 starts from")).to_be_focused(timeout=FOCUS_WAIT)  # the one now in its place
    press(page, "button", "Remove scenario 3")
    expect(page.get_by_role("button", name="Add a scenario")).to_be_focused(timeout=FOCUS_WAIT)  # the last one went
    press(page, "button", "Show the timeline of scenario 2 (0 changes)")
    press(page, "button", "Add this change")
    # While the page is redrawn the old and the new button can both be there for a moment (a
    # strict locator would fail then): wait until one is left and has the focus.
    add_change = page.locator(".cp-add-change-1")
    expect(add_change).to_have_count(1, timeout=FOCUS_WAIT)
    expect(add_change.first).to_be_focused(timeout=FOCUS_WAIT)  # the row added above redrew it
    press(page, "button", "Remove change 1")
    expect(add_change).to_have_count(1, timeout=FOCUS_WAIT)
    expect(add_change.first).to_be_focused(timeout=FOCUS_WAIT)  # the removed change's button is gone
    expect(add_change).to_have_count(1)
    press(page, "button", "Hide the timeline of scenario 2 (0 changes)")
    for label, value in (("Seeds per scenario (replicates)", "2"), ("Weeks to simulate", "26")):
        page.get_by_label(label, exact=True).fill(value)
        page.get_by_label(label, exact=True).press("Enter")
    press(page, "button", "Run the comparison")
    during = []
    for _ in range(6):
        during.append(page.evaluate(ACTIVE_ID))
        page.wait_for_timeout(150)
    assert "BODY" not in during, f"the focus went to the page's body while the comparison ran: {during}"
    expect(page.locator("#cp-compare-verdict")).to_be_focused(timeout=60_000)


def test_focus_follows_teach_actions_to_their_results(page, dashboard):
    dash.open_dashboard(page, dashboard.url)
    page.get_by_role("tab", name="Teach").click()
    page.get_by_role("radio", name="Lower with peer support").focus()
    page.keyboard.press("Space")
    # Lock is disabled until the server has the choice (issue 15 item 3); under load that takes a moment
    expect(page.get_by_role("button", name="Lock in my prediction")).to_be_enabled(timeout=FOCUS_WAIT)
    press(page, "button", "Lock in my prediction")
    expect(page.locator("#cp-teach-prediction")).to_be_focused(timeout=FOCUS_WAIT)
    for _ in range(2):
        page.get_by_role("button", name="Step both 1 year").click()
    expect(page.get_by_text("Week 104 in both organisations.")).to_be_visible(timeout=30_000)
    press(page, "button", "Run 10 more pairs")
    during = []
    for _ in range(6):
        during.append(page.evaluate(ACTIVE_ID))
        page.wait_for_timeout(150)
    assert "BODY" not in during, f"the focus went to the page's body while the pairs ran: {during}"
    result = page.locator("#cp-pairs-result")
    expect(result).to_contain_text("of 10 pairs", timeout=90_000)
    expect(result).to_be_focused(timeout=FOCUS_WAIT)


def test_explore_says_the_week_and_level_and_is_silent_while_playing(page, dashboard):
    dash.open_dashboard(page, dashboard.url)
    assert page.locator(".cp-summary").evaluate("e => e.closest('[aria-live]')") is None, "the summary is live"
    status = page.locator("#cp-explore-status")
    page.get_by_role("button", name=dash.STEP).click()
    dash.wait_week(page, 1)
    expect(status).to_have_text(re.compile(r"^Week 1, [a-z]+$"))
    assert status.get_attribute("role") == "status"
    page.get_by_role("button", name="Play").click()
    expect(status).to_have_text("")
    said = set()
    for _ in range(10):
        said.add(status.inner_text())
        page.wait_for_timeout(200)
    page.get_by_role("button", name="Pause").click()
    assert said == {""}, f"the status spoke while playing: {said}"
    expect(status).to_have_text(re.compile(rf"^Week {dash.week(page)}, [a-z]+$"))


def test_data_tables_are_named_after_their_charts_and_stay_open(page, dashboard):
    dash.open_dashboard(page, dashboard.url)
    toggles = page.locator(".cp-main details > summary")
    names = toggles.all_inner_texts()
    assert len(names) == 4 and len(set(names)) == 4 and all(n.startswith("Data table: ") for n in names), names
    toggles.filter(has_text="Wellbeing").click()
    expect(page.locator(".cp-main details[open]")).to_have_count(1)
    page.get_by_role("button", name=dash.STEP).click()
    dash.wait_week(page, 1)
    page.get_by_role("button", name=dash.STEP).click()
    dash.wait_week(page, 2)
    expect(page.locator(".cp-main details[open]")).to_have_count(1)
    expect(page.locator(".cp-main details[open] caption")).to_contain_text("Wellbeing")


def test_teach_chooses_nothing_until_a_student_does(page, dashboard):
    """Issue 15, item 3: a radio group, none checked on load, Lock disabled until a choice exists."""
    dash.open_dashboard(page, dashboard.url)
    page.get_by_role("tab", name="Teach").click()
    group = page.get_by_role("radiogroup")
    expect(group).to_be_visible(timeout=30_000)
    radios = group.get_by_role("radio")
    expect(radios).to_have_count(3)
    assert [r.get_attribute("aria-checked") for r in radios.all()] == ["false"] * 3
    lock = page.get_by_role("button", name="Lock in my prediction")
    expect(lock).to_be_disabled()
    page.keyboard.press("Shift")
    radios.nth(1).focus()
    ring = radios.nth(1).evaluate(RING)
    assert ring and contrast(ring["colour"], ring["background"]) >= 3, ring
    page.keyboard.press("Space")  # chosen from the keyboard, as a radio is
    expect(radios.nth(1)).to_have_attribute("aria-checked", "true")
    assert [r.get_attribute("aria-checked") for r in radios.all()] == ["false", "true", "false"]
    expect(lock).to_be_enabled()
