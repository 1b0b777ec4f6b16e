"""One shard of the bootstrap: its replications of every threshold test -> F* values."""

import os

# The job's threads run blocks of replications in parallel; BLAS inside each stays serial.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from panelstudy.io import write_parquet  # noqa: E402
from panelstudy.logs import log_to_file
from panelstudy.threshold.bootstrap import Bootstrap, run_shard
from panelstudy.threshold.files import load_problem, read_estimates
from panelstudy.threshold.settings import BootstrapPlan

log = log_to_file(snakemake.log[0])
block = snakemake.params.threshold
problem = load_problem(snakemake.input.analysis, snakemake.params.panel, block)
estimates = read_estimates(snakemake.input.estimates)
plan = BootstrapPlan.from_config(block, len(estimates.steps))
shard = int(snakemake.wildcards.shard)
log.info(
    "shard %d of %d: %d replications per test, seed %d, %d threads",
    shard, plan.shards, plan.replications, plan.seed, snakemake.threads,
)
replications = run_shard(
    Bootstrap(problem, estimates, plan.seed), plan, shard, snakemake.threads, log
)
write_parquet(replications, snakemake.output.replications)
