"""Winsorizing continuous variables at pooled percentiles.

Each variable is clipped to its own lower and upper percentile over every row given
(the pooled panel, not year by year). Percentiles follow one of two definitions:

* ``stata`` (default): Stata's ``_pctile``/``centile`` default, which ``winsor2`` uses.
  With n sorted values x(1) <= ... <= x(n) and share p, let h = n p. If h is a whole
  number the percentile is (x(h) + x(h+1)) / 2, otherwise x(floor(h) + 1), with
  x(0) = x(1) and x(n+1) = x(n) (Hyndman-Fan type 2).
* ``linear``: linear interpolation between order statistics (numpy's and R's default,
  Hyndman-Fan type 7).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from panelstudy.errors import require_columns

__all__ = ["PERCENTILE_METHODS", "continuous_columns", "percentile", "winsorize"]

logger = logging.getLogger(__name__)

PERCENTILE_METHODS = ("stata", "linear")

# n * p is compared with the nearest whole number up to this tolerance, so that
# 0.99 * 200 counts as 198 although it is 197.99999999999997 in floating point.
_WHOLE_TOL = 1e-9


def percentile(values: np.ndarray, share: float, method: str = "stata") -> float:
    """The ``share`` percentile (0 <= share <= 1) of the finite ``values``.

    Parameters
    ----------
    values : ndarray, shape (n,)
        Finite numbers, n >= 1.
    share : float
        0.01 for the 1st percentile.
    method : {"stata", "linear"}
        See the module docstring.
    """
    if method not in PERCENTILE_METHODS:
        raise ValueError(
            f"method must be one of {', '.join(PERCENTILE_METHODS)}; got {method!r}"
        )
    if not 0 <= share <= 1:
        raise ValueError(f"percentile share must be in [0, 1], got {share}")
    ordered = np.sort(np.asarray(values, dtype=float))
    n = ordered.size
    if n == 0:
        raise ValueError("percentile of no values")
    if method == "linear":
        position = share * (n - 1)
        below = int(np.floor(position))
        above = min(below + 1, n - 1)
        return float(
            ordered[below] + (position - below) * (ordered[above] - ordered[below])
        )

    h = n * share
    whole = round(h)
    if abs(h - whole) <= _WHOLE_TOL * max(1.0, n):
        lower = ordered[min(max(whole, 1), n) - 1]
        upper = ordered[min(whole + 1, n) - 1]
        return float((lower + upper) / 2)
    return float(ordered[min(int(np.floor(h)) + 1, n) - 1])


def continuous_columns(data: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """The columns with more than two distinct values (a 0/1 dummy is not winsorized)."""
    return [c for c in columns if data[c].nunique(dropna=True) > 2]


def winsorize(
    data: pd.DataFrame,
    columns: Sequence[str],
    *,
    lower: float = 0.01,
    upper: float = 0.99,
    method: str = "stata",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clip each column to its pooled ``lower`` and ``upper`` percentiles.

    Parameters
    ----------
    data : pandas.DataFrame
    columns : sequence of str
        Columns to clip; missing values stay missing and are not counted.
    lower, upper : float, default 0.01 and 0.99
        Shares, 0 <= lower < upper <= 1.
    method : {"stata", "linear"}, default "stata"
        Percentile definition (module docstring).

    Returns
    -------
    winsorized : pandas.DataFrame
        A copy of ``data`` with the columns clipped.
    bounds : pandas.DataFrame
        One row per column: ``variable, lower, upper, clipped_below, clipped_above``.
    """
    if not 0 <= lower < upper <= 1:
        raise ValueError(
            f"winsorize needs 0 <= lower < upper <= 1, got {lower}, {upper}"
        )
    require_columns(columns, data.columns, "winsorizing")
    out = data.copy()
    rows = []
    for column in columns:
        values = out[column].to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        low = percentile(finite, lower, method)
        high = percentile(finite, upper, method)
        rows.append(
            {
                "variable": column,
                "lower": low,
                "upper": high,
                "clipped_below": int((finite < low).sum()),
                "clipped_above": int((finite > high).sum()),
            }
        )
        out[column] = out[column].clip(low, high)
        logger.info(
            "winsorized %s at [%.6g, %.6g]: %d below, %d above",
            column,
            low,
            high,
            rows[-1]["clipped_below"],
            rows[-1]["clipped_above"],
        )
    return out, pd.DataFrame(
        rows, columns=["variable", "lower", "upper", "clipped_below", "clipped_above"]
    )
