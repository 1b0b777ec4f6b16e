"""Table builders for Tables 2-5 and 8, checked against direct computations."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from test_fe import lsdv

from panelstudy.errors import MissingVariable
from panelstudy.fe import fit_fe
from panelstudy.heterogeneity import (
    FTZ_LABELS,
    equality_test,
    group_core_estimates,
    group_labels,
)
from panelstudy.modelspec import ModelSpec
from panelstudy.study_tables import (
    VariantSpecError,
    baseline_table,
    descriptives_table,
    heterogeneity_table,
    implausible_values,
    lagged,
    moderation_table,
    parse_variants,
    robustness_table,
)
from panelstudy.tables import TIDY_COLUMNS, stars_for
from panelstudy.winsorize import percentile, winsorize

CONTROLS = ("AE", "GS", "FJ", "JT", "RD", "CY")
REGIONS = ["east"] * 11 + ["central"] * 10 + ["west"] * 9


def study_panel(
    seed: int = 0,
    slopes: tuple[float, float, float] = (0.01, 0.01, 0.01),
    controls: tuple[str, ...] = CONTROLS,
    years: range = range(2013, 2023),
    uneven: bool = True,
) -> pd.DataFrame:
    """30 provinces (11 east, 10 central, 9 west) with the study's variables; the AI
    slope differs by region as given; errors correlated within a province. With
    ``uneven``, AI's scale differs by province, the errors grow with AI and the slope
    varies with IPP, so a few provinces carry much of the leverage."""
    rng = np.random.default_rng(seed)
    provinces, periods = 30, len(years)
    rows = provinces * periods
    province = np.repeat([f"{110000 + 10000 * i}" for i in range(provinces)], periods)
    region = np.repeat(REGIONS, periods)
    opened = rng.choice(
        [2013.0, 2015.0, 2017.0, 2019.0, 2020.0, 2021.0, np.nan], provinces
    )
    effect = np.repeat(rng.normal(0, 0.05, provinces), periods)
    scale = rng.uniform(0.5, 2, provinces) if uneven else np.ones(provinces)
    ai = rng.gamma(1.5, 2.0, rows) * np.repeat(scale, periods)
    data = {
        "province": province,
        "year": np.tile(list(years), provinces),
        "region": region,
        "ftz_year": np.repeat(opened, periods),
        "AI": ai,
        "IPP": rng.uniform(0.4, 0.95, rows),
    }
    for name in controls:
        data[name] = rng.uniform(0.2, 0.8, rows) + effect
    slope = (
        pd.Series(region).map(dict(zip(("east", "central", "west"), slopes))).to_numpy()
    )
    noise = rng.normal(0, 0.01, rows) * (1 + uneven * ai / 5) + np.repeat(
        rng.normal(0, 0.01, provinces), periods
    )
    data["INE"] = (
        0.3
        + slope * ai
        + 0.02 * uneven * ai * data["IPP"]
        - 0.05 * data[controls[-1]]
        + effect
        + np.tile(rng.normal(0, 0.02, periods), provinces)
        + noise
    )
    return pd.DataFrame(data)


def cells(frame: pd.DataFrame, column: int, stat: str) -> pd.Series:
    chosen = frame[(frame["column"] == column) & (frame["stat"] == stat)]
    return chosen.set_index("term")["value"]


# Table 2 -------------------------------------------------------------------------------


def test_descriptives_equal_direct_computation():
    data = study_panel()
    data.loc[7, "GS"] = np.nan

    built = descriptives_table(data, ["INE", "AI", "GS", "IPP", "absent"])

    frame = built.frame
    assert list(frame.columns) == TIDY_COLUMNS
    assert set(frame["table"]) == {2} and set(frame["label"]) == {"descriptives"}
    gs = data["GS"].dropna().to_numpy()
    got = frame[frame["term"] == "GS"].set_index("stat")["value"]
    assert got["N"] == 299
    assert got["mean"] == pytest.approx(gs.sum() / 299, rel=1e-12)
    assert got["sd"] == pytest.approx(
        np.sqrt(((gs - gs.mean()) ** 2).sum() / 298), rel=1e-12
    )
    assert (got["min"], got["max"]) == (gs.min(), gs.max())
    assert list(frame["term"].unique()) == ["INE", "AI", "GS", "IPP"]
    assert any("absent" in note for note in built.notes)


def test_implausible_values_are_flagged(caplog):
    data = study_panel()
    data.loc[3, "GS"] = -0.094
    data.loc[12, "RD"] = 40.563
    data.loc[20, "AI"] = np.inf

    with caplog.at_level(logging.WARNING, logger="panelstudy.study_tables"):
        flagged = implausible_values(data)

    found = set(zip(flagged["variable"], flagged["rule"], flagged["value"]))
    assert found == {
        ("GS", "below 0", -0.094),
        ("RD", "above 10", 40.563),
        ("AI", "infinite", np.inf),
    }
    assert (
        flagged.loc[flagged["variable"] == "GS", "province"].item()
        == data.loc[3, "province"]
    )
    assert len([r for r in caplog.records if "implausible" in r.getMessage()]) == 3
    assert implausible_values(data, {"GS": (None, 2.0)}).empty


# Table 3 -------------------------------------------------------------------------------


def test_baseline_columns_equal_dummy_variable_regressions():
    data = study_panel(seed=1)

    frame = baseline_table(data, ModelSpec()).frame

    for column, regressors in ((1, ["AI"]), (2, ["AI", *CONTROLS])):
        reference = lsdv(data, "INE", regressors)
        coef = cells(frame, column, "coef")
        np.testing.assert_allclose(coef[regressors], reference["slopes"], rtol=1e-8)
        assert list(coef.index) == [*regressors, "_cons"]
    assert frame.groupby("column")["label"].first().tolist() == [
        "baseline, no controls",
        "baseline, controls",
    ]
    assert cells(frame, 2, "N")[""] == 300 and cells(frame, 2, "groups")[""] == 30


def test_baseline_stars_follow_p_values_and_hausman_rows():
    data = study_panel(seed=1)
    spec = ModelSpec()

    frame = baseline_table(data, spec).frame

    fit = fit_fe(data, "INE", ["AI", *CONTROLS])
    coef_rows = frame[(frame["column"] == 2) & (frame["stat"] == "coef")]
    for row in coef_rows.itertuples():
        expected = stars_for(fit.pvalues[row.term])
        assert (pd.isna(row.stars) and expected is None) or row.stars == expected
    hausman_rows = frame[frame["term"] == "Hausman"]
    assert cells(frame, 1, "df")["Hausman"] == 1
    assert cells(frame, 2, "df")["Hausman"] == 1 + len(CONTROLS)
    assert set(hausman_rows["stat"]) == {"chi2", "df", "p"}
    assert hausman_rows["stars"].isna().all()
    without = baseline_table(data, spec, hausman_test=False).frame
    assert "Hausman" not in set(without["term"])


def test_missing_control_is_named():
    data = study_panel().drop(columns="RD")
    with pytest.raises(MissingVariable) as caught:
        baseline_table(data, ModelSpec())
    assert caught.value.variables == ("RD",)


# Table 4 -------------------------------------------------------------------------------


def test_stata_percentile_by_hand():
    values = np.arange(1.0, 201.0)[::-1]
    # n = 200: h = 2 and 198 are whole, so the percentile averages two order statistics
    assert percentile(values, 0.01) == 2.5
    assert percentile(values, 0.99) == 198.5
    # n = 150: h = 1.5 and 148.5, so x(2) and x(149)
    assert percentile(values[:150] - 50, 0.01) == 2.0
    assert percentile(values[:150] - 50, 0.99) == 149.0
    assert percentile(values, 0.0) == 1.0 and percentile(values, 1.0) == 200.0


@pytest.mark.parametrize("n", [7, 30, 99, 300, 301])
def test_percentiles_equal_numpy_definitions(n):
    values = np.random.default_rng(n).lognormal(size=n)
    for share in (0.01, 0.05, 0.5, 0.95, 0.99):
        assert percentile(values, share, "stata") == pytest.approx(
            np.percentile(values, share * 100, method="averaged_inverted_cdf"),
            rel=1e-12,
        )
        assert percentile(values, share, "linear") == pytest.approx(
            np.percentile(values, share * 100), rel=1e-12
        )


def test_winsorized_column_equals_a_fit_on_directly_clipped_data():
    data = study_panel(seed=2)
    data.loc[[5, 140], "AI"] = [400.0, -30.0]
    data.loc[77, "GS"] = 25.0

    frame = robustness_table(data, ModelSpec()).frame

    clipped = data.copy()
    for name in ["INE", "AI", *CONTROLS]:
        low, high = np.percentile(data[name], [1, 99], method="averaged_inverted_cdf")
        clipped[name] = data[name].clip(low, high)
    reference = lsdv(clipped, "INE", ["AI", *CONTROLS])
    np.testing.assert_allclose(
        cells(frame, 1, "coef")[["AI", *CONTROLS]], reference["slopes"], rtol=1e-8
    )
    assert frame.loc[frame["column"] == 1, "label"].iloc[0] == "winsorized 1%/99%"
    _, bounds = winsorize(data, ["AI"])
    assert bounds.loc[0, ["clipped_below", "clipped_above"]].tolist() == [3, 3]


def test_subperiod_column_is_clipped_to_the_data():
    data = study_panel(seed=3)

    frame = robustness_table(data, ModelSpec()).frame
    late = robustness_table(data[data["year"] >= 2015], ModelSpec()).frame

    subset = data[data["year"].between(2013, 2019)]
    reference = lsdv(subset, "INE", ["AI", *CONTROLS])
    np.testing.assert_allclose(
        cells(frame, 2, "coef")[["AI", *CONTROLS]], reference["slopes"], rtol=1e-8
    )
    assert cells(frame, 2, "N")[""] == 210
    assert frame.loc[frame["column"] == 2, "label"].iloc[0] == "years 2013-2019"
    assert late.loc[late["column"] == 2, "label"].iloc[0] == "years 2015-2019"
    assert cells(late, 2, "N")[""] == 150


def test_lag_is_by_calendar_year():
    data = study_panel(seed=4)
    gap = data.drop(
        index=data.index[(data["province"] == "110000") & (data["year"] == 2016)]
    )

    lag = lagged(gap, "AI", 1)

    rows = gap["province"] == "110000"
    by_year = dict(zip(gap.loc[rows, "year"], gap.loc[rows, "AI"]))
    got = dict(zip(gap.loc[rows, "year"], lag[rows]))
    assert np.isnan(got[2013]) and np.isnan(got[2017])
    assert got[2018] == by_year[2017] and got[2015] == by_year[2014]
    assert lag.name == "L1.AI"


def test_user_variants_change_only_what_they_name():
    data = study_panel(seed=5)
    variants = [
        {"label": "AI lagged", "core": {"lag": 1}},
        {"cluster": "robust", "controls": []},
        {"years": [2016, 2030], "winsorize": [0.05, 0.95], "outcome": "INE2"},
    ]

    frame = robustness_table(
        data.assign(INE2=data["INE"] * 2), ModelSpec(), variants=variants
    ).frame

    shifted = data.assign(LAI=data.groupby("province")["AI"].shift(1)).dropna(
        subset="LAI"
    )
    reference = lsdv(shifted, "INE", ["LAI", *CONTROLS])
    assert cells(frame, 3, "coef")["L1.AI"] == pytest.approx(
        reference["slopes"][0], rel=1e-8
    )
    assert cells(frame, 3, "N")[""] == 270
    robust = cells(frame, 4, "se")
    plain = fit_fe(data, "INE", ["AI"], cov_type="robust")
    assert robust["AI"] == pytest.approx(plain.std_errors["AI"], rel=1e-12)
    assert list(robust.index) == ["AI", "_cons"]
    labels = frame.groupby("column")["label"].first()
    assert labels[3] == "AI lagged"
    assert labels[4] == "controls none; robust SE"
    assert labels[5] == "outcome INE2; years 2016-2022; winsorized 5%/95%"
    assert cells(frame, 5, "N")[""] == 210


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"label": "x", "lags": 1}, r"variant 1 \('x'\): unknown keys \['lags'\]"),
        (
            {"cluster": "province"},
            "cluster must be one of clustered, robust, unadjusted",
        ),
        ({"years": [2019, 2013]}, "years must be"),
        ({"winsorize": [0.5, 0.2]}, "winsorize must be"),
        ({"core": {"variable": "AI", "lag": 0}}, "core must be"),
        ({"controls": "AE"}, "controls must be a list"),
    ],
)
def test_malformed_variants_are_named(entry, message):
    with pytest.raises(VariantSpecError, match=message):
        parse_variants([entry])


def test_variant_with_an_absent_column_is_a_missing_variable():
    with pytest.raises(MissingVariable) as caught:
        robustness_table(study_panel(), ModelSpec(), variants=[{"outcome": "INE_pca"}])
    assert caught.value.variable == "INE_pca"


# Table 5 -------------------------------------------------------------------------------


def test_group_columns_equal_fits_on_the_subsets():
    data = study_panel(seed=6, slopes=(0.01, 0.02, 0.015))

    built = heterogeneity_table(data, ModelSpec(), permutations=19)

    frame = built.frame
    labels = frame.groupby("column")["label"].first().tolist()
    assert labels == [
        "east",
        "central",
        "west",
        *FTZ_LABELS,
        "AI equal across region",
        "AI equal across ftz",
    ]
    assert [cells(frame, c, "N")[""] for c in (1, 2, 3)] == [110, 100, 90]
    for column, region in enumerate(["east", "central", "west"], start=1):
        subset = data[data["region"] == region]
        reference = lsdv(subset, "INE", ["AI", *CONTROLS])
        np.testing.assert_allclose(
            cells(frame, column, "coef")[["AI", *CONTROLS]],
            reference["slopes"],
            rtol=1e-8,
        )
        direct = fit_fe(subset, "INE", ["AI", *CONTROLS])
        assert cells(frame, column, "se")["AI"] == pytest.approx(
            direct.std_errors["AI"]
        )
    with_zone = (data["ftz_year"] <= 2020).groupby(data["province"]).first().sum()
    assert cells(frame, 4, "groups")[""] == with_zone


def test_pooled_interaction_model_reproduces_the_separate_fits():
    data = study_panel(seed=7, slopes=(0.01, 0.03, 0.02))

    test = equality_test(data, ModelSpec(), "region", permutations=0)

    separate = [
        fit_fe(data[data["region"] == r], "INE", ["AI", *CONTROLS]).params["AI"]
        for r in ("east", "central", "west")
    ]
    np.testing.assert_allclose(test.coefficients, separate, rtol=1e-8)
    assert (test.df_num, test.df_denom) == (2, 8)
    assert np.isnan(test.permutation_p)


def test_permutation_engine_equals_clustered_fits():
    data = study_panel(seed=8)
    codes = {"east": 0, "central": 1, "west": 2}

    coefficients, variances = group_core_estimates(
        data["INE"].to_numpy(),
        data[["AI", *CONTROLS]].to_numpy(),
        pd.factorize(data["province"])[0],
        pd.factorize(data["year"], sort=True)[0],
        data["region"].map(codes).to_numpy(),
        3,
    )

    for region, code in codes.items():
        fit = fit_fe(data[data["region"] == region], "INE", ["AI", *CONTROLS])
        assert coefficients[code] == pytest.approx(fit.params["AI"], rel=1e-8)
        assert variances[code] == pytest.approx(fit.std_errors["AI"] ** 2, rel=1e-8)


def test_equality_tests_reject_unequal_slopes():
    data = study_panel(seed=9, slopes=(0.01, 0.04, 0.01))

    test = equality_test(data, ModelSpec(), "region", permutations=199, seed=1)

    assert test.wald_p < 0.01
    assert test.permutation_p <= 0.01


def _rejections(uneven: bool, permutations: int) -> tuple[int, int]:
    """Rejections at 5% of the Wald and permutation tests over 100 equal-slope panels."""
    spec = ModelSpec(controls=("CY",))
    wald, permutation = [], []
    for seed in range(100):
        data = study_panel(seed=3000 + seed, controls=("CY",), uneven=uneven)
        test = equality_test(data, spec, "region", permutations=permutations, seed=seed)
        wald.append(test.wald_p)
        permutation.append(test.permutation_p)
    return int((np.array(wald) < 0.05).sum()), int(
        (np.array(permutation) <= 0.05).sum()
    )


# A binomial(100, 0.05) count of rejections lies in [1, 10] with probability 0.97.


def test_wald_equality_test_holds_its_size_with_even_leverage():
    wald_rejections, _ = _rejections(uneven=False, permutations=0)
    assert 1 <= wald_rejections <= 10, wald_rejections


def test_permutation_test_holds_its_size_with_uneven_leverage():
    # 39 replications make p <= 0.05 an exact 5% event. The clustered Wald test
    # over-rejects on these panels (documented in panelstudy.heterogeneity).
    _, permutation_rejections = _rejections(uneven=True, permutations=39)
    assert 1 <= permutation_rejections <= 10, permutation_rejections


def test_group_labels():
    data = study_panel(seed=10)
    data.loc[data["province"] == "110000", "ftz_year"] = 2021.0
    data.loc[data["province"] == "120000", "ftz_year"] = 2020.0

    labels, levels = group_labels(data, "ftz", ftz_by_year=2020)

    assert levels == list(FTZ_LABELS)
    assert set(labels[data["province"] == "110000"]) == {FTZ_LABELS[1]}
    assert set(labels[data["province"] == "120000"]) == {FTZ_LABELS[0]}
    assert set(labels[data["ftz_year"].isna()]) <= {FTZ_LABELS[1]}
    assert group_labels(data, "region")[1] == ["east", "central", "west"]
    moving = data.copy()
    moving.loc[0, "region"] = "west"
    with pytest.raises(ValueError, match="changes over time"):
        group_labels(moving, "region")
    with pytest.raises(MissingVariable):
        group_labels(data.drop(columns="ftz_year"), "ftz")


# Table 8 -------------------------------------------------------------------------------


def test_moderation_raw_equals_dummy_variable_regression():
    data = study_panel(seed=11)

    frame = moderation_table(data, ModelSpec()).frame

    product = data.assign(**{"AI x IPP": data["AI"] * data["IPP"]})
    regressors = ["AI", "AI x IPP", "IPP", *CONTROLS]
    reference = lsdv(product, "INE", regressors)
    coef = cells(frame, 1, "coef")
    np.testing.assert_allclose(coef[regressors], reference["slopes"], rtol=1e-8)
    assert list(coef.index) == [*regressors, "_cons"]
    assert set(frame["label"]) == {"moderation by IPP"}


def test_mean_centering_changes_main_effects_not_the_interaction():
    data = study_panel(seed=12)

    raw = cells(moderation_table(data, ModelSpec()).frame, 1, "coef")
    centred = cells(
        moderation_table(data, ModelSpec(), centering="mean").frame, 1, "coef"
    )

    # y = a AI + b IPP + c AI IPP: with AI = A + m_AI, IPP = P + m_IPP the slopes on the
    # centred A and P are a + c m_IPP and b + c m_AI; c is unchanged
    assert centred["AI x IPP"] == pytest.approx(raw["AI x IPP"], rel=1e-9)
    assert centred["AI"] == pytest.approx(
        raw["AI"] + raw["AI x IPP"] * data["IPP"].mean(), rel=1e-9
    )
    assert centred["IPP"] == pytest.approx(
        raw["IPP"] + raw["AI x IPP"] * data["AI"].mean(), rel=1e-9
    )


def test_missing_moderator_is_named():
    with pytest.raises(MissingVariable) as caught:
        moderation_table(study_panel().drop(columns="IPP"), ModelSpec())
    assert caught.value.variable == "IPP"
    assert "moderation" in str(caught.value)


def test_spec_from_config():
    spec = ModelSpec.from_config(
        {"outcome": "INE", "core": "AI", "controls": ["AE"], "moderator": None},
        {"entity": "id", "time": "t"},
        {"cov": "robust", "absorbed": "drop", "time_effects": False},
    )
    assert (
        spec.controls,
        spec.moderator,
        spec.entity,
        spec.cov_type,
        spec.absorbed,
        spec.year_effects,
    ) == (("AE",), None, "id", "robust", "drop", False)
    with pytest.raises(ValueError, match="unknown keys"):
        ModelSpec.from_config({"outcome": "INE", "core": "AI", "mediator": "X"})
    with pytest.raises(ValueError, match="cov must be one of"):
        ModelSpec.from_config({"outcome": "INE", "core": "AI"}, fe={"cov": "hc3"})
