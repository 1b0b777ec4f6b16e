"""Replication scorecards: our tidy tables against the published cells, or (simulated
data) against the effects planted in the data.

Published comparison: every cell of ``published_tables.csv`` gets one row, matched to
our tidy tables by table, column, term and statistic. A cell is ``compared`` when our
table holds a value for it, else ``not estimated`` with the reason (a variable the
dataset cannot build, a table not built or skipped, a cell our table leaves blank); a
value is never invented. Regime terms of Table 7 are matched by regime, not by the
printed threshold (``AI x 1(AI<=9.53)`` and ours ``AI x 1(AI<=19.8801)`` are both the
lower regime).

Planted comparison: each planted effect against the estimate meant to recover it, with
its 95% interval and whether that covers the planted value.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from panelstudy.figure_data import identified_set
from panelstudy.paper_tables import (
    SIMULATED_TITLE,
    format_value,
    grid_html,
    grid_markdown,
    html_page,
)

__all__ = [
    "PLANTED_COLUMNS",
    "SCORECARD_COLUMNS",
    "compare_planted",
    "compare_published",
    "planted_summary",
    "published_summary",
    "planted_display",
    "published_display",
    "read_published",
    "regime_key",
    "render_html",
    "render_markdown",
    "summary_by_table",
]

SCORECARD_COLUMNS = [
    "table",
    "column",
    "label",
    "our_label",
    "term",
    "stat",
    "published",
    "published_stars",
    "value",
    "stars",
    "difference",
    "same_sign",
    "same_stars",
    "status",
    "note",
]
PLANTED_COLUMNS = [
    "quantity",
    "planted",
    "table",
    "term",
    "value",
    "se",
    "ci_low",
    "ci_high",
    "difference",
    "same_sign",
    "covered",
    "stars",
    "note",
]
COMPARED, NOT_ESTIMATED = "compared", "not estimated"
_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
# A number standing between comparison operators (or at an end) of a regime condition.
_THRESHOLD_VALUE = rf"(?:(?<=[<>=])|^){_NUMBER}(?=[<>]|$)"


def read_published(path) -> pd.DataFrame:
    """The published cells (``table, column, label, term, stat, value, stars``)."""
    frame = pd.read_csv(
        path, dtype={"term": str, "label": str}, keep_default_na=False, na_values=[""]
    )
    frame["term"] = frame["term"].fillna("")
    frame["stars"] = pd.to_numeric(frame["stars"]).astype("Int64")
    return frame


def regime_key(term: str) -> str:
    """A regime term with its threshold values replaced by ``threshold``:
    ``AI x 1(AI<=9.53)`` -> ``AI x 1(AI<=threshold)``; other terms unchanged."""
    regime = re.fullmatch(r"(.+? x 1\()(.+)(\))", term)
    if not regime:
        return term
    inner = re.sub(_THRESHOLD_VALUE, "threshold", regime.group(2))
    return regime.group(1) + inner + regime.group(3)


def _variables(term: str) -> list[str]:
    """Variables a published term involves (``AI x IPP`` -> AI, IPP)."""
    if re.fullmatch(r".+? x 1\(.+\)", term):
        return [term.split(" x ", 1)[0]]
    return [part.strip() for part in term.split(" x ")] if term else []


def _first_sentence(text: str) -> str:
    sentence = re.split(r"(?<=\.)\s", " ".join(str(text).split()), maxsplit=1)[0]
    return sentence if len(sentence) <= 100 else sentence[:97] + "..."


def _same_label(ours: str, published: str) -> bool:
    """Labels that name the same column (``single`` and ``single threshold``)."""
    a, b = str(ours).lower(), str(published).lower()
    return a.startswith(b) or b.startswith(a)


def _sign(value: float) -> int:
    return int(np.sign(value))


def compare_published(
    published: pd.DataFrame,
    ours: Mapping[int, pd.DataFrame | None],
    missing_variables: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per published cell: our value beside it, or why there is none.

    Parameters
    ----------
    published : pandas.DataFrame
        :func:`read_published` output.
    ours : mapping of int to DataFrame or None
        Our tidy table of each table number; None (or absent) for a table not built, an
        empty frame for a table that was skipped.
    missing_variables : mapping of str to str, optional
        Variables the dataset cannot build, with why (the catalogue's ``notes``).

    Returns
    -------
    pandas.DataFrame
        ``SCORECARD_COLUMNS``. ``difference`` is ours minus published; ``same_sign`` is
        missing where the published value is 0.000 (no printed sign); ``same_stars``
        compares the number of stars (none = 0) where the published cell carries stars
        (coefficients and Table 6's F), missing elsewhere.
    """
    missing_variables = dict(missing_variables or {})
    index = {}
    for number, frame in ours.items():
        if frame is None:
            continue
        for row in frame.itertuples():
            index[(number, int(row.column), regime_key(row.term), row.stat)] = row

    rows = []
    for cell in published.itertuples():
        table, column = int(cell.table), int(cell.column)
        record = {
            "table": table,
            "column": column,
            "label": cell.label,
            "our_label": None,
            "term": cell.term,
            "stat": cell.stat,
            "published": float(cell.value),
            "published_stars": cell.stars,
            "value": math.nan,
            "stars": pd.NA,
            "difference": math.nan,
            "same_sign": pd.NA,
            "same_stars": pd.NA,
            "status": NOT_ESTIMATED,
            "note": "",
        }
        lacking = [v for v in _variables(cell.term) if v in missing_variables]
        ours_table = ours.get(table)
        found = index.get((table, column, regime_key(cell.term), cell.stat))
        if lacking:
            record["note"] = "; ".join(
                f"{v} not in this dataset: {_first_sentence(missing_variables[v])}"
                for v in lacking
            )
        elif ours_table is None:
            record["note"] = f"Table {table} is not built for this dataset"
        elif ours_table.empty:
            record["note"] = f"our Table {table} was skipped (its notes say why)"
        elif found is None:
            record["note"] = "no such cell in our table"
        elif pd.isna(found.value):
            record["our_label"] = found.label
            record["note"] = "our table leaves this cell blank (its notes say why)"
        else:
            value = float(found.value)
            stars = 0 if pd.isna(found.stars) else int(found.stars)
            record.update(
                our_label=found.label,
                value=value,
                stars=stars,
                difference=value - float(cell.value),
                status=COMPARED,
            )
            if float(cell.value) != 0.0:
                record["same_sign"] = _sign(value) == _sign(float(cell.value))
            if pd.notna(cell.stars):
                record["same_stars"] = stars == int(cell.stars)
            if not _same_label(found.label, cell.label):
                record["note"] = f"our column is {found.label!r}"
        rows.append(record)
    frame = pd.DataFrame(rows, columns=SCORECARD_COLUMNS)
    for name in ("published_stars", "stars"):
        frame[name] = frame[name].astype("Int64")
    for name in ("same_sign", "same_stars"):
        frame[name] = frame[name].astype("boolean")
    return frame


def _share(count: int, total: int) -> str:
    return f"{count} of {total} ({count / total:.0%})" if total else "0 of 0"


def _counts(card: pd.DataFrame) -> dict[str, int]:
    """Counts behind the summary: signs over compared coefficients with a printed sign
    (a published 0.000 has none; a standard error, N or R2 is positive in any table),
    significance over compared cells that carry stars (coefficients, Table 6's F)."""
    compared = card[card["status"] == COMPARED]
    coefficients = compared[
        (compared["stat"] == "coef") & compared["same_sign"].notna()
    ]
    starred = compared[compared["same_stars"].notna()]
    both = coefficients[coefficients["same_stars"].notna()]
    return {
        "cells": len(card),
        "compared": len(compared),
        "not_estimated": len(card) - len(compared),
        "signed_coefficients": len(coefficients),
        "same_sign": int(coefficients["same_sign"].sum()),
        "starred": len(starred),
        "same_stars": int(starred["same_stars"].sum()),
        "signed_starred": len(both),
        "same_sign_and_stars": int((both["same_sign"] & both["same_stars"]).sum()),
    }


def published_summary(card: pd.DataFrame, dataset: str) -> list[str]:
    """Summary lines of a published scorecard (counts from ``card`` itself)."""
    n = _counts(card)
    return [
        f"{dataset} against the published tables: {n['cells']} published cells, "
        f"{n['compared']} compared, {n['not_estimated']} not estimated.",
        f"Same sign: {_share(n['same_sign'], n['signed_coefficients'])} compared "
        "coefficients (a published 0.000 has no printed sign and is left out).",
        f"Same significance: {_share(n['same_stars'], n['starred'])} compared cells "
        "that carry stars (coefficients and Table 6 F).",
        f"Same sign and significance: "
        f"{_share(n['same_sign_and_stars'], n['signed_starred'])} compared coefficients "
        "with a printed sign.",
    ]


def summary_by_table(card: pd.DataFrame) -> pd.DataFrame:
    """The summary's counts per table, then a row ``all`` for the whole card."""
    rows = [{"table": str(t), **_counts(cells)} for t, cells in card.groupby("table")]
    rows.append({"table": "all", **_counts(card)})
    return pd.DataFrame(rows)


def _regime_terms(table7: pd.DataFrame) -> list[str]:
    coefs = table7[table7["stat"] == "coef"]["term"]
    return [t for t in coefs if re.fullmatch(r".+? x 1\(.+\)", t)]


def _thresholds_of(term: str) -> list[float]:
    inner = re.fullmatch(r".+? x 1\((.+)\)", term).group(1)
    return [float(v) for v in re.findall(_THRESHOLD_VALUE, inner)]


def _estimate(table: pd.DataFrame | None, term: str) -> tuple[float, float, int | None]:
    if table is None or table.empty:
        return math.nan, math.nan, None
    cells = table[(table["term"] == term) & (table["column"] == 1)]
    coef = cells.loc[cells["stat"] == "coef"]
    se = cells.loc[cells["stat"] == "se", "value"]
    if coef.empty:
        return math.nan, math.nan, None
    stars = coef["stars"].iloc[0]
    return (
        float(coef["value"].iloc[0]),
        float(se.iloc[0]) if len(se) else math.nan,
        0 if pd.isna(stars) else int(stars),
    )


def compare_planted(
    planted: Mapping[str, float],
    table7: pd.DataFrame | None,
    table8: pd.DataFrame | None,
    table6: pd.DataFrame | None,
    candidates: Sequence[float],
    clusters: int,
    lower_regime: str = "<=",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Planted effects (``planted.yaml`` ``on_index``) against their estimates.

    Which estimate recovers which effect:

    * ``threshold``: the threshold of Table 7's regime model (the one nearest the
      planted value when the model has several); interval: Table 6's likelihood-ratio
      interval of that step, widened to the threshold values that split the sample
      alike (:func:`panelstudy.figure_data.identified_set`, from ``candidates``).
    * ``AI x 1(AI<=threshold)``, ``AI x 1(AI>threshold)`` and the controls: Table 7
      (lowest and highest regime); interval coef +- t(clusters - 1) se.
    * ``AI x (IPP - ipp_centre)``: Table 8's ``AI x IPP`` (the product of raw AI and IPP
      has the same slope as the centred product); ``IPP``: Table 8's ``IPP``.

    Returns
    -------
    pandas.DataFrame
        ``PLANTED_COLUMNS``, one row per planted effect (``index_scale`` is a unit, not
        an effect, and is left out).
    """
    quantile = stats.t.ppf((1 + confidence) / 2, clusters - 1)
    regimes = _regime_terms(table7) if table7 is not None and not table7.empty else []
    rows = []

    def add(quantity, table, term, value, se, low, high, stars, note, covered=None):
        truth = float(planted[quantity])
        found = not math.isnan(value)
        if covered is None:
            covered = low <= truth <= high
        rows.append(
            {
                "quantity": quantity,
                "planted": truth,
                "table": table,
                "term": term,
                "value": value,
                "se": se,
                "ci_low": low,
                "ci_high": high,
                "difference": value - truth if found else math.nan,
                "same_sign": (_sign(value) == _sign(truth)) if found else pd.NA,
                "covered": covered if found else pd.NA,
                "stars": stars,
                "note": note if found else f"not estimated: {note}",
            }
        )

    def add_slope(quantity, table_number, table, term, note):
        value, se, stars = _estimate(table, term)
        add(
            quantity,
            table_number,
            term,
            value,
            se,
            value - quantile * se,
            value + quantile * se,
            stars,
            note,
        )

    for quantity in planted:
        if quantity == "index_scale":
            continue
        if quantity == "threshold":
            if not regimes:
                add(
                    quantity,
                    7,
                    "",
                    math.nan,
                    math.nan,
                    math.nan,
                    math.nan,
                    None,
                    "Table 7 has no regime model",
                )
                continue
            values = _thresholds_of(regimes[0]) + _thresholds_of(regimes[-1])
            value = min(values, key=lambda g: abs(g - float(planted[quantity])))
            low, high, note = _threshold_interval(
                table6, value, candidates, lower_regime
            )
            truth = float(planted[quantity])
            inside = (
                pd.NA
                if math.isnan(low)
                else (
                    (low <= truth < high)
                    if lower_regime == "<="
                    else (low < truth <= high)
                )
            )
            add(quantity, 7, regimes[0], value, math.nan, low, high, None, note, inside)
        elif quantity.endswith("(AI<=threshold)"):
            add_slope(
                quantity,
                7,
                table7,
                regimes[0] if regimes else quantity,
                "lowest regime of Table 7",
            )
        elif quantity.endswith("(AI>threshold)"):
            add_slope(
                quantity,
                7,
                table7,
                regimes[-1] if regimes else quantity,
                "highest regime of Table 7",
            )
        elif quantity.startswith("AI x (IPP"):
            add_slope(
                quantity,
                8,
                table8,
                "AI x IPP",
                "Table 8's raw product has the centred product's slope",
            )
        elif quantity == "IPP":
            add_slope(quantity, 8, table8, "IPP", "moderator's main effect, Table 8")
        else:
            add_slope(quantity, 7, table7, quantity, "control, Table 7")
    frame = pd.DataFrame(rows, columns=PLANTED_COLUMNS)
    frame["stars"] = frame["stars"].astype("Int64")
    for name in ("same_sign", "covered"):
        frame[name] = frame[name].astype("boolean")
    return frame


def _threshold_interval(
    table6: pd.DataFrame | None, value: float, candidates, lower_regime: str
) -> tuple[float, float, str]:
    """Table 6's LR interval of the step that found ``value``, as a set of values."""
    if table6 is None or table6.empty:
        return math.nan, math.nan, "no Table 6: no interval"
    found = table6[
        (table6["stat"] == "threshold") & np.isclose(table6["value"], value, rtol=1e-6)
    ]
    if found.empty:
        return math.nan, math.nan, "the threshold was moved by refinement: no interval"
    column = found["column"].iloc[0]
    cells = table6[table6["column"] == column].set_index("stat")["value"]
    start, end, _, _ = identified_set(
        candidates, cells["ci_low"], cells["ci_high"], lower_regime
    )
    return (
        start,
        end,
        (
            f"Table 6 column {column} LR interval [{cells['ci_low']:.6g}, "
            f"{cells['ci_high']:.6g}] of candidate values, widened to the values that "
            f"split the sample alike: [{start:.6g}, {end:.6g})"
            if lower_regime == "<="
            else f"Table 6 column {column} LR interval, widened: ({start:.6g}, {end:.6g}]"
        ),
    )


def planted_summary(card: pd.DataFrame, confidence: float = 0.95) -> list[str]:
    """Summary lines of a planted scorecard (counts from ``card`` itself)."""
    found = card[card["value"].notna()]
    return [
        f"Planted effects: {len(card)}, estimated {len(found)}.",
        f"Same sign: {_share(int(found['same_sign'].sum()), len(found))}.",
        f"Planted value inside the {confidence:.0%} interval: "
        f"{_share(int(found['covered'].sum()), len(found))}.",
    ]


def _yes_no(flag) -> str:
    return "" if pd.isna(flag) else ("yes" if flag else "no")


def _stars(count) -> str:
    return "" if pd.isna(count) else ("*" * int(count) or "none")


def published_display(card: pd.DataFrame) -> pd.DataFrame:
    """The published scorecard as display strings, numbers as the study prints them."""
    return pd.DataFrame(
        {
            "table": card["table"],
            "column": card["column"],
            "term": card["term"],
            "stat": card["stat"],
            "ours": [format_value(v, s) for v, s in zip(card["value"], card["stat"])],
            "published": [
                format_value(v, s) for v, s in zip(card["published"], card["stat"])
            ],
            "difference": [
                format_value(v, s) for v, s in zip(card["difference"], card["stat"])
            ],
            "same sign": card["same_sign"].map(_yes_no),
            "our stars": [
                "" if pd.isna(v) or pd.isna(p) else _stars(o)
                for v, o, p in zip(
                    card["value"], card["stars"], card["published_stars"]
                )
            ],
            "published stars": card["published_stars"].map(_stars),
            "same stars": card["same_stars"].map(_yes_no),
            "status": card["status"],
            "note": card["note"].fillna(""),
        }
    )


def planted_display(card: pd.DataFrame) -> pd.DataFrame:
    """The planted scorecard as display strings (4 significant digits)."""

    def number(value) -> str:
        return "" if pd.isna(value) else f"{value:.4g}"

    return pd.DataFrame(
        {
            "planted effect": card["quantity"],
            "planted": card["planted"].map(number),
            "table": card["table"],
            "our term": card["term"],
            "estimate": card["value"].map(number),
            "se": card["se"].map(number),
            "95% interval": [
                "" if pd.isna(a) else f"[{number(a)}, {number(b)}]"
                for a, b in zip(card["ci_low"], card["ci_high"])
            ],
            "difference": card["difference"].map(number),
            "same sign": card["same_sign"].map(_yes_no),
            "covered": card["covered"].map(_yes_no),
            "stars": card["stars"].map(_stars),
            "note": card["note"],
        }
    )


def render_markdown(
    title: str,
    summary: Sequence[str],
    sections: Sequence[tuple[str, pd.DataFrame]],
    notes: Sequence[str],
    simulated: bool = False,
) -> str:
    """Scorecard Markdown: title, summary lines, one table per section, notes."""
    lines = [f"# {SIMULATED_TITLE if simulated else ''}{title}", ""]
    lines += [f"- {line}" for line in summary]
    for heading, frame in sections:
        lines += ["", f"## {heading}", "", grid_markdown(frame).rstrip("\n")]
    lines += ["", "## Notes", ""] + [f"- {note}" for note in notes]
    return "\n".join(lines) + "\n"


def render_html(
    title: str,
    summary: Sequence[str],
    sections: Sequence[tuple[str, pd.DataFrame]],
    notes: Sequence[str],
    simulated: bool = False,
) -> str:
    """The same scorecard as a self-contained HTML page for the report."""
    escape = html.escape
    body = "<ul>" + "".join(f"<li>{escape(line)}</li>" for line in summary) + "</ul>\n"
    for heading, frame in sections:
        body += f"<h2>{escape(heading)}</h2>\n" + grid_html(frame)
    body += "<h2>Notes</h2>\n<ul>" + "".join(f"<li>{escape(n)}</li>" for n in notes)
    return html_page(title, body + "</ul>", simulated)
