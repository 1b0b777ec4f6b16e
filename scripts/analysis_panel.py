"""The panel and the index -> the analysis panel: outcome, core regressor, controls,
moderator, dimension indices, and each province's region and pilot free trade zone year."""

import pandas as pd

from panelstudy.io import write_parquet
from panelstudy.logs import log_to_file

log = log_to_file(snakemake.log[0])
roles = snakemake.params.model

panel = pd.read_parquet(snakemake.input.panel)
index = pd.read_parquet(snakemake.input.index)
provinces = pd.read_csv(snakemake.input.provinces, dtype={"code": str})

wanted = [roles["core"], *roles.get("controls", []), roles.get("moderator")]
present = [name for name in wanted if name and name in panel.columns]
absent = [name for name in wanted if name and name not in panel.columns]
if absent:
    log.warning("variables not in the panel (models needing them are skipped): %s", absent)

analysis = index.merge(panel[["province", "year", *present]], on=["province", "year"])
groups = provinces.rename(columns={"code": "province"})[["province", "region", "ftz_year"]]
analysis = analysis.merge(groups, on="province", how="left", validate="many_to_one")
unknown = analysis.loc[analysis["region"].isna(), "province"].unique()
if len(unknown):
    raise ValueError(f"provinces {list(unknown)} are not in {snakemake.input.provinces}")

log.info(
    "analysis panel: %d rows, columns %s", len(analysis), list(analysis.columns)
)
write_parquet(analysis, snakemake.output.analysis)
