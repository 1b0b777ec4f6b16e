# Raw extracts -> every value read (long) -> the wide analysis panel and its coverage.


if KIND == "simulated":

    rule simulate_extracts:
        output:
            raw=raw_files(),
            planted=f"{RESULTS}/planted.yaml",
        params:
            seed=CATALOGUE["seed"],
            years=CATALOGUE["years"],
            series=CATALOGUE["series"],
            indicators=CATALOGUE["indicators"],
            planted=CATALOGUE.get("planted", {}),
            raw_root=raw_root(),
            shift=config.get("index", {}).get("shift", 0.0001),
        log:
            f"{RESULTS}/logs/simulate_extracts.log",
        conda:
            "../envs/analysis.yaml"
        script:
            "../scripts/simulate_extracts.py"


if KIND in ("extracts", "simulated"):

    rule ingest:
        input:
            raw_files(),
        output:
            values=f"{RESULTS}/values_read.parquet",
        params:
            series=CATALOGUE["series"],
            raw_root=raw_root(),
            source_priority=CATALOGUE.get("source_priority", {}),
            drop_provinces=CATALOGUE.get("drop_provinces", []),
        log:
            f"{RESULTS}/logs/ingest.log",
        conda:
            "../envs/analysis.yaml"
        script:
            "../scripts/ingest.py"

    rule assemble_panel:
        input:
            values=f"{RESULTS}/values_read.parquet",
        output:
            panel=f"{RESULTS}/panel.parquet",
            values=f"{RESULTS}/values.parquet",
            coverage=f"{RESULTS}/coverage.csv",
        params:
            years=CATALOGUE["years"],
            interpolate=CATALOGUE.get("interpolate", {}),
            derived=CATALOGUE.get("derived", {}),
        log:
            f"{RESULTS}/logs/assemble_panel.log",
        conda:
            "../envs/analysis.yaml"
        script:
            "../scripts/assemble_panel.py"

    rule analysis_panel:
        input:
            panel=f"{RESULTS}/panel.parquet",
            index=f"{RESULTS}/index.parquet",
            provinces="resources/provinces.csv",
        output:
            analysis=f"{RESULTS}/analysis.parquet",
        params:
            model=CATALOGUE["model"],
        log:
            f"{RESULTS}/logs/analysis_panel.log",
        conda:
            "../envs/analysis.yaml"
        script:
            "../scripts/analysis_panel.py"


if KIND == "panel":

    rule prepare_panel:
        input:
            CATALOGUE["path"],
        output:
            analysis=f"{RESULTS}/analysis.parquet",
        params:
            entity=CATALOGUE["entity"],
            time=CATALOGUE["time"],
        log:
            f"{RESULTS}/logs/prepare_panel.log",
        conda:
            "../envs/analysis.yaml"
        script:
            "../scripts/prepare_panel.py"
