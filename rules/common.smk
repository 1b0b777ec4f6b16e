# Configuration: validated once, before any rule runs, and turned into target lists.
import os
from pathlib import Path

import yaml
from snakemake.utils import validate


validate(config, schema="../schemas/config.schema.yaml")

DATASET = config["dataset"]
if DATASET not in config["datasets"]:
    raise ValueError(
        f"config: dataset={DATASET!r} is not defined; choose one of "
        f"{sorted(config['datasets'])} or add it under `datasets:`"
    )


def load_catalogue(entry):
    """The dataset catalogue: a YAML file (path relative to the repository) or inline."""
    if isinstance(entry, dict):
        return entry
    with open(entry, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


CATALOGUE = load_catalogue(config["datasets"][DATASET])
validate(CATALOGUE, schema="../schemas/dataset.schema.yaml")
KIND = CATALOGUE["kind"]
RESULTS = f"results/{DATASET}"
config["simulated"] = KIND == "simulated"

# The threshold model's variables default to the dataset's model roles (equation 2 of the
# study: the outcome on the core regressor, whose slope switches at thresholds of itself).
if KIND != "panel":
    roles = CATALOGUE["model"]
    config.setdefault("threshold", {})
    config["threshold"].setdefault("outcome", roles["outcome"])
    config["threshold"].setdefault("regime_regressors", [roles["core"]])
    config["threshold"].setdefault("threshold_variable", roles["core"])
    config["threshold"].setdefault("controls", list(roles.get("controls", [])))
validate(config.get("threshold", {}), schema="../schemas/threshold.schema.yaml")


def raw_root():
    """Folder the dataset's raw extracts are read from."""
    if KIND == "simulated":
        return f"{RESULTS}/raw"
    return CATALOGUE["raw_root"]


def raw_files():
    """Every raw extract the catalogue reads, as paths from the repository root."""
    paths = sorted({spec["path"] for spec in CATALOGUE.get("series", {}).values()})
    return [os.path.join(raw_root(), path) for path in paths]


def table_paths(name):
    return [f"{RESULTS}/tables/{name}.csv", f"{RESULTS}/tables/{name}.md"]


TABLE_NAMES = {
    2: "table2_descriptives",
    3: "table3_baseline",
    4: "table4_robustness",
    5: "table5_heterogeneity",
    8: "table8_moderation",
}


def all_targets():
    targets = []
    if KIND != "panel":
        targets += [
            f"{RESULTS}/panel.parquet",
            f"{RESULTS}/coverage.csv",
            f"{RESULTS}/index.parquet",
            f"{RESULTS}/weights.csv",
        ]
    for number in config["tables"]:
        if number in TABLE_NAMES:
            targets += table_paths(TABLE_NAMES[number])
    if {6, 7} & set(config["tables"]):
        targets += threshold_targets(DATASET)
    targets += report_targets(DATASET)
    return targets


# ---- settings passed to the model tables
MODELS = config.get("models", {})
MODEL_ROLES = CATALOGUE.get("model", {})
MODEL_NOTES = CATALOGUE.get("notes", {})


def model_params(**extra):
    """Settings every fixed-effects table shares, plus the table's own."""
    shared = {
        key: MODELS.get(key, default)
        for key, default in (
            ("entity_effects", True),
            ("time_effects", True),
            ("cov", "clustered"),
            ("absorbed", "error"),
        )
    }
    return {
        "roles": MODEL_ROLES,
        "notes": MODEL_NOTES,
        "panel": config["panel"],
        "fe": shared,
        "simulated": config["simulated"],
        **extra,
    }
