"""Two-way fixed effects as Stata's ``xtreg y x i.year, fe`` fits them; Hausman test.

The model is y_it = a + x_it'b + mu_i + delta_t + e_it. Province effects are removed by
the within transformation (linearmodels ``PanelOLS(entity_effects=True)``, which adds
the grand means back so that a constant ``_cons`` is estimated as in Stata), and the year
effects are dummies for every year but the first. With the year effects as dummies
rather than a second absorbed effect, every convention below equals Stata's:

* ``_cons`` = mean(y) - mean(x)'b - mean(year dummies)'delta, i.e. the
  observation-weighted mean of the province intercepts of the first year.
* Standard errors, setting ``cov_type``:

  - ``clustered`` (default): clustered by province, scaled by
    G/(G-1) * (N-1)/(N-K), with G provinces, N observations and K the regressors
    including ``_cons`` and the year dummies but not the province effects (nested in
    the clusters). This is Stata's ``xtreg, fe vce(robust)`` / ``vce(cluster province)``;
    t-tests use G-1 degrees of freedom, as Stata does.
  - ``robust``: White's heteroskedasticity-robust estimator scaled by N/(N-K-G+1),
    i.e. HC1 of the dummy-variable regression (Stata's ``areg, vce(robust)``
    convention); t-tests with N-K-G+1 degrees of freedom. Not clustered, so not valid
    under serial correlation within a province.
  - ``unadjusted``: s^2 (X'X)^-1 with s^2 = RSS/(N-K-G+1), as ``xtreg, fe``.

* ``R2`` is Stata's within R-squared: 1 - RSS / sum (y_it - mean_i y)^2, so the year
  dummies count as regressors. ``R2_inclusive`` is the R-squared of the dummy-variable
  regression, i.e. including both effects.
* ``F`` is the Wald test that every coefficient but ``_cons`` (year dummies included)
  is 0, divided by their number q, with (q, G-1) degrees of freedom when clustered and
  (q, N-K-G+1) otherwise. With clustering and q > G-1 the clustered covariance has too
  low a rank to test them all, and F is left undefined (NaN).

Why the year effects are dummies: linearmodels with both effects absorbed
(``PanelOLS(entity_effects=True, time_effects=True)``, clustered, ``debiased=True``,
``group_debias=True``) counts every absorbed effect in the degrees of freedom, a factor
G/(G-1) * (N-1)/(N-K-G+1) that also counts the G-1 province effects Stata leaves out
(they are nested in the clusters), and reports ``_cons`` = mean(y) - mean(x)'b. With
one absorbed effect nested in the clusters it applies exactly Stata's factor.
tests/test_fe.py checks every convention above against a dummy-variable regression,
and the one-way fits against Stata 13 output that ships with linearmodels' tests
(``xtreg, fe`` with ``vce(conventional)``, ``vce(robust)`` and ``vce(cluster)``, on a
balanced and two unbalanced panels).

A regressor that the effects explain completely (one constant within provinces, or one
equal for all provinces within each year) has no coefficient. ``absorbed="error"``
raises :class:`AbsorbedRegressor` naming it; ``absorbed="drop"`` drops it with a logged
warning and lists it in :attr:`FEResult.absorbed`. A regressor that is a linear
combination of the regressors listed before it and the effects has no coefficient of its
own either: ``absorbed="error"`` raises :class:`CollinearRegressors` naming it and the
regressors it depends on, ``"drop"`` drops it the same way (as Stata omits it).
"""

from __future__ import annotations

import logging
import time as clock
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from linearmodels import PanelOLS, RandomEffects
from scipy import stats

from panelstudy.errors import require_columns, require_panel_keys, require_unique_rows

__all__ = [
    "ABSORBED_ACTIONS",
    "CONSTANT",
    "COV_TYPES",
    "HAUSMAN_COMPARE",
    "HAUSMAN_VARIANCE",
    "AbsorbedRegressor",
    "CollinearRegressors",
    "FEResult",
    "HausmanResult",
    "absorbed_by_effects",
    "collinear_regressors",
    "fit_fe",
    "hausman",
    "hausman_statistic",
    "model_frame",
    "remove_effects",
    "wald_test",
]

logger = logging.getLogger(__name__)

COV_TYPES = ("clustered", "robust", "unadjusted")
ABSORBED_ACTIONS = ("error", "drop")
HAUSMAN_COMPARE = ("regressors", "all")
HAUSMAN_VARIANCE = ("common", "separate")
CONSTANT = "_cons"

# A regressor is absorbed when what the effects leave of it is below this share of its
# variation around its mean (removing the effects is exact up to rounding).
_ABSORBED_TOL = 1e-8


class AbsorbedRegressor(ValueError):
    """Regressors explained completely by the province and year effects."""

    def __init__(self, names: Sequence[str]):
        self.names = tuple(names)
        super().__init__(
            f"the province and year effects absorb {', '.join(self.names)}: they vary "
            "only across provinces or only across years, so they have no coefficient. "
            "Remove them from the model, or set absorbed: drop to drop them with a "
            "warning"
        )


class CollinearRegressors(ValueError):
    """Regressors that are linear combinations of earlier regressors and the effects."""

    def __init__(self, names: Sequence[str], earlier: Sequence[str]):
        self.names = tuple(names)
        listed = ", ".join(earlier) or "no other regressor"
        super().__init__(
            f"{', '.join(self.names)}: a linear combination of {listed} and the "
            "province and year effects, so without a coefficient of its own. Remove it "
            "from the model, or set absorbed: drop to drop it with a warning"
        )


@dataclass(frozen=True)
class FEResult:
    """A two-way fixed-effects fit.

    Attributes
    ----------
    outcome : str
        The dependent variable.
    terms : tuple of str
        The regressors kept, in the order given, then ``_cons``: the rows a table shows.
    params, std_errors, pvalues : pandas.Series
        Every coefficient, including the year dummies (named ``<time>=<value>``).
    cov : pandas.DataFrame
        Covariance of ``params`` (convention of ``cov_type``).
    nobs, entities, periods : int
        Observations, provinces and years in the estimation sample.
    df_resid : int
        N - K - G + 1, the residual degrees of freedom of the dummy-variable regression.
    inference_df : int
        Degrees of freedom of the t-tests: G - 1 when clustered, else ``df_resid``.
    r2_within, r2_inclusive : float
        Within R-squared (year dummies counted) and R-squared including the effects.
    f_stat : float
        Wald F that all coefficients but ``_cons`` are 0.
    f_df : tuple of int
        Its (numerator, denominator) degrees of freedom.
    f_pvalue : float
    s2 : float
        Residual variance RSS / ``df_resid``.
    absorbed : tuple of str
        Regressors dropped because the effects absorb them, or because they are linear
        combinations of the regressors before them and the effects.
    cov_type : str
    """

    outcome: str
    terms: tuple[str, ...]
    params: pd.Series
    std_errors: pd.Series
    pvalues: pd.Series
    cov: pd.DataFrame
    nobs: int
    entities: int
    periods: int
    df_resid: int
    inference_df: int
    r2_within: float
    r2_inclusive: float
    f_stat: float
    f_df: tuple[int, int]
    f_pvalue: float
    s2: float
    absorbed: tuple[str, ...]
    cov_type: str


@dataclass(frozen=True)
class HausmanResult:
    """Hausman test of fixed against random effects.

    Attributes
    ----------
    statistic : float
        (b_FE - b_RE)' (V_FE - V_RE)^-1 (b_FE - b_RE), chi-squared under the null that
        the random-effects estimator is consistent.
    df : int
        Degrees of freedom: the number of compared coefficients, or the number of
        positive eigenvalues of V_FE - V_RE when it is not positive definite.
    p_value : float
    positive_definite : bool
        Whether V_FE - V_RE is positive definite. If not, the statistic is computed
        on the subspace of its positive eigenvalues (a generalized inverse) and
        ``note`` says whether it was singular or had negative eigenvalues.
    min_eigenvalue : float
        Smallest eigenvalue of V_FE - V_RE.
    terms : tuple of str
        The compared coefficients.
    note : str
        Empty, or what was done because the difference was not positive definite.
    """

    statistic: float
    df: int
    p_value: float
    positive_definite: bool
    min_eigenvalue: float
    terms: tuple[str, ...]
    note: str


def _check_choice(name: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


def model_frame(
    data: pd.DataFrame,
    columns: Sequence[str],
    *,
    entity: str = "province",
    time: str = "year",
    needed_for: str = "the model",
) -> pd.DataFrame:
    """Complete rows of ``entity``, ``time`` and ``columns``, sorted by entity and time.

    Rows with a missing or infinite value in any of ``columns`` are dropped and the
    count per variable is logged.

    Raises
    ------
    MissingVariable
        If ``data`` lacks one of the columns.
    ValueError
        If ``entity`` and ``time`` are not usable panel keys (index levels, swapped,
        a time column without integer periods; see
        :func:`~panelstudy.errors.require_panel_keys`), an entity has two rows for one
        time, or no complete row is left.
    """
    columns = list(dict.fromkeys(columns))
    require_panel_keys(data, entity, time, needed_for)
    require_columns([entity, time, *columns], data.columns, needed_for)
    frame = data[[entity, time, *columns]].copy()
    values = frame[columns].apply(pd.to_numeric, errors="raise").astype(float)
    frame[columns] = values
    bad = ~np.isfinite(values.to_numpy())
    if bad.any():
        counts = {c: int(n) for c, n in zip(columns, bad.sum(axis=0)) if n}
        logger.info(
            "%s: dropped %d of %d rows with a missing value %s",
            needed_for,
            int(bad.any(axis=1).sum()),
            len(frame),
            counts,
        )
        frame = frame.loc[~bad.any(axis=1)]
    if frame.empty:
        raise ValueError(f"{needed_for}: no row has all of {columns}")
    require_unique_rows(frame, entity, time, needed_for)
    return frame.sort_values([entity, time]).reset_index(drop=True)


def _demean(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    counts = np.bincount(codes)
    means = np.column_stack(
        [np.bincount(codes, weights=column) / counts for column in values.T]
    )
    return values - means[codes]


def remove_effects(
    values: np.ndarray,
    entity_codes: np.ndarray,
    time_codes: np.ndarray,
    *,
    entity_effects: bool = True,
    year_effects: bool = True,
    tolerance: float = 1e-13,
    max_sweeps: int = 100_000,
) -> np.ndarray:
    """Residuals of each column of ``values`` on province and year dummies (those on).

    One effect is removed by subtracting group means; both by alternating the two until
    a sweep changes the result by less than ``tolerance`` times its norm (one sweep in a
    balanced panel). With neither, the column means are removed (the constant).

    Parameters
    ----------
    values : ndarray, shape (n, k)
    entity_codes, time_codes : ndarray of int, shape (n,)
        Codes 0 .. groups-1.

    Raises
    ------
    RuntimeError
        If the alternating projections do not converge in ``max_sweeps``.
    """
    values = np.asarray(values, dtype=float)
    if not (entity_effects or year_effects):
        return values - values.mean(axis=0)
    if not year_effects:
        return _demean(values, entity_codes)
    if not entity_effects:
        return _demean(values, time_codes)
    current = _demean(values, entity_codes)
    scale = max(float(np.linalg.norm(values)), np.finfo(float).tiny)
    for _ in range(max_sweeps):
        swept = _demean(_demean(current, time_codes), entity_codes)
        change = float(np.linalg.norm(swept - current))
        current = swept
        if change <= tolerance * scale:
            return current
    raise RuntimeError(
        f"removing the province and year effects did not converge in {max_sweeps} sweeps"
    )


def _without_effects(
    frame: pd.DataFrame, columns: Sequence[str], entity: str, time: str, **effects: bool
) -> np.ndarray:
    """``columns`` of ``frame`` with the effects switched on in ``effects`` removed."""
    return remove_effects(
        frame[list(columns)].to_numpy(dtype=float),
        pd.factorize(frame[entity])[0],
        pd.factorize(frame[time])[0],
        **effects,
    )


def absorbed_by_effects(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    entity: str = "province",
    time: str = "year",
    entity_effects: bool = True,
    year_effects: bool = True,
) -> list[str]:
    """The columns that the province and year dummies (those switched on) explain.

    A column is absorbed when what the effects leave of it is below 1e-8 of its
    variation around its mean (or it is constant).
    """
    if not columns:
        return []
    values = frame[list(columns)].to_numpy(dtype=float)
    left = np.linalg.norm(
        _without_effects(frame, columns, entity, time, entity_effects=entity_effects,
                         year_effects=year_effects),
        axis=0,
    )
    spread = np.linalg.norm(values - values.mean(axis=0), axis=0)
    return [
        name
        for name, rest, spread_ in zip(columns, left, spread)
        if spread_ == 0 or rest <= _ABSORBED_TOL * spread_
    ]


def collinear_regressors(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    entity: str = "province",
    time: str = "year",
    entity_effects: bool = True,
    year_effects: bool = True,
) -> list[str]:
    """Columns that are linear combinations of the columns before them and the effects.

    Each column, with the effects removed, is projected on the earlier independent
    columns (with the effects removed); it is collinear when what is left is below 1e-8
    of its norm. Columns the effects absorb alone belong to :func:`absorbed_by_effects`
    and should be left out before this check.
    """
    if not columns:
        return []
    within = _without_effects(
        frame, columns, entity, time, entity_effects=entity_effects,
        year_effects=year_effects,
    )
    basis = np.empty((within.shape[0], 0))
    collinear = []
    for name, column in zip(columns, within.T):
        rest = column.copy()
        for _ in range(2):  # twice, so that rounding leaves no part along the basis
            rest -= basis @ (basis.T @ rest)
        size = np.linalg.norm(column)
        if size == 0 or np.linalg.norm(rest) <= _ABSORBED_TOL * size:
            collinear.append(name)
        else:
            basis = np.column_stack([basis, rest / np.linalg.norm(rest)])
    return collinear


def _design(
    frame: pd.DataFrame,
    outcome: str,
    regressors: Sequence[str],
    entity: str,
    time: str,
    year_effects: bool = True,
) -> tuple[pd.Series, pd.DataFrame, list[str]]:
    indexed = frame.set_index([entity, time])
    periods = pd.get_dummies(indexed.index.get_level_values(time), dtype=float)
    if not year_effects:
        periods = periods.iloc[:, :1]
    period_names = [f"{time}={value}" for value in periods.columns[1:]]
    exog = pd.DataFrame(
        periods.to_numpy()[:, 1:], index=indexed.index, columns=period_names
    )
    exog.insert(0, CONSTANT, 1.0)
    for position, name in enumerate(regressors):
        exog.insert(position, name, indexed[name].to_numpy(dtype=float))
    return indexed[outcome], exog, period_names


def _cov_options(cov_type: str) -> dict:
    if cov_type == "clustered":
        return {"cov_type": "clustered", "cluster_entity": True, "group_debias": True}
    return {"cov_type": cov_type}


def wald_test(
    params: pd.Series, cov: pd.DataFrame, restriction: np.ndarray, df_denom: int | None
) -> tuple[float, float]:
    """Wald test of R b = 0 as an F statistic W / q.

    Parameters
    ----------
    params : pandas.Series, shape (k,)
    cov : pandas.DataFrame, shape (k, k)
    restriction : ndarray, shape (q, k)
        The matrix R.
    df_denom : int or None
        Denominator degrees of freedom of the F distribution; None for W / q against
        chi-squared(q) / q.

    Returns
    -------
    F, p : float
    """
    rb = restriction @ params.to_numpy()
    middle = restriction @ cov.to_numpy() @ restriction.T
    q = restriction.shape[0]
    wald = float(rb @ np.linalg.solve(middle, rb))
    f_value = wald / q
    if df_denom is None:
        return f_value, float(stats.chi2.sf(wald, q))
    return f_value, float(stats.f.sf(f_value, q, df_denom))


def fit_fe(
    data: pd.DataFrame,
    outcome: str,
    regressors: Sequence[str],
    *,
    entity: str = "province",
    time: str = "year",
    cov_type: str = "clustered",
    absorbed: str = "error",
    entity_effects: bool = True,
    year_effects: bool = True,
) -> FEResult:
    """Fit y with province and year fixed effects (``xtreg, fe`` with ``i.year``).

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel with ``entity``, ``time``, ``outcome`` and the regressors; rows with
        a missing value in any of them are dropped (logged).
    outcome : str
    regressors : sequence of str
        At least one; ``_cons`` and the year dummies are added here.
    entity, time : str
        Column names of the province and year.
    cov_type : {"clustered", "robust", "unadjusted"}, default "clustered"
        Standard errors; see the module docstring for each convention.
    absorbed : {"error", "drop"}, default "error"
        What to do with regressors the effects absorb.
    entity_effects : bool, default True
        Province fixed effects. Without them the fit is pooled least squares (with year
        dummies if ``year_effects``), ``r2_within`` is its ordinary R-squared and the
        residual degrees of freedom are N - K.
    year_effects : bool, default True
        Year dummies (two-way effects); False fits province effects only
        (``xtreg, fe`` without ``i.year``).

    Returns
    -------
    FEResult

    Raises
    ------
    MissingVariable
        If ``data`` lacks a column the model needs.
    AbsorbedRegressor
        If the effects absorb a regressor and ``absorbed`` is ``"error"``.
    CollinearRegressors
        If a regressor is a linear combination of the regressors before it and the
        effects, and ``absorbed`` is ``"error"``.
    ValueError
        For an unknown setting, repeated names, or when no regressor is left.
    """
    _check_choice("cov_type", cov_type, COV_TYPES)
    _check_choice("absorbed", absorbed, ABSORBED_ACTIONS)
    regressors = list(regressors)
    if len(set(regressors)) != len(regressors) or outcome in regressors:
        raise ValueError(f"repeated names among outcome {outcome!r} and {regressors}")
    if not regressors:
        raise ValueError("the model needs at least one regressor")
    started = clock.perf_counter()
    frame = model_frame(
        data,
        [outcome, *regressors],
        entity=entity,
        time=time,
        needed_for=f"FE model of {outcome}",
    )

    dropped = absorbed_by_effects(
        frame,
        regressors,
        entity=entity,
        time=time,
        entity_effects=entity_effects,
        year_effects=year_effects,
    )
    if dropped and absorbed == "error":
        raise AbsorbedRegressor(dropped)
    if dropped:
        logger.warning(
            "FE model of %s: dropped %s, absorbed by the effects",
            outcome,
            ", ".join(dropped),
        )
        regressors = [r for r in regressors if r not in dropped]
        if not regressors:
            raise ValueError(
                f"the effects absorb every regressor of the model of {outcome}"
            )

    collinear = collinear_regressors(
        frame,
        regressors,
        entity=entity,
        time=time,
        entity_effects=entity_effects,
        year_effects=year_effects,
    )
    if collinear and absorbed == "error":
        last = max(regressors.index(name) for name in collinear)
        earlier = [r for r in regressors[:last] if r not in collinear]
        raise CollinearRegressors(collinear, earlier)
    if collinear:
        logger.warning(
            "FE model of %s: dropped %s, linear combinations of the regressors before "
            "them and the effects",
            outcome,
            ", ".join(collinear),
        )
        regressors = [r for r in regressors if r not in collinear]
        dropped = [*dropped, *collinear]

    dependent, exog, _ = _design(frame, outcome, regressors, entity, time, year_effects)
    result = PanelOLS(dependent, exog, entity_effects=entity_effects).fit(
        debiased=True, **_cov_options(cov_type)
    )

    entities = int(frame[entity].nunique())
    inference_df = entities - 1 if cov_type == "clustered" else int(result.df_resid)
    params = result.params
    std_errors = result.std_errors
    pvalues = pd.Series(
        2 * stats.t.sf(np.abs(params / std_errors), inference_df), index=params.index
    )

    tested = [name for name in params.index if name != CONSTANT]
    restriction = np.eye(len(params))[[params.index.get_loc(n) for n in tested]]
    if cov_type == "clustered" and len(tested) > entities - 1:
        f_stat, f_pvalue = float("nan"), float("nan")
        logger.info(
            "FE model of %s: F undefined, %d restrictions > %d clusters - 1",
            outcome,
            len(tested),
            entities,
        )
    else:
        f_stat, f_pvalue = wald_test(params, result.cov, restriction, inference_df)

    fit = FEResult(
        outcome=outcome,
        terms=(*regressors, CONSTANT),
        params=params,
        std_errors=std_errors,
        pvalues=pvalues,
        cov=result.cov,
        nobs=int(result.nobs),
        entities=entities,
        periods=int(frame[time].nunique()),
        df_resid=int(result.df_resid),
        inference_df=inference_df,
        r2_within=float(result.rsquared),
        r2_inclusive=float(result.rsquared_inclusive),
        f_stat=f_stat,
        f_df=(len(tested), inference_df),
        f_pvalue=f_pvalue,
        s2=float(result.resid_ss / result.df_resid),
        absorbed=tuple(dropped),
        cov_type=cov_type,
    )
    shown = ", ".join(regressors[:8]) + (
        f" and {len(regressors) - 8} more" if len(regressors) > 8 else ""
    )
    logger.info(
        "FE model of %s on %s: N=%d, %d %s, %d %s, within R2 %.3f, %s SE, %.2fs",
        outcome,
        shown,
        fit.nobs,
        entities,
        entity,
        fit.periods,
        time,
        fit.r2_within,
        cov_type,
        clock.perf_counter() - started,
    )
    return fit


def hausman_statistic(
    b_fe: np.ndarray, b_re: np.ndarray, v_fe: np.ndarray, v_re: np.ndarray
) -> tuple[float, int, float, bool, float, str]:
    """Hausman statistic from two coefficient vectors and their covariances.

    When V_FE - V_RE is not positive definite the statistic uses only the directions of
    its positive eigenvalues (a generalized inverse, df = their number) and the note
    says whether the matrix was singular or had negative eigenvalues.

    Returns
    -------
    statistic, df, p_value, positive_definite, min_eigenvalue, note
    """
    difference = np.asarray(b_fe, float) - np.asarray(b_re, float)
    v_diff = np.asarray(v_fe, float) - np.asarray(v_re, float)
    v_diff = (v_diff + v_diff.T) / 2
    eigenvalues, vectors = np.linalg.eigh(v_diff)
    tolerance = max(np.abs(eigenvalues).max(), np.finfo(float).tiny) * 1e-10
    positive = eigenvalues > tolerance
    projected = vectors[:, positive].T @ difference
    statistic = float(np.sum(projected**2 / eigenvalues[positive]))
    df = int(positive.sum())
    compared = len(difference)
    note = ""
    if (eigenvalues < -tolerance).any():
        note = (
            f"V_FE - V_RE has negative eigenvalues (down to {eigenvalues.min():.3g}), "
            f"so it is not a covariance; the statistic uses its {df} positive-eigenvalue "
            f"directions of {compared} compared coefficients and is unreliable"
        )
    elif df < compared:
        note = (
            f"V_FE - V_RE is singular (rank {df} of {compared}); the statistic and df "
            "use"
            "the directions with positive variance"
        )
    p_value = float(stats.chi2.sf(statistic, df)) if df > 0 else float("nan")
    return statistic, df, p_value, df == compared, float(eigenvalues.min()), note


def hausman(
    data: pd.DataFrame,
    outcome: str,
    regressors: Sequence[str],
    *,
    entity: str = "province",
    time: str = "year",
    compare: str = "regressors",
    variance: str = "common",
    year_effects: bool = True,
) -> HausmanResult:
    """Hausman test of province fixed against random effects, year dummies in both.

    Random effects are linearmodels' Swamy-Arora estimator; both covariances are the
    unadjusted (non-robust) ones the test assumes.

    Parameters
    ----------
    data : pandas.DataFrame
    outcome : str
    regressors : sequence of str
    entity, time : str
    compare : {"regressors", "all"}, default "regressors"
        ``regressors`` compares the named regressors; ``all`` also the year dummies
        (as Stata's ``hausman`` after ``xtreg ... i.year`` does). In a balanced panel
        the two estimators give the year dummies the same estimate, which adds no
        information and makes V_FE - V_RE singular.
    variance : {"common", "separate"}, default "common"
        ``common`` scales V_FE to the random-effects residual variance so that both use
        one error variance (Stata's ``sigmamore``), which keeps V_FE - V_RE positive
        semi-definite; ``separate`` uses each model's own (Stata's default), where the
        difference is often not positive definite.
    year_effects : bool, default True
        Year dummies in both models.

    Returns
    -------
    HausmanResult
    """
    _check_choice("compare", compare, HAUSMAN_COMPARE)
    _check_choice("variance", variance, HAUSMAN_VARIANCE)
    fixed = fit_fe(
        data,
        outcome,
        regressors,
        entity=entity,
        time=time,
        cov_type="unadjusted",
        year_effects=year_effects,
    )
    frame = model_frame(
        data,
        [outcome, *regressors],
        entity=entity,
        time=time,
        needed_for=f"RE model of {outcome}",
    )
    dependent, exog, period_names = _design(
        frame, outcome, list(regressors), entity, time, year_effects
    )
    random = RandomEffects(dependent, exog).fit(cov_type="unadjusted", debiased=True)

    terms = list(regressors) + (period_names if compare == "all" else [])
    v_fe = fixed.cov.loc[terms, terms].to_numpy()
    if variance == "common":
        v_fe = v_fe * float(random.s2) / fixed.s2
    statistic, df, p_value, positive_definite, min_eig, note = hausman_statistic(
        fixed.params[terms].to_numpy(),
        random.params[terms].to_numpy(),
        v_fe,
        random.cov.loc[terms, terms].to_numpy(),
    )
    if note:
        logger.warning("Hausman test for %s: %s", outcome, note)
    logger.info(
        "Hausman test for %s (%s variance, %s): chi2(%d) = %.3f, p = %.4f",
        outcome,
        variance,
        compare,
        df,
        statistic,
        p_value,
    )
    return HausmanResult(
        statistic, df, p_value, positive_definite, min_eig, tuple(terms), note
    )
