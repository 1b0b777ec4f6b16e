"""Figures: the data behind them (LR profiles against the estimator, group means and
intervals), byte-stable files of a fixed size, and the workflow's figures read back."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from scipy import stats

from panelstudy.figure_data import (
    coverage_grid,
    group_coefficients,
    group_means,
    identified_set,
    lr_profiles,
)
from panelstudy.figures import index_figure, lr_figure, save_figure
from panelstudy.paper_tables import read_tidy
from panelstudy.tables import tidy
from panelstudy.threshold import (
    ThresholdProblem,
    ThresholdSettings,
    estimate_thresholds,
    lr_critical_value,
    panel_arrays,
)
from conftest import SHARED, workflow_run
from test_paper_tables import FIGURES, row

PNG_SIZE = (1200, 675)  # 8 x 4.5 inches at 150 dpi


def two_threshold_panel(seed: int = 3) -> pd.DataFrame:
    """y = mu_i + x (1 + 1(q <= -0.5) - 1(q > 0.7)) + 0.5 z + e: two thresholds in q."""
    rng = np.random.default_rng(seed)
    entities, periods = 60, 6
    n = entities * periods
    q, x, z = rng.normal(size=(3, n))
    slope = 1.0 + (q <= -0.5) - (q > 0.7)
    y = (
        np.repeat(rng.normal(size=entities), periods)
        + slope * x
        + 0.5 * z
        + rng.normal(size=n)
    )
    return pd.DataFrame(
        {
            "id": np.repeat(np.arange(entities), periods),
            "t": np.tile(np.arange(periods), entities),
            "y": y,
            "x": x,
            "z": z,
            "q": q,
        }
    )


@pytest.fixture(scope="module")
def searched():
    settings = ThresholdSettings(
        outcome="y",
        regime_regressors=["x"],
        threshold_variable="q",
        controls=["z"],
        max_thresholds=3,
        trims=(0.05, 0.05, 0.05),
    )
    problem = ThresholdProblem(
        panel_arrays(two_threshold_panel(), "id", "t", settings), settings
    )
    estimates = estimate_thresholds(problem)
    return problem, estimates, lr_profiles(problem, estimates)


def test_lr_profiles_reproduce_every_estimate_and_interval(searched):
    problem, estimates, profiles = searched
    critical = lr_critical_value(0.95)
    for step in estimates.steps:
        new = profiles[(profiles["step"] == step.step) & (profiles["search"] == "new")]
        assert len(new) == len(problem.candidates)
        assert new["lr"].min() == 0.0
        assert new.loc[new["lr"].idxmin(), "candidate"] == step.threshold
        inside = new.loc[new["lr"] <= critical, "candidate"]
        assert [inside.min(), inside.max()] == step.ci
        # S(best) is the step's SSR; LR is in units of S(best) / df.
        assert new["ssr"].min() == pytest.approx(step.ssr, rel=1e-12)
        refined = profiles[
            (profiles["step"] == step.step) & (profiles["search"] == "refine")
        ]
        assert refined["searched"].nunique() == step.step - 1
        for _, curve in refined.groupby("searched"):
            best = curve.loc[curve["lr"].idxmin(), "candidate"]
            assert best in step.refined_values


def test_lr_profiles_find_the_planted_thresholds(searched):
    _, estimates, _ = searched
    assert sorted(estimates.step(2).refined_values) == pytest.approx(
        [-0.5, 0.7], abs=0.1
    )


def test_identified_set_is_the_gap_to_the_next_candidate():
    values = np.array([1.0, 2.0, 4.0, 8.0])
    assert identified_set(values, 2.0, 2.0, "<=") == (2.0, 4.0, True, False)
    assert identified_set(values, 4.0, 8.0, "<=")[:2] == (4.0, np.inf)
    assert identified_set(values, 2.0, 4.0, "<") == (1.0, 4.0, False, True)


def test_group_means_and_intervals():
    data = pd.DataFrame(
        {
            "year": [1, 1, 1, 2, 2, 2],
            "INE": [1.0, 3.0, 10.0, 2.0, 4.0, 20.0],
            "region": ["east", "east", "west", "east", "east", "west"],
        }
    )
    means = group_means(data, ["INE"], data["region"], ["west", "east"])
    assert list(means["group"]) == ["west", "west", "east", "east"]
    assert list(means["INE"]) == [10.0, 20.0, 2.0, 3.0]
    assert list(means["provinces"]) == [1, 1, 2, 2]

    rows = [
        row(5, column, label, "AI", stat, value)
        for column, label, coef, se in (
            (1, "east", 0.02, 0.005),
            (2, "west", -0.01, 0.004),
        )
        for stat, value in (("coef", coef), ("se", se))
    ]
    rows.append(row(5, 1, "east", "", "groups", 11.0))
    coefficients = group_coefficients(tidy(rows), "AI")
    assert coefficients.loc[0, "high"] == pytest.approx(
        0.02 + stats.t.ppf(0.975, 10) * 0.005
    )
    assert coefficients.loc[1, "low"] == pytest.approx(
        -0.01 - stats.norm.ppf(0.975) * 0.004
    )


def test_figures_are_byte_stable_and_of_the_fixed_size(searched, tmp_path):
    _, _, profiles = searched
    for run in ("a", "b"):
        figure = lr_figure(profiles, lr_critical_value(0.95), "q")
        save_figure(figure, tmp_path / f"{run}.png", tmp_path / f"{run}.pdf")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    with Image.open(tmp_path / "a.png") as image:
        assert image.size == PNG_SIZE

    data = two_threshold_panel().assign(
        group=lambda f: np.where(f["id"] < 30, "a", "b")
    )
    means = group_means(data, ["y", "x"], data["group"], ["a", "b"], time="t")
    save_figure(
        index_figure(means, ["y", "x"], "by group", time="t"),
        tmp_path / "i.png",
        tmp_path / "i.pdf",
    )
    with Image.open(tmp_path / "i.png") as image:
        assert image.size == PNG_SIZE


def check_figures(results, names, simulated_lr: bool = False) -> None:
    for name in names:
        png = results / "figures" / f"{name}.png"
        with Image.open(png) as image:
            image.verify()
        with Image.open(png) as image:
            assert image.format == "PNG" and image.size == PNG_SIZE, name
            pixels = np.asarray(image.convert("L"))
            assert pixels.std() > 5, f"{name} is blank"
        pdf = (results / "figures" / f"{name}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF"), name
        assert b"CreationDate" not in pdf, name


def check_lr_profile_matches_table6(results) -> None:
    profiles = pd.read_parquet(results / "threshold" / "lr_profile.parquet")
    table6 = read_tidy(results / "tables" / "table6_threshold_tests.csv")
    critical = lr_critical_value(0.95)
    for column, cells in table6.groupby("column"):
        value = cells.set_index("stat")["value"]
        new = profiles[(profiles["step"] == column) & (profiles["search"] == "new")]
        assert new.loc[new["lr"].idxmin(), "candidate"] == pytest.approx(
            value["threshold"]
        )
        inside = new.loc[new["lr"] <= critical, "candidate"]
        assert inside.min() == pytest.approx(value["ci_low"])
        assert inside.max() == pytest.approx(value["ci_high"])


def test_demo_figures(tmp_path):
    demo = workflow_run("demo")
    check_figures(demo, FIGURES)
    check_lr_profile_matches_table6(demo)
    coverage = pd.read_csv(demo / "coverage.csv", comment="#")
    grid = coverage_grid(coverage)
    html = (demo / "coverage.html").read_text()
    for cell in grid.drop(columns="variable").to_numpy().ravel():
        assert f"<td>{cell}</td>" in html
    assert sorted(grid["variable"]) == sorted(coverage["variable"].unique())


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} is not present")
def test_public_figures():
    public = workflow_run("public-nbs")
    check_figures(public, FIGURES)
    check_lr_profile_matches_table6(public)
