"""Shared fixtures: a clean copy of the repository to run the workflow in."""

from __future__ import annotations

import os
import shutil
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
