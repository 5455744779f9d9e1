"""Shared fixtures: ``core`` gives planner tests both planning cores, ``backend`` both event-loop backends."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest

__all__ = ["backend", "core"]

_CORE_MODULES = {
    "c-extension-module": "rustest._core",
    "pure-python-module": "rustest._core_py",
}


@pytest.fixture(scope="session", params=list(_CORE_MODULES), ids=list(_CORE_MODULES))
def core(request: pytest.FixtureRequest) -> ModuleType:
    """Return one planning core module: the compiled ``rustest._core`` or the pure-Python twin.

    A compiled core that is not built is skipped, unless
    ``RUSTEST_REQUIRE_EXTENSIONS=1`` says it must be there: then its absence
    fails every test that asks for it, so CI cannot pass on the fallback alone.
    """
    name = _CORE_MODULES[request.param]
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        if os.environ.get("RUSTEST_REQUIRE_EXTENSIONS") == "1":
            pytest.fail(f"{name} is required (RUSTEST_REQUIRE_EXTENSIONS=1) but cannot be imported: {exc}")
        pytest.skip(f"{name} is not built: {exc}")


# -- executor tests: one suite, every backend (owned by the executor tests) --


@pytest.fixture(params=["asyncio", "trio"], ids=["asyncio", "trio"])
def backend(request: pytest.FixtureRequest) -> str:
    """Return the event-loop backend an executor test runs its suite on: ``"asyncio"`` or ``"trio"``."""
    return str(request.param)
