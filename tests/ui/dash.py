"""What the browser tests do on the dashboard's page, and how they read it."""

from __future__ import annotations

import re
import time
from pathlib import Path

from playwright.sync_api import Page, expect

HERE = Path(__file__).parent
SCREENSHOTS = HERE / "screenshots"  # git-ignored
AXE_REPORTS = HERE / "axe"  # git-ignored

LOAD_LIMIT_MS = 30_000  # from navigation to a usable Explore view, on a busy 2-core machine
STEP = "Step 1 week"
PRESENT = "Presentation mode (large text, high contrast)"
#: The buttons that open the four groups of levers (closed when the page loads), in page order.
LEVER_GROUPS = {
    "culture": "the culture levers (3)",
    "structure": "the structure levers (8)",
    "practice": "the practice levers (11)",
    "review": "the review levers (2)",
}

#: The focused element's tag, role and accessible name, as a person using a screen reader hears it.
ACTIVE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const byIds = (ids) => ids.split(/\\s+/).map(i => document.getElementById(i)).filter(Boolean)
      .map(e => e.textContent).join(' ');
  let name = el.getAttribute('aria-label')
      || (el.getAttribute('aria-labelledby') && byIds(el.getAttribute('aria-labelledby')))
      || (el.labels && el.labels.length && el.labels[0].textContent)
      || (el.closest('.v-input') && el.closest('.v-input').querySelector('label')
          && el.closest('.v-input').querySelector('label').textContent)
      || el.textContent || '';
  return {tag: el.tagName.toLowerCase(), role: el.getAttribute('role') || el.type || '',
          name: name.replace(/\\s+/g, ' ').trim().slice(0, 100)};
}"""


def open_dashboard(page: Page, url: str) -> float:
    """Load the page and wait until the Explore view is usable; return the seconds it took."""
    t0 = time.monotonic()
    page.goto(url)
    expect(page.get_by_role("button", name=STEP)).to_be_enabled(timeout=LOAD_LIMIT_MS)
    expect(network(page)).to_be_visible(timeout=LOAD_LIMIT_MS)
    return time.monotonic() - t0


def network(page: Page):
    """The drawing of the organisation (an SVG with role img and a title)."""
    return page.locator("svg[role=img]").filter(has=page.locator("title", has_text="The organisation in week"))


def summary(page: Page) -> str:
    """The plain-language summary, all paragraphs."""
    return page.locator(".cp-summary").inner_text()


def week(page: Page) -> int:
    """The week the summary shows."""
    m = re.match(r"\s*Week (\d+)", summary(page))
    assert m, f"the summary does not start with 'Week N': {summary(page)[:120]!r}"
    return int(m.group(1))


def wait_week(page: Page, n: int, timeout_ms: int = 15_000) -> None:
    """Wait until the summary shows week ``n``."""
    expect(page.locator(".cp-summary p").first).to_have_text(re.compile(rf"^\s*Week {n}\b"), timeout=timeout_ms)


def tab_through(page: Page, stop_at: str | None = None, limit: int = 150) -> list[dict]:
    """Press Tab from the top of the page and record what gets focus, until ``stop_at`` or the end."""
    # Focus the body itself, so that Tab starts from the top even after a click further down
    # (the browser starts from the last element clicked or focused).
    page.evaluate(
        "() => { const b = document.body; b.setAttribute('tabindex', '-1'); b.focus(); b.removeAttribute('tabindex'); }"
    )
    seen: list[dict] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        el = page.evaluate(ACTIVE)
        if el is None:
            break
        if seen and el == seen[0]:
            break  # wrapped round
        seen.append(el)
        if stop_at is not None and el["name"] == stop_at:
            break
    return seen


def names(seq: list[dict]) -> list[str]:
    return [e["name"] for e in seq]


def focus_by_tab(page: Page, name: str) -> dict:
    """Tab from the top of the page to the control named ``name``; fail if Tab never reaches it."""
    seq = tab_through(page, stop_at=name)
    assert seq and seq[-1]["name"] == name, f"Tab never reached {name!r}; it went through {names(seq)}"
    return seq[-1]


def open_levers(page: Page, *groups: str) -> None:
    """Open these groups of levers (all four when none is named) with their "Show ..." buttons."""
    for group in groups or tuple(LEVER_GROUPS):
        label = LEVER_GROUPS[group]
        page.get_by_role("button", name=f"Show {label}", exact=True).click()
        expect(page.get_by_role("button", name=f"Hide {label}", exact=True)).to_have_attribute("aria-expanded", "true")


def numbers(text: str) -> list[str]:
    return re.findall(r"\d+(?:[.,]\d+)?%?", text)


def switch_on(page: Page, name: str) -> None:
    """Turn a switch on by keyboard (focus it, press Space), as a keyboard user does."""
    switch = page.get_by_role("switch", name=name)
    if not switch.is_checked():
        switch.focus()
        page.keyboard.press("Space")
    expect(switch).to_be_checked()
    if name == PRESENT:
        expect(page.locator(".cp-present")).to_have_count(1)


def screenshot(page: Page, path: Path, max_height: int = 6000) -> None:
    """Screenshot the whole page: Solara scrolls inside its app, so grow the window to fit it first."""
    size = page.viewport_size
    height = page.evaluate("() => Math.max(...[...document.querySelectorAll('*')].map(e => e.scrollHeight))")
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), max_height)})
    page.wait_for_timeout(200)
    page.screenshot(path=path, full_page=True)
    page.set_viewport_size(size)
