"""Table 8: moderation of the AI effect by intellectual-property protection."""

from panelstudy.logs import log_to_file
from panelstudy.study_tables import moderation_table
from panelstudy.table_job import run_table_job

log_to_file(snakemake.log[0])
settings = snakemake.params.settings


def build(data, spec):
    return moderation_table(
        data, spec, centering=settings["moderation"].get("centering", "raw")
    )


run_table_job(build, snakemake.input.analysis, *snakemake.output, settings,
              "Table 8. Moderation")
