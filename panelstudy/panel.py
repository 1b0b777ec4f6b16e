"""From every value read to the wide analysis panel.

Gaps are filled by linear interpolation within a province; filling between observed years
(interior) and beyond the first or last observed year (ends) are separate settings.
Derived variables are expressions over panel columns. The coverage report counts, for each
variable and year, how many provinces were observed, filled or missing.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

__all__ = ["fill_gaps", "widen", "add_derived", "coverage", "broadcast_static", "ENDS"]

log = logging.getLogger(__name__)

ENDS = ("none", "nearest", "linear")
KEYS = ["province", "year"]


def _fill_one(years: np.ndarray, values: np.ndarray, interior: bool, ends: str) -> np.ndarray:
    observed = ~np.isnan(values)
    if observed.sum() == 0:
        return values.copy()
    out = values.copy()
    first, last = years[observed][0], years[observed][-1]
    inside = (years > first) & (years < last) & ~observed
    if interior and inside.any():
        out[inside] = np.interp(years[inside], years[observed], values[observed])
    before, after = years < first, years > last
    if ends == "nearest":
        out[before] = values[observed][0]
        out[after] = values[observed][-1]
    elif ends == "linear" and observed.sum() >= 2:
        for side, (a, b) in ((before, (0, 1)), (after, (-2, -1))):
            if side.any():
                ya, yb = years[observed][[a, b]]
                va, vb = values[observed][[a, b]]
                out[side] = va + (vb - va) * (years[side] - ya) / (yb - ya)
    return out


def fill_gaps(
    values: pd.DataFrame,
    first_year: int,
    last_year: int,
    interior: bool = True,
    ends: str = "none",
) -> pd.DataFrame:
    """Complete every (province, variable) series over ``first_year..last_year``.

    Parameters
    ----------
    values : DataFrame
        Long rows ``province, year, variable, value`` (one row per key; other columns such
        as ``unit``, ``source`` and ``province_name`` are carried along).
    first_year, last_year : int
        The panel's years. Values outside them are still used as interpolation anchors.
    interior : bool
        Fill missing years between a province's observed years by linear interpolation.
    ends : {"none", "nearest", "linear"}
        What happens before the first and after the last observed year.

    Returns
    -------
    DataFrame
        The same columns plus ``filled`` (bool), one row per province x variable x year of
        the panel; cells still missing have a NaN value.

    Raises
    ------
    ValueError
        An unknown ``ends`` setting, or ``first_year`` after ``last_year``.
    """
    if ends not in ENDS:
        raise ValueError(f"interpolate.ends={ends!r}; allowed: {', '.join(ENDS)}")
    if first_year > last_year:
        raise ValueError(
            f"years: first={first_year} is after last={last_year}; the panel would "
            "have no year"
        )
    frames = []
    for (province, variable), group in values.groupby(["province", "variable"], sort=True):
        span = range(
            min(first_year, int(group["year"].min())), max(last_year, int(group["year"].max())) + 1
        )
        series = group.set_index("year")["value"].reindex(span).astype("float64")
        years = np.asarray(span, dtype="float64")
        filled_values = _fill_one(years, series.to_numpy(), interior, ends)
        keep = (years >= first_year) & (years <= last_year)
        meta = group.iloc[0]
        frame = pd.DataFrame(
            {
                "province": province,
                "province_name": meta.get("province_name", ""),
                "year": np.asarray(span)[keep],
                "variable": variable,
                "value": filled_values[keep],
                "unit": meta.get("unit", ""),
                "filled": (np.isnan(series.to_numpy()) & ~np.isnan(filled_values))[keep],
            }
        )
        sources = group.set_index("year")["source"].reindex(frame["year"])
        frame["source"] = sources.fillna("").to_numpy()
        frames.append(frame)
    result = pd.concat(frames, ignore_index=True)
    n_filled = int(result["filled"].sum())
    log.info(
        "filled %d cells (interior=%s, ends=%s); %d cells still missing",
        n_filled, interior, ends, int(result["value"].isna().sum()),
    )
    return result


def widen(values: pd.DataFrame) -> pd.DataFrame:
    """Long ``province, year, variable, value`` -> one column per variable."""
    wide = values.pivot(index=KEYS, columns="variable", values="value")
    wide.columns.name = None
    return wide.reset_index().sort_values(KEYS, ignore_index=True)


def add_derived(panel: pd.DataFrame, derived: dict[str, dict]) -> pd.DataFrame:
    """Add derived variables, each ``name: {expr: ...}`` evaluated over panel columns.

    An expression naming a column the panel lacks is an error naming both.
    """
    out = panel.copy()
    for name, spec in derived.items():
        try:
            out[name] = out.eval(spec["expr"], engine="python").astype("float64")
        except (NameError, KeyError, pd.errors.UndefinedVariableError) as error:
            raise ValueError(
                f"derived variable {name!r}: expression {spec['expr']!r} refers to a column "
                f"the panel does not have ({error}); panel columns: {sorted(out.columns)}"
            ) from error
        bad = ~np.isfinite(out[name]) & out[name].notna()
        if bad.any():
            rows = out.loc[bad, KEYS].head(5).to_dict("records")
            raise ValueError(
                f"derived variable {name!r} = {spec['expr']} is infinite at {rows} "
                "(a zero denominator); fix the source series or the expression"
            )
        log.info("derived %s = %s", name, spec["expr"])
    return out


def coverage(filled: pd.DataFrame, n_provinces: int) -> pd.DataFrame:
    """Variable x year: provinces observed, filled and missing."""
    counts = filled.assign(
        observed=filled["value"].notna() & ~filled["filled"],
        missing=filled["value"].isna(),
    ).groupby(["variable", "year"], as_index=False)[["observed", "filled", "missing"]].sum()
    counts["absent"] = n_provinces - counts[["observed", "filled", "missing"]].sum(axis=1)
    counts["missing"] = counts["missing"] + counts["absent"]
    return counts.drop(columns="absent")


def broadcast_static(values: pd.DataFrame, first_year: int, last_year: int) -> pd.DataFrame:
    """Repeat year-less (static) values, such as a province's area, over every panel year."""
    static = values["year"].isna()
    if not static.any():
        return values.astype({"year": "int64"})
    years = pd.DataFrame({"year": range(first_year, last_year + 1)})
    repeated = values.loc[static].drop(columns="year").merge(years, how="cross")
    log.info(
        "static series %s repeated over %d-%d",
        sorted(values.loc[static, "variable"].unique()), first_year, last_year,
    )
    out = pd.concat([values.loc[~static], repeated[values.columns]], ignore_index=True)
    return out.astype({"year": "int64"})
