"""Every command quoted in the README, the strategists' guide and the assumptions guide runs, and prints what is quoted.

The documents are read as a user would: each fenced block of shell commands is run, in order, in
one fresh folder per document (so ``sweep`` then ``sweep --resume`` then ``analyze`` build on each
other), with the TOML files the document tells the reader to save written there first. A quoted
output block (a plain block right after a one-command block) must appear in what that command
printed, line by line with runs of spaces collapsed ("..." marks rows left out).

The commands that take more than about ten seconds (the quick start's fresh install, a probability
comparison, ``sweep`` and ``analyze``, ``validate``, and ``calibrate``, about 16 minutes: :data:`SLOW`)
are not run in the
normal test run, which must stay short. ``.ci/run`` runs every command with
``COPROD_SIM_DOCS=full``; locally::

    COPROD_SIM_DOCS=full .venv/bin/python -m pytest -q tests/test_docs_commands.py

The README's test command itself is not run here: it is the command that runs this file.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ("README.md", "docs/strategists.md", "docs/assumptions.md")
FULL = os.environ.get("COPROD_SIM_DOCS") == "full"
SHELLS = ("", "bash", "sh", "console", "shell")

#: Exit statuses the documents promise other than 0, with the sentence that promises them.
EXPECTED_STATUS = {
    # README: "exits 0 only if every pattern passes. At this version 14 of 21 pass, 5 fail and 2 are unclear"
    "coprod-sim validate": 1,
}

#: Files a document names as the reader's own; the test provides one so the command can run.
READERS_FILES = {"my_plan.toml": ROOT / "scenarios" / "peer_support.toml"}


@dataclass
class Block:
    """One fenced code block of a document."""

    lang: str
    lines: list[str]
    line_no: int
    before: str  # the prose line just before the block
    output: list[str] = field(default_factory=list)  # the quoted output that follows it, if any


def _blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    prose = ""
    while i < len(lines):
        m = re.match(r"^```(\w*)\s*$", lines[i])
        if not m:
            if lines[i].strip():
                prose = lines[i]
            i += 1
            continue
        j = i + 1
        while not lines[j].startswith("```"):
            j += 1
        blocks.append(Block(m.group(1), lines[i + 1 : j], i + 1, prose))
        i = j + 1
    return blocks


def _is_command(block: Block) -> bool:
    first = next((s for s in block.lines if s.strip()), "")
    return block.lang in SHELLS and (first.startswith("coprod-sim ") or first.startswith("python3 -m venv"))


def _commands(block: Block) -> list[str]:
    """The block's command lines, continuation lines joined and comments dropped."""
    joined = "\n".join(block.lines).replace("\\\n", " ")
    # A comment starts with " #" in these blocks; the command keeps its own quoting for bash.
    return [c for c in (re.sub(r"(^|\s+)#\s.*$", "", s).strip() for s in joined.splitlines()) if c]


@dataclass
class Step:
    """A command to run (or a file to write, or Python to run), with what it must print."""

    doc: str
    line_no: int
    kind: str  # "shell", "python" or "file"
    text: str
    output: list[str]
    target: str = ""


def _steps(doc: str) -> list[Step]:
    text = (ROOT / doc).read_text(encoding="utf-8")
    blocks = _blocks(text)
    steps: list[Step] = []
    for k, b in enumerate(blocks):
        if "<!-- test-command -->" in text.splitlines()[b.line_no - 2]:
            continue  # the command that runs this very test
        if b.lang == "toml":
            name = re.findall(r"`([\w.-]+\.toml)`", b.before)
            assert name, f"{doc}:{b.line_no}: a TOML block with no `file.toml` named just before it"
            steps.append(Step(doc, b.line_no, "file", "\n".join(b.lines) + "\n", [], target=name[-1]))
        elif b.lang == "python":
            steps.append(Step(doc, b.line_no, "python", "\n".join(b.lines), []))
        elif _is_command(b):
            cmds = _commands(b)
            nxt = blocks[k + 1] if k + 1 < len(blocks) else None
            output = nxt.lines if nxt and nxt.lang == "" and not _is_command(nxt) else []
            assert not output or len(cmds) == 1, f"{doc}:{b.line_no}: quoted output after several commands"
            steps += [Step(doc, b.line_no, "shell", c, output if c == cmds[-1] else []) for c in cmds]
    return steps


#: Commands that take more than about ten seconds, run only with COPROD_SIM_DOCS=full (in .ci/run),
#: so that the normal test run stays short; why, as the skip message says it.
SLOW = {
    "python3 -m venv": "a fresh install from PyPI",
    "coprod-sim calibrate": "calibration takes about 16 minutes",
    "coprod-sim validate": "the validation experiments, about a minute",
    "coprod-sim sweep": "sweeps of 135 to 2,048 runs",
    "coprod-sim analyze": "it reads the sweep above",
    "coprod-sim compare baseline transformative --uncertainty full": "40 or 160 runs of ten years, 20 to 60 seconds",
}


def _slow(step: Step) -> str:
    """Why a step runs only with COPROD_SIM_DOCS=full, or '' when it runs every time."""
    return next((why for prefix, why in SLOW.items() if step.text.startswith(prefix)), "")


def _collapse(line: str) -> str:
    return " ".join(line.split())


def _check_output(step: Step, printed: str) -> None:
    got = {_collapse(s) for s in printed.splitlines()}
    missing = [s for s in step.output if s.strip() and s.strip() != "..." and _collapse(s) not in got]
    assert not missing, (
        f"{step.doc}:{step.line_no}: `{step.text}` no longer prints these quoted lines:\n"
        + "\n".join(missing)
        + "\n--- it printed:\n"
        + printed
    )


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "120"
    env["PYTHONPATH"] = str(ROOT)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve_and_stop(cmd: str, cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Start the dashboard as quoted, wait until it answers, then stop it as a user would (Ctrl-C)."""
    proc = subprocess.Popen(
        shlex.split(cmd), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    port = int(re.search(r"--port (\d+)", cmd).group(1)) if "--port" in cmd else 8765
    deadline = time.monotonic() + 90
    ready = False
    while time.monotonic() < deadline and proc.poll() is None and not ready:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                ready = r.status == 200
        except OSError:
            time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert ready, f"`{cmd}` never answered on port {port}:\n{out}"
    return proc.returncode, out


def _dask_scheduler(env: dict[str, str]) -> tuple[str, list[subprocess.Popen]]:
    """A scheduler and one worker on this machine, standing in for the quoted tcp://host:8786."""
    port = _free_port()
    bin_dir = Path(sys.executable).parent
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    sched = subprocess.Popen(
        [str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        env=env,
        **quiet,
    )
    worker = subprocess.Popen(
        [str(bin_dir / "dask"), "worker", f"tcp://127.0.0.1:{port}", "--nworkers", "2", "--no-dashboard"],
        env=env,
        **quiet,
    )
    return f"tcp://127.0.0.1:{port}", [worker, sched]


def _run_step(step: Step, cwd: Path, env: dict[str, str]) -> str:
    """Run one step as quoted and check its status and quoted output; return what it printed."""
    if step.kind == "file":
        (cwd / step.target).write_text(step.text, encoding="utf-8")
        return ""
    if step.kind == "python":
        r = subprocess.run([sys.executable, "-c", step.text], cwd=cwd, env=env, capture_output=True, text=True)
        assert r.returncode == 0, f"{step.doc}:{step.line_no}: the Python example failed:\n{r.stderr}"
        return r.stdout
    cmd, helpers = step.text, []
    if "tcp://host:8786" in cmd:
        address, helpers = _dask_scheduler(env)
        cmd = cmd.replace("tcp://host:8786", address)
    if cmd.startswith("python3 -m venv"):  # the quick start, in a copy of the checkout
        cwd = cwd / "checkout"
        shutil.copytree(ROOT, cwd, ignore=shutil.ignore_patterns(".venv*", ".git", "results", "__pycache__"))
        env = {k: v for k, v in env.items() if k != "PYTHONPATH"}
    try:
        if cmd.startswith("coprod-sim dashboard"):
            status, printed = _serve_and_stop(cmd, cwd, env)
        else:
            timeout = 3600 if FULL else 300
            r = subprocess.run(["bash", "-c", cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
            status, printed = r.returncode, r.stdout + r.stderr
    finally:
        for h in helpers:
            h.terminate()
            h.wait(30)
    # A quoted error message promises the status of every input error, 2.
    error = any(line.startswith("coprod-sim: error:") for line in step.output)
    want = EXPECTED_STATUS.get(cmd, 2 if error else 0)
    assert status == want, f"{step.doc}:{step.line_no}: `{cmd}` exited {status}, not {want}:\n{printed[-3000:]}"
    _check_output(step, printed)
    return printed


def _quoted_in_prose(doc: str) -> list[str]:
    """Table cells quoted in the prose, such as `0.600 [-0.080, 1.280]`: each must have been printed."""
    text = re.sub(r"```.*?```", "", (ROOT / doc).read_text(encoding="utf-8"), flags=re.S)
    return re.findall(r"`([-+]?[\d,]+\.\d+ \[[^\]`]+\])`", text)


ALL_STEPS = [s for doc in DOCUMENTS for s in _steps(doc)]


def test_the_documents_quote_commands():
    """The parser finds what a reader sees; a change that hid every command would fail here."""
    shell = [s.text for s in ALL_STEPS if s.kind == "shell"]
    assert "coprod-sim scenarios" in shell
    assert any(s.startswith("coprod-sim compare") for s in shell)
    assert any(s.kind == "file" and s.target == "day_services.toml" for s in ALL_STEPS)
    assert sum(1 for s in ALL_STEPS if s.output) >= 3


@pytest.mark.slow
@pytest.mark.timeout(7200 if FULL else 900)
@pytest.mark.parametrize("doc", DOCUMENTS)
def test_every_quoted_command_runs(doc, tmp_path):
    env = _env(tmp_path)
    for name, source in READERS_FILES.items():
        shutil.copy(source, tmp_path / name)
    skipped, printed = [], []
    for step in (s for s in ALL_STEPS if s.doc == doc):
        why = _slow(step)
        if why and not FULL:
            skipped.append(f"{step.text} ({why})")
            continue
        printed.append(_run_step(step, tmp_path, env))
    everything = "\n".join(printed)
    for cell in _quoted_in_prose(doc):
        assert cell in everything, f"{doc}: the prose quotes `{cell}`, which no quoted command printed"
    if skipped:
        print(f"{doc}: not run without COPROD_SIM_DOCS=full: " + "; ".join(skipped))
