"""The trio backend's public face; trio itself is imported only when a loop is opened."""

from __future__ import annotations

from rustest._backends._limits import DEFAULT_CANCEL_TIMEOUT
from rustest._backends._protocol import LoopRunner
from rustest._plan import LoopSpec

__all__ = ["TrioBackend"]


class TrioBackend:
    """Opens trio runs, each driven by one long-lived driver task (the run's main task).

    An inline loop is a run on the calling thread whose scheduler turns only
    while ``run()`` is in progress; a hosted loop is ``trio.run()`` on a hosting
    thread of its own. Since trio allows one run per thread, this lets a
    session-scoped hosted run coexist with per-test inline runs and with sync
    tests that call ``trio.run()`` themselves. *cancel_timeout* bounds, in
    seconds, how long ``close()`` waits for what is left of a run to end.
    Importing this module does not import trio.
    """

    name = "trio"

    def __init__(self, *, cancel_timeout: float = DEFAULT_CANCEL_TIMEOUT) -> None:
        self.cancel_timeout = cancel_timeout

    def open_loop(self, spec: LoopSpec) -> LoopRunner:
        """Open a trio run for *spec*: on this thread, step by step, if inline; else a hosted ``trio.run``."""
        from rustest._backends import _trio_runner

        return _trio_runner.open_trio_loop(spec, self.cancel_timeout)
