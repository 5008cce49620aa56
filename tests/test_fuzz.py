"""Fuzzing the inputs: random files, ``--set`` strings and flag values end in a message, never a traceback.

Random TOML documents (valid ones and ones with nested arrays and tables, whole numbers too long
to read, odd strings, byte-order marks, broken syntax) go to the scenario, experiment, patterns
and calibration loaders and to ``coprod_sim.cli.main``; random ``--set`` strings and flag values
go to ``main``. Each example must end with exit status 0 or 2 (a loader: a result or a
``ConfigError``), one line on stderr for status 2, and no other exception, within the deadline.
No example computes: every command gets an ``--out`` that cannot be made (its parent is a file),
so valid inputs stop at the check that comes before any work; designs are drawn small or far
beyond the limits.

Two hypothesis profiles, chosen by the environment variable ``COPROD_FUZZ``:

* ``ci`` (the default, in the normal test run): 100 examples a test, the same every run, about
  10 s for this file;
* ``soak``: 5,000 new examples a test (``COPROD_FUZZ_EXAMPLES`` sets another number), about
  5 minutes on one core::

    COPROD_FUZZ=soak python -m pytest tests/test_fuzz.py -q -p no:cacheprovider --hypothesis-show-statistics

A failure prints the smallest input that fails; the soak profile keeps failures in
``.hypothesis/`` so that the next run tries them first.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import os
import shutil
import tempfile
import tomllib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from coprod_sim.cards import draw_overrides, parse_cards
from coprod_sim.cli import main
from coprod_sim.config import PARAMS, SECTIONS, Config, ConfigError
from coprod_sim.scenarios import list_scenario_names, parse_override, parse_scenario
from coprod_sim.sweep.design import experiment_dir, load_experiment
from coprod_sim.validation.calibrate import load_calibration
from coprod_sim.validation.patterns import load_patterns, validation_dir

_COMMON = {
    "deadline": timedelta(seconds=5),
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
}
# The normal run draws the same examples every time (no flaky failures); the soak explores.
settings.register_profile("ci", max_examples=100, database=None, derandomize=True, **_COMMON)
settings.register_profile("soak", max_examples=int(os.environ.get("COPROD_FUZZ_EXAMPLES", "5000")), **_COMMON)
FUZZ = settings.get_profile(os.environ.get("COPROD_FUZZ", "ci"))

#: Where every file of an example is written, and an output folder that cannot be made.
WORK = Path(tempfile.mkdtemp(prefix="coprod-fuzz-"))
atexit.register(shutil.rmtree, WORK, ignore_errors=True)
(WORK / "a-file").write_text("")
UNWRITABLE = str(WORK / "a-file" / "out")


# -- TOML text ------------------------------------------------------------------------------------
def mostly(usual: st.SearchStrategy, odd: st.SearchStrategy, one_in: int = 8) -> st.SearchStrategy:
    """``usual`` except one time in ``one_in``, so that most examples get past the first check."""
    # The odd case at the top: hypothesis leans to the smallest choices, and those should be usual.
    return st.integers(1, one_in).flatmap(lambda i: odd if i == one_in else usual)


ODD_TEXT = (
    st.text(st.characters(codec="utf-8"), max_size=40)
    | st.sampled_from(["", " ", "\n", "\t", "\x00", "\u202e", "\ufeff", "é", "a\nb", "'", '"', "\\", "${x}"])
    | st.integers(2_000, 5_000).map(lambda n: "x" * n)
)


def _basic(text: str) -> str:
    """``text`` as a TOML basic string (JSON's, with characters as they are: TOML has no surrogate escapes)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _float(x: float) -> str:
    return {"inf": "inf", "-inf": "-inf", "nan": "nan"}.get(repr(x), repr(x))


class _Raw(str):
    """TOML text to write as it is."""


def toml(value: object) -> str:
    """A plain Python value as TOML text (for values read from the shipped files)."""
    if isinstance(value, _Raw):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, list):
        return "[" + ", ".join(map(toml, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_basic(k)} = {toml(v)}" for k, v in value.items()) + "}"
    return _basic(value) if isinstance(value, str) else str(value)


LEAVES = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.integers().map(str),
    st.integers(4_200, 6_000).map(lambda n: "9" * n),  # around Python's 4,300-digit limit
    st.floats().map(_float),
    st.booleans().map(toml),
    ODD_TEXT.map(_basic),
    ODD_TEXT.map(lambda t: "'" + "".join(c for c in t if c == "\t" or (c.isprintable() and c != "'")) + "'"),
    st.sampled_from(["1979-05-27", "07:32:00", "1979-05-27T07:32:00Z", "0x1F", "1_000", "1e400", "-0.0", "'all'"]),
)
KEYS = st.sampled_from(["a", "path", "values", "low", "high", "step", "lever", "value"]) | ODD_TEXT.map(_basic)


def _nested(kids: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    arrays = st.lists(kids, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]")
    tables = st.dictionaries(KEYS, kids, max_size=3).map(
        lambda d: "{" + ", ".join(f"{k} = {v}" for k, v in d.items()) + "}"
    )
    return arrays | tables


DEEP = st.integers(20, 4_000).flatmap(
    lambda n: st.sampled_from(["[" * n + "]" * n, "{a = " * n + "1" + "}" * n, "[{a = " * n + "1" + "}]" * n])
)
#: Any TOML value: scalars of every kind, nested arrays and inline tables, now and then hundreds deep.
VALUES = mostly(st.recursive(LEAVES, _nested, max_leaves=8), DEEP, 12)


def _valid(path: str) -> st.SearchStrategy[str]:
    """A value the parameter allows, as TOML text."""
    p = PARAMS[path]
    if p.type is bool:
        return st.booleans().map(toml)
    if p.choices:
        return st.sampled_from(p.choices).map(json.dumps)
    if p.type is int:
        return st.integers(int(p.lo), int(min(p.hi, 10**9))).map(str)
    return st.floats(p.lo, p.hi).map(_float)


def _value_for(path: str) -> st.SearchStrategy[str]:
    return mostly(_valid(path), VALUES) if path in PARAMS else VALUES


@st.composite
def tables(draw: st.DrawFn, name: str, keys: list[str], prefix: str = "") -> str:
    """A ``[name]`` table of some of ``keys`` (now and then an unknown key), values mostly allowed."""
    chosen = draw(st.lists(mostly(st.sampled_from(keys), KEYS), max_size=5, unique=True))
    lines = [f"[{name}]"] + [f"{k} = {draw(_value_for(prefix + k))}" for k in chosen]
    return "\n".join(lines)


@st.composite
def timeline(draw: st.DrawFn) -> str:
    entries = []
    for _ in range(draw(st.integers(0, 3))):
        lever = draw(st.sampled_from([p for p in PARAMS if p.split(".")[0] in ("power", "training")]))
        step = draw(mostly(st.integers(0, 600).map(str), st.integers(-2, 6_000).map(str) | VALUES))
        entries.append(f"[[timeline]]\nstep = {step}\nlever = {json.dumps(lever)}\nvalue = {draw(_value_for(lever))}")
    return "\n".join(entries)


@st.composite
def mangled(draw: st.DrawFn, text: str) -> str:
    """``text``, maybe with a byte-order mark, and now and then cut short or with a random insertion."""
    if draw(st.booleans()):
        text = "\ufeff" + text
    how = draw(mostly(st.just("keep"), st.sampled_from(["cut", "insert"])))
    if how == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif how == "insert":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(ODD_TEXT | VALUES) + text[at:]
    return text


@st.composite
def scenario_docs(draw: st.DrawFn) -> str:
    meta = ["[scenario]"]
    if draw(st.integers(0, 9)):
        meta.append(f"description = {draw(mostly(st.just(json.dumps('A fuzzed scenario')), VALUES))}")
    if draw(st.booleans()):
        meta.append(f"name = {draw(mostly(ODD_TEXT.map(_basic), VALUES))}")
    parts = ["\n".join(meta)]
    for section in draw(st.lists(st.sampled_from(list(SECTIONS)), max_size=3, unique=True)):
        names = [p.name for p in PARAMS.values() if p.section == section]
        parts.append(draw(tables(section, names, f"{section}.")))
    parts.append(draw(timeline()))
    return draw(mangled("\n".join(parts) + "\n"))


@st.composite
def card_docs(draw: st.DrawFn) -> str:
    """An assumption-cards file: a header, then parameter tables of ranges or values, mostly allowed."""
    head = ["[cards]", 'agreed_by = "fuzz"', "date = 2026-11-20"]
    if draw(st.integers(0, 9)):
        head.append(f"why = {draw(mostly(st.just(json.dumps('A fuzzed workshop')), VALUES))}")
    parts = ["\n".join(head)]
    for path in draw(st.lists(st.sampled_from(list(PARAMS)), max_size=3, unique=True)):
        lines = [f"[{path}]", f"source = {draw(mostly(st.just(json.dumps('workshop judgement')), VALUES))}"]
        if draw(st.booleans()):
            lines.append(f"value = {draw(_value_for(path))}")
        else:
            lo, hi = draw(_value_for(path)), draw(_value_for(path))
            dist = draw(mostly(st.sampled_from(['"uniform"', '"triangular"']), VALUES))
            lines += [f"lo = {lo}", f"hi = {hi}", f"distribution = {dist}"]
            if draw(st.booleans()):
                lines.append(f"mode = {draw(_value_for(path))}")
        parts.append("\n".join(lines))
    return draw(mangled("\n\n".join(parts) + "\n"))


#: Sizes that are quick to draw, or far beyond the limits (never the slow middle).
SIZES = mostly(st.integers(1, 12).map(str), st.integers(100_001, 10**12).map(str) | VALUES, 4)
METHODS = ("grid", "lhs", "sobol", "morris")


@st.composite
def experiment_docs(draw: st.DrawFn) -> str:
    method = draw(mostly(st.sampled_from(METHODS), VALUES))
    exp = ["[experiment]", f"description = {json.dumps('A fuzzed experiment')}"]
    exp.append(f"scenario = {draw(mostly(st.sampled_from(list_scenario_names()).map(json.dumps), VALUES))}")
    exp += [f"replicates = {draw(SIZES)}", f"steps = {draw(mostly(st.integers(1, 20).map(str), VALUES))}"]
    design = ["[design]", f"method = {json.dumps(method) if method in METHODS else method}"]
    if method != "grid" and draw(st.booleans()):
        design.append(f"samples = {draw(SIZES)}")
    if method == "sobol" and draw(st.booleans()):
        design.append(f"second_order = {draw(mostly(st.booleans().map(toml), VALUES))}")
    parts = ["\n".join(exp), "\n".join(design)]
    paths = draw(st.lists(st.sampled_from(["power.transfer", "training.coverage", "organisation.people"]), max_size=3))
    paths = paths or draw(mostly(st.just(["power.transfer"]), st.just([])))
    many = method == "grid" and draw(mostly(st.just(False), st.just(True)))  # a grid far beyond the limit
    for path in paths * (3 if many else 1):
        if method == "grid":
            n = (50, 100) if many else (1, 4)
            values = st.lists(_valid(path), min_size=n[0], max_size=n[1]).map(lambda v: "[" + ", ".join(v) + "]")
            parts.append(f"[[parameters]]\npath = {json.dumps(path)}\nvalues = {draw(mostly(values, VALUES))}")
        else:
            lo, hi = sorted((draw(_valid(path)), draw(_valid(path))), key=float)
            lo, hi = draw(mostly(st.just(lo), VALUES)), draw(mostly(st.just(hi), VALUES))
            parts.append(f"[[parameters]]\npath = {json.dumps(path)}\nlow = {lo}\nhigh = {hi}")
    return draw(mangled("\n".join(parts) + "\n"))


def _shipped(path: Path, array: str) -> list[dict]:
    return tomllib.loads(path.read_text(encoding="utf-8"))[array]


@st.composite
def patterns_docs(draw: st.DrawFn) -> str:
    """The shipped patterns file with a few values of one pattern replaced (or its keys changed)."""
    patterns = _shipped(validation_dir() / "patterns.toml", "pattern")
    chosen = draw(st.integers(0, len(patterns) - 1))
    for _ in range(draw(st.integers(1, 3))):
        key = draw(mostly(st.sampled_from(sorted(patterns[chosen])), KEYS.map(lambda k: k.strip('"'))))
        patterns[chosen][key] = _Raw(draw(VALUES))
    if draw(mostly(st.just(False), st.just(True))):
        patterns.append(dict(patterns[chosen]))  # an id used twice
    text = "\n\n".join("[[pattern]]\n" + "\n".join(f"{_basic(k)} = {toml(v)}" for k, v in t.items()) for t in patterns)
    return draw(mangled(text + "\n"))


@st.composite
def calibration_docs(draw: st.DrawFn) -> str:
    """The shipped calibration file with some settings and one parameter's values replaced."""
    data = tomllib.loads((experiment_dir() / "calibration" / "calibration.toml").read_text(encoding="utf-8"))
    settings_ = data["calibration"]
    for key in draw(st.lists(mostly(st.sampled_from(sorted(settings_)), KEYS.map(lambda k: k.strip('"'))), max_size=3)):
        settings_[key] = _Raw(draw(VALUES))
    params = data["parameters"]
    entry = params[draw(st.integers(0, len(params) - 1))]
    for key in draw(st.lists(st.sampled_from(["path", "low", "high"]), max_size=2)):
        entry[key] = _Raw(draw(VALUES))
    text = "[calibration]\n" + "\n".join(f"{_basic(k)} = {toml(v)}" for k, v in settings_.items())
    text += "".join("\n\n[[parameters]]\n" + "\n".join(f"{k} = {toml(v)}" for k, v in p.items()) for p in params)
    return draw(mangled(text + "\n"))


# -- running and checking ------------------------------------------------------------------------
def _write(name: str, text: str) -> Path:
    path = WORK / name
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    return path


def _cli(*args: str) -> tuple[int, str]:
    """Run ``main`` with stderr captured: (status, stderr)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's errors (and --help)
            code = exc.code
    return code, err.getvalue()


#: Words of the messages, to count in the statistics what the examples reached.
OUTCOMES = (
    "TOML syntax",
    "nested too deeply",
    "too long to read",
    "is missing",
    "unknown",
    "is out of range",
    "design points",
    "runs",
    "timeline",
    "--out",
    "argument",
    "allowed",
)


def _outcome(message: str) -> None:
    event(next((word for word in OUTCOMES if word in message), "other message") if message else "accepted")


def _check(code: int, err: str) -> None:
    assert code in (0, 2), err
    if code == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("coprod-sim"), err
    _outcome(err)


@contextlib.contextmanager
def _loader() -> Iterator[None]:
    """Let a loader return or raise ConfigError, and count which."""
    try:
        yield
    except ConfigError as exc:
        _outcome(str(exc))
    else:
        _outcome("")


# -- loaders ----------------------------------------------------------------------------------
@FUZZ
@given(text=scenario_docs())
def test_scenario_text(text):
    with _loader():
        parse_scenario(text, "fuzz.toml")


@FUZZ
@given(text=experiment_docs())
def test_experiment_files(text):
    with _loader():
        load_experiment(_write("experiment.toml", text))


@FUZZ
@given(text=patterns_docs())
def test_patterns_files(text):
    with _loader():
        load_patterns(_write("patterns.toml", text))


@FUZZ
@given(text=calibration_docs())
def test_calibration_files(text):
    with _loader():
        load_calibration(_write("calibration.toml", text))


@FUZZ
@given(text=card_docs())
def test_card_files(text):
    with _loader():
        cards = parse_cards(text, "cards.toml")
        draw_overrides(cards, 4, 1)  # whatever loads, draws: values in range, never a crash


@FUZZ
@given(key=st.sampled_from(list(PARAMS)) | ODD_TEXT, value=VALUES | ODD_TEXT, sep=st.sampled_from(["=", " = ", ""]))
def test_set_strings(key, value, sep):
    text = f"{key}{sep}{value}"
    with _loader():
        Config().with_overrides(dict([parse_override(text)]))


# -- the command line ---------------------------------------------------------------------------
SETS = st.sampled_from(list(PARAMS)).flatmap(lambda p: _value_for(p).map(lambda v: f"{p}={v}")) | ODD_TEXT


@FUZZ
@given(text=scenario_docs(), sets=st.lists(SETS, max_size=2))
def test_run_with_random_files_and_overrides(text, sets):
    path = _write("scenario.toml", text)
    _check(*_cli("run", str(path), *(a for s in sets for a in ("--set", s)), "--out", UNWRITABLE))


FLAGS = {
    "run": ["--steps", "--seed", "--set"],
    "compare": ["--replicates", "--seed", "--steps", "--workers", "--set", "--uncertainty", "--draws", "--assumptions"],
    "sweep": ["--workers", "--chunk-size", "--engine", "--scheduler", "--resume"],
    "validate": ["--replicates", "--patterns", "--workers", "--engine"],
    "calibrate": ["--spec", "--workers"],
    "analyze": ["--target"],
}
FLAG_VALUES = (
    st.integers(-(10**6), 10**8).map(str)
    | st.integers(4_000, 6_000).map(lambda n: "7" * n)
    | ODD_TEXT
    | st.sampled_from(["0", "-0", "1", " 3", "1_0", "٣", "1e3", "0x10", "", "local", "dask", "/dev/null", "."])
    | st.sampled_from(["full", "seeds"])
)


@FUZZ
@given(
    command=st.sampled_from(list(FLAGS)),
    data=st.data(),
)
def test_random_flag_values(command, data):
    flags = data.draw(st.lists(st.sampled_from(FLAGS[command]), max_size=4)) if FLAGS[command] else []
    args = [f"{flag}={data.draw(FLAG_VALUES, label=flag)}" for flag in flags]
    positional = {
        "run": ["baseline"],
        "compare": ["baseline"],
        "sweep": ["peer_support_demo"],
        "analyze": [str(WORK / "no-sweep")],
    }.get(command, [])
    if data.draw(st.booleans(), label="random positional"):
        positional = [p for p in data.draw(st.lists(ODD_TEXT, max_size=2)) if not p.startswith("-")]
    _check(*_cli(command, *positional, *args, "--out", UNWRITABLE))


@FUZZ
@given(text=experiment_docs())
def test_sweep_with_random_experiments(text):
    path = _write("sweep.toml", text)
    _check(*_cli("sweep", str(path), "--workers", "1", "--out", UNWRITABLE))


@pytest.fixture(autouse=True, scope="module")
def _warm() -> None:
    """Import what the commands import once, so that the first example is not timed with it."""
    load_experiment("lever_grid")
    load_calibration()
