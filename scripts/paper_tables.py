"""Tidy table (CSV and its Markdown notes) -> the same table in the study's layout:
LaTeX (booktabs), Markdown, CSV and an HTML page for the report."""

from panelstudy.io import write_text
from panelstudy.logs import log_to_file
from panelstudy.paper_tables import (
    paper_layout,
    read_notes,
    read_tidy,
    to_csv_text,
    to_html,
    to_latex,
    to_markdown,
)

log = log_to_file(snakemake.log[0])
params = snakemake.params
frame = read_tidy(snakemake.input.csv)
title, notes = read_notes(snakemake.input.md)
log.info("read %s: %d cells, %d notes", snakemake.input.csv, len(frame), len(notes))

table = paper_layout(
    frame,
    params.number,
    title=title,
    notes=notes,
    outcome=params.outcome,
    simulated=params.simulated,
)
log.info(
    "%s: %d body rows, %d value columns", table.title, len(table.body), table.n_columns
)
write_text(to_latex(table, label=params.label), snakemake.output.tex)
write_text(to_markdown(table), snakemake.output.md)
write_text(to_csv_text(table), snakemake.output.csv)
write_text(to_html(table), snakemake.output.html)
