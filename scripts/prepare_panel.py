"""A ready panel file (Stata .dta, CSV or Parquet) -> the analysis panel, unchanged but for
the time column, which becomes an integer year."""

from pathlib import Path

import pandas as pd

from panelstudy.cells import CellError, to_years
from panelstudy.errors import require_panel_keys
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
# 2020, 2020.0 and 2020年 become 2020; anything else is an error naming its data row
rows = [f"data row {i}" for i in range(1, len(panel) + 1)]
try:
    panel[time] = to_years(panel[time].tolist(), str(path), rows=rows, columns=time)
except CellError as error:
    try:
        to_years(panel[entity].tolist(), str(path))
    except CellError:
        raise error from None
    raise ValueError(
        f"{path}: the entity column {entity!r} holds years and the time column "
        f"{time!r} does not: are entity and time swapped in the catalogue?"
    ) from error
require_panel_keys(panel, entity, time, str(path))
duplicated = panel.duplicated([entity, time])
if duplicated.any():
    first = panel.loc[duplicated, [entity, time]].iloc[0].to_dict()
    raise ValueError(f"{path}: {duplicated.sum()} duplicate ({entity}, {time}) rows, e.g. {first}")

log.info(
    "%s: %d rows, %d %s x %d %s", path, len(panel), panel[entity].nunique(), entity,
    panel[time].nunique(), time,
)
write_parquet(panel.sort_values([entity, time], ignore_index=True), snakemake.output.analysis)
