"""The demo study on a one-node Slurm cluster, through `profiles/slurm`.

The cluster is the one `tests/slurm/cluster.sh` sets up (Debian's slurm-wlm and munge,
as root). The module starts it unless it already runs, and stops what it started.

Checked here, with a small bootstrap (SETTINGS) so that the module takes minutes:
- Tables 6 and 7 through Slurm equal those of a local `--cores 2` run byte for byte;
- a bootstrap shard cancelled while it runs is retried, with unchanged tables; shards
  get the CPUs, memory and time their rule states, and use no more memory than that;
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
from dataclasses import dataclass, field
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

    def running(self, rule: str) -> list[dict[str, str]]:
        """Jobs of ``rule`` that Slurm runs now for this run."""
        run_id = self.slurm_run_id()
        if not run_id:
            return []
        return [job for job in slurm_jobs(run_id) if job["state"] == "RUNNING"
                and job["comment"].startswith(f"rule_{rule}_")]

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, *exc_info) -> None:
        # A test that fails while Snakemake runs leaves neither it nor its jobs behind.
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
            cancel_run(self.slurm_run_id())

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
    """A Slurm memory figure (1030M, 2G, 376416K; bare numbers are bytes) in MB."""
    factor = {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}
    if memory[-1] in factor:
        return round(float(memory[:-1]) * factor[memory[-1]])
    return round(float(memory) / 1024**2)


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


def memory_used(job_id: str) -> int:
    """MB a running job holds now at most: the sum over its steps (the batch step runs
    the submitting Snakemake's job script, step 0 the rule) of their peak resident size
    so far, as sstat reports it (jobacct_gather/linux samples every second)."""
    listing = subprocess.run(
        ["sstat", "-n", "-a", "-P", "-j", job_id, "--format=JobID,MaxRSS"],
        capture_output=True, text=True,
    ).stdout
    return sum(megabytes(line.split("|")[1]) for line in listing.splitlines()
               if line.count("|") == 1 and line.split("|")[1])


@dataclass
class SlurmRun:
    repo: Path
    log: str
    cancelled: dict[str, str] | None
    # Slurm job ID of each bootstrap shard seen running -> (MB requested, MB used).
    shard_memory: dict[str, tuple[int, int]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def slurm_run(tmp_path_factory, cluster_env):
    """The demo study through profiles/slurm. One bootstrap shard is cancelled by scancel
    a few seconds after it starts running; the memory of every shard is followed."""
    workspace = tmp_path_factory.mktemp("slurm")
    repo = copy_with_settings(workspace)
    run = Run(repo, cluster_env, workspace / "snakemake.log",
              "--profile", "profiles/slurm")
    cancelled = None
    shard_memory = {}
    with run:
        while run.process.poll() is None:
            for job in run.running("threshold_shard"):
                requested = megabytes(job["memory"])
                used = max(memory_used(job["id"]), shard_memory.get(job["id"], (0, 0))[1])
                shard_memory[job["id"]] = (requested, used)
                if cancelled is None and seconds(job["time"]) >= 3:
                    subprocess.run(["scancel", job["id"]], check=True)
                    cancelled = job
            time.sleep(0.5)
        log = run.wait()
    print(f"slurm run with one cancelled shard: {run.elapsed():.0f}s; shard memory "
          f"(MB requested, MB used) by Slurm job: {shard_memory}")
    return SlurmRun(repo, log, cancelled, shard_memory)


@requires_slurm
def test_slurm_tables_equal_local_tables(local_run, slurm_run):
    for name in THRESHOLD_TABLES:
        local = (local_run / RESULTS / "tables" / name).read_bytes()
        slurm = (slurm_run.repo / RESULTS / "tables" / name).read_bytes()
        assert slurm == local, f"{name} differs between the Slurm and the local run"


@requires_slurm
def test_cancelled_shard_is_retried(slurm_run):
    cancelled, log = slurm_run.cancelled, slurm_run.log
    assert cancelled is not None, "no bootstrap shard was seen running to cancel"
    assert f"SLURM-job '{cancelled['id']}' failed, SLURM status is: 'CANCELLED'" in log
    assert len(re.findall(r"Error in rule threshold_shard:", log)) == 1
    assert len(re.findall(r"Finished jobid: \d+ \(Rule: threshold_shard\)", log)) == SHARDS


@requires_slurm
def test_shards_request_what_they_use(slurm_run):
    """Slurm allocates a shard what rules/threshold.smk states (threads, mem_mb,
    runtime); the shard runs as many threads as it has CPUs and stays in its memory."""
    cancelled = slurm_run.cancelled
    assert cancelled is not None, "no bootstrap shard was seen running"
    shard_blocks = re.findall(r"^rule threshold_shard:\n(?:    .*\n)+", slurm_run.log,
                              flags=re.MULTILINE)
    # Snakemake prints `threads:` only when there is more than one.
    stated = {(int((re.search(r"threads: (\d+)", block) or [None, 1])[1]),
               int(re.search(r"mem_mb=(\d+)", block).group(1)),
               int(re.search(r"runtime=(\d+)", block).group(1)))
              for block in shard_blocks}
    assert len(stated) == 1, f"shards state different resources: {stated}"
    threads, mem_mb, runtime = stated.pop()
    assert int(cancelled["cpus"]) == threads
    assert megabytes(cancelled["memory"]) == mem_mb
    assert seconds(cancelled["time_limit"]) == 60 * runtime

    shard = cancelled["comment"].rsplit("_", 1)[-1]
    shard_log = (slurm_run.repo / RESULTS / "logs" / f"threshold_shard{shard}.log")
    assert f"{threads} threads" in shard_log.read_text()

    assert slurm_run.shard_memory, "no memory measured for any shard"
    for job_id, (requested, used) in slurm_run.shard_memory.items():
        assert 0 < used <= requested, f"shard job {job_id}: {used} MB used of {requested}"


def output_rules(repo: Path) -> dict[str, str]:
    """Rule that writes each output file, from `snakemake --summary`."""
    summary = snakemake(repo, {}, "--summary")
    owners = {}
    for line in summary.splitlines():
        fields = line.split("\t")
        if len(fields) >= 3 and fields[0].startswith(str(RESULTS)):
            owners[fields[0]] = fields[2]
    return owners


def kill_during_shards(tmp_path_factory, local_run, cluster_env):
    """Copy the finished local run without its threshold outputs, start it through the
    Slurm profile, SIGKILL Snakemake while a shard runs and another has finished, and
    cancel what it left in Slurm. Returns the workspace and the killed run."""
    workspace = tmp_path_factory.mktemp("resume")
    repo = workspace / "repo"
    shutil.copytree(local_run, repo, symlinks=True)
    (workspace / "shared").symlink_to(SHARED)
    shutil.rmtree(repo / RESULTS / "threshold")
    for name in THRESHOLD_TABLES:
        for path in (repo / RESULTS / "tables").glob(Path(name).stem + ".*"):
            path.unlink()

    run = Run(repo, cluster_env, workspace / "killed.log", "--profile", "profiles/slurm")
    with run:
        while run.process.poll() is None:
            if run.finished("threshold_shard") >= 1 and run.running("threshold_shard"):
                run.process.send_signal(signal.SIGKILL)
                run.process.wait()
                break
            time.sleep(0.5)
        assert run.process.returncode == -signal.SIGKILL, (
            f"the run ended before it could be killed:\n{run.text()[-4000:]}")
    cancel_run(run.slurm_run_id())
    return workspace, run


@requires_slurm
def test_killed_run_resumes_with_what_was_missing(tmp_path_factory, local_run, cluster_env):
    """Start from the finished local run without its threshold outputs; kill Snakemake
    (SIGKILL, as a lost login node) while a bootstrap shard runs and another has finished;
    cancel what it left in Slurm; resume: only the missing outputs and what depends on
    them are built, and nothing finished before is rewritten."""
    # A shard of this small demo takes seconds: the kill can land after the last shard
    # already wrote its output. Such an attempt tests nothing, so it is made again.
    for attempt in range(1, 4):
        workspace, run = kill_during_shards(tmp_path_factory, local_run, cluster_env)
        repo = workspace / "repo"
        finished_shards = run.finished("threshold_shard")
        shards_dir = repo / RESULTS / "threshold" / "shards"
        shards_kept = {path: path.read_bytes() for path in shards_dir.glob("shard*.parquet")}
        missing_shards = SHARDS - len(shards_kept)
        if missing_shards >= 1:
            break
        print(f"attempt {attempt}: every shard finished before the kill landed")
    assert 1 <= missing_shards <= SHARDS - finished_shards
    before = output_files(repo)

    snakemake(repo, cluster_env, "--unlock")
    plan = job_stats(snakemake(repo, cluster_env, "--profile", "profiles/slurm", "-n"))
    assert plan["threshold_shard"] == missing_shards
    # What a forced merge would run: the missing shards, the merge, what depends on it.
    downstream = job_stats(snakemake(repo, cluster_env, "--profile", "profiles/slurm",
                                     "-n", "--forcerun", "threshold_merge"))
    assert plan == downstream

    resume = Run(repo, cluster_env, workspace / "resumed.log",
                 "--profile", "profiles/slurm", "--rerun-incomplete")
    with resume:
        log = resume.wait()
    print(f"resumed run: {resume.elapsed():.0f}s")
    assert job_stats(log) == plan

    after = output_files(repo)
    owners = output_rules(repo)
    rewritten = sorted(name for name in before if after[name] != before[name]
                       and owners.get(name) not in plan)
    assert rewritten == [], f"the resumed run rewrote outputs it did not plan: {rewritten}"
    for path, content in shards_kept.items():
        assert path.read_bytes() == content, f"finished shard {path.name} was rebuilt"
    for name in THRESHOLD_TABLES:
        local = (local_run / RESULTS / "tables" / name).read_bytes()
        assert (repo / RESULTS / "tables" / name).read_bytes() == local, name


def test_dry_run_after_finished_run_plans_nothing(local_run):
    assert job_stats(snakemake(local_run, {}, "--cores", "2", "-n")) == {}


@requires_slurm
def test_dry_run_after_finished_slurm_run_plans_nothing(slurm_run, cluster_env):
    dry = snakemake(slurm_run.repo, cluster_env, "--profile", "profiles/slurm", "-n")
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
    """A changed extract reruns the rules downstream of it, not the simulation."""
    # The extracts are read by one job, ingest: downstream is what forcing it runs.
    expected = job_stats(snakemake(local_run, {}, "--cores", "2", "-n",
                                   "--forcerun", "ingest"))
    assert "simulate_extracts" not in expected

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
    """A changed threshold setting reruns the threshold rules and what depends on them
    (what forcing the search runs), none of the data, index or regression rules."""
    downstream = job_stats(snakemake(local_run, {}, "--cores", "2", "-n",
                                     "--forcerun", "threshold_search"))
    changed = local_run / "threshold-changed.yaml"
    changed.write_text(yaml.safe_dump({"threshold": {"confidence": 0.9}}))
    try:
        plan = job_stats(snakemake(local_run, {}, "--cores", "2", "-n",
                                   configfiles=(changed.name,)))
    finally:
        changed.unlink()
    assert plan == downstream
    assert plan["threshold_shard"] == SHARDS
    assert {"threshold_search", "threshold_merge"} <= plan.keys()
    untouched = {"ingest", "assemble_panel", "build_index", "analysis_panel",
                 "table2_descriptives", "table3_baseline", "table4_robustness",
                 "table5_heterogeneity", "table8_moderation"}
    assert not untouched & plan.keys()
