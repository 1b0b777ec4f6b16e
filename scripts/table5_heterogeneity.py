"""Table 5: fits by region and by pilot free trade zone, with tests of equal AI slopes."""

from panelstudy.logs import log_to_file
from panelstudy.study_tables import heterogeneity_table
from panelstudy.table_job import run_table_job

log_to_file(snakemake.log[0])
settings = snakemake.params.settings
heterogeneity = settings["heterogeneity"]


def build(data, spec):
    return heterogeneity_table(
        data, spec,
        groupings=heterogeneity.get("groupings", ("region", "ftz")),
        ftz_by_year=heterogeneity.get("ftz_by_year", 2020),
        permutations=heterogeneity.get("permutations", 999),
        seed=heterogeneity.get("seed", 20221231),
    )


run_table_job(build, snakemake.input.analysis, *snakemake.output, settings,
              "Table 5. Heterogeneity")
