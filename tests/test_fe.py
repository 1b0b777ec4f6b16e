"""Two-way fixed effects against an independent dummy-variable regression, and Stata."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import linearmodels
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from panelstudy.errors import MissingVariable
from panelstudy.fe import (
    AbsorbedRegressor,
    fit_fe,
    hausman,
    hausman_statistic,
    remove_effects,
)

RTOL = 1e-8


def simulate_panel(
    provinces: int = 12,
    years: int = 6,
    seed: int = 0,
    correlated: float = 0.0,
    drop: int = 0,
) -> pd.DataFrame:
    """Heteroskedastic, serially correlated panel; ``drop`` random rows unbalance it."""
    rng = np.random.default_rng(seed)
    province = np.repeat([f"p{i:02d}" for i in range(provinces)], years)
    year = np.tile(np.arange(2013, 2013 + years), provinces)
    effect = np.repeat(rng.normal(size=provinces), years)
    shock = np.repeat(rng.normal(size=provinces), years)
    x1 = rng.normal(size=province.size) + correlated * effect
    x2 = rng.gamma(2.0, size=province.size)
    noise = rng.normal(size=province.size) * (0.5 + x2 / 2) + 0.5 * shock
    y = (
        1.0
        + 0.5 * x1
        - 0.3 * x2
        + effect
        + np.tile(rng.normal(size=years), provinces)
        + noise
    )
    frame = pd.DataFrame(
        {"province": province, "year": year, "y": y, "x1": x1, "x2": x2}
    )
    if drop:
        frame = frame.drop(rng.choice(frame.index, size=drop, replace=False))
    return frame.reset_index(drop=True)


def lsdv(frame: pd.DataFrame, outcome: str, regressors: list[str]) -> dict:
    """Least squares on the regressors, province dummies, year dummies but the first."""
    provinces = pd.get_dummies(frame["province"], dtype=float)
    years = pd.get_dummies(frame["year"], dtype=float).iloc[:, 1:]
    design = np.hstack([frame[regressors].to_numpy(float), provinces, years])
    y = frame[outcome].to_numpy(float)
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    bread = np.linalg.inv(design.T @ design)
    scores = design * resid[:, None]
    cluster_sums = pd.DataFrame(scores).groupby(frame["province"].to_numpy()).sum()
    k = len(regressors)
    return {
        "coef": coef,
        "slopes": coef[:k],
        "intercepts": coef[k : k + provinces.shape[1]],
        "years": coef[k + provinces.shape[1] :],
        "resid": resid,
        "bread": bread,
        "rss": resid @ resid,
        "nobs": len(y),
        "ncols": design.shape[1],
        "cluster_meat": cluster_sums.T.to_numpy() @ cluster_sums.to_numpy(),
        "hc_meat": scores.T @ scores,
        "year_names": [f"year={y}" for y in years.columns],
    }


@pytest.fixture(params=[0, 9], ids=["balanced", "unbalanced"])
def panel(request) -> pd.DataFrame:
    return simulate_panel(drop=request.param)


def test_coefficients_equal_dummy_variable_regression(panel):
    fit = fit_fe(panel, "y", ["x1", "x2"])
    reference = lsdv(panel, "y", ["x1", "x2"])

    np.testing.assert_allclose(fit.params[["x1", "x2"]], reference["slopes"], rtol=RTOL)
    np.testing.assert_allclose(
        fit.params[reference["year_names"]], reference["years"], rtol=RTOL
    )
    # Stata's _cons: the observation-weighted mean of the province intercepts
    weights = panel["province"].value_counts().sort_index().to_numpy()
    expected_cons = weights @ reference["intercepts"] / weights.sum()
    assert fit.params["_cons"] == pytest.approx(expected_cons, rel=RTOL)
    assert fit.terms == ("x1", "x2", "_cons")


def test_unadjusted_se_equal_dummy_variable_regression(panel):
    fit = fit_fe(panel, "y", ["x1", "x2"], cov_type="unadjusted")
    reference = lsdv(panel, "y", ["x1", "x2"])

    s2 = reference["rss"] / (reference["nobs"] - reference["ncols"])
    expected = np.sqrt(s2 * np.diag(reference["bread"]))[:2]
    np.testing.assert_allclose(fit.std_errors[["x1", "x2"]], expected, rtol=RTOL)
    assert fit.df_resid == reference["nobs"] - reference["ncols"]
    expected_p = 2 * stats.t.sf(np.abs(reference["slopes"] / expected), fit.df_resid)
    np.testing.assert_allclose(fit.pvalues[["x1", "x2"]], expected_p, rtol=1e-6)


def test_clustered_se_apply_statas_factor_to_the_dummy_variable_sandwich(panel):
    fit = fit_fe(panel, "y", ["x1", "x2"], cov_type="clustered")
    reference = lsdv(panel, "y", ["x1", "x2"])

    sandwich = reference["bread"] @ reference["cluster_meat"] @ reference["bread"]
    groups = panel["province"].nunique()
    n = reference["nobs"]
    # Stata xtreg, fe vce(cluster): K counts the regressors, the year dummies and
    # _cons, not the province effects
    k = 2 + len(reference["year_names"]) + 1
    factor = groups / (groups - 1) * (n - 1) / (n - k)
    expected = np.sqrt(factor * np.diag(sandwich))[:2]
    np.testing.assert_allclose(fit.std_errors[["x1", "x2"]], expected, rtol=RTOL)
    assert fit.inference_df == groups - 1
    expected_p = 2 * stats.t.sf(np.abs(reference["slopes"] / expected), groups - 1)
    np.testing.assert_allclose(fit.pvalues[["x1", "x2"]], expected_p, rtol=1e-6)


def test_robust_se_are_hc1_of_the_dummy_variable_regression(panel):
    fit = fit_fe(panel, "y", ["x1", "x2"], cov_type="robust")
    reference = lsdv(panel, "y", ["x1", "x2"])

    n, ncols = reference["nobs"], reference["ncols"]
    sandwich = reference["bread"] @ reference["hc_meat"] @ reference["bread"]
    expected = np.sqrt(n / (n - ncols) * np.diag(sandwich))[:2]
    np.testing.assert_allclose(fit.std_errors[["x1", "x2"]], expected, rtol=RTOL)


def test_r2_and_f_follow_stata_definitions(panel):
    reference = lsdv(panel, "y", ["x1", "x2"])
    y = panel["y"]
    within_ss = ((y - y.groupby(panel["province"]).transform("mean")) ** 2).sum()
    total_ss = ((y - y.mean()) ** 2).sum()

    unadjusted = fit_fe(panel, "y", ["x1", "x2"], cov_type="unadjusted")

    assert unadjusted.r2_within == pytest.approx(
        1 - reference["rss"] / within_ss, rel=RTOL
    )
    assert unadjusted.r2_inclusive == pytest.approx(
        1 - reference["rss"] / total_ss, rel=RTOL
    )
    # with unadjusted errors the Wald F is the classical F against province effects only
    provinces = pd.get_dummies(panel["province"], dtype=float).to_numpy()
    restricted = y - provinces @ np.linalg.lstsq(provinces, y, rcond=None)[0]
    q = 2 + len(reference["year_names"])
    df = reference["nobs"] - reference["ncols"]
    expected_f = ((restricted @ restricted - reference["rss"]) / q) / (
        reference["rss"] / df
    )
    assert unadjusted.f_stat == pytest.approx(expected_f, rel=1e-7)
    assert unadjusted.f_df == (q, df)
    assert unadjusted.f_pvalue == pytest.approx(stats.f.sf(expected_f, q, df), rel=1e-6)


def test_clustered_f_is_the_wald_test_over_g_minus_one(panel):
    fit = fit_fe(panel, "y", ["x1", "x2"], cov_type="clustered")
    reference = lsdv(panel, "y", ["x1", "x2"])

    groups = panel["province"].nunique()
    n = reference["nobs"]
    q = 2 + len(reference["year_names"])
    factor = groups / (groups - 1) * (n - 1) / (n - q - 1)
    sandwich = (
        factor * reference["bread"] @ reference["cluster_meat"] @ reference["bread"]
    )
    tested = np.r_[0:2, 2 + groups : reference["ncols"]]
    b = reference["coef"][tested]
    wald = b @ np.linalg.solve(sandwich[np.ix_(tested, tested)], b)
    assert fit.f_stat == pytest.approx(wald / q, rel=1e-7)
    assert fit.f_df == (q, groups - 1)


def _year_level_and_province_level(panel: pd.DataFrame) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    national = pd.Series(
        rng.normal(size=panel["year"].nunique()), index=sorted(panel["year"].unique())
    )
    coastal = pd.Series(
        rng.integers(0, 2, size=panel["province"].nunique()),
        index=sorted(panel["province"].unique()),
    )
    return panel.assign(
        national=panel["year"].map(national),
        coastal=panel["province"].map(coastal).astype(float),
    )


def test_absorbed_regressors_are_named_or_dropped_without_changing_the_rest(
    panel, caplog
):
    data = _year_level_and_province_level(panel)

    with pytest.raises(AbsorbedRegressor) as caught:
        fit_fe(data, "y", ["x1", "national", "x2", "coastal"])
    assert caught.value.names == ("national", "coastal")
    assert "absorbed: drop" in str(caught.value)

    with caplog.at_level(logging.WARNING, logger="panelstudy.fe"):
        dropped = fit_fe(
            data, "y", ["x1", "national", "x2", "coastal"], absorbed="drop"
        )
    plain = fit_fe(data, "y", ["x1", "x2"])
    assert dropped.absorbed == ("national", "coastal")
    assert (
        "national" not in dropped.params.index and "coastal" not in dropped.params.index
    )
    assert dropped.terms == ("x1", "x2", "_cons")
    np.testing.assert_allclose(dropped.params, plain.params, rtol=1e-10)
    np.testing.assert_allclose(dropped.std_errors, plain.std_errors, rtol=1e-10)
    assert any("national" in r.getMessage() for r in caplog.records)


def test_year_level_regressor_is_not_absorbed_without_year_effects(panel):
    data = _year_level_and_province_level(panel)
    fit = fit_fe(data, "y", ["x1", "national"], year_effects=False)
    assert "national" in fit.terms


def test_missing_variable_and_missing_rows():
    panel = simulate_panel()
    with pytest.raises(MissingVariable) as caught:
        fit_fe(panel, "y", ["x1", "IPP"])
    assert caught.value.variable == "IPP"

    holes = panel.copy()
    holes.loc[[3, 17], "x2"] = np.nan
    fit = fit_fe(holes, "y", ["x1", "x2"])
    reference = fit_fe(holes.dropna(), "y", ["x1", "x2"])
    assert fit.nobs == len(panel) - 2
    np.testing.assert_allclose(fit.params, reference.params, rtol=1e-12)


def test_unknown_settings_are_named():
    panel = simulate_panel()
    with pytest.raises(ValueError, match="cov_type must be one of"):
        fit_fe(panel, "y", ["x1"], cov_type="HC3")
    with pytest.raises(ValueError, match="absorbed must be one of"):
        fit_fe(panel, "y", ["x1"], absorbed="ignore")


# Stata 13 output for the simulated panel that ships with linearmodels' tests
# (xtreg y x1-x5, fe vce(...)); it checks the conventions against Stata itself.
STATA_RESULTS = Path(linearmodels.__file__).parent / "tests" / "panel" / "results"


def _stata_section(name: str) -> dict:
    text = (STATA_RESULTS / "stata-panel-simulated-results.txt").read_text()
    body = text.split(f"#################!{name}!####################")[1]
    body = body.split("#################!")[0]
    head, variance = body.split("********* Variance *************")
    lines = [line.split("\t") for line in head.strip().splitlines()[2:]]
    params, tstats, statistics = {}, {}, {}
    position = 0
    while position < len(lines):
        label, value = lines[position][0], lines[position][1]
        if label in {"x1", "x2", "x3", "x4", "x5", "_cons"} or label.endswith(
            ("_light", "_heavy")
        ):
            term = re.sub(r"_(light|heavy)$", "", label)
            params[term] = float(value)
            tstats[term] = float(lines[position + 1][1])
            position += 3
            continue
        statistics[label] = float(value) if value.strip() else float("nan")
        position += 1
    rows = [line.split("\t") for line in variance.strip().splitlines()[2:]]
    cov = pd.DataFrame(
        [[float(v) for v in row[1:]] for row in rows],
        index=[re.sub(r"_(light|heavy)$", "", row[0]) for row in rows],
    )
    cov.columns = cov.index
    return {
        "params": pd.Series(params),
        "t": pd.Series(tstats),
        "stats": statistics,
        "cov": cov,
    }


@pytest.mark.skipif(
    not STATA_RESULTS.is_dir(), reason="linearmodels test results absent"
)
@pytest.mark.parametrize("suffix", ["", "_light", "_heavy"])
@pytest.mark.parametrize(
    ("stata_vce", "cov_type"),
    [("cluster", "clustered"), ("robust", "clustered"), ("conventional", "unadjusted")],
)
def test_one_way_fit_equals_stata_xtreg_fe(stata_vce, cov_type, suffix):
    data = pd.read_stata(STATA_RESULTS / "simulated-panel.dta")
    names = {f"{v}{suffix}": v for v in ("y", "x1", "x2", "x3", "x4", "x5")}
    data = data[["firm", "time", *names]].rename(columns=names)
    regressors = ["x1", "x2", "x3", "x4", "x5"]
    stata = _stata_section(f"fixed_effect-{stata_vce}--{suffix}")

    fit = fit_fe(
        data,
        "y",
        regressors,
        entity="firm",
        time="time",
        cov_type=cov_type,
        year_effects=False,
    )

    terms = [*regressors, "_cons"]
    np.testing.assert_allclose(fit.params[terms], stata["params"][terms], rtol=1e-9)
    # t-statistics are printed to 11 digits, the covariance to about 7
    np.testing.assert_allclose(
        fit.params[terms] / fit.std_errors[terms], stata["t"][terms], rtol=1e-9
    )
    np.testing.assert_allclose(
        fit.cov.loc[terms, terms], stata["cov"].loc[terms, terms], rtol=1e-6, atol=1e-14
    )
    assert fit.nobs == stata["stats"]["N"]
    assert fit.r2_within == pytest.approx(stata["stats"]["r2_w"], rel=1e-9)
    assert fit.f_stat == pytest.approx(stata["stats"]["F"], rel=1e-8)
    assert fit.inference_df == stata["stats"]["df_r"]


def test_hausman_statistic_by_hand():
    # d = (1, 2), V_FE - V_RE = diag(1, 4): H = 1 / 1 + 4 / 4 = 2, chi2(2): p = e^-1
    stat, df, p, pd_, low, note = hausman_statistic(
        np.array([1.0, 2.0]), np.zeros(2), np.diag([2.0, 5.0]), np.eye(2)
    )
    assert (stat, df, pd_, note) == (pytest.approx(2.0), 2, True, "")
    assert p == pytest.approx(np.exp(-1.0))
    assert low == pytest.approx(1.0)

    # difference diag(1, -0.5): only the first direction is used, H = 1, df = 1
    stat, df, p, pd_, low, note = hausman_statistic(
        np.ones(2), np.zeros(2), np.diag([2.0, 1.0]), np.diag([1.0, 1.5])
    )
    assert (stat, df, pd_) == (pytest.approx(1.0), 1, False)
    assert low == pytest.approx(-0.5)
    assert "negative eigenvalues" in note

    # singular difference diag(1, 0)
    stat, df, p, pd_, low, note = hausman_statistic(
        np.array([2.0, 5.0]), np.zeros(2), np.diag([2.0, 1.0]), np.eye(2)
    )
    assert (stat, df, pd_) == (pytest.approx(4.0), 1, False)
    assert "singular (rank 1 of 2)" in note


def _swamy_arora(frame: pd.DataFrame, regressors: list[str]) -> tuple[np.ndarray, ...]:
    """Random effects by hand (balanced panel): variances from the within and between
    regressions, quasi-demeaning by theta, least squares with s2 = RSS / (n - k)."""
    years = pd.get_dummies(frame["year"], dtype=float).iloc[:, 1:].to_numpy()
    x = np.hstack([np.ones((len(frame), 1)), frame[regressors].to_numpy(float), years])
    y = frame["y"].to_numpy(float)
    province = frame["province"].to_numpy()
    means_x = pd.DataFrame(x).groupby(province).transform("mean").to_numpy()
    means_y = pd.Series(y).groupby(province).transform("mean").to_numpy()
    n, groups = len(y), frame["province"].nunique()
    periods = n // groups

    within_x, within_y = (x - means_x)[:, 1:], y - means_y
    b_w, *_ = np.linalg.lstsq(within_x, within_y, rcond=None)
    e_w = within_y - within_x @ b_w
    sigma2_e = e_w @ e_w / (n - groups - within_x.shape[1])
    between_x = pd.DataFrame(x[:, : 1 + len(regressors)]).groupby(province).mean()
    between_y = pd.Series(y).groupby(province).mean()
    b_b, *_ = np.linalg.lstsq(between_x, between_y, rcond=None)
    e_b = between_y - between_x @ b_b
    sigma2_u = max(0.0, e_b @ e_b / (groups - between_x.shape[1]) - sigma2_e / periods)
    theta = 1 - np.sqrt(sigma2_e / (periods * sigma2_u + sigma2_e))

    star_x, star_y = x - theta * means_x, y - theta * means_y
    b, *_ = np.linalg.lstsq(star_x, star_y, rcond=None)
    e = star_y - star_x @ b
    s2 = e @ e / (n - x.shape[1])
    cov = s2 * np.linalg.inv(star_x.T @ star_x)
    return (
        b[1 : 1 + len(regressors)],
        cov[1 : 1 + len(regressors), 1 : 1 + len(regressors)],
        s2,
    )


@pytest.mark.parametrize("variance", ["common", "separate"])
def test_hausman_equals_a_hand_computation(variance):
    panel = simulate_panel(provinces=40, seed=0, correlated=1.5)
    fe_fit = fit_fe(panel, "y", ["x1", "x2"], cov_type="unadjusted")
    b_re, v_re, s2_re = _swamy_arora(panel, ["x1", "x2"])

    v_fe = fe_fit.cov.loc[["x1", "x2"], ["x1", "x2"]].to_numpy()
    if variance == "common":
        v_fe = v_fe * s2_re / fe_fit.s2
    d = fe_fit.params[["x1", "x2"]].to_numpy() - b_re
    expected = d @ np.linalg.solve(v_fe - v_re, d)

    result = hausman(panel, "y", ["x1", "x2"], variance=variance)

    assert result.positive_definite
    assert result.statistic == pytest.approx(expected, rel=1e-6)
    assert result.df == 2
    assert result.p_value == pytest.approx(np.exp(-expected / 2), rel=1e-6)
    assert result.terms == ("x1", "x2")


def test_hausman_rejects_when_effects_correlate_with_the_regressor():
    correlated = hausman(
        simulate_panel(provinces=80, seed=3, correlated=1.5), "y", ["x1", "x2"]
    )
    assert correlated.p_value < 1e-4
    assert correlated.positive_definite


def test_hausman_with_year_dummies_reports_the_singular_difference(caplog):
    panel = simulate_panel(provinces=25, seed=6)
    with caplog.at_level(logging.WARNING, logger="panelstudy.fe"):
        result = hausman(panel, "y", ["x1", "x2"], compare="all")
    assert len(result.terms) == 2 + 5
    # balanced panel: FE and RE give the year dummies the same estimate and variance
    assert result.df == 2
    assert not result.positive_definite
    assert "singular" in result.note
    assert any("singular" in r.getMessage() for r in caplog.records)


def test_repeated_province_year_rows_are_an_error():
    panel = simulate_panel()
    doubled = pd.concat([panel, panel.iloc[[4]]])
    with pytest.raises(ValueError, match=r"1 repeated \(province, year\) rows"):
        fit_fe(doubled, "y", ["x1"])


def test_without_province_effects_the_fit_is_pooled_least_squares(panel):
    fit = fit_fe(panel, "y", ["x1", "x2"], entity_effects=False)

    years = pd.get_dummies(panel["year"], dtype=float).iloc[:, 1:].to_numpy()
    design = np.hstack(
        [panel[["x1", "x2"]].to_numpy(), np.ones((len(panel), 1)), years]
    )
    y = panel["y"].to_numpy()
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    resid = y - design @ coef
    bread = np.linalg.inv(design.T @ design)
    sums = (
        pd.DataFrame(design * resid[:, None])
        .groupby(panel["province"].to_numpy())
        .sum()
    )
    n, k, groups = len(y), design.shape[1], panel["province"].nunique()
    factor = groups / (groups - 1) * (n - 1) / (n - k)
    cov = factor * bread @ (sums.T.to_numpy() @ sums.to_numpy()) @ bread

    np.testing.assert_allclose(fit.params[["x1", "x2", "_cons"]], coef[:3], rtol=RTOL)
    np.testing.assert_allclose(
        fit.std_errors[["x1", "x2", "_cons"]], np.sqrt(np.diag(cov))[:3], rtol=RTOL
    )
    assert fit.r2_within == pytest.approx(
        1 - resid @ resid / ((y - y.mean()) ** 2).sum()
    )


@pytest.mark.parametrize(
    ("entity_effects", "year_effects"),
    [(True, True), (True, False), (False, True), (False, False)],
)
def test_removing_effects_equals_residuals_on_dummies(entity_effects, year_effects):
    panel = simulate_panel(provinces=15, years=7, drop=20, seed=8)
    values = panel[["y", "x1", "x2"]].to_numpy()
    parts = [np.ones((len(panel), 1))]
    if entity_effects:
        parts.append(pd.get_dummies(panel["province"], dtype=float).to_numpy())
    if year_effects:
        parts.append(pd.get_dummies(panel["year"], dtype=float).to_numpy())
    dummies = np.hstack(parts)
    expected = values - dummies @ np.linalg.lstsq(dummies, values, rcond=None)[0]

    got = remove_effects(
        values,
        pd.factorize(panel["province"])[0],
        pd.factorize(panel["year"])[0],
        entity_effects=entity_effects,
        year_effects=year_effects,
    )

    np.testing.assert_allclose(got, expected, atol=1e-10 * np.abs(values).max())
