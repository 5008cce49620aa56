"""The claims of shared/design/model.md, each over 5 seeds on common random numbers.

Every test asserts the direction of the effect and a minimum size. The sizes measured when the
tests were written are given in comments; thresholds sit well inside them so that a real change
of mechanism, not noise, breaks a test.
"""

import numpy as np

from coprod_sim.compare import break_even_week
from coprod_sim.config import Config
from coprod_sim.scenarios import load_scenario
from tests.conftest import SEEDS, paired, run_ts

ACCESS = ("physical", "information", "communication", "time")


def _burnout_dw(ts):
    return ts["burnout_disabled_workers"].iloc[52:].mean()


def _exit_rate_dw(ts):
    # Leavers in the expert role (disabled workers and peer supporters) per person in that role.
    in_role = ts["n_disabled_workers"] + ts["n_peer_supporters"]
    return ts["exits_disabled_workers"].iloc[1:].sum() / in_role.iloc[1:].mean()


def _confidence(ts):
    return ts["confidence_disabled"].iloc[-52:].mean()


def test_peer_support_at_realistic_uptake_changes_burnout_and_turnover_little():
    """000 claims peer support lowers burnout (Goth 2018, not found). At the calibrated effect sizes
    (about 0.2 SD for the people supported; docs/validation.md) and a quarter taking part, the
    effect is small: measured at 2,000 people, seeds 0-4, burnout -0.038 to -0.016 (mean -0.026)
    and leavers from the expert role -10% to -1% (mean -4%), on the re-calibrated Model 2 (peer
    wellbeing buffer 0.12; it was -0.015 to -0.005 with 0.045). On common random numbers it
    shows in every seed; when all processes shared one random stream it was lost in run-to-run
    noise.

    Lower, but by little: this fails if the peer mechanisms become strong enough for a large
    effect at a quarter's uptake (5 points or more), which the trials do not support, or if the
    direction turns.
    """
    base = Config().with_overrides({"organisation.people": 2000})
    peer = base.with_overrides({"peer_support.enabled": True})
    off, on = paired(base, peer, lambda ts: (_burnout_dw(ts), _exit_rate_dw(ts)))
    d_burn = on[:, 0] - off[:, 0]
    assert (d_burn < 0).all() and (d_burn > -0.05).all()
    assert abs((on[:, 1] / off[:, 1] - 1).mean()) < 0.15


def test_peer_support_lowers_burnout_when_everyone_takes_part():
    """With everyone taking it up (1,000 people), burnout among disabled workers falls in every
    seed (measured -0.076 to -0.026), their confidence rises (+0.002 to +0.009) and fewer leave the
    expert role (-20% to -7%), in every seed. Confidence and leaving are means over whoever is in
    the expert role, which peer support also changes, so a seed could go the other way by a hair
    (before Model 2's re-calibration one in five did; the calibrated confidence gain per week is
    now 0.00045, was 0.00077)."""
    base = Config().with_overrides({"organisation.people": 1000})
    peer = base.with_overrides({"peer_support.enabled": True, "peer_support.uptake": 1.0})
    off, on = paired(base, peer, lambda ts: (_burnout_dw(ts), _confidence(ts), _exit_rate_dw(ts)))
    assert (on[:, 0] - off[:, 0] <= -0.008).all()
    assert (on[:, 1] - off[:, 1]).mean() > 0.002 and (on[:, 1] > off[:, 1]).sum() >= 4
    assert (on[:, 2] / off[:, 2]).mean() < 0.95 and (on[:, 2] < off[:, 2]).sum() >= 4


def test_consultation_without_power_is_tokenism_and_erodes_engagement():
    """003, 001; Mencap 2012. Measured engagement: 0.419-0.435 (tokenistic) vs 0.489-0.502 (not
    involved), a gap of 0.060-0.082 (0.385-0.407 vs 0.494-0.502 before service users took part:
    users in the room share the participants' weight, so disabled workers are a little less
    alone and tokenism falls to 0.64-0.67, ODD 7.18). Tokenism is graded (the share of an equal
    partner's influence left unrealised, docs/ODD.md 7.6): 0.64-0.67 without power (0.69-0.71
    before service users), 0.06-0.08 with power transfer 0.3.

    Before influence was graded a threshold made tokenism 1.00 without power (engagement
    0.30-0.33), which followed from arithmetic rather than from the mechanism (issue 13)."""
    tokenistic = load_scenario("tokenistic").config
    not_involved = Config().with_overrides({"involvement.delivery": False, "involvement.evaluation": False})

    def stats(ts):
        return (
            ts["engagement_disabled"].iloc[-52:].mean(),
            np.nanmean(ts["tokenism_rate"].iloc[1:]),
            np.nanmean(ts["influence_share"].iloc[1:]),
        )

    tok, none = paired(tokenistic, not_involved, lambda ts: ts["engagement_disabled"].iloc[-52:].mean())
    assert (tok < none - 0.04).all()
    # Real influence needs power transfer: without it most of an equal partner's influence is
    # left unrealised (above the consultation level's 0.5) and the share held is tiny.
    without, with_power = paired(tokenistic, tokenistic.with_overrides({"power.transfer": 0.3}), stats)
    assert (without[:, 1] > 0.6).all() and (without[:, 2] < 0.1).all()
    assert (with_power[:, 1] < 0.1).all() and (with_power[:, 2] >= 0.3).all()
    # measured +0.24 to +0.35 with the steady baseline (model2); +0.365 to +0.497 before it
    assert (with_power[:, 0] > without[:, 0] + 0.2).all()


def test_more_diverse_participation_gives_better_fit():
    """000 principle of diversity. Measured +0.010 to +0.013 fit when teams have several experts by
    experience (participants defer to those who know an aspect, issue 13; +0.0054 to +0.0084
    before, when the group's proposal on an aspect nobody knew was unbiased and independent of
    professionals'; +0.012 to +0.020 before calibration, when contact moved attitudes, and with
    them listening, about 30 times faster).

    With about one expert by experience per team (the baseline) the effect is smaller still:
    diversity needs several disabled people taking part together (docs/ODD.md, limitations).
    Since disability can end and people retire (ODD 7.11), an organisation keeps a large disabled
    share only if it recruits many disabled people: 60% of applicants here keep it at 0.27-0.32
    (measured +0.0061 to +0.0100 fit). Without that the share falls from 0.4 to 0.14-0.17 and the
    effect to +0.0035 to +0.0055.

    Service users in the room (ODD 7.18) know their own needs on every aspect, so they cover much
    of what a group of alike disabled workers does not know: with them the effect falls to
    +0.0018 to +0.0028 (measured; +0.010 to +0.014 without them, where the workers' diversity is
    tested).
    """
    base = load_scenario("intermediate").config.with_overrides(
        {
            "organisation.disabled_share": 0.4,
            "organisation.disclosure": 0.9,
            "power.transfer": 0.4,
            "retention.applicant_share": 0.6,
        }
    )

    def varied_minus_alike(cfg: Config) -> np.ndarray:
        varied, alike = paired(
            cfg.with_overrides({"deliberation.diversity": 1.0}),
            cfg.with_overrides({"deliberation.diversity": 0.0}),
            lambda ts: ts["fit"].iloc[52:].mean(),
        )
        return varied - alike

    assert (varied_minus_alike(base.with_overrides({"service_users.invite": 0.0})) >= 0.003).all()
    assert (varied_minus_alike(base) > 0.001).all()


def test_accessibility_raises_participation_and_the_reach_of_other_levers():
    """000 principle of access. Measured: participation +0.048 to +0.057; reach 0.091-0.108 -> 0.203-0.215.

    Since the steady baseline (more people in burnout, who take part less; ODD 7.10): participation
    +0.036 to +0.047; reach 0.085-0.124 -> 0.170-0.207 (+0.071 to +0.100).
    """
    low = Config().with_overrides({**{f"accessibility.{k}": 0.0 for k in ACCESS}, "accessibility.accommodations": 0.0})
    high = Config().with_overrides({**{f"accessibility.{k}": 0.9 for k in ACCESS}, "accessibility.accommodations": 0.9})
    lo, hi = paired(low, high, lambda ts: ts["participation_rate"].iloc[1:].mean())
    assert (hi - lo >= 0.03).all()
    # Training and power transfer reach fewer people without accessibility: reach = share of
    # disabled workers taking part with real influence each week.
    levers = {"training.target": "all", "training.coverage": 0.8, "power.transfer": 0.3}

    def reach(ts):
        return (ts["participation_rate"] * (1 - ts["tokenism_rate"].fillna(0))).iloc[1:].mean()

    lo, hi = paired(low.with_overrides(levers), high.with_overrides(levers), reach)
    assert (hi - lo >= 0.06).all()


def test_training_alone_fades_training_with_structure_lasts():
    """Bezrukova et al. 2016; 003 limitations. Measured share of the gain kept after two years:
    -0.01 to 0.01 alone, 0.68 to 0.71 (mean 0.70) with power transfer and review (with attitudes
    anchored, ODD 7.8; -0.02 to 0.01 and 0.65 to 0.70 before)."""
    pulse = [
        {"step": 1, "lever": "training.target", "value": "all"},
        {"step": 1, "lever": "training.coverage", "value": 1.0},
        {"step": 2, "lever": "training.coverage", "value": 0.0},
    ]
    structure = {"power": {"transfer": 0.3}, "review": {"enabled": True}}

    def kept(struct: dict) -> np.ndarray:
        trained = Config.from_dict({**struct, "timeline": pulse})
        untrained = Config.from_dict(struct)
        a, b = paired(trained, untrained, lambda ts: ts["attitude_mean"].iloc[[2, 104]].to_numpy(), steps=104)
        gain = a - b
        return gain[:, 1] / gain[:, 0]

    alone, sustained = kept({}), kept(structure)
    assert alone.mean() < 0.25
    assert sustained.mean() > 0.4
    assert sustained.mean() - alone.mean() > 0.3


def test_transformative_costs_more_up_front_and_saves_through_fit():
    """000 advantages; 003 value for money. Measured (seeds 0-4, the default 300 people): +370k to
    +416k in year 1; rework over ten years 3.56M to 3.62M lower (better fit: 0.789 against 0.658);
    co-production time, independent support and the co-decided budget 2.16M to 2.33M higher.

    Whether the plan pays for itself is not asserted: it depends on assumptions (project value,
    rework, staff time; issue 13). At the defaults it does not within ten years (+1.04M to +1.34M
    by week 520, no break-even in any seed). It did (weeks 319 to 508) while participants' errors
    were independent of professionals', so that any share they held raised fit, and staff time
    in meetings was free.
    """
    base, transformative = Config(), load_scenario("transformative").config
    for seed in SEEDS:
        b = run_ts(base, seed, 520)
        t = run_ts(transformative, seed, 520)
        extra = t["cost_cumulative"].to_numpy() - b["cost_cumulative"].to_numpy()
        assert extra[52] > 50_000  # costs more up front
        assert t["cost_rework"].sum() < b["cost_rework"].sum() - 500_000  # and saves through fit
        be = break_even_week(extra)
        assert be is None or 0 <= be <= 520


def test_all_four_stages_beat_delivery_only():
    """001 (at all stages). Measured +0.040 to +0.043 fit with the same power transfer, since service
    users take part (ODD 7.18; +0.004 to +0.008 before them, +0.011 to
    +0.020 before participants' errors shared the team's part, issue 13: the fit now gains only
    from what lived experience knows better; +0.030 to +0.046 before calibration, when contact
    moved attitudes faster)."""
    base = Config().with_overrides({"power.transfer": 0.3})
    delivery = base.with_overrides({"involvement.evaluation": False})
    all_four = base.with_overrides({"involvement.planning": True, "involvement.design": True})
    d, a = paired(delivery, all_four, lambda ts: (ts["fit"].iloc[52:].mean(), ts["engagement_disabled"].iloc[-1]))
    assert (a[:, 0] - d[:, 0] >= 0.02).all()
