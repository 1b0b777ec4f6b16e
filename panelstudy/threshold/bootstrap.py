"""Hansen's (1999) bootstrap of the threshold tests, in blocks of replications.

Test k is bootstrapped under its null, the model with the k-1 thresholds held fixed in
step k: regressors and q stay fixed, whole entities' residual vectors of the null model
are drawn with replacement, and y* = fitted + residual*. On each y* the search runs
again (``earlier_thresholds="search"``: thresholds 1..k-1 re-estimated in sequence, as
in Hansen's code; ``"fixed"``: held at their estimates) and gives F*_k.

Replication r of test k draws from ``SeedSequence([seed, k, r])`` alone. Replications
are computed in blocks whose composition depends only on the number of replications
and the size of the panel, never on shards or threads, so results are identical to the
last digit however the work is split.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Sequence

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from panelstudy.threshold.profile import FixedPart, ThresholdProblem
from panelstudy.threshold.search import ThresholdEstimates, candidate_mask
from panelstudy.threshold.settings import BootstrapPlan

__all__ = [
    "draw_entities",
    "block_size",
    "replication_blocks",
    "shard_blocks",
    "Bootstrap",
    "run_shard",
]

log = logging.getLogger(__name__)

# Elements of the largest (observations x regime regressors x replications) array a
# block may hold; bounds memory at a few hundred MB whatever the panel's size.
_BLOCK_ELEMENTS = 2**22
_MAX_BLOCK = 32
_CACHE_BYTES = 2**28


def draw_entities(seed: int, test: int, replication: int, n_entities: int) -> np.ndarray:
    """Entities drawn with replacement for one replication, shape (N,)."""
    generator = np.random.default_rng(np.random.SeedSequence([seed, test, replication]))
    return generator.integers(0, n_entities, size=n_entities)


def block_size(n_obs: int, n_regime: int, replications: int) -> int:
    """Replications per block: at most a 16th of them (so shards and threads have
    blocks to share), at most what fits the memory bound, 1 to 32."""
    fits = _BLOCK_ELEMENTS // (n_obs * n_regime)
    return int(np.clip(min(fits, -(-replications // 16)), 1, _MAX_BLOCK))


def replication_blocks(replications: int, size: int) -> list[range]:
    """Consecutive blocks of replication numbers 0 .. replications-1."""
    return [range(s, min(s + size, replications)) for s in range(0, replications, size)]


def shard_blocks(replications: int, shards: int, shard: int, size: int) -> list[range]:
    """The blocks of one shard: the blocks split into ``shards`` consecutive runs."""
    if not 0 <= shard < shards:
        raise ValueError(f"shard {shard} does not exist; shards are 0 .. {shards - 1}")
    blocks = replication_blocks(replications, size)
    bounds = np.linspace(0, len(blocks), shards + 1).round().astype(int)
    return blocks[bounds[shard] : bounds[shard + 1]]


class Bootstrap:
    """Bootstrap replications of the threshold tests of one estimated panel.

    Parameters
    ----------
    problem : ThresholdProblem
    estimates : ThresholdEstimates
        From ``estimate_thresholds(problem)``.
    seed : int
    """

    def __init__(
        self, problem: ThresholdProblem, estimates: ThresholdEstimates, seed: int
    ) -> None:
        self.problem = problem
        self.estimates = estimates
        self.seed = seed
        self._null: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        # Bootstrap samples re-estimate earlier thresholds at many values; keep the recent
        # factorisations up to a memory bound (any other is recomputed in O(n)).
        part_bytes = 8 * (problem.transform.rows * (problem.base.shape[1] + 3 * problem.n_regime)
                          + len(problem.candidates) * problem.n_regime**2)
        kept = int(np.clip(_CACHE_BYTES // part_bytes, 4, 512))
        self._fixed_part = functools.lru_cache(maxsize=kept)(problem.fixed_part)

    def fixed_part(self, earlier: Sequence[int]) -> FixedPart:
        return self._fixed_part(tuple(sorted(int(p) for p in earlier)))

    def null_model(self, test: int) -> tuple[np.ndarray, np.ndarray]:
        """Fitted values (m,) and residuals by entity (N, rows per entity) of test k's null."""
        if test not in self._null:
            fixed = self.fixed_part(self.estimates.null_prefixes(test))
            resid = self.problem.residuals(fixed, self.problem.y)
            by_entity = resid.reshape(self.problem.panel.n_entities, -1)
            self._null[test] = (self.problem.y - resid, by_entity)
        return self._null[test]

    def outcomes(self, test: int, replications: Sequence[int]) -> np.ndarray:
        """Bootstrap outcomes y*, one column per replication, shape (m, B)."""
        fitted, residuals = self.null_model(test)
        n_entities = residuals.shape[0]
        columns = [
            residuals[draw_entities(self.seed, test, r, n_entities)].ravel()
            for r in replications
        ]
        return fitted[:, None] + np.column_stack(columns)

    def _best(self, earlier: tuple[int, ...], step: int, outcomes: np.ndarray):
        """SSR without and with the best next threshold, and its lower-regime size."""
        fixed = self.fixed_part(earlier)
        allowed = candidate_mask(self.problem, fixed, step)
        ssr_fixed, ssr = self.problem.ssr(fixed, outcomes)
        if not allowed.any():
            # No room for another threshold: the statistic is zero.
            return ssr_fixed, ssr_fixed.copy(), np.full(len(ssr_fixed), -1)
        ssr = np.where(allowed[:, None], ssr, np.inf)
        best = np.argmin(ssr, axis=0)
        columns = np.arange(ssr.shape[1])
        return ssr_fixed, ssr[best, columns], self.problem.candidates.prefixes[best]

    def f_statistics(self, test: int, replications: Sequence[int]) -> np.ndarray:
        """F*_k of each replication, shape (B,)."""
        outcomes = self.outcomes(test, replications)
        count = outcomes.shape[1]
        if self.problem.settings.earlier_thresholds == "fixed":
            earlier = tuple(sorted(self.estimates.null_prefixes(test)))
            ssr_null, ssr_alt, _ = self._best(earlier, test, outcomes)
        else:
            current = [()] * count
            ssr_null, ssr_alt = np.empty(count), np.empty(count)
            for step in range(1, test + 1):
                groups: dict[tuple[int, ...], list[int]] = {}
                for column, earlier in enumerate(current):
                    groups.setdefault(earlier, []).append(column)
                for earlier, columns in groups.items():
                    null, alt, prefixes = self._best(earlier, step, outcomes[:, columns])
                    if step == test:
                        ssr_null[columns], ssr_alt[columns] = null, alt
                    for column, prefix in zip(columns, prefixes):
                        current[column] = tuple(sorted(earlier + (int(prefix),)))
        df = self.problem.degrees_of_freedom(test)
        return (ssr_null - ssr_alt) / (ssr_alt / df)


def run_shard(
    bootstrap: Bootstrap,
    plan: BootstrapPlan,
    shard: int,
    threads: int = 1,
    progress: logging.Logger | None = None,
) -> pd.DataFrame:
    """All replications of one shard, every test.

    Parameters
    ----------
    bootstrap : Bootstrap
    plan : BootstrapPlan
    shard : int
        0 .. plan.shards - 1.
    threads : int
        Blocks computed at once (joblib threads).
    progress : Logger, optional
        Receives one line per finished block.

    Returns
    -------
    DataFrame
        Columns ``test``, ``replication``, ``f_stat``; one row per replication.
    """
    problem = bootstrap.problem
    size = block_size(problem.n_obs, problem.n_regime, plan.replications)
    blocks = shard_blocks(plan.replications, plan.shards, shard, size)
    tasks = [(test, block) for test in plan.tests for block in blocks]
    for test in plan.tests:
        bootstrap.null_model(test)
        if problem.settings.earlier_thresholds == "fixed":
            bootstrap.fixed_part(bootstrap.estimates.null_prefixes(test))
    bootstrap.fixed_part(())
    started = time.perf_counter()
    total = sum(len(block) for _, block in tasks)
    done = 0
    frames = []
    runner = Parallel(n_jobs=threads, prefer="threads", return_as="generator")
    results = runner(delayed(bootstrap.f_statistics)(test, block) for test, block in tasks)
    for (test, block), f_stats in zip(tasks, results):
        frames.append(pd.DataFrame({"test": test, "replication": list(block), "f_stat": f_stats}))
        done += len(block)
        if progress is not None:
            elapsed = time.perf_counter() - started
            progress.info(
                "shard %d: test %d replications %d-%d done; %d of %d in %.1f s",
                shard, test, block.start, block.stop - 1, done, total, elapsed,
            )
    if not frames:
        return pd.DataFrame({"test": [], "replication": [], "f_stat": []}).astype(
            {"test": "int64", "replication": "int64", "f_stat": "float64"}
        )
    return pd.concat(frames, ignore_index=True)
