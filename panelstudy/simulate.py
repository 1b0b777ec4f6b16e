"""The demo dataset: a simulated province-year panel with planted effects.

The data-generating process, on a latent development level L that every index indicator
measures with noise::

    L_it = mu_i + delta_t + b_low AI_it 1(AI_it <= g) + b_high AI_it 1(AI_it > g)
           + h AI_it (IPP_it - c)  + m IPP_it + c' controls_it + e_it

Each of the index's indicators is an affine function of L plus its own noise, so the entropy
index is K L + noise for a scale K fixed by the realised weights and ranges; the planted
effects are reported both on L and on the index scale. Moments of AI, the controls and IPP
are set near the study's Table 2 (with clean ratios where the published ones are
impossible). The raw extracts are then written in the real download formats, with the
quirks those formats have: GBK with header and footer lines, placeholders for missing
cells, full names, short names and 12-digit codes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["INDICATOR_SPANS", "Planted", "simulate_panel", "indicator_scale", "planted_on_index_scale"]

TIBET = "540000"

# Each index indicator's slope on the latent level, in its own unit (the study's Table 1):
# sets the indicator's scale, e.g. e-commerce sales span about 12,000 亿元.
INDICATOR_SPANS: dict[str, float] = {
    "cb_express": 300.0, "cb_express_income": 40.0, "cbec_zones": 12.0,
    "ecom_firms": 9000.0, "express_outlets": 8000.0, "websites_per100": 60.0,
    "fibre_long": 4.0, "internet_rate": 80.0, "exports": 4e8, "imports": 3e8,
    "ecom_purchases": 9000.0, "ecom_sales": 12000.0,
}



@dataclass(frozen=True)
class Planted:
    """Effects on the latent level L (see the module docstring)."""

    threshold: float = 5.0
    ai_low: float = 0.028
    ai_high: float = 0.018
    ai_x_ipp: float = 0.02
    ipp_centre: float = 0.669
    ipp: float = -0.03
    controls: tuple[tuple[str, float], ...] = (
        ("AE", 0.002),
        ("GS", 0.025),
        ("FJ", 0.001),
        ("JT", -0.004),
        ("RD", 0.004),
        ("CY", -0.167),
    )
    noise_sd: float = 0.006
    indicator_noise_sd: float = 0.004


def _lognormal(rng, mean, sd, size):
    sigma2 = np.log1p((sd / mean) ** 2)
    return rng.lognormal(np.log(mean) - sigma2 / 2, np.sqrt(sigma2), size)


def simulate_panel(
    provinces: list[str],
    years: list[int],
    seed: int,
    planted: Planted = Planted(),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Draw the study variables and the latent level.

    Parameters
    ----------
    provinces : list of str
        6-digit division codes.
    years : list of int
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same panel.
    planted : Planted

    Returns
    -------
    (panel, latent)
        ``panel``: province, year, AI, AE, GS, FJ, JT, RD, CY, IPP and the raw series they
        are built from. ``latent``: province, year, L.
    """
    rng = np.random.default_rng(seed)
    n, t = len(provinces), len(years)
    trend = np.arange(t) / (t - 1)

    def grid(level, growth, spread):
        start = level[:, None] * np.exp(growth[:, None] * np.arange(t)[None, :])
        return start * np.exp(rng.normal(0, spread, (n, t)))

    # AI: thousands of AI patent applications, skewed across provinces, growing over time.
    ai = grid(_lognormal(rng, 1.3, 2.6, n), rng.uniform(0.1, 0.3, n), 0.08)
    ai = np.clip(ai, 0.006, 30.0)
    gdp = grid(_lognormal(rng, 25000, 20000, n), rng.uniform(0.04, 0.09, n), 0.02)
    gs = np.clip(grid(_lognormal(rng, 0.25, 0.11, n), np.zeros(n), 0.05), 0.09, 0.76)
    fai = grid(_lognormal(rng, 15000, 9000, n), rng.uniform(0.0, 0.06, n), 0.04)
    fin_va = gdp * np.clip(grid(_lognormal(rng, 0.07, 0.025, n), np.zeros(n), 0.04), 0.02, 0.2)
    fj = grid(_lognormal(rng, 1.0, 1.2, n), np.zeros(n), 0.15)
    area = _lognormal(rng, 300000, 300000, n)
    road = area[:, None] * grid(_lognormal(rng, 0.95, 0.5, n), rng.uniform(0.0, 0.03, n), 0.01)
    rail = road * 0.03
    rd = np.clip(grid(_lognormal(rng, 1.6, 1.1, n), rng.uniform(0.0, 0.05, n), 0.04), 0.2, 6.5)
    cy = np.clip(grid(rng.uniform(0.25, 0.5, n), rng.uniform(-0.03, 0.0, n), 0.03), 0.15, 0.6)
    ipp = np.clip(rng.uniform(0.45, 0.75, n)[:, None] + 0.15 * trend + rng.normal(0, 0.02, (n, t)), 0.3, 0.99)

    controls = {
        "AE": fai / 1000,
        "GS": gs,
        "FJ": fj,
        "JT": (rail + road) / area[:, None],
        "RD": rd,
        "CY": cy,
    }
    low = ai <= planted.threshold
    latent = (
        rng.normal(0.15, 0.05, n)[:, None]
        + 0.01 * np.arange(t)[None, :]
        + planted.ai_low * ai * low
        + planted.ai_high * ai * ~low
        + planted.ai_x_ipp * ai * (ipp - planted.ipp_centre)
        + planted.ipp * ipp
        + sum(coef * controls[name] for name, coef in planted.controls)
        + rng.normal(0, planted.noise_sd, (n, t))
    )

    index = pd.MultiIndex.from_product([provinces, years], names=["province", "year"])
    columns = {
        "AI": ai,
        **controls,
        "IPP": ipp,
        "ai_patents": np.round(ai * 1000),
        "gdp": gdp,
        "budget_exp": gs * gdp,
        "fai": fai,
        "fin_va": fin_va,
        "fin_reg_exp": fj * fin_va / 100,
        "road_km": road,
        "rail_km": rail,
        "area_km2": np.repeat(area[:, None], t, axis=1),
        "rd_exp": rd * gdp / 100,
        "second_va": cy * gdp,
        "ipp_index": ipp * 100,
    }
    panel = pd.DataFrame({k: np.ravel(v) for k, v in columns.items()}, index=index)
    latent_frame = pd.DataFrame({"L": np.ravel(latent)}, index=index)
    return panel.reset_index(), latent_frame.reset_index()


def indicator_scale(latent: np.ndarray, rng: np.random.Generator, spans: dict[str, float],
                    noise_sd: float) -> pd.DataFrame:
    """Indicators as affine functions of the latent level plus their own noise.

    Indicator j is ``spans[j] * (L + u_j - min(L + u_j)) + floor_j`` with u_j ~ N(0,
    noise_sd), so that its min-max scaled value is exactly ``(L + u_j - min) / range_j``.
    """
    out = {}
    for name, span in spans.items():
        noisy = latent + rng.normal(0, noise_sd, latent.shape)
        out[name] = span * (noisy - noisy.min()) + span * 0.01
    return pd.DataFrame(out)


def planted_on_index_scale(
    indicators: pd.DataFrame, spans: dict[str, float], weights: dict[str, float],
    planted: Planted,
) -> dict[str, float]:
    """The planted effects in units of the entropy index.

    Indicator j is ``spans[j] * (L + u_j) + constant``, so its min-max score over the rows
    of ``indicators`` is ``(L + u_j - min) / R_j`` with ``R_j = range(x_j) / spans[j]``, and
    the index is ``K L`` plus terms free of L, ``K = sum_j w_j / R_j``. Every slope on L is
    multiplied by K; the threshold is in units of AI and unchanged.

    Parameters
    ----------
    indicators : DataFrame
        The indicators over exactly the province-years the index is computed on.
    spans : dict
        Indicator name -> its slope on L (as passed to :func:`indicator_scale`).
    weights : dict
        Indicator name -> its entropy weight over the same rows.
    """
    scale = sum(
        weights[name] * spans[name] / float(column.max() - column.min())
        for name, column in indicators.items()
    )
    effects = {
        "AI x 1(AI<=threshold)": planted.ai_low,
        "AI x 1(AI>threshold)": planted.ai_high,
        "AI x (IPP - ipp_centre)": planted.ai_x_ipp,
        "IPP": planted.ipp,
        **dict(planted.controls),
    }
    return {
        "index_scale": scale,
        "threshold": planted.threshold,
        **{name: value * scale for name, value in effects.items()},
    }
