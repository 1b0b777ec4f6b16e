"""Merged bootstrap results do not depend on shards, threads or executor."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import copy_repository, snakemake
from panelstudy.threshold import (
    Bootstrap,
    BootstrapPlan,
    ThresholdProblem,
    ThresholdSettings,
    estimate_thresholds,
    merge_replications,
    panel_arrays,
    run_shard,
    shard_blocks,
)



def panel(seed: int = 3, entities: int = 60, periods: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = entities * periods
    q, x, z = rng.normal(size=(3, n))
    y = np.repeat(rng.normal(size=entities), periods) + x + 0.8 * x * (q <= 0.3) + z
    y += rng.normal(size=n)
    return pd.DataFrame({
        "id": np.repeat([f"P{i:02d}" for i in range(entities)], periods),
        "year": np.tile(np.arange(2013, 2013 + periods), entities),
        "y": y + 0.0, "x": x, "z": z, "q": np.round(q, 2),
    })


THRESHOLD = {
    "outcome": "y", "regime_regressors": ["x"], "threshold_variable": "q",
    "controls": ["z"], "max_thresholds": 2, "trims": [0.05, 0.05], "year_effects": True,
}


def run_plan(bootstrap: Bootstrap, shards: int, threads: int, replications: int = 70):
    plan = BootstrapPlan(replications=replications, shards=shards, seed=7, tests=(1, 2))
    frames = [run_shard(bootstrap, plan, shard, threads) for shard in range(shards)]
    return merge_replications(frames, plan)


@pytest.mark.parametrize("earlier", ["search", "fixed"])
def test_one_shard_and_seven_shards_agree_to_the_last_digit(monkeypatch, earlier):
    monkeypatch.setattr("panelstudy.threshold.bootstrap._MAX_BLOCK", 8)
    settings = ThresholdSettings(**THRESHOLD, earlier_thresholds=earlier)
    problem = ThresholdProblem(panel_arrays(panel(), "id", "year", settings), settings)
    estimates = estimate_thresholds(problem)
    one = run_plan(Bootstrap(problem, estimates, 7), shards=1, threads=1)
    seven = run_plan(Bootstrap(problem, estimates, 7), shards=7, threads=2)
    pd.testing.assert_frame_equal(one, seven, check_exact=True)
    assert one["f_stat"].nunique() > 60


def test_shards_cover_every_replication_once():
    covered = [r for s in range(7) for block in shard_blocks(300, 7, s, 32) for r in block]
    assert covered == list(range(300))


def test_mixed_plans_are_refused():
    settings = ThresholdSettings(**THRESHOLD)
    problem = ThresholdProblem(panel_arrays(panel(), "id", "year", settings), settings)
    bootstrap = Bootstrap(problem, estimate_thresholds(problem), 7)
    plan = BootstrapPlan(replications=40, shards=2, seed=7, tests=(1, 2))
    first = run_shard(bootstrap, plan, 0)
    with pytest.raises(ValueError, match="do not add up to 40 replications"):
        merge_replications([first, first], plan)


TABLES = ["table6_threshold_tests", "table7_threshold_model"]


def run_workflow(root: Path, shards: int, cores: int) -> dict[str, bytes]:
    """The real workflow, in a clean copy of the repository, on a ready simulated panel."""
    root.mkdir()
    repo = copy_repository(root)
    panel().to_parquet(repo / "sim.parquet", index=False)
    config = {
        "dataset": "sim",
        "datasets": {"sim": {"kind": "panel", "path": "sim.parquet", "entity": "id",
                             "time": "year"}},
        "panel": {"entity": "id", "time": "year"},
        "tables": [6, 7],
        "threshold": {**THRESHOLD, "threads": 2,
                      "bootstrap": {"replications": 70, "shards": shards, "seed": 7}},
    }
    (repo / "sim.yaml").write_text(yaml.safe_dump(config))
    targets = [f"results/sim/tables/{name}.{ext}" for name in TABLES for ext in ("csv", "md")]
    snakemake(repo, *targets, "--cores", str(cores), "--configfile", "sim.yaml")
    tables = repo / "results" / "sim" / "tables"
    return {path.name: path.read_bytes() for path in sorted(tables.iterdir())}


def test_workflow_tables_identical_for_one_and_seven_shards(tmp_path):
    one = run_workflow(tmp_path / "one", shards=1, cores=1)
    seven = run_workflow(tmp_path / "seven", shards=7, cores=2)
    assert sorted(one) == [
        "table6_threshold_tests.csv", "table6_threshold_tests.md",
        "table7_threshold_model.csv", "table7_threshold_model.md",
    ]
    assert one == seven
    table6 = pd.read_csv(tmp_path / "one" / "repo" / "results" / "sim" / "tables" /
                         "table6_threshold_tests.csv")
    assert set(table6["label"]) == {"single", "double"}
    assert set(table6["stat"]) >= {"F", "p", "crit10", "crit5", "crit1", "threshold",
                                    "ci_low", "ci_high"}
    log = (tmp_path / "seven" / "repo" / "results" / "sim" / "logs" /
           "threshold_shard0.log").read_text()
    assert "replications" in log and "done" in log
