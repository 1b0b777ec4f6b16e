"""Logging set-up for a workflow job: one line per event, into the rule's log file."""

from __future__ import annotations

import logging
import sys
import traceback

__all__ = ["log_to_file"]

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_to_file(path: str) -> logging.Logger:
    """Send log records, warnings and an uncaught traceback to ``path``.

    Returns the logger scripts use for their own lines.
    """
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT, datefmt="%H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)

    def log_uncaught(kind, value, trace):
        root.error("".join(traceback.format_exception(kind, value, trace)).rstrip())
        sys.__excepthook__(kind, value, trace)

    sys.excepthook = log_uncaught
    return logging.getLogger("panelstudy.job")
