"""The panel -> the entropy-weighted index (overall and per dimension) and its weights."""

import pandas as pd

from panelstudy.entropy import entropy_index
from panelstudy.io import write_csv, write_parquet
from panelstudy.logs import log_to_file

log = log_to_file(snakemake.log[0])
panel = pd.read_parquet(snakemake.input.panel)
indicators = [
    {key: entry[key] for key in ("name", "dimension", "direction")}
    for entry in snakemake.params.indicators
]

result = entropy_index(
    panel, indicators, shift=snakemake.params.shift, index_name=snakemake.params.outcome
)
for row in result.weights.itertuples():
    log.info(
        "weight %-18s %-10s %.4f (entropy %.4f%s)", row.indicator, row.dimension,
        row.weight, row.entropy, ", constant" if row.constant else "",
    )

write_csv(result.weights, snakemake.output.weights)
write_parquet(result.scores, snakemake.output.index)
