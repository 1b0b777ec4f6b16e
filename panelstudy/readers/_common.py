"""What every reader shares: decoding, loading rows, and raw cells -> tidy rows.

A format module turns its file into a :class:`Raw` table, one row per cell with the
province label, the year, the raw cell and where the cell is (row and column, for error
messages). :func:`tidy` then harmonises names, parses years and numbers, applies the
spec's year bounds, exclusions and scale, and refuses duplicate province-years.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from panelstudy import cells, provinces

log = logging.getLogger(__name__)

RAW_COLUMNS = ["name", "year", "cell", "row", "column"]
TIDY_COLUMNS = ["province", "province_name", "year", "variable", "value", "unit", "source"]

# Fewer recognised province labels than this share means the text was decoded wrongly.
MIN_RECOGNISED = 0.5


class DecodingError(ValueError):
    """A text file that no supported encoding turns into a province table."""


@dataclass
class Raw:
    """One cell a row: ``name``, ``year``, ``cell``, ``row``, ``column`` (see RAW_COLUMNS).

    ``selector`` says what was taken from the file (indicator, column, sheet) and becomes
    part of the tidy ``source``; ``metadata`` keeps what the file says about itself.
    """

    frame: pd.DataFrame
    selector: str
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Format:
    """A raw format: its reader ``read(spec, path, source) -> Raw`` and its spec keys.

    ``selectors`` maps each format-specific key to whether it is required.
    """

    read: Callable[[dict, Path, str], Raw]
    selectors: dict[str, bool]


def raw_frame(records: list[tuple]) -> pd.DataFrame:
    """A Raw frame from (name, year, cell, row, column) tuples; cells keep their type.

    A sixth element ``check`` is a province name given next to a code in ``name``;
    :func:`tidy` refuses rows where the two point at different provinces.
    """
    columns = RAW_COLUMNS + ["check"] if records and len(records[0]) == 6 else RAW_COLUMNS
    return pd.DataFrame(records, columns=columns, dtype=object)


def decode(data: bytes, source: str) -> tuple[str, str]:
    """Text of a file and the codec used.

    Order: a UTF-8 or UTF-16 byte-order mark decides; otherwise strict UTF-8 (UTF-8 text
    is never read as GBK); otherwise GB18030 (a superset of GBK and GB2312, so rare
    characters such as 䶮 decode). Whether the result makes sense is checked afterwards by
    :func:`check_decoding`.
    """
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16"), "utf-16"
    except UnicodeDecodeError as error:
        raise DecodingError(f"{source}: has a byte-order mark but does not decode: {error}")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as error:
        raise DecodingError(
            f"{source}: neither UTF-8 nor GB18030 ({error}); "
            "save it as UTF-8 and read it again"
        ) from error


def check_decoding(labels: list, encoding: str, source: str) -> None:
    """Raise DecodingError when almost none of a file's row labels is a province."""
    share = provinces.recognised_share(labels)
    if share < MIN_RECOGNISED:
        examples = ", ".join(repr(str(label)) for label in list(dict.fromkeys(labels))[:3])
        raise DecodingError(
            f"{source}: decoded as {encoding}, but only {share:.0%} of the row labels are "
            f"province names (e.g. {examples}); the file is in another encoding or is not "
            "a province table"
        )


def delimiter_of(line: str) -> str:
    """Comma, unless the line has tabs and no commas (UTF-16 exports are tab-separated)."""
    return "\t" if "\t" in line and "," not in line else ","


def csv_rows(lines: list[str], first_line: int) -> list[tuple[int, list[str]]]:
    """(line number, cells) of CSV lines; quoted cells (``"41,610.9"``) kept whole."""
    if not lines:
        return []
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter_of(lines[0]))
    rows = []
    for cells_ in reader:
        rows.append((first_line + reader.line_num - 1, cells_))
    return rows


def load_csv(path: Path, source: str) -> tuple[list[str], list[tuple[int, list[str]]], str]:
    """Header, (line number, cells) rows and encoding of a CSV with one header line."""
    text, encoding = decode(path.read_bytes(), source)
    rows = csv_rows(text.splitlines(), first_line=1)
    if not rows:
        raise ValueError(f"{source}: the file is empty")
    header = [cell.strip() for cell in rows[0][1]]
    return header, [row for row in rows[1:] if any(c.strip() for c in row[1])], encoding


def load_sheet(
    path: Path, sheet: str | None, source: str
) -> tuple[list[tuple[int, list]], str]:
    """(Excel row number, cell values) of one sheet (.xlsx by openpyxl, .xls by xlrd)."""
    if path.suffix.lower() == ".xls":
        import xlrd

        book = xlrd.open_workbook(path)
        names = book.sheet_names()
        name = _sheet_name(sheet, names, source)
        table = book.sheet_by_name(name)
        rows = [(i + 1, [None if v == "" else v for v in table.row_values(i)])
                for i in range(table.nrows)]
        return rows, name
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        name = _sheet_name(sheet, book.sheetnames, source)
        rows = [(i, list(values)) for i, values in
                enumerate(book[name].iter_rows(values_only=True), start=1)]
    finally:
        book.close()
    width = max((len(values) for _, values in rows), default=0)
    return [(i, values + [None] * (width - len(values))) for i, values in rows], name


def _sheet_name(sheet: str | None, names: list[str], source: str) -> str:
    if sheet is None:
        return names[0]
    if sheet not in names:
        raise ValueError(f"{source}: no sheet {sheet!r}; sheets: {names}")
    return sheet


def blank(cell: object) -> bool:
    if isinstance(cell, float) and np.isnan(cell):
        return True
    return cell is None or str(cell).strip() == ""


def _check_names(frame: pd.DataFrame, source: str) -> None:
    by_name = provinces.harmonize(frame["check"], source=source).to_numpy()
    differ = frame["province"].to_numpy() != by_name
    if differ.any():
        pairs = sorted({(str(code), str(name))
                        for code, name in frame.loc[differ, ["name", "check"]].to_numpy()})
        raise ValueError(f"{source}: code and name columns disagree: {pairs[:5]}")


def _exclude_names(frame: pd.DataFrame, names: list[str], source: str) -> pd.DataFrame:
    listed = {str(name).strip() for name in names}
    hit = frame["name"].map(lambda label: str(label).strip() in listed)
    for label, n in frame.loc[hit, "name"].value_counts().items():
        log.info("%s: left out %d row(s) of %r (exclude_names)", source, n, label)
    unused = listed - set(frame.loc[hit, "name"].map(lambda label: str(label).strip()))
    if unused:
        raise ValueError(f"{source}: exclude_names {sorted(unused)} match no row label")
    return frame.loc[~hit]


def _exclude_cells(frame: pd.DataFrame, entries: list[dict], source: str) -> pd.DataFrame:
    for entry in entries:
        if set(entry) != {"province", "year", "reason"}:
            raise ValueError(
                f"exclude_cells entry {entry} must have exactly province, year and reason"
            )
        code = provinces.code_of(entry["province"], source="exclude_cells")
        hit = (frame["province"] == code) & (frame["year"] == int(entry["year"]))
        if not hit.any():
            raise ValueError(f"{source}: exclude_cells {entry} matches no cell")
        log.info(
            "%s: left out %s %s = %r (%s)", source, code, entry["year"],
            frame.loc[hit, "cell"].iloc[0], entry["reason"],
        )
        frame = frame.loc[~hit]
    return frame


def _refuse_duplicates(frame: pd.DataFrame, source: str) -> None:
    dup = frame.duplicated(["province", "year"], keep=False)
    if not dup.any():
        return
    lines = []
    for (code, year), group in frame.loc[dup].groupby(["province", "year"], dropna=False):
        where = " and ".join(f"{r.row} ({str(r.name).strip()!r}, column {r.column!r})"
                             for r in group.itertuples())
        lines.append(f"{code} {year}: {where}")
    raise ValueError(
        f"{source}: {len(lines)} province-year(s) appear more than once after names were "
        f"harmonised: " + "; ".join(lines[:5])
    )


def tidy(raw: Raw, spec: dict, variable: str, path_label: str) -> pd.DataFrame:
    """Raw cells -> tidy rows in the target unit (see the package docstring)."""
    source = f"{path_label} [{raw.selector}]"
    frame = raw.frame
    n_read = len(frame)
    if spec.get("exclude_names"):
        frame = _exclude_names(frame, spec["exclude_names"], path_label)
    codes = provinces.harmonize(frame["name"], source=path_label)
    frame = frame.assign(province=codes.to_numpy())
    frame = frame.loc[frame["province"].notna()]
    if "check" in frame:
        _check_names(frame, path_label)
    static = raw.metadata.get("static", False)
    if static:
        frame = frame.assign(year=pd.NA)
    else:
        years = cells.to_years(frame["year"].tolist(), path_label,
                               frame["row"].tolist(), frame["column"].tolist())
        bounds = spec.get("years") or {}
        inside = (years >= bounds.get("first", 0)) & (years <= bounds.get("last", 9999))
        frame = frame.assign(year=years).loc[inside]
    if spec.get("exclude_cells"):
        frame = _exclude_cells(frame, spec["exclude_cells"], path_label)
    _refuse_duplicates(frame, path_label)

    values = cells.to_numbers(frame["cell"].tolist(), path_label,
                              frame["row"].tolist(), frame["column"].tolist())
    values = values * float(spec.get("scale", 1))
    observed = ~np.isnan(values)
    out = pd.DataFrame({
        "province": frame["province"].to_numpy()[observed],
        "year": pd.array(frame["year"].to_numpy()[observed],
                         dtype="Int64" if static else "int64"),
        "value": values[observed],
    })
    out.insert(1, "province_name", provinces.short_names(out["province"]).to_numpy())
    out.insert(3, "variable", variable)
    out["unit"] = spec["unit"]
    out["source"] = source
    out = out.astype({"province": "str", "province_name": "str", "variable": "str",
                      "unit": "str", "source": "str"})
    out = out.sort_values(["province", "year"], ignore_index=True)[TIDY_COLUMNS]
    out.attrs["metadata"] = dict(raw.metadata)
    if static or not len(out):
        span = "static" if static else "none"
    else:
        span = f"{out['year'].min()}-{out['year'].max()}"
    log.info(
        "%s: %s = %d values (%d provinces, years %s) from %d cells; %d missing left out",
        source, variable, len(out), out["province"].nunique(), span, n_read,
        int((~observed).sum()),
    )
    return out
