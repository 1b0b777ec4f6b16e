"""NBS download CSV (data.stats.gov.cn "下载" of a 分省年度数据 table).

Layout::

    数据库：分省年度数据
    指标：地区生产总值(亿元)
    时间：最近20年
    地区,2024年,2023年,...
    北京市,49670.2,47353.7,...
    ...
    注：...
    数据来源：国家统计局

Encoding is detected (:func:`~panelstudy.readers._common.decode`): the site writes GBK,
re-saved copies are UTF-8 with or without a byte-order mark, Excel's "Unicode text" is
UTF-16 with tabs. Metadata lines before the header are kept (``指标`` gives the indicator
name and its unit in the last parentheses); some files lack the ``指标`` line (the
technology-market extract has only ``数据库`` and ``时间``). Cells may be padded with tabs
(``北京市\\t,\\t,9153.26\\t``) and a trailing delimiter adds an empty column. Lines from
the first ``注`` / ``数据来源`` / ``资料来源`` line on are footnotes and are dropped.

The CNNIC penetration table (``internet/cnnic_...csv``, format ``cnnic_wide``) has the
same layout without metadata or footnote lines and is read by the same code.

Spec keys: ``indicator`` (optional): the expected ``指标`` text, e.g.
``地区生产总值(亿元)``; a file whose ``指标`` differs is an error (NBS download files are
all called ``分省年度数据 (n).csv``, so the indicator is the only check that the path
points at the intended table). Without a ``指标`` line in the file it labels the source.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from panelstudy import cells
from panelstudy.readers._common import (
    Format, Raw, blank, check_decoding, csv_rows, decode, raw_frame,
)

__all__ = ["FORMATS", "NbsTable", "parse", "read", "split_indicator"]

log = logging.getLogger(__name__)

_META = re.compile(r"^\s*([^,\t：:]{1,12})\s*[：:](.*)$")
_FOOTER = ("注", "数据来源", "资料来源", "来源")
_UNIT = re.compile(r"^(.*?)\s*[(（]([^()（）]*)[)）]\s*$")


@dataclass
class NbsTable:
    """A parsed NBS table: metadata lines, year columns, and (line, label, cells) rows."""

    metadata: dict[str, str]
    columns: list[str]
    rows: list[tuple[int, str, list[str]]]


def split_indicator(indicator: str) -> tuple[str, str | None]:
    """``地区生产总值(亿元)`` -> (``地区生产总值``, ``亿元``); no parentheses -> (text, None)."""
    match = _UNIT.match(indicator)
    return (match.group(1), match.group(2)) if match else (indicator.strip(), None)


def _is_header(line: str) -> bool:
    return cells.normalise(re.split(r"[,\t]", line, maxsplit=1)[0]) == "地区"


def parse(text: str, source: str) -> NbsTable:
    """Split an NBS-style table into metadata, header and data rows; drop footnotes."""
    lines = text.splitlines()
    metadata: dict[str, str] = {}
    start = next((i for i, line in enumerate(lines) if _is_header(line)), None)
    if start is None:
        raise ValueError(f"{source}: no header line starting with 地区")
    for number, line in enumerate(lines[:start], start=1):
        match = _META.match(line)
        if match:
            metadata[match.group(1).strip()] = match.group(2).strip(" \t,")
        elif line.strip(" \t,"):
            raise ValueError(
                f"{source}: line {number} {line!r} is neither metadata nor header"
            )

    parsed = csv_rows(lines[start:], first_line=start + 1)
    header = [cell.strip() for cell in parsed[0][1]]
    rows = []
    for number, row in parsed[1:]:
        label = row[0].strip() if row else ""
        if cells.normalise(label).startswith(_FOOTER):
            break
        if all(blank(cell) for cell in row):
            continue
        if len(row) > len(header) and not all(blank(c) for c in row[len(header):]):
            raise ValueError(f"{source}: line {number} has more cells than the header")
        rows.append((number, label, row[1:len(header)] + [""] * (len(header) - len(row))))
    for position, column in enumerate(header[1:], start=1):
        if column == "" and any(not blank(cells_[position - 1]) for _, _, cells_ in rows):
            raise ValueError(
                f"{source}: values under an empty header cell (column {position + 1})"
            )
    return NbsTable(metadata, header[1:], rows)


def read(spec: dict, path: Path, source: str) -> Raw:
    text, encoding = decode(path.read_bytes(), source)
    table = parse(text, f"{source} (decoded as {encoding})")
    check_decoding([label for _, label, _ in table.rows], encoding, source)

    indicator = table.metadata.get("指标")
    wanted = spec.get("indicator")
    known = indicator is not None and wanted is not None
    if known and cells.normalise(indicator) != cells.normalise(wanted):
        raise ValueError(f"{source}: 指标 is {indicator!r}, the spec expects {wanted!r}")
    label = indicator or wanted
    name, unit = split_indicator(label) if label else (None, None)
    log.info(
        "read %s (%s): %s; %d rows x %d columns; metadata %s",
        source, encoding, label or "no indicator", len(table.rows), len(table.columns),
        table.metadata,
    )
    records = [
        (name_, column, cell, f"line {number}", column)
        for number, name_, row in table.rows
        for column, cell in zip(table.columns, row)
        if column != ""
    ]
    metadata = {**table.metadata, "encoding": encoding, "indicator": name, "raw_unit": unit}
    if indicator:
        selector = f"指标 {indicator}"
    else:
        selector = f"indicator {wanted} (no 指标 line)" if wanted else "no 指标 line"
    return Raw(raw_frame(records), selector, metadata)


FORMATS = {
    "nbs_csv": Format(read, {"indicator": False}),
    "cnnic_wide": Format(read, {"indicator": False}),
}
