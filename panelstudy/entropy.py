"""Panel entropy weights (熵值法) and the composite index they define.

The method pools all r = N x T province-years (never year by year):

1. z = (x - min) / (max - min) for a positive indicator, (max - x) / (max - min) for a
   negative (cost) one, min and max over the whole panel; then z + shift.
2. p = z / sum of z over the r rows.
3. e = -k * sum(p ln p), k = 1 / ln(r), with 0 ln 0 = 0.
4. d = 1 - e, w = d / sum(d).
5. score = sum of w z, with the shifted z (so every score carries + shift, since the
   weights sum to 1).

A sub-index per dimension repeats the steps on that dimension's indicators alone. An
indicator with max = min carries no information: its z is 0, its entropy is set to 1
(the entropy of a uniform distribution), so its weight is 0, and a warning names it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from panelstudy.errors import require_columns, require_panel_keys, require_unique_rows

__all__ = [
    "DEFAULT_SHIFT",
    "DIRECTIONS",
    "EntropyIndex",
    "Indicator",
    "entropy_index",
    "entropy_weights",
    "min_max_scores",
    "parse_indicators",
]

logger = logging.getLogger(__name__)

DEFAULT_SHIFT = 0.0001
DIRECTIONS = ("positive", "negative")

# Entropies of columns that are nearly uniform can exceed 1 by rounding error only.
_ENTROPY_ROUNDING = 1e-12


@dataclass(frozen=True)
class Indicator:
    """One indicator of the index.

    Parameters
    ----------
    name : str
        Column of the panel.
    dimension : str
        Dimension (sub-index) it belongs to; also the name of the sub-index column.
    direction : {"positive", "negative"}
        ``positive`` when more is better, ``negative`` for a cost indicator.
    """

    name: str
    dimension: str
    direction: str = "positive"

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise ValueError(
                f"indicator {self.name!r} has direction {self.direction!r}; "
                f"allowed: {', '.join(DIRECTIONS)}"
            )


@dataclass(frozen=True)
class EntropyIndex:
    """The index and its weights.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per province-year of the input: entity, time, the overall index and one
        column per dimension (in order of first appearance).
    weights : pandas.DataFrame
        One row per indicator: ``indicator, dimension, direction, entropy, divergence,
        weight, weight_within_dimension, constant``.
    """

    scores: pd.DataFrame
    weights: pd.DataFrame


def parse_indicators(
    config: Sequence[Mapping[str, str] | Indicator],
) -> list[Indicator]:
    """Turn config entries ``{name, dimension, direction}`` into indicators.

    Raises
    ------
    ValueError
        If an entry lacks ``name`` or ``dimension``, has an unknown key, or an
        indicator is listed twice.
    """
    allowed = {"name", "dimension", "direction"}
    indicators = []
    for position, entry in enumerate(config, start=1):
        if isinstance(entry, Indicator):
            indicators.append(entry)
            continue
        unknown = sorted(set(entry) - allowed)
        absent = sorted({"name", "dimension"} - set(entry))
        if unknown or absent:
            raise ValueError(
                f"indicator entry {position} ({dict(entry)}): unknown keys {unknown}, "
                f"missing keys {absent}; allowed keys: {', '.join(sorted(allowed))}"
            )
        indicators.append(Indicator(**entry))
    names = [i.name for i in indicators]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"indicators listed more than once: {repeated}")
    if not indicators:
        raise ValueError("the index needs at least one indicator")
    return indicators


def min_max_scores(
    values: np.ndarray, negative: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Direction-aware min-max scores over all rows, before the shift.

    Parameters
    ----------
    values : ndarray, shape (r, m)
        Raw indicator values, r province-years by m indicators; finite.
    negative : ndarray of bool, shape (m,)
        True for a cost indicator.

    Returns
    -------
    z : ndarray, shape (r, m)
        Scores in [0, 1]; a constant column is all 0.
    constant : ndarray of bool, shape (m,)
        True where max = min.
    """
    low = values.min(axis=0)
    high = values.max(axis=0)
    span = high - low
    constant = span == 0
    safe_span = np.where(constant, 1.0, span)
    z = np.where(negative, high - values, values - low) / safe_span
    z[:, constant] = 0.0
    return z, constant


def entropy_weights(
    z: np.ndarray, constant: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entropy, divergence and weight of each column of shifted scores.

    Parameters
    ----------
    z : ndarray, shape (r, m)
        Shifted scores (z + shift), non-negative, r >= 2.
    constant : ndarray of bool, shape (m,)
        Columns that carry no information; they get entropy 1 and weight 0.

    Returns
    -------
    entropy, divergence, weight : ndarray, shape (m,)
        ``weight`` sums to 1 over the columns.

    Raises
    ------
    ValueError
        If every column is constant, so no weight can be defined.
    """
    rows = z.shape[0]
    informative = ~constant
    if not informative.any():
        raise ValueError(
            "every indicator is constant; the entropy weights are undefined"
        )

    totals = z[:, informative].sum(axis=0)
    p = z[:, informative] / totals
    with np.errstate(divide="ignore", invalid="ignore"):
        p_log_p = np.where(p > 0, p * np.log(p), 0.0)
    entropy = np.ones(z.shape[1])
    entropy[informative] = -p_log_p.sum(axis=0) / np.log(rows)

    outside = (entropy < -_ENTROPY_ROUNDING) | (entropy > 1 + _ENTROPY_ROUNDING)
    assert not outside.any(), f"entropies outside [0, 1]: {entropy[outside]}"
    entropy = np.clip(entropy, 0.0, 1.0)

    divergence = 1.0 - entropy
    if divergence.sum() <= 0:
        raise ValueError(
            "no indicator varies enough to carry weight (all entropies are 1)"
        )
    return entropy, divergence, divergence / divergence.sum()


def entropy_index(
    panel: pd.DataFrame,
    indicators: Sequence[Indicator | Mapping[str, str]],
    *,
    shift: float = DEFAULT_SHIFT,
    entity: str = "province",
    time: str = "year",
    index_name: str = "INE",
) -> EntropyIndex:
    """Entropy-weighted index and sub-indices of a province-year panel.

    Parameters
    ----------
    panel : pandas.DataFrame
        One row per province-year with ``entity``, ``time`` and the indicator columns.
    indicators : sequence of Indicator or mappings ``{name, dimension, direction}``
        The indicators, in the order the weights table lists them.
    shift : float, default 0.0001
        Added to every min-max score before the shares p are formed (avoids ln 0; its
        value changes the weights). 0 is allowed: 0 ln 0 is taken as 0.
    entity, time : str
        Column names of the province and year.
    index_name : str, default "INE"
        Name of the overall index column.

    Returns
    -------
    EntropyIndex
        Scores (entity, time, overall index, one column per dimension) and weights.

    Raises
    ------
    MissingVariable
        If the panel lacks an indicator, ``entity`` or ``time``.
    ValueError
        If an indicator has a missing or infinite value, the panel has fewer than two
        rows, a province-year appears twice, entity and time are not usable panel keys
        (:func:`~panelstudy.errors.require_panel_keys`), ``shift`` is negative, or a
        dimension has only constant indicators.
    """
    indicators = parse_indicators(indicators)
    names = [i.name for i in indicators]
    require_panel_keys(panel, entity, time, "the entropy index")
    require_columns([entity, time, *names], panel.columns, "the entropy index")
    # the weights pool every row: a repeated province-year would count twice
    require_unique_rows(panel, entity, time, "the entropy index")
    if not (np.isfinite(shift) and shift >= 0):
        raise ValueError(f"shift must be a finite number >= 0, got {shift!r}")
    if len(panel) < 2:
        raise ValueError(
            f"the entropy index needs at least 2 province-years, got {len(panel)}"
        )

    values = panel[names].to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        counts = {n: int(c) for n, c in zip(names, bad.sum(axis=0)) if c}
        raise ValueError(
            f"indicators have missing or infinite values (rows per indicator: {counts}); "
            "fill or drop them in the panel step before the index"
        )

    dimensions = list(dict.fromkeys(i.dimension for i in indicators))
    clashes = sorted({index_name, entity, time} & set(dimensions)) + (
        [index_name] if index_name in (entity, time) else []
    )
    if clashes:
        raise ValueError(
            f"output column names clash: {clashes}; the index, each dimension, the "
            "entity and the time column need distinct names"
        )

    negative = np.array([i.direction == "negative" for i in indicators])
    z, constant = min_max_scores(values, negative)
    for name in np.array(names)[constant]:
        logger.warning("indicator %s is constant over the panel: weight 0", name)
    z = z + shift

    entropy, divergence, weight = entropy_weights(z, constant)
    scores = panel[[entity, time]].copy()
    scores[index_name] = z @ weight

    within = np.zeros(len(indicators))
    for dimension in dimensions:
        members = np.array([i.dimension == dimension for i in indicators])
        if constant[members].all():
            raise ValueError(
                f"every indicator of dimension {dimension!r} is constant; "
                "its sub-index is undefined"
            )
        _, _, within[members] = entropy_weights(z[:, members], constant[members])
        scores[dimension] = z[:, members] @ within[members]

    weights = pd.DataFrame(
        {
            "indicator": names,
            "dimension": [i.dimension for i in indicators],
            "direction": [i.direction for i in indicators],
            "entropy": entropy,
            "divergence": divergence,
            "weight": weight,
            "weight_within_dimension": within,
            "constant": constant,
        }
    )
    logger.info(
        "entropy index over %d province-years, %d indicators, %d dimensions, shift %g",
        len(panel),
        len(names),
        len(dimensions),
        shift,
    )
    return EntropyIndex(scores=scores.reset_index(drop=True), weights=weights)
