"""Accessible SVG drawings for the dashboard: line charts, the organisation, the ladder, heatmaps.

Each drawing is an SVG string with ``role="img"``, a ``<title>`` and a ``<desc>`` (its text
alternative), built from plain numbers, so it renders in any browser without scripts and costs a
millisecond or two to make. Colours come from colour-blind-safe palettes (Okabe-Ito for
categories, viridis for quantities), and nothing is told by colour alone: lines also differ by
dash pattern and marker and are labelled at their end, roles differ by shape, and heatmap cells
print their values. Every text is escaped: names typed by users never become markup.
"""

from __future__ import annotations

import hashlib
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

__all__ = [
    "OKABE_ITO",
    "VIRIDIS",
    "Series",
    "data_table",
    "heatmap",
    "ladder",
    "line_chart",
    "network",
    "network_legend",
    "ranked_bars",
    "table_weeks",
    "team_layout",
    "viridis",
]

#: Okabe & Ito (2008) colours, distinguishable with the common colour-vision deficiencies.
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
#: Dash patterns and markers that go with the colours, so lines differ without colour too.
DASHES = ("", "8 4", "2 3", "10 3 2 3", "5 5", "1 2")
MARKERS = ("circle", "square", "triangle", "diamond", "cross", "circle")
#: Nine stops of viridis (perceptually uniform, colour-blind safe, readable in greyscale).
VIRIDIS = ("#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725")

FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif"
#: The smallest text in a drawing, in its own units. A drawing with text is never shown narrower
#: than its own width (the page's CSS, class ``cp-svg``), so no text in it is ever smaller than
#: this many CSS pixels, on a phone or at 200% zoom (WCAG 1.4.4); drawings are made narrow enough
#: (:data:`CHART_WIDTH`) to fit a 390-pixel phone, and grow with their column.
MIN_TEXT = 12
#: The natural width of charts and heatmaps: it fits a 390-pixel-wide phone with the page's margins.
CHART_WIDTH = 350


@dataclass(frozen=True)
class Series:
    """One line: a name, its values and optionally a band (for example a 95% interval)."""

    name: str
    y: Sequence[float]
    lo: Sequence[float] | None = None
    hi: Sequence[float] | None = None
    #: Its place in the palette (colour, dash, marker); by default its place in the chart. Set it
    #: so that a scenario keeps its colour in a chart that leaves others out.
    style: int | None = None


def _id(*parts: object) -> str:
    """Return a stable element id (the same drawing gets the same ids; different drawings differ)."""
    return "c" + hashlib.sha1(repr(parts).encode()).hexdigest()[:10]


def viridis(v: np.ndarray | float) -> np.ndarray:
    """Viridis colours (hex strings) for values in [0, 1]; NaN becomes grey."""
    arr = np.atleast_1d(np.asarray(v, dtype=float))
    idx = np.clip(np.nan_to_num(arr, nan=0.0) * (len(VIRIDIS) - 1) + 0.5, 0, len(VIRIDIS) - 1).astype(int)
    out = np.array(VIRIDIS, dtype=object)[idx]
    out[np.isnan(arr)] = "#9e9e9e"
    return out


def _fmt(v: float) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "no value"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def _tick_labels(ticks: Sequence[float]) -> list[str]:
    """Tick labels with as many decimals as the ticks' spacing needs: 0, 50,000, 100,000 (not 0.00) or 0.2, 0.4."""
    if len(ticks) < 2:
        return [_fmt(t) for t in ticks]
    # The fewest decimals that print every tick exactly (0.25 needs two, 0.2 one, 50,000 none).
    decimals = next((d for d in range(7) if all(abs(t * 10**d - round(t * 10**d)) < 1e-6 for t in ticks)), 6)
    return [f"{t:,.{decimals}f}".replace("-", "\u2212") if t != 0 else "0" for t in ticks]


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if not math.isfinite(lo) or not math.isfinite(hi):
        return [0.0, 1.0]
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / max(n - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.floor(lo / step) * step
    ticks = []
    t = first
    while t <= hi + step * 0.5 and len(ticks) < 12:
        ticks.append(round(t, 10))
        t += step
    return ticks


def _marker(kind: str, x: float, y: float, r: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}" fill="{colour}"/>'
    if kind == "triangle":
        pts = f"{x:.1f},{y - r * 1.2:.1f} {x - r * 1.1:.1f},{y + r * 0.8:.1f} {x + r * 1.1:.1f},{y + r * 0.8:.1f}"
        return f'<polygon points="{pts}" fill="{colour}"/>'
    if kind == "diamond":
        pts = f"{x:.1f},{y - r * 1.3:.1f} {x + r * 1.1:.1f},{y:.1f} {x:.1f},{y + r * 1.3:.1f} {x - r * 1.1:.1f},{y:.1f}"
        return f'<polygon points="{pts}" fill="{colour}"/>'
    if kind == "cross":
        return (
            f'<path d="M{x - r:.1f},{y - r:.1f}L{x + r:.1f},{y + r:.1f}'
            f'M{x - r:.1f},{y + r:.1f}L{x + r:.1f},{y - r:.1f}" stroke="{colour}" stroke-width="2"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{colour}"/>'


def _open(title: str, desc: str, width: float, height: float, key: tuple, *, shrinks: bool = False) -> tuple[str, str]:
    """Open a drawing: its size (``--w``, read by the page's CSS), title and text alternative.

    ``shrinks``: a drawing without text (the organisation) may be shown narrower than its width;
    any other keeps at least its width, so that its text stays readable (:data:`MIN_TEXT`).
    """
    tid, did = _id("t", key), _id("d", key)
    cls = "cp-svg cp-shrinks" if shrinks else "cp-svg"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" width="100%" '
        f'class="{cls}" style="--w:{width:.0f}px;height:auto;{FONT}" role="img" aria-labelledby="{tid} {did}">'
        f'<title id="{tid}">{escape(title)}</title><desc id="{did}">{escape(desc)}</desc>'
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>'
    )
    return head, "</svg>"


def _title(title: str, width: float) -> tuple[str, int]:
    """Wrap a drawing's title to its width (a narrow one would cut it); return it and the height it adds."""
    lines = textwrap.wrap(title, max(int((width - 16) / 8.4), 10)) or [""]
    spans = "".join(f'<tspan x="8" dy="{0 if i == 0 else 18}">{escape(t)}</tspan>' for i, t in enumerate(lines))
    return f'<text y="18" font-size="14" font-weight="600" fill="#111">{spans}</text>', 18 * (len(lines) - 1)


def describe_series(
    series: Sequence[Series], x: Sequence[float], x_label: str, x_names: Mapping[float, str] | None = None
) -> str:
    """Describe each line in a sentence: where it started and ended, its lowest and highest value."""
    names = dict(x_names or {})

    def at(v: float) -> str:
        return names.get(float(v), f"{v:g}")

    parts = []
    for s in series:
        y = np.asarray(s.y, dtype=float)
        ok = np.isfinite(y)
        if not ok.any():
            parts.append(f"{s.name}: no values yet.")
            continue
        first, last = y[ok][0], y[ok][-1]
        xs = np.asarray(x)[ok]
        low, high = _fmt(float(y[ok].min())), _fmt(float(y[ok].max()))
        # Rose or fell only by what the reader can see: a change below the shown precision is none.
        if len(xs) == 1:
            parts.append(f"{s.name}: {_fmt(last)} at {x_label.lower()} {at(xs[0])}.")
            continue
        if _fmt(first) == _fmt(last):
            spread = "" if low == high else f", between {low} and {high} on the way"
            parts.append(f"{s.name}: {_fmt(last)} at {x_label.lower()} {at(xs[0])} and at {at(xs[-1])}{spread}.")
            continue
        trend = "rose" if last > first else "fell"
        parts.append(
            f"{s.name}: {trend} from {_fmt(first)} ({x_label.lower()} {at(xs[0])}) to {_fmt(last)} "
            f"({x_label.lower()} {at(xs[-1])}); lowest {low}, highest {high}."
        )
    for s in series:  # the shaded bands, as the eye reads them: at the last point
        if s.lo is None or s.hi is None:
            continue
        lo, hi = np.asarray(s.lo, dtype=float), np.asarray(s.hi, dtype=float)
        both = np.flatnonzero(np.isfinite(lo) & np.isfinite(hi))
        if len(both):
            i = int(both[-1])
            where = f"{x_label.lower()} {at(np.asarray(x)[i])}"
            parts.append(f"The band of {s.name} at {where}: {_fmt(float(lo[i]))} to {_fmt(float(hi[i]))}.")
    return " ".join(parts)


def line_chart(
    x: Sequence[float],
    series: Sequence[Series],
    *,
    title: str,
    y_label: str,
    x_label: str = "Week",
    y_range: tuple[float, float] | None = None,
    width: int = CHART_WIDTH,
    height: int = 260,
    marks: Sequence[tuple[float, str]] = (),
    x_names: Mapping[float, str] | None = None,
) -> str:
    """Lines (with optional bands) over a shared x axis; ``marks`` are labelled vertical rules.

    ``x_names`` marks the x axis at those values with those names (a switch's "off" and "on").
    """
    x = np.asarray(x, dtype=float)
    ys = [np.asarray(s.y, dtype=float) for s in series]
    heading, extra = _title(title, width)
    height += extra
    area = _plot_area(x, series, ys, y_range, width, height, 30 + extra)
    desc = describe_series(series, x, x_label, x_names)
    head, tail = _open(title, desc, width, height, (title, tuple(s.name for s in series)))
    out = [head, heading]
    out += _axes(area, x, x_label, y_label, height, x_names)
    out += _marks(area, marks)
    lines, ends = _lines(area, x, series, ys)
    out += lines
    out += _end_labels(area, ends)
    out.append(tail)
    return "".join(out)


@dataclass(frozen=True)
class _PlotArea:
    """Where a line chart's data go: the plotting rectangle and the ranges it shows."""

    left: float
    top: float
    pw: float  # width and height of the plotting rectangle
    ph: float
    x0: float
    x1: float
    lo: float
    hi: float
    y_ticks: tuple[float, ...]

    def px(self, v: np.ndarray) -> np.ndarray:
        """Return the drawing's x of data x ``v``."""
        return self.left + (v - self.x0) / (self.x1 - self.x0) * self.pw

    def py(self, v: np.ndarray) -> np.ndarray:
        """Return the drawing's y of data y ``v``."""
        return self.top + (1.0 - (v - self.lo) / (self.hi - self.lo)) * self.ph


def _plot_area(
    x: np.ndarray,
    series: Sequence[Series],
    ys: list[np.ndarray],
    y_range: tuple[float, float] | None,
    width: int,
    height: int,
    top: int = 30,
) -> _PlotArea:
    """Fit the y range to the lines and bands (or ``y_range``) and leave room for the tick labels."""
    right, bottom = 118, 42
    bands = [np.asarray(v, dtype=float) for s in series for v in (s.lo, s.hi) if v is not None]
    finite = np.concatenate([a[np.isfinite(a)] for a in (*ys, *bands)] or [np.array([0.0, 1.0])])
    if y_range is None:
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if hi - lo < 1e-9:  # one value (week 0, say): a range about it, not below 0 for a value that is not
            pad = 0.5 * abs(lo) if lo != 0 else 0.5
            lo, hi = (max(0.0, lo - pad) if lo >= 0 else lo - pad), hi + pad
    else:
        lo, hi = y_range
    ticks = _nice_ticks(lo, hi)
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
    # Room for the longest tick label (costs run to millions) beside the rotated axis title.
    left = max(56, 30 + 7 * max(len(t) for t in _tick_labels(ticks)))
    x0, x1 = (float(x.min()), float(x.max())) if len(x) else (0.0, 1.0)
    if x1 <= x0:
        x1 = x0 + 1.0
    return _PlotArea(left, top, width - left - right, height - top - bottom, x0, x1, lo, hi, tuple(ticks))


def _axes(
    a: _PlotArea, x: np.ndarray, x_label: str, y_label: str, height: int, x_names: Mapping[float, str] | None = None
) -> list[str]:
    """Grid lines and tick labels of both axes, the frame, and the axis titles.

    ``x_names``: the x values to mark and their names (a switch's "off" and "on"), instead of numbers.
    """
    out = []
    for t, label in zip(a.y_ticks, _tick_labels(a.y_ticks), strict=True):
        yy = a.py(np.array(t))
        out.append(
            f'<line x1="{a.left}" x2="{a.left + a.pw}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#d9d9d9"/>'
            f'<text x="{a.left - 6}" y="{yy + 4:.1f}" font-size="12" text-anchor="end" fill="#333">{label}</text>'
        )
    whole = bool(len(x)) and bool(np.all(x == np.round(x)))  # weeks, runs: no tick at week 0.2
    ticks = x_names or {t: f"{t:g}" for t in _nice_ticks(a.x0, a.x1, 6) if not (whole and t != round(t))}
    for t, name in ticks.items():
        if a.x0 <= t <= a.x1:
            xx = a.px(np.array(t))
            out.append(
                f'<text x="{xx:.1f}" y="{a.top + a.ph + 16}" font-size="12" text-anchor="middle" fill="#333">'
                f"{escape(name)}</text>"
            )
    out.append(
        f'<rect x="{a.left}" y="{a.top}" width="{a.pw}" height="{a.ph}" fill="none" stroke="#555"/>'
        f'<text x="{a.left + a.pw / 2:.1f}" y="{height - 6}" font-size="12" text-anchor="middle" fill="#222">'
        f"{escape(x_label)}</text>"
        f'<text transform="translate(14 {a.top + a.ph / 2:.1f}) rotate(-90)" font-size="12" text-anchor="middle" '
        f'fill="#222">{escape(y_label)}</text>'
    )
    return out


def _marks(a: _PlotArea, marks: Sequence[tuple[float, str]]) -> list[str]:
    """Labelled vertical rules at the marks inside the x range."""
    out = []
    for mx, label in marks:
        if a.x0 <= mx <= a.x1:
            xx = a.px(np.array(mx))
            out.append(
                f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{a.top}" y2="{a.top + a.ph}" stroke="#000" '
                'stroke-dasharray="3 3"/>'
                f'<text x="{xx + 3:.1f}" y="{a.top + 12}" font-size="12" fill="#000">{escape(label)}</text>'
            )
    return out


def _lines(a: _PlotArea, x: np.ndarray, series: Sequence[Series], ys: list[np.ndarray]) -> tuple[list[str], list[list]]:
    """Each series' band, line and markers; and where each line ends ([y, name, colour]), for its label.

    Every band is drawn before any line, so no band veils a line, and the first series (the
    reference a comparison is made against) is drawn last, on top of the others.
    """
    bands, drawn, ends = [], [], []
    for i, (s, y) in enumerate(zip(series, ys, strict=True)):
        k = i if s.style is None else s.style
        colour, dash, mark = OKABE_ITO[k % len(OKABE_ITO)], DASHES[k % len(DASHES)], MARKERS[k % len(MARKERS)]
        if s.lo is not None and s.hi is not None:
            bands += _band(a, x, np.asarray(s.lo, dtype=float), np.asarray(s.hi, dtype=float), colour)
        ok = np.isfinite(y)
        if not ok.any():
            continue
        pts = " ".join(f"{u:.1f},{v:.1f}" for u, v in zip(a.px(x[ok]), a.py(y[ok]), strict=True))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        line = [f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2.2"{dash_attr}/>']
        # A few markers along the line, and one at its end, so lines differ in greyscale too.
        idx = np.flatnonzero(ok)
        for j in [*idx[:: max(len(idx) // 6, 1)].tolist(), int(idx[-1])]:
            line.append(_marker(mark, float(a.px(x[j])), float(a.py(y[j])), 3.5, colour))
        drawn.append(line)
        ends.append([float(a.py(y[idx[-1]])), s.name, colour])
    if drawn and ys and np.isfinite(ys[0]).any():
        drawn = drawn[1:] + drawn[:1]  # the first series on top
    return bands + [part for line in drawn for part in line], ends


def _band(a: _PlotArea, x: np.ndarray, blo: np.ndarray, bhi: np.ndarray, colour: str) -> list[str]:
    """Return a translucent band between ``blo`` and ``bhi`` where both are finite."""
    ok = np.isfinite(blo) & np.isfinite(bhi)
    if ok.sum() <= 1:
        return []
    upper = " ".join(f"{u:.1f},{v:.1f}" for u, v in zip(a.px(x[ok]), a.py(bhi[ok]), strict=True))
    lower = " ".join(f"{u:.1f},{v:.1f}" for u, v in zip(a.px(x[ok])[::-1], a.py(blo[ok])[::-1], strict=True))
    return [f'<polygon points="{upper} {lower}" fill="{colour}" fill-opacity="0.18" stroke="none"/>']


def _end_labels(a: _PlotArea, ends: list[list]) -> list[str]:
    """Direct labels at the right, on up to two lines, nudged apart so they do not overlap."""
    ends = sorted(ends, key=lambda e: e[0])
    lines = [_label_lines(name) for _, name, _ in ends]
    for k in range(1, len(ends)):
        ends[k][0] = max(ends[k][0], ends[k - 1][0] + 14 * len(lines[k - 1]))
    out = []
    for (yy, _, colour), label in zip(ends, lines, strict=True):
        spans = "".join(
            f'<tspan x="{a.left + a.pw + 6}" dy="{0 if i == 0 else 14}">{escape(part)}</tspan>'
            for i, part in enumerate(label)
        )
        out.append(f'<text y="{yy + 4:.1f}" font-size="12" fill="{colour}" font-weight="600">{spans}</text>')
    return out


def _label_lines(name: str, width: int = 15, most: int = 3) -> list[str]:
    """Split a line's name into at most ``most`` lines of about ``width`` characters, at spaces.

    Three lines hold the outputs' longest short names ("Fit of services to people's needs"),
    whole; only a longer name ends in "…".
    """
    lines = textwrap.wrap(name, width, break_on_hyphens=False) or [""]
    if len(lines) <= most:
        return lines
    last = " ".join(lines[most - 1 :])
    return [*lines[: most - 1], last[: width - 1] + "…"]


def table_weeks(ys: Sequence[Sequence[float]], rows: int = 14) -> tuple[np.ndarray, str]:
    """Choose the rows of a chart's data table: evenly spaced weeks, and each line's lowest and highest.

    A chart's description names each line's lowest and highest value, so the table holds the
    weeks where they are, and the caption says which weeks it shows. Returns the row indices (the
    first and last always among them) and the words for the caption ("by week" when all are shown).
    """
    n = min((len(y) for y in ys), default=0)
    if n <= rows:
        return np.arange(n), "by week"
    pick = [np.linspace(0, n - 1, rows).round().astype(int)]
    for y in ys:
        v = np.asarray(y[:n], dtype=float)
        ok = np.flatnonzero(np.isfinite(v))
        if len(ok):
            pick.append(ok[[int(np.argmin(v[ok])), int(np.argmax(v[ok]))]])
    return np.unique(np.concatenate(pick)), "selected weeks (evenly spaced, and where each line is lowest and highest)"


def data_table(columns: Sequence[str], rows: Sequence[Sequence[object]], caption: str) -> str:
    """Build an HTML table with a caption and header cells: the data behind a chart."""
    head = "".join(f'<th scope="col">{escape(str(c))}</th>' for c in columns)
    body = []
    for r in rows:
        cells = [f'<th scope="row">{escape(_cell(r[0]))}</th>'] + [f"<td>{escape(_cell(v))}</td>" for v in r[1:]]
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<table class="cp-table"><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _cell(v: object) -> str:
    if isinstance(v, float | np.floating):
        return _fmt(float(v))
    return str(v)


# ----------------------------------------------------------------------------------------
# the organisation
# ----------------------------------------------------------------------------------------


def team_layout(team: np.ndarray, manager_seat: np.ndarray, width: float = 640.0) -> tuple[np.ndarray, float]:
    """Positions of every seat: teams on a grid, each team's members on a circle round its manager.

    Computed once per organisation (it depends only on the seats), so a step only recolours.
    Returns the positions (n, 2) and the drawing's height.
    """
    team = np.asarray(team)
    n_teams = int(team.max()) + 1 if len(team) else 0
    sizes = np.bincount(team, minlength=n_teams)
    cols = max(1, math.ceil(math.sqrt(n_teams * 1.6)))
    rows = max(1, math.ceil(n_teams / cols))
    cell = width / cols
    pos = np.zeros((len(team), 2))
    order = np.argsort(team, kind="stable")
    start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.empty(len(team), int)
    rank[order] = np.arange(len(team)) - np.repeat(start, sizes)
    is_mgr = np.zeros(len(team), bool)
    is_mgr[manager_seat] = True
    cx = (team % cols + 0.5) * cell
    cy = (team // cols + 0.5) * cell
    members = np.maximum(sizes[team] - 1, 1)
    # Managers sit in the middle; the others on a circle, in seat order (rank 0 is the manager).
    k = np.where(is_mgr, 0, np.maximum(rank - 1, 0))
    angle = 2 * math.pi * k / members - math.pi / 2
    radius = cell * 0.36 * np.minimum(1.0, np.sqrt(members / 10.0)) + cell * 0.06
    pos[:, 0] = np.where(is_mgr, cx, cx + radius * np.cos(angle))
    pos[:, 1] = np.where(is_mgr, cy, cy + radius * np.sin(angle))
    return pos, rows * cell


ROLE_SHAPES = ("square", "circle", "triangle", "diamond")
#: The roles as the key names them (the order of the role codes).
ROLE_LABELS = ("Manager", "Staff", "Disabled worker", "Peer supporter")


def network(
    pos: np.ndarray,
    height: float,
    role: np.ndarray,
    value: np.ndarray,
    burnout: np.ndarray,
    peer_of: np.ndarray,
    cross_edges: np.ndarray,
    *,
    value_label: str,
    title: str,
    width: float = 640.0,
    summary: str = "",
    highlight: int | None = None,
) -> str:
    """Draw the organisation: roles by shape, ``value`` (0-1) by colour, burnout ringed, peer ties bold.

    With ``highlight`` (a role code), people of that role are outlined boldly and everyone else
    is drawn faint, so that one role can be found in a dense drawing.
    """
    n = len(role)
    # Shapes about 14 units across at 300 people: told apart when the drawing is shown 400 px wide.
    r = max(3.0, min(8.5, 1000.0 / math.sqrt(max(n, 1)) / 8.0))
    desc = summary or f"{n} people in teams; colour shows {value_label}."
    # A border as wide as a burnout ring, so that people at the edge of a team are drawn whole.
    m = math.ceil(r * 1.9 + 2)
    head, tail = _open(title, desc, width + 2 * m, height + 8 + 2 * m, (title, n), shrinks=True)
    out = [head, f'<g transform="translate({m} {m})">']
    if len(cross_edges):
        a, b = pos[cross_edges[:, 0]], pos[cross_edges[:, 1]]
        d = "".join(f"M{x1:.0f} {y1:.0f}L{x2:.0f} {y2:.0f}" for x1, y1, x2, y2 in np.hstack([a, b]).tolist())
        out.append(f'<path d="{d}" stroke="#bdbdbd" stroke-width="0.6" fill="none" opacity="0.7"/>')
    sup = np.flatnonzero(peer_of >= 0)
    if len(sup):
        a, b = pos[sup], pos[peer_of[sup]]
        d = "".join(f"M{x1:.1f} {y1:.1f}L{x2:.1f} {y2:.1f}" for x1, y1, x2, y2 in np.hstack([a, b]).tolist())
        out.append(f'<path d="{d}" stroke="#D55E00" stroke-width="2.4" stroke-dasharray="5 2" fill="none"/>')
    colours = viridis(value)
    xs, ys = pos[:, 0].tolist(), pos[:, 1].tolist()
    for kind in range(4):
        idx = np.flatnonzero(role == kind).tolist()
        if not idx:
            continue
        shape = ROLE_SHAPES[kind]
        rr = r * (1.25 if kind == 0 else 1.0)
        parts = [_marker(shape, xs[i], ys[i], rr, colours[i]) for i in idx]
        look = 'stroke="#222" stroke-width="0.5"'
        if highlight is not None:
            look = (
                'stroke="#000" stroke-width="2.2"'
                if kind == highlight
                else 'stroke="#222" stroke-width="0.5" opacity="0.2"'
            )
        out.append(f"<g {look}>{''.join(parts)}</g>")
    burnt = np.flatnonzero(burnout).tolist()
    if burnt:
        rings = "".join(f'<circle cx="{xs[i]:.1f}" cy="{ys[i]:.1f}" r="{r * 1.9:.1f}"/>' for i in burnt)
        out.append(f'<g fill="none" stroke="#000" stroke-width="1.6" stroke-dasharray="2 1.5">{rings}</g>')
    out.append("</g>")
    out.append(tail)
    out.append(network_legend(value_label))
    return "".join(out)


def _icon(inner: str) -> str:
    """Draw a small picture for a legend entry (decorative: the entry's words say what it is)."""
    return f'<svg class="cp-icon" viewBox="0 0 24 16" width="24" height="16" aria-hidden="true">{inner}</svg>'


def network_legend(value_label: str) -> str:
    """Return the organisation's key as HTML below its drawing: text that reflows, zooms and grows.

    In the drawing, the key's text would shrink with the drawing on a narrow screen (issue 15);
    the drawing itself has no text, so it may shrink.
    """
    items = [_icon(_marker(ROLE_SHAPES[kind], 12, 8, 5, "#777")) + name for kind, name in enumerate(ROLE_LABELS)]
    items.append(_icon('<circle cx="12" cy="8" r="6" fill="none" stroke="#000" stroke-dasharray="2 1.5"/>') + "Burnout")
    items.append(
        _icon('<line x1="1" x2="23" y1="8" y2="8" stroke="#D55E00" stroke-width="2.4" stroke-dasharray="5 2"/>')
        + "Peer-support tie"
    )
    scale = "".join(f'<span style="background:{c}"></span>' for c in VIRIDIS)
    return (
        '<ul class="cp-legend" aria-label="Key to the drawing">'
        + "".join(f"<li>{item}</li>" for item in items)
        + f'<li>{escape(value_label)}: low 0 <span class="cp-scale" aria-hidden="true">{scale}</span> 1 high</li></ul>'
    )


# ----------------------------------------------------------------------------------------
# the ladder of co-production and heatmaps
# ----------------------------------------------------------------------------------------

LADDER_TEXT = {
    "none": "Not involved: decisions are made without disabled people.",
    "consultation": "Consultation: people are asked, but their views change little.",
    "compliance": "Compliance: involvement happens because it must; influence is limited.",
    "intermediate": "Intermediate: people are involved at several stages and some influence is real.",
    "transformative": "Transformative: power is shared at every stage; services are designed together.",
}


def ladder(levels: Sequence[str], current: str, *, title: str, width: int = 260) -> str:
    """Draw the ladder of co-production, lowest rung at the bottom, the current rung marked and named."""
    rung_h = 34
    height = 30 + rung_h * len(levels) + 10
    desc = f"Current level: {current}. " + LADDER_TEXT.get(current, "")
    head, tail = _open(title, desc, width, height, (title, current))
    out = [head, f'<text x="8" y="18" font-size="14" font-weight="600" fill="#111">{escape(title)}</text>']
    for i, name in enumerate(reversed(levels)):
        y = 28 + i * rung_h
        here = name == current
        fill = "#0072B2" if here else "#f2f2f2"
        text = "#ffffff" if here else "#222222"
        out.append(
            f'<rect x="40" y="{y}" width="{width - 50}" height="{rung_h - 6}" rx="4" fill="{fill}" '
            f'stroke="{"#000" if here else "#999"}" stroke-width="{2 if here else 1}"/>'
            f'<text x="52" y="{y + 19}" font-size="13" fill="{text}" font-weight="{700 if here else 400}">'
            f"{escape(name.capitalize())}{' (now)' if here else ''}</text>"
        )
        if here:
            out.append(f'<polygon points="8,{y + 6} 30,{y + 14} 8,{y + 22}" fill="#000"/>')
    out.append(tail)
    return "".join(out)


def heatmap(
    x_values: Sequence[float],
    y_values: Sequence[float],
    z: np.ndarray,
    *,
    title: str,
    x_label: str,
    y_label: str,
    z_label: str,
    width: int = CHART_WIDTH,
    x_text: Sequence[str] | None = None,
    y_text: Sequence[str] | None = None,
) -> str:
    """Draw cells coloured by ``z`` (viridis over its range, as printed), each printing its value; a key below.

    ``x_text``/``y_text`` name the values (a switch's "off" and "on"). Colours follow the values
    as printed: cells that print the same number get the same colour, and a range too small to
    print (0.03 to 0.03) is drawn in one colour, not as the scale's two ends.
    """
    z = np.asarray(z, dtype=float)
    xt = list(x_text) if x_text is not None else [f"{v:g}" for v in x_values]
    yt = list(y_text) if y_text is not None else [f"{v:g}" for v in y_values]
    nx_, ny_ = len(xt), len(yt)
    heading, extra = _title(title, width)
    # The y axis is named on a line of its own above the cells: a lever's name is longer than a
    # few rows of cells, so turned on its side it would run into the title.
    left, top, bottom, right = 70, 48 + extra, 50, 20
    cw = (width - left - right) / max(nx_, 1)
    ch = min(40.0, max(18.0, cw * 0.6))
    height = top + ch * ny_ + bottom
    shown = np.vectorize(lambda v: float(_fmt(float(v)).replace(",", "")) if np.isfinite(v) else np.nan)(z)
    finite = shown[np.isfinite(shown)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    scaled = (shown - lo) / (hi - lo) if hi > lo else np.where(np.isfinite(shown), 0.5, np.nan)
    colours = viridis(scaled.ravel()).reshape(z.shape)
    best = np.unravel_index(np.nanargmax(z), z.shape) if finite.size else None
    desc = f"{z_label} for each combination of {x_label} ({nx_} values) and {y_label} ({ny_} values); " + (
        f"from {_fmt(lo)} to {_fmt(hi)}. Highest at {x_label} {xt[best[1]]} and {y_label} {yt[best[0]]}."
        if best is not None and hi > lo
        else f"{_fmt(lo)} in every cell."
    )
    head, tail = _open(title, desc, width, height, (title, nx_, ny_))
    out = [head, heading]
    for j in range(ny_):
        yy = top + (ny_ - 1 - j) * ch
        out.append(
            f'<text x="{left - 6}" y="{yy + ch / 2 + 4:.1f}" font-size="12" text-anchor="end" fill="#222">'
            f"{escape(yt[j])}</text>"
        )
        for i in range(nx_):
            light = np.isfinite(scaled[j, i]) and scaled[j, i] > 0.6
            out.append(
                f'<rect x="{left + i * cw:.1f}" y="{yy:.1f}" width="{cw:.1f}" height="{ch:.1f}" '
                f'fill="{colours[j, i]}" stroke="#fff"/>'
                f'<text x="{left + (i + 0.5) * cw:.1f}" y="{yy + ch / 2 + 4:.1f}" font-size="12" '
                f'text-anchor="middle" fill="{"#000" if light else "#fff"}">{_fmt(float(z[j, i]))}</text>'
            )
    for i in range(nx_):
        out.append(
            f'<text x="{left + (i + 0.5) * cw:.1f}" y="{top + ny_ * ch + 14:.1f}" font-size="12" '
            f'text-anchor="middle" fill="#222">{escape(xt[i])}</text>'
        )
    out.append(
        f'<text x="{left + (width - left - right) / 2:.1f}" y="{height - 8:.1f}" font-size="12" '
        f'text-anchor="middle" fill="#222">{escape(x_label)}</text>'
        f'<text x="8" y="{top - 8:.1f}" font-size="12" fill="#222">{escape(y_label)} (rows)</text>'
    )
    out.append(tail)
    out.append(colour_key(z_label, lo, hi))
    return "".join(out)


def colour_key(label: str, lo: float, hi: float) -> str:
    """Return a colour scale's key as HTML below its drawing: what the darkest and lightest colours mean."""
    if not hi > lo:
        return f'<p class="cp-legend">{escape(label)}: one colour, every cell {escape(_fmt(lo))}.</p>'
    scale = "".join(f'<span style="background:{c}"></span>' for c in VIRIDIS)
    return (
        f'<p class="cp-legend">{escape(label)}: dark purple {escape(_fmt(lo))} '
        f'<span class="cp-scale" aria-hidden="true">{scale}</span> yellow {escape(_fmt(hi))}</p>'
    )


# ----------------------------------------------------------------------------------------
# ranked bars (what decides a verdict)
# ----------------------------------------------------------------------------------------


def ranked_bars(
    names: Sequence[str],
    values: Sequence[float],
    strong: Sequence[bool],
    *,
    title: str,
    threshold: float | None = None,
    width: int = CHART_WIDTH,
) -> str:
    """Draw horizontal bars on a 0-1 scale, in the order given, each named above its bar.

    ``strong`` bars (those that beat chance) are filled blue and say so in words beside their
    value; the others are outlined in grey, so the difference does not rest on colour. A dashed
    rule marks ``threshold`` (what chance reaches). Names are wrapped to the drawing's width.
    """
    heading, extra = _title(title, width)
    marked = threshold is not None and math.isfinite(threshold)
    # Room for the chance label between the title and the first name, so that neither runs into it.
    left, right, top = 8, 16, 44 + extra + (16 if marked else 0)
    scale = width - left - right
    rows, y = [], top
    for name, v, s in zip(names, values, strong, strict=True):
        words = f"{name}: {_fmt(v)}" + (", beats chance" if s else "")
        lines = textwrap.wrap(words, max(int(scale / 6.8), 10)) or [""]
        rows.append((lines, float(v), bool(s), y))
        y += 15 * len(lines) + 26
    height = y + 8
    chance = f" An unrelated assumption reaches {_fmt(threshold)} by chance." if threshold is not None else ""
    desc = (
        "; ".join(
            f"{n}: {_fmt(v)}{' (beats chance)' if s else ''}" for n, v, s in zip(names, values, strong, strict=True)
        )
        + "."
        + chance
    )
    head, tail = _open(title, desc, width, height, (title, tuple(names)))
    out = [head, heading]
    if marked:
        tx = left + scale * min(max(threshold, 0.0), 1.0)
        # The label reads away from the rule, towards the middle, so it is never cut at an edge.
        out.append(
            (
                f'<text x="{tx - 4:.1f}" y="{top - 20}" font-size="12" fill="#A33C00" text-anchor="end">'
                if tx > width / 2
                else f'<text x="{tx + 4:.1f}" y="{top - 20}" font-size="12" fill="#A33C00">'
            )
            + f"chance reaches {_fmt(threshold)}</text>"
        )
    for lines, v, s, y0 in rows:
        spans = "".join(
            f'<tspan x="{left}" dy="{0 if i == 0 else 15}">{escape(t)}</tspan>' for i, t in enumerate(lines)
        )
        out.append(f'<text y="{y0}" font-size="12" fill="#222">{spans}</text>')
        by = y0 + 15 * (len(lines) - 1) + 6
        bw = scale * (min(max(v, 0.0), 1.0) if math.isfinite(v) else 0.0)
        fill, stroke = (OKABE_ITO[0], OKABE_ITO[0]) if s else ("#ffffff", "#595959")
        out.append(
            f'<rect x="{left}" y="{by}" width="{max(bw, 1.0):.1f}" height="12" fill="{fill}" stroke="{stroke}"/>'
        )
        if marked:  # the chance rule across each bar, not through the names above them
            out.append(
                f'<line x1="{tx:.1f}" y1="{by - 3}" x2="{tx:.1f}" y2="{by + 15}" stroke="#D55E00" '
                'stroke-width="1.5" stroke-dasharray="4 3"/>'
            )
    out.append(tail)
    return "".join(out)
