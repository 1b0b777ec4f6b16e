"""A ready panel file (Stata .dta, CSV or Parquet) -> the analysis panel, unchanged but for
the time column, which becomes an integer year."""

from pathlib import Path

import pandas as pd

from panelstudy.io import write_parquet
from panelstudy.logs import log_to_file

log = log_to_file(snakemake.log[0])
path = Path(snakemake.input[0])
entity, time = snakemake.params.entity, snakemake.params.time

readers = {".dta": pd.read_stata, ".csv": pd.read_csv, ".parquet": pd.read_parquet}
if path.suffix not in readers:
    raise ValueError(f"{path}: panel files must be one of {sorted(readers)}")
panel = readers[path.suffix](path)
for column in (entity, time):
    if column not in panel.columns:
        raise ValueError(f"{path}: no column {column!r}; columns are {list(panel.columns)}")

if pd.api.types.is_datetime64_any_dtype(panel[time]):
    panel[time] = panel[time].dt.year
panel[time] = panel[time].astype("int64")
duplicated = panel.duplicated([entity, time])
if duplicated.any():
    first = panel.loc[duplicated, [entity, time]].iloc[0].to_dict()
    raise ValueError(f"{path}: {duplicated.sum()} duplicate ({entity}, {time}) rows, e.g. {first}")

log.info(
    "%s: %d rows, %d %s x %d %s", path, len(panel), panel[entity].nunique(), entity,
    panel[time].nunique(), time,
)
write_parquet(panel.sort_values([entity, time], ignore_index=True), snakemake.output.analysis)
