"""Time our threshold estimator against the PyPI package pyxthreg on Hansen's panel.

Not a test; run by hand from the repository root:

    python benchmarks/threshold_vs_pyxthreg.py [--pyxthreg-python /tmp/pyx-venv/bin/python]

Both estimate three thresholds of Hansen's (1999) model with 300 bootstrap replications
per test and trim 0.01 for every threshold, on the same cores. pyxthreg searches its
400-point grid; ours searches every distinct value (exact). pyxthreg runs in its own
virtual environment (its dependencies, numba among them, are not the project's), called
in a subprocess that stays up between its runs; its numba cache is warmed by a small fit
before the timed ones.
Each side is timed ``--repeats`` times (default 3), the two sides' runs interleaved so
that they meet the same load from other processes on a shared machine; the fastest run
of each side is compared, and every run's seconds are printed.
The last line printed is ``speedup: X``: pyxthreg seconds over ours with our default
bootstrap design, which re-estimates the earlier thresholds on every bootstrap sample
(more work than pyxthreg does); the line before gives the ratio with pyxthreg's own
design (earlier thresholds held fixed).
"""

from __future__ import annotations

import os

# Blocks of replications run in joblib threads; BLAS inside each stays serial.
_CALLER_ENV = dict(os.environ)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import textwrap  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

from panelstudy.threshold import (  # noqa: E402
    Bootstrap,
    BootstrapPlan,
    ThresholdProblem,
    ThresholdSettings,
    bootstrap_tests,
    estimate_thresholds,
    panel_arrays,
)

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "hansen1999" / "hansen1999.dta"
REPLICATIONS = 300

PYXTHREG_WORKER = textwrap.dedent(
    """
    import json, sys, time
    import pandas as pd
    from pyxthreg.estimator import ThresholdPanel
    data = pd.read_stata(sys.argv[1])
    data["year"] = data["year"].dt.year
    spec = dict(dep="i", indep=["q1", "q2", "q3", "d1", "qd1"], rx=["c1"], qx="d1",
                entity_col="id", time_col="year")
    warm = data[data["id"] <= 40]
    ThresholdPanel(warm, **spec).fit(thnum=3, trim=0.01, grid=50, bs=2, nobslog=True)
    print("ready", flush=True)
    for _ in sys.stdin:
        started = time.perf_counter()
        model = ThresholdPanel(data, **spec).fit(
            thnum=3, trim=0.01, grid=400, bs=int(sys.argv[2]), nobslog=True
        )
        seconds = time.perf_counter() - started
        tests = [{k: float(v) for k, v in b.items() if k in ("F_stat", "p_value")}
                 for b in model.results["boot_results"]]
        print("result " + json.dumps({
            "seconds": seconds,
            "thresholds": [float(t) for t in model.results["thresholds"]],
            "tests": tests,
        }), flush=True)
    """
)


class Pyxthreg:
    """pyxthreg in its own interpreter, warmed once, one timed fit per request."""

    def __init__(self, python: str) -> None:
        # Its progress bars go to a file, read back only if the worker fails.
        self._errors = tempfile.TemporaryFile(mode="w+")
        self._worker = subprocess.Popen(
            [python, "-c", PYXTHREG_WORKER, str(DATA.resolve()), str(REPLICATIONS)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._errors,
            text=True, env=_CALLER_ENV,
        )
        self._reply("ready")

    def _reply(self, kind: str) -> str:
        for line in self._worker.stdout:
            if line.startswith(kind):
                return line[len(kind):]
        self._errors.seek(0)
        errors = self._errors.read()[-2000:]
        raise RuntimeError(f"pyxthreg worker exited with {self._worker.wait()}:\n{errors}")

    def fit(self) -> tuple[float, list[float], list]:
        self._worker.stdin.write("fit\n")
        self._worker.stdin.flush()
        result = json.loads(self._reply("result "))
        return result["seconds"], result["thresholds"], result["tests"]

    def close(self) -> None:
        self._worker.stdin.close()
        self._worker.wait()
        self._errors.close()


def ours(frame: pd.DataFrame, threads: int, earlier: str) -> tuple[float, list[float], list]:
    started = time.perf_counter()
    settings = ThresholdSettings(
        outcome="i", regime_regressors=["c1"], threshold_variable="d1",
        controls=["q1", "q2", "q3", "d1", "qd1"], max_thresholds=3,
        trims=(0.01, 0.01, 0.01), search="exact", year_effects=False,
        earlier_thresholds=earlier,
    )
    problem = ThresholdProblem(panel_arrays(frame, "id", "year", settings), settings)
    estimates = estimate_thresholds(problem)
    plan = BootstrapPlan(replications=REPLICATIONS, shards=1, seed=1, tests=(1, 2, 3))
    tests = bootstrap_tests(Bootstrap(problem, estimates, plan.seed), plan, threads)
    seconds = time.perf_counter() - started
    return seconds, estimates.model_thresholds(3), [
        {"F_stat": t.f_stat, "p_value": t.p_value} for t in tests.values()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pyxthreg-python", default=os.environ.get(
        "PYXTHREG_PYTHON", "/tmp/pyx-venv/bin/python"))
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    frame = pd.read_stata(DATA.resolve())
    frame["year"] = frame["year"].dt.year
    theirs = Pyxthreg(args.pyxthreg_python)
    runs: dict[str, list] = {"search": [], "fixed": [], "pyxthreg": []}
    # Interleaved, so that every side meets the same load from other processes.
    for _ in range(args.repeats):
        for earlier in ("search", "fixed"):
            runs[earlier].append(ours(frame, args.threads, earlier))
        runs["pyxthreg"].append(theirs.fit())
    theirs.close()

    seconds = {side: min(run[0] for run in side_runs) for side, side_runs in runs.items()}
    for earlier in ("search", "fixed"):
        print(f"ours (exact search, bootstrap re-estimates earlier thresholds: "
              f"{earlier == 'search'}, {args.threads} threads): "
              f"{describe(runs[earlier])}")
    print(f"pyxthreg (grid 400, n_jobs=-1, earlier thresholds fixed in the bootstrap): "
          f"{describe(runs['pyxthreg'])}")
    # Like for like: pyxthreg holds earlier thresholds fixed in its bootstrap.
    print(f"speedup with pyxthreg's bootstrap design (earlier thresholds fixed): "
          f"{seconds['pyxthreg'] / seconds['fixed']:.1f}")
    print(f"speedup: {seconds['pyxthreg'] / seconds['search']:.1f}")


def describe(runs: list[tuple[float, list[float], list]]) -> str:
    """Fastest of the runs, every run's seconds, and the last run's results."""
    _, thresholds, tests = runs[-1]
    every = ", ".join(f"{run[0]:.2f}" for run in runs)
    return (f"{min(run[0] for run in runs):.2f} s (runs: {every}); "
            f"thresholds {[round(t, 4) for t in thresholds]}; tests {json.dumps(tests)}")


if __name__ == "__main__":
    sys.exit(main())
