"""What the backend tests need to say the same thing on asyncio and on trio."""

from __future__ import annotations

import _thread
import asyncio
import functools
import os
import signal
import socket
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

import trio

from rustest._backends import AsyncioBackend, Backend, LoopRunner, TrioBackend
from rustest._plan import LoopSpec
from rustest._scope import Scope

__all__ = [
    "ASYNCIO",
    "TRIO",
    "Flavor",
    "ask_server",
    "echo_server_fixture",
    "group",
    "sigint_after",
    "open_runner",
    "start_in",
    "step",
]

CANCEL_TIMEOUT = 0.3
"""A short cancel timeout keeps the tests of abandoned tasks quick."""


async def _asyncio_checkpoint() -> None:
    await asyncio.sleep(0)


def _asyncio_current_task() -> object:
    return asyncio.current_task()


def _trio_current_task() -> object:
    return trio.lowlevel.current_task()


def _asyncio_spawn(fn: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.get_running_loop().create_task(fn())


def _trio_spawn(fn: Callable[[], Coroutine[Any, Any, None]]) -> None:
    trio.lowlevel.spawn_system_task(fn)


class _AsyncioEvent:
    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        self._event.set()

    async def wait(self) -> None:
        await self._event.wait()


@dataclass(frozen=True)
class Flavor:
    """One backend and the async vocabulary its tests are written in."""

    name: str
    make: Callable[..., Backend]
    sleep: Callable[[float], Awaitable[None]]
    checkpoint: Callable[[], Awaitable[None]]
    current_task: Callable[[], object]
    spawn: Callable[[Callable[[], Coroutine[Any, Any, None]]], None]
    """Start a task that outlives the step (a system task on trio)."""
    event: Callable[[], Any]
    cancelled: type[BaseException]
    run: Callable[[Callable[[], Coroutine[Any, Any, Any]]], Any]
    """Run an async function to completion from sync code, as a sync test would."""

    def backend(self, **options: Any) -> Backend:
        """Return a backend of this flavor with a short cancel timeout."""
        options.setdefault("cancel_timeout", CANCEL_TIMEOUT)
        return self.make(**options)


ASYNCIO = Flavor(
    name="asyncio",
    make=AsyncioBackend,
    sleep=asyncio.sleep,
    checkpoint=_asyncio_checkpoint,
    current_task=_asyncio_current_task,
    spawn=_asyncio_spawn,
    event=_AsyncioEvent,
    cancelled=asyncio.CancelledError,
    run=lambda fn: asyncio.run(fn()),
)

TRIO = Flavor(
    name="trio",
    make=TrioBackend,
    sleep=trio.sleep,
    checkpoint=trio.lowlevel.checkpoint,
    current_task=_trio_current_task,
    spawn=_trio_spawn,
    event=trio.Event,
    cancelled=trio.Cancelled,
    run=trio.run,
)


def open_runner(
    flavor: Flavor, inline: bool, scope: Scope = Scope.SESSION, step_count: int = 0, **options: Any
) -> LoopRunner:
    """Open a loop of *flavor* described the way the planner would describe it (*step_count* 0: unknown)."""
    spec = LoopSpec(
        backend=flavor.name,
        scope=scope,
        node=-1 if scope is Scope.FUNCTION else 0,
        item=0 if scope is Scope.FUNCTION else -1,
        inline=inline,
        step_count=step_count,
    )
    return flavor.backend(**options).open_loop(spec)


def step(fn: Callable[..., Awaitable[Any]], *args: Any) -> Coroutine[Any, Any, Any]:
    """Wrap an awaitable-returning call into a coroutine, as the executor hands steps over."""

    async def call() -> Any:
        return await fn(*args)

    return call()


_SIGINT_DELIVERIES: dict[str, Callable[[], object]] = {
    "interrupt_main": _thread.interrupt_main,
    "raise_signal": lambda: signal.raise_signal(signal.SIGINT),
    "kill": lambda: os.kill(os.getpid(), signal.SIGINT),
}


def sigint_after(seconds: float, how: str) -> threading.Timer:
    """From a timer thread, deliver SIGINT after *seconds*.

    ``how`` is ``"interrupt_main"`` (simulated in the main thread),
    ``"raise_signal"`` (a real signal to the timer thread) or ``"kill"`` (a
    real signal to the process, as Ctrl-C sends it).
    """
    timer = threading.Timer(seconds, _SIGINT_DELIVERIES[how])
    timer.start()
    return timer


async def _asyncio_echo_server() -> AsyncIterator[int]:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(await reader.readline())
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    async with server:
        yield server.sockets[0].getsockname()[1]


async def _trio_echo_server() -> AsyncIterator[int]:
    async def echo(stream: trio.SocketStream) -> None:
        data = b""
        while not data.endswith(b"\n"):
            chunk = await stream.receive_some()
            if not chunk:
                break
            data += chunk
        await stream.send_all(data)
        await stream.aclose()

    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(functools.partial(trio.serve_tcp, echo, 0, host="127.0.0.1"))
        yield listeners[0].socket.getsockname()[1]
        nursery.cancel_scope.cancel()


def echo_server_fixture(flavor: Flavor) -> AsyncIterator[int]:
    """Return an async generator fixture that serves an echo server and yields its port."""
    return _asyncio_echo_server() if flavor.name == "asyncio" else _trio_echo_server()


def ask_server(port: int, message: bytes) -> bytes:
    """Send one line to the server on *port* from plain sync code and return its answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(message + b"\n")
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = sock.recv(1024)
            if not chunk:
                break
            answer += chunk
        return answer.rstrip(b"\n")


def group(flavor: Flavor) -> AbstractAsyncContextManager[Any]:
    """Open a task group (asyncio) or a nursery (trio)."""
    if flavor.name == "asyncio":
        return asyncio.TaskGroup()  # type: ignore[attr-defined, no-any-return, unused-ignore]
    return trio.open_nursery()


def start_in(flavor: Flavor, opened: Any, fn: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Start *fn* in a group opened with ``group()``."""
    if flavor.name == "asyncio":
        opened.create_task(fn())
    else:
        opened.start_soon(fn)
