"""The dashboard in a real browser, offline: it loads, works by keyboard and mouse, keeps sessions apart."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.ui import dash
from tests.ui.conftest import block_external

pytestmark = pytest.mark.timeout(240)

LEVERS_IN_ORDER = ["Who is trained", "Power transfer (guaranteed share of decisions): 0.00", "Peer support programme"]
CONTROLS_IN_ORDER = [
    "Scenario",
    "Seed (same seed, same run)",
    "People in the organisation",
    dash.STEP,
    "Step 1 year",
    "Play",
    "Reset",
    *(f"Show {label}" for label in dash.LEVER_GROUPS.values()),
]


def test_page_loads_offline_and_shows_the_explore_view(page, dashboard, external_requests, console_errors):
    seconds = dash.open_dashboard(page, dashboard.url)
    assert seconds * 1000 < dash.LOAD_LIMIT_MS
    expect(page).to_have_title("coprod-sim: co-production with disabled people")
    expect(page.get_by_role("heading", level=1)).to_have_text("coprod-sim: co-production with disabled people")
    expect(page.get_by_role("tab", name="Explore")).to_be_visible()
    net = dash.network(page)
    expect(net).to_have_count(1)
    expect(net.locator("title")).to_have_text("The organisation in week 0")
    expect(net.locator("desc")).to_contain_text("people in")
    assert dash.week(page) == 0
    page.wait_for_timeout(500)  # late errors (lazy scripts) still count
    assert not external_requests, external_requests
    assert not console_errors, console_errors
    print(f"page usable {seconds:.2f} s after navigation")


def test_tab_order_reaches_every_control_in_a_sensible_order(page, dashboard):
    dash.open_dashboard(page, dashboard.url)
    seq = dash.names(dash.tab_through(page))
    positions = []
    for name in CONTROLS_IN_ORDER:
        assert name in seq, f"Tab never reaches {name!r}; the order was {seq}"
        positions.append(seq.index(name))
    assert positions == sorted(positions), f"controls out of order: {seq}"
    assert seq.index(dash.PRESENT) < seq.index("Scenario"), seq  # the header comes first
    # The levers are built when their group is opened, and come in the order shown.
    assert not set(LEVERS_IN_ORDER) & set(seq), seq
    dash.open_levers(page)
    seq = dash.names(dash.tab_through(page))
    for label in dash.LEVER_GROUPS.values():
        assert f"Hide {label}" in seq, seq
    positions = [seq.index(name) for name in LEVERS_IN_ORDER if name in seq]
    assert len(positions) == len(LEVERS_IN_ORDER), f"Tab never reaches every lever; the order was {seq}"
    assert positions == sorted(positions), f"levers out of order: {seq}"
    culture, structure = seq.index("Hide the culture levers (3)"), seq.index("Hide the structure levers (8)")
    assert culture < seq.index("Who is trained") < structure, seq  # each group's levers follow its button


def test_step_by_enter_space_and_mouse_changes_the_summary(page, dashboard):
    dash.open_dashboard(page, dashboard.url)
    before = dash.summary(page)
    dash.focus_by_tab(page, dash.STEP)
    page.keyboard.press("Enter")
    dash.wait_week(page, 1)
    page.keyboard.press("Space")
    dash.wait_week(page, 2)
    page.get_by_role("button", name=dash.STEP).click()
    dash.wait_week(page, 3)
    expect(dash.network(page).locator("title")).to_have_text("The organisation in week 3")
    after = dash.summary(page)
    assert dash.numbers(after.split(".", 1)[1]) != dash.numbers(before.split(".", 1)[1]), (before, after)
    page.get_by_role("button", name="Step 1 year").click()
    dash.wait_week(page, 55)
    page.get_by_role("button", name="Reset").click()
    dash.wait_week(page, 0)


def test_a_lever_changes_by_keyboard(page, dashboard):
    dash.open_dashboard(page, dashboard.url)
    page.get_by_role("button", name=dash.STEP).click()
    dash.wait_week(page, 1)
    # Open the group by keyboard: the button keeps the focus, says it is expanded, and Tab
    # goes on to the group's first lever.
    opener = "Show the practice levers (11)"
    dash.focus_by_tab(page, opener)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Hide the practice levers (11)")).to_have_attribute("aria-expanded", "true")
    assert page.evaluate(dash.ACTIVE)["name"] == "Hide the practice levers (11)"
    page.keyboard.press("Tab")
    assert page.evaluate(dash.ACTIVE)["name"] == "Involved in planning"
    # Opening a group changes nothing: the sliders show the values as they are (0.12 is not on
    # the grid of steps of its slider, which must not count as a change).
    page.wait_for_timeout(300)
    expect(page.locator(".cp-message")).to_have_count(0)
    expect(page.get_by_text("Peer supporters per disabled worker: 0.12")).to_be_visible()
    switch = page.get_by_role("switch", name="Peer support programme")
    was = switch.is_checked()
    dash.focus_by_tab(page, "Peer support programme")
    page.keyboard.press("Space")
    expect(switch).to_be_checked(checked=not was)
    # The message names the lever, its value and the week, and goes after a while.
    now = "on" if not was else "off"
    message = page.locator(".cp-message")
    expect(message).to_have_text(f"Peer support programme to {now}, from week 2.")
    expect(message).to_have_count(0, timeout=20_000)
    page.get_by_role("button", name=dash.STEP).click()
    dash.wait_week(page, 2)
    expect(switch).to_be_checked(checked=not was)


def test_two_browsers_are_separate_sessions(browser, dashboard):
    seen: list[str] = []
    contexts = [browser.new_context(), browser.new_context()]
    try:
        pages = []
        for ctx in contexts:
            block_external(ctx, seen)
            pages.append(ctx.new_page())
        a, b = pages
        dash.open_dashboard(a, dashboard.url)
        dash.open_dashboard(b, dashboard.url)
        a.get_by_role("button", name=dash.STEP).click()
        dash.wait_week(a, 1)
        a.get_by_role("button", name=dash.STEP).click()
        dash.wait_week(a, 2)
        b.wait_for_timeout(500)
        assert dash.week(b) == 0
        b.get_by_role("button", name=dash.STEP).click()
        dash.wait_week(b, 1)
        assert dash.week(a) == 2
    finally:
        for ctx in contexts:
            ctx.close()
    assert not seen, seen


def test_screenshots_of_each_view(page, dashboard):
    out = dash.SCREENSHOTS
    out.mkdir(parents=True, exist_ok=True)
    dash.open_dashboard(page, dashboard.url)
    tabs = page.get_by_role("tab")
    n = tabs.count()
    assert n >= 1
    for i in range(n):
        tab = tabs.nth(i)
        name = re.sub(r"\W+", "-", tab.inner_text().strip().lower()).strip("-")
        tab.click()
        page.wait_for_timeout(300)
        dash.screenshot(page, out / f"{i + 1:02d}-{name}.png")
    tabs.first.click()
    page.get_by_role("button", name="Step 1 year").click()
    dash.wait_week(page, 52)
    dash.screenshot(page, out / "explore-week-52.png")
    dash.switch_on(page, dash.PRESENT)
    dash.screenshot(page, out / "explore-week-52-presentation.png")
    assert len(list(out.glob("*.png"))) >= n + 2


def test_a_loopback_server_sends_its_files_uncompressed(dashboard):
    """Compressing 4 MB of scripts costs a fresh server CPU while the first page waits; loopback needs no gzip."""
    import urllib.request

    def get(url: str) -> tuple[str | None, bytes]:
        req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip, deflate, br"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.headers.get("Content-Encoding"), resp.read()

    encoding, html = get(dashboard.url)
    assert encoding is None and b"<html" in html.lower()
    scripts = re.findall(rb'src="([^"]+\.js[^"]*)"', html)
    assert scripts, html[:500]
    first = scripts[0].decode()
    encoding, body = get(first if first.startswith("http") else dashboard.url.rstrip("/") + "/" + first.lstrip("/"))
    assert encoding is None and len(body) > 10_000
