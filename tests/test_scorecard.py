"""Replication scorecards: matching rules on small tables, then the workflow's scorecards
read back against the tidy tables, the published cells and the planted effects."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from panelstudy.paper_tables import read_tidy
from panelstudy.scorecard import (
    compare_published,
    published_summary,
    read_published,
    regime_key,
    summary_by_table,
)
from panelstudy.tables import tidy
from conftest import workflow_run
from test_paper_tables import row as cell

PUBLISHED = "resources/published_tables.csv"
TABLES = {
    2: "table2_descriptives",
    3: "table3_baseline",
    4: "table4_robustness",
    5: "table5_heterogeneity",
    6: "table6_threshold_tests",
    7: "table7_threshold_model",
    8: "table8_moderation",
}


def test_regime_terms_match_by_regime_not_by_value():
    assert regime_key("AI x 1(AI<=9.53)") == regime_key("AI x 1(AI<=19.8801)")
    assert regime_key("AI x 1(AI>9.53)") == "AI x 1(AI>threshold)"
    assert regime_key("c1 x 1(0.0157<=d1<0.536)") == "c1 x 1(threshold<=d1<threshold)"
    assert regime_key("AI x IPP") == "AI x IPP"


def test_compare_published_marks_what_it_cannot_compare():
    published = tidy(
        [
            cell(7, 1, "single-threshold model", "AI x 1(AI<=9.53)", "coef", 0.028, 3),
            cell(7, 1, "single-threshold model", "AE", "coef", 0.002, 2),
            cell(7, 1, "single-threshold model", "FJ", "coef", 0.000, 0),
            cell(7, 1, "single-threshold model", "", "F", 63.948),
            cell(3, 1, "baseline", "AI", "coef", -0.011, 1),
            cell(4, 1, "winsorized", "AI", "coef", 0.008, 3),
        ]
    )
    ours = {
        7: tidy(
            [
                cell(
                    7,
                    1,
                    "single-threshold model",
                    "AI x 1(AI<=19.88)",
                    "coef",
                    0.008,
                    2,
                ),
                cell(7, 1, "single-threshold model", "FJ", "coef", -0.0003, None),
                cell(7, 1, "single-threshold model", "", "F", np.nan),
            ]
        ),
        3: tidy([cell(3, 1, "baseline", "AI", "coef", 0.017, 1)]),
        4: pd.DataFrame(columns=published.columns),
    }
    card = compare_published(published, ours, {"AE": "Not in the extracts. More text."})

    regime, ae, fj, f, ai3, ai4 = (card.iloc[i] for i in range(6))
    assert regime["status"] == "compared" and regime["value"] == 0.008
    assert regime["difference"] == pytest.approx(0.008 - 0.028)
    assert bool(regime["same_sign"]) and not bool(regime["same_stars"])
    assert ae["status"] == "not estimated" and np.isnan(ae["value"])
    assert ae["note"] == "AE not in this dataset: Not in the extracts."
    assert fj["status"] == "compared" and pd.isna(fj["same_sign"])  # 0.000 has no sign
    assert bool(fj["same_stars"])  # no stars either side
    assert f["status"] == "not estimated" and "blank" in f["note"]
    assert not bool(ai3["same_sign"]) and bool(ai3["same_stars"])
    assert ai4["status"] == "not estimated" and "skipped" in ai4["note"]

    counts = summary_by_table(card).set_index("table")
    assert counts.loc["all", "compared"] == 3
    assert counts.loc["all", "signed_coefficients"] == 2
    assert counts.loc["all", "same_sign_and_stars"] == 0
    assert "Same sign: 1 of 2 (50%)" in published_summary(card, "x")[1]


def test_public_scorecard_holds_every_published_cell_and_our_values(public):
    card = pd.read_csv(
        public / "tables" / "replication_scorecard.csv",
        dtype={"term": str},
        keep_default_na=False,
        na_values=[""],
    )
    card["term"] = card["term"].fillna("")
    published = read_published(PUBLISHED)
    assert len(card) == len(published) == 262
    assert (card["published"].to_numpy() == published["value"].to_numpy()).all()
    assert list(card["term"]) == list(published["term"])

    ours = {}
    for number, name in TABLES.items():
        for row in read_tidy(public / "tables" / f"{name}.csv").itertuples():
            ours[(number, row.column, regime_key(row.term), row.stat)] = row.value
    compared = card[card["status"] == "compared"]
    for row in compared.itertuples():
        assert row.value == pytest.approx(
            ours[(row.table, row.column, regime_key(row.term), row.stat)]
        )
        assert row.difference == pytest.approx(row.value - row.published)
    not_estimated = card[card["status"] == "not estimated"]
    assert not_estimated["value"].isna().all()
    for variable in ("AE", "FJ"):
        rows = card[card["term"] == variable]
        assert len(rows) > 0 and (rows["status"] == "not estimated").all()
        assert rows["note"].str.startswith(f"{variable} not in this dataset").all()


def test_public_scorecard_counts_match_its_cells(public):
    card = pd.read_csv(
        public / "tables" / "replication_scorecard.csv",
        keep_default_na=False,
        na_values=[""],
    )
    by_table = pd.read_csv(
        public / "tables" / "replication_scorecard_by_table.csv", dtype={"table": str}
    ).set_index("table")
    per_table = by_table.drop(index="all")
    assert (per_table.sum() == by_table.loc["all"]).all()

    compared = card[card["status"] == "compared"]
    coefficients = compared[(compared["stat"] == "coef") & (compared["published"] != 0)]
    starred = compared[compared["published_stars"].notna()]
    stars = starred["stars"].fillna(0).astype(int)
    same_sign = np.sign(coefficients["value"]) == np.sign(coefficients["published"])
    both = same_sign & (
        coefficients["stars"].fillna(0) == coefficients["published_stars"]
    )
    expected = {
        "cells": 262,
        "compared": len(compared),
        "signed_coefficients": len(coefficients),
        "same_sign": int(same_sign.sum()),
        "starred": len(starred),
        "same_stars": int((stars == starred["published_stars"].astype(int)).sum()),
        "same_sign_and_stars": int(both.sum()),
    }
    assert by_table.loc["all", list(expected)].to_dict() == expected

    summary = (public / "tables" / "replication_scorecard.md").read_text()
    assert f"{expected['compared']} compared" in summary
    assert (
        f"Same sign and significance: {expected['same_sign_and_stars']} of "
        f"{len(coefficients)}" in summary
    )


def test_demo_scorecard_against_planted_effects():
    demo = workflow_run("demo")
    card = pd.read_csv(demo / "tables" / "replication_scorecard.csv", comment="#")
    assert (
        (demo / "tables" / "replication_scorecard.csv")
        .read_text()
        .startswith("# SIMULATED")
    )
    with open(demo / "planted.yaml", encoding="utf-8") as handle:
        planted = yaml.safe_load(handle)["on_index"]
    assert set(card["quantity"]) == set(planted) - {"index_scale"}
    for quantity, value in zip(card["quantity"], card["planted"]):
        assert value == planted[quantity]

    table7 = read_tidy(demo / "tables" / "table7_threshold_model.csv")
    table8 = read_tidy(demo / "tables" / "table8_moderation.csv")
    clusters = pd.read_parquet(demo / "analysis.parquet")["province"].nunique()
    quantile = stats.t.ppf(0.975, clusters - 1)
    for row in card.itertuples():
        if row.quantity == "threshold":
            thresholds = [float(v) for v in re.findall(r"[\d.]+(?=\))", row.term)]
            assert row.value in thresholds
            assert row.ci_low <= row.value < row.ci_high
            continue
        source = table8 if row.table == 8 else table7
        values = source[(source["term"] == row.term)].set_index("stat")["value"]
        assert row.value == pytest.approx(values["coef"])
        assert row.ci_high - row.ci_low == pytest.approx(2 * quantile * values["se"])
        assert row.covered == (row.ci_low <= row.planted <= row.ci_high)
    sign_line = f"Same sign: {int(card['same_sign'].sum())} of {len(card)}"
    assert sign_line in (demo / "tables" / "replication_scorecard.md").read_text()
    assert (
        card.loc[card["quantity"] == "AI x (IPP - ipp_centre)", "term"].item()
        == "AI x IPP"
    )
