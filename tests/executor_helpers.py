"""Helpers for the executor tests: suites built from plain functions, run through ``rustest.core``.

A ``Suite`` turns functions defined inside a test into ``Node``,
``FixtureDef`` and ``TestDef`` definitions (arguments name the requested
fixtures; async-ness is read from the function), runs them with
``core.run`` and keeps every event. An ``AsyncKit`` gives the user
functions of a suite one vocabulary for both backends, so each executor test
is written once and runs on asyncio and on trio.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import contextvars
import functools
import inspect
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, overload

import trio  # type: ignore[import-untyped, unused-ignore]

from rustest import core

__all__ = [
    "AsyncKit",
    "AsyncioKit",
    "FakeDatabase",
    "Suite",
    "SuiteRun",
    "TrioKit",
    "kit_for",
]

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

_REPLY_PREFIX = b"pong:"


class AsyncKit(abc.ABC):
    """The async operations a suite's user functions need, spelled once for both backends."""

    name: str

    @abc.abstractmethod
    def current_loop(self) -> object:
        """Return what identifies the running loop: the asyncio loop, or the trio run's root task."""

    @abc.abstractmethod
    def current_task(self) -> object:
        """Return the task running the calling coroutine."""

    @abc.abstractmethod
    def has_running_loop(self) -> bool:
        """Tell whether the calling thread is inside a loop (or run) of this backend."""

    @abc.abstractmethod
    def loop_is_closed(self, loop: object) -> bool:
        """Tell whether *loop*, as returned by ``current_loop()``, has been closed (or its run has ended)."""

    @abc.abstractmethod
    async def sleep(self, seconds: float) -> None:
        """Sleep for *seconds* on the running loop."""

    @abc.abstractmethod
    def run(self, async_fn: Callable[[], Awaitable[T]]) -> T:
        """Run *async_fn* to completion on a new loop of its own: ``asyncio.run`` or ``trio.run``."""

    @abc.abstractmethod
    def background(
        self, async_fn: Callable[[], Awaitable[None]]
    ) -> contextlib.AbstractAsyncContextManager[None]:
        """Run *async_fn* in a task group (a nursery) while the block runs; cancel it at the end."""

    @abc.abstractmethod
    def cancel_scope(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Enter a scope bound to the current task: a trio cancel scope, an asyncio timeout."""

    @abc.abstractmethod
    def spawn_forever(self) -> None:
        """Start a task that sleeps forever and is left running when the caller returns."""

    @abc.abstractmethod
    def serve_replies(self) -> contextlib.AbstractAsyncContextManager[tuple[str, int]]:
        """Serve TCP on a loopback port while the block runs, answering each message with ``pong:<it>``."""


class AsyncioKit(AsyncKit):
    """The kit of the asyncio backend."""

    name = "asyncio"

    def __init__(self) -> None:
        # The loop keeps only weak references to its tasks.
        self._left_running: list[asyncio.Task[None]] = []

    def current_loop(self) -> object:
        """Return the running event loop."""
        return asyncio.get_running_loop()

    def current_task(self) -> object:
        """Return the running task."""
        return asyncio.current_task()

    def has_running_loop(self) -> bool:
        """Tell whether this thread runs an asyncio loop."""
        return asyncio._get_running_loop() is not None

    def loop_is_closed(self, loop: object) -> bool:
        """Tell whether the asyncio loop *loop* is closed."""
        assert isinstance(loop, asyncio.AbstractEventLoop)
        return loop.is_closed()

    async def sleep(self, seconds: float) -> None:
        """``asyncio.sleep``."""
        await asyncio.sleep(seconds)

    def run(self, async_fn: Callable[[], Awaitable[T]]) -> T:
        """``asyncio.run``."""

        async def main() -> T:
            return await async_fn()

        return asyncio.run(main())

    @contextlib.asynccontextmanager
    async def background(self, async_fn: Callable[[], Awaitable[None]]) -> AsyncIterator[None]:
        """Run *async_fn* in a task group (a plain task before Python 3.11) around the block."""

        async def body() -> None:
            await async_fn()

        if sys.version_info >= (3, 11):
            async with asyncio.TaskGroup() as group:
                task = group.create_task(body())
                yield
                task.cancel()
        else:
            task = asyncio.get_running_loop().create_task(body())
            try:
                yield
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    @contextlib.asynccontextmanager
    async def cancel_scope(self) -> AsyncIterator[None]:
        """Enter ``asyncio.timeout(None)`` (checked by hand before Python 3.11) around the block."""
        if sys.version_info >= (3, 11):
            async with asyncio.timeout(None):
                yield
        else:
            entered_in = asyncio.current_task()
            yield
            if asyncio.current_task() is not entered_in:
                raise RuntimeError("the scope was left in another task than the one that entered it")

    def spawn_forever(self) -> None:
        """Create a task that sleeps forever and keep a reference to it."""
        self._left_running.append(asyncio.get_running_loop().create_task(asyncio.sleep(3600)))

    @contextlib.asynccontextmanager
    async def serve_replies(self) -> AsyncIterator[tuple[str, int]]:
        """``asyncio.start_server`` on 127.0.0.1, closed at the end of the block."""

        async def reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            message = await reader.read(100)
            writer.write(_REPLY_PREFIX + message)
            await writer.drain()
            writer.close()
            await writer.wait_closed()

        server = await asyncio.start_server(reply, "127.0.0.1", 0)
        try:
            host, port = server.sockets[0].getsockname()[:2]
            yield host, port
        finally:
            server.close()
            await server.wait_closed()


class TrioKit(AsyncKit):
    """The kit of the trio backend."""

    name = "trio"

    def current_loop(self) -> object:
        """Return the root task of the current trio run: one per run."""
        return trio.lowlevel.current_root_task()

    def current_task(self) -> object:
        """Return the running trio task."""
        return trio.lowlevel.current_task()

    def has_running_loop(self) -> bool:
        """Tell whether this thread is inside a trio run."""
        try:
            trio.lowlevel.current_root_task()
        except RuntimeError:
            return False
        return True

    def loop_is_closed(self, loop: object) -> bool:
        """Tell whether the run whose root task is *loop* has ended."""
        coro = getattr(loop, "coro", None)
        assert inspect.iscoroutine(coro)
        return inspect.getcoroutinestate(coro) == inspect.CORO_CLOSED

    async def sleep(self, seconds: float) -> None:
        """``trio.sleep``."""
        await trio.sleep(seconds)

    def run(self, async_fn: Callable[[], Awaitable[T]]) -> T:
        """``trio.run``."""

        async def main() -> T:
            return await async_fn()

        result: T = trio.run(main)
        return result

    @contextlib.asynccontextmanager
    async def background(self, async_fn: Callable[[], Awaitable[None]]) -> AsyncIterator[None]:
        """Run *async_fn* in a nursery around the block, then cancel the nursery."""
        async with trio.open_nursery() as nursery:
            nursery.start_soon(async_fn)
            yield
            nursery.cancel_scope.cancel()

    @contextlib.asynccontextmanager
    async def cancel_scope(self) -> AsyncIterator[None]:
        """Enter a ``trio.CancelScope`` around the block (trio itself checks it is left in the same task)."""
        with trio.CancelScope():
            yield

    def spawn_forever(self) -> None:
        """Spawn a system task: trio's only way to start a task that outlives its caller."""
        trio.lowlevel.spawn_system_task(trio.sleep_forever)

    @contextlib.asynccontextmanager
    async def serve_replies(self) -> AsyncIterator[tuple[str, int]]:
        """``trio.serve_tcp`` on 127.0.0.1 in a nursery that is cancelled at the end of the block."""

        async def reply(stream: Any) -> None:
            message = await stream.receive_some(100)
            await stream.send_all(_REPLY_PREFIX + message)
            await stream.aclose()

        async with trio.open_nursery() as nursery:
            listeners = await nursery.start(functools.partial(trio.serve_tcp, reply, 0, host="127.0.0.1"))
            host, port = listeners[0].socket.getsockname()[:2]
            yield host, port
            nursery.cancel_scope.cancel()


def kit_for(backend: str) -> AsyncKit:
    """Return a new kit for *backend* (``"asyncio"`` or ``"trio"``)."""
    kits: dict[str, type[AsyncKit]] = {"asyncio": AsyncioKit, "trio": TrioKit}
    return kits[backend]()


class FakeDatabase:
    """A stand-in for a connection bound to the loop that opened it, as real drivers are.

    Using it from another loop raises the error real drivers raise, so a test
    that runs on the wrong loop fails instead of passing by luck.
    """

    def __init__(self, kit: AsyncKit) -> None:
        self.kit = kit
        self.loop = kit.current_loop()
        self.closed = False
        self.users: dict[int, str] = {}

    async def query(self, sql: str) -> list[str]:
        """Return one row naming *sql*, after a checkpoint on the connection's own loop."""
        self._check_loop()
        await self.kit.sleep(0)
        return [f"row of {sql}"]

    async def create_user(self, email: str) -> tuple[int, str]:
        """Add a user and return ``(id, email)``."""
        self._check_loop()
        await self.kit.sleep(0)
        user_id = len(self.users) + 1
        self.users[user_id] = email
        return user_id, email

    async def delete_user(self, user_id: int) -> None:
        """Remove the user *user_id*."""
        self._check_loop()
        await self.kit.sleep(0)
        del self.users[user_id]

    async def disconnect(self) -> None:
        """Close the connection."""
        self._check_loop()
        await self.kit.sleep(0)
        self.closed = True

    def _check_loop(self) -> None:
        if self.closed:
            raise RuntimeError("the connection is closed")
        if self.kit.current_loop() is not self.loop:
            raise RuntimeError("Task got Future attached to a different loop")


@dataclass
class SuiteRun:
    """What one run of a suite produced: the result, every event, and the planned item ids."""

    result: core.SessionResult
    events: list[core.Event]
    item_ids: list[str]

    def report(self, name: str) -> core.TestReport:
        """Return the report of the test called *name* (the last part of its id)."""
        matches = [r for r in self.result.reports if r.nodeid.rsplit("::", 1)[-1] == name]
        assert len(matches) == 1, f"expected one report for {name!r}, got {matches}"
        return matches[0]

    @property
    def outcomes(self) -> dict[str, core.Outcome]:
        """Map each test's name (the last part of its id) to its outcome."""
        return {r.nodeid.rsplit("::", 1)[-1]: r.outcome for r in self.result.reports}

    @property
    def finished_per_item(self) -> dict[str, int]:
        """Count the ``TestFinished`` events of each node id."""
        return dict(Counter(e.report.nodeid for e in self.events if isinstance(e, core.TestFinished)))

    @property
    def warning_events(self) -> list[core.WarningEmitted]:
        """Return the ``WarningEmitted`` events in order."""
        return [e for e in self.events if isinstance(e, core.WarningEmitted)]

    @property
    def session_finished(self) -> core.SessionFinished:
        """Return the one ``SessionFinished`` event, which must be the last event."""
        last = self.events[-1]
        assert isinstance(last, core.SessionFinished), f"last event is {last!r}"
        return last


class Suite:
    """Definitions for one run, built from plain functions by decorators.

    A new suite holds the session node and one module node
    (``test_mod.py``), where tests and fixtures go unless told otherwise.
    Every test uses the suite's backend, sync ones included, so that the
    async fixtures they request run on that backend.
    """

    def __init__(self, backend: str = "asyncio") -> None:
        self.backend = backend
        self.kit = kit_for(backend)
        self.nodes: list[core.Node] = [core.Node(core.Scope.SESSION, -1, "session")]
        self.fixtures: list[core.FixtureDef] = []
        self.tests: list[core.TestDef] = []
        self.default_module = self.module("test_mod.py")

    def module(self, name: str) -> int:
        """Add a module node called *name* and return its index."""
        self.nodes.append(core.Node(core.Scope.MODULE, core.SESSION_NODE, name))
        return len(self.nodes) - 1

    def test_class(self, name: str, module: int | None = None) -> int:
        """Add a test class node called *name* in *module* (the default module) and return its index."""
        parent = self.default_module if module is None else module
        self.nodes.append(core.Node(core.Scope.CLASS, parent, name))
        return len(self.nodes) - 1

    @overload
    def fixture(self, func: F) -> F: ...

    @overload
    def fixture(
        self,
        func: None = None,
        *,
        scope: str = "function",
        name: str | None = None,
        node: int = core.SESSION_NODE,
        autouse: bool = False,
        params: Sequence[object] | None = None,
    ) -> Callable[[F], F]: ...

    def fixture(
        self,
        func: Callable[..., Any] | None = None,
        *,
        scope: str = "function",
        name: str | None = None,
        node: int = core.SESSION_NODE,
        autouse: bool = False,
        params: Sequence[object] | None = None,
    ) -> Any:
        """Define a fixture from a function; its arguments are the fixtures it requests."""

        def define(func: Callable[..., Any]) -> Callable[..., Any]:
            self.fixtures.append(
                core.FixtureDef(
                    name or func.__name__,
                    func,
                    scope=core.Scope.parse(scope),
                    requests=_argument_names(func),
                    is_async=inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func),
                    is_generator=inspect.isgeneratorfunction(func) or inspect.isasyncgenfunction(func),
                    autouse=autouse,
                    params=tuple(params) if params is not None else None,
                    node=node,
                    location=_location(func),
                )
            )
            return func

        return define(func) if func is not None else define

    @overload
    def test(self, func: F) -> F: ...

    @overload
    def test(
        self,
        func: None = None,
        *,
        node: int | None = None,
        loop_scope: str | None = None,
        skip: str | None = None,
        xfail: core.XFail | None = None,
        usefixtures: Sequence[str] = (),
        values: Mapping[str, object] | None = None,
        backend: str | None = None,
    ) -> Callable[[F], F]: ...

    def test(
        self,
        func: Callable[..., Any] | None = None,
        *,
        node: int | None = None,
        loop_scope: str | None = None,
        skip: str | None = None,
        xfail: core.XFail | None = None,
        usefixtures: Sequence[str] = (),
        values: Mapping[str, object] | None = None,
        backend: str | None = None,
    ) -> Any:
        """Define a test from a function; its arguments are fixtures, unless *values* supplies them.

        The test uses the suite's backend unless *backend* names another one.
        """

        def define(func: Callable[..., Any]) -> Callable[..., Any]:
            where = self.default_module if node is None else node
            self.tests.append(
                core.TestDef(
                    f"{self._node_id(where)}::{func.__name__}",
                    func,
                    node=where,
                    requests=tuple(a for a in _argument_names(func) if a not in (values or {})),
                    usefixtures=tuple(usefixtures),
                    is_async=inspect.iscoroutinefunction(func),
                    backend=backend or self.backend,
                    loop_scope=core.Scope.parse(loop_scope) if loop_scope is not None else None,
                    loop_scope_source="decorator" if loop_scope is not None else "",
                    values=dict(values or {}),
                    skip=skip,
                    xfail=xfail,
                    location=_location(func),
                )
            )
            return func

        return define(func) if func is not None else define

    def _node_id(self, index: int) -> str:
        node = self.nodes[index]
        if node.scope is core.Scope.CLASS:
            return f"{self._node_id(node.parent)}::{node.name}"
        return node.name

    def plan(self, tests: Sequence[core.TestDef] | None = None) -> core.Plan:
        """Plan the suite, or the suite with *tests* (for example reordered) in place of its tests."""
        return core.plan(self.nodes, self.fixtures, self.tests if tests is None else tests)

    def run(
        self,
        *,
        maxfail: int = 0,
        capture: core.OutputCapture | None = None,
        backends: Mapping[str, core.Backend] | None = None,
    ) -> SuiteRun:
        """Run the suite with ``core.run``, keeping every event."""
        events: list[core.Event] = []
        # A copied context keeps the context variables that the suite's
        # fixtures set from leaking into the test that runs the suite.
        result = contextvars.copy_context().run(
            core.run,
            self.nodes,
            self.fixtures,
            self.tests,
            backends=backends,
            listeners=[events.append],
            maxfail=maxfail,
            capture=capture,
        )
        return SuiteRun(result, events, list(self.plan().item_ids))


def _argument_names(func: Callable[..., Any]) -> tuple[str, ...]:
    return tuple(inspect.signature(func).parameters)


def _location(func: Callable[..., Any]) -> str:
    code = func.__code__
    return f"{code.co_filename}:{code.co_firstlineno}"
