"""Long tables: one row per province-year, or per indicator x province x year.

These formats differ only in which columns hold the province, the year and the value, so
each is a :class:`Layout` here rather than a module of its own. Files are read with the
encoding detected (:func:`~panelstudy.readers._common.decode`); all seen are UTF-8 with a
byte-order mark.

``nbs_easyquery`` (``nbs-easyquery/A0G0E.csv`` and siblings)
    ``requested_code, indicator_code, indicator_name, region_code, region_name, year,
    value, display_value, has_data``. ``region_code`` (6 digits) is the key and
    ``region_name`` is checked against it; ``value`` is read (``display_value`` is the same
    number rounded); rows with ``has_data`` False are missing. Keys: ``filter`` (e.g.
    ``{indicator_code: A0G0E01}``), needed when the file holds several indicators.
``nbs_scrape`` (``nbs-scrape-2025/分省*_多年期_面板数据.csv``)
    ``省辖市代码`` (12-digit code, ``110000000000``), ``省份`` (checked against the code),
    ``年份``, one column per indicator with its unit (``电子商务销售额 (亿元)``); the
    latest year (2025) is present with empty cells. Keys: ``column``.
``rd_long`` (``rd-patents-budget/*.csv``, converted yearbook tables)
    ``province, year, chn_block4, value, units, variables``, one row per item
    (``合计``, ``发明``, ``RD经费``, ...). Short names, in 2010 padded with spaces
    (``上   海``); a few OCR errors listed as typos in ``resources/provinces.csv``
    (``江两`` for 江西); ``全国`` rows are national totals. A selection must hold one item
    and one unit (``units``, kept as the raw unit). Keys: ``filter`` (e.g.
    ``{chn_block4: 发明}`` or ``{variables: v4_cg_zlsq_fm}``).
``merged_csv`` (``nbs-download/分省年度数据_整合.csv``)
    ``地区`` (short name), ``年份``, indicator columns with the unit in the name
    (``发明专利申请数_件``). Keys: ``column``.
``stata_csv`` (``nbs-download/panel_stata_ready_v2.csv``)
    ``province_id`` (the compiler's own 1..31 numbering, not a division code: unused),
    ``province`` (short name), ``year``, Stata names (``gdp``, ``patent_apps``).
    Keys: ``column``.
``digital_panel`` (``digital-panel/Indicator-Mediator-Control Variables.csv``)
    ``Year``, ``Province`` (English names), English indicator names; the rows
    ``National`` and ``Eastern/Central/Western Region`` are aggregates and are dropped.
    Some columns are constant from 2016 on (``Fixed Asset Investment``). Keys: ``column``.
``transcribed_2015`` (``internet/*_2015_transcribed.csv``)
    ``省份``, ``年份`` (2015), then columns named as in the NBS scrape. Keys: ``column``.
``excel_panel`` (``eps-extract/面板原始数据_合并版v2.xlsx``)
    Header in the first row: ``省份``, ``年份``, indicator columns with units
    (``技术市场成交额（万元）``). Keys: ``column``, ``sheet`` (default the first sheet).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path

from panelstudy.cells import normalise
from panelstudy.readers._common import (
    Format, Raw, check_decoding, load_csv, load_sheet, raw_frame,
)

__all__ = ["Layout", "select", "read_csv_layout", "read_sheet_layout", "FORMATS"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Layout:
    """Columns of a long table.

    province : the province label (name or code); year : the year.
    value : the value column when the table has one; None means the spec's ``column``.
    name : a name column checked against a code column in ``province``.
    indicator : columns naming the indicator; a selection must hold only one.
    unit : column naming the raw unit; a selection must hold only one.
    has_data : a True/False column; rows flagged False are missing whatever the value.
    """

    province: str
    year: str
    value: str | None = None
    name: str | None = None
    indicator: tuple[str, ...] = ()
    unit: str | None = None
    has_data: str | None = None


def _position(header: list[str], column: str, source: str) -> int:
    try:
        return header.index(column)
    except ValueError:
        raise ValueError(f"{source}: no column {column!r}; columns: {header}") from None


def _only_one(rows: list, position: int, column: str, source: str, hint: str) -> str:
    found = sorted({normalise(row[position]) for _, row in rows})
    if len(found) > 1:
        raise ValueError(
            f"{source}: the selection holds several {column}: {found[:10]}; {hint}"
        )
    return found[0]


def select(header: list[str], rows: list[tuple[str, list]], layout: Layout, spec: dict,
           source: str) -> Raw:
    """Rows picked by the spec's ``filter`` -> Raw cells of the value column."""
    value_column = layout.value or spec["column"]
    at = {column: _position(header, column, source) for column in
          [layout.province, layout.year, value_column, *layout.indicator]
          + [c for c in (layout.name, layout.unit, layout.has_data) if c]}
    selected = rows
    for column, wanted in (spec.get("filter") or {}).items():
        position = _position(header, column, source)
        kept = [r for r in selected if normalise(r[1][position]) == normalise(wanted)]
        if not kept:
            values = sorted({normalise(r[1][position]) for r in selected})
            raise ValueError(
                f"{source}: no row has {column} = {wanted!r}; values: {values[:20]}"
            )
        selected = kept
    if not selected:
        raise ValueError(f"{source}: no data rows")

    metadata = {}
    for column in layout.indicator:
        metadata[column] = _only_one(selected, at[column], column, source,
                                     f"choose one with filter: {{{column}: ...}}")
    if layout.unit:
        metadata["raw_unit"] = _only_one(selected, at[layout.unit], layout.unit, source,
                                         "the source mixes units within one series")

    records = []
    for where, row in selected:
        cell = row[at[value_column]]
        if layout.has_data and normalise(row[at[layout.has_data]]).lower() == "false":
            cell = ""
        record = (row[at[layout.province]], row[at[layout.year]], cell, where, value_column)
        records.append(record + (row[at[layout.name]],) if layout.name else record)
    chosen = spec.get("filter") or {c: metadata[c] for c in layout.indicator[:1]}
    parts = [f"{k}={v}" for k, v in chosen.items()]
    parts += [] if layout.value else [f"column {value_column}"]
    log.info("%s: %d of %d rows selected (%s)",
             source, len(selected), len(rows), ", ".join(parts))
    return Raw(raw_frame(records), ", ".join(parts) or value_column, metadata)


def read_csv_layout(spec: dict, path: Path, source: str, layout: Layout) -> Raw:
    """A long CSV read through ``layout``."""
    header, rows, encoding = load_csv(path, source)
    labelled = [(f"line {number}", cells + [""] * (len(header) - len(cells)))
                for number, cells in rows]
    province = _position(header, layout.province, source)
    check_decoding([row[province] for _, row in labelled], encoding, source)
    log.info("read %s (%s): %d rows, %d columns", source, encoding, len(rows), len(header))
    return select(header, labelled, layout, spec, source)


def read_sheet_layout(spec: dict, path: Path, source: str, layout: Layout) -> Raw:
    """A long Excel sheet (header in its first row) read through ``layout``."""
    rows, sheet = load_sheet(path, spec.get("sheet"), source)
    header = ["" if cell is None else str(cell).strip() for cell in rows[0][1]]
    labelled = [(f"row {number}", list(cells) + [None] * (len(header) - len(cells)))
                for number, cells in rows[1:] if any(c is not None for c in cells)]
    log.info("read %s sheet %s: %d rows, %d columns",
             source, sheet, len(labelled), len(header))
    raw = select(header, labelled, layout, spec, f"{source} [sheet {sheet}]")
    raw.selector = f"sheet {sheet}, {raw.selector}"
    return raw


def _csv(layout: Layout, selectors: dict[str, bool]) -> Format:
    return Format(functools.partial(read_csv_layout, layout=layout), selectors)


FORMATS = {
    "nbs_easyquery": _csv(
        Layout("region_code", "year", value="value", name="region_name",
               indicator=("indicator_code",), has_data="has_data"),
        {"filter": False},
    ),
    "nbs_scrape": _csv(Layout("省辖市代码", "年份", name="省份"), {"column": True}),
    "rd_long": _csv(
        Layout("province", "year", value="value", indicator=("chn_block4", "variables"),
               unit="units"),
        {"filter": True},
    ),
    "merged_csv": _csv(Layout("地区", "年份"), {"column": True}),
    "stata_csv": _csv(Layout("province", "year"), {"column": True}),
    "digital_panel": _csv(Layout("Province", "Year"), {"column": True}),
    "transcribed_2015": _csv(Layout("省份", "年份"), {"column": True}),
    "excel_panel": Format(
        functools.partial(read_sheet_layout, layout=Layout("省份", "年份")),
        {"column": True, "sheet": False},
    ),
}
