"""Province names in every spelling -> 6-digit codes; regions and free trade zones."""

import csv
import logging
from pathlib import Path

import pandas as pd
import pytest

from panelstudy.provinces import (
    UnknownProvinceError,
    code_of,
    harmonize,
    load_provinces,
    recognised_share,
    short_names,
)

POLICY = Path(__file__).parents[1] / ".." / "shared" / "data" / "public-nbs" / "policy"

SPELLINGS = {
    "内蒙古自治区": "150000",
    "内蒙古": "150000",
    "内蒙": "150000",
    "内蒙 古": "150000",
    "内蒙古\u3000": "150000",
    "广西壮族自治区": "450000",
    "广西": "450000",
    "广西省": "450000",
    "新疆维吾尔族自治区": "650000",
    "新疆维吾尔自治区": "650000",
    "宁夏回族自治区": "640000",
    "山西省": "140000",
    "陕西省": "610000",
    "Shanxi": "140000",
    "Shaanxi": "610000",
    "SHAANXI": "610000",
    " 北京市 ": "110000",
    "上   海": "310000",
    "Inner Mongolia": "150000",
    "Guangxi Zhuang Autonomous Region": "450000",
    "Hebei Province": "130000",
    "Tibet": "540000",
    "Xizang": "540000",
    "江两": "360000",
    "150000": "150000",
    150000: "150000",
    150000.0: "150000",
    "150000000000": "150000",
    "１５００００": "150000",
}


@pytest.mark.parametrize("label, code", list(SPELLINGS.items()))
def test_each_spelling_maps_to_its_code(label, code):
    assert code_of(label) == code


def test_harmonize_keeps_order_and_index():
    labels = pd.Series(["陕西省", "Shanxi", "内蒙古"], index=[10, 11, 12])
    out = harmonize(labels, source="t.csv")
    assert out.to_dict() == {10: "610000", 11: "140000", 12: "150000"}


def test_national_totals_and_hk_macau_taiwan_are_dropped_with_a_log_line(caplog):
    labels = ["全国", "北京", "香港特别行政区", "澳门", "台湾省", "National", "Eastern Region", "全国"]
    with caplog.at_level(logging.INFO, logger="panelstudy.provinces"):
        out = harmonize(labels, source="t.csv")
    assert out.isna().tolist() == [True, False, True, True, True, True, True, True]
    assert out[1] == "110000"
    assert "t.csv: dropped 2 row(s) of '全国' (national total)" in caplog.text
    assert "'香港特别行政区' (Hong Kong)" in caplog.text
    assert "'Eastern Region' (region aggregate)" in caplog.text


def test_unknown_names_are_one_error_listing_each_and_the_file():
    with pytest.raises(UnknownProvinceError) as error:
        harmonize(["北京", "内蒙古自治區", "Atlantis", "内蒙古自治區"], source="raw/a.csv")
    message = str(error.value)
    assert "raw/a.csv" in message
    assert "'内蒙古自治區' (2 rows)" in message
    assert "'Atlantis' (1 rows)" in message
    assert "'北京'" not in message
    assert error.value.unknown == {"内蒙古自治區": 2, "Atlantis": 1}


def test_a_prefecture_code_is_not_a_province():
    with pytest.raises(UnknownProvinceError):
        code_of("150100000000")


def test_table_has_31_divisions_with_unique_names():
    table = load_provinces()
    assert len(table) == 31
    for column in ["code", "name", "short", "english"]:
        assert table[column].is_unique, column
    assert short_names(["150000", "650000"]).tolist() == ["内蒙古", "新疆"]
    # every name the table lists maps back to its own row
    for row in table.itertuples():
        assert {code_of(row.name), code_of(row.short), code_of(row.english)} == {row.code}


def test_regions_hold_11_10_9_without_tibet():
    table = load_provinces()
    study = table[table["code"] != "540000"]
    assert study["region"].value_counts().to_dict() == {"east": 11, "central": 10, "west": 9}
    by_region = study.groupby("region")["short"].apply(set).to_dict()
    assert by_region["east"] == {
        "北京", "天津", "河北", "辽宁", "上海", "江苏", "浙江", "福建", "山东", "广东", "海南"
    }
    assert by_region["central"] == {
        "山西", "内蒙古", "吉林", "黑龙江", "安徽", "江西", "河南", "湖北", "湖南", "广西"
    }
    assert by_region["west"] == {
        "重庆", "四川", "贵州", "云南", "陕西", "甘肃", "青海", "宁夏", "新疆"
    }


def test_free_trade_zones_match_the_paper_readme():
    table = load_provinces().set_index("short")["ftz_year"]
    by_2020 = table[table <= 2020]
    assert len(by_2020) == 21
    expected = {
        "上海": 2013, "广东": 2015, "天津": 2015, "福建": 2015, "辽宁": 2017, "浙江": 2017,
        "河南": 2017, "湖北": 2017, "重庆": 2017, "四川": 2017, "陕西": 2017, "海南": 2018,
        "山东": 2019, "江苏": 2019, "广西": 2019, "河北": 2019, "云南": 2019, "黑龙江": 2019,
        "北京": 2020, "湖南": 2020, "安徽": 2020,
    }
    assert by_2020.to_dict() == expected
    assert table["新疆"] == 2023


@pytest.mark.skipif(not POLICY.is_dir(), reason=f"shared data folder {POLICY} is not present")
def test_free_trade_zones_match_the_policy_file():
    with open(POLICY / "pilot_ftz_by_province.csv", encoding="utf-8") as handle:
        listed = {code_of(row["province"]): int(row["ftz_approval_year"])
                  for row in csv.DictReader(handle)}
    table = load_provinces().set_index("code")["ftz_year"]
    assert table.dropna().astype(int).to_dict() == listed


def test_garbled_names_are_not_recognised():
    # 内蒙古自治区 and 北京市 as UTF-8 bytes decoded as GBK
    garbled = ["内蒙古自治区".encode("utf-8").decode("gbk", "replace"),
               "北京市".encode("utf-8").decode("gbk", "replace")]
    assert garbled[0].startswith("鍐呰挋")
    assert recognised_share(garbled) == 0.0
    assert recognised_share(["北京市", "全国", "??"]) == pytest.approx(2 / 3)
