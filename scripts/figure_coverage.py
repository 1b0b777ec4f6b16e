"""Coverage report (variable x year) -> a coverage figure and the same as an HTML table."""

import pandas as pd

from panelstudy.figure_data import coverage_grid
from panelstudy.figures import coverage_figure, save_figure
from panelstudy.io import write_text
from panelstudy.logs import log_to_file
from panelstudy.paper_tables import grid_html, html_page

log = log_to_file(snakemake.log[0])
simulated = snakemake.params.simulated
coverage = pd.read_csv(snakemake.input.coverage, comment="#")
log.info(
    "read %s: %d variables", snakemake.input.coverage, coverage["variable"].nunique()
)
save_figure(
    coverage_figure(coverage, simulated=simulated),
    snakemake.output.png,
    snakemake.output.pdf,
)
grid = coverage_grid(coverage)
note = (
    "<p>Provinces with an observed value in each year; '+ n filled' counts values "
    "filled by interpolation, 'n missing' values still missing after filling.</p>\n"
)
write_text(
    html_page("Data coverage: variable by year", note + grid_html(grid), simulated),
    snakemake.output.html,
)
