"""Bad inputs, run kind: the workflow stops visibly, leaves nothing half-written and
never writes its raw inputs. Every run is snakemake --cores 2 (one run --cores 1) in a
copy of the repository.

The catalogue of reported cases and where each is tested (all here):

13. a script that raises: its traceback in the rule's log, a non-zero exit, nothing at
    the output path (test_a_failing_script_...).
14. a threshold shard killed is rerun and the merge holds exactly the configured
    replications (test_a_job_killed_mid_write_..., test_a_shard_killed_mid_job_...,
    test_the_merge_refuses_shards_...).
15. the raw folder read-only, the public-nbs pipeline run to its end, the raw files'
    bytes, times and listing unchanged (test_public_data_run_leaves_raw_files_...).
5.  (workflow) years written 2016年 in a ready panel file, entity and time swapped in
    the catalogue or in config (test_a_ready_panel_..., test_swapped_...).
6.  (workflow) two series feeding one variable give Inner Mongolia 2020 twice: an error
    naming both sources, or source_priority's choice logged (test_two_sources_...).
Further cases met: config typos and an undefined dataset (dry runs), a series whose file
is missing, a mistyped drop_provinces code, a misspelt model variable, results readable
by others (mkstemp's 0600 mode).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import SHARED, copy_repository, requires_shared, snakemake

pytestmark = [pytest.mark.slow, requires_shared()]

SMALL = {"threshold": {"bootstrap": {"replications": 20, "shards": 2, "seed": 1}}}
REPLICATIONS, TESTS = 20, 3


def overlay(repo: Path, name: str, content: dict) -> str:
    """A config file in the repository copy (numbers typed, unlike --config values)."""
    path = repo / name
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    return name


def run(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return snakemake(repo, "--cores", "2", *args, check=check)


def catalogue(repo: Path, dataset: str) -> dict:
    text = (repo / "datasets" / f"{dataset}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def part_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob(".*.part"))


# --- 13. failures are visible ------------------------------------------------------


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """A repository copy with the demo's raw extracts simulated, nothing else run."""
    repo = copy_repository(tmp_path_factory.mktemp("failing"))
    run(repo, "results/demo/planted.yaml")
    return repo


def test_a_failing_script_leaves_its_traceback_in_the_log_and_no_output(simulated):
    raw = simulated / "results" / "demo" / "raw" / "nbs-download" / "地区生产总值.csv"
    lines = raw.read_bytes().decode("gbk").split("\r\n")
    cells = lines[5].split(",")  # line 6 of the file: 天津市
    cells[2] = "12%"  # its 2021年 column
    lines[5] = ",".join(cells)
    raw.write_bytes("\r\n".join(lines).encode("gbk"))

    result = run(simulated, "results/demo/values_read.parquet", check=False)

    assert result.returncode != 0
    log = (simulated / "results" / "demo" / "logs" / "ingest.log").read_text()
    assert "ERROR root: Traceback (most recent call last):" in log
    assert (
        "panelstudy.cells.CellError: nbs-download/地区生产总值.csv: 1 cell(s) are not "
        "numbers: row line 6, column '2021年': '12%' is not a number" in log
    )
    assert "Error in rule ingest" in result.stderr + result.stdout
    assert not (simulated / "results" / "demo" / "values_read.parquet").exists()
    assert part_files(simulated / "results") == []


def test_a_mistyped_province_to_drop_stops_the_ingest(simulated):
    entry = {**catalogue(simulated, "demo"), "drop_provinces": ["540001"]}
    config = overlay(simulated, "drop.yaml",
                     {"dataset": "demo-drop", "datasets": {"demo-drop": entry}})
    result = run(simulated, "results/demo-drop/values_read.parquet", "--configfile",
                 config, check=False)
    assert result.returncode != 0
    log = (simulated / "results" / "demo-drop" / "logs" / "ingest.log").read_text()
    assert "drop_provinces ['540001'] are not division codes" in log
    assert not (simulated / "results" / "demo-drop" / "values_read.parquet").exists()


@pytest.mark.parametrize("setting, message", [
    ("models={cov: clusterd}",
     "'clusterd' is not one of ['clustered', 'robust', 'unadjusted']"),
    ("models={clusterd: true}",
     "Additional properties are not allowed ('clusterd' was unexpected)"),
    ("dataset=nope",
     "dataset='nope' is not defined; choose one of ['demo', 'public-nbs']"),
    ('threshold={lower_regime: "=<"}', "'=<' is not one of ['<=', '<']"),
])
def test_a_config_typo_stops_before_any_job_and_names_the_value(simulated, setting,
                                                                 message):
    result = run(simulated, "--dry-run", "--config", setting, check=False)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr


def test_a_series_whose_file_is_missing_is_named_before_any_job(simulated):
    entry = catalogue(simulated, "public-nbs")
    entry["raw_root"] = str(SHARED / "data" / "public-nbs")
    entry["series"]["gdp"]["path"] = "nbs-download/分省年度数据_typo.csv"
    config = overlay(simulated, "missing.yaml",
                     {"dataset": "missing", "datasets": {"missing": entry}})
    result = run(simulated, "--dry-run", "--configfile", config, check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "MissingInputException" in output and "分省年度数据_typo.csv" in output


def two_source_catalogue(raw: Path, priority: dict) -> dict:
    """One variable, gdp, from two files that both give Inner Mongolia 2020."""
    raw.mkdir(exist_ok=True)
    (raw / "a.csv").write_text("地区,年份,x\n内蒙古,2020,1.0\n北京,2020,5\n")
    (raw / "b.csv").write_text("地区,年份,x\n内蒙古自治区,2020,1.1\n北京,2021,6\n")
    spec = {"format": "merged_csv", "column": "x", "unit": "亿元", "variable": "gdp"}
    return {
        "kind": "extracts",
        "raw_root": str(raw),
        "years": {"first": 2020, "last": 2021},
        "source_priority": priority,
        "series": {name: {**spec, "path": f"{name[-1]}.csv"}
                   for name in ("gdp_a", "gdp_b")},
        "indicators": [{"name": "gdp", "dimension": "d", "direction": "positive"}],
        "model": {"outcome": "INE", "core": "gdp"},
    }


def test_two_sources_for_one_province_year_name_both_unless_a_priority_decides(
    simulated, tmp_path
):
    target = "results/dup/values_read.parquet"
    entry = two_source_catalogue(tmp_path / "raw", {})
    config = overlay(simulated, "dup.yaml",
                     {"dataset": "dup", "datasets": {"dup": entry}})
    result = run(simulated, target, "--configfile", config, check=False)
    assert result.returncode != 0
    log = (simulated / "results" / "dup" / "logs" / "ingest.log").read_text()
    assert ("variable 'gdp': 1 province-year(s) appear more than once, from "
            "a.csv [column x] and b.csv [column x]") in log
    assert not (simulated / target).exists()

    entry = two_source_catalogue(tmp_path / "raw", {"gdp": ["b.csv", "a.csv"]})
    overlay(simulated, "dup.yaml", {"dataset": "dup", "datasets": {"dup": entry}})
    run(simulated, target, "--configfile", config)
    values = pd.read_parquet(simulated / target)
    assert values[["province", "year", "value", "source"]].values.tolist() == [
        ["110000", 2020, 5.0, "a.csv [column x]"],
        ["110000", 2021, 6.0, "b.csv [column x]"],
        ["150000", 2020, 1.1, "b.csv [column x]"],
    ]
    log = (simulated / "results" / "dup" / "logs" / "ingest.log").read_text()
    assert ("gdp: 1 province-year(s) in 2 sources; kept by source_priority: "
            "{'b.csv [column x]': 1}") in log


# --- 14. killed jobs leave nothing half-written --------------------------------------


KILLED_WRITER = textwrap.dedent("""
    import sys, time
    import pandas as pd
    from panelstudy.io import write_parquet

    def half_then_hang(self, path, **kwargs):
        with open(path, "wb") as handle:
            handle.write(b"PAR1" + b"x" * 4096)  # the first bytes of a Parquet file
            handle.flush()
        print("writing", flush=True)
        time.sleep(60)

    pd.DataFrame.to_parquet = half_then_hang
    write_parquet(pd.DataFrame({"f_stat": [1.0]}), sys.argv[1])
""")


def test_a_job_killed_mid_write_leaves_nothing_at_the_output(tmp_path):
    target = tmp_path / "shards" / "shard1.parquet"
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(target)], stdout=subprocess.PIPE,
        text=True, env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )
    assert writer.stdout.readline().strip() == "writing"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)

    assert not target.exists()
    leftovers = part_files(target.parent)
    assert len(leftovers) == 1 and leftovers[0].name.startswith(".shard1.parquet.")


SHARDS = [f"results/demo/threshold/shards/shard{i}.parquet" for i in range(2)]
TABLES = [f"results/demo/tables/{name}.csv" for name in
          ("table2_descriptives", "table3_baseline", "table4_robustness",
           "table5_heterogeneity", "table8_moderation")]
# The threshold tables, not `all`: the figures and scorecards are not what is tested.
THRESHOLD_TABLES = [f"results/demo/tables/{name}.csv" for name in
                    ("table6_threshold_tests", "table7_threshold_model")]


@pytest.fixture(scope="module")
def demo_copy(tmp_path_factory):
    """The demo dataset with a small bootstrap, run up to the second shard."""
    repo = copy_repository(tmp_path_factory.mktemp("demo"))
    run(repo, SHARDS[0], *TABLES, "--configfile", overlay(repo, "small.yaml", SMALL))
    return repo


MERGED = Path("results", "demo", "threshold", "replications.parquet")


def merged(repo: Path) -> pd.DataFrame:
    return pd.read_parquet(repo / MERGED)


def test_a_shard_killed_mid_job_is_rerun_and_the_merge_is_whole(demo_copy):
    # Run what is left (shard 1, then the merge) one job at a time; kill snakemake and
    # its job as soon as the shard job has started (its log exists).
    log = demo_copy / "results" / "demo" / "logs" / "threshold_shard1.log"
    command = [sys.executable, "-m", "snakemake", *THRESHOLD_TABLES, "--cores", "1",
               "--configfile", "small.yaml"]
    job = subprocess.Popen(command, cwd=demo_copy, start_new_session=True,
                           env={**os.environ, "PYTHONPATH": str(demo_copy)},
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.monotonic()
    while not log.exists() and job.poll() is None and time.monotonic() - started < 120:
        time.sleep(0.005)
    os.killpg(job.pid, signal.SIGKILL)
    job.wait(timeout=30)
    assert job.returncode == -signal.SIGKILL, "the run ended before it could be killed"

    shards = demo_copy / "results" / "demo" / "threshold" / "shards"
    written = sorted(path.name for path in shards.glob("*.parquet"))
    assert written == ["shard0.parquet"]
    assert not (demo_copy / MERGED).exists()

    # A killed snakemake leaves its lock: --unlock, then the same command again.
    snakemake(demo_copy, "--unlock")
    plan = run(demo_copy, *THRESHOLD_TABLES, "--dry-run", "--configfile", "small.yaml")
    assert "threshold_shard" in plan.stdout and "threshold_merge" in plan.stdout
    assert "threshold_search" not in plan.stdout and "ingest" not in plan.stdout
    run(demo_copy, *THRESHOLD_TABLES, "--configfile", "small.yaml")

    replications = merged(demo_copy)
    assert len(replications) == REPLICATIONS * TESTS
    assert replications.groupby("test")["replication"].apply(list).to_dict() == {
        test: list(range(REPLICATIONS)) for test in range(1, TESTS + 1)
    }
    assert part_files(demo_copy / "results") == []
    done = run(demo_copy, *THRESHOLD_TABLES, "--dry-run", "--configfile", "small.yaml")
    assert "Nothing to be done" in done.stdout


def test_the_merge_refuses_shards_of_another_plan(demo_copy):
    run(demo_copy, *THRESHOLD_TABLES, "--configfile", "small.yaml")
    shard = demo_copy / "results" / "demo" / "threshold" / "shards" / "shard1.parquet"
    # shard 1 holds replications 10-19 of each test; a stale copy of it (from a plan
    # with 15 replications) lacks 15-19, and is newer than the merged tables
    stale = pd.read_parquet(shard)
    assert sorted(stale["replication"].unique()) == list(range(10, 20))
    stale.query("replication < 15").to_parquet(shard, index=False)
    table6 = demo_copy / "results" / "demo" / "tables" / "table6_threshold_tests.csv"

    result = run(demo_copy, *THRESHOLD_TABLES, "--configfile", "small.yaml",
                 check=False)

    assert result.returncode != 0
    log = (demo_copy / "results" / "demo" / "logs" / "threshold_merge.log").read_text()
    assert (f"bootstrap shards do not add up to {REPLICATIONS} replications of tests "
            f"[1, 2, 3]: {5 * TESTS} missing") in log
    assert not table6.exists()
    shard.unlink()  # leave the copy whole again for the tests after this one
    run(demo_copy, *THRESHOLD_TABLES, "--configfile", "small.yaml")
    assert len(merged(demo_copy)) == REPLICATIONS * TESTS


def test_results_are_readable_by_others_as_the_umask_allows(demo_copy):
    umask = os.umask(0o022)
    os.umask(umask)
    expected = 0o666 & ~umask
    for path in ("panel.parquet", "tables/table3_baseline.csv",
                 "threshold/replications.parquet"):
        mode = stat.S_IMODE((demo_copy / "results" / "demo" / path).stat().st_mode)
        assert mode == expected, (path, oct(mode))


def test_a_misspelt_model_variable_stops_the_table_rather_than_skipping_it(demo_copy):
    entry = catalogue(demo_copy, "demo")
    entry["model"]["controls"] = ["AE", "GS", "FJ", "JT", "RD", "CYY"]
    table3 = "results/demo/tables/table3_baseline.md"
    config = overlay(demo_copy, "typo.yaml",
                     {"datasets": {"demo": entry}, "tables": [3]})
    result = run(demo_copy, table3, "--configfile", "small.yaml", config, check=False)
    assert result.returncode != 0
    log = (demo_copy / "results" / "demo" / "logs" / "table3_baseline.log").read_text()
    assert "needs variable(s) 'CYY'" in log
    assert "notes do not say why CYY cannot be built" in log
    assert not (demo_copy / table3).exists()


# --- 15. raw inputs are never written ------------------------------------------------


def fingerprint(folder: Path) -> dict[str, tuple[str, int, int]]:
    """Every file and folder below ``folder``: content hash, mtime (ns), mode."""
    found = {}
    for path in sorted(folder.rglob("*")):
        status = path.stat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        name = str(path.relative_to(folder))
        found[name] = (digest, status.st_mtime_ns, status.st_mode)
    return found


def test_public_data_run_leaves_raw_files_untouched(tmp_path):
    repo = copy_repository(tmp_path / "copy")
    entry = catalogue(repo, "public-nbs")
    source = SHARED / "data" / "public-nbs"
    raw = tmp_path / "raw"
    for relative in sorted({spec["path"] for spec in entry["series"].values()}):
        target = raw / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / relative, target)
    for path in [*raw.rglob("*"), raw]:
        path.chmod(path.stat().st_mode & ~0o222)  # chmod -R a-w
    before = fingerprint(raw)
    catalogue_path = repo / "datasets" / "public-nbs.yaml"
    text = catalogue_path.read_text(encoding="utf-8")
    catalogue_path.write_text(
        text.replace("raw_root: ../shared/data/public-nbs", f"raw_root: {raw}"),
        encoding="utf-8",
    )

    run(repo, "--config", "dataset=public-nbs", "--configfile",
        overlay(repo, "small.yaml", SMALL))

    # As root, write bits do not stop a write; the comparison does.
    assert fingerprint(raw) == before
    results = repo / "results" / "public-nbs"
    assert len(pd.read_parquet(results / "panel.parquet")) == 30 * 7
    for name in ("table3_baseline", "table6_threshold_tests", "table7_threshold_model"):
        assert (results / "tables" / f"{name}.csv").stat().st_size > 0
    sources = set(pd.read_parquet(results / "values.parquet")["source"])
    assert any(source.startswith("nbs-download/分省年度数据.csv") for source in sources)


# --- 5. years and keys of a ready panel file -----------------------------------------


def ready_panel(repo: Path) -> None:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"id": np.repeat(np.arange(1, 9), 6),
                          "year": [f"{y}年" for y in range(2015, 2021)] * 8})
    frame["x"] = rng.uniform(0, 4, len(frame))
    frame["z"] = rng.normal(size=len(frame))
    frame["y"] = np.where(frame["x"] > 2, 1.5, 0.5) * frame["x"] + rng.normal(
        0, 0.2, len(frame))
    frame.to_csv(repo / "mini.csv", index=False)


def mini_config(repo: Path, entity: str = "id", time_: str = "year",
                panel: tuple[str, str] = ("id", "year")) -> str:
    config = {
        "dataset": "mini",
        "datasets": {"mini": {"kind": "panel", "path": "mini.csv", "entity": entity,
                              "time": time_}},
        "panel": {"entity": panel[0], "time": panel[1]},
        "tables": [6, 7],
        "threshold": {"outcome": "y", "regime_regressors": ["x"],
                      "threshold_variable": "x", "controls": ["z"],
                      "max_thresholds": 1, "trims": [0.1],
                      "bootstrap": {"replications": 20, "shards": 2, "seed": 1}},
    }
    return overlay(repo, f"mini-{entity}-{panel[0]}.yaml", config)


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    repo = copy_repository(tmp_path_factory.mktemp("mini"))
    ready_panel(repo)
    return repo


def test_a_ready_panel_with_years_written_2016nian_is_read_as_integers(mini):
    run(mini, "--configfile", mini_config(mini))
    analysis = pd.read_parquet(mini / "results" / "mini" / "analysis.parquet")
    assert analysis["year"].dtype == "int64"
    assert sorted(analysis["year"].unique()) == list(range(2015, 2021))
    tables = mini / "results" / "mini" / "tables"
    assert (tables / "table6_threshold_tests.csv").exists()


def test_swapped_entity_and_time_in_the_catalogue_are_caught(mini):
    result = run(mini, "--configfile", mini_config(mini, entity="year", time_="id"),
                 "--forcerun", "prepare_panel", check=False)
    assert result.returncode != 0
    log = (mini / "results" / "mini" / "logs" / "prepare_panel.log").read_text()
    assert ("mini.csv: the entity column 'year' holds years and the time column 'id' "
            "does not: are entity and time swapped in the catalogue?") in log


def test_swapped_entity_and_time_in_config_are_caught_before_the_threshold(mini):
    result = run(mini, "--configfile", mini_config(mini, panel=("year", "id")),
                 check=False)
    assert result.returncode != 0
    log = (mini / "results" / "mini" / "logs" / "threshold_search.log").read_text()
    assert ("the threshold model: entity column 'year' holds years (2015-2020) and "
            "time column 'id' does not") in log
    assert not (mini / "results" / "mini" / "threshold" / "estimates.json").exists()
