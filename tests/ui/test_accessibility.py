"""axe-core in the browser: no serious or critical accessibility violation on the Explore view."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from coprod_sim.dashboard import assets
from tests.ui import dash

pytestmark = pytest.mark.timeout(240)

BLOCKING = ("serious", "critical")
#: Serious violations known to come from the dashboard's view code, each with why, reported to be
#: fixed there. A test that finds only these is marked xfail (and names them); any other fails.
KNOWN: dict[str, str] = {}


def run_axe(page) -> dict:
    axe_js = assets.axe_path()
    assert axe_js.is_file(), f"{axe_js} is missing: run 'coprod-sim assets install --axe'"
    # Check the page as it stays, not half-way through a transition: a button re-enabled after a
    # step fades from grey to its colour, and axe once measured it mid-fade (4.39:1, CI).
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')", timeout=10_000)
    page.add_script_tag(path=str(axe_js))
    return page.evaluate("async () => await axe.run(document)")


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} [{len(v['nodes'])} element(s)]")
        for node in v["nodes"][:3]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary[:300]}")
    return "\n".join(lines)


def unreadable_text(results: dict) -> list[dict]:
    """Text whose contrast axe measured and found too low, but filed as "incomplete", not a violation.

    axe files text with a 1:1 ratio (the same colour as its background) as possibly hidden on
    purpose; on this page such text is meant to be read, so it counts as a colour-contrast failure.
    """
    nodes = []
    for item in results["incomplete"]:
        if item["id"] != "color-contrast":
            continue
        for node in item["nodes"]:
            for check in node["any"]:
                data = check.get("data") or {}
                ratio, expected = data.get("contrastRatio"), str(data.get("expectedContrastRatio", "")).split(":")[0]
                measured = data.get("fgColor") and data.get("bgColor") and ratio is not None and expected
                if measured and float(ratio) < float(expected):
                    nodes.append({**node, "failureSummary": check["message"]})
    if not nodes:
        return []
    return [
        {
            "id": "color-contrast-measured",
            "impact": "serious",
            "help": "Text readable on its background (measured by axe, filed as incomplete)",
            "nodes": nodes,
        }
    ]


@pytest.mark.parametrize("mode", ["normal", "presentation"])
def test_explore_view_has_no_serious_violations(page, dashboard, mode):
    """With every group of levers open (test_views checks the page as it loads, groups closed)."""
    dash.open_dashboard(page, dashboard.url)
    page.get_by_role("button", name=dash.STEP).click()
    dash.wait_week(page, 1)
    dash.open_levers(page)
    expect(page.get_by_role("switch", name="Peer support programme")).to_be_visible()
    expect(page.locator(".cp-message")).to_have_count(0)  # opening the groups changed no lever
    if mode == "presentation":
        dash.switch_on(page, dash.PRESENT)
    results = run_axe(page)
    dash.AXE_REPORTS.mkdir(parents=True, exist_ok=True)
    (dash.AXE_REPORTS / f"explore-{mode}.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING] + unreadable_text(results)
    new = [v for v in blocking if v["id"] not in KNOWN]
    assert not new, f"axe found serious or critical violations ({mode} mode):\n{describe(new)}"
    if blocking:
        known = "; ".join(f"{v['id']}: {KNOWN[v['id']]}" for v in blocking)
        pytest.xfail(f"known, to be fixed in the view code: {known}")
