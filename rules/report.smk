# What a reader opens: tables in the study's layout, figures, the replication scorecard,
# and the items of `snakemake --report results/<dataset>/report.html`.

rule paper_table:
    input:
        csv="results/{dataset}/tables/{name}.csv",
        md="results/{dataset}/tables/{name}.md",
    output:
        tex="results/{dataset}/tables/{name}_paper.tex",
        md="results/{dataset}/tables/{name}_paper.md",
        csv="results/{dataset}/tables/{name}_paper.csv",
        html=report(
            "results/{dataset}/tables/{name}_paper.html",
            caption="../report/paper_table.rst",
            category="1. Tables",
            labels={"table": "{name}"},
        ),
    params:
        number=paper_table_number,
        outcome=paper_table_outcome,
        label="tab:{dataset}:{name}",
        simulated=config["simulated"],
    wildcard_constraints:
        name=r"table\d+_[a-z0-9_]+",
    log:
        "results/{dataset}/logs/paper_{name}.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/paper_tables.py"


rule figure_threshold_lr:
    input:
        lr_profile="results/{dataset}/threshold/lr_profile.parquet",
    output:
        png=report(
            f"{FIGURE_DIR}/threshold_lr.png",
            caption="../report/threshold_lr.rst",
            category="3. Figures",
            labels={"figure": "likelihood ratio of the threshold searches"},
        ),
        pdf=f"{FIGURE_DIR}/threshold_lr.pdf",
    params:
        threshold=THRESHOLD,
        simulated=config["simulated"],
    log:
        "results/{dataset}/logs/figure_threshold_lr.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../scripts/figure_threshold_lr.py"


if KIND != "panel":

    rule figure_index:
        input:
            analysis="results/{dataset}/analysis.parquet",
            weights="results/{dataset}/weights.csv",
        output:
            region=[
                report(
                    f"{FIGURE_DIR}/index_by_region.png",
                    caption="../report/index_by_region.rst",
                    category="3. Figures",
                    labels={"figure": "index by region"},
                ),
                f"{FIGURE_DIR}/index_by_region.pdf",
            ],
            ftz=[
                report(
                    f"{FIGURE_DIR}/index_by_ftz.png",
                    caption="../report/index_by_ftz.rst",
                    category="3. Figures",
                    labels={"figure": "index by pilot free trade zone"},
                ),
                f"{FIGURE_DIR}/index_by_ftz.pdf",
            ],
        params:
            outcome=MODEL_ROLES.get("outcome"),
            entity=config["panel"]["entity"],
            time=config["panel"]["time"],
            ftz_by_year=HETEROGENEITY.get("ftz_by_year", 2020),
            simulated=config["simulated"],
        log:
            "results/{dataset}/logs/figure_index.log",
        conda:
            "../envs/analysis.yaml"
        script:
            "../scripts/figure_index.py"

    rule figure_weights:
        input:
            weights="results/{dataset}/weights.csv",
        output:
            png=report(
                f"{FIGURE_DIR}/weights.png",
                caption="../report/weights.rst",
                category="3. Figures",
                labels={"figure": "entropy weights"},
            ),
            pdf=f"{FIGURE_DIR}/weights.pdf",
        params:
            simulated=config["simulated"],
        log:
            "results/{dataset}/logs/figure_weights.log",
        conda:
            "../envs/analysis.yaml"
        script:
            "../scripts/figure_weights.py"

    rule figure_heterogeneity:
        input:
            table5="results/{dataset}/tables/table5_heterogeneity.csv",
            table3="results/{dataset}/tables/table3_baseline.csv",
        output:
            png=report(
                f"{FIGURE_DIR}/heterogeneity.png",
                caption="../report/heterogeneity.rst",
                category="3. Figures",
                labels={"figure": "heterogeneity coefficients"},
            ),
            pdf=f"{FIGURE_DIR}/heterogeneity.pdf",
        params:
            core=MODEL_ROLES.get("core"),
            simulated=config["simulated"],
        log:
            "results/{dataset}/logs/figure_heterogeneity.log",
        conda:
            "../envs/analysis.yaml"
        script:
            "../scripts/figure_heterogeneity.py"

    rule figure_coverage:
        input:
            coverage="results/{dataset}/coverage.csv",
        output:
            png=report(
                f"{FIGURE_DIR}/coverage.png",
                caption="../report/coverage.rst",
                category="4. Data coverage",
                labels={"item": "coverage figure"},
            ),
            pdf=f"{FIGURE_DIR}/coverage.pdf",
            html=report(
                "results/{dataset}/coverage.html",
                caption="../report/coverage.rst",
                category="4. Data coverage",
                labels={"item": "coverage table"},
            ),
        params:
            simulated=config["simulated"],
        log:
            "results/{dataset}/logs/figure_coverage.log",
        conda:
            "../envs/analysis.yaml"
        script:
            "../scripts/figure_coverage.py"


if KIND == "simulated":

    rule scorecard:
        input:
            tables=scorecard_tables,
            planted="results/{dataset}/planted.yaml",
            lr_profile="results/{dataset}/threshold/lr_profile.parquet",
            analysis="results/{dataset}/analysis.parquet",
        output:
            csv="results/{dataset}/tables/replication_scorecard.csv",
            md="results/{dataset}/tables/replication_scorecard.md",
            html=report(
                "results/{dataset}/tables/replication_scorecard.html",
                caption="../report/scorecard_planted.rst",
                category="2. Replication scorecard",
                labels={"scorecard": "estimates against planted effects"},
            ),
        params:
            planted=True,
            numbers=sorted(set(config["tables"]) & set(PAPER_TABLES)),
            entity=config["panel"]["entity"],
            lower_regime=THRESHOLD.get("lower_regime", "<="),
            confidence=THRESHOLD.get("confidence", 0.95),
            simulated=True,
        log:
            "results/{dataset}/logs/scorecard.log",
        conda:
            "../envs/analysis.yaml"
        script:
            "../scripts/scorecard.py"


if KIND == "extracts":

    rule scorecard:
        input:
            tables=scorecard_tables,
            published="resources/published_tables.csv",
        output:
            csv="results/{dataset}/tables/replication_scorecard.csv",
            md="results/{dataset}/tables/replication_scorecard.md",
            html=report(
                "results/{dataset}/tables/replication_scorecard.html",
                caption="../report/scorecard_published.rst",
                category="2. Replication scorecard",
                labels={"scorecard": "ours against the published cells"},
            ),
            by_table="results/{dataset}/tables/replication_scorecard_by_table.csv",
        params:
            planted=False,
            numbers=sorted(set(config["tables"]) & set(PAPER_TABLES)),
            dataset=DATASET,
            missing=MODEL_NOTES,
            simulated=False,
        log:
            "results/{dataset}/logs/scorecard.log",
        conda:
            "../envs/analysis.yaml"
        script:
            "../scripts/scorecard.py"
