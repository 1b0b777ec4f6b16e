"""The within transformation W that removes entity effects, and its adjoint W'.

``full``: every period, demeaned by entity (W symmetric and idempotent).
``drop_period``: demeaned by entity, then each entity's last period dropped, as in
Hansen's (1999) code; W = S M_D with S the row selection.

The threshold search needs W' as well: for a raw regime column c and any transformed
vector v, (W c)'v = c'(W'v), which turns every cross product into a running sum of raw
values against W'v.
"""

from __future__ import annotations

import numpy as np

__all__ = ["WithinTransform"]


class WithinTransform:
    """Entity demeaning of a balanced panel, optionally dropping the last period.

    Parameters
    ----------
    n_entities, n_periods : int
        N and T; rows are ordered entity by entity, periods within.
    mode : {"full", "drop_period"}
    """

    def __init__(self, n_entities: int, n_periods: int, mode: str = "full") -> None:
        if mode not in ("full", "drop_period"):
            raise ValueError(f"within mode {mode!r}: choose 'full' or 'drop_period'")
        self.n_entities = n_entities
        self.n_periods = n_periods
        self.mode = mode
        self.kept_periods = n_periods - 1 if mode == "drop_period" else n_periods
        kept = np.ones(n_periods)
        if mode == "drop_period":
            kept[-1] = 0.0
        self.kept = np.tile(kept, n_entities)

    @property
    def rows(self) -> int:
        """Rows of a transformed vector: N * T, or N * (T - 1) when a period is dropped."""
        return self.n_entities * self.kept_periods

    def apply(self, values: np.ndarray) -> np.ndarray:
        """W times raw values, shape (n,) or (n, p) -> (rows,) or (rows, p)."""
        values = np.asarray(values, dtype=np.float64)
        tail = values.shape[1:]
        panel = values.reshape(self.n_entities, self.n_periods, *tail)
        demeaned = panel - panel.mean(axis=1, keepdims=True)
        demeaned = demeaned[:, : self.kept_periods]
        return demeaned.reshape(self.rows, *tail)

    def adjoint(self, values: np.ndarray) -> np.ndarray:
        """W' times transformed values, shape (rows,) or (rows, p) -> (n,) or (n, p)."""
        values = np.asarray(values, dtype=np.float64)
        tail = values.shape[1:]
        panel = values.reshape(self.n_entities, self.kept_periods, *tail)
        if self.mode == "drop_period":
            padding = np.zeros((self.n_entities, 1, *tail))
            panel = np.concatenate([panel, padding], axis=1)
        demeaned = panel - panel.sum(axis=1, keepdims=True) / self.n_periods
        return demeaned.reshape(self.n_entities * self.n_periods, *tail)

    def preimage(self, values: np.ndarray) -> np.ndarray:
        """Raw values whose transform is ``values``, shape (rows,) or (rows, p) -> (n, ...).

        ``values`` must be transformed (without a dropped period, entity means zero):
        they are their own preimage. With a dropped period, each entity's last period
        gets minus the sum of the others, so its mean is zero and W returns ``values``.
        Then for any transformed v, values'v = preimage'(W'v): a sum over raw rows.
        """
        values = np.asarray(values, dtype=np.float64)
        if self.mode == "full":
            return values
        tail = values.shape[1:]
        panel = values.reshape(self.n_entities, self.kept_periods, *tail)
        last = -panel.sum(axis=1, keepdims=True)
        return np.concatenate([panel, last], axis=1).reshape(-1, *tail)
