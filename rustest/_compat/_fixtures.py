"""Fixtures that pytest, pytest-asyncio and pytest-trio provide and rustest's built-ins lack.

They are built-in fixtures (any suite fixture of the same name overrides
them) added only under ``--pytest-compat``:

- ``pytestconfig`` (session): the run's configuration, as ``request.config``.
- ``unused_tcp_port``, ``unused_udp_port`` and their ``_factory`` forms
  (pytest-asyncio): free ports on the loopback interface.
- ``nursery`` (pytest-trio): a nursery open for the whole test, cancelled
  when the test ends.
- ``autojump_clock`` and ``mock_clock`` (pytest-trio): a
  ``trio.testing.MockClock`` that drives the test's trio run from its
  setup on; ``autojump_clock`` jumps ahead whenever every task is blocked.
- ``event_loop`` (pytest-asyncio before 1.0), ``pytester``, ``testdir``,
  ``doctest_namespace``, the ``record_*`` fixtures, ``capteesys`` and
  ``subtests``: each fails the test that asks for it with a message naming
  the missing pytest feature (rustest chooses each test's loop itself, and
  has no sandboxed pytest, doctests, JUnit properties or subtests).
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, NoReturn

from rustest._builtins._define import builtin
from rustest._compat._missing import MissingPytestFeature
from rustest._definitions import FixtureDef
from rustest._request import FixtureRequest
from rustest._scope import Scope

__all__ = ["compat_fixtures"]


def pytestconfig(request: FixtureRequest) -> object:
    """Return the run's configuration (``getoption``, ``getini``, ``rootpath``, ``cache``)."""
    return request.config


_PYTESTER = "pytester runs pytest itself in a sandbox, which rustest cannot do"
_JUNIT_PROPERTIES = (
    "rustest's JUnit XML report carries per-test properties (record_property) but no "
    "suite properties or custom attributes"
)

_MISSING_FIXTURES: dict[str, tuple[str, str]] = {
    "event_loop": (
        "pytest-asyncio's event_loop fixture",
        "rustest chooses the loop of every async test and fixture itself; in async code use "
        "asyncio.get_running_loop(), and set loop_scope on mark.asyncio or pytest_asyncio.fixture "
        "to share a loop",
    ),
    "pytester": ("pytest's pytester fixture", _PYTESTER),
    "testdir": ("pytest's testdir fixture", _PYTESTER),
    "doctest_namespace": ("pytest's doctest_namespace fixture", "rustest does not collect doctests"),
    "record_xml_attribute": ("pytest's record_xml_attribute fixture", _JUNIT_PROPERTIES),
    "record_testsuite_property": ("pytest's record_testsuite_property fixture", _JUNIT_PROPERTIES),
    "capteesys": ("pytest's capteesys fixture", "use capsys, and print what it captured to show it"),
    "subtests": ("pytest's subtests fixture", "rustest has no subtests; parametrize the test instead"),
}
"""Fixtures of pytest and its async plugins that rustest lacks: name -> (feature, hint)."""


def _missing_fixture(feature: str, hint: str) -> Callable[[], NoReturn]:
    def missing() -> NoReturn:
        raise MissingPytestFeature(feature, hint)

    missing.__doc__ = f"Fail the test that asks for it: {feature} is not supported."
    return missing


def _unused_port(kind: socket.SocketKind) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _port_factory(kind: socket.SocketKind) -> Callable[[], int]:
    given: set[int] = set()

    def factory() -> int:
        port = _unused_port(kind)
        while port in given:
            port = _unused_port(kind)
        given.add(port)
        return port

    return factory


def unused_tcp_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on."""
    return _unused_port(socket.SOCK_STREAM)


def unused_udp_port() -> int:
    """Return a UDP port on 127.0.0.1 that nothing is bound to."""
    return _unused_port(socket.SOCK_DGRAM)


def unused_tcp_port_factory() -> Callable[[], int]:
    """Return a function giving a different unused TCP port on each call."""
    return _port_factory(socket.SOCK_STREAM)


def unused_udp_port_factory() -> Callable[[], int]:
    """Return a function giving a different unused UDP port on each call."""
    return _port_factory(socket.SOCK_DGRAM)


async def nursery() -> AsyncIterator[Any]:
    """Give a trio nursery that stays open for the test and is cancelled when the test ends."""
    import trio  # type: ignore[import-untyped, unused-ignore]

    async with trio.open_nursery() as opened:
        yield opened
        opened.cancel_scope.cancel()


@contextlib.contextmanager
def _driving(clock: Any, autojump_threshold: float | None) -> Iterator[None]:
    """Make *clock* the clock of the trio run on this thread until the block ends, then restore its own."""
    from trio._core._run import GLOBAL_RUN_CONTEXT  # type: ignore[import-untyped, unused-ignore]

    runner = GLOBAL_RUN_CONTEXT.runner
    previous_clock, previous_threshold = runner.clock, runner.clock_autojump_threshold
    runner.clock = clock
    clock.start_clock()
    if autojump_threshold is not None:
        # Only now: setting it reaches the run at once, and the run's own clock cannot autojump.
        clock.autojump_threshold = autojump_threshold
    try:
        yield
    finally:
        runner.clock = previous_clock
        runner.clock_autojump_threshold = previous_threshold


async def autojump_clock() -> AsyncIterator[Any]:
    """Give a ``MockClock`` driving the test's trio run that jumps ahead whenever every task is blocked."""
    from trio.testing import MockClock  # type: ignore[import-untyped, unused-ignore]

    clock = MockClock()
    with _driving(clock, autojump_threshold=0):
        yield clock


async def mock_clock() -> AsyncIterator[Any]:
    """Give a ``MockClock`` driving the test's trio run; time moves only when the test jumps it."""
    from trio.testing import MockClock  # type: ignore[import-untyped, unused-ignore]

    clock = MockClock()
    with _driving(clock, autojump_threshold=None):
        yield clock


def compat_fixtures() -> list[FixtureDef]:
    """Return the definitions of the compatibility fixtures, for one run."""
    on_trio = [
        dataclasses.replace(builtin(func), backend="trio") for func in (nursery, autojump_clock, mock_clock)
    ]
    return [
        builtin(pytestconfig, Scope.SESSION),
        *(builtin(_missing_fixture(*reason), name=name) for name, reason in _MISSING_FIXTURES.items()),
        builtin(unused_tcp_port),
        builtin(unused_udp_port),
        builtin(unused_tcp_port_factory),
        builtin(unused_udp_port_factory),
        *on_trio,
    ]
