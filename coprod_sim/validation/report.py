"""The validation table and figures: printed, and written as CSV, Markdown, JSON, PNG and HTML."""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from coprod_sim.io import atomic_write, write_json, write_text
from coprod_sim.validation.patterns import Verdict, verdict_table

__all__ = ["format_table", "markdown_table", "summary", "write_report"]

# Okabe & Ito (2008): pass, fail and unclear differ in colour, marker and words, so neither colour
# nor shape alone carries the verdict.
_PASS, _FAIL, _UNCLEAR, _BAND = "#0072B2", "#D55E00", "#CC79A7", "#009E73"
_STYLE = {"pass": (_PASS, "D"), "fail": (_FAIL, "X"), "unclear": (_UNCLEAR, "o")}
#: The verdict as the text table and the Markdown table print it (a failure stands out).
_WORD = {"pass": "pass", "fail": "FAIL", "unclear": "unclear"}


def _num(x: float) -> str:
    if not math.isfinite(x):
        return "n/a"
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def _sim(v: Verdict) -> str:
    return f"{_num(v.mean)} [{_num(v.lo)}, {_num(v.hi)}]"


def _word(v: Verdict) -> str:
    """Return the verdict in words; an unclear one says how many replicates would decide it.

    With posterior draws it also gives the central 90% of the posterior predictive values and that
    rule's result, and the chance-only result when the two differ.
    """
    n = v.replicates_to_decide
    text = _WORD[v.result] + (f" (about {n} replicates would decide)" if n is not None else "")
    if v.predictive is not None:
        a, b = v.predictive_bulk
        k = int(np.isfinite(v.predictive).sum())
        text += f"; posterior {k} draws, 90%: {_num(a)} to {_num(b)}, {v.predictive_result}"
        if v.chance_result != v.result:
            text += f"; at the defaults alone {v.chance_result}"
    return text


def summary(verdicts: Sequence[Verdict]) -> str:
    """One sentence: how many patterns pass, fail and are unclear."""
    counts = {r: sum(v.result == r for v in verdicts) for r in ("pass", "fail", "unclear")}
    text = f"{counts['pass']} of {len(verdicts)} patterns pass, {counts['fail']} fail"
    if counts["unclear"]:
        text += f", {counts['unclear']} unclear (their 95% interval reaches across an edge of the tolerance)"
    return text + "."


def format_table(verdicts: Sequence[Verdict]) -> str:
    """Plain-text table: one line per pattern, its source and evidence label on the next."""
    w = max(len(v.pattern.id) for v in verdicts)
    head = f"{'pattern':<{w}}  {'target':>12}  {'simulated [95% interval]':>26}  {'tolerance':>15}  result"
    lines = [head, "-" * len(head)]
    for v in verdicts:
        p = v.pattern
        tol = f"{_num(p.low)}-{_num(p.high)}"
        lines.append(f"{p.id:<{w}}  {p.target_label:>12}  {_sim(v):>26}  {tol:>15}  {_word(v)}")
        lines.append(f"{'':<{w}}  {p.name}; {p.source} [{p.evidence}]; {p.role}")
    lines.append(summary(verdicts))
    return "\n".join(lines)


def _md_word(v: Verdict) -> str:
    word = _word(v)
    return f"**{word}**" if v.result == "fail" else word


def markdown_table(verdicts: Sequence[Verdict]) -> str:
    """Markdown table of the verdicts (as in docs/validation.md)."""
    rows = [
        "| pattern | target | source [evidence] | role | simulated mean [95% interval] | tolerance | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for v in verdicts:
        p = v.pattern
        rows.append(
            f"| {p.name} (`{p.id}`) | {p.target_label} | {p.source} [{p.evidence}] | {p.role} | {_sim(v)} "
            f"| {_num(p.low)} to {_num(p.high)} | {_md_word(v)} |"
        )
    return "\n".join(rows) + "\n"


def _figure(verdicts: Sequence[Verdict]) -> tuple[bytes, str]:
    """Small multiples: each pattern's tolerance band, target, replicate values and mean."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    n = len(verdicts)
    cols = 4
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(3.6 * cols, 2.1 * rows), dpi=100)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, v in zip(axes, verdicts, strict=False):
        p = v.pattern
        vals = v.values[np.isfinite(v.values)]
        lo = min([p.low, *vals.tolist()]) if len(vals) else p.low
        hi = max([p.high, *vals.tolist()]) if len(vals) else p.high
        pad = 0.1 * (hi - lo or 1.0)
        ax.axvspan(p.low, p.high, color=_BAND, alpha=0.2, label="tolerance")
        if p.target is not None:
            ax.axvline(p.target, color="black", linestyle="--", linewidth=1)
        y = np.linspace(-0.3, 0.3, len(vals)) if len(vals) > 1 else np.zeros(len(vals))
        ax.scatter(vals, y, s=10, color="#555555", marker="o", alpha=0.7)
        colour, marker = _STYLE[v.result]
        if math.isfinite(v.mean):
            err = [[v.mean - v.lo], [v.hi - v.mean]] if math.isfinite(v.lo) else None
            ax.errorbar([v.mean], [0.7], xerr=err, color=colour, marker=marker, markersize=7, capsize=4)
        ax.set_xlim(lo - pad, hi + pad)
        ax.set_ylim(-0.7, 1.2)
        ax.set_yticks([])
        ax.set_title(f"{p.id}: {_WORD[v.result]}", fontsize=9, color=colour)
        ax.tick_params(labelsize=8)
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    alt = "Each pattern in its own panel: the tolerance band shaded, the target as a dashed line, each " + (
        "replicate as a grey dot and the mean with its 95% interval above them. "
        + "; ".join(
            f"{v.pattern.id}: {_sim(v)} against {_num(v.pattern.low)} to {_num(v.pattern.high)}, {v.result}"
            for v in verdicts
        )
        + "."
    )
    return buf.getvalue(), alt


def write_report(verdicts: Sequence[Verdict], folder: Path) -> Path:
    """Write validation.csv, .md, .json, patterns.png and report.html; return the report's path."""
    folder = Path(folder)
    table = verdict_table(verdicts)
    write_text(table.to_csv(index=False), folder / "validation.csv")
    write_text(markdown_table(verdicts), folder / "validation.md")
    write_json(
        {
            "passed": all(v.passed for v in verdicts),
            "patterns": [
                {**v.row(), "values": [None if not math.isfinite(x) else x for x in v.values.tolist()]}
                for v in verdicts
            ],
        },
        folder / "validation.json",
    )
    png, alt = _figure(verdicts)
    atomic_write(folder / "patterns.png", lambda tmp: tmp.write_bytes(png))
    write_text(alt + "\n", folder / "patterns.txt")
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(c))}</td>"
            for c in (
                v.pattern.name,
                v.pattern.target_label,
                f"{v.pattern.source} [{v.pattern.evidence}]",
                v.pattern.role,
                _sim(v),
                f"{_num(v.pattern.low)} to {_num(v.pattern.high)}",
                _word(v),
            )
        )
        + "</tr>"
        for v in verdicts
    )
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Validation</title><style>"
        "body{font-family:sans-serif;max-width:75em;margin:auto;line-height:1.5}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:2px 6px}img{max-width:100%}</style></head><body><main>"
        f"<h1>Validation</h1><p>{html.escape(summary(verdicts))}</p>"
        "<table><caption>Each pattern: published target, the model's mean over replicates with its 95% interval, "
        "and the tolerance its whole interval must fall within</caption><thead><tr>"
        + "".join(
            f"<th scope='col'>{h}</th>"
            for h in ("pattern", "target", "source [evidence]", "role", "simulated [95%]", "tolerance", "result")
        )
        + f"</tr></thead><tbody>{rows}</tbody></table>"
        f"<h2>Figure</h2><img src='data:image/png;base64,{base64.b64encode(png).decode()}' alt='{html.escape(alt)}'>"
        f"<p>{html.escape(alt)}</p></main></body></html>\n"
    )
    return write_text(page, folder / "report.html")
