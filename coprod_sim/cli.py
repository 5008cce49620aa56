"""The ``coprod-sim`` command: run, compare and list scenarios, sweep, and serve the dashboard.

This module parses the command line and dispatches to the command's function
(:data:`COMMANDS`): what each command does is in :mod:`coprod_sim.commands`, and serving the
dashboard in :mod:`coprod_sim.dashboard.serve`. Every input error prints one line naming the
file, key path, value and what is allowed, and exits with status 2; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from coprod_sim import __version__, commands
from coprod_sim.config import ConfigError
from coprod_sim.dashboard.assets import AssetsError
from coprod_sim.dashboard.serve import dashboard_command
from coprod_sim.limits import (
    DEFAULT_DRAWS,
    INT_DIGITS,
    MAX_DESIGN_POINTS,
    MAX_REPLICATES,
    MAX_RUNS,
    MAX_SEED,
    MAX_STEPS,
    MAX_WORKERS,
    PATH_CHARS,
    named,
    shown,
)

__all__ = ["COMMANDS", "build_parser", "main", "one_line"]

#: Command name -> what it does with the parsed arguments; returns the exit status.
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": commands.run_command,
    "compare": commands.compare_command,
    "sweep": commands.sweep_command,
    "analyze": commands.analyze_command,
    "validate": commands.validate_command,
    "calibrate": commands.calibrate_command,
    "dashboard": dashboard_command,
    "assets": commands.assets_command,
    "docs": commands.docs_command,
    "scenarios": commands.scenarios_command,
    "cards": commands.cards_command,
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line and status 2, like every other input error
        self.exit(2, f"{self.prog}: error: {one_line(message)} (see '{self.prog} --help')\n")


def one_line(message: str) -> str:
    """Return an error message on one line: line breaks in a name or value it quotes are escaped."""
    for brk in "\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029":  # what str.splitlines splits at
        message = message.replace(brk, brk.encode("unicode_escape").decode("ascii"))
    return message


def _whole_number(text: str, allowed: str) -> int:
    try:
        return int(text)
    except ValueError:
        digits = text.strip().lstrip("+-")
        if digits.isdigit() and len(digits) > INT_DIGITS:  # Python's own limit on converting text
            raise argparse.ArgumentTypeError(f"{shown(text)}: {allowed}") from None
        raise argparse.ArgumentTypeError(f"{shown(text)} is not a whole number: {allowed}") from None


def _whole(lo: int, hi: int, unit: str = "") -> Callable[[str], int]:
    """Return an argparse type: a whole number from ``lo`` to ``hi``, one message for any other text."""
    allowed = f"allowed is a whole number, {lo} or more (at most {hi:,}{unit})"

    def parse(text: str) -> int:
        v = _whole_number(text, allowed)
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"{shown(text)}: {allowed}")
        return v

    return parse


def _port(text: str) -> int:
    allowed = "allowed is a port number from 1 to 65535"
    v = _whole_number(text, allowed)
    if not 1 <= v <= 65535:
        raise argparse.ArgumentTypeError(f"{shown(text)}: {allowed}")
    return v


#: A Dask scheduler's address: an optional protocol, a host name or address, and a port.
_SCHEDULER = re.compile(r"(?:(?:tcp|tls|ucx)://)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})")


def _scheduler(text: str) -> str:
    """Return a Dask scheduler's address in the form Dask reads (checked before any folder is made)."""
    m = _SCHEDULER.fullmatch(text.strip())
    if not m or not 1 <= int(m.group(1)) <= 65535:
        raise argparse.ArgumentTypeError(
            f"{shown(text)}: allowed is a Dask scheduler's address, tcp://HOST:PORT (or tls://, or HOST:PORT), "
            "such as tcp://10.0.0.5:8786"
        )
    return text.strip()


def _folder(text: str) -> Path:
    """Return an output folder; an empty text would mean the current folder, so it is refused."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"{text!r}: allowed is a folder path (empty would write into this folder)")
    return Path(text)


_STEPS = _whole(1, MAX_STEPS, " weeks, 100 years")
_SEED = _whole(0, MAX_SEED)
_REPLICATES = _whole(1, MAX_REPLICATES)
_WORKERS = _whole(1, MAX_WORKERS)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser (also used to document the commands)."""
    p = _Parser(prog="coprod-sim", description="Simulate co-production with disabled people in organisations.")
    p.add_argument("--version", action="version", version=f"coprod-sim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    # In this order in --help.
    for add in (_add_run, _add_compare, _add_sweep, _add_validate, _add_calibrate, _add_analyze):
        add(sub)
    sub.add_parser("scenarios", help="list the shipped scenarios")
    _add_cards(sub)
    _add_dashboard(sub)
    _add_assets(sub)
    _add_docs(sub)
    return p


def _add_run(sub: Any) -> None:
    r = sub.add_parser("run", help="run one scenario and write its results")
    r.add_argument("scenario", help="a scenario .toml file or a shipped scenario name (see 'scenarios')")
    r.add_argument("--steps", type=_STEPS, help="weeks to simulate (default: the scenario's, 520 = 10 years)")
    r.add_argument("--seed", type=_SEED, default=1, help="seed of all randomness (default 1)")
    r.add_argument("--out", type=_folder, default=Path("results/run"), help="output folder (default results/run)")
    _set_argument(r, "override a parameter, e.g. --set organisation.people=10000 (repeatable)")


def _add_compare(sub: Any) -> None:
    c = sub.add_parser("compare", help="compare scenarios side by side on common random numbers")
    c.add_argument("scenarios", nargs="*", help="scenario files or names (default: every shipped scenario)")
    c.add_argument("--replicates", type=_REPLICATES, help="seeds per scenario (default 5; --uncertainty seeds only)")
    c.add_argument("--seed", type=_SEED, default=1, help="master seed of the replicate seeds (default 1)")
    c.add_argument("--steps", type=_STEPS, help="weeks to simulate (default: each scenario's)")
    _workers_argument(c)
    _set_argument(c, "override a parameter in every scenario (repeatable)")
    c.add_argument(
        "--out", type=_folder, default=Path("results/compare"), help="output folder (default results/compare)"
    )
    c.add_argument(
        "--uncertainty",
        choices=("seeds", "full"),
        default="seeds",
        help="seeds (default): intervals over chance only; full: probabilities over draws of the calibrated "
        "parameters (the shipped posterior) and the assumed ones (assumption cards), each on its own seed, the "
        "same in every scenario",
    )
    c.add_argument(
        "--draws",
        type=_whole(1, MAX_DESIGN_POINTS),
        metavar="N",
        help=f"with --uncertainty full: parameter draws (default {DEFAULT_DRAWS})",
    )
    c.add_argument(
        "--assumptions",
        type=Path,
        metavar="FILE",
        help="with --uncertainty full: a workshop's assumption cards, over the default cards (docs/assumptions.md)",
    )
    _engine_arguments(c, workers=False)


def _add_sweep(sub: Any) -> None:
    w = sub.add_parser("sweep", help="run an experiment (a parameter sweep) into a resumable Parquet dataset")
    w.add_argument("experiment", help="an experiment .toml file or a shipped experiment name")
    w.add_argument("--out", type=_folder, help="output folder (default results/<experiment name>)")
    _workers_argument(w)
    w.add_argument("--resume", action="store_true", help="finish an interrupted sweep in --out")
    w.add_argument(
        "--chunk-size",
        type=_whole(1, MAX_RUNS),
        metavar="RUNS",
        help="runs per chunk file (default: the replicates, at least 8; a resumed sweep keeps its own); "
        "results do not depend on it",
    )
    _engine_arguments(w, workers=False)


def _add_validate(sub: Any) -> None:
    v = sub.add_parser("validate", help="run the validation experiments and check the model against published patterns")
    v.add_argument("--replicates", type=_REPLICATES, help="seeds per experiment (default: each experiment's, 10)")
    v.add_argument(
        "--out", type=_folder, default=Path("results/validation"), help="output folder (default results/validation)"
    )
    v.add_argument("--patterns", type=Path, help="a patterns file (default: experiments/validation/patterns.toml)")
    v.add_argument("--resume", action="store_true", help="finish an interrupted validation in --out")
    v.add_argument(
        "--posterior",
        type=_whole(1, 500),
        metavar="K",
        help="also run every experiment at each of the first K draws of the shipped calibration posterior (K "
        "times the runs) and judge each pattern by its posterior predictive too: the band must hold the central "
        "90%% of its values over the draws",
    )
    _engine_arguments(v)


def _add_calibrate(sub: Any) -> None:
    cb = sub.add_parser(
        "calibrate", help="a posterior of the calibrated parameters from published targets (experiments/calibration/)"
    )
    cb.add_argument("--spec", type=Path, help="a calibration file (default: experiments/calibration/calibration.toml)")
    cb.add_argument(
        "--out", type=_folder, default=Path("results/calibration"), help="output folder (default results/calibration)"
    )
    cb.add_argument("--resume", action="store_true", help="finish an interrupted calibration in --out")
    _engine_arguments(cb)


def _add_analyze(sub: Any) -> None:
    an = sub.add_parser("analyze", help="lever effects, sensitivity indices and plots of a finished sweep")
    an.add_argument("folder", type=Path, help="a sweep output folder (with manifest.json)")
    an.add_argument(
        "--out", type=_folder, help="where to write tables, plots and report.html (default FOLDER/analysis)"
    )
    an.add_argument(
        "--target",
        metavar="EXPR",
        help="scenario discovery: find the lever ranges where runs meet a condition on outputs, with PRIM, "
        'e.g. --target "fit_mean > 0.7 and cost_per_year < 1.2e6" (needs coprod-sim[discovery])',
    )


def _add_cards(sub: Any) -> None:
    k = sub.add_parser("cards", help="assumption cards: the stated ranges of assumed parameters (docs/assumptions.md)")
    ksub = k.add_subparsers(dest="cards_command", required=True, parser_class=_Parser, metavar="{check,list}")
    kc = ksub.add_parser("check", help="check a cards file (exit status 2 and one line if it is wrong)")
    kc.add_argument("file", type=Path, help="a cards .toml file")
    kl = ksub.add_parser("list", help="list the default cards, or a cards file merged over them")
    kl.add_argument("file", nargs="?", type=Path, help="a cards .toml file (default: the default cards only)")


def _add_dashboard(sub: Any) -> None:
    d = sub.add_parser(
        "dashboard", help="serve the dashboard to your web browser (run 'coprod-sim assets install' once first)"
    )
    d.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 lets other machines in)",
    )
    d.add_argument("--port", type=_port, default=8765, help="port to listen on (default 8765)")
    d.add_argument("--open", action="store_true", help="open the dashboard in the default web browser")


def _add_assets(sub: Any) -> None:
    a = sub.add_parser("assets", help="the dashboard's front-end files, kept on this machine so it works offline")
    asub = a.add_subparsers(dest="assets_command", required=True, parser_class=_Parser, metavar="{install,check}")
    ai = asub.add_parser("install", help="download what is missing, once, from the npm registry")
    ai.add_argument("--axe", action="store_true", help="also axe-core, for the accessibility tests")
    ac = asub.add_parser("check", help="list what is missing (exit status 1 if anything is)")
    ac.add_argument("--axe", action="store_true", help="also check axe-core, for the accessibility tests")


def _add_docs(sub: Any) -> None:
    dc = sub.add_parser("docs", help="read the documentation installed with the package (the model, guides)")
    dc.add_argument("name", nargs="?", help="a document, e.g. ODD or strategists (default: list them)")
    dc.add_argument("--path", action="store_true", help="print the installed file's path instead of its text")


def _set_argument(p: argparse.ArgumentParser, help_text: str) -> None:
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE", help=help_text)


def _workers_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--workers",
        type=_WORKERS,
        default=min(os.cpu_count() or 1, MAX_WORKERS),
        help="parallel processes (default: all cores); results do not depend on it",
    )


def _engine_arguments(p: argparse.ArgumentParser, *, workers: bool = True) -> None:
    """--workers, --engine and --scheduler: where the runs of a sweep go."""
    if workers:
        _workers_argument(p)
    p.add_argument(
        "--engine", choices=("local", "dask"), default="local", help="local processes (default) or dask.distributed"
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        type=_scheduler,
        help="with --engine dask: an existing scheduler, e.g. tcp://10.0.0.5:8786 (default: a local cluster)",
    )


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main thread as Ctrl-C is, so that the same clean-up runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _stop(signum: int, _frame: object) -> None:
    raise Stopped(signum)


@contextlib.contextmanager
def _stopped_like_ctrl_c() -> Iterator[None]:
    """Treat SIGTERM and SIGHUP as Ctrl-C while a command runs.

    Temporary files are then removed and worker processes stopped, instead of being left behind
    by the default handler's immediate exit.
    """
    if threading.current_thread() is not threading.main_thread():  # signals reach the main thread only
        yield
        return
    caught = [s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]
    before = {s: signal.signal(s, _stop) for s in caught}
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "scheduler", None) and args.engine != "dask":  # before any folder is made
        parser.error(f"--scheduler {args.scheduler[:40]}: only used with --engine dask")
    try:
        with _stopped_like_ctrl_c():
            return COMMANDS[args.command](args)
    except (ConfigError, AssetsError) as exc:
        print(f"coprod-sim: error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print("coprod-sim: interrupted; files already written are complete, nothing half-written", file=sys.stderr)
        return 128 + getattr(exc, "signum", signal.SIGINT)
    except BrokenPipeError:  # e.g. piped into `head`: the reader left, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        name = named(str(exc.filename or ""), PATH_CHARS)
        print(f"coprod-sim: error: {one_line(name)}: {exc.strerror}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
