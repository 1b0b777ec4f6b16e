"""Simulated panels with a known threshold: consistency, interval coverage, test size."""

import numpy as np
import pandas as pd
import pytest

from panelstudy.threshold import (
    Bootstrap,
    BootstrapPlan,
    ThresholdProblem,
    ThresholdSettings,
    bootstrap_test,
    estimate_thresholds,
    panel_arrays,
)

GAMMA = 0.0
SETTINGS = ThresholdSettings(
    outcome="y", regime_regressors=["x"], threshold_variable="q", controls=["z"],
    max_thresholds=1, trims=(0.05,), year_effects=True,
)


def simulate(rng: np.random.Generator, entities: int, periods: int, delta: float):
    """y = mu_i + delta_t + x + delta * x 1(q <= 0) + 0.5 z + e, all standard normal."""
    n = entities * periods
    q, x, z = rng.normal(size=(3, n))
    effects = np.repeat(rng.normal(size=entities), periods) + np.tile(
        rng.normal(size=periods), entities)
    y = effects + x + delta * x * (q <= GAMMA) + 0.5 * z + rng.normal(size=n)
    return pd.DataFrame({
        "id": np.repeat(np.arange(entities), periods), "t": np.tile(np.arange(periods), entities),
        "y": y, "x": x, "z": z, "q": q,
    })


def first_step(frame: pd.DataFrame):
    problem = ThresholdProblem(panel_arrays(frame, "id", "t", SETTINGS), SETTINGS)
    return problem, estimate_thresholds(problem)


def test_estimate_is_consistent():
    rng = np.random.default_rng(11)
    errors = {}
    for entities in (40, 160, 640):
        errors[entities] = np.median([
            abs(first_step(simulate(rng, entities, 5, 1.0))[1].step(1).threshold - GAMMA)
            for _ in range(30)
        ])
    assert errors[40] > errors[160] > errors[640]
    assert errors[640] < 0.01


def test_interval_coverage_is_near_its_level():
    rng = np.random.default_rng(12)
    covered = []
    for _ in range(200):
        low, high = first_step(simulate(rng, 200, 5, 0.5))[1].step(1).ci
        covered.append(low <= GAMMA <= high)
    # Hansen's interval is asymptotically conservative for a fixed effect size.
    assert 0.90 <= np.mean(covered) <= 0.995


def test_bootstrap_test_has_size_near_nominal_and_power():
    rng = np.random.default_rng(13)
    p_null, p_alt = [], []
    plan = BootstrapPlan(replications=99, shards=1, seed=5, tests=(1,))
    for sample in range(80):
        for delta, store in ((0.0, p_null), (1.0, p_alt)):
            if delta and sample >= 20:
                continue
            problem, estimates = first_step(simulate(rng, 40, 5, delta))
            boot = Bootstrap(problem, estimates, plan.seed + sample).f_statistics(1, range(99))
            store.append(bootstrap_test(1, estimates.step(1).f_stat, boot).p_value)
    assert 0.02 <= np.mean(np.array(p_null) < 0.10) <= 0.20
    assert np.mean(np.array(p_alt) < 0.05) >= 0.9
