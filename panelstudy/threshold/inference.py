"""Bootstrap p-values and critical values, and the choice of the regime model.

p = share of replications with F* >= F. The critical value at level a is the
ceil((1 - a) * B)-th smallest F*, the order statistic Hansen's code reports.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from panelstudy.threshold.bootstrap import Bootstrap, run_shard
from panelstudy.threshold.search import ThresholdEstimates
from panelstudy.threshold.settings import BootstrapPlan

__all__ = [
    "TestResult",
    "bootstrap_test",
    "merge_replications",
    "model_size",
    "test_results",
    "bootstrap_tests",
]


@dataclass(frozen=True)
class TestResult:
    """Bootstrap test of one more threshold.

    Attributes
    ----------
    test : int
        1 (none vs one), 2 (one vs two), 3 (two vs three).
    f_stat, p_value, crit10, crit5, crit1 : float
    replications : int
    """

    test: int
    f_stat: float
    p_value: float
    crit10: float
    crit5: float
    crit1: float
    replications: int


def _order_statistic(values: np.ndarray, share: float) -> float:
    ordered = np.sort(values)
    return float(ordered[max(math.ceil(share * len(ordered) - 1e-9), 1) - 1])


def bootstrap_test(test: int, f_stat: float, f_boot: np.ndarray) -> TestResult:
    """p-value and 10/5/1% critical values of one test from its bootstrap F*."""
    f_boot = np.asarray(f_boot, dtype=float)
    return TestResult(
        test=test,
        f_stat=float(f_stat),
        p_value=float(np.mean(f_boot >= f_stat)),
        crit10=_order_statistic(f_boot, 0.90),
        crit5=_order_statistic(f_boot, 0.95),
        crit1=_order_statistic(f_boot, 0.99),
        replications=len(f_boot),
    )


def merge_replications(shards: Iterable[pd.DataFrame], plan: BootstrapPlan) -> pd.DataFrame:
    """Concatenate shard outputs and check every replication of every test is there once.

    Raises
    ------
    ValueError
        A replication is missing or duplicated (shards from different plans mixed).
    """
    merged = pd.concat(list(shards), ignore_index=True).sort_values(
        ["test", "replication"], ignore_index=True
    )
    expected = pd.MultiIndex.from_product(
        [list(plan.tests), range(plan.replications)], names=["test", "replication"]
    )
    found = pd.MultiIndex.from_frame(merged[["test", "replication"]].astype("int64"))
    if found.has_duplicates or not found.equals(expected):
        missing = expected.difference(found)
        raise ValueError(
            f"bootstrap shards do not add up to {plan.replications} replications of tests "
            f"{list(plan.tests)}: {len(missing)} missing (e.g. {list(missing[:3])}), "
            f"{int(found.duplicated().sum())} duplicated; rerun the shards of one plan"
        )
    return merged


def model_size(
    tests: dict[int, TestResult], choice: int | str, significance: float
) -> int:
    """Thresholds of the regime model: ``choice``, or for ``auto`` the largest k whose
    tests 1..k are all significant (at least 1, so a model is always reported)."""
    if choice != "auto":
        return int(choice)
    size = 0
    for k in sorted(tests):
        if tests[k].p_value >= significance:
            break
        size = k
    return max(size, 1)


def test_results(
    estimates: ThresholdEstimates, replications: pd.DataFrame
) -> dict[int, TestResult]:
    """Every test's result from the merged replications."""
    return {
        int(test): bootstrap_test(
            int(test), estimates.step(int(test)).f_stat, group["f_stat"].to_numpy()
        )
        for test, group in replications.groupby("test")
    }



def bootstrap_tests(
    bootstrap: Bootstrap, plan: BootstrapPlan, threads: int = 1
) -> dict[int, TestResult]:
    """Every shard of ``plan`` in this process, merged into test results.

    The workflow runs shards as separate jobs; this is the same computation in one call,
    for scripts, benchmarks and tests.
    """
    shards = [run_shard(bootstrap, plan, shard, threads) for shard in range(plan.shards)]
    return test_results(bootstrap.estimates, merge_replications(shards, plan))
