"""Table 5 (and Table 3's full-sample estimate) -> coefficient plot of the group fits."""

from panelstudy.figure_data import group_coefficients
from panelstudy.figures import coefficient_figure, save_figure
from panelstudy.logs import log_to_file
from panelstudy.paper_tables import read_tidy

log = log_to_file(snakemake.log[0])
core = snakemake.params.core
groups = group_coefficients(read_tidy(snakemake.input.table5), core)
baseline = read_tidy(snakemake.input.table3)
# The last column of Table 3 is the full sample with controls, as the group fits.
full = baseline[(baseline["term"] == core) & (baseline["stat"] == "coef")]
reference = None
if len(full):
    last = full.loc[full["column"].idxmax()]
    reference = (f"full sample, Table 3 ({int(last['column'])})", float(last["value"]))
log.info("%s in %d group fits; reference %s", core, len(groups), reference)
figure = coefficient_figure(
    groups, core, reference=reference, simulated=snakemake.params.simulated
)
save_figure(figure, snakemake.output.png, snakemake.output.pdf)
