"""Tidy tables -> replication scorecard: against the published cells (a study dataset)
or against the effects planted in the data (the simulated demo)."""

import pandas as pd
import yaml

from panelstudy.io import write_csv, write_text
from panelstudy.logs import log_to_file
from panelstudy.paper_tables import SIMULATED_CSV_LINE, read_tidy
from panelstudy.scorecard import (
    compare_planted,
    compare_published,
    planted_display,
    planted_summary,
    published_display,
    published_summary,
    read_published,
    render_html,
    render_markdown,
    summary_by_table,
)

log = log_to_file(snakemake.log[0])
params = snakemake.params
tables = {
    int(n): read_tidy(path) for n, path in zip(params.numbers, snakemake.input.tables)
}
log.info("read our Tables %s", sorted(tables))

if params.planted:
    with open(snakemake.input.planted, encoding="utf-8") as handle:
        planted = yaml.safe_load(handle)["on_index"]
    profile = pd.read_parquet(snakemake.input.lr_profile)
    analysis = pd.read_parquet(snakemake.input.analysis)
    clusters = analysis[params.entity].nunique()
    card = compare_planted(
        planted,
        tables.get(7),
        tables.get(8),
        tables.get(6),
        profile.loc[profile["step"] == 1, "candidate"].unique(),
        clusters,
        lower_regime=params.lower_regime,
        confidence=params.confidence,
    )
    summary = planted_summary(card, params.confidence)
    sections = [("Planted effects and their estimates", planted_display(card))]
    notes = [
        "Planted values are results/demo/planted.yaml on_index: the data-generating "
        "effects in units of the entropy index.",
        "threshold, AI x 1(AI<=threshold), AI x 1(AI>threshold) and the controls are "
        "compared with Table 7 (the regime model); AI x (IPP - ipp_centre) with Table 8's "
        "AI x IPP and IPP with Table 8's IPP.",
        f"Slope intervals: estimate +- t({clusters - 1}) x clustered se. Threshold "
        "interval: Table 6's likelihood-ratio interval, a set of observed AI values, "
        "widened to every value that splits the sample the same way.",
        "Table 7's model omits the planted AI x IPP term, and Table 8's omits the planted "
        "threshold: each is a misspecified fit of the other effect.",
    ]
    title = "Replication scorecard: estimates against the planted effects"
else:
    published = read_published(snakemake.input.published)
    card = compare_published(published, tables, params.missing)
    summary = published_summary(card, params.dataset)
    by_table = summary_by_table(card)
    sections = [
        ("Counts by table", by_table),
        ("Every published cell", published_display(card)),
    ]
    notes = [
        (
            "A comparison, not a pass/fail: see docs/public-nbs.md for the proxies and the "
            "years of this dataset."
            if params.dataset == "public-nbs"
            else "A comparison of every published cell with ours."
        ),
        "ours minus published = difference; published values are as printed (3 decimals).",
        "Regime terms of Table 7 are matched by regime (lowest, highest), not by the "
        "printed threshold value.",
        "not estimated: the cell has no value of ours, for the reason in its note; no "
        "value is filled in.",
    ]
    write_csv(by_table, snakemake.output.by_table)
    title = f"Replication scorecard: {params.dataset} against the published tables"

for line in summary:
    log.info(line)
body = card.to_csv(index=False, lineterminator="\n")
write_text(
    (SIMULATED_CSV_LINE + "\n" if params.simulated else "") + body, snakemake.output.csv
)
write_text(
    render_markdown(title, summary, sections, notes, params.simulated),
    snakemake.output.md,
)
write_text(
    render_html(title, summary, sections, notes, params.simulated),
    snakemake.output.html,
)
