"""Sum of squared residuals at every candidate threshold from one sort and running sums.

With the fixed part B (controls, pooled regime slopes, year dummies and the regime
columns of earlier thresholds) partialled out, Frisch-Waugh gives for the regime block
C = X_r 1(q in lower regime) of a candidate

    SSR(g) = SSR_B - b' H^{-1} b,   b = C~'M_B y~,   H = C~'M_B C~,

where ~ is the within transformation W and M_B the residual maker of W B. With Q an
orthonormal basis of W B, H = C~'C~ - (C~'Q)(C~'Q)'. Every cross product C~'v equals
C'(W'v), a running sum over the q-sorted observations of raw x_j times (W'v)_j; C~'C~ is
a running sum too, since adding observation j to the lower regime changes it by terms
in x_j and the entity's running sums. Moving one observation between regimes is a
rank-one change, so every candidate costs O(1) after one O(n log n) sort.

In the bootstrap only the numerators b change; one cumulative sum per replication gives
all candidates, and replications run as columns of one array.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from panelstudy.threshold.candidates import Candidates, threshold_candidates
from panelstudy.threshold.panel import PanelArrays
from panelstudy.threshold.settings import ThresholdSettings
from panelstudy.threshold.within import WithinTransform

__all__ = ["ThresholdProblem", "FixedPart", "base_design", "explained", "year_dummies"]

# A candidate whose regime block is (numerically) spanned by the fixed part has no
# threshold effect to estimate; it is dropped when H falls below this share of C~'C~.
_COLLINEAR_SHARE = 1e-9


def year_dummies(panel: PanelArrays) -> tuple[np.ndarray, list[str]]:
    """One dummy per period but the first, shape (n, T-1), with names ``year=2014``."""
    periods = np.tile(np.arange(panel.n_periods), panel.n_entities)
    dummies = (periods[:, None] == np.arange(1, panel.n_periods)[None, :]).astype(float)
    return dummies, [f"{panel.names['time']}={p}" for p in panel.periods[1:]]


def base_design(panel: PanelArrays, year_effects: bool) -> tuple[np.ndarray, list[str]]:
    """Raw columns of the fixed part: controls, pooled regime slopes, year dummies.

    Returns
    -------
    columns : ndarray, shape (n, k0)
    names : list of str
    """
    columns = [panel.controls, panel.regime]
    names = [*panel.names["controls"], *panel.names["regime"]]
    if year_effects:
        dummies, dummy_names = year_dummies(panel)
        columns.append(dummies)
        names += dummy_names
    return np.hstack(columns), names


def _check_full_rank(base: np.ndarray, names: list[str], effects: str) -> None:
    """Raise naming the regressors that the fixed effects absorb or that are collinear."""
    scale = np.sqrt((base**2).sum(axis=0))
    absorbed = [name for name, s in zip(names, scale) if s <= 1e-12 * max(1.0, scale.max())]
    if absorbed:
        raise ValueError(
            f"threshold model: {absorbed} do not vary within any {effects.split()[0]}, "
            f"so the {effects} effects absorb them; drop them from the model"
        )
    normalised = base / scale
    _, singular, vt = np.linalg.svd(normalised, full_matrices=False)
    tiny = singular <= 1e-10 * singular[0]
    if tiny.any():
        weights = np.abs(vt[tiny]).max(axis=0)
        involved = [name for name, w in zip(names, weights) if w > 1e-6]
        raise ValueError(
            f"threshold model: regressors {involved} are collinear after removing the "
            f"{effects} effects; drop one of them"
        )


@dataclass(frozen=True)
class FixedPart:
    """The factorised fixed part of one search: shared by every outcome searched on it.

    Attributes
    ----------
    earlier : tuple of int
        Lower-regime sizes of the earlier thresholds whose regime columns it includes.
    basis : ndarray, shape (m, kb)
        Orthonormal basis Q of the transformed fixed part.
    denominators : ndarray, shape (c, kr, kr)
        H at every candidate.
    usable : ndarray of bool, shape (c,)
        Candidates whose regime block is not spanned by the fixed part.
    """

    earlier: tuple[int, ...]
    basis: np.ndarray
    denominators: np.ndarray
    usable: np.ndarray


class ThresholdProblem:
    """Everything about one panel that every threshold search on it shares.

    Parameters
    ----------
    panel : PanelArrays
    settings : ThresholdSettings

    Raises
    ------
    ValueError
        A regressor is absorbed by the fixed effects or collinear with others; q has
        fewer than two distinct values.
    """

    def __init__(self, panel: PanelArrays, settings: ThresholdSettings) -> None:
        self.panel = panel
        self.settings = settings
        self.transform = WithinTransform(panel.n_entities, panel.n_periods, settings.within)
        raw_base, self.base_names = base_design(panel, settings.year_effects)
        self.base = self.transform.apply(raw_base)
        effects = panel.names["entity"] + (" and year" if settings.year_effects else "")
        _check_full_rank(self.base, self.base_names, effects)
        self.y = self.transform.apply(panel.y)

        self.order = np.argsort(panel.q, kind="stable")
        self.rank = np.empty_like(self.order)
        self.rank[self.order] = np.arange(len(self.order))
        self.x_sorted = panel.regime[self.order]
        self.candidates: Candidates = threshold_candidates(
            panel.q[self.order], settings.search, settings.grid, settings.trims[0],
            settings.lower_regime,
        )
        self._quadratic = self._regime_quadratic()[self.candidates.prefixes - 1]
        trace = np.trace(self._quadratic, axis1=1, axis2=2)
        self._collinear_floor = _COLLINEAR_SHARE * trace
        self._base_part: FixedPart | None = None
        self._base_projection: np.ndarray | None = None

    @property
    def base_projection(self) -> np.ndarray:
        """C~'Q at every candidate for the orthonormal basis Q of the base, (c, kr, kb)."""
        self.fixed_part(())
        return self._base_projection

    @property
    def n_obs(self) -> int:
        return self.panel.n_obs

    @property
    def n_regime(self) -> int:
        return self.x_sorted.shape[1]

    def degrees_of_freedom(self, thresholds: int) -> int:
        """Divisor of sigma^2 in a model with this many thresholds."""
        within = self.panel.n_entities * (self.panel.n_periods - 1)
        if self.settings.sigma2_df == "NT-N":
            return within
        return within - self.base.shape[1] - thresholds * self.n_regime

    def regime_block(self, prefix: int) -> np.ndarray:
        """Raw regime regressors in the lower regime of this candidate, zero elsewhere."""
        lower = self.rank < prefix
        return self.panel.regime * lower[:, None]

    def _regime_quadratic(self) -> np.ndarray:
        """Running C~'C~ = C'W'WC over q order, shape (n, kr, kr): row j has j+1 lower.

        W'W is, entity by entity, E - (1e' + e1')/T + K/T^2 11' with e the kept periods
        and K their number; so C~'C~ is a sum over lower observations of e_j x_j x_j'
        plus, per entity, -(s k' + k s')/T + K/T^2 s s' with s the entity's sum of lower
        x and k its sum over kept periods. Each observation's increment follows from the
        entity's sums before it.
        """
        n_entities, periods = self.panel.n_entities, self.panel.n_periods
        kept_count = self.transform.kept_periods
        x = self.x_sorted
        weight = self.transform.kept[self.order][:, None]
        by_entity = np.argsort(self.order // periods, kind="stable")

        def before(values: np.ndarray) -> np.ndarray:
            grouped = values[by_entity].reshape(n_entities, periods, -1)
            exclusive = np.cumsum(grouped, axis=1) - grouped
            result = np.empty_like(values)
            result[by_entity] = exclusive.reshape(values.shape)
            return result

        s, k = before(x), before(weight * x)
        outer = np.einsum("ja,jb->jab", x, x)

        def sym(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            ab = np.einsum("ja,jb->jab", a, b)
            return ab + ab.transpose(0, 2, 1)

        w = weight[:, :, None]
        increment = (
            w * outer
            - (w * sym(s, x) + sym(x, k) + 2 * w * outer) / periods
            + kept_count / periods**2 * (sym(s, x) + outer)
        )
        return np.cumsum(increment, axis=0)

    def running_cross(self, values: np.ndarray) -> np.ndarray:
        """C~'v at every candidate for transformed v, shape (m, p) -> (c, kr, p)."""
        raw = self.transform.adjoint(values)[self.order]
        product = self.x_sorted[:, :, None] * raw[:, None, :]
        return np.cumsum(product, axis=0)[self.candidates.prefixes - 1]

    def fixed_part(self, earlier: Sequence[int] = ()) -> FixedPart:
        """Factorise the fixed part with the regime columns of ``earlier`` thresholds.

        The base is factorised once (QR); each earlier threshold then adds its regime
        columns by Gram-Schmidt, and H loses the rank-one terms of the new directions,
        one running sum each, so a bootstrap sample's own earlier thresholds cost O(n).
        """
        earlier = tuple(sorted(int(p) for p in earlier))
        if not earlier:
            if self._base_part is None:
                basis, _ = np.linalg.qr(self.base)
                projected = self.running_cross(basis)
                denominators = self._quadratic - projected @ projected.transpose(0, 2, 1)
                self._base_projection = projected
                self._base_part = FixedPart((), basis, denominators, self.usable(denominators))
            return self._base_part
        part = self.fixed_part(earlier[:-1])
        basis, denominators = part.basis, part.denominators
        block = self.transform.apply(self.regime_block(earlier[-1]))
        for column in block.T:
            for _ in range(2):  # orthogonalise twice: classical Gram-Schmidt is then stable
                column = column - basis @ (basis.T @ column)
            direction = column / np.sqrt(column @ column)
            basis = np.column_stack([basis, direction])
            projected = self.running_cross(direction[:, None])
            denominators = denominators - projected @ projected.transpose(0, 2, 1)
        return FixedPart(earlier, basis, denominators, self.usable(denominators))

    def usable(self, denominators: np.ndarray) -> np.ndarray:
        """Candidates whose H is not (numerically) singular, shape (..., c).

        Parameters
        ----------
        denominators : ndarray, shape (..., c, kr, kr)
            H at every candidate, for one or more fixed parts.
        """
        if self.n_regime == 1:
            smallest = denominators[..., 0, 0]
        else:
            smallest = np.linalg.eigvalsh(denominators)[..., 0]
        return smallest > self._collinear_floor

    def residuals(self, fixed: FixedPart, outcomes: np.ndarray) -> np.ndarray:
        """M_B y for transformed outcomes, shape (m,) or (m, p)."""
        return outcomes - fixed.basis @ (fixed.basis.T @ outcomes)

    def numerators(
        self, fixed: FixedPart, outcomes: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """SSR of the fixed part alone, shape (p,), and b = C~'M_B y~ at every candidate,
        shape (c, kr, p); ``outcomes`` as in ``ssr``."""
        outcomes = outcomes.reshape(len(outcomes), -1)
        resid = self.residuals(fixed, outcomes)
        return np.einsum("ij,ij->j", resid, resid), self.running_cross(resid)

    def ssr(self, fixed: FixedPart, outcomes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """SSR of the fixed part alone and at every candidate.

        Parameters
        ----------
        fixed : FixedPart
        outcomes : ndarray, shape (m,) or (m, p)
            Transformed outcomes, one per column.

        Returns
        -------
        ssr_fixed : ndarray, shape (p,)
        ssr : ndarray, shape (c, p)
            Unusable candidates (see ``FixedPart.usable``) hold +inf.
        """
        ssr_fixed, numerators = self.numerators(fixed, outcomes)
        reduction = explained(numerators.transpose(2, 0, 1), fixed.denominators, fixed.usable)
        ssr = ssr_fixed[None, :] - reduction.T
        ssr[~fixed.usable] = np.inf
        return ssr_fixed, ssr


def explained(
    numerators: np.ndarray, denominators: np.ndarray, usable: np.ndarray
) -> np.ndarray:
    """SSR reduction b'H^{-1}b at every candidate; meaningless where not usable.

    Parameters
    ----------
    numerators : ndarray, shape (..., c, kr)
    denominators : ndarray, shape (..., c, kr, kr)
    usable : ndarray of bool, shape (..., c)
        Leading dimensions of the denominators and ``usable`` broadcast against
        those of the numerators.

    Returns
    -------
    ndarray, shape (..., c)
        Callers mask the candidates that are not usable.
    """
    if numerators.shape[-1] == 1:
        # An unusable candidate may divide by zero; callers mask it.
        reduction = np.square(numerators[..., 0])
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.divide(reduction, denominators[..., 0, 0], out=reduction)
    identity = np.eye(numerators.shape[-1])
    safe = np.where(usable[..., None, None], denominators, identity)
    solved = np.linalg.solve(safe, numerators[..., None])[..., 0]
    return np.einsum("...a,...a->...", numerators, solved)
