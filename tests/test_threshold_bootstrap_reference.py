"""The fast bootstrap equals a slow reference that searches each y* on its own.

The reference builds each replication's y* from a least-squares null model and the
replication's own draw of entities, then runs the observed-data search on it. With
earlier thresholds searched, that is ``estimate_thresholds`` itself (refinement
included) on y*, and F*_k must be its step-k F, for every k. With earlier thresholds
fixed, it is ``search_next`` given the estimator's refined earlier thresholds.
"""

import copy

import numpy as np
import pandas as pd
import pytest

from panelstudy.threshold import (
    Bootstrap,
    ThresholdProblem,
    ThresholdSettings,
    admissible,
    estimate_thresholds,
    panel_arrays,
)
from panelstudy.threshold.bootstrap import draw_entities
from panelstudy.threshold.replication_search import (
    ThresholdPart,
    add_threshold,
    base_profile,
    best_next,
    sorted_panel,
    threshold_cross,
)
from panelstudy.threshold.search import candidate_mask, search_next

REPLICATIONS = 20
SEED = 11


def two_threshold_panel(seed: int = 4, entities: int = 40, periods: int = 6):
    """y = mu_i + x (1 + 0.8 1(q <= -0.4) - 0.6 1(q > 0.5)) + z + e; q has ties."""
    rng = np.random.default_rng(seed)
    n = entities * periods
    q, x, x2, z = rng.normal(size=(4, n))
    q = np.round(q, 1)
    slope = 1 + 0.8 * (q <= -0.4) - 0.6 * (q > 0.5)
    y = np.repeat(rng.normal(size=entities), periods) + slope * x + z + rng.normal(size=n)
    return pd.DataFrame({
        "id": np.repeat(np.arange(entities), periods),
        "t": np.tile(np.arange(periods), entities),
        "y": y, "x": 20 + x, "x2": x2, "z": z, "q": q,
    })


def fitted_problem(earlier: str, within: str, regime: tuple[str, ...]) -> ThresholdProblem:
    settings = ThresholdSettings(
        outcome="y", regime_regressors=regime, threshold_variable="q", controls=["z"],
        max_thresholds=3, trims=(0.05, 0.05, 0.05), within=within, year_effects=True,
        earlier_thresholds=earlier,
    )
    arrays = panel_arrays(two_threshold_panel(), "id", "t", settings)
    return ThresholdProblem(arrays, settings)


def least_squares_null(problem: ThresholdProblem, prefixes):
    """Fitted values and residuals of the null model, by a direct regression."""
    blocks = [problem.transform.apply(problem.regime_block(p)) for p in prefixes]
    design = np.hstack([problem.base, *blocks])
    beta, *_ = np.linalg.lstsq(design, problem.y, rcond=None)
    return design @ beta, problem.y - design @ beta


def reference_f(problem: ThresholdProblem, estimates, test: int, replication: int) -> float:
    """F*_k of one replication, searched alone on its own y*."""
    fitted, resid = least_squares_null(problem, estimates.null_prefixes(test))
    n_entities = problem.panel.n_entities
    draws = draw_entities(SEED, test, replication, n_entities)
    sample = copy.copy(problem)
    sample.y = fitted + resid.reshape(n_entities, -1)[draws].ravel()
    df = problem.degrees_of_freedom(test)

    if problem.settings.earlier_thresholds == "search":
        return estimate_thresholds(sample).step(test).f_stat
    earlier = estimates.null_prefixes(test)
    _, ssr, ssr_null = search_next(sample, earlier, test)
    return float((ssr_null - ssr.min()) / (ssr.min() / df))


CASES = [
    ("search", "full", ("x",)),
    ("search", "drop_period", ("x",)),
    ("search", "full", ("x", "x2")),
    ("fixed", "full", ("x",)),
    ("fixed", "drop_period", ("x", "x2")),
]


@pytest.mark.parametrize("earlier, within, regime", CASES)
def test_every_replication_equals_its_own_search(earlier, within, regime):
    problem = fitted_problem(earlier, within, regime)
    estimates = estimate_thresholds(problem)
    bootstrap = Bootstrap(problem, estimates, SEED)
    for test in (1, 2, 3):
        fast = bootstrap.f_statistics(test, range(REPLICATIONS))
        reference = [reference_f(problem, estimates, test, r) for r in range(REPLICATIONS)]
        np.testing.assert_allclose(fast, reference, rtol=1e-9, atol=0)


@pytest.mark.parametrize("within", ["full", "drop_period"])
def test_threshold_cross_equals_direct_products(within):
    """K = C_g'M C_e at every candidate g, against the transformed blocks themselves."""
    problem = fitted_problem("search", within, ("x", "x2"))
    panel = sorted_panel(problem)
    basis = problem.fixed_part(()).basis

    def transformed_block(prefix):
        return problem.transform.apply(problem.regime_block(prefix))

    for prefix in problem.candidates.prefixes[[3, len(problem.candidates) // 2, -4]]:
        cross = threshold_cross(problem, panel, int(prefix))
        block = transformed_block(prefix)
        residual_block = block - basis @ (basis.T @ block)
        for g, candidate in enumerate(problem.candidates.prefixes):
            direct = transformed_block(candidate).T @ residual_block
            np.testing.assert_allclose(
                cross[g], direct, rtol=1e-9, atol=1e-9 * np.abs(direct).max()
            )


def test_admissible_for_many_replications_equals_one_at_a_time():
    problem = fitted_problem("search", "full", ("x",))
    rng = np.random.default_rng(0)
    for k in (0, 1, 2):
        earlier = rng.choice(problem.candidates.prefixes, size=(30, k))
        together = admissible(problem.candidates, earlier, problem.n_obs, 0.05, 0.1)
        for row, thresholds in zip(together, earlier):
            alone = admissible(
                problem.candidates, list(thresholds), problem.n_obs, 0.05, 0.1
            )
            np.testing.assert_array_equal(row, alone)



@pytest.mark.parametrize("regime", [("x",), ("x", "x2")])
def test_outcomes_sharing_a_threshold_equal_their_own_fixed_parts(regime):
    """A shared first threshold and differing second ones, against direct fixed parts."""
    problem = fitted_problem("search", "full", regime)
    estimates = estimate_thresholds(problem)
    panel = sorted_panel(problem)
    count, prefixes = 6, problem.candidates.prefixes
    n_entities = problem.panel.n_entities
    draws = np.stack([draw_entities(SEED, 3, r, n_entities) for r in range(count)])
    fitted, resid = least_squares_null(problem, estimates.null_prefixes(3))
    null = Bootstrap(problem, estimates, SEED).null_model(3)
    first = int(prefixes[len(prefixes) // 4])
    seconds = [int(prefixes[len(prefixes) // 2 + 2 * r]) for r in range(count)]

    def searched(shared_first: bool):
        base = base_profile(problem, panel, null, draws)
        firsts = [ThresholdPart(problem, panel, first)] * count
        if not shared_first:
            firsts = [ThresholdPart(problem, panel, first) for _ in range(count)]
        profile = add_threshold(problem, base, firsts)
        profile = add_threshold(
            problem, profile, [ThresholdPart(problem, panel, p) for p in seconds]
        )
        earlier = np.sort(np.column_stack([np.full(count, first), seconds]), axis=1)
        return profile.ssr_fixed, *best_next(problem, profile, earlier, 3)

    ssr_fixed, ssr, best = searched(shared_first=True)
    for r in range(count):
        outcome = fitted + resid.reshape(n_entities, -1)[draws[r]].ravel()
        fixed = problem.fixed_part([first, seconds[r]])
        direct_fixed, direct = problem.ssr(fixed, outcome)
        direct = np.where(candidate_mask(problem, fixed, 3), direct[:, 0], np.inf)
        assert ssr_fixed[r] == pytest.approx(direct_fixed[0], rel=1e-9)
        assert ssr[r] == pytest.approx(direct.min(), rel=1e-9)
        assert best[r] == prefixes[np.argmin(direct)]
    for alone, together in zip(searched(shared_first=False), (ssr_fixed, ssr, best)):
        np.testing.assert_allclose(alone, together, rtol=1e-12)


def test_replications_without_room_for_another_threshold_have_zero_statistic():
    """Wide trims leave no admissible second threshold after some first thresholds."""
    settings = ThresholdSettings(
        outcome="y", regime_regressors=("x",), threshold_variable="q", controls=["z"],
        max_thresholds=2, trims=(0.3, 0.3), year_effects=True,
    )
    frame = two_threshold_panel(seed=4, entities=60)
    problem = ThresholdProblem(panel_arrays(frame, "id", "t", settings), settings)
    estimates = estimate_thresholds(problem)
    fast = Bootstrap(problem, estimates, SEED).f_statistics(2, range(REPLICATIONS))
    reference = []
    for r in range(REPLICATIONS):
        try:
            reference.append(reference_f(problem, estimates, 2, r))
        except ValueError:  # the observed-data search refuses when there is no room
            reference.append(0.0)
    np.testing.assert_allclose(fast, reference, rtol=1e-9, atol=0)
    assert (fast == 0).any() and (fast > 0).any()
