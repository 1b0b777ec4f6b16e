"""Time our threshold estimator against the PyPI package pyxthreg on Hansen's panel.

Not a test; run by hand from the repository root:

    python benchmarks/threshold_vs_pyxthreg.py [--pyxthreg-python /tmp/pyx-venv/bin/python]

Both estimate three thresholds of Hansen's (1999) model with 300 bootstrap replications
per test and trim 0.01 for every threshold, on the same cores. pyxthreg searches its
400-point grid; ours searches every distinct value (exact). pyxthreg runs in its own
virtual environment (its dependencies, numba among them, are not the project's), called
in a subprocess; its numba cache is warmed by a small fit before the timed ones.
Each side is timed ``--repeats`` times (default 3) and its fastest run is reported, so
that load from other processes on a shared machine weighs on neither side's figure.
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
import subprocess
import sys  # noqa: E402
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

PYXTHREG_RUN = textwrap.dedent(
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
    seconds = []
    for _ in range(int(sys.argv[3])):
        started = time.perf_counter()
        model = ThresholdPanel(data, **spec).fit(
            thnum=3, trim=0.01, grid=400, bs=int(sys.argv[2]), nobslog=True
        )
        seconds.append(time.perf_counter() - started)
    tests = [{k: float(v) for k, v in b.items() if k in ("F_stat", "p_value")}
             for b in model.results["boot_results"]]
    print(json.dumps({"seconds": min(seconds),
                      "thresholds": [float(t) for t in model.results["thresholds"]],
                      "tests": tests}))
    """
)


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
    seconds = {}
    for earlier in ("search", "fixed"):
        runs = [ours(frame, args.threads, earlier) for _ in range(args.repeats)]
        seconds[earlier] = min(run[0] for run in runs)
        _, thresholds, tests = runs[-1]
        print(f"ours (exact search, bootstrap re-estimates earlier thresholds: "
              f"{earlier == 'search'}, {args.threads} threads, best of {args.repeats}): "
              f"{seconds[earlier]:.2f} s; "
              f"thresholds {[round(t, 4) for t in thresholds]}; tests {json.dumps(tests)}")

    completed = subprocess.run(
        [args.pyxthreg_python, "-c", PYXTHREG_RUN, str(DATA.resolve()), str(REPLICATIONS),
         str(args.repeats)],
        capture_output=True, text=True, check=True, env=_CALLER_ENV,
    )
    theirs = json.loads(completed.stdout.strip().splitlines()[-1])
    print(f"pyxthreg (grid 400, n_jobs=-1, earlier thresholds fixed in the bootstrap, "
          f"best of {args.repeats}): {theirs['seconds']:.2f} s; "
          f"thresholds {[round(t, 4) for t in theirs['thresholds']]}; "
          f"tests {json.dumps(theirs['tests'])}")
    # Like for like: pyxthreg holds earlier thresholds fixed in its bootstrap.
    print(f"speedup with pyxthreg's bootstrap design (earlier thresholds fixed): "
          f"{theirs['seconds'] / seconds['fixed']:.1f}")
    print(f"speedup: {theirs['seconds'] / seconds['search']:.1f}")


if __name__ == "__main__":
    sys.exit(main())
