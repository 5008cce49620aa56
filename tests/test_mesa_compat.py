"""The model under whichever Mesa 3.x is installed: no deprecated use, batch_run rows, no leak.

Python 3.11 runs these on Mesa 3.3.x and Python 3.12 on the newest Mesa 3.x (.ci/py312).
"""

import gc
import inspect
import math
import random
import warnings
import weakref
from functools import partial

import mesa
import pytest

import coprod_sim.run as run_module
from coprod_sim.collector import ScalarDataCollector, metric_reporter
from coprod_sim.config import Config
from coprod_sim.model import OUTPUT_COLUMNS, CoProdModel
from coprod_sim.run import simulate, simulate_summary

DEPRECATIONS = (FutureWarning, DeprecationWarning, PendingDeprecationWarning)


def same(a, b) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


def test_model_uses_no_deprecated_mesa_api():
    with warnings.catch_warnings():
        for category in DEPRECATIONS:
            warnings.simplefilter("error", category)
        m = CoProdModel(seed=3, organisation_people=60)
        for _ in range(3):
            m.step()
        assert len(m.agents) == m.n == sum(len(s) for s in m.agents_by_type.values())
        assert m.agent_at(0) in m.agents
        assert len(m.datacollector.get_model_vars_dataframe()) == 4


def test_mesa_random_is_seeded_from_the_seed():
    # The model draws only from model.rng (the golden hashes pin it); model.random must still be
    # the stdlib generator of the same seed, as Mesa's seed= made it.
    m = CoProdModel(seed=11, organisation_people=40)
    assert m.seed == 11 and m.random.getstate() == random.Random(11).getstate()


def _batch_run_seeds_1_and_2(max_steps: int) -> list[dict]:
    params: dict = {"organisation_people": [60]}
    if "rng" in inspect.signature(mesa.batch_run).parameters:
        # Newer Mesa deprecates iterations= and sets the model's seed from rng=, overwriting a
        # "seed" swept as a parameter (with None, a fresh seed, when only iterations= is given).
        how: dict = {"rng": [1, 2]}
    else:
        params["seed"] = [1, 2]
        how = {"iterations": 1}
    with warnings.catch_warnings():
        for category in DEPRECATIONS:
            warnings.simplefilter("error", category)
        return mesa.batch_run(
            CoProdModel,
            params,
            max_steps=max_steps,
            number_processes=1,
            data_collection_period=1,
            display_progress=False,
            **how,
        )


def test_batch_run_returns_every_step_with_every_output():
    rows = _batch_run_seeds_1_and_2(max_steps=5)
    assert sorted(r["seed"] for r in rows) == [1] * 6 + [2] * 6
    for seed in (1, 2):
        mine = [r for r in rows if r["seed"] == seed]
        assert [r["Step"] for r in mine] == list(range(6))
        ref = CoProdModel(seed=seed, organisation_people=60)
        for _ in range(5):
            ref.step()
        for r in mine:
            for col in OUTPUT_COLUMNS:
                assert same(r[col], ref.datacollector.model_vars[col][int(r["Step"])]), (seed, r["Step"], col)


def test_collector_reads_metrics_and_leaves_the_rest_to_mesa():
    m = CoProdModel(seed=2, organisation_people=40)
    dc = ScalarDataCollector(
        model_reporters={
            "fit": partial(metric_reporter, name="fit"),
            "level": partial(metric_reporter, name="level"),
            "n": lambda mod: mod.n,
            "people": "n",  # Mesa's other forms: an attribute name, a function with arguments
            "half": [lambda mod, k: mod.n / k, [m, 2]],
        },
        agent_reporters={"wellbeing": "wellbeing"},
    )
    dc.collect(m)
    m.step()
    dc.collect(m)
    df = dc.get_model_vars_dataframe()
    assert list(df.columns) == ["fit", "level", "n", "people", "half"] and len(df) == 2
    assert df["n"].tolist() == df["people"].tolist() == [m.n, m.n] and df["half"].tolist() == [m.n / 2] * 2
    assert same(df["fit"].iloc[1], m.metrics["fit"]) and df["level"].iloc[1] == m.metrics["level"]
    agents = dc.get_agent_vars_dataframe()
    assert len(agents) == 2 * m.n and agents["wellbeing"].between(0, 1).all()


@pytest.mark.parametrize("run_fn", [simulate, simulate_summary], ids=["simulate", "simulate_summary"])
def test_a_finished_run_leaves_no_model_alive(monkeypatch, run_fn):
    # Sweeps run thousands of models in one process: nothing may hold a finished one.
    made: list[weakref.ref] = []

    class Tracked(CoProdModel):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            made.append(weakref.ref(self))

    monkeypatch.setattr(run_module, "CoProdModel", Tracked)
    run_fn(Config().with_overrides({"organisation.people": 40}), 1, 3)
    gc.collect()
    assert len(made) == 1
    assert made[0]() is None, "the finished model is still referenced"
