"""Every value read -> gaps filled -> the wide panel with derived variables, and coverage."""

import pandas as pd

from panelstudy.io import write_csv, write_parquet
from panelstudy.logs import log_to_file
from panelstudy.panel import add_derived, broadcast_static, coverage, fill_gaps, widen

log = log_to_file(snakemake.log[0])
years = snakemake.params.years
interpolate = snakemake.params.interpolate

values = pd.read_parquet(snakemake.input.values)
log.info("read %d values of %d series", len(values), values["variable"].nunique())
values = broadcast_static(values, years["first"], years["last"])

filled = fill_gaps(
    values,
    years["first"],
    years["last"],
    interior=interpolate.get("interior", True),
    ends=interpolate.get("ends", "none"),
)
panel = add_derived(widen(filled), snakemake.params.derived)
n_provinces = panel["province"].nunique()
log.info(
    "panel: %d provinces x %d years, %d columns",
    n_provinces, panel["year"].nunique(), panel.shape[1] - 2,
)

write_parquet(filled, snakemake.output.values)
write_csv(coverage(filled, n_provinces), snakemake.output.coverage)
write_parquet(panel, snakemake.output.panel)
