"""Table 4: winsorized variables, a subperiod, and the user's robustness variants."""

from panelstudy.logs import log_to_file
from panelstudy.study_tables import robustness_table
from panelstudy.table_job import run_table_job

log_to_file(snakemake.log[0])
settings = snakemake.params.settings
robustness = settings["robustness"]


def build(data, spec):
    return robustness_table(
        data, spec,
        winsorize=tuple(robustness.get("winsorize", (0.01, 0.99))),
        subperiod=tuple(robustness.get("subperiod", (2013, 2019))),
        variants=robustness.get("variants", []),
    )


run_table_job(build, snakemake.input.analysis, *snakemake.output, settings,
              "Table 4. Robustness")
