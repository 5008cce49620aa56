"""Browser tests of the dashboard: the real server (``coprod-sim dashboard``) in Debian's chromium, offline.

Nothing is skipped: without chromium (``bash tests/ui/install-browser.sh``) or the front-end files
(``coprod-sim assets install --axe``) these tests fail and say what to run, because CI installs both.
Every request that would leave this machine is blocked and recorded, and a test that needed one fails:
the browser's by Playwright, the server's by ``tests/ui/netguard/sitecustomize.py`` in its Python.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest

from coprod_sim.dashboard import assets
from tests.helpers import make_sweep
from tests.ui.browser import CHROMIUM, CHROMIUM_ARGS, free_port, stop, wait_until_answering

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
SERVER_START_LIMIT_S = 60.0
#: Loaded by the server's Python at start-up: it records and refuses every connection off this machine.
NETGUARD = Path(__file__).parent / "netguard"
#: A front-end file no page asks for, which tests request on purpose (its 404 is expected).
MISSING_ASSET = "/_solara/cdn/missing-on-purpose@0.0.0/x.js"
#: What the server prints when the page asks for a front-end file it does not have.
NOT_INSTALLED = "is not among the dashboard's front-end files"


@dataclass
class Dashboard:
    """A running ``coprod-sim dashboard`` process."""

    url: str
    proc: subprocess.Popen
    log: Path
    outbound: Path  # the server's attempts to connect off this machine, one line each (none is made)

    def outbound_attempts(self) -> list[str]:
        """Every connection the server tried to open off this machine, so far."""
        return self.outbound.read_text(errors="replace").splitlines() if self.outbound.exists() else []


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"no chromium at {CHROMIUM}: the dashboard's browser tests need it; run 'bash tests/ui/install-browser.sh'",
            pytrace=False,
        )
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1366, "height": 900}}


def dashboard_command(port: int) -> list[str]:
    """``coprod-sim dashboard --port PORT``, with the entry point of this Python's environment."""
    script = shutil.which("coprod-sim", path=str(Path(sys.executable).parent))
    head = [script] if script else [sys.executable, "-m", "coprod_sim.cli"]
    return [*head, "dashboard", "--port", str(port)]


@pytest.fixture(scope="session")
def dashboard(tmp_path_factory) -> Dashboard:
    missing = assets.check(packages=[*assets.required_packages(), assets.Package.parse(assets.AXE_CORE)])
    if missing:
        pytest.fail(
            f"the dashboard's front-end files are missing ({', '.join(map(str, missing))}); "
            "run 'coprod-sim assets install --axe' (the README's test command does)",
            pytrace=False,
        )
    port = free_port()
    home = tmp_path_factory.mktemp("dashboard")
    log = home / "server.log"
    outbound = home / "outbound.log"
    make_sweep(home / "results" / "tiny")  # the Research view offers ./results/* of its working folder
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VSCODE_", "SOLARA_"))}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(NETGUARD), os.environ.get("PYTHONPATH")) if p)
    env["COPROD_SIM_OUTBOUND_LOG"] = str(outbound)
    with open(log, "wb") as out:
        proc = subprocess.Popen(dashboard_command(port), stdout=out, stderr=subprocess.STDOUT, env=env, cwd=home)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_answering(url, proc, SERVER_START_LIMIT_S)
    except (RuntimeError, TimeoutError) as exc:
        stop(proc)
        pytest.fail(f"{exc}; its output:\n{log.read_text(errors='replace')[-3000:]}", pytrace=False)
    yield Dashboard(url, proc, log, outbound)
    stop(proc)


def is_local(url: str) -> bool:
    if url.startswith(("data:", "blob:", "about:")):
        return True
    return urlparse(url).hostname in LOCAL_HOSTS


def block_external(context, seen: list[str]) -> None:
    """Abort every request of ``context`` that would leave this machine, and record it in ``seen``."""

    def handle(route):
        if is_local(route.request.url):
            route.continue_()
        else:
            seen.append(route.request.url)
            route.abort("internetdisconnected")

    def watch_sockets(page):
        page.on("websocket", lambda ws: None if is_local(ws.url) else seen.append(ws.url))

    context.route("**/*", handle)
    context.on("page", watch_sockets)
    for page in context.pages:
        watch_sockets(page)


@pytest.fixture(autouse=True)
def external_requests(context, dashboard) -> list[str]:
    """Requests to anywhere but this machine made by the test's page (blocked); none are allowed.

    The server's side is checked too: it may not try to connect off this machine during the test
    (:data:`NETGUARD`), nor be asked for a front-end file it does not have (it says so in its output).
    """
    seen: list[str] = []
    before = len(dashboard.outbound_attempts())
    block_external(context, seen)
    yield seen
    assert not seen, f"the dashboard needed {len(seen)} request(s) outside this machine: {seen[:10]}"
    tried = dashboard.outbound_attempts()[before:]
    assert not tried, f"the dashboard server tried {len(tried)} connection(s) off this machine: {tried[:5]}"
    lines = dashboard.log.read_text(errors="replace").splitlines()
    misses = [line for line in lines if NOT_INSTALLED in line and MISSING_ASSET not in line]
    assert not misses, f"the page asked for front-end files missing from the asset cache: {misses[:5]}"


@pytest.fixture
def console_errors(page) -> list[str]:
    """Errors the page writes to its console, and uncaught exceptions."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    return errors
