"""Settings of the panel threshold estimator, each convention named with its default.

Implementations of Hansen (1999) differ in a few conventions; every one is a field here so
that a result can always say which conventions produced it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields

__all__ = ["ThresholdSettings", "BootstrapPlan"]

_CHOICES = {
    "search": ("exact", "grid"),
    "lower_regime": ("<=", "<"),
    "within": ("full", "drop_period"),
    "sigma2_df": ("NT-N", "NT-N-k"),
    "cluster": ("entity", "none"),
    "missing": ("error", "drop_entity"),
    "earlier_thresholds": ("search", "fixed"),
}


@dataclass(frozen=True)
class ThresholdSettings:
    """What to estimate and under which conventions.

    Parameters
    ----------
    outcome : str
        Dependent variable.
    regime_regressors : tuple of str
        Regressors whose slopes switch between regimes.
    threshold_variable : str
        Variable q whose value decides the regime.
    controls : tuple of str
        Regressors with one slope in every regime.
    max_thresholds : int
        Number of thresholds searched in sequence, 1 to 3. Default 3.
    trims : tuple of float
        Trimming share of step 1, 2, 3: a regime that a step's threshold bounds
        must hold at least ``ceil(trim * n)`` observations (the outermost regimes use
        the first trim, as in Hansen's code). Default (0.01, 0.01, 0.05).
    search : {"exact", "grid"}
        ``exact``: every distinct value of q is a candidate. ``grid``: Hansen's quantile
        grid, the values at shares trim, trim + 1/grid, ..., 1 - trim of the sorted
        distinct values of q. Default ``exact``.
    grid : int
        Number of grid points per unit share for ``search="grid"``. Default 400.
    lower_regime : {"<=", "<"}
        Lower regime is ``q <= g`` (xthreg) or ``q < g`` (Hansen's code). Default ``<=``.
    within : {"full", "drop_period"}
        ``full``: entity demeaning of every period (xthreg). ``drop_period``: demean,
        then drop each entity's last period (Hansen's code). Default ``full``.
    sigma2_df : {"NT-N", "NT-N-k"}
        Divisor of sigma^2 = SSR / df in F and LR: N(T-1) as in Hansen (1999), or
        N(T-1) - k with k slope coefficients of the threshold model. Default ``NT-N``.
    year_effects : bool
        Add one dummy per period but the first (two-way fixed effects). Default True.
    cluster : {"entity", "none"}
        Standard errors of the regime model: clustered by entity, or homoskedastic.
        Default ``entity``.
    confidence : float
        Level of the likelihood-ratio confidence interval of each threshold.
        Default 0.95.
    missing : {"error", "drop_entity"}
        A missing value or a missing period stops with an error naming the entity and
        period, or drops that whole entity (logged). Default ``error``.
    earlier_thresholds : {"search", "fixed"}
        In the bootstrap of test k > 1: re-estimate thresholds 1..k-1 on each bootstrap
        sample exactly as the estimator does (in sequence, with its refinement), or
        hold them at their (refined) estimates. Default ``search``.
    model_thresholds : int or "auto"
        Thresholds of the regime model (Table 7); ``auto`` takes the largest k whose
        tests 1..k are all significant at ``significance``. Default ``auto``.
    significance : float
        Level used by ``model_thresholds="auto"``. Default 0.05.
    """

    outcome: str
    regime_regressors: tuple[str, ...]
    threshold_variable: str
    controls: tuple[str, ...] = ()
    max_thresholds: int = 3
    trims: tuple[float, ...] = (0.01, 0.01, 0.05)
    search: str = "exact"
    grid: int = 400
    lower_regime: str = "<="
    within: str = "full"
    sigma2_df: str = "NT-N"
    year_effects: bool = True
    cluster: str = "entity"
    confidence: float = 0.95
    missing: str = "error"
    earlier_thresholds: str = "search"
    model_thresholds: int | str = "auto"
    significance: float = 0.05

    def __post_init__(self) -> None:
        object.__setattr__(self, "regime_regressors", tuple(self.regime_regressors))
        object.__setattr__(self, "controls", tuple(self.controls))
        object.__setattr__(self, "trims", tuple(float(t) for t in self.trims))
        for name, allowed in _CHOICES.items():
            value = getattr(self, name)
            if value not in allowed:
                raise ValueError(
                    f"threshold setting {name}={value!r} is not allowed; "
                    f"choose one of {list(allowed)}"
                )
        if not 1 <= self.max_thresholds <= 3:
            raise ValueError(
                f"threshold setting max_thresholds={self.max_thresholds} must be 1, 2 or 3"
            )
        if len(self.trims) < self.max_thresholds:
            raise ValueError(
                f"threshold setting trims={list(self.trims)} needs one share per "
                f"threshold ({self.max_thresholds})"
            )
        if not all(0 < t < 0.5 for t in self.trims):
            raise ValueError(f"threshold trims {list(self.trims)} must lie in (0, 0.5)")
        if not self.regime_regressors:
            raise ValueError("threshold setting regime_regressors names no variable")
        if self.model_thresholds != "auto" and not (
            isinstance(self.model_thresholds, int)
            and 1 <= self.model_thresholds <= self.max_thresholds
        ):
            raise ValueError(
                f"threshold setting model_thresholds={self.model_thresholds!r} must be "
                f"'auto' or an integer from 1 to max_thresholds ({self.max_thresholds})"
            )
        if not 0 < self.confidence < 1:
            raise ValueError(f"threshold confidence={self.confidence} must lie in (0, 1)")
        if self.grid < 2:
            raise ValueError(f"threshold grid={self.grid} must be at least 2")

    @classmethod
    def from_config(cls, block: Mapping) -> ThresholdSettings:
        """Settings from the ``threshold:`` config block (bootstrap keys are ignored)."""
        known = {f.name for f in fields(cls)}
        flat = {key: value for key, value in block.items() if key in known}
        flat.update(
            {
                key: value
                for key, value in block.get("bootstrap", {}).items()
                if key == "earlier_thresholds"
            }
        )
        unknown = set(block) - known - {"bootstrap", "threads"}
        if unknown:
            raise ValueError(
                f"threshold config has unknown keys {sorted(unknown)}; known keys are "
                f"{sorted(known | {'bootstrap'})}"
            )
        if isinstance(flat.get("regime_regressors"), str):
            flat["regime_regressors"] = (flat["regime_regressors"],)
        return cls(**flat)

    def conventions(self) -> str:
        """One line naming every convention in force, printed with the results."""
        return (
            f"lower regime q {self.lower_regime} threshold; "
            f"within transformation: {self.within}; "
            f"candidates: {self.search}"
            + (f" (grid {self.grid})" if self.search == "grid" else "")
            + f"; trims {', '.join(f'{t:g}' for t in self.trims[: self.max_thresholds])}; "
            f"sigma^2 = SSR / ({self.sigma2_df}); "
            f"year effects: {'yes' if self.year_effects else 'no'}; "
            f"bootstrap re-estimates earlier thresholds: "
            f"{'yes' if self.earlier_thresholds == 'search' else 'no (held fixed)'}; "
            f"standard errors: "
            f"{'clustered by entity' if self.cluster == 'entity' else 'homoskedastic'}"
        )


@dataclass(frozen=True)
class BootstrapPlan:
    """How many bootstrap replications, in how many shards, from which seed.

    Replication r of test k draws its random numbers from ``SeedSequence([seed, k, r])``
    alone, so results do not depend on the number of shards or threads.
    """

    replications: int = 300
    shards: int = 4
    seed: int = 20221231
    tests: tuple[int, ...] = field(default=(1, 2, 3))

    def __post_init__(self) -> None:
        if self.replications < 1:
            raise ValueError(f"bootstrap replications={self.replications} must be >= 1")
        if self.shards < 1:
            raise ValueError(f"bootstrap shards={self.shards} must be >= 1")
        if self.seed < 0:
            raise ValueError(f"bootstrap seed={self.seed} must be >= 0")

    @classmethod
    def from_config(cls, block: Mapping, max_thresholds: int) -> BootstrapPlan:
        """Plan from the ``threshold.bootstrap`` config block."""
        boot = dict(block.get("bootstrap", {}))
        boot.pop("earlier_thresholds", None)
        return cls(tests=tuple(range(1, max_thresholds + 1)), **boot)
