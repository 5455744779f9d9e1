"""The asyncio backend's public face; asyncio itself is imported only when a loop is opened.

A run whose tests are all synchronous never pays for importing asyncio (and
the ssl, socket and subprocess modules it pulls in). The runners live in
``_asyncio_runner``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rustest._backends._limits import DEFAULT_CANCEL_TIMEOUT
from rustest._backends._protocol import LoopRunner
from rustest._plan import LoopSpec

if TYPE_CHECKING:
    import asyncio

__all__ = ["AsyncioBackend", "LoopFactory"]

LoopFactory = Callable[[], "asyncio.AbstractEventLoop"]
"""Something that makes a new event loop: ``asyncio.new_event_loop``, ``uvloop.new_event_loop``."""


class AsyncioBackend:
    """Opens asyncio event loops, each driven by one long-lived driver task.

    *loop_factory* makes each loop (``None``, the default, means
    ``asyncio.new_event_loop``; pass ``uvloop.new_event_loop`` for uvloop).
    *cancel_timeout* bounds, in seconds, how long ``close()`` waits for
    leftover tasks to finish cancelling and for async generators to finalise.
    Importing this module does not import asyncio.
    """

    name = "asyncio"

    def __init__(
        self,
        loop_factory: LoopFactory | None = None,
        *,
        cancel_timeout: float = DEFAULT_CANCEL_TIMEOUT,
    ) -> None:
        self.loop_factory: LoopFactory | None = loop_factory
        self.cancel_timeout = cancel_timeout

    def open_loop(self, spec: LoopSpec) -> LoopRunner:
        """Open a loop for *spec*: driven on the calling thread if inline, else on a hosting thread.

        An inline loop's driver ends after ``spec.step_count`` steps (unless
        it is 0), so closing a loop whose last step left nothing behind costs
        no more turns of it; a step beyond that count raises RuntimeError.
        """
        from rustest._backends._asyncio_runner import open_asyncio_loop

        return open_asyncio_loop(spec, self.loop_factory, self.cancel_timeout)
