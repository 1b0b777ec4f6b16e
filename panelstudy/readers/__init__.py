"""Raw provincial extracts -> tidy rows.

:func:`read_series` reads one series described by a spec (one entry of a dataset
catalogue's ``series``) and returns tidy rows::

    province       6-digit division code (str)
    province_name  short Chinese name
    year           int
    variable       the series name
    value          float64, in the target unit (raw value x scale)
    unit           the target unit label
    source         path relative to the raw root, with [sheet / column / indicator]

Missing cells (empty or a placeholder such as ``—``) are counted in the log and left out,
so every row holds a number. Spec keys common to every format:

=================  ========  ============================================================
key                required  meaning
=================  ========  ============================================================
``format``         yes       one of :data:`FORMATS`
``path``           yes       file, relative to the raw root
``unit``           yes       target unit label
``scale``          no        factor from raw to target unit (default 1)
``years``          no        ``{first: ..., last: ...}``; either bound may be left out
``exclude_names``  no        row labels that are not provinces (e.g. a map artefact)
``exclude_cells``  no        ``[{province, year, reason}]``: known-bad source values
``variable``       no        the variable the rows belong to (default: the series name),
                             so that two series, e.g. two vintages, feed one variable;
                             their overlap then needs ``source_priority``
``note``           no        free text for the catalogue reader
=================  ========  ============================================================

Format-specific keys (``*`` required):

- ``nbs_csv``, ``cnnic_wide``: ``indicator`` (:mod:`~panelstudy.readers.nbs_csv`)
- ``nbs_easyquery``: ``filter``; ``rd_long``: ``filter*``; ``nbs_scrape``, ``merged_csv``,
  ``stata_csv``, ``digital_panel``, ``transcribed_2015``: ``column*``; ``excel_panel``:
  ``column*``, ``sheet`` (:mod:`~panelstudy.readers.long_tables`)
- ``nbs_json``: ``indicator_code``; ``transport_json``: ``field*``
  (:mod:`~panelstudy.readers.json_tables`)
- ``eps_export``, ``wps_xls``: ``indicator*``, ``sheet``; ``year_rows``: ``indicator``,
  ``sheet`` (:mod:`~panelstudy.readers.excel_wide`)
- ``area_csv``: ``static*`` (true), ``column*``; without ``years`` the rows have year
  <NA> for the panel to repeat, with both bounds they are repeated over them;
  ``cbec_zones``: ``batches``, and ``years`` with both bounds
  (:mod:`~panelstudy.readers.static_tables`)

:func:`check_duplicates` combines series read from several sources and refuses a
province-year given by two of them unless a ``source_priority`` says which wins.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from panelstudy.readers import excel_wide, json_tables, long_tables, nbs_csv, static_tables
from panelstudy.readers._common import TIDY_COLUMNS, DecodingError, Format, tidy

__all__ = [
    "FORMATS",
    "COMMON_KEYS",
    "TIDY_COLUMNS",
    "DecodingError",
    "read_series",
    "check_duplicates",
]

log = logging.getLogger(__name__)

FORMATS: dict[str, Format] = {
    **nbs_csv.FORMATS,
    **long_tables.FORMATS,
    **json_tables.FORMATS,
    **excel_wide.FORMATS,
    **static_tables.FORMATS,
}

# Key -> required, for every format.
COMMON_KEYS = {
    "format": True, "path": True, "unit": True, "scale": False, "years": False,
    "exclude_names": False, "exclude_cells": False, "variable": False, "note": False,
}


def _validate(spec: Mapping, variable: str) -> Format:
    if spec.get("format") not in FORMATS:
        raise ValueError(
            f"series {variable!r}: format {spec.get('format')!r} is not one of "
            f"{', '.join(sorted(FORMATS))}"
        )
    form = FORMATS[spec["format"]]
    allowed = {**COMMON_KEYS, **form.selectors}
    for key in spec:
        if key not in allowed:
            raise ValueError(
                f"series {variable!r}: unknown key {key!r} for format {spec['format']}; "
                f"allowed keys: {', '.join(allowed)}"
            )
    missing = [key for key, required in allowed.items() if required and key not in spec]
    if missing:
        raise ValueError(
            f"series {variable!r} ({spec['format']}): missing key(s) {missing}"
        )
    years = spec.get("years") or {}
    if not isinstance(years, Mapping) or set(years) - {"first", "last"}:
        raise ValueError(
            f"series {variable!r}: years must be {{first: ..., last: ...}}, got {years!r}"
        )
    return form


def read_series(spec: dict, raw_root: Path, variable: str) -> pd.DataFrame:
    """Read one series into tidy rows.

    Parameters
    ----------
    spec : dict
        The series' catalogue entry: ``format``, ``path``, ``unit``, format selectors and
        the optional common keys (module docstring).
    raw_root : Path
        Folder the spec's ``path`` is relative to.
    variable : str
        Name given to the series in the ``variable`` column (the workflow passes the
        spec's ``variable``, or the series name without one).

    Returns
    -------
    DataFrame
        Columns :data:`TIDY_COLUMNS`, one row per observed province-year, sorted.

    Raises
    ------
    ValueError
        An unknown or missing spec key; a file that cannot be decoded or parsed; an
        unknown province label (:class:`~panelstudy.provinces.UnknownProvinceError`); a
        cell that is not a number (:class:`~panelstudy.cells.CellError`); a province-year
        given twice after names are harmonised.
    """
    form = _validate(spec, variable)
    path = Path(raw_root) / spec["path"]
    if not path.is_file():
        raise FileNotFoundError(f"series {variable!r}: no file {path}")
    raw = form.read(spec, path, spec["path"])
    return tidy(raw, spec, variable, spec["path"])


def _rank(source: str, priority: list[str]) -> int:
    for rank, prefix in enumerate(priority):
        if source == prefix or source.startswith(prefix + " ["):
            return rank
    return len(priority)


def check_duplicates(
    frames: Iterable[pd.DataFrame],
    source_priority: Mapping[str, list[str]] | None = None,
) -> pd.DataFrame:
    """Combine tidy frames; refuse a variable's province-year given by two sources.

    Parameters
    ----------
    frames : iterable of DataFrame
        Tidy rows from :func:`read_series`.
    source_priority : mapping, optional
        Variable -> list of source paths (as in the ``source`` column, with or without the
        ``[...]`` selector), first wins. Each resolved overlap is logged.

    Returns
    -------
    DataFrame
        One row per variable x province x year.

    Raises
    ------
    ValueError
        Naming both sources (and the first keys with their values) of an overlap no
        priority resolves; or a ``source_priority`` entry for a variable no frame holds
        (a misspelt name would leave its overlaps to the error above, or hide a stale
        setting).
    """
    source_priority = source_priority or {}
    combined = pd.concat(list(frames), ignore_index=True)
    unknown = sorted(set(source_priority) - set(combined["variable"]))
    if unknown:
        raise ValueError(
            f"source_priority names variable(s) {unknown} that no series has; "
            f"variables read: {sorted(combined['variable'].unique())}"
        )
    keys = ["variable", "province", "year"]
    overlap = combined.duplicated(keys, keep=False)
    if not overlap.any():
        return combined
    keep = ~overlap
    for variable, rows in combined.loc[overlap].groupby("variable"):
        sources = sorted(rows["source"].unique())
        priority = source_priority.get(variable)
        unranked = [s for s in sources
                    if priority is None or _rank(s, priority) == len(priority)]
        if unranked:
            example = rows.sort_values(keys).head(4)
            example = example[["province_name", "year", "value", "source"]]
            n_keys = len(rows[["province", "year"]].drop_duplicates())
            raise ValueError(
                f"variable {variable!r}: {n_keys} "
                f"province-year(s) appear more than once, from {' and '.join(sources)}; "
                f"e.g. {example.to_dict('records')}. List the sources in source_priority "
                "(first wins) or narrow their years."
            )
        ranks = rows["source"].map(lambda s: _rank(s, priority))
        best = rows.assign(rank=ranks).sort_values("rank").drop_duplicates(keys[1:]).index
        keep[best] = True
        log.info(
            "%s: %d province-year(s) in %d sources; kept by source_priority: %s",
            variable, len(best), len(sources),
            rows.loc[best, "source"].value_counts().to_dict(),
        )
    return combined.loc[keep].sort_values(keys, ignore_index=True)
