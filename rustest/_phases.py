"""The phase of the test that is running, for what keeps its findings per phase (``caplog``, log capture).

The executor calls :func:`enter_phase` as a test moves from setting up its
fixtures to its call and to tearing down; readers call :func:`current_phase`.
Outside a run the phase is ``"call"``, so code that logs with no executor
around sees one phase.
"""

from __future__ import annotations

__all__ = ["PHASES", "current_phase", "enter_phase"]

PHASES = ("setup", "call", "teardown")
"""The phases of one test, in order (pytest's ``when``)."""

_current = "call"


def current_phase() -> str:
    """Return the phase of the running test: ``"setup"``, ``"call"`` or ``"teardown"``."""
    return _current


def enter_phase(phase: str) -> None:
    """Record that the running test has entered *phase*, one of :data:`PHASES`."""
    # One process-wide phase: one executor runs at a time.
    global _current
    _current = phase
