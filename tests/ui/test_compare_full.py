"""Compare with chance and uncertain assumptions in the browser: keyboard, cards, focus, axe (issue 14 item 6)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.ui import dash
from tests.ui.test_views import check_axe, open_tab

pytestmark = pytest.mark.timeout(300)

FULL = re.compile(r"^Chance and uncertain assumptions")
HEAD = '[cards]\nagreed_by = "Access Group"\ndate = 2026-11-20\nwhy = "What we believe."\n\n'
BAD = HEAD + '[costs.rework]\nlo = 0.2\nhi = 9.0\ndistribution = "uniform"\nsource = "workshop judgement"\n'
GOOD = HEAD + '[costs.rework]\nplain = "what rework costs us"\nvalue = 0.3\nsource = "workshop judgement"\n'


def upload_cards(page: Page, path, key: str) -> None:
    """Press "Load assumption cards" by keyboard (``key``: Enter or Space) and give the file chooser ``path``."""
    button = page.get_by_role("button", name="Load assumption cards (a TOML file)")
    expect(button).to_be_visible()
    button.focus()
    expect(button).to_be_focused()
    with page.expect_file_chooser(timeout=10_000) as chooser:
        page.keyboard.press(key)
    chooser.value.set_files(str(path))


def test_compare_with_uncertain_assumptions_by_keyboard(page, dashboard, console_errors, tmp_path):
    # Playwright intercepts file choosers only once something listens for them; listening from the
    # start means the browser has been told before the first key press (else a press can open an
    # unintercepted chooser: 1 failure in 4 runs).
    page.on("filechooser", lambda _chooser: None)
    open_tab(page, dashboard.url, "Compare")
    group = page.get_by_role("radiogroup", name="What the comparison allows for")
    expect(group).to_be_visible()
    chance = page.get_by_role("radio", name=re.compile(r"^Chance only"))
    expect(chance).to_be_checked()
    full = page.get_by_role("radio", name=FULL)
    full.focus()
    page.keyboard.press("Space")  # a keyboard user chooses it
    expect(full).to_be_checked()
    expect(page.get_by_text("Assumptions are drawn from the default cards (54 assumptions")).to_be_visible()

    (tmp_path / "bad.toml").write_text(BAD, encoding="utf-8")
    upload_cards(page, tmp_path / "bad.toml", "Enter")
    message = page.locator(".cp-message", has_text="Not loaded: bad.toml: costs.rework.hi = 9.0 is out of range")
    expect(message).to_be_visible(timeout=15_000)
    (tmp_path / "ours.toml").write_text(GOOD, encoding="utf-8")
    upload_cards(page, tmp_path / "ours.toml", "Space")
    expect(page.get_by_text("Assumptions are drawn from your cards (ours.toml: 1 card,")).to_be_visible(timeout=15_000)
    expect(message).to_have_count(0)

    for label, value in (("Draws of the assumptions", "4"), ("Weeks to simulate", "26")):
        field = page.get_by_label(label, exact=True)
        field.fill(value)
        field.press("Enter")
    dash.focus_by_tab(page, "Run the comparison")
    page.keyboard.press("Enter")
    verdict = page.locator("#cp-compare-verdict")
    expect(verdict).to_contain_text("over 4 draws of the assumptions, transformative is better on", timeout=120_000)
    expect(verdict).to_be_focused(timeout=15_000)  # the focus moves to the verdict after the run
    expect(verdict).to_contain_text("(better in 4 of 4 draws)")
    table = page.locator("table", has=page.locator("caption", has_text="Outcomes over 4 draws of the assumptions"))
    expect(table.get_by_role("columnheader", name="transformative: better than baseline in")).to_be_visible()
    for name in ("Verdicts (CSV)", "Payback (CSV)", "What decides each verdict (CSV)"):
        expect(page.get_by_role("button", name=name)).to_be_visible()

    page.get_by_label("Outcome whose deciding assumptions are shown").select_option(
        label="Fit of services to people's needs"
    )
    chart = page.locator("svg[role=img]").filter(has=page.locator("title", has_text="What decides fit of services"))
    expect(chart).to_be_visible(timeout=15_000)
    summary = page.get_by_text(re.compile(r"^Data table: What decides fit of services"))
    summary.click()
    expect(page.get_by_role("rowheader", name="What an unrelated assumption reaches by chance")).to_be_visible()
    assert not console_errors, console_errors
    dash.SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dash.screenshot(page, dash.SCREENSHOTS / "compare-full-done.png")
    check_axe(page, "compare-full")
