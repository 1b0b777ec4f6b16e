"""Bad inputs, model kind: panel keys, entropy, absorbed and collinear regressors,
threshold panels, and tables whose variables are missing.

The catalogue of reported cases and where each is tested:

5. (levels) a panel with year and province swapped is caught before any fit: here, for
   the FE fit, the threshold model and the entropy index, which take columns.
7. entropy with a constant indicator (weights 0.503634, 0, 0.496366, a warning naming
   it): test_entropy.py::test_four_provinces_with_a_constant_indicator.
8. shares after direction-aware min-max, entropies in [0, 1], a cost indicator with 0:
   test_entropy.py::test_shift_enters_z_before_the_shares,
   ::test_cost_indicator_with_zero_and_negative_values, ::test_three_rows_by_hand;
   here a repeated province-year, which would count twice in the pooled weights.
9. absorbed regressors named, or dropped with a warning, other coefficients unchanged:
   test_fe.py::test_absorbed_regressors_are_named_or_dropped_without_changing_the_rest;
   here a regressor collinear with others and the effects, and a year-level control
   in the threshold model.
10. a missing control in the threshold panel: test_threshold_inputs.py::
    test_missing_control_names_province_and_year, ::test_missing_control_with_drop_...
11. no admissible threshold, and a trim that could empty a regime:
    test_threshold_inputs.py::test_trim_that_leaves_too_few_observations_is_an_error,
    ::test_small_trim_excludes_only_candidates_with_an_empty_regime.
12. ties under ``<=`` and ``<`` (7 and 3 observations), the convention printed:
    test_threshold_inputs.py::test_ties_at_the_threshold_follow_the_convention.
"""

import logging
import re

import numpy as np
import pandas as pd
import pytest

from panelstudy.entropy import Indicator, entropy_index
from panelstudy.fe import CollinearRegressors, fit_fe
from panelstudy.study_tables import implausible_values
from panelstudy.table_job import run_table_job
from panelstudy.tables import TIDY_COLUMNS
from panelstudy.threshold import ThresholdProblem, ThresholdSettings, panel_arrays

PROVINCES = ["110000", "120000", "130000", "140000", "150000", "210000"]
YEARS = list(range(2016, 2021))


def province_panel(seed: int = 0) -> pd.DataFrame:
    """6 provinces x 5 years: x and z, y = x - z/2 + effects + noise."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "province": np.repeat(PROVINCES, len(YEARS)),
        "year": np.tile(YEARS, len(PROVINCES)),
    })
    rows = len(frame)
    frame["x"] = rng.normal(size=rows)
    frame["z"] = rng.normal(size=rows)
    effect = frame["province"].map(dict(zip(PROVINCES, rng.normal(size=6))))
    frame["y"] = frame["x"] - 0.5 * frame["z"] + effect + rng.normal(0, 0.3, rows)
    return frame


THRESHOLD = ThresholdSettings(
    outcome="y", regime_regressors=["x"], threshold_variable="x", controls=["z"],
    max_thresholds=1, trims=(0.1,),
)
SWAPPED = re.escape(
    "entity column 'year' holds years (2016-2020) and time column 'province' does not"
)


# --- 5. entity and time swapped ---------------------------------------------------


def swapped_fits(frame: pd.DataFrame) -> dict:
    return {
        "FE": lambda: fit_fe(frame, "y", ["x", "z"], entity="year", time="province"),
        "threshold": lambda: panel_arrays(frame, "year", "province", THRESHOLD),
        "entropy": lambda: entropy_index(frame, [Indicator("x", "d")], entity="year",
                                         time="province"),
    }


@pytest.mark.parametrize("step", ["FE", "threshold", "entropy"])
def test_swapped_entity_and_time_with_numeric_codes_are_caught(step):
    # Numeric province codes: without the check the FE fit runs and clusters by year,
    # the threshold bootstrap resamples years as if they were provinces.
    frame = province_panel().astype({"province": "int64"})
    with pytest.raises(ValueError, match=SWAPPED) as error:
        swapped_fits(frame)[step]()
    assert "swapped" in str(error.value)


@pytest.mark.parametrize("step", ["FE", "threshold", "entropy"])
def test_a_time_column_of_province_codes_is_caught(step):
    with pytest.raises(ValueError, match="time column 'province' must hold integer"):
        swapped_fits(province_panel())[step]()


def test_swapped_fe_fit_would_have_given_other_standard_errors():
    # Why the check matters: the slope is the same, its clustered SE is not.
    frame = province_panel().astype({"province": "int64"})
    right = fit_fe(frame, "y", ["x", "z"])
    frame["period"] = frame["province"]
    frame["unit"] = frame["year"] + 10_000  # no longer looks like years
    swapped = fit_fe(frame, "y", ["x", "z"], entity="unit", time="period")
    assert swapped.params["x"] == pytest.approx(right.params["x"], rel=1e-10)
    assert swapped.std_errors["x"] != pytest.approx(right.std_errors["x"], rel=1e-3)


def test_panel_keys_given_as_index_levels_are_named():
    indexed = province_panel().set_index(["year", "province"])
    for call in (lambda: fit_fe(indexed, "y", ["x"]),
                 lambda: panel_arrays(indexed, "province", "year", THRESHOLD),
                 lambda: entropy_index(indexed, [Indicator("x", "d")])):
        with pytest.raises(ValueError, match=r"'year'\] are index levels"):
            call()


def test_years_written_as_text_are_refused_by_the_fits():
    frame = province_panel().assign(year=lambda f: f["year"].astype(str) + "年")
    expected = re.escape(
        "time column 'year' must hold integer periods such as years (or dates), but "
        "holds '2016年'"
    )
    with pytest.raises(ValueError, match=expected):
        fit_fe(frame, "y", ["x"])


def test_a_missing_year_is_an_error_not_a_group():
    frame = province_panel().astype({"year": "float64"})
    frame.loc[3, "year"] = np.nan
    with pytest.raises(ValueError, match="1 row\\(s\\) have no year value"):
        fit_fe(frame, "y", ["x"])


# --- 8. entropy: a repeated province-year -----------------------------------------


def test_a_repeated_province_year_is_refused_by_the_entropy_index():
    frame = province_panel()
    repeated = pd.concat([frame, frame.iloc[[4]]], ignore_index=True)
    expected = (
        "the entropy index: 1 repeated (province, year) rows, e.g. ['110000', 2020]"
    )
    with pytest.raises(ValueError, match=re.escape(expected)):
        entropy_index(repeated, [Indicator("x", "d")])


# --- 9. absorbed and collinear regressors -----------------------------------------


def with_combination(frame: pd.DataFrame) -> pd.DataFrame:
    """w = x - 2z + a province part + a year part: collinear with x, z, the effects."""
    codes = {code: i for i, code in enumerate(PROVINCES)}
    by_province = frame["province"].map(codes)
    by_year = 0.1 * frame["year"]
    return frame.assign(w=frame["x"] - 2 * frame["z"] + by_province + by_year)


def test_a_regressor_collinear_with_others_and_the_effects_is_named():
    with pytest.raises(CollinearRegressors) as error:
        fit_fe(with_combination(province_panel()), "y", ["x", "z", "w"])
    assert error.value.names == ("w",)
    assert str(error.value).startswith(
        "w: a linear combination of x, z and the province and year effects"
    )
    assert "absorbed: drop" in str(error.value)


def test_a_collinear_regressor_is_dropped_with_a_warning_the_rest_unchanged(caplog):
    data = with_combination(province_panel())
    with caplog.at_level(logging.WARNING, logger="panelstudy.fe"):
        dropped = fit_fe(data, "y", ["x", "z", "w"], absorbed="drop")
    plain = fit_fe(data, "y", ["x", "z"])
    assert dropped.absorbed == ("w",) and dropped.terms == ("x", "z", "_cons")
    assert "w" not in dropped.params.index
    np.testing.assert_allclose(dropped.params, plain.params, rtol=1e-12)
    np.testing.assert_allclose(dropped.std_errors, plain.std_errors, rtol=1e-12)
    assert "FE model of y: dropped w, linear combinations" in caplog.text


def test_absorbed_and_collinear_regressors_are_dropped_together():
    rng = np.random.default_rng(4)
    data = with_combination(province_panel())
    data["national"] = data["year"].map(dict(zip(YEARS, rng.normal(size=5))))
    fit = fit_fe(data, "y", ["x", "national", "z", "w"], absorbed="drop")
    assert fit.absorbed == ("national", "w")
    assert fit.terms == ("x", "z", "_cons")


def test_nearly_collinear_regressors_are_not_dropped():
    data = province_panel()
    data["w"] = data["x"] + 1e-3 * np.random.default_rng(1).normal(size=len(data))
    fit = fit_fe(data, "y", ["x", "w"])
    assert fit.absorbed == () and "w" in fit.params.index


def test_a_year_level_control_in_the_threshold_model_is_named():
    frame = province_panel()
    frame["national"] = frame["year"].map(dict(zip(YEARS, [0.3, -1.0, 0.2, 0.8, 1.5])))
    chosen = ThresholdSettings(
        outcome="y", regime_regressors=["x"], threshold_variable="x",
        controls=["z", "national"], max_thresholds=1, trims=(0.1,),
    )
    with pytest.raises(ValueError, match=r"regressors \['national', 'year=2017'"):
        ThresholdProblem(panel_arrays(frame, "province", "year", chosen), chosen)


# --- a table whose variable is missing --------------------------------------------


SETTINGS = {
    "roles": {"outcome": "y", "core": "x", "controls": ["zz"]},
    "panel": {"entity": "province", "time": "year"},
    "fe": {"entity_effects": True, "time_effects": True, "cov": "clustered",
           "absorbed": "error"},
    "simulated": False,
}


def build(data, spec):
    return fit_fe(data, spec.outcome, [spec.core, *spec.controls])


def test_a_missing_variable_without_a_note_stops_the_table(tmp_path):
    # A misspelt control (zz for z) must not end the run with a blank table.
    province_panel().to_parquet(tmp_path / "analysis.parquet")
    with pytest.raises(ValueError) as error:
        run_table_job(build, tmp_path / "analysis.parquet", tmp_path / "t.csv",
                      tmp_path / "t.md", {**SETTINGS, "notes": {}}, "Table 3. Baseline")
    message = str(error.value)
    assert message.startswith("Table 3. Baseline: FE model of y needs variable(s) 'zz'")
    assert "notes do not say why zz cannot be built" in message
    assert "'z'" in message  # the columns there are, to spot the typo
    assert not (tmp_path / "t.csv").exists() and not (tmp_path / "t.md").exists()


def test_a_missing_variable_with_a_note_skips_the_table_and_says_why(tmp_path):
    province_panel().to_parquet(tmp_path / "analysis.parquet")
    notes = {"zz": "not published by province"}
    run_table_job(build, tmp_path / "analysis.parquet", tmp_path / "t.csv",
                  tmp_path / "t.md", {**SETTINGS, "notes": notes}, "Table 3. Baseline")
    assert pd.read_csv(tmp_path / "t.csv").columns.tolist() == TIDY_COLUMNS
    assert len(pd.read_csv(tmp_path / "t.csv")) == 0
    markdown = (tmp_path / "t.md").read_text(encoding="utf-8")
    assert "Table 3. Baseline: SKIPPED" in markdown
    assert "zz: not published by province" in markdown


def test_a_plausible_range_for_a_column_the_data_lack_is_named(caplog):
    # public-nbs has no AE, so its range is rightly unchecked; RDD is a typo for RD
    data = province_panel().assign(RD=lambda f: f["x"].abs() * 20)
    with caplog.at_level(logging.INFO, logger="panelstudy.study_tables"):
        flagged = implausible_values(data, {"AE": (0, None), "RDD": (0, 10),
                                            "RD": (0, 10)})
    assert "plausible ranges not checked, no such column: ['AE', 'RDD']" in caplog.text
    assert set(flagged["variable"]) == {"RD"} and (flagged["value"] > 10).all()
