"""Exceptions that name what a dataset or a setting lacks, so the workflow can say so."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = [
    "MissingVariable",
    "require_columns",
    "require_panel_keys",
    "require_unique_rows",
]

# A column whose values all lie in this range is taken to hold calendar years.
_YEARS = (1800, 2200)


class MissingVariable(LookupError):
    """A model or index needs a column that the data do not have.

    The workflow catches it to write a skip message instead of a table; it never fills
    the variable in.

    Parameters
    ----------
    variables : str or iterable of str
        The missing column names.
    needed_for : str
        What needs them, e.g. ``"Table 8 moderation"``.
    """

    def __init__(self, variables: str | Iterable[str], needed_for: str = "the model"):
        names = (variables,) if isinstance(variables, str) else tuple(variables)
        self.variables: tuple[str, ...] = names
        self.variable: str = names[0]
        self.needed_for = needed_for
        super().__init__(
            f"{needed_for} needs variable(s) {', '.join(repr(n) for n in names)}, "
            "which the data do not have"
        )

    def __str__(self) -> str:
        return str(self.args[0])


def require_columns(
    columns: Iterable[str], present: Iterable[str], needed_for: str
) -> None:
    """Raise :class:`MissingVariable` naming each of ``columns`` not in ``present``."""
    have = set(present)
    missing = [c for c in dict.fromkeys(columns) if c not in have]
    if missing:
        raise MissingVariable(missing, needed_for)


def require_unique_rows(
    frame: pd.DataFrame, entity: str, time: str, context: str
) -> None:
    """Raise ``ValueError``, with an example, if an entity has two rows for one time."""
    repeated = frame.duplicated([entity, time])
    if repeated.any():
        first = [value.item() if isinstance(value, np.generic) else value
                 for value in frame.loc[repeated, [entity, time]].iloc[0]]
        raise ValueError(
            f"{context}: {int(repeated.sum())} repeated ({entity}, {time}) rows, "
            f"e.g. {first}"
        )


def _year_span(values: pd.Series) -> tuple[int, int] | None:
    """(first, last) if every value is an integer calendar year, else None."""
    numbers = pd.to_numeric(values, errors="coerce")
    if values.empty or numbers.isna().any():
        return None
    numbers = numbers.astype(float)
    if not ((numbers % 1 == 0) & numbers.between(*_YEARS)).all():
        return None
    return int(numbers.min()), int(numbers.max())


def require_panel_keys(
    frame: pd.DataFrame, entity: str, time: str, context: str
) -> None:
    """Raise unless ``entity`` and ``time`` are usable keys of a long panel.

    Catches what would otherwise fit silently with the wrong structure: keys passed as
    index levels instead of columns, one column named for both, missing keys, a time
    column that holds neither integer periods nor dates, and an entity column holding
    years while the time column does not (entity and time swapped, so that years would
    be clustered and resampled as if they were provinces).

    Raises
    ------
    MissingVariable
        ``entity`` or ``time`` is neither a column nor an index level.
    ValueError
        Any other of the faults above, naming the columns and an example value.
    """
    if entity == time:
        raise ValueError(f"{context}: entity and time are both {entity!r}")
    absent = [name for name in (entity, time) if name not in frame.columns]
    levels = [name for name in frame.index.names if name is not None]
    if set(absent) & set(levels):
        raise ValueError(
            f"{context}: {absent} are index levels ({levels}), not columns; pass "
            "frame.reset_index() so that entity and time are named columns"
        )
    require_columns([entity, time], frame.columns, context)

    for name in (entity, time):
        missing = int(frame[name].isna().sum())
        if missing:
            raise ValueError(f"{context}: {missing} row(s) have no {name} value")
    swap = (
        f"are the entity ({entity!r}) and time ({time!r}) settings swapped? "
        "(config panel: {entity: ..., time: ...})"
    )
    times = frame[time]
    ordered = pd.api.types.is_integer_dtype(times) or (
        pd.api.types.is_float_dtype(times) and bool((times % 1 == 0).all())
    )
    ordered = ordered or pd.api.types.is_datetime64_any_dtype(times)
    if not ordered or pd.api.types.is_bool_dtype(times):
        example = times.iloc[0] if len(times) else None
        raise ValueError(
            f"{context}: time column {time!r} must hold integer periods such as years "
            f"(or dates), but holds {example!r} ({times.dtype}); write years as "
            f"integers (panelstudy.cells.to_years reads 2020年), or {swap}"
        )
    entity_years = _year_span(frame[entity])
    if entity_years is not None and _year_span(times) is None:
        raise ValueError(
            f"{context}: entity column {entity!r} holds years ({entity_years[0]}-"
            f"{entity_years[1]}) and time column {time!r} does not; {swap}"
        )
