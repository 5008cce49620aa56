"""How the browser tests and the dashboard benchmark start chromium and the server (shared/design/testing.md)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request

CHROMIUM = os.environ.get("CHROMIUM_EXECUTABLE", "/usr/bin/chromium")
#: Flags for chromium on a machine with no network beyond loopback: no background connections,
#: component updates or sync, which this machine's closed network would refuse many at a time.
CHROMIUM_ARGS = [
    "--disable-dev-shm-usage",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_answering(url: str, proc: subprocess.Popen, limit_s: float, poll_s: float = 0.05) -> float:
    """Poll ``url`` until it answers 200; return the seconds waited (fail if the process ends or time runs out)."""
    t0 = time.monotonic()
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"the dashboard exited with status {proc.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return time.monotonic() - t0
        except OSError:
            pass
        if time.monotonic() - t0 > limit_s:
            raise TimeoutError(f"the dashboard did not answer at {url} within {limit_s:.0f} s")
        time.sleep(poll_s)


def stop(proc: subprocess.Popen) -> None:
    """Stop the server as a user does (Ctrl-C), and kill it if it does not end."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
