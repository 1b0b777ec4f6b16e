"""Series that are not a table of province-years in the file.

``area_csv`` (``transport/province_area_from_geojson_km2.csv``)
    ``adcode, name, <area column>``: one row per division, no year. Without ``years``
    bounds the rows have year <NA> (dtype Int64) and the panel assembly repeats them over
    its years (:func:`panelstudy.panel.broadcast_static`); with both bounds the reader
    repeats them itself over those years and the source says so. The file also holds
    Hong Kong, Macau, Taiwan (dropped as non-panel units) and a row ``100000_JD`` without
    a name, the map's nine-dash-line polygon, which a spec leaves out with
    ``exclude_names``. Keys: ``static`` (must be true: the file has no years), ``column``.
``cbec_zones`` (``policy/cbec_pilot_zones_by_city.csv``)
    One row per city approved as a cross-border e-commerce comprehensive pilot zone
    (``batch``, ``batch_year``, ``city``, ``province (assigned from geography)``,
    ``evidence_status``). The series is the number of a province's zones at the end of
    each year in the spec's ``years`` bounds (required): cities of the chosen batches
    approved in or before that year; a province without one has 0. Evidence statuses of
    the batches used are logged (batch 4 is partly inferred, batch 7 lists 17 of 33
    cities, so its year gives a lower bound). Keys: ``batches`` (optional list; default
    all).
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

from panelstudy import cells, provinces
from panelstudy.readers._common import Format, Raw, check_decoding, load_csv, raw_frame

__all__ = ["FORMATS", "read_area_csv", "read_cbec_zones"]

log = logging.getLogger(__name__)

CBEC_PROVINCE = "province (assigned from geography)"


def _span(spec: dict, source: str) -> range:
    bounds = spec.get("years") or {}
    if "first" not in bounds or "last" not in bounds:
        raise ValueError(
            f"{source}: format {spec['format']} needs years: {{first: ..., last: ...}}"
        )
    return range(int(bounds["first"]), int(bounds["last"]) + 1)


def _columns(header: list[str], names: list[str], source: str) -> list[int]:
    missing = [name for name in names if name not in header]
    if missing:
        raise ValueError(f"{source}: no column(s) {missing}; columns: {header}")
    return [header.index(name) for name in names]


def read_area_csv(spec: dict, path: Path, source: str) -> Raw:
    if spec.get("static") is not True:
        raise ValueError(f"{source}: an area table has no years; set static: true to read "
                         "it as a static series")
    header, rows, encoding = load_csv(path, source)
    columns = ["adcode", "name", spec["column"]]
    code_at, name_at, value_at = _columns(header, columns, source)
    check_decoding([row[code_at] for _, row in rows], encoding, source)
    if not spec.get("years"):
        records = [(row[code_at], None, row[value_at], f"line {number}", spec["column"],
                    row[name_at]) for number, row in rows]
        log.info("read %s (%s): %d rows, static (year <NA>)", source, encoding, len(rows))
        return Raw(raw_frame(records), f"column {spec['column']}, static", {"static": True})
    years = _span(spec, source)
    records = [
        (row[code_at], year, row[value_at], f"line {number}", spec["column"], row[name_at])
        for number, row in rows for year in years
    ]
    span = f"{years.start}-{years.stop - 1}"
    log.info("read %s (%s): %d rows, static, repeated over %s",
             source, encoding, len(rows), span)
    return Raw(raw_frame(records), f"column {spec['column']}, static, repeated over {span}")


def read_cbec_zones(spec: dict, path: Path, source: str) -> Raw:
    years = _span(spec, source)
    header, rows, encoding = load_csv(path, source)
    batch_at, year_at, province_at, status_at = _columns(
        header, ["batch", "batch_year", CBEC_PROVINCE, "evidence_status"], source)
    check_decoding([row[province_at] for _, row in rows], encoding, source)
    listed = {int(row[batch_at]) for _, row in rows}
    batches = {int(b) for b in spec.get("batches") or listed}
    used = [(number, row) for number, row in rows if int(row[batch_at]) in batches]
    codes = provinces.harmonize([row[province_at] for _, row in used], source=source)
    approved = cells.to_years([row[year_at] for _, row in used], source,
                              [f"line {number}" for number, _ in used], "batch_year")
    statuses = Counter((row[batch_at], row[status_at]) for _, row in used)
    for (batch, status), n in sorted(statuses.items()):
        log.info("%s: batch %s, %d cities, evidence %r", source, batch, n, status)

    pairs = list(zip(codes, approved))
    records = [
        (code, year, float(sum(1 for c, y in pairs if c == code and y <= year)),
         f"cities approved by {year}", f"batches {sorted(batches)}")
        for code in provinces.load_provinces()["code"] for year in years
    ]
    return Raw(raw_frame(records), f"zones by year end, batches {sorted(batches)}")


FORMATS = {
    "area_csv": Format(read_area_csv, {"static": True, "column": True}),
    "cbec_zones": Format(read_cbec_zones, {"batches": False}),
}
