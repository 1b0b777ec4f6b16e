"""Bad inputs give clear errors or a documented, logged policy; conventions are stated."""

import logging

import numpy as np
import pandas as pd
import pytest
import yaml
from pathlib import Path

from panelstudy.errors import MissingVariable
from panelstudy.threshold import (
    ThresholdProblem,
    ThresholdSettings,
    estimate_thresholds,
    panel_arrays,
    threshold_notes,
)
from panelstudy.threshold.regime_model import regime_labels
from panelstudy.threshold.search import search_next

SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "threshold.schema.yaml"


def province_panel(q: list[float], provinces=("A", "B", "C"), seed: int = 0) -> pd.DataFrame:
    periods = len(q) // len(provinces)
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "province": np.repeat(provinces, periods),
        "year": np.tile(np.arange(2013, 2013 + periods), len(provinces)),
    })
    frame["q"] = q
    frame["x"] = rng.normal(size=len(frame))
    frame["z"] = rng.normal(size=len(frame))
    frame["y"] = frame["x"] + rng.normal(size=len(frame))
    return frame


def settings(**changes) -> ThresholdSettings:
    base = dict(outcome="y", regime_regressors=["x"], threshold_variable="q", controls=["z"],
                max_thresholds=1, trims=(0.01,), year_effects=False)
    return ThresholdSettings(**{**base, **changes})


def test_missing_control_names_province_and_year():
    frame = province_panel([0.1 * i for i in range(12)])
    frame.loc[(frame.province == "B") & (frame.year == 2015), "z"] = np.nan
    with pytest.raises(ValueError, match=r"province 'B' year 2015: z missing") as error:
        panel_arrays(frame, "province", "year", settings())
    assert "missing: drop_entity" in str(error.value)


def test_missing_control_with_drop_policy_drops_and_logs_the_province(caplog):
    frame = province_panel([0.1 * i for i in range(12)])
    frame.loc[(frame.province == "B") & (frame.year == 2015), "z"] = np.nan
    with caplog.at_level(logging.WARNING):
        arrays = panel_arrays(frame, "province", "year", settings(missing="drop_entity"))
    assert list(arrays.entities) == ["A", "C"]
    assert arrays.n_obs == 8
    assert arrays.dropped == ("dropped province 'B': gaps at 2015 z",)
    assert "dropped province 'B'" in caplog.text


def test_absent_row_is_an_unbalanced_panel_error():
    frame = province_panel([0.1 * i for i in range(12)])
    frame = frame[~((frame.province == "C") & (frame.year == 2016))]
    with pytest.raises(ValueError, match=r"province 'C' year 2016: no row"):
        panel_arrays(frame, "province", "year", settings())


def test_absent_variable_is_named():
    frame = province_panel([0.1 * i for i in range(12)]).drop(columns="z")
    with pytest.raises(MissingVariable, match="'z'"):
        panel_arrays(frame, "province", "year", settings())


def test_trim_that_leaves_too_few_observations_is_an_error():
    frame = province_panel([0] * 10 + [1, 2])
    chosen = settings(trims=(0.25,))
    problem = ThresholdProblem(panel_arrays(frame, "province", "year", chosen), chosen)
    with pytest.raises(ValueError, match="each regime needs at least 3 observations"):
        estimate_thresholds(problem)


@pytest.mark.parametrize("lower, values, prefixes", [("<=", [0, 1], [10, 11]),
                                                     ("<", [1, 2], [10, 11])])
def test_small_trim_excludes_only_candidates_with_an_empty_regime(lower, values, prefixes):
    frame = province_panel([0] * 10 + [1, 2])
    chosen = settings(lower_regime=lower)
    problem = ThresholdProblem(panel_arrays(frame, "province", "year", chosen), chosen)
    assert problem.candidates.values.tolist() == values
    assert problem.candidates.prefixes.tolist() == prefixes
    _, ssr, _ = search_next(problem, [], 1)
    assert np.isfinite(ssr).all()


def test_threshold_variable_with_one_value_is_an_error():
    frame = province_panel([3.0] * 12)
    with pytest.raises(ValueError, match="1 distinct value"):
        ThresholdProblem(panel_arrays(frame, "province", "year", settings()), settings())


@pytest.mark.parametrize("lower, count", [("<=", 7), ("<", 3)])
def test_ties_at_the_threshold_follow_the_convention(lower, count):
    q = [1, 1, 2, 2] + [1, 2, 3, 3] + [2, 3, 3, 4]
    chosen = settings(lower_regime=lower)
    problem = ThresholdProblem(panel_arrays(province_panel(q), "province", "year", chosen), chosen)
    assert problem.candidates.prefixes[problem.candidates.values.tolist().index(2)] == count
    lower_rows = problem.rank < count
    assert lower_rows.sum() == count
    expected = np.array(q) <= 2 if lower == "<=" else np.array(q) < 2
    assert (lower_rows == expected).all()

    estimates = estimate_thresholds(problem)
    assert f"lower regime q {lower} threshold" in threshold_notes(estimates)[0]
    assert regime_labels("x", "q", [2.0], lower)[0] == f"x x 1(q{lower}2)"


def test_collinear_regressors_are_named():
    frame = province_panel([0.1 * i for i in range(12)])
    frame["w"] = 2 * frame["z"] - frame["x"]
    chosen = settings(controls=["z", "w"])
    with pytest.raises(ValueError, match=r"\['z', 'w', 'x'\] are collinear after removing the province effects"):
        ThresholdProblem(panel_arrays(frame, "province", "year", chosen), chosen)


def test_time_invariant_regressor_is_absorbed():
    frame = province_panel([0.1 * i for i in range(12)])
    frame["size"] = frame["province"].map({"A": 1.0, "B": 2.0, "C": 5.0})
    chosen = settings(controls=["z", "size"])
    with pytest.raises(ValueError, match=r"\['size'\] do not vary within any province"):
        ThresholdProblem(panel_arrays(frame, "province", "year", chosen), chosen)


@pytest.mark.parametrize("key, value", [("lower_regime", "=<"), ("within", "half"),
                                        ("search", "fast"), ("max_thresholds", 4)])
def test_bad_setting_lists_allowed_values(key, value):
    with pytest.raises(ValueError, match=key):
        settings(**{key: value})


def test_schema_defaults_are_the_estimator_defaults():
    schema = yaml.safe_load(SCHEMA.read_text())["properties"]
    defaults = ThresholdSettings(outcome="y", regime_regressors=["x"], threshold_variable="q")
    for key, spec in schema.items():
        assert "description" in spec and "default" in spec, key
        if hasattr(defaults, key) and key not in ("outcome", "regime_regressors",
                                                  "threshold_variable", "controls"):
            value = getattr(defaults, key)
            assert (list(value) if isinstance(value, tuple) else value) == spec["default"], key
    for key, spec in schema["bootstrap"]["properties"].items():
        assert "description" in spec and "default" in spec, key
