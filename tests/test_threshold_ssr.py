"""The running-sum SSR equals a brute-force regression at every candidate."""

import itertools

import numpy as np
import pandas as pd
import pytest

from panelstudy.threshold import ThresholdProblem, ThresholdSettings, panel_arrays
from panelstudy.threshold.search import estimate_thresholds


def small_panel(seed: int, entities: int = 9, periods: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = entities * periods
    frame = pd.DataFrame(
        {"id": np.repeat(np.arange(entities), periods), "t": np.tile(np.arange(periods), entities)}
    )
    # Large means and rounded q (ties) make the running sums work hard.
    frame["x1"] = rng.normal(50.0, 2.0, n)
    frame["x2"] = rng.normal(size=n)
    frame["z"] = rng.normal(size=n) + 0.1 * frame["t"]
    frame["q"] = np.round(rng.uniform(0, 1, n), 1)
    frame["y"] = 0.3 * frame["x1"] * (frame["q"] <= 0.4) + frame["z"] + rng.normal(size=n)
    return frame


def brute_force_design(problem: ThresholdProblem, prefixes) -> np.ndarray:
    """Fixed part plus the regime block of each threshold, built and transformed directly."""
    blocks = [problem.transform.apply(problem.regime_block(p)) for p in prefixes]
    return np.hstack([problem.base, *blocks])


def brute_force_ssr(problem: ThresholdProblem, prefixes) -> float:
    """SSR of the least-squares fit on that design."""
    design = brute_force_design(problem, prefixes)
    beta, *_ = np.linalg.lstsq(design, problem.y, rcond=None)
    resid = problem.y - design @ beta
    return float(resid @ resid)


CASES = list(
    itertools.product(
        [("x1",), ("x1", "x2")], ["full", "drop_period"], [False, True], ["<=", "<"],
        ["exact", "grid"],
    )
)


@pytest.mark.parametrize("regime, within, year_effects, lower, search", CASES)
def test_ssr_equals_brute_force_at_every_candidate(regime, within, year_effects, lower, search):
    settings = ThresholdSettings(
        outcome="y", regime_regressors=regime, threshold_variable="q", controls=["z"],
        within=within, year_effects=year_effects, lower_regime=lower, search=search, grid=8,
    )
    problem = ThresholdProblem(panel_arrays(small_panel(len(regime)), "id", "t", settings), settings)
    prefixes = problem.candidates.prefixes
    for earlier in [(), (int(prefixes[len(prefixes) // 2]),)]:
        fixed = problem.fixed_part(earlier)
        ssr_fixed, ssr = problem.ssr(fixed, problem.y)
        assert ssr_fixed[0] == pytest.approx(brute_force_ssr(problem, earlier), rel=1e-9)
        checked = 0
        for column, prefix in enumerate(prefixes):
            design = brute_force_design(problem, (*earlier, prefix))
            full_rank = np.linalg.matrix_rank(design) == design.shape[1]
            assert fixed.usable[column] == full_rank
            if full_rank:
                direct = brute_force_ssr(problem, (*earlier, prefix))
                assert ssr[column, 0] == pytest.approx(direct, rel=1e-9)
                checked += 1
        assert checked >= len(prefixes) - 2


def test_bootstrap_columns_equal_one_at_a_time():
    """Many outcomes at once give the SSR of each outcome searched alone."""
    settings = ThresholdSettings(outcome="y", regime_regressors=["x1"], threshold_variable="q",
                                 controls=["z"])
    problem = ThresholdProblem(panel_arrays(small_panel(3), "id", "t", settings), settings)
    fixed = problem.fixed_part(())
    outcomes = np.random.default_rng(0).normal(size=(len(problem.y), 4))
    _, together = problem.ssr(fixed, outcomes)
    for column in range(4):
        _, alone = problem.ssr(fixed, outcomes[:, column])
        np.testing.assert_allclose(together[:, column], alone[:, 0], rtol=1e-12)


def test_sequential_search_finds_the_brute_force_minimum():
    """Steps 1 and 2 pick the candidate of least brute-force SSR given earlier ones."""
    settings = ThresholdSettings(outcome="y", regime_regressors=["x1"], threshold_variable="q",
                                 controls=["z"], max_thresholds=2, trims=(0.05, 0.05))
    problem = ThresholdProblem(panel_arrays(small_panel(5), "id", "t", settings), settings)
    estimates = estimate_thresholds(problem)
    for step in estimates.steps:
        earlier = step.earlier
        admissible_prefixes = [
            p for p in problem.candidates.prefixes
            if all(abs(p - e) >= 3 for e in earlier) and 3 <= p <= problem.n_obs - 3
        ]
        best = min(admissible_prefixes, key=lambda p: brute_force_ssr(problem, (*earlier, p)))
        assert step.prefix == best
        assert step.ssr == pytest.approx(brute_force_ssr(problem, (*earlier, best)), rel=1e-9)
