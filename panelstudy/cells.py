"""Raw cells to numbers.

Statistical extracts write ``36,102.6``, ``２３４``, ``1，234．5``, `` 56 `` or a tab-padded
``9153.26\\t``; missing values appear as empty cells or placeholders such as ``—``, ``…``
or ``NA``. Cleaning: Unicode NFKC normalisation (full-width digits and punctuation become
half-width, ``…`` becomes ``...``), the minus sign ``−`` read as ``-``, all whitespace
removed, then thousands separators removed where they group digits by three. A cell that
is still not a number is an error naming file, row and column: reading it as missing
would hide a broken extract. So is a cell holding a footnote mark that NFKC would turn
into a digit (``36102.6①`` would read as 36102.61, ``123.4¹`` as 123.41), and a number
too large to be finite (``1e400``).
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

__all__ = [
    "PLACEHOLDERS",
    "CellError",
    "normalise",
    "to_number",
    "to_numbers",
    "to_year",
    "to_years",
]

log = logging.getLogger(__name__)

# Cells meaning "no value", compared after normalise(); the empty cell is counted apart.
PLACEHOLDERS = frozenset(
    {"-", "--", "---", "—", "——", "–", "...", "......", "..", "NA", "N/A", "n/a", "na",
     "NaN", "nan", "null", "NULL", "None", "#N/A"}
)

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_YEAR = re.compile(r"(\d{4})年?")
_SHOWN = 10


class CellError(ValueError):
    """Cells that are neither numbers nor placeholders, with where they are."""


def normalise(cell: object) -> str:
    """Text of a cell with full-width forms folded and all whitespace removed."""
    text = unicodedata.normalize("NFKC", str(cell)).replace("\u2212", "-")
    return "".join(text.split())


def _refuse_marks(cell: object) -> None:
    """Raise ValueError if the cell holds a character NFKC would fold into a digit
    without being one (superscripts, circled numbers: footnote marks)."""
    marks = [ch for ch in str(cell) if unicodedata.category(ch) == "No"]
    if marks:
        raise ValueError(
            f"{cell!r} holds {''.join(marks)!r}, a footnote mark or non-decimal digit "
            "that cleaning would turn into digits of the value"
        )


def _finite(value: float, cell: object) -> float:
    if math.isinf(value):
        raise ValueError(f"{cell!r} is not a finite number")
    return value


def _parse(cell: object) -> tuple[float, str | None]:
    """(value, None) for a number; (nan, marker) for a missing cell; raises ValueError."""
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return math.nan, ""
    if isinstance(cell, (bool, np.bool_)):
        raise ValueError(f"a boolean {cell!r} is not a number")
    if isinstance(cell, (int, float, np.integer, np.floating)):
        return _finite(float(cell), cell), None
    _refuse_marks(cell)
    text = normalise(cell)
    if text == "" or text in PLACEHOLDERS:
        return math.nan, text
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    if _NUMBER.fullmatch(text):
        return _finite(float(text), cell), None
    raise ValueError(f"{cell!r} is not a number after cleaning (read as {text!r})")


def to_number(cell: object) -> float:
    """One cell as a float; NaN for an empty cell or a placeholder.

    Raises
    ------
    ValueError
        The cell is not a number after cleaning.
    """
    return _parse(cell)[0]


def _where(rows: Sequence | None, columns: Sequence | str | None, i: int) -> str:
    row = f"row {rows[i]}" if rows is not None else f"item {i}"
    if columns is None:
        return row
    column = columns if isinstance(columns, str) else columns[i]
    return f"{row}, column {column!r}"


def _convert(cells: Sequence, parse: Callable[[object], object], source: str, what: str,
             fix: str, rows: Sequence | None, columns: Sequence | str | None) -> list:
    """``parse`` applied to every cell; one CellError listing where each failure is."""
    results, bad = [], []
    for i, cell in enumerate(cells):
        try:
            results.append(parse(cell))
        except ValueError as error:
            bad.append((_where(rows, columns, i), str(error)))
    if bad:
        shown = "; ".join(f"{where}: {message}" for where, message in bad[:_SHOWN])
        more = f" (and {len(bad) - _SHOWN} more)" if len(bad) > _SHOWN else ""
        raise CellError(f"{source}: {len(bad)} {what}: {shown}{more}. {fix}")
    return results


def to_numbers(
    cells: Sequence,
    source: str,
    rows: Sequence | None = None,
    columns: Sequence | str | None = None,
) -> np.ndarray:
    """Cells as float64, NaN where empty or a placeholder; one log line of the counts.

    Parameters
    ----------
    cells : sequence
        Raw cells (str, int, float, None).
    source : str
        The file (and sheet) the cells come from, for the log line and errors.
    rows, columns : sequence or str, optional
        Row and column labels of each cell (``columns`` may be one label for all), used to
        say where a bad cell is.

    Raises
    ------
    CellError
        Naming file, row, column and content of every cell that is not a number.
    """
    parsed = _convert(
        cells, _parse, source, "cell(s) are not numbers",
        "If the text marks a missing value, add it to panelstudy.cells.PLACEHOLDERS; "
        "if the source value is wrong, leave it out with exclude_cells in the series "
        "spec (with the reason).",
        rows, columns,
    )
    values = np.array([value for value, _ in parsed], dtype="float64")
    markers = Counter(marker for _, marker in parsed if marker is not None)
    empty = markers.pop("", 0)
    if markers or empty:
        shown = ", ".join(f"{marker!r} x{n}" for marker, n in markers.most_common())
        log.info(
            "%s: %d placeholder cell(s) read as missing%s; %d empty cell(s)",
            source, sum(markers.values()), f" ({shown})" if shown else "", empty,
        )
    return values


def to_year(cell: object) -> int:
    """A year cell (``2020``, ``2020年``, ``２０２０年``, 2020.0) as an int.

    Raises
    ------
    ValueError
        The cell is not a four-digit year between 1900 and 2100.
    """
    numeric = isinstance(cell, (int, float, np.integer, np.floating))
    if numeric and not isinstance(cell, bool):
        if float(cell).is_integer() and 1900 <= cell <= 2100:
            return int(cell)
        raise ValueError(f"{cell!r} is not a year")
    _refuse_marks(cell)
    match = _YEAR.fullmatch(normalise(cell))
    if match is None or not 1900 <= int(match.group(1)) <= 2100:
        raise ValueError(f"{cell!r} is not a year")
    return int(match.group(1))


def to_years(
    cells: Sequence,
    source: str,
    rows: Sequence | None = None,
    columns: Sequence | str | None = None,
) -> np.ndarray:
    """Year cells as int64; raises CellError naming every cell that is not a year."""
    years = _convert(cells, to_year, source, "cell(s) are not years",
                     "Years are written 2020 or 2020年.", rows, columns)
    return np.array(years, dtype="int64")
