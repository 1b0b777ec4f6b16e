"""JSON extracts.

``nbs_json`` (``nbs-scrape-2024/金融业增加值_NBS_raw.json``)
    The raw answer of the NBS easyquery service: ``returndata.datanodes`` holds one node
    per indicator x region x year with code ``zb.<indicator>_reg.<6-digit code>_sj.<year>``
    (the same three parts are listed in ``wds``) and ``data`` = ``{data, strdata,
    hasdata}``; ``returndata.wdnodes`` names the indicator (``cname``) and its unit. A node
    with ``hasdata`` False is missing even though its ``data`` is 0. ``strdata`` is read,
    as printed. Keys: ``indicator_code`` (e.g. ``A02010D``), needed when the answer holds
    several indicators.
``transport_json`` (``transport/merged_provincial_data.json``)
    An object: full province name -> list of records, each ``{"年份": "2005", "公路里程
    (万公里)": 0.81, ...}``; a value may be null. Keys: ``field``, the record key as
    written, with its unit (``铁路营业里程(万公里)``).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from panelstudy.readers._common import Format, Raw, raw_frame
from panelstudy.readers.nbs_csv import split_indicator

__all__ = ["FORMATS", "read_nbs_json", "read_transport_json"]

log = logging.getLogger(__name__)


def _load(path: Path, source: str) -> object:
    try:
        return json.loads(path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{source}: not JSON: {error}") from error


def read_nbs_json(spec: dict, path: Path, source: str) -> Raw:
    answer = _load(path, source)
    try:
        nodes = answer["returndata"]["datanodes"]
        dimensions = {w["wdcode"]: w["nodes"] for w in answer["returndata"]["wdnodes"]}
    except (KeyError, TypeError) as error:
        raise ValueError(
            f"{source}: not an NBS easyquery answer (missing {error})"
        ) from error

    indicators = {node["code"]: node for node in dimensions.get("zb", [])}
    wanted = spec.get("indicator_code")
    if wanted is None and len(indicators) != 1:
        raise ValueError(
            f"{source}: several indicators {sorted(indicators)}; set indicator_code"
        )
    code = wanted or next(iter(indicators))
    if code not in indicators:
        raise ValueError(
            f"{source}: no indicator {code!r}; indicators: {sorted(indicators)}"
        )
    regions = {node["code"]: node["cname"] for node in dimensions.get("reg", [])}

    records = []
    for number, node in enumerate(nodes):
        parts = {w["wdcode"]: w["valuecode"] for w in node["wds"]}
        if parts.get("zb") != code:
            continue
        data = node["data"]
        cell = data.get("strdata", "") if data.get("hasdata") else ""
        records.append((parts["reg"], parts["sj"], cell, f"datanode {number}", node["code"],
                        regions.get(parts["reg"], parts["reg"])))
    name = indicators[code].get("cname", code)
    unit = indicators[code].get("unit") or None
    log.info("read %s: %d datanodes of %s %s (%s)", source, len(records), code, name, unit)
    metadata = {"indicator": name, "raw_unit": unit}
    return Raw(raw_frame(records), f"zb {code} {name}", metadata)


def read_transport_json(spec: dict, path: Path, source: str) -> Raw:
    data = _load(path, source)
    if not isinstance(data, dict):
        raise ValueError(f"{source}: expected an object of province -> records")
    field = spec["field"]
    records, seen = [], set()
    for province, rows in data.items():
        for number, row in enumerate(rows):
            seen.update(row)
            where = f"{province}[{number}]"
            records.append((province, row.get("年份"), row.get(field), where, field))
    if field not in seen:
        raise ValueError(f"{source}: no record has {field!r}; keys: {sorted(seen)}")
    name, unit = split_indicator(field)
    log.info("read %s: %d provinces, %d records of %s",
             source, len(data), len(records), field)
    return Raw(raw_frame(records), f"field {field}", {"indicator": name, "raw_unit": unit})


FORMATS = {
    "nbs_json": Format(read_nbs_json, {"indicator_code": False}),
    "transport_json": Format(read_transport_json, {"field": True}),
}
