"""The 31 mainland provincial divisions and every spelling the raw extracts use.

``resources/provinces.csv`` holds one row per division:

- ``code``: the 6-digit administrative division code (GB/T 2260), the panel's key.
- ``name``, ``short``, ``english``: full and short Chinese names and the English name
  (pinyin; Shanxi 140000 and Shaanxi 610000 are different provinces).
- ``region``: the study's east / central / west group, 11 / 10 / 9 provinces without
  Tibet (N = 110 / 100 / 90 in its Table 5). Derivation: the conventional three-belt split
  (east = the 11 coastal divisions Beijing, Tianjin, Hebei, Liaoning, Shanghai, Jiangsu,
  Zhejiang, Fujian, Shandong, Guangdong, Hainan; central = Shanxi, Jilin, Heilongjiang,
  Anhui, Jiangxi, Henan, Hubei, Hunan; west = the 12 divisions of the western development
  programme) with the study's rule that Inner Mongolia and Guangxi sit in the central group.
  Where a source uses the NBS four-area split instead, the north-east is divided the same
  way: Liaoning east, Jilin and Heilongjiang central. Tibet is west (the study drops it).
- ``ftz_year``: year the province's pilot free trade zone was approved (from
  ``shared/paper/README.md`` and ``public-nbs/policy/pilot_ftz_by_province.csv``); 21
  provinces have one by 2020, Xinjiang's came in 2023, empty means none.
- ``variants``: other spellings seen in statistics (``|``-separated), e.g. ``内蒙``,
  ``广西省``, the common misspelling ``新疆维吾尔族自治区``, ``Nei Mongol``.
- ``typos``: OCR errors seen in ``public-nbs/rd-patents-budget`` (converted yearbook
  tables): ``江两`` and ``江四`` for 江西 (RDPatentAccept 2014, RDPatentValid 2015), ``两藏``
  and ``四藏`` for 西藏 (RDPatentAuthority 2012, RDPatentValid 2014), ``山两`` for 山西
  (RDPatentAuthority 2012), ``浙汀`` for 浙江 (RDPatentValid 2014), ``内蒙占`` for 内蒙古
  (RDLaborHour 2013). Each is unambiguous; none is another division's name.

Labels are matched after Unicode NFKC normalisation (full-width letters, digits and the
ideographic space become their half-width forms) with all whitespace removed, so
``内蒙 古``, ``上   海`` and `` 北京市 `` match; Latin labels are matched case- and
punctuation-insensitively, with a trailing ``Province``, ``Municipality``, ``City`` or
``Autonomous Region`` ignored. Codes match as 6-digit strings or numbers, and as 12-digit
statistical codes ending in six zeros.

National totals (``全国``, ``National``), region aggregates (``东部地区``, ``Eastern
Region``; ``尔部地区`` is an OCR error for 东部地区 in RDPatentValid 2014) and Hong Kong,
Macau and Taiwan (also as ``中国香港``, ``Hong Kong SAR``, ``Taiwan Province``) are not
panel units: they are dropped with a log line. Any other label is an error that lists
every unknown label and the file it came from.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

__all__ = [
    "PROVINCES_CSV",
    "UnknownProvinceError",
    "load_provinces",
    "code_of",
    "harmonize",
    "short_names",
    "recognised_share",
]

log = logging.getLogger(__name__)

PROVINCES_CSV = Path(__file__).resolve().parents[1] / "resources" / "provinces.csv"

# Normalised label -> why it is not a panel unit.
_EXCLUDED = {
    **dict.fromkeys(["全国", "全国合计", "全国总计", "中国", "national", "china"], "national total"),
    **dict.fromkeys(
        ["东部地区", "中部地区", "西部地区", "东北地区", "东部", "中部", "西部", "东北", "尔部地区"],
        "region aggregate",
    ),
    **dict.fromkeys(
        ["easternregion", "centralregion", "westernregion", "northeasternregion"],
        "region aggregate",
    ),
    **dict.fromkeys(
        ["香港", "香港特别行政区", "中国香港", "香港地区", "hongkong", "810000"], "Hong Kong"
    ),
    **dict.fromkeys(
        ["澳门", "澳门特别行政区", "中国澳门", "澳门地区", "macau", "macao", "820000"], "Macau"
    ),
    **dict.fromkeys(["台湾", "台湾省", "中国台湾", "台湾地区", "taiwan", "710000"], "Taiwan"),
}

_LATIN_SUFFIXES = (
    "specialadministrativeregion",
    "autonomousregion",
    "municipality",
    "province",
    "city",
    "sar",
)
_WHITESPACE = re.compile(r"\s+")


class UnknownProvinceError(ValueError):
    """Labels that are neither a province nor a known non-province (total, HK/MO/TW)."""

    def __init__(self, unknown: dict[str, int], source: str):
        self.unknown = unknown
        self.source = source
        listed = ", ".join(f"{name!r} ({n} rows)" for name, n in unknown.items())
        super().__init__(
            f"{source}: {len(unknown)} province label(s) not recognised: {listed}. "
            "If a label is a real province, add its spelling to the variants column of "
            f"{PROVINCES_CSV.name}; if it is not a province (e.g. a map artefact), list it "
            "under exclude_names in the series spec."
        )


def _key(label: object) -> str:
    """Normalised lookup key of one label (a name, an English name or a code)."""
    if isinstance(label, bool):
        return ""
    if isinstance(label, int):
        return str(label)
    if isinstance(label, float):
        return str(int(label)) if label.is_integer() else str(label)
    text = _WHITESPACE.sub("", unicodedata.normalize("NFKC", str(label)))
    if text.isascii() and re.search("[A-Za-z]", text) and not re.search("[0-9]", text):
        text = re.sub("[^a-z]", "", text.lower())
    return text


def _latin_stem(key: str) -> str:
    for suffix in _LATIN_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


@functools.cache
def _table() -> pd.DataFrame:
    table = pd.read_csv(PROVINCES_CSV, dtype=str, keep_default_na=False)
    if len(table) != 31 or table["code"].duplicated().any():
        raise ValueError(f"{PROVINCES_CSV} must list the 31 divisions once each")
    return table


@functools.cache
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for row in _table().itertuples(index=False):
        labels = [row.code, row.name, row.short, row.english]
        labels += [v for v in (row.variants + "|" + row.typos).split("|") if v]
        for label in labels:
            key = _key(label)
            if index.get(key, row.code) != row.code:
                raise ValueError(
                    f"{PROVINCES_CSV}: {label!r} names both {index[key]} and {row.code}"
                )
            index[key] = row.code
    return index


def load_provinces() -> pd.DataFrame:
    """The 31 divisions: code, name, short, english, region, ftz_year (Int64), variants,
    typos."""
    table = _table().copy()
    table["ftz_year"] = pd.to_numeric(table["ftz_year"]).astype("Int64")
    return table


def _lookup(key: str) -> tuple[str | None, str | None]:
    """(code, None) for a province, (None, reason) for an excluded label, (None, None)
    for an unknown one."""
    index = _index()
    if key in _EXCLUDED:
        return None, _EXCLUDED[key]
    if key in index:
        return index[key], None
    if re.fullmatch(r"\d{12}", key) and key.endswith("000000"):
        return _lookup(key[:6])
    if key.isascii() and _latin_stem(key) in index:
        return index[_latin_stem(key)], None
    if key.isascii() and _latin_stem(key) in _EXCLUDED:
        return None, _EXCLUDED[_latin_stem(key)]
    return None, None


def code_of(label: object, source: str = "<label>") -> str | None:
    """The 6-digit code of one label; None for a national total or HK/MO/TW.

    Raises
    ------
    UnknownProvinceError
        The label is not recognised.
    """
    code, reason = _lookup(_key(label))
    if code is None and reason is None:
        raise UnknownProvinceError({str(label): 1}, source)
    return code


def harmonize(names: Iterable[object], source: str = "<names>") -> pd.Series:
    """Map province labels to 6-digit division codes.

    Parameters
    ----------
    names : iterable of str or int
        Full or short Chinese names, variants, English names, 6- or 12-digit codes.
    source : str
        The file the labels came from, for log lines and errors.

    Returns
    -------
    Series of str
        One code per label, aligned with ``names`` (its index if it is a Series); missing
        (NA) where the label is a national total, a region aggregate or HK/MO/TW, each
        logged once with its row count.

    Raises
    ------
    UnknownProvinceError
        Listing every label that is not recognised, with row counts, and the source.
    """
    labels = names if isinstance(names, pd.Series) else pd.Series(list(names), dtype=object)
    counts = Counter(labels.tolist())
    mapping: dict[object, str | None] = {}
    unknown: dict[str, int] = {}
    for label, n in counts.items():
        code, reason = _lookup(_key(label))
        if code is None and reason is None:
            unknown[str(label)] = n
        elif reason is not None:
            log.info("%s: dropped %d row(s) of %r (%s)", source, n, label, reason)
        mapping[label] = code
    if unknown:
        raise UnknownProvinceError(unknown, source)
    return pd.Series([mapping[label] for label in labels], index=labels.index, dtype="str")


def short_names(codes: Iterable[str]) -> pd.Series:
    """Short Chinese names (``内蒙古``) of 6-digit codes."""
    lookup = dict(zip(_table()["code"], _table()["short"]))
    codes = codes if isinstance(codes, pd.Series) else pd.Series(list(codes))
    return codes.map(lookup).astype("str")


def recognised_share(names: Iterable[object]) -> float:
    """Share of distinct non-empty labels that are provinces or known non-provinces.

    A decoding check: text decoded with the wrong codec yields labels like
    ``鍐呰挋鍙よ嚜娌诲尯`` of which almost none is recognised.
    """
    keys = {_key(label) for label in names} - {""}
    if not keys:
        return 0.0
    known = sum(1 for key in keys if _lookup(key) != (None, None))
    return known / len(keys)
