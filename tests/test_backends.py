"""The event-loop backends: one driver task per loop, inline or hosted, on asyncio and trio."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import sniffio
import trio
from backends_helpers import (
    ASYNCIO,
    TRIO,
    Flavor,
    ask_server,
    echo_server_fixture,
    group,
    open_runner,
    sigint_after,
    start_in,
    step,
)

import rustest._backends as backends
from rustest._backends import AsyncioBackend, LeakedTask, LoopRunner, TrioBackend, _trio_runner, get_backend
from rustest._scope import Scope

_REQUEST: contextvars.ContextVar[str] = contextvars.ContextVar("request")


@pytest.fixture(params=[ASYNCIO, TRIO], ids=["asyncio", "trio"])
def backend(request: pytest.FixtureRequest) -> Flavor:
    """Return the backend flavor a test runs on."""
    flavor: Flavor = request.param
    return flavor


@pytest.fixture(params=[True, False], ids=["inline", "hosted"])
def inline(request: pytest.FixtureRequest) -> bool:
    """Return whether the loop under test is driven inline or hosted on a thread of its own."""
    return bool(request.param)


@pytest.fixture
def runner(backend: Flavor, inline: bool) -> Iterator[LoopRunner]:
    """Open a session-scoped loop and close it after the test."""
    opened = open_runner(backend, inline)
    yield opened
    opened.close()


def _skip_unless_task_groups(backend: Flavor) -> None:
    if backend is ASYNCIO and sys.version_info < (3, 11):
        pytest.skip("asyncio.TaskGroup and asyncio.timeout are new in Python 3.11")


class Skipped(BaseException):
    """Stands for a skip signal: a BaseException that is not an Exception."""


# -- results -----------------------------------------------------------------


def test_run_returns_the_coroutine_value(runner: LoopRunner) -> None:
    async def answer() -> int:
        return 42

    assert runner.run(answer(), "test_answer") == 42


def test_run_raises_the_coroutine_exception(runner: LoopRunner) -> None:
    async def broken() -> None:
        raise ValueError("broken step")

    with pytest.raises(ValueError, match="broken step"):
        runner.run(broken(), "test_broken")


def test_base_exception_from_a_step_leaves_the_runner_usable(runner: LoopRunner) -> None:
    async def skip() -> None:
        raise Skipped

    async def answer() -> int:
        return 7

    with pytest.raises(Skipped):
        runner.run(skip(), "test_skip")
    assert runner.run(answer(), "test_after") == 7


def test_steps_that_wait_return_after_waiting(backend: Flavor, runner: LoopRunner) -> None:
    async def nap() -> str:
        await backend.sleep(0.01)
        return "rested"

    assert [runner.run(nap(), f"test_{i}") for i in range(3)] == ["rested"] * 3


def test_run_after_close_raises_runtime_error(backend: Flavor, inline: bool) -> None:
    opened = open_runner(backend, inline)
    opened.close()

    async def answer() -> int:
        return 1

    coro = answer()
    with pytest.raises(RuntimeError, match="closed"):
        opened.run(coro, "test_late")
    coro.close()


def test_closing_twice_reports_nothing_the_second_time(backend: Flavor, inline: bool) -> None:
    opened = open_runner(backend, inline)
    opened.run(step(backend.checkpoint), "test_once")
    opened.close()
    assert opened.close() == []


def test_closing_a_loop_that_ran_nothing_reports_nothing(backend: Flavor, inline: bool) -> None:
    assert open_runner(backend, inline).close() == []


# -- one driver task ---------------------------------------------------------


def test_every_step_runs_in_the_same_task(backend: Flavor, runner: LoopRunner) -> None:
    async def task() -> object:
        return backend.current_task()

    assert runner.run(task(), "fixture db") is runner.run(task(), "test_db")


def test_contextvar_set_by_one_step_is_seen_by_the_next(runner: LoopRunner) -> None:
    async def set_request() -> None:
        _REQUEST.set("fixture request")

    async def read_request() -> str:
        return _REQUEST.get("unset")

    runner.run(set_request(), "fixture request")
    assert runner.run(read_request(), "test_request") == "fixture request"


def test_contextvar_set_by_sync_code_between_steps_is_seen_by_the_next_step(runner: LoopRunner) -> None:
    async def read_request() -> str:
        return _REQUEST.get("unset")

    runner.run(read_request(), "fixture first")
    token = _REQUEST.set("from a sync fixture")
    try:
        assert runner.run(read_request(), "test_request") == "from a sync fixture"
    finally:
        _REQUEST.reset(token)


def test_contextvar_set_by_a_step_survives_sync_code_that_leaves_it_alone(runner: LoopRunner) -> None:
    async def set_request() -> None:
        _REQUEST.set("from an async fixture")

    async def read_request() -> str:
        return _REQUEST.get("unset")

    runner.run(set_request(), "fixture request")
    other: contextvars.ContextVar[int] = contextvars.ContextVar("other")
    other.set(1)
    assert runner.run(read_request(), "test_request") == "from an async fixture"


def test_async_generator_fixture_sets_up_and_tears_down_in_one_task(
    backend: Flavor, runner: LoopRunner
) -> None:
    tasks: list[object] = []

    async def fixture() -> AsyncIterator[None]:
        tasks.append(backend.current_task())
        yield
        tasks.append(backend.current_task())

    agen = fixture()
    runner.run(step(agen.__anext__), "fixture f")
    with pytest.raises(StopAsyncIteration):
        runner.run(step(agen.__anext__), "fixture f")
    assert tasks[0] is tasks[1]


def test_task_group_opened_before_yield_is_closed_after_it(backend: Flavor, runner: LoopRunner) -> None:
    _skip_unless_task_groups(backend)
    ticks: list[int] = []
    stop: list[bool] = []

    async def ticker() -> None:
        while not stop:
            ticks.append(1)
            await backend.sleep(0.001)

    async def fixture() -> AsyncIterator[None]:
        async with group(backend) as opened:
            start_in(backend, opened, ticker)
            yield
            stop.append(True)

    agen = fixture()
    runner.run(step(agen.__anext__), "fixture ticking")
    runner.run(step(backend.sleep, 0.01), "test_ticks")
    with pytest.raises(StopAsyncIteration):
        runner.run(step(agen.__anext__), "fixture ticking")
    assert ticks


def test_cancel_scope_opened_before_yield_is_closed_after_it(backend: Flavor, runner: LoopRunner) -> None:
    _skip_unless_task_groups(backend)

    async def fixture() -> AsyncIterator[None]:
        if backend is TRIO:
            with trio.move_on_after(60):
                yield
        else:
            async with asyncio.timeout(60):  # type: ignore[attr-defined, unused-ignore]
                yield

    agen = fixture()
    runner.run(step(agen.__anext__), "fixture deadline")
    runner.run(step(backend.checkpoint), "test_within_deadline")
    with pytest.raises(StopAsyncIteration):
        runner.run(step(agen.__anext__), "fixture deadline")


def test_group_child_failing_between_steps_cancels_the_next_step(backend: Flavor) -> None:
    _skip_unless_task_groups(backend)
    hosted = open_runner(backend, inline=False)

    async def crash() -> None:
        await backend.sleep(0.05)
        raise OSError("background task crashed")

    async def fixture() -> AsyncIterator[None]:
        async with group(backend) as opened:
            start_in(backend, opened, crash)
            yield

    agen = fixture()
    hosted.run(step(agen.__anext__), "fixture crashing")
    time.sleep(0.2)
    with pytest.raises(backend.cancelled):
        hosted.run(step(backend.sleep, 5), "test_in_crashed_group")
    teardown_error: BaseException | None = None
    try:
        hosted.run(step(agen.__anext__), "fixture crashing")
    except BaseException as exc:
        teardown_error = exc
    assert _holds(teardown_error, OSError)
    assert hosted.close() == []


def _holds(error: BaseException | None, kind: type[BaseException]) -> bool:
    """Tell whether *error* is a *kind*, or an exception group with one inside."""
    if isinstance(error, kind):
        return True
    return any(_holds(inner, kind) for inner in getattr(error, "exceptions", ()))


# -- inline and hosted -------------------------------------------------------


def test_inline_loop_runs_steps_on_the_calling_thread(backend: Flavor) -> None:
    opened = open_runner(backend, inline=True)

    async def thread() -> threading.Thread:
        return threading.current_thread()

    assert opened.run(thread(), "test_thread") is threading.current_thread()
    opened.close()


def test_inline_trio_step_woken_by_another_thread_finishes() -> None:
    opened = open_runner(TRIO, inline=True)

    def work() -> str:
        # Long enough that the run has nothing to do but wait for this thread.
        time.sleep(0.05)
        return "done"

    async def wait_for_a_thread() -> str:
        result: str = await trio.to_thread.run_sync(work)
        return result

    assert opened.run(wait_for_a_thread(), "test_thread") == "done"
    assert opened.close() == []


@pytest.mark.parametrize("missing", ["setup_runner", "unrolled_run"])
def test_a_trio_without_the_known_scheduler_entry_points_is_detected(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    monkeypatch.delattr(trio._core._run, missing)
    assert not _trio_runner._scheduler_entry_points_known()


def test_a_trio_with_a_reshaped_setup_runner_is_detected(monkeypatch: pytest.MonkeyPatch) -> None:
    def setup_runner(clock: object, instruments: object) -> None:
        raise AssertionError("an unknown entry point must not be called")

    monkeypatch.setattr(trio._core._run, "setup_runner", setup_runner)
    assert not _trio_runner._scheduler_entry_points_known()


def test_inline_trio_specs_get_working_hosted_runs_when_the_entry_points_are_unknown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_trio_runner, "INLINE_RUNS", False)
    opened = open_runner(TRIO, inline=True)

    async def where() -> tuple[threading.Thread, str]:
        await trio.sleep(0)
        return threading.current_thread(), sniffio.current_async_library()

    thread, library = opened.run(where(), "test_where")
    assert thread is not threading.current_thread()
    assert library == "trio"
    assert opened.close() == []


def test_sniffio_names_trio_inside_an_inline_trio_step_and_nothing_between_steps() -> None:
    opened = open_runner(TRIO, inline=True)

    async def library() -> str:
        return sniffio.current_async_library()

    inside = [opened.run(library(), f"test_{i}") for i in range(2)]
    with pytest.raises(sniffio.AsyncLibraryNotFoundError):
        sniffio.current_async_library()
    opened.close()
    assert inside == ["trio", "trio"]


def test_hosted_loop_runs_on_a_named_daemon_thread(backend: Flavor) -> None:
    opened = open_runner(backend, inline=False, scope=Scope.MODULE)

    async def thread() -> tuple[str, bool]:
        current = threading.current_thread()
        return current.name, current.daemon

    assert opened.run(thread(), "test_thread") == (f"rustest-loop-{backend.name}-module", True)
    opened.close()


def test_hosted_loop_keeps_serving_while_sync_code_runs(backend: Flavor) -> None:
    opened = open_runner(backend, inline=False)
    server = echo_server_fixture(backend)
    port = opened.run(step(server.__anext__), "fixture server")
    assert ask_server(port, b"ping") == b"ping"
    with pytest.raises(StopAsyncIteration):
        opened.run(step(server.__anext__), "fixture server")
    assert opened.close() == []


def test_hosted_loops_reuse_an_idle_hosting_thread(backend: Flavor) -> None:
    async def ident() -> int:
        return threading.get_ident()

    first = open_runner(backend, inline=False)
    first_thread = first.run(ident(), "test_first")
    first.close()
    second = open_runner(backend, inline=False)
    second_thread = second.run(ident(), "test_second")
    second.close()
    assert first_thread == second_thread


def test_sync_code_between_steps_sees_no_running_loop(backend: Flavor, inline: bool) -> None:
    opened = open_runner(backend, inline)
    opened.run(step(backend.checkpoint), "test_before")
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()
    if backend is TRIO and inline:
        # An inline loop is one that nothing else runs beside; trio keeps its
        # run on this thread, paused between steps, until the loop closes.
        assert trio.lowlevel.current_root_task() is not None
    else:
        with pytest.raises(RuntimeError):
            trio.lowlevel.current_task()
    opened.close()


def test_open_loop_from_inside_a_running_asyncio_loop_hosts_the_loop() -> None:
    async def embedder() -> str:
        opened = open_runner(ASYNCIO, inline=True)

        async def thread_name() -> str:
            return threading.current_thread().name

        name = opened.run(thread_name(), "test_embedded")
        opened.close()
        return name

    assert asyncio.run(embedder()) == "rustest-loop-asyncio-session"


def test_open_loop_on_a_thread_that_runs_trio_hosts_the_loop() -> None:
    async def embedder() -> str:
        opened = open_runner(TRIO, inline=True)

        async def thread_name() -> str:
            return threading.current_thread().name

        name = opened.run(thread_name(), "test_embedded")
        opened.close()
        return name

    assert trio.run(embedder) == "rustest-loop-trio-session"


# -- trio: one run per thread ------------------------------------------------


def test_hosted_trio_session_loop_coexists_with_inline_trio_loops() -> None:
    session = open_runner(TRIO, inline=False)
    session_task = session.run(step(_trio_task), "fixture session")
    for index in range(3):
        per_test = open_runner(TRIO, inline=True, scope=Scope.FUNCTION)
        assert per_test.run(step(_trio_task), f"test_{index}") is not session_task
        assert per_test.close() == []
    assert session.run(step(_trio_task), "test_session") is session_task
    assert session.close() == []


def test_sync_trio_run_works_while_a_hosted_trio_loop_is_alive() -> None:
    session = open_runner(TRIO, inline=False)
    session.run(step(trio.lowlevel.checkpoint), "fixture session")

    async def own_run() -> str:
        await trio.sleep(0)
        return "own run"

    assert trio.run(own_run) == "own run"
    session.run(step(trio.lowlevel.checkpoint), "test_after_own_run")
    assert session.close() == []


async def _trio_task() -> object:
    return trio.lowlevel.current_task()


# -- asyncio: the planned loop is current --------------------------------------


def test_asyncio_run_in_sync_code_does_not_unset_the_planned_loop(inline: bool) -> None:
    opened = open_runner(ASYNCIO, inline)

    async def current_is_running() -> bool:
        policy = asyncio.get_event_loop_policy()
        return policy.get_event_loop() is asyncio.get_running_loop()

    assert opened.run(current_is_running(), "fixture first")
    asyncio.run(asyncio.sleep(0))
    assert opened.run(current_is_running(), "test_after_asyncio_run")
    opened.close()


def test_loop_factory_makes_the_loops(inline: bool) -> None:
    class CountingLoop(asyncio.SelectorEventLoop):
        pass

    opened = open_runner(ASYNCIO, inline, loop_factory=CountingLoop)

    async def loop_type() -> type:
        return type(asyncio.get_running_loop())

    assert opened.run(loop_type(), "test_factory") is CountingLoop
    opened.close()


def test_previous_task_factory_still_makes_the_tasks(inline: bool) -> None:
    made: list[object] = []

    def loop_with_factory() -> asyncio.AbstractEventLoop:
        loop = asyncio.new_event_loop()

        def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
            task = asyncio.Task(coro, loop=loop, **kwargs)
            made.append(task)
            return task

        loop.set_task_factory(factory)
        return loop

    opened = open_runner(ASYNCIO, inline, loop_factory=loop_with_factory)

    async def spawn() -> object:
        return await asyncio.get_running_loop().create_task(asyncio.sleep(0, result="done"))

    assert opened.run(spawn(), "test_spawn") == "done"
    assert len(made) == 1
    opened.close()


# -- owners and leaks ----------------------------------------------------------


def test_close_reports_a_task_left_running_with_the_owner_that_created_it(
    backend: Flavor, runner: LoopRunner
) -> None:
    async def forever() -> None:
        await backend.sleep(3600)

    async def start_background() -> None:
        backend.spawn(forever)

    runner.run(start_background(), "fixture db")
    runner.run(step(backend.checkpoint), "tests/test_a.py::test_x")
    leaks = runner.close()
    assert [leak.owner for leak in leaks] == ["fixture db"]
    assert "forever" in leaks[0].description


@pytest.mark.parametrize("step_count", [0, 1], ids=["step-count-unknown", "last-planned-step"])
def test_close_reports_the_task_of_a_single_step_loop(backend: Flavor, inline: bool, step_count: int) -> None:
    # With a known step count the asyncio driver has ended after the step; close must still find the task.
    opened = open_runner(backend, inline, scope=Scope.FUNCTION, step_count=step_count)

    async def forever() -> None:
        await backend.sleep(3600)

    async def leaky_test() -> None:
        backend.spawn(forever)

    opened.run(leaky_test(), "tests/test_a.py::test_leaky")
    assert [leak.owner for leak in opened.close()] == ["tests/test_a.py::test_leaky"]


def test_an_async_generator_left_by_the_last_planned_step_is_finalised_in_the_steps_context(
    inline: bool,
) -> None:
    opened = open_runner(ASYNCIO, inline, scope=Scope.FUNCTION, step_count=1)
    seen: list[str] = []

    async def numbers() -> AsyncIterator[int]:
        try:
            yield 1
            yield 2
        finally:
            seen.append(_REQUEST.get("unset"))

    kept: list[AsyncIterator[int]] = []

    async def take_one() -> int:
        _REQUEST.set("set by the step")
        agen = numbers()
        kept.append(agen)
        return await agen.__anext__()

    assert opened.run(take_one(), "test_partial_iteration") == 1
    opened.close()
    assert seen == ["set by the step"]


def test_a_step_beyond_the_planned_ones_gets_a_clear_error() -> None:
    opened = open_runner(ASYNCIO, inline=True, scope=Scope.FUNCTION, step_count=1)
    opened.run(step(ASYNCIO.checkpoint), "test_only")
    with pytest.raises(RuntimeError, match=r"opened for 1 step\(s\) and has run them all"):
        opened.run(step(ASYNCIO.checkpoint), "test_extra")
    assert opened.close() == []


def test_task_started_by_a_callback_belongs_to_the_owner_of_the_step_that_scheduled_it(
    inline: bool,
) -> None:
    opened = open_runner(ASYNCIO, inline)

    async def serve_forever(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(await reader.readline())
            await asyncio.sleep(3600)
        finally:
            writer.close()

    async def start_server() -> tuple[asyncio.AbstractServer, int]:
        server = await asyncio.start_server(serve_forever, "127.0.0.1", 0)
        return server, server.sockets[0].getsockname()[1]

    async def ask(port: int) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"ping\n")
        answer = await reader.readline()
        writer.close()
        await writer.wait_closed()
        return answer

    server, port = opened.run(start_server(), "fixture server")
    assert opened.run(ask(port), "tests/test_a.py::test_client") == b"ping\n"
    server.close()
    owners = {leak.owner for leak in opened.close() if "serve_forever" in leak.description}
    assert owners == {"fixture server"}


def test_task_started_by_a_task_belongs_to_the_owner_of_its_creator(
    backend: Flavor, runner: LoopRunner
) -> None:
    async def forever() -> None:
        await backend.sleep(3600)

    async def server(go: Any) -> None:
        await go.wait()
        async with group(backend) as opened:
            start_in(backend, opened, forever)
            await backend.sleep(3600)

    events: list[Any] = []

    async def start_server() -> None:
        go = backend.event()
        events.append(go)
        backend.spawn(lambda: server(go))

    async def release_server() -> None:
        events[0].set()
        await backend.sleep(0.05)

    if backend is ASYNCIO:
        _skip_unless_task_groups(backend)
    runner.run(start_server(), "fixture server")
    runner.run(release_server(), "tests/test_a.py::test_client")
    owners = {leak.owner for leak in runner.close()}
    assert owners == {"fixture server"}


def test_close_cancels_the_tasks_left_running(backend: Flavor, runner: LoopRunner) -> None:
    cancelled: list[bool] = []

    async def forever() -> None:
        try:
            await backend.sleep(3600)
        except backend.cancelled:
            cancelled.append(True)
            raise

    async def start_background() -> None:
        backend.spawn(forever)

    runner.run(start_background(), "fixture db")
    runner.close()
    assert cancelled == [True]


def test_close_abandons_a_task_that_ignores_cancellation_and_still_reports_it(backend: Flavor) -> None:
    # Run on a thread of its own: an abandoned inline trio run stays on the thread that hosted it.
    results: list[list[LeakedTask]] = []
    elapsed: list[float] = []

    async def stubborn() -> None:
        if backend is TRIO:
            with trio.CancelScope(shield=True):
                await trio.sleep(2)
        else:
            for _ in range(200):
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.sleep(0.01)

    async def start_stubborn() -> None:
        backend.spawn(stubborn)

    def executor() -> None:
        opened = open_runner(backend, inline=True)
        opened.run(start_stubborn(), "fixture stubborn")
        started = time.monotonic()
        results.append(opened.close())
        elapsed.append(time.monotonic() - started)

    thread = threading.Thread(target=executor, daemon=True)
    thread.start()
    thread.join(10)
    assert [leak.owner for leak in results[0]] == ["fixture stubborn"]
    assert elapsed[0] < 1.5


def test_close_finalises_async_generators_left_suspended(backend: Flavor, runner: LoopRunner) -> None:
    finalised: list[bool] = []

    async def numbers() -> AsyncIterator[int]:
        try:
            yield 1
            yield 2
        finally:
            finalised.append(True)

    kept: list[AsyncIterator[int]] = []

    async def take_one() -> int:
        agen = numbers()
        kept.append(agen)
        return await agen.__anext__()

    assert runner.run(take_one(), "test_partial_iteration") == 1
    runner.close()
    assert finalised == [True]


def test_close_shuts_down_the_default_executor(inline: bool) -> None:
    opened = open_runner(ASYNCIO, inline)

    async def worker_thread() -> threading.Thread:
        return await asyncio.get_running_loop().run_in_executor(None, threading.current_thread)

    worker = opened.run(worker_thread(), "test_executor")
    opened.close()
    worker.join(5)
    assert not worker.is_alive()


def test_close_reports_a_blocked_executor_call_without_waiting_for_it(inline: bool) -> None:
    opened = open_runner(ASYNCIO, inline)
    release = threading.Event()

    async def leave_blocked_call() -> None:
        asyncio.get_running_loop().run_in_executor(None, release.wait, 10)

    opened.run(leave_blocked_call(), "tests/test_a.py::test_blocking")
    started = time.monotonic()
    try:
        leaks = opened.close()
    finally:
        release.set()
    assert time.monotonic() - started < 3
    assert [leak.owner for leak in leaks] == ["tests/test_a.py::test_blocking"]
    assert "run_in_executor" in leaks[0].description


def test_close_of_a_loop_whose_tasks_all_finished_reports_nothing(
    backend: Flavor, runner: LoopRunner
) -> None:
    finished: list[bool] = []

    async def brief() -> None:
        await backend.checkpoint()
        finished.append(True)

    async def start_and_finish() -> None:
        backend.spawn(brief)
        # Wait for the task itself rather than a fixed time, which a loaded machine can outlast.
        while not finished:
            await backend.sleep(0.001)
        await backend.checkpoint()

    runner.run(start_and_finish(), "test_tidy")
    assert runner.close() == []


# -- KeyboardInterrupt ---------------------------------------------------------


def test_keyboard_interrupt_raised_by_a_step_keeps_the_driver_usable(
    backend: Flavor, runner: LoopRunner
) -> None:
    async def interrupted() -> object:
        raise KeyboardInterrupt

    async def task() -> object:
        return backend.current_task()

    before = runner.run(task(), "fixture f")
    with pytest.raises(KeyboardInterrupt):
        runner.run(interrupted(), "test_interrupted")
    assert runner.run(task(), "fixture f") is before


def _interrupt_a_long_step(backend: Flavor, opened: LoopRunner, how: str) -> tuple[list[bool], float]:
    unwound: list[bool] = []

    async def long_test() -> None:
        try:
            await backend.sleep(10)
        finally:
            unwound.append(True)

    timer = sigint_after(0.2, how)
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        opened.run(long_test(), "test_long")
    timer.join()
    return unwound, time.monotonic() - started


@pytest.mark.parametrize("how", ["interrupt_main", "raise_signal"])
def test_sigint_while_a_hosted_step_waits_cancels_the_step(backend: Flavor, how: str) -> None:
    opened = open_runner(backend, inline=False)
    unwound, elapsed = _interrupt_a_long_step(backend, opened, how)
    assert unwound == [True]
    assert elapsed < 5
    opened.close()


class _InterruptedHandOver(asyncio.SelectorEventLoop):
    """A loop whose next thread-safe hand-over is followed at once by a KeyboardInterrupt."""

    armed = False

    def call_soon_threadsafe(self, callback: Any, *args: Any, context: Any = None) -> asyncio.Handle:
        handle = super().call_soon_threadsafe(callback, *args, context=context)
        if self.armed:
            self.armed = False
            raise KeyboardInterrupt
        return handle


def test_ctrl_c_right_after_a_step_is_handed_over_cancels_that_step() -> None:
    loops: list[_InterruptedHandOver] = []

    def make_loop() -> asyncio.AbstractEventLoop:
        loops.append(_InterruptedHandOver())
        return loops[-1]

    opened = open_runner(ASYNCIO, inline=False, loop_factory=make_loop)
    opened.run(step(asyncio.sleep, 0), "fixture first")
    slept: list[bool] = []

    async def long_test() -> None:
        await asyncio.sleep(10)
        slept.append(True)

    loops[0].armed = True
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        opened.run(long_test(), "test_long")
    assert time.monotonic() - started < 5
    assert opened.run(step(asyncio.sleep, 0, "next"), "fixture first") == "next"
    assert slept == []
    opened.close()


def test_ctrl_c_while_an_inline_step_waits_cancels_the_step(backend: Flavor) -> None:
    opened = open_runner(backend, inline=True)
    unwound, elapsed = _interrupt_a_long_step(backend, opened, "kill")
    assert unwound == [True]
    assert elapsed < 5
    opened.close()


def test_keyboard_interrupt_while_waiting_keeps_the_driver_for_teardown(
    backend: Flavor, inline: bool
) -> None:
    opened = open_runner(backend, inline)
    tasks: list[object] = []

    async def fixture() -> AsyncIterator[None]:
        tasks.append(backend.current_task())
        yield
        tasks.append(backend.current_task())

    agen = fixture()
    opened.run(step(agen.__anext__), "fixture f")
    timer = sigint_after(0.2, "kill")
    with pytest.raises(KeyboardInterrupt):
        opened.run(step(backend.sleep, 10), "test_long")
    timer.join()
    with pytest.raises(StopAsyncIteration):
        opened.run(step(agen.__anext__), "fixture f")
    assert tasks[0] is tasks[1]
    opened.close()


# -- a step that stops its own asyncio loop ------------------------------------


def test_step_that_stops_its_loop_gets_a_clear_runtime_error(inline: bool) -> None:
    opened = open_runner(ASYNCIO, inline)

    async def stopper() -> None:
        asyncio.get_running_loop().stop()

    with pytest.raises(RuntimeError, match="test_stopper stopped the event loop"):
        opened.run(stopper(), "test_stopper")
    assert opened.close() == []


def test_step_that_stops_its_loop_and_waits_is_cancelled(inline: bool) -> None:
    opened = open_runner(ASYNCIO, inline)
    cancelled: list[bool] = []

    async def stopper() -> None:
        asyncio.get_running_loop().stop()
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    with pytest.raises(RuntimeError, match="stopped the event loop"):
        opened.run(stopper(), "test_stopper")
    assert cancelled == [True]
    opened.close()


def test_steps_after_one_that_stopped_the_loop_still_run(inline: bool) -> None:
    opened = open_runner(ASYNCIO, inline)

    async def stopper() -> None:
        asyncio.get_running_loop().stop()

    async def answer() -> int:
        await asyncio.sleep(0.01)
        return 3

    with pytest.raises(RuntimeError):
        opened.run(stopper(), "test_stopper")
    assert opened.run(answer(), "test_after") == 3
    opened.close()


def test_step_that_closes_its_loop_gets_a_runtime_error(inline: bool) -> None:
    opened = open_runner(ASYNCIO, inline)

    async def closer() -> None:
        asyncio.get_running_loop().close()

    with pytest.raises(RuntimeError, match="Cannot close a running event loop"):
        opened.run(closer(), "test_closer")
    assert opened.run(step(asyncio.sleep, 0, "still usable"), "test_after") == "still usable"
    opened.close()


def test_sync_code_that_closes_the_inline_loop_gets_a_clear_error_on_the_next_step() -> None:
    opened = open_runner(ASYNCIO, inline=True)
    opened.run(step(asyncio.sleep, 0), "fixture first")
    asyncio.get_event_loop_policy().get_event_loop().close()
    coro = asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="closed by user code"):
        opened.run(coro, "test_after_close")
    coro.close()
    assert opened.close() == []


# -- the package ---------------------------------------------------------------


@pytest.mark.parametrize("library", ["trio", "asyncio"])
def test_importing_the_backends_does_not_import_an_event_loop_library(library: str) -> None:
    code = f"import sys, rustest._backends, rustest.core; print({library!r} in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_the_asyncio_backend_imports_asyncio_when_it_opens_a_loop() -> None:
    code = (
        "import sys; from rustest import core\n"
        "backend = core.AsyncioBackend(); print('asyncio' in sys.modules)\n"
        "spec = core.LoopSpec(backend='asyncio', scope=core.Scope.FUNCTION, node=-1, item=0, inline=True)\n"
        "backend.open_loop(spec).close(); print('asyncio' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "True"]


@pytest.mark.parametrize(("name", "backend_type"), [("asyncio", AsyncioBackend), ("trio", TrioBackend)])
def test_get_backend_returns_the_named_backend(name: str, backend_type: type) -> None:
    made = get_backend(name)
    assert isinstance(made, backend_type)
    assert made.name == name


def test_get_backend_passes_options_to_the_backend() -> None:
    made = get_backend("asyncio", cancel_timeout=2.5)
    assert isinstance(made, AsyncioBackend)
    assert made.cancel_timeout == 2.5


def test_get_backend_names_the_known_backends_for_an_unknown_name() -> None:
    with pytest.raises(
        ValueError, match="unknown event-loop backend 'curio': expected one of 'asyncio', 'trio'"
    ):
        get_backend("curio")


def test_backends_export_exactly_their_public_names() -> None:
    public = {
        name
        for name, value in vars(backends).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("rustest._backends")
    }
    assert sorted(backends.__all__) == sorted(public)
