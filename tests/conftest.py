"""Shared fixtures: a clean copy of the repository to run the workflow in."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()


def copy_repository(destination: Path) -> Path:
    """Copy the tracked files of the repository to ``destination/repo`` with
    ``destination/shared`` pointing at the shared data, as on a clean clone."""
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, check=True, capture_output=True, text=True,
    ).stdout.split()
    repo = destination / "repo"
    for name in files:
        source = REPO / name
        if source.is_file():
            target = repo / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    (destination / "shared").symlink_to(SHARED)
    return repo


def snakemake(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run snakemake in ``repo`` with the interpreter running the tests."""
    command = [sys.executable, "-m", "snakemake", *args]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    result = subprocess.run(command, cwd=repo, capture_output=True, text=True, env=env)
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-8000:]}"
        )
    return result


def requires_shared():
    return pytest.mark.skipif(
        not SHARED.is_dir(), reason=f"shared data folder {SHARED} is not present"
    )


# Fewer bootstrap replications and permutations: nothing checked here depends on them.
FAST_SETTINGS = (
    "threshold:\n  bootstrap:\n    replications: 49\n    shards: 2\n"
    "models:\n  heterogeneity:\n    permutations: 99\n"
)


def workflow_args(dataset: str) -> list[str]:
    """Arguments of the shared test runs of ``dataset`` (see :func:`workflow_run`)."""
    return ["--configfile", "fast.yaml", "--config", f"dataset={dataset}"]


@functools.cache
def workflow_run(dataset: str) -> Path:
    """``snakemake --cores 2`` then ``--report`` for ``dataset`` in a clean copy of the
    repository; returns ``results/<dataset>`` (the copy is removed at exit)."""
    folder = Path(tempfile.mkdtemp(prefix=f"paper-{dataset}-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    repo = copy_repository(folder)
    (repo / "fast.yaml").write_text(FAST_SETTINGS)
    args = workflow_args(dataset)
    snakemake(repo, "--cores", "2", *args)
    snakemake(repo, *args, "--report", f"results/{dataset}/report.html")
    return repo / "results" / dataset


@pytest.fixture(scope="session")
def demo():
    return workflow_run("demo")


@pytest.fixture(scope="session")
def public():
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is not present")
    return workflow_run("public-nbs")
