"""How the executor reports user code that fails, leaks, interrupts or misbehaves, on asyncio and trio.

Whatever goes wrong, every item gets exactly one ``TestFinished``, pending
teardowns run, loops close, and each failure is reported against the test
during which it happened.
"""

from __future__ import annotations

import asyncio
import contextvars
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from typing import NoReturn

import pytest
from executor_helpers import Suite

import rustest
from rustest import core
from rustest._outcomes import Exit

SIGNAL_WAIT = 5.0
"""Seconds a test waits for the Ctrl-C it sent itself: far longer than the signal takes to arrive."""

BLOCKED_THREAD_WAIT = 1.0
"""Seconds a thread left in the default executor stays blocked, unless released sooner."""

HAND_OVER_WAIT = 0.5
"""Seconds an interrupted step would sleep if nothing cancelled it."""

SOCKET_TIMEOUT = 5.0


class DatabaseDown(Exception):
    """The failure the broken fixtures of these tests raise."""


@pytest.mark.parametrize("scope", ["module", "session"])
def test_a_failing_shared_fixture_errors_every_user_in_setup_with_its_exception(
    backend: str, scope: str
) -> None:
    suite = Suite(backend)
    kit = suite.kit

    @suite.fixture(scope=scope)
    async def database() -> None:
        await kit.sleep(0)
        raise DatabaseDown("cannot connect to db:5432")

    for number in range(3):

        async def test_user(database: None) -> None:
            raise AssertionError("a test whose fixture failed must not run")

        test_user.__name__ = f"test_user_{number}"
        suite.test(test_user)

    run = suite.run()

    for report in run.result.reports:
        assert (report.outcome, report.when) == (core.Outcome.ERROR, core.Phase.SETUP)
        (failure,) = report.failures
        assert isinstance(failure.exception, DatabaseDown)
        assert failure.message == "cannot connect to db:5432"
    assert run.finished_per_item == dict.fromkeys(run.item_ids, 1)


@pytest.mark.parametrize("scope", ["module", "session"])
def test_a_failing_shared_fixture_is_called_once(backend: str, scope: str) -> None:
    suite = Suite(backend)
    calls: list[str] = []

    @suite.fixture(scope=scope)
    async def database() -> None:
        calls.append("database")
        raise DatabaseDown("cannot connect")

    @suite.test
    async def test_1(database: None) -> None:
        pass

    @suite.test
    def test_2(database: None) -> None:
        pass

    @suite.test
    async def test_3(database: None) -> None:
        pass

    suite.run()

    assert calls == ["database"]


def test_tests_without_the_failing_fixture_still_run(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit

    @suite.fixture(scope="session")
    async def database() -> None:
        raise DatabaseDown("cannot connect")

    @suite.fixture(scope="session")
    async def cache() -> str:
        return "cache"

    @suite.test
    async def test_needs_database(database: None) -> None:
        pass

    @suite.test
    async def test_needs_cache(cache: str) -> None:
        await kit.sleep(0)

    @suite.test
    async def test_needs_nothing() -> None:
        await kit.sleep(0)

    run = suite.run()

    assert run.outcomes == {
        "test_needs_database": core.Outcome.ERROR,
        "test_needs_cache": core.Outcome.PASSED,
        "test_needs_nothing": core.Outcome.PASSED,
    }


def test_a_teardown_error_is_an_error_of_the_test_after_which_it_ran(backend: str) -> None:
    suite = Suite(backend)

    @suite.fixture(scope="module")
    async def connection() -> AsyncIterator[None]:
        yield
        raise DatabaseDown("connection reset while closing")

    @suite.test
    async def test_1(connection: None) -> None:
        pass

    @suite.test
    async def test_2(connection: None) -> None:
        pass

    run = suite.run()

    assert run.outcomes == {"test_1": core.Outcome.PASSED, "test_2": core.Outcome.ERROR}
    report = run.report("test_2")
    assert report.when is core.Phase.TEARDOWN
    (failure,) = report.failures
    assert (failure.phase, failure.message) == (core.Phase.TEARDOWN, "connection reset while closing")


def test_a_teardown_error_does_not_stop_the_other_teardowns(backend: str) -> None:
    suite = Suite(backend)
    calls: list[str] = []

    @suite.fixture(scope="session")
    async def outer() -> AsyncIterator[None]:
        yield
        calls.append("outer torn down")

    @suite.fixture(scope="module")
    def middle(outer: None) -> Iterator[None]:
        yield
        calls.append("middle torn down")

    @suite.fixture(scope="module")
    async def broken(middle: None) -> AsyncIterator[None]:
        yield
        calls.append("broken tearing down")
        raise DatabaseDown("teardown failed")

    @suite.fixture
    async def inner(broken: None) -> AsyncIterator[None]:
        yield
        calls.append("inner torn down")

    @suite.test
    async def test_all(inner: None) -> None:
        pass

    run = suite.run()

    assert run.outcomes == {"test_all": core.Outcome.ERROR}
    assert calls == ["inner torn down", "broken tearing down", "middle torn down", "outer torn down"]


def test_a_teardown_error_after_a_failed_test_keeps_both_failures(backend: str) -> None:
    suite = Suite(backend)

    @suite.fixture
    async def resource() -> AsyncIterator[None]:
        yield
        raise DatabaseDown("teardown failed")

    @suite.test
    async def test_fails(resource: None) -> None:
        raise AssertionError("the test itself failed")

    report = suite.run().report("test_fails")

    assert (report.outcome, report.when) == (core.Outcome.FAILED, core.Phase.CALL)
    assert [(f.phase, f.message) for f in report.failures] == [
        (core.Phase.CALL, "the test itself failed"),
        (core.Phase.TEARDOWN, "teardown failed"),
    ]


def test_an_exception_in_an_async_generators_teardown_is_reported_with_its_frames(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit

    @suite.fixture
    async def session_handle() -> AsyncIterator[None]:
        yield
        await kit.sleep(0)
        raise DatabaseDown("could not release the handle")

    @suite.test
    async def test_uses_handle(session_handle: None) -> None:
        pass

    report = suite.run().report("test_uses_handle")

    assert (report.outcome, report.when) == (core.Outcome.ERROR, core.Phase.TEARDOWN)
    (failure,) = report.failures
    assert (failure.exc_type, failure.message) == ("DatabaseDown", "could not release the handle")
    assert failure.frames[-1].name == "session_handle"


def test_an_async_generator_fixture_that_yields_twice_is_a_teardown_error(backend: str) -> None:
    suite = Suite(backend)

    @suite.fixture
    async def greedy() -> AsyncIterator[int]:
        yield 1
        yield 2

    @suite.test
    async def test_uses_greedy(greedy: int) -> None:
        pass

    report = suite.run().report("test_uses_greedy")

    assert (report.outcome, report.when) == (core.Outcome.ERROR, core.Phase.TEARDOWN)
    assert "yielded more than once" in report.failures[0].message


def test_an_async_generator_fixture_that_never_yields_is_a_setup_error(backend: str) -> None:
    suite = Suite(backend)

    @suite.fixture
    async def empty() -> AsyncIterator[int]:
        return
        yield 1

    @suite.test
    async def test_uses_empty(empty: int) -> None:
        pass

    report = suite.run().report("test_uses_empty")

    assert (report.outcome, report.when) == (core.Outcome.ERROR, core.Phase.SETUP)
    assert "did not yield" in report.failures[0].message


def test_a_task_left_running_on_an_isolated_loop_is_a_warning_of_its_test(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit

    @suite.test
    async def test_leaks() -> None:
        kit.spawn_forever()

    @suite.test
    async def test_clean() -> None:
        await kit.sleep(0)

    run = suite.run()

    assert run.outcomes == {"test_leaks": core.Outcome.PASSED, "test_clean": core.Outcome.PASSED}
    (warning,) = run.report("test_leaks").warnings
    assert "test_mod.py::test_leaks" in warning
    assert "cancelled" in warning
    assert run.report("test_clean").warnings == ()
    assert run.warning_events == []


@pytest.mark.parametrize("hosting", ["inline", "hosted"])
def test_a_task_left_running_on_a_session_loop_is_a_warning_naming_its_test(
    backend: str, hosting: str
) -> None:
    suite = Suite(backend)
    kit = suite.kit

    @suite.fixture(scope="session")
    async def shared() -> AsyncIterator[None]:
        yield

    @suite.test
    async def test_leaks(shared: None) -> None:
        kit.spawn_forever()

    if hosting == "hosted":

        @suite.test
        def test_sync_between(shared: None) -> None:
            pass

    @suite.test
    async def test_clean(shared: None) -> None:
        await kit.sleep(0)

    run = suite.run()

    assert set(run.outcomes.values()) == {core.Outcome.PASSED}
    assert run.report("test_clean").warnings == ()
    named_in_events = [w for w in run.warning_events if w.nodeid == "test_mod.py::test_leaks"]
    in_report = run.report("test_leaks").warnings
    assert len(named_in_events) + len(in_report) == 1
    assert all(w.nodeid == "test_mod.py::test_leaks" for w in run.warning_events)


def test_a_task_left_running_by_a_fixture_is_a_warning_naming_the_fixture(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit

    @suite.fixture
    async def leaky() -> None:
        kit.spawn_forever()

    @suite.test
    async def test_uses_leaky(leaky: None) -> None:
        pass

    run = suite.run()

    (warning,) = run.report("test_uses_leaky").warnings
    assert "test_mod.py::test_uses_leaky (fixture 'leaky')" in warning


def test_a_task_that_ignores_cancellation_does_not_hang_the_run() -> None:
    suite = Suite("asyncio")

    async def stubborn() -> None:
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                continue

    left_running: list[asyncio.Task[None]] = []

    @suite.test
    async def test_leaks_stubborn_task() -> None:
        left_running.append(asyncio.get_running_loop().create_task(stubborn()))

    run = suite.run(backends={"asyncio": core.AsyncioBackend(cancel_timeout=0.05)})

    assert run.outcomes == {"test_leaks_stubborn_task": core.Outcome.PASSED}
    assert len(run.report("test_leaks_stubborn_task").warnings) == 1


@pytest.mark.parametrize("hosting", ["inline", "hosted"])
def test_a_test_that_stops_its_loop_fails_and_the_loop_serves_the_next_test(hosting: str) -> None:
    suite = Suite("asyncio")

    @suite.fixture(scope="session")
    async def shared() -> AsyncIterator[None]:
        yield

    if hosting == "hosted":

        @suite.test
        def test_sync_first(shared: None) -> None:
            pass

    @suite.test
    async def test_stops_loop(shared: None) -> None:
        asyncio.get_running_loop().stop()
        await asyncio.sleep(0.01)

    @suite.test
    async def test_next(shared: None) -> None:
        await asyncio.sleep(0)

    run = suite.run()

    assert (run.outcomes["test_stops_loop"], run.outcomes["test_next"]) == (
        core.Outcome.FAILED,
        core.Outcome.PASSED,
    )
    assert "loop.stop()" in run.report("test_stops_loop").failures[0].message


def test_a_test_that_closes_its_running_loop_fails_and_the_loop_serves_the_next_test() -> None:
    suite = Suite("asyncio")

    @suite.fixture(scope="session")
    async def shared() -> AsyncIterator[None]:
        yield

    @suite.test
    async def test_closes_loop(shared: None) -> None:
        asyncio.get_running_loop().close()

    @suite.test
    async def test_next(shared: None) -> None:
        await asyncio.sleep(0)

    run = suite.run()

    assert run.outcomes == {"test_closes_loop": core.Outcome.FAILED, "test_next": core.Outcome.PASSED}


def test_a_sync_test_that_closes_its_fixtures_loop_does_not_break_the_run() -> None:
    suite = Suite("asyncio")

    @suite.fixture
    async def loop() -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    @suite.test
    def test_closes_loop(loop: asyncio.AbstractEventLoop) -> None:
        loop.close()

    @suite.test
    async def test_next() -> None:
        await asyncio.sleep(0)

    run = suite.run()

    assert run.outcomes["test_next"] is core.Outcome.PASSED
    assert run.finished_per_item == dict.fromkeys(run.item_ids, 1)


SIGNALS: dict[str, tuple[Callable[[], NoReturn], core.Outcome]] = {
    "skip": (lambda: rustest.skip("not today"), core.Outcome.SKIPPED),
    "fail": (lambda: rustest.fail("failed on purpose"), core.Outcome.FAILED),
    "xfail": (lambda: rustest.xfail("known bug"), core.Outcome.XFAILED),
}


@pytest.mark.parametrize("signal", list(SIGNALS))
def test_a_signal_raised_in_an_async_test_gives_its_outcome_and_the_loop_goes_on(
    backend: str, signal: str
) -> None:
    suite = Suite(backend)
    kit = suite.kit
    raise_signal, outcome = SIGNALS[signal]

    @suite.fixture(scope="session")
    async def shared() -> AsyncIterator[None]:
        yield

    @suite.test
    async def test_signals(shared: None) -> None:
        await kit.sleep(0)
        raise_signal()

    @suite.test
    async def test_next(shared: None) -> None:
        await kit.sleep(0)

    run = suite.run()

    assert run.outcomes == {"test_signals": outcome, "test_next": core.Outcome.PASSED}
    assert run.report("test_signals").when is core.Phase.CALL


def test_skip_in_an_async_fixture_skips_the_test_in_setup_and_the_loop_goes_on(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit

    @suite.fixture(scope="session")
    async def shared() -> AsyncIterator[None]:
        yield

    @suite.fixture
    async def needs_gpu(shared: None) -> None:
        await kit.sleep(0)
        rustest.skip("no GPU here")

    @suite.test
    async def test_on_gpu(needs_gpu: None) -> None:
        raise AssertionError("a skipped test must not run")

    @suite.test
    async def test_next(shared: None) -> None:
        await kit.sleep(0)

    run = suite.run()

    assert run.outcomes == {"test_on_gpu": core.Outcome.SKIPPED, "test_next": core.Outcome.PASSED}
    report = run.report("test_on_gpu")
    assert (report.when, report.reason) == (core.Phase.SETUP, "no GPU here")


def test_keyboard_interrupt_in_a_test_runs_every_teardown_and_closes_every_loop(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit
    calls: list[str] = []
    loops: list[object] = []

    @suite.fixture(scope="session")
    async def session_resource() -> AsyncIterator[None]:
        loops.append(kit.current_loop())
        yield
        calls.append("session torn down")

    @suite.fixture(scope="module")
    async def module_resource(session_resource: None) -> AsyncIterator[None]:
        yield
        calls.append("module torn down")

    @suite.fixture(scope="module")
    def sync_module_resource() -> Iterator[None]:
        yield
        calls.append("sync module torn down")

    @suite.test
    async def test_before(module_resource: None, sync_module_resource: None) -> None:
        calls.append("test_before")

    @suite.test
    async def test_interrupted(module_resource: None) -> None:
        await kit.sleep(0)
        raise KeyboardInterrupt

    @suite.test
    async def test_after(module_resource: None) -> None:
        calls.append("test_after")

    @suite.test
    async def test_isolated_after() -> None:
        calls.append("test_isolated_after")

    suite.run()

    assert sorted(calls) == sorted(
        ["test_before", "module torn down", "sync module torn down", "session torn down"]
    )
    assert calls.index("module torn down") < calls.index("session torn down")
    assert all(kit.loop_is_closed(loop) for loop in loops)


def test_keyboard_interrupt_in_a_test_reports_the_remaining_tests_as_not_run(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit

    @suite.fixture(scope="module")
    async def module_resource() -> AsyncIterator[None]:
        yield

    @suite.test
    async def test_before(module_resource: None) -> None:
        pass

    @suite.test
    async def test_interrupted(module_resource: None) -> None:
        await kit.sleep(0)
        raise KeyboardInterrupt

    @suite.test
    async def test_after(module_resource: None) -> None:
        pass

    @suite.test
    def test_sync_after() -> None:
        pass

    run = suite.run()

    assert run.outcomes["test_before"] is core.Outcome.PASSED
    assert run.outcomes["test_interrupted"] is not core.Outcome.PASSED
    for name in ("test_after", "test_sync_after"):
        report = run.report(name)
        assert report.outcome is core.Outcome.SKIPPED
        assert report.reason.startswith("not run")
    assert run.session_finished.interrupted
    assert run.result.interrupted
    assert run.finished_per_item == dict.fromkeys(run.item_ids, 1)


def test_keyboard_interrupt_in_a_sync_test_still_tears_down_async_fixtures(backend: str) -> None:
    suite = Suite(backend)
    calls: list[str] = []

    @suite.fixture(scope="session")
    async def session_resource() -> AsyncIterator[None]:
        yield
        calls.append("session torn down")

    @suite.test
    def test_interrupted(session_resource: None) -> None:
        raise KeyboardInterrupt

    @suite.test
    async def test_after(session_resource: None) -> None:
        calls.append("test_after")

    run = suite.run()

    assert calls == ["session torn down"]
    assert run.session_finished.interrupted
    assert run.finished_per_item == dict.fromkeys(run.item_ids, 1)


def test_keyboard_interrupt_in_an_async_fixture_interrupts_the_run(backend: str) -> None:
    suite = Suite(backend)
    calls: list[str] = []

    @suite.fixture(scope="session")
    async def outer() -> AsyncIterator[None]:
        yield
        calls.append("outer torn down")

    @suite.fixture
    async def interrupting(outer: None) -> None:
        raise KeyboardInterrupt

    @suite.test
    async def test_interrupted(interrupting: None) -> None:
        calls.append("test_interrupted")

    @suite.test
    async def test_after(outer: None) -> None:
        calls.append("test_after")

    run = suite.run()

    assert calls == ["outer torn down"]
    assert run.session_finished.interrupted
    assert run.outcomes["test_interrupted"] is core.Outcome.ERROR
    assert run.finished_per_item == dict.fromkeys(run.item_ids, 1)


def test_maxfail_stops_after_the_first_failure_and_still_runs_pending_teardowns(backend: str) -> None:
    suite = Suite(backend)
    calls: list[str] = []

    @suite.fixture(scope="session")
    async def session_resource() -> AsyncIterator[None]:
        yield
        calls.append("session torn down")

    @suite.fixture(scope="module")
    async def module_resource(session_resource: None) -> AsyncIterator[None]:
        yield
        calls.append("module torn down")

    @suite.test
    async def test_fails(module_resource: None) -> None:
        raise AssertionError("first failure")

    @suite.test
    async def test_not_run(module_resource: None) -> None:
        calls.append("test_not_run")

    @suite.test
    def test_sync_not_run() -> None:
        calls.append("test_sync_not_run")

    run = suite.run(maxfail=1)

    assert calls == ["module torn down", "session torn down"]
    assert run.outcomes == {
        "test_fails": core.Outcome.FAILED,
        "test_not_run": core.Outcome.SKIPPED,
        "test_sync_not_run": core.Outcome.SKIPPED,
    }
    assert run.session_finished.interrupted
    assert run.finished_per_item == dict.fromkeys(run.item_ids, 1)


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="needs signal.pthread_kill")
@pytest.mark.parametrize("hosting", ["inline", "hosted"])
def test_ctrl_c_while_an_async_test_waits_cancels_it_and_runs_every_teardown(
    backend: str, hosting: str
) -> None:
    suite = Suite(backend)
    kit = suite.kit
    calls: list[str] = []

    @suite.fixture(scope="session")
    async def session_resource() -> AsyncIterator[None]:
        yield
        calls.append("session torn down")

    @suite.fixture
    async def local(session_resource: None) -> AsyncIterator[None]:
        yield
        calls.append("local torn down")

    if hosting == "hosted":

        @suite.test
        def test_sync_first(session_resource: None) -> None:
            pass

    @suite.test
    async def test_waits(local: None) -> None:
        # The pause lets the executor's thread settle into waiting for this step (see the
        # hand-over test below). On a hosted loop this runs on the hosting thread, and
        # the executor's thread gets the signal.
        await kit.sleep(0.05)
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
        await kit.sleep(SIGNAL_WAIT)
        calls.append("test_waits slept to the end")

    @suite.test
    async def test_after(session_resource: None) -> None:
        calls.append("test_after")

    try:
        run = suite.run()
    except KeyboardInterrupt:
        pytest.fail("the KeyboardInterrupt escaped from core.run")

    assert calls == ["local torn down", "session torn down"]
    assert run.report("test_waits").outcome is core.Outcome.ERROR
    assert run.report("test_after").reason.startswith("not run")
    assert run.session_finished.interrupted
    assert run.finished_per_item == dict.fromkeys(run.item_ids, 1)


def test_keyboard_interrupt_in_a_module_teardown_still_runs_the_session_teardown(backend: str) -> None:
    suite = Suite(backend)
    calls: list[str] = []
    second_module = suite.module("test_second.py")

    @suite.fixture(scope="session")
    async def session_resource() -> AsyncIterator[None]:
        yield
        calls.append("session torn down")

    @suite.fixture(scope="module")
    async def module_resource(session_resource: None) -> AsyncIterator[None]:
        yield
        raise KeyboardInterrupt

    @suite.test
    async def test_first(module_resource: None) -> None:
        pass

    @suite.test(node=second_module)
    async def test_in_second_module(session_resource: None) -> None:
        calls.append("test_in_second_module")

    run = suite.run()

    assert calls == ["session torn down"]
    assert run.outcomes == {"test_first": core.Outcome.ERROR, "test_in_second_module": core.Outcome.SKIPPED}
    assert run.session_finished.interrupted
    assert run.finished_per_item == dict.fromkeys(run.item_ids, 1)


def test_maxfail_reports_a_later_test_with_a_plan_error_as_not_run(backend: str) -> None:
    suite = Suite(backend)

    @suite.fixture(scope="session")
    async def session_resource() -> AsyncIterator[None]:
        yield

    @suite.test
    async def test_fails(session_resource: None) -> None:
        raise AssertionError("first failure")

    @suite.test(loop_scope="function")
    async def test_with_plan_error(session_resource: None) -> None:
        pass

    run = suite.run(maxfail=1)

    report = run.report("test_with_plan_error")
    assert (report.outcome, report.reason) == (core.Outcome.SKIPPED, "not run: stopping after 1 failure")


def test_a_teardown_error_while_stopping_leaves_not_run_tests_not_run(backend: str) -> None:
    suite = Suite(backend)

    @suite.fixture(scope="session")
    async def session_resource() -> AsyncIterator[None]:
        yield
        raise DatabaseDown("session teardown failed")

    @suite.test
    async def test_fails(session_resource: None) -> None:
        raise AssertionError("first failure")

    @suite.test
    async def test_not_run(session_resource: None) -> None:
        pass

    run = suite.run(maxfail=1)

    report = run.report("test_not_run")
    assert (report.outcome, report.failures) == (core.Outcome.SKIPPED, ())
    reported = [w.message for w in run.warning_events] + [
        f.message for f in run.report("test_fails").failures
    ]
    assert any("session teardown failed" in message for message in reported)


class InterruptedHandOverLoop(asyncio.SelectorEventLoop):
    """A loop that, once armed, raises KeyboardInterrupt right after a thread hands it a callback.

    This is Ctrl-C landing in the executor's thread just after it handed a
    step to a hosted loop, which a real signal does now and then.
    """

    armed = False

    def call_soon_threadsafe(
        self,
        callback: Callable[..., object],
        *args: object,
        context: contextvars.Context | None = None,
    ) -> asyncio.Handle:
        """Schedule *callback*; if armed, disarm and raise KeyboardInterrupt in the calling thread."""
        handle = super().call_soon_threadsafe(callback, *args, context=context)
        if self.armed:
            self.armed = False
            raise KeyboardInterrupt
        return handle


def test_ctrl_c_just_after_a_step_is_handed_to_a_hosted_loop_still_cancels_the_step() -> None:
    suite = Suite("asyncio")
    calls: list[str] = []

    @suite.fixture(scope="session")
    async def session_loop() -> AsyncIterator[asyncio.AbstractEventLoop]:
        yield asyncio.get_running_loop()
        calls.append("session torn down")

    @suite.test
    def test_arms_the_loop(session_loop: asyncio.AbstractEventLoop) -> None:
        assert isinstance(session_loop, InterruptedHandOverLoop)
        session_loop.armed = True

    @suite.test
    async def test_waits(session_loop: asyncio.AbstractEventLoop) -> None:
        await asyncio.sleep(HAND_OVER_WAIT)
        calls.append("test_waits slept to the end")

    run = suite.run(backends={"asyncio": core.AsyncioBackend(InterruptedHandOverLoop)})

    assert run.report("test_waits").outcome is core.Outcome.ERROR
    assert calls == ["session torn down"]


def test_keyboard_interrupt_is_reported_with_the_frames_where_it_was_raised(backend: str) -> None:
    suite = Suite(backend)
    kit = suite.kit

    @suite.test
    async def test_interrupted() -> None:
        await kit.sleep(0)
        raise KeyboardInterrupt

    (failure,) = suite.run().report("test_interrupted").failures

    assert failure.exc_type == "KeyboardInterrupt"
    assert [frame.name for frame in failure.frames] == ["test_interrupted"]


def test_exit_in_an_async_test_stops_the_run_and_still_runs_teardowns(backend: str) -> None:
    suite = Suite(backend)
    calls: list[str] = []

    @suite.fixture(scope="session")
    async def session_resource() -> AsyncIterator[None]:
        yield
        calls.append("session torn down")

    @suite.test
    async def test_exits(session_resource: None) -> None:
        raise Exit("the database is gone")

    @suite.test
    async def test_after(session_resource: None) -> None:
        calls.append("test_after")

    run = suite.run()

    assert calls == ["session torn down"]
    assert run.report("test_after").reason.startswith("not run")
    assert run.session_finished.interrupted
    assert "the database is gone" in run.session_finished.reason


def test_a_blocked_executor_thread_left_by_a_test_does_not_hold_the_run() -> None:
    suite = Suite("asyncio")
    release = threading.Event()

    @suite.test
    async def test_leaves_a_blocked_thread() -> None:
        asyncio.get_running_loop().run_in_executor(None, release.wait, BLOCKED_THREAD_WAIT)

    started = time.monotonic()
    try:
        run = suite.run(backends={"asyncio": core.AsyncioBackend(cancel_timeout=0.05)})
    finally:
        release.set()

    assert time.monotonic() - started < BLOCKED_THREAD_WAIT / 2
    assert run.report("test_leaves_a_blocked_thread").warnings


def test_a_connection_handler_left_running_by_an_asyncio_server_fixture_names_the_fixture() -> None:
    suite = Suite("asyncio")

    async def serve_forever(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.read(10)
            writer.write(b"ok")
            await writer.drain()
            await asyncio.sleep(3600)
        finally:
            writer.close()

    @suite.fixture(scope="session")
    async def server() -> AsyncIterator[tuple[str, int]]:
        started = await asyncio.start_server(serve_forever, "127.0.0.1", 0)
        yield started.sockets[0].getsockname()[:2]
        started.close()

    @suite.test
    async def test_async_step(server: tuple[str, int]) -> None:
        await asyncio.sleep(0)

    @suite.test
    def test_client(server: tuple[str, int]) -> None:
        with socket.create_connection(server, timeout=SOCKET_TIMEOUT) as conn:
            conn.sendall(b"hello")
            assert conn.recv(10) == b"ok"

    run = suite.run(backends={"asyncio": core.AsyncioBackend(cancel_timeout=0.05)})

    warnings = [w.message for w in run.warning_events] + [w for r in run.result.reports for w in r.warnings]
    (warning,) = [w for w in warnings if "serve_forever" in w]
    assert "(fixture 'server')" in warning


def build_faulty_suite(backend: str, interrupt: bool) -> Suite:
    """Return a suite that holds every kind of fault, on shared and isolated loops, sync and async.

    With *interrupt*, one test in the middle raises KeyboardInterrupt.
    """
    suite = Suite(backend)
    kit = suite.kit
    second_module = suite.module("test_second.py")

    @suite.fixture(scope="session")
    async def session_resource() -> AsyncIterator[None]:
        yield
        raise DatabaseDown("session teardown failed")

    @suite.fixture(scope="module")
    async def broken_module_resource(session_resource: None) -> None:
        raise DatabaseDown("module setup failed")

    @suite.fixture
    async def failing_teardown(session_resource: None) -> AsyncIterator[None]:
        yield
        raise DatabaseDown("function teardown failed")

    @suite.fixture
    async def skipping() -> None:
        rustest.skip("skipped in a fixture")

    @suite.test
    async def test_needs_broken_1(broken_module_resource: None) -> None:
        pass

    @suite.test
    async def test_leaks(session_resource: None) -> None:
        kit.spawn_forever()

    @suite.test(loop_scope="function")
    async def test_loop_scope_error(session_resource: None) -> None:
        pass

    @suite.test
    def test_sync_fails(failing_teardown: None) -> None:
        raise AssertionError("sync failure")

    @suite.test
    async def test_needs_broken_2(broken_module_resource: None) -> None:
        pass

    if interrupt:

        @suite.test
        async def test_interrupts(session_resource: None) -> None:
            raise KeyboardInterrupt

    @suite.test
    async def test_skipped_by_fixture(skipping: None) -> None:
        pass

    @suite.test(node=second_module)
    async def test_xfails(session_resource: None) -> None:
        rustest.xfail("known")

    @suite.test(node=second_module)
    async def test_isolated_fails() -> None:
        await kit.sleep(0)
        raise AssertionError("async failure")

    @suite.test(node=second_module)
    async def test_passes(failing_teardown: None) -> None:
        await kit.sleep(0)

    return suite


@pytest.mark.parametrize("maxfail", [0, 1, 3])
@pytest.mark.parametrize("interrupt", [False, True], ids=["uninterrupted", "interrupted"])
def test_every_item_of_a_faulty_run_is_started_and_finished_exactly_once(
    backend: str, maxfail: int, interrupt: bool
) -> None:
    run = build_faulty_suite(backend, interrupt).run(maxfail=maxfail)

    started = Counter(e.nodeid for e in run.events if isinstance(e, core.TestStarted))
    assert started == Counter(run.item_ids)
    assert run.finished_per_item == dict.fromkeys(run.item_ids, 1)
    assert [r.nodeid for r in run.result.reports] == run.item_ids
    assert sum(run.session_finished.counts.values()) == len(run.item_ids)
