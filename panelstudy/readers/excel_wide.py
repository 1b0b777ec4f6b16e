"""Excel sheets with years as columns or as rows.

``eps_export`` (``eps-extract/中国宏观经济数据库-年度（分省级）.xlsx``)
    An EPS DATA export: a header row with the years from the third column on, then one
    row per indicator x region: indicator (with its unit, ``地区生产总值（当年价）（亿元）``)
    in the first column, short province name in the second. Footer rows (``数据来源：``,
    ``由EPS DATA整理``) have no region and are ignored. Keys: ``indicator`` (the
    first-column text), ``sheet`` (default the first).
``wps_xls`` (``nbs-download/一般公共预算等.xls``, Excel 97 written by WPS)
    A header row of years, then one row per indicator x province: a running number, the
    indicator in the second column on a block's first row and in the third on the others
    (a merged-cell layout), the short province name, then the years. Indicators carry a
    stray trailing ``i`` (``一般公共预算支出（亿元）i``), kept as written. Keys:
    ``indicator``, ``sheet``.
``year_rows`` (``trade-per-capita/E8_人均出口总额_美元.xlsx``, ``E9_...``)
    The first row holds the indicator in its first cell and short province names after
    it; each further row is a year and its values. Keys: ``indicator`` (optional check of
    the first cell), ``sheet``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from panelstudy import cells
from panelstudy.readers._common import Format, Raw, blank, load_sheet, raw_frame
from panelstudy.readers.nbs_csv import split_indicator

__all__ = ["FORMATS", "read_eps_export", "read_wps_xls", "read_year_rows"]

log = logging.getLogger(__name__)


def _header(rows: list[tuple[int, list]], source: str) -> tuple[int, list[tuple[int, int]]]:
    """Index of the first row holding three or more years, and (position, year) pairs."""
    for index, (_, row) in enumerate(rows):
        years = []
        for position, cell in enumerate(row):
            try:
                years.append((position, cells.to_year(cell)))
            except ValueError:
                continue
        if len(years) >= 3:
            return index, years
    raise ValueError(f"{source}: no header row of years")


def _indicator_rows(spec: dict, path: Path, source: str,
                    indicator_of: Callable[[list, int], object]) -> Raw:
    """Rows of ``spec['indicator']`` in a sheet of indicator x province rows."""
    rows, sheet = load_sheet(path, spec.get("sheet"), source)
    start, years = _header(rows, source)
    name_at = years[0][0] - 1
    wanted = cells.normalise(spec["indicator"])
    found: dict[str, int] = {}
    records = []
    current = None
    for number, row in rows[start + 1:]:
        if blank(row[name_at]):
            continue
        label = indicator_of(row, name_at)
        current = current if blank(label) else cells.normalise(label)
        found[current] = found.get(current, 0) + 1
        if current == wanted:
            records += [(row[name_at], year, row[position], f"row {number}", str(year))
                        for position, year in years]
    if not records:
        raise ValueError(f"{source} [sheet {sheet}]: no rows of indicator "
                         f"{spec['indicator']!r}; indicators: {found}")
    name, unit = split_indicator(spec["indicator"])
    log.info("read %s sheet %s: %d rows of %s, years %d-%d", source, sheet, found[wanted],
             spec["indicator"], min(y for _, y in years), max(y for _, y in years))
    return Raw(raw_frame(records), f"sheet {sheet}, indicator {spec['indicator']}",
               {"indicator": name, "raw_unit": unit})


def read_eps_export(spec: dict, path: Path, source: str) -> Raw:
    return _indicator_rows(spec, path, source, lambda row, name_at: row[0])


def _wps_indicator(row: list, name_at: int) -> object:
    labels = [cell for cell in row[1:name_at] if not blank(cell)]
    return labels[0] if labels else None


def read_wps_xls(spec: dict, path: Path, source: str) -> Raw:
    return _indicator_rows(spec, path, source, _wps_indicator)


def read_year_rows(spec: dict, path: Path, source: str) -> Raw:
    rows, sheet = load_sheet(path, spec.get("sheet"), source)
    (_, header), data = rows[0], rows[1:]
    indicator = str(header[0]).strip()
    wanted = spec.get("indicator")
    if wanted is not None and cells.normalise(wanted) != cells.normalise(indicator):
        raise ValueError(
            f"{source}: the first cell is {indicator!r}, the spec expects {wanted!r}"
        )
    records = [
        (header[position], row[0], row[position], f"row {number}", str(header[position]))
        for number, row in data if not blank(row[0])
        for position in range(1, len(header)) if not blank(header[position])
    ]
    log.info("read %s sheet %s: %s, %d year rows x %d provinces", source, sheet, indicator,
             len(data), len(header) - 1)
    name, unit = split_indicator(indicator)
    return Raw(raw_frame(records), f"sheet {sheet}, {indicator}",
               {"indicator": name, "raw_unit": unit})


FORMATS = {
    "eps_export": Format(read_eps_export, {"indicator": True, "sheet": False}),
    "wps_xls": Format(read_wps_xls, {"indicator": True, "sheet": False}),
    "year_rows": Format(read_year_rows, {"indicator": False, "sheet": False}),
}
