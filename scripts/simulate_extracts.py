"""The demo dataset: simulate the panel, write it as raw extracts in the real download
formats (one file per catalogue path), and write the planted effects beside them."""

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from panelstudy import raw_formats
from panelstudy.entropy import entropy_index
from panelstudy.io import write_text
from panelstudy.logs import log_to_file
from panelstudy.provinces import load_provinces
from panelstudy.simulate import (
    INDICATOR_SPANS, TIBET, Planted, indicator_scale, planted_on_index_scale,
    simulate_panel,
)

log = log_to_file(snakemake.log[0])
params = snakemake.params
years = list(range(params.years["first"], params.years["last"] + 1))
provinces = load_provinces()
codes = provinces["code"].tolist()
full = dict(zip(provinces["code"], provinces["name"]))
short = dict(zip(provinces["code"], provinces["short"]))
planted = Planted(**params.planted)

panel, latent = simulate_panel(codes, years, params.seed, planted)
rng = np.random.default_rng([params.seed, 1])
spans = INDICATOR_SPANS
indicators = indicator_scale(latent["L"].to_numpy(), rng, spans, planted.indicator_noise_sd)
panel = pd.concat([panel, indicators], axis=1)

# Gaps a real extract has: Tibet misses whole series (it is dropped by the catalogue), and
# a few interior cells of fixed-asset investment are blank, for interpolation to fill.
tibet = panel["province"] == TIBET
panel.loc[tibet, ["fin_reg_exp", "ecom_purchases"]] = np.nan
for row in rng.choice(np.flatnonzero(~tibet & panel["year"].between(years[1], years[-2])), 3, replace=False):
    panel.loc[row, "fai"] = np.nan
    log.info("blanked fai for %s %d", panel.loc[row, "province"], panel.loc[row, "year"])

raw_root = Path(params.raw_root)
by_path: dict[str, dict[str, dict]] = {}
for variable, spec in params.series.items():
    by_path.setdefault(spec["path"], {})[variable] = spec
for path, specs in by_path.items():
    raw = panel[["province", "year"]].copy()
    for variable, spec in specs.items():
        raw[variable] = panel[variable] / spec.get("scale", 1)
    formats = {spec["format"] for spec in specs.values()}
    (form,) = formats
    target = raw_root / path
    if form == "nbs_csv":
        ((variable, spec),) = specs.items()
        raw_formats.write_nbs_download(raw, variable, spec["indicator"], full, target)
    elif form == "nbs_easyquery":
        columns = {v: (s["filter"]["indicator_code"], v) for v, s in specs.items()}
        raw_formats.write_easyquery(raw, columns, Path(path).stem, full, target)
    elif form == "nbs_scrape":
        columns = {v: s["column"] for v, s in specs.items()}
        raw_formats.write_scrape_panel(raw, columns, full, target)
    elif form == "transport_json":
        columns = {v: s["field"] for v, s in specs.items()}
        raw_formats.write_records_json(raw, columns, full, target)
    elif form == "excel_panel":
        columns = {v: s["column"] for v, s in specs.items()}
        raw_formats.write_excel_panel(raw, columns, short, target)
    elif form == "area_csv":
        ((variable, spec),) = specs.items()
        area = raw.groupby("province")[variable].first()
        raw_formats.write_static_csv(area, spec["column"], full, target)
    else:
        raise ValueError(f"the demo cannot write format {form!r} ({path})")
    log.info("wrote %s (%s): %s", path, form, sorted(specs))

# The planted effects in index units, over the province-years the index is built on.
kept = ~tibet
index = entropy_index(
    panel.loc[kept], [{"name": n, "dimension": "all"} for n in spans], shift=params.shift
)
weights = dict(zip(index.weights["indicator"], index.weights["weight"]))
effects = planted_on_index_scale(panel.loc[kept, list(spans)], spans, weights, planted)
log.info("planted effects on the index scale: %s", effects)
write_text(
    "# SIMULATED DATA: effects planted in the demo dataset (panelstudy/simulate.py)\n"
    + yaml.safe_dump({"seed": params.seed, "on_index": effects,
                      "on_latent": {k: (dict(v) if isinstance(v, tuple) else v)
                                    for k, v in vars(planted).items()}},
                     allow_unicode=True, sort_keys=False),
    snakemake.output.planted,
)
