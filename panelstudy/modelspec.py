"""The roles of the variables in the study's models and their shared FE settings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import pandas as pd

from panelstudy.fe import ABSORBED_ACTIONS, COV_TYPES, FEResult, fit_fe

__all__ = ["DEFAULT_CONTROLS", "ModelSpec"]

DEFAULT_CONTROLS = ("AE", "GS", "FJ", "JT", "RD", "CY")

_ROLE_KEYS = ("outcome", "core", "controls", "moderator")
_PANEL_KEYS = ("entity", "time")
_FE_KEYS = {
    "entity_effects": "entity_effects",
    "time_effects": "year_effects",
    "cov": "cov_type",
    "absorbed": "absorbed",
}


def _reject_unknown(section: str, given: Mapping, allowed: Sequence[str]) -> None:
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise ValueError(
            f"{section}: unknown keys {unknown}; allowed keys: {', '.join(allowed)}"
        )


@dataclass(frozen=True)
class ModelSpec:
    """Outcome, core regressor, controls and moderator, and how every FE model is fitted.

    Parameters
    ----------
    outcome : str, default "INE"
    core : str, default "AI"
    controls : tuple of str, default ("AE", "GS", "FJ", "JT", "RD", "CY")
    moderator : str or None, default "IPP"
    entity, time : str, default "province", "year"
    cov_type : {"clustered", "robust", "unadjusted"}, default "clustered"
    absorbed : {"error", "drop"}, default "error"
    entity_effects, year_effects : bool, default True
    """

    outcome: str = "INE"
    core: str = "AI"
    controls: tuple[str, ...] = field(default=DEFAULT_CONTROLS)
    moderator: str | None = "IPP"
    entity: str = "province"
    time: str = "year"
    cov_type: str = "clustered"
    absorbed: str = "error"
    entity_effects: bool = True
    year_effects: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "controls", tuple(self.controls))
        if self.cov_type not in COV_TYPES:
            raise ValueError(
                f"cov must be one of {', '.join(COV_TYPES)}; got {self.cov_type!r}"
            )
        if self.absorbed not in ABSORBED_ACTIONS:
            raise ValueError(
                f"absorbed must be one of {', '.join(ABSORBED_ACTIONS)}; "
                f"got {self.absorbed!r}"
            )

    @classmethod
    def from_config(
        cls,
        roles: Mapping,
        panel: Mapping | None = None,
        fe: Mapping | None = None,
    ) -> ModelSpec:
        """Build from the config sections.

        Parameters
        ----------
        roles : mapping
            ``outcome``, ``core``, optional ``controls`` (list) and ``moderator``.
        panel : mapping, optional
            ``entity`` and ``time`` column names.
        fe : mapping, optional
            ``entity_effects``, ``time_effects``, ``cov``, ``absorbed``.
        """
        panel, fe = panel or {}, fe or {}
        _reject_unknown("model roles", roles, _ROLE_KEYS)
        _reject_unknown("panel", panel, _PANEL_KEYS)
        _reject_unknown("fixed-effects settings", fe, tuple(_FE_KEYS))
        settings = {k: roles[k] for k in _ROLE_KEYS if k in roles}
        settings.update({k: panel[k] for k in _PANEL_KEYS if k in panel})
        settings.update({_FE_KEYS[k]: v for k, v in fe.items()})
        if "controls" in settings:
            settings["controls"] = tuple(settings["controls"] or ())
        if "moderator" in roles and not roles["moderator"]:
            settings["moderator"] = None
        return cls(**settings)

    def with_changes(self, **changes) -> ModelSpec:
        """A copy with some fields replaced."""
        return replace(self, **changes)

    def fit(
        self,
        data: pd.DataFrame,
        regressors: Sequence[str],
        *,
        outcome: str | None = None,
        cov_type: str | None = None,
        absorbed: str | None = None,
    ) -> FEResult:
        """Fit ``outcome`` (default: the spec's) on ``regressors``, the spec's effects."""
        return fit_fe(
            data,
            outcome or self.outcome,
            regressors,
            entity=self.entity,
            time=self.time,
            cov_type=cov_type or self.cov_type,
            absorbed=absorbed or self.absorbed,
            entity_effects=self.entity_effects,
            year_effects=self.year_effects,
        )
