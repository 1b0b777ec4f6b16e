"""One table job of the workflow: analysis panel in, tidy CSV and Markdown out.

A model whose variables the dataset cannot build is skipped: its CSV holds the tidy
header and no rows, its Markdown says which variable is missing and why, never a number.
"Cannot build" means the catalogue says why under ``notes``; a missing variable without
a note is an error, since it is far more often a misspelt name in ``model:`` or a
variant than a known gap, and a run ending in blank tables would hide it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping

import pandas as pd

from panelstudy.errors import MissingVariable
from panelstudy.modelspec import ModelSpec
from panelstudy.tables import TIDY_COLUMNS, write_table

__all__ = ["run_table_job"]

log = logging.getLogger(__name__)


def run_table_job(
    build: Callable[[pd.DataFrame, ModelSpec], object],
    analysis_path: str | os.PathLike,
    csv_path: str | os.PathLike,
    md_path: str | os.PathLike,
    settings: Mapping,
    title: str,
) -> None:
    """Read the analysis panel, build one table, write it (or its skip note).

    Parameters
    ----------
    build : callable
        ``build(data, spec)`` returning a ``BuiltTable`` (frame, title, notes).
    settings : mapping
        ``roles``, ``notes`` (variable -> why the dataset lacks it), ``panel``, ``fe`` and
        ``simulated``, as the workflow passes them.
    title : str
        Used for the skip note.

    Raises
    ------
    ValueError
        A variable the table needs is missing and ``notes`` does not say why.
    """
    data = pd.read_parquet(analysis_path)
    spec = ModelSpec.from_config(settings["roles"], settings["panel"], settings["fe"])
    simulated = bool(settings.get("simulated", False))
    log.info("%s: %d rows, outcome %s, core %s, controls %s", title, len(data),
             spec.outcome, spec.core, list(spec.controls))
    try:
        built = build(data, spec)
    except MissingVariable as missing:
        reasons = settings.get("notes", {})
        unexplained = [name for name in missing.variables if name not in reasons]
        if unexplained:
            raise ValueError(
                f"{title}: {missing}, and the catalogue's notes do not say why "
                f"{', '.join(unexplained)} cannot be built. Check the spelling in "
                f"model: (columns of the analysis panel: {sorted(data.columns)}), or "
                "add a note saying why the dataset lacks it to skip the table"
            ) from missing
        why = [f"{name}: {reasons[name]}" for name in missing.variables]
        log.warning("%s skipped: %s", title, missing)
        write_table(
            pd.DataFrame(columns=TIDY_COLUMNS), csv_path, md_path,
            f"{title}: SKIPPED",
            notes=[f"Skipped: {missing}.", *why], simulated=simulated,
        )
        return
    write_table(built.frame, csv_path, md_path, built.title, built.notes, simulated=simulated)
    log.info("%s: %d cells written", built.title, len(built.frame))
