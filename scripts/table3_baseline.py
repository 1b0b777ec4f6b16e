"""Table 3: two-way fixed effects without and with controls, and the Hausman test."""

from panelstudy.logs import log_to_file
from panelstudy.study_tables import baseline_table
from panelstudy.table_job import run_table_job

log_to_file(snakemake.log[0])
run_table_job(
    baseline_table, snakemake.input.analysis, *snakemake.output,
    snakemake.params.settings, "Table 3. Baseline",
)
