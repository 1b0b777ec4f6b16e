"""Analysis panel -> the index and its dimensions over the years, by region and by
pilot free trade zone."""

import pandas as pd

from panelstudy.figure_data import group_means
from panelstudy.figures import index_figure, save_figure
from panelstudy.heterogeneity import group_labels
from panelstudy.logs import log_to_file

log = log_to_file(snakemake.log[0])
params = snakemake.params
data = pd.read_parquet(snakemake.input.analysis)
dimensions = list(
    dict.fromkeys(pd.read_csv(snakemake.input.weights, comment="#")["dimension"])
)
columns = [params.outcome, *[d for d in dimensions if d in data.columns]]
log.info(
    "read %s: %d rows; index columns %s", snakemake.input.analysis, len(data), columns
)

for grouping, title, output in (
    ("region", "Index by region (mean over provinces)", snakemake.output.region),
    (
        "ftz",
        f"Index by pilot free trade zone set up by {params.ftz_by_year} "
        "(mean over provinces)",
        snakemake.output.ftz,
    ),
):
    labels, levels = group_labels(
        data, grouping, entity=params.entity, ftz_by_year=params.ftz_by_year
    )
    means = group_means(data, columns, labels, levels, time=params.time)
    log.info("%s: groups %s", grouping, levels)
    figure = index_figure(
        means, columns, title, time=params.time, simulated=params.simulated
    )
    save_figure(figure, output[0], output[1])
