"""Writers of the raw download formats, for the simulated demo extracts and for tests.

Each writer takes a wide frame (province code, year, value columns) and reproduces the
layout of a real extract in ``../shared/data/public-nbs``: the NBS download CSV (GBK,
metadata lines, years as columns newest first, footnotes), the easyquery long table, the
scraped panel with 12-digit codes, the province -> records JSON, and an Excel panel.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd

from panelstudy.io import atomic_path, write_text

__all__ = [
    "write_nbs_download",
    "write_easyquery",
    "write_scrape_panel",
    "write_records_json",
    "write_excel_panel",
    "write_static_csv",
]

PLACEHOLDER = "—"


def _cell(value: float, decimals: int) -> str:
    return PLACEHOLDER if pd.isna(value) else f"{value:.{decimals}f}"


def write_nbs_download(
    frame: pd.DataFrame,
    column: str,
    indicator: str,
    names: dict[str, str],
    path: str | os.PathLike,
    decimals: int = 2,
) -> None:
    """NBS download CSV: GBK, ``数据库：/指标：/时间：`` lines, ``地区,2022年,...``, footnotes.

    ``indicator`` is printed as in NBS files, e.g. ``地区生产总值(亿元)``; ``names`` maps a
    province code to the full name the file shows.
    """
    wide = frame.pivot(index="province", columns="year", values=column)
    years = sorted(wide.columns, reverse=True)
    lines = [
        "数据库：分省年度数据",
        f"指标：{indicator}",
        f"时间：{years[-1]}-{years[0]}",
        "地区," + ",".join(f"{year}年" for year in years),
    ]
    for code, row in wide.iterrows():
        lines.append(names[code] + "," + ",".join(_cell(row[y], decimals) for y in years))
    lines += ["注：模拟数据，仅用于演示。", "数据来源：模拟（非国家统计局数据）"]
    with atomic_path(path) as tmp:
        tmp.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))


def write_easyquery(
    frame: pd.DataFrame,
    columns: dict[str, tuple[str, str]],
    requested_code: str,
    names: dict[str, str],
    path: str | os.PathLike,
) -> None:
    """Easyquery long table (UTF-8 with BOM), one row per indicator x province x year.

    ``columns`` maps a frame column to (indicator_code, indicator_name).
    """
    rows = []
    for column, (code, name) in columns.items():
        for record in frame[["province", "year", column]].itertuples(index=False):
            value = record[2]
            rows.append(
                {
                    "requested_code": requested_code,
                    "indicator_code": code,
                    "indicator_name": name,
                    "region_code": record[0],
                    "region_name": names[record[0]],
                    "year": record[1],
                    "value": "" if pd.isna(value) else round(float(value), 4),
                    "display_value": "" if pd.isna(value) else f"{value:.2f}",
                    "has_data": not pd.isna(value),
                }
            )
    with atomic_path(path) as tmp:
        pd.DataFrame(rows).to_csv(tmp, index=False, encoding="utf-8-sig")


def write_scrape_panel(
    frame: pd.DataFrame,
    columns: dict[str, str],
    names: dict[str, str],
    path: str | os.PathLike,
) -> None:
    """Scraped panel (UTF-8 with BOM): 12-digit code, province, year, one column per series.

    ``columns`` maps a frame column to its printed header, e.g. ``电子商务销售额 (亿元)``.
    """
    out = pd.DataFrame(
        {
            "省辖市代码": frame["province"].astype(str) + "000000",
            "省份": frame["province"].map(names),
            "年份": frame["year"],
        }
    )
    for column, header in columns.items():
        out[header] = frame[column].round(4)
    with atomic_path(path) as tmp:
        out.sort_values(["省辖市代码", "年份"], ascending=[True, False]).to_csv(
            tmp, index=False, encoding="utf-8-sig"
        )


def write_records_json(
    frame: pd.DataFrame,
    columns: dict[str, str],
    names: dict[str, str],
    path: str | os.PathLike,
) -> None:
    """JSON as in the transport extract: province name -> list of year records."""
    data: dict[str, list[dict]] = {}
    for code, group in frame.groupby("province", sort=True):
        records = []
        for _, row in group.sort_values("year").iterrows():
            record = {"年份": str(int(row["year"]))}
            for column, key in columns.items():
                value = row[column]
                record[key] = None if pd.isna(value) else round(float(value), 4)
            records.append(record)
        data[names[code]] = records
    write_text(json.dumps(data, ensure_ascii=False, indent=4), path)


def write_excel_panel(
    frame: pd.DataFrame,
    columns: dict[str, str],
    names: dict[str, str],
    path: str | os.PathLike,
    sheet: str = "Sheet1",
) -> None:
    """Excel panel (.xlsx): one row per province-year, short province names."""
    out = pd.DataFrame({"省份": frame["province"].map(names), "年份": frame["year"]})
    for column, header in columns.items():
        out[header] = frame[column].astype("float64").round(6)
    with atomic_path(path) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            out.to_excel(writer, sheet_name=sheet, index=False)


def write_static_csv(
    values: pd.Series, header: str, names: dict[str, str], path: str | os.PathLike
) -> None:
    """A static (year-less) table: adcode, name, value."""
    out = pd.DataFrame(
        {"adcode": values.index, "name": values.index.map(names), header: np.round(values.to_numpy(), 1)}
    )
    with atomic_path(path) as tmp:
        out.to_csv(tmp, index=False)
