"""Assumption cards: stated ranges (or fixed values) of assumed parameters, with who agreed them and why.

A card file is TOML data, validated at the boundary like a scenario (docs/assumptions.md)::

    [cards]
    agreed_by = "Access Group and the senior team, Riverside Care"
    date = 2026-11-20
    why = "What we believe rework and staff's pull to the standard service are, after two workshops."

    [costs.rework]
    plain = "what rework costs"   # optional: the parameter in words, for verdicts and charts
    lo = 0.2
    hi = 0.6
    distribution = "triangular"   # or "uniform"
    mode = 0.3
    source = "workshop judgement"
    note = "Optional: what was said."

    [deliberation.standard_bias]
    value = 0.8                   # a fixed value pins the parameter
    source = "workshop judgement"

The package ships default cards (``coprod_sim/data/assumptions.toml``) for the assumptions that
move an answer (experiments/screen_assumptions.py). A workshop's cards override the defaults one
parameter at a time (:func:`merge_cards`); :func:`draw_overrides` draws parameter sets from the
merged cards by Latin hypercube (or Sobol), the same for a seed whatever the order of the cards.
Calibrated parameters have no cards: the calibration's posterior covers them.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from coprod_sim.config import (
    PARAMS,
    SECTIONS,
    Config,
    ConfigError,
    Param,
    check_keys,
    check_tables,
    check_value,
    param,
)
from coprod_sim.limits import MAX_DESIGN_POINTS, MAX_SEED, PATH_CHARS, PLAIN_CHARS, named, shown
from coprod_sim.scenarios import check_description, data_dir, parse_toml, read_text

__all__ = [
    "DISTRIBUTIONS",
    "NOT_CARDS",
    "Card",
    "Cards",
    "calibrated_paths",
    "check_against",
    "check_combinations",
    "default_cards",
    "default_cards_path",
    "draw_configs",
    "draw_overrides",
    "format_cards",
    "is_assumption",
    "load_cards",
    "merge_cards",
    "parse_cards",
]

DISTRIBUTIONS = ("uniform", "triangular")
_HEADER_KEYS = ("agreed_by", "date", "why")
_CARD_KEYS = ("plain", "lo", "hi", "distribution", "mode", "value", "source", "note")
_TABLES = ("[cards]", *(f"[{s}]" for s in SECTIONS))
#: Parameters that are the question asked, not a belief: the horizon and the organisation's size
#: are set per run (--steps, --set), so a card on them would blur what is compared.
NOT_CARDS = ("simulation.steps", "organisation.people")


@dataclass(frozen=True)
class Card:
    """One parameter's stated uncertainty: a range with its distribution, or a fixed value."""

    path: str
    source: str
    distribution: str = "fixed"  # "uniform", "triangular" or "fixed"
    lo: float | None = None
    hi: float | None = None
    mode: float | None = None
    value: Any = None
    note: str = ""
    origin: str = ""  # the file it came from, so a merged set says whose belief each card is
    plain: str = ""  # the parameter in a few plain words ("what rework costs"), said in verdicts

    @property
    def fixed(self) -> bool:
        """Whether the card pins the parameter to one value."""
        return self.distribution == "fixed"

    def describe(self) -> str:
        """Return the card on one line: path, range or value, source."""
        if self.fixed:
            what = f"= {_num(self.value)}"
        else:
            what = f"{self.distribution} {_num(self.lo)} to {_num(self.hi)}"
            if self.mode is not None:
                what += f", mode {_num(self.mode)}"
        return f"{self.path} {what} ({self.source})"


@dataclass(frozen=True)
class Cards:
    """A validated card file (or a merge of several): who agreed it, when, why, and the cards by path."""

    agreed_by: str
    date: str
    why: str
    cards: Mapping[str, Card]  # by key path, sorted, so nothing depends on the order in the file
    path: Path | None = None

    def ranged(self) -> list[Card]:
        """Return the cards with a range (what is drawn), by key path."""
        return [c for c in self.cards.values() if not c.fixed]


def is_assumption(path: str) -> bool:
    """Whether a parameter's stated source is, or includes, an assumption."""
    return "assumption" in PARAMS[path].source.lower()


def calibrated_paths() -> tuple[str, ...]:
    """Key paths the calibration fits (experiments/calibration/calibration.toml): not cards."""
    from coprod_sim.validation.calibrate import load_calibration  # the calibration reads the sweep layer

    return tuple(sorted(f.path for f in load_calibration().parameters))


def default_cards_path() -> Path:
    """Return the path of the shipped default cards file."""
    return data_dir("data") / "assumptions.toml"


def default_cards() -> Cards:
    """Load the shipped default cards, validated."""
    shipped = load_cards(default_cards_path())
    origin = "the default cards (coprod_sim/data/assumptions.toml)"
    return replace(shipped, cards={p: replace(c, origin=origin) for p, c in shipped.cards.items()})


def load_cards(path: str | Path) -> Cards:
    """Read and validate a card file; every problem is one :class:`ConfigError` line naming the file."""
    path = Path(path)
    return parse_cards(read_text(path, "cards"), named(str(path), PATH_CHARS), path=path)


def parse_cards(text: str, where: str, *, path: Path | None = None) -> Cards:
    """Validate cards given as TOML text (an uploaded file, say); ``where`` names it in errors.

    The text is data only: it is parsed as TOML and validated, never executed.
    """
    data = parse_toml(text, where)
    at = f"{where}: "
    check_tables(data, _TABLES, at)
    header = data.pop("cards", None)
    if header is None:
        raise ConfigError(f"{at}missing the [cards] table with agreed_by, date and why")
    header = check_keys(header, _HEADER_KEYS, at, name="cards")
    agreed_by = check_description(header.get("agreed_by"), f"{at}cards.agreed_by", "who agreed these cards")
    why = check_description(header.get("why"), f"{at}cards.why", "why these ranges")
    date = _date(header.get("date"), f"{at}cards.date")
    calibrated = set(calibrated_paths())
    cards: dict[str, Card] = {}
    for section, table in data.items():
        table = check_keys(table, _section_keys(section), at, name=section, hint_from=PARAMS)
        for name, spec in table.items():
            card = _card(f"{section}.{name}", spec, at, calibrated)
            cards[card.path] = replace(card, origin=str(path or where))
    if not cards:
        raise ConfigError(f"{at}no cards: add a table such as [costs.rework] with lo, hi, distribution and source")
    result = Cards(agreed_by, date, why, dict(sorted(cards.items())), path)
    check_combinations(result)
    return result


def _section_keys(section: str) -> dict[str, None]:
    return dict.fromkeys(p.name for p in PARAMS.values() if p.section == section)


def _date(value: Any, key: str) -> str:
    """Return a TOML date (``2026-11-20``) or a short text such as ``"November 2026"``, as text."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return check_description(value, key, "when they were agreed, e.g. 2026-11-20")


def _card(path: str, spec: Any, at: str, calibrated: set[str]) -> Card:
    """Validate one parameter's table."""
    p = param(path, at)
    if path in NOT_CARDS:
        raise ConfigError(f"{at}[{path}]: the run's {p.name} is set per run (--steps, --set), not by a card")
    if path in calibrated:
        raise ConfigError(
            f"{at}[{path}]: is calibrated (experiments/calibration); its uncertainty comes from the calibration, "
            "not from a card"
        )
    spec = check_keys(spec, _CARD_KEYS, at, name=path)
    source = check_description(
        spec.get("source"), f"{at}{path}.source", 'where the range comes from, or "workshop judgement"'
    )
    note = spec.get("note", "")
    if note != "":
        note = check_description(note, f"{at}{path}.note", "what was said")
    card = _card_body(p, spec, at, source, note)
    return replace(card, plain=_plain_words(spec, f"{at}{path}.plain")) if "plain" in spec else card


def _plain_words(spec: Mapping[str, Any], key: str) -> str:
    """Validate a card's plain name: short words that fit "depends mostly on ..." and a chart's axis."""
    value = spec["plain"]
    allowed = (
        f"allowed is a text of at most {PLAIN_CHARS} characters on one line saying the parameter in plain words, "
        'to follow "depends mostly on", e.g. "what rework costs"'
    )
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > PLAIN_CHARS or "\n" in value:
        raise ConfigError(f"{key} = {shown(value)}: {allowed}")
    return value.strip()


def _card_body(p: Param, spec: Mapping[str, Any], at: str, source: str, note: str) -> Card:
    """Return the card's value or range (its source and note already checked)."""
    path = p.path
    has_range = "lo" in spec or "hi" in spec
    if "value" in spec:
        if has_range or "distribution" in spec or "mode" in spec:
            raise ConfigError(f"{at}[{path}]: give either value (fixed) or lo, hi and distribution (a range), not both")
        value = _checked(p, spec, "value", at)
        return Card(path, source, value=value, note=note)
    if p.type not in (int, float):
        raise ConfigError(
            f"{at}[{path}]: is {p.allowed()}, not a number: a card can only fix it (value = ...), not give a range"
        )
    return _ranged(p.path, spec, at, source, note)


def _ranged(path: str, spec: Mapping[str, Any], at: str, source: str, note: str) -> Card:
    """Validate a range: lo < hi inside the parameter's allowed range, a distribution, its mode."""
    p = PARAMS[path]
    for key in ("lo", "hi", "distribution"):
        if key not in spec:
            raise ConfigError(f"{at}[{path}]: missing {key}; a card needs value, or lo, hi and distribution")
    lo, hi = _checked(p, spec, "lo", at), _checked(p, spec, "hi", at)
    if not lo < hi:
        raise ConfigError(
            f"{at}{path}.hi = {shown(spec['hi'])}: allowed is a number above lo = {shown(spec['lo'])} "
            f"(for one value, write value = {shown(spec['lo'])})"
        )
    dist = spec["distribution"]
    if dist not in DISTRIBUTIONS:
        raise ConfigError(f"{at}{path}.distribution = {shown(dist)}: allowed is one of 'uniform', 'triangular'")
    mode = None
    if dist == "triangular":
        if "mode" not in spec:
            raise ConfigError(f"{at}[{path}]: missing mode; a triangular range needs its most likely value")
        mode = _checked(p, spec, "mode", at)
        if not lo <= mode <= hi:
            raise ConfigError(
                f"{at}{path}.mode = {shown(spec['mode'])}: allowed is a number from lo = {lo} to hi = {hi}"
            )
    elif "mode" in spec:
        raise ConfigError(f"{at}{path}.mode: only a triangular range has a mode (distribution = 'triangular')")
    for end in (lo, hi):  # a value that cannot exist with the other defaults (coverage > aspects, say)
        try:
            Config().with_overrides({path: end}, source=f"{at}{path}")
        except ConfigError as exc:
            raise ConfigError(str(exc)) from None
    return Card(path, source, distribution=dist, lo=lo, hi=hi, mode=mode, note=note)


def _checked(p: Param, spec: Mapping[str, Any], key: str, at: str) -> Any:
    """Check ``spec[key]`` as a value of the parameter; the message names the key (``costs.rework.hi = 9``)."""
    try:
        return check_value(p, spec[key], at)
    except ConfigError as exc:
        raise ConfigError(str(exc).replace(f"{at}{p.path} = ", f"{at}{p.path}.{key} = ", 1)) from None


def check_combinations(cards: Cards) -> None:
    """Raise :class:`ConfigError` if two cards' ranges can draw values that cannot exist together.

    The model's checks across parameters are within a section (``deliberation.coverage`` at most
    ``deliberation.aspects``, hires' ages), so every pair of ranged cards of one section is tried
    at its four corners, with the fixed cards' values: about 0.2 s for the default cards.
    """
    fixed = {c.path: c.value for c in cards.cards.values() if c.fixed}
    try:
        Config().with_overrides(fixed, source="the fixed cards")
    except ConfigError as exc:
        raise ConfigError(f"{_origins(cards.cards.values())}: {exc}") from None
    ranged = cards.ranged()
    for i, a in enumerate(ranged):
        # a card with itself (against the fixed values), then with each later card of its section
        for b in [a, *(c for c in ranged[i + 1 :] if c.path.split(".")[0] == a.path.split(".")[0])]:
            for x, y in itertools.product((a.lo, a.hi), (b.lo, b.hi)):
                if b is a and x != y:
                    continue
                try:
                    Config().with_overrides({**fixed, a.path: x, b.path: y}, source="")
                except ConfigError as exc:
                    pair = f"[{a.path}] {_num(a.lo)} to {_num(a.hi)}"
                    if b is not a:
                        pair += f" and [{b.path}] {_num(b.lo)} to {_num(b.hi)} can draw {a.path} = {_num(x)} with "
                        pair += f"{b.path} = {_num(y)}"
                    else:
                        pair += f" can draw {a.path} = {_num(x)} with the fixed cards"
                    raise ConfigError(f"{_origins((a, b))}: {pair}, which cannot be: {exc}") from None


def _origins(cards: Iterable[Card]) -> str:
    return " and ".join(dict.fromkeys(c.origin for c in cards))


def merge_cards(base: Cards, *overrides: Cards) -> Cards:
    """Cards of ``base`` with each later file's cards replacing the same parameter's (a workshop's over the defaults).

    The header is the last file's: the merge is that workshop's view. A card without a plain name
    keeps the one of the card it replaces (a workshop need not say again what rework is).
    """
    merged = dict(base.cards)
    last = base
    for layer in overrides:
        for path, card in layer.cards.items():
            before = merged.get(path)
            merged[path] = replace(card, plain=card.plain or (before.plain if before else ""))
        last = layer
    result = Cards(last.agreed_by, last.date, last.why, dict(sorted(merged.items())), last.path)
    check_combinations(result)  # a workshop's range may not fit with a default card of the same section
    return result


def check_against(cards: Cards, configs: Sequence[Config], names: Sequence[str] = ()) -> None:
    """Raise :class:`ConfigError` if a card covers a parameter on which the compared scenarios differ.

    A card replaces the parameter in every scenario, so a card on a lever the plans differ on
    (``power.transfer``, say) would make them the same plan.
    """
    for path, card in cards.cards.items():
        values = [c.get(path) for c in configs]
        if len(set(values)) > 1:
            which = ", ".join(
                f"{n} {v}"
                for n, v in zip(names or [f"scenario {i + 1}" for i in range(len(values))], values, strict=True)
            )
            raise ConfigError(
                f"{card.origin}: [{path}]: the scenarios compared differ on it ({which}); a card would give every "
                "scenario the same value. Remove the card, or put the value in the scenarios"
            )


def draw_overrides(cards: Cards, n: int, seed: int, *, method: str = "lhs") -> list[dict[str, Any]]:
    """Draw ``n`` parameter sets from the cards, as ``{key path: value}`` overrides.

    Latin hypercube (``method="lhs"``) or scrambled Sobol (``"sobol"``, best with ``n`` a power of 2)
    over the ranged cards in key-path order, so the draws depend on the seed and the cards, not
    on their order in a file; fixed cards give their value in every set. Whole-number parameters
    are drawn evenly over their whole values.
    """
    if not 1 <= n <= MAX_DESIGN_POINTS:
        raise ConfigError(f"draws = {shown(n)}: allowed is a whole number from 1 to {MAX_DESIGN_POINTS:,}")
    if not 0 <= seed <= MAX_SEED:
        raise ConfigError(f"seed = {shown(seed)}: allowed is a whole number from 0 to {MAX_SEED}")
    ranged = cards.ranged()
    u = _unit_sample(len(ranged), n, seed, method)
    fixed = {c.path: c.value for c in cards.cards.values() if c.fixed}
    columns = {c.path: _transform(c, u[:, j]) for j, c in enumerate(ranged)}
    return [{**fixed, **{p: col[i] for p, col in columns.items()}} for i in range(n)]


def draw_configs(cards: Cards, n: int, seed: int, base: Config | None = None, **kwargs: Any) -> list[Config]:
    """Draw ``n`` parameter sets (:func:`draw_overrides`) applied to ``base`` (default: the defaults), validated."""
    base = base or Config()
    out = []
    for i, ov in enumerate(draw_overrides(cards, n, seed, **kwargs), 1):
        out.append(base.with_overrides(ov, source=f"draw {i} of the cards"))
    return out


def _unit_sample(d: int, n: int, seed: int, method: str) -> np.ndarray:
    """``n`` points in the unit cube of ``d`` dimensions."""
    if d == 0:
        return np.empty((n, 0))
    from scipy.stats import qmc

    engines = {"lhs": qmc.LatinHypercube, "sobol": qmc.Sobol}
    if method not in engines:
        raise ConfigError(f"method = {shown(method)}: allowed is one of 'lhs', 'sobol'")
    rng = np.random.default_rng(seed)
    try:
        engine = engines[method](d, rng=rng)
    except TypeError:  # SciPy before 1.15 calls the generator seed=
        engine = engines[method](d, seed=rng)
    return engine.random(n)


def _transform(card: Card, u: np.ndarray) -> list[Any]:
    """Map unit draws to the card's distribution (and to whole numbers for a whole-number parameter)."""
    lo, hi = float(card.lo), float(card.hi)
    whole = PARAMS[card.path].type is int
    if whole:  # each whole value from lo to hi gets an equal share of the unit interval
        lo, hi = lo - 0.5, hi + 0.5
    if card.distribution == "triangular":
        from scipy.stats import triang

        x = triang.ppf(u, (card.mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
    else:
        x = lo + u * (hi - lo)
    if whole:
        return [int(v) for v in np.clip(np.rint(x), card.lo, card.hi)]
    return [float(v) for v in np.clip(x, card.lo, card.hi)]


def format_cards(cards: Cards, paths: Iterable[str] | None = None) -> str:
    """Return the cards as text: header, then one line per card (grouped by file when merged)."""
    lines = [f"Agreed by {cards.agreed_by}, {cards.date}", f"Why: {cards.why}"]
    chosen: Sequence[str] = list(cards.cards) if paths is None else list(paths)
    origins = dict.fromkeys(cards.cards[p].origin for p in chosen)
    for origin in origins:  # a merge says which file each card comes from
        lines += ["", f"From {origin}:"] if len(origins) > 1 else [""]
        lines += [cards.cards[p].describe() for p in chosen if cards.cards[p].origin == origin]
    return "\n".join(lines)


def _num(x: Any) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    return f"{x:g}" if isinstance(x, float) else str(x)
