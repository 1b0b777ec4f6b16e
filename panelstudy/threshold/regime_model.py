"""The final regime model: one slope of each regime regressor per regime, fixed effects
removed by the same within transformation as the search.

Standard errors are clustered by entity (Stata's ``xtreg, fe vce(cluster)`` small-sample
factor G/(G-1) * (n-1)/(n-k-1)) or homoskedastic (sigma^2 = SSR / (N(T-1) - k) for the
full transformation, SSR / (N(T-1) - k) rows for Hansen's dropped period as well).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from panelstudy.threshold.profile import ThresholdProblem, year_dummies

__all__ = ["RegimeModel", "fit_regime_model", "regime_labels"]


@dataclass(frozen=True)
class RegimeModel:
    """Coefficients and fit of the regime model.

    Attributes
    ----------
    thresholds : list of float
    terms : list of str
        Regime terms first (``x x 1(q<=g)`` style), then controls; year dummies, when
        present, are estimated but not listed.
    coef, se, p_values : ndarray
        Per term; p-values from t with G-1 (clustered) or n-N-k (homoskedastic) df.
    constant, constant_se, constant_p : float
        Stata's ``_cons`` (mean of y minus mean of X times b) under the full
        transformation; NaN with a dropped period, which has no constant.
    n_obs, n_entities : int
        Observations and entities of the panel (all periods).
    r2_within : float
        1 - SSR / (sum of squared transformed y).
    f_stat : float
        Joint test of all slopes but the year dummies: Wald / k for clustered errors,
        the usual F for homoskedastic ones.
    f_df : tuple of int
    ssr : float
    cov : str
        ``clustered by <entity>`` or ``homoskedastic``.
    """

    thresholds: list[float]
    terms: list[str]
    coef: np.ndarray
    se: np.ndarray
    p_values: np.ndarray
    constant: float
    constant_se: float
    constant_p: float
    n_obs: int
    n_entities: int
    r2_within: float
    f_stat: float
    f_df: tuple[int, int]
    ssr: float
    cov: str


def _format(value: float) -> str:
    return f"{value:.6g}"


def regime_labels(
    regressor: str, variable: str, thresholds: Sequence[float], lower_regime: str
) -> list[str]:
    """Term names of one regressor in each regime, e.g. ``c1 x 1(d1<=0.0157)``."""
    low, high = ("<=", ">") if lower_regime == "<=" else ("<", ">=")
    inner = "<" if lower_regime == "<=" else "<="
    cuts = [_format(g) for g in thresholds]
    labels = [f"{regressor} x 1({variable}{low}{cuts[0]})"]
    for a, b in zip(cuts[:-1], cuts[1:]):
        labels.append(f"{regressor} x 1({a}{inner}{variable}{low}{b})")
    labels.append(f"{regressor} x 1({variable}{high}{cuts[-1]})")
    return labels


def fit_regime_model(problem: ThresholdProblem, prefixes: Sequence[int]) -> RegimeModel:
    """Fit the model with thresholds at these lower-regime sizes (in q order).

    Parameters
    ----------
    problem : ThresholdProblem
    prefixes : sequence of int
        From ``ThresholdEstimates.model_prefixes(k)``.

    Returns
    -------
    RegimeModel
    """
    panel, settings, transform = problem.panel, problem.settings, problem.transform
    prefixes = sorted(int(p) for p in prefixes)
    thresholds = [problem.candidates.value_of(p) for p in prefixes]
    regime_index = np.searchsorted(prefixes, problem.rank, side="right")

    regime_columns, terms = [], []
    for j, name in enumerate(panel.names["regime"]):
        labels = regime_labels(name, panel.names["threshold"], thresholds, settings.lower_regime)
        for r, label in enumerate(labels):
            regime_columns.append(panel.regime[:, j] * (regime_index == r))
            terms.append(label)
    columns = regime_columns + [panel.controls]
    terms += panel.names["controls"]
    listed = len(terms)
    if settings.year_effects:
        columns.append(year_dummies(panel)[0])
    raw = np.column_stack(columns)

    design = transform.apply(raw)
    outcome = problem.y
    with_constant = settings.within == "full"
    if with_constant:
        # Stata's xtreg, fe: add back the grand means and estimate a constant.
        design = design + raw.mean(axis=0)
        outcome = outcome + panel.y.mean()
        design = np.column_stack([design, np.ones(len(design))])
    bread = np.linalg.inv(design.T @ design)
    coef = bread @ (design.T @ outcome)
    resid = outcome - design @ coef
    ssr = float(resid @ resid)
    n, k_slopes = panel.n_obs, raw.shape[1]
    entities = panel.n_entities
    if settings.cluster == "entity":
        scores = (design * resid[:, None]).reshape(entities, -1, design.shape[1]).sum(axis=1)
        factor = entities / (entities - 1) * (n - 1) / (n - k_slopes - 1)
        cov = factor * bread @ (scores.T @ scores) @ bread
        df_t = entities - 1
        cov_name = f"clustered by {panel.names['entity']}"
    else:
        df_t = entities * (panel.n_periods - 1) - k_slopes
        cov = ssr / df_t * bread
        cov_name = "homoskedastic"
    se = np.sqrt(np.diag(cov))
    p_values = 2 * stats.t.sf(np.abs(coef / se), df_t)

    total = float(problem.y @ problem.y)
    r2 = 1.0 - ssr / total
    tested = slice(0, listed)
    if settings.cluster == "entity":
        b = coef[tested]
        f_stat = float(b @ np.linalg.solve(cov[tested, tested], b) / listed)
        f_df = (listed, df_t)
    else:
        restricted = problem.y
        if raw.shape[1] > listed:
            dummies = transform.apply(raw[:, listed:])
            fitted = dummies @ np.linalg.lstsq(dummies, problem.y, rcond=None)[0]
            restricted = problem.y - fitted
        ssr_r = float(restricted @ restricted)
        f_stat = float(((ssr_r - ssr) / listed) / (ssr / df_t))
        f_df = (listed, df_t)

    nan = float("nan")
    return RegimeModel(
        thresholds=thresholds,
        terms=terms,
        coef=coef[:listed],
        se=se[:listed],
        p_values=p_values[:listed],
        constant=float(coef[-1]) if with_constant else nan,
        constant_se=float(se[-1]) if with_constant else nan,
        constant_p=float(p_values[-1]) if with_constant else nan,
        n_obs=n,
        n_entities=entities,
        r2_within=r2,
        f_stat=f_stat,
        f_df=f_df,
        ssr=ssr,
        cov=cov_name,
    )
