"""Within-run observations for validation and calibration: what one run shows of each pattern.

A run is stepped to its last week with one snapshot a year (52 weeks) before the end, so that
yearly changes (contact, influence, wellbeing) are measured on the people present in both weeks,
the way a survey with a one-year recall or a panel would. Each probe is one number per run
(``NaN`` when the run has nobody to measure it on); ``coprod_sim.validation.patterns`` turns
them into pattern statistics over replicates.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from coprod_sim.config import Config
from coprod_sim.model import CoProdModel
from coprod_sim.state import DISABLED_WORKER, PEER_SUPPORTER, STAFF

__all__ = ["PROBES", "hedges_g", "probe_model", "simulate_probes"]

#: Probe name and what it measures (units in docs/validation.md).
PROBES: dict[str, str] = {
    "share_disabled": "share of the workforce who are disabled, mean over the second half of the run",
    "pay_gap": "the output pay_gap (pay by grade, 7.12), mean over the second half of the run",
    "senior_ratio": "the output senior_ratio (7.12), mean over the second half of the run",
    "exit_ratio": "weekly exit hazard of disabled people over that of others, pooled over the run",
    "absence_ratio": "share of working hours disabled people lose to sickness over that of everyone, "
    "mean over the second half (7.10)",
    "exit_rate_disabled": "yearly exit rate of disabled people (1 - (1 - weekly hazard)^52)",
    "exit_rate_nondisabled": "yearly exit rate of non-disabled people",
    "contact_r": "correlation, over non-disabled professionals present all year, of equal-status contact "
    "in the last year (meetings weighted by the influence participants realised) with attitude (social model) "
    "at the end",
    "training_g": "Hedges g of attitude, people trained at the last session vs those present then but not trained",
    "weeks_since_training": "weeks from the last training session to the end",
    "attitude_mean": "mean attitude at the end",
    "attitude_sd": "standard deviation of attitude at the end",
    "attitude_mean_prev": "mean attitude a year before the end",
    "attitude_sd_prev": "standard deviation of attitude a year before the end",
    "peer_g_confidence": "Hedges g of confidence, disabled workers with a peer supporter vs without",
    "peer_g_wellbeing": "Hedges g of wellbeing, disabled workers with a peer supporter vs without",
    "peer_supported_share": "share of disabled workers with a peer supporter, mean over the second half",
    "supporter_burnout_ratio": "share in burnout of peer supporters over that of other disabled workers, "
    "pooled over the last year's weeks",
    "inadequate_share": "1 - mean, over disabled workers present all year, of the influence they realised in "
    "that year's meetings (0 for those who took part in none): the expected share who would not call "
    "themselves adequately consulted",
    "included_or": "odds ratio of wellbeing having risen over the year, disabled workers who realised more "
    "than half of an equal partner's influence in that year's meetings vs the others",
    "included_n": "disabled workers present all year (the people behind the last two probes)",
    "good_share": "share of disabled workers (expert role) whose wellbeing is at least GOOD_WELLBEING at the end",
    "users_views_or": "odds ratio of a good outcome (the finished project fits the user's own need better than the "
    "standard service would), users who took part in one of its meetings (views included) vs the others, pooled "
    "over every project finished in the run",
    "users_views_rr": "the same as a ratio of shares (risk ratio)",
    "users_good_share": "share of users' outcomes that were good, pooled over every project finished in the run",
    "users_included_share": "share of users who took part in their project (views included), pooled the same way",
    "acc_free_share": "share of accommodations granted over the run that cost nothing",
    "acc_one_time_share": "share with a one-time cost",
    "acc_ongoing_share": "share with an ongoing cost",
    "acc_one_time_median": "median one-time cost among accommodated people at the end",
    "accommodations": "accommodations granted over the run",
}

#: Wellbeing counted as a good outcome: the middle of the scale, where the base exit hazard applies.
GOOD_WELLBEING = 0.5

#: Fewest people a two-group comparison is computed on; below it a probe is NaN.
MIN_GROUP = 3


def hedges_g(a: np.ndarray, b: np.ndarray) -> float:
    """Standardised mean difference (a - b) with Hedges' small-sample correction; NaN if undefined."""
    na, nb = len(a), len(b)
    if na < MIN_GROUP or nb < MIN_GROUP:
        return math.nan
    pooled = ((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2)
    if pooled <= 0:
        return math.nan
    j = 1.0 - 3.0 / (4.0 * (na + nb) - 9.0)
    return float(j * (a.mean() - b.mean()) / math.sqrt(pooled))


def _corr(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 2 * MIN_GROUP or x.std() == 0 or y.std() == 0:
        return math.nan
    return float(np.corrcoef(x, y)[0, 1])


def _odds_ratio(exposed: np.ndarray, good: np.ndarray) -> float:
    """Odds ratio of ``good`` for exposed vs unexposed, with 0.5 added to each cell (Haldane)."""
    if exposed.sum() < MIN_GROUP or (~exposed).sum() < MIN_GROUP:
        return math.nan
    a = np.count_nonzero(exposed & good) + 0.5
    b = np.count_nonzero(exposed & ~good) + 0.5
    c = np.count_nonzero(~exposed & good) + 0.5
    d = np.count_nonzero(~exposed & ~good) + 0.5
    return float((a * d) / (b * c))


def _snapshot(model: Any) -> dict[str, Any]:
    s = model.state
    return {
        "person_id": s.person_id.copy(),
        "contact_sum": s.contact_sum.copy(),
        "infl_sum": s.infl_sum.copy(),
        "part_n": s.part_n.copy(),
        "wellbeing": s.wellbeing.copy(),
        "attitude_mean": float(s.attitude.mean()),
        "attitude_sd": float(s.attitude.std(ddof=1)),
    }


def _absence_ratio(dc: dict[str, list], half: int) -> float:
    """Sickness absence of disabled people over that of everyone, weeks ``half`` on (ONS compares with all)."""
    a_d = np.asarray(dc["absence_disabled"][half:], float)
    a_n = np.asarray(dc["absence_nondisabled"][half:], float)
    n_d = np.asarray(dc["n_disabled"][half:], float)
    n = np.asarray(dc["n_people"][half:], float)
    everyone = (np.nan_to_num(a_d) * n_d + np.nan_to_num(a_n) * (n - n_d)) / n
    return float(np.nanmean(a_d) / np.mean(everyone)) if np.isfinite(a_d).any() else math.nan


def probe_model(model: Any, snap: dict[str, Any] | None, year: np.ndarray | None = None) -> dict[str, float]:
    """Every probe of a model at its current week.

    ``snap`` is the snapshot taken a year earlier; ``year`` the weekly burnout counts since then
    (peer supporters in burnout, peer supporters, other disabled workers in burnout, others).
    """
    s = model.state
    dc = model.datacollector.model_vars
    half = len(dc["share_disabled"]) // 2
    out: dict[str, float] = dict.fromkeys(PROBES, math.nan)
    out["share_disabled"] = float(np.mean(dc["share_disabled"][half:]))
    for column in ("pay_gap", "senior_ratio"):
        out[column] = float(np.nanmean(np.asarray(dc[column][half:], float)))
    out["peer_supported_share"] = float(np.nanmean(np.asarray(dc["peer_supported_share"][half:], float)))
    out["absence_ratio"] = _absence_ratio(dc, half)

    # Hazards: exits in week t over the people at risk at the start of week t.
    n_dis = np.asarray(dc["n_disabled"], float)
    n_all = np.asarray(dc["n_people"], float)
    ex_d = np.asarray(dc["exits_disabled"][1:], float).sum()
    ex_n = np.asarray(dc["exits_nondisabled"][1:], float).sum()
    risk_d, risk_n = n_dis[:-1].sum(), (n_all - n_dis)[:-1].sum()
    if risk_d > 0 and risk_n > 0:
        h_d, h_n = ex_d / risk_d, ex_n / risk_n
        out["exit_rate_disabled"] = 1.0 - (1.0 - h_d) ** 52
        out["exit_rate_nondisabled"] = 1.0 - (1.0 - h_n) ** 52
        out["exit_ratio"] = h_d / h_n if h_n > 0 else math.nan

    out["attitude_mean"] = float(s.attitude.mean())
    out["attitude_sd"] = float(s.attitude.std(ddof=1))

    # Training: the last session's trained vs untrained among those already there.
    last = model.training_plan.last_week
    if last is not None:
        weeks = model.steps - last
        present = s.tenure > weeks
        trained = s.trained_at == last
        out["training_g"] = hedges_g(s.attitude[present & trained], s.attitude[present & ~trained])
        out["weeks_since_training"] = float(weeks)

    # Peer support: disabled workers (not supporters) long enough in post to have been matched.
    dw = (s.role == DISABLED_WORKER) & (s.tenure >= 26)
    sup = s.peer_of >= 0
    out["peer_g_confidence"] = hedges_g(s.confidence[dw & sup], s.confidence[dw & ~sup])
    out["peer_g_wellbeing"] = hedges_g(s.wellbeing[dw & sup], s.wellbeing[dw & ~sup])
    experts = s.role >= DISABLED_WORKER
    if experts.any():
        out["good_share"] = float(np.mean(s.wellbeing[experts] >= GOOD_WELLBEING))

    if year is not None and year[1] > 0 and year[3] > 0 and year[2] > 0:
        out["supporter_burnout_ratio"] = float((year[0] / year[1]) / (year[2] / year[3]))

    if snap is not None:
        out["attitude_mean_prev"] = snap["attitude_mean"]
        out["attitude_sd_prev"] = snap["attitude_sd"]
        stayed = s.person_id == snap["person_id"]
        prof = stayed & ~s.disabled & (s.role <= STAFF)
        out["contact_r"] = _corr((s.contact_sum - snap["contact_sum"])[prof], s.attitude[prof])
        expert = stayed & (s.role >= DISABLED_WORKER)
        # Each person's year: mean realised influence over the meetings they attended (0 if none),
        # read as the chance they would say they were adequately consulted (Mencap 2012's question).
        meetings = (s.part_n - snap["part_n"])[expert]
        adequacy = (s.infl_sum - snap["infl_sum"])[expert] / np.maximum(meetings, 1)
        included = adequacy > 0.5
        out["included_n"] = float(expert.sum())
        if expert.any():
            out["inadequate_share"] = float(1.0 - adequacy.mean())
        better = s.wellbeing[expert] > snap["wellbeing"][expert]
        out["included_or"] = _odds_ratio(included, better)

    _users(out, s.users.outcomes)
    granted = model.accommodations_granted
    total = int(granted.sum())
    out["accommodations"] = float(total)
    if total:
        out["acc_free_share"], out["acc_one_time_share"], out["acc_ongoing_share"] = (granted / total).tolist()
    once = s.acc_once[s.accommodated & (s.acc_once > 0)]
    if len(once):
        out["acc_one_time_median"] = float(np.median(once))
    return out


def _users(out: dict[str, float], outcomes: np.ndarray) -> None:
    """Service users' outcomes by views included (TLAP 2014), from the run's pooled counts (7.18)."""
    inc, inc_good, exc, exc_good = (int(x) for x in outcomes)
    if inc + exc:
        out["users_good_share"] = (inc_good + exc_good) / (inc + exc)
        out["users_included_share"] = inc / (inc + exc)
    if inc >= MIN_GROUP and exc >= MIN_GROUP:
        # Haldane's 0.5 in each cell, as _odds_ratio does.
        odds_inc = (inc_good + 0.5) / (inc - inc_good + 0.5)
        odds_exc = (exc_good + 0.5) / (exc - exc_good + 0.5)
        out["users_views_or"] = odds_inc / odds_exc
        if exc_good:
            out["users_views_rr"] = (inc_good / inc) / (exc_good / exc)


def simulate_probes(config: Config, seed: int, steps: int | None = None) -> dict[str, float]:
    """Run one simulation and return its probes (snapshot 52 weeks before the end)."""
    total = config.simulation.steps if steps is None else steps
    model = CoProdModel(seed=seed, config=config)
    snap_week = total - 52
    snap = _snapshot(model) if snap_week == 0 else None
    year = np.zeros(4)
    s = model.state
    for _ in range(total):
        model.step()
        if model.steps == snap_week:
            snap = _snapshot(model)
        elif model.steps > snap_week:
            sup, dw = s.role == PEER_SUPPORTER, s.role == DISABLED_WORKER
            year += (s.burnout[sup].sum(), sup.sum(), s.burnout[dw].sum(), dw.sum())
    return probe_model(model, snap, year)
