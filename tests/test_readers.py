"""Readers: encodings, NBS frames, spec checks, duplicates, and every format on real files.

The real-file tests read ``../shared/data/public-nbs`` in place; the values they expect
were looked up in those files by hand.
"""

import codecs
import logging
import math
from pathlib import Path

import pandas as pd
import pytest

from panelstudy.provinces import UnknownProvinceError
from panelstudy.readers import FORMATS, DecodingError, check_duplicates, read_series
from panelstudy.readers._common import decode

RAW = Path(__file__).parents[1] / ".." / "shared" / "data" / "public-nbs"
needs_raw = pytest.mark.skipif(
    not RAW.is_dir(), reason=f"shared data folder {RAW} is not present"
)

NBS_LINES = [
    "数据库：分省年度数据",
    "指标：地区生产总值(亿元)",
    "时间：最近3年",
    "地区,2022年,2021年,2020年",
    '北京市,"41,610.9",40269.6,36102.6',
    "内蒙古自治区,23158.6,20514.2,17359.8",
    "西藏自治区,2132.6,2080.2,—",
    "注：2022年为初步核算数。",
    "数据来源：国家统计局",
]
GDP = {"format": "nbs_csv", "path": "table.csv", "unit": "亿元"}


def write(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return folder


def test_header_metadata_and_footer(tmp_path):
    folder = write(tmp_path, "table.csv", "\r\n".join(NBS_LINES).encode("gbk"))
    out = read_series({**GDP, "indicator": "地区生产总值(亿元)"}, folder, "gdp")

    assert list(out.columns) == [
        "province", "province_name", "year", "variable", "value", "unit", "source"
    ]
    assert out["year"].dtype == "int64" and out["value"].dtype == "float64"
    rows = list(out[["province", "province_name", "year", "value"]].itertuples(index=False))
    assert rows == [
        ("110000", "北京", 2020, 36102.6), ("110000", "北京", 2021, 40269.6),
        ("110000", "北京", 2022, 41610.9),
        ("150000", "内蒙古", 2020, 17359.8), ("150000", "内蒙古", 2021, 20514.2),
        ("150000", "内蒙古", 2022, 23158.6),
        ("540000", "西藏", 2021, 2080.2), ("540000", "西藏", 2022, 2132.6),
    ]
    assert set(out["unit"]) == {"亿元"} and set(out["variable"]) == {"gdp"}
    assert set(out["source"]) == {"table.csv [指标 地区生产总值(亿元)]"}
    metadata = out.attrs["metadata"]
    assert (metadata["indicator"], metadata["raw_unit"]) == ("地区生产总值", "亿元")
    assert metadata["数据库"] == "分省年度数据" and metadata["时间"] == "最近3年"


def test_four_encodings_read_to_the_same_frame(tmp_path):
    # a rare character in the footnote that GBK lacks and GB18030 has
    lines = NBS_LINES[:-2] + ["注：䶮字只在GB18030中。", "数据来源：国家统计局"]
    text = "\r\n".join(lines)
    # Excel's "Unicode text": tab-separated, so 41,610.9 needs no quotes
    tabbed = "\r\n".join(lines).replace(",", "\t").replace('"41\t610.9"', "41,610.9")
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    variants = {
        "utf-8": text.encode("utf-8"),
        "utf-8-sig": codecs.BOM_UTF8 + text.encode("utf-8"),
        "gb18030": text.encode("gb18030"),
        "utf-16": codecs.BOM_UTF16_LE + tabbed.encode("utf-16-le"),
    }
    frames = {}
    for encoding, data in variants.items():
        folder = write(tmp_path / encoding, "table.csv", data)
        frames[encoding] = read_series(GDP, folder, "gdp")
        assert frames[encoding].attrs["metadata"]["encoding"] == encoding
    for encoding, frame in frames.items():
        pd.testing.assert_frame_equal(frame, frames["utf-8"], obj=encoding)
    assert len(frames["utf-8"]) == 8
    assert frames["utf-16"]["value"].max() == 41610.9


def test_utf8_is_never_read_as_gbk(tmp_path):
    data = "\r\n".join(NBS_LINES).encode("utf-8")
    assert data.decode("gbk", "replace") != data.decode("utf-8")  # GBK would garble it
    assert decode(data, "t")[1] == "utf-8"
    out = read_series(GDP, write(tmp_path, "table.csv", data), "gdp")
    assert sorted(set(out["province_name"])) == sorted({"北京", "内蒙古", "西藏"})


def test_a_file_no_codec_makes_into_province_names_is_an_error(tmp_path):
    # Big5 bytes are not UTF-8 and decode as GB18030 into other characters
    lines = ["province,year,x", "北京市,2020,1", "內蒙古自治區,2020,2", "寧夏回族自治區,2020,3"]
    folder = write(tmp_path, "t.csv", "\n".join(lines).encode("big5"))
    spec = {"format": "stata_csv", "path": "t.csv", "unit": "u", "column": "x"}
    with pytest.raises(DecodingError, match="decoded as gb18030, but only 0% of the row labels"):
        read_series(spec, folder, "x")
    nbs = "\r\n".join(NBS_LINES).replace("地区生产总值", "地區生產總值").replace("地区,", "地區,")
    write(tmp_path, "table.csv", nbs.encode("big5", "replace"))
    with pytest.raises(ValueError, match="decoded as gb18030"):
        read_series(GDP, tmp_path, "gdp")


def test_tab_padded_cells_and_a_trailing_delimiter(tmp_path):
    lines = ["数据库：分省年度数据 ", "时间：2011年-2025年 ",
             "地区\t,2025年\t,2024年\t,2023年\t,",
             "北京市\t,\t,9153.26\t,8536.94\t,", "青海省\t,\t,23.36\t,19.30\t,",
             "数据来源：国家统计局"]
    folder = write(tmp_path, "table.csv", codecs.BOM_UTF8 + "\r\n".join(lines).encode("utf-8"))
    out = read_series({**GDP, "indicator": "技术市场成交额(亿元)"}, folder, "tech")
    assert out[["province", "year", "value"]].values.tolist() == [
        ["110000", 2023, 8536.94], ["110000", 2024, 9153.26],
        ["630000", 2023, 19.30], ["630000", 2024, 23.36],
    ]
    assert set(out["source"]) == {"table.csv [indicator 技术市场成交额(亿元) (no 指标 line)]"}


def test_a_different_indicator_line_is_an_error(tmp_path):
    folder = write(tmp_path, "table.csv", "\r\n".join(NBS_LINES).encode("gbk"))
    with pytest.raises(ValueError, match="指标 is '地区生产总值\\(亿元\\)', the spec expects"):
        read_series({**GDP, "indicator": "人口数(人)"}, folder, "pop")


def test_duplicate_province_year_in_one_file_names_both_rows(tmp_path):
    lines = NBS_LINES[:4] + ["内蒙古,1,2,3", "内蒙古自治区,1,2,3"]
    folder = write(tmp_path, "table.csv", "\r\n".join(lines).encode("gbk"))
    with pytest.raises(ValueError) as error:
        read_series(GDP, folder, "gdp")
    message = str(error.value)
    assert "150000 2020: line 5 ('内蒙古', column '2020年') and line 6 ('内蒙古自治区'" in message


def test_an_unknown_name_is_an_error_naming_the_file(tmp_path):
    lines = NBS_LINES[:4] + ["北京市,1,2,3", "内蒙古自治區,1,2,3", "天津市,1,2,3"]
    folder = write(tmp_path, "table.csv", "\r\n".join(lines).encode("utf-8"))
    with pytest.raises(UnknownProvinceError, match="table.csv: 1 province label.*'内蒙古自治區'"):
        read_series(GDP, folder, "gdp")


def test_a_bad_cell_is_an_error_naming_line_and_column(tmp_path):
    lines = NBS_LINES[:4] + ["北京市,1,2,3", "天津市,1,x2,3"]
    folder = write(tmp_path, "table.csv", "\r\n".join(lines).encode("utf-8"))
    with pytest.raises(ValueError, match="row line 6, column '2021年': 'x2' is not a number"):
        read_series(GDP, folder, "gdp")


def test_spec_keys_are_checked(tmp_path):
    folder = write(tmp_path, "table.csv", "\r\n".join(NBS_LINES).encode("gbk"))
    with pytest.raises(ValueError) as error:
        read_series({**GDP, "colum": "x"}, folder, "gdp")
    assert "unknown key 'colum' for format nbs_csv" in str(error.value)
    assert "allowed keys: format, path, unit, scale, years" in str(error.value)
    with pytest.raises(ValueError, match="missing key\\(s\\) \\['unit'\\]"):
        read_series({"format": "nbs_csv", "path": "table.csv"}, folder, "gdp")
    with pytest.raises(ValueError, match="format 'csv' is not one of"):
        read_series({**GDP, "format": "csv"}, folder, "gdp")


def test_scale_years_and_excluded_cells(tmp_path, caplog):
    folder = write(tmp_path, "table.csv", "\r\n".join(NBS_LINES).encode("gbk"))
    spec = {**GDP, "unit": "万亿元", "scale": 1e-4, "years": {"first": 2021},
            "exclude_cells": [{"province": "北京", "year": 2022, "reason": "test"}]}
    with caplog.at_level(logging.INFO):
        out = read_series(spec, folder, "gdp")
    assert out[["province", "year"]].values.tolist() == [
        ["110000", 2021], ["150000", 2021], ["150000", 2022], ["540000", 2021], ["540000", 2022]
    ]
    assert out["value"].iloc[0] == pytest.approx(4.02696)
    assert "left out 110000 2022 = '41,610.9' (test)" in caplog.text
    stale = {**GDP, "exclude_cells": [{"province": "北京", "year": 2019, "reason": "x"}]}
    with pytest.raises(ValueError, match="matches no cell"):
        read_series(stale, folder, "gdp")


def long_file(folder: Path, name: str, label: str, value: float) -> None:
    write(folder, name, f"地区,年份,x\n{label},2020,{value}\n北京,2020,5\n".encode("utf-8"))


def test_two_sources_for_one_province_year(tmp_path, caplog):
    long_file(tmp_path, "a.csv", "内蒙古", 1.0)
    long_file(tmp_path, "b.csv", "内蒙古自治区", 1.1)
    frames = [read_series({"format": "merged_csv", "path": name, "unit": "u", "column": "x"},
                          tmp_path, "x") for name in ("a.csv", "b.csv")]
    with pytest.raises(ValueError) as error:
        check_duplicates(frames)
    assert "'x': 2 province-year(s) appear more than once" in str(error.value)
    assert "a.csv [column x] and b.csv [column x]" in str(error.value)

    with caplog.at_level(logging.INFO, logger="panelstudy.readers"):
        out = check_duplicates(frames, source_priority={"x": ["b.csv", "a.csv"]})
    assert out[["province", "year", "value"]].values.tolist() == [
        ["110000", 2020, 5.0], ["150000", 2020, 1.1]
    ]
    assert "x: 2 province-year(s) in 2 sources; kept by source_priority" in caplog.text
    with pytest.raises(ValueError, match="appear more than once"):
        check_duplicates(frames, source_priority={"x": ["b.csv"]})


def test_check_duplicates_passes_disjoint_frames(tmp_path):
    long_file(tmp_path, "a.csv", "内蒙古", 1.0)
    a = read_series({"format": "merged_csv", "path": "a.csv", "unit": "u", "column": "x"},
                    tmp_path, "x")
    b = a.assign(variable="y")
    assert len(check_duplicates([a, b])) == 4


# Real extracts, read in place. One case per format: spec, (province, year) -> value,
# rows expected, provinces expected, and (province, year) pairs that must be absent.
REAL = {
    "nbs_csv": (
        {"path": "nbs-download/分省年度数据.csv", "unit": "亿元", "indicator": "地区生产总值(亿元)"},
        {("110000", 2022): 45222.4, ("650000", 2006): 2984.5}, 589, 31, [("110000", 2005)],
    ),
    "nbs_csv tabs": (
        {"format": "nbs_csv", "path": "nbs-download/技术市场成交额_分省年度数据.csv", "unit": "亿元"},
        {("630000", 2018): 79.36, ("630000", 2019): 9.10, ("110000", 2024): 9153.26},
        428, 31, [("110000", 2025)],
    ),
    "cnnic_wide": (
        {"path": "internet/cnnic_internet_penetration_2010_2016.csv", "unit": "%"},
        {("110000", 2016): 77.8, ("650000", 2010): 37.9}, 217, 31, [],
    ),
    "nbs_easyquery": (
        {"path": "nbs-easyquery/A0G0E.csv", "unit": "万件",
         "filter": {"indicator_code": "A0G0E01"}},
        {("110000", 2016): 196029.0209}, 279, 31, [("110000", 2015)],
    ),
    "nbs_scrape": (
        {"path": "nbs-scrape-2025/分省企业信息化及电子商务情况_多年期_面板数据.csv", "unit": "亿元",
         "column": "电子商务销售额 (亿元)"},
        {("110000", 2016): 12026.7, ("110000", 2024): 46980.2}, 279, 31, [("110000", 2025)],
    ),
    "rd_long": (
        {"path": "rd-patents-budget/RDPatentAccept.csv", "unit": "件",
         "filter": {"chn_block4": "发明"}},
        {("360000", 2014): 4688.0, ("310000", 2010): 26165.0, ("310000", 2011): 32142.0},
        434, 31, [],
    ),
    "merged_csv": (
        {"path": "nbs-download/分省年度数据_整合.csv", "unit": "亿元", "column": "固定资产投资总额_亿元"},
        {("110000", 2017): 8370.44, ("320000", 2013): 36373.32}, 403, 31, [("110000", 2018)],
    ),
    "stata_csv": (
        {"path": "nbs-download/panel_stata_ready_v2.csv", "unit": "件", "column": "patent_apps"},
        {("110000", 2005): 12102.0, ("110000", 2008): 28394.0}, 620, 31, [],
    ),
    "digital_panel": (
        {"path": "digital-panel/Indicator-Mediator-Control Variables.csv", "unit": "公里",
         "column": "Digital Infra - Fiber Length"},
        {("110000", 2013): 219960.6, ("320000", 2016): 2939497.74}, 310, 31, [],
    ),
    "transcribed_2015": (
        {"path": "internet/rows_2015_transcribed.csv", "unit": "亿元", "column": "电子商务销售额 (亿元)"},
        {("630000", 2015): 643.7, ("110000", 2015): 10530.5}, 31, 31, [],
    ),
    "excel_panel": (
        {"path": "eps-extract/面板原始数据_合并版v2.xlsx", "unit": "万元", "column": "技术市场成交额（万元）"},
        {("630000", 2018): 793553.3036, ("540000", 2017): 440.2}, 397, 31, [("540000", 2011)],
    ),
    "nbs_json": (
        {"path": "nbs-scrape-2024/金融业增加值_NBS_raw.json", "unit": "亿元"},
        {("110000", 2022): 8061.6, ("110000", 2014): 3736.8}, 279, 31, [("110000", 2023)],
    ),
    "transport_json": (
        {"path": "transport/merged_provincial_data.json", "unit": "万公里",
         "field": "铁路营业里程(万公里)"},
        {("640000", 2022): 0.17, ("310000", 2005): 0.03}, 588, 31,
        [("540000", 2005), ("110000", 2024)],
    ),
    "eps_export": (
        {"path": "eps-extract/中国宏观经济数据库-年度（分省级）.xlsx", "unit": "亿元",
         "indicator": "地区生产总值（当年价）（亿元）"},
        {("110000", 2020): 36102.55, ("120000", 2019): 14104.28}, 403, 31, [],
    ),
    "wps_xls": (
        {"path": "nbs-download/一般公共预算等.xls", "unit": "亿元", "indicator": "一般公共预算支出（亿元）i"},
        {("110000", 2010): 2717.32, ("110000", 2024): 8396.49}, 558, 31, [("110000", 2006)],
    ),
    "year_rows": (
        {"path": "trade-per-capita/E8_人均出口总额_美元.xlsx", "unit": "美元",
         "indicator": "人均出口总额（美元）"},
        {("510000", 2021): 58.65071499362877, ("110000", 1993): 243.0125899280576}, 926, 31,
        [("500000", 1993)],
    ),
    "cbec_zones": (
        {"path": "policy/cbec_pilot_zones_by_city.csv", "unit": "个",
         "years": {"first": 2015, "last": 2022}},
        {("440000", 2019): 6, ("440000", 2022): 21, ("330000", 2015): 1, ("330000", 2022): 12,
         ("130000", 2021): 3, ("130000", 2022): 5, ("540000", 2022): 0, ("440000", 2015): 0},
        248, 31, [],
    ),
}


@needs_raw
@pytest.mark.parametrize("case", list(REAL))
def test_real_extract(case):
    spec, values, n_rows, n_provinces, absent = REAL[case]
    spec = {"format": case.split()[0], **spec}
    out = read_series(spec, RAW, "v")
    assert out["province"].nunique() == n_provinces
    assert len(out) == n_rows
    assert not out.duplicated(["province", "year"]).any()
    assert out["value"].notna().all()
    found = out.set_index(["province", "year"])["value"]
    for key, value in values.items():
        assert found[key] == pytest.approx(value, rel=1e-12), key
    for key in absent:
        assert key not in found.index, key
    assert out["source"].str.startswith(spec["path"] + " [").all()


@needs_raw
def test_every_format_has_a_real_case():
    cases = {case.split()[0] for case in REAL} | {"area_csv"}
    assert cases == set(FORMATS)


@needs_raw
def test_area_is_static_or_repeated_over_given_years(caplog):
    spec = {"format": "area_csv", "path": "transport/province_area_from_geojson_km2.csv",
            "unit": "平方公里", "column": "area_km2_computed_from_china_json", "static": True,
            "exclude_names": ["100000_JD"]}
    with caplog.at_level(logging.INFO):
        static = read_series(spec, RAW, "area")
    assert len(static) == 31 and static["year"].isna().all()
    assert static.set_index("province").loc["310000", "value"] == 7957.0
    assert "dropped 1 row(s) of '810000' (Hong Kong)" in caplog.text
    assert "left out 1 row(s) of '100000_JD' (exclude_names)" in caplog.text

    repeated = read_series({**spec, "years": {"first": 2016, "last": 2018}}, RAW, "area")
    assert len(repeated) == 93 and repeated["year"].dtype == "int64"
    assert sorted(set(repeated["year"])) == [2016, 2017, 2018]

    with pytest.raises(UnknownProvinceError, match="'100000_JD'"):
        read_series({**spec, "exclude_names": []}, RAW, "area")
    with pytest.raises(ValueError, match="set static: true"):
        read_series({**spec, "static": False}, RAW, "area")


@needs_raw
def test_rd_files_hold_several_items():
    spec = {"format": "rd_long", "path": "rd-patents-budget/RDPatentAccept.csv", "unit": "件",
            "filter": {"units": "件"}}
    with pytest.raises(ValueError, match="several chn_block4"):
        read_series(spec, RAW, "v")


@needs_raw
def test_nbs_json_missing_nodes_are_not_zero():
    out = read_series({"format": "nbs_json", "path": "nbs-scrape-2024/金融业增加值_NBS_raw.json",
                       "unit": "亿元"}, RAW, "fin")
    assert sorted(set(out["year"])) == list(range(2014, 2023))
    assert not math.isclose(out["value"].min(), 0.0)
