"""Entropy weights -> bar chart of the weights by indicator and dimension."""

import pandas as pd

from panelstudy.figures import save_figure, weights_figure
from panelstudy.logs import log_to_file

log = log_to_file(snakemake.log[0])
weights = pd.read_csv(snakemake.input.weights, comment="#")
log.info(
    "read %s: %d indicators in %d dimensions",
    snakemake.input.weights,
    len(weights),
    weights["dimension"].nunique(),
)
figure = weights_figure(weights, simulated=snakemake.params.simulated)
save_figure(figure, snakemake.output.png, snakemake.output.pdf)
