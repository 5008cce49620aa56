"""Any screen (issue 15, item 1): every view fits a phone and 200% zoom, and drawings keep readable text.

200% zoom of a 1,024-pixel window is emulated as a 512-pixel-wide window with two device pixels per
CSS pixel (what Chromium's zoom does to the layout: the page gets half as many CSS pixels).
Solara scrolls inside its app, so the page's own ``scrollWidth`` never grows: the checks also look
for any element that reaches past the window's right edge, and any box that clips its content
sideways (a column that scrolls or cuts what it holds).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.ui import dash

pytestmark = pytest.mark.timeout(300)

VIEWS = ("Explore", "Compare", "Teach", "Research")
MIN_TEXT_PX = 12.0
SCREENS = {
    "phone-390": {"viewport": {"width": 390, "height": 844}},
    "zoom-200": {"viewport": {"width": 512, "height": 384}, "device_scale_factor": 2},
}

#: What reaches past the window's right edge, or is cut inside a box that clips sideways. Data
#: tables may scroll inside their own labelled, focusable box (two-dimensional content, WCAG 1.4.10).
OVERFLOW = """() => {
  const de = document.documentElement, right = window.innerWidth + 1;
  // Data tables may scroll in their own box; a button's ripple is a passing effect; text for
  // screen readers only is clipped to nothing on purpose.
  const allowed = e => e.closest('.cp-table-wrap, .v-ripple__container, .cp-sr-only');
  const seen = e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden';
  const name = e => `${e.tagName.toLowerCase()}.${String(e.getAttribute('class') || '').split(' ')[0]} `
      + `"${(e.textContent || '').trim().slice(0, 30)}"`;
  const out = [];
  if (de.scrollWidth > de.clientWidth) out.push(`page scrolls sideways (${de.scrollWidth} > ${de.clientWidth})`);
  for (const e of document.querySelectorAll('body *')) {
    if (!seen(e) || allowed(e)) continue;
    const r = e.getBoundingClientRect();
    if (r.width && r.right > right) out.push(`${name(e)} reaches x=${Math.round(r.right)}`);
    const ox = getComputedStyle(e).overflowX;
    if (ox !== 'visible' && e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0)
      out.push(`${name(e)} clips or scrolls its content (${e.scrollWidth} > ${e.clientWidth})`);
    if (out.length > 12) break;
  }
  return out;
}"""

#: The size at which each piece of text in a drawing appears: its font size times the drawing's scale.
SVG_TEXT = """() => [...document.querySelectorAll('svg text')].filter(t => t.ownerSVGElement
    && t.ownerSVGElement.getClientRects().length && t.textContent.trim()).map(t => {
  const svg = t.ownerSVGElement, vb = svg.viewBox.baseVal;
  const scale = vb && vb.width ? svg.getBoundingClientRect().width / vb.width : 1;
  return {px: parseFloat(getComputedStyle(t).fontSize) * scale, text: t.textContent.trim().slice(0, 40)};
})"""


def show_view(page: Page, view: str) -> None:
    """Open a view's tab and wait until it is drawn (Research opens its sweep, as its users do)."""
    page.get_by_role("tab", name=view).click()
    if view == "Explore":
        expect(dash.network(page)).to_be_visible()
    elif view == "Compare":
        expect(page.get_by_role("button", name="Run the comparison")).to_be_visible(timeout=30_000)
    elif view == "Teach":
        expect(page.get_by_role("button", name="Step both 1 week")).to_be_visible(timeout=30_000)
    else:
        page.get_by_role("button", name="Open").click()
        expect(page.locator("svg[role=img] title", has_text="mean over runs").first).to_be_attached(timeout=30_000)
    page.wait_for_timeout(300)  # let the layout settle after the widgets arrive


def small_text(page: Page) -> list[dict]:
    return [t for t in page.evaluate(SVG_TEXT) if t["px"] < MIN_TEXT_PX - 0.01]


@pytest.mark.parametrize(
    "screen", [pytest.param(k, marks=pytest.mark.browser_context_args(**v)) for k, v in SCREENS.items()]
)
def test_every_view_fits_the_screen_with_readable_drawings(page, dashboard, screen):
    dash.open_dashboard(page, dashboard.url)
    dash.SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = {}
    for view in VIEWS:
        show_view(page, view)
        if view == "Explore":
            # Columns stack: the controls sit above the pictures, each as wide as the window allows.
            controls, main = page.locator(".cp-controls"), page.locator(".cp-main")
            assert controls.bounding_box()["y"] + controls.bounding_box()["height"] <= main.bounding_box()["y"] + 1
        found = page.evaluate(OVERFLOW) + [f"svg text {t['text']!r} at {t['px']:.1f} px" for t in small_text(page)]
        if found:
            problems[view] = found
        dash.screenshot(page, dash.SCREENSHOTS / f"reflow-{view.lower()}-{screen}.png")
    assert not problems, f"at {screen}: " + "; ".join(f"{v}: {p[:6]}" for v, p in problems.items())


def test_presentation_mode_enlarges_drawings_and_keeps_headings_in_order(page, dashboard):
    """At 1,366 pixels: charts, network and their text grow; h2 stays larger than h3 (Teach has both)."""
    dash.open_dashboard(page, dashboard.url)
    sizes = """() => [...document.querySelectorAll('svg[role=img]')].filter(s => s.getClientRects().length)
        .map(s => s.getBoundingClientRect().width)"""
    heading = """(tag) => parseFloat(getComputedStyle([...document.querySelectorAll(tag + '.cp-heading')]
        .find(e => e.getClientRects().length)).fontSize)"""
    before_svg = page.evaluate(sizes)
    before_text = min(t["px"] for t in page.evaluate(SVG_TEXT))
    dash.switch_on(page, dash.PRESENT)
    page.wait_for_timeout(300)
    after_svg = page.evaluate(sizes)
    after_text = min(t["px"] for t in page.evaluate(SVG_TEXT))
    grown = [a > b * 1.15 for a, b in zip(after_svg, before_svg, strict=True)]
    assert len(after_svg) == len(before_svg) and all(grown), (before_svg, after_svg)
    assert after_text > before_text * 1.15, (before_text, after_text)
    show_view(page, "Teach")
    h2, h3 = page.evaluate(heading, "h2"), page.evaluate(heading, "h3")
    assert h2 > h3, f"in presentation mode h2 is {h2} px and h3 {h3} px"
    assert not small_text(page)
