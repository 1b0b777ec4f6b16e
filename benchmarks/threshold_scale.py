"""One threshold on a simulated panel of 1,000,000 observations: seconds and peak memory.

Not a test; run by hand from the repository root:

    python benchmarks/threshold_scale.py [--entities 100000] [--periods 10] [--threads 2]

100,000 entities x 10 periods, one regime regressor and one control, exact search over
every distinct value of q (about a million candidates), 300 bootstrap replications.
Peak memory is the process's maximum resident set size (all threads).
"""

from __future__ import annotations

import os

# Blocks of replications run in joblib threads; BLAS inside each stays serial.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
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


def simulate(entities: int, periods: int, seed: int = 2024) -> pd.DataFrame:
    """y = mu_i + x + 0.5 x 1(q <= 0.2) + 0.5 z + e, standard normal draws."""
    rng = np.random.default_rng(seed)
    n = entities * periods
    q, x, z, e = rng.normal(size=(4, n))
    mu = np.repeat(rng.normal(size=entities), periods)
    return pd.DataFrame({
        "id": np.repeat(np.arange(entities), periods),
        "year": np.tile(np.arange(periods), entities),
        "y": mu + x + 0.5 * x * (q <= 0.2) + 0.5 * z + e,
        "x": x, "z": z, "q": q,
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--periods", type=int, default=10)
    parser.add_argument("--replications", type=int, default=300)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    frame = simulate(args.entities, args.periods)
    started = time.perf_counter()
    settings = ThresholdSettings(
        outcome="y", regime_regressors=["x"], threshold_variable="q", controls=["z"],
        max_thresholds=1, trims=(0.01,), search="exact", year_effects=False,
    )
    problem = ThresholdProblem(panel_arrays(frame, "id", "year", settings), settings)
    set_up = time.perf_counter()
    estimates = estimate_thresholds(problem)
    searched = time.perf_counter()
    plan = BootstrapPlan(replications=args.replications, shards=1, seed=1, tests=(1,))
    test = bootstrap_tests(Bootstrap(problem, estimates, plan.seed), plan, args.threads)[1]
    finished = time.perf_counter()

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"observations: {problem.n_obs}; candidates: {len(problem.candidates)}")
    print(f"threshold {estimates.step(1).threshold:.4f} (true 0.2), CI "
          f"{estimates.step(1).ci[0]:.4f} to {estimates.step(1).ci[1]:.4f}; "
          f"F = {test.f_stat:.1f}, p = {test.p_value:.3f}")
    print(f"set-up {set_up - started:.1f} s, search {searched - set_up:.1f} s, "
          f"bootstrap ({args.replications} replications, {args.threads} threads) "
          f"{finished - searched:.1f} s")
    print(f"seconds: {finished - started:.1f}")
    print(f"peak memory: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
