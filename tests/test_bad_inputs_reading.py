"""Bad inputs, reading kind: encodings, layouts, numbers, names, years, duplicates.

The catalogue of reported cases and where each is tested:

1. four encodings of one table, UTF-8 never read as GBK, a file of garbled names:
   test_readers.py::test_four_encodings_read_to_the_same_frame,
   ::test_utf8_is_never_read_as_gbk,
   ::test_a_file_no_codec_makes_into_province_names_is_an_error,
   test_provinces.py::test_garbled_names_are_not_recognised; here the garbled text as a
   file (mojibake saved as UTF-8) and UTF-16 without tabs.
2. NBS metadata, header and footer lines:
   test_readers.py::test_header_metadata_and_footer.
3. the number cells: test_cells.py::test_the_cells_seen_in_extracts,
   ::test_placeholder_count_is_logged_per_file,
   ::test_a_cell_that_is_no_number_names_file_row_and_column;
   here footnote marks that NFKC would turn into digits, and infinite numbers.
4. province spellings: test_provinces.py::test_each_spelling_maps_to_its_code,
   ::test_national_totals_and_hk_macau_taiwan..., ::test_unknown_names_are_one_error...;
   here the English and "中国香港" forms of Hong Kong, Macau and Taiwan.
5. (years) ``2020年``: test_cells.py::test_years; here in a long table's year column.
6. two sources for one province-year:
   test_readers.py::test_two_sources_for_one_province_year; here a misspelt variable
   under source_priority.
"""

import codecs
import logging

import pandas as pd
import pytest
from test_readers import GDP, NBS_LINES, write

from panelstudy.cells import CellError, to_number, to_numbers, to_year
from panelstudy.panel import fill_gaps
from panelstudy.provinces import code_of, harmonize
from panelstudy.readers import DecodingError, check_duplicates, read_series


# --- 1. encodings -------------------------------------------------------------------


def test_a_file_of_utf8_text_once_decoded_as_gbk_is_an_error(tmp_path):
    # What a "try GBK first" tool leaves behind: the names garbled, then saved as UTF-8.
    garbled = "\r\n".join(NBS_LINES).encode("utf-8").decode("gbk", "replace")
    assert "鍐呰挋鍙よ嚜娌诲尯" in garbled
    folder = write(tmp_path, "table.csv", garbled.encode("utf-8"))
    with pytest.raises(ValueError, match="no header line starting with 地区"):
        read_series(GDP, folder, "gdp")

    # the same garbling of the names only, under a readable header
    lines = NBS_LINES[:4] + [
        line.encode("utf-8").decode("gbk", "replace") for line in NBS_LINES[4:7]
    ]
    folder = write(tmp_path / "names", "table.csv", "\n".join(lines).encode("utf-8"))
    with pytest.raises(DecodingError) as error:
        read_series(GDP, folder, "gdp")
    message = str(error.value)
    assert "decoded as utf-8, but only 0% of the row labels are province" in message
    assert "鍖椾含甯" in message  # 北京市 garbled, shown as an example


def test_utf16_with_commas_reads_like_utf8(tmp_path):
    text = "\r\n".join(NBS_LINES)
    data = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    folder = write(tmp_path, "table.csv", data)
    reference = write(tmp_path / "utf8", "table.csv", text.encode("utf-8"))
    out = read_series(GDP, folder, "gdp")
    assert out.attrs["metadata"]["encoding"] == "utf-16"
    pd.testing.assert_frame_equal(out, read_series(GDP, reference, "gdp"))


# --- 3. numbers ---------------------------------------------------------------------


@pytest.mark.parametrize("cell, mark", [
    ("36102.6①", "①"),   # circled number: NFKC makes it 1, the value 36102.61
    ("123.4¹", "¹"),     # superscript footnote mark: would read as 123.41
    ("12³", "³"),        # would read as 123
    ("½", "½"),
])
def test_a_footnote_mark_is_not_read_as_a_digit(cell, mark):
    with pytest.raises(ValueError, match=f"holds '{mark}', a footnote mark"):
        to_number(cell)


def test_a_footnote_mark_in_a_file_names_file_row_and_column(tmp_path):
    lines = NBS_LINES[:4] + ["北京市,1,2,3", "天津市,1,2.5②,3"]
    folder = write(tmp_path, "table.csv", "\r\n".join(lines).encode("gb18030"))
    with pytest.raises(CellError) as error:
        read_series(GDP, folder, "gdp")
    expected = "1 cell(s) are not numbers: row line 6, column '2021年': '2.5②'"
    assert expected in str(error.value)


def test_a_year_with_a_footnote_mark_is_not_a_year():
    with pytest.raises(ValueError, match="footnote mark"):
        to_year("202①")  # would read as 2021
    assert to_year("２０２１年") == 2021


@pytest.mark.parametrize("cell", ["1e400", "-1E999", float("inf")])
def test_an_infinite_number_is_an_error(cell):
    with pytest.raises(ValueError, match="is not a finite number"):
        to_number(cell)
    with pytest.raises(CellError, match=r"a.csv: 1 cell\(s\) are not numbers: row 3"):
        to_numbers(["1", "2", cell], source="a.csv", rows=[1, 2, 3])


def test_full_width_digits_and_placeholders_still_clean():
    values = to_numbers(["１２３", "1，234．5", "－", "……"], source="t.csv")
    assert values[:2].tolist() == [123.0, 1234.5]
    assert pd.isna(values[2:]).all()


# --- 4. province names --------------------------------------------------------------


@pytest.mark.parametrize("label, reason", [
    ("Hong Kong SAR", "Hong Kong"),
    ("Hong Kong Special Administrative Region", "Hong Kong"),
    ("Macao SAR", "Macau"),
    ("Taiwan Province", "Taiwan"),
    ("中国香港", "Hong Kong"),
    ("中国澳门", "Macau"),
    ("台湾地区", "Taiwan"),
])
def test_every_spelling_of_hong_kong_macau_taiwan_is_dropped_with_a_log_line(
    label, reason, caplog
):
    with caplog.at_level(logging.INFO, logger="panelstudy.provinces"):
        out = harmonize(["北京市", label], source="t.csv")
    assert out.tolist()[0] == "110000" and pd.isna(out.tolist()[1])
    assert f"t.csv: dropped 1 row(s) of {label!r} ({reason})" in caplog.text
    assert code_of(label) is None


def test_province_names_with_sar_like_endings_are_still_provinces():
    assert code_of("Shaanxi Province") == "610000"
    assert code_of("Guangxi Zhuang Autonomous Region") == "450000"


# --- 5. years in a long table -------------------------------------------------------


def test_years_written_with_nian_in_a_long_table_become_integers(tmp_path):
    folder = write(tmp_path, "long.csv",
                   "地区,年份,x\n北京,2020年,1\n北京,２０２１年,2\n内蒙古,2020,3\n".encode())
    out = read_series({"format": "merged_csv", "path": "long.csv", "unit": "u",
                       "column": "x"}, folder, "x")
    assert out["year"].dtype == "int64"
    assert out[["province", "year", "value"]].values.tolist() == [
        ["110000", 2020, 1.0], ["110000", 2021, 2.0], ["150000", 2020, 3.0]
    ]


def test_a_window_whose_first_year_is_after_its_last_is_an_error():
    values = pd.DataFrame({"province": ["110000"], "year": [2020], "variable": ["x"],
                           "value": [1.0], "source": ["a.csv"]})
    with pytest.raises(ValueError, match="first=2022 is after last=2016"):
        fill_gaps(values, 2022, 2016)


# --- 6. duplicates ------------------------------------------------------------------


def test_source_priority_for_a_variable_no_series_has_is_an_error(tmp_path):
    write(tmp_path, "a.csv", "地区,年份,x\n内蒙古,2020,1.0\n".encode())
    write(tmp_path, "b.csv", "地区,年份,x\n内蒙古自治区,2020,1.1\n".encode())
    frames = [
        read_series({"format": "merged_csv", "path": name, "unit": "u", "column": "x"},
                    tmp_path, "gdp")
        for name in ("a.csv", "b.csv")
    ]
    with pytest.raises(ValueError) as error:
        check_duplicates(frames, source_priority={"gpd": ["b.csv", "a.csv"]})
    message = str(error.value)
    assert "source_priority names variable(s) ['gpd'] that no series has" in message
    assert "variables read: ['gdp']" in message
    kept = check_duplicates(frames, source_priority={"gdp": ["b.csv", "a.csv"]})
    rows = kept[["province", "year", "value"]].values.tolist()
    assert rows == [["150000", 2020, 1.1]]
