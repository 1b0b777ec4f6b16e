# The entropy-weighted index: overall and one per dimension, with its weights.


if KIND in ("extracts", "simulated"):

    rule build_index:
        input:
            panel=f"{RESULTS}/panel.parquet",
        output:
            index=f"{RESULTS}/index.parquet",
            weights=f"{RESULTS}/weights.csv",
        params:
            indicators=CATALOGUE["indicators"],
            outcome=CATALOGUE["model"]["outcome"],
            shift=config.get("index", {}).get("shift", 0.0001),
        log:
            f"{RESULTS}/logs/build_index.log",
        conda:
            "../envs/analysis.yaml"
        script:
            "../scripts/build_index.py"
