"""Figures of a study, drawn without pyplot (no global state, Agg canvas) at one size.

Every figure is ``FIGURE_SIZE`` inches at ``DPI`` (1200 x 675 pixels as PNG) and is
written as PNG and PDF with fixed metadata, so a rerun on the same data writes the same
bytes. The data behind each figure is shaped in :mod:`panelstudy.figure_data`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from panelstudy.io import atomic_path

__all__ = [
    "DPI",
    "FIGURE_SIZE",
    "coefficient_figure",
    "coverage_figure",
    "index_figure",
    "lr_figure",
    "new_figure",
    "save_figure",
    "weights_figure",
]

FIGURE_SIZE = (8.0, 4.5)
DPI = 150
SIMULATED_BANNER = "SIMULATED DATA"

# Fixed settings so that output bytes depend on the data only.
_RC = {
    "svg.hashsalt": "panelstudy",
    "pdf.fonttype": 42,
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_PNG_METADATA = {"Software": None}
_PDF_METADATA = {
    "Creator": None,
    "Producer": None,
    "CreationDate": None,
    "ModDate": None,
}
_COLOURS = ["#1b6ca8", "#d1495b", "#66a182", "#edae49", "#5e548e", "#8d99ae"]


def _styled(draw: Callable[..., Figure]) -> Callable[..., Figure]:
    """Run a drawing function under the fixed settings, so every text gets them."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs) -> Figure:
        with mpl.rc_context(_RC):
            return draw(*args, **kwargs)

    return wrapper


def new_figure(title: str, simulated: bool = False, ncols: int = 1, nrows: int = 1):
    """A figure of the standard size with a grid of axes and a title.

    Returns
    -------
    figure : matplotlib.figure.Figure
    axes : ndarray of Axes, shape (nrows, ncols)
    """
    figure = Figure(figsize=FIGURE_SIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(nrows, ncols, squeeze=False)
    figure.suptitle(f"{SIMULATED_BANNER}: {title}" if simulated else title, fontsize=10)
    return figure, axes


def save_figure(figure: Figure, png: str | os.PathLike, pdf: str | os.PathLike) -> None:
    """Write ``figure`` as PNG (``DPI``) and PDF, each atomically, without timestamps."""
    with mpl.rc_context(_RC):
        with atomic_path(png) as tmp:
            figure.savefig(tmp, format="png", dpi=DPI, metadata=_PNG_METADATA)
        with atomic_path(pdf) as tmp:
            figure.savefig(tmp, format="pdf", metadata=_PDF_METADATA)


@_styled
def lr_figure(
    profiles: pd.DataFrame,
    critical: float,
    variable: str,
    confidence: float = 0.95,
    simulated: bool = False,
) -> Figure:
    """Hansen's (1999) figure: LR(g) of each step's threshold search, one panel a step.

    Parameters
    ----------
    profiles : pandas.DataFrame
        Rows of :func:`panelstudy.figure_data.lr_profiles`.
    critical : float
        c(confidence), drawn as a horizontal line; the interval of a search is where
        its curve lies on or below it.
    variable : str
        Threshold variable, for the axis label.
    """
    steps = sorted(profiles["step"].unique())
    figure, axes = new_figure(
        f"Likelihood ratio LR(g) of each threshold search ({variable})",
        simulated,
        ncols=len(steps),
    )
    for ax, step in zip(axes[0], steps):
        rows = profiles[(profiles["step"] == step) & profiles["admissible"]]
        for (search, searched), curve in rows.groupby(
            ["search", "searched"], sort=False
        ):
            new = search == "new"
            label = f"threshold {searched}" + (
                "" if new else f" refined, {curve['held'].iloc[0]} held"
            )
            ax.plot(
                curve["candidate"],
                curve["lr"],
                lw=1.2 if new else 0.9,
                ls="-" if new else "--",
                color=_COLOURS[(searched - 1) % len(_COLOURS)],
                label=label,
            )
            if new:
                best = curve.loc[curve["lr"].idxmin(), "candidate"]
                ax.axvline(best, color="0.6", lw=0.6, ls=":")
        ax.axhline(critical, color="black", lw=0.8)
        ax.annotate(
            f"{confidence:.0%} critical value {critical:.2f}",
            (0.02, critical),
            xycoords=("axes fraction", "data"),
            va="bottom",
            fontsize=7,
        )
        held = rows.loc[rows["search"] == "new", "held"].iloc[0]
        ax.set_title(f"step {step}" + (f" ({held} held)" if held else ""), loc="left")
        ax.set_xlabel(f"threshold g ({variable})")
        ax.legend(
            fontsize=6, loc="upper left", bbox_to_anchor=(0.0, -0.16), frameon=False
        )
    axes[0][0].set_ylabel("LR(g)")
    return figure


@_styled
def index_figure(
    means: pd.DataFrame,
    columns: Sequence[str],
    title: str,
    time: str = "year",
    simulated: bool = False,
) -> Figure:
    """Group means of the index and its dimensions over the years, one panel each.

    Parameters
    ----------
    means : pandas.DataFrame
        :func:`panelstudy.figure_data.group_means` output (``group``, ``provinces``).
    columns : sequence of str
        Index columns, one panel each (up to four: a 2 x 2 grid).
    """
    columns = list(columns)
    ncols = 1 if len(columns) == 1 else 2
    nrows = -(-len(columns) // ncols)
    figure, axes = new_figure(title, simulated, ncols=ncols, nrows=nrows)
    groups = list(dict.fromkeys(means["group"]))
    years = sorted(means[time].unique())
    for ax, column in zip(axes.flat, columns):
        for position, name in enumerate(groups):
            rows = means[means["group"] == name]
            ax.plot(
                rows[time],
                rows[column],
                marker="o",
                ms=2.5,
                lw=1.2,
                color=_COLOURS[position % len(_COLOURS)],
                label=f"{name} ({int(rows['provinces'].max())} provinces)",
            )
        ax.set_title(column, loc="left")
        ax.set_xticks(years[:: max(1, -(-len(years) // 6))])
        ax.set_ylabel("mean over provinces")
    for ax in axes.flat[len(columns) :]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    figure.legend(
        handles, labels, loc="outside lower center", ncols=len(groups), frameon=False
    )
    return figure


@_styled
def weights_figure(weights: pd.DataFrame, simulated: bool = False) -> Figure:
    """Entropy weights: one bar per indicator, grouped and coloured by dimension.

    Parameters
    ----------
    weights : pandas.DataFrame
        ``weights.csv``: indicator, dimension, weight (overall), weight_within_dimension,
        constant.
    """
    figure, axes = new_figure(
        "Entropy weights by indicator and dimension", simulated, ncols=2
    )
    dimensions = list(dict.fromkeys(weights["dimension"]))
    colour = {d: _COLOURS[i % len(_COLOURS)] for i, d in enumerate(dimensions)}
    ordered = weights.assign(
        _order=weights["dimension"].map({d: i for i, d in enumerate(dimensions)})
    ).sort_values(["_order"], kind="stable")
    positions = np.arange(len(ordered))[::-1]
    overall, within = axes[0]
    for ax, column, label in (
        (overall, "weight", "overall weight"),
        (within, "weight_within_dimension", "weight within its dimension"),
    ):
        ax.barh(
            positions, ordered[column], color=[colour[d] for d in ordered["dimension"]]
        )
        for y, value in zip(positions, ordered[column]):
            ax.annotate(
                f"{value:.3f}",
                (value, y),
                xytext=(2, 0),
                textcoords="offset points",
                va="center",
                fontsize=6,
            )
        ax.set_xlabel(label)
        ax.set_yticks(
            positions,
            [
                f"{name}{' (constant)' if flag else ''}"
                for name, flag in zip(
                    ordered["indicator"], ordered["constant"].astype(bool)
                )
            ],
            fontsize=7,
        )
        ax.margins(x=0.15)
    totals = ordered.groupby("dimension", sort=False)["weight"].sum()
    handles = [
        Patch(color=colour[d], label=f"{d}: {totals[d]:.3f}") for d in dimensions
    ]
    figure.legend(
        handles=handles,
        title="dimension: total weight",
        loc="outside lower center",
        ncols=len(handles),
        frameon=False,
    )
    within.set_yticklabels([])
    return figure


@_styled
def coefficient_figure(
    coefficients: pd.DataFrame,
    term: str,
    confidence: float = 0.95,
    reference: tuple[str, float] | None = None,
    simulated: bool = False,
) -> Figure:
    """Coefficient plot: one point and interval per fit (e.g. per group of Table 5).

    Parameters
    ----------
    coefficients : pandas.DataFrame
        :func:`panelstudy.figure_data.group_coefficients` output.
    reference : (label, value), optional
        A vertical reference line, e.g. the full-sample estimate.
    """
    figure, axes = new_figure(
        f"{term}: coefficient by group with {confidence:.0%} confidence intervals",
        simulated,
    )
    ax = axes[0][0]
    positions = np.arange(len(coefficients))[::-1]
    ax.errorbar(
        coefficients["coef"],
        positions,
        xerr=[
            coefficients["coef"] - coefficients["low"],
            coefficients["high"] - coefficients["coef"],
        ],
        fmt="o",
        color=_COLOURS[0],
        ecolor=_COLOURS[0],
        capsize=3,
        ms=4,
        lw=1.2,
    )
    labels = [
        f"({c}) {label}" + (f"  [{int(g)} provinces]" if pd.notna(g) else "")
        for c, label, g in zip(
            coefficients["column"], coefficients["label"], coefficients["groups"]
        )
    ]
    ax.set_yticks(positions, labels)
    ax.axvline(0.0, color="0.5", lw=0.8)
    if reference is not None:
        name, value = reference
        ax.axvline(
            value, color=_COLOURS[1], lw=0.9, ls="--", label=f"{name}: {value:.3f}"
        )
        figure.legend(loc="outside lower center", frameon=False)
    ax.set_xlabel(f"coefficient of {term}")
    return figure


@_styled
def coverage_figure(coverage: pd.DataFrame, simulated: bool = False) -> Figure:
    """Coverage of every variable in every year: observed, filled or missing cells.

    A cell is green where every province was observed, amber where some values were
    filled (interpolated) and none is missing, red where some are missing; the number
    printed is filled + missing.
    """
    figure, axes = new_figure("Data coverage: variable by year", simulated)
    ax = axes[0][0]
    frame = coverage.dropna(subset=["year"]).astype({"year": int})
    variables = list(dict.fromkeys(frame["variable"]))
    years = sorted(frame["year"].unique())
    state = np.zeros((len(variables), len(years)))
    counts = np.zeros_like(state)
    row = {v: i for i, v in enumerate(variables)}
    column = {y: j for j, y in enumerate(years)}
    for record in frame.itertuples():
        i, j = row[record.variable], column[record.year]
        state[i, j] = 2 if record.missing > 0 else (1 if record.filled > 0 else 0)
        counts[i, j] = record.filled + record.missing
    ax.imshow(
        state,
        aspect="auto",
        vmin=0,
        vmax=2,
        interpolation="nearest",
        cmap=ListedColormap(["#cfe8cf", "#f6d58e", "#e79a9a"]),
    )
    for (i, j), value in np.ndenumerate(counts):
        if value:
            ax.text(j, i, f"{int(value)}", ha="center", va="center", fontsize=5)
    ax.set_xticks(range(len(years)), years, fontsize=7)
    ax.set_yticks(
        range(len(variables)), variables, fontsize=min(7, 300 / max(len(variables), 1))
    )
    handles = [
        Patch(color=c, label=l)
        for c, l in (
            ("#cfe8cf", "all observed"),
            ("#f6d58e", "some filled"),
            ("#e79a9a", "some missing"),
        )
    ]
    ax.legend(
        handles=handles,
        fontsize=7,
        frameon=False,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
    )
    ax.spines[:].set_visible(False)
    return figure
