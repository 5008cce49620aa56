"""What decides each verdict: drawn parameters ranked by rank correlation, against chance (issue 14 item 4)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from scipy.stats import qmc

from coprod_sim.cards import Card, default_cards
from coprod_sim.drivers import CHANCE, COLUMNS, PAYBACK, driver_words, rank_drivers, table_drivers
from coprod_sim.run import simulate
from coprod_sim.scenarios import load_scenario
from coprod_sim.uncertainty import compare_full, draws, format_verdicts

N, D = 80, 54  # the default draws and about the default cards' count


def fake_draws(seed: int) -> pd.DataFrame:
    """A Latin hypercube of D parameters over N draws, as the default cards give."""
    u = qmc.LatinHypercube(D, rng=np.random.default_rng(seed)).random(N)
    return pd.DataFrame(u, columns=[f"p{i:02d}" for i in range(D)])


SEEDS = range(16)


def test_a_known_driver_ranks_first_and_beats_chance():
    named_by_chance = 0
    for seed in SEEDS:
        x = fake_draws(seed)
        noise = np.random.default_rng(seed + 100).normal(size=N)
        y = 3.0 * x["p17"].to_numpy() + 0.5 * noise  # p17 decides it; chance (the seed) adds noise
        table, threshold = rank_drivers(x, y, np.random.default_rng(seed))
        first = table.iloc[0]
        assert first["parameter"] == "p17" and bool(first["beats_chance"]) and first["importance"] > threshold
        assert first["lo"] <= first["importance"] <= first["hi"]
        named_by_chance += int(table["beats_chance"].sum() > 1)
    # Another parameter is named in about one verdict in twenty (the 95% max-statistic threshold).
    assert named_by_chance <= 2


def test_pure_chance_names_no_parameter_but_rarely():
    named, thresholds = 0, []
    for seed in SEEDS:
        x = fake_draws(seed)
        y = np.random.default_rng(seed + 100).normal(size=N)  # the difference is seed noise only
        table, threshold = rank_drivers(x, y, np.random.default_rng(seed))
        named += int(table["beats_chance"].any())
        thresholds.append(threshold)
    assert named <= 2
    # The strongest of 54 unrelated parameters reaches about 0.36 with 80 draws: a single-dummy
    # threshold (about 0.22) would name two or three parameters in every verdict by chance alone.
    assert min(thresholds) > 0.3 and max(thresholds) < 0.45


def test_a_constant_difference_has_no_drivers_and_no_sentence():
    x = fake_draws(1)
    table, threshold = rank_drivers(x, np.ones(N), np.random.default_rng(1))
    assert np.isnan(threshold) and table["importance"].isna().all() and not table["beats_chance"].any()


def _one_outcome_table(y: np.ndarray, x: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    draws_table = pd.concat([pd.DataFrame({"draw": range(1, N + 1), "seed": range(N)}), x], axis=1)
    runs = pd.concat(
        [
            pd.DataFrame({"scenario": "a", "draw": range(1, N + 1), "fit_mean": 0.0}),
            pd.DataFrame({"scenario": "b", "draw": range(1, N + 1), "fit_mean": y}),
        ]
    )
    weeks = {"a": [0] * N, "b": [None if v < np.median(y) else 10 for v in y]}
    return table_drivers(["a", "b"], runs, weeks, 52, draws_table, labels, ["fit_mean"])


def test_the_table_has_the_issue_columns_a_chance_row_and_the_sentence_names_the_driver():
    x = fake_draws(4)
    y = 3.0 * x["p05"].to_numpy() + 2.0 * x["p40"].to_numpy()
    labels = {"p05": "what rework costs", "p40": "how much staff lean towards the standard service"}
    d = _one_outcome_table(y, x, labels)
    assert list(d.columns) == COLUMNS and list(d.columns[:4]) == ["scenario", "outcome", "parameter", "importance"]
    assert set(d.outcome) == {"fit_mean", PAYBACK}
    assert (d.parameter == CHANCE).sum() == 2  # one chance row per outcome
    words = driver_words(d, "b", "fit_mean", "How much better it is")
    assert words == (
        "How much better it is depends mostly on what rework costs and on how much staff lean towards the "
        "standard service."
    )
    # Payback (paid back in the draws with the larger differences) is decided by the same two.
    assert "what rework costs" in driver_words(d, "b", PAYBACK, "Whether it pays back")
    # Same draws, same table: the shuffles come from the draws' seeds.
    pd.testing.assert_frame_equal(d, _one_outcome_table(y, x, labels))


def test_nothing_beating_chance_is_said_honestly():
    x = fake_draws(5)
    d = _one_outcome_table(np.random.default_rng(9).normal(size=N), x, {})
    assert driver_words(d, "b", "fit_mean", "Whether it is better or worse") == (
        "Whether it is better or worse: no single assumption decides it; none stands out from chance between runs."
    )


def test_in_the_model_what_rework_costs_decides_whether_a_plan_pays_back():
    # Few cards, so that a small run shows it: rework over a wide range (projects worth more, so
    # that savings on rework can pay back within two years), and four cards that barely move cost.
    cards = default_cards()
    keep = ["costs.rework", "wellbeing.noise", "training.hours", "progression.interval", "review.interval"]
    chosen = {p: cards.cards[p] for p in keep}
    chosen["costs.rework"] = replace(chosen["costs.rework"], lo=0.05, hi=2.0, mode=0.5)
    chosen["costs.project_value"] = Card("costs.project_value", "test", value=100000.0)
    base, plan = (load_scenario(s).with_overrides({"organisation.people": 100}) for s in ("baseline", "transformative"))
    drawn = draws(16, 1, replace(cards, cards=chosen))
    c = compare_full([base, plan], drawn, steps=104)
    assert 0 < c.payback.iloc[0]["p_payback"] < 1  # some draws pay back, some do not
    pay = c.drivers[(c.drivers.outcome == PAYBACK) & (c.drivers.parameter != CHANCE)]
    assert pay.iloc[0]["parameter"] == "costs.rework" and bool(pay.iloc[0]["beats_chance"])
    assert pay["beats_chance"].sum() == 1
    plain = cards.cards["costs.rework"].plain
    assert f"Whether it pays back within 104 weeks (2 years) depends mostly on {plain}." in format_verdicts(c)
    # The null: the same runs with the rework values shuffled across draws name nothing.
    table = drawn.table()
    table["costs.rework"] = np.random.default_rng(0).permutation(table["costs.rework"].to_numpy())
    weeks = {n: [None] * 16 for n in c.names}  # payback weeks are not kept; cost a year stands in
    shuffled = table_drivers(c.names, c.runs, weeks, c.horizon, table, drawn.labels, ["cost_per_year"])
    assert not shuffled[shuffled.outcome == "cost_per_year"]["beats_chance"].any()


def test_a_posterior_column_of_the_draws_can_be_a_driver_and_is_named_in_words():
    from coprod_sim.drivers import drawn_parameters, plain_name

    cards = default_cards()
    posterior = pd.DataFrame({"retention.wellbeing": np.linspace(3.5, 4.6, 12)})
    drawn = draws(12, 1, cards, posterior=posterior)
    x = drawn_parameters(drawn.table())
    assert "retention.wellbeing" in x.columns and "costs.rework" in x.columns
    assert plain_name("retention.wellbeing", drawn.labels) == "the effect of low wellbeing on leaving"
    assert plain_name("costs.rework", drawn.labels) == cards.cards["costs.rework"].plain
    y = 2.0 * x["retention.wellbeing"].to_numpy()  # a difference the posterior parameter decides
    table, _ = rank_drivers(x, y, np.random.default_rng(0))
    assert table.iloc[0]["parameter"] == "retention.wellbeing" and bool(table.iloc[0]["beats_chance"])


def test_prices_change_no_output_but_costs_bit_for_bit():
    # What lets drivers leave prices out of non-cost verdicts: in a plan that uses every lever they
    # price (training, peer support, review, accessibility, support, co-production), each setting in
    # PRICES_ONLY moved across its card's range changes costs, and every other output not a bit.
    from coprod_sim.drivers import PRICES_ONLY, is_cost_outcome

    cards = default_cards().cards
    plan = load_scenario("transformative").with_overrides({"organisation.people": 150})
    moved = set()
    for path in sorted(PRICES_ONLY):
        card = cards[path]
        lo, hi = (
            simulate(plan.config.with_overrides({path: v}), seed=2, steps=120).timeseries for v in (card.lo, card.hi)
        )
        differ = [c for c in lo.columns if not lo[c].equals(hi[c])]
        assert differ and all(is_cost_outcome(c) for c in differ), (path, differ)
        moved.update(differ)
    assert {"cost_accessibility", "cost_training", "cost_rework", "cost_turnover", "absence_cost"} <= moved


def test_prices_are_ranked_for_cost_and_payback_only():
    # A price that goes with a non-cost difference by chance (here: by construction) is not named
    # for it, and the bar there is set by the settings that can move it; for cost it is ranked.
    x = fake_draws(6).rename(columns={"p03": "accessibility.upkeep_share", "p04": "costs.rework"})
    y = 3.0 * x["accessibility.upkeep_share"].to_numpy()
    draws_table = pd.concat([pd.DataFrame({"draw": range(1, N + 1), "seed": range(N)}), x], axis=1)
    runs = pd.concat(
        [
            pd.DataFrame({"scenario": "a", "draw": range(1, N + 1), "fit_mean": 0.0, "cost_per_year": 0.0}),
            pd.DataFrame({"scenario": "b", "draw": range(1, N + 1), "fit_mean": y, "cost_per_year": y}),
        ]
    )
    weeks = {"a": [0] * N, "b": [None] * N}
    d = table_drivers(["a", "b"], runs, weeks, 52, draws_table, {}, ["fit_mean", "cost_per_year"])
    fit = d[d.outcome == "fit_mean"]
    assert not {"accessibility.upkeep_share", "costs.rework"} & set(fit.parameter)
    assert len(fit) == D - 2 + 1  # every other parameter, and the chance row
    cost = d[(d.outcome == "cost_per_year") & (d.parameter != CHANCE)]
    assert cost.iloc[0]["parameter"] == "accessibility.upkeep_share" and bool(cost.iloc[0]["beats_chance"])
