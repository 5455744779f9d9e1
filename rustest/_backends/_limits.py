"""Time bounds that keep closing a loop from hanging on misbehaving user code."""

from __future__ import annotations

__all__ = ["CLOSE_GRACE", "DEFAULT_CANCEL_TIMEOUT"]

DEFAULT_CANCEL_TIMEOUT = 1.0
"""Seconds that tasks left running at close get to finish cancelling before they are abandoned."""

CLOSE_GRACE = 5.0
"""Seconds beyond the cancel timeouts that ``close()`` waits for a hosting thread before abandoning it."""
