"""Table 2: descriptive statistics, with implausible values flagged in the notes and log."""

from panelstudy.logs import log_to_file
from panelstudy.study_tables import BuiltTable, descriptives_table, implausible_values
from panelstudy.table_job import run_table_job

log_to_file(snakemake.log[0])
settings = snakemake.params.settings
plausible = {name: tuple(bounds) for name, bounds in settings["plausible"].items()}


def build(data, spec):
    variables = [spec.outcome, spec.core, *spec.controls]
    if spec.moderator:
        variables.append(spec.moderator)
    table = descriptives_table(data, variables)
    flagged = implausible_values(data, plausible, entity=spec.entity, time=spec.time)
    notes = list(table.notes)
    for (variable, rule), hits in flagged.groupby(["variable", "rule"], sort=False):
        examples = ", ".join(
            f"{row[spec.entity]} {row[spec.time]}: {row['value']:.4g}"
            for _, row in hits.head(3).iterrows()
        )
        notes.append(f"Flagged: {len(hits)} value(s) of {variable} {rule} ({examples}).")
    return BuiltTable(table.frame, table.title, notes)


run_table_job(build, snakemake.input.analysis, *snakemake.output, settings,
              "Table 2. Descriptive statistics")
