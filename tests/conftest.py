"""Shared fixtures: ``backend`` runs every executor test on asyncio and on trio."""

from __future__ import annotations

import pytest

__all__ = ["backend"]


# -- executor tests: one suite, every backend (owned by the executor tests) --


@pytest.fixture(params=["asyncio", "trio"], ids=["asyncio", "trio"])
def backend(request: pytest.FixtureRequest) -> str:
    """Return the event-loop backend an executor test runs its suite on: ``"asyncio"`` or ``"trio"``."""
    return str(request.param)
