"""Hansen (1999) panel threshold model: exact search, sharded bootstrap, regime model.

Modules, one job each: ``settings`` (conventions and their defaults), ``panel`` (checks,
arrays), ``within`` (the fixed-effects transformation and its adjoint), ``candidates``
(candidate thresholds, trimming), ``profile`` (SSR at every candidate from running sums),
``search`` (sequential search with refinement, F, LR intervals), ``bootstrap``
(replications in blocks and shards), ``replication_search`` (the search of a block of
bootstrap samples at once, at the candidates), ``inference`` (p-values, critical values),
``regime_model`` (the final model) and ``rows`` (tidy table rows, presentation only).

Typical use::

    settings = ThresholdSettings(outcome="i", regime_regressors=["c1"],
                                 threshold_variable="d1", controls=["q1", "d1"])
    problem = ThresholdProblem(panel_arrays(frame, "id", "year", settings), settings)
    estimates = estimate_thresholds(problem)
    shard = run_shard(Bootstrap(problem, estimates, seed=1), BootstrapPlan(), shard=0)
"""

from panelstudy.threshold.bootstrap import Bootstrap, run_shard, shard_blocks
from panelstudy.threshold.candidates import Candidates, admissible, threshold_candidates
from panelstudy.threshold.inference import (
    TestResult,
    bootstrap_test,
    bootstrap_tests,
    merge_replications,
    model_size,
    test_results,
)
from panelstudy.threshold.panel import PanelArrays, panel_arrays
from panelstudy.threshold.profile import FixedPart, ThresholdProblem
from panelstudy.threshold.regime_model import RegimeModel, fit_regime_model
from panelstudy.threshold.rows import model_rows, test_rows, threshold_notes
from panelstudy.threshold.search import (
    StepEstimate,
    ThresholdEstimates,
    estimate_thresholds,
    lr_critical_value,
)
from panelstudy.threshold.settings import BootstrapPlan, ThresholdSettings
from panelstudy.threshold.within import WithinTransform

__all__ = [
    "Bootstrap",
    "BootstrapPlan",
    "Candidates",
    "FixedPart",
    "PanelArrays",
    "RegimeModel",
    "StepEstimate",
    "TestResult",
    "ThresholdEstimates",
    "ThresholdProblem",
    "ThresholdSettings",
    "WithinTransform",
    "admissible",
    "bootstrap_test",
    "bootstrap_tests",
    "estimate_thresholds",
    "fit_regime_model",
    "lr_critical_value",
    "merge_replications",
    "model_rows",
    "model_size",
    "panel_arrays",
    "run_shard",
    "shard_blocks",
    "test_results",
    "test_rows",
    "threshold_candidates",
    "threshold_notes",
]
