"""Panel entropy index: written-out cases and properties that follow from the formulas."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from panelstudy.entropy import Indicator, entropy_index, parse_indicators
from panelstudy.errors import MissingVariable


def _panel(**columns: list[float]) -> pd.DataFrame:
    rows = len(next(iter(columns.values())))
    return pd.DataFrame(
        {"province": [f"p{i}" for i in range(rows)], "year": [2020] * rows, **columns}
    )


def test_four_provinces_with_a_constant_indicator(caplog):
    panel = _panel(gdp=[1, 2, 4, 8], const=[3, 3, 3, 3], edu=[5, 1, 2, 2])
    indicators = [Indicator(n, "all") for n in ("gdp", "const", "edu")]

    with caplog.at_level(logging.WARNING, logger="panelstudy.entropy"):
        result = entropy_index(panel, indicators, shift=0.0)

    weights = result.weights.set_index("indicator")
    assert weights.loc["gdp", "weight"] == pytest.approx(0.503634, abs=5e-7)
    assert weights.loc["const", "weight"] == 0.0
    assert weights.loc["edu", "weight"] == pytest.approx(0.496366, abs=5e-7)
    assert weights["constant"].tolist() == [False, True, False]
    assert weights.loc["const", "entropy"] == 1.0
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("const" in message for message in warned)
    assert not any("gdp" in message or "edu" in message for message in warned)


def test_three_rows_by_hand():
    # r = 3, shift 0, k = 1 / ln 3 = 1 / 1.098612.
    # a (positive) = 10, 20, 40: z = 0, 1/3, 1; sum 4/3; p = 0, 1/4, 3/4
    #   e_a = (1/4 ln 4 + 3/4 ln 4/3) / ln 3 = (0.346574 + 0.215762) / 1.098612 = 0.511858
    # b (negative) = -2, 0, 2: z = (2 - x) / 4 = 1, 1/2, 0; sum 3/2; p = 2/3, 1/3, 0
    #   e_b = (2/3 ln 3/2 + 1/3 ln 3) / ln 3 = (0.270310 + 0.366204) / 1.098612 = 0.579380
    # d_a = 0.488142, d_b = 0.420620, sum 0.908762: w_a = 0.537150, w_b = 0.462850
    # scores: row 1 = w_b = 0.462850; row 2 = w_a / 3 + w_b / 2 = 0.179050 + 0.231425
    #   = 0.410475; row 3 = w_a = 0.537150
    panel = _panel(a=[10, 20, 40], b=[-2, 0, 2])
    indicators = [Indicator("a", "scale"), Indicator("b", "support", "negative")]

    result = entropy_index(panel, indicators, shift=0.0)

    weights = result.weights.set_index("indicator")
    assert weights["entropy"].tolist() == pytest.approx([0.511858, 0.579380], abs=2e-6)
    assert weights["weight"].tolist() == pytest.approx([0.537150, 0.462850], abs=2e-6)
    assert result.scores["INE"].tolist() == pytest.approx(
        [0.462850, 0.410475, 0.537150], abs=2e-6
    )
    # one indicator per dimension: each sub-index is that indicator's z
    assert result.scores["scale"].tolist() == pytest.approx([0, 1 / 3, 1])
    assert result.scores["support"].tolist() == pytest.approx([1, 0.5, 0])


def test_shift_enters_z_before_the_shares():
    # a = 0, 1 with shift 0.5: z = 0.5, 1.5, p = 1/4, 3/4, e = (1/4 ln 4 + 3/4 ln 4/3)
    # / ln 2 = 0.562335 / 0.693147 = 0.811278; alone it has weight 1, score = z.
    panel = _panel(a=[0.0, 1.0], b=[0.0, 1.0])
    indicators = [Indicator("a", "one"), Indicator("b", "one")]

    result = entropy_index(panel, indicators, shift=0.5)

    assert result.weights["entropy"].tolist() == pytest.approx([0.811278] * 2, abs=1e-6)
    assert result.scores["INE"].tolist() == pytest.approx([0.5, 1.5])


def test_cost_indicator_with_zero_and_negative_values():
    rng = np.random.default_rng(3)
    cost = np.concatenate([[0.0, -5.0, -0.3], rng.normal(-1, 2, size=27)])
    panel = _panel(
        income=rng.lognormal(size=30), cost=cost, share=rng.uniform(0, 1, size=30)
    )
    indicators = [
        Indicator("income", "scale"),
        Indicator("cost", "scale", "negative"),
        Indicator("share", "potential"),
    ]

    result = entropy_index(panel, indicators)

    weights = result.weights
    assert weights["entropy"].between(0, 1).all()
    assert weights["weight"].sum() == pytest.approx(1.0)
    assert (weights["weight"] > 0).all()
    # alone, the cost indicator scores z + shift: highest at the lowest cost, and the
    # highest cost gets z = 0, i.e. the shift
    cost_only = entropy_index(panel, indicators[1:2]).scores["INE"]
    assert cost_only.idxmax() == int(np.argmin(cost))
    assert cost_only.iloc[int(np.argmax(cost))] == pytest.approx(0.0001)


def test_weights_are_pooled_over_years_not_year_by_year():
    # Two years, two provinces. Pooled min-max of a = 1, 2, 3, 4 gives z = 0, 1/3, 2/3, 1;
    # year by year it would give 0, 1, 0, 1.
    panel = pd.DataFrame(
        {"province": ["x", "y", "x", "y"], "year": [1, 1, 2, 2], "a": [1, 2, 3, 4]}
    )

    result = entropy_index(panel, [Indicator("a", "d")], shift=0.0)

    assert result.scores["d"].tolist() == pytest.approx([0, 1 / 3, 2 / 3, 1])


def test_sub_index_weights_renormalize_the_overall_ones():
    rng = np.random.default_rng(11)
    panel = _panel(**{name: rng.gamma(2.0, size=40) for name in "abcde"})
    indicators = [
        Indicator("a", "scale"),
        Indicator("b", "scale"),
        Indicator("c", "support", "negative"),
        Indicator("d", "support"),
        Indicator("e", "potential"),
    ]

    result = entropy_index(panel, indicators)

    weights = result.weights
    for _, group in weights.groupby("dimension"):
        expected = group["weight"] / group["weight"].sum()
        assert group["weight_within_dimension"].to_numpy() == pytest.approx(expected)
    low, high = panel[["a", "b"]].min(), panel[["a", "b"]].max()
    z = (panel[["a", "b"]] - low) / (high - low) + 0.0001
    within = weights.set_index("indicator").loc[["a", "b"], "weight_within_dimension"]
    assert result.scores["scale"].to_numpy() == pytest.approx(z.to_numpy() @ within)
    assert list(result.scores.columns) == [
        "province",
        "year",
        "INE",
        "scale",
        "support",
        "potential",
    ]


def test_missing_indicator_is_named():
    panel = _panel(a=[1.0, 2.0])
    with pytest.raises(MissingVariable) as caught:
        entropy_index(panel, [Indicator("a", "d"), Indicator("gone", "d")])
    assert caught.value.variables == ("gone",)


def test_missing_value_and_negative_shift_are_errors():
    panel = _panel(a=[1.0, np.nan, 3.0])
    with pytest.raises(ValueError, match="'a': 1"):
        entropy_index(panel, [Indicator("a", "d")])
    with pytest.raises(ValueError, match="shift"):
        entropy_index(_panel(a=[1.0, 2.0]), [Indicator("a", "d")], shift=-1.0)


def test_dimension_of_constants_is_an_error():
    panel = _panel(a=[1.0, 2.0, 3.0], b=[4.0, 4.0, 4.0])
    with pytest.raises(ValueError, match="'flat'"):
        entropy_index(panel, [Indicator("a", "d"), Indicator("b", "flat")])


def test_config_entries_are_validated():
    assert parse_indicators(
        [{"name": "a", "dimension": "d", "direction": "negative"}]
    ) == [Indicator("a", "d", "negative")]
    with pytest.raises(ValueError, match="weight"):
        parse_indicators([{"name": "a", "dimension": "d", "weight": 1}])
    with pytest.raises(ValueError, match="direction 'cost'"):
        parse_indicators([{"name": "a", "dimension": "d", "direction": "cost"}])
    with pytest.raises(ValueError, match="more than once"):
        parse_indicators(
            [{"name": "a", "dimension": "d"}, {"name": "a", "dimension": "e"}]
        )
