"""From an analysis panel (DataFrame) to the arrays of the threshold model.

The bootstrap resamples whole entities' residual vectors, so every entity must be
observed in the same periods with every variable present. A gap either stops with an
error naming the entity and period, or (``missing="drop_entity"``) drops that entity
and logs it; nothing is filled in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from panelstudy.errors import require_columns, require_panel_keys, require_unique_rows
from panelstudy.threshold.settings import ThresholdSettings

__all__ = ["PanelArrays", "panel_arrays"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PanelArrays:
    """A balanced panel as arrays, rows ordered by entity then period.

    Attributes
    ----------
    entities, periods : ndarray
        Labels of the N entities and T periods; row ``i * T + t`` is entity i, period t.
    y : ndarray, shape (n,)
        Outcome, n = N * T.
    regime : ndarray, shape (n, kr)
        Regime regressors.
    controls : ndarray, shape (n, kc)
        Regressors with one slope in every regime.
    q : ndarray, shape (n,)
        Threshold variable.
    names : dict
        ``outcome``, ``regime`` (list), ``controls`` (list), ``threshold``, ``entity``,
        ``time``: the column names the arrays came from.
    dropped : tuple of str
        One line per entity dropped under ``missing="drop_entity"``, saying why.
    """

    entities: np.ndarray
    periods: np.ndarray
    y: np.ndarray
    regime: np.ndarray
    controls: np.ndarray
    q: np.ndarray
    names: dict
    dropped: tuple[str, ...] = ()

    @property
    def n_entities(self) -> int:
        return len(self.entities)

    @property
    def n_periods(self) -> int:
        return len(self.periods)

    @property
    def n_obs(self) -> int:
        return len(self.y)


def _gaps(frame: pd.DataFrame, entity: str, time: str, variables: list[str]) -> list[tuple]:
    """(entity, period, what) for every missing value and every absent period."""
    gaps = []
    values = frame[variables].apply(pd.to_numeric, errors="coerce")
    bad = ~np.isfinite(values.to_numpy(dtype=float))
    for row, column in zip(*np.nonzero(bad)):
        gaps.append((frame[entity].iat[row], frame[time].iat[row], variables[column]))
    periods = np.sort(frame[time].unique())
    # Rows are unique by entity and period, so only an entity with fewer rows than
    # periods lacks one; the others are not looked at one by one.
    rows = frame.groupby(entity, sort=True).size()
    for label in rows.index[rows < len(periods)]:
        seen = set(frame.loc[frame[entity] == label, time])
        gaps.extend((label, period, "no row") for period in periods if period not in seen)
    return gaps


def panel_arrays(
    frame: pd.DataFrame, entity: str, time: str, settings: ThresholdSettings
) -> PanelArrays:
    """Check the panel and turn it into arrays for the threshold model.

    Parameters
    ----------
    frame : DataFrame
        Long panel: one row per entity and period.
    entity, time : str
        Names of the entity and period columns.
    settings : ThresholdSettings
        Supplies the variables and the ``missing`` policy.

    Returns
    -------
    PanelArrays

    Raises
    ------
    MissingVariable
        A variable the model needs is not a column.
    ValueError
        Entity and time not usable as panel keys (swapped, index levels, a time column
        without integer periods); duplicate rows; a missing value or period under
        ``missing="error"``; fewer than two entities or periods left.
    """
    variables = list(
        dict.fromkeys(
            [settings.outcome, *settings.regime_regressors, *settings.controls,
             settings.threshold_variable]
        )
    )
    require_panel_keys(frame, entity, time, "the threshold model")
    require_columns([entity, time, *variables], frame.columns, "the threshold model")
    frame = frame[[entity, time, *variables]]
    require_unique_rows(frame, entity, time, "threshold model")

    gaps = _gaps(frame, entity, time, variables)
    dropped = []
    if gaps and settings.missing == "error":
        shown = "; ".join(
            f"{entity} {e!r} {time} {t}: {what if what == 'no row' else what + ' missing'}"
            for e, t, what in gaps[:5]
        )
        more = f" (and {len(gaps) - 5} more)" if len(gaps) > 5 else ""
        raise ValueError(
            f"threshold model needs a balanced panel with every value present, "
            f"because the bootstrap resamples whole {entity} series: {shown}{more}. "
            f"Fill the gaps upstream, or set threshold.missing: drop_entity to drop "
            f"each {entity} with a gap"
        )
    if gaps:
        by_entity: dict = {}
        for e, t, what in gaps:
            by_entity.setdefault(e, []).append(f"{t} {what if what == 'no row' else what}")
        for e, where in by_entity.items():
            line = f"dropped {entity} {e!r}: gaps at {', '.join(map(str, where))}"
            log.warning(line)
            dropped.append(line)
        frame = frame[~frame[entity].isin(list(by_entity))]

    frame = frame.sort_values([entity, time], kind="stable")
    entities = frame[entity].unique()
    periods = np.sort(frame[time].unique())
    if len(entities) < 2 or len(periods) < 2:
        raise ValueError(
            f"threshold model needs at least two {entity} values and two {time} values; "
            f"{len(entities)} and {len(periods)} are left"
        )

    def matrix(columns: list[str]) -> np.ndarray:
        return frame[columns].to_numpy(dtype=np.float64).reshape(len(frame), len(columns))

    return PanelArrays(
        entities=np.asarray(entities),
        periods=np.asarray(periods),
        y=frame[settings.outcome].to_numpy(dtype=np.float64),
        regime=matrix(list(settings.regime_regressors)),
        controls=matrix(list(settings.controls)),
        q=frame[settings.threshold_variable].to_numpy(dtype=np.float64),
        names={
            "outcome": settings.outcome,
            "regime": list(settings.regime_regressors),
            "controls": list(settings.controls),
            "threshold": settings.threshold_variable,
            "entity": entity,
            "time": time,
        },
        dropped=tuple(dropped),
    )
