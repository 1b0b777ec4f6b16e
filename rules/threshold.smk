# Hansen (1999) panel threshold: point estimates, bootstrap shards, Tables 6 and 7.
# Settings: the `threshold:` block, keys and defaults in schemas/threshold.schema.yaml.

wildcard_constraints:
    shard=r"\d+",


rule threshold_search:
    input:
        analysis="results/{dataset}/analysis.parquet",
    output:
        estimates="results/{dataset}/threshold/estimates.json",
        lr_profile="results/{dataset}/threshold/lr_profile.parquet",
    params:
        panel=config["panel"],
        threshold=THRESHOLD,
    log:
        "results/{dataset}/logs/threshold_search.log",
    threads: 1
    resources:
        mem_mb=threshold_memory,
        runtime=20,
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/threshold_search.py"


rule threshold_shard:
    input:
        analysis="results/{dataset}/analysis.parquet",
        estimates="results/{dataset}/threshold/estimates.json",
    output:
        replications="results/{dataset}/threshold/shards/shard{shard}.parquet",
    params:
        panel=config["panel"],
        threshold=THRESHOLD,
    log:
        "results/{dataset}/logs/threshold_shard{shard}.log",
    threads: THRESHOLD.get("threads", 2)
    resources:
        mem_mb=threshold_memory,
        runtime=60,
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/threshold_shard.py"


rule threshold_merge:
    input:
        analysis="results/{dataset}/analysis.parquet",
        estimates="results/{dataset}/threshold/estimates.json",
        shards=threshold_shard_files,
    output:
        table6=[
            "results/{dataset}/tables/table6_threshold_tests.csv",
            "results/{dataset}/tables/table6_threshold_tests.md",
        ],
        table7=[
            "results/{dataset}/tables/table7_threshold_model.csv",
            "results/{dataset}/tables/table7_threshold_model.md",
        ],
        replications="results/{dataset}/threshold/replications.parquet",
    params:
        panel=config["panel"],
        threshold=THRESHOLD,
        simulated=config.get("simulated", False),
    log:
        "results/{dataset}/logs/threshold_merge.log",
    threads: 1
    resources:
        mem_mb=threshold_memory,
        runtime=20,
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/threshold_merge.py"
