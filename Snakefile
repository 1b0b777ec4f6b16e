# Rebuilds every table of the study from raw statistical extracts.
#   snakemake --cores 8                                  demo dataset (simulated)
#   snakemake --cores 8 --config dataset=public-nbs      real public statistics
#   snakemake --cores 2 --configfile studies/hansen1999.yaml   threshold validation
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"


# ---- data: raw extracts -> values -> panel -> index -> analysis panel
include: "rules/data.smk"
include: "rules/index.smk"


# ---- models: descriptives, baseline, robustness, heterogeneity, moderation
include: "rules/models.smk"


# ---- panel threshold: search, bootstrap shards, merge
include: "rules/threshold.smk"
include: "rules/report.smk"


rule all:
    input:
        all_targets(),
    default_target: True
