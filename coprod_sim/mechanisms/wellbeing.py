"""Wellbeing and burnout: job demands and resources (docs/ODD.md 7.10).

Sources: JD-R (Bakker & Demerouti 2017; resources buffer demands); Bakker et al. 2005 (burnout
crossover); 000 (social model: barriers disable; reciprocity: accomplishment); 003 (prejudice
and de-valuing; limitations: CP requires support for staff); Accenture 2020; Weikel & Fisher
2021 and Gillard et al. 2022 (peer supporters' workload and supervision); Peterson et al. 2008
and the Psychiatric Services meta-analysis (peer support: buffering, self-advocacy); SCIE 2022;
JAN (accommodations effective); ONS 2023 and Ahola et al. 2008 (sickness absence, and its excess
in burnout). Thresholds, durations, the shape of the weekly noise, the size of staff strain and
the hours burnout costs are assumptions.
"""

from __future__ import annotations

import math

import numpy as np

from coprod_sim.config import Config
from coprod_sim.state import Caches, Seats, State, clip01

__all__ = ["absence", "stationary_sd", "target_wellbeing", "update_burnout", "update_wellbeing"]


def _demands(s: State, c: Caches, seats: Seats, p: Config) -> np.ndarray:
    """Each person's job demands this week (a new array)."""
    wb, pe, ps = p.wellbeing, p.peer_effects, p.peer_support
    # Burnt-out people per team (whole numbers, so any way of counting gives the same floats; a
    # sum over the teams' runs of seats is the cheapest).
    demands = seats.spread(np.add.reduceat(s.burnout, seats.team_start, dtype=np.float64))
    demands -= s.burnout
    demands *= seats.crossover  # burnout among team mates (Bakker et al. 2005)
    demands += c.workload_demand
    # Terms that only disabled workers (experts by experience) carry.
    dw = c.dw
    token = s.token_trace[dw]
    extra = wb.tokenism * token + pe.load_cost * (1.0 - 0.5 * ps.training) * s.load[dw]
    if not p.power.paid:  # unpaid co-production comes on top of the job
        extra += wb.workload * 0.5 * (s.infl_trace[dw] + token)
    demands[dw] += extra
    # Terms that every disabled person carries (social model): organisational barriers and,
    # separately, attitudes (the discrimination term).
    di = c.dis
    demands[di] += wb.barriers * s.own[di] + wb.discrimination * c.att_barrier_dis
    if wb.power_strain > 0 and p.power.transfer > 0:
        # Professionals whose meeting this week gave away weight they would not have given, the
        # more so without co-production skill (003 limitations: CP requires support for staff).
        strain = seats.spread(s.imposed)
        strain *= c.prof
        strain *= 1.0 - s.skill
        strain *= wb.power_strain
        demands += strain
    return demands


def target_wellbeing(s: State, c: Caches, seats: Seats, p: Config) -> np.ndarray:
    """Each person's target wellbeing this week: resting level less demands, plus resources (a new array)."""
    wb, pe = p.wellbeing, p.peer_effects
    demands = _demands(s, c, seats, p)
    dw, di = c.dw, c.dis
    has_peer = s.peer_of[dw] >= 0
    if pe.buffer and has_peer.any():  # otherwise the factor is 1 for everyone
        demands[dw] *= 1.0 - pe.buffer * has_peer
    target = np.subtract(wb.resting, demands, out=demands)
    target[dw] += wb.accomplishment * s.infl_trace[dw]
    target[di] += wb.accommodation * s.accommodated[di]
    return target


def stationary_sd(p: Config) -> float:
    """Return the standard deviation of wellbeing around a fixed target under the weekly update (before clipping)."""
    r = p.wellbeing.rate
    # At most 1 (wellbeing is clipped to 0-1): a rate near 0 would otherwise overflow its square.
    return min(p.wellbeing.noise / math.sqrt(r * (2.0 - r)), 1.0) if r > 0 else p.wellbeing.noise


def update_wellbeing(s: State, c: Caches, seats: Seats, p: Config, rng: np.random.Generator) -> None:
    """Move wellbeing toward its target (resting level less demands, plus resources), with weekly noise."""
    wb, pe = p.wellbeing, p.peer_effects
    dw = c.dw
    has_peer = s.peer_of[dw] >= 0
    target = target_wellbeing(s, c, seats, p)
    target -= s.wellbeing
    target *= wb.rate
    s.wellbeing += target
    # Weekly variation: uniform with standard deviation wellbeing.noise (a cheap draw; the shape
    # of the noise is an assumption, its size the parameter).
    u = rng.random(seats.n, dtype=np.float32)
    u -= 0.5
    u *= wb.noise * math.sqrt(12.0)
    s.wellbeing += u
    clip01(s.wellbeing)
    conf = s.confidence[dw] + pe.confidence * has_peer * (1.0 - s.confidence[dw])
    s.confidence[dw] = clip01(conf)
    s.engagement[dw] = clip01(s.engagement[dw])
    update_burnout(s, p)


def update_burnout(s: State, p: Config) -> None:
    """Strain builds in weeks of low wellbeing; burnout starts after sustained strain and ends when it is gone."""
    wb = p.wellbeing
    step = (s.wellbeing < wb.burnout_threshold).astype(s.strain.dtype)
    step *= 2
    step -= 1
    s.strain += step  # +1 in a week of low wellbeing, -1 otherwise
    np.maximum(s.strain, 0, out=s.strain)
    np.minimum(s.strain, 2 * wb.burnout_weeks, out=s.strain)
    s.burnout |= s.strain >= wb.burnout_weeks
    s.burnout &= s.strain > 0


def absence(p: Config, burnt_out: float, people: float) -> float:
    """Return the expected share of the working hours of ``people`` lost to sickness, ``burnt_out`` in burnout.

    Everyone loses ``wellbeing.absence_base`` of their hours; someone in burnout loses
    ``wellbeing.absence_burnout`` more (Ahola et al. 2008). An expectation, not a draw: absence
    does not feed back into the week (nobody misses a meeting or covers for anyone), so its gap
    by disability comes only from the gap in burnout (7.10). NaN for nobody.
    """
    if people <= 0:
        return math.nan
    wb = p.wellbeing
    return wb.absence_base + wb.absence_burnout * burnt_out / people
