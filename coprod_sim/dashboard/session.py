"""One live simulation as the dashboard sees it: a model, its fixed drawing layout and its pictures.

Nothing here imports Solara, so it is tested without a browser. The layout depends only on the
seats, so it is computed once when the model is built; a step only recolours.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np

from coprod_sim.config import Config
from coprod_sim.dashboard import svg
from coprod_sim.dashboard.explain import explain
from coprod_sim.model import CoProdModel
from coprod_sim.outputs import LEVELS, counted, label, measure, short_label, unit
from coprod_sim.timeline import levers_at

__all__ = ["COLOUR_BY", "KEY_SERIES", "Simulation"]

#: What the network's colour can show: (state array, plain name). All are 0-1.
COLOUR_BY = {
    "wellbeing": "Wellbeing",
    "attitude": "Attitude (0 medical model, 1 social model)",
    "engagement": "Engagement",
}


def _panel(title: str, cols: tuple[str, ...]) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """Name a panel of lines on the 0-1 scale from the catalogue; its axis says their unit if they share one."""
    units = {unit(c) for c in cols}
    return title, units.pop() if len(units) == 1 else "0-1", tuple((c, short_label(c)) for c in cols)


#: The time-series panels, all drawn on 0-1: title, y label, [(column, legend name)].
KEY_SERIES: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    _panel("Taking part and real influence", ("participation_rate", "influence_share", "tokenism_rate")),
    _panel(measure("wellbeing_disabled"), ("wellbeing_disabled", "wellbeing_nondisabled")),
    _panel(measure("burnout_disabled"), ("burnout_disabled", "burnout_nondisabled")),
    _panel("Attitudes and fit of services", ("attitude_mean", "fit")),
)


class Simulation:
    """A model built from a config and a seed, with what the dashboard draws of it."""

    def __init__(self, config: Config, seed: int) -> None:
        self.config = config
        self.seed = int(seed)
        self.model = CoProdModel(seed=self.seed, config=config)
        st = self.model.structure
        self.pos, self.height = svg.team_layout(st.team, st.manager_seat)
        self.cross = np.concatenate([st.informal_edges, st.manager_edges]).astype(np.int64)
        # Play steps the model in a background thread while the page reads it to draw.
        self.lock = threading.RLock()
        #: (week, {lever: value}) of every change made while the run went on.
        self.changes: list[tuple[int, dict[str, Any]]] = []

    @property
    def week(self) -> int:
        """Weeks simulated so far."""
        return int(self.model.steps)

    def step(self, weeks: int = 1) -> None:
        """Advance ``weeks`` weeks."""
        with self.lock:
            for _ in range(int(weeks)):
                self.model.step()

    def change_levers(self, changes: dict[str, Any]) -> None:
        """Set levers from the next week on, as timeline entries (so the run stays reproducible).

        The new timeline is validated like a scenario file's; a bad value raises ``ConfigError``
        and leaves the run as it was.
        """
        changes = {k: v for k, v in changes.items() if self.current(k) != v}
        if not changes:
            return
        with self.lock:
            data = self.config.to_dict()
            week = self.week + 1  # the model's step counter is 1 in the first week
            added = [{"step": week, "lever": k, "value": v} for k, v in changes.items()]
            # A lever moved again before the next week: the new value replaces the one set this week.
            kept = [e for e in data["timeline"] if not (e["step"] == week and e["lever"] in changes)]
            data["timeline"] = [*kept, *added]
            new = Config.from_dict(data, source="the dashboard")
            self.config = new
            self.model.config = new
            self.changes.append((self.week, dict(changes)))

    def current(self, path: str) -> Any:
        """Return a lever's value in force in the next week (after any changes made during the run, ramps included)."""
        return levers_at(self.config, self.week + 1).get(path)

    def column(self, name: str) -> list[Any]:
        """One output column, week 0 to now (a view of the collector's list: do not change it)."""
        return self.model.datacollector.model_vars[name]

    def latest(self) -> dict[str, Any]:
        """Return the outputs of the latest week."""
        return dict(self.model.metrics)

    def level(self) -> str:
        """Return the co-production level of the latest week."""
        return str(self.model.metrics["level"])

    # -- pictures ---------------------------------------------------------------------------
    def network_svg(self, colour_by: str = "wellbeing", title: str | None = None, highlight: int | None = None) -> str:
        """Draw the organisation now: shapes by role, colour by ``colour_by``, burnout and peer ties marked.

        ``highlight``: a role code whose people stand out (the others drawn faint).
        """
        with self.lock:
            return self._network_svg(colour_by, title, highlight)

    def _network_svg(self, colour_by: str, title: str | None, highlight: int | None) -> str:
        s = self.model.state
        value = getattr(s, colour_by)
        label = COLOUR_BY[colour_by]
        n_burnt = int(np.count_nonzero(s.burnout))
        n_ties = int(np.count_nonzero(s.peer_of >= 0))
        summary = (
            f"Week {self.week}: {self.model.n} people in {self.model.n_teams} teams, drawn as groups. "
            f"Mean {label.split(' (')[0].lower()} {float(np.mean(value)):.2f}; "
            f"{counted(n_burnt, 'person', 'people')} burnt out (ringed); "
            f"{counted(n_ties, 'peer-support tie')} (orange dashed lines)."
        )
        if highlight is not None:
            who = svg.ROLE_LABELS[highlight].lower()
            summary += f" {int(np.count_nonzero(s.role == highlight))} people of the role {who} are outlined in bold."
        return svg.network(
            self.pos,
            self.height,
            s.role,
            value,
            s.burnout,
            s.peer_of,
            self.cross,
            value_label=label,
            title=title or f"The organisation in week {self.week}",
            summary=summary,
            highlight=highlight,
        )

    def chart_svgs(self, window: int | None = None) -> list[tuple[str, str, str]]:
        """Draw the key time series: (title, svg, data-table html) each, for the last ``window`` weeks."""
        with self.lock:
            return self._chart_svgs(window)

    def _chart_svgs(self, window: int | None) -> list[tuple[str, str, str]]:
        out = []
        marks = [(float(w), "change") for w, _ in self.changes]
        n = len(self.column("participation_rate"))
        first = 0 if window is None else max(0, n - window)
        weeks = np.arange(first, n)
        for title, y_label, cols in KEY_SERIES:
            series = [svg.Series(name, np.asarray(self.column(c)[first:], dtype=float)) for c, name in cols]
            chart = svg.line_chart(weeks, series, title=title, y_label=y_label, y_range=(0.0, 1.0), marks=marks)
            table = _table(weeks, series, title)
            out.append((title, chart, table))
        return out

    def ladder_svg(self) -> str:
        """Draw the ladder of co-production with the latest week's rung marked."""
        return svg.ladder(LEVELS, self.level(), title=label("level"))

    def explanation(self) -> list[str]:
        """Plain-language paragraphs on what is happening and why."""
        with self.lock:
            return explain(self.model, self.model.p)


def _table(weeks: np.ndarray, series: list[svg.Series], title: str, rows: int = 14) -> str:
    """Tabulate the data behind a chart: about ``rows`` weeks, and those of each line's lowest and highest value."""
    n = len(weeks)
    if n == 0:
        return svg.data_table(["Week"], [], f"{title}: no weeks yet")
    pick, which = svg.table_weeks([s.y for s in series], rows)
    body = [[int(weeks[i]), *[_num(s.y[i]) for s in series]] for i in pick]
    return svg.data_table(["Week", *[s.name for s in series]], body, f"{title}, {which}")


def _num(v: float) -> float | str:
    v = float(v)
    return "no value" if math.isnan(v) else v
