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

K (``threshold_cross``), G and what follows from them alone (``ThresholdPart``) depend
on the threshold, not on the outcome, so they are computed once per distinct threshold,
in O(n), and shared by every replication and block that chose it; everything else
costs O(candidates) per replication. The base profile itself is read from the
resampled residuals in q order (``base_profile``).
"""

from __future__ import annotations

import functools
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
    "threshold_cross",
    "ThresholdPart",
    "add_threshold",
    "best_next",
]

@dataclass(frozen=True)
class SortedPanel:
    """The panel's fixed arrays in q order, as the bootstrap's running sums read them.

    Attributes
    ----------
    entities : int
        N.
    entity : ndarray of int, shape (n,)
        Entity of each observation.
    kept : ndarray, shape (n,)
        1 for a period the within transformation keeps, else 0.
    base_weights : ndarray, shape (n, kb)
        A raw preimage of the base's orthonormal basis Q, so Q'v = weights'(W'v).
    base_adjoint : ndarray, shape (kb, n)
        W'Q, one basis column a row: its running sum against x is C~'Q.
    kept_x : ndarray, shape (n, kr)
        Regime regressors, zero in a dropped period.
    """

    entities: int
    entity: np.ndarray
    kept: np.ndarray
    base_weights: np.ndarray
    base_adjoint: np.ndarray
    kept_x: np.ndarray

    def lower_sums(self, values: np.ndarray, prefix: int, scale: float) -> np.ndarray:
        """Each observation's entity sum of ``values`` (n, kr) over the lower regime,
        times ``scale``."""
        sums = np.empty((self.entities, values.shape[1]))
        for a, column in enumerate(values.T):
            sums[:, a] = np.bincount(self.entity[:prefix], column[:prefix], self.entities)
        return (sums * scale)[self.entity]


def sorted_panel(problem: ThresholdProblem) -> SortedPanel:
    """Build the q-ordered arrays of a problem once; O(n) memory."""
    kept = problem.transform.kept[problem.order]
    basis = problem.fixed_part(()).basis
    transform = problem.transform
    return SortedPanel(
        entities=problem.panel.n_entities,
        entity=problem.order // problem.panel.n_periods,
        kept=kept,
        base_weights=np.ascontiguousarray(transform.preimage(basis)[problem.order]),
        base_adjoint=np.ascontiguousarray(transform.adjoint(basis)[problem.order].T),
        kept_x=kept[:, None] * problem.x_sorted,
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
    usable : ndarray of bool, shape (B, c) or (1, c)
        Candidates whose H is not singular.
    thresholds : int
        Earlier thresholds in the fixed part, 0 to 2.
    first : list of ThresholdPart, optional
        Each outcome's first earlier threshold, once added.
    first_weights : ndarray, shape (B, c, kr, kr) or (1, c, kr, kr), optional
        Its weights K G^{-1}.
    """

    ssr_fixed: np.ndarray
    numerators: np.ndarray
    denominators: np.ndarray
    usable: np.ndarray
    thresholds: int = 0
    first: list[ThresholdPart] | None = None
    first_weights: np.ndarray | None = None

    def rows(self, replications: np.ndarray) -> BlockProfile:
        """The profile of some of the outcomes (positions in the block)."""
        count = len(self.ssr_fixed)

        def some(values):
            if values is None or len(values) != count:
                return values
            if isinstance(values, list):
                return [values[r] for r in replications]
            return values[replications]

        return BlockProfile(
            self.ssr_fixed[replications],
            self.numerators[replications],
            some(self.denominators),
            some(self.usable),
            self.thresholds,
            some(self.first),
            some(self.first_weights),
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

    # In place where possible: a block's arrays are large, and each fresh one costs
    # page faults.
    lower = raw[:, :, None] * problem.x_sorted[None]
    np.cumsum(lower, axis=1, out=lower)
    numerators = np.take(lower, problem.candidates.prefixes - 1, axis=1)
    numerators += null.fitted_numerators
    projection = problem.base_projection
    on_base = on_basis @ projection.reshape(-1, projection.shape[2]).T
    numerators -= on_base.reshape(numerators.shape)
    base = problem.fixed_part(())
    return BlockProfile(ssr_fixed, numerators, base.denominators[None], base.usable[None])


def threshold_cross(
    problem: ThresholdProblem, panel: SortedPanel, prefix: int
) -> np.ndarray:
    """K = C_g'M C_e at every candidate g for the threshold e, shape (c, kr, kr).

    Entry [g, a, b] pairs regime regressor a of candidate g with regressor b of e.
    With s and k an entity's sums of lower-regime x (of kept x) and K the kept periods,
    W'W C_e is kept_j x_j 1(j lower) - kept_j s/T - k/T + K s/T^2 at observation j,
    and M removes W'Q (C_e'Q)' from it; K is the running sum of x_j times that over q
    order, read at every candidate. One threshold at a time: its arrays stay in the
    processor's cache, and its sums run in the same order however the work is split.
    """
    periods, kept_periods = problem.panel.n_periods, problem.transform.kept_periods

    # W'W C_e - W'Q (C_e'Q)' at every observation, term by term.
    weights = panel.lower_sums(panel.kept_x, prefix, -1 / periods)
    if problem.transform.mode == "drop_period":
        share = kept_periods / periods**2 - panel.kept / periods
        weights += share[:, None] * panel.lower_sums(problem.x_sorted, prefix, 1.0)
    position = np.searchsorted(problem.candidates.prefixes, prefix)
    weights -= (problem.base_projection[position] @ panel.base_adjoint).T
    weights[:prefix] += panel.kept_x[:prefix]

    products = problem.x_sorted[:, :, None] * weights[:, None, :]
    np.cumsum(products, axis=0, out=products)
    return np.take(products, problem.candidates.prefixes - 1, axis=0)


def _product(left: np.ndarray, right: np.ndarray, out: np.ndarray | None = None):
    """Matrix product over the last two axes; a plain product for 1 x 1 matrices."""
    if left.shape[-1] == 1:
        return np.multiply(left, right, out=out)
    return np.matmul(left, right, out=out)


def _inverse(matrices: np.ndarray) -> np.ndarray:
    """Inverse over the last two axes; a reciprocal for 1 x 1 matrices, where the
    overhead of ``np.linalg.inv`` would cost more than the arithmetic."""
    if matrices.shape[-1] == 1:
        return 1.0 / matrices
    return np.linalg.inv(matrices)


class ThresholdPart:
    """Threshold e added to the base fixed part, at every candidate g.

    Nothing here depends on the outcome: it serves every replication that chose e.
    All but K are computed on first use, since a threshold that bootstrap samples only
    ever add second needs K alone.

    Parameters
    ----------
    problem : ThresholdProblem
    panel : SortedPanel
    prefix : int
        e's lower-regime size.

    Attributes
    ----------
    position : int
        e's position among the candidates.
    cross : ndarray, shape (c, kr, kr)
        K = C_g'M C_e.
    inverse : ndarray, shape (kr, kr)
        G^{-1} = (C_e'M C_e)^{-1}.
    weights : ndarray, shape (c, kr, kr)
        K G^{-1}.
    denominators : ndarray, shape (c, kr, kr)
        H with e in the fixed part, H - K G^{-1} K'.
    usable : ndarray of bool, shape (c,)
    """

    def __init__(self, problem: ThresholdProblem, panel: SortedPanel, prefix: int) -> None:
        self._problem = problem
        self.position = int(np.searchsorted(problem.candidates.prefixes, prefix))
        self.cross = threshold_cross(problem, panel, prefix)

    @functools.cached_property
    def inverse(self) -> np.ndarray:
        return _inverse(self._problem.fixed_part(()).denominators[self.position])

    @functools.cached_property
    def weights(self) -> np.ndarray:
        return _product(self.cross, self.inverse)

    @functools.cached_property
    def denominators(self) -> np.ndarray:
        base = self._problem.fixed_part(()).denominators
        return base - _product(self.weights, self.cross.transpose(0, 2, 1))

    @functools.cached_property
    def usable(self) -> np.ndarray:
        return self._problem.usable(self.denominators)


def add_threshold(
    problem: ThresholdProblem, profile: BlockProfile, parts: list[ThresholdPart]
) -> BlockProfile:
    """Add one more earlier threshold, each outcome its own, to the fixed part.

    Parameters
    ----------
    problem : ThresholdProblem
    profile : BlockProfile
        On the base fixed part, or with a first earlier threshold added.
    parts : list of ThresholdPart, length B
        Each outcome's threshold.

    Returns
    -------
    BlockProfile

    Raises
    ------
    ValueError
        The profile holds two earlier thresholds already: a search of at most three
        thresholds never adds a third.
    """
    if profile.thresholds >= 2:
        raise ValueError(
            "a bootstrap profile holds at most two earlier thresholds (max_thresholds "
            "is at most 3)"
        )
    at = np.array([part.position for part in parts])
    pivot = profile.numerators[np.arange(len(parts)), at][..., None]
    # Outcomes that share their thresholds (all of them when earlier thresholds are
    # held fixed) share one row of everything that does not depend on y*.
    shared = all(part is parts[0] for part in parts) and (
        profile.thresholds == 0 or len(profile.first_weights) == 1
    )
    width = 1 if shared else len(parts)

    def stacked(values: list[np.ndarray]) -> np.ndarray:
        return values[0][None] if shared else np.stack(values)

    def at_threshold(values: np.ndarray) -> np.ndarray:
        """Each row's value at its own threshold, shape (width, ...)."""
        values = np.broadcast_to(values, (width, *values.shape[1:]))
        return values[np.arange(width), at[:width]]

    if profile.thresholds == 0:
        # The threshold's own part holds everything that does not depend on y*.
        weights = stacked([part.weights for part in parts])
        inverse = stacked([part.inverse for part in parts])
        return BlockProfile(
            profile.ssr_fixed - (pivot.swapaxes(1, 2) @ inverse @ pivot)[:, 0, 0],
            profile.numerators - _product(weights, pivot[:, None])[..., 0],
            stacked([part.denominators for part in parts]),
            stacked([part.usable for part in parts]),
            1,
            parts,
            weights,
        )

    # Orthogonal to the first threshold: K~ = K - K_1 G_1^{-1} C_1'M C_e, where
    # C_1'M C_e is the transpose of the first threshold's K at this one.
    between = stacked([first.cross[p] for first, p in zip(profile.first, at)])
    cross = stacked([part.cross for part in parts])
    cross = cross - _product(profile.first_weights, between.swapaxes(1, 2)[:, None])
    inverse = _inverse(at_threshold(profile.denominators))
    weights = _product(cross, inverse[:, None])
    change = _product(weights, cross.swapaxes(2, 3), out=cross)
    denominators = profile.denominators - change
    return BlockProfile(
        profile.ssr_fixed - (pivot.swapaxes(1, 2) @ inverse @ pivot)[:, 0, 0],
        profile.numerators - _product(weights, pivot[:, None])[..., 0],
        denominators,
        problem.usable(denominators),
        2,
    )


def best_next(
    problem: ThresholdProblem, profile: BlockProfile, earlier: np.ndarray, step: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each outcome's best next threshold given its earlier ones.

    Parameters
    ----------
    problem : ThresholdProblem
    profile : BlockProfile
        With ``earlier`` in the fixed part (``add_threshold``).
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
    allowed &= profile.usable
    ssr = explained(profile.numerators, profile.denominators, allowed)
    np.subtract(profile.ssr_fixed[:, None], ssr, out=ssr)
    np.copyto(ssr, np.inf, where=~allowed)
    best = np.argmin(ssr, axis=1)
    best_ssr = ssr[np.arange(len(best)), best]
    room = np.isfinite(best_ssr)
    return (
        np.where(room, best_ssr, profile.ssr_fixed),
        np.where(room, problem.candidates.prefixes[best], -1),
    )
