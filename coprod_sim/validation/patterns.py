"""Validation patterns: published figures, their mapping to the model, and the verdict.

Patterns are data (``experiments/validation/patterns.toml``), validated here at the boundary. Each
names a validation experiment (an ordinary experiment file with ``keep = "patterns"`` in the same
folder) and a statistic over that experiment's runs; :func:`validate` runs the experiments with
the sweep machinery and :func:`evaluate` turns the runs into one verdict per pattern: the mean
over replicates with a 95% t-interval, judged with its Monte Carlo error (:attr:`Verdict.result`):
pass if the whole interval lies within the tolerance, fail if it lies wholly outside, and unclear
if it straddles an edge, where only more replicates can decide. With ``posterior`` draws
(``validate --posterior K``) each experiment is also run at K draws of the calibration posterior,
and the verdict accounts for them (posterior predictive): the band must also hold the central 90%
of the pattern's values over the draws (:attr:`Verdict.predictive_result`).
"""

from __future__ import annotations

import dataclasses
import math
import shutil
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coprod_sim.config import ConfigError, check_keys, check_tables, check_value, param, suggest
from coprod_sim.limits import named, shown
from coprod_sim.scenarios import data_dir, path_exists, read_toml
from coprod_sim.stats import mean_interval
from coprod_sim.sweep.design import Experiment, check_size, given_points, load_experiment
from coprod_sim.sweep.runner import load_results, sweep
from coprod_sim.validation.probes import PROBES

__all__ = [
    "RESULTS",
    "ROLES",
    "STATISTICS",
    "Pattern",
    "Verdict",
    "evaluate",
    "load_patterns",
    "load_validation_experiment",
    "posterior_experiment",
    "run_experiment",
    "validate",
    "validation_dir",
]

STATISTICS = ("mean", "smd_between", "retained", "odds_between")
#: What a pattern can show (docs/validation.md, "Roles"): a calibration target was fitted; an
#: independent pattern was not used to set anything; an input check reproduces figures the model
#: was given; a read-back reads back a rate or effect that was assumed or fitted under another name.
ROLES = ("calibration", "independent", "input check", "read-back")
#: Verdicts: the whole 95% interval inside the band, wholly outside it, or across an edge.
RESULTS = ("pass", "fail", "unclear")
_KEYS = (
    "id",
    "name",
    "published",
    "mapping",
    "source",
    "evidence",
    "experiment",
    "statistic",
    "column",
    "at",
    "where",
    "treatment",
    "control",
    "target",
    "target_text",
    "low",
    "high",
    "role",
)
_REQUIRED = (*_KEYS[:8], "low", "high", "role")


@dataclass(frozen=True)
class Pattern:
    """One published pattern, how the model shows it, and the tolerance it must meet."""

    id: str
    name: str
    published: str
    mapping: str
    source: str
    evidence: str
    experiment: str
    statistic: str
    low: float
    high: float
    role: str
    column: str = ""
    at: str = "end"
    where: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    treatment: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    control: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    target: float | None = None
    target_text: str = ""

    @property
    def target_label(self) -> str:
        """The target as printed: a number, or words for a direction."""
        return self.target_text or f"{self.target:g}"

    @property
    def half_width(self) -> float:
        """Half the tolerance band (the unit of the calibration loss)."""
        return (self.high - self.low) / 2.0

    @property
    def centre(self) -> float:
        """The value calibration aims at: the target, or the middle of the band."""
        return self.target if self.target is not None else (self.low + self.high) / 2.0


#: The central share of the posterior predictive distribution the band must hold (``validate --posterior``).
PREDICTIVE_BULK = 0.90


@dataclass(frozen=True)
class Verdict:
    """A pattern's result: per-replicate values, their mean with a 95% interval, pass or fail.

    ``predictive`` (``validate --posterior K``) holds the pattern's value at each of K posterior
    draws, each the mean over that draw's seeds: the posterior predictive distribution.
    """

    pattern: Pattern
    values: np.ndarray
    mean: float
    lo: float
    hi: float
    predictive: np.ndarray | None = None

    @property
    def result(self) -> str:
        """``pass``, ``fail`` or ``unclear``: :attr:`chance_result`, and with draws :attr:`predictive_result` too.

        With posterior draws: fail if either fails, pass if both pass, else unclear.
        """
        chance = self.chance_result
        if self.predictive is None:
            return chance
        both = (chance, self.predictive_result)
        return "fail" if "fail" in both else "pass" if both == ("pass", "pass") else "unclear"

    @property
    def predictive_bulk(self) -> tuple[float, float]:
        """The central 90% of the posterior predictive values (5% and 95% quantiles; NaN without draws)."""
        v = np.array([]) if self.predictive is None else self.predictive[np.isfinite(self.predictive)]
        if not len(v):
            return (math.nan, math.nan)
        q = (1.0 - PREDICTIVE_BULK) / 2.0
        lo, hi = np.quantile(v, [q, 1.0 - q])
        return (float(lo), float(hi))

    @property
    def predictive_result(self) -> str | None:
        """Posterior predictive: ``pass`` if the band holds the central 90% of the values over the draws.

        ``fail`` if that bulk lies wholly outside the band (or no draw gave a value), ``unclear`` if
        it reaches across an edge; None without draws.
        """
        if self.predictive is None:
            return None
        a, b = self.predictive_bulk
        low, high = self.pattern.low, self.pattern.high
        if not np.isfinite(a):
            return "fail"
        if low <= a and b <= high:
            return "pass"
        return "fail" if b < low or a > high else "unclear"

    @property
    def chance_result(self) -> str:
        """``pass``, ``fail`` or ``unclear``, with the Monte Carlo error of the mean taken into account.

        Pass: the whole 95% interval of the mean lies within the tolerance band, so more
        replicates would not move the mean out of it. Fail: the whole interval lies outside (or
        no replicate gave a value). Unclear: the interval reaches across an edge of the band
        (or there are too few replicates for an interval): only more replicates can decide.
        """
        low, high = self.pattern.low, self.pattern.high
        if not np.isfinite(self.mean):
            return "fail"
        if not (np.isfinite(self.lo) and np.isfinite(self.hi)):
            return "unclear"
        if low <= self.lo and self.hi <= high:
            return "pass"
        if self.hi < low or self.lo > high:
            return "fail"
        return "unclear"

    @property
    def passed(self) -> bool:
        """The pattern passes: its mean's whole 95% interval lies within the tolerance band."""
        return self.result == "pass"

    @property
    def replicates_to_decide(self) -> int | None:
        """About how many replicates would make an unclear verdict clear (None if it is not unclear).

        The interval's half-width shrinks as one over the square root of the replicates, so it
        must shrink to the distance between the mean and the nearer edge of the band. A mean on
        the edge itself cannot be decided (None).
        """
        if self.chance_result != "unclear" or not (np.isfinite(self.lo) and np.isfinite(self.hi)):
            return None
        n = int(np.isfinite(self.values).sum())
        dist = min(abs(self.mean - self.pattern.low), abs(self.mean - self.pattern.high))
        half = (self.hi - self.lo) / 2.0
        if dist <= 0.0 or half <= 0.0:
            return None
        return max(n + 1, math.ceil(n * (half / dist) ** 2))

    def row(self) -> dict[str, Any]:
        """Return the verdict as one table row."""
        p = self.pattern
        return {
            "pattern": p.id,
            "name": p.name,
            "target": p.target_label,
            "source": p.source,
            "evidence": p.evidence,
            "role": p.role,
            "simulated": self.mean,
            "ci_low": self.lo,
            "ci_high": self.hi,
            "replicates": int(np.isfinite(self.values).sum()),
            "tolerance_low": p.low,
            "tolerance_high": p.high,
            "result": self.result,
            "replicates_to_decide": self.replicates_to_decide,
            **self._predictive_row(),
        }

    def _predictive_row(self) -> dict[str, Any]:
        if self.predictive is None:
            return {}
        a, b = self.predictive_bulk
        return {
            "chance_result": self.chance_result,
            "posterior_draws": int(np.isfinite(self.predictive).sum()),
            "predictive_q05": a,
            "predictive_q95": b,
            "predictive_result": self.predictive_result,
        }


def validation_dir() -> Path:
    """Folder of the validation experiments and patterns."""
    return data_dir("experiments") / "validation"


def load_validation_experiment(name: str, replicates: int | None = None) -> Experiment:
    """Load ``experiments/validation/NAME.toml``, optionally with another number of replicates."""
    exp = load_experiment(validation_dir() / f"{name}.toml")
    if exp.keep != "patterns":
        raise ConfigError(f"{exp.path}: experiment.keep = {shown(exp.keep)}: a validation experiment keeps 'patterns'")
    if not replicates:
        return exp
    exp = dataclasses.replace(exp, replicates=replicates)
    check_size(exp, f"{exp.path}: with --replicates {replicates}: ")
    return exp


def _number(where: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not -math.inf < value < math.inf:
        raise ConfigError(f"{where}{key} = {shown(value)}: allowed is a number")
    try:
        return float(value)
    except OverflowError:  # a whole number beyond any float
        raise ConfigError(f"{where}{key} = {shown(value)}: allowed is a number of at most about 1e308") from None


def _point(where: str, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}{key} = {shown(value)}: allowed is a table of key paths and values")
    for path, v in value.items():
        check_value(param(path, f"{where}{key}."), v, f"{where}{key}.")
    return dict(value)


def load_patterns(path: Path | None = None) -> list[Pattern]:
    """Load and validate the patterns file; every error is one line naming file, key and value."""
    path = Path(path) if path else validation_dir() / "patterns.toml"
    data = read_toml(path, "patterns")
    check_tables(data, ("[[pattern]]",), f"{path}: ")
    tables = data.get("pattern")
    if not isinstance(tables, list) or not tables:
        raise ConfigError(f"{path}: no [[pattern]] tables")
    patterns, seen = [], set()
    for i, t in enumerate(tables):
        where = f"{path}: pattern {named(t.get('id', i + 1)) if isinstance(t, Mapping) else i + 1}: "
        t = check_keys(t, _KEYS, where)
        for key in _REQUIRED:
            if key not in t:
                raise ConfigError(f"{where}missing key {key!r}")
        for key in ("id", "name", "published", "mapping", "source", "evidence", "experiment", "column", "target_text"):
            if key in t and not (isinstance(t[key], str) and t[key].strip()):
                raise ConfigError(f"{where}{key} = {shown(t[key])}: allowed is non-empty text")
        if t["id"] in seen:
            raise ConfigError(f"{where}id {shown(t['id'])} is used twice")
        seen.add(t["id"])
        stat, role = t["statistic"], t["role"]
        if stat not in STATISTICS:
            raise ConfigError(f"{where}statistic = {shown(stat)}: allowed is {', '.join(STATISTICS)}")
        if role not in ROLES:
            raise ConfigError(f"{where}role = {shown(role)}: allowed is {', '.join(map(repr, ROLES))}")
        low, high = _number(where, "low", t["low"]), _number(where, "high", t["high"])
        if low >= high:
            raise ConfigError(f"{where}low = {low:g}, high = {high:g}: low must be below high")
        target = _number(where, "target", t["target"]) if "target" in t else None
        if target is None and "target_text" not in t:
            raise ConfigError(f"{where}give a target (a number) or a target_text (a direction)")
        if target is not None and not low <= target <= high:
            raise ConfigError(f"{where}target = {target:g}: must lie within low {low:g} and high {high:g}")
        at = t.get("at", "end")
        if at not in ("end", "prev"):
            raise ConfigError(f"{where}at = {shown(at)}: allowed is 'end' or 'prev' (a year before the end)")
        column = t.get("column", "")
        if stat in ("mean", "odds_between"):
            if column not in PROBES:
                raise ConfigError(f"{where}column = {shown(column)}: allowed is a probe{suggest(column, list(PROBES))}")
        elif column:
            raise ConfigError(f"{where}column: not used by statistic {shown(stat)} (it compares attitudes)")
        if stat == "mean" and ("treatment" in t or "control" in t):
            raise ConfigError(f"{where}treatment/control: not used by statistic 'mean' (use where)")
        if stat != "mean" and not ("treatment" in t and "control" in t):
            raise ConfigError(f"{where}statistic {shown(stat)} needs a treatment and a control point")
        if not path_exists(validation_dir() / f"{t['experiment']}.toml"):
            names = sorted(p.stem for p in validation_dir().glob("*.toml") if p.stem != "patterns")
            hint = suggest(t["experiment"], names)
            raise ConfigError(f"{where}experiment = {shown(t['experiment'])}: no such validation experiment{hint}")
        patterns.append(
            Pattern(
                id=t["id"],
                name=t["name"],
                published=t["published"],
                mapping=t["mapping"],
                source=t["source"],
                evidence=t["evidence"],
                experiment=t["experiment"],
                statistic=stat,
                low=low,
                high=high,
                role=role,
                column=column,
                at=at,
                where=_point(where, "where", t.get("where", {})),
                treatment=_point(where, "treatment", t.get("treatment", {})),
                control=_point(where, "control", t.get("control", {})),
                target=target,
                target_text=t.get("target_text", ""),
            )
        )
    return patterns


def _select(runs: pd.DataFrame, point: Mapping[str, Any], what: str) -> pd.DataFrame:
    """Return the runs at one design point, one row per replicate, in replicate order."""
    mask = np.ones(len(runs), bool)
    for path, value in point.items():
        if path not in runs:
            raise ConfigError(f"{what}: the experiment does not vary {path}")
        mask &= (runs[path] == value).to_numpy()
    sel = runs[mask & (runs["status"] == "ok").to_numpy()]
    if sel["point"].nunique() > 1:
        raise ConfigError(f"{what}: {dict(point)} matches {sel['point'].nunique()} design points; name one")
    return sel.set_index("replicate").sort_index()


def _smd(t: pd.DataFrame, c: pd.DataFrame, at: str) -> pd.Series:
    sfx = "_prev" if at == "prev" else ""
    pooled = np.sqrt((t[f"attitude_sd{sfx}"] ** 2 + c[f"attitude_sd{sfx}"] ** 2) / 2.0)
    return (t[f"attitude_mean{sfx}"] - c[f"attitude_mean{sfx}"]) / pooled


def _odds(share: pd.Series) -> pd.Series:
    return share / (1.0 - share)


def pattern_values(p: Pattern, runs: pd.DataFrame) -> np.ndarray:
    """One value of the pattern's statistic per replicate (NaN where a run cannot show it)."""
    what = f"pattern {p.id}"
    if p.statistic == "mean":
        return _select(runs, p.where, what)[p.column].to_numpy(float)
    t, c = _select(runs, p.treatment, what), _select(runs, p.control, what)
    if p.statistic == "smd_between":
        v = _smd(t, c, p.at)
    elif p.statistic == "retained":
        v = _smd(t, c, "end") / _smd(t, c, "prev")
    else:  # odds_between
        v = _odds(t[p.column]) / _odds(c[p.column])
    return v.to_numpy(float)


def evaluate(
    patterns: Iterable[Pattern],
    runs: Mapping[str, pd.DataFrame],
    predictive: Mapping[str, tuple[pd.DataFrame, int, int]] | None = None,
) -> list[Verdict]:
    """Verdicts from each experiment's runs (``load_results`` frames keyed by experiment name).

    ``predictive`` maps an experiment to its runs at posterior draws, the number of draws and its
    own design points per draw (:func:`posterior_experiment`).
    """
    out = []
    for p in patterns:
        values = pattern_values(p, runs[p.experiment])
        m, lo, hi = mean_interval(values)
        pred = None
        if predictive is not None:
            frame, n_draws, per_draw = predictive[p.experiment]
            pred = _per_draw(p, frame, n_draws, per_draw)
        out.append(Verdict(p, values, m, lo, hi, pred))
    return out


def _per_draw(p: Pattern, runs: pd.DataFrame, n_draws: int, per_draw: int) -> np.ndarray:
    """Return the pattern's value at each posterior draw: the mean over that draw's seeds (NaN if none shows it)."""
    out = np.full(n_draws, np.nan)
    for i in range(n_draws):
        v = pattern_values(p, runs[runs["point"] // per_draw == i])
        if np.isfinite(v).any():
            out[i] = np.nanmean(v)
    return out


def posterior_experiment(exp: Experiment, draws: pd.DataFrame) -> Experiment:
    """Return the experiment at each of its design points crossed with each posterior draw, draw by draw.

    Point ``i * P + j`` is the experiment's point ``j`` at draw ``i`` (``P`` points a draw). Each
    draw runs on the experiment's own replicates and seeds, so a draw's value is the very statistic
    the verdict judges (a mean over as many seeds), at that draw's parameters.
    """
    base = exp.points().drop(columns="point").to_dict("records")
    rows = [{**b, **d} for d in draws.to_dict("records") for b in base]
    return given_points(exp, pd.DataFrame(rows), f"{exp.name}-posterior", exp.seed, exp.replicates)


def verdict_table(verdicts: Iterable[Verdict]) -> pd.DataFrame:
    """All verdicts as a table (one row each)."""
    return pd.DataFrame([v.row() for v in verdicts])


def run_experiment(
    exp: Experiment,
    folder: Path,
    *,
    executor: Executor | None = None,
    resume: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Sweep ``exp`` into ``folder`` and return its runs.

    Without ``resume`` an earlier sweep in the folder (this command's own output) is replaced; with
    it, an interrupted sweep of the same experiment is finished.
    """
    folder = Path(folder)
    if not resume and (folder / "manifest.json").exists():
        shutil.rmtree(folder)
    sweep(exp, folder, executor=executor, resume=resume and (folder / "manifest.json").exists(), progress=progress)
    return load_results(folder)


def validate(
    out: Path,
    *,
    replicates: int | None = None,
    patterns: list[Pattern] | None = None,
    executor: Executor | None = None,
    resume: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    posterior: pd.DataFrame | None = None,
) -> list[Verdict]:
    """Run every experiment the patterns need into ``out/runs/NAME`` and return the verdicts.

    With ``posterior`` (draws, one column per calibrated key path) each experiment is also run at
    every draw into ``out/runs/NAME-posterior``, and the verdicts account for the posterior
    predictive distribution. Without ``resume`` the runs of an earlier validation in ``out`` are
    replaced; with it, an interrupted validation of the same experiments and replicates is finished.
    """
    patterns = load_patterns() if patterns is None else patterns
    names = list(dict.fromkeys(p.experiment for p in patterns))
    exps = {n: load_validation_experiment(n, replicates) for n in names}
    runs = {}
    for name, exp in exps.items():
        runs[name] = run_experiment(
            exp,
            Path(out) / "runs" / name,
            executor=executor,
            resume=resume,
            progress=(lambda d, f, n=name: progress(n, d, f)) if progress else None,
        )
    if posterior is None:
        return evaluate(patterns, runs)
    predictive = {}
    for name, exp in exps.items():
        pexp = posterior_experiment(exp, posterior)
        frame = run_experiment(
            pexp,
            Path(out) / "runs" / f"{name}-posterior",
            executor=executor,
            resume=resume,
            progress=(lambda d, f, n=f"{name} at posterior draws": progress(n, d, f)) if progress else None,
        )
        predictive[name] = (frame, len(posterior), len(exp.points()))
    return evaluate(patterns, runs, predictive)
