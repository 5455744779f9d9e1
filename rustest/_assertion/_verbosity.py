"""How much a failed assert shows, set once per run by the command line's ``-v``/``-q``.

It lives apart from the explaining code so that setting it does not import
what only a failing assert needs.
"""

from __future__ import annotations

__all__ = ["get_verbosity", "set_verbosity"]

_level = 0


def set_verbosity(level: int) -> None:
    """Set how much failed asserts show: 0 is short, 1 adds full diffs, 2 and more disables truncation."""
    global _level
    _level = level


def get_verbosity() -> int:
    """Return the verbosity set by :func:`set_verbosity` (0 unless changed)."""
    return _level
