"""Tidy tables laid out as the study prints them: LaTeX (booktabs), Markdown, CSV, HTML.

The layouts follow the published tables: regression tables (3, 4, 5, 7, 8) have one
column per model, a coefficient with its stars and the standard error in parentheses
beneath it for every regressor, then N, R2 and F; Table 2 has one row per variable with
N, mean, sd, min and max; Table 6 has one row per threshold test with F, p, bootstrap
replications, critical values and the threshold. Cells of a tidy table that the printed
layout has no place for (test columns of Table 5, the Hausman test of Table 3) become
notes or extra rows, never silently dropped: the tidy CSV stays the full record.

A layout is built once (:func:`paper_layout`) and rendered by :func:`to_latex`,
:func:`to_markdown`, :func:`to_csv_text` and :func:`to_html`.
"""

from __future__ import annotations

import html
import math
import os
import re
from dataclasses import dataclass, field

import pandas as pd

from panelstudy.tables import TIDY_COLUMNS

__all__ = [
    "Cell",
    "PaperTable",
    "format_value",
    "grid_html",
    "grid_markdown",
    "html_page",
    "latex_escape",
    "paper_layout",
    "read_notes",
    "read_tidy",
    "to_csv_text",
    "to_html",
    "to_latex",
    "to_markdown",
]

SIMULATED_TITLE = "SIMULATED DATA: "
SIMULATED_CSV_LINE = "# SIMULATED DATA: demo dataset, not real statistics"
INTEGER_STATS = {"N", "df", "bootstrap_reps", "groups", "permutations"}
MODEL_STATS = ("N", "R2", "F")
# Statistics a regression column of the tidy tables holds that the study does not print.
UNPRINTED_STATS = {"groups", "R2_inclusive"}
SPANNERS = {"region": "Region", "ftz": "Pilot free trade zone"}
SHORT_LABELS = {
    "with pilot free trade zone": "with FTZ",
    "without pilot free trade zone": "without FTZ",
}
DESCRIPTIVE_STATS = (
    ("N", "N"),
    ("mean", "Mean"),
    ("sd", "SD"),
    ("min", "Min"),
    ("max", "Max"),
)
TEST_STATS = (
    ("F", "F"),
    ("p", "p"),
    ("bootstrap_reps", "BS reps"),
    ("crit1", "1%"),
    ("crit5", "5%"),
    ("crit10", "10%"),
    ("threshold", "Threshold"),
)
# From this many value columns on, LaTeX columns sit closer (3pt) to fit a text width.
WIDE_TABLE = 7
STARS_NOTE = "*, ** and *** mark significance at the 10%, 5% and 1% levels."


@dataclass(frozen=True)
class Cell:
    """One cell: its text, significance stars and (header cells) columns spanned."""

    text: str = ""
    stars: int = 0
    span: int = 1


@dataclass
class PaperTable:
    """A table in the printed layout, independent of the output format.

    Attributes
    ----------
    number : int
    title : str
        ``Table 3. Baseline two-way fixed effects`` (without the SIMULATED banner).
    stub : str
        Heading of the first column (``Variable``, ``Test``), empty for regressions.
    header : list of list of Cell
        Header rows over the value columns (the stub column not included).
    body : list of (str, list of Cell)
        Row label and one cell per value column.
    outcome : str or None
        Dependent variable, printed over every model column of a regression table.
    rule_before : set of int
        Body rows preceded by a rule (e.g. the first model statistic).
    notes : list of str
    simulated : bool
    """

    number: int
    title: str
    stub: str
    header: list[list[Cell]]
    body: list[tuple[str, list[Cell]]]
    outcome: str | None = None
    rule_before: set[int] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    simulated: bool = False

    @property
    def n_columns(self) -> int:
        return sum(cell.span for cell in self.header[-1]) if self.header else 0


def read_tidy(path: str | os.PathLike) -> pd.DataFrame:
    """Read a tidy table CSV (a leading ``# SIMULATED`` line is skipped)."""
    frame = pd.read_csv(
        path,
        comment="#",
        dtype={"term": str, "label": str},
        keep_default_na=False,
        na_values=[""],
    )
    missing = [c for c in TIDY_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: not a tidy table, columns {missing} are missing")
    frame["term"] = frame["term"].fillna("")
    frame["stars"] = pd.to_numeric(frame["stars"]).astype("Int64")
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    return frame


def read_notes(path: str | os.PathLike) -> tuple[str | None, list[str]]:
    """Title and notes of a tidy table's Markdown: its heading and the paragraphs under
    the table (the workflow writes its notes there, not into the CSV)."""
    title, notes, in_table = None, [], False
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    for line in lines:
        if line.startswith("# ") and title is None:
            title = line[2:].removeprefix(SIMULATED_TITLE).strip()
        elif line.startswith("|"):
            in_table = True
        elif line.strip() and (in_table or title is not None):
            notes.append(line.strip())
    return title, notes


def format_value(value: float, stat: str) -> str:
    """A number as the study prints it: counts whole, thresholds to 4 significant
    digits, everything else to 3 decimals; a missing value is empty."""
    if (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or pd.isna(value)
    ):
        return ""
    if stat in INTEGER_STATS:
        return f"{int(round(value))}"
    if stat in ("threshold", "ci_low", "ci_high"):
        return f"{value:.4g}"
    return f"{value:.3f}"


def display_term(term: str) -> str:
    """``AI x 1(AI<=9.53)`` -> ``AI (AI ≤ 9.53)``, ``AI x IPP`` -> ``AI × IPP``."""
    regime = re.fullmatch(r"(.+?) x 1\((.+)\)", term)
    if regime:
        condition = regime.group(2)
        for raw, shown in (("<=", " ≤ "), (">=", " ≥ "), ("<", " < "), (">", " > ")):
            condition = re.sub(rf"(?<![<>]){re.escape(raw)}(?!=)", shown, condition)
        return f"{regime.group(1)} ({condition})"
    return term.replace(" x ", " × ")


def _cell(rows: pd.DataFrame, stat: str) -> Cell:
    match = rows[rows["stat"] == stat]
    if match.empty:
        return Cell()
    value, stars = match["value"].iloc[0], match["stars"].iloc[0]
    return Cell(format_value(value, stat), 0 if pd.isna(stars) else int(stars))


def _ordered_terms(frame: pd.DataFrame) -> list[str]:
    """Terms with coefficients, in the order of the fullest column, then the others."""
    coefficients = frame[frame["stat"] == "coef"]
    if coefficients.empty:
        return []
    fullest = coefficients["column"].value_counts(sort=True).index[0]
    first = coefficients.loc[coefficients["column"] == fullest, "term"]
    return list(dict.fromkeys([*first, *coefficients["term"]]))


def _spanners(frame: pd.DataFrame, models: list[int]) -> list[Cell] | None:
    """Group headings of a heterogeneity table, from its equality-test columns: the
    test of grouping g covers df + 1 group columns, in the order of the tests."""
    tests = frame[(frame["stat"] == "df") & ~frame["column"].isin(models)]
    if tests.empty:
        return None
    cells = []
    for label, df in zip(tests["label"], tests["value"]):
        grouping = label.rsplit(" equal across ", 1)[-1]
        cells.append(Cell(SPANNERS.get(grouping, grouping), span=int(df) + 1))
    if sum(c.span for c in cells) != len(models):
        return None
    return cells


def _test_note(rows: pd.DataFrame) -> str:
    """One equality-test column of a tidy table as a sentence."""
    value = {s: v for s, v in zip(rows["stat"], rows["value"])}
    column, label = rows["column"].iloc[0], rows["label"].iloc[0]
    if {"F", "df", "df_denom", "p"} <= set(value):
        text = (
            f"({column}) {label}: F({int(value['df'])}, {int(value['df_denom'])}) = "
            f"{format_value(value['F'], 'F')}, p = {format_value(value['p'], 'p')}"
        )
        if pd.notna(value.get("perm_p")):
            text += (
                f"; permutation p = {format_value(value['perm_p'], 'p')} "
                f"({int(value.get('permutations', 0))} permutations)"
            )
        return text + "."
    shown = ", ".join(f"{s} = {format_value(v, s)}" for s, v in value.items())
    return f"({column}) {label}: {shown}."


def _regression(frame: pd.DataFrame, number: int, outcome: str | None) -> PaperTable:
    models = sorted(frame.loc[frame["stat"] == "coef", "column"].unique())
    labels = frame.drop_duplicates("column").set_index("column")["label"]
    header = [[Cell(f"({c})") for c in models]]
    spanners = _spanners(frame, models)
    if spanners:
        header.append(spanners)
    header.append([Cell(SHORT_LABELS.get(labels[c], labels[c])) for c in models])

    body: list[tuple[str, list[Cell]]] = []
    for term in _ordered_terms(frame):
        cells = [
            frame[(frame["column"] == c) & (frame["term"] == term)] for c in models
        ]
        body.append((display_term(term), [_cell(rows, "coef") for rows in cells]))
        se = [_cell(rows, "se") for rows in cells]
        body.append(("", [Cell(f"({s.text})") if s.text else Cell() for s in se]))
    rule_before = {len(body)}

    in_models = frame[frame["column"].isin(models)]
    extra = in_models[
        (in_models["term"] != "") & ~in_models["stat"].isin(["coef", "se"])
    ]
    keys = [("", stat) for stat in MODEL_STATS]
    keys += list(dict.fromkeys(zip(extra["term"], extra["stat"])))
    for term, stat in keys:
        cells = [
            _cell(
                in_models[(in_models["column"] == c) & (in_models["term"] == term)],
                stat,
            )
            for c in models
        ]
        if any(cell.text for cell in cells):
            body.append((f"{term} {stat}".strip(), cells))

    notes = ["Standard errors in parentheses. " + STARS_NOTE]
    tests = frame[~frame["column"].isin(models)]
    notes += [_test_note(rows) for _, rows in tests.groupby("column", sort=True)]
    unprinted = sorted(set(in_models["stat"]) & UNPRINTED_STATS)
    if unprinted:
        notes.append(
            f"Also in the tidy table, not printed here: {', '.join(unprinted)}."
        )
    if any(labels[c] in SHORT_LABELS for c in models):
        notes.append("FTZ: pilot free trade zone.")
    return PaperTable(number, "", "", header, body, outcome, rule_before, notes)


def _descriptives(frame: pd.DataFrame, number: int) -> PaperTable:
    header = [[Cell(name) for _, name in DESCRIPTIVE_STATS]]
    body = []
    for term in dict.fromkeys(frame["term"]):
        rows = frame[frame["term"] == term]
        body.append((term, [_cell(rows, stat) for stat, _ in DESCRIPTIVE_STATS]))
    return PaperTable(number, "", "Variable", header, body)


def _threshold_tests(frame: pd.DataFrame, number: int) -> PaperTable:
    top = [Cell(), Cell(), Cell(), Cell("Critical values", span=3), Cell()]
    header = [top, [Cell(name) for _, name in TEST_STATS]]
    body = []
    for _, rows in frame.groupby("column", sort=True):
        body.append(
            (
                f"{rows['label'].iloc[0]} threshold".capitalize(),
                [_cell(rows, stat) for stat, _ in TEST_STATS],
            )
        )
        low, high = _cell(rows, "ci_low").text, _cell(rows, "ci_high").text
        if low and high:
            body.append(
                ("", [Cell()] * (len(TEST_STATS) - 1) + [Cell(f"[{low}, {high}]")])
            )
    variable = frame["term"].iloc[0] if len(frame) else ""
    notes = [
        f"Threshold variable and regime regressor: {variable}. F: likelihood-ratio F "
        "of each threshold against one fewer; p and critical values (1%, 5%, 10%) "
        "from the bootstrap (BS reps replications); beneath each threshold its 95% "
        "likelihood-ratio interval in brackets. *, ** and ***: bootstrap p below 10%, "
        "5% and 1%.",
    ]
    return PaperTable(number, "", "Test", header, body, None, set(), notes)


def paper_layout(
    frame: pd.DataFrame,
    number: int,
    title: str | None = None,
    notes: list[str] | None = None,
    outcome: str | None = None,
    simulated: bool = False,
) -> PaperTable:
    """Lay out a tidy table as the study prints it.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy rows of one table (``table, column, label, term, stat, value, stars``).
    number : int
        2 (descriptives), 6 (threshold tests); any other number is laid out as a
        regression table.
    title : str, optional
        Default ``Table <number>``.
    notes : list of str, optional
        The tidy table's notes, printed after the layout's own.
    outcome : str, optional
        Dependent variable of a regression table.
    simulated : bool
        Say SIMULATED DATA in every rendering.

    Returns
    -------
    PaperTable
        A table with no body when ``frame`` is empty (a skipped table: the notes say why).
    """
    if frame.empty:
        table = PaperTable(number, "", "", [[Cell("not estimated")]], [])
    elif number == 2:
        table = _descriptives(frame, number)
    elif number == 6:
        table = _threshold_tests(frame, number)
    else:
        table = _regression(frame, number, outcome)
    table.title = title or f"Table {number}"
    table.notes = [*table.notes, *(notes or [])]
    table.simulated = simulated
    return table


def _shown_title(table: PaperTable) -> str:
    return (SIMULATED_TITLE if table.simulated else "") + table.title


def _flat_header(table: PaperTable) -> list[str]:
    """One heading per value column: the header rows joined top to bottom."""
    columns = [[] for _ in range(table.n_columns)]
    for row in table.header:
        position = 0
        for cell in row:
            for offset in range(cell.span):
                if cell.text:
                    columns[position + offset].append(cell.text)
            position += cell.span
    return [" ".join(parts) for parts in columns]


def _plain(cell: Cell) -> str:
    return cell.text + "*" * cell.stars


def to_markdown(table: PaperTable) -> str:
    """GitHub Markdown: title, dependent variable, table, notes."""
    lines = [f"# {_shown_title(table)}", ""]
    if table.outcome:
        lines += [f"Dependent variable: {table.outcome}.", ""]
    heads = _flat_header(table)
    lines.append("| " + " | ".join([table.stub, *heads]) + " |")
    lines.append("|---" + "|---:" * len(heads) + "|")
    for label, cells in table.body:
        lines.append("| " + " | ".join([label, *map(_plain, cells)]) + " |")
    for note in table.notes:
        lines += ["", note]
    return "\n".join(lines) + "\n"


def to_csv_text(table: PaperTable) -> str:
    """The printed grid as CSV: one heading row, cells as printed (stars, parentheses).
    A simulated table starts with a ``# SIMULATED`` comment line."""
    heads = _flat_header(table)
    rows = pd.DataFrame(
        [[label, *map(_plain, cells)] for label, cells in table.body],
        columns=[table.stub or "term", *heads],
    )
    text = rows.to_csv(index=False, lineterminator="\n")
    return (SIMULATED_CSV_LINE + "\n" + text) if table.simulated else text


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\^{}",
    "≤": r"$\le$",
    "≥": r"$\ge$",
    "×": r"$\times$",
    "−": r"$-$",
    "<": r"$<$",
    ">": r"$>$",
    "χ": r"$\chi$",
    "²": r"$^2$",
}


def latex_escape(text: str) -> str:
    """Text safe in LaTeX: special characters escaped, ≤ ≥ × < > in math mode."""
    text = str(text).replace("<=", "≤").replace(">=", "≥")
    return "".join(_LATEX_SPECIAL.get(char, char) for char in text)


def _latex_cell(cell: Cell) -> str:
    text = re.sub(r"-(?=\d)", "$-$", latex_escape(cell.text))
    return text + (f"$^{{{'*' * cell.stars}}}$" if cell.stars else "")


def _latex_header_row(row: list[Cell], stub: str) -> list[str]:
    cells, rules, position = [latex_escape(stub)], [], 2
    for cell in row:
        text = latex_escape(cell.text)
        if cell.span > 1:
            cells.append(rf"\multicolumn{{{cell.span}}}{{c}}{{{text}}}")
            rules.append(rf"\cmidrule(lr){{{position}-{position + cell.span - 1}}}")
        else:
            cells.append(text)
        position += cell.span
    lines = ["    " + " & ".join(cells) + r" \\"]
    if rules:
        lines.append("    " + " ".join(rules))
    return lines


def to_latex(table: PaperTable, label: str) -> str:
    """A ``table`` float with a booktabs ``tabular``, ready for ``\\input``.

    Needs ``\\usepackage{booktabs}`` in the preamble; nothing else. ``label`` is the
    ``\\label`` key (``tab:...``).
    """
    caption = re.sub(r"^Table \d+\.\s*", "", table.title)
    if table.simulated:
        caption = SIMULATED_TITLE + caption
    columns = "l" + "c" * table.n_columns
    lines = [
        f"% {_shown_title(table)}",
        "% Written by scripts/paper_tables.py from the tidy table; needs booktabs.",
        r"\begin{table}[htbp]",
        r"  \centering",
        rf"  \caption{{{latex_escape(caption)}}}",
        rf"  \label{{{label}}}",
        r"  \small",
        *([r"  \setlength{\tabcolsep}{3pt}"] if table.n_columns >= WIDE_TABLE else []),
        rf"  \begin{{tabular}}{{@{{}}{columns}@{{}}}}",
        r"    \toprule",
    ]
    for position, row in enumerate(table.header):
        last = position == len(table.header) - 1
        lines += _latex_header_row(row, table.stub if last else "")
    if table.outcome:
        lines.append(
            "    & "
            + " & ".join([latex_escape(table.outcome)] * table.n_columns)
            + r" \\"
        )
    lines.append(r"    \midrule")
    for position, (name, cells) in enumerate(table.body):
        if position in table.rule_before:
            lines.append(r"    \midrule")
        lines.append(
            "    " + " & ".join([latex_escape(name), *map(_latex_cell, cells)]) + r" \\"
        )
    lines += [r"    \bottomrule", r"  \end{tabular}"]
    if table.notes:
        lines += [
            r"  \par\smallskip",
            r"  \begin{minipage}{0.95\linewidth}\footnotesize",
        ]
        lines += [f"  {latex_escape(note)}\\par" for note in table.notes]
        lines.append(r"  \end{minipage}")
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


_HTML_STYLE = """
body { font-family: Georgia, 'Times New Roman', serif; margin: 1.5em; color: #111; }
h1 { font-size: 1.1em; }
table { border-collapse: collapse; margin: 0.5em 0; }
thead tr:first-child th { border-top: 2px solid #111; }
thead tr:last-child th { border-bottom: 1px solid #111; }
tbody tr:last-child td { border-bottom: 2px solid #111; }
tr.rule td { border-top: 1px solid #111; }
th, td { padding: 0.15em 0.8em; text-align: center; font-weight: normal; }
td:first-child, th:first-child { text-align: left; }
th.spanner { border-bottom: 1px solid #111; }
p.note { font-size: 0.85em; max-width: 60em; }
.simulated { color: #a00; }
"""


def html_page(title: str, body: str, simulated: bool = False) -> str:
    """A self-contained HTML page (for the Snakemake report's viewer)."""
    heading = html.escape(title)
    if simulated:
        heading = (
            f'<span class="simulated">{html.escape(SIMULATED_TITLE)}</span>{heading}'
        )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_HTML_STYLE}</style>\n</head>\n"
        f"<body>\n<h1>{heading}</h1>\n{body}\n</body>\n</html>\n"
    )


def _html_cell(cell: Cell, tag: str = "td") -> str:
    text = re.sub(r"-(?=\d)", "&minus;", html.escape(cell.text))
    stars = f"<sup>{'*' * cell.stars}</sup>" if cell.stars else ""
    span = f' colspan="{cell.span}"' if cell.span > 1 else ""
    css = ' class="spanner"' if cell.span > 1 else ""
    return f"<{tag}{span}{css}>{text}{stars}</{tag}>"


def to_html(table: PaperTable) -> str:
    """The table as a self-contained HTML page, in the printed layout."""
    head = []
    for position, row in enumerate(table.header):
        stub = table.stub if position == len(table.header) - 1 else ""
        head.append(
            "<tr><th>"
            + html.escape(stub)
            + "</th>"
            + "".join(_html_cell(c, "th") for c in row)
            + "</tr>"
        )
    if table.outcome:
        head.append(
            "<tr><th></th>"
            + f"<th>{html.escape(table.outcome)}</th>" * table.n_columns
            + "</tr>"
        )
    rows = []
    for position, (name, cells) in enumerate(table.body):
        css = ' class="rule"' if position in table.rule_before else ""
        rows.append(
            f"<tr{css}><td>{html.escape(name)}</td>"
            + "".join(_html_cell(c) for c in cells)
            + "</tr>"
        )
    notes = "".join(
        f'<p class="note">{html.escape(note)}</p>\n' for note in table.notes
    )
    body = (
        "<table>\n<thead>\n"
        + "\n".join(head)
        + "\n</thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody>\n</table>\n"
        + notes
    )
    return html_page(table.title, body, table.simulated)


def grid_markdown(frame: pd.DataFrame) -> str:
    """A frame of display strings as a Markdown table (no title, no notes)."""
    text = frame.astype(str)
    lines = [
        "| " + " | ".join(map(str, text.columns)) + " |",
        "|" + "---|" * len(text.columns),
    ]
    lines += ["| " + " | ".join(row) + " |" for row in text.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def grid_html(frame: pd.DataFrame) -> str:
    """A frame of display strings as an HTML table (escaped), for :func:`html_page`."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = [
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    ]
    return (
        "<table>\n<thead><tr>"
        + head
        + "</tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody>\n</table>\n"
    )
