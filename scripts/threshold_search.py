"""Analysis panel -> threshold point estimates (every step's threshold, F, interval)."""

import time

from panelstudy.figure_data import lr_profiles
from panelstudy.io import write_parquet
from panelstudy.logs import log_to_file
from panelstudy.threshold.files import load_problem, write_estimates
from panelstudy.threshold.search import estimate_thresholds

log = log_to_file(snakemake.log[0])
problem = load_problem(
    snakemake.input.analysis, snakemake.params.panel, snakemake.params.threshold
)
started = time.perf_counter()
estimates = estimate_thresholds(problem)
log.info("searched %d thresholds in %.2f s", len(estimates.steps), time.perf_counter() - started)
for line in estimates.dropped:
    log.warning(line)
write_estimates(estimates, snakemake.output.estimates)

# LR(g) of every search, for Hansen's figure; re-runs the searches, the estimates unchanged.
started = time.perf_counter()
profiles = lr_profiles(problem, estimates)
log.info("LR profiles: %d rows in %.2f s", len(profiles), time.perf_counter() - started)
write_parquet(profiles, snakemake.output.lr_profile)
