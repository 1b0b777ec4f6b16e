"""The data behind the figures: likelihood-ratio profiles, index means by group, group
coefficients with intervals. Pure functions on arrays and frames; plotting is in
:mod:`panelstudy.figures`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from panelstudy.threshold.profile import ThresholdProblem
from panelstudy.threshold.search import ThresholdEstimates, search_next

__all__ = [
    "LR_PROFILE_COLUMNS",
    "coverage_grid",
    "group_coefficients",
    "group_means",
    "identified_set",
    "lr_profiles",
]

LR_PROFILE_COLUMNS = [
    "step",
    "search",
    "searched",
    "held",
    "candidate",
    "admissible",
    "ssr",
    "df",
    "lr",
]


def _profile_rows(
    problem: ThresholdProblem,
    held: Sequence[int],
    step: int,
    search: str,
    searched: int,
) -> pd.DataFrame:
    """LR(g) = (S(g) - min S) / (min S / df) over every candidate of one search.

    The same statistic as the search's likelihood-ratio interval; inadmissible
    candidates (trimming, collinear regime block) have ``lr`` NaN.
    """
    _, ssr, _ = search_next(problem, held, step)
    df = problem.degrees_of_freedom(step)
    allowed = np.isfinite(ssr)
    best = ssr[allowed].min()
    lr = np.where(allowed, (ssr - best) / (best / df), np.nan)
    values = problem.candidates.values
    held_values = ", ".join(
        f"{problem.candidates.value_of(p):.6g}" for p in sorted(held)
    )
    return pd.DataFrame(
        {
            "step": step,
            "search": search,
            "searched": searched,
            "held": held_values,
            "candidate": values.astype(float),
            "admissible": allowed,
            "ssr": np.where(allowed, ssr, np.nan),
            "df": df,
            "lr": lr,
        }
    )


def lr_profiles(
    problem: ThresholdProblem, estimates: ThresholdEstimates
) -> pd.DataFrame:
    """LR(g) of every search the sequential estimator ran, for Hansen's LR figure.

    Step k first searches a new threshold with the earlier ones held (``search="new"``,
    the curve behind Table 6's interval of that step); each earlier threshold is then
    searched again with all others held (``search="refine"``, Hansen's refinement), in
    the order :func:`panelstudy.threshold.search.estimate_thresholds` runs them.

    Parameters
    ----------
    problem : ThresholdProblem
    estimates : ThresholdEstimates
        The estimates of ``problem`` (the held thresholds of each search come from them).

    Returns
    -------
    pandas.DataFrame
        ``LR_PROFILE_COLUMNS``: step (1..k), search (``new`` or ``refine``), searched
        (which threshold of the step's model, 1 = the lowest earlier one, k = the new
        one), held (threshold values held fixed, text), candidate (threshold value),
        admissible, ssr, df (divisor of sigma^2), lr. One row per candidate and search.
    """
    frames = []
    for step in estimates.steps:
        frames.append(_profile_rows(problem, step.earlier, step.step, "new", step.step))
        refined = sorted([*step.earlier, step.prefix])
        for position, old in enumerate(step.earlier, start=1):
            others = [p for p in refined if p != old]
            frame = _profile_rows(problem, others, step.step, "refine", position)
            frames.append(frame)
            new = int(problem.candidates.prefixes[np.nanargmin(frame["lr"].to_numpy())])
            refined = sorted([*others, new])
    return pd.concat(frames, ignore_index=True)[LR_PROFILE_COLUMNS]


def identified_set(
    candidates: np.ndarray, low: float, high: float, lower_regime: str = "<="
) -> tuple[float, float, bool, bool]:
    """Threshold values giving the same sample splits as candidates ``low`` .. ``high``.

    A threshold is only identified up to the gap between neighbouring values of the
    threshold variable: under ``q <= g`` every g from a candidate up to (not including)
    the next candidate splits the sample alike; under ``q < g`` every g above the
    previous candidate up to the candidate.

    Returns
    -------
    start, end : float
        Bounds of the set (an infinite bound where no neighbouring candidate exists).
    start_closed, end_closed : bool
    """
    values = np.unique(np.asarray(candidates, dtype=float))
    if lower_regime == "<=":
        above = values[values > high]
        return low, float(above[0]) if len(above) else np.inf, True, False
    below = values[values < low]
    return float(below[-1]) if len(below) else -np.inf, high, False, True


def group_means(
    data: pd.DataFrame,
    columns: Sequence[str],
    labels: pd.Series,
    levels: Sequence[str],
    time: str = "year",
) -> pd.DataFrame:
    """Mean of ``columns`` over the provinces of each group in each year.

    Parameters
    ----------
    data : pandas.DataFrame
        The analysis panel.
    labels : pandas.Series
        Group of every row of ``data`` (e.g. from
        :func:`panelstudy.heterogeneity.group_labels`).
    levels : sequence of str
        Groups in the order to draw them.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``time``, ``provinces`` (rows with a value of the first column) and
        one column per entry of ``columns``, sorted by ``levels`` and time.
    """
    columns = list(columns)
    grouped = data[columns].groupby([labels.rename("group"), data[time]])
    means = grouped[columns].mean()
    counts = grouped[columns[0]].count().rename("provinces")
    frame = means.join(counts).reset_index()
    frame["group"] = pd.Categorical(
        frame["group"], categories=list(levels), ordered=True
    )
    frame = frame.sort_values(["group", time]).reset_index(drop=True)
    frame["group"] = frame["group"].astype(str)
    return frame


def group_coefficients(
    tidy: pd.DataFrame, term: str, confidence: float = 0.95
) -> pd.DataFrame:
    """One term's coefficient in every column of a tidy table, with its interval.

    The interval is coef +- t(G-1) se with G the column's ``groups`` (provinces, the
    clusters of the fits' standard errors), or the normal quantile where a column has
    no ``groups`` row.

    Returns
    -------
    pandas.DataFrame
        column, label, coef, se, stars, groups, low, high, in table column order.
    """
    cells = tidy[tidy["term"] == term]
    coef = cells[cells["stat"] == "coef"].set_index("column")
    se = cells[cells["stat"] == "se"].set_index("column")["value"]
    groups = tidy[(tidy["stat"] == "groups")].set_index("column")["value"]
    frame = pd.DataFrame(
        {
            "column": coef.index,
            "label": coef["label"].values,
            "coef": coef["value"].astype(float).values,
            "se": se.reindex(coef.index).astype(float).values,
            "stars": coef["stars"].values,
            "groups": groups.reindex(coef.index).values,
        }
    )
    tail = (1 + confidence) / 2
    quantile = [
        stats.t.ppf(tail, g - 1) if pd.notna(g) and g > 1 else stats.norm.ppf(tail)
        for g in frame["groups"]
    ]
    frame["low"] = frame["coef"] - np.asarray(quantile) * frame["se"]
    frame["high"] = frame["coef"] + np.asarray(quantile) * frame["se"]
    return frame.sort_values("column").reset_index(drop=True)


def coverage_grid(coverage: pd.DataFrame) -> pd.DataFrame:
    """Coverage report as a variable x year grid of display strings.

    A cell reads ``30`` (observed), ``29 + 1 filled`` or ``28 + 1 filled, 1 missing``;
    a variable without years (static) keeps one column ``all years``.
    """

    def shown(row) -> str:
        text = f"{int(row.observed)}"
        if row.filled:
            text += f" + {int(row.filled)} filled"
        if row.missing:
            text += f", {int(row.missing)} missing"
        return text

    frame = coverage.assign(
        cell=[shown(row) for row in coverage.itertuples()],
        year=coverage["year"].map(lambda y: "all years" if pd.isna(y) else str(int(y))),
    )
    grid = frame.pivot(index="variable", columns="year", values="cell").fillna("")
    return grid.reset_index().rename_axis(columns=None)
