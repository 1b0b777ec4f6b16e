# Configuration: validated once, before any rule runs, and turned into target lists.
import os
from pathlib import Path

from snakemake.utils import validate

from panelstudy.yaml_files import load_yaml


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
    return load_yaml(entry)


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


# ---- threshold targets and resources
THRESHOLD = config.get("threshold", {})
THRESHOLD_TABLES = ["table6_threshold_tests", "table7_threshold_model"]


def threshold_targets(dataset):
    """Paths of Tables 6 and 7 (CSV and Markdown) of a dataset, for `rule all`."""
    return [
        f"results/{dataset}/tables/{name}.{ext}"
        for name in THRESHOLD_TABLES
        for ext in ("csv", "md")
    ]


def threshold_shard_files(wildcards):
    shards = THRESHOLD.get("bootstrap", {}).get("shards", 4)
    return expand(
        "results/{dataset}/threshold/shards/shard{shard}.parquet",
        dataset=wildcards.dataset,
        shard=range(shards),
    )


def threshold_memory(wildcards, input):
    """MB a threshold job needs: arrays of the panel plus bootstrap blocks (<= 256 MB)."""
    return int(1024 + 400 * input.size_mb)


# ---- presentation targets: paper-style tables, figures, scorecard
PAPER_TABLES = {
    **TABLE_NAMES,
    6: "table6_threshold_tests",
    7: "table7_threshold_model",
}
PAPER_FORMATS = ("tex", "md", "csv", "html")
HETEROGENEITY = MODELS.get("heterogeneity", {})
FIGURE_DIR = "results/{dataset}/figures"


def paper_table_paths(dataset, name):
    return [f"results/{dataset}/tables/{name}_paper.{ext}" for ext in PAPER_FORMATS]


def figure_paths(dataset, name):
    return [f"results/{dataset}/figures/{name}.{ext}" for ext in ("png", "pdf")]


def scorecard_paths(dataset):
    stem = f"results/{dataset}/tables/replication_scorecard"
    paths = [f"{stem}.csv", f"{stem}.md", f"{stem}.html"]
    if KIND != "simulated":
        paths.append(f"{stem}_by_table.csv")
    return paths


def report_targets(dataset):
    """Every presentation output of a dataset, for `rule all`.

    A panel study (kind `panel`, e.g. hansen1999) has no index, regions or published
    cells: it gets its paper-style threshold tables and the LR figure only.
    """
    numbers = set(config["tables"])
    targets = [
        path
        for number in sorted(numbers & set(PAPER_TABLES))
        for path in paper_table_paths(dataset, PAPER_TABLES[number])
    ]
    if {6, 7} & numbers:
        targets += figure_paths(dataset, "threshold_lr")
    if KIND == "panel":
        return targets
    for name in ("index_by_region", "index_by_ftz", "weights", "coverage"):
        targets += figure_paths(dataset, name)
    targets.append(f"results/{dataset}/coverage.html")
    if {3, 5} <= numbers:
        targets += figure_paths(dataset, "heterogeneity")
    return targets + scorecard_paths(dataset)


def paper_table_number(wildcards):
    return int(wildcards.name.split("_")[0].removeprefix("table"))


def paper_table_outcome(wildcards):
    if paper_table_number(wildcards) in (6, 7):
        return THRESHOLD.get("outcome")
    return MODEL_ROLES.get("outcome")


def scorecard_tables(wildcards):
    numbers = sorted(set(config["tables"]) & set(PAPER_TABLES))
    return [f"results/{wildcards.dataset}/tables/{PAPER_TABLES[n]}.csv" for n in numbers]
