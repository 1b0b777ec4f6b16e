"""End to end: both datasets rebuilt by snakemake --cores 2 in a clean copy of the repo."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import yaml

from conftest import requires_shared, snakemake, workflow_args

pytestmark = [pytest.mark.slow, requires_shared()]

BASE_TABLES = ["table2_descriptives", "table3_baseline"]


def planned_rules(result) -> dict[str, int]:
    """Rule name -> job count from the job-stats table of a dry run."""
    stats = re.search(r"Job stats:\n(.*?)\n\n", result.stdout + "\n\n", re.S)
    if stats is None:
        return {}
    rows = [line.split() for line in stats.group(1).splitlines()[2:]]
    return {row[0]: int(row[1]) for row in rows if len(row) == 2 and row[0] != "total"}


@pytest.fixture(scope="module")
def public_run(public):
    return public


@pytest.fixture(scope="module")
def demo_run(demo):
    return demo


def test_public_data_builds_panel_index_and_tables(public_run):
    panel = pd.read_parquet(public_run / "panel.parquet")
    assert panel["province"].nunique() == 30
    assert "540000" not in set(panel["province"])
    values = pd.read_parquet(public_run / "values.parquet")
    assert {"source", "filled"} <= set(values.columns)
    coverage = pd.read_csv(public_run / "coverage.csv")
    assert {"variable", "year", "observed", "filled", "missing"} <= set(coverage.columns)
    weights = pd.read_csv(public_run / "weights.csv")
    assert weights["weight"].sum() == pytest.approx(1.0)
    for name in BASE_TABLES:
        table = pd.read_csv(public_run / "tables" / f"{name}.csv")
        assert list(table.columns) == ["table", "column", "label", "term", "stat", "value", "stars"]
        assert len(table) > 0


def test_second_run_does_nothing(public_run):
    repo = public_run.parents[1]
    result = snakemake(repo, "--cores", "2", *workflow_args("public-nbs"), "--dry-run")
    assert "Nothing to be done" in result.stdout, result.stdout[-3000:]


def test_model_setting_reruns_only_model_rules(public_run):
    repo = public_run.parents[1]
    result = snakemake(
        repo, "--cores", "2", "--dry-run", *workflow_args("public-nbs"),
        "models={cov: robust, absorbed: error}",
    )
    rules = set(planned_rules(result))
    assert rules, result.stdout[-3000:]
    data_rules = {"ingest", "assemble_panel", "build_index", "analysis_panel"}
    assert not rules & data_rules, rules
    assert "table3_baseline" in rules


def test_demo_tables_say_simulated(demo_run):
    for name in BASE_TABLES:
        assert (demo_run / "tables" / f"{name}.csv").read_text().startswith("# SIMULATED")
        assert "SIMULATED" in (demo_run / "tables" / f"{name}.md").read_text().splitlines()[0]


def tidy_cells(path) -> pd.DataFrame:
    return pd.read_csv(path, comment="#", dtype={"term": str}).fillna({"term": ""})


def cell(table: pd.DataFrame, term: str, stat: str, column: int = 1) -> float:
    hit = table[(table["term"] == term) & (table["stat"] == stat) & (table["column"] == column)]
    assert len(hit) == 1, (term, stat, column, table.head())
    return float(hit["value"].iloc[0])


def test_demo_recovers_planted_threshold_and_slopes(demo_run):
    planted = yaml_load(demo_run / "planted.yaml")["on_index"]
    tests = tidy_cells(demo_run / "tables" / "table6_threshold_tests.csv")
    model = tidy_cells(demo_run / "tables" / "table7_threshold_model.csv")
    threshold = cell(tests, "AI", "threshold", column=1)
    assert cell(tests, "AI", "p", column=1) < 0.01
    assert threshold == pytest.approx(planted["threshold"], abs=0.25)
    terms = sorted(t for t in model["term"].unique() if t.startswith("AI x 1(AI"))
    low, high = (t for t in terms if "<=" in t), (t for t in terms if ">" in t and "<=" not in t)
    for term, key in ((next(low), "AI x 1(AI<=threshold)"), (next(high), "AI x 1(AI>threshold)")):
        estimate, se = cell(model, term, "coef"), cell(model, term, "se")
        assert abs(estimate - planted[key]) < 3 * se, (term, estimate, se, planted[key])


def test_demo_recovers_planted_interaction(demo_run):
    planted = yaml_load(demo_run / "planted.yaml")["on_index"]
    table = tidy_cells(demo_run / "tables" / "table8_moderation.csv")
    estimate, se = cell(table, "AI x IPP", "coef"), cell(table, "AI x IPP", "se")
    assert abs(estimate - planted["AI x (IPP - ipp_centre)"]) < 3 * se


def yaml_load(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))
