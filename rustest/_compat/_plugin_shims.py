"""The plugin modules a suite imports under ``--pytest-compat``: pytest_asyncio, pytest_trio, pytest_mock.

``pytest_asyncio.fixture`` and ``pytest_trio.trio_fixture`` are rustest
fixtures pinned to their backend; an explicit ``loop_scope`` is kept, so the
planner honours it and reports a test whose loop it cannot serve.
``from pytest_trio.enable_trio_mode import *`` in a ``conftest.py`` brings
in hook functions that turn trio mode on, exactly as with pytest-trio.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Iterable
from types import ModuleType
from typing import Any, NoReturn, TypeVar, cast

from rustest._collect._funcargs import code_flags
from rustest._compat._lazy import lazy_module
from rustest._compat._missing import MissingPytestFeature
from rustest._fixture_api import fixture as rustest_fixture

__all__ = [
    "TRIO_MODE_HOOK_ATTR",
    "asyncio_fixture",
    "build_pytest_asyncio_module",
    "build_pytest_mock_module",
    "build_pytest_trio_module",
    "build_trio_mode_module",
    "trio_fixture",
]

TRIO_MODE_HOOK_ATTR = "__rustest_trio_mode__"
"""Set on the hook functions of ``pytest_trio.enable_trio_mode``: a conftest holding them wants trio mode."""

FixtureFunction = TypeVar("FixtureFunction", bound=Callable[..., object])
_Ids = Iterable[object] | Callable[[Any], object] | None


def asyncio_fixture(
    fixture_function: FixtureFunction | None = None,
    /,
    *,
    scope: str = "function",
    loop_scope: str | None = None,
    params: Iterable[object] | None = None,
    autouse: bool = False,
    ids: _Ids = None,
    name: str | None = None,
) -> Any:
    """``pytest_asyncio.fixture``: a fixture whose async function runs on asyncio.

    *loop_scope* names the event loop it runs on explicitly; a test that
    needs a wider loop than an explicit ``loop_scope`` allows is reported
    at plan time, before anything runs. Without it rustest chooses.
    """

    def decorate(function: FixtureFunction) -> FixtureFunction:
        is_async, _ = code_flags(function)
        decorated: FixtureFunction = rustest_fixture(
            function,
            scope=scope,
            params=params,
            autouse=autouse,
            ids=ids,
            name=name,
            loop_scope=loop_scope,
            backend="asyncio" if is_async else None,
        )
        return decorated

    return decorate if fixture_function is None else decorate(fixture_function)


def trio_fixture(
    fixture_function: FixtureFunction | None = None,
    /,
    *,
    scope: str = "function",
    params: Iterable[object] | None = None,
    autouse: bool = False,
    ids: _Ids = None,
    name: str | None = None,
) -> Any:
    """``pytest_trio.trio_fixture``: a fixture that runs inside the trio run of the tests that use it.

    A sync function runs inside the run too, so it may call trio functions
    that need a running run (``trio.lowlevel.current_task()``, ...).
    """

    def decorate(function: FixtureFunction) -> FixtureFunction:
        is_async, is_generator = code_flags(function)
        inside_run = function if is_async else _inside_trio_run(function, is_generator)
        decorated = rustest_fixture(
            inside_run, scope=scope, params=params, autouse=autouse, ids=ids, name=name, backend="trio"
        )
        return cast("FixtureFunction", decorated)

    return decorate if fixture_function is None else decorate(fixture_function)


def _inside_trio_run(function: Callable[..., Any], is_generator: bool) -> Callable[..., Any]:
    """Wrap sync fixture *function* in an async one, so the executor calls it on the trio run."""
    if is_generator:

        @functools.wraps(function)
        async def generator_in_run(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            for value in function(*args, **kwargs):
                yield value

        return generator_in_run

    @functools.wraps(function)
    async def in_run(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    return in_run


def _trio_mode_hook(name: str) -> Callable[..., NoReturn]:
    def hook(*args: object, **kwargs: object) -> NoReturn:
        raise MissingPytestFeature(
            f"calling pytest_trio.enable_trio_mode.{name}()",
            "rustest turns trio mode on when it finds this hook in a conftest.py; it never calls it",
        )

    hook.__name__ = hook.__qualname__ = name
    hook.__doc__ = f"pytest-trio's {name} hook: its presence in a conftest.py turns trio mode on."
    setattr(hook, TRIO_MODE_HOOK_ATTR, True)
    return hook


def build_pytest_asyncio_module() -> ModuleType:
    """Return a fresh ``pytest_asyncio`` shim module."""
    return lazy_module(
        "pytest_asyncio",
        "pytest-asyncio's API, served by rustest (--pytest-compat).",
        {"fixture": "rustest._compat._plugin_shims:asyncio_fixture"},
        hints={
            "is_async_test": "rustest does not run pytest hooks; every async test runs without a marker",
        },
    )


def build_pytest_mock_module() -> ModuleType:
    """Return a fresh ``pytest_mock`` shim module: its classes are those of rustest's ``mocker`` fixtures."""
    return lazy_module(
        "pytest_mock",
        "pytest-mock's API, served by rustest (--pytest-compat); the mocker fixtures are built in.",
        {
            "MockerFixture": "rustest._builtins:MockerFixture",
            "MockFixture": "rustest._builtins:MockerFixture",
        },
    )


def build_pytest_trio_module() -> ModuleType:
    """Return a fresh ``pytest_trio`` shim package."""
    package = lazy_module(
        "pytest_trio",
        "pytest-trio's API, served by rustest (--pytest-compat).",
        {"trio_fixture": "rustest._compat._plugin_shims:trio_fixture"},
    )
    package.__path__ = []
    return package


def build_trio_mode_module() -> ModuleType:
    """Return a fresh ``pytest_trio.enable_trio_mode`` shim module, whose hooks mean "trio mode on"."""
    hooks = {
        name: _trio_mode_hook(name) for name in ("pytest_collection_modifyitems", "pytest_fixture_setup")
    }
    return lazy_module(
        "pytest_trio.enable_trio_mode",
        "Import * from here in a conftest.py to run every async test on trio, as with pytest-trio.",
        {},
        values={**hooks, "__all__": list(hooks)},
    )
