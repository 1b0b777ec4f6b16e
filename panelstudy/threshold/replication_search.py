"""The sequential threshold search run on a block of bootstrap replications at once.

Each bootstrap replication re-estimates its own earlier thresholds, so it has its own
fixed part; factorising that over the observations would cost O(n) per replication
and step. The search here works at the candidates instead. With M the residual maker of
the base (controls, pooled slopes, year dummies), C_g the transformed regime block of
candidate g and y an outcome, the base profile is

    b_g = C_g'M y,   H_g = C_g'M C_g,   S = y'M y.

An earlier threshold e is itself a candidate, so adding it to the fixed part is
Frisch-Waugh on these numbers alone (K_g = C_g'M C_e, G = H_e):

    b_g <- b_g - K_g G^{-1} b_e,   H_g <- H_g - K_g G^{-1} K_g',   S <- S - b_e'G^{-1} b_e.

K (``threshold_crosses``) depends on the threshold, not on the outcome, so it is
computed once per distinct threshold, in O(n), and shared by every replication and
block that chose it; everything else costs O(candidates) per replication. The base
profile itself is read from the resampled residuals in q order (``base_profile``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from panelstudy.threshold.candidates import admissible
from panelstudy.threshold.profile import ThresholdProblem, explained

__all__ = [
    "SortedPanel",
    "sorted_panel",
    "ResamplingNull",
    "resampling_null",
    "BlockProfile",
    "base_profile",
    "threshold_crosses",
    "add_thresholds",
    "best_next",
]

# Elements of the largest (observations x thresholds x regime regressors^2) array that
# computing K may hold at once; bounds memory whatever the panel's size.
_CROSS_ELEMENTS = 2**22


@dataclass(frozen=True)
class SortedPanel:
    """The panel's fixed arrays in q order, as the bootstrap's running sums read them.

    Attributes
    ----------
    entity : ndarray of int, shape (n,)
        Entity of each observation.
    kept : ndarray, shape (n,)
        1 for a period the within transformation keeps, else 0.
    base_weights : ndarray, shape (n, kb)
        A raw preimage of the base's orthonormal basis Q, so Q'v = weights'(W'v).
    base_adjoint : ndarray, shape (n, kb)
        W'Q: its running sum against x is C~'Q.
    entity_keys : ndarray of int, shape (N * T,)
        Each entity's positions in q order, increasing, offset by entity * (n + 1) so
        that one sorted search counts every entity's observations below a threshold.
    entity_sums, kept_entity_sums : ndarray, shape (N, T + 1, kr)
        Running sums of x (of kept x) over each entity's observations in q order,
        starting at zero: entry t sums its t lowest.
    kept_x : ndarray, shape (n, kr)
        Regime regressors, zero in a dropped period.
    """

    entity: np.ndarray
    kept: np.ndarray
    base_weights: np.ndarray
    base_adjoint: np.ndarray
    entity_keys: np.ndarray
    entity_sums: np.ndarray
    kept_entity_sums: np.ndarray
    kept_x: np.ndarray

    def lower_counts(self, prefixes: np.ndarray) -> np.ndarray:
        """Observations of each entity in the lower regime of each threshold, (N, D)."""
        n_entities, periods = self.entity_sums.shape[0], self.entity_sums.shape[1] - 1
        offsets = np.arange(n_entities)[:, None] * (len(self.entity) + 1)
        found = np.searchsorted(self.entity_keys, offsets + prefixes[None, :])
        return found - np.arange(n_entities)[:, None] * periods


def sorted_panel(problem: ThresholdProblem) -> SortedPanel:
    """Build the q-ordered arrays of a problem once; O(n) memory."""
    n_entities, periods = problem.panel.n_entities, problem.panel.n_periods
    x, kept = problem.x_sorted, problem.transform.kept[problem.order]
    positions = np.argsort(problem.order // periods, kind="stable").reshape(n_entities, -1)
    offsets = np.arange(n_entities)[:, None] * (problem.n_obs + 1)

    def running_by_entity(values: np.ndarray) -> np.ndarray:
        grouped = values[positions]
        start = np.zeros((n_entities, 1, values.shape[1]))
        return np.concatenate([start, np.cumsum(grouped, axis=1)], axis=1)

    basis = problem.fixed_part(()).basis
    transform = problem.transform
    return SortedPanel(
        entity=problem.order // periods,
        kept=kept,
        base_weights=np.ascontiguousarray(transform.preimage(basis)[problem.order]),
        base_adjoint=np.ascontiguousarray(transform.adjoint(basis)[problem.order]),
        entity_keys=(positions + offsets).ravel(),
        entity_sums=running_by_entity(x),
        kept_entity_sums=running_by_entity(kept[:, None] * x),
        kept_x=kept[:, None] * x,
    )


@dataclass(frozen=True)
class ResamplingNull:
    """The null model of one test, as the base profile of its y* needs it.

    y* = fitted + u*, u* the null residuals of entities drawn with replacement.

    Attributes
    ----------
    raw_residuals : ndarray, shape (N, T)
        W'u by entity: W' acts on each entity alone, so W'u* is W'u resampled.
    residual_squares : ndarray, shape (N,)
        Each entity's sum of squared residuals.
    fitted_numerators : ndarray, shape (c, kr)
        C_g'M fitted.
    fitted_ssr : float
        (M fitted)'(M fitted).
    fitted_weights : ndarray, shape (n,)
        A raw preimage of M fitted in q order, so (M fitted)'v = weights'(W'v).
    """

    raw_residuals: np.ndarray
    residual_squares: np.ndarray
    fitted_numerators: np.ndarray
    fitted_ssr: float
    fitted_weights: np.ndarray


def resampling_null(
    problem: ThresholdProblem, fitted: np.ndarray, residuals: np.ndarray
) -> ResamplingNull:
    """From the null model's transformed fitted values (m,) and residuals (m,)."""
    fixed = problem.fixed_part(())
    fitted_ssr, numerators = problem.numerators(fixed, fitted)
    outside = problem.residuals(fixed, fitted)
    n_entities = problem.panel.n_entities
    return ResamplingNull(
        raw_residuals=problem.transform.adjoint(residuals).reshape(n_entities, -1),
        residual_squares=np.sum(residuals.reshape(n_entities, -1) ** 2, axis=1),
        fitted_numerators=numerators[:, :, 0],
        fitted_ssr=float(fitted_ssr[0]),
        fitted_weights=problem.transform.preimage(outside)[problem.order],
    )


@dataclass(frozen=True)
class BlockProfile:
    """Every candidate's SSR ingredients for a block of B outcomes.

    Attributes
    ----------
    ssr_fixed : ndarray, shape (B,)
        S, the SSR of each outcome on its fixed part.
    numerators : ndarray, shape (B, c, kr)
        b at every candidate.
    denominators : ndarray, shape (B, c, kr, kr) or (1, c, kr, kr)
        H at every candidate; one shared row while all outcomes share the fixed part.
    """

    ssr_fixed: np.ndarray
    numerators: np.ndarray
    denominators: np.ndarray

    def rows(self, replications: np.ndarray) -> BlockProfile:
        """The profile of some of the outcomes (positions in the block)."""
        shared = len(self.denominators) == 1
        return BlockProfile(
            self.ssr_fixed[replications],
            self.numerators[replications],
            self.denominators if shared else self.denominators[replications],
        )


def base_profile(
    problem: ThresholdProblem, panel: SortedPanel, null: ResamplingNull, draws: np.ndarray
) -> BlockProfile:
    """Profile of y* = fitted + resampled residuals on the base fixed part.

    Parameters
    ----------
    problem : ThresholdProblem
    panel : SortedPanel
    null : ResamplingNull
    draws : ndarray of int, shape (B, N)
        Entities drawn for each replication.

    Returns
    -------
    BlockProfile
    """
    count = len(draws)
    raw = np.take(null.raw_residuals[draws].reshape(count, -1), problem.order, axis=1)
    on_basis = raw @ panel.base_weights
    on_fitted = raw @ null.fitted_weights
    resampled_squares = np.sum(null.residual_squares[draws], axis=1)
    ssr_fixed = (
        null.fitted_ssr + 2 * on_fitted + resampled_squares - np.sum(on_basis**2, axis=1)
    )

    lower = np.cumsum(raw[:, :, None] * problem.x_sorted[None], axis=1)
    numerators = lower[:, problem.candidates.prefixes - 1] + null.fitted_numerators
    projection = problem.base_projection
    on_base = projection.reshape(-1, projection.shape[2]) @ on_basis.T
    numerators -= on_base.T.reshape(numerators.shape)
    base = problem.fixed_part(())
    return BlockProfile(ssr_fixed, numerators, base.denominators[None])


def threshold_crosses(
    problem: ThresholdProblem, panel: SortedPanel, prefixes: np.ndarray
) -> np.ndarray:
    """K = C_g'M C_e at every candidate g for each threshold e, shape (D, c, kr, kr).

    Entry [d, g, a, b] pairs regime regressor a of candidate g with regressor b of
    threshold d. With s and k an entity's sums of lower-regime x (of kept x) and K the
    kept periods, W'W C_e is kept_j x_j 1(j lower) - kept_j s/T - k/T + K s/T^2 at
    observation j, and M removes W'Q (C_e'Q)' from it; K is the running sum of x_j
    times that over q order, read at every candidate.

    Every threshold's K comes from its own elementwise operations, running sums and
    look-ups, never from a reduction across thresholds, so it does not depend on
    which other thresholds are computed with it (shards agree to the last digit).
    """
    chunk = max(1, _CROSS_ELEMENTS // (problem.n_obs * problem.n_regime**2))
    kr = problem.n_regime
    parts = [np.empty((0, len(problem.candidates), kr, kr))] + [
        _crosses(problem, panel, prefixes[start : start + chunk])
        for start in range(0, len(prefixes), chunk)
    ]
    return np.concatenate(parts)


def _crosses(
    problem: ThresholdProblem, panel: SortedPanel, prefixes: np.ndarray
) -> np.ndarray:
    periods, kept_periods = problem.panel.n_periods, problem.transform.kept_periods
    lower_count = panel.lower_counts(prefixes).T
    entities = np.arange(problem.panel.n_entities)

    def by_observation(running_sums: np.ndarray) -> np.ndarray:
        """Each observation's entity sum over the lower regime, shape (D, n, kr)."""
        return running_sums[entities, lower_count][:, panel.entity]

    # W'W C_e - W'Q (C_e'Q)' at every observation, term by term (see above).
    weights = by_observation(panel.kept_entity_sums) / -periods
    if problem.transform.mode == "drop_period":
        share = kept_periods / periods**2 - panel.kept / periods
        weights += share[None, :, None] * by_observation(panel.entity_sums)
    positions = np.searchsorted(problem.candidates.prefixes, prefixes)
    projection = problem.base_projection[positions]
    # One threshold at a time: each threshold's sums then run in the same order whatever
    # else is computed with it.
    for d, prefix in enumerate(prefixes):
        weights[d] -= panel.base_adjoint @ projection[d].T
        weights[d, :prefix] += panel.kept_x[:prefix]

    products = problem.x_sorted[None, :, :, None] * weights[:, :, None, :]
    return np.cumsum(products, axis=1)[:, problem.candidates.prefixes - 1]


def _product(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Matrix product over the last two axes; a plain product for 1 x 1 matrices."""
    return left * right if left.shape[-1] == 1 else left @ right


def add_thresholds(
    profile: BlockProfile, crosses: list[np.ndarray], positions: np.ndarray
) -> BlockProfile:
    """Add each outcome's own earlier thresholds to its fixed part.

    Parameters
    ----------
    profile : BlockProfile
        On the base fixed part.
    crosses : list of ndarray, each shape (B, c, kr, kr)
        K of each outcome's i-th earlier threshold.
    positions : ndarray of int, shape (B, k)
        Candidate positions of the earlier thresholds.

    Returns
    -------
    BlockProfile
    """
    count, k = positions.shape
    rows = np.arange(count)
    ssr_fixed, numerators = profile.ssr_fixed, profile.numerators[..., None]
    shape = (count, *profile.denominators.shape[1:])
    denominators = np.broadcast_to(profile.denominators, shape)
    crosses = list(crosses)
    for i in range(k):
        at, cross = positions[:, i], crosses[i]
        inverse = np.linalg.inv(denominators[rows, at])
        weights = _product(cross, inverse[:, None])
        pivot = numerators[rows, at]
        ssr_fixed = ssr_fixed - (pivot.swapaxes(1, 2) @ inverse @ pivot)[:, 0, 0]
        numerators = numerators - _product(weights, pivot[:, None])
        denominators = denominators - _product(weights, cross.swapaxes(2, 3))
        for j in range(i + 1, k):
            # C_e_i'M C_e_j is the transpose of K_i at threshold j.
            between = cross[rows, positions[:, j]].swapaxes(1, 2)
            crosses[j] = crosses[j] - _product(weights, between[:, None])
    return BlockProfile(ssr_fixed, numerators[..., 0], denominators)


def best_next(
    problem: ThresholdProblem, profile: BlockProfile, earlier: np.ndarray, step: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each outcome's best next threshold given its earlier ones.

    Parameters
    ----------
    problem : ThresholdProblem
    profile : BlockProfile
        With ``earlier`` in the fixed part (``add_thresholds``).
    earlier : ndarray of int, shape (B, k)
        Lower-regime sizes of the earlier thresholds.
    step : int
        Decides the trimming, as in the search of the observed outcome.

    Returns
    -------
    ssr : ndarray, shape (B,)
        SSR with the best admissible candidate; ``ssr_fixed`` where none is admissible.
    prefixes : ndarray of int, shape (B,)
        Its lower-regime size; -1 where no candidate is admissible.
    """
    trims = problem.settings.trims
    allowed = admissible(
        problem.candidates, earlier, problem.n_obs, trims[step - 1], trims[0]
    )
    allowed &= problem.usable(profile.denominators)
    ssr = profile.ssr_fixed[:, None] - explained(
        profile.numerators, profile.denominators, allowed
    )
    np.copyto(ssr, np.inf, where=~allowed)
    best = np.argmin(ssr, axis=1)
    best_ssr = ssr[np.arange(len(best)), best]
    room = np.isfinite(best_ssr)
    return (
        np.where(room, best_ssr, profile.ssr_fixed),
        np.where(room, problem.candidates.prefixes[best], -1),
    )
