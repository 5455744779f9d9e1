"""The closing line of a run (``1 failed, 2 passed in 0.12s``) and its colours."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from rustest._events import Outcome
from rustest._reporting._color import Color

__all__ = ["format_session_duration", "format_summary_line", "main_color", "summary_parts"]

_OUTCOME_PARTS: tuple[tuple[str, Color], ...] = (
    ("failed", Color.RED),
    ("passed", Color.GREEN),
    ("skipped", Color.YELLOW),
    ("deselected", Color.YELLOW),
    ("xfailed", Color.YELLOW),
    ("xpassed", Color.YELLOW),
    ("warnings", Color.YELLOW),
    ("errors", Color.RED),
)
"""Every part of the line in pytest's order, with its colour."""


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


def summary_parts(
    counts: Mapping[Outcome, int],
    *,
    deselected: int = 0,
    warnings: int = 0,
    collection_errors: int = 0,
) -> list[tuple[str, Color]]:
    """Return the non-zero parts of the closing line with their colours, in pytest's order.

    ``collection_errors`` (files that could not be collected) count as errors,
    together with the tests whose outcome is ``error``.
    """
    values = {
        "failed": counts.get(Outcome.FAILED, 0),
        "passed": counts.get(Outcome.PASSED, 0),
        "skipped": counts.get(Outcome.SKIPPED, 0),
        "deselected": deselected,
        "xfailed": counts.get(Outcome.XFAILED, 0),
        "xpassed": counts.get(Outcome.XPASSED, 0),
        "warnings": warnings,
        "errors": counts.get(Outcome.ERROR, 0) + collection_errors,
    }
    parts: list[tuple[str, Color]] = []
    for key, color in _OUTCOME_PARTS:
        count = values[key]
        if not count:
            continue
        if key == "warnings":
            text = _plural(count, "warning", "warnings")
        elif key == "errors":
            text = _plural(count, "error", "errors")
        else:
            text = f"{count} {key}"
        parts.append((text, color))
    return parts


def main_color(
    counts: Mapping[Outcome, int],
    *,
    warnings: int = 0,
    collection_errors: int = 0,
    finished: bool = True,
) -> Color:
    """Return the colour of the run so far: red on any failure, yellow on warnings or xpasses, else green.

    A finished run in which nothing passed (all skipped, say) is yellow too;
    while tests are still running it stays green until something goes wrong.
    """
    if counts.get(Outcome.FAILED, 0) or counts.get(Outcome.ERROR, 0) or collection_errors:
        return Color.RED
    if warnings or counts.get(Outcome.XPASSED, 0):
        return Color.YELLOW
    if counts.get(Outcome.PASSED, 0) or not finished:
        return Color.GREEN
    return Color.YELLOW


def format_session_duration(seconds: float) -> str:
    """Format a run's duration as ``0.12s``, adding ``(h:mm:ss)`` from one minute on."""
    if seconds < 60:
        return f"{seconds:.2f}s"
    return f"{seconds:.2f}s ({datetime.timedelta(seconds=int(seconds))})"


def format_summary_line(
    counts: Mapping[Outcome, int],
    duration: float,
    *,
    deselected: int = 0,
    warnings: int = 0,
    collection_errors: int = 0,
) -> str:
    """Return the closing line of a run without decoration: ``1 failed, 2 passed in 0.12s``.

    Zero counts are left out; a run with nothing to count reads
    ``no tests ran in 0.01s``.
    """
    parts = summary_parts(
        counts, deselected=deselected, warnings=warnings, collection_errors=collection_errors
    )
    text = ", ".join(part for part, _ in parts) if parts else "no tests ran"
    return f"{text} in {format_session_duration(duration)}"
