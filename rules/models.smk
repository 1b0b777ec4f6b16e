# Regression tables on the analysis panel: each rule takes only the settings it uses, so a
# changed setting reruns only the tables that depend on it.


rule table2_descriptives:
    input:
        analysis=f"{RESULTS}/analysis.parquet",
    output:
        *table_paths("table2_descriptives"),
    params:
        settings=model_params(plausible=MODELS.get("plausible", {})),
    log:
        f"{RESULTS}/logs/table2_descriptives.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/table2_descriptives.py"


rule table3_baseline:
    input:
        analysis=f"{RESULTS}/analysis.parquet",
    output:
        *table_paths("table3_baseline"),
    params:
        settings=model_params(),
    log:
        f"{RESULTS}/logs/table3_baseline.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/table3_baseline.py"


rule table4_robustness:
    input:
        analysis=f"{RESULTS}/analysis.parquet",
    output:
        *table_paths("table4_robustness"),
    params:
        settings=model_params(robustness=MODELS.get("robustness", {})),
    log:
        f"{RESULTS}/logs/table4_robustness.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/table4_robustness.py"


rule table5_heterogeneity:
    input:
        analysis=f"{RESULTS}/analysis.parquet",
    output:
        *table_paths("table5_heterogeneity"),
    params:
        settings=model_params(heterogeneity=MODELS.get("heterogeneity", {})),
    threads: 2
    log:
        f"{RESULTS}/logs/table5_heterogeneity.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/table5_heterogeneity.py"


rule table8_moderation:
    input:
        analysis=f"{RESULTS}/analysis.parquet",
    output:
        *table_paths("table8_moderation"),
    params:
        settings=model_params(moderation=MODELS.get("moderation", {})),
    log:
        f"{RESULTS}/logs/table8_moderation.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/table8_moderation.py"
