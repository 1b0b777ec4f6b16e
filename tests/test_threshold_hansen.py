"""Hansen's (1999) investment panel: his thresholds and an independent regime model check.

Hansen reports thresholds of lagged debt/assets at 0.0157 and 0.5362 with q < g, a
period dropped after demeaning and his 400-point quantile grid, and cash-flow slopes
highest in the middle regime. The regime slopes must also equal those of an independent
fixed-effects regression (linearmodels) at the same thresholds.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from linearmodels.panel import PanelOLS

from panelstudy.threshold import (
    ThresholdProblem,
    ThresholdSettings,
    estimate_thresholds,
    fit_regime_model,
    panel_arrays,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "hansen1999" / "hansen1999.dta"
CONTROLS = ["q1", "q2", "q3", "d1", "qd1"]

pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"{DATA} is not there")


@pytest.fixture(scope="module")
def hansen() -> pd.DataFrame:
    frame = pd.read_stata(DATA)
    frame["year"] = frame["year"].dt.year
    return frame


def fitted(frame: pd.DataFrame, **conventions):
    settings = ThresholdSettings(
        outcome="i", regime_regressors=["c1"], threshold_variable="d1", controls=CONTROLS,
        max_thresholds=2, trims=(0.01, 0.01), year_effects=False, **conventions,
    )
    problem = ThresholdProblem(panel_arrays(frame, "id", "year", settings), settings)
    return problem, estimate_thresholds(problem)


def test_hansen_conventions_give_his_thresholds(hansen):
    problem, estimates = fitted(
        hansen, lower_regime="<", within="drop_period", search="grid", grid=400, cluster="none"
    )
    assert round(estimates.step(1).threshold, 4) == 0.0157
    assert [round(g, 4) for g in estimates.model_thresholds(2)] == [0.0157, 0.5362]
    assert estimates.step(1).f_stat > 20 and estimates.step(2).f_stat > 20

    model = fit_regime_model(problem, estimates.model_prefixes(2))
    low, middle, high = model.coef[:3]
    assert middle > low > high > 0


@pytest.mark.parametrize("lower, first", [("<=", 0.0157), ("<", 0.0158)])
def test_exact_search_under_both_conventions(hansen, lower, first):
    """Exact search: the same partition, labelled by its last lower or first upper value."""
    _, estimates = fitted(hansen, lower_regime=lower)
    assert round(estimates.step(1).threshold, 4) == first
    assert estimates.model_thresholds(2)[1] == pytest.approx(0.540, abs=0.001)


def test_regime_slopes_equal_an_independent_fixed_effects_fit(hansen):
    problem, estimates = fitted(hansen, cluster="none")
    low, high = estimates.model_thresholds(2)
    model = fit_regime_model(problem, estimates.model_prefixes(2))

    data = hansen.set_index(["id", "year"])
    regimes = {
        "lower": data["d1"] <= low,
        "middle": (data["d1"] > low) & (data["d1"] <= high),
        "upper": data["d1"] > high,
    }
    exog = pd.DataFrame({name: data["c1"] * mask for name, mask in regimes.items()})
    exog = exog.join(data[CONTROLS])
    reference = PanelOLS(data["i"], exog.astype(float), entity_effects=True).fit(
        cov_type="unadjusted"
    )
    np.testing.assert_allclose(model.coef, reference.params.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(model.se, reference.std_errors.to_numpy(), rtol=1e-6)
    assert model.r2_within == pytest.approx(reference.rsquared_within, rel=1e-8)
