"""The study's regression and summary tables (2, 3, 4, 5 and 8) as tidy frames.

Every builder takes the analysis panel and a :class:`ModelSpec` and returns a
:class:`BuiltTable`: the tidy frame (``table, column, label, term, stat, value, stars``),
a title, and notes that state the conventions used. A model row block is, per column:
``coef`` (with stars from the t-test) and ``se`` for each regressor and ``_cons``, then
``N``, ``groups`` (provinces), ``R2`` (within R-squared, year dummies counted, as
Stata's ``xtreg, fe`` reports it), ``R2_inclusive`` (including the effects) and ``F``
(Wald test of all coefficients but ``_cons``).

Table 3 carries the Hausman test as three extra rows per column (term ``Hausman``,
stats ``chi2``, ``df``, ``p``) rather than a separate table, so that each model and its
test stay together. Table 5 adds one column per grouping with the equality tests.

Where the data lack a variable a model needs, :class:`MissingVariable` names it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from panelstudy.errors import MissingVariable, require_columns
from panelstudy.fe import COV_TYPES, FEResult, hausman, model_frame
from panelstudy.heterogeneity import (
    DEFAULT_PERMUTATIONS,
    DEFAULT_SEED,
    equality_test,
    group_labels,
)
from panelstudy.modelspec import ModelSpec
from panelstudy.tables import stars_for, tidy
from panelstudy.winsorize import continuous_columns, winsorize

__all__ = [
    "CENTERING",
    "DEFAULT_BOUNDS",
    "BuiltTable",
    "MissingVariable",
    "ModelSpec",
    "Variant",
    "VariantSpecError",
    "baseline_table",
    "descriptives_table",
    "heterogeneity_table",
    "implausible_values",
    "lagged",
    "model_rows",
    "moderation_table",
    "parse_variants",
    "robustness_table",
]

logger = logging.getLogger(__name__)

CENTERING = ("raw", "mean")

# Plausible ranges (inclusive) of the study's variables in the units of the derived
# variables (shares of GDP as fractions, R&D / GDP in percent). None leaves a side open.
DEFAULT_BOUNDS: dict[str, tuple[float | None, float | None]] = {
    "INE": (0.0, 1.0),
    "AI": (0.0, None),
    "AE": (0.0, None),
    "GS": (0.0, 1.0),
    "FJ": (0.0, None),
    "JT": (0.0, None),
    "RD": (0.0, 10.0),
    "CY": (0.0, 1.0),
    "IPP": (0.0, 1.0),
}

_COV_NOTES = {
    "clustered": (
        "Standard errors clustered by {entity} with Stata's xtreg, fe vce(cluster) "
        "factor G/(G-1)*(N-1)/(N-K); t-tests with G-1 degrees of freedom."
    ),
    "robust": (
        "Heteroskedasticity-robust (HC1 of the dummy-variable regression) standard "
        "errors, not clustered."
    ),
    "unadjusted": "Conventional (homoskedastic) standard errors.",
}


@dataclass(frozen=True)
class BuiltTable:
    """A built table: ``frame`` in the tidy layout, ``title`` and ``notes`` (Markdown)."""

    frame: pd.DataFrame
    title: str
    notes: list[str]


class VariantSpecError(ValueError):
    """A malformed robustness variant; the message names the variant and the key."""


@dataclass(frozen=True)
class Variant:
    """One robustness column: what differs from the baseline with controls.

    Config format (every key optional)::

        label: "AI lagged one year"   # column label; made from the other keys if absent
        outcome: INE2                 # another outcome column
        core: AI_alt                  # another core column, or {variable: AI, lag: 1}
        controls: [AE, GS]            # replaces the controls ([] for none)
        cluster: robust               # clustered | robust | unadjusted
        years: [2015, 2022]           # first and last year, clipped to the data
        winsorize: true               # or [0.05, 0.95]; true means [0.01, 0.99]
    """

    label: str | None = None
    outcome: str | None = None
    core: str | None = None
    core_lag: int = 0
    controls: tuple[str, ...] | None = None
    cluster: str | None = None
    years: tuple[int, int] | None = None
    winsorize: tuple[float, float] | None = None


_VARIANT_KEYS = (
    "label",
    "outcome",
    "core",
    "controls",
    "cluster",
    "years",
    "winsorize",
)


def parse_variants(
    config: Sequence[Mapping], default_winsorize: tuple[float, float] = (0.01, 0.99)
) -> list[Variant]:
    """Validate robustness variants from the config (format in :class:`Variant`).

    Raises
    ------
    VariantSpecError
        Naming the variant (position and label) and the offending key.
    """
    variants = []
    for position, entry in enumerate(config, start=1):
        name = f"robustness variant {position}"
        if not isinstance(entry, Mapping):
            raise VariantSpecError(
                f"{name}: expected a mapping of settings, got {entry!r}"
            )
        if "label" in entry:
            name += f" ({entry['label']!r})"
        unknown = sorted(set(entry) - set(_VARIANT_KEYS))
        if unknown:
            raise VariantSpecError(
                f"{name}: unknown keys {unknown}; "
                f"allowed keys: {', '.join(_VARIANT_KEYS)}"
            )
        variants.append(_parse_variant(name, entry, default_winsorize))
    return variants


def _parse_variant(
    name: str, entry: Mapping, default_winsorize: tuple[float, float]
) -> Variant:
    def fail(key: str, expected: str) -> VariantSpecError:
        return VariantSpecError(f"{name}: {key} must be {expected}, got {entry[key]!r}")

    for key in ("label", "outcome"):
        if key in entry and not (isinstance(entry[key], str) and entry[key]):
            raise fail(key, "a non-empty string")
    core, lag = entry.get("core"), 0
    if isinstance(core, Mapping):
        extra = sorted(set(core) - {"variable", "lag"})
        lag = core.get("lag", 0)
        if extra or not (
            isinstance(lag, int) and not isinstance(lag, bool) and lag >= 1
        ):
            raise fail("core", "a column name or {variable: <column>, lag: <int >= 1>}")
        core = core.get("variable")
    if core is not None and not (isinstance(core, str) and core):
        raise fail("core", "a column name or {variable: <column>, lag: <int >= 1>}")
    controls = entry.get("controls")
    if controls is not None:
        if isinstance(controls, str) or not all(isinstance(c, str) for c in controls):
            raise fail("controls", "a list of column names")
        controls = tuple(controls)
    cluster = entry.get("cluster")
    if cluster is not None and cluster not in COV_TYPES:
        raise fail("cluster", f"one of {', '.join(COV_TYPES)}")
    years = entry.get("years")
    if years is not None:
        if not (
            len(years) == 2
            and all(isinstance(y, int) for y in years)
            and years[0] <= years[1]
        ):
            raise fail("years", "[first, last] with whole years, first <= last")
        years = (int(years[0]), int(years[1]))
    shares = entry.get("winsorize")
    if shares is True:
        shares = default_winsorize
    elif shares is False:
        shares = None
    elif shares is not None:
        if not (
            len(shares) == 2
            and all(isinstance(s, (int, float)) for s in shares)
            and 0 <= shares[0] < shares[1] <= 1
        ):
            raise fail(
                "winsorize",
                "true, false or [lower, upper] with 0 <= lower < upper <= 1",
            )
        shares = (float(shares[0]), float(shares[1]))
    return Variant(
        entry.get("label"),
        entry.get("outcome"),
        core,
        lag,
        controls,
        cluster,
        years,
        shares,
    )


def model_rows(fit: FEResult, table: int, column: int, label: str) -> list[dict]:
    """Tidy rows of one model column: coef/se per term, then N, groups, R2s and F."""
    base = {"table": table, "column": column, "label": label}
    rows = []
    for term in fit.terms:
        rows.append(
            {
                **base,
                "term": term,
                "stat": "coef",
                "value": float(fit.params[term]),
                "stars": stars_for(float(fit.pvalues[term])),
            }
        )
        rows.append(
            {
                **base,
                "term": term,
                "stat": "se",
                "value": float(fit.std_errors[term]),
                "stars": None,
            }
        )
    for stat, value in (
        ("N", fit.nobs),
        ("groups", fit.entities),
        ("R2", fit.r2_within),
        ("R2_inclusive", fit.r2_inclusive),
        ("F", fit.f_stat),
    ):
        rows.append(
            {**base, "term": "", "stat": stat, "value": float(value), "stars": None}
        )
    return rows


def _model_notes(spec: ModelSpec, fits: Sequence[FEResult]) -> list[str]:
    effects = [
        name
        for name, on in (
            (f"{spec.entity} fixed effects", spec.entity_effects),
            (f"{spec.time} dummies", spec.year_effects),
        )
        if on
    ]
    notes = [
        f"Models include {' and '.join(effects) or 'no fixed effects'}; "
        + _COV_NOTES[spec.cov_type].format(entity=spec.entity),
        "R2: within R-squared with the year dummies counted as regressors (Stata's "
        "xtreg, fe); R2_inclusive includes the effects. F: Wald test that all "
        "coefficients but _cons (year dummies included) are 0. Stars: 10/5/1%.",
    ]
    for fit in fits:
        if fit.absorbed:
            notes.append(
                f"Absorbed by the effects and dropped: {', '.join(fit.absorbed)}."
            )
    if any(np.isnan(fit.f_stat) for fit in fits):
        notes.append(
            "F is blank where it tests more coefficients than there are "
            f"{spec.entity}s less one (the clustered covariance has lower rank)."
        )
    return notes


def _require(
    data: pd.DataFrame, spec: ModelSpec, needed_for: str, extra: Sequence[str] = ()
) -> None:
    require_columns(
        [spec.entity, spec.time, spec.outcome, spec.core, *spec.controls, *extra],
        data.columns,
        needed_for,
    )


def descriptives_table(
    data: pd.DataFrame,
    variables: Sequence[str],
    *,
    table: int = 2,
    label: str = "descriptives",
) -> BuiltTable:
    """N, mean, standard deviation (n - 1), min and max of each variable present.

    Variables the data lack are skipped, logged and named in the notes.
    """
    present = [v for v in variables if v in data.columns]
    absent = [v for v in variables if v not in data.columns]
    rows = []
    for variable in present:
        values = pd.to_numeric(data[variable], errors="raise")
        values = values[np.isfinite(values)]
        for stat, value in (
            ("N", values.size),
            ("mean", values.mean()),
            ("sd", values.std(ddof=1)),
            ("min", values.min()),
            ("max", values.max()),
        ):
            rows.append(
                {
                    "table": table,
                    "column": 1,
                    "label": label,
                    "term": variable,
                    "stat": stat,
                    "value": float(value),
                    "stars": None,
                }
            )
    notes = ["sd: sample standard deviation (n - 1)."]
    if absent:
        logger.warning("descriptives: the data lack %s", ", ".join(absent))
        notes.append(f"Not in the data: {', '.join(absent)}.")
    return BuiltTable(tidy(rows), "Table 2. Descriptive statistics", notes)


def implausible_values(
    data: pd.DataFrame,
    bounds: Mapping[str, tuple[float | None, float | None]] | None = None,
    *,
    entity: str = "province",
    time: str = "year",
) -> pd.DataFrame:
    """Province-years whose value lies outside a plausible range, for the log.

    Parameters
    ----------
    data : pandas.DataFrame
    bounds : mapping, default :data:`DEFAULT_BOUNDS`
        variable -> (lowest, highest) plausible value, inclusive; None for no bound.
        Variables the data lack are not checked, and are named in one log line (a
        misspelt name would otherwise switch its check off unseen).
    entity, time : str

    Returns
    -------
    pandas.DataFrame
        ``entity, time, variable, value, rule``, one row per flagged value (infinite
        values are flagged too; missing ones are not).
    """
    bounds = DEFAULT_BOUNDS if bounds is None else bounds
    absent = [variable for variable in bounds if variable not in data.columns]
    if absent:
        logger.info("plausible ranges not checked, no such column: %s", absent)
    found = []
    for variable, (low, high) in bounds.items():
        if variable not in data.columns:
            continue
        values = pd.to_numeric(data[variable], errors="raise").astype(float)
        checks = [(np.isinf(values), "infinite")]
        if low is not None:
            checks.append((values < low, f"below {low:g}"))
        if high is not None:
            checks.append((values > high, f"above {high:g}"))
        for mask, rule in checks:
            hits = data.loc[mask.to_numpy(), [entity, time]].assign(
                variable=variable, value=values[mask].to_numpy(), rule=rule
            )
            found.append(hits)
    columns = [entity, time, "variable", "value", "rule"]
    flagged = (
        pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=columns)
    )
    for (variable, rule), hits in flagged.groupby(["variable", "rule"], sort=False):
        first = hits.iloc[0]
        logger.warning(
            "implausible %s %s: %d values from %g to %g, e.g. %s %s",
            variable,
            rule,
            len(hits),
            hits["value"].min(),
            hits["value"].max(),
            first[entity],
            first[time],
        )
    return flagged[columns]


def baseline_table(
    data: pd.DataFrame,
    spec: ModelSpec,
    *,
    hausman_test: bool = True,
    hausman_compare: str = "regressors",
    hausman_variance: str = "common",
    table: int = 3,
) -> BuiltTable:
    """Table 3: column 1 the core regressor alone, column 2 with the controls.

    The Hausman test of each column's fixed against random effects (year dummies in both)
    is three extra rows of that column: term ``Hausman``, stats ``chi2``, ``df``, ``p``.

    Parameters
    ----------
    data : pandas.DataFrame
    spec : ModelSpec
    hausman_test : bool, default True
    hausman_compare : {"regressors", "all"}, default "regressors"
    hausman_variance : {"common", "separate"}, default "common"
        See :func:`panelstudy.fe.hausman`.
    table : int, default 3
    """
    _require(data, spec, "the baseline table")
    columns = [
        ("baseline, no controls", [spec.core]),
        ("baseline, controls", [spec.core, *spec.controls]),
    ]
    rows, fits = [], []
    notes = []
    for column, (label, regressors) in enumerate(columns, start=1):
        fit = spec.fit(data, regressors)
        fits.append(fit)
        rows += model_rows(fit, table, column, label)
        if not hausman_test:
            continue
        test = hausman(
            data,
            spec.outcome,
            fit.terms[:-1],
            entity=spec.entity,
            time=spec.time,
            compare=hausman_compare,
            variance=hausman_variance,
            year_effects=spec.year_effects,
        )
        for stat, value in (
            ("chi2", test.statistic),
            ("df", test.df),
            ("p", test.p_value),
        ):
            rows.append(
                {
                    "table": table,
                    "column": column,
                    "label": label,
                    "term": "Hausman",
                    "stat": stat,
                    "value": float(value),
                    "stars": None,
                }
            )
        if test.note:
            notes.append(f"Hausman, column {column}: {test.note}.")
    if hausman_test:
        compared = {
            "regressors": "the regressors",
            "all": "the regressors and year dummies",
        }[hausman_compare]
        variance = {
            "common": "one error variance for both (Stata's sigmamore)",
            "separate": "each model's own variance",
        }[hausman_variance]
        notes.insert(
            0,
            f"Hausman: fixed vs random (Swamy-Arora) effects, year dummies "
            f"in both, comparing {compared}, {variance}.",
        )
    return BuiltTable(
        tidy(rows),
        f"Table {table}. Baseline two-way fixed effects",
        _model_notes(spec, fits) + notes,
    )


def lagged(
    data: pd.DataFrame,
    column: str,
    lag: int,
    *,
    entity: str = "province",
    time: str = "year",
) -> pd.Series:
    """``column`` of the same province ``lag`` years earlier (by calendar year, so a gap
    gives a missing value), aligned with ``data``."""
    earlier = data[[entity, time, column]].assign(**{time: data[time] + lag})
    merged = data[[entity, time]].merge(
        earlier, on=[entity, time], how="left", validate="one_to_one"
    )
    return pd.Series(
        merged[column].to_numpy(), index=data.index, name=f"L{lag}.{column}"
    )


def _variant_label(variant: Variant, core: str, years: tuple[int, int] | None) -> str:
    if variant.label:
        return variant.label
    parts = []
    if variant.outcome:
        parts.append(f"outcome {variant.outcome}")
    if variant.core or variant.core_lag:
        parts.append(f"core {core}")
    if variant.controls is not None:
        parts.append(f"controls {', '.join(variant.controls) or 'none'}")
    if variant.cluster:
        parts.append(f"{variant.cluster} SE")
    if years:
        parts.append(f"years {years[0]}-{years[1]}")
    if variant.winsorize:
        low, high = variant.winsorize
        parts.append(f"winsorized {low * 100:g}%/{high * 100:g}%")
    return "; ".join(parts) or "baseline, controls"


def _fit_variant(
    data: pd.DataFrame, spec: ModelSpec, variant: Variant, percentile_method: str
) -> tuple[FEResult, str]:
    outcome = variant.outcome or spec.outcome
    core = variant.core or spec.core
    controls = list(spec.controls if variant.controls is None else variant.controls)
    require_columns(
        [outcome, core, *controls],
        data.columns,
        f"robustness column {variant.label or ''}".strip(),
    )
    frame = data
    if variant.core_lag:
        lag = lagged(data, core, variant.core_lag, entity=spec.entity, time=spec.time)
        frame = data.assign(**{lag.name: lag})
        core = str(lag.name)

    years = None
    if variant.years:
        have = frame[spec.time]
        years = (
            max(variant.years[0], int(have.min())),
            min(variant.years[1], int(have.max())),
        )
        if years[0] > years[1]:
            raise ValueError(
                f"robustness years {variant.years} do not overlap the data's "
                f"{int(have.min())}-{int(have.max())}"
            )
        if years != variant.years:
            logger.info(
                "robustness years %s clipped to the data: %s", variant.years, years
            )
        frame = frame.loc[have.between(*years)]

    label = _variant_label(variant, core, years)
    sample = model_frame(
        frame,
        [outcome, core, *controls],
        entity=spec.entity,
        time=spec.time,
        needed_for=f"robustness column {label!r}",
    )
    if variant.winsorize:
        clipped = continuous_columns(sample, [outcome, core, *controls])
        sample, _ = winsorize(
            sample,
            clipped,
            lower=variant.winsorize[0],
            upper=variant.winsorize[1],
            method=percentile_method,
        )
    fit = spec.fit(sample, [core, *controls], outcome=outcome, cov_type=variant.cluster)
    return fit, label


def robustness_table(
    data: pd.DataFrame,
    spec: ModelSpec,
    *,
    winsorize: tuple[float, float] = (0.01, 0.99),
    subperiod: tuple[int, int] = (2013, 2019),
    variants: Sequence[Mapping | Variant] = (),
    percentile_method: str = "stata",
    table: int = 4,
) -> BuiltTable:
    """Table 4: winsorized, subperiod, then the user's variants, all with the controls.

    Parameters
    ----------
    data : pandas.DataFrame
    spec : ModelSpec
    winsorize : (float, float), default (0.01, 0.99)
        Column 1: every continuous model variable (outcome, core, controls) clipped at
        these pooled percentiles of the estimation sample.
    subperiod : (int, int), default (2013, 2019)
        Column 2: first and last year, clipped to the years the data have.
    variants : sequence of mappings or Variant
        Further columns; the config format is in :class:`Variant`.
    percentile_method : {"stata", "linear"}, default "stata"
        See :mod:`panelstudy.winsorize`.
    table : int, default 4
    """
    _require(data, spec, "the robustness table")
    parsed = [
        v if isinstance(v, Variant) else parse_variants([v], tuple(winsorize))[0]
        for v in variants
    ]
    low, high = winsorize
    columns = [
        Variant(
            label=f"winsorized {low * 100:g}%/{high * 100:g}%",
            winsorize=(float(low), float(high)),
        ),
        Variant(years=(int(subperiod[0]), int(subperiod[1]))),
        *parsed,
    ]
    rows, fits = [], []
    for column, variant in enumerate(columns, start=1):
        fit, label = _fit_variant(data, spec, variant, percentile_method)
        fits.append(fit)
        rows += model_rows(fit, table, column, label)
    notes = _model_notes(spec, fits) + [
        f"Winsorizing clips the outcome, core regressor and controls (those with more "
        f"than two values) at pooled percentiles of the estimation sample "
        f"({percentile_method} percentile definition)."
    ]
    return BuiltTable(tidy(rows), f"Table {table}. Robustness", notes)


def heterogeneity_table(
    data: pd.DataFrame,
    spec: ModelSpec,
    *,
    groupings: Sequence[str] = ("region", "ftz"),
    ftz_by_year: int = 2020,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
    wald_df: str = "smallest_group",
    table: int = 5,
) -> BuiltTable:
    """Table 5: one fit per group of each grouping, then one column per grouping with
    the tests that the core coefficient is equal across its groups.

    The test columns (label ``<core> equal across <grouping>``) hold, with term
    ``<core>``: ``F``, ``df`` (q), ``df_denom``, ``p`` of the Wald test on the pooled
    interaction model, and ``perm_p`` and ``permutations`` of the permutation test
    (see :mod:`panelstudy.heterogeneity`).

    Parameters
    ----------
    data : pandas.DataFrame
    spec : ModelSpec
    groupings : sequence of str, default ("region", "ftz")
        See :func:`panelstudy.heterogeneity.group_labels`.
    ftz_by_year : int, default 2020
    permutations : int, default 999
    seed : int, default 20221231
    wald_df : {"smallest_group", "clusters"}, default "smallest_group"
    table : int, default 5
    """
    _require(data, spec, "the heterogeneity table")
    regressors = [spec.core, *spec.controls]
    rows, fits, tests = [], [], []
    column = 0
    for grouping in groupings:
        labels, levels = group_labels(
            data, grouping, entity=spec.entity, ftz_by_year=ftz_by_year
        )
        for level in levels:
            column += 1
            fit = spec.fit(data.loc[labels == level], regressors)
            fits.append(fit)
            rows += model_rows(fit, table, column, level)
        tests.append(
            equality_test(
                data,
                spec,
                grouping,
                permutations=permutations,
                seed=seed,
                ftz_by_year=ftz_by_year,
                wald_df=wald_df,
            )
        )
    for test in tests:
        column += 1
        base = {
            "table": table,
            "column": column,
            "label": f"{spec.core} equal across {test.grouping}",
            "term": spec.core,
        }
        for stat, value in (
            ("F", test.wald_f),
            ("df", test.df_num),
            ("df_denom", test.df_denom),
            ("p", test.wald_p),
            ("perm_p", test.permutation_p),
            ("permutations", test.permutations),
        ):
            rows.append({**base, "stat": stat, "value": float(value), "stars": None})
    notes = _model_notes(spec, fits) + [
        f"Equality tests: Wald F on one model with {spec.core}, the controls and the "
        f"year dummies interacted with the group (denominator df: {wald_df}); "
        f"permutation test of the separate fits' Wald statistic with whole "
        f"{spec.entity}s' groups permuted ({permutations} replications, seed {seed}). "
        f"With about ten {spec.entity}s a group the clustered Wald test over-rejects "
        "when a few of them dominate; the permutation p-value keeps its size.",
        f"Free trade zone groups: a pilot zone set up by {ftz_by_year} or not.",
    ]
    return BuiltTable(tidy(rows), f"Table {table}. Heterogeneity", notes)


def moderation_table(
    data: pd.DataFrame,
    spec: ModelSpec,
    *,
    centering: str = "raw",
    table: int = 8,
) -> BuiltTable:
    """Table 8: core, core x moderator and moderator with the baseline's controls.

    Parameters
    ----------
    data : pandas.DataFrame
    spec : ModelSpec
        ``spec.moderator`` names the moderator column.
    centering : {"raw", "mean"}, default "raw"
        ``raw`` (the study): the product of the raw variables. ``mean``: the core
        regressor and the moderator minus their estimation-sample means, in the main
        effects and the product. It changes the main effects, not the interaction.
    table : int, default 8

    Raises
    ------
    MissingVariable
        If the data lack the moderator (or any other model variable).
    """
    if centering not in CENTERING:
        raise ValueError(
            f"centering must be one of {', '.join(CENTERING)}; got {centering!r}"
        )
    if not spec.moderator:
        raise ValueError(
            "the model roles name no moderator, so there is no moderation table"
        )
    moderator = spec.moderator
    _require(data, spec, "the moderation table", extra=[moderator])
    sample = model_frame(
        data,
        [spec.outcome, spec.core, moderator, *spec.controls],
        entity=spec.entity,
        time=spec.time,
        needed_for="the moderation table",
    )
    note = f"Product of raw {spec.core} and {moderator} (no centering)."
    if centering == "mean":
        means = sample[[spec.core, moderator]].mean()
        sample[[spec.core, moderator]] = sample[[spec.core, moderator]] - means
        note = (
            f"{spec.core} and {moderator} centred at their sample means "
            f"({means[spec.core]:.6g}, {means[moderator]:.6g}) before the product."
        )
    product = f"{spec.core} x {moderator}"
    sample[product] = sample[spec.core] * sample[moderator]

    fit = spec.fit(sample, [spec.core, product, moderator, *spec.controls])
    rows = model_rows(fit, table, 1, f"moderation by {moderator}")
    return BuiltTable(
        tidy(rows),
        f"Table {table}. Moderation by {moderator}",
        _model_notes(spec, [fit]) + [note],
    )
