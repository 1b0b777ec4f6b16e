"""The demo study on a one-node Slurm cluster, through `profiles/slurm`.

The cluster is the one `tests/slurm/cluster.sh` sets up (Debian's slurm-wlm and munge,
as root). The module starts it unless it already runs, and stops what it started.

Checked here, with a small bootstrap (SETTINGS) so that the module takes minutes:
- Tables 6 and 7 through Slurm equal those of a local `--cores 2` run byte for byte;
- a bootstrap shard cancelled while it runs is retried, with unchanged tables, and its
  Slurm allocation has the CPUs, memory and time its rule states;
- a run whose Snakemake process is killed resumes with `--rerun-incomplete` and runs only
  the jobs whose outputs were missing;
- `--dry-run` after a finished run plans nothing; after touching a raw extract, nothing
  (Snakemake 9 compares checksums); after changing one, the rules downstream of it;
  after changing a threshold setting, the threshold rules.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import REPO, SHARED, copy_repository

CLUSTER = REPO / "tests" / "slurm" / "cluster.sh"
RESULTS = Path("results/demo")
THRESHOLD_TABLES = ["table6_threshold_tests.csv", "table7_threshold_model.csv"]

# Written into each copy as cluster-test.yaml and passed with --configfile, on top of
# config.yaml: a bootstrap small enough for CI, still split into several shards.
SHARDS = 3
SETTINGS = {"threshold": {"bootstrap": {"replications": 50, "shards": SHARDS}}}
SETTINGS_FILE = "cluster-test.yaml"

# Seconds one Snakemake run may take before the test fails.
RUN_TIMEOUT = 1200

pytestmark = pytest.mark.slurm
requires_slurm = pytest.mark.skipif(
    shutil.which("sinfo") is None or shutil.which("slurmctld") is None,
    reason="Slurm is not installed (apt-get install slurm-wlm munge)",
)


def copy_with_settings(destination: Path) -> Path:
    """A clean copy of the repository (see conftest) with the small bootstrap settings."""
    repo = copy_repository(destination)
    (repo / SETTINGS_FILE).write_text(yaml.safe_dump(SETTINGS))
    return repo


def snakemake_command(*args: str, configfiles: tuple[str, ...] = ()) -> list[str]:
    return [sys.executable, "-m", "snakemake", "--configfile", "config.yaml",
            SETTINGS_FILE, *configfiles, *args]


def run_environment(repo: Path, cluster_env: dict[str, str]) -> dict[str, str]:
    # PYTHONPATH: the copy's package, also inside Slurm jobs (sbatch --export=ALL).
    env = {**os.environ, **cluster_env, "PYTHONPATH": str(repo)}
    for name in [name for name in env if name.startswith("SLURM_") and name != "SLURM_CONF"]:
        del env[name]
    return env


def snakemake(repo: Path, cluster_env: dict[str, str], *args: str,
              configfiles: tuple[str, ...] = ()) -> str:
    """Run Snakemake to the end in ``repo``; return its output, fail on a non-zero exit."""
    result = subprocess.run(
        snakemake_command(*args, configfiles=configfiles), cwd=repo,
        env=run_environment(repo, cluster_env),
        capture_output=True, text=True, timeout=RUN_TIMEOUT,
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} exited {result.returncode}:\n"
                             f"{output[-6000:]}")
    return output


class Run:
    """A Snakemake run in the background, its output going to a log file."""

    def __init__(self, repo: Path, cluster_env: dict[str, str], log: Path, *args: str):
        self.log = log
        self.started = time.monotonic()
        with open(log, "w") as handle:
            self.process = subprocess.Popen(
                snakemake_command(*args), cwd=repo,
                env=run_environment(repo, cluster_env),
                stdout=handle, stderr=subprocess.STDOUT,
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def slurm_run_id(self) -> str | None:
        """The executor's run ID: the Slurm job name of every job of this run."""
        found = re.search(r"SLURM run ID: (\S+)", self.text())
        return found.group(1) if found else None

    def finished(self, rule: str) -> int:
        return len(re.findall(rf"Finished jobid: \d+ \(Rule: {rule}\)", self.text()))

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def wait(self) -> str:
        try:
            self.process.wait(timeout=max(1, RUN_TIMEOUT - self.elapsed()))
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            cancel_run(self.slurm_run_id())
            raise AssertionError(f"snakemake did not finish in {RUN_TIMEOUT}s; "
                                 f"log {self.log}:\n{self.text()[-6000:]}")
        if self.process.returncode != 0:
            raise AssertionError(f"snakemake exited {self.process.returncode}; "
                                 f"log {self.log}:\n{self.text()[-6000:]}")
        return self.text()


def slurm_jobs(run_id: str) -> list[dict[str, str]]:
    """Jobs of one run that squeue still lists (finished ones stay for MinJobAge)."""
    fields = ["id", "state", "comment", "cpus", "memory", "time_limit", "time"]
    listing = subprocess.run(
        ["squeue", "-h", "-t", "all", "--name", run_id, "-o", "%i|%T|%k|%C|%m|%l|%M"],
        check=True, capture_output=True, text=True,
    ).stdout
    return [dict(zip(fields, line.split("|"))) for line in listing.splitlines() if line]


def seconds(elapsed: str) -> int:
    """squeue's [days-][hours:]minutes:seconds as seconds."""
    days, _, clock = elapsed.rpartition("-")
    total = 0
    for part in clock.split(":"):
        total = 60 * total + int(part)
    return total + 86400 * int(days or 0)


def megabytes(memory: str) -> int:
    """squeue's memory column (1030M, 2G) in MB."""
    factor = {"M": 1, "G": 1024, "T": 1024 * 1024}
    return int(float(memory[:-1]) * factor[memory[-1]])


def active(jobs: list[dict[str, str]]) -> list[dict[str, str]]:
    return [job for job in jobs if job["state"] in ("PENDING", "RUNNING", "COMPLETING")]


def cancel_run(run_id: str | None) -> None:
    """Cancel the jobs a killed Snakemake left in Slurm and wait until they are gone."""
    if not run_id:
        return
    subprocess.run(["scancel", "--name", run_id], check=True)
    deadline = time.monotonic() + 60
    while active(slurm_jobs(run_id)):
        assert time.monotonic() < deadline, f"jobs of {run_id} still active after 60s"
        time.sleep(1)


def job_stats(output: str) -> dict[str, int]:
    """Jobs per rule from the 'Job stats' table Snakemake prints; {} if nothing to do."""
    if "Nothing to be done" in output:
        return {}
    lines = output.splitlines()
    start = lines.index("Job stats:")
    stats = {}
    for line in lines[start + 3:]:
        rule, count = line.split()
        if rule == "total":
            return stats
        stats[rule] = int(count)
    raise AssertionError(f"no total line in the job stats:\n{output}")


def output_files(repo: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under results/ (logs left out): modification time and contents."""
    return {
        str(path.relative_to(repo)): (path.stat().st_mtime_ns, path.read_bytes())
        for path in sorted((repo / RESULTS).rglob("*"))
        if path.is_file() and "logs" not in path.relative_to(repo).parts
    }


@pytest.fixture(scope="module")
def cluster_env():
    """The one-node cluster, started here unless `.ci/run` or a person already did."""
    already_running = subprocess.run(
        [str(CLUSTER), "status"], capture_output=True, text=True
    ).returncode == 0
    if not already_running:
        started = subprocess.run([str(CLUSTER), "start"], capture_output=True, text=True)
        assert started.returncode == 0, f"cluster.sh start failed:\n{started.stderr}"
    conf = subprocess.run(
        [str(CLUSTER), "env"], check=True, capture_output=True, text=True
    ).stdout.strip().removeprefix("export SLURM_CONF=")
    yield {"SLURM_CONF": conf}
    if not already_running:
        stopped = subprocess.run([str(CLUSTER), "stop"], capture_output=True, text=True)
        assert stopped.returncode == 0, f"cluster.sh stop failed:\n{stopped.stderr}"


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    """The demo study run locally with `--cores 2`."""
    repo = copy_with_settings(tmp_path_factory.mktemp("local"))
    started = time.monotonic()
    snakemake(repo, {}, "--cores", "2")
    print(f"local --cores 2 run: {time.monotonic() - started:.0f}s")
    return repo


@pytest.fixture(scope="module")
def slurm_run(tmp_path_factory, cluster_env):
    """The demo study through profiles/slurm; one bootstrap shard is cancelled by
    scancel a few seconds after it starts running."""
    workspace = tmp_path_factory.mktemp("slurm")
    repo = copy_with_settings(workspace)
    run = Run(repo, cluster_env, workspace / "snakemake.log",
              "--profile", "profiles/slurm")
    cancelled = None
    while run.process.poll() is None:
        run_id = run.slurm_run_id()
        if cancelled is None and run_id:
            for job in slurm_jobs(run_id):
                if (job["comment"].startswith("rule_threshold_shard_")
                        and job["state"] == "RUNNING" and seconds(job["time"]) >= 3):
                    subprocess.run(["scancel", job["id"]], check=True)
                    cancelled = job
                    break
        time.sleep(0.5)
    log = run.wait()
    print(f"slurm run with one cancelled shard: {run.elapsed():.0f}s")
    return repo, log, cancelled


@requires_slurm
def test_slurm_tables_equal_local_tables(local_run, slurm_run):
    slurm_repo, _, _ = slurm_run
    for name in THRESHOLD_TABLES:
        local = (local_run / RESULTS / "tables" / name).read_bytes()
        slurm = (slurm_repo / RESULTS / "tables" / name).read_bytes()
        assert slurm == local, f"{name} differs between the Slurm and the local run"


@requires_slurm
def test_cancelled_shard_is_retried(slurm_run):
    _, log, cancelled = slurm_run
    assert cancelled is not None, "no bootstrap shard was seen running to cancel"
    assert f"SLURM-job '{cancelled['id']}' failed, SLURM status is: 'CANCELLED'" in log
    assert len(re.findall(r"Error in rule threshold_shard:", log)) == 1
    assert len(re.findall(r"Finished jobid: \d+ \(Rule: threshold_shard\)", log)) == SHARDS


@requires_slurm
def test_shard_allocation_matches_its_rule(slurm_run):
    """The cancelled shard's Slurm allocation is what rules/threshold.smk asks for, and
    the shard used as many threads as it was given CPUs."""
    slurm_repo, _, cancelled = slurm_run
    assert cancelled is not None, "no bootstrap shard was seen running"
    assert int(cancelled["cpus"]) == 2
    assert cancelled["time_limit"] == "1:00:00"
    assert megabytes(cancelled["memory"]) >= 1024
    shard = cancelled["comment"].rsplit("_", 1)[-1]
    shard_log = (slurm_repo / RESULTS / "logs" / f"threshold_shard{shard}.log").read_text()
    assert f"{cancelled['cpus']} threads" in shard_log


@requires_slurm
def test_killed_run_resumes_with_what_was_missing(tmp_path_factory, local_run, cluster_env):
    """Start from the finished local run without its threshold outputs; kill Snakemake
    (SIGKILL, as a lost login node) while a bootstrap shard runs and another has finished;
    cancel what it left in Slurm; resume: only the missing outputs are built."""
    workspace = tmp_path_factory.mktemp("resume")
    repo = workspace / "repo"
    shutil.copytree(local_run, repo, symlinks=True)
    (workspace / "shared").symlink_to(SHARED)
    shutil.rmtree(repo / RESULTS / "threshold")
    for name in THRESHOLD_TABLES:
        for path in (repo / RESULTS / "tables").glob(Path(name).stem + ".*"):
            path.unlink()

    run = Run(repo, cluster_env, workspace / "killed.log", "--profile", "profiles/slurm")
    killed = False
    while run.process.poll() is None and not killed:
        run_id = run.slurm_run_id()
        if run_id and run.finished("threshold_shard") >= 1:
            running = [job for job in slurm_jobs(run_id)
                       if job["comment"].startswith("rule_threshold_shard_")
                       and job["state"] == "RUNNING"]
            if running:
                run.process.send_signal(signal.SIGKILL)
                run.process.wait()
                killed = True
        time.sleep(0.5)
    assert killed, f"the run ended before it could be killed:\n{run.text()[-4000:]}"
    cancel_run(run.slurm_run_id())
    finished_shards = run.finished("threshold_shard")

    shard_files = sorted((repo / RESULTS / "threshold" / "shards").glob("shard*.parquet"))
    missing_shards = SHARDS - len(shard_files)
    assert 1 <= missing_shards <= SHARDS - finished_shards
    before = output_files(repo)

    snakemake(repo, cluster_env, "--unlock")
    plan = job_stats(snakemake(repo, cluster_env, "--profile", "profiles/slurm", "-n"))
    assert plan == {"threshold_shard": missing_shards, "threshold_merge": 1, "all": 1}

    resume = Run(repo, cluster_env, workspace / "resumed.log",
                 "--profile", "profiles/slurm", "--rerun-incomplete")
    log = resume.wait()
    print(f"resumed run: {resume.elapsed():.0f}s")
    assert job_stats(log) == plan

    after = output_files(repo)
    changed = sorted(name for name in before if after[name] != before[name])
    assert changed == [], f"the resumed run rewrote finished outputs: {changed}"
    for name in THRESHOLD_TABLES:
        local = (local_run / RESULTS / "tables" / name).read_bytes()
        assert (repo / RESULTS / "tables" / name).read_bytes() == local, name


def test_dry_run_after_finished_run_plans_nothing(local_run):
    assert job_stats(snakemake(local_run, {}, "--cores", "2", "-n")) == {}


@requires_slurm
def test_dry_run_after_finished_slurm_run_plans_nothing(slurm_run, cluster_env):
    slurm_repo, _, _ = slurm_run
    dry = snakemake(slurm_repo, cluster_env, "--profile", "profiles/slurm", "-n")
    assert job_stats(dry) == {}


def raw_extract(repo: Path) -> Path:
    """One raw extract of the demo study (a CSV, so that a blank line changes nothing)."""
    extracts = sorted((repo / RESULTS / "raw").rglob("*.csv"))
    assert extracts, "the demo run wrote no CSV raw extracts"
    return extracts[0]


def test_dry_run_after_touching_a_raw_extract(local_run):
    """Snakemake 9 reruns a job for a newer input only when the input's checksum differs
    from the one recorded: a touched but unchanged extract leaves nothing to do."""
    extract = raw_extract(local_run)
    stat = extract.stat()
    try:
        os.utime(extract)
        plan = job_stats(snakemake(local_run, {}, "--cores", "2", "-n"))
    finally:
        os.utime(extract, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert plan == {}, f"after touching {extract.name}"


def test_dry_run_after_changing_a_raw_extract(local_run):
    """A changed extract reruns every rule downstream of it: all but the simulation."""
    everything = job_stats(snakemake(local_run, {}, "--cores", "2", "-n", "--forceall"))
    assert everything["simulate_extracts"] == 1
    expected = {rule: count for rule, count in everything.items()
                if rule != "simulate_extracts"}

    extract = raw_extract(local_run)
    content, stat = extract.read_bytes(), extract.stat()
    try:
        extract.write_bytes(content + b"\n")
        plan = job_stats(snakemake(local_run, {}, "--cores", "2", "-n"))
    finally:
        extract.write_bytes(content)
        os.utime(extract, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert plan == expected, f"after changing {extract.name}"


def test_dry_run_after_changing_a_threshold_setting(local_run):
    changed = local_run / "threshold-changed.yaml"
    changed.write_text(yaml.safe_dump({"threshold": {"confidence": 0.9}}))
    try:
        plan = job_stats(snakemake(local_run, {}, "--cores", "2", "-n",
                                   configfiles=(changed.name,)))
    finally:
        changed.unlink()
    assert plan == {"threshold_search": 1, "threshold_shard": SHARDS,
                    "threshold_merge": 1, "all": 1}
