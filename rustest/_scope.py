"""The ordered fixture and loop scopes."""

from __future__ import annotations

import enum

__all__ = ["Scope"]


class Scope(enum.IntEnum):
    """How long a fixture instance or an event loop lives, narrowest first.

    The integer order is the width order, so ``max()`` over scopes gives the
    widest one.
    """

    FUNCTION = 0
    CLASS = 1
    MODULE = 2
    PACKAGE = 3
    SESSION = 4

    @classmethod
    def parse(cls, value: str | Scope) -> Scope:
        """Return the scope named by *value* (``"module"``), or raise ``ValueError``."""
        if isinstance(value, Scope):
            return value
        try:
            return cls[value.upper()]
        except KeyError:
            names = ", ".join(repr(s.label) for s in cls)
            raise ValueError(f"unknown scope {value!r}: expected one of {names}") from None

    @property
    def label(self) -> str:
        """The lower-case name users write (``"session"``)."""
        return self.name.lower()
