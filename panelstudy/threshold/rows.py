"""Threshold results as rows of the study's tidy tables (Table 6 tests, Table 7 model).

Presentation only: the estimator never formats; these functions turn its results into
``table, column, label, term, stat, value, stars`` rows for ``panelstudy.tables``.
"""

from __future__ import annotations

import math

from panelstudy.tables import stars_for
from panelstudy.threshold.inference import TestResult
from panelstudy.threshold.regime_model import RegimeModel
from panelstudy.threshold.search import ThresholdEstimates

__all__ = ["test_rows", "model_rows", "threshold_notes", "TEST_LABELS"]

TEST_LABELS = {1: "single", 2: "double", 3: "triple"}
_MODEL_LABELS = {1: "single-threshold model", 2: "double-threshold model",
                 3: "triple-threshold model"}


def _row(table: int, column: int, label: str, term: str, stat: str, value: float,
         stars: int | None = None) -> dict:
    return {"table": table, "column": column, "label": label, "term": term,
            "stat": stat, "value": value, "stars": stars}


def test_rows(
    estimates: ThresholdEstimates, tests: dict[int, TestResult], variable: str
) -> list[dict]:
    """Table 6: F, p, bootstrap_reps, crit10/5/1, threshold, ci_low, ci_high per test."""
    rows = []
    for k in sorted(tests):
        result, step = tests[k], estimates.step(k)
        label = TEST_LABELS[k]
        stats = [
            ("F", result.f_stat, stars_for(result.p_value)),
            ("p", result.p_value, None),
            ("bootstrap_reps", result.replications, None),
            ("crit10", result.crit10, None),
            ("crit5", result.crit5, None),
            ("crit1", result.crit1, None),
            ("threshold", step.threshold, None),
            ("ci_low", step.ci[0], None),
            ("ci_high", step.ci[1], None),
        ]
        rows += [_row(6, k, label, variable, s, v, st) for s, v, st in stats]
    return rows


def model_rows(model: RegimeModel) -> list[dict]:
    """Table 7: coef and se of every term (stars from p), _cons, N, R2, F."""
    k = len(model.thresholds)
    label = _MODEL_LABELS[k]
    rows = []
    for term, coef, se, p in zip(model.terms, model.coef, model.se, model.p_values):
        rows.append(_row(7, 1, label, term, "coef", float(coef), stars_for(p)))
        rows.append(_row(7, 1, label, term, "se", float(se)))
    if not math.isnan(model.constant):
        rows.append(_row(7, 1, label, "_cons", "coef", model.constant,
                         stars_for(model.constant_p)))
        rows.append(_row(7, 1, label, "_cons", "se", model.constant_se))
    rows += [
        _row(7, 1, label, "", "N", model.n_obs),
        _row(7, 1, label, "", "R2", model.r2_within),
        _row(7, 1, label, "", "F", model.f_stat),
    ]
    return rows


def threshold_notes(estimates: ThresholdEstimates, model: RegimeModel | None = None) -> list[str]:
    """Notes printed under the tables: conventions, refinement, drops, R2 and SE kinds."""
    notes = [f"Conventions: {estimates.conventions}."]
    notes.append(
        f"{estimates.n_obs} observations ({estimates.n_entities} entities x "
        f"{estimates.n_periods} periods); {estimates.n_candidates} candidate thresholds."
    )
    for step in estimates.steps[1:]:
        values = ", ".join(f"{v:.6g}" for v in step.refined_values)
        notes.append(f"{TEST_LABELS[step.step]} model after refinement: thresholds {values}.")
    notes.append(
        "p: share of bootstrap F* >= F; crit: order statistics of F*; ci: likelihood-"
        "ratio confidence interval of the threshold found at that step."
    )
    if model is not None:
        notes.append(
            f"R2 is within (fixed effects removed); standard errors {model.cov}; "
            f"F({model.f_df[0]}, {model.f_df[1]}) tests every listed slope."
        )
    notes += [f"Dropped: {line}." for line in estimates.dropped]
    return notes
