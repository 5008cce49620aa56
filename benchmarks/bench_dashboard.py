"""Dashboard responsiveness in a real browser: start-up, and one step at 500 and 2,000 people.

Run from the repository root, after ``coprod-sim assets install`` and
``bash tests/ui/install-browser.sh``::

    python benchmarks/bench_dashboard.py             # about 1-2 minutes on 2 cores
    python benchmarks/bench_dashboard.py --steps 50  # more timed steps per size

It starts the real server (``coprod-sim dashboard --port P``, a fresh process) and drives it with
Debian's chromium through Playwright, headless, with every request outside this machine blocked.

* **Start-up**: from starting the server process to the page being usable (the "Step 1 week"
  button enabled), with the browser already running. Done ``--starts`` times (default 3), each
  with a fresh server process and browser context; the median is checked. Target: 5 s.
* **Step at 500 people**: "People in the organisation" set to 500, then "Step 1 week" pressed
  ``--steps`` times (default 20, after 3 untimed). Each is timed inside the page, from the click to
  the first frame painted after the summary and the drawing of the organisation both show the new
  week (a MutationObserver, then ``requestAnimationFrame`` and a zero timeout). Target: median
  at most 150 ms.
* **Step at 2,000 people** (the largest the page draws): the same figure; it must stay
  interactive, target median at most 1 s (the limit for keeping the user's flow of thought,
  Nielsen 1993).
* **Compare of three scenarios** (5 seeds, 260 weeks): from pressing "Run the comparison" to the
  verdict being shown with the charts and table drawn (the focus moves to it), in the page. Done
  ``--compares`` times (default 3), the median checked. Target: 10 s.
* For context (no target), the server's share of a step at each size, measured in this process:
  ``Simulation.step(1)`` plus every picture and text the Explore view draws.
* ``--control`` (no target): the start-up of a one-button Solara app (a "Step 1 week" button and
  a line of text) served the same way (production mode, front-end files from this machine) and
  timed the same way, each start right after one of the dashboard's: Solara's own floor on this
  machine, in the same minutes, for a machine whose speed drifts.

It prints one table and writes the same numbers to ``benchmarks/out/dashboard.json`` (``--out``
to choose; ``benchmarks/out/`` is git-ignored). The exit status is 1 if a target fails.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the tests' browser settings, shared rather than copied
from tests.ui.browser import CHROMIUM, CHROMIUM_ARGS, free_port, wait_until_answering  # noqa: E402
from tests.ui.browser import stop as stop_server  # noqa: E402

DEFAULT_OUT = REPO / "benchmarks" / "out" / "dashboard.json"
STEP = "Step 1 week"
PEOPLE = "People in the organisation"
STARTUP_TARGET_S = 5.0
STEP_TARGET_MS = {500: 150.0, 2000: 1000.0}
#: Compare of three scenarios, 5 seeds each, 5 years (issue 15, item 7).
COMPARE_TARGET_S = 10.0
COMPARE = {"scenarios": 3, "seeds": 5, "weeks": 260}

#: Click "Step 1 week" and resolve with the milliseconds until the new week is painted.
STEP_JS = """async (n) => {
  const want = new RegExp('^\\\\s*Week ' + n + '(?!\\\\d)');
  const shown = () => {
    const p = document.querySelector('.cp-summary p');
    const t = [...document.querySelectorAll('svg[role=img] > title')]
      .find(e => e.textContent.startsWith('The organisation in week'));
    return p && want.test(p.textContent) && t && t.textContent === 'The organisation in week ' + n;
  };
  const button = [...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Step 1 week');
  const t0 = performance.now();
  await new Promise((resolve) => {
    const obs = new MutationObserver(() => { if (shown()) { obs.disconnect(); resolve(); } });
    obs.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
    button.click();
  });
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  return performance.now() - t0;
}"""


#: The ``--control`` app and its server, with the settings ``coprod-sim dashboard`` gives Solara.
CONTROL_APP = """
import solara


@solara.component
def Page():
    week = solara.use_reactive(0)
    solara.Button("Step 1 week", on_click=lambda: week.set(week.value + 1))
    solara.Text(f"Week {week.value}")
"""
CONTROL_SERVER = """
import os, sys
port = sys.argv[1]
os.environ.update(SOLARA_APP="bench_control_app:Page", SOLARA_MODE="production", SOLARA_ASSETS_PROXY="true",
                  SOLARA_TELEMETRY_MIXPANEL_ENABLE="false", SOLARA_THEME_SHOW_BANNER="false",
                  SOLARA_SERVER_HTTP_GZIP="false", SERVER_NAME="127.0.0.1", SERVER_PORT=port)
import uvicorn
uvicorn.run("solara.server.starlette:app", host="127.0.0.1", port=int(port), log_level="warning", access_log=False)
"""


def start_server(port: int, control: bool = False) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VSCODE_", "SOLARA_"))}
    cmd = [sys.executable, "-m", "coprod_sim.cli", "dashboard", "--port", str(port)]
    if control:
        folder = Path(tempfile.gettempdir()) / "coprod-sim-bench-control"
        folder.mkdir(exist_ok=True)
        (folder / "bench_control_app.py").write_text(CONTROL_APP, encoding="utf-8")
        env["PYTHONPATH"] = str(folder)
        cmd = [sys.executable, "-c", CONTROL_SERVER, str(port)]
    log = Path(tempfile.gettempdir()) / f"coprod-sim-bench-dashboard-{port}.log"  # a file: nobody reads a pipe
    with open(log, "wb") as out:
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO)


def server_output(proc: subprocess.Popen) -> str:
    port = proc.args[-1]
    log = Path(tempfile.gettempdir()) / f"coprod-sim-bench-dashboard-{port}.log"
    return log.read_text(errors="replace")[-1500:] if log.exists() else ""


def wait_http(url: str, proc: subprocess.Popen, limit_s: float = 60.0) -> None:
    """Wait until the server answers; say what it printed if it ends or never answers."""
    try:
        wait_until_answering(url, proc, limit_s, poll_s=0.02)
    except (RuntimeError, TimeoutError) as exc:
        raise RuntimeError(f"{exc}: {server_output(proc)}") from None


def new_page(browser: Any, blocked: list[str]) -> tuple[Any, Any]:
    ctx = browser.new_context(viewport={"width": 1366, "height": 900})

    def handle(route: Any) -> None:
        host = route.request.url.split("/")[2].split(":")[0] if "://" in route.request.url else ""
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    ctx.route("**/*", handle)
    return ctx, ctx.new_page()


def measure_startup(browser: Any, blocked: list[str], control: bool = False) -> dict[str, Any]:
    """One start: server process started -> HTTP answers -> page usable."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    ctx, page = new_page(browser, blocked)
    t0 = time.perf_counter()
    proc = start_server(port, control)
    try:
        wait_http(url, proc)
        t_http = time.perf_counter()
        page.goto(url)
        page.get_by_role("button", name=STEP).wait_for(state="visible", timeout=60_000)
        page.wait_for_function(
            "() => [...document.querySelectorAll('button')].some(b => b.textContent.trim() === 'Step 1 week' "
            "&& !b.disabled)",
            timeout=60_000,
        )
        t_usable = time.perf_counter()
    finally:
        ctx.close()
        stop_server(proc)
    return {"server_answers_s": t_http - t0, "usable_s": t_usable - t0}


def set_people(page: Any, n: int) -> None:
    box = page.get_by_label(PEOPLE)
    box.fill(str(n))
    box.press("Enter")
    page.locator("svg[role=img] > desc", has_text=f": {n} people in").first.wait_for(state="attached", timeout=60_000)


def current_week(page: Any) -> int:
    text = page.locator(".cp-summary p").first.inner_text()
    return int(text.split()[1].rstrip("."))


def measure_steps(page: Any, people: int, steps: int, warmup: int = 3) -> dict[str, Any]:
    set_people(page, people)
    times = []
    for i in range(warmup + steps):
        ms = page.evaluate(STEP_JS, current_week(page) + 1)
        if i >= warmup:
            times.append(ms)
    times.sort()
    return {
        "people": people,
        "steps": steps,
        "median_ms": statistics.median(times),
        "p90_ms": times[int(0.9 * (len(times) - 1))],
        "min_ms": times[0],
        "max_ms": times[-1],
        "all_ms": times,
    }


def measure_compare(page: Any, url: str) -> float:
    """Seconds from "Run the comparison" to its verdict and charts shown: three scenarios, 5 seeds, 5 years."""
    page.goto(url)
    page.get_by_role("tab", name="Compare").click()
    page.get_by_role("button", name="Run the comparison").wait_for(timeout=60_000)
    while page.get_by_label(re.compile(r"^Scenario \d+ starts from$")).count() < COMPARE["scenarios"]:
        n = page.get_by_label(re.compile(r"^Scenario \d+ starts from$")).count()
        page.get_by_role("button", name="Add a scenario").click()
        page.get_by_label(f"Scenario {n + 1} starts from", exact=True).wait_for(timeout=30_000)
    for label, value in (
        ("Seeds per scenario (replicates)", COMPARE["seeds"]),
        ("Weeks to simulate", COMPARE["weeks"]),
    ):
        field = page.get_by_label(label, exact=True)
        field.fill(str(value))
        field.press("Enter")
    page.wait_for_timeout(500)
    t0 = time.perf_counter()
    page.get_by_role("button", name="Run the comparison").click()
    page.locator("#cp-compare-verdict").wait_for(state="visible", timeout=120_000)
    page.locator("svg[role=img] title", has_text="Extra ").first.wait_for(state="attached", timeout=120_000)
    return time.perf_counter() - t0


def server_share(people: int, steps: int) -> dict[str, Any]:
    """What the server does for one step (model step + every picture and text), in this process."""
    from coprod_sim.dashboard.explore import DEFAULTS, build, scenario_config
    from coprod_sim.dashboard.levers import current_values

    sim = build(DEFAULTS, current_values(scenario_config(DEFAULTS)), 1, people)
    step_ms, draw_ms = [], []
    for _ in range(steps + 3):
        t0 = time.perf_counter()
        sim.step(1)
        t1 = time.perf_counter()
        sim.network_svg("wellbeing")
        sim.ladder_svg()
        sim.chart_svgs()
        sim.explanation()
        t2 = time.perf_counter()
        step_ms.append((t1 - t0) * 1e3)
        draw_ms.append((t2 - t1) * 1e3)
    return {
        "people": people,
        "model_step_median_ms": statistics.median(step_ms[3:]),
        "drawing_median_ms": statistics.median(draw_ms[3:]),
        "network_svg_bytes": len(sim.network_svg("wellbeing")),
    }


def environment() -> dict[str, Any]:
    import playwright
    import solara

    def git(*a: str) -> str | None:
        out = subprocess.run(["git", *a], capture_output=True, text=True, cwd=REPO, check=False)
        return out.stdout.strip() if out.returncode == 0 else None

    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    status = git("status", "--porcelain", "--", "coprod_sim")
    return {
        "python": platform.python_version(),
        "solara": solara.__version__,
        "playwright": getattr(playwright, "__version__", None),
        "chromium": chromium,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "git_commit": git("rev-parse", "--short", "HEAD"),
        "coprod_sim_modified": bool(status) if status is not None else None,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def check(name: str, value: float, unit: str, target: float) -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "target": f"<= {target:g} {unit}", "ok": value <= target}


def run(args: argparse.Namespace) -> int:
    from playwright.sync_api import sync_playwright

    from coprod_sim.dashboard import assets
    from coprod_sim.io import write_json

    if not Path(CHROMIUM).is_file():
        print(f"bench_dashboard: no chromium at {CHROMIUM}; run 'bash tests/ui/install-browser.sh'", file=sys.stderr)
        return 2
    if assets.check():
        print("bench_dashboard: front-end files missing; run 'coprod-sim assets install'", file=sys.stderr)
        return 2
    blocked: list[str] = []
    report: dict[str, Any] = {"environment": environment()}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        starts, controls = [], []
        for _ in range(args.starts):
            starts.append(measure_startup(browser, blocked))
            if args.control:
                controls.append(measure_startup(browser, blocked, control=True))
        report["startup"] = {
            "runs": starts,
            "median_usable_s": statistics.median(s["usable_s"] for s in starts),
            "median_server_answers_s": statistics.median(s["server_answers_s"] for s in starts),
        }
        if controls:
            report["control_startup"] = {
                "what": "a one-button Solara app served and timed the same way, started after each dashboard start",
                "runs": controls,
                "median_usable_s": statistics.median(s["usable_s"] for s in controls),
                "median_server_answers_s": statistics.median(s["server_answers_s"] for s in controls),
            }
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        proc = start_server(port)
        try:
            wait_http(url, proc)
            ctx, page = new_page(browser, blocked)
            page.goto(url)
            page.get_by_role("button", name=STEP).wait_for(timeout=60_000)
            report["step"] = [measure_steps(page, n, args.steps) for n in sorted(STEP_TARGET_MS)]
            times = [measure_compare(page, url) for _ in range(args.compares)]
            report["compare"] = {**COMPARE, "runs_s": times, "median_s": statistics.median(times)}
            ctx.close()
        finally:
            stop_server(proc)
        browser.close()
    report["server_share"] = [server_share(n, args.steps) for n in sorted(STEP_TARGET_MS)]
    report["blocked_requests"] = blocked
    checks = [check("start-up to usable page (median)", report["startup"]["median_usable_s"], "s", STARTUP_TARGET_S)]
    for row in report["step"]:
        checks.append(
            check(
                f"step to new week painted, {row['people']:,} people (median)",
                row["median_ms"],
                "ms",
                STEP_TARGET_MS[row["people"]],
            )
        )
    checks.append(
        check(
            f"Compare, {COMPARE['scenarios']} scenarios x {COMPARE['seeds']} seeds x {COMPARE['weeks']} weeks (median)",
            report["compare"]["median_s"],
            "s",
            COMPARE_TARGET_S,
        )
    )
    checks.append(
        {"name": "requests outside this machine", "value": len(blocked), "unit": "", "target": "0", "ok": not blocked}
    )
    report["checks"] = checks
    print(format_report(report))
    write_json(report, args.out)
    print(f"results written to {args.out}")
    return 0 if all(c["ok"] for c in checks) else 1


def format_report(report: dict[str, Any]) -> str:
    env = report["environment"]
    lines = [
        f"coprod-sim dashboard benchmark  (git {env['git_commit']}{' + changes' if env['coprod_sim_modified'] else ''},"
        f" {env['cpus']} CPUs, solara {env['solara']}, {env['chromium']})",
        "",
        f"{'check':<48} {'value':>10} {'target':>12}  verdict",
    ]
    for c in report["checks"]:
        value = f"{c['value']:.2f} {c['unit']}" if c["unit"] == "s" else f"{c['value']:.0f} {c['unit']}".strip()
        lines.append(f"{c['name']:<48} {value:>10} {c['target']:>12}  {'PASS' if c['ok'] else 'FAIL'}")
    lines += [
        "",
        "start-ups (server answers / page usable, s): "
        + ", ".join(f"{s['server_answers_s']:.2f}/{s['usable_s']:.2f}" for s in report["startup"]["runs"]),
    ]
    if "control_startup" in report:
        control = report["control_startup"]
        lines.append(
            f"control, a one-button Solara app: median {control['median_usable_s']:.2f} s usable "
            f"({report['startup']['median_usable_s'] - control['median_usable_s']:+.2f} s for the dashboard); "
            + ", ".join(f"{s['server_answers_s']:.2f}/{s['usable_s']:.2f}" for s in control["runs"])
        )
    for row in report["step"]:
        lines.append(
            f"step at {row['people']:>5,} people: median {row['median_ms']:.0f} ms, p90 {row['p90_ms']:.0f}, "
            f"min {row['min_ms']:.0f}, max {row['max_ms']:.0f} ({row['steps']} steps)"
        )
    lines.append("comparisons (s): " + ", ".join(f"{t:.2f}" for t in report["compare"]["runs_s"]))
    for row in report["server_share"]:
        lines.append(
            f"server share at {row['people']:>5,} people: model step {row['model_step_median_ms']:.1f} ms + drawing "
            f"{row['drawing_median_ms']:.1f} ms (network SVG {row['network_svg_bytes'] / 1024:.0f} KiB)"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="timed steps per size (default 20)")
    parser.add_argument("--starts", type=int, default=3, help="server start-ups timed (default 3)")
    parser.add_argument("--compares", type=int, default=3, help="comparisons timed (default 3)")
    parser.add_argument(
        "--control", action="store_true", help="also time a one-button Solara app's start-up after each (no target)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON output")
    args = parser.parse_args(argv)
    if args.steps < 1 or args.starts < 1:
        parser.error("--steps and --starts must be 1 or more")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
