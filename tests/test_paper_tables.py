"""Tables in the study's layout: the layouts on small tidy tables, then the workflow's
outputs read back (cells equal to the tidy tables, LaTeX structure and compilation, the
Snakemake report listing every table and figure with a caption).

``workflow_run`` runs the workflow once per dataset in a clean copy of the repository
(bootstrap cut to 49 replications in 2 shards and 99 permutations to keep the run
short) and is shared with test_figures.py and test_scorecard.py.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from conftest import SHARED, copy_repository, snakemake, workflow_run
from panelstudy.paper_tables import (
    display_term,
    format_value,
    latex_escape,
    paper_layout,
    read_tidy,
    to_csv_text,
    to_latex,
)
from panelstudy.tables import TIDY_COLUMNS, tidy

PAPER_TABLES = [
    "table2_descriptives",
    "table3_baseline",
    "table4_robustness",
    "table5_heterogeneity",
    "table6_threshold_tests",
    "table7_threshold_model",
    "table8_moderation",
]
FIGURES = [
    "threshold_lr",
    "index_by_region",
    "index_by_ftz",
    "weights",
    "heterogeneity",
    "coverage",
]
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"{SHARED} is not present"
)


def row(table, column, label, term, stat, value, stars=None) -> dict:
    """One tidy cell."""
    return dict(zip(TIDY_COLUMNS, (table, column, label, term, stat, value, stars)))


def regression_rows(table: int = 3) -> list[dict]:
    rows = []
    for column, label, coef in ((1, "no controls", 0.011), (2, "controls", -0.0084)):
        rows += [
            row(table, column, label, "AI", "coef", coef, 3),
            row(table, column, label, "AI", "se", 0.004),
        ]
        if column == 2:
            rows += [
                row(table, column, label, "GS", "coef", 0.025, 2),
                row(table, column, label, "GS", "se", 0.012),
            ]
        rows += [
            row(table, column, label, "_cons", "coef", 0.106, 1),
            row(table, column, label, "_cons", "se", 0.006),
            row(table, column, label, "", "N", 300.0),
            row(table, column, label, "", "groups", 30.0),
            row(table, column, label, "", "R2", 0.803),
            row(table, column, label, "", "F", 32.5424),
            row(table, column, label, "Hausman", "chi2", 3.38),
        ]
    return rows


def test_regression_layout_puts_se_beneath_coefficient_and_model_rows_last():
    table = paper_layout(
        tidy(regression_rows()), 3, "Table 3. Baseline", ["a note"], "INE"
    )

    labels = [label for label, _ in table.body]
    assert labels == ["AI", "", "GS", "", "_cons", "", "N", "R2", "F", "Hausman chi2"]
    ai, ai_se = table.body[0][1], table.body[1][1]
    assert [(c.text, c.stars) for c in ai] == [("0.011", 3), ("-0.008", 3)]
    assert [c.text for c in ai_se] == ["(0.004)", "(0.004)"]
    assert [c.text for c in table.body[2][1]] == ["", "0.025"]
    assert [c.text for c in table.body[6][1]] == ["300", "300"]
    assert table.rule_before == {6}
    assert [c.text for c in table.header[0]] == ["(1)", "(2)"]
    assert table.outcome == "INE" and table.notes[-1] == "a note"
    assert any("groups" in note for note in table.notes)


def test_heterogeneity_spanners_come_from_the_equality_tests():
    rows = []
    labels = [
        "east",
        "central",
        "west",
        "with pilot free trade zone",
        "without pilot free trade zone",
    ]
    for column, label in enumerate(labels, start=1):
        rows += [
            row(5, column, label, "AI", "coef", 0.01 * column, 1),
            row(5, column, label, "AI", "se", 0.001),
        ]
    for column, (grouping, df) in enumerate((("region", 2), ("ftz", 1)), start=6):
        label = f"AI equal across {grouping}"
        rows += [
            row(5, column, label, "AI", "F", 0.637),
            row(5, column, label, "AI", "df", df),
            row(5, column, label, "AI", "df_denom", 8),
            row(5, column, label, "AI", "p", 0.55),
            row(5, column, label, "AI", "perm_p", 0.786),
            row(5, column, label, "AI", "permutations", 999),
        ]
    table = paper_layout(tidy(rows), 5, outcome="INE")

    assert [(c.text, c.span) for c in table.header[1]] == [
        ("Region", 3),
        ("Pilot free trade zone", 2),
    ]
    assert [c.text for c in table.header[2]][3:] == ["with FTZ", "without FTZ"]
    assert table.n_columns == 5
    assert (
        "(6) AI equal across region: F(2, 8) = 0.637, p = 0.550; permutation p = 0.786 "
        "(999 permutations)." in table.notes
    )


def test_threshold_tests_layout_has_interval_beneath_threshold():
    stats = {
        "F": 32.02,
        "p": 0.033,
        "bootstrap_reps": 300,
        "crit1": 38.193,
        "crit5": 28.726,
        "crit10": 24.565,
        "threshold": 9.53,
        "ci_low": 9.2,
        "ci_high": 9.9,
    }
    rows = [
        row(6, 1, "single", "AI", s, v, 2 if s == "F" else None)
        for s, v in stats.items()
    ]
    table = paper_layout(tidy(rows), 6)

    assert table.body[0][0] == "Single threshold"
    assert [c.text for c in table.body[0][1]] == [
        "32.020",
        "0.033",
        "300",
        "38.193",
        "28.726",
        "24.565",
        "9.53",
    ]
    assert table.body[0][1][0].stars == 2
    assert table.body[1][1][-1].text == "[9.2, 9.9]"
    assert table.header[0][3].text == "Critical values" and table.header[0][3].span == 3


def test_a_skipped_table_prints_no_number():
    empty = pd.DataFrame(
        columns=["table", "column", "label", "term", "stat", "value", "stars"]
    )
    table = paper_layout(empty, 8, "Table 8: SKIPPED", ["Skipped: IPP is missing."])
    assert table.body == []
    assert "Skipped: IPP is missing." in to_latex(table, "tab:x")
    assert re.search(r"\d\.\d", to_csv_text(table)) is None


def test_terms_and_latex_text():
    assert display_term("AI x 1(AI<=9.53)") == "AI (AI ≤ 9.53)"
    assert display_term("c1 x 1(0.0157<=d1<0.536)") == "c1 (0.0157 ≤ d1 < 0.536)"
    assert display_term("AI x IPP") == "AI × IPP"
    assert latex_escape("R2_inclusive 10% q<=g") == r"R2\_inclusive 10\% q$\le$g"
    assert (
        format_value(299.6, "N") == "300"
        and format_value(0.01566, "threshold") == "0.01566"
    )


def paper_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)


def column_of(frame: pd.DataFrame, number: int) -> str:
    return next(c for c in frame.columns if c.startswith(f"({number})"))


def check_cells_equal_tidy(results: Path) -> int:
    """Every coefficient, standard error and model statistic of the tidy tables appears
    in the paper CSV where the layout puts it; returns the number of cells checked."""
    checked = 0
    for name in (
        "table3_baseline",
        "table4_robustness",
        "table5_heterogeneity",
        "table7_threshold_model",
        "table8_moderation",
    ):
        tidy_rows = read_tidy(results / "tables" / f"{name}.csv")
        paper = paper_csv(results / "tables" / f"{name}_paper.csv")
        models = sorted(tidy_rows.loc[tidy_rows["stat"] == "coef", "column"].unique())
        for cell in tidy_rows[tidy_rows["column"].isin(models)].itertuples():
            column = column_of(paper, cell.column)
            if cell.stat in ("coef", "se"):
                position = paper.index[paper["term"] == display_term(cell.term)][0]
                position += cell.stat == "se"
            elif cell.stat in ("N", "R2", "F"):
                position = paper.index[paper["term"] == cell.stat][0]
            else:
                continue
            shown = format_value(cell.value, cell.stat)
            if cell.stat == "se":
                shown = f"({shown})"
            stars = "" if pd.isna(cell.stars) else "*" * int(cell.stars)
            assert paper.loc[position, column] == shown + stars, (name, cell)
            checked += 1
    return checked


def check_latex_structure(results: Path, simulated: bool) -> None:
    for path in sorted((results / "tables").glob("*_paper.tex")):
        text = path.read_text(encoding="utf-8")
        assert text.isascii(), path
        assert text.count(r"\begin{table}") == text.count(r"\end{table}") == 1
        assert text.count(r"\toprule") == text.count(r"\bottomrule") == 1
        assert text.count("{") - text.count(r"\{") == text.count("}") - text.count(
            r"\}"
        )
        spec = re.search(r"\\begin\{tabular\}\{@\{\}(lc*)@\{\}\}", text)
        columns = len(spec.group(1))
        body = text[text.index(r"\toprule") : text.index(r"\bottomrule")]
        for line in body.splitlines():
            if line.rstrip().endswith(r"\\") and r"\multicolumn" not in line:
                cells = re.split(r"(?<!\\)&", line)
                assert len(cells) == columns, (path.name, line)
        caption = re.search(r"\\caption\{(.*)\}", text).group(1)
        assert caption.startswith("SIMULATED DATA") == simulated, path.name


def test_demo_tables_in_every_format(demo):
    for name in PAPER_TABLES:
        for ext in ("tex", "md", "csv", "html"):
            assert (demo / "tables" / f"{name}_paper.{ext}").stat().st_size > 0
        assert (
            (demo / "tables" / f"{name}_paper.csv")
            .read_text()
            .startswith("# SIMULATED")
        )
        assert (
            (demo / "tables" / f"{name}_paper.md").read_text().startswith("# SIMULATED")
        )
    assert check_cells_equal_tidy(demo) > 200
    check_latex_structure(demo, simulated=True)


def test_public_tables_match_their_tidy_cells(public):
    assert check_cells_equal_tidy(public) > 150
    check_latex_structure(public, simulated=False)
    paper = paper_csv(public / "tables" / "table3_baseline_paper.csv")
    assert "AE" not in set(paper["term"])  # not in this dataset: no row, never a number


def test_latex_compiles(demo, tmp_path):
    """pdflatex on every table of the demo (and public-nbs when there), booktabs only.

    Without pdflatex the test skips; the structure is checked in the tests above anyway.
    """
    if shutil.which("pdflatex") is None:
        pytest.skip(
            "pdflatex is not installed (Debian: texlive-latex-base "
            "texlive-latex-recommended); LaTeX structure is still checked"
        )
    files = sorted(demo.glob("tables/*_paper.tex"))
    if SHARED.is_dir():
        files += sorted(workflow_run("public-nbs").glob("tables/*_paper.tex"))
    inputs = "".join(f"\\input{{{path}}}\n\\clearpage\n" for path in files)
    (tmp_path / "tables.tex").write_text(
        "\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n"
        f"{inputs}\\end{{document}}\n"
    )
    result = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "tables.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    log = (tmp_path / "tables.log").read_text(errors="replace")
    assert result.returncode == 0, result.stdout[-3000:]
    assert (tmp_path / "tables.pdf").read_bytes().startswith(b"%PDF")
    assert f"({len(files)} pages" in result.stdout
    assert "Overfull \\hbox" not in log, "a table is wider than the text"


def report_results(report: Path) -> tuple[dict, str]:
    text = report.read_text(encoding="utf-8")
    block = re.search(
        r'<script id="results">\s*var results = (.*?);\s*</script>', text, re.S
    )
    return json.loads(block.group(1)), text


def test_report_shows_every_table_and_figure_with_a_caption(demo):
    results, text = report_results(demo / "report.html")
    expected = {f"results/demo/tables/{name}_paper.html" for name in PAPER_TABLES}
    expected |= {f"results/demo/figures/{name}.png" for name in FIGURES}
    expected |= {
        "results/demo/tables/replication_scorecard.html",
        "results/demo/coverage.html",
    }
    assert set(results) == expected
    for path, entry in results.items():
        caption = entry["caption"]
        assert len(re.sub("<[^>]+>", "", caption)) > 100, path
        assert "system-message" not in caption, (path, caption)
        assert entry["mime_type"] in ("text/html", "image/png")
    assert "Run settings" in text and "SIMULATED DATA" in text


def test_report_of_public_data(public):
    results, _ = report_results(public / "report.html")
    assert "results/public-nbs/tables/replication_scorecard.html" in results
    assert all("system-message" not in entry["caption"] for entry in results.values())


@needs_shared
def test_panel_study_gets_only_threshold_tables_and_figure(tmp_path):
    repo = copy_repository(tmp_path)
    result = snakemake(repo, "--dry-run", "--configfile", "studies/hansen1999.yaml")
    planned = set(
        re.findall(r"results/hansen1999/(?:tables|figures)/[\w.]+", result.stdout)
    )
    assert {p for p in planned if "_paper" in p or "figures" in p} == {
        *(
            f"results/hansen1999/tables/{name}_paper.{ext}"
            for name in ("table6_threshold_tests", "table7_threshold_model")
            for ext in ("tex", "md", "csv", "html")
        ),
        "results/hansen1999/figures/threshold_lr.png",
        "results/hansen1999/figures/threshold_lr.pdf",
    }
    assert "scorecard" not in result.stdout
