"""Thresholds searched in sequence, with Hansen's refinement of earlier thresholds.

Step 1 searches one threshold. Step k > 1 holds the k-1 earlier thresholds fixed and
searches the next; each earlier threshold is then searched again given all the others
(Hansen's refinement of the double-threshold model, applied in the same way at step 3).
The test of step k compares the model with the earlier thresholds (as they stood when
step k began) to the model with the new one:

    F_k = (S_{k-1} - S_k) / sigma2_k,   sigma2_k = S_k / df.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from panelstudy.threshold.candidates import admissible, regime_minimum
from panelstudy.threshold.profile import FixedPart, ThresholdProblem

__all__ = [
    "StepEstimate",
    "ThresholdEstimates",
    "estimate_thresholds",
    "search_next",
    "lr_critical_value",
]

log = logging.getLogger(__name__)


def lr_critical_value(confidence: float) -> float:
    """Hansen's (1999) c(a) = -2 ln(1 - sqrt(confidence)); 7.35 at 95%."""
    return -2.0 * math.log(1.0 - math.sqrt(confidence))


@dataclass(frozen=True)
class StepEstimate:
    """One step of the sequential search.

    Attributes
    ----------
    step : int
        1, 2 or 3.
    threshold : float
        The threshold this step found.
    prefix : int
        Its lower-regime size in q order.
    earlier : list of int
        Lower-regime sizes of the thresholds held fixed during the search.
    ssr_null, ssr : float
        S_{k-1} (earlier thresholds only) and S_k (with the new one).
    df : int
        Divisor of sigma2.
    f_stat : float
        F_k.
    ci : list of float
        [low, high] of the likelihood-ratio confidence interval of ``threshold``.
    refined : list of int
        Lower-regime sizes of all k thresholds after refinement, increasing.
    refined_values : list of float
        Their threshold values.
    refined_ci : list of list of float
        Confidence interval of each refined threshold from its re-search (that of the
        new threshold for the new one).
    """

    step: int
    threshold: float
    prefix: int
    earlier: list[int]
    ssr_null: float
    ssr: float
    df: int
    f_stat: float
    ci: list[float]
    refined: list[int]
    refined_values: list[float]
    refined_ci: list[list[float]]


@dataclass
class ThresholdEstimates:
    """Point estimates of every step, with the conventions used.

    Attributes
    ----------
    steps : list of StepEstimate
    conventions : str
        ``ThresholdSettings.conventions()`` of the run.
    n_obs, n_entities, n_periods, n_candidates : int
    dropped : list of str
        Entities dropped for gaps, with why.
    """

    steps: list[StepEstimate]
    conventions: str
    n_obs: int
    n_entities: int
    n_periods: int
    n_candidates: int
    dropped: list[str] = field(default_factory=list)

    def step(self, k: int) -> StepEstimate:
        return self.steps[k - 1]

    def null_prefixes(self, test: int) -> list[int]:
        """Thresholds of the null model of test k: those held fixed in step k."""
        return list(self.step(test).earlier)

    def model_prefixes(self, k: int) -> list[int]:
        """Thresholds of the k-threshold model after refinement."""
        return list(self.step(k).refined)

    def model_thresholds(self, k: int) -> list[float]:
        return list(self.step(k).refined_values)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ThresholdEstimates:
        steps = [StepEstimate(**step) for step in data["steps"]]
        return cls(**{**data, "steps": steps})


def search_next(
    problem: ThresholdProblem, earlier: Sequence[int], step: int
) -> tuple[FixedPart, np.ndarray, np.ndarray]:
    """Profile of the next threshold given ``earlier`` ones (observed outcome).

    Returns
    -------
    fixed : FixedPart
    ssr : ndarray, shape (c,)
        SSR at every candidate; inadmissible candidates hold +inf.
    ssr_fixed : ndarray, shape ()
        SSR of the model with the earlier thresholds only.

    Raises
    ------
    ValueError
        No candidate is admissible under the trimming of this step.
    """
    settings = problem.settings
    fixed = problem.fixed_part(earlier)
    allowed = candidate_mask(problem, fixed, step)
    ssr_fixed, ssr = problem.ssr(fixed, problem.y)
    ssr = np.where(allowed, ssr[:, 0], np.inf)
    if not allowed.any():
        trim = settings.trims[step - 1]
        need = regime_minimum(trim, problem.n_obs)
        raise ValueError(
            f"threshold step {step}: each regime needs at least {need} observations "
            f"(trim {trim:g} of {problem.n_obs}), and no candidate value of "
            f"{problem.panel.names['threshold']} ({len(problem.candidates)} candidates, "
            f"lower regime {settings.lower_regime}) leaves that many in every regime; "
            f"lower the trim or max_thresholds"
        )
    return fixed, ssr, ssr_fixed[0]


def candidate_mask(problem: ThresholdProblem, fixed: FixedPart, step: int) -> np.ndarray:
    """Admissible (trimming) and usable (not collinear) candidates of a step."""
    trims = problem.settings.trims
    allowed = admissible(
        problem.candidates, fixed.earlier, problem.n_obs, trims[step - 1], trims[0]
    )
    return allowed & fixed.usable


def _interval(problem: ThresholdProblem, ssr: np.ndarray, df: int) -> list[float]:
    """Likelihood-ratio confidence interval: candidates with LR <= c(a), low to high."""
    best = ssr.min()
    ratio = (ssr - best) / (best / df)
    inside = problem.candidates.values[ratio <= lr_critical_value(problem.settings.confidence)]
    return [float(inside.min()), float(inside.max())]


def estimate_thresholds(problem: ThresholdProblem) -> ThresholdEstimates:
    """Search thresholds 1 .. ``max_thresholds`` in sequence.

    Parameters
    ----------
    problem : ThresholdProblem

    Returns
    -------
    ThresholdEstimates
    """
    settings = problem.settings
    values = problem.candidates.values
    current: list[int] = []
    steps = []
    for step in range(1, settings.max_thresholds + 1):
        earlier = list(current)
        _, ssr, ssr_null = search_next(problem, earlier, step)
        best = int(np.argmin(ssr))
        prefix = int(problem.candidates.prefixes[best])
        df = problem.degrees_of_freedom(step)
        ssr_step = float(ssr[best])
        ci = _interval(problem, ssr, df)

        refined = sorted(earlier + [prefix])
        intervals = {prefix: ci}
        for old in earlier:
            others = [p for p in refined if p != old]
            _, ssr_again, _ = search_next(problem, others, step)
            again = int(np.argmin(ssr_again))
            new = int(problem.candidates.prefixes[again])
            intervals[new] = _interval(problem, ssr_again, df)
            refined = sorted(others + [new])
            if new != old:
                log.info(
                    "step %d: refinement moved a threshold from %.6g to %.6g",
                    step, problem.candidates.value_of(old), values[again],
                )
        current = refined
        steps.append(
            StepEstimate(
                step=step,
                threshold=float(values[best]),
                prefix=prefix,
                earlier=earlier,
                ssr_null=float(ssr_null),
                ssr=ssr_step,
                df=df,
                f_stat=float((ssr_null - ssr_step) / (ssr_step / df)),
                ci=ci,
                refined=refined,
                refined_values=[problem.candidates.value_of(p) for p in refined],
                refined_ci=[intervals[p] for p in refined],
            )
        )
        log.info(
            "step %d: threshold %.6g (CI %.6g to %.6g), F = %.4f, SSR %.6g -> %.6g",
            step, values[best], ci[0], ci[1], steps[-1].f_stat, ssr_null, ssr_step,
        )
    return ThresholdEstimates(
        steps=steps,
        conventions=settings.conventions(),
        n_obs=problem.n_obs,
        n_entities=problem.panel.n_entities,
        n_periods=problem.panel.n_periods,
        n_candidates=len(problem.candidates),
        dropped=list(problem.panel.dropped),
    )
