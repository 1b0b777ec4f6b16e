"""Tidy result tables: one layout for every table of the study.

A tidy table has one cell per row, in the layout of the study's published numbers:
``table, column, label, term, stat, value, stars``. ``stars`` is 1, 2 or 3 for
significance at 10%, 5% or 1%, and missing where none applies.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd

from panelstudy.io import write_csv, write_text

__all__ = ["TIDY_COLUMNS", "stars_for", "tidy", "to_markdown", "write_table"]

TIDY_COLUMNS = ["table", "column", "label", "term", "stat", "value", "stars"]


def stars_for(p_value: float) -> int | None:
    """Significance stars of a p-value: 3 below 1%, 2 below 5%, 1 below 10%."""
    if p_value is None or not np.isfinite(p_value):
        return None
    for level, stars in ((0.01, 3), (0.05, 2), (0.10, 1)):
        if p_value < level:
            return stars
    return None


def tidy(rows: list[dict]) -> pd.DataFrame:
    """Build a tidy table from row dicts, checking every column is present."""
    frame = pd.DataFrame(rows)
    missing = [c for c in TIDY_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"tidy table rows lack columns {missing}")
    frame = frame[TIDY_COLUMNS].copy()
    frame["stars"] = frame["stars"].astype("Int64")
    frame["term"] = frame["term"].fillna("")
    return frame


def _format_value(value: float, stat: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if stat in ("N", "df", "df_denom", "bootstrap_reps", "groups", "permutations"):
        return f"{int(round(value))}"
    return f"{value:.3f}"


def to_markdown(frame: pd.DataFrame, title: str, notes: list[str] | None = None) -> str:
    """Render a tidy table as Markdown: one row per (term, stat), one column per column."""
    cells = frame.assign(
        shown=[
            _format_value(v, s) + ("*" * int(st) if pd.notna(st) else "")
            for v, s, st in zip(frame["value"], frame["stat"], frame["stars"])
        ]
    )
    headers = (
        cells[["column", "label"]].drop_duplicates().sort_values("column", kind="stable")
    )
    # Rows in the order of the fullest column (so controls sit under AI, not after the
    # model statistics of a shorter column), then any rows only other columns have.
    fullest = cells["column"].value_counts(sort=True).index[0] if len(cells) else None
    row_keys = pd.concat(
        [cells.loc[cells["column"] == fullest, ["term", "stat"]], cells[["term", "stat"]]]
    ).drop_duplicates()
    lines = [f"# {title}", ""]
    lines.append("| term | stat | " + " | ".join(f"({c}) {l}" for c, l in headers.values) + " |")
    lines.append("|---|---|" + "---|" * len(headers))
    lookup = {(r.term, r.stat, r.column): r.shown for r in cells.itertuples()}
    for term, stat in row_keys.values:
        shown = [lookup.get((term, stat, c), "") for c in headers["column"]]
        lines.append(f"| {term} | {stat} | " + " | ".join(shown) + " |")
    for note in notes or []:
        lines.extend(["", note])
    return "\n".join(lines) + "\n"


def write_table(
    frame: pd.DataFrame,
    csv_path: str | os.PathLike,
    md_path: str | os.PathLike,
    title: str,
    notes: list[str] | None = None,
    simulated: bool = False,
) -> None:
    """Write a tidy table as CSV and Markdown.

    With ``simulated`` the Markdown title and the CSV's first line say SIMULATED, so a
    table of the demo dataset can never be mistaken for a real result.
    """
    if simulated:
        title = f"SIMULATED DATA: {title}"
    if simulated:
        _write_simulated_csv(frame, csv_path)
    else:
        write_csv(frame, csv_path)
    write_text(to_markdown(frame, title, notes), md_path)


def _write_simulated_csv(frame: pd.DataFrame, csv_path: str | os.PathLike) -> None:
    body = frame.to_csv(index=False)
    write_text("# SIMULATED DATA: demo dataset, not real statistics\n" + body, csv_path)
