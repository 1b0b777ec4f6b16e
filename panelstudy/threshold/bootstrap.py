"""Hansen's (1999) bootstrap of the threshold tests, in blocks of replications.

Test k is bootstrapped under its null, the model with the k-1 thresholds held fixed in
step k: regressors and q stay fixed, whole entities' residual vectors of the null model
are drawn with replacement, and y* = fitted + residual*. On each y* the search runs
again and gives F*_k. With ``earlier_thresholds="search"`` it is the estimator's own
sequence (``estimate_thresholds``) repeated on y*: thresholds 1..k-1 are searched in
sequence, after each step every earlier threshold is searched again given the others
(the refinement), the next step searches given the refined thresholds, and F*_k is the
step-k F of that search, i.e. F_k recomputed on y*. With ``"fixed"`` the k-1 earlier
thresholds are held at the estimator's refined values (the null model's) and only
threshold k is searched. A block of replications is searched at once by
``replication_search``, O(candidates) per replication and step.

Replication r of test k draws from ``SeedSequence([seed, k, r])`` alone. Replications
are computed in blocks whose composition depends only on the number of replications
and the size of the panel, never on shards or threads, so results are identical to the
last digit however the work is split.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from panelstudy.threshold.profile import ThresholdProblem
from panelstudy.threshold.replication_search import (
    BlockProfile,
    ResamplingNull,
    SortedPanel,
    ThresholdPart,
    add_threshold,
    base_profile,
    best_next,
    resampling_null,
    sorted_panel,
)
from panelstudy.threshold.search import ThresholdEstimates
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
# Bytes of earlier thresholds' parts kept for reuse across blocks and tests.
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

    Notes
    -----
    What adding a threshold to the fixed part needs (``ThresholdPart``) does not
    depend on y*; for every threshold that bootstrap samples choose as an earlier one
    it is kept (up to a memory bound) and shared by all blocks and threads. Each is
    computed alone, so sharing them changes no digit.
    """

    def __init__(
        self, problem: ThresholdProblem, estimates: ThresholdEstimates, seed: int
    ) -> None:
        self.problem = problem
        self.estimates = estimates
        self.seed = seed
        self._null: dict[int, ResamplingNull] = {}
        self._panel: SortedPanel | None = None
        self._parts: OrderedDict[int, ThresholdPart] = OrderedDict()
        self._lock = threading.Lock()
        part_bytes = 8 * len(problem.candidates) * (3 * problem.n_regime**2 + 1)
        self._kept_parts = max(4, _CACHE_BYTES // part_bytes)

    def sorted_panel(self) -> SortedPanel:
        """The panel's arrays in q order (built on first use)."""
        if self._panel is None:
            self._panel = sorted_panel(self.problem)
        return self._panel

    def null_model(self, test: int) -> ResamplingNull:
        """Test k's null model: the k-1 thresholds held fixed in step k."""
        if test not in self._null:
            fixed = self.problem.fixed_part(self.estimates.null_prefixes(test))
            resid = self.problem.residuals(fixed, self.problem.y)
            self._null[test] = resampling_null(self.problem, self.problem.y - resid, resid)
        return self._null[test]

    def threshold_parts(self, prefixes: np.ndarray) -> list[ThresholdPart]:
        """Each threshold added to the base fixed part (kept for reuse), in order."""
        distinct = np.unique(prefixes).tolist()
        with self._lock:
            found = {p: self._parts[p] for p in distinct if p in self._parts}
        for prefix in distinct:
            if prefix not in found:
                found[prefix] = ThresholdPart(self.problem, self.sorted_panel(), prefix)
        with self._lock:
            for prefix in distinct:
                self._parts[prefix] = found[prefix]
                self._parts.move_to_end(prefix)
            while len(self._parts) > self._kept_parts:
                self._parts.popitem(last=False)
        return [found[p] for p in np.asarray(prefixes).tolist()]

    def f_statistics(self, test: int, replications: Sequence[int]) -> np.ndarray:
        """F*_k of each replication, shape (B,).

        A replication whose search finds no admissible candidate at some step has no
        room for another threshold: its statistic is zero.
        """
        n_entities = self.problem.panel.n_entities
        draws = np.stack(
            [draw_entities(self.seed, test, r, n_entities) for r in replications]
        )
        null = self.null_model(test)
        profile = base_profile(self.problem, self.sorted_panel(), null, draws)
        earlier = np.empty((len(draws), 0), dtype=np.int64)
        if self.problem.settings.earlier_thresholds == "search":
            return self._search(profile, earlier, test, first_step=1)
        for prefix in sorted(self.estimates.null_prefixes(test)):
            profile, earlier = self._add(profile, earlier, np.full(len(draws), prefix))
        return self._search(profile, earlier, test, first_step=test)

    def _add(self, profile: BlockProfile, earlier: np.ndarray, prefixes: np.ndarray):
        """Profile and earlier thresholds with one more threshold per replication."""
        profile = add_threshold(self.problem, profile, self.threshold_parts(prefixes))
        return profile, np.sort(np.column_stack([earlier, prefixes]), axis=1)

    def _search(
        self, profile: BlockProfile, earlier: np.ndarray, test: int, first_step: int
    ) -> np.ndarray:
        """F*_k after searching steps ``first_step`` .. k in sequence.

        As in ``estimate_thresholds``, after each step k' < k every earlier threshold
        is searched again given all the others (refinement), and step k' + 1 searches
        given the refined thresholds. Refinement re-searches from the base profile
        with the other thresholds added; the profile with the refined thresholds is
        that profile with the refined one added, so step k' + 1 reuses it.
        """
        f_stats = np.zeros(len(earlier))
        searched = np.arange(len(earlier))
        base = profile
        for step in range(first_step, test + 1):
            ssr_alt, best = best_next(self.problem, profile, earlier, step)
            if step == test:
                df = self.problem.degrees_of_freedom(test)
                f_stats[searched] = (profile.ssr_fixed - ssr_alt) / (ssr_alt / df)
                break
            room = np.flatnonzero(best >= 0)
            if len(room) == 0:
                break
            if len(room) < len(best):
                profile, best, earlier = profile.rows(room), best[room], earlier[room]
                base, searched = base.rows(room), searched[room]
            if earlier.shape[1] == 0:
                profile, earlier = self._add(profile, earlier, best)
                continue
            # Refinement, each earlier threshold in increasing order as the estimator
            # takes them.
            refined = np.sort(np.column_stack([earlier, best]), axis=1)
            for position in range(earlier.shape[1]):
                old = earlier[:, position]
                keep = refined != old[:, None]
                others = refined[keep].reshape(len(refined), -1)
                again, given = base, np.empty((len(others), 0), dtype=np.int64)
                for column in others.T:
                    again, given = self._add(again, given, column)
                _, new = best_next(self.problem, again, given, step)
                room = np.flatnonzero(new >= 0)
                if len(room) == 0:
                    return f_stats
                if len(room) < len(new):
                    again, given, new = again.rows(room), given[room], new[room]
                    base, searched = base.rows(room), searched[room]
                    refined, earlier = refined[room], earlier[room]
                profile, refined = self._add(again, given, new)
            earlier = refined
        return f_stats


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
    # Shared state is built before the threads start, not raced for inside them.
    bootstrap.sorted_panel()
    for test in plan.tests:
        bootstrap.null_model(test)
    started = time.perf_counter()
    total = sum(len(block) for _, block in tasks)
    done = 0
    f_stats = []
    runner = Parallel(n_jobs=threads, prefer="threads", return_as="generator")
    results = runner(delayed(bootstrap.f_statistics)(test, block) for test, block in tasks)
    for (test, block), block_f in zip(tasks, results):
        f_stats.append(block_f)
        done += len(block)
        if progress is not None:
            elapsed = time.perf_counter() - started
            progress.info(
                "shard %d: test %d replications %d-%d done; %d of %d in %.1f s",
                shard, test, block.start, block.stop - 1, done, total, elapsed,
            )
    return pd.DataFrame({
        "test": np.array([test for test, block in tasks for _ in block], dtype=np.int64),
        "replication": np.array([r for _, block in tasks for r in block], dtype=np.int64),
        "f_stat": np.concatenate([np.empty(0), *f_stats]),
    })
