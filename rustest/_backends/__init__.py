"""Event-loop backends: open a loop for a plan's loop key and run async steps on it from sync code.

The executor sees only the ``Backend`` and ``LoopRunner`` protocols; asyncio
and trio are two implementations, and an embedder can add a third.
"""

from __future__ import annotations

from typing import Any

from rustest._backends._asyncio import AsyncioBackend
from rustest._backends._protocol import Backend, BatchingRunner, LeakedTask, LoopRunner, StepBatch
from rustest._backends._trio import TrioBackend

__all__ = [
    "AsyncioBackend",
    "Backend",
    "BatchingRunner",
    "LeakedTask",
    "LoopRunner",
    "StepBatch",
    "TrioBackend",
    "get_backend",
]

_BACKENDS: dict[str, type[AsyncioBackend] | type[TrioBackend]] = {
    AsyncioBackend.name: AsyncioBackend,
    TrioBackend.name: TrioBackend,
}


def get_backend(name: str, **options: Any) -> Backend:
    """Return a new backend called *name* (``"asyncio"`` or ``"trio"``), built with *options*.

    Raises ``ValueError`` naming the known backends if *name* is not one of them.
    """
    try:
        backend_type = _BACKENDS[name]
    except KeyError:
        known = ", ".join(repr(known) for known in sorted(_BACKENDS))
        raise ValueError(f"unknown event-loop backend {name!r}: expected one of {known}") from None
    return backend_type(**options)
