"""Exceptions that name what a dataset or a setting lacks, so the workflow can say so."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

__all__ = ["MissingVariable", "require_columns", "require_unique_rows"]


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
        first = frame.loc[repeated, [entity, time]].iloc[0].tolist()
        raise ValueError(
            f"{context}: {int(repeated.sum())} repeated ({entity}, {time}) rows, "
            f"e.g. {first}"
        )
