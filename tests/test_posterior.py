"""The calibration posterior: emulators, ABC on a problem with a known answer, resume, the shipped draws.

The method (history matching, then ABC on emulators) is in coprod_sim/validation/abc.py; the
production run's posterior is shipped in coprod_sim/data/posterior.csv, and the defaults are its
medians (docs/validation.md, "The posterior").
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from coprod_sim.config import PARAMS, Config
from coprod_sim.sweep.design import Factor
from coprod_sim.validation.abc import AbcSettings, Target, estimate
from coprod_sim.validation.calibrate import calibrate, load_calibration, rounded
from coprod_sim.validation.emulator import fit_emulator
from coprod_sim.validation.patterns import load_patterns
from coprod_sim.validation.posterior import (
    POSTERIOR_FILE,
    file_hash,
    load_posterior,
    provenance,
    summary_table,
    tradeoffs,
)

PATTERNS = {p.id: p for p in load_patterns()}


# -- emulator --------------------------------------------------------------------------------------
def test_an_emulator_recovers_a_known_surface_and_its_noise():
    rng = np.random.default_rng(0)
    u = rng.random((120, 3))
    mean = 1.0 + 2.0 * u[:, 0] - u[:, 1] ** 2 + 0.5 * u[:, 0] * u[:, 2]
    sd = 0.05 + 0.1 * u[:, 2]  # the seed noise grows with the third parameter
    values = mean[:, None] + sd[:, None] * rng.standard_normal((120, 4))
    e = fit_emulator(u, values)
    assert e.r2 > 0.95
    test = rng.random((500, 3))
    truth = 1.0 + 2.0 * test[:, 0] - test[:, 1] ** 2 + 0.5 * test[:, 0] * test[:, 2]
    assert np.sqrt(np.mean((e.mean(test) - truth) ** 2)) < 0.03
    ratio = np.sqrt(e.seed_var(test)) / (0.05 + 0.1 * test[:, 2])
    assert 0.7 < np.median(ratio) < 1.4  # bias-corrected log variance: the noise, not less
    low, high = np.array([[0.5, 0.5, 0.05]]), np.array([[0.5, 0.5, 0.95]])
    assert e.seed_var(high)[0] > 3 * e.seed_var(low)[0]


def test_an_emulator_of_pure_noise_has_no_skill():
    rng = np.random.default_rng(1)
    e = fit_emulator(rng.random((60, 2)), rng.standard_normal((60, 2)))
    assert e.r2 < 0.3 and e.error_var > 0


# -- ABC on a fake simulator with a known answer ---------------------------------------------------
TRUTH = np.array([3.0, 0.6, 0.01])
LO, HI = np.array([0.0, 0.0, 0.0]), np.array([10.0, 1.0, 0.05])


def _fake(x: np.ndarray) -> np.ndarray:
    return np.stack([x[:, 0] ** 2 / 10 + x[:, 1], np.exp(x[:, 1]) + 5 * x[:, 2], 10 * x[:, 0] * x[:, 2]])


def _simulate(k: int, x: np.ndarray) -> np.ndarray:
    m = _fake(x)
    return m[:, :, None] + np.random.default_rng(k).normal(0, 0.05, (*m.shape, 3))


def _targets(truth: np.ndarray = TRUTH) -> list[Target]:
    return [Target(f"t{i}", float(g), 0.03, 10) for i, g in enumerate(_fake(truth[None])[:, 0])]


SETTINGS = AbcSettings(samples=40, waves=3, replicates=3, cutoff=3.0, particles=2000, draws=500, seed=1)


@pytest.mark.parametrize("truth", [TRUTH, np.array([7.0, 0.2, 0.03])])
def test_abc_on_emulators_covers_a_known_truth_and_narrows_the_prior(truth):
    post = estimate(_simulate, LO, HI, _targets(truth), SETTINGS)
    assert post.ess >= SETTINGS.particles and post.draws.shape == (500, 3) and post.runs == 3 * 40 * 3
    q05, q95 = np.quantile(post.draws, [0.05, 0.95], axis=0)
    assert np.all((q05 <= truth) & (truth <= q95)), (q05, q95)
    assert np.all((q95 - q05) < 0.5 * 0.9 * (HI - LO))  # every parameter is identified here
    assert np.all((post.draws >= LO) & (post.draws <= HI))


def test_the_abc_step_itself_narrows_the_prior_without_history_matching():
    """One wave rules nothing out before it: what narrows the prior here is the ABC likelihood alone."""
    s = dataclasses.replace(SETTINGS, waves=1, samples=60)
    post = estimate(_simulate, LO, HI, _targets(), s)
    q05, q95 = np.quantile(post.draws, [0.05, 0.95], axis=0)
    assert np.all((q05 <= TRUTH) & (q95 >= TRUTH)), (q05, q95)
    assert np.all((q95 - q05) < 0.5 * 0.9 * (HI - LO))


def test_abc_with_a_target_the_prior_cannot_reach_says_so():
    targets = [dataclasses.replace(t, goal=100.0) for t in _targets()]
    with pytest.raises(ValueError, match=r"ruled out|cannot"):
        estimate(_simulate, LO, HI, targets, dataclasses.replace(SETTINGS, waves=2))


def test_abc_repeats_from_its_seed_and_moves_with_it():
    a = estimate(_simulate, LO, HI, _targets(), SETTINGS)
    b = estimate(_simulate, LO, HI, _targets(), SETTINGS)
    c = estimate(_simulate, LO, HI, _targets(), dataclasses.replace(SETTINGS, seed=2))
    assert np.array_equal(a.draws, b.draws)
    assert not np.array_equal(a.draws, c.draws)


def test_tradeoffs_name_correlated_pairs_only():
    rng = np.random.default_rng(3)
    x = rng.random(500)
    df = pd.DataFrame({"a": x, "b": 1 - x + 0.1 * rng.random(500), "c": rng.random(500)})
    assert [(a, b) for a, b, _ in tradeoffs(df)] == [("a", "b")]
    table = summary_table(df, {"a": (0, 1), "b": (0, 2), "c": (0, 1)})
    assert table.loc[table["parameter"] == "b", "narrowing"].item() < 0.7


# -- the model: resume -----------------------------------------------------------------------------
def _small():
    return dataclasses.replace(
        load_calibration(),
        parameters=(Factor("training.effect", low=0.01, high=0.08),),
        targets=(PATTERNS["training_g"],),
        samples=6,
        waves=2,
        replicates=1,
        particles=200,
        draws=30,
        confirm_draws=2,
        confirm_replicates=1,
    )


class _StopError(Exception):
    pass


@pytest.mark.parametrize("at", ["wave 2/2", "confirming"])
def test_an_interrupted_calibration_resumes_to_the_same_posterior(tmp_path, at):
    spec = _small()
    calibrate(tmp_path / "whole", spec)

    def stop(message: str) -> None:
        if message.startswith(at):
            raise _StopError

    with pytest.raises(_StopError):
        calibrate(tmp_path / "cut", spec, progress=stop)
    assert not (tmp_path / "cut" / "posterior.csv").exists()
    calibrate(tmp_path / "cut", spec, resume=True)
    for name in ("points.csv", "posterior.csv", "confirmed.csv"):
        assert (tmp_path / "whole" / name).read_bytes() == (tmp_path / "cut" / name).read_bytes()


# -- the shipped posterior -------------------------------------------------------------------------
def test_the_shipped_posterior_is_of_the_current_calibration_file():
    spec = load_calibration()
    draws = load_posterior()
    prov = provenance()
    assert prov["calibration_sha256"] == file_hash(spec.path), "re-run coprod-sim calibrate and ship its draws"
    assert len(draws) >= 500 and list(draws.columns) == [f.path for f in spec.parameters]
    for f in spec.parameters:
        assert draws[f.path].between(f.low, f.high).all()
    assert prov["draws"] == len(draws) and prov["model_runs"] > 0 and prov["seed"] == spec.seed
    assert {e["target"] for e in prov["emulators"]} == {p.id for p in spec.targets}
    assert POSTERIOR_FILE.with_suffix(".json").is_file()


def test_defaults_are_the_shipped_posterior_medians():
    draws = load_posterior()
    defaults = Config()
    for path in draws.columns:
        section, key = path.split(".")
        median = rounded(float(np.median(draws[path])), PARAMS[path].type)
        assert getattr(getattr(defaults, section), key) == median, path
