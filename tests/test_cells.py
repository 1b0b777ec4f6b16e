"""Raw cells -> float64: separators, full-width forms, placeholders, errors with places."""

import logging
import math

import numpy as np
import pytest

from panelstudy.cells import CellError, to_number, to_numbers, to_year, to_years


def test_the_cells_seen_in_extracts():
    cells = ["36,102.6", "14083.7", "—", "…", "２３４", " 56 ", "1，234．5"]
    values = to_numbers(cells, source="t.csv")
    assert values.dtype == np.float64
    expected = [36102.6, 14083.7, np.nan, np.nan, 234.0, 56.0, 1234.5]
    np.testing.assert_array_equal(values, expected)


@pytest.mark.parametrize(
    "cell, value",
    [("9153.26\t", 9153.26), ("-4.7", -4.7), ("\u22120.094", -0.094), ("1,234,567", 1234567.0),
     ("1e3", 1000.0), (".5", 0.5), (5, 5.0), (5.5, 5.5), ("\u3000７\u3000", 7.0)],
)
def test_numbers(cell, value):
    assert to_number(cell) == value


@pytest.mark.parametrize(
    "cell",
    ["—", "–", "-", "--", "…", "...", "NA", "N/A", "", "  ", "\t", None, math.nan, "——"],
)
def test_placeholders_are_missing(cell):
    assert math.isnan(to_number(cell))


def test_placeholder_count_is_logged_per_file(caplog):
    with caplog.at_level(logging.INFO, logger="panelstudy.cells"):
        to_numbers(["1", "—", "—", "...", "", "2"], source="raw/a.csv")
    expected = "raw/a.csv: 3 placeholder cell(s) read as missing ('—' x2, '...' x1); 1 empty"
    assert expected in caplog.text


def test_a_cell_that_is_no_number_names_file_row_and_column():
    with pytest.raises(CellError) as error:
        to_numbers(["1", "12%", "2", "1,23"], source="raw/a.csv",
                   rows=["line 5", "line 6", "line 7", "line 8"], columns="2020年")
    message = str(error.value)
    assert message.startswith("raw/a.csv: 2 cell(s) are not numbers")
    assert "row line 6, column '2020年': '12%' is not a number" in message
    assert "row line 8, column '2020年': '1,23'" in message
    assert "PLACEHOLDERS" in message and "exclude_cells" in message


def test_a_boolean_is_not_a_number():
    with pytest.raises(ValueError):
        to_number(True)


@pytest.mark.parametrize(
    "cell, year", [("2020年", 2020), ("2020", 2020), (" 2021年\t", 2021), ("２０２２年", 2022),
                   (2019, 2019), (2018.0, 2018)],
)
def test_years(cell, year):
    assert to_year(cell) == year
    assert isinstance(to_year(cell), int)


def test_bad_years_name_their_place():
    with pytest.raises(CellError) as error:
        to_years(["2020年", "20年", "2020.5"], source="t.csv", rows=[1, 2, 3],
                 columns=["a", "b", "c"])
    assert "row 2, column 'b': '20年' is not a year" in str(error.value)
    assert "row 3, column 'c'" in str(error.value)
    assert to_years(["2020年", 2021], source="t.csv").tolist() == [2020, 2021]
