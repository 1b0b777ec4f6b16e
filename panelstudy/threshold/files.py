"""Reading the analysis panel and passing estimates between workflow jobs.

The search, every bootstrap shard and the merge rebuild the same ``ThresholdProblem``
from the analysis panel and the ``threshold:`` settings, so a shard needs only the small
estimates file, never arrays written by another job.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Mapping

import pandas as pd

from panelstudy.io import write_text
from panelstudy.threshold.panel import panel_arrays
from panelstudy.threshold.profile import ThresholdProblem
from panelstudy.threshold.search import ThresholdEstimates
from panelstudy.threshold.settings import ThresholdSettings

__all__ = ["load_problem", "write_estimates", "read_estimates"]

log = logging.getLogger(__name__)


def load_problem(
    analysis: str | os.PathLike, panel: Mapping, block: Mapping
) -> ThresholdProblem:
    """Read the analysis panel and set up the threshold problem.

    Parameters
    ----------
    analysis : path
        Parquet file: entity column, time column, variables.
    panel : mapping
        ``entity`` and ``time`` column names (config ``panel:``).
    block : mapping
        The ``threshold:`` config block.
    """
    started = time.perf_counter()
    settings = ThresholdSettings.from_config(block)
    frame = pd.read_parquet(analysis)
    log.info("read %s: %d rows, columns %s", analysis, len(frame), list(frame.columns))
    arrays = panel_arrays(frame, panel["entity"], panel["time"], settings)
    problem = ThresholdProblem(arrays, settings)
    log.info(
        "threshold problem: %d %s x %d %s, %d candidate thresholds, set up in %.2f s",
        arrays.n_entities, panel["entity"], arrays.n_periods, panel["time"],
        len(problem.candidates), time.perf_counter() - started,
    )
    log.info("conventions: %s", settings.conventions())
    return problem


def write_estimates(estimates: ThresholdEstimates, path: str | os.PathLike) -> None:
    """Write the point estimates as JSON (atomically)."""
    write_text(json.dumps(estimates.to_dict(), indent=2) + "\n", path)


def read_estimates(path: str | os.PathLike) -> ThresholdEstimates:
    """Read point estimates written by :func:`write_estimates`."""
    with open(path, encoding="utf-8") as handle:
        return ThresholdEstimates.from_dict(json.load(handle))
