"""Panel assembly: interpolation settings, derived variables, coverage."""

import numpy as np
import pandas as pd
import pytest

from panelstudy.panel import add_derived, broadcast_static, coverage, fill_gaps, widen


def long(province, variable, values, first=2013):
    return pd.DataFrame(
        {
            "province": province,
            "province_name": "x",
            "year": range(first, first + len(values)),
            "variable": variable,
            "value": values,
            "unit": "u",
            "source": "f.csv",
        }
    ).dropna(subset=["value"])


def test_interior_gap_is_linear_and_flagged():
    values = long("110000", "gdp", [1.0, np.nan, np.nan, 4.0])
    out = fill_gaps(values, 2013, 2016, interior=True, ends="none")
    assert out["value"].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert out["filled"].tolist() == [False, True, True, False]
    assert out["source"].tolist() == ["f.csv", "", "", "f.csv"]


def test_interior_off_leaves_gap():
    values = long("110000", "gdp", [1.0, np.nan, 3.0])
    out = fill_gaps(values, 2013, 2015, interior=False)
    assert np.isnan(out["value"].iloc[1])
    assert not out["filled"].any()


@pytest.mark.parametrize(
    "ends, expected",
    [("none", [np.nan, 2.0, 3.0, np.nan]), ("nearest", [2.0, 2.0, 3.0, 3.0]),
     ("linear", [1.0, 2.0, 3.0, 4.0])],
)
def test_ends_are_a_separate_choice(ends, expected):
    values = long("110000", "gdp", [np.nan, 2.0, 3.0, np.nan])
    out = fill_gaps(values, 2013, 2016, interior=True, ends=ends)
    np.testing.assert_array_equal(out["value"].to_numpy(), np.array(expected))


def test_values_outside_the_window_anchor_interpolation():
    values = long("110000", "gdp", [0.0, np.nan, 2.0], first=2014)
    out = fill_gaps(values, 2015, 2016)
    assert out["value"].tolist() == [1.0, 2.0]
    assert out["year"].tolist() == [2015, 2016]


def test_unknown_ends_setting_is_named():
    with pytest.raises(ValueError, match="interpolate.ends='both'"):
        fill_gaps(long("110000", "gdp", [1.0]), 2013, 2013, ends="both")


def test_derived_ratio_and_missing_column_error():
    values = pd.concat([long("110000", "exp", [2.0, 3.0]), long("110000", "gdp", [4.0, 6.0])])
    panel = widen(fill_gaps(values, 2013, 2014))
    out = add_derived(panel, {"GS": {"expr": "exp / gdp"}})
    assert out["GS"].tolist() == [0.5, 0.5]
    with pytest.raises(ValueError, match="'JT'.*does not have"):
        add_derived(panel, {"JT": {"expr": "rail / area"}})


def test_zero_denominator_is_named():
    values = pd.concat([long("110000", "exp", [2.0]), long("110000", "gdp", [0.0])])
    panel = widen(fill_gaps(values, 2013, 2013))
    with pytest.raises(ValueError, match="infinite.*110000"):
        add_derived(panel, {"GS": {"expr": "exp / gdp"}})


def test_static_values_are_repeated():
    area = pd.DataFrame(
        {"province": ["110000"], "province_name": ["北京"], "year": [None], "variable": ["area"],
         "value": [16410.0], "unit": ["km2"], "source": ["area.csv"]}
    )
    out = broadcast_static(area, 2013, 2015)
    assert out["year"].tolist() == [2013, 2014, 2015]
    assert out["value"].tolist() == [16410.0] * 3


def test_coverage_counts_observed_filled_missing():
    values = pd.concat(
        [long("110000", "gdp", [1.0, np.nan, 3.0]), long("120000", "gdp", [np.nan, 1.0, np.nan])]
    )
    out = coverage(fill_gaps(values, 2013, 2015), n_provinces=3)
    assert out[["year", "observed", "filled", "missing"]].values.tolist() == [
        [2013, 1, 0, 2], [2014, 1, 1, 1], [2015, 1, 0, 2]
    ]
