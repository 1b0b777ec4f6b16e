"""Candidate thresholds and the trimming rule that decides which are admissible.

A candidate is kept as the size P of the lower regime in the order of q (ties kept
together), so ``q <= g`` and ``q < g`` are the same partitions with different labels:
under ``<=`` the partition "the P smallest observations" is labelled by its largest q,
under ``<`` by the smallest q of the upper regime.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Candidates", "threshold_candidates", "admissible", "regime_minimum"]


@dataclass(frozen=True)
class Candidates:
    """Candidate thresholds.

    Attributes
    ----------
    values : ndarray, shape (c,)
        Threshold value of each candidate, increasing.
    prefixes : ndarray of int, shape (c,)
        Observations in the lower regime (the first ``prefix`` in q order), 1 .. n-1.
    """

    values: np.ndarray
    prefixes: np.ndarray

    def __len__(self) -> int:
        return len(self.values)

    def value_of(self, prefix: int) -> float:
        """Threshold value of the candidate with this lower-regime size."""
        position = np.searchsorted(self.prefixes, prefix)
        if position >= len(self.prefixes) or self.prefixes[position] != prefix:
            raise KeyError(f"no candidate leaves {prefix} observations in the lower regime")
        return float(self.values[position])


def regime_minimum(trim: float, n_obs: int) -> int:
    """Fewest observations a trimmed regime may hold: ceil(trim * n), at least 1."""
    return max(1, math.ceil(trim * n_obs - 1e-9))


def threshold_candidates(
    q_sorted: np.ndarray, search: str, grid: int, trim: float, lower_regime: str
) -> Candidates:
    """Every distinct value of q (``exact``) or Hansen's quantile grid (``grid``).

    Parameters
    ----------
    q_sorted : ndarray, shape (n,)
        Threshold variable in increasing order.
    search : {"exact", "grid"}
    grid : int
        Grid points per unit share: shares trim, trim + 1/grid, ..., 1 - trim of the
        sorted distinct values (Hansen's code; xthreg ports it).
    trim : float
        Trimming share of the first threshold, for the grid's ends.
    lower_regime : {"<=", "<"}

    Returns
    -------
    Candidates
        Without candidates that leave a regime empty.

    Raises
    ------
    ValueError
        q takes fewer than two distinct values.
    """
    distinct, first, counts = np.unique(q_sorted, return_index=True, return_counts=True)
    if len(distinct) < 2:
        raise ValueError(
            f"threshold variable takes {len(distinct)} distinct value(s); "
            "a threshold needs at least two"
        )
    if lower_regime == "<=":
        prefixes = first + counts
    else:
        prefixes = first.copy()
    keep = np.arange(len(distinct))
    if search == "grid":
        steps = math.floor(grid * (1 - 2 * trim) + 1e-10)
        shares = trim + np.arange(steps + 1) / grid
        keep = np.unique(np.clip(np.floor(shares * len(distinct)).astype(int) - 1, 0, None))
    values, prefixes = distinct[keep], prefixes[keep]
    nonempty = (prefixes > 0) & (prefixes < len(q_sorted))
    return Candidates(values=values[nonempty], prefixes=prefixes[nonempty].astype(np.int64))


def admissible(
    candidates: Candidates,
    earlier: Sequence[int] | np.ndarray,
    n_obs: int,
    trim_step: float,
    trim_first: float,
) -> np.ndarray:
    """Which candidates leave enough observations in the regimes they bound.

    A new threshold splits one regime in two. A piece bounded by an earlier threshold
    must hold ``ceil(trim_step * n)`` observations, a piece at either end of the range of
    q ``ceil(trim_first * n)`` (Hansen's code: ends trimmed by the first step's share,
    neighbourhoods of earlier thresholds by the current step's).

    Parameters
    ----------
    candidates : Candidates
    earlier : array_like of int, shape (k,) or (B, k)
        Lower-regime sizes of the earlier thresholds; one row per bootstrap replication
        when two-dimensional.
    n_obs : int
    trim_step, trim_first : float

    Returns
    -------
    ndarray of bool, shape (c,) or (B, c)
    """
    bounds = np.sort(np.asarray(earlier, dtype=np.int64), axis=-1)
    step_min = regime_minimum(trim_step, n_obs)
    end_min = regime_minimum(trim_first, n_obs)
    # The k earlier thresholds leave k + 1 regimes; in each, the admissible lower-regime
    # sizes form one interval, away from its bounds by the minimum on either side.
    ends = np.broadcast_to(np.array([0, n_obs]), (*bounds.shape[:-1], 2))
    below = np.concatenate([ends[..., :1], bounds], axis=-1)
    above = np.concatenate([bounds, ends[..., 1:]], axis=-1)
    need = np.full(bounds.shape[-1], step_min)
    low = below + np.concatenate([[end_min], need])
    high = above - np.concatenate([need, [end_min]])

    # Candidates are in increasing order, so each interval is a run of them and the mask
    # is False, True, False, ... repeated over the runs' lengths. An empty interval may
    # lie out of order; it becomes an empty run at the next run's start.
    prefixes = candidates.prefixes
    stops = np.searchsorted(prefixes, high, side="right")
    starts = np.minimum(np.searchsorted(prefixes, low, side="left"), stops)
    edges = np.stack([starts, stops], axis=-1).reshape(*low.shape[:-1], -1)
    edges = np.maximum.accumulate(edges, axis=-1)
    lengths = np.diff(edges, axis=-1, prepend=0, append=len(prefixes))
    runs = np.resize([False, True], lengths.shape[-1])
    mask = np.repeat(np.broadcast_to(runs, lengths.shape).ravel(), lengths.ravel())
    return mask.reshape(*bounds.shape[:-1], len(prefixes))
