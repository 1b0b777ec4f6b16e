"""Bootstrap shards + estimates -> Table 6 (threshold tests) and Table 7 (regime model)."""

import pandas as pd

from panelstudy.io import write_parquet
from panelstudy.logs import log_to_file
from panelstudy.tables import tidy, write_table
from panelstudy.threshold.files import load_problem, read_estimates
from panelstudy.threshold.inference import merge_replications, model_size, test_results
from panelstudy.threshold.regime_model import fit_regime_model
from panelstudy.threshold.rows import model_rows, test_rows, threshold_notes
from panelstudy.threshold.settings import BootstrapPlan

log = log_to_file(snakemake.log[0])
block = snakemake.params.threshold
problem = load_problem(snakemake.input.analysis, snakemake.params.panel, block)
estimates = read_estimates(snakemake.input.estimates)
plan = BootstrapPlan.from_config(block, len(estimates.steps))
replications = merge_replications(map(pd.read_parquet, snakemake.input.shards), plan)
tests = test_results(estimates, replications)
for result in tests.values():
    log.info("test %d: F = %.4f, p = %.4f", result.test, result.f_stat, result.p_value)

settings = problem.settings
size = model_size(tests, settings.model_thresholds, settings.significance)
model = fit_regime_model(problem, estimates.model_prefixes(size))
log.info("regime model with %d threshold(s) at %s", size, model.thresholds)

notes = threshold_notes(estimates, model)
simulated = snakemake.params.simulated
variable = settings.threshold_variable
write_table(
    tidy(test_rows(estimates, tests, variable)), *snakemake.output.table6,
    title=f"Table 6. Threshold effect tests ({variable})", notes=notes, simulated=simulated,
)
write_table(
    tidy(model_rows(model)), *snakemake.output.table7,
    title=f"Table 7. Panel threshold model ({size} threshold(s) in {variable})",
    notes=notes, simulated=simulated,
)
write_parquet(replications, snakemake.output.replications)
