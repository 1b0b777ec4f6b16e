"""Raw extracts -> every value read, one tidy row each, with its source file."""

from pathlib import Path

from panelstudy.io import write_parquet
from panelstudy.logs import log_to_file
from panelstudy.provinces import load_provinces
from panelstudy.readers import check_duplicates, read_series

log = log_to_file(snakemake.log[0])
raw_root = Path(snakemake.params.raw_root)
drop = set(snakemake.params.drop_provinces)
unknown = sorted(drop - set(load_provinces()["code"]))
if unknown:
    # a mistyped code would drop nothing, silently
    raise ValueError(
        f"drop_provinces {unknown} are not division codes of resources/provinces.csv "
        "(e.g. 540000 for Tibet)"
    )

frames = []
for name, spec in snakemake.params.series.items():
    # a spec's `variable` lets two series feed one variable (source_priority decides)
    variable = spec.get("variable", name)
    rows = read_series(spec, raw_root, variable)
    log.info(
        "%s: %d values, %d provinces, years %s-%s from %s",
        variable, len(rows), rows["province"].nunique(),
        rows["year"].min(), rows["year"].max(), spec["path"],
    )
    frames.append(rows)

values = check_duplicates(frames, snakemake.params.source_priority)
dropped = values["province"].isin(drop)
if dropped.any():
    log.info(
        "dropped %d values of provinces %s (drop_provinces)",
        int(dropped.sum()), sorted(values.loc[dropped, "province_name"].unique()),
    )
write_parquet(values.loc[~dropped].reset_index(drop=True), snakemake.output.values)
