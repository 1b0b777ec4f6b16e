"""LR profiles of the threshold searches -> Hansen's likelihood-ratio figure."""

import pandas as pd

from panelstudy.figures import lr_figure, save_figure
from panelstudy.logs import log_to_file
from panelstudy.threshold.search import lr_critical_value
from panelstudy.threshold.settings import ThresholdSettings

log = log_to_file(snakemake.log[0])
settings = ThresholdSettings.from_config(snakemake.params.threshold)
profiles = pd.read_parquet(snakemake.input.lr_profile)
critical = lr_critical_value(settings.confidence)
log.info(
    "read %s: %d rows, steps %s; critical value %.4f at %.0f%%",
    snakemake.input.lr_profile,
    len(profiles),
    sorted(profiles["step"].unique()),
    critical,
    100 * settings.confidence,
)
figure = lr_figure(
    profiles,
    critical,
    settings.threshold_variable,
    settings.confidence,
    simulated=snakemake.params.simulated,
)
save_figure(figure, snakemake.output.png, snakemake.output.pdf)
