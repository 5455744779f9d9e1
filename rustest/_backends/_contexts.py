"""Carry context variables that sync code set on the executor's thread into a loop's driver task.

Every step of a loop runs in its driver task's context, so that values set
by async fixtures reach later steps. Sync fixtures set theirs on the
executor's thread, in another context; before each step the driver takes
over the values that changed there since the previous step.
"""

from __future__ import annotations

import contextvars
from typing import Any

__all__ = ["ContextChanges", "apply_changes", "changed_since"]

ContextChanges = list[tuple[contextvars.ContextVar[Any], Any]]
"""Context variables and the values they took."""

_MISSING = object()


def changed_since(before: contextvars.Context, now: contextvars.Context) -> ContextChanges:
    """Return the variables whose value in *now* is not the one they had in *before*."""
    return [(var, value) for var, value in now.items() if before.get(var, _MISSING) is not value]


def apply_changes(changes: ContextChanges) -> None:
    """Set each changed variable in the current context."""
    for var, value in changes:
        var.set(value)
